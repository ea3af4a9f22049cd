//! The pipeline-step contract (docs/orchestration.md), frozen: for each step
//! (`validate`, `drift`, `gate`, `package verify`, `monitor check`) a pass,
//! a failed check and bad input give exit 0, 1 and 2, one JSON line on
//! standard output with these keys in this order, one file per figure in
//! `--outputs-dir`, and `--exit-zero` turns 1 (and only 1) into 0.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

/// A step's keys, in the order the JSON line prints them (`outputs` last).
const VALIDATE: &[&str] = &[
    "step",
    "passed",
    "suite",
    "rows",
    "evaluated",
    "successful",
    "failed_errors",
    "failed_warnings",
    "success_percent",
    "outputs",
];
const DRIFT: &[&str] = &[
    "step",
    "passed",
    "drifted",
    "verdict",
    "share_drifted",
    "drifted_columns",
    "tested_columns",
    "skipped_columns",
    "outputs",
];
const GATE: &[&str] = &["step", "passed", "rules", "failed_rules", "outputs"];
const PACKAGE_VERIFY: &[&str] = &[
    "step",
    "passed",
    "name",
    "version",
    "files",
    "signed_by",
    "reason",
    "outputs",
];
const MONITOR_CHECK: &[&str] = &[
    "step",
    "passed",
    "monitor",
    "firing",
    "worst",
    "new_alerts",
    "retrain_requests",
    "outputs",
];
/// The line of a step that gave no verdict (exit 2).
const ERROR: &[&str] = &["step", "passed", "error"];

/// What one run of a step gave.
struct Step {
    code: i32,
    line: String,
    verdict: serde_json::Value,
    stderr: String,
}

/// Runs `mlops --store STORE ARGS --json-line` and parses its one line.
fn step(store: &Path, args: &[&str]) -> Step {
    let out = Command::new(env!("CARGO_BIN_EXE_mlops"))
        .arg("--store")
        .arg(store)
        .args(args)
        .arg("--json-line")
        .env("MLOPS_PRINCIPAL", "ci")
        .env_remove("MLOPS_REASON")
        .env_remove("MLOPS_STORE")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "one line on stdout: {stdout}{stderr}"
    );
    let line = stdout.trim_end().to_string();
    Step {
        code: out.status.code().unwrap(),
        verdict: serde_json::from_str(&line).unwrap(),
        line,
        stderr,
    }
}

