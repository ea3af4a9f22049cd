//! The human outputs: tables, `mlops log` and `mlops audit log` lines,
//! summaries, and the JSON forms. Each renderer returns the text it
//! would print (lines end in `\n`), so commands only choose and print.
//! Free text from the registry or a package goes through
//! [`mlops_core::text::escape`].

use mlops_core::dataset::DatasetDiff;
use mlops_core::drift::{DriftReport, Verdict};
use mlops_core::governance::{AuditRecord, Policy};
use mlops_core::package::{ColumnSpec, Package};
use mlops_core::registry::Asset;
use mlops_core::validate::{Severity, ValidationResult};
use mlops_core::Profile;
use serde::Serialize;

use mlops_core::text::{escape, utc};

/// `value` as one line of JSON.
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("engine types serialise") + "\n"
}

/// `value` as indented JSON.
pub fn json_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("engine types serialise") + "\n"
}

/// `value` as one line of JSON with `--json`, else in its human form.
pub fn json_or<T: Serialize + ?Sized>(json: bool, value: &T, human: fn(&T) -> String) -> String {
    if json {
        json_line(value)
    } else {
        human(value)
    }
}

/// `value` as indented JSON with `--json`, else in its human form.
pub fn pretty_json_or<T: Serialize>(json: bool, value: &T, human: fn(&T) -> String) -> String {
    if json {
        json_pretty(value)
    } else {
        human(value)
    }
}

/// A number to four decimals, or `-`.
fn num4(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.4}"))
}

/// `t` cut to `width` characters, the last one `…` when cut.
fn cut(t: String, width: usize) -> String {
    if t.chars().count() > width {
        t.chars().take(width - 1).collect::<String>() + "…"
    } else {
        t
    }
}

/// `mlops profile`: rows, columns and a table of column statistics.
pub fn profile_summary(p: &Profile) -> String {
    let mut s = format!("{} rows, {} columns\n", p.row_count(), p.columns().len());
    s.push_str(&format!(
        "{:<16} {:<12} {:>8} {:>12} {:>12} {:>12} {:>12}\n",
        "column", "semantic", "nulls", "distinct", "mean", "p50", "max"
    ));
    for c in p.columns() {
        s.push_str(&format!(
            "{:<16} {:<12} {:>8} {:>12.0} {:>12} {:>12} {:>12}\n",
            c.name(),
            c.semantic_type().as_str(),
            c.null_count(),
            c.distinct_estimate().unwrap_or(0.0),
            num4(c.mean()),
            num4(c.quantile(0.5)),
            c.max().map_or("-".into(), |m| cut(m.to_string(), 12)),
        ));
    }
    s
}

/// `mlops validate`: the verdict, then one line per check, with the reason
/// and the first unexpected rows of each failed one.
pub fn validation_summary(r: &ValidationResult) -> String {
    let st = &r.statistics;
    let mut s = format!(
        "{}: {} of {} checks passed, {} error(s) and {} warning(s) failed, {} rows (suite '{}')\n",
        if r.success { "PASSED" } else { "FAILED" },
        st.successful,
        st.evaluated,
        st.failed_errors,
        st.failed_warnings,
        r.rows,
        r.suite
    );
    let row = |s: &mut String, cells: [&str; 6]| {
        s.push_str(&format!(
            "{:>3} {:<7} {:<24} {:<20} {:>18} {:>22}\n",
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]
        ))
    };
    row(
        &mut s,
        ["#", "verdict", "check", "columns", "observed", "unexpected"],
    );
    for c in &r.results {
        let verdict = match (c.success, c.severity) {
            (true, _) => "pass",
            (false, Severity::Error) => "FAIL",
            (false, Severity::Warn) => "warn",
        };
        let observed = match &c.observed_value {
            serde_json::Value::Number(n) => n.as_f64().map_or(n.to_string(), |x| format!("{x:.6}")),
            serde_json::Value::Null => "-".into(),
            v => v.to_string(),
        };
        let unexpected = match (c.unexpected_count, c.unexpected_percent) {
            (Some(n), Some(p)) => format!("{n} ({p:.3}%)"),
            _ => "-".into(),
        };
        row(
            &mut s,
            [
                &c.index.to_string(),
                verdict,
                &c.check,
                &escape(&c.columns.join(",")),
                &cut(observed, 18),
                &unexpected,
            ],
        );
        if !c.success {
            if let Some(reason) = &c.reason {
                s.push_str(&format!("    reason: {}\n", escape(reason)));
            }
            if !c.partial_unexpected.is_empty() {
                let first: Vec<String> = c
                    .partial_unexpected
                    .iter()
                    .take(5)
                    .map(|u| escape(&format!("row {}: {}", u.row, u.value)).into_owned())
                    .collect();
                s.push_str(&format!("    first unexpected: {}\n", first.join("; ")));
            }
        }
    }
    s
}

