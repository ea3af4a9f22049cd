//! The drift of one column from its two [`Sample`]s: the method choice, the
//! value test, the null-rate test, summaries and chart bins.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::binning::{self, Binned};
use super::ecdf::{self, Walk};
use super::ks::{ks_from_statistic, KsMethod};
use super::method::{default_method, Method};
use super::options::DriftOptions;
use super::report::{ColumnDrift, ColumnType, Distribution, DistributionKind, NullDrift, Summary};
use super::sample::{Sample, Values};
use super::stats::{self, TestResult};
use super::{anderson, cvm};
use crate::error::{Error, Result};

/// Bins of a numerical chart.
pub(super) const CHART_BINS: usize = 30;
/// Categories shown in a chart before the rest are folded into `(other)`.
const CHART_CATEGORIES: usize = 20;
/// Categories listed in a summary.
const SUMMARY_TOP: usize = 10;
/// The method choice only asks whether numbers have at most 5 distinct
/// values; counting stops past this.
const NUMERIC_DISTINCT_LIMIT: u64 = 5;
/// Why a text-like column has no value test.
pub(crate) const TEXT_LIKE: &str = "text-like: more than half of the current values are distinct \
(Evidently tests such columns with text-drift methods, which mlops does not implement; \
name a method to test it as categorical)";
/// Integer columns with at most this many distinct reference values are
/// categorical (Evidently's `INTEGER_CARDINALITY_LIMIT`).
const INTEGER_CATEGORIES: u64 = 10;

/// A value test's outcome: the score compared with the threshold, the
/// statistic and, for tests, the p-value.
struct Outcome {
    score: f64,
    statistic: f64,
    p_value: Option<f64>,
}

impl Outcome {
    fn distance(d: f64) -> Self {
        Outcome {
            score: d,
            statistic: d,
            p_value: None,
        }
    }
    fn test(t: TestResult) -> Self {
        Outcome {
            score: t.p_value,
            statistic: t.statistic,
            p_value: Some(t.p_value),
        }
    }
}

/// The two samples of a column, as the tests see them.
pub(crate) enum Pair<'a> {
    /// Sorted finite numbers; `integer` when numpy would see an integer dtype
    /// (integer column without missing values on either side).
    Numeric {
        reference: &'a [f64],
        current: &'a [f64],
        integer: bool,
    },
    /// Counts per category, sorted by category.
    Categorical {
        reference: &'a [(String, u64)],
        current: &'a [(String, u64)],
    },
}

impl Pair<'_> {
    fn distinct(&self) -> u64 {
        match self {
            Pair::Numeric {
                reference, current, ..
            } => binning::distinct_union_up_to(reference, current, NUMERIC_DISTINCT_LIMIT),
            Pair::Categorical { reference, current } => {
                binning::categorical(reference, current).labels.len() as u64
            }
        }
    }

    /// Evidently's bins of both samples.
    fn binned(&self) -> Binned {
        match self {
            Pair::Numeric {
                reference,
                current,
                integer,
            } => binning::numeric(reference, current, *integer),
            Pair::Categorical { reference, current } => binning::categorical(reference, current),
        }
    }

    /// The shares of [`binned`](Self::binned)'s bins on both sides, empty
    /// bins filled where `fill` (see [`Binned::shares`]).
    fn bin_shares(&self, fill: bool) -> (Vec<f64>, Vec<f64>) {
        let b = self.binned();
        (
            Binned::shares(&b.reference, fill),
            Binned::shares(&b.current, fill),
        )
    }

    /// Counts per distinct value of both samples (chi-square and Z treat
    /// every distinct value as a category, as Evidently does).
    fn categories(&self) -> Binned {
        match self {
            Pair::Numeric {
                reference, current, ..
            } => binning::values(reference, current),
            Pair::Categorical { reference, current } => binning::categorical(reference, current),
        }
    }
}

