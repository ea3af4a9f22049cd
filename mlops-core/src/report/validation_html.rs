//! A validation result as one self-contained HTML page: the verdict first,
//! then one row per check (failed ones first, errors before warnings), with
//! the observed value, the unexpected count and percent, and the first
//! unexpected rows.

use std::fmt::Write;

use super::html::escape;
use crate::validate::{CheckResult, Severity, ValidationResult};

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}\
table{border-collapse:collapse;margin:8px 0;width:100%}td,th{padding:4px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\
th{background:#f6f6f6}.num{text-align:right;font-variant-numeric:tabular-nums}\
.verdict{font-size:20px;padding:12px 16px;border-radius:8px;margin-bottom:12px}\
.bad{background:#fde8e8;color:#8a1c1c}.good{background:#e6f4ea;color:#1e5c2f}\
.fail{color:#b42318;font-weight:600}.warn{color:#9a6700;font-weight:600}.pass{color:#1e7b34}\
code{font-size:12px;background:#f6f6f6;padding:1px 4px;border-radius:3px}.muted{color:#777}\
details summary{cursor:pointer}";

fn short(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => format!("{x:.6}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
            _ => n.to_string(),
        },
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "–".into(),
        other => other.to_string(),
    };
    if s.chars().count() > 120 {
        s.chars().take(119).collect::<String>() + "…"
    } else {
        s
    }
}

fn row(s: &mut String, r: &CheckResult) {
    let (class, verdict) = match (r.success, r.severity) {
        (true, _) => ("pass", "pass"),
        (false, Severity::Error) => ("fail", "FAIL"),
        (false, Severity::Warn) => ("warn", "warn"),
    };
    let mut spec = r.spec.clone();
    if let Some(m) = spec.as_object_mut() {
        m.remove("check");
    }
    let _ = write!(
        s,
        r#"<tr><td class="num">{i}</td><td class="{class}">{verdict}</td><td><b>{check}</b>{label}<br><code>{spec}</code></td><td>{cols}</td><td class="num">{obs}</td><td class="num">{unexp}</td><td>"#,
        i = r.index,
        check = escape(&r.check),
        label = r.name.as_deref().map_or(String::new(), |n| format!(
            " <span class=\"muted\">{}</span>",
            escape(n)
        )),
        spec = escape(&short(&spec)),
        cols = escape(&r.columns.join(", ")),
        obs = escape(&short(&r.observed_value)),
        unexp = match (r.unexpected_count, r.unexpected_percent) {
            (Some(n), Some(p)) => format!("{n} ({p:.3}%)"),
            _ => "–".into(),
        },
    );
    if let Some(reason) = &r.reason {
        let _ = write!(s, "{}", escape(reason));
    }
    if !r.partial_unexpected.is_empty() {
        let _ = write!(s, "<details><summary>first {} unexpected rows</summary><table><tr><th>row</th><th>value</th></tr>", r.partial_unexpected.len());
        for u in &r.partial_unexpected {
            let _ = write!(
                s,
                r#"<tr><td class="num">{}</td><td>{}</td></tr>"#,
                u.row,
                escape(&short(&u.value))
            );
        }
        s.push_str("</table></details>");
    }
    s.push_str("</td></tr>");
}

/// Renders a validation result as one self-contained HTML page (no scripts,
/// no network fetches).
///
/// ```
/// use mlops_core::validate::{CheckKind, Suite, ValidateOptions, validate_batches};
/// use arrow::array::{Int64Array, RecordBatch};
/// let b = RecordBatch::try_from_iter([("n", std::sync::Arc::new(Int64Array::from(vec![Some(1), None])) as _)]).unwrap();
/// let s = Suite::new("s").with(CheckKind::NotNull { column: "n".into() });
/// let html = mlops_core::report::validation_html(&validate_batches(&s, &[b], &ValidateOptions::default()).unwrap());
/// assert!(html.starts_with("<!DOCTYPE html>") && html.contains("FAIL"));
/// ```
pub fn validation_html(v: &ValidationResult) -> String {
    let mut s = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>mlops validation: {}</title><style>{STYLE}</style></head><body>",
        escape(&v.suite)
    );
    let st = &v.statistics;
    let _ = write!(
        s,
        r#"<h1>Validation of suite “{}”</h1><div class="verdict {}">{} — {} of {} checks passed; {} error{} and {} warning{} failed; {} rows</div>"#,
        escape(&v.suite),
        if v.success { "good" } else { "bad" },
        if v.success { "PASSED" } else { "FAILED" },
        st.successful,
        st.evaluated,
        st.failed_errors,
        if st.failed_errors == 1 { "" } else { "s" },
        st.failed_warnings,
        if st.failed_warnings == 1 { "" } else { "s" },
        v.rows
    );
    s.push_str("<table><tr><th>#</th><th>verdict</th><th>check</th><th>columns</th><th>observed</th><th>unexpected</th><th>details</th></tr>");
    let mut order: Vec<&CheckResult> = v.results.iter().collect();
    order.sort_by_key(|r| (r.success, r.severity == Severity::Warn, r.index));
    for r in order {
        row(&mut s, r);
    }
    s.push_str("</table></body></html>");
    s
}
