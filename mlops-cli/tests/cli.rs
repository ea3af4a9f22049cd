//! The `mlops` binary: outputs, exit codes, and no partial files on failure.

use std::path::PathBuf;

mod common;
use common::{exit_stdout, mlops, refused, succeeded, vector};

fn tmp(name: &str) -> PathBuf {
    common::tmp("mlops-cli", name)
}

#[test]
fn profile_writes_json_html_and_binary() {
    let d = tmp("ok");
    let out = mlops()
        .arg("profile")
        .arg(vector("numeric.arrow"))
        .args(["--json", d.join("p.json").to_str().unwrap()])
        .args(["--html", d.join("p.html").to_str().unwrap()])
        .args(["--bin", d.join("p.bin").to_str().unwrap()])
        .output()
        .unwrap();
    succeeded(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("120 rows, 8 columns"), "{stdout}");
    assert!(
        stdout.contains("i64_ids") && stdout.contains("identifier"),
        "{stdout}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("p.json")).unwrap()).unwrap();
    assert_eq!(json["row_count"], 120);
    let i64_ids = entry(&json["columns"], "name", "i64_ids");
    assert_eq!(i64_ids["min"], 1000);
    assert_eq!(i64_ids["max"], 1119);
    let html = std::fs::read_to_string(d.join("p.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    let bin = std::fs::read(d.join("p.bin")).unwrap();
    let p = mlops_core::Profile::from_bytes(&bin).unwrap();
    // Same statistics (sketch bytes are not canonical, so `state` is left out).
    let stats = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        let mut cols = v["columns"].as_array().unwrap().clone();
        cols.iter_mut().for_each(|c| {
            c.as_object_mut().unwrap().remove("state");
        });
        cols
    };
    assert!(
        stats(&p.to_json_value()) == stats(&json),
        "binary and JSON outputs disagree"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn missing_file_exits_2_and_writes_nothing() {
    let d = tmp("missing");
    let json = d.join("p.json");
    let out = mlops()
        .args([
            "profile",
            d.join("nope.parquet").to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("NOT_FOUND") && err.contains("nope.parquet"),
        "{err}"
    );
    assert!(!json.exists());
    assert_eq!(
        std::fs::read_dir(&d).unwrap().count(),
        0,
        "no temporary files left behind"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn unwritable_output_exits_2_without_partial_files() {
    let d = tmp("unwritable");
    let target = d.join("no-such-dir").join("p.json");
    let out = mlops()
        .args([
            "profile",
            vector("strings.arrow").to_str().unwrap(),
            "--json",
            target.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("no-such-dir"));
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    let out = mlops().args(["profile"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = mlops().args(["--version"]).output().unwrap();
    assert!(out.status.success());
}

/// The object of a JSON array whose `key` is `value`.
fn entry<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c[key] == value)
        .unwrap_or_else(|| panic!("no {key} {value} in {list}"))
}

/// The exit status of `mlops drift <reference> <current> <args>`.
fn drift_status(
    reference: impl AsRef<std::ffi::OsStr>,
    current: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
) -> Option<i32> {
    let out = mlops()
        .arg("drift")
        .arg(reference)
        .arg(current)
        .args(args)
        .output()
        .unwrap();
    out.status.code()
}

fn drift_vector(name: &str) -> PathBuf {
    vector("drift").join(name)
}

#[test]
fn drift_writes_reports_and_gates_pipelines() {
    let d = tmp("drift");
    let (json, html) = (d.join("drift.json"), d.join("drift.html"));
    let out = mlops()
        .arg("drift")
        .arg(drift_vector("ref_1k.parquet"))
        .arg(drift_vector("strong_1k.parquet"))
        .args([
            "--json",
            json.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    // 8 of 19 columns drift: below the default share of 0.5, so exit 0 even with --fail-on-drift absent.
    succeeded(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("no dataset drift: 8 of 19 columns drifted"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["number_of_drifted_columns"], 8);
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    // A pipeline gate: with a lower drift share the data set drifts and the exit status is 1.
    let gate = drift_status(
        drift_vector("ref_1k.parquet"),
        drift_vector("strong_1k.parquet"),
        &["--drift-share", "0.4", "--fail-on-drift", "--quiet"],
    );
    assert_eq!(gate, Some(1));
    // The same data against itself passes the gate.
    let same = drift_status(
        drift_vector("ref_1k.parquet"),
        drift_vector("ref_1k.parquet"),
        &["--fail-on-drift", "--quiet"],
    );
    assert_eq!(same, Some(0));
}

#[test]
fn drift_with_nothing_tested_fails_the_gate_with_status_1() {
    use std::sync::Arc;

    use arrow::array::{Float64Array, RecordBatch};
    use arrow::ipc::writer::FileWriter;

    let d = tmp("drift-empty");
    let (reference, empty) = (d.join("ref.arrow"), d.join("empty.arrow"));
    let write = |path: &PathBuf, values: Vec<f64>| {
        let batch =
            RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(values)) as _)]).unwrap();
        let mut w =
            FileWriter::try_new(std::fs::File::create(path).unwrap(), &batch.schema()).unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
    };
    write(&reference, vec![1.5, 2.5, 3.5]);
    write(&empty, vec![]);
    let json = d.join("r.json");
    let out = mlops()
        .arg("drift")
        .arg(&reference)
        .arg(&empty)
        .args(["--fail-on-drift", "--json", json.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = exit_stdout(&out, 1);
    assert!(
        stdout.starts_with("NOT TESTED: no column could be tested (1 skipped)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("x                not tested: no present values in the current data"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["verdict"], "not_tested");
    assert_eq!(report["dataset_drift"], false);
    assert_eq!(report["number_of_columns"], 0);
    assert_eq!(report["skipped_columns"][0]["column"], "x");
    // Without the gate the report is written and the status is 0.
    assert_eq!(drift_status(&reference, &empty, &["--quiet"]), Some(0));
}

#[test]
fn drift_from_profiles_and_per_column_methods() {
    let d = tmp("drift-profiles");
    for (src, out) in [
        ("ref_1k.parquet", "ref.bin"),
        ("strong_1k.parquet", "cur.bin"),
    ] {
        let o = mlops()
            .arg("profile")
            .arg(drift_vector(src))
            .args(["--bin", d.join(out).to_str().unwrap(), "--quiet"])
            .output()
            .unwrap();
        assert!(o.status.success());
    }
    let json = d.join("p.json");
    let out = mlops()
        .arg("drift")
        .arg(d.join("ref.bin"))
        .arg(d.join("cur.bin"))
        .args([
            "--column-method",
            "f0=psi:0.2",
            "--json",
            json.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    succeeded(&out);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["source"], "profiles");
    let f0 = entry(&report["columns"], "column", "f0");
    assert_eq!(
        (f0["method"].as_str(), f0["threshold"].as_f64()),
        (Some("psi"), Some(0.2))
    );
}

#[test]
fn drift_errors_exit_2_and_write_nothing() {
    let d = tmp("drift-bad");
    let json = d.join("never.json");
    let out = mlops()
        .arg("drift")
        .arg(drift_vector("ref_1k.parquet"))
        .arg(vector("numeric.arrow"))
        .args(["--json", json.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SCHEMA_MISMATCH"));
    assert!(!json.exists());
    let out = mlops()
        .arg("drift")
        .arg(drift_vector("ref_1k.parquet"))
        .arg(drift_vector("strong_1k.parquet"))
        .args(["--method", "t-test"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("t-test"));
}

#[test]
fn registry_commands_version_tag_trace_and_search() {
    let d = tmp("registry");
    let store = d.join("store");
    let s = store.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = mlops().args(["--store", s]).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let file = d.join("m.bin");
    std::fs::write(&file, b"model bytes").unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(run(&["add", "dataset", "churn", f]).1.trim(), "1");
    assert_eq!(
        run(&[
            "add",
            "model",
            "gbm",
            f,
            "--meta",
            r#"{"metrics":{"auc":0.93}}"#
        ])
        .1
        .trim(),
        "1"
    );
    assert_eq!(
        run(&["tag", "model", "gbm", "1", "team", "risk"]).0,
        Some(0)
    );
    assert_eq!(
        run(&["lineage", "model/gbm@1", "dataset/churn@1", "--run", "r1"]).0,
        Some(0)
    );
    assert_eq!(
        run(&["alias", "model", "gbm", "production", "1"]).0,
        Some(0)
    );
    let (code, out, _) = run(&[
        "search",
        "kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9",
    ]);
    assert_eq!(code, Some(0));
    let hit: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        (hit["name"].as_str(), hit["version"].as_u64()),
        (Some("gbm"), Some(1))
    );
    assert!(run(&["show", "dataset", "churn"])
        .1
        .contains("used by model/gbm@1"));
    let out_file = d.join("got.bin");
    assert_eq!(
        run(&[
            "get",
            "model",
            "gbm",
            "production",
            "-o",
            out_file.to_str().unwrap()
        ])
        .0,
        Some(0)
    );
    assert_eq!(std::fs::read(&out_file).unwrap(), b"model bytes");
    // The history, oldest first: the version, its tag, lineage, the alias.
    let (code, out, _) = run(&["log", "model", "gbm"]);
    assert_eq!(code, Some(0));
    let actions: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().nth(3).unwrap())
        .collect();
    assert_eq!(actions, ["version", "tag", "lineage", "alias"], "{out}");
    assert!(out.lines().nth(1).unwrap().contains("team=risk"), "{out}");
    assert!(
        out.lines().nth(2).unwrap().contains("from dataset/churn@1"),
        "{out}"
    );
    let (_, out, _) = run(&["log", "dataset", "churn", "--json"]);
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(
        (last["action"].as_str(), last["seq"].as_u64()),
        (Some("used_by"), Some(2))
    );
    assert_eq!(run(&["log", "model", "nope"]).0, Some(2));
    // Errors: exit 2, a coded message, nothing written.
    let (code, _, err) = run(&["search", "kind = model"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("INVALID_INPUT") && err.contains("position 7"),
        "{err}"
    );
    let (code, _, err) = run(&["add", "model", "../evil", f]);
    assert_eq!(code, Some(2));
    assert!(err.contains("INVALID_INPUT"), "{err}");
    let (code, _, err) = run(&[
        "get",
        "model",
        "gbm",
        "9",
        "-o",
        d.join("never.bin").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("NOT_FOUND"), "{err}");
    assert!(!d.join("never.bin").exists());
    assert_eq!(run(&["list", "model"]).1.trim(), "gbm");
}

#[test]
fn search_refuses_a_deep_filter_with_exit_2() {
    // 10,000 '(' once overflowed the stack (SIGABRT); now the 65th is refused.
    let d = tmp("deep-filter");
    let store = d.join("store");
    let query = format!("{}kind = 'model'{}", "(".repeat(10_000), ")".repeat(10_000));
    let out = mlops()
        .args(["--store", store.to_str().unwrap(), "search", &query])
        .output()
        .unwrap();
    refused(&out, &["INVALID_INPUT", "nesting too deep at position 64"]);
    // A non-finite number is refused at its position, not read as null.
    let out = mlops()
        .args([
            "--store",
            store.to_str().unwrap(),
            "search",
            "metrics.auc > -inf",
        ])
        .output()
        .unwrap();
    refused(&out, &["finite", "position 14"]);
}
