//! The two-sample Cramér–von Mises test, as `scipy.stats.cramervonmises_2samp`
//! (`method="auto"`): the exact p-value (Xiao, Gordon & Yakovlev 2006) when
//! both samples have at most 20 values, else Anderson's (1962) normalisation
//! and the limiting distribution (Csörgő & Faraway 1996).

use std::collections::HashMap;

use statrs::function::gamma::ln_gamma;

use super::stats::TestResult;
use crate::error::{Error, Result};

/// Largest sample size for which `auto` computes the exact p-value.
pub const EXACT_MAX_N: usize = 20;

/// Two-sample Cramér–von Mises test of whether `x` and `y` come from one
/// distribution. Ties get average ranks. Each sample needs two values at least.
///
/// ```
/// use mlops_core::drift::cvm::cramervonmises_2samp;
/// let r = cramervonmises_2samp(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
/// assert!((r.statistic - 0.5277777777777778).abs() < 1e-12); // SciPy 1.17
/// assert!((r.p_value - 0.1).abs() < 1e-12);
/// ```
pub fn cramervonmises_2samp(x: &[f64], y: &[f64]) -> Result<TestResult> {
    let (nx, ny) = (x.len(), y.len());
    if nx <= 1 || ny <= 1 {
        return Err(Error::InvalidInput(format!(
            "Cramér–von Mises: each sample needs at least two values (got {nx} and {ny})"
        )));
    }
    if x.iter().chain(y).any(|v| v.is_nan()) {
        return Err(Error::InvalidInput(
            "Cramér–von Mises: a sample contains NaN".into(),
        ));
    }
    let mut xa = x.to_vec();
    let mut ya = y.to_vec();
    xa.sort_unstable_by(f64::total_cmp);
    ya.sort_unstable_by(f64::total_cmp);
    let pooled: Vec<f64> = xa.iter().chain(&ya).copied().collect();
    let ranks2 = doubled_average_ranks(&pooled);
    let (rx, ry) = ranks2.split_at(nx);
    // U = nx Σ (r_i − i)² + ny Σ (s_j − j)² is a sum of squared half-integers:
    // summed exactly in integers (4U), so no size of sample loses a digit.
    let sq = |r: &[u64]| -> u128 {
        r.iter()
            .enumerate()
            .map(|(i, &v)| {
                let d = v.abs_diff(2 * (i as u64 + 1)) as u128;
                d * d
            })
            .sum()
    };
    let u4 = nx as u128 * sq(rx) + ny as u128 * sq(ry);
    let t = statistic(u4, nx as u128, ny as u128);
    let u = u4 as f64 / 4.0;
    let (k, n) = ((nx * ny) as f64, (nx + ny) as f64);
    let p = if nx.max(ny) <= EXACT_MAX_N {
        pvalue_exact(u, nx as u64, ny as u64)
    } else {
        pvalue_asymptotic(t, n, nx as f64, ny as f64, k)
    };
    Ok(TestResult {
        statistic: t,
        p_value: p,
    })
}

/// `T = U / (k N) − (4k − 1) / (6N)` with `k = nx ny`, `N = nx + ny`, from
/// `4U`: `(6 · 4U − 4k (4k − 1)) / (24 k N)`, whose numerator and denominator
/// are exact integers, so nothing cancels in floating point.
fn statistic(u4: u128, nx: u128, ny: u128) -> f64 {
    let (k, n) = (nx * ny, nx + ny);
    let num = 6 * u4 as i128 - (4 * k * (4 * k - 1)) as i128;
    let den = 24 * k * n;
    // Three roundings (each side to f64, then the quotient): within 2 ulp.
    num as f64 / den as f64
}

/// Twice `scipy.stats.rankdata(method="average")` of `v`: 1-based ranks,
/// ties averaged, doubled so that every rank is an integer.
fn doubled_average_ranks(v: &[f64]) -> Vec<u64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0u64; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        // 2 · ((i + 1) + (j + 1)) / 2
        let avg2 = (i + j + 2) as u64;
        for &k in &idx[i..=j] {
            ranks[k] = avg2;
        }
        i = j + 1;
    }
    ranks
}