/// Chi-square goodness of fit of the current counts to the reference
/// shares scaled to the current size (`scipy.stats.chisquare(f_obs, f_exp)`
/// as Evidently's `chisquare` stat test builds it). A category absent from
/// the reference makes the statistic infinite (p-value 0); a single category
/// gives p-value 1.
pub(crate) fn chisquare(b: &Binned) -> TestResult {
    let nr: u64 = b.reference.iter().sum();
    let nc: u64 = b.current.iter().sum();
    let k = nc as f64 / nr as f64;
    let stat: f64 = b
        .reference
        .iter()
        .zip(&b.current)
        .map(|(&r, &c)| {
            let e = r as f64 * k;
            let d = c as f64 - e;
            if e == 0.0 {
                if d == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                }
            } else {
                d * d / e
            }
        })
        .sum();
    let dof = b.labels.len().saturating_sub(1);
    let p = if dof == 0 {
        1.0
    } else if stat.is_infinite() {
        0.0
    } else {
        ChiSquared::new(dof as f64).expect("dof >= 1").sf(stat)
    };
    TestResult {
        statistic: stat,
        p_value: p,
    }
}

/// Evidently's `z` stat test: the share of values other than the first
/// (smallest) category, compared between the samples.
pub(crate) fn ztest(b: &Binned) -> Result<TestResult> {
    let nr: u64 = b.reference.iter().sum();
    let nc: u64 = b.current.iter().sum();
    let (r0, c0) = (b.reference[0], b.current[0]);
    stats::proportions_ztest(nr - r0, nr, nc - c0, nc)
}

fn kl(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    p.iter()
        .zip(q)
        .map(|(&a, &b)| {
            let (a, b) = (a / sp, b / sq);
            if a == 0.0 {
                0.0
            } else if b == 0.0 {
                f64::INFINITY
            } else {
                a * (a / b).ln()
            }
        })
        .sum()
}

/// Evidently's Hellinger distance: over category shares for categorical
/// columns; over Sturges bins of the distinct values' range for numerical ones.
fn hellinger(pair: &Pair) -> f64 {
    let (r, c) = match pair {
        Pair::Numeric {
            reference, current, ..
        } => {
            let distinct = binning::distinct_union(reference, current) as usize;
            let lo = reference[0].min(current[0]);
            let hi = reference[reference.len() - 1].max(current[current.len() - 1]);
            let edges = binning::sturges_edges(lo, hi, distinct, false);
            (
                binning::histogram(reference, &edges),
                binning::histogram(current, &edges),
            )
        }
        Pair::Categorical { .. } => {
            let b = pair.categories();
            (b.reference, b.current)
        }
    };
    let (nr, nc) = (r.iter().sum::<u64>() as f64, c.iter().sum::<u64>() as f64);
    let bc: f64 = r
        .iter()
        .zip(&c)
        .map(|(&a, &b)| ((a as f64 / nr) * (b as f64 / nc)).sqrt())
        .sum();
    (1.0 - bc.clamp(0.0, 1.0)).sqrt()
}

