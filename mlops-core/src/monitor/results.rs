//! Evaluating windows: each (window, segment)'s profile deltas merged and
//! turned into named figures ([`WindowResult::fields`]) — rows, missing
//! and type-error rates, values outside the reference, drift against the
//! reference — which rules, Prometheus and the dashboard read.
//!
//! Field names (`<column>` is a profiled column):
//!
//! | field | what |
//! | --- | --- |
//! | `rows` | rows placed in the window |
//! | `rejected.no_timestamp`, `.future`, `.too_late`, `.unknown_ids` | rows not placed, counted in the window they arrived in (all-rows segment) |
//! | `null_ratio`, `null_ratio.<column>` | share of missing values (null, NaN) |
//! | `type_error_ratio`, `type_errors.<column>` | share (count) of values not of the column's type |
//! | `out_of_range_ratio`, `out_of_range_ratio.<column>` | share of values outside the reference's range or categories |
//! | `missing_columns`, `extra_columns` | columns some batch lacked / had beyond the schema |
//! | `drift.share`, `drift.count`, `drift.detected` | drifted columns' share and count; 1 when the data set drifted |
//! | `drift.score.<column>`, `drift.detected.<column>` | each column's drift score (p-value or distance) and verdict |
//! | `labels.count`, `labels.ratio` | labels joined, and their share of kept predictions |
//! | `labels.lag_seconds` | from the window's end to its first labels |
//! | `quality.realized.<metric>` | from the labels joined so far (binary: accuracy, precision, recall, f1, specificity, roc_auc; regression: mae, rmse, mape, bias; multiclass: accuracy and macro precision, recall, f1) |
//! | `quality.estimated.<metric>` | binary tasks: NannyML's CBPE from the window's kept scores, fitted on the reference |
//! | `suite.success`, `suite.checks`, `suite.failed`, `suite.<check>.success`, `.unexpected_percent`, `.observed` | the monitor's validation suite over the window's rows (see `monitor/window_suite.rs`) |

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use std::collections::HashMap;

use arrow::array::AsArray;
use arrow::datatypes::{Float64Type, Int64Type};

use super::config::MonitorConfig;
use super::fold::{MonitorState, WindowState};
use super::{blob, window_quality, window_suite};
use crate::drift::{drift_profiles, DriftReport};
use crate::error::Result;
use crate::profile::Profile;
use crate::registry::Registry;

/// One (window, segment) evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowResult {
    /// The window's start (Unix seconds).
    pub window: i64,
    /// Its end (Unix seconds, exclusive).
    pub window_end: i64,
    /// The segment (`""` for all rows).
    pub segment: String,
    /// Whether the window is past its allowed lateness (takes no more rows).
    pub is_final: bool,
    /// The figures, by name (see the module docs).
    pub fields: BTreeMap<String, f64>,
    /// The drift report against the reference, when there is one and the
    /// window has rows.
    #[serde(skip)]
    pub drift: Option<DriftReport>,
    /// Columns some batch lacked.
    pub missing_columns: Vec<String>,
    /// Columns some batch had beyond the schema.
    pub extra_columns: Vec<String>,
}

impl WindowResult {
    /// The figure `name`, if the window has it.
    pub fn field(&self, name: &str) -> Option<f64> {
        self.fields.get(name).copied()
    }
}

/// The merged profile of a window's deltas.
pub(crate) fn window_profile(registry: &Registry, w: &WindowState) -> Result<Option<Profile>> {
    let profiles: Vec<Profile> = w
        .profiles
        .par_iter()
        .map(|h| Profile::from_bytes(&registry.store().get_blob(h.as_str())?))
        .collect::<Result<_>>()?;
    let mut it = profiles.into_iter();
    let Some(mut merged) = it.next() else {
        return Ok(None);
    };
    for p in it {
        merged = merged.merge(&p)?;
    }
    Ok(Some(merged))
}

