//! Double-double arithmetic: the operations of xsf's `double_double`
//! (`cephes/dd_real.h`) that `smirnov` uses, and C's `ldexp` and `frexp`.

/// A double-double number `hi + lo`, `|lo| ≤ ulp(hi) / 2`: the operations
/// of xsf's `double_double` that `_smirnov` uses, each named after the C++
/// overload it ports (`_f`: with a double on the right; `f_`: on the left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Dd {
    pub(super) hi: f64,
    pub(super) lo: f64,
}

/// `quick_two_sum`: `fl(a + b)` and its error, for `|a| ≥ |b|`.
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let c = s - a;
    (s, b - c)
}

/// `two_sum`: `fl(a + b)` and its error.
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let c = s - a;
    let d = b - c;
    let e = s - c;
    (s, (a - e) + d)
}

/// `two_prod`: `fl(a b)` and its error (by a fused multiply-add).
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl Dd {
    pub(super) const fn new(hi: f64) -> Dd {
        Dd { hi, lo: 0.0 }
    }

    pub(super) fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    /// `dd + dd` (the IEEE-style sum of Briggs and Kahan).
    pub(super) fn add(self, r: Dd) -> Dd {
        let (s1, s2) = two_sum(self.hi, r.hi);
        let (t1, t2) = two_sum(self.lo, r.lo);
        let (s1, s2) = quick_two_sum(s1, s2 + t1);
        let (hi, lo) = quick_two_sum(s1, s2 + t2);
        Dd { hi, lo }
    }

    /// `dd + double`.
    pub(super) fn add_f(self, r: f64) -> Dd {
        let (s1, s2) = two_sum(self.hi, r);
        let (hi, lo) = quick_two_sum(s1, s2 + self.lo);
        Dd { hi, lo }
    }

    /// `dd - dd`.
    pub(super) fn sub(self, r: Dd) -> Dd {
        self.add(r.neg())
    }

    /// `dd - double`.
    pub(super) fn sub_f(self, r: f64) -> Dd {
        let (s1, s2) = two_sum(self.hi, -r);
        let (hi, lo) = quick_two_sum(s1, s2 + self.lo);
        Dd { hi, lo }
    }

    /// `double - dd`.
    pub(super) fn f_sub(l: f64, r: Dd) -> Dd {
        let (s1, s2) = two_sum(l, -r.hi);
        let (hi, lo) = quick_two_sum(s1, s2 - r.lo);
        Dd { hi, lo }
    }

    /// `dd * dd`.
    pub(super) fn mul(self, r: Dd) -> Dd {
        let (p1, p2) = two_prod(self.hi, r.hi);
        let (hi, lo) = quick_two_sum(p1, p2 + (self.hi * r.lo + self.lo * r.hi));
        Dd { hi, lo }
    }

    /// `dd * double` (and `double * dd`, the same operation).
    pub(super) fn mul_f(self, r: f64) -> Dd {
        let (p1, e1) = two_prod(self.hi, r);
        let (p2, e2) = two_prod(self.lo, r);
        let (hi, lo) = quick_two_sum(p1, e2 + p2 + e1);
        Dd { hi, lo }
    }

    /// `mul_pwr2`: times a power of two.
    pub(super) fn mul_pwr2(self, r: f64) -> Dd {
        Dd {
            hi: self.hi * r,
            lo: self.lo * r,
        }
    }

    /// `dd / dd` (three quotient digits).
    pub(super) fn div(self, r: Dd) -> Dd {
        let q1 = self.hi / r.hi;
        let rem = self.sub(r.mul_f(q1));
        let q2 = rem.hi / r.hi;
        let rem = rem.sub(r.mul_f(q2));
        let q3 = rem.hi / r.hi;
        let (q1, q2) = quick_two_sum(q1, q2);
        Dd { hi: q1, lo: q2 }.add_f(q3)
    }

    /// `dd / double`.
    pub(super) fn div_f(self, r: f64) -> Dd {
        self.div(Dd::new(r))
    }

    /// `floor(dd)`.
    pub(super) fn floor(self) -> Dd {
        let hi = self.hi.floor();
        if hi == self.hi {
            let (hi, lo) = quick_two_sum(hi, self.lo.floor());
            Dd { hi, lo }
        } else {
            Dd { hi, lo: 0.0 }
        }
    }

    /// `ldexp(dd, e)`.
    pub(super) fn ldexp(self, e: i32) -> Dd {
        Dd {
            hi: ldexp(self.hi, e),
            lo: ldexp(self.lo, e),
        }
    }

    /// `frexp(dd)`: a mantissa with `0.5 ≤ |hi| < 1` (or `|hi| = 1` with
    /// `lo` of the other sign) and the exponent.
    pub(super) fn frexp(self) -> (Dd, i32) {
        let (mut man, mut e) = frexp(self.hi);
        let mut b1 = ldexp(self.lo, -e);
        if man.abs() == 0.5 && man * b1 < 0.0 {
            man *= 2.0;
            b1 *= 2.0;
            e -= 1;
        }
        (Dd { hi: man, lo: b1 }, e)
    }

    /// `dd == double` / `dd != double` test against zero.
    pub(super) fn is_zero(self) -> bool {
        self.hi == 0.0 && self.lo == 0.0
    }

    /// `np.clip(p, 0, 1)` on a long-double value.
    pub(super) fn clip01(self) -> Dd {
        if self.hi < 0.0 || (self.hi == 0.0 && self.lo < 0.0) {
            Dd::new(0.0)
        } else if self.hi > 1.0 || (self.hi == 1.0 && self.lo > 0.0) {
            Dd::new(1.0)
        } else {
            self
        }
    }

    /// `clip(1 - p, 0, 1)` rounded to a double: `_select_and_clip_prob`'s
    /// survival function from a (long double) CDF.
    pub(super) fn one_minus_clipped(self) -> f64 {
        Dd::f_sub(1.0, self).clip01().hi
    }
}

