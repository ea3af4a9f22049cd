//! The profile as one self-contained HTML page.

use std::fmt::Write;

use super::svg::histogram_svg;
use crate::profile::{ColumnProfile, Profile, Scalar};

/// Escapes text for HTML element content and attribute values.
///
/// ```
/// assert_eq!(mlops_core::report::escape("<a&\"b\">"), "&lt;a&amp;&quot;b&quot;&gt;");
/// ```
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}\
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\
th{background:#f6f6f6}.col{border:1px solid #ddd;border-radius:6px;padding:12px;margin:12px 0}\
.col h3{margin:0 0 6px}.tag{background:#eef;border-radius:4px;padding:1px 6px;font-size:12px;margin-left:6px}\
.grid{display:flex;gap:24px;flex-wrap:wrap}.num{text-align:right;font-variant-numeric:tabular-nums}";

fn num(x: Option<f64>) -> String {
    match x {
        None => "–".into(),
        Some(v) if v != 0.0 && (v.abs() >= 1e7 || v.abs() < 1e-4) => format!("{v:.4e}"),
        Some(v) => format!("{v:.4}"),
    }
}

/// A distinct-count estimate as an approximate integer.
fn approx(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("≈{:.0}", v))
}

/// A min / max value: numbers in the compact number format, text escaped.
fn value(v: Option<&Scalar>) -> String {
    match v {
        None => "–".into(),
        Some(Scalar::Float(f)) => num(Some(*f)),
        Some(other) => escape(&other.to_string()),
    }
}

fn column_section(c: &ColumnProfile) -> String {
    let mut s = String::new();
    let pct = |n: u64| {
        if c.count() == 0 {
            0.0
        } else {
            100.0 * n as f64 / c.count() as f64
        }
    };
    let _ = write!(
        s,
        r#"<div class="col" id="col-{id}"><h3>{name}<span class="tag">{st}</span><span class="tag">{dt}</span></h3><div class="grid"><table>"#,
        id = escape(c.name()),
        name = escape(c.name()),
        st = c.semantic_type().as_str(),
        dt = escape(c.data_type())
    );
    let mut row = |k: &str, v: String| {
        let _ = write!(s, r#"<tr><th>{k}</th><td class="num">{v}</td></tr>"#);
    };
    row("count", c.count().to_string());
    row(
        "nulls",
        format!("{} ({:.2}%)", c.null_count(), pct(c.null_count())),
    );
    if c.nan_count() + c.pos_inf_count() + c.neg_inf_count() > 0 {
        row(
            "NaN / +inf / −inf",
            format!(
                "{} / {} / {}",
                c.nan_count(),
                c.pos_inf_count(),
                c.neg_inf_count()
            ),
        );
    }
    row("distinct (est.)", approx(c.distinct_estimate()));
    row("min", value(c.min()));
    row("max", value(c.max()));
    row("mean", num(c.mean()));
    row("std", num(c.std()));
    for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
        if let Some(v) = c.quantile(q) {
            row(&format!("p{}", (q * 100.0) as u32), num(Some(v)));
        }
    }
    if let Some(m) = c.length_mean() {
        row(
            "length min / mean / max",
            format!(
                "{} / {:.2} / {}",
                c.length_min().unwrap_or(0),
                m,
                c.length_max().unwrap_or(0)
            ),
        );
    }
    s.push_str("</table>");
    if let Some(h) = c.histogram_of(30) {
        let _ = write!(
            s,
            "<div><div>histogram</div>{}<div class=\"num\" style=\"display:flex;justify-content:space-between;width:320px\"><span>{}</span><span>{}</span></div></div>",
            histogram_svg(&h, 320, 120),
            num(h.edges.first().copied()),
            num(h.edges.last().copied())
        );
    }
    let top = c.top_k(10);
    if !top.is_empty() {
        s.push_str("<table><tr><th>most frequent</th><th>count</th></tr>");
        for t in top {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td class="num">{}</td></tr>"#,
                escape(&t.value.to_string()),
                t.count
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</div></div>");
    s
}

/// Renders a profile as one self-contained HTML page.
pub fn profile_html(p: &Profile) -> String {
    let mut s = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>mlops profile</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        s,
        "<h1>Data profile</h1><p>{} rows, {} columns</p>",
        p.row_count(),
        p.columns().len()
    );
    s.push_str("<table><tr><th>column</th><th>type</th><th>semantic</th><th>nulls</th><th>distinct</th><th>mean</th></tr>");
    for c in p.columns() {
        let _ = write!(
            s,
            r##"<tr><td><a href="#col-{n}">{n}</a></td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"##,
            escape(c.data_type()),
            c.semantic_type().as_str(),
            c.null_count(),
            approx(c.distinct_estimate()),
            num(c.mean()),
            n = escape(c.name()),
        );
    }
    s.push_str("</table>");
    for c in p.columns() {
        s.push_str(&column_section(c));
    }
    s.push_str("</body></html>");
    s
}
