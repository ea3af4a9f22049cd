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
    /// Adds finite values given in ascending order (a sorted batch), using
    /// the slice as working space: its contents are unspecified afterwards.
    ///
    /// Feeding a sorted batch item by item would spend most of its time in
    /// compactions of tiny lower levels. Instead the batch is compacted the
    /// way KLL compacts a sorted level, all at once: halve it (every other
    /// item from a random offset, an odd item out staying behind as KLL keeps
    /// it) until at most `k` items are left, and merge the resulting sketch
    /// into this one. Each level is compacted once, with a buffer larger than
    /// KLL's, so the rank error is no larger than item-by-item updates give
    /// (each halving of a sorted level moves any rank by at most the level's
    /// weight, with zero mean); the sketch, its merge and its bytes are
    /// DataSketches' own. Up to `k` values are pushed as they are (exact).
    pub fn push_sorted(&mut self, sorted: &mut [f64]) {
        debug_assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
        if sorted.len() <= KLL_K as usize {
            sorted.iter().for_each(|&x| self.push(x));
            return;
        }
        let n = sorted.len() as u64;
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        // Halve in place: item i of the next level comes from 2i + offset or
        // later, so it is read before it is overwritten.
        let mut leftovers: Vec<Option<f64>> = Vec::new();
        let mut len = sorted.len();
        while len > KLL_K as usize {
            // An odd count leaves its smallest item behind, as KLL does for a
            // sorted level.
            let odd = len % 2;
            leftovers.push((odd == 1).then(|| sorted[0]));
            let start = odd + usize::from(random_bit());
            let half = (len - odd) / 2;
            for i in 0..half {
                sorted[i] = sorted[start + 2 * i];
            }
            len = half;
        }
        let image = kll_image(n, min, max, &leftovers, &sorted[..len]);
        // The image is built to DataSketches' layout and the merge can only
        // refuse another `m` or a stream over 2^64 values: neither happens.
        // Were the crate ever to refuse either, the sketch would miss this
        // batch, so that is a test failure, not a silent fallback.
        let batch = KllSketch::deserialize(&image).expect("a valid KLL image");
        self.0.merge(&batch).expect("sketches of one k and m merge");
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

/// DataSketches' compact KLL image (serial version 1, level zero sorted) of
/// a sketch with `k = KLL_K` and `m = 8` whose lower levels hold at most one
/// item each (`leftovers`, from level 0 up) and whose top level is `top`; see
/// `kll/serialization.rs` of the crate and `KllPreambleUtil` of
/// datasketches-java. This is the one public way to give the crate a
/// sketch's levels.
fn kll_image(n: u64, min: f64, max: f64, leftovers: &[Option<f64>], top: &[f64]) -> Vec<u8> {
    const PREAMBLE_INTS_FULL: u8 = 5;
    const SERIAL_VERSION_1: u8 = 1;
    const FAMILY_KLL: u8 = 15;
    const FLAG_LEVEL_ZERO_SORTED: u8 = 1 << 1;
    const M: u8 = 8;
    let levels = leftovers.len() + 1;
    let capacity: u32 = (0..levels)
        .map(|level| kll_level_capacity(KLL_K, levels - level - 1).max(M as u32))
        .sum();
    let below: Vec<f64> = leftovers.iter().flatten().copied().collect();
    let retained = (below.len() + top.len()) as u32;
    let mut b = Vec::with_capacity(20 + 4 * levels + 8 * (2 + retained as usize));
    b.extend_from_slice(&[
        PREAMBLE_INTS_FULL,
        SERIAL_VERSION_1,
        FAMILY_KLL,
        FLAG_LEVEL_ZERO_SORTED,
    ]);
    b.extend_from_slice(&KLL_K.to_le_bytes());
    b.extend_from_slice(&[M, 0]);
    b.extend_from_slice(&n.to_le_bytes());
    b.extend_from_slice(&KLL_K.to_le_bytes()); // min_k
    b.extend_from_slice(&[levels as u8, 0]);
    let mut offset = capacity.saturating_sub(retained);
    for l in leftovers {
        b.extend_from_slice(&offset.to_le_bytes());
        offset += u32::from(l.is_some());
    }
    b.extend_from_slice(&offset.to_le_bytes());
    b.extend_from_slice(&min.to_le_bytes());
    b.extend_from_slice(&max.to_le_bytes());
    for x in below.iter().chain(top) {
        b.extend_from_slice(&x.to_le_bytes());
    }
    b
}

/// KLL's capacity of the level `depth` levels below the top: `k (2/3)^depth`
/// rounded, as DataSketches computes it (before the floor `m`).
fn kll_level_capacity(k: u16, depth: usize) -> u32 {
    fn shallow(k: u64, depth: usize) -> u64 {
        ((k << (depth + 1)) / 3u64.pow(depth as u32) + 1) >> 1
    }
    if depth <= 30 {
        return shallow(k as u64, depth) as u32;
    }
    let first = depth / 2;
    shallow(shallow(k as u64, first), depth - first) as u32
}

/// One uniformly random bit from this thread's SplitMix64 stream, seeded
/// from the process's random hash keys: the coin of KLL's compactions.
fn random_bit() -> bool {
    use std::cell::Cell;
    use std::hash::BuildHasher;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::collections::hash_map::RandomState::new().hash_one(std::thread::current().id()),
        );
    }
    STATE.with(|s| {
        let state = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        s.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) & 1 == 1
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [0, 1): a Weyl sequence (well spread, no ties).
    fn values(n: usize, seed: u64) -> Vec<f64> {
        (0..n as u64)
            .map(|i| ((i + seed * 7919) as f64 * 0.618_033_988_749_895).fract())
            .collect()
    }

    /// The largest distance between the normalized rank of the sketch's
    /// quantile and the query, over 999 queries (exact ranks by sorting).
    fn max_rank_error(q: &Quantiles, all: &[f64]) -> f64 {
        let mut sorted = all.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len() as f64;
        (1..1000)
            .map(|i| {
                let r = i as f64 / 1000.0;
                let v = q.quantile(r).unwrap();
                let rank = sorted.partition_point(|&x| x <= v) as f64 / n;
                (rank - r).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn sorted_batches_keep_the_rank_error_bound() {
        for (n, batch) in [
            (201, 201),
            (1_000, 1_000),
            (4_097, 4_097),
            (1_000_003, 131_072),
        ] {
            for seed in 0..4 {
                let all = values(n, seed);
                let mut q = Quantiles::default();
                for chunk in all.chunks(batch) {
                    let mut c = chunk.to_vec();
                    c.sort_by(f64::total_cmp);
                    q.push_sorted(&mut c);
                }
                assert_eq!(q.n(), n as u64);
                let err = max_rank_error(&q, &all);
                // The a-priori bound holds per query with 99 % confidence.
                assert!(err <= q.rank_error(), "n {n}, seed {seed}: {err}");
                // Exact ends, and bytes that round-trip through DataSketches.
                let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
                assert_eq!(q.quantile(0.0), Some(lo));
                let back = Quantiles::from_bytes(&q.to_bytes()).unwrap();
                assert_eq!(back.quantile(0.5), q.quantile(0.5));
            }
        }
    }

    #[test]
    fn small_sorted_batches_stay_exact() {
        let mut q = Quantiles::default();
        let mut a: Vec<f64> = (0..150).map(f64::from).collect();
        q.push_sorted(&mut a);
        let mut b: Vec<f64> = (150..200).map(f64::from).collect();
        q.push_sorted(&mut b);
        assert_eq!(q.n(), 200);
        assert_eq!(q.quantile(0.5), Some(99.0));
        assert_eq!(q.quantile(1.0), Some(199.0));
    }
}
