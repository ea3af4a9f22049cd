//! Drift from two stored profiles, without the data: the same report,
//! computed from the profiles' exact counts and moments and their sketches.
//!
//! How each figure is approximated (and how far it can be off):
//! - counts, missing shares, means and standard deviations are exact, so the
//!   null-rate test and the Wasserstein norm are exact;
//! - distinct counts (for the method choice) come from the union of the two
//!   HLL sketches (about 1.6 % relative error);
//! - numerical distributions come from the KLL sketches, whose ranks are off
//!   by at most ε ≈ 1.65 % of the column (99 % confidence) each:
//!   - KS: the largest CDF difference over both sketches' quantile grids,
//!     within 2ε of the exact statistic; its p-value is the asymptotic one
//!     of the part beyond the two sketches' error bounds (`D − ε₁ − ε₂`),
//!     so sketch noise alone is never significant (the significance guard
//!     uses the same);
//!   - Wasserstein: `∫ |F_ref(x) − F_cur(x)| dx` with the sketches' CDFs,
//!     stepping over both sketches' 2,000-point quantile grids and the exact
//!     ranges; each CDF value is within ε, so the error is at most
//!     `2ε (max − min) / σ` and in practice far less (errors of opposite sign
//!     cancel); heavy tails make it largest;
//!   - Jensen–Shannon, PSI, KL, Hellinger, L∞: Evidently's Sturges bins over
//!     the exact range of both sides, shares from the sketches' PMF (each
//!     share within ε per bin edge);
//! - categories (and numbers with at most 20 distinct values) come from the
//!   frequent-items sketches, exact while a column has at most 384 distinct
//!   values; beyond, the values not listed are folded into one `(other)`
//!   category, which can only hide drift among the rare values.
//!
//! Anderson–Darling, Cramér–von Mises and energy distance need raw data and
//! are refused here. `mlops-core/tests/drift_profiles.rs` and the Python
//! suite compare this report with the exact one on the shared workload.

use super::binning::{self, Binned};
use super::column;
use super::dataset::assemble;
use super::ks;
use super::method::{default_method, Method};
use super::options::DriftOptions;
use super::report::{
    ColumnDrift, ColumnType, Distribution, DistributionKind, DriftReport, SkippedColumn, Summary,
};
use super::stats;
use crate::error::{Error, Result};
use crate::profile::{ColumnProfile, Profile, Scalar, ValueKind};

/// Points of the quantile grid for Wasserstein.
const GRID: usize = 2000;

fn numerical(kind: ValueKind) -> Option<bool> {
    match kind {
        ValueKind::Numeric | ValueKind::Temporal => Some(true),
        ValueKind::Boolean | ValueKind::String => Some(false),
        _ => None,
    }
}

fn present(c: &ColumnProfile) -> u64 {
    c.count - missing(c)
}

fn missing(c: &ColumnProfile) -> u64 {
    c.null_count + c.nan_count + c.pos_inf_count + c.neg_inf_count
}

