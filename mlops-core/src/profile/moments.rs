//! Count, mean and sum of squared deviations, updated one value at a time
//! (Welford) and merged exactly (Chan et al.), so that profiles of parts
//! combine into the profile of the whole without revisiting the data.

use serde::{Deserialize, Serialize};

/// Running moments of a stream of finite values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Number of values seen.
    pub n: u64,
    /// Their mean (0 when `n == 0`).
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

/// The sum of `f` over `values` in eight interleaved partial sums, added
/// pairwise at the end: the adds no longer wait on each other (one running
/// sum is bound by the adder's latency, four cycles a value), and the
/// rounding error grows more slowly than along one long chain.
#[inline(always)]
fn lane_sum(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l += f(x);
        }
    }
    let tail: f64 = rest.iter().map(|&x| f(x)).sum();
    ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
        + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
        + tail
}

impl Moments {
    /// Adds one value (Welford's update).
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Moments of a block of values, computed with a two-pass algorithm over
    /// the block (exact mean, then deviations), which is both faster and more
    /// accurate than per-value updates; blocks are then combined by [`merge`](Self::merge).
    pub fn of_block(values: &[f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        let n = values.len();
        let mean = lane_sum(values, |x| x) / n as f64;
        let m2 = lane_sum(values, |x| (x - mean) * (x - mean));
        Self {
            n: n as u64,
            mean,
            m2,
        }
    }

    /// Combines the moments of two disjoint sets of values (Chan, Golub and
    /// LeVeque's pairwise update): the result is the moments of their union.
    pub fn merge(&self, other: &Self) -> Self {
        if other.n == 0 {
            return *self;
        }
        if self.n == 0 {
            return *other;
        }
        let n = self.n + other.n;
        let (na, nb, nn) = (self.n as f64, other.n as f64, n as f64);
        let delta = other.mean - self.mean;
        let mean = self.mean + delta * nb / nn;
        let m2 = self.m2 + other.m2 + delta * delta * na * nb / nn;
        Self { n, mean, m2 }
    }

    /// Sample variance (`ddof = 1`, as pandas' default); `None` below two values.
    pub fn variance(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.m2 / (self.n - 1) as f64)
    }

    /// The mean, `None` when no value was seen.
    pub fn mean(&self) -> Option<f64> {
        (self.n >= 1).then_some(self.mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_and_merge_agree_with_two_pass() {
        let xs: Vec<f64> = (0..1000).map(|i| 1e9 + (i as f64).sin()).collect();
        let whole = Moments::of_block(&xs);
        let parts = Moments::of_block(&xs[..333]).merge(&Moments::of_block(&xs[333..]));
        let mut w = Moments::default();
        xs.iter().for_each(|&x| w.push(x));
        // The engine merges blocks (two-pass within a block): tight.
        assert_eq!(parts.n, whole.n);
        assert!((parts.mean - whole.mean).abs() <= 1e-13 * whole.mean.abs());
        assert!((parts.m2 - whole.m2).abs() <= 1e-9 * whole.m2);
        // Per-value Welford at an offset of 1e9 keeps about 7 digits of m2.
        assert_eq!(w.n, whole.n);
        assert!((w.mean - whole.mean).abs() <= 1e-13 * whole.mean.abs());
        assert!((w.m2 - whole.m2).abs() <= 1e-6 * whole.m2);
    }

    #[test]
    fn variance_needs_two_values() {
        assert_eq!(Moments::of_block(&[1.0]).variance(), None);
        assert_eq!(Moments::of_block(&[1.0, 3.0]).variance(), Some(2.0));
    }
}