/// Runs `method` on the pair; errors when the method cannot test the column.
/// `ref_std` is the reference's standard deviation (`ddof = 0`), the
/// Wasserstein norm.
/// `walk` holds the ECDF walk of numerical samples once a method made it,
/// so the significance guard reuses it.
fn run(
    column: &str,
    method: Method,
    pair: &Pair,
    ref_std: f64,
    walk: &std::cell::OnceCell<Walk>,
) -> Result<Outcome> {
    if method.numeric_only() && matches!(pair, Pair::Categorical { .. }) {
        return Err(Error::InvalidInput(format!(
            "column '{column}': method {method} needs numbers, and the column is categorical"
        )));
    }
    Ok(match method {
        Method::ChiSquare => Outcome::test(chisquare(&pair.categories())),
        Method::Z => Outcome::test(ztest(&pair.categories())?),
        Method::JensenShannon => {
            let (r, c) = pair.bin_shares(false);
            Outcome::distance(stats::jensen_shannon(&r, &c)?)
        }
        Method::LInfinity => {
            let (r, c) = pair.bin_shares(false);
            Outcome::distance(stats::l_infinity(&r, &c)?)
        }
        Method::Psi => {
            let (r, c) = pair.bin_shares(true);
            Outcome::distance(psi_filled(&r, &c))
        }
        Method::KlDiv => {
            let (r, c) = pair.bin_shares(true);
            Outcome::distance(kl(&r, &c))
        }
        Method::Hellinger => Outcome::distance(hellinger(pair)),
        Method::Ks
        | Method::Wasserstein
        | Method::Anderson
        | Method::CramerVonMises
        | Method::Energy => {
            let Pair::Numeric {
                reference: r,
                current: c,
                ..
            } = pair
            else {
                unreachable!("checked above")
            };
            let (n1, n2) = (r.len() as u64, c.len() as u64);
            match method {
                Method::Ks => Outcome::test(ks_from_statistic(
                    walk.get_or_init(|| ecdf::walk(r, c)).ks(),
                    n1,
                    n2,
                    KsMethod::Auto,
                )),
                Method::Wasserstein => Outcome::distance(
                    walk.get_or_init(|| ecdf::walk(r, c)).l1
                        / ref_std.max(stats::WASSERSTEIN_NORM_FLOOR),
                ),
                Method::Energy => Outcome::distance(
                    std::f64::consts::SQRT_2 * walk.get_or_init(|| ecdf::walk(r, c)).l2.sqrt(),
                ),
                Method::Anderson => Outcome::test(anderson::anderson_ksamp(&[r, c])?),
                _ => Outcome::test(cvm::cramervonmises_2samp(r, c)?),
            }
        }
    })
}

/// The p-value that confirms a distance: KS for numerical columns,
/// chi-square of independence on the counts per category for categorical ones.
fn significance(pair: &Pair, numerical: bool, walk: &std::cell::OnceCell<Walk>) -> Result<f64> {
    match pair {
        Pair::Numeric {
            reference, current, ..
        } if numerical => {
            let d = walk.get_or_init(|| ecdf::walk(reference, current)).ks();
            Ok(ks_from_statistic(
                d,
                reference.len() as u64,
                current.len() as u64,
                KsMethod::Asymp,
            )
            .p_value)
        }
        _ => independence_p(&pair.categories()),
    }
}

/// The p-value of chi-square independence between the two sides' counts
/// (1 with a single category).
pub(crate) fn independence_p(b: &Binned) -> Result<f64> {
    if b.labels.len() < 2 {
        return Ok(1.0);
    }
    let table = [
        b.reference.iter().map(|&x| x as f64).collect::<Vec<_>>(),
        b.current.iter().map(|&x| x as f64).collect::<Vec<_>>(),
    ];
    Ok(stats::chi2_contingency(&table)?.0.p_value)
}

/// PSI over shares Evidently has already filled (no renormalisation).
pub(crate) fn psi_filled(r: &[f64], c: &[f64]) -> f64 {
    r.iter().zip(c).map(|(a, b)| (a - b) * (a / b).ln()).sum()
}

/// The null-rate test between two sides (`None` when a side has no rows).
pub(crate) fn null_drift(
    missing: (u64, u64),
    rows: (u64, u64),
    opts: &DriftOptions,
) -> Option<(NullDrift, f64)> {
    if !opts.null_test || rows.0 == 0 || rows.1 == 0 {
        return None;
    }
    let t = stats::proportions_ztest(missing.0, rows.0, missing.1, rows.1).ok()?;
    let (p1, p2) = (
        missing.0 as f64 / rows.0 as f64,
        missing.1 as f64 / rows.1 as f64,
    );
    let h = (2.0 * p1.sqrt().asin() - 2.0 * p2.sqrt().asin()).abs();
    Some((
        NullDrift {
            reference_share: p1,
            current_share: p2,
            statistic: t.statistic,
            p_value: t.p_value,
            effect: h,
            threshold: opts.null_threshold,
            min_effect: opts.null_min_effect,
            drifted: false, // decided after the correction
        },
        t.p_value,
    ))
}