/// Counts per category from the frequent-items sketch (booleans from their
/// exact counts), with the unlisted remainder as `(other)`.
fn categories(c: &ColumnProfile) -> Vec<(String, u64)> {
    if c.kind == ValueKind::Boolean {
        let t = c.true_count;
        return vec![("false".into(), present(c) - t), ("true".into(), t)];
    }
    let mut out: Vec<(String, u64)> = c
        .top_k(usize::MAX)
        .into_iter()
        .map(|t| {
            let label = match &t.value {
                Scalar::Float(f) => binning::format_number(*f),
                Scalar::Int(i) => i.to_string(),
                Scalar::Bool(b) => b.to_string(),
                Scalar::Str(s) => s.clone(),
            };
            (label, t.count)
        })
        .collect();
    let listed: u64 = out.iter().map(|(_, n)| n).sum();
    let rest = present(c).saturating_sub(listed);
    if rest > 0 {
        out.push(("(other)".into(), rest));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Whether `categories` lists every value exactly.
fn categories_exact(c: &ColumnProfile) -> bool {
    c.kind == ValueKind::Boolean
        || (c.top_k_max_error() == 0
            && c.top_k(usize::MAX).iter().map(|t| t.count).sum::<u64>() == present(c))
}

/// The CDF of a sketch at sorted, distinct points: the share of values `<= x`.
fn cdf_at(c: &ColumnProfile, points: &[f64]) -> Option<Vec<f64>> {
    let q = c.quantiles.as_ref()?;
    // pmf's bins are [s_{i-1}, s_i): the share <= x is the mass below next_up(x).
    let splits: Vec<f64> = points.iter().map(|x| x.next_up()).collect();
    let pmf = q.pmf(&splits)?;
    let mut acc = 0.0;
    Some(
        pmf.iter()
            .take(points.len())
            .map(|m| {
                acc += m;
                acc
            })
            .collect(),
    )
}

/// The part of a KS statistic from sketches that their rank errors cannot
/// explain: `max(0, D − ε_ref − ε_cur)`. Its p-value only calls a
/// difference significant when the sketches could not have made it up.
fn beyond_sketch_error(d: f64, r: &ColumnProfile, c: &ColumnProfile) -> f64 {
    let eps = |p: &ColumnProfile| {
        p.quantiles
            .as_ref()
            .map_or(0.0, |q| if exact_kll(q) { 0.0 } else { q.rank_error() })
    };
    (d - eps(r) - eps(c)).max(0.0)
}

/// Whether a KLL sketch still holds every value it saw (then its CDF is exact).
fn exact_kll(q: &crate::profile::sketches::Quantiles) -> bool {
    q.n() <= crate::profile::sketches::KLL_K as u64
}

/// Both sketches' CDFs at the union of their quantile grids (and, with
/// `ranges`, their exact minima and maxima): `(points, F_ref, F_cur)`.
fn sketch_cdfs(
    r: &ColumnProfile,
    c: &ColumnProfile,
    ranges: bool,
) -> Option<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let mut pts = quantile_grid(r)?;
    pts.extend(quantile_grid(c)?);
    if ranges {
        for p in [r, c] {
            pts.extend(range(p).map(|(lo, hi)| [lo, hi]).into_iter().flatten());
        }
    }
    pts.sort_by(f64::total_cmp);
    pts.dedup();
    let (fr, fc) = (cdf_at(r, &pts)?, cdf_at(c, &pts)?);
    Some((pts, fr, fc))
}

/// The KS statistic from the sketches, and the asymptotic p-value of the
/// part of it beyond their error bounds.
fn sketch_ks(r: &ColumnProfile, c: &ColumnProfile) -> Option<(f64, f64)> {
    let (_, fr, fc) = sketch_cdfs(r, c, false)?;
    let d = fr
        .iter()
        .zip(&fc)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let p = ks::asymptotic_pvalue(beyond_sketch_error(d, r, c), present(r), present(c));
    Some((d, p))
}

fn quantile_grid(c: &ColumnProfile) -> Option<Vec<f64>> {
    let q = c.quantiles.as_ref()?;
    let ranks: Vec<f64> = (0..GRID).map(|i| (i as f64 + 0.5) / GRID as f64).collect();
    q.quantiles(&ranks)
}

fn range(c: &ColumnProfile) -> Option<(f64, f64)> {
    Some((c.min.as_ref()?.as_f64()?, c.max.as_ref()?.as_f64()?))
}

/// Shares in bins of `edges` (the last bin closed) from the sketch.
fn shares_in(c: &ColumnProfile, edges: &[f64]) -> Option<Vec<f64>> {
    let q = c.quantiles.as_ref()?;
    let inner = &edges[1..edges.len() - 1];
    let pmf = q.pmf(inner)?;
    // pmf has one more bin than `inner`: below the first inner edge, between
    // consecutive ones, and from the last one up (which ends at the range's top).
    Some(pmf)
}

struct Sketched<'a> {
    r: &'a ColumnProfile,
    c: &'a ColumnProfile,
    numerical: bool,
}

impl Sketched<'_> {
    /// Reference and current shares over value categories or Sturges bins.
    fn binned_numeric(&self, use_values: bool) -> Option<(Vec<f64>, Vec<f64>)> {
        if use_values {
            let b = binning::categorical(&categories(self.r), &categories(self.c));
            let (r, c) = (
                Binned::shares(&b.reference, false),
                Binned::shares(&b.current, false),
            );
            return Some((r, c));
        }
        let (rl, rh) = range(self.r)?;
        let (cl, ch) = range(self.c)?;
        let n = (present(self.r) + present(self.c)) as usize;
        let integer =
            !self.r.is_float() && !self.c.is_float() && missing(self.r) + missing(self.c) == 0;
        let edges = binning::sturges_edges(rl.min(cl), rh.max(ch), n, integer);
        Some((shares_in(self.r, &edges)?, shares_in(self.c, &edges)?))
    }

    /// Shares per bin for the binned methods, as Evidently bins: categories
    /// for categorical columns and numbers with at most 20 distinct reference
    /// values; Sturges bins otherwise.
    fn binned(&self) -> Option<(Vec<f64>, Vec<f64>)> {
        if !self.numerical {
            let b = binning::categorical(&categories(self.r), &categories(self.c));
            return Some((
                Binned::shares(&b.reference, false),
                Binned::shares(&b.current, false),
            ));
        }
        let few = self.r.distinct_estimate().unwrap_or(f64::INFINITY).round() <= 20.0
            && categories_exact(self.r);
        self.binned_numeric(few)
    }
}

