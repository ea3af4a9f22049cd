//! The drift report as one self-contained HTML page: the verdict first, a
//! table sortable by any column (a few lines of inline script), and each
//! column's reference and current distributions overlaid as inline SVG.

use std::fmt::Write;

use super::html::escape;
use crate::drift::{ColumnDrift, ColumnType, Distribution, DistributionKind, DriftReport, Verdict};

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}\
table{border-collapse:collapse;margin:8px 0}td,th{padding:4px 10px;border-bottom:1px solid #eee;text-align:left}\
th{background:#f6f6f6;cursor:pointer;user-select:none}th:hover{background:#eaeaea}\
.num{text-align:right;font-variant-numeric:tabular-nums}\
.verdict{font-size:20px;padding:12px 16px;border-radius:8px;margin-bottom:12px}\
.drift{background:#fde8e8;color:#8a1c1c}.stable{background:#e6f4ea;color:#1e5c2f}\
.yes{color:#b42318;font-weight:600}.no{color:#1e7b34}.muted{color:#777}\
.col{border:1px solid #ddd;border-radius:6px;padding:12px;margin:12px 0}.col h3{margin:0 0 6px}\
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}\
.grid{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}";

const SCRIPT: &str = "document.querySelectorAll('table.sortable th').forEach(function(th,i){\
th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],\
r=Array.prototype.slice.call(b.rows),asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';\
r.sort(function(x,y){var a=x.cells[i].dataset.v||x.cells[i].textContent,c=y.cells[i].dataset.v||y.cells[i].textContent,\
p=parseFloat(a),q=parseFloat(c);var d=(isNaN(p)||isNaN(q))?a.localeCompare(c):p-q;return asc?d:-d;});\
r.forEach(function(e){b.appendChild(e);});});});";

const REF_COLOR: &str = "#4f7cac";
const CUR_COLOR: &str = "#e0803a";

fn num(x: Option<f64>) -> String {
    match x {
        None => "–".into(),
        Some(v) if !v.is_finite() => format!("{v}"),
        Some(v) if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-4) => format!("{v:.3e}"),
        Some(v) => format!("{v:.4}"),
    }
}

/// How strongly a column drifted, for sorting: the score over the threshold
/// for distances, the threshold over the p-value for tests (both > 1 when
/// the column drifted).
fn strength(c: &ColumnDrift) -> f64 {
    let value = match (c.method, c.score) {
        (Some(m), Some(s)) if m.is_p_value() => c.threshold / s.max(1e-300),
        (Some(_), Some(s)) => s / c.threshold.max(1e-300),
        _ => 0.0,
    };
    // A drifted share of missing values counts by its effect over the minimum.
    let nulls = c
        .nulls
        .as_ref()
        .filter(|n| n.drifted)
        .map_or(0.0, |n| n.effect / n.min_effect.max(1e-300));
    value.max(nulls)
}

/// A count or an estimate of one, without decimals.
fn count(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{:.0}", v))
}

/// Overlaid bars of both sides' shares, `width` × `height` pixels.
fn overlay_svg(d: &Distribution, width: u32, height: u32) -> String {
    let n = d.reference.len().max(1);
    let max = d
        .reference
        .iter()
        .chain(&d.current)
        .copied()
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let bw = width as f64 / n as f64;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">"#
    );
    for (i, (&r, &c)) in d.reference.iter().zip(&d.current).enumerate() {
        let label = if d.kind == DistributionKind::Histogram {
            format!(
                "[{}, {})",
                num(d.edges.get(i).copied()),
                num(d.edges.get(i + 1).copied())
            )
        } else {
            escape(d.labels.get(i).map_or("", String::as_str))
        };
        for (share, color, off) in [(r, REF_COLOR, 0.0), (c, CUR_COLOR, 0.5)] {
            let bh = share / max * (height as f64 - 2.0);
            let _ = write!(
                s,
                r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{color}" fill-opacity="0.75"><title>{label}: {:.2}%</title></rect>"#,
                i as f64 * bw + off * bw,
                height as f64 - bh,
                (bw / 2.0 - 0.5).max(0.5),
                bh,
                share * 100.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn column_section(c: &ColumnDrift) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<div class="col" id="col-{id}"><h3>{name} <span class="{cls}">{verdict}</span></h3>"#,
        id = escape(&c.column),
        name = escape(&c.column),
        cls = if c.drifted { "yes" } else { "no" },
        verdict = if c.drifted { "drifted" } else { "no drift" },
    );
    s.push_str(r#"<div class="grid"><table><tr><th></th><th>reference</th><th>current</th></tr>"#);
    let (r, k) = (&c.reference, &c.current);
    let mut row = |name: &str, a: String, b: String| {
        let _ = write!(
            s,
            r#"<tr><th>{name}</th><td class="num">{a}</td><td class="num">{b}</td></tr>"#
        );
    };
    row("rows", r.rows.to_string(), k.rows.to_string());
    row("missing", r.missing.to_string(), k.missing.to_string());
    row("distinct", count(r.distinct), count(k.distinct));
    if c.column_type == ColumnType::Numerical {
        row("mean", num(r.mean), num(k.mean));
        row("std", num(r.std), num(k.std));
        row("min", num(r.min), num(k.min));
        row("median", num(r.median), num(k.median));
        row("max", num(r.max), num(k.max));
    }
    s.push_str("</table>");
    if !c.distribution.reference.is_empty() {
        let _ = write!(
            s,
            r#"<div><div class="legend"><span style="background:{REF_COLOR}"></span>reference<span style="background:{CUR_COLOR}"></span>current</div>{}"#,
            overlay_svg(&c.distribution, 420, 140)
        );
        if c.distribution.kind == DistributionKind::Histogram {
            let _ = write!(
                s,
                r#"<div class="num" style="display:flex;justify-content:space-between;width:420px"><span>{}</span><span>{}</span></div>"#,
                num(c.distribution.edges.first().copied()),
                num(c.distribution.edges.last().copied())
            );
        }
        s.push_str("</div>");
    }
    s.push_str("</div></div>");
    s
}

/// Renders a drift report as one self-contained HTML page.
pub fn drift_html(r: &DriftReport) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>mlops drift report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        s,
        r#"<div class="verdict {cls}">{verdict}: {d} of {n} columns drifted ({share:.1}%, threshold {thr:.0}%)</div>"#,
        cls = match r.verdict {
            Verdict::Drift | Verdict::NotTested => "drift",
            Verdict::NoDrift => "stable",
        },
        verdict = match r.verdict {
            Verdict::Drift => "Dataset drift detected",
            Verdict::NoDrift => "No dataset drift",
            Verdict::NotTested => "Not tested (no column could be tested; see the skipped columns)",
        },
        d = r.number_of_drifted_columns,
        n = r.number_of_columns,
        share = r.share_of_drifted_columns * 100.0,
        thr = r.options.drift_share * 100.0,
    );
    let _ = write!(
        s,
        r#"<p class="muted">reference {} rows · current {} rows · from {}{}</p>"#,
        r.reference_rows,
        r.current_rows,
        escape(&r.source),
        if r.source == "profiles" {
            " (approximate, from sketches)"
        } else {
            ""
        }
    );
    s.push_str(
        r#"<table class="sortable"><thead><tr><th>column</th><th>type</th><th>method</th><th>score</th><th>threshold</th><th>strength</th><th>significance (guard p)</th><th>missing ref → cur</th><th>null drift</th><th>drifted</th></tr></thead><tbody>"#,
    );
    let mut order: Vec<&ColumnDrift> = r.columns.iter().collect();
    order.sort_by(|a, b| strength(b).total_cmp(&strength(a)));
    for c in &order {
        let nulls = c.nulls.as_ref();
        let _ = write!(
            s,
            r##"<tr><td><a href="#col-{id}">{name}</a></td><td>{ty}</td><td>{m}</td><td class="num">{score}</td><td class="num">{thr}</td><td class="num" data-v="{st}">{stf}</td><td class="num">{guard}</td><td class="num">{miss}</td><td>{nd}</td><td class="{cls}">{dr}</td></tr>"##,
            id = escape(&c.column),
            name = escape(&c.column),
            ty = c.column_type,
            m = c.method.map_or_else(
                || format!(
                    "<span class=\"muted\">{}</span>",
                    escape(c.skipped.as_deref().unwrap_or("–"))
                ),
                |m| m.name().to_string()
            ),
            score = num(c.score),
            thr = num(Some(c.threshold)),
            st = strength(c),
            stf = num(Some(strength(c))),
            guard = c.guard_p_value.map_or("–".into(), |p| {
                if c.value_drifted {
                    num(Some(p))
                } else {
                    format!("{} (noise)", num(Some(p)))
                }
            }),
            miss = nulls.map_or("–".into(), |n| format!(
                "{:.2}% → {:.2}%",
                n.reference_share * 100.0,
                n.current_share * 100.0
            )),
            nd = nulls.map_or("–", |n| if n.drifted { "yes" } else { "no" }),
            cls = if c.drifted { "yes" } else { "no" },
            dr = if c.drifted { "yes" } else { "no" },
        );
    }
    s.push_str("</tbody></table>");
    if !r.skipped_columns.is_empty() {
        s.push_str("<p class=\"muted\">not tested: ");
        let parts: Vec<String> = r
            .skipped_columns
            .iter()
            .map(|k| format!("{} ({})", escape(&k.column), escape(&k.reason)))
            .collect();
        s.push_str(&parts.join(", "));
        s.push_str("</p>");
    }
    for c in order {
        s.push_str(&column_section(c));
    }
    let _ = write!(s, "<script>{SCRIPT}</script></body></html>");
    s
}
