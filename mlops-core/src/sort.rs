//! Sorting numeric samples fast and exactly, on order-preserving `u64` keys.
//!
//! Drift tests on raw data (KS, Wasserstein, CvM) need both samples sorted,
//! and the profiler sorts a column's values for its exact quantiles; on
//! million-row columns the comparison sort is most of their cost. Shared by
//! `drift` and `profile`, so it sits below both. Only
//! the key bits that vary across a sample matter, and one cheap read finds
//! them (the OR of every key XOR the first):
//!
//! - at most [`COUNT_BITS`] varying bits (integers of a small range, flags):
//!   a counting sort, one read and one sequential write;
//! - otherwise an LSD radix sort on the top [`RADIX_BITS`] varying bits,
//!   then a fix-up that sorts the rare runs of keys that tie in those bits
//!   but not below them (floats carry 52 mantissa bits, but a million values
//!   are told apart by far fewer).
//!
//! Every path sorts whole keys, so the result equals
//! `sort_unstable_by(f64::total_cmp)` bit for bit.

/// Maps an `f64` to a `u64` whose unsigned order is the IEEE total order.
#[inline(always)]
pub fn f64_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// The inverse of [`f64_key`].
#[inline(always)]
pub fn f64_unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Maps an `i64` to a `u64` whose unsigned order is the signed order.
#[inline(always)]
pub fn i64_key(x: i64) -> u64 {
    (x as u64) ^ (1 << 63)
}

/// The inverse of [`i64_key`].
#[inline(always)]
pub fn i64_unkey(k: u64) -> i64 {
    (k ^ (1 << 63)) as i64
}

/// Bits per radix digit: 2^11 counters of a pass stay in the L1 cache.
const DIGIT_BITS: u32 = 11;
/// The radix passes sort on at most this many of the top varying bits;
/// ties in them are sorted by the fix-up.
const RADIX_BITS: u32 = 3 * DIGIT_BITS;
/// At most this many varying bits are sorted by counting.
const COUNT_BITS: u32 = 16;
/// Below this length the comparison sort is as fast.
const SMALL: usize = 2048;

/// Sorts `v` ascending in the IEEE total order (`-0.0 < 0.0`; NaN last).
pub fn sort_f64(v: &mut [f64]) {
    if v.len() <= SMALL {
        v.sort_unstable_by(f64::total_cmp);
        return;
    }
    // The keys live in `v` itself (as bit patterns): no second buffer.
    for x in v.iter_mut() {
        *x = f64::from_bits(f64_key(*x));
    }
    // SAFETY: f64 and u64 have the same size, alignment and validity
    // (every bit pattern is valid for both).
    let keys = unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u64>(), v.len()) };
    sort_keys(keys);
    for x in v.iter_mut() {
        *x = f64_unkey(x.to_bits());
    }
}

/// Sorts `keys` ascending (unsigned order).
pub fn sort_keys(keys: &mut [u64]) {
    if keys.len() <= SMALL {
        keys.sort_unstable();
        return;
    }
    let varying = varying_bits(keys);
    if varying == 0 {
        return; // all equal
    }
    let lo = varying.trailing_zeros();
    let hi = 64 - varying.leading_zeros();
    if hi - lo <= COUNT_BITS && (1usize << (hi - lo)) <= keys.len() {
        counting_sort(keys, lo, hi - lo);
        return;
    }
    let from = lo.max(hi.saturating_sub(RADIX_BITS));
    SCRATCH.with(|cell| {
        let mut scratch = cell.take();
        // Reused across calls on this thread: a fresh 8 MB buffer per
        // million values would cost a page fault per 4 KiB, every time.
        scratch.resize(keys.len(), 0);
        radix_sort(keys, &mut scratch, from, hi);
        if scratch.len() <= MAX_KEPT_SCRATCH {
            cell.set(scratch);
        }
    });
    if from > lo {
        fix_ties(keys, from);
    }
}

thread_local! {
    static SCRATCH: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Largest scratch buffer kept between calls (64 MiB of keys).
const MAX_KEPT_SCRATCH: usize = 8 << 20;

/// The bits in which some key differs from the first one.
fn varying_bits(keys: &[u64]) -> u64 {
    let first = keys[0];
    // Independent accumulators so the OR chain vectorises.
    let mut acc = [0u64; 8];
    let chunks = keys.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &k) in acc.iter_mut().zip(c) {
            *a |= k ^ first;
        }
    }
    rest.iter()
        .fold(acc.iter().fold(0, |a, &b| a | b), |a, &k| a | (k ^ first))
}

/// Sorts keys that differ only in the `bits` bits from `lo`: counts each
/// pattern, then writes every pattern as often as it came, in order.
fn counting_sort(keys: &mut [u64], lo: u32, bits: u32) {
    let mask = (1u64 << bits) - 1;
    let base = keys[0] & !(mask << lo);
    let mut counts = vec![0usize; 1 << bits];
    for &k in keys.iter() {
        counts[((k >> lo) & mask) as usize] += 1;
    }
    let mut at = 0;
    for (pattern, &c) in counts.iter().enumerate() {
        keys[at..at + c].fill(base | (pattern as u64) << lo);
        at += c;
    }
}

