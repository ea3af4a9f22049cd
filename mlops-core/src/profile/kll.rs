//! The KLL quantile sketch of profiles: Apache DataSketches' algorithm and
//! compact image, with the coin of its compactions held in the sketch.
//!
//! DataSketches' KLL (Karnin, Lang, Liberty) keeps levels of sorted values,
//! a value at level `h` standing for `2^h` of the stream. When the sketch is
//! full, the lowest level at its capacity is compacted: sorted, and every
//! other value, from an offset chosen by a fair coin, moves up a level (an
//! odd value out stays). Capacities, the choice of level, the merge
//! (append the other sketch's levels, then compact where over capacity) and
//! the bytes are DataSketches' own, so images are read and written
//! interchangeably with the `datasketches` crate and the Java and C++
//! libraries, and queries answer exactly as the crate's do on the same
//! levels.
//!
//! The one difference is the coin. DataSketches flips a per-thread generator
//! seeded from the process's random keys, so the same data gives different
//! bytes every run. Here each sketch holds its own SplitMix64 state: a
//! sketch's levels depend only on its seed and the values in the order
//! given, whichever thread runs it. The coin is not part of the bytes; a
//! decoded sketch is seeded from a hash of its bytes.
//!
//! Error: the a-priori normalized rank error at 99 % confidence is
//! `2.296 / k^0.9723` for one query (1.33 % at `k = 200`) and `2.446 /
//! k^0.9433` for PMF masses (1.65 %), DataSketches' empirical bounds. Up to
//! about `k` values the sketch holds every value and answers exactly.

use datasketches::kll::{KllFloat, KllSketch};

use crate::error::{Error, Result};

use super::sketches::KLL_K;

/// DataSketches' minimum level capacity `m` (the only one images may carry).
const M: u8 = 8;
const PREAMBLE_INTS_SHORT: u8 = 2;
const PREAMBLE_INTS_FULL: u8 = 5;
const SERIAL_VERSION_1: u8 = 1;
const SERIAL_VERSION_2: u8 = 2;
const FAMILY_KLL: u8 = 15;
const FLAG_EMPTY: u8 = 1;
const FLAG_LEVEL_ZERO_SORTED: u8 = 1 << 1;
const FLAG_SINGLE_ITEM: u8 = 1 << 2;

fn corrupt(e: impl std::fmt::Display) -> Error {
    Error::Integrity(format!("KLL sketch: {e}"))
}

/// A mergeable quantile sketch over finite `f64` values (see the module
/// docs of [`sketches`](super::sketches) for its error).
#[derive(Debug, Clone)]
pub struct Quantiles {
    k: u16,
    /// The smallest `k` of the sketches merged in (it sets the error).
    min_k: u16,
    n: u64,
    /// Level `h` holds values of weight `2^h`; levels above 0 are sorted,
    /// level 0 is in insertion order unless `level_zero_sorted`.
    levels: Vec<Vec<f64>>,
    level_zero_sorted: bool,
    /// Values retained and the capacity of the current levels: a value
    /// arriving at a full sketch first compacts a level.
    retained: usize,
    capacity: usize,
    /// Exact extremes (meaningful when `n > 0`).
    min: f64,
    max: f64,
    /// SplitMix64 state: the coin of the compactions.
    coin: u64,
}

impl Default for Quantiles {
    /// An empty sketch with `k = KLL_K` and seed 0.
    fn default() -> Self {
        Self::with_seed(0)
    }
}

/// A `u64` seed from byte strings (length-prefixed, hashed with BLAKE3), the
/// same on every platform and run.
pub(crate) fn seed_of(parts: &[&[u8]]) -> u64 {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let b = h.finalize();
    u64::from_le_bytes(b.as_bytes()[..8].try_into().expect("8 bytes"))
}

impl Quantiles {
    /// An empty sketch with `k = KLL_K` whose compactions flip a coin
    /// seeded with `seed`: the same seed and values in the same order give
    /// the same sketch.
    pub fn with_seed(seed: u64) -> Self {
        Self::empty(KLL_K, KLL_K, seed)
    }

    fn empty(k: u16, min_k: u16, seed: u64) -> Self {
        Self {
            k,
            min_k,
            n: 0,
            levels: vec![Vec::new()],
            level_zero_sorted: false,
            retained: 0,
            capacity: total_capacity(k, 1),
            min: 0.0,
            max: 0.0,
            coin: seed,
        }
    }