/// `mlops drift`: the verdict, then one line per column and one per
/// column not tested.
pub fn drift_summary(r: &DriftReport) -> String {
    let mut s = match r.verdict {
        Verdict::NotTested => format!(
            "NOT TESTED: no column could be tested ({} skipped); no verdict on dataset drift\n",
            r.skipped_columns.len()
        ),
        v => format!(
            "{}: {} of {} columns drifted ({:.1}%, threshold {:.0}%)\n",
            if v == Verdict::Drift {
                "DATASET DRIFT"
            } else {
                "no dataset drift"
            },
            r.number_of_drifted_columns,
            r.number_of_columns,
            r.share_of_drifted_columns * 100.0,
            r.options.drift_share * 100.0
        ),
    };
    let row = |s: &mut String, cells: [&str; 7]| {
        s.push_str(&format!(
            "{:<16} {:<12} {:<14} {:>12} {:>10} {:>14} {:>8}\n",
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]
        ))
    };
    row(
        &mut s,
        [
            "column",
            "type",
            "method",
            "score",
            "threshold",
            "missing",
            "drifted",
        ],
    );
    for c in &r.columns {
        let missing = c.nulls.as_ref().map_or("-".into(), |n| {
            format!(
                "{:.1}%→{:.1}%",
                n.reference_share * 100.0,
                n.current_share * 100.0
            )
        });
        row(
            &mut s,
            [
                &c.column,
                c.column_type.as_str(),
                c.method.map_or("-", |m| m.name()),
                &c.score.map_or("-".into(), |v| format!("{v:.4e}")),
                &c.threshold.to_string(),
                &missing,
                if c.drifted { "yes" } else { "no" },
            ],
        );
    }
    for k in &r.skipped_columns {
        s.push_str(&format!("{:<16} not tested: {}\n", k.column, k.reason));
    }
    s
}

/// Texts one per line (`mlops profiles keys`).
pub fn lines(items: &[String]) -> String {
    items.iter().map(|k| format!("{k}\n")).collect()
}

/// `mlops diff`: rows, schema changes and column statistics of two
/// versions of a dataset.
pub fn dataset_diff(name: &str, d: &DatasetDiff) -> String {
    let mut s = format!(
        "dataset {name}: v{} -> v{}, rows {} -> {}\n",
        d.from, d.to, d.rows.0, d.rows.1
    );
    for (c, t) in &d.added {
        s.push_str(&format!("  + {c} ({t})\n"));
    }
    for (c, t) in &d.removed {
        s.push_str(&format!("  - {c} ({t})\n"));
    }
    for (c, a, b) in &d.retyped {
        s.push_str(&format!("  ~ {c}: {a} -> {b}\n"));
    }
    for c in &d.columns {
        s.push_str(&format!(
            "  {}: nulls {} -> {}, mean {} -> {}, std {} -> {}\n",
            c.column,
            c.nulls.0,
            c.nulls.1,
            num4(c.mean.0),
            num4(c.mean.1),
            num4(c.std.0),
            num4(c.std.1)
        ));
    }
    s
}

