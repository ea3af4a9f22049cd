//! Comparing runs: their parameters side by side with the differing ones
//! marked, their metric summaries, and one self-contained HTML page with
//! each metric's curves overlaid (inline SVG, downsampled histories).

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::Serialize;

use super::fold::RunInfo;
use super::history::HistoryOptions;
use super::summary::SeriesSummary;
use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::report::escape;

/// The fewest and most runs a comparison takes.
pub const COMPARE_RUNS: (usize, usize) = (2, 10);
/// Step buckets per curve on the comparison page (each keeps up to four points).
pub const CURVE_BUCKETS: usize = 250;

/// One parameter across the compared runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamRow {
    /// The parameter.
    pub key: String,
    /// Its value in each run (in the comparison's order; `None` when unset).
    pub values: Vec<Option<String>>,
    /// Whether the values are not all the same.
    pub differs: bool,
}

/// One metric series across the compared runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    /// The series (`loss`, `loss[subset=val]`).
    pub series: String,
    /// Its summary in each run.
    pub summaries: Vec<Option<SeriesSummary>>,
}

/// Runs side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunComparison {
    /// The runs, in the order asked.
    pub runs: Vec<RunInfo>,
    /// Every parameter any of them has.
    pub params: Vec<ParamRow>,
    /// Every metric series any of them has.
    pub metrics: Vec<MetricRow>,
}

impl Registry {
    /// Compares 2 to 10 runs (see [`RunComparison`]).
    pub fn compare_runs(&self, ids: &[String]) -> Result<RunComparison> {
        let (lo, hi) = COMPARE_RUNS;
        if ids.len() < lo || ids.len() > hi {
            return Err(Error::InvalidInput(format!(
                "compare_runs takes {lo} to {hi} runs, not {}",
                ids.len()
            )));
        }
        let runs: Vec<RunInfo> = ids.iter().map(|id| self.run(id)).collect::<Result<_>>()?;
        let keys: BTreeSet<&String> = runs.iter().flat_map(|r| r.params.keys()).collect();
        let params = keys
            .into_iter()
            .map(|k| {
                let values: Vec<Option<String>> =
                    runs.iter().map(|r| r.params.get(k).cloned()).collect();
                let differs = values.windows(2).any(|w| w[0] != w[1]);
                ParamRow {
                    key: k.clone(),
                    values,
                    differs,
                }
            })
            .collect();
        let series: BTreeSet<(String, Option<String>)> = runs
            .iter()
            .flat_map(|r| r.metrics.iter().map(|s| (s.key.clone(), s.context.clone())))
            .collect();
        let metrics = series
            .into_iter()
            .map(|(k, c)| MetricRow {
                series: SeriesSummary::new(&k, c.as_deref()).series(),
                summaries: runs
                    .iter()
                    .map(|r| r.metric(&k, c.as_deref()).cloned())
                    .collect(),
            })
            .collect();
        Ok(RunComparison {
            runs,
            params,
            metrics,
        })
    }

    /// The comparison of runs `ids` as one self-contained HTML page:
    /// parameters (differing ones marked), metric summaries, and each
    /// metric's curves overlaid (M4-downsampled histories, inline SVG).
    pub fn compare_runs_html(&self, ids: &[String]) -> Result<String> {
        let c = self.compare_runs(ids)?;
        let mut curves = Vec::new();
        for m in &c.metrics {
            let Some(first) = m.summaries.iter().flatten().next() else {
                continue;
            };
            let mut lines = Vec::new();
            for (run, s) in c.runs.iter().zip(&m.summaries) {
                if s.is_none() {
                    lines.push(Vec::new());
                    continue;
                }
                let h = self.run_history(
                    &run.id,
                    &first.key,
                    &HistoryOptions {
                        context: first.context.clone(),
                        downsample: Some(CURVE_BUCKETS),
                    },
                )?;
                let steps =
                    arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(h.column(0));
                let values = arrow::array::AsArray::as_primitive::<arrow::datatypes::Float64Type>(
                    h.column(2),
                );
                lines.push(
                    steps
                        .values()
                        .iter()
                        .zip(values.values())
                        .filter(|(_, v)| v.is_finite())
                        .map(|(&s, &v)| (s as f64, v))
                        .collect(),
                );
            }
            curves.push((m.series.clone(), lines));
        }
        Ok(page(&c, &curves))
    }
}

