//! Two-sample statistics, correct to SciPy.
//!
//! Samples are `&[f64]` of finite values (callers drop nulls and NaN first;
//! a NaN is refused with [`Error::InvalidInput`]); distributions are shares or
//! counts per bin or category, normalised here as SciPy does.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

use crate::error::{Error, Result};

/// A test's statistic and, where one is defined, its p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestResult {
    /// The test statistic.
    pub statistic: f64,
    /// The p-value under the null hypothesis that both samples come from one distribution.
    pub p_value: f64,
}

/// A copy of the sample `name` (`reference` or `current`) sorted ascending,
/// or [`Error::InvalidInput`] naming the side when it is empty or holds a
/// NaN (and the NaN's index). The radix sort gives the order of
/// `f64::total_cmp`, bit for bit.
pub(super) fn sorted(name: &str, xs: &[f64]) -> Result<Vec<f64>> {
    if xs.is_empty() {
        return Err(Error::InvalidInput(format!("{name}: the sample is empty")));
    }
    if let Some(i) = xs.iter().position(|x| x.is_nan()) {
        return Err(Error::InvalidInput(format!("{name}: value {i} is NaN")));
    }
    let mut v = xs.to_vec();
    crate::sort::sort_f64(&mut v);
    Ok(v)
}

/// `∫ |U(x) - V(x)|^p dx` over the empirical CDFs, as SciPy's `_cdf_distance`
/// (without the final root).
fn cdf_distance_pow(u: &[f64], v: &[f64], p: i32) -> Result<f64> {
    let (u, v) = (sorted("reference", u)?, sorted("current", v)?);
    Ok(cdf_distance_pow_sorted(&u, &v, p))
}

/// [`cdf_distance_pow`] on sorted, non-empty, NaN-free samples.
///
/// SciPy multiplies each gap between consecutive pooled values by the CDF
/// difference there; two copies of `+inf` (or of `-inf`) in the pooled
/// values make a gap of `inf − inf = NaN`, and so the distance NaN. The same
/// here: the walk skips zero gaps, so that case is decided up front.
pub(crate) fn cdf_distance_pow_sorted(u: &[f64], v: &[f64], p: i32) -> f64 {
    let count = |s: &[f64], x: f64| {
        if x > 0.0 {
            s.iter().rev().take_while(|&&y| y == x).take(2).count()
        } else {
            s.iter().take_while(|&&y| y == x).take(2).count()
        }
    };
    for inf in [f64::INFINITY, f64::NEG_INFINITY] {
        if count(u, inf) + count(v, inf) >= 2 {
            return f64::NAN;
        }
    }
    let w = super::ecdf::walk(u, v);
    if p == 1 {
        w.l1
    } else {
        w.l2
    }
}

/// The population standard deviation (`numpy.std`, `ddof = 0`), two-pass,
/// with compensated sums.
pub(crate) fn std_pop(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = crate::sum::sum(xs.iter().copied()) / n;
    (crate::sum::sum(xs.iter().map(|x| (x - mean) * (x - mean))) / n).sqrt()
}

/// The first Wasserstein distance between two samples
/// (`scipy.stats.wasserstein_distance(u, v)`).
///
/// ```
/// let d = mlops_core::drift::stats::wasserstein_distance(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]).unwrap();
/// assert!((d - 5.0).abs() < 1e-12);
/// ```
pub fn wasserstein_distance(u: &[f64], v: &[f64]) -> Result<f64> {
    cdf_distance_pow(u, v, 1)
}

/// The energy distance between two samples (`scipy.stats.energy_distance(u, v)`):
/// `sqrt(2) * sqrt(∫ (U - V)^2)`.
pub fn energy_distance(u: &[f64], v: &[f64]) -> Result<f64> {
    Ok(std::f64::consts::SQRT_2 * cdf_distance_pow(u, v, 2)?.sqrt())
}

/// The floor Evidently puts under the reference's standard deviation when it
/// norms the Wasserstein distance.
pub const WASSERSTEIN_NORM_FLOOR: f64 = 1e-3;