/// `numpy.quantile(sorted, q)` (linear interpolation).
fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

fn summary(s: &Sample) -> Summary {
    let mut out = Summary {
        rows: s.rows,
        missing: s.missing(),
        ..Default::default()
    };
    match &s.values {
        Values::Numeric(v) if !v.is_empty() => {
            let (mut sum, mut distinct, mut last) = (0.0, 0u64, f64::NAN);
            for &x in v {
                sum += x;
                distinct += (x != last) as u64;
                last = x;
            }
            let mean = sum / v.len() as f64;
            let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64;
            out.distinct = Some(distinct as f64);
            out.mean = Some(mean);
            out.std = Some(var.sqrt());
            out.min = Some(v[0]);
            out.q25 = Some(quantile_linear(v, 0.25));
            out.median = Some(quantile_linear(v, 0.5));
            out.q75 = Some(quantile_linear(v, 0.75));
            out.max = Some(v[v.len() - 1]);
        }
        Values::Numeric(_) => out.distinct = Some(0.0),
        Values::Categorical(c) => {
            out.distinct = Some(c.len() as f64);
            let mut top = c.clone();
            top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            top.truncate(SUMMARY_TOP);
            out.top = top;
        }
    }
    out
}

fn shares(counts: &[u64]) -> Vec<f64> {
    Binned::shares(counts, false)
}

