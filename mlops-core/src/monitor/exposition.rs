//! A monitor's state as Prometheus metrics ([`Registry::monitor_prometheus`]):
//! what operations teams already watch, with the conventional names and
//! units, from the newest window with rows (the figures) and the whole log
//! (counters, alert states).
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `mlops_monitor_rows_total` | counter | `monitor` |
//! | `mlops_monitor_rejected_rows_total` | counter | `monitor`, `reason` |
//! | `mlops_monitor_window_rows` | gauge | `monitor`, `segment` (the [`MAX_SEGMENT_LABELS`] largest, the rest as `other`) |
//! | `mlops_monitor_null_ratio` | gauge | `monitor`, `column` |
//! | `mlops_monitor_type_error_ratio` | gauge | `monitor` |
//! | `mlops_monitor_out_of_range_ratio` | gauge | `monitor`, `column` |
//! | `mlops_monitor_drift_score` | gauge | `monitor`, `column`, `method` |
//! | `mlops_monitor_drift_detected` | gauge (0/1) | `monitor`, `column` |
//! | `mlops_monitor_drifted_columns_ratio` | gauge | `monitor` |
//! | `mlops_monitor_quality` | gauge | `monitor`, `metric`, `kind` (`realized`, `estimated`) |
//! | `mlops_monitor_labels_ratio` | gauge | `monitor` |
//! | `mlops_monitor_label_lag_seconds` | gauge | `monitor` |
//! | `mlops_monitor_validation_success` | gauge (0/1) | `monitor`, `check` (the suite's checks evaluated per window) |
//! | `mlops_monitor_validation_unexpected_ratio` | gauge | `monitor`, `check` (row-level checks) |
//! | `mlops_monitor_validation_failed_checks` | gauge | `monitor` |
//! | `mlops_monitor_alert_firing` | gauge (0/1) | `monitor`, `rule`, `severity` |
//! | `mlops_monitor_window_end_timestamp_seconds` | gauge | `monitor` |
//!
//! Label values are bounded: columns are the monitor's schema, segments
//! are cut to the largest, rules are the monitor's. Window figures are
//! gauges of one window (a ratio of one window is not summable across
//! processes; the counters are).

use super::fold::MonitorState;
use super::prometheus::{bound_labels, render, Family, Format, Sample};
use super::results::WindowResult;
use crate::error::Result;
use crate::registry::Registry;

/// The port `mlops monitor serve` listens on when none is given (the
/// Prometheus exporter port OpenTelemetry uses).
pub const DEFAULT_METRICS_PORT: u16 = 9464;
/// The address `mlops monitor serve` binds when none is given: this
/// machine only.
pub const DEFAULT_METRICS_HOST: &str = "127.0.0.1";

/// Segments given their own label value, at most.
pub const MAX_SEGMENT_LABELS: usize = 20;

fn gauge(name: &str, help: &str) -> Family {
    Family::gauge(name, help)
}

