//! `scipy.special.smirnov`: the survival function of the one-sided
//! one-sample KS statistic `D+_n`, ported from xsf's `cephes/kolmogorov.h`
//! in double-double arithmetic.

use super::double_double::{ldexp, Dd};

/// Smirnov's `n > SMIRNOV_MAX_COMPUTE_N` cut-over to an approximation.
const SMIRNOV_MAX_COMPUTE_N: u64 = 1_000_000;
const SM_UPPER_MAX_TERMS: u64 = 3;
const SM_UPPERSUM_MIN_N: u64 = 10;
const SM_MAX_EXPONENT: i32 = 960;
/// Cephes' `MINLOG`, `log(2^-1075)`.
#[allow(clippy::excessive_precision)]
const CEPHES_MINLOG: f64 = -7.451332191019412076235245305675398106812e2;

/// `modNX(n, x)`: the remainder and `floor(n x)`, exactly (`n x` in
/// double-double).
fn mod_nx(n: u64, x: f64) -> (f64, i64) {
    let nxd = Dd::new(x).mul_f(n as f64);
    let nxfloord = nxd.floor();
    let alphad = nxd.sub(nxfloord);
    let mut alpha = alphad.hi;
    let mut nxfloor = nxfloord.hi as i64;
    if alpha == 1.0 {
        nxfloor += 1;
        alpha = 0.0;
    }
    (alpha, nxfloor)
}

/// `updateBinomial`: `C(n, j+1)` from `C(n, j)`, kept as a mantissa and a
/// binary exponent.
fn update_binomial(cman: &mut Dd, cexpt: &mut i32, n: u64, j: u64) {
    let rat = Dd::new((n - j) as f64).div_f(j as f64 + 1.0);
    let (man2, expt) = cman.mul(rat).frexp();
    *cexpt += expt;
    *cman = man2;
}

/// `pow_D(a, m)`: `a^m` in double-double, by `pow` of the high part and a
/// first-order correction for the low part.
fn pow_d(a: Dd, m: i64) -> Dd {
    if m <= 0 {
        if m == 0 {
            return Dd::new(1.0);
        }
        return Dd::new(1.0).div(pow_d(a, -m));
    }
    if a.is_zero() {
        return Dd::new(0.0);
    }
    let mf = m as f64;
    let ans = a.hi.powf(mf);
    let r = a.lo / a.hi;
    let mut adj = mf * r;
    if adj.abs() > 1e-8 {
        if adj.abs() < 1e-4 {
            // The first two terms of the Taylor series of (1 + r)^m.
            adj += (mf * r) * ((mf - 1.0) / 2.0 * r);
        } else {
            adj = (mf * r.ln_1p()).exp_m1();
        }
    }
    Dd::new(ans).add_f(ans * adj)
}

/// `nextPowerOf2(x)`, verbatim.
fn next_power_of_2(x: f64) -> f64 {
    let q = ldexp(x, 1 - f64::MANTISSA_DIGITS as i32);
    let mut l = (q + x).abs();
    if l == 0.0 {
        l = x.abs();
    } else {
        let lint = l as i32;
        if lint as f64 == l {
            l = lint as f64;
        }
    }
    l
}

/// `pow2Scaled_D(a, m)`: `a^m` as a mantissa and a binary exponent.
fn pow2_scaled_d(a: Dd, m: i64) -> (Dd, i32) {
    if m <= 0 {
        if m == 0 {
            return (Dd::new(1.0), 0);
        }
        let (ans, ae1) = pow2_scaled_d(a, -m);
        let (ans, ae2) = Dd::new(1.0).div(ans).frexp();
        return (ans, -ae1 + ae2);
    }
    let (y, ye) = a.frexp();
    if m == 1 {
        return (y, ye);
    }
    let mut max_expt = SM_MAX_EXPONENT as i64;
    // Would y^m fall below 2^-960? Then split the power.
    if m as f64 * (y.hi - 1.0) / y.hi < -(SM_MAX_EXPONENT as f64) * std::f64::consts::LN_2 {
        let lg2y = y.hi.ln() / std::f64::consts::LN_2;
        let lg_ans = m as f64 * lg2y;
        if lg_ans <= -(SM_MAX_EXPONENT as f64) {
            max_expt =
                (next_power_of_2(-(SM_MAX_EXPONENT as f64) / lg2y + 1.0) / 2.0) as i32 as i64;
        }
    }
    if m <= max_expt {
        let (ans, mut anse) = pow_d(y, m).frexp();
        anse += (m * ye as i64) as i32;
        return (ans, anse);
    }
    let (q, r) = (m / max_expt, m % max_expt);
    // y^m = (y^maxExpt)^q * y^r
    let (y2r, y2re) = pow2_scaled_d(y, r);
    let (y2m, y2me) = pow2_scaled_d(y, max_expt);
    let (y2mq, mut y2mqe) = pow2_scaled_d(y2m, q);
    let (ans, mut anse) = y2r.mul(y2mq).frexp();
    y2mqe += y2me * q as i32;
    anse += y2mqe + y2re;
    anse += (m * ye as i64) as i32;
    (ans, anse)
}