impl Step {
    /// Asserts the exit status, the step's name and its keys in order.
    fn is(&self, code: i32, name: &str, keys: &[&str]) -> &Self {
        assert_eq!(self.code, code, "{}\n{}", self.line, self.stderr);
        assert_eq!(self.verdict["step"], name, "{}", self.line);
        let object = self.verdict.as_object().unwrap();
        assert_eq!(object.len(), keys.len(), "{}", self.line);
        let mut at = 0;
        for k in keys {
            let found = self.line[at..]
                .find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} missing or out of order in {}", self.line));
            at += found;
        }
        if code == 2 {
            assert!(self.stderr.starts_with("mlops: error ["), "{}", self.stderr);
            assert_eq!(self.verdict["passed"], false);
        }
        self
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The files `--outputs-dir` wrote: name and content, sorted by name.
fn outputs(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            (name, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn fresh(name: &str) -> (PathBuf, PathBuf) {
    let d = common::tmp("mlops-cli-contract", name);
    let store = d.join("store");
    let _ = std::fs::remove_dir_all(&store);
    let _ = std::fs::remove_dir_all(d.join("out"));
    (d, store)
}

#[test]
fn validate_keeps_the_contract() {
    let (d, store) = fresh("validate");
    let data = d.join("data.csv");
    std::fs::write(&data, "x,cat\n1,a\n5,b\n50,a\n,b\n").unwrap();
    let suite = |name: &str, max: u32| {
        let p = d.join(format!("{name}.yaml"));
        std::fs::write(
            &p,
            format!(
                "name: {name}\nchecks:\n  - check: values_between\n    column: x\n    min: 0\n    max: {max}\n  - check: not_null\n    column: x\n    severity: warn\n"
            ),
        )
        .unwrap();
        p
    };
    let (wide, narrow) = (suite("wide", 100), suite("narrow", 10));
    let out = d.join("out");
    let (json, html) = (d.join("v.json"), d.join("v.html"));
    let pass = step(
        &store,
        &[
            "validate",
            s(&data),
            "--suite",
            s(&wide),
            "--report-json",
            s(&json),
            "--report-html",
            s(&html),
            "--outputs-dir",
            s(&out),
        ],
    );
    pass.is(0, "validate", VALIDATE);
    assert_eq!(pass.verdict["failed_warnings"], 1);
    assert_eq!(pass.verdict["failed_errors"], 0);
    assert_eq!(pass.verdict["rows"], 4);
    assert_eq!(
        pass.verdict["outputs"],
        serde_json::json!({"json": s(&json), "html": s(&html), "dir": s(&out)})
    );
    assert!(json.is_file() && html.is_file());
    assert_eq!(
        outputs(&out),
        [
            ("evaluated", "2"),
            ("failed_errors", "0"),
            ("failed_warnings", "1"),
            ("passed", "true"),
            ("rows", "4"),
            ("success_percent", "50.0"),
            ("successful", "1"),
            ("suite", "wide"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    let fail = step(
        &store,
        &[
            "validate",
            s(&data),
            "--suite",
            s(&narrow),
            "--outputs-dir",
            s(&out),
        ],
    );
    fail.is(1, "validate", VALIDATE);
    assert_eq!(fail.verdict["failed_errors"], 1);
    assert_eq!(
        std::fs::read_to_string(out.join("passed")).unwrap(),
        "false"
    );
    let zero = step(
        &store,
        &["validate", s(&data), "--suite", s(&narrow), "--exit-zero"],
    );
    zero.is(0, "validate", VALIDATE);
    assert_eq!(zero.verdict["passed"], false);
    let missing = d.join("missing.parquet");
    let bad = step(&store, &["validate", s(&missing), "--suite", s(&wide)]);
    bad.is(2, "validate", ERROR);
    assert_eq!(bad.verdict["error"]["kind"], "NOT_FOUND");
    // --exit-zero never hides an error.
    step(
        &store,
        &["validate", s(&missing), "--suite", s(&wide), "--exit-zero"],
    )
    .is(2, "validate", ERROR);
}

#[test]
fn drift_keeps_the_contract() {
    let (d, store) = fresh("drift");
    let (reference, strong) = (
        common::vector("drift/ref_1k.parquet"),
        common::vector("drift/strong_1k.parquet"),
    );
    let out = d.join("out");
    let pass = step(
        &store,
        &[
            "drift",
            s(&reference),
            s(&reference),
            "--fail-on-drift",
            "--outputs-dir",
            s(&out),
        ],
    );
    pass.is(0, "drift", DRIFT);
    assert_eq!(pass.verdict["verdict"], "no_drift");
    let names: Vec<String> = outputs(&out).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "drifted",
            "drifted_columns",
            "passed",
            "share_drifted",
            "skipped_columns",
            "tested_columns",
            "verdict"
        ]
    );
    let fail = step(
        &store,
        &[
            "drift",
            s(&reference),
            s(&strong),
            "--drift-share",
            "0.4",
            "--fail-on-drift",
            "--outputs-dir",
            s(&out),
        ],
    );
    fail.is(1, "drift", DRIFT);
    assert_eq!(fail.verdict["drifted"], true);
    assert_eq!(
        std::fs::read_to_string(out.join("drifted")).unwrap(),
        "true"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("verdict")).unwrap(),
        "drift"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("share_drifted")).unwrap(),
        fail.verdict["share_drifted"].to_string()
    );
    // A report, not a gate, without --fail-on-drift; --exit-zero with it.
    let report = step(
        &store,
        &["drift", s(&reference), s(&strong), "--drift-share", "0.4"],
    );
    report.is(0, "drift", DRIFT);
    assert_eq!(report.verdict["passed"], false);
    step(
        &store,
        &[
            "drift",
            s(&reference),
            s(&strong),
            "--drift-share",
            "0.4",
            "--fail-on-drift",
            "--exit-zero",
        ],
    )
    .is(0, "drift", DRIFT);
    // Nothing could be tested: a verdict (not_tested) that does not pass.
    let (header, empty) = (d.join("ref.arrow"), d.join("empty.arrow"));
    let write = |path: &Path, values: Vec<f64>| {
        use arrow::array::{Float64Array, RecordBatch};
        let batch = RecordBatch::try_from_iter([(
            "f1",
            std::sync::Arc::new(Float64Array::from(values)) as _,
        )])
        .unwrap();
        let file = std::fs::File::create(path).unwrap();
        let mut w = arrow::ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
    };
    write(&header, vec![1.5, 2.5, 3.5]);
    write(&empty, vec![]);
    let none = step(&store, &["drift", s(&header), s(&empty), "--fail-on-drift"]);
    none.is(1, "drift", DRIFT);
    assert_eq!(none.verdict["verdict"], "not_tested");
    assert_eq!(none.verdict["drifted"], false);
    let bad = step(
        &store,
        &[
            "drift",
            s(&reference),
            s(&d.join("missing.parquet")),
            "--fail-on-drift",
        ],
    );
    bad.is(2, "drift", ERROR);
}

#[test]
fn gate_keeps_the_contract() {
    let (d, store) = fresh("gate");
    let model = d.join("model.bin");
    std::fs::write(&model, b"weights").unwrap();
    let added = Command::new(env!("CARGO_BIN_EXE_mlops"))
        .args(["--store", s(&store), "add", "model", "churn", s(&model)])
        .output()
        .unwrap();
    common::succeeded(&added);
    let json = d.join("gate.json");
    let gate = |auc: &str, rule: &str, extra: &[&str]| {
        let metrics = format!(r#"{{"auc": {auc}}}"#);
        let mut args = vec![
            "gate",
            "model",
            "churn",
            "1",
            "--metrics",
            &metrics,
            "--rule",
            rule,
        ];
        args.extend_from_slice(extra);
        step(&store, &args)
    };
    let pass = gate("0.91", "auc >= 0.8", &["--report-json", s(&json)]);
    pass.is(0, "gate", GATE);
    assert_eq!(
        pass.verdict["outputs"],
        serde_json::json!({"json": s(&json)})
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["passed"], true);
    let fail = gate("0.7", "auc >= 0.8", &[]);
    fail.is(1, "gate", GATE);
    assert_eq!(fail.verdict["failed_rules"], 1);
    gate("0.7", "auc >= 0.8", &["--exit-zero"]).is(0, "gate", GATE);
    let bad = gate("0.7", "recall >= 0.8", &[]);
    bad.is(2, "gate", ERROR);
    assert_eq!(bad.verdict["error"]["kind"], "INVALID_INPUT");
}

#[test]
fn package_verify_keeps_the_contract() {
    let (d, store) = fresh("package");
    let dir = d.join("pkg");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.pkl"), b"pickle bytes").unwrap();
    let built = Command::new(env!("CARGO_BIN_EXE_mlops"))
        .args([
            "package",
            "build",
            s(&dir),
            "--name",
            "churn",
            "--version",
            "1.0.0",
        ])
        .args(["--flavor", "sklearn"])
        .output()
        .unwrap();
    common::succeeded(&built);
    let out = d.join("out");
    let pass = step(
        &store,
        &["package", "verify", s(&dir), "--outputs-dir", s(&out)],
    );
    pass.is(0, "package verify", PACKAGE_VERIFY);
    assert_eq!(pass.verdict["files"], 1);
    assert_eq!(pass.verdict["signed_by"], serde_json::Value::Null);
    assert_eq!(std::fs::read_to_string(out.join("reason")).unwrap(), "");
    assert_eq!(std::fs::read_to_string(out.join("name")).unwrap(), "churn");
    std::fs::write(dir.join("model.pkl"), b"pickle bytez").unwrap();
    let fail = step(&store, &["package", "verify", s(&dir)]);
    fail.is(1, "package verify", PACKAGE_VERIFY);
    assert!(
        fail.verdict["reason"]
            .as_str()
            .unwrap()
            .contains("model.pkl"),
        "{}",
        fail.line
    );
    step(&store, &["package", "verify", s(&dir), "--exit-zero"]).is(
        0,
        "package verify",
        PACKAGE_VERIFY,
    );
    let bad = step(&store, &["package", "verify", s(&d.join("nope"))]);
    bad.is(2, "package verify", ERROR);
}

#[test]
fn monitor_check_keeps_the_contract() {
    let (d, store) = fresh("monitor");
    let mut reference = String::from("t,x\n");
    let mut traffic = String::from("t,x\n");
    for i in 0..100 {
        let minute = i * 60 / 100;
        reference.push_str(&format!("2026-11-02T00:{minute:02}:00,{}\n", i % 10));
        traffic.push_str(&format!("2026-11-02T00:{minute:02}:00,{}\n", 50 + i % 10));
    }
    std::fs::write(d.join("ref.csv"), reference).unwrap();
    std::fs::write(d.join("traffic.csv"), traffic).unwrap();
    let now = "1793584800000"; // 2026-11-02T02:00:00Z
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mlops"))
            .arg("--store")
            .arg(&store)
            .args(args)
            .output()
            .unwrap();
        common::succeeded(&out);
    };
    run(&["add", "dataset", "ref", s(&d.join("ref.csv"))]);
    run(&[
        "monitor",
        "create",
        "m",
        "--timestamp",
        "t",
        "--reference",
        "ref@1",
    ]);
    run(&[
        "monitor",
        "log",
        "m",
        s(&d.join("traffic.csv")),
        "--now",
        now,
    ]);
    run(&[
        "monitor",
        "rule",
        "m",
        "drift.detected.x = 1",
        "--name",
        "x_drift",
        "--severity",
        "critical",
    ]);
    let out = d.join("out");
    let pass = step(
        &store,
        &[
            "monitor",
            "check",
            "m",
            "--now",
            now,
            "--outputs-dir",
            s(&out),
        ],
    );
    pass.is(0, "monitor check", MONITOR_CHECK);
    assert_eq!(pass.verdict["worst"], "critical");
    assert_eq!(
        std::fs::read_to_string(out.join("firing")).unwrap(),
        r#"[["x_drift","critical"]]"#
    );
    let fail = step(
        &store,
        &[
            "monitor",
            "check",
            "m",
            "--now",
            now,
            "--fail-on",
            "warning",
        ],
    );
    fail.is(1, "monitor check", MONITOR_CHECK);
    step(
        &store,
        &[
            "monitor",
            "check",
            "m",
            "--now",
            now,
            "--fail-on",
            "warning",
            "--exit-zero",
        ],
    )
    .is(0, "monitor check", MONITOR_CHECK);
    let bad = step(&store, &["monitor", "check", "nosuch", "--now", now]);
    bad.is(2, "monitor check", ERROR);
    assert_eq!(bad.verdict["error"]["kind"], "NOT_FOUND");
}
