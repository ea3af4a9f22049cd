//! The monitor's dashboard: one self-contained HTML page (inline SVG, no
//! script, no network) with a timeline per figure — reference band
//! (mean ± 3 std of the reference's own windows), alert markers — label
//! coverage and lag, a drift heat-map of columns × windows, the rules and
//! their alerts, and links to each drifted window's drift report, written
//! beside the page.
//!
//! A year of hourly windows is 8,760 points per figure: timelines and the
//! heat-map keep at most [`MAX_POINTS`] and [`MAX_CELLS`] columns, each
//! the minimum and maximum (timelines) or the largest value (heat-map) of
//! the windows it stands for, so a spike is never averaged away.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use super::fold::MonitorState;
use super::results::WindowResult;
use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::report::escape;

/// Points per timeline, at most.
pub const MAX_POINTS: usize = 720;
/// Window columns of the drift heat-map, at most.
pub const MAX_CELLS: usize = 360;
/// Drift reports written beside the page, at most (the newest drifted windows).
pub const MAX_WINDOW_REPORTS: usize = 200;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}\
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\
th{background:#f6f6f6}.num{text-align:right;font-variant-numeric:tabular-nums}\
.firing{color:#b00020;font-weight:600}.ok{color:#1b7f3b}h2{margin-top:28px}\
.chart{margin:6px 0 18px}.chart h3{margin:0;font-size:14px}svg text{font:11px system-ui,sans-serif;fill:#555}";

/// The figures shown as timelines, when windows have them.
const TIMELINES: [&str; 8] = [
    "rows",
    "null_ratio",
    "type_error_ratio",
    "out_of_range_ratio",
    "drift.share",
    "labels.ratio",
    "labels.lag_seconds",
    "suite.failed",
];

fn num(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e7 || v.abs() < 1e-4) {
        format!("{v:.3e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

/// A UTC date and time of Unix seconds (`2026-12-04 13:00`).
pub(crate) fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The all-rows results, in window order.
fn overall(results: &[WindowResult]) -> Vec<&WindowResult> {
    results.iter().filter(|r| r.segment.is_empty()).collect()
}

/// One timeline: the figure's values over windows, bucketed to at most
/// [`MAX_POINTS`] columns (min and max of each), the reference band and
/// the alert markers.
fn timeline(
    out: &mut String,
    field: &str,
    rows: &[&WindowResult],
    band: Option<(f64, f64)>,
    alerts: &[(i64, bool)],
) {
    let values: Vec<(i64, f64)> = rows
        .iter()
        .filter_map(|r| {
            r.field(field)
                .filter(|v| v.is_finite())
                .map(|v| (r.window, v))
        })
        .collect();
    if values.is_empty() {
        return;
    }
    let (w, h, pad) = (900.0, 120.0, 36.0);
    let t0 = rows.first().map_or(0, |r| r.window) as f64;
    let t1 = rows.last().map_or(1, |r| r.window_end) as f64;
    let span = (t1 - t0).max(1.0);
    let mut lo = values.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().map(|v| v.1).fold(f64::NEG_INFINITY, f64::max);
    if let Some((mean, std)) = band {
        lo = lo.min(mean - 3.0 * std);
        hi = hi.max(mean + 3.0 * std);
    }
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    let x = |t: f64| pad + (t - t0) / span * (w - pad - 8.0);
    let y = |v: f64| h - 16.0 - (v - lo) / (hi - lo) * (h - 24.0);
    let _ = write!(
        out,
        "<div class=\"chart\"><h3>{}</h3><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{} over time\">",
        escape(field),
        escape(field)
    );
    if let Some((mean, std)) = band {
        let (a, b) = (y(mean + 3.0 * std), y(mean - 3.0 * std));
        let _ = write!(
            out,
            "<rect x=\"{pad}\" y=\"{a:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e6f0ff\"><title>reference mean ± 3 std</title></rect>",
            w - pad - 8.0,
            (b - a).max(0.5)
        );
    }
    for &(t, firing) in alerts {
        let colour = if firing { "#b00020" } else { "#1b7f3b" };
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"4\" y2=\"{1:.1}\" stroke=\"{colour}\" stroke-dasharray=\"3 2\"/>",
            x(t as f64),
            h - 16.0
        );
    }
    // Bucketed: each bucket's minimum and maximum, in time order.
    let per = values.len().div_ceil(MAX_POINTS / 2).max(1);
    let mut points = String::new();
    for chunk in values.chunks(per) {
        let (mut a, mut b) = (chunk[0], chunk[0]);
        for &p in chunk {
            if p.1 < a.1 {
                a = p;
            }
            if p.1 > b.1 {
                b = p;
            }
        }
        let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        for p in [first, second] {
            let _ = write!(points, "{:.1},{:.1} ", x(p.0 as f64), y(p.1));
        }
    }
    let _ = write!(
        out,
        "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1.2\" points=\"{}\"/>",
        points.trim_end()
    );
    let _ = write!(
        out,
        "<text x=\"2\" y=\"12\">{}</text><text x=\"2\" y=\"{:.0}\">{}</text><text x=\"{pad}\" y=\"{h}\">{}</text><text x=\"{:.0}\" y=\"{h}\" text-anchor=\"end\">{}</text></svg></div>",
        num(hi),
        h - 16.0,
        num(lo),
        utc(t0 as i64),
        w - 8.0,
        utc(t1 as i64)
    );
}

/// The drift heat-map: a row per column, a cell per (bucket of) windows,
/// red where the column drifted (the share of its windows that did).
fn heat_map(out: &mut String, rows: &[&WindowResult]) {
    let mut columns: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.fields.keys())
        .filter_map(|k| k.strip_prefix("drift.detected."))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    if columns.is_empty() {
        return;
    }
    let per = rows.len().div_ceil(MAX_CELLS).max(1);
    let buckets: Vec<&[&WindowResult]> = rows.chunks(per).collect();
    let (cell, label) = (900.0 / buckets.len().max(1) as f64, 140.0);
    let _ = write!(
        out,
        "<h2>Drift by column</h2><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{}\" role=\"img\" aria-label=\"drift heat-map, columns by windows\">",
        label + 900.0,
        columns.len() * 16 + 4
    );
    for (i, c) in columns.iter().enumerate() {
        let y = i * 16;
        let key = format!("drift.detected.{c}");
        let _ = write!(out, "<text x=\"0\" y=\"{}\">{}</text>", y + 12, escape(c));
        for (j, b) in buckets.iter().enumerate() {
            let tested: Vec<f64> = b.iter().filter_map(|r| r.field(&key)).collect();
            if tested.is_empty() {
                continue;
            }
            let share = tested.iter().sum::<f64>() / tested.len() as f64;
            let fill = if share > 0.0 {
                format!("rgba(176,0,32,{:.2})", 0.25 + 0.75 * share)
            } else {
                "#e8eef5".to_string()
            };
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"14\" fill=\"{fill}\"><title>{} {}: {:.0}% drifted</title></rect>",
                label + j as f64 * cell,
                cell.max(1.0),
                escape(c),
                utc(b[0].window),
                share * 100.0
            );
        }
    }
    out.push_str("</svg>");
}

/// The dashboard page of `state` and its `results`; `links` maps windows
/// to the relative path of their drift report.
pub(crate) fn dashboard(
    state: &MonitorState,
    results: &[WindowResult],
    links: &BTreeMap<i64, String>,
) -> String {
    let rows = overall(results);
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Monitor {0}</title><style>{STYLE}</style></head><body><h1>Monitor {0}</h1>",
        escape(&state.name)
    );
    let c = &state.config;
    let reference = c.reference.as_ref().map_or("none".to_string(), |r| {
        format!("dataset {} version {}", r.name, r.version)
    });
    let total: f64 = rows.iter().filter_map(|r| r.field("rows")).sum();
    let _ = write!(
        out,
        "<table><tr><th>reference</th><td>{}</td></tr><tr><th>window</th><td>{}</td></tr><tr><th>windows</th><td class=\"num\">{}</td></tr><tr><th>rows</th><td class=\"num\">{}</td></tr><tr><th>segments</th><td class=\"num\">{}</td></tr></table>",
        escape(&reference),
        super::format_duration(c.window_secs),
        rows.len(),
        num(total),
        results.iter().filter(|r| !r.segment.is_empty()).map(|r| &r.segment).collect::<std::collections::BTreeSet<_>>().len()
    );

    // Rules and their current state.
    if !state.rules.is_empty() {
        out.push_str("<h2>Rules</h2><table><tr><th>rule</th><th>condition</th><th>severity</th><th>state</th></tr>");
        for r in state.rules.values() {
            let last = state.alerts.iter().rev().find(|a| a.rule == r.name);
            let firing = last.is_some_and(|a| a.state == "firing");
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"{}\">{}</td></tr>",
                escape(&r.name),
                escape(&r.rule),
                escape(&r.severity),
                if firing { "firing" } else { "ok" },
                if firing { "firing" } else { "ok" }
            );
        }
        out.push_str("</table>");
    }
    let markers: Vec<(i64, bool)> = state
        .alerts
        .iter()
        .map(|a| (a.window, a.state == "firing"))
        .collect();

    out.push_str("<h2>Timelines</h2>");
    let mut fields: Vec<&str> = TIMELINES.to_vec();
    let quality: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.fields.keys())
        .map(String::as_str)
        .filter(|k| k.starts_with("quality."))
        .collect();
    fields.extend(quality);
    for f in fields {
        timeline(
            &mut out,
            f,
            &rows,
            state.reference_windows.get(f).copied(),
            &markers,
        );
    }
    heat_map(&mut out, &rows);

    if !state.alerts.is_empty() {
        out.push_str("<h2>Alerts</h2><table><tr><th>window</th><th>rule</th><th>severity</th><th>state</th></tr>");
        for a in state.alerts.iter().rev().take(100) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                utc(a.window),
                escape(&a.rule),
                escape(&a.severity),
                if a.state == "firing" { "firing" } else { "ok" },
                escape(&a.state)
            );
        }
        out.push_str("</table>");
    }

    // The newest windows, with their drift reports.
    out.push_str("<h2>Latest windows</h2><table><tr><th>window (UTC)</th><th class=\"num\">rows</th><th class=\"num\">missing</th><th class=\"num\">drift share</th><th class=\"num\">labels</th><th class=\"num\">checks failed</th><th>report</th></tr>");
    for r in rows.iter().rev().take(48) {
        let cell = |k: &str| r.field(k).map_or("–".to_string(), num);
        let link = links.get(&r.window).map_or(String::new(), |p| {
            format!("<a href=\"{}\">drift report</a>", escape(p))
        });
        let _ = write!(
            out,
            "<tr><td>{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{link}</td></tr>",
            utc(r.window),
            if r.is_final { "" } else { " (open)" },
            cell("rows"),
            cell("null_ratio"),
            cell("drift.share"),
            cell("labels.ratio"),
            cell("suite.failed"),
        );
    }
    out.push_str("</table></body></html>");
    out
}

