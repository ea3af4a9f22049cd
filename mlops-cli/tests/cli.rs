//! The `mlops` binary: outputs, exit codes, and no partial files on failure.

use std::path::PathBuf;
use std::process::Command;

fn mlops() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlops"))
}

fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlops-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("120 rows, 8 columns"), "{stdout}");
    assert!(
        stdout.contains("i64_ids") && stdout.contains("identifier"),
        "{stdout}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("p.json")).unwrap()).unwrap();
    assert_eq!(json["row_count"], 120);
    let i64_ids = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "i64_ids")
        .unwrap();
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