/// Evidently's normed Wasserstein distance: the Wasserstein distance divided
/// by the reference sample's standard deviation (`ddof = 0`, numpy's
/// default), floored at [`WASSERSTEIN_NORM_FLOOR`] so a constant reference
/// gives a large but finite score.
pub fn wasserstein_distance_norm(reference: &[f64], current: &[f64]) -> Result<f64> {
    let d = wasserstein_distance(reference, current)?;
    Ok(d / std_pop(reference).max(WASSERSTEIN_NORM_FLOOR))
}

fn shares(name: &str, xs: &[f64]) -> Result<Vec<f64>> {
    if xs.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{name}: the distribution is empty"
        )));
    }
    if let Some(i) = xs.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
        return Err(Error::InvalidInput(format!(
            "{name}: entry {i} is {} (counts or shares must be finite and >= 0)",
            xs[i]
        )));
    }
    let total: f64 = xs.iter().sum();
    if total <= 0.0 {
        return Err(Error::InvalidInput(format!("{name}: all entries are zero")));
    }
    Ok(xs.iter().map(|x| x / total).collect())
}

/// Both distributions normalised, after checking they have the same bins.
fn paired_shares(p: &[f64], q: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
    same_len(p, q)?;
    Ok((shares("reference", p)?, shares("current", q)?))
}

fn same_len(p: &[f64], q: &[f64]) -> Result<()> {
    if p.len() != q.len() {
        return Err(Error::InvalidInput(format!(
            "the distributions have {} and {} bins; they must have the same bins",
            p.len(),
            q.len()
        )));
    }
    Ok(())
}

/// `scipy.special.rel_entr`: `x ln(x / y)`, 0 for `x = 0`, `inf` for `y = 0 < x`.
fn rel_entr(x: f64, y: f64) -> f64 {
    if x == 0.0 && y >= 0.0 {
        0.0
    } else if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else {
        f64::INFINITY
    }
}

/// The Jensen–Shannon distance (`scipy.spatial.distance.jensenshannon(p, q)`,
/// natural logarithm): the square root of the JS divergence. Inputs are
/// normalised to sum to 1.
pub fn jensen_shannon(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = paired_shares(p, q)?;
    let js: f64 = p
        .iter()
        .zip(&q)
        .map(|(&a, &b)| {
            let m = (a + b) / 2.0;
            rel_entr(a, m) + rel_entr(b, m)
        })
        .sum();
    Ok((js / 2.0).max(0.0).sqrt())
}

/// The Kullback–Leibler divergence `KL(p || q)` (`scipy.stats.entropy(p, q)`,
/// natural logarithm); infinite when `q` is 0 where `p` is not.
pub fn kl_divergence(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = paired_shares(p, q)?;
    Ok(p.iter().zip(&q).map(|(&a, &b)| rel_entr(a, b)).sum())
}

/// The Hellinger distance `sqrt(1/2 Σ (√p − √q)²)`, in `[0, 1]`.
pub fn hellinger(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = paired_shares(p, q)?;
    let s: f64 = p
        .iter()
        .zip(&q)
        .map(|(a, b)| (a.sqrt() - b.sqrt()).powi(2))
        .sum();
    Ok((s / 2.0).sqrt())
}

/// The total variation distance `1/2 Σ |p − q|`, in `[0, 1]`.
pub fn total_variation(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = paired_shares(p, q)?;
    Ok(p.iter().zip(&q).map(|(a, b)| (a - b).abs()).sum::<f64>() / 2.0)
}

/// TFDV's L-infinity distance: the largest difference of the shares of any
/// category.
pub fn l_infinity(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = paired_shares(p, q)?;
    Ok(p.iter()
        .zip(&q)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max))
}

/// The share Evidently puts in place of an empty bin before taking logarithms.
pub const PSI_EMPTY_SHARE: f64 = 1e-4;