/// C's `ldexp` / musl's `scalbn`: `y · 2^n`, rounded once.
pub(super) fn ldexp(mut y: f64, mut n: i32) -> f64 {
    let x1p1023 = f64::from_bits(0x7fe0_0000_0000_0000); // 2^1023
    let x1p53 = f64::from_bits(0x4340_0000_0000_0000); // 2^53
    let x1p_1022 = f64::from_bits(0x0010_0000_0000_0000); // 2^-1022
    if n > 1023 {
        y *= x1p1023;
        n -= 1023;
        if n > 1023 {
            y *= x1p1023;
            n -= 1023;
            n = n.min(1023);
        }
    } else if n < -1022 {
        // Scale by 2^-969 (not 2^-1022) so the final step rounds only once.
        y *= x1p_1022 * x1p53;
        n += 1022 - 53;
        if n < -1022 {
            y *= x1p_1022 * x1p53;
            n += 1022 - 53;
            n = n.max(-1022);
        }
    }
    y * f64::from_bits(((0x3ff + n) as u64) << 52)
}

/// C's `frexp`: `x = m · 2^e` with `0.5 ≤ |m| < 1` (0, inf, NaN as they are).
pub(super) fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32;
    if e == 0 {
        // Subnormal: normalise first.
        let (m, e2) = frexp(x * f64::from_bits(0x43f0_0000_0000_0000)); // 2^64
        return (m, e2 - 64);
    }
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (0x3feu64 << 52));
    (m, e - 0x3fe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_double_basics() {
        // (1 + 2^-60) survives in double-double, not in f64.
        let a = Dd::new(1.0).add_f(f64::powi(2.0, -60));
        assert_eq!(a.hi, 1.0);
        assert_eq!(a.lo, f64::powi(2.0, -60));
        let third = Dd::new(1.0).div_f(3.0);
        let back = third.mul_f(3.0).sub_f(1.0);
        assert!(back.hi.abs() < 1e-31, "{back:?}");
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(f64::MIN_POSITIVE / 4.0), (0.5, -1023));
        assert_eq!(ldexp(0.5, -1073), f64::from_bits(1));
        assert_eq!(ldexp(1.0, 1023), f64::MAX / (2.0 - f64::EPSILON));
    }
}