/// The data-quality and drift figures of one window.
pub(crate) fn evaluate(
    config: &MonitorConfig,
    window: i64,
    w: &WindowState,
    profile: Option<&Profile>,
    reference: Option<&Profile>,
) -> Result<(BTreeMap<String, f64>, Option<DriftReport>)> {
    let mut f = BTreeMap::new();
    f.insert("rows".to_string(), w.rows as f64);
    let r = &w.rejected;
    for (k, v) in [
        ("no_timestamp", r.no_timestamp),
        ("future", r.future),
        ("too_late", r.too_late),
        ("unknown_ids", r.unknown_ids),
    ] {
        if v > 0 {
            f.insert(format!("rejected.{k}"), v as f64);
        }
    }
    f.insert("missing_columns".into(), w.missing_columns.len() as f64);
    f.insert("extra_columns".into(), w.extra_columns.len() as f64);
    if let Some(at) = w.first_labels_ms {
        let end_ms = (window + config.window_secs as i64) * 1000;
        f.insert("labels.lag_seconds".into(), (at - end_ms) as f64 / 1000.0);
    }
    if w.predictions > 0 || w.labels > 0 {
        f.insert("labels.count".into(), w.labels as f64);
        if w.predictions > 0 {
            f.insert(
                "labels.ratio".into(),
                w.labels as f64 / w.predictions as f64,
            );
        }
    }
    let mut drift = None;
    if let Some(p) = profile.filter(|p| p.row_count() > 0) {
        let rows = p.row_count() as f64;
        let cols = p.columns();
        let (mut missing, mut errors) = (0u64, 0u64);
        for c in cols {
            let m = c.null_count() + c.nan_count();
            missing += m;
            f.insert(format!("null_ratio.{}", c.name()), m as f64 / rows);
            let e = w.type_errors.get(c.name()).copied().unwrap_or(0);
            errors += e;
            f.insert(format!("type_errors.{}", c.name()), e as f64);
        }
        let cells = rows * cols.len().max(1) as f64;
        f.insert("null_ratio".into(), missing as f64 / cells);
        f.insert("type_error_ratio".into(), errors as f64 / cells);
        if let Some(reference) = reference {
            let checked: Vec<&str> = cols
                .iter()
                .map(|c| c.name())
                .filter(|c| reference.column(c).is_some())
                .collect();
            let mut outside = 0u64;
            for c in &checked {
                let n = w.out_of_range.get(*c).copied().unwrap_or(0);
                outside += n;
                f.insert(format!("out_of_range_ratio.{c}"), n as f64 / rows);
            }
            if !checked.is_empty() {
                f.insert(
                    "out_of_range_ratio".into(),
                    outside as f64 / (rows * checked.len() as f64),
                );
            }
            let mut opts = config.drift.clone();
            if opts.columns.is_none() {
                opts.columns = Some(checked.iter().map(|c| c.to_string()).collect());
            }
            let report = drift_profiles(reference, p, &opts)?;
            f.insert("drift.share".into(), report.share_of_drifted_columns);
            f.insert(
                "drift.count".into(),
                report.number_of_drifted_columns as f64,
            );
            f.insert(
                "drift.detected".into(),
                f64::from(u8::from(report.dataset_drift)),
            );
            for c in &report.columns {
                if let Some(s) = c.score {
                    f.insert(format!("drift.score.{}", c.column), s);
                }
                f.insert(
                    format!("drift.detected.{}", c.column),
                    f64::from(u8::from(c.drifted)),
                );
            }
            drift = Some(report);
        }
    }
    Ok((f, drift))
}

impl Registry {
    /// Every (window, segment) of monitor `name` evaluated, by window then
    /// segment (`""`, all rows, first). `now_ms` is "now" for finality (the
    /// system clock when `None`).
    pub fn monitor_results(&self, name: &str, now_ms: Option<i64>) -> Result<Vec<WindowResult>> {
        let state = self.monitor_state(name)?;
        self.results_of(&state, now_ms)
    }