/// `pow4_D(a, b, c, d, m)`: `((a + b) / (c + d))^m`.
fn pow4_d(a: f64, b: f64, c: f64, d: f64, m: i64) -> Dd {
    if m <= 0 {
        if m == 0 {
            return Dd::new(1.0);
        }
        return pow4_d(c, d, a, b, -m);
    }
    let aa = Dd::new(a).add_f(b);
    let cc = Dd::new(c).add_f(d);
    if aa.is_zero() {
        return if cc.is_zero() {
            Dd::new(f64::NAN)
        } else {
            Dd::new(0.0)
        };
    }
    if cc.is_zero() {
        let inf = if aa.hi < 0.0 {
            -f64::INFINITY
        } else {
            f64::INFINITY
        };
        return Dd { hi: inf, lo: inf };
    }
    pow_d(aa.div(cc), m)
}

/// `computeAv`: the term `A_v = C(n, v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1)`.
fn compute_av(n: u64, x: f64, v: u64, cman: Dd, cexpt: i32) -> Dd {
    let nf = n as f64;
    let t2x = Dd::new((n - v) as f64).div_f(nf).sub_f(x); // 1 - x - v/n
    let (t2, t2e) = pow2_scaled_d(t2x, (n - v) as i64);
    let t1x = Dd::new(v as f64).div_f(nf).add_f(x); // x + v/n
    let (t1, t1e) = pow2_scaled_d(t1x, v as i64 - 1);
    let ans = t1.mul(t2).mul(cman);
    ans.ldexp(cexpt + t1e + t2e)
}

/// `scipy.special.smirnov(n, x)`: `P(D⁺ₙ ≥ x)`, the one-sided one-sample
/// KS survival function (xsf's `_smirnov(n, x).sf`): Birnbaum–Tingey's
/// sum in double-double, with its special cases.
pub(super) fn smirnov(n: u64, x: f64) -> f64 {
    if x.is_nan() || !(n > 0 && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let ni = n as i64;
    let (alpha, nxfl) = mod_nx(n, x);
    let mut n1mxfl = ni - nxfl - if alpha == 0.0 { 0 } else { 1 };
    let mut n1mxceil = ni - nxfl;
    // If alpha is 0, the last term belongs to neither sum.
    if alpha == 0.0 {
        n1mxfl -= 1;
        n1mxceil += 1;
    }
    // x <= 1/n
    if nxfl == 0 || (nxfl == 1 && alpha == 0.0) {
        let t = pow_d(Dd::new(1.0).add_f(x), ni - 1).hi;
        return 1.0 - x * t;
    }
    // The survival function underflows.
    if -2.0 * nf * x * x < CEPHES_MINLOG {
        return 0.0;
    }
    // x >= 1 - 1/n
    if nxfl >= ni - 1 {
        return pow_d(Dd::new(1.0).add_f(-x), ni).hi;
    }
    // n too large to sum: p ~ e^(-(6nx+1)^2 / 18n).
    if n > SMIRNOV_MAX_COMPUTE_N {
        let logp = -(6.0 * nf * x + 1.0).powf(2.0) / 18.0 / nf;
        return if logp < -std::f64::consts::LN_2 {
            logp.exp()
        } else {
            1.0 - -logp.exp_m1()
        };
    }
    let n_upper_terms = ni - n1mxceil + 1;
    let use_upper_sum = (n_upper_terms <= 1 && x < 0.5)
        || (n >= SM_UPPERSUM_MIN_N
            && n_upper_terms <= SM_UPPER_MAX_TERMS as i64
            && x <= 0.5 / nf.sqrt());
    let (start, step, n_terms, first) = if use_upper_sum {
        (
            ni,
            -1i64,
            ni - n1mxceil + 1,
            pow4_d(1.0, x, 1.0, 0.0, ni - 1),
        )
    } else {
        let t2 = pow4_d(1.0, -x, 1.0, 0.0, ni);
        (0, 1, n1mxfl + 1, t2.div_f(x))
    };
    let vmid = ni / 2;
    let mut cman = Dd::new(1.0);
    let mut cexpt = 0i32;
    let mut aj_sum = Dd::new(0.0).add(first);
    update_binomial(&mut cman, &mut cexpt, n, 0);
    for j in 1..n_terms {
        let v = start + j * step;
        let aj = compute_av(n, x, v as u64, cman, cexpt);
        if aj.hi.is_finite() && !aj.is_zero() {
            aj_sum = aj_sum.add(aj);
        }
        // Safe to stop early?
        if !aj.is_zero() {
            if (4 * (n_terms - j)) as f64 * aj.hi.abs() < f64::EPSILON * aj_sum.hi
                && j != n_terms - 1
            {
                break;
            }
        } else if j > vmid {
            break;
        }
        update_binomial(&mut cman, &mut cexpt, n, j as u64);
    }
    let prob = aj_sum.mul_f(x).hi;
    let sf = if step < 0 { 1.0 - prob } else { prob };
    sf.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smirnov_matches_scipy() {
        // scipy.special.smirnov in SciPy 1.17.1; each value is a different
        // branch: n = 1, x <= 1/n, x >= 1 - 1/n, the sum, the sum for n > 140.
        let cases = [
            (1, 0.3, 0.7),
            (5, 0.1, 0.85359),
            (5, 0.9, 9.999999999999989e-06),
            (10, 0.3, 0.1354635556),
            (1000, 0.05, 0.006506037390545166),
        ];
        for (n, x, want) in cases {
            let got = smirnov(n, x);
            assert!(
                (got - want).abs() <= 2.0 * f64::EPSILON * want,
                "smirnov({n}, {x}) = {got:e}, SciPy {want:e}"
            );
        }
    }
}