impl Registry {
    /// The dashboard of monitor `name` as one HTML page (see the module
    /// docs), without links to window reports.
    pub fn monitor_dashboard(&self, name: &str, now_ms: Option<i64>) -> Result<String> {
        let state = self.monitor_state(name)?;
        let results = self.results_of(&state, now_ms)?;
        Ok(dashboard(&state, &results, &BTreeMap::new()))
    }

    /// The drift report of monitor `name`'s window starting at `window`
    /// (Unix seconds; all rows, not a segment) against its reference: what
    /// the dashboard links to. A window the monitor has no rows for, or a
    /// monitor without a reference, is [`Error::NotFound`] saying so.
    pub fn monitor_window_drift(
        &self,
        name: &str,
        window: i64,
        now_ms: Option<i64>,
    ) -> Result<crate::drift::DriftReport> {
        let state = self.monitor_state(name)?;
        let mut results: Vec<_> = self
            .results_of(&state, now_ms)?
            .into_iter()
            .filter(|r| r.window == window && r.segment.is_empty())
            .collect();
        if results.is_empty() {
            return Err(Error::NotFound(format!(
                "monitor '{name}' has no window starting at {window}"
            )));
        }
        self.fill_drift(&state, &mut results, &|_| true)?;
        results.remove(0).drift.ok_or_else(|| {
            Error::NotFound(format!(
                "monitor '{name}': window {window} has no drift report (no reference, or no rows)"
            ))
        })
    }

