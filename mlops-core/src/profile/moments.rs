//! Count, mean and sum of squared deviations, updated one value at a time
//! (Welford) and merged exactly (Chan et al.), so that profiles of parts
//! combine into the profile of the whole without revisiting the data.
//!
//! Finite input never overflows the mean: blocks whose sums would pass
//! `f64::MAX` (values near ±1.7e308) are summed scaled by 2^-64, and merges
//! and updates weigh the two means instead of taking their difference when
//! that difference overflows. The sum of squared deviations can exceed
//! `f64::MAX` for such values; it is then `+inf`, which is its true value
//! rounded, and the JSON encoding spells it `"inf"` (see [`json_float`]).

use serde::{Deserialize, Serialize};

use crate::sum::Neumaier;

/// Running moments of a stream of finite values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Number of values seen.
    pub n: u64,
    /// Their mean (0 when `n == 0`).
    #[serde(with = "json_float")]
    pub mean: f64,
    /// Sum of squared deviations from the mean (`+inf` when it exceeds `f64::MAX`).
    #[serde(with = "json_float")]
    pub m2: f64,
}

/// A float in JSON that keeps its value when it is not finite: finite
/// values are JSON numbers; `+inf`, `-inf` and NaN are the strings `"inf"`,
/// `"-inf"` and `"nan"` (JSON has no such numbers, and serde_json would
/// write `null`, which does not read back).
pub mod json_float {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `x` as a number, or as `"inf"`, `"-inf"` or `"nan"`.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else if x.is_nan() {
            s.serialize_str("nan")
        } else if *x > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }

    /// Reads what [`serialize`] writes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Num(f64),
            Str(String),
        }
        match Repr::deserialize(d)? {
            Repr::Num(x) => Ok(x),
            Repr::Str(s) => match s.as_str() {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "nan" => Ok(f64::NAN),
                _ => Err(serde::de::Error::custom(format!(
                    "expected a number, \"inf\", \"-inf\" or \"nan\", got \"{s}\""
                ))),
            },
        }
    }
}

/// The sum of `f` over `values` in eight interleaved compensated partial
/// sums, added at the end: the adds no longer wait on each other (one
/// running sum is bound by the adder's latency, four cycles a value), and
/// the compensation keeps the total within a few ulps at any length.
#[inline(always)]
fn lane_sum(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut lanes = [Neumaier::default(); 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            l.add(f(x));
        }
    }
    let mut total = Neumaier::default();
    for l in lanes {
        total.add_sum(l);
    }
    rest.iter().for_each(|&x| total.add(f(x)));
    total.value()
}

/// 2^64 and its inverse: the exact scaling of blocks of huge values.
const UP: f64 = 18_446_744_073_709_551_616.0;
const DOWN: f64 = 1.0 / UP;

/// `a · wa + b · wb` for weights in `[0, 1]` summing to 1: a weighted mean
/// that stays finite for finite `a` and `b`.
fn weighted(a: f64, wa: f64, b: f64, wb: f64) -> f64 {
    a * wa + b * wb
}

impl Moments {
    /// Adds one value (Welford's update).
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        if d.is_finite() {
            self.mean += d / self.n as f64;
            self.m2 += d * (x - self.mean);
        } else {
            // The difference of two finite values overflowed: weigh them
            // instead, and the squared deviation is past f64::MAX.
            let n = self.n as f64;
            self.mean = weighted(self.mean, (n - 1.0) / n, x, 1.0 / n);
            self.m2 = f64::INFINITY;
        }
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
        if mean.is_finite() {
            let m2 = lane_sum(values, |x| (x - mean) * (x - mean));
            return Self {
                n: n as u64,
                mean,
                m2,
            };
        }
        // Finite values near f64::MAX overflowed the sum: sum them scaled
        // by 2^-64 (exact: a power of two), then scale back.
        let mean_s = lane_sum(values, |x| x * DOWN) / n as f64;
        let m2_s = lane_sum(values, |x| (x * DOWN - mean_s) * (x * DOWN - mean_s));
        Self {
            n: n as u64,
            mean: mean_s * UP,
            m2: m2_s * UP * UP,
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
        if !delta.is_finite() {
            // Means of opposite sign near ±f64::MAX: their distance, and so
            // the sum of squared deviations, is past f64::MAX.
            return Self {
                n,
                mean: weighted(self.mean, na / nn, other.mean, nb / nn),
                m2: f64::INFINITY,
            };
        }
        let mean = self.mean + delta * (nb / nn);
        let w = na * nb / nn;
        let between = if (delta * delta).is_finite() {
            delta * delta * w
        } else {
            (delta * w.sqrt()) * (delta * w.sqrt())
        };
        let m2 = self.m2 + other.m2 + between;
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