/// LSD radix sort of `keys` by their bits `from..to` (stable, so keys that
/// tie in those bits keep their input order).
fn radix_sort(keys: &mut [u64], scratch: &mut [u64], from: u32, to: u32) {
    let passes = (to - from).div_ceil(DIGIT_BITS);
    // Digits of equal width: 30 bits sort as 3 × 10 rather than 11 + 11 + 8.
    let width = (to - from).div_ceil(passes);
    let mask = (1usize << width) - 1;
    let shift = |p: u32| from + p * width;
    // Every pass's counts in one read.
    let mut hist = vec![[0usize; 1 << DIGIT_BITS]; passes as usize];
    for &k in keys.iter() {
        for (p, h) in hist.iter_mut().enumerate() {
            h[((k >> shift(p as u32)) as usize) & mask] += 1;
        }
    }
    let mut in_scratch = false;
    for (p, h) in hist.iter_mut().enumerate() {
        let mut sum = 0;
        for c in h.iter_mut() {
            let here = *c;
            *c = sum;
            sum += here;
        }
        let s = shift(p as u32);
        let (src, dst): (&[u64], &mut [u64]) = if in_scratch {
            (scratch, keys)
        } else {
            (keys, scratch)
        };
        for &k in src {
            let d = ((k >> s) as usize) & mask;
            dst[h[d]] = k;
            h[d] += 1;
        }
        in_scratch = !in_scratch;
    }
    if in_scratch {
        keys.copy_from_slice(scratch);
    }
}

/// Finishes a sort of `keys` by their bits from `from` up: keys that tie in
/// those bits sit together, in any order; each such run that is out of
/// order is sorted. Runs are short, and a pair in order costs one compare.
fn fix_ties(keys: &mut [u64], from: u32) {
    let mut i = 1;
    while i < keys.len() {
        if keys[i - 1] <= keys[i] {
            i += 1;
            continue;
        }
        let run = keys[i] >> from;
        let mut a = i - 1;
        while a > 0 && keys[a - 1] >> from == run {
            a -= 1;
        }
        let mut b = i + 1;
        while b < keys.len() && keys[b] >> from == run {
            b += 1;
        }
        keys[a..b].sort_unstable();
        i = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sorts_small_slices() {
        // The examples these functions carried when the module was public.
        let mut v = vec![3.0, -1.5, 0.0, 2.25, -0.0];
        sort_f64(&mut v);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&v), bits(&[-1.5, -0.0, 0.0, 2.25, 3.0]));
        let mut k = vec![5u64, 1 << 40, 0, 5, 3];
        sort_keys(&mut k);
        assert_eq!(k, vec![0, 3, 5, 5, 1 << 40]);
    }

    #[test]
    fn keys_round_trip_and_order() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -0.0,
            0.0,
            1e-310,
            1.0,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(f64_key(w[0]) < f64_key(w[1]), "{} < {}", w[0], w[1]);
        }
        for &x in &xs {
            assert_eq!(f64_unkey(f64_key(x)).to_bits(), x.to_bits());
        }
        for w in [i64::MIN, -1, 0, 1, i64::MAX].windows(2) {
            assert!(i64_key(w[0]) < i64_key(w[1]));
            assert_eq!(i64_unkey(i64_key(w[0])), w[0]);
        }
    }

    fn check(mut v: Vec<f64>) {
        let mut want = v.clone();
        want.sort_unstable_by(f64::total_cmp);
        sort_f64(&mut v);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_path_sorts_exactly() {
        // A cheap deterministic generator: the paths depend on the data's
        // shape, not on its randomness.
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let n = 20_000;
        // Small integers: counting sort.
        check((0..n).map(|_| (next() % 300) as f64).collect());
        // Integers of a wider range: radix, no fix-up.
        check((0..n).map(|_| (next() % 1_000_000) as f64 - 5e5).collect());
        // Floats of every sign and scale: radix and fix-up.
        check((0..n).map(|_| f64::from_bits(next()) % 1e6).collect());
        // A tight cluster beside a far value: long runs tie in the top bits.
        let mut v: Vec<f64> = (0..n)
            .map(|_| 1.0 + (next() % 4096) as f64 * 1e-15)
            .collect();
        v.push(1e300);
        check(v);
        // All equal.
        check(vec![2.5; n]);
    }

    proptest! {
        #[test]
        fn equals_comparison_sort(v in proptest::collection::vec(
            prop_oneof![any::<f64>().prop_filter("finite", |x| x.is_finite()), -3.0..3.0f64, Just(0.0), Just(-0.0)],
            0..6000,
        )) {
            check(v);
        }

        #[test]
        fn sorts_keys_of_few_varying_bits(v in proptest::collection::vec(0u64..5000, 0..8000), high in any::<u64>()) {
            let mut k: Vec<u64> = v.iter().map(|x| (high & !0xffff_ffff) | x << 7).collect();
            let mut want = k.clone();
            want.sort_unstable();
            sort_keys(&mut k);
            prop_assert_eq!(k, want);
        }
    }
}
