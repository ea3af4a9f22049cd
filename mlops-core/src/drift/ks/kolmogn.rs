//! `kstwo.sf`: the distribution of the two-sided one-sample KS statistic
//! `D_n`, ported from `scipy/stats/_ksstats.py` (Simard & L'Ecuyer's
//! dispatch over Ruben–Gambino, Durbin's matrix, Pomeranz's recursion,
//! Pelz–Good and `2 · smirnov`).

use super::double_double::Dd;
use super::smirnov::smirnov;

const E128: i32 = 128;
/// `2^128` (`_EP128`, a `long double` in SciPy).
const EP128: f64 = f64::from_bits((1023 + 128) << 52);
/// `2^-128` (`_EM128`).
const EM128: f64 = f64::from_bits((1023 - 128) << 52);
const MIN_LOG: f64 = -708.0;

/// `kstwo.sf(x, n)` for a float `n` (`rv_continuous.sf`'s checks, then
/// `kolmogn(n, x, cdf=False)`).
pub(super) fn kstwo_sf(x: f64, n: f64) -> f64 {
    // _argcheck: n >= 1 and integral; otherwise the bad value, NaN.
    if !(n >= 1.0 && n == n.round_ties_even()) || x.is_nan() {
        return f64::NAN;
    }
    // Support (0.5/n, 1): at or below the lower end 1, at or above the upper 0.
    if x <= 0.5 / n {
        return 1.0;
    }
    if x >= 1.0 {
        return 0.0;
    }
    kolmogn_sf(n as u64, x)
}

