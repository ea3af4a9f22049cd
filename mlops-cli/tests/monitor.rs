//! `mlops monitor` through the binary: a monitor created against a
//! reference data set version, two hours of traffic from CSV (the second
//! drifted), labels joined later, future-dated and timeless rows counted,
//! the results as JSON lines, and refused input (exit 2, naming what is
//! wrong).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{refused, succeeded, tmp};

/// 2026-11-02T00:00:00Z in Unix milliseconds.
const START_MS: i64 = 1_793_577_600_000;
const HOUR_MS: i64 = 3_600_000;

fn mlops(store: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlops"));
    c.arg("--store")
        .arg(store)
        .args(args)
        .env("MLOPS_PRINCIPAL", "ana")
        .env_remove("MLOPS_REASON")
        .env_remove("MLOPS_STORE");
    c
}

fn run(store: &Path, args: &[&str]) -> Output {
    mlops(store, args).output().unwrap()
}

/// A fresh folder with a store path (not yet created) and the data files:
/// `ref.csv` (200 rows, x in 0..10), `traffic.csv` (hour 0 like the
/// reference, hour 1 shifted by 20, one row an hour ahead of the clock, one
/// without a time) and `labels.csv` (hour 0's labels and an unknown id).
fn setup(name: &str) -> (PathBuf, PathBuf) {
    let dir = tmp("mlops-cli-monitor", name);
    let store = dir.join("store");
    let _ = std::fs::remove_dir_all(&store);
    let row = |i: usize, hour: usize, shift: f64| {
        let x = (i % 100) as f64 / 10.0 + shift;
        let cat = ["a", "b"][i % 2];
        let minute = (i * 60) / 100 % 60;
        format!(
            "2026-11-02T{hour:02}:{minute:02}:00,{},{x},{cat},{}\n",
            hour * 1000 + i,
            x / 30.0
        )
    };
    let mut reference = String::from("t,id,x,cat,score,label\n");
    for i in 0..200 {
        let r = row(i, 0, 0.0);
        reference.push_str(&format!("{},{}\n", r.trim_end(), i % 2));
    }
    std::fs::write(dir.join("ref.csv"), reference).unwrap();
    let mut traffic = String::from("t,id,x,cat,score\n");
    for i in 0..100 {
        traffic.push_str(&row(i, 0, 0.0));
    }
    for i in 0..100 {
        traffic.push_str(&row(i, 1, 20.0));
    }
    // An hour past the clock (START + 2h), and one without a time.
    traffic.push_str("2026-11-02T03:00:00,9001,1.0,a,0.1\n");
    traffic.push_str(",9002,1.0,a,0.1\n");
    std::fs::write(dir.join("traffic.csv"), traffic).unwrap();
    let mut labels = String::from("id,label\n");
    for i in 0..100 {
        labels.push_str(&format!("{i},{}\n", i % 2));
    }
    labels.push_str("424242,1\n");
    std::fs::write(dir.join("labels.csv"), labels).unwrap();
    (dir, store)
}

fn create(store: &Path, name: &str) -> Output {
    run(
        store,
        &[
            "monitor",
            "create",
            name,
            "--timestamp",
            "t",
            "--reference",
            "churn-train@1",
            "--prediction",
            "score",
            "--target",
            "label",
            "--id",
            "id",
            "--segment",
            "cat",
            "--json",
        ],
    )
}