    /// Writes the dashboard of monitor `name` to `path`, and the drift
    /// report of each of the newest [`MAX_WINDOW_REPORTS`] drifted windows
    /// into the folder `<path without extension>_windows/` beside it,
    /// linked from the page. Returns the number of window reports.
    pub fn write_monitor_report(
        &self,
        name: &str,
        path: &Path,
        now_ms: Option<i64>,
    ) -> Result<usize> {
        let state = self.monitor_state(name)?;
        let mut results = self.results_of(&state, now_ms)?;
        // The newest drifted windows (results are in window order) get a
        // report each; their drift is filled in where it came from the
        // kept figures.
        let newest_drifted: std::collections::HashSet<i64> = results
            .iter()
            .rev()
            .filter(|r| r.segment.is_empty() && r.field("drift.detected") == Some(1.0))
            .take(MAX_WINDOW_REPORTS)
            .map(|r| r.window)
            .collect();
        self.fill_drift(&state, &mut results, &|r| {
            r.segment.is_empty() && newest_drifted.contains(&r.window)
        })?;
        let stem = path.file_stem().and_then(|s| s.to_str()).ok_or_else(|| {
            Error::InvalidInput(format!("report path {}: no file name", path.display()))
        })?;
        let folder_name = format!("{stem}_windows");
        let folder = path.with_file_name(&folder_name);
        let drifted: Vec<&WindowResult> = results
            .iter()
            .rev()
            .filter(|r| r.segment.is_empty() && newest_drifted.contains(&r.window))
            .collect();
        let mut links = BTreeMap::new();
        if !drifted.is_empty() {
            std::fs::create_dir_all(&folder)
                .map_err(|e| Error::io(format!("creating {}", folder.display()), e))?;
        }
        for r in &drifted {
            if let Some(d) = &r.drift {
                let file = format!("{}.html", r.window);
                crate::io::write_whole(
                    &folder.join(&file),
                    crate::report::drift_html(d).as_bytes(),
                )?;
                links.insert(r.window, format!("{folder_name}/{file}"));
            }
        }
        crate::io::write_whole(path, dashboard(&state, &results, &links).as_bytes())?;
        Ok(links.len())
    }
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_dates_are_civil_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00");
        assert_eq!(utc(1_793_577_600), "2026-11-02 00:00");
        assert_eq!(utc(951_782_400 + 3600 + 60), "2000-02-29 01:01");
        assert_eq!(utc(-1), "1969-12-31 23:59");
    }
}