/// The edges of a numerical chart's [`CHART_BINS`] equal bins from `lo` to
/// `hi` (half a unit wider on each side when they meet), with the ends.
pub(super) fn chart_edges(lo: f64, hi: f64) -> (f64, f64, Vec<f64>) {
    let (lo, hi) = if lo < hi {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let step = (hi - lo) / CHART_BINS as f64;
    let mut edges: Vec<f64> = (0..=CHART_BINS).map(|i| lo + step * i as f64).collect();
    edges[CHART_BINS] = hi;
    (lo, hi, edges)
}

/// Chart bins: a histogram clipped to the central 99 % of both samples
/// (heavy tails would squeeze everything into one bar), or the categories,
/// the most frequent first, the rest folded into `(other)`.
fn distribution(pair: &Pair) -> Distribution {
    match pair {
        Pair::Numeric {
            reference, current, ..
        } if binning::distinct_up_to(reference, 20) > 20
            || binning::distinct_up_to(current, 20) > 20 =>
        {
            let q = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
            let (lo, hi, edges) = chart_edges(
                q(reference, 0.005).min(q(current, 0.005)),
                q(reference, 0.995).max(q(current, 0.995)),
            );
            let count = |v: &[f64]| {
                let mut c = binning::histogram(v, &edges);
                c[0] += v.partition_point(|&x| x < lo) as u64;
                c[CHART_BINS - 1] += (v.len() - v.partition_point(|&x| x <= hi)) as u64;
                c
            };
            Distribution {
                kind: DistributionKind::Histogram,
                reference: shares(&count(reference)),
                current: shares(&count(current)),
                edges,
                labels: Vec::new(),
            }
        }
        _ => {
            let b = pair.categories();
            let mut idx: Vec<usize> = (0..b.labels.len()).collect();
            if matches!(pair, Pair::Categorical { .. }) {
                idx.sort_by_key(|&i| std::cmp::Reverse(b.reference[i] + b.current[i]));
            }
            let (mut labels, mut r, mut c) = (Vec::new(), Vec::new(), Vec::new());
            for (k, &i) in idx.iter().enumerate() {
                if k < CHART_CATEGORIES {
                    labels.push(b.labels[i].clone());
                    r.push(b.reference[i]);
                    c.push(b.current[i]);
                } else {
                    if k == CHART_CATEGORIES {
                        labels.push("(other)".to_string());
                        r.push(0);
                        c.push(0);
                    }
                    *r.last_mut().expect("pushed") += b.reference[i];
                    *c.last_mut().expect("pushed") += b.current[i];
                }
            }
            Distribution {
                kind: DistributionKind::Categories,
                edges: Vec::new(),
                labels,
                reference: shares(&r),
                current: shares(&c),
            }
        }
    }
}

/// The drift of one column from its two samples. `integer` says the column
/// is of an integer type (numpy's binning treats integer data apart).
/// Decisions that depend on the multiple-testing correction are left to the
/// caller: `value_drifted` and `nulls.drifted` are set from the raw p-values.
pub(crate) fn column_drift(
    column: &str,
    reference: &Sample,
    current: &Sample,
    integer: bool,
    opts: &DriftOptions,
) -> Result<ColumnDrift> {
    let pair = match (&reference.values, &current.values) {
        (Values::Numeric(r), Values::Numeric(c)) => Pair::Numeric {
            reference: r,
            current: c,
            integer: integer && reference.missing() == 0 && current.missing() == 0,
        },
        (Values::Categorical(r), Values::Categorical(c)) => Pair::Categorical {
            reference: r,
            current: c,
        },
        _ => {
            return Err(Error::SchemaMismatch(format!(
                "column '{column}' is numerical on one side and categorical on the other"
            )))
        }
    };
    // Evidently's typing: an integer column (no missing values, so pandas
    // keeps an integer dtype) with at most 10 distinct values is
    // categorical; its values are the categories.
    // Evidently types a column by the current data (its `ValueDrift` takes
    // `current_data.column(name).type`), so the counts here are the current side's.
    let numerical = match &pair {
        Pair::Numeric { current: c, .. } => {
            !(integer
                && current.missing() == 0
                && binning::distinct_up_to(c, INTEGER_CATEGORIES) <= INTEGER_CATEGORIES)
        }
        Pair::Categorical { .. } => false,
    };
    let (asked_method, asked_threshold) = opts.for_column(column);
    let mut drift = ColumnDrift::untested(
        column,
        numerical,
        asked_threshold.unwrap_or(f64::NAN),
        summary(reference),
        summary(current),
    );
    if let Some((n, _)) = null_drift(
        (reference.missing(), current.missing()),
        (reference.rows, current.rows),
        opts,
    ) {
        drift.nulls = Some(n);
    }
    let empty = |s: &Sample| s.present() == 0;
    if empty(reference) || empty(current) {
        let side = if empty(reference) {
            "reference"
        } else {
            "current"
        };
        drift.skipped = Some(format!("no present values in the {side} data"));
        if let Some(m) = asked_method {
            drift.method = Some(m);
            drift.threshold = asked_threshold.unwrap_or(m.default_threshold());
        }
        return Ok(drift);
    }
    if let (Pair::Categorical { current: c, .. }, None) = (&pair, asked_method) {
        if c.len() as f64 > 0.5 * current.present() as f64 && current.present() > 3 {
            drift.skipped = Some(TEXT_LIKE.into());
            drift.column_type = ColumnType::Text;
            return Ok(drift);
        }
    }
    let distinct = pair.distinct();
    let method =
        asked_method.unwrap_or_else(|| default_method(numerical, reference.present(), distinct));
    let threshold = asked_threshold.unwrap_or(method.default_threshold());
    let walk = std::cell::OnceCell::new();
    let out = run(
        column,
        method,
        &pair,
        drift.reference.std.unwrap_or(0.0),
        &walk,
    )?;
    drift.method = Some(method);
    drift.threshold = threshold;
    drift.distinct = Some(distinct as f64);
    drift.score = Some(out.score);
    drift.statistic = Some(out.statistic);
    drift.p_value = out.p_value;
    drift.value_drifted = method.drifted(out.score, threshold);
    if drift.value_drifted && !method.is_p_value() && opts.significance_guard {
        let p = significance(&pair, numerical, &walk)?;
        drift.guard_p_value = Some(p);
        drift.value_drifted = p < opts.significance_level;
    }
    drift.distribution = distribution(&pair);
    Ok(drift)
}
