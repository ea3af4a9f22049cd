//! The two-sample Kolmogorov–Smirnov test, two-sided, as
//! `scipy.stats.ks_2samp(x, y, method=...)` (SciPy 1.17): the exact p-value
//! by Hodges' lattice-path counting (`_compute_prob_outside_square`,
//! Viehmann's `_compute_outer_prob_inside_method`), the asymptotic one as
//! `kstwo.sf(D, round(mn / (m + n)))` through Simard & L'Ecuyer's dispatch
//! (`scipy.stats._ksstats._kolmogn`: Ruben–Gambino, Durbin's matrix,
//! Pomeranz, Pelz–Good, and Smirnov's one-sided sum).
//!
//! One deviation in method, not in result: SciPy's `scipy.special.smirnov`
//! sums Birnbaum–Tingey's series in double-double arithmetic; here its terms
//! (all positive) are summed in log space with `ln Γ`, which agrees to about
//! 1e-12 relative, far inside the 1e-6 absolute p-value tolerance the tests
//! check against SciPy.

use statrs::function::gamma::ln_gamma;

use super::stats::TestResult;
use crate::error::{Error, Result};

/// How the p-value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KsMethod {
    /// Exact when both samples have at most 10,000 values, else asymptotic
    /// (SciPy's `method="auto"`); exact falls back to asymptotic when it
    /// overflows.
    #[default]
    Auto,
    /// The exact distribution (falls back to asymptotic when the lattice is
    /// too large or the computation overflows, as SciPy does).
    Exact,
    /// The asymptotic distribution, `kstwo.sf(D, round(mn / (m + n)))`.
    Asymp,
}

impl KsMethod {
    /// Parses `auto`, `exact` or `asymp`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(KsMethod::Auto),
            "exact" => Ok(KsMethod::Exact),
            "asymp" => Ok(KsMethod::Asymp),
            _ => Err(Error::InvalidInput(format!(
                "unknown KS method '{s}' (expected auto, exact or asymp)"
            ))),
        }
    }
}

const MAX_AUTO_N: usize = 10_000;

fn sorted(name: &str, xs: &[f64]) -> Result<Vec<f64>> {
    if xs.is_empty() {
        return Err(Error::InvalidInput(format!("{name}: the sample is empty")));
    }
    if let Some(i) = xs.iter().position(|x| x.is_nan()) {
        return Err(Error::InvalidInput(format!("{name}: value {i} is NaN")));
    }
    let mut v = xs.to_vec();
    super::sort::sort_f64(&mut v);
    Ok(v)
}

/// The two-sided two-sample KS test (`scipy.stats.ks_2samp`).
///
/// ```
/// use mlops_core::drift::ks::{ks_2samp, KsMethod};
/// let r = ks_2samp(&[1.0, 2.0, 3.0, 4.0], &[3.5, 5.0, 6.0], KsMethod::Auto).unwrap();
/// assert_eq!(r.statistic, 0.75);
/// assert!((r.p_value - 0.22857142857142856).abs() < 1e-12);
/// ```
pub fn ks_2samp(x: &[f64], y: &[f64], method: KsMethod) -> Result<TestResult> {
    let (x, y) = (sorted("reference", x)?, sorted("current", y)?);
    ks_2samp_sorted(&x, &y, method)
}

/// The largest distance between the empirical CDFs of two sorted samples.
pub fn ks_statistic_sorted(x: &[f64], y: &[f64]) -> f64 {
    super::ecdf::walk(x, y).ks()
}

/// [`ks_2samp`] on sorted, non-empty, NaN-free samples.
pub fn ks_2samp_sorted(x: &[f64], y: &[f64], method: KsMethod) -> Result<TestResult> {
    if x.is_empty() || y.is_empty() {
        return Err(Error::InvalidInput("ks_2samp: a sample is empty".into()));
    }
    Ok(ks_from_statistic(
        ks_statistic_sorted(x, y),
        x.len() as u64,
        y.len() as u64,
        method,
    ))
}