    /// [`Registry::monitor_results`] of a state already folded.
    pub(crate) fn results_of(
        &self,
        state: &MonitorState,
        now_ms: Option<i64>,
    ) -> Result<Vec<WindowResult>> {
        let now = now_ms.unwrap_or_else(|| crate::registry::now_ms() as i64);
        let c = &state.config;
        let store = self.store();
        let mut kept = super::cache::load(self, state);
        // Each window with its kept figures when they are still its own.
        let windows: Vec<(_, &WindowState, Option<BTreeMap<String, f64>>)> = state
            .windows
            .iter()
            .map(|(key, w)| {
                let figures = kept
                    .remove(key)
                    .filter(|k| k.last_seq == w.last_seq)
                    .map(|k| k.fields);
                (key, w, figures)
            })
            .collect();
        // The oldest window to evaluate: what is read for evaluating is
        // read only when some window needs it.
        let oldest = windows
            .iter()
            .filter(|(_, _, figures)| figures.is_none())
            .map(|((window, _), _, _)| *window)
            .min();
        let reference = match (&state.reference_profile, oldest) {
            (Some(h), Some(_)) => Some(Profile::from_bytes(&store.get_blob(h.as_str())?)?),
            _ => None,
        };
        // CBPE fitted on the reference's pairs, and each window's kept scores.
        let cbpe = match (&state.reference_cbpe, &state.reference_pairs, oldest) {
            (_, _, None) => None,
            (Some(h), _, _) => {
                let fitted = serde_json::from_slice(&store.get_blob(h.as_str())?)
                    .map_err(|e| crate::error::Error::Integrity(format!("CBPE {h}: {e}")))?;
                Some(fitted)
            }
            (None, Some(h), _) => {
                let t = blob::get_parquet(store, h, "reference pairs")?;
                window_quality::fit_cbpe(c, &window_quality::gather(&[t]))
            }
            _ => None,
        };
        let mut scores: HashMap<i64, Vec<f64>> = HashMap::new();
        if cbpe.is_some() {
            let oldest = oldest.unwrap_or(i64::MIN);
            for (h, _) in state
                .predictions
                .iter()
                .filter(|(_, newest)| *newest >= oldest)
            {
                let t = blob::get_parquet(store, h, "kept predictions")?;
                if t.column(3).data_type() != &arrow::datatypes::DataType::Float64 {
                    continue;
                }
                let windows = t.column(2).as_primitive::<Int64Type>();
                let values = t.column(3).as_primitive::<Float64Type>();
                for (w, v) in windows.iter().zip(values.iter()) {
                    if let (Some(w), Some(v)) = (w, v) {
                        if v.is_finite() {
                            scores.entry(w).or_default().push(v);
                        }
                    }
                }
            }
        }
        let suite = match (&c.suite, oldest) {
            (Some(h), Some(_)) => Some(window_suite::WindowSuite::load(store, h)?),
            _ => None,
        };
        let results: Vec<(WindowResult, bool)> = windows
            .into_par_iter()
            .map(|(key, w, figures)| {
                let (window, segment) = key;
                let end = window + c.window_secs as i64;
                let result = |fields, drift| WindowResult {
                    window: *window,
                    window_end: end,
                    segment: segment.clone(),
                    is_final: (end + c.allowed_lateness_secs as i64) * 1000 <= now,
                    fields,
                    drift,
                    missing_columns: w.missing_columns.iter().cloned().collect(),
                    extra_columns: w.extra_columns.iter().cloned().collect(),
                };
                if let Some(figures) = figures {
                    return Ok((result(figures, None), false));
                }
                let profile = window_profile(self, w)?;
                let (mut fields, drift) =
                    evaluate(c, *window, w, profile.as_ref(), reference.as_ref())?;
                if let Some(suite) = &suite {
                    fields.extend(suite.fields(store, &w.suites)?);
                }
                if segment.is_empty() {
                    if !w.joined.is_empty() {
                        let tables = w
                            .joined
                            .iter()
                            .map(|h| blob::get_parquet(store, h, "joined labels"))
                            .collect::<Result<Vec<_>>>()?;
                        let pairs = window_quality::gather(&tables);
                        for (k, v) in window_quality::realized(c, &pairs)? {
                            fields.insert(format!("quality.{k}"), v);
                        }
                    }
                    if let (Some(cbpe), Some(s)) = (&cbpe, scores.get(window)) {
                        for (k, v) in window_quality::estimated(cbpe, s)? {
                            fields.insert(format!("quality.{k}"), v);
                        }
                    }
                }
                Ok((result(fields, drift), true))
            })
            .collect::<Result<_>>()?;
        super::cache::save(self, state, &results);
        Ok(results.into_iter().map(|(r, _)| r).collect())
    }

    /// Fills in the drift report of each result `which` picks that came
    /// from the kept evaluations (which keep figures, not reports).
    pub(crate) fn fill_drift(
        &self,
        state: &MonitorState,
        results: &mut [WindowResult],
        which: &(dyn Fn(&WindowResult) -> bool + Sync),
    ) -> Result<()> {
        let Some(h) = &state.reference_profile else {
            return Ok(());
        };
        let reference = Profile::from_bytes(&self.store().get_blob(h.as_str())?)?;
        results
            .par_iter_mut()
            .filter(|r| r.drift.is_none() && which(r))
            .try_for_each(|r| -> Result<()> {
                let Some(w) = state.windows.get(&(r.window, r.segment.clone())) else {
                    return Ok(());
                };
                let profile = window_profile(self, w)?;
                let (_, drift) = evaluate(
                    &state.config,
                    r.window,
                    w,
                    profile.as_ref(),
                    Some(&reference),
                )?;
                r.drift = drift;
                Ok(())
            })
    }
}

/// Window results as one Arrow table: `window_start`, `window_end`
/// (timestamps in seconds, UTC), `segment`, `is_final`, then one `Float64`
/// column per field any window has (sorted by name; null where a window
/// lacks it).
pub fn results_table(results: &[WindowResult]) -> Result<arrow::array::RecordBatch> {
    use arrow::array::{ArrayRef, BooleanArray, Float64Array, StringArray, TimestampSecondArray};
    use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    use std::sync::Arc;
    let names: std::collections::BTreeSet<&str> = results
        .iter()
        .flat_map(|r| r.fields.keys().map(String::as_str))
        .collect();
    let ts = DataType::Timestamp(TimeUnit::Second, Some("UTC".into()));
    let mut fields = vec![
        Field::new("window_start", ts.clone(), false),
        Field::new("window_end", ts, false),
        Field::new("segment", DataType::Utf8, false),
        Field::new("is_final", DataType::Boolean, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(
            TimestampSecondArray::from_iter_values(results.iter().map(|r| r.window))
                .with_timezone("UTC"),
        ),
        Arc::new(
            TimestampSecondArray::from_iter_values(results.iter().map(|r| r.window_end))
                .with_timezone("UTC"),
        ),
        Arc::new(StringArray::from_iter_values(
            results.iter().map(|r| &r.segment),
        )),
        Arc::new(BooleanArray::from_iter(
            results.iter().map(|r| Some(r.is_final)),
        )),
    ];
    for name in names {
        fields.push(Field::new(name, DataType::Float64, true));
        columns.push(Arc::new(Float64Array::from_iter(
            results.iter().map(|r| r.field(name)),
        )));
    }
    Ok(arrow::array::RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