/// Python's `float // float`, which the exact method's threshold uses.
fn py_floordiv(a: f64, b: f64) -> f64 {
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div == 0.0 {
        return 0.0f64.copysign(a / b);
    }
    let mut fl = div.floor();
    if div - fl > 0.5 {
        fl += 1.0;
    }
    fl
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn binomial(n: u64, k: u64) -> f64 {
    (0..k)
        .fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
        .round()
}

/// The exact p-value for the statistic `u` (Anderson's U) and sizes `m`, `n`,
/// by the frequency tables of Xiao et al.'s Algorithm 1, as SciPy computes it.
fn pvalue_exact(s: f64, m: u64, n: u64) -> f64 {
    let lcm = m / gcd(m, n) * n;
    let (a, b) = (lcm / m, lcm / n);
    let mn = (m * n) as f64;
    let zeta = py_floordiv(
        (lcm * lcm) as f64 * (m + n) as f64 * (6.0 * s - mn * (4.0 * mn - 1.0)),
        6.0 * mn * mn,
    );
    let mut gs: Vec<HashMap<u64, u64>> = vec![HashMap::new(); m as usize + 1];
    gs[0].insert(0, 1);
    for u in 0..=n {
        let mut next: Vec<HashMap<u64, u64>> = Vec::with_capacity(gs.len());
        let mut tmp: HashMap<u64, u64> = HashMap::new();
        for (v, g) in gs.iter().enumerate() {
            for (&val, &f) in g {
                *tmp.entry(val).or_insert(0) += f;
            }
            let d = (a * v as u64) as i64 - (b * u) as i64;
            let res = (d * d) as u64;
            tmp = tmp.into_iter().map(|(val, f)| (val + res, f)).collect();
            next.push(tmp.clone());
        }
        gs = next;
    }
    let hits: u64 = gs[m as usize]
        .iter()
        .filter(|(&val, _)| val as f64 >= zeta)
        .map(|(_, &f)| f)
        .sum();
    hits as f64 / binomial(m + n, m)
}

fn pvalue_asymptotic(t: f64, n: f64, nx: f64, ny: f64, k: f64) -> f64 {
    let et = (1.0 + 1.0 / n) / 6.0;
    let vt =
        (n + 1.0) * (4.0 * k * n - 3.0 * (nx * nx + ny * ny) - 2.0 * k) / (45.0 * n * n * 4.0 * k);
    let tn = 1.0 / 6.0 + (t - et) / (45.0 * vt).sqrt();
    if tn < 0.003 {
        1.0
    } else {
        (1.0 - cdf_cvm_inf(tn)).max(0.0)
    }
}

/// The limiting CDF of the Cramér–von Mises statistic (Csörgő & Faraway 1996,
/// eq. 1.2), summed until a term is below 1e-7, as SciPy does.
fn cdf_cvm_inf(x: f64) -> f64 {
    let mut total = 0.0;
    for k in 0.. {
        let kf = k as f64;
        let u = (ln_gamma(kf + 0.5) - ln_gamma(kf + 1.0)).exp()
            / (std::f64::consts::PI.powf(1.5) * x.sqrt());
        let y = 4.0 * kf + 1.0;
        let q = y * y / (16.0 * x);
        let z = u * y.sqrt() * exp_k_quarter(q);
        total += z;
        if z.abs() < 1e-7 {
            break;
        }
    }
    total
}

/// `exp(-q) * K_{1/4}(q)` for `q > 0`, from `K_ν(q) = ∫_0^∞ exp(-q cosh t) cosh(ν t) dt`
/// by the trapezoid rule, which converges exponentially for this integrand;
/// folding `exp(-q)` in keeps large `q` from underflowing early.
fn exp_k_quarter(q: f64) -> f64 {
    const H: f64 = 1.0 / 64.0;
    let f = |t: f64| (-q * (1.0 + t.cosh())).exp() * (0.25 * t).cosh();
    let mut sum = 0.5 * f(0.0);
    let mut t = H;
    loop {
        let v = f(t);
        sum += v;
        if v < 1e-300 || (v < sum * 1e-18 && t > 1.0) {
            break;
        }
        t += H;
    }
    sum * H
}