fn summary(c: &ColumnProfile, numerical: bool) -> Summary {
    let mut s = Summary {
        rows: c.count,
        missing: missing(c),
        distinct: c.distinct_estimate(),
        ..Default::default()
    };
    if numerical {
        let n = c.moments.n as f64;
        s.mean = c.mean();
        s.std = c.variance().map(|v| (v * (n - 1.0) / n).sqrt());
        s.min = c.min.as_ref().and_then(Scalar::as_f64);
        s.max = c.max.as_ref().and_then(Scalar::as_f64);
        s.q25 = c.quantile(0.25);
        s.median = c.quantile(0.5);
        s.q75 = c.quantile(0.75);
    } else {
        let mut top = categories(c);
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(10);
        s.top = top;
    }
    s
}

fn chart(sk: &Sketched) -> Option<Distribution> {
    if sk.numerical
        && sk.r.quantiles.as_ref().is_some_and(|q| q.n() > 0)
        && sk.c.quantiles.as_ref().is_some_and(|q| q.n() > 0)
    {
        let (_, _, edges) = column::chart_edges(
            sk.r.quantile(0.005)?.min(sk.c.quantile(0.005)?),
            sk.r.quantile(0.995)?.max(sk.c.quantile(0.995)?),
        );
        return Some(Distribution {
            kind: DistributionKind::Histogram,
            reference: shares_in(sk.r, &edges)?,
            current: shares_in(sk.c, &edges)?,
            edges,
            labels: Vec::new(),
        });
    }
    let b = binning::categorical(&categories(sk.r), &categories(sk.c));
    let mut idx: Vec<usize> = (0..b.labels.len()).collect();
    idx.sort_by_key(|&i| std::cmp::Reverse(b.reference[i] + b.current[i]));
    idx.truncate(20);
    let pick = |v: &[u64]| idx.iter().map(|&i| v[i]).collect::<Vec<u64>>();
    Some(Distribution {
        kind: DistributionKind::Categories,
        edges: Vec::new(),
        labels: idx.iter().map(|&i| b.labels[i].clone()).collect(),
        reference: Binned::shares(&pick(&b.reference), false),
        current: Binned::shares(&pick(&b.current), false),
    })
}

