//! Sorting finite `f64` samples fast: an LSD radix sort on order-preserving
//! `u64` keys.
//!
//! Drift tests on raw data (KS, Wasserstein, CvM) need both samples sorted;
//! on million-row columns the comparison sort is most of their cost. Radix
//! sorting 11 bits per pass, skipping passes in which every key has the same
//! digit (common in the exponent bits), is several times faster and exact:
//! the result equals `sort_unstable_by(f64::total_cmp)`.

/// Maps an `f64` to a `u64` whose unsigned order is the IEEE total order.
#[inline(always)]
fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

#[inline(always)]
fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

const BITS: u32 = 11;
const BUCKETS: usize = 1 << BITS;
const PASSES: usize = 64usize.div_ceil(BITS as usize);
/// Below this length the comparison sort is as fast.
const SMALL: usize = 2048;

/// Sorts `v` ascending in the IEEE total order (`-0.0 < 0.0`; NaN last).
///
/// ```
/// let mut v = vec![3.0, -1.5, 0.0, 2.25, -0.0];
/// mlops_core::drift::sort::sort_f64(&mut v);
/// assert_eq!(v, vec![-1.5, -0.0, 0.0, 2.25, 3.0]);
/// ```
pub fn sort_f64(v: &mut [f64]) {
    if v.len() <= SMALL {
        v.sort_unstable_by(f64::total_cmp);
        return;
    }
    // The keys live in `v` itself (as bit patterns), so the only allocation
    // is one scratch buffer; the digit histograms of every pass are built in
    // the same read that makes the keys.
    let mut hist = vec![[0usize; BUCKETS]; PASSES];
    for x in v.iter_mut() {
        let k = key(*x);
        *x = f64::from_bits(k);
        for (p, h) in hist.iter_mut().enumerate() {
            h[((k >> (p as u32 * BITS)) as usize) & (BUCKETS - 1)] += 1;
        }
    }
    let n = v.len();
    SCRATCH.with(|cell| {
        let mut scratch = cell.take();
        // Reused across calls on this thread: a fresh 8 MB buffer per
        // million values would cost a page fault per 4 KiB, every time.
        scratch.resize(n, 0.0);
        scatter_passes(v, &mut scratch, &mut hist);
        if scratch.len() <= MAX_KEPT_SCRATCH {
            cell.set(scratch);
        }
    });
    for x in v.iter_mut() {
        *x = unkey(x.to_bits());
    }
}

thread_local! {
    static SCRATCH: std::cell::Cell<Vec<f64>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Largest scratch buffer kept between calls (64 MiB of f64).
const MAX_KEPT_SCRATCH: usize = 8 << 20;

/// The LSD passes: `v` holds keys (as bit patterns) and ends sorted.
fn scatter_passes(v: &mut [f64], scratch: &mut [f64], hist: &mut [[usize; BUCKETS]]) {
    let n = v.len();
    let mut in_scratch = false;
    for (p, h) in hist.iter_mut().enumerate() {
        if h.contains(&n) {
            continue; // every key has the same digit here
        }
        let mut sum = 0;
        for c in h.iter_mut() {
            let here = *c;
            *c = sum;
            sum += here;
        }
        let shift = p as u32 * BITS;
        let (from, to): (&[f64], &mut [f64]) = if in_scratch {
            (scratch, v)
        } else {
            (v, scratch)
        };
        for &x in from {
            let k = x.to_bits();
            let d = ((k >> shift) as usize) & (BUCKETS - 1);
            to[h[d]] = x;
            h[d] += 1;
        }
        in_scratch = !in_scratch;
    }
    if in_scratch {
        v.copy_from_slice(scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
            assert!(key(w[0]) < key(w[1]), "{} < {}", w[0], w[1]);
        }
        for &x in &xs {
            assert_eq!(unkey(key(x)).to_bits(), x.to_bits());
        }
    }

    proptest! {
        #[test]
        fn equals_comparison_sort(mut v in proptest::collection::vec(
            prop_oneof![any::<f64>().prop_filter("finite", |x| x.is_finite()), -3.0..3.0f64, Just(0.0), Just(-0.0)],
            0..6000,
        )) {
            let mut want = v.clone();
            want.sort_unstable_by(f64::total_cmp);
            sort_f64(&mut v);
            prop_assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        }
    }
}