/// The population stability index `Σ (p − q) ln(p / q)` over shares, with an
/// empty bin counted as [`PSI_EMPTY_SHARE`] as Evidently does.
pub fn psi(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = paired_shares(p, q)?;
    let fix = |x: f64| if x == 0.0 { PSI_EMPTY_SHARE } else { x };
    Ok(p.iter()
        .zip(&q)
        .map(|(&a, &b)| (fix(a) - fix(b)) * (fix(a) / fix(b)).ln())
        .sum())
}

/// Pearson's chi-square test of independence on a contingency table
/// (`scipy.stats.chi2_contingency(observed)`, with Yates' continuity
/// correction when there is one degree of freedom, as SciPy's default).
///
/// Rows are samples (reference, current), columns categories. Returns the
/// statistic, the p-value and the degrees of freedom. An all-zero row or
/// column is refused, as SciPy refuses a zero expected frequency.
pub fn chi2_contingency(observed: &[Vec<f64>]) -> Result<(TestResult, usize)> {
    let r = observed.len();
    let c = observed.first().map_or(0, Vec::len);
    if r == 0 || c == 0 || observed.iter().any(|row| row.len() != c) {
        return Err(Error::InvalidInput(
            "contingency table: rows must be non-empty and of equal length".into(),
        ));
    }
    if let Some((i, j)) = (0..r)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .find(|&(i, j)| !(observed[i][j].is_finite() && observed[i][j] >= 0.0))
    {
        return Err(Error::InvalidInput(format!(
            "contingency table: cell ({i}, {j}) is {}",
            observed[i][j]
        )));
    }
    let rows: Vec<f64> = observed.iter().map(|row| row.iter().sum()).collect();
    let cols: Vec<f64> = (0..c)
        .map(|j| observed.iter().map(|row| row[j]).sum())
        .collect();
    let total: f64 = rows.iter().sum();
    if rows.iter().chain(&cols).any(|&s| s == 0.0) {
        return Err(Error::InvalidInput(
            "contingency table: a row or column is all zero, so an expected frequency is zero"
                .into(),
        ));
    }
    let dof = (r - 1) * (c - 1);
    if dof == 0 {
        return Ok((
            TestResult {
                statistic: 0.0,
                p_value: 1.0,
            },
            0,
        ));
    }
    let mut stat = 0.0;
    for i in 0..r {
        for j in 0..c {
            let e = rows[i] * cols[j] / total;
            let mut o = observed[i][j];
            if dof == 1 {
                // Yates: move each observation half a unit towards its expectation.
                let d = e - o;
                o += d.signum() * d.abs().min(0.5);
            }
            stat += (o - e) * (o - e) / e;
        }
    }
    let p = ChiSquared::new(dof as f64).expect("dof >= 1").sf(stat);
    Ok((
        TestResult {
            statistic: stat,
            p_value: p,
        },
        dof,
    ))
}

/// The two-sample Z-test for proportions (pooled), as Evidently's `z`
/// stat test: `x1` successes of `n1` against `x2` of `n2`; two-sided p-value
/// `2 sf(|z|)`. When both samples are all successes or all failures there is
/// no evidence of a difference: statistic 0, p-value 1.
pub fn proportions_ztest(x1: u64, n1: u64, x2: u64, n2: u64) -> Result<TestResult> {
    if n1 == 0 || n2 == 0 {
        return Err(Error::InvalidInput(
            "proportions z-test: a sample is empty".into(),
        ));
    }
    if x1 > n1 || x2 > n2 {
        return Err(Error::InvalidInput(
            "proportions z-test: more successes than trials".into(),
        ));
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let var = pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64);
    if var == 0.0 {
        return Ok(TestResult {
            statistic: 0.0,
            p_value: 1.0,
        });
    }
    let z = (p1 - p2) / var.sqrt();
    let p = 2.0 * Normal::standard().sf(z.abs());
    Ok(TestResult {
        statistic: z,
        p_value: p.min(1.0),
    })
}