/// `mlops diff --key`: the counts, changed cells per column and schema changes.
pub fn row_diff(name: &str, d: &mlops_core::dataset::RowDiffSummary) -> String {
    let mut s = format!(
        "dataset {name}: v{} -> v{} by {}, rows {} -> {}\n  added {}, removed {}, changed {}, unchanged {}\n",
        d.from,
        d.to,
        d.key.join(", "),
        d.rows.0,
        d.rows.1,
        d.added,
        d.removed,
        d.changed,
        d.unchanged
    );
    for (c, n) in &d.changed_cells {
        if *n > 0 {
            s.push_str(&format!("  {c}: {n} changed\n"));
        }
    }
    for (c, t) in &d.columns_added {
        s.push_str(&format!("  + {c} ({t})\n"));
    }
    for (c, t) in &d.columns_removed {
        s.push_str(&format!("  - {c} ({t})\n"));
    }
    for (c, a, b) in &d.columns_retyped {
        s.push_str(&format!("  ~ {c}: {a} -> {b}\n"));
    }
    s.push_str(&format!(
        "  row groups {} and {}, {} equal pairs skipped\n",
        d.row_groups.0, d.row_groups.1, d.row_groups_skipped
    ));
    s
}

/// `mlops alias history`: one move per line.
pub fn alias_move(m: &mlops_core::registry::AliasMove) -> String {
    format!(
        "#{} {} -> v{} by {}{}\n",
        m.seq,
        utc(m.time),
        m.version,
        m.principal,
        m.reason
            .as_deref()
            .map_or(String::new(), |r| format!(": {r}"))
    )
}

/// `mlops show`: versions, tags, lineage, expired and pinned versions,
/// archive state and aliases.
pub fn asset(a: &Asset) -> String {
    let mut s = format!(
        "{} {}: {} versions\n",
        a.kind.as_str(),
        a.name,
        a.versions.len()
    );
    for v in &a.versions {
        s.push_str(&format!(
            "  v{:<5} {:>12} bytes  {}  {}  {}\n",
            v.version,
            v.size,
            &v.content[..12],
            escape(&v.principal),
            escape(&v.message)
        ));
    }
    for (v, tags) in &a.tags {
        let t: Vec<String> = tags
            .iter()
            .map(|(k, x)| format!("{}={}", escape(k), escape(x)))
            .collect();
        if !t.is_empty() {
            s.push_str(&format!("  v{v} tags: {}\n", t.join(" ")));
        }
    }
    for (edges, verb) in [(&a.inputs, "made from"), (&a.used_by, "used by")] {
        for e in edges {
            s.push_str(&format!(
                "  v{} {verb} {}/{}@{}\n",
                e.version,
                e.other.kind.as_str(),
                e.other.name,
                e.other.version
            ));
        }
    }
    for c in &a.causes {
        s.push_str(&format!(
            "  v{} because of {}{}\n",
            c.version,
            escape(&c.cause.to_string()),
            c.run
                .as_deref()
                .map(|r| format!(" (run {r})"))
                .unwrap_or_default()
        ));
    }
    // Retention: who expired what and by which rule (reading one fails
    // with EXPIRED), and what no rule may expire.
    for (v, e) in &a.expired {
        s.push_str(&format!(
            "  v{v} expired by {} ({}, event {})\n",
            escape(&e.principal),
            escape(&e.policy),
            e.seq
        ));
    }
    if !a.pinned.is_empty() {
        let pins: Vec<String> = a.pinned.iter().map(|v| format!("v{v}")).collect();
        s.push_str(&format!("  pinned: {}\n", pins.join(" ")));
    }
    if a.archived {
        s.push_str("  (archived)\n");
    }
    for (alias, moves) in &a.aliases {
        let hist: Vec<String> = moves.iter().map(|m| format!("v{}", m.version)).collect();
        s.push_str(&format!(
            "  {alias} -> v{} (history: {})\n",
            moves.last().map_or(0, |m| m.version),
            hist.join(" ")
        ));
    }
    s
}

/// One line of `mlops log`: sequence, time, who, action, target, detail.
pub fn history_line(e: &AuditRecord) -> String {
    format!(
        "{:>5}  {}  {:<12} {:<8} {:<24} {}\n",
        e.seq,
        utc(e.time),
        escape(&e.principal),
        escape(e.action.as_str()),
        escape(&e.target),
        e.detail()
    )
}