    /// Restarts the coin from `seed` (the values held are kept).
    pub fn reseed(&mut self, seed: u64) {
        self.coin = seed;
    }

    /// One fair coin flip: the low bit of the next SplitMix64 output.
    fn flip(&mut self) -> bool {
        self.coin = self.coin.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.coin;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) & 1 == 1
    }

    /// Adds a value (NaN is ignored; callers also filter infinities).
    #[inline]
    pub fn push(&mut self, x: f64) {
        if x.is_nan() || self.n == u64::MAX {
            return;
        }
        self.widen(x, x);
        self.insert(x);
    }

    /// Takes `[lo, hi]` into the exact extremes.
    fn widen(&mut self, lo: f64, hi: f64) {
        if self.n == 0 {
            (self.min, self.max) = (lo, hi);
        } else {
            if lo < self.min {
                self.min = lo;
            }
            if self.max < hi {
                self.max = hi;
            }
        }
    }

    /// DataSketches' `internal_update`: compact if full, then append to level 0.
    fn insert(&mut self, x: f64) {
        if self.retained >= self.capacity {
            self.compact_one();
        }
        self.n += 1;
        self.retained += 1;
        self.level_zero_sorted = false;
        self.levels[0].push(x);
    }

    /// Compacts the lowest level at its capacity into the one above.
    fn compact_one(&mut self) {
        let num = self.levels.len();
        let Some(level) =
            (0..num).find(|&l| self.levels[l].len() >= level_capacity(self.k, num, l))
        else {
            // Unreachable: a full sketch has a level at capacity.
            debug_assert!(false, "a full KLL sketch has no level at capacity");
            return;
        };
        if level + 1 == num {
            self.levels.push(Vec::new());
        }
        let current = std::mem::take(&mut self.levels[level]);
        let above = std::mem::take(&mut self.levels[level + 1]);
        let coin = self.flip();
        let (leftover, promoted) = compact_level(
            current,
            level,
            self.level_zero_sorted,
            coin,
            above.is_empty(),
        );
        self.levels[level + 1] = if above.is_empty() {
            promoted
        } else {
            merge_sorted(&promoted, &above)
        };
        self.levels[level] = leftover.into_iter().collect();
        self.refresh();
    }

    fn refresh(&mut self) {
        self.retained = self.levels.iter().map(Vec::len).sum();
        self.capacity = total_capacity(self.k, self.levels.len());
    }

    /// Adds finite values given in ascending order (a sorted batch), using
    /// the slice as working space: its contents are unspecified afterwards.
    ///
    /// Feeding a sorted batch item by item would spend most of its time in
    /// compactions of tiny lower levels. Instead the batch is compacted the
    /// way KLL compacts a sorted level, all at once: halve it (every other
    /// item from an offset chosen by the coin, an odd item out staying
    /// behind as KLL keeps it) until at most `k` items are left, and merge
    /// the resulting sketch into this one. Each level is compacted once,
    /// with a buffer larger than KLL's, so the rank error is no larger than
    /// item-by-item updates give (each halving of a sorted level moves any
    /// rank by at most the level's weight, with zero mean). Up to `k`
    /// values are pushed as they are (exact).
    pub fn push_sorted(&mut self, sorted: &mut [f64]) {
        debug_assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
        let k = self.k as usize;
        if sorted.len() <= k {
            sorted.iter().for_each(|&x| self.push(x));
            return;
        }
        let n = sorted.len() as u64;
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        // Halve in place: item i of the next level comes from 2i + offset or
        // later, so it is read before it is overwritten.
        let mut levels: Vec<Vec<f64>> = Vec::new();
        let mut len = sorted.len();
        while len > k {
            // An odd count leaves its smallest item behind, as KLL does for a
            // sorted level.
            let odd = len % 2;
            levels.push(sorted[..odd].to_vec());
            let start = odd + usize::from(self.flip());
            let half = (len - odd) / 2;
            for i in 0..half {
                sorted[i] = sorted[start + 2 * i];
            }
            len = half;
        }
        levels.push(sorted[..len].to_vec());
        // A stream past 2^64 values is the only refusal; it cannot happen.
        let _ = self.merge_levels(n, min, max, self.k, &levels);
    }

    /// Number of values seen.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Merges another sketch into this one (DataSketches' merge: the
    /// other's level 0 item by item, then its higher levels appended and
    /// compacted where over capacity). Only a combined stream past 2^64
    /// values is refused.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        self.merge_levels(other.n, other.min, other.max, other.min_k, &other.levels)
    }

    fn merge_levels(
        &mut self,
        n: u64,
        min: f64,
        max: f64,
        min_k: u16,
        levels: &[Vec<f64>],
    ) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        let total = self.n.checked_add(n).ok_or_else(|| {
            corrupt(format_args!(
                "merging streams of {} and {n} values overflows",
                self.n
            ))
        })?;
        self.widen(min, max);
        for &x in &levels[0] {
            self.insert(x);
        }
        if levels.len() >= 2 {
            // Level by level, this sketch's values and the other's.
            let mut mine = std::mem::take(&mut self.levels);
            mine.resize_with(mine.len().max(levels.len()), Vec::new);
            let mut work: Vec<Vec<f64>> = Vec::with_capacity(mine.len() + 1);
            for (h, left) in mine.into_iter().enumerate() {
                let right: &[f64] = match levels.get(h) {
                    Some(r) if h > 0 => r,
                    _ => &[],
                };
                work.push(if left.is_empty() {
                    right.to_vec()
                } else if right.is_empty() {
                    left
                } else {
                    merge_sorted(&left, right)
                });
            }
            self.levels = self.general_compress(work);
            self.refresh();
        }
        self.n = total;
        if levels.len() > 1 {
            self.min_k = self.min_k.min(min_k);
        }
        Ok(())
    }

    /// DataSketches' `general_compress`: from the bottom up, compact each
    /// level at its capacity while the sketch holds more than its levels'
    /// total capacity, adding a level on top when the top one compacts.
    fn general_compress(&mut self, mut levels_in: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
        let k = self.k;
        let mut num_levels = levels_in.len();
        let mut count: usize = levels_in.iter().map(Vec::len).sum();
        let mut target = total_capacity(k, num_levels);
        let mut out: Vec<Vec<f64>> = Vec::with_capacity(num_levels + 1);
        let mut level = 0;
        while level < num_levels {
            if level + 1 >= levels_in.len() {
                levels_in.push(Vec::new());
            }
            let pop = levels_in[level].len();
            if count < target || pop < level_capacity(k, num_levels, level) {
                out.push(std::mem::take(&mut levels_in[level]));
            } else {
                let current = std::mem::take(&mut levels_in[level]);
                let above = std::mem::take(&mut levels_in[level + 1]);
                let coin = self.flip();
                let (leftover, promoted) = compact_level(
                    current,
                    level,
                    self.level_zero_sorted,
                    coin,
                    above.is_empty(),
                );
                count = count.saturating_sub(promoted.len());
                levels_in[level + 1] = if above.is_empty() {
                    promoted
                } else {
                    merge_sorted(&promoted, &above)
                };
                out.push(leftover.into_iter().collect());
                if level == num_levels - 1 {
                    num_levels += 1;
                    target += level_capacity(k, num_levels, 0);
                    if levels_in.len() < num_levels + 1 {
                        levels_in.resize_with(num_levels + 1, Vec::new);
                    }
                }
            }
            level += 1;
        }
        out.truncate(num_levels);
        out
    }

    /// The retained values with their weights, sorted (ties in level
    /// order, as DataSketches' sorted view has them), and the total weight.
    fn sorted_view(&self) -> Vec<(f64, u64)> {
        let mut view: Vec<(f64, u64)> = Vec::with_capacity(self.retained);
        for (h, level) in self.levels.iter().enumerate() {
            let start = view.len();
            view.extend(level.iter().map(|&x| (x, 1u64 << h)));
            if h == 0 && !self.level_zero_sorted {
                view[start..].sort_unstable_by(|a, b| cmp(a.0, b.0));
            }
        }
        // Every level is sorted: a stable sort merges them, ties in level order.
        view.sort_by(|a, b| cmp(a.0, b.0));
        let mut acc = 0u64;
        for e in &mut view {
            acc += e.1;
            e.1 = acc;
        }
        view
    }

    /// The value at normalized rank `q` (inclusive rule: the smallest retained
    /// value whose rank is at least `q`, like numpy's `inverted_cdf`).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles(&[q])?.pop()
    }

    /// [`quantile`](Self::quantile) at each rank, from one sorted view;
    /// `None` if the sketch is empty or a rank is outside `[0, 1]`.
    pub fn quantiles(&self, ranks: &[f64]) -> Option<Vec<f64>> {
        if self.n == 0 || ranks.iter().any(|q| !(0.0..=1.0).contains(q)) {
            return None;
        }
        let view = self.sorted_view();
        let total = view.last().map_or(0, |e| e.1);
        let at = |q: f64| {
            if q == 0.0 {
                return self.min;
            }
            if q == 1.0 {
                return self.max;
            }
            let weight = (q * total as f64).ceil() as u64;
            let i = view.partition_point(|e| e.1 < weight);
            view[i.min(view.len() - 1)].0
        };
        Some(ranks.iter().map(|&q| at(q)).collect())
    }

    /// The fraction of values in each bin delimited by strictly increasing
    /// `splits` (NaN splits are skipped): below the first, between
    /// neighbours (lower edge included), from the last up.
    pub fn pmf(&self, splits: &[f64]) -> Option<Vec<f64>> {
        let s: Vec<f64> = splits.iter().copied().filter(|x| !x.is_nan()).collect();
        if s.windows(2).any(|w| w[0] >= w[1]) || self.n == 0 {
            return None;
        }
        let view = self.sorted_view();
        let total = view.last().map_or(0, |e| e.1) as f64;
        let mut out: Vec<f64> = s
            .iter()
            .map(|&x| match view.partition_point(|e| e.0 < x) {
                0 => 0.0,
                i => view[i - 1].1 as f64 / total,
            })
            .collect();
        out.push(1.0);
        for i in (1..out.len()).rev() {
            out[i] -= out[i - 1];
        }
        Some(out)
    }

    /// The sketch's a-priori normalized rank error (99 % confidence, one query).
    pub fn rank_error(&self) -> f64 {
        2.296 / f64::from(self.min_k).powf(0.9723)
    }

    /// DataSketches' compact KLL image (as the `datasketches` crate and the
    /// Java and C++ libraries write it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let sorted = if self.level_zero_sorted {
            FLAG_LEVEL_ZERO_SORTED
        } else {
            0
        };
        let (preamble, version, flags) = match self.n {
            0 => (PREAMBLE_INTS_SHORT, SERIAL_VERSION_1, FLAG_EMPTY | sorted),
            1 => (
                PREAMBLE_INTS_SHORT,
                SERIAL_VERSION_2,
                FLAG_SINGLE_ITEM | sorted,
            ),
            _ => (PREAMBLE_INTS_FULL, SERIAL_VERSION_1, sorted),
        };
        let mut b = Vec::with_capacity(20 + 4 * self.levels.len() + 8 * (2 + self.retained));
        b.extend_from_slice(&[preamble, version, FAMILY_KLL, flags]);
        b.extend_from_slice(&self.k.to_le_bytes());
        b.extend_from_slice(&[M, 0]);
        match self.n {
            0 => return b,
            1 => {
                b.extend_from_slice(&self.levels[0][0].to_le_bytes());
                return b;
            }
            _ => {}
        }
        b.extend_from_slice(&self.n.to_le_bytes());
        b.extend_from_slice(&self.min_k.to_le_bytes());
        b.extend_from_slice(&[self.levels.len() as u8, 0]);
        debug_assert!(self.retained <= self.capacity);
        let mut offset = self.capacity.saturating_sub(self.retained) as u32;
        for level in &self.levels {
            b.extend_from_slice(&offset.to_le_bytes());
            offset += level.len() as u32;
        }
        b.extend_from_slice(&self.min.to_le_bytes());
        b.extend_from_slice(&self.max.to_le_bytes());
        let (zero, rest) = self.levels.split_first().expect("a level");
        let zero: Box<dyn Iterator<Item = &f64>> = if self.level_zero_sorted {
            Box::new(zero.iter())
        } else {
            // DataSketches writes an unsorted level 0 newest first.
            Box::new(zero.iter().rev())
        };
        for x in zero.chain(rest.iter().flatten()) {
            b.extend_from_slice(&x.to_le_bytes());
        }
        b
    }

    /// Decodes [`to_bytes`](Self::to_bytes): any image the `datasketches`
    /// crate reads (the same checks refuse the rest, as
    /// [`Error::Integrity`]). The coin is seeded from a hash of the bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        KllSketch::<KllFloat<f64>>::deserialize(b).map_err(corrupt)?;
        let short = || corrupt("the image is shorter than it says");
        let mut r = b.iter().copied();
        let mut take = |n: usize| -> Result<Vec<u8>> {
            let v: Vec<u8> = r.by_ref().take(n).collect();
            (v.len() == n).then_some(v).ok_or_else(short)
        };
        let head = take(8)?;
        let (flags, k) = (head[3], u16::from_le_bytes([head[4], head[5]]));
        let mut q = Self::empty(k, k, seed_of(&[b"kll image", b]));
        q.level_zero_sorted = flags & FLAG_LEVEL_ZERO_SORTED != 0;
        let f64_at = |v: &[u8], i: usize| f64::from_le_bytes(v[i..i + 8].try_into().expect("8"));
        if flags & FLAG_EMPTY != 0 {
            return Ok(q);
        }
        if flags & FLAG_SINGLE_ITEM != 0 {
            let x = f64_at(&take(8)?, 0);
            (q.n, q.min, q.max, q.levels) = (1, x, x, vec![vec![x]]);
            q.refresh();
            return Ok(q);
        }
        let pre = take(12)?;
        q.n = u64::from_le_bytes(pre[..8].try_into().expect("8"));
        q.min_k = u16::from_le_bytes([pre[8], pre[9]]);
        let num_levels = pre[10] as usize;
        let offsets = take(4 * num_levels)?;
        let mut offsets: Vec<usize> = offsets
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4")) as usize)
            .collect();
        offsets.push(total_capacity(k, num_levels));
        let ends = take(16)?;
        (q.min, q.max) = (f64_at(&ends, 0), f64_at(&ends, 8));
        q.levels = offsets
            .windows(2)
            .map(|w| {
                let bytes = take(8 * (w[1] - w[0]))?;
                Ok(bytes.chunks_exact(8).map(|c| f64_at(c, 0)).collect())
            })
            .collect::<Result<_>>()?;
        if !q.level_zero_sorted {
            q.levels[0].reverse();
        }
        q.refresh();
        Ok(q)
    }
}