#[test]
fn traffic_is_windowed_drift_found_and_labels_joined() {
    let (dir, s) = setup("flow");
    let f = |n: &str| dir.join(n).to_str().unwrap().to_string();
    succeeded(&run(&s, &["add", "dataset", "churn-train", &f("ref.csv")]));
    let config: serde_json::Value =
        serde_json::from_str(&succeeded(&create(&s, "churn-prod"))).unwrap();
    assert_eq!(config["timestamp"], "t");
    assert_eq!(config["reference"]["name"], "churn-train");
    assert_eq!(config["reference"]["version"], 1);
    // Defaults come from the engine: an hour's window.
    assert_eq!(config["window_secs"], 3600);
    assert_eq!(config["segments"], serde_json::json!(["cat"]));

    let now = (START_MS + 2 * HOUR_MS).to_string();
    let out = succeeded(&run(
        &s,
        &[
            "monitor",
            "log",
            "churn-prod",
            &f("traffic.csv"),
            "--now",
            &now,
        ],
    ));
    assert_eq!(out, "202 rows read, 200 placed in windows\n");
    let labels: serde_json::Value = serde_json::from_str(&succeeded(&run(
        &s,
        &[
            "monitor",
            "labels",
            "churn-prod",
            &f("labels.csv"),
            "--now",
            &now,
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(
        labels,
        serde_json::json!({"joined": 100, "unknown_ids": 1, "duplicates": 0, "nulls": 0})
    );

    let results: Vec<serde_json::Value> = succeeded(&run(
        &s,
        &["monitor", "results", "churn-prod", "--now", &now, "--json"],
    ))
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let all: Vec<&serde_json::Value> = results.iter().filter(|r| r["segment"] == "").collect();
    // Hour 0, hour 1, and the clock's hour (2), where rejected rows count.
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["window"], START_MS / 1000);
    assert_eq!(all[0]["fields"]["rows"], 100.0);
    assert_eq!(all[0]["fields"]["drift.detected.x"], 0.0);
    assert_eq!(all[0]["fields"]["labels.count"], 100.0);
    assert_eq!(all[0]["fields"]["out_of_range_ratio.x"], 0.0);
    assert_eq!(all[1]["fields"]["rows"], 100.0);
    assert_eq!(all[1]["fields"]["drift.detected.x"], 1.0);
    assert_eq!(all[1]["fields"]["out_of_range_ratio.x"], 1.0);
    assert_eq!(all[1]["fields"]["labels.count"], 0.0);
    assert_eq!(all[2]["fields"]["rejected.future"], 1.0);
    assert_eq!(all[2]["fields"]["rejected.no_timestamp"], 1.0);
    assert_eq!(all[2]["fields"]["rejected.unknown_ids"], 1.0);
    assert!(all.iter().all(|w| w["is_final"] == false));
    // Segments add up to the window.
    let segments: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["window"] == all[0]["window"] && r["segment"] != "")
        .collect();
    assert_eq!(segments.len(), 2);
    assert_eq!(segments[0]["segment"], "cat=a");
    assert_eq!(segments[0]["fields"]["rows"], 50.0);

    let names = succeeded(&run(&s, &["monitor", "list", "--json"]));
    assert_eq!(names.trim(), r#"["churn-prod"]"#);
    assert_eq!(succeeded(&run(&s, &["monitor", "list"])), "churn-prod\n");

    // A rule; check logs the alert, prints one JSON line, exits 1 with --fail-on.
    let out = succeeded(&run(
        &s,
        &[
            "monitor",
            "rule",
            "churn-prod",
            "drift.detected.x = 1",
            "--name",
            "x_drift",
            "--severity",
            "critical",
        ],
    ));
    assert_eq!(out, "rule x_drift added to monitor churn-prod\n");
    let checked = run(
        &s,
        &[
            "monitor",
            "check",
            "churn-prod",
            "--fail-on",
            "critical",
            "--now",
            &now,
        ],
    );
    assert_eq!(checked.status.code(), Some(1), "{checked:?}");
    let verdict: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(verdict["passed"], false);
    assert_eq!(
        verdict["firing"],
        serde_json::json!([["x_drift", "critical"]])
    );
    assert_eq!(verdict["new_alerts"][0]["window"], START_MS / 1000 + 3600);
    assert_eq!(verdict["retrain_requests"].as_array().unwrap().len(), 1);
    // Still firing: --fail-on info fails too (critical is worse than info).
    let again = run(
        &s,
        &[
            "monitor",
            "check",
            "churn-prod",
            "--fail-on",
            "info",
            "--now",
            &now,
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    let text = succeeded(&run(
        &s,
        &["monitor", "prometheus", "churn-prod", "--now", &now],
    ));
    assert!(text.contains("mlops_monitor_alert_firing{monitor=\"churn-prod\",rule=\"x_drift\",severity=\"critical\"} 1.0\n"), "{text}");
    let page = dir.join("monitor.html");
    let out = succeeded(&run(
        &s,
        &[
            "monitor",
            "report",
            "churn-prod",
            page.to_str().unwrap(),
            "--now",
            &now,
        ],
    ));
    assert!(out.ends_with("(1 window reports beside it)\n"), "{out}");
    assert!(std::fs::read_to_string(&page).unwrap().contains("x_drift"));
    let bad = run(&s, &["monitor", "rule", "churn-prod", "rows >> 1"]);
    refused(&bad, &["at 7"]);
}

#[test]
fn wrong_input_exits_2_naming_what_is_wrong() {
    let (dir, s) = setup("refused");
    let f = |n: &str| dir.join(n).to_str().unwrap().to_string();
    succeeded(&run(&s, &["add", "dataset", "churn-train", &f("ref.csv")]));
    succeeded(&create(&s, "m"));
    refused(&create(&s, "m"), &["ALREADY_EXISTS", "monitor 'm'"]);
    refused(
        &run(
            &s,
            &[
                "monitor",
                "create",
                "w",
                "--timestamp",
                "t",
                "--window",
                "1 hour",
            ],
        ),
        &["INVALID_INPUT", "'window'"],
    );
    refused(
        &run(
            &s,
            &[
                "monitor",
                "create",
                "r",
                "--timestamp",
                "t",
                "--reference",
                "model/churn@1",
            ],
        ),
        &["INVALID_INPUT", "dataset"],
    );
    refused(
        &run(
            &s,
            &[
                "monitor",
                "create",
                "r",
                "--timestamp",
                "t",
                "--reference",
                "churn-train",
            ],
        ),
        &["INVALID_INPUT", "NAME@VERSION"],
    );
    refused(
        &run(
            &s,
            &[
                "monitor",
                "create",
                "r",
                "--timestamp",
                "t",
                "--task",
                "ranking",
            ],
        ),
        &["INVALID_INPUT", "'task'"],
    );
    refused(
        &run(&s, &["monitor", "log", "nope", &f("traffic.csv")]),
        &["NOT_FOUND", "monitor 'nope'"],
    );
    // The labels file has no timestamp column.
    refused(
        &run(&s, &["monitor", "log", "m", &f("labels.csv")]),
        &["INVALID_INPUT", "'t'"],
    );
    // The traffic has no label column.
    refused(
        &run(&s, &["monitor", "labels", "m", &f("traffic.csv")]),
        &["INVALID_INPUT", "'label'"],
    );
    refused(
        &run(&s, &["monitor", "results", "nope"]),
        &["NOT_FOUND", "nope"],
    );
}

#[test]
fn a_suite_file_gives_each_window_its_verdicts() {
    let (dir, s) = setup("suite");
    let f = |n: &str| dir.join(n).to_str().unwrap().to_string();
    succeeded(&run(&s, &["add", "dataset", "churn-train", &f("ref.csv")]));
    std::fs::write(
        dir.join("contract.yaml"),
        "name: contract\nchecks:\n  - check: values_between\n    column: x\n    min: 0\n    max: 10\n    name: x_range\n  - check: in_set\n    column: cat\n    values: [a, b]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("bad.yaml"),
        "name: bad\nchecks:\n  - check: not_null\n    column: age\n",
    )
    .unwrap();
    let base = [
        "monitor",
        "create",
        "m",
        "--timestamp",
        "t",
        "--reference",
        "churn-train@1",
        "--id",
        "id",
        "--suite",
    ];
    refused(
        &run(&s, &[&base[..], &[&f("bad.yaml")]].concat()),
        &["checks[0] (not_null)", "'age'"],
    );
    let out = succeeded(&run(&s, &[&base[..], &[&f("contract.yaml")]].concat()));
    assert!(out.contains("suite       "), "{out}");
    let now = (START_MS + 2 * HOUR_MS).to_string();
    succeeded(&run(
        &s,
        &["monitor", "log", "m", &f("traffic.csv"), "--now", &now],
    ));
    let results: Vec<serde_json::Value> = succeeded(&run(
        &s,
        &["monitor", "results", "m", "--now", &now, "--json"],
    ))
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let fields = |i: usize| &results[i]["fields"];
    // Hour 0: x in 0..10, categories a and b; hour 1: x shifted by 20.
    assert_eq!(fields(0)["suite.success"], 1.0);
    assert_eq!(fields(0)["suite.checks"], 2.0);
    assert_eq!(fields(0)["suite.x_range.unexpected_percent"], 0.0);
    assert_eq!(fields(1)["suite.success"], 0.0);
    assert_eq!(fields(1)["suite.failed"], 1.0);
    assert_eq!(fields(1)["suite.x_range.unexpected_percent"], 100.0);
    assert_eq!(fields(1)["suite.in_set.cat.success"], 1.0);
}