/// One line of `mlops audit log`: the record's own one-line form.
pub fn audit_line(e: &AuditRecord) -> String {
    format!("{e}\n")
}

/// `mlops policy show`: the grants and protected aliases (or a line saying
/// the registry is open).
pub fn policy(p: &Policy) -> String {
    let mut s = String::new();
    if !p.enforced() {
        s.push_str("no grants: the registry is open to every principal\n");
    }
    for g in &p.grants {
        s.push_str(&format!(
            "grant    {:<12} {:<9} {}\n",
            escape(&g.principal),
            g.role.as_str(),
            g.scope
        ));
    }
    for x in &p.protections {
        s.push_str(&format!(
            "protect  {:<12} {:<9} {}{}\n",
            x.alias,
            x.role.as_str(),
            x.scope,
            if x.require_gate {
                "  (requires a passed gate)"
            } else {
                ""
            }
        ));
    }
    s
}

/// A package: name, version, flavor, files, signature and metrics.
pub fn package(pkg: &Package) -> String {
    let m = pkg.manifest();
    let mut s = format!(
        "package {} {} ({}{}): {} files, {} bytes\n",
        escape(&m.name),
        escape(&m.version),
        m.flavor.as_str(),
        m.flavor_version
            .as_ref()
            .map_or(String::new(), |v| format!(" {}", escape(v))),
        m.files.len(),
        m.total_size()
    );
    for f in &m.files {
        s.push_str(&format!(
            "  {:>12}  {}  {}\n",
            f.size,
            &f.blake3[..16],
            escape(&f.path)
        ));
    }
    if let Some(sig) = &m.signature {
        let cols = |c: &[ColumnSpec]| {
            c.iter()
                .map(|c| format!("{}: {}", escape(&c.name), c.data_type))
                .collect::<Vec<_>>()
                .join(", ")
        };
        s.push_str(&format!(
            "  inputs:  {}\n  outputs: {}\n",
            cols(&sig.inputs),
            cols(&sig.outputs)
        ));
    }
    for (k, v) in &m.metrics {
        s.push_str(&format!("  metric {} = {v}\n", escape(k)));
    }
    s
}

/// `mlops runs import --mlflow`: a line per MLflow run (imported or
/// skipped, with the run that holds it), then the counts.
pub fn mlflow_import(r: &mlops_core::runs::MlflowImport) -> String {
    let mut out = String::new();
    for (mlflow, id) in &r.imported {
        out.push_str(&format!("imported  mlflow {mlflow}  run {id}\n"));
    }
    for (mlflow, id) in &r.skipped {
        out.push_str(&format!(
            "skipped   mlflow {mlflow}  run {id} (imported before)\n"
        ));
    }
    out.push_str(&format!(
        "{} imported, {} skipped\n",
        r.imported.len(),
        r.skipped.len()
    ));
    out
}

