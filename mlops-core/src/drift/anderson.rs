//! The Anderson–Darling k-sample test, as `scipy.stats.anderson_ksamp`
//! (`variant="midrank"`, SciPy's default and the one Evidently uses): the
//! normalised statistic of Scholz & Stephens (1987) and their interpolated
//! p-value, capped to `[0.001, 0.25]` as SciPy caps it. Its sums run over
//! every distinct value and are compensated, so a million values lose no
//! digits to rounding.

use super::stats::TestResult;
use crate::error::{Error, Result};
use crate::sum::Neumaier;

/// Significance levels of Scholz & Stephens' Table 2.
const SIG: [f64; 7] = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
const B0: [f64; 7] = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1: [f64; 7] = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2: [f64; 7] = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];

fn count_lt(s: &[f64], z: f64) -> usize {
    s.partition_point(|&v| v < z)
}

fn count_le(s: &[f64], z: f64) -> usize {
    s.partition_point(|&v| v <= z)
}

/// Anderson–Darling test of whether `samples` (two or more) come from one
/// distribution. Needs at least two distinct values and four observations in all.
///
/// ```
/// use mlops_core::drift::anderson::anderson_ksamp;
/// let a: Vec<f64> = (0..30).map(|i| i as f64).collect();
/// let b: Vec<f64> = (0..30).map(|i| i as f64 + 20.0).collect();
/// let r = anderson_ksamp(&[&a, &b]).unwrap();
/// assert!(r.statistic > 10.0 && r.p_value == 0.001); // floored, as SciPy floors it
/// ```
pub fn anderson_ksamp(samples: &[&[f64]]) -> Result<TestResult> {
    let k = samples.len();
    if k < 2 {
        return Err(Error::InvalidInput(
            "Anderson–Darling needs at least two samples".into(),
        ));
    }
    if let Some(i) = samples.iter().position(|s| s.is_empty()) {
        return Err(Error::InvalidInput(format!(
            "Anderson–Darling: sample {i} is empty"
        )));
    }
    if samples.iter().any(|s| s.iter().any(|v| v.is_nan())) {
        return Err(Error::InvalidInput(
            "Anderson–Darling: a sample contains NaN".into(),
        ));
    }
    let sorted: Vec<Vec<f64>> = samples
        .iter()
        .map(|s| {
            let mut v = s.to_vec();
            v.sort_unstable_by(f64::total_cmp);
            v
        })
        .collect();
    let mut z: Vec<f64> = sorted.iter().flatten().copied().collect();
    z.sort_unstable_by(f64::total_cmp);
    let n_all = z.len();
    let mut zstar = z.clone();
    zstar.dedup();
    if zstar.len() < 2 {
        return Err(Error::InvalidInput(
            "Anderson–Darling needs more than one distinct value".into(),
        ));
    }
    if n_all < 4 {
        return Err(Error::InvalidInput(
            "Anderson–Darling needs at least four observations in all".into(),
        ));
    }
    let nf = n_all as f64;

    // A2akN, midrank variant (Scholz & Stephens eq. 7).
    let mut a2 = Neumaier::default();
    for s in &sorted {
        let ni = s.len() as f64;
        let mut inner = Neumaier::default();
        for &zj in &zstar {
            let left = count_lt(&z, zj) as f64;
            let lj = if n_all == zstar.len() {
                1.0
            } else {
                count_le(&z, zj) as f64 - left
            };
            let bj = left + lj / 2.0;
            let fij = (count_le(s, zj) - count_lt(s, zj)) as f64;
            let mij = count_le(s, zj) as f64 - fij / 2.0;
            inner.add(lj / nf * (nf * mij - bj * ni).powi(2) / (bj * (nf - bj) - nf * lj / 4.0));
        }
        a2.add(inner.value() / ni);
    }
    let a2 = a2.value() * (nf - 1.0) / nf;

    // Its variance under the null (Scholz & Stephens eq. 4).
    let kf = k as f64;
    let big_h: f64 = sorted.iter().map(|s| 1.0 / s.len() as f64).sum();
    // h = Σ_{d<N} 1/d and g = Σ_j (Σ_{d ≥ N-1-j} 1/d) / (j + 2), compensated.
    let mut acc = Neumaier::default();
    let mut g = Neumaier::default();
    for (j, d) in (2..n_all).rev().enumerate() {
        acc.add(1.0 / d as f64);
        g.add(acc.value() / (j + 2) as f64);
    }
    acc.add(1.0);
    let (h, g) = (acc.value(), g.value());
    let a = (4.0 * g - 6.0) * (kf - 1.0) + (10.0 - 6.0 * g) * big_h;
    let b = (2.0 * g - 4.0) * kf * kf + 8.0 * h * kf + (2.0 * g - 14.0 * h - 4.0) * big_h - 8.0 * h
        + 4.0 * g
        - 6.0;
    let c = (6.0 * h + 2.0 * g - 2.0) * kf * kf
        + (4.0 * h - 4.0 * g + 6.0) * kf
        + (2.0 * h - 6.0) * big_h
        + 4.0 * h;
    let d = (2.0 * h + 6.0) * kf * kf - 4.0 * h * kf;
    let sigmasq =
        (a * nf.powi(3) + b * nf * nf + c * nf + d) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0));
    let m = kf - 1.0;
    let stat = (a2 - m) / sigmasq.sqrt();

    let critical: Vec<f64> = (0..7)
        .map(|i| B0[i] + B1[i] / m.sqrt() + B2[i] / m)
        .collect();
    let (lo, hi) = critical
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &c| {
            (l.min(c), h.max(c))
        });
    let p = if stat < lo {
        0.25
    } else if stat > hi {
        0.001
    } else {
        let logs: Vec<f64> = SIG.iter().map(|s| s.ln()).collect();
        let [c2, c1, c0] = polyfit2(&critical, &logs);
        (c2 * stat * stat + c1 * stat + c0).exp()
    };
    Ok(TestResult {
        statistic: stat,
        p_value: p,
    })
}