fn column(
    name: &str,
    r: &ColumnProfile,
    c: &ColumnProfile,
    numerical: bool,
    opts: &DriftOptions,
) -> Result<ColumnDrift> {
    let (asked_method, asked_threshold) = opts.for_column(name);
    // Evidently's typing, as for raw data: integers with at most 10 distinct
    // current values (and none missing) are categorical, as Evidently types
    // a column by the current data.
    let numerical = numerical
        && !(c.kind == ValueKind::Numeric
            && !c.is_float()
            && missing(c) == 0
            && categories_exact(c)
            && categories(c).len() <= 10);
    let sk = Sketched { r, c, numerical };
    let mut d = ColumnDrift::untested(
        name,
        numerical,
        asked_threshold.unwrap_or(f64::NAN),
        summary(r, numerical),
        summary(c, numerical),
    );
    d.nulls =
        super::column::null_drift((missing(r), missing(c)), (r.count, c.count), opts).map(|x| x.0);
    d.approximate = true;
    if present(r) == 0 || present(c) == 0 {
        let side = if present(r) == 0 {
            "reference"
        } else {
            "current"
        };
        d.skipped = Some(format!("no present values in the {side} data"));
        return Ok(d);
    }
    if !numerical && asked_method.is_none() && c.kind == ValueKind::String {
        let est = c.distinct_estimate().unwrap_or(0.0);
        if est > 0.5 * present(c) as f64 && present(c) > 3 {
            d.skipped = Some(super::column::TEXT_LIKE.into());
            d.column_type = ColumnType::Text;
            return Ok(d);
        }
    }
    let distinct = match (&r.distinct, &c.distinct) {
        (Some(a), Some(b)) => {
            let mut u = a.clone();
            u.merge(b);
            u.estimate().round()
        }
        _ => f64::NAN,
    };
    let method =
        asked_method.unwrap_or_else(|| default_method(numerical, present(r), distinct as u64));
    let threshold = asked_threshold.unwrap_or(method.default_threshold());
    if method.numeric_only() && !numerical {
        return Err(Error::InvalidInput(format!(
            "column '{name}': method {method} needs numbers, and the column is categorical"
        )));
    }
    let unavailable = || {
        Error::Unsupported(format!(
            "column '{name}': the profiles lack the sketches method {method} needs"
        ))
    };
    let (score, statistic, p) = match method {
        Method::Anderson | Method::CramerVonMises | Method::Energy => {
            return Err(Error::Unsupported(format!(
                "column '{name}': method {method} needs raw data; from profiles use ks, wasserstein, \
                 jensenshannon, psi, kl_div, hellinger, l_infinity, chisquare or z"
            )))
        }
        Method::ChiSquare | Method::Z => {
            let b = binning::categorical(&categories(r), &categories(c));
            let t = if method == Method::Z {
                column::ztest(&b)?
            } else {
                column::chisquare(&b)
            };
            (t.p_value, t.statistic, Some(t.p_value))
        }
        Method::Ks => {
            let (dstat, p) = sketch_ks(r, c).ok_or_else(unavailable)?;
            (p, dstat, Some(p))
        }
        Method::Wasserstein => {
            // ∫ |F_ref(x) − F_cur(x)| dx with both sketch CDFs, stepping
            // over both sketches' quantile grids and ranges (SciPy's
            // formula on the sketches' step functions).
            let (pts, fr, fc) = sketch_cdfs(r, c, true).ok_or_else(unavailable)?;
            let w: f64 = pts
                .windows(2)
                .enumerate()
                .map(|(i, x)| (fr[i] - fc[i]).abs() * (x[1] - x[0]))
                .sum();
            let n = r.moments.n as f64;
            let std = r.variance().map_or(0.0, |v| (v * (n - 1.0) / n).sqrt());
            let s = w / std.max(stats::WASSERSTEIN_NORM_FLOOR);
            (s, s, None)
        }
        Method::JensenShannon | Method::LInfinity | Method::Psi | Method::KlDiv | Method::Hellinger => {
            let (rs, cs) = sk.binned().ok_or_else(unavailable)?;
            let s = match method {
                Method::JensenShannon => stats::jensen_shannon(&rs, &cs)?,
                Method::LInfinity => stats::l_infinity(&rs, &cs)?,
                Method::Hellinger => stats::hellinger(&rs, &cs)?,
                _ => {
                    let (mut a, mut b) = (rs, cs);
                    binning::fill_zeroes(&mut a);
                    binning::fill_zeroes(&mut b);
                    if method == Method::Psi {
                        column::psi_filled(&a, &b)
                    } else {
                        stats::kl_divergence(&a, &b)?
                    }
                }
            };
            (s, s, None)
        }
    };
    d.method = Some(method);
    d.threshold = threshold;
    d.distinct = Some(distinct);
    d.score = Some(score);
    d.statistic = Some(statistic);
    d.p_value = p;
    d.value_drifted = method.drifted(score, threshold);
    if d.value_drifted && !method.is_p_value() && opts.significance_guard {
        let continuous =
            !categories_exact(r) || r.distinct_estimate().unwrap_or(f64::INFINITY) > 20.0;
        let p = if numerical && continuous {
            sketch_ks(r, c).ok_or_else(unavailable)?.1
        } else {
            column::independence_p(&binning::categorical(&categories(r), &categories(c)))?
        };
        d.guard_p_value = Some(p);
        d.value_drifted = p < opts.significance_level;
    }
    d.distribution = chart(&sk).unwrap_or_default();
    Ok(d)
}

/// The drift report between two profiles, without the data (see the module
/// docs for how each figure is approximated). Columns are matched by name,
/// with the same rules and errors as [`drift`](super::drift).
pub fn drift_profiles(
    reference: &Profile,
    current: &Profile,
    opts: &DriftOptions,
) -> Result<DriftReport> {
    opts.validate()?;
    let names = opts.columns_to_compare(
        "profile",
        || {
            let mut columns = current.columns().iter();
            let new = columns.find(|c| reference.column(c.name()).is_none());
            new.map(|c| c.name().to_string())
        },
        || {
            reference
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect()
        },
    )?;
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        let get = |p: &'_ Profile, side: &str| {
            p.column(&name).cloned().ok_or_else(|| {
                Error::SchemaMismatch(format!(
                    "column '{name}' is missing from the {side} profile"
                ))
            })
        };
        let (r, c) = (get(reference, "reference")?, get(current, "current")?);
        let (nr, nc) = (numerical(r.kind), numerical(c.kind));
        if nr != nc || (r.kind == ValueKind::Temporal) != (c.kind == ValueKind::Temporal) {
            return Err(Error::SchemaMismatch(format!(
                "column '{name}' is {} in the reference and {} in the current profile",
                r.data_type, c.data_type
            )));
        }
        match nr {
            None => skipped.push(SkippedColumn {
                column: name,
                reason: format!("type {} has no drift test", r.data_type),
            }),
            Some(_) if r.kind == ValueKind::Temporal && !opts.include_datetime => {
                skipped.push(SkippedColumn {
                    column: name,
                    reason: format!(
                        "datetime column ({}); set include_datetime to test it",
                        r.data_type
                    ),
                })
            }
            Some(numerical) => columns.push(column(&name, &r, &c, numerical, opts)?),
        }
    }
    Ok(assemble(
        "profiles",
        (reference.row_count(), current.row_count()),
        columns,
        skipped,
        opts,
    ))
}
