//! The sketches of profiles, with fixed parameters, merges and Apache
//! DataSketches' byte encodings (readable by the Java, C++ and Rust
//! libraries).
//!
//! Error bounds (documented to users in the crate docs and the README):
//! - quantiles: KLL with `k = 200`, normalized rank error at most 1.33 % for
//!   a quantile and 1.65 % for a PMF mass (99 % confidence) whatever the
//!   data size and however many merges; exact below about 200 values;
//! - distinct counts: HLL with `lg_k = 12` (4096 registers), relative standard
//!   error about 1.6 %; exact-ish (coupon list) for small cardinalities;
//! - frequent items: misra-gries style sketch with 512 counters: counts are
//!   exact while a column has at most 384 distinct values; beyond that only
//!   values guaranteed to be frequent (true count above `max_error`, which is
//!   reported) are listed, each estimate within `max_error` of the truth, so
//!   a uniform high-cardinality column lists none rather than noise.
//!
//! Determinism: the same values in the same order give the same bytes, run
//! after run, on any thread. The quantile sketch is DataSketches' KLL
//! ([`Quantiles`]) with the coin of its compactions seeded per sketch: a
//! profile's column from its name, an accumulator's from its spec, partition
//! and column, a decoded sketch from its bytes. HLL and the frequent-items
//! sketch have no randomness: they hash values with fixed-seed MurmurHash3
//! (integers in native byte order and lengths in native words, so bytes
//! match across platforms of one endianness and word size) and their purges
//! take a deterministic sample. All three sketches' bytes depend on the
//! order of values and merges, which is why merges of partial states fold
//! them in partition order. One more dependence: decoding and re-encoding a
//! set-mode HLL or a frequent-items sketch may reorder its table (same
//! content), and later merges then insert in that order; so a state sent
//! through bytes once more (e.g. merged per column first) may end in other
//! bytes, and in an HLL estimate or frequent items past the exact range
//! that differ within their bounds, though again the same every run.

use datasketches::frequencies::{ErrorType, FrequentItemsSketch};
use datasketches::hll::{HllSketch, HllType, HllUnion};

use crate::error::{Error, Result};

pub use super::kll::Quantiles;

/// KLL accuracy parameter.
pub const KLL_K: u16 = 200;
/// log2 of the number of HLL registers.
pub const HLL_LG_K: u8 = 12;
/// Maximum number of counters of the frequent-items sketch.
pub const FREQ_MAP_SIZE: usize = 512;

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Integrity(format!("{what} sketch: {e}"))
}

/// A mergeable distinct-count sketch.
#[derive(Debug, Clone)]
pub struct Distinct(HllSketch);

impl Default for Distinct {
    fn default() -> Self {
        Self(HllSketch::new(HLL_LG_K, HllType::Hll8).expect("valid HLL lg_k"))
    }
}

impl Distinct {
    /// Adds a value.
    #[inline(always)]
    pub fn push<T: std::hash::Hash>(&mut self, v: T) {
        self.0.update(v);
    }
    /// Merges another sketch into this one.
    pub fn merge(&mut self, other: &Self) {
        let mut u = HllUnion::new(HLL_LG_K).expect("valid HLL lg_k");
        u.update(&self.0);
        u.update(&other.0);
        self.0 = u.to_sketch(HllType::Hll8);
    }
    /// The estimated number of distinct values.
    pub fn estimate(&self) -> f64 {
        self.0.estimate()
    }
    /// Compact, cross-language DataSketches encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.serialize()
    }
    /// Decodes [`to_bytes`](Self::to_bytes).
    /// The library reads some damaged sketches (a list-mode coupon count
    /// past the coupons stored) and then writes bytes it cannot read back,
    /// so a sketch is accepted only when what it writes reads back, with
    /// the same estimate. (Its encoding is not canonical: a set-mode
    /// sketch's table depends on insertion order, so bytes are not
    /// compared.)
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        let s = HllSketch::deserialize(b).map_err(|e| corrupt("HLL", e))?;
        match HllSketch::deserialize(&s.serialize()) {
            Ok(again) if again.estimate().to_bits() == s.estimate().to_bits() => Ok(Self(s)),
            _ => Err(corrupt(
                "HLL",
                "its counts disagree with the values it holds",
            )),
        }
    }
}

/// A mergeable frequent-items sketch over integers (also float bit patterns)
/// or strings.
#[derive(Debug, Clone)]
pub enum Frequent {
    /// Integer-like values, and floats by bit pattern.
    Int(FrequentItemsSketch<i64>),
    /// Strings.
    Str(FrequentItemsSketch<String>),
}

/// One frequent value with its estimated count.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequentRow<T> {
    /// The value.
    pub value: T,
    /// Its estimated count (exact while the sketch has not purged).
    pub count: u64,
}

impl Frequent {
    /// An empty integer sketch.
    pub fn ints() -> Self {
        Self::Int(FrequentItemsSketch::new(FREQ_MAP_SIZE).expect("valid map size"))
    }
    /// An empty string sketch.
    pub fn strings() -> Self {
        Self::Str(FrequentItemsSketch::new(FREQ_MAP_SIZE).expect("valid map size"))
    }
    /// Merges another sketch of the same kind into this one.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => a.merge(b),
            (Self::Str(a), Self::Str(b)) => a.merge(b),
            _ => {
                return Err(Error::SchemaMismatch(
                    "frequent-items sketches of different kinds".into(),
                ))
            }
        }
        Ok(())
    }
    /// The largest error of any count estimate.
    pub fn max_error(&self) -> u64 {
        match self {
            Self::Int(s) => s.maximum_error(),
            Self::Str(s) => s.maximum_error(),
        }
    }
    /// Integer rows, most frequent first, ties by value.
    pub fn int_rows(&self) -> Vec<FrequentRow<i64>> {
        let Self::Int(s) = self else { return vec![] };
        let mut rows: Vec<_> = s
            .frequent_items(ErrorType::NoFalsePositives)
            .into_iter()
            .map(|r| FrequentRow {
                value: *r.item(),
                count: r.estimate(),
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        rows
    }
    /// String rows, most frequent first, ties by value.
    pub fn str_rows(&self) -> Vec<FrequentRow<String>> {
        let Self::Str(s) = self else { return vec![] };
        let mut rows: Vec<_> = s
            .frequent_items(ErrorType::NoFalsePositives)
            .into_iter()
            .map(|r| FrequentRow {
                value: r.item().clone(),
                count: r.estimate(),
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        rows
    }
    /// Compact, cross-language DataSketches encoding (the kind is stored by the caller).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Int(s) => s.serialize(),
            Self::Str(s) => s.serialize(),
        }
    }
    /// Decodes [`to_bytes`](Self::to_bytes) for the given kind.
    pub fn from_bytes(strings: bool, b: &[u8]) -> Result<Self> {
        if strings {
            FrequentItemsSketch::deserialize(b).map(Self::Str)
        } else {
            FrequentItemsSketch::deserialize(b).map(Self::Int)
        }
        .map_err(|e| corrupt("frequent-items", e))
    }
}