/// Least-squares quadratic fit `y ≈ c2 x² + c1 x + c0` (as `numpy.polyfit(x, y, 2)`).
fn polyfit2(x: &[f64], y: &[f64]) -> [f64; 3] {
    // Normal equations on centred, scaled x for conditioning.
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let sx = (x.iter().map(|v| (v - mx).powi(2)).sum::<f64>() / n)
        .sqrt()
        .max(f64::MIN_POSITIVE);
    let t: Vec<f64> = x.iter().map(|v| (v - mx) / sx).collect();
    let mut ata = [[0.0; 3]; 3];
    let mut aty = [0.0; 3];
    for (ti, yi) in t.iter().zip(y) {
        let row = [ti * ti, *ti, 1.0];
        for r in 0..3 {
            for c in 0..3 {
                ata[r][c] += row[r] * row[c];
            }
            aty[r] += row[r] * yi;
        }
    }
    let [a, b, c] = solve3(ata, aty);
    // y = a t² + b t + c with t = (x - mx) / sx; expand in x.
    let c2 = a / (sx * sx);
    let c1 = b / sx - 2.0 * a * mx / (sx * sx);
    let c0 = a * mx * mx / (sx * sx) - b * mx / sx + c;
    [c2, c1, c0]
}

/// Solves a 3×3 system by Gaussian elimination with partial pivoting.
fn solve3(mut m: [[f64; 3]; 3], mut v: [f64; 3]) -> [f64; 3] {
    for col in 0..3 {
        let piv = (col..3)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap_or(col);
        m.swap(col, piv);
        v.swap(col, piv);
        for r in col + 1..3 {
            let f = m[r][col] / m[col][col];
            let pivot_row = m[col];
            for (x, p) in m[r].iter_mut().zip(pivot_row).skip(col) {
                *x -= f * p;
            }
            v[r] -= f * v[col];
        }
    }
    let mut x = [0.0; 3];
    for r in (0..3).rev() {
        let s: f64 = (r + 1..3).map(|c| m[r][c] * x[c]).sum();
        x[r] = (v[r] - s) / m[r][r];
    }
    x
}