/// The order of non-NaN floats DataSketches' `KllFloat` uses (`-0.0 == 0.0`).
fn cmp(a: f64, b: f64) -> std::cmp::Ordering {
    a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
}

/// DataSketches' `compact_level`: an odd item out stays (the newest of an
/// unsorted level 0, else the smallest), the level is sorted, and every
/// other item moves up, from the offset the coin chose.
fn compact_level(
    mut items: Vec<f64>,
    level: usize,
    level_zero_sorted: bool,
    coin: bool,
    use_up: bool,
) -> (Option<f64>, Vec<f64>) {
    let odd = items.len() % 2 == 1;
    let needs_sort = level == 0 && !level_zero_sorted;
    let mut leftover = if odd && needs_sort { items.pop() } else { None };
    if needs_sort {
        items.sort_unstable_by(|a, b| cmp(*a, *b));
    }
    let mut rest: &[f64] = &items;
    if odd && !needs_sort {
        leftover = Some(items[0]);
        rest = &items[1..];
    }
    let offset = usize::from(coin);
    let parity = if use_up {
        (rest.len() - 1 - offset) % 2
    } else {
        offset
    };
    let promoted = rest.iter().skip(parity).step_by(2).copied().collect();
    (leftover, promoted)
}

/// Merges two sorted runs (ties from `right` first, as DataSketches does).
fn merge_sorted(left: &[f64], right: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if left[i] < right[j] {
            out.push(left[i]);
            i += 1;
        } else {
            out.push(right[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    out
}

/// The capacity of level `level` of `num_levels`: `k (2/3)^depth` rounded,
/// at least `m`.
fn level_capacity(k: u16, num_levels: usize, level: usize) -> usize {
    kll_level_capacity(k, num_levels - level - 1).max(M as u32) as usize
}

fn total_capacity(k: u16, num_levels: usize) -> usize {
    (0..num_levels)
        .map(|l| level_capacity(k, num_levels, l))
        .sum()
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
