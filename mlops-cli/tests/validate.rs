//! `mlops validate` and `mlops suite infer`: outputs and exit codes (0 pass,
//! 1 an error-severity check failed, 2 bad input).

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{exit_stderr, exit_stdout, mlops, succeeded};

fn data() -> PathBuf {
    common::vector("validate/ge.parquet")
}

/// `mlops validate <the fixture's data> --suite <suite>`, to add options to.
fn validate(suite: &Path) -> Command {
    let mut c = mlops();
    c.arg("validate").arg(data()).arg("--suite").arg(suite);
    c
}

fn tmp(name: &str) -> PathBuf {
    common::tmp("mlops-cli-validate", name)
}

#[test]
fn an_inferred_suite_passes_on_its_data() {
    let d = tmp("infer");
    let suite = d.join("suite.yaml");
    let out = mlops()
        .args(["suite", "infer"])
        .arg(data())
        .arg("-o")
        .arg(&suite)
        .output()
        .unwrap();
    succeeded(&out);
    let text = std::fs::read_to_string(&suite).unwrap();
    assert!(
        text.contains("check: in_set") && text.contains("check: not_null"),
        "{text}"
    );
    let out = validate(&suite).output().unwrap();
    let stdout = exit_stdout(&out, 0);
    assert!(stdout.starts_with("PASSED"), "{stdout}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_failed_error_check_exits_1_and_writes_json_and_html() {
    let d = tmp("fail");
    let suite = d.join("suite.yaml");
    std::fs::write(
        &suite,
        "name: demo\nchecks:\n  - check: in_set\n    column: c0\n    values: [red, green, blue]\n  - check: not_null\n    column: f7\n    severity: warn\n",
    )
    .unwrap();
    let (json, html) = (d.join("r.json"), d.join("r.html"));
    let out = validate(&suite)
        .arg("--json")
        .arg(&json)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let stdout = exit_stdout(&out, 1);
    assert!(
        stdout.starts_with("FAILED") && stdout.contains("purple"),
        "{stdout}"
    );
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    // The fixture's data has 40 injected 'purple' and 246 null f7 (GE's counts).
    assert_eq!(r["results"][0]["unexpected_count"], 40);
    assert_eq!(r["results"][1]["unexpected_count"], 246);
    assert_eq!(r["statistics"]["failed_warnings"], 1);
    assert!(std::fs::read_to_string(&html).unwrap().contains("FAILED"));
    // Only warnings fail: exit 0.
    std::fs::write(
        &suite,
        "checks:\n  - check: not_null\n    column: f7\n    severity: warn\n",
    )
    .unwrap();
    let out = validate(&suite).arg("-q").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_suites_exit_2_naming_the_place() {
    let d = tmp("bad");
    let suite = d.join("suite.yaml");
    let json = d.join("r.json");
    for (yaml, want) in [
        (
            "checks:\n  - check: not_null\n    column: f0\n  - check: nul\n    column: f0\n",
            "checks[1]",
        ),
        (
            "checks:\n  - check: values_between\n    column: f0\n    min: [1]\n",
            "checks[0]",
        ),
        ("checks:\n  - check: not_null\n    column: nope\n", "'nope'"),
    ] {
        std::fs::write(&suite, yaml).unwrap();
        let out = validate(&suite).arg("--json").arg(&json).output().unwrap();
        let stderr = exit_stderr(&out, 2);
        assert!(
            stderr.contains(want) && stderr.contains("suite.yaml"),
            "{stderr}"
        );
        assert!(!json.exists());
    }
    std::fs::remove_dir_all(&d).unwrap();
}