/// The families of `state` and its window `results`.
pub(crate) fn families(state: &MonitorState, results: &[WindowResult]) -> Result<Vec<Family>> {
    let m = state.name.as_str();
    let all: Vec<&WindowResult> = results.iter().filter(|r| r.segment.is_empty()).collect();
    let latest = all
        .iter()
        .rev()
        .find(|r| r.field("rows").unwrap_or(0.0) > 0.0);
    let mut out = Vec::new();

    // Folded from +0.0: an empty f64 `sum()` is -0.0, which would be
    // written as a counter of "-0.0".
    let total = all
        .iter()
        .filter_map(|r| r.field("rows"))
        .fold(0.0, |a, b| a + b);
    out.push(
        Family::counter(
            "mlops_monitor_rows_total",
            "Rows placed in the monitor's windows.",
        )
        .with_sample(Sample::new(total).label("monitor", m)),
    );
    let mut rejected = Family::counter(
        "mlops_monitor_rejected_rows_total",
        "Rows not placed in a window, by reason.",
    );
    for reason in ["no_timestamp", "future", "too_late", "unknown_ids"] {
        let n = all
            .iter()
            .filter_map(|r| r.field(&format!("rejected.{reason}")))
            .fold(0.0, |a, b| a + b);
        rejected.push(Sample::new(n).label("monitor", m).label("reason", reason));
    }
    out.push(rejected);

    if let Some(w) = latest {
        let segments = results
            .iter()
            .filter(|r| r.window == w.window && !r.segment.is_empty())
            .map(|r| (r.segment.clone(), r.field("rows").unwrap_or(0.0)));
        let bounded = bound_labels(segments, MAX_SEGMENT_LABELS)?;
        let mut rows = gauge(
            "mlops_monitor_window_rows",
            "Rows in the newest window, by segment.",
        );
        rows.push(
            Sample::new(w.field("rows").unwrap_or(0.0))
                .label("monitor", m)
                .label("segment", "all"),
        );
        for (segment, n) in bounded.kept() {
            rows.push(
                Sample::new(*n)
                    .label("monitor", m)
                    .label("segment", segment),
            );
        }
        if bounded.has_other() {
            rows.push(
                Sample::new(bounded.other_weight())
                    .label("monitor", m)
                    .label("segment", super::prometheus::OTHER_LABEL),
            );
        }
        out.push(rows);

        let per_column = |prefix: &str, name: &str, help: &str| {
            let mut f = gauge(name, help);
            for (k, v) in &w.fields {
                if let Some(c) = k.strip_prefix(prefix) {
                    f.push(Sample::new(*v).label("monitor", m).label("column", c));
                }
            }
            f
        };
        out.push(per_column(
            "null_ratio.",
            "mlops_monitor_null_ratio",
            "Share of missing values (null, NaN) of a column in the newest window.",
        ));
        if let Some(v) = w.field("type_error_ratio") {
            out.push(
                gauge(
                    "mlops_monitor_type_error_ratio",
                    "Share of values not of their column's type in the newest window.",
                )
                .with_sample(Sample::new(v).label("monitor", m)),
            );
        }
        out.push(per_column(
            "out_of_range_ratio.",
            "mlops_monitor_out_of_range_ratio",
            "Share of a column's values outside the reference's range or categories in the newest window.",
        ));
        if let Some(d) = &w.drift {
            let mut score = gauge(
                "mlops_monitor_drift_score",
                "Drift score of a column against the reference in the newest window (a p-value or a distance, see method).",
            );
            let mut detected = gauge(
                "mlops_monitor_drift_detected",
                "1 when a column drifted from the reference in the newest window.",
            );
            for c in &d.columns {
                if let (Some(s), Some(method)) = (c.score, c.method) {
                    score.push(
                        Sample::new(s)
                            .label("monitor", m)
                            .label("column", &c.column)
                            .label("method", method.name()),
                    );
                }
                detected.push(
                    Sample::new(f64::from(u8::from(c.drifted)))
                        .label("monitor", m)
                        .label("column", &c.column),
                );
            }
            out.push(score);
            out.push(detected);
            out.push(
                gauge(
                    "mlops_monitor_drifted_columns_ratio",
                    "Share of the columns that drifted in the newest window.",
                )
                .with_sample(Sample::new(d.share_of_drifted_columns).label("monitor", m)),
            );
        }
        if let Some(failed) = w.field("suite.failed") {
            out.push(
                gauge(
                    "mlops_monitor_validation_failed_checks",
                    "Checks of the validation suite that failed on the newest window.",
                )
                .with_sample(Sample::new(failed).label("monitor", m)),
            );
            let mut success = gauge(
                "mlops_monitor_validation_success",
                "1 when a check of the validation suite passed on the newest window.",
            );
            let mut unexpected = gauge(
                "mlops_monitor_validation_unexpected_ratio",
                "Share of a row-level check's values that broke it in the newest window (of the non-missing values; of all for not_null).",
            );
            for (k, v) in &w.fields {
                let Some(rest) = k.strip_prefix("suite.") else {
                    continue;
                };
                if let Some(check) = rest.strip_suffix(".success") {
                    success.push(Sample::new(*v).label("monitor", m).label("check", check));
                } else if let Some(check) = rest.strip_suffix(".unexpected_percent") {
                    unexpected.push(
                        Sample::new(*v / 100.0)
                            .label("monitor", m)
                            .label("check", check),
                    );
                }
            }
            out.push(success);
            out.push(unexpected);
        }
        out.push(
            gauge(
                "mlops_monitor_window_end_timestamp_seconds",
                "End of the newest window with rows (Unix time).",
            )
            .with_unit("seconds")
            .with_sample(Sample::new(w.window_end as f64).label("monitor", m)),
        );
    }

    // Quality: the newest window that has each figure (labels come late).
    let mut quality = gauge(
        "mlops_monitor_quality",
        "Model quality of the newest window that has it: realized from labels, or estimated before they arrive.",
    );
    let mut seen = std::collections::BTreeSet::new();
    for w in all.iter().rev() {
        for (k, v) in &w.fields {
            let Some(rest) = k.strip_prefix("quality.") else {
                continue;
            };
            let Some((kind, metric)) = rest.split_once('.') else {
                continue;
            };
            if seen.insert(rest.to_string()) {
                quality.push(
                    Sample::new(*v)
                        .label("monitor", m)
                        .label("metric", metric)
                        .label("kind", kind),
                );
            }
        }
    }
    out.push(quality);
    if let Some(w) = all.iter().rev().find(|w| w.field("labels.ratio").is_some()) {
        out.push(
            gauge(
                "mlops_monitor_labels_ratio",
                "Share of kept predictions that have their label, in the newest window with predictions.",
            )
            .with_sample(Sample::new(w.field("labels.ratio").unwrap_or(0.0)).label("monitor", m)),
        );
    }
    if let Some(lag) = all.iter().rev().find_map(|w| w.field("labels.lag_seconds")) {
        out.push(
            gauge(
                "mlops_monitor_label_lag_seconds",
                "From the end of the newest labelled window to its first labels.",
            )
            .with_unit("seconds")
            .with_sample(Sample::new(lag).label("monitor", m)),
        );
    }

    let mut firing = gauge(
        "mlops_monitor_alert_firing",
        "1 while an alert rule of the monitor is firing.",
    );
    for r in state.rules.values() {
        let on = state
            .alerts
            .iter()
            .rev()
            .find(|a| a.rule == r.name)
            .is_some_and(|a| a.state == "firing");
        firing.push(
            Sample::new(f64::from(u8::from(on)))
                .label("monitor", m)
                .label("rule", &r.name)
                .label("severity", &r.severity),
        );
    }
    out.push(firing);
    out.retain(|f| !f.samples.is_empty());
    Ok(out)
}

impl Registry {
    /// Monitor `name`'s state in the Prometheus text format 0.0.4, or
    /// OpenMetrics 1.0 (see the module docs for the metrics). Alert states
    /// are those logged by the last [`Registry::check_monitor`].
    pub fn monitor_prometheus(
        &self,
        name: &str,
        format: Format,
        now_ms: Option<i64>,
    ) -> Result<String> {
        let state = self.monitor_state(name)?;
        let mut results = self.results_of(&state, now_ms)?;
        // The drift methods are read from the newest window's report.
        let newest = results
            .iter()
            .filter(|r| r.segment.is_empty() && r.field("rows").unwrap_or(0.0) > 0.0)
            .map(|r| r.window)
            .max();
        self.fill_drift(&state, &mut results, &|r| {
            r.segment.is_empty() && Some(r.window) == newest
        })?;
        render(&families(&state, &results)?, format)
    }
}