/// The KS test's result for a statistic `d` between samples of `n1` and
/// `n2` values (both > 0): the p-value as `ks_2samp` computes it, and the
/// statistic (rounded to the lattice `1 / lcm(n1, n2)` when exact, as SciPy does).
pub fn ks_from_statistic(d: f64, n1: u64, n2: u64, method: KsMethod) -> TestResult {
    let g = gcd(n1, n2);
    let (n1g, n2g) = (n1 / g, n2 / g);
    let exact = match method {
        KsMethod::Auto => n1.max(n2) as usize <= MAX_AUTO_N,
        KsMethod::Exact => (n1g as f64) < i32::MAX as f64 / n2g as f64,
        KsMethod::Asymp => false,
    };
    if exact {
        if let Some((dd, p)) = exact_2samp(n1, n2, g, d) {
            return TestResult {
                statistic: dd,
                p_value: p.clamp(0.0, 1.0),
            };
        }
    }
    TestResult {
        statistic: d,
        p_value: asymptotic_pvalue(d, n1, n2),
    }
}

/// The asymptotic two-sided p-value of a KS statistic `d` between samples
/// of `n1` and `n2` values: `kstwo.sf(d, round(n1 n2 / (n1 + n2)))`.
pub fn asymptotic_pvalue(d: f64, n1: u64, n2: u64) -> f64 {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = m * n / (m + n);
    kolmogn_sf(en.round_ties_even() as u64, d).clamp(0.0, 1.0)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `_attempt_exact_2kssamp` (two-sided): `Some((d, p))`, `None` on failure.
fn exact_2samp(n1: u64, n2: u64, g: u64, d: f64) -> Option<(f64, f64)> {
    let lcm = (n1 / g) as f64 * n2 as f64;
    let h = (d * lcm).round_ties_even();
    let d = h / lcm;
    if h == 0.0 {
        return Some((d, 1.0));
    }
    let h = h as u64;
    let p = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    (p.is_finite() && (0.0..=1.0).contains(&p)).then_some((d, p))
}

/// `_compute_prob_outside_square(n, h)`.
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    let (n, h) = (n as f64, h as f64);
    while k >= 0 {
        let kf = k as f64;
        let mut p1 = 1.0;
        let mut j = 0.0;
        while j < h {
            p1 = (n - kf * h - j) * p1 / (n + kf * h + j + 1.0);
            j += 1.0;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// `_compute_outer_prob_inside_method(m, n, g, h)`.
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as f64, (n / g) as f64);
    let (hf, nn) = (h as f64, n as i64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((hf / mg).ceil() as i64).min(nn + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(nn + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    for v in a.iter_mut().take(maxj as usize).skip(minj as usize) {
        *v = 0.0;
    }
    for i in 1..=m as i64 {
        let (lastminj, lastlen) = (minj, curlen);
        let fi = i as f64;
        minj = ((((ng * fi - hf) / mg).floor() as i64) + 1).max(0).min(nn);
        maxj = (((ng * fi + hf) / mg).ceil() as i64).min(nn + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = (jj + minj) as f64;
            val = (a[(jj + minj - lastminj) as usize] * fi + val * j) / (fi + j);
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            let to = from + (lastlen - curlen) as usize;
            for v in &mut a[from..to.min(len_a)] {
                *v = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

const E128: i32 = 128;
const EP128: f64 = (1u128 << 127) as f64 * 2.0; // 2^128
const EM128: f64 = 1.0 / EP128; // 2^-128
const MIN_LOG: f64 = -708.0;

#[allow(clippy::excessive_precision)] // SciPy's Stirling coefficients, verbatim
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    const C: [f64; 8] = [
        -2.955065359477124183e-2,
        6.4102564102564102564e-3,
        -1.9175269175269175269e-3,
        8.4175084175084175084e-4,
        -5.952380952380952381e-4,
        7.9365079365079365079e-4,
        -2.7777777777777777778e-3,
        8.3333333333333333333e-2,
    ];
    let rn = 1.0 / n;
    let t = rn / n;
    let poly = C.iter().fold(0.0, |acc, &c| acc * t + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// `kstwo.sf(x, n)`: the two-sided one-sample KS survival function
/// (`_kolmogn(n, x, cdf=False)`).
fn kolmogn_sf(n: u64, x: f64) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    let nf = n as f64;
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let t = nf * x;
    if t <= 1.0 {
        if t <= 0.5 {
            return 1.0;
        }
        let prob = if n <= 140 {
            (1..=n).fold(1.0, |p, i| p * (i as f64 * (1.0 / nf) * (2.0 * t - 1.0)))
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return (1.0 - prob).clamp(0.0, 1.0);
    }
    if t >= nf - 1.0 {
        return (2.0 * (1.0 - x).powf(nf)).clamp(0.0, 1.0);
    }
    if x >= 0.5 {
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    let nxsquared = t * x;
    if n <= 140 {
        if nxsquared <= 0.754693 {
            return (1.0 - kolmogn_dmtw(n, x).clamp(0.0, 1.0)).clamp(0.0, 1.0);
        }
        if nxsquared <= 4.0 {
            return (1.0 - kolmogn_pomeranz(n, x).clamp(0.0, 1.0)).clamp(0.0, 1.0);
        }
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    let cdf = if nxsquared >= 18.0 {
        1.0
    } else if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        kolmogn_dmtw(n, x)
    } else {
        kolmogn_pelz_good(n, x)
    };
    (1.0 - cdf).clamp(0.0, 1.0)
}

fn matmul(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut c = vec![0.0; m * m];
    for i in 0..m {
        for k in 0..m {
            let aik = a[i * m + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..m {
                c[i * m + j] += aik * b[k * m + j];
            }
        }
    }
    c
}

/// `_kolmogn_DMTW(n, d, cdf=True)`: Durbin's matrix, Marsaglia–Tsang–Wang.
fn kolmogn_dmtw(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut hm = vec![0.0; m * m];
    let mut v: Vec<f64> = (1..=m).map(|j| 1.0 - h.powi(j as i32)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;
    for i in 1..m {
        // H[i - 1:, i] = w[:m - i + 1]
        for (r, &wv) in (i - 1..m).zip(w.iter()) {
            hm[r * m + i] = wv;
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let mut pw = vec![0.0; m * m];
    for i in 0..m {
        pw[i * m + i] = 1.0;
    }
    let (mut nn, mut expnt, mut hexpnt) = (n, 0i32, 0i32);
    while nn > 0 {
        if nn % 2 == 1 {
            pw = matmul(&pw, &hm, m);
            expnt += hexpnt;
        }
        hm = matmul(&hm, &hm, m);
        hexpnt *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > EP128 {
            hm.iter_mut().for_each(|x| *x /= EP128);
            hexpnt += E128;
        }
        nn /= 2;
    }
    let mut p = pw[(k - 1) * m + (k - 1)];
    for i in 1..=n {
        p = i as f64 * p / n as f64;
        if p.abs() < EM128 {
            p *= EP128;
            expnt -= E128;
        }
    }
    if expnt != 0 {
        p *= 2f64.powi(expnt);
    }
    p.clamp(0.0, 1.0)
}

fn pomeranz_j1j2(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (d, r) = ((i + 1) / 2, (i + 1) % 2);
        if r == 0 {
            if d == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (d - 1 - ll - roundf - 1, d + ll - 1 + ceilf - 1)
            }
        } else {
            (d - 1 - ll - 1, d + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// `_kolmogn_Pomeranz(n, x, cdf=True)`.
fn kolmogn_pomeranz(n: u64, x: f64) -> f64 {
    let nn = n as i64;
    let t = n as f64 * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = (f > 0.0) as i64;
    let roundf = (f > 0.5) as i64;
    let npwrs = (2 * (ll + 1)) as usize;
    let (mut gp, mut g2p, mut om2gp) = (vec![0.0; npwrs], vec![0.0; npwrs], vec![0.0; npwrs]);
    gp[0] = 1.0;
    g2p[0] = 1.0;
    om2gp[0] = 1.0;
    let nf = n as f64;
    let (gn, g2n, om2gn) = (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..npwrs {
        gp[m] = gp[m - 1] * gn / m as f64;
        g2p[m] = g2p[m - 1] * g2n / m as f64;
        om2gp[m] = om2gp[m - 1] * om2gn / m as f64;
    }
    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut expnt = 0i32;
    let (mut j1, mut j2);
    (j1, _) = pomeranz_j1j2(0, nn, ll, ceilf, roundf);
    for i in 1..(2 * nn + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|x| *x = 0.0);
        (j1, j2) = pomeranz_j1j2(i, nn, ll, ceilf, roundf);
        let pwrs = if i == 1 || i == 2 * nn + 1 {
            &gp
        } else if i % 2 == 1 {
            &g2p
        } else {
            &om2gp
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            let start = (k1 - v0s) as usize;
            let a = &v0[start..(start + ln2 as usize).min(npwrs)];
            let b = &pwrs[..ln2 as usize];
            // np.convolve(a, b), full mode; only entries conv_start.. are used.
            let conv_start = (j1 - k1) as usize;
            let conv_len = (j2 - j1 + 1).max(0) as usize;
            for (o, slot) in v1.iter_mut().take(conv_len).enumerate() {
                let kk = conv_start + o;
                let mut s = 0.0;
                for (ia, &av) in a.iter().enumerate() {
                    if kk >= ia && kk - ia < b.len() {
                        s += av * b[kk - ia];
                    }
                }
                *slot = s;
            }
            let mx = v1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < mx && mx < EM128 {
                v1.iter_mut().for_each(|x| *x *= EP128);
                expnt -= E128;
            }
            v1s = v0s + j1 - k1;
        }
    }
    let mut ans = v1[(nn - v1s) as usize];
    for m in 1..=n {
        if ans.abs() > EP128 {
            ans *= EM128;
            expnt += E128;
        }
        ans *= m as f64;
    }
    if expnt != 0 {
        ans *= 2f64.powi(expnt);
    }
    ans.clamp(0.0, 1.0)
}

/// `_kolmogn_PelzGood(n, x, cdf=True)`.
fn kolmogn_pelz_good(n: u64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let sqrt2pi = (2.0 * PI).sqrt();
    let z = (n as f64).sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < MIN_LOG {
        return 0.0;
    }
    let q = qlog.exp();
    let (k1a, k1b) = (-z2, pi2 / 4.0);
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qp = q.powf(8.0 * kk as f64);
        let c = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for i in 0..4 {
            k[i] = k[i] * qp + c[i];
        }
    }
    let den = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for i in 0..4 {
        k[i] = k[i] * q * sqrt2pi / den[i];
    }
    let q = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for kk in (1..=maxk).rev() {
        let ks = kk as f64;
        let qp = q.powf(ks * ks);
        k2extra += ks * ks * qp;
        let kspi = PI * ks;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks * ks * qp;
    }
    k[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    k[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    let nf = n as f64;
    (0..4).map(|i| k[i] / nf.powf(i as f64 / 2.0)).sum()
}

/// `scipy.special.smirnov(n, x)`: `P(D⁺ₙ ≥ x)`, the one-sided one-sample
/// KS survival function, by Birnbaum–Tingey's sum of positive terms
/// `C(n, v) x (x + v/n)^(v−1) (1 − x − v/n)^(n−v)`, `v = 0 ..= ⌊n(1 − x)⌋`,
/// each taken in log space.
fn smirnov(n: u64, x: f64) -> f64 {
    if !(0.0..=1.0).contains(&x) || x.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let vmax = (nf * (1.0 - x)).floor() as u64;
    let lgn = ln_gamma(nf + 1.0);
    let lx = x.ln();
    let mut terms = Vec::with_capacity(vmax as usize + 1);
    for v in 0..=vmax {
        let vf = v as f64;
        let a = x + vf / nf;
        let b = 1.0 - x - vf / nf;
        if b <= 0.0 && (n - v) > 0 {
            continue;
        }
        let lb = if n == v { 0.0 } else { (n - v) as f64 * b.ln() };
        let la = if v == 0 { -a.ln() } else { (vf - 1.0) * a.ln() };
        terms.push(lgn - ln_gamma(vf + 1.0) - ln_gamma(nf - vf + 1.0) + lx + la + lb);
    }
    let mx = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !mx.is_finite() {
        return 0.0;
    }
    let s: f64 = terms.iter().map(|t| (t - mx).exp()).sum();
    (mx + s.ln()).exp().clamp(0.0, 1.0)
}