/// `mlops runs list`: one line per run (id, experiment, status, start, points, name).
pub fn run_list(runs: &[mlops_core::runs::RunInfo]) -> String {
    runs.iter()
        .map(|r| {
            format!(
                "{}  {}  {}  {}  {} points{}\n",
                r.id,
                escape(&r.experiment),
                r.status,
                utc(r.start_time),
                r.points,
                r.name
                    .as_deref()
                    .map(|n| format!("  {}", escape(n)))
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// `mlops runs show`: a run's status, source, params, tags, metric
/// summaries and links.
pub fn run_info(r: &mlops_core::runs::RunInfo) -> String {
    let mut s = format!("run {} ({})\n", r.id, escape(&r.experiment));
    if let Some(n) = &r.name {
        s.push_str(&format!("  name: {}\n", escape(n)));
    }
    if let Some(p) = &r.parent {
        s.push_str(&format!("  parent: {p}\n"));
    }
    s.push_str(&format!("  status: {}", r.status));
    if let Some(c) = r.exit_code {
        s.push_str(&format!(" (exit {c})"));
    }
    s.push('\n');
    s.push_str(&format!(
        "  started: {} by {}\n",
        utc(r.start_time),
        escape(&r.principal)
    ));
    if let Some(t) = r.end_time {
        s.push_str(&format!("  ended: {}\n", utc(t)));
    }
    s.push_str(&format!(
        "  host: {} (pid {})\n",
        escape(&r.source.host),
        r.source.pid
    ));
    if let Some(c) = &r.source.command {
        s.push_str(&format!("  command: {}\n", escape(&c.join(" "))));
    }
    if let Some(g) = &r.source.git_commit {
        let dirty = if r.source.git_dirty == Some(true) {
            " (dirty)"
        } else {
            ""
        };
        s.push_str(&format!("  git: {g}{dirty}\n"));
    }
    for (k, v) in &r.params {
        s.push_str(&format!("  param {}: {}\n", escape(k), escape(v)));
    }
    for (k, v) in &r.tags {
        s.push_str(&format!("  tag {}: {}\n", escape(k), escape(v)));
    }
    for m in &r.metrics {
        s.push_str(&format!(
            "  metric {}: last {} (step {}), min {}, max {}, mean {}, {} points{}\n",
            escape(&m.series()),
            m.last,
            m.last_step,
            m.min,
            m.max,
            m.mean(),
            m.count,
            if m.nans > 0 {
                format!(", {} NaN", m.nans)
            } else {
                String::new()
            }
        ));
    }
    if let Some(c) = &r.cause {
        s.push_str(&format!("  cause: {}\n", escape(&c.to_string())));
    }
    for a in &r.inputs {
        s.push_str(&format!(
            "  input: {}/{}@{}\n",
            a.kind,
            escape(&a.name),
            a.version
        ));
    }
    for a in &r.outputs {
        s.push_str(&format!(
            "  output: {}/{}@{}\n",
            a.kind,
            escape(&a.name),
            a.version
        ));
    }
    for a in &r.artifacts {
        s.push_str(&format!(
            "  artifact: {} ({} bytes)\n",
            escape(&a.path),
            a.size
        ));
    }
    s
}

/// `mlops runs compare`: the differing params, then each series' last /
/// min / max per run.
pub fn run_comparison(c: &mlops_core::runs::RunComparison) -> String {
    let mut s = String::new();
    for (i, r) in c.runs.iter().enumerate() {
        s.push_str(&format!(
            "[{i}] {}  {}  {}\n",
            r.id,
            escape(&r.experiment),
            r.status
        ));
    }
    let cell = |v: &Option<String>| {
        v.as_deref()
            .map_or("-".to_string(), |v| escape(v).into_owned())
    };
    for p in c.params.iter().filter(|p| p.differs) {
        let vals: Vec<String> = p.values.iter().map(cell).collect();
        s.push_str(&format!("param {}: {}\n", escape(&p.key), vals.join(" | ")));
    }
    for m in &c.metrics {
        let vals: Vec<String> = m
            .summaries
            .iter()
            .map(|x| {
                x.as_ref().map_or("-".into(), |x| {
                    format!("{} / {} / {}", x.last, x.min, x.max)
                })
            })
            .collect();
        s.push_str(&format!(
            "metric {} (last / min / max): {}\n",
            escape(&m.series),
            vals.join(" | ")
        ));
    }
    s
}

/// `mlops monitor create`: the monitor's settings, defaults filled in.
pub fn monitor_config(name: &str, c: &mlops_core::monitor::MonitorConfig) -> String {
    use mlops_core::monitor::format_duration as d;
    let col = |c: &Option<String>| c.as_deref().map_or("-".to_string(), escape_owned);
    let mut s = format!("monitor {}\n", escape(name));
    s.push_str(&format!(
        "reference   {}\n",
        c.reference.as_ref().map_or("-".to_string(), |r| format!(
            "dataset/{}@{}",
            escape(&r.name),
            r.version
        ))
    ));
    s.push_str(&format!("timestamp   {}\n", escape(&c.timestamp)));
    s.push_str(&format!("window      {}\n", d(c.window_secs)));
    s.push_str(&format!("prediction  {}\n", col(&c.prediction)));
    s.push_str(&format!("target      {}\n", col(&c.target)));
    s.push_str(&format!("id          {}\n", col(&c.id)));
    let segments: Vec<String> = c.segments.iter().map(|x| escape_owned(x)).collect();
    s.push_str(&format!(
        "segments    {} (at most {})\n",
        if segments.is_empty() {
            "-".to_string()
        } else {
            segments.join(", ")
        },
        c.max_segments
    ));
    s.push_str(&format!(
        "lateness    {} allowed, future tolerance {}, predictions kept {}\n",
        d(c.allowed_lateness_secs),
        d(c.future_tolerance_secs),
        d(c.prediction_retention_secs)
    ));
    s.push_str(&format!(
        "task        {} (threshold {})\n",
        c.task.map_or("-", |t| t.as_str()),
        c.threshold
    ));
    if let Some(h) = &c.suite {
        s.push_str(&format!("suite       {h}\n"));
    }
    s
}

fn escape_owned(t: &str) -> String {
    escape(t).into_owned()
}

/// `mlops monitor labels`: what became of the labels.
pub fn labels_logged(v: &serde_json::Value) -> String {
    format!(
        "{} joined, {} unknown ids, {} duplicates, {} with a null id or label\n",
        v["joined"], v["unknown_ids"], v["duplicates"], v["nulls"]
    )
}

/// `mlops monitor results`: one line per window and segment (all rows
/// first, as `*`) with its main figures.
pub fn monitor_results(results: &[mlops_core::monitor::WindowResult]) -> String {
    let mut s = format!(
        "{:<20} {:<16} {:<5} {:>8} {:>9} {:>9} {:>8} {:>6} {:>8} {:>8}\n",
        "window",
        "segment",
        "final",
        "rows",
        "rejected",
        "nulls",
        "outside",
        "drift",
        "drifted",
        "labels"
    );
    let fig = |r: &mlops_core::monitor::WindowResult, k: &str| num4(r.field(k));
    for r in results {
        let rejected: f64 = r
            .fields
            .iter()
            .filter(|(k, _)| k.starts_with("rejected."))
            .fold(0.0, |sum, (_, v)| sum + v);
        let segment = if r.segment.is_empty() {
            "*".to_string()
        } else {
            cut(escape_owned(&r.segment), 16)
        };
        s.push_str(&format!(
            "{:<20} {:<16} {:<5} {:>8} {:>9} {:>9} {:>8} {:>6} {:>8} {:>8}\n",
            utc((r.window.max(0) as u64) * 1000),
            segment,
            if r.is_final { "yes" } else { "no" },
            r.field("rows").unwrap_or(0.0),
            rejected,
            fig(r, "null_ratio"),
            fig(r, "out_of_range_ratio"),
            fig(r, "drift.share"),
            r.field("drift.count")
                .map_or("-".to_string(), |c| c.to_string()),
            r.field("labels.count")
                .map_or("-".to_string(), |c| c.to_string()),
        ));
    }
    s
}

/// A per-path diff (`mlops status`, `mlops diff-files`): `A`, `D`, `M`
/// lines with sizes, then the counts.
pub fn tree_diff(d: &mlops_core::tree::TreeDiff) -> String {
    let size = |s: Option<u64>| s.map_or("-".to_string(), |n| n.to_string());
    let mut out = String::new();
    for c in &d.added {
        out.push_str(&format!("A {} ({} bytes)\n", c.path, size(c.size_after)));
    }
    for c in &d.removed {
        out.push_str(&format!("D {} ({} bytes)\n", c.path, size(c.size_before)));
    }
    for c in &d.changed {
        out.push_str(&format!(
            "M {} ({} -> {} bytes)\n",
            c.path,
            size(c.size_before),
            size(c.size_after)
        ));
    }
    out.push_str(&format!(
        "{} added, {} removed, {} changed, {} unchanged ({} hashed)\n",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged,
        d.hashed
    ));
    out
}