const COLORS: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// A line chart of `lines` (one per run, colours in run order).
fn chart(lines: &[Vec<(f64, f64)>]) -> String {
    let (w, h, pad) = (560.0, 220.0, 36.0);
    let pts = lines.iter().flatten();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return String::from("<p>no finite points</p>");
    }
    let (xs, ys) = ((x1 - x0).max(1.0), (y1 - y0).max(f64::EPSILON));
    let px = |x: f64| pad + (x - x0) / xs * (w - 2.0 * pad);
    let py = |y: f64| h - pad - (y - y0) / ys * (h - 2.0 * pad);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\">\
         <rect x=\"{pad}\" y=\"{pad}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#ddd\"/>\
         <text x=\"{pad}\" y=\"{}\" font-size=\"11\">step {x0}</text>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{x1}</text>\
         <text x=\"2\" y=\"{}\" font-size=\"11\">{}</text><text x=\"2\" y=\"{}\" font-size=\"11\">{}</text>",
        w - 2.0 * pad,
        h - 2.0 * pad,
        h - 8.0,
        w - pad,
        h - 8.0,
        pad - 4.0,
        short(y1),
        h - pad + 12.0,
        short(y0),
    );
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        let d: Vec<String> = line
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>",
            COLORS[i % COLORS.len()],
            d.join(" ")
        );
    }
    s.push_str("</svg>");
    s
}

fn short(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-3) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// A series' name and its curve in each run (step, value), in run order.
type Curves = (String, Vec<Vec<(f64, f64)>>);

fn page(c: &RunComparison, curves: &[Curves]) -> String {
    let mut s = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>mlops: run comparison</title><style>\
         body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}\
         table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\
         th{background:#f6f6f6}.diff td{background:#fff6d6}.num{text-align:right;font-variant-numeric:tabular-nums}\
         .key{display:inline-block;width:10px;height:10px;margin-right:4px}</style></head><body>\
         <h1>Run comparison</h1><table><tr><th>run</th><th>experiment</th><th>name</th><th>status</th></tr>",
    );
    for (i, r) in c.runs.iter().enumerate() {
        let _ = write!(
            s,
            "<tr><td><span class=\"key\" style=\"background:{}\"></span>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            COLORS[i % COLORS.len()],
            escape(&r.id),
            escape(&r.experiment),
            escape(r.name.as_deref().unwrap_or("")),
            r.status
        );
    }
    s.push_str("</table><h2>Parameters</h2><table><tr><th>param</th>");
    for r in &c.runs {
        let _ = write!(s, "<th>{}</th>", escape(&r.id[..8]));
    }
    s.push_str("</tr>");
    for p in &c.params {
        let _ = write!(
            s,
            "<tr{}><td>{}</td>",
            if p.differs { " class=\"diff\"" } else { "" },
            escape(&p.key)
        );
        for v in &p.values {
            let _ = write!(s, "<td>{}</td>", escape(v.as_deref().unwrap_or("–")));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table><h2>Metrics</h2><table><tr><th>series</th>");
    for r in &c.runs {
        let _ = write!(s, "<th>{} last / min / max</th>", escape(&r.id[..8]));
    }
    s.push_str("</tr>");
    for m in &c.metrics {
        let _ = write!(s, "<tr><td>{}</td>", escape(&m.series));
        for sm in &m.summaries {
            match sm {
                Some(x) => {
                    let _ = write!(
                        s,
                        "<td class=\"num\">{} / {} / {}</td>",
                        short(x.last),
                        short(x.min),
                        short(x.max)
                    );
                }
                None => s.push_str("<td>–</td>"),
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</table><h2>Curves</h2>");
    for (series, lines) in curves {
        let _ = write!(s, "<h3>{}</h3>{}", escape(series), chart(lines));
    }
    s.push_str("</body></html>");
    s
}
