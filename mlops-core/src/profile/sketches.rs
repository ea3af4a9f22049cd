//! Thin wrappers over Apache DataSketches that fix the parameters, the merge
//! and the byte encoding used by profiles.
//!
//! Error bounds (documented to users in the crate docs and the README):
//! - quantiles: KLL with `k = 200`, normalized rank error about 1.65 % (99 %
//!   confidence, two-sided) whatever the data size; exact below about 200 values;
//! - distinct counts: HLL with `lg_k = 12` (4096 registers), relative standard
//!   error about 1.6 %; exact-ish (coupon list) for small cardinalities;
//! - frequent items: misra-gries style sketch with 512 counters: counts are
//!   exact while a column has at most 384 distinct values; beyond that only
//!   values guaranteed to be frequent (true count above `max_error`, which is
//!   reported) are listed, each estimate within `max_error` of the truth, so
//!   a uniform high-cardinality column lists none rather than noise.

use datasketches::common::SearchCriteria;
use datasketches::frequencies::{ErrorType, FrequentItemsSketch};
use datasketches::hll::{HllSketch, HllType, HllUnion};
use datasketches::kll::{KllFloat, KllSketch};

use crate::error::{Error, Result};

/// KLL accuracy parameter.
pub const KLL_K: u16 = 200;
/// log2 of the number of HLL registers.
pub const HLL_LG_K: u8 = 12;
/// Maximum number of counters of the frequent-items sketch.
pub const FREQ_MAP_SIZE: usize = 512;

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Integrity(format!("{what} sketch: {e}"))
}

/// A mergeable quantile sketch over finite `f64` values.
#[derive(Debug, Clone)]
pub struct Quantiles(KllSketch<KllFloat<f64>>);

impl Default for Quantiles {
    fn default() -> Self {
        Self(KllSketch::new(KLL_K).expect("valid KLL k"))
    }
}

impl Quantiles {
    /// Adds a finite value (callers filter NaN and infinities).
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        if let Ok(v) = KllFloat::<f64>::new(x) {
            self.0.update(v);
        }
    }
    /// Number of values seen.
    pub fn n(&self) -> u64 {
        self.0.n()
    }
    /// Merges another sketch into this one.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        self.0.merge(&other.0).map_err(|e| corrupt("KLL", e))
    }
    /// The value at normalized rank `q` (inclusive rule: the smallest retained
    /// value whose rank is at least `q`, like numpy's `inverted_cdf`).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&q) {
            return None;
        }
        self.0
            .quantile(q, SearchCriteria::Inclusive)
            .ok()
            .flatten()
            .map(|v| v.into_inner())
    }
    /// The fraction of values in each bin delimited by strictly increasing `splits`.
    pub fn pmf(&self, splits: &[f64]) -> Option<Vec<f64>> {
        let s: Vec<KllFloat<f64>> = splits
            .iter()
            .filter_map(|&x| KllFloat::<f64>::new(x).ok())
            .collect();
        self.0.pmf(&s, SearchCriteria::Exclusive).ok().flatten()
    }
    /// The sketch's a-priori normalized rank error.
    pub fn rank_error(&self) -> f64 {
        self.0.normalized_rank_error()
    }
    /// Compact, cross-language DataSketches encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.serialize()
    }
    /// Decodes [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        KllSketch::deserialize(b)
            .map(Self)
            .map_err(|e| corrupt("KLL", e))
    }
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
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        HllSketch::deserialize(b)
            .map(Self)
            .map_err(|e| corrupt("HLL", e))
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
