//! Compensated summation (Neumaier's variant of Kahan's) for the statistics
//! that add up many terms: the error of the total stays within a few ulps
//! whatever the number of terms, where a plain running sum of a million
//! terms can lose six digits to cancellation and rounding.

/// A running sum with its rounding error carried alongside.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Neumaier {
    sum: f64,
    comp: f64,
}

impl Neumaier {
    /// Adds `x`, keeping the low-order bits the addition rounded off.
    #[inline(always)]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        let (big, small) = if self.sum.abs() >= x.abs() {
            (self.sum, x)
        } else {
            (x, self.sum)
        };
        self.comp += (big - t) + small;
        self.sum = t;
    }

    /// Adds another compensated sum.
    pub(crate) fn add_sum(&mut self, other: Neumaier) {
        if other.sum.is_finite() {
            self.add(other.sum);
            self.add(other.comp);
        } else {
            // Its compensation is meaningless (NaN after an infinity).
            self.add(other.sum);
        }
    }

    /// The total. Once the running sum is infinite or NaN the compensation
    /// means nothing, and the running sum is the answer (as a plain sum's).
    #[inline]
    pub(crate) fn value(&self) -> f64 {
        if self.sum.is_finite() {
            self.sum + self.comp
        } else {
            self.sum
        }
    }
}

/// The compensated sum of `xs`.
pub(crate) fn sum(xs: impl IntoIterator<Item = f64>) -> f64 {
    let mut s = Neumaier::default();
    xs.into_iter().for_each(|x| s.add(x));
    s.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_a_plain_sum_loses() {
        // 1 + 1e100 + 1 - 1e100 is 2; a plain sum says 0.
        assert_eq!(sum([1.0, 1e100, 1.0, -1e100]), 2.0);
        let tenths = std::iter::repeat_n(0.1, 1_000_000);
        assert_eq!(sum(tenths), 100_000.0);
        assert_eq!(sum([f64::INFINITY, 1.0]), f64::INFINITY);
        assert!(sum([f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        let (mut a, mut b) = (Neumaier::default(), Neumaier::default());
        a.add(1.0);
        b.add(f64::INFINITY);
        b.add(2.0);
        a.add_sum(b);
        assert_eq!(a.value(), f64::INFINITY);
    }
}