/// `_log_nfactorial_div_n_pow_n(n)`: `log(n! / n^n)` by Stirling's series.
#[allow(clippy::excessive_precision)] // SciPy's coefficients, verbatim
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    const STIRLING_COEFFS: [f64; 8] = [
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
    // np.polyval: Horner from the leading coefficient.
    let poly = STIRLING_COEFFS
        .iter()
        .fold(0.0, |acc, &c| acc * (rn / n) + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// `_kolmogn(n, x, cdf=False)`: `P(D_n ≥ x)` for `0 < x < 1`, `n ≥ 1`.
/// The comments name the branch (Simard & L'Ecuyer's dispatch).
fn kolmogn_sf(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let t = nf * x;
    if t <= 1.0 {
        // Ruben–Gambino: 1/2n <= x <= 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let prob = if n <= 140 {
            // np.prod(np.arange(1, n+1) * (1.0/n) * (2*t - 1)), sequentially.
            (1..=n).fold(1.0, |p, i| p * (i as f64 * (1.0 / nf) * (2.0 * t - 1.0)))
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return (1.0 - prob).clamp(0.0, 1.0);
    }
    if t >= nf - 1.0 {
        // Ruben–Gambino: x >= 1 - 1/n.
        return (2.0 * (1.0 - x).powf(nf)).clamp(0.0, 1.0);
    }
    if x >= 0.5 {
        // Exact: the two one-sided events are disjoint.
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    let nxsquared = t * x;
    if n <= 140 {
        if nxsquared <= 0.754693 {
            return kolmogn_dmtw(n, x).one_minus_clipped();
        }
        if nxsquared <= 4.0 {
            return kolmogn_pomeranz(n, x).one_minus_clipped();
        }
        // Miller's approximation, 2 * smirnov.
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    // n > 140, the survival function's cut-offs.
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return (2.0 * smirnov(n, x)).clamp(0.0, 1.0);
    }
    // 1 - CDF. (`nxsquared >= 18` cannot happen below 2.2.)
    if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        kolmogn_dmtw(n, x).one_minus_clipped()
    } else {
        (1.0 - kolmogn_pelz_good(n, x)).clamp(0.0, 1.0)
    }
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

/// `_kolmogn_DMTW(n, d, cdf=True)`: `P(D_n ≤ d)` by Durbin's matrix
/// algorithm as Marsaglia, Tsang and Wang compute it. For `1/n < d < 1`.
fn kolmogn_dmtw(n: u64, d: f64) -> Dd {
    if d >= 1.0 {
        return Dd::new(1.0);
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return Dd::new(0.0);
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut hm = vec![0.0; m * m];
    // v = 1.0 - h ** np.arange(1, m + 1)
    let mut v: Vec<f64> = (1..=m).map(|j| 1.0 - h.powf(j as f64)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powf(m as f64) - 2.0 * h.powf(m as f64);
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
    // Multiply by n!/n^n. SciPy's `p *= _EP128` makes p a long double from
    // the first rescaling on; the rest runs in double-double here.
    let nf = n as f64;
    let mut p = LongP::Double(pw[(k - 1) * m + (k - 1)]);
    for i in 1..=n {
        p = match p {
            LongP::Double(q) => {
                let q = i as f64 * q / nf;
                if q.abs() < EM128 {
                    expnt -= E128;
                    LongP::Long(Dd::new(q * EP128))
                } else {
                    LongP::Double(q)
                }
            }
            LongP::Long(q) => {
                let q = q.mul_f(i as f64).div_f(nf);
                if q.hi.abs() < EM128 {
                    expnt -= E128;
                    LongP::Long(q.mul_pwr2(EP128))
                } else {
                    LongP::Long(q)
                }
            }
        };
    }
    p.into_dd().ldexp(expnt).clip01()
}

/// A value that SciPy holds as a float64 until a rescaling by the
/// `long double` `_EP128` / `_EM128` promotes it.
#[derive(Clone, Copy)]
enum LongP {
    Double(f64),
    Long(Dd),
}

impl LongP {
    fn into_dd(self) -> Dd {
        match self {
            LongP::Double(x) => Dd::new(x),
            LongP::Long(x) => x,
        }
    }
}

/// `_pomeranz_compute_j1j2(i, n, ll, ceilf, roundf)`.
fn pomeranz_j1j2(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (ip1div2, ip1mod2) = ((i + 1) / 2, (i + 1) % 2);
        if ip1mod2 == 0 {
            if ip1div2 == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1)
            }
        } else {
            (ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// `_kolmogn_Pomeranz(n, x, cdf=True)`: `P(D_n ≤ x)` by Pomeranz's recursion.
fn kolmogn_pomeranz(n: u64, x: f64) -> Dd {
    let nn = n as i64;
    let nf = n as f64;
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = (f > 0.0) as i64;
    let roundf = (f > 0.5) as i64;
    let npwrs = (2 * (ll + 1)) as usize;
    let (mut gpower, mut twogpower, mut onem2gpower) =
        (vec![0.0; npwrs], vec![0.0; npwrs], vec![0.0; npwrs]);
    gpower[0] = 1.0;
    twogpower[0] = 1.0;
    onem2gpower[0] = 1.0;
    let mut expnt = 0i32;
    let (g_over_n, two_g_over_n, one_minus_two_g_over_n) =
        (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..npwrs {
        gpower[m] = gpower[m - 1] * g_over_n / m as f64;
        twogpower[m] = twogpower[m - 1] * two_g_over_n / m as f64;
        onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_over_n / m as f64;
    }
    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let (mut j1, _) = pomeranz_j1j2(0, nn, ll, ceilf, roundf);
    for i in 1..(2 * nn + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|x| *x = 0.0);
        let (next_j1, j2) = pomeranz_j1j2(i, nn, ll, ceilf, roundf);
        j1 = next_j1;
        let pwrs = if i == 1 || i == 2 * nn + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            // conv = np.convolve(V0[k1 - V0s:k1 - V0s + ln2], pwrs[:ln2]);
            // only conv[conv_start:conv_start + conv_len] is kept.
            let start = ((k1 - v0s) as usize).min(npwrs);
            let a = &v0[start..(start + ln2 as usize).min(npwrs)];
            let b = &pwrs[..(ln2 as usize).min(npwrs)];
            let conv_start = (j1 - k1) as usize;
            let conv_len = (j2 - j1 + 1).max(0) as usize;
            // np.convolve puts the longer operand first and sums along it.
            let (a, b) = if b.len() > a.len() { (b, a) } else { (a, b) };
            for (o, slot) in v1.iter_mut().take(conv_len).enumerate() {
                let kk = conv_start + o;
                let mut s = 0.0;
                if !b.is_empty() {
                    for ia in kk.saturating_sub(b.len() - 1)..a.len().min(kk + 1) {
                        s += a[ia] * b[kk - ia];
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
    // Multiply by n!; `ans *= _EM128` makes ans a long double (double-double here).
    let mut ans = LongP::Double(v1[(nn - v1s) as usize]);
    for m in 1..=n {
        let mf = m as f64;
        ans = match ans {
            LongP::Double(a) if a.abs() > EP128 => {
                expnt += E128;
                LongP::Long(Dd::new(a * EM128).mul_f(mf))
            }
            LongP::Double(a) => LongP::Double(a * mf),
            LongP::Long(a) => {
                let a = if a.hi.abs() > EP128 {
                    expnt += E128;
                    a.mul_pwr2(EM128)
                } else {
                    a
                };
                LongP::Long(a.mul_f(mf))
            }
        };
    }
    ans.into_dd().ldexp(expnt).clip01()
}

/// `np.sum` of a short float64 array: sequential below 8 values, NumPy's
/// eight-way unrolled pairwise block from 8 to 128.
fn np_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        // The reduction starts from the first element.
        return a
            .iter()
            .skip(1)
            .fold(a.first().copied().unwrap_or(0.0), |s, &x| s + x);
    }
    debug_assert!(n <= 128);
    let mut r = [0.0; 8];
    r.copy_from_slice(&a[..8]);
    let full = n - n % 8;
    for i in (8..full).step_by(8) {
        for (j, rj) in r.iter_mut().enumerate() {
            *rj += a[i + j];
        }
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for &x in &a[full..] {
        res += x;
    }
    res
}

/// `_kolmogn_PelzGood(n, x, cdf=True)`: Pelz and Good's approximation of
/// `P(D_n ≤ x)`.
fn kolmogn_pelz_good(n: u64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let (pi_squared, pi_four, pi_six) = (PI.powf(2.0), PI.powf(4.0), PI.powf(6.0));
    let sqrt2pi = (2.0 * PI).sqrt();
    let nf = n as f64;
    let z = nf.sqrt() * x;
    let (zsquared, zthree, zfour, zsix) = (z.powf(2.0), z.powf(3.0), z.powf(4.0), z.powf(6.0));
    let qlog = -pi_squared / 8.0 / zsquared;
    if qlog < MIN_LOG {
        return 0.0;
    }
    let q = qlog.exp();
    let k1a = -zsquared;
    let k1b = pi_squared / 4.0;
    let k2a = 6.0 * zsix + 2.0 * zfour;
    let k2b = (2.0 * zfour - 5.0 * zsquared) * pi_squared / 4.0;
    let k2c = pi_four * (1.0 - 2.0 * zsquared) / 16.0;
    let k3d = pi_six * (5.0 - 30.0 * zsquared) / 64.0;
    let k3c = pi_four * (-60.0 * zsquared + 212.0 * zfour) / 16.0;
    let k3b = pi_squared * (135.0 * zfour - 96.0 * zsix) / 4.0;
    let k3a = -30.0 * zsix - 90.0 * z.powf(8.0);
    let mut k0to3 = [0.0f64; 4];
    // Horner over the odd integers m = 2k - 1.
    let maxk = (16.0 * z / PI).ceil() as i64;
    for k in (1..=maxk).rev() {
        let m = 2 * k - 1;
        let (msquared, mfour, msix) = ((m * m) as f64, m.pow(4) as f64, m.pow(6) as f64);
        let qpower = q.powf((8 * k) as f64);
        let coeffs = [
            1.0,
            k1a + k1b * msquared,
            k2a + k2b * msquared + k2c * mfour,
            k3a + k3b * msquared + k3c * mfour + k3d * msix,
        ];
        for (kk, c) in k0to3.iter_mut().zip(coeffs) {
            *kk = *kk * qpower + c;
        }
    }
    let den = [z, 6.0 * zfour, 72.0 * z.powf(7.0), 6480.0 * z.powf(10.0)];
    for (kk, dn) in k0to3.iter_mut().zip(den) {
        *kk = *kk * q * sqrt2pi / dn;
    }
    // The sums over all integers k (maxk down to 1).
    let q = (-pi_squared / 2.0 / zsquared).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let ks: Vec<i64> = (1..=maxk).rev().collect();
    let qpwers: Vec<f64> = ks.iter().map(|&k| q.powf((k * k) as f64)).collect();
    let t2: Vec<f64> = ks
        .iter()
        .zip(&qpwers)
        .map(|(&k, &qp)| (k * k) as f64 * qp)
        .collect();
    let k2extra = np_sum(&t2) * (pi_squared * sqrt2pi / (-36.0 * zthree));
    k0to3[2] += k2extra;
    let t3: Vec<f64> = ks
        .iter()
        .zip(&qpwers)
        .map(|(&k, &qp)| {
            let kspi = PI * k as f64;
            (sqrt3z + kspi) * (sqrt3z - kspi) * (k * k) as f64 * qp
        })
        .collect();
    let k3extra = np_sum(&t3) * (pi_squared * sqrt2pi / (216.0 * zsix));
    k0to3[3] += k3extra;
    for (i, kk) in k0to3.iter_mut().enumerate() {
        *kk /= (nf * 1.0).powf(i as f64 / 2.0);
    }
    // Python's sum(), from the integer 0.
    k0to3.iter().fold(0.0, |s, &k| s + k)
}
