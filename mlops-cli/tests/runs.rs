//! `mlops run exec` and `mlops runs` through the binary: a command run as a
//! run (its params, exit status and how it ended), a run the command itself
//! writes into through MLOPS_RUN_ID, listings, histories as CSV, verify,
//! and refused input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{refused, succeeded, tmp};

/// `mlops --store STORE ARGS` as ana, outside any run.
fn mlops(store: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlops"));
    c.arg("--store")
        .arg(store)
        .args(args)
        .env("MLOPS_PRINCIPAL", "ana")
        .env_remove("MLOPS_REASON")
        .env_remove("MLOPS_STORE")
        .env_remove("MLOPS_RUN_ID");
    c
}

fn run(store: &Path, args: &[&str]) -> Output {
    mlops(store, args).output().unwrap()
}

fn store(name: &str) -> PathBuf {
    let dir = tmp("mlops-cli-runs", name);
    let store = dir.join("store");
    let _ = std::fs::remove_dir_all(&store);
    store
}

/// The runs of the store, newest first, as JSON values.
fn runs(store: &Path) -> Vec<serde_json::Value> {
    succeeded(&run(store, &["runs", "list", "--json"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn exec_records_the_command_and_how_it_ended() {
    let s = store("ended");
    let ok = run(
        &s,
        &[
            "run",
            "exec",
            "--experiment",
            "demo",
            "--param",
            "lr=0.1",
            "--tag",
            "team=risk",
            "--",
            "sh",
            "-c",
            "exit 0",
        ],
    );
    succeeded(&ok);
    let failed = run(&s, &["run", "exec", "--", "sh", "-c", "exit 3"]);
    assert_eq!(
        failed.status.code(),
        Some(3),
        "mlops exits with the command's status"
    );
    let all = runs(&s);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["status"], "failed");
    assert_eq!(all[0]["exit_code"], 3);
    assert_eq!(all[0]["experiment"], "default");
    assert_eq!(all[1]["status"], "finished");
    assert_eq!(all[1]["experiment"], "demo");
    assert_eq!(all[1]["params"]["lr"], "0.1");
    assert_eq!(all[1]["tags"]["team"], "risk");
    assert_eq!(all[1]["principal"], "ana");
    assert_eq!(
        all[1]["source"]["command"],
        serde_json::json!(["sh", "-c", "exit 0"])
    );
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert!(
        stderr.contains(all[1]["id"].as_str().unwrap()),
        "the run id on stderr: {stderr}"
    );
}

#[test]
fn a_command_killed_by_a_signal_ends_its_run_killed() {
    let s = store("killed");
    let out = run(&s, &["run", "exec", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.code(), Some(128 + 15));
    assert_eq!(runs(&s)[0]["status"], "killed");
}

#[test]
fn sigterm_to_mlops_is_passed_on_and_the_run_ends_killed() {
    let s = store("forward");
    let mut child = mlops(&s, &["run", "exec", "--", "sleep", "30"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the run to start (its id on stderr), then SIGTERM mlops itself.
    let mut err = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("mlops: run ") {
        let n = std::io::Read::read(&mut err, &mut buf).unwrap();
        assert!(n > 0, "mlops ended before starting its run");
        seen.extend_from_slice(&buf[..n]);
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
    assert_eq!(runs(&s)[0]["status"], "killed");
}

#[test]
fn the_command_writes_into_its_run_and_the_runs_commands_read_it() {
    let s = store("into");
    // The command logs points into its run with the CLI's own binary:
    // a nested exec starts a child run of the command's run.
    let out = run(
        &s,
        &["run", "exec", "--name", "outer", "--", "sh", "-c", "true"],
    );
    succeeded(&out);
    let outer = runs(&s)[0]["id"].as_str().unwrap().to_string();
    let shown = succeeded(&run(&s, &["runs", "show", &outer]));
    assert!(shown.contains("status: finished (exit 0)"), "{shown}");
    assert!(shown.contains("name: outer"), "{shown}");
    let verify = succeeded(&run(&s, &["runs", "verify", &outer]));
    assert!(verify.contains("0 points"), "{verify}");

    let me = std::env::current_exe().unwrap();
    let nested = mlops(&s, &["run", "exec", "--", me.to_str().unwrap()])
        .args(["--exact", "nested_child", "--nocapture", "--test-threads=1"])
        .env("MLOPS_CLI_TEST_STORE", &s)
        .output()
        .unwrap();
    succeeded(&nested);
    let all = runs(&s);
    let exec_run = all[0]["id"].as_str().unwrap();
    assert_eq!(
        all[0]["points"], 100,
        "the points the command logged: {all:?}"
    );
    let csv = succeeded(&run(&s, &["runs", "history", exec_run, "loss"]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "step,time,value,context");
    assert_eq!(lines.len(), 101);
    assert!(
        lines[1].starts_with("0,") && lines[1].contains(",1.0,"),
        "{}",
        lines[1]
    );
    let down = succeeded(&run(
        &s,
        &["runs", "history", exec_run, "loss", "--downsample", "5"],
    ));
    assert!(down.lines().count() <= 21);
}

/// The command of `the_command_writes_into_its_run...`: logs 100 points
/// into the run named by MLOPS_RUN_ID (set by `mlops run exec`).
#[test]
fn nested_child() {
    let Ok(store) = std::env::var("MLOPS_CLI_TEST_STORE") else {
        return;
    };
    let r = mlops_core::registry::Registry::open(&store).unwrap();
    let run = r.start_run(Default::default()).unwrap();
    assert_eq!(run.id(), std::env::var("MLOPS_RUN_ID").unwrap());
    for step in 0..100 {
        run.log(&[("loss", 1.0 / (step + 1) as f64)], step, None)
            .unwrap();
    }
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let s = store("bad");
    refused(
        &run(&s, &["runs", "show", "../x"]),
        &["INVALID_INPUT", "32 lowercase hex"],
    );
    refused(
        &run(&s, &["runs", "show", "0123456789abcdef0123456789abcdef"]),
        &["NOT_FOUND", "run 0123456789abcdef0123456789abcdef"],
    );
    refused(
        &run(&s, &["run", "exec", "--param", "lr", "--", "true"]),
        &["KEY=VALUE"],
    );
    refused(
        &run(&s, &["run", "exec", "--param", "a b=1", "--", "true"]),
        &["INVALID_INPUT", "a b"],
    );
    refused(
        &run(&s, &["run", "exec", "--", "/nonexistent/command"]),
        &["NOT_FOUND", "/nonexistent/command"],
    );
    // The run of a command that could not start is there, failed.
    assert_eq!(runs(&s)[0]["status"], "failed");
}

#[test]
fn search_and_compare_runs() {
    let s = store("search");
    for lr in ["0.1", "0.01", "0.001"] {
        succeeded(&run(
            &s,
            &["run", "exec", "--param", &format!("lr={lr}"), "--", "true"],
        ));
    }
    let hits = succeeded(&run(
        &s,
        &[
            "runs",
            "search",
            "params.lr in (0.1, 0.01) order by params.lr",
            "--json",
        ],
    ));
    let lrs: Vec<String> = hits
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["params"]["lr"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(lrs, ["0.01", "0.1"]);
    refused(
        &run(&s, &["runs", "search", "params.lr in 0.1"]),
        &["INVALID_INPUT", "position 13"],
    );
    let table = s.with_extension("runs.parquet");
    let out = succeeded(&run(
        &s,
        &[
            "runs",
            "export-parquet",
            table.to_str().unwrap(),
            "--query",
            "params.lr in (0.1, 0.01)",
        ],
    ));
    assert!(out.starts_with("2 runs written"), "{out}");
    assert!(std::fs::read(&table).unwrap().starts_with(b"PAR1"));
    let out = succeeded(&run(&s, &["runs", "reindex"]));
    assert!(out.contains("3 ended runs"), "{out}");
    let ids: Vec<String> = runs(&s)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let page = s.with_extension("compare.html");
    let out = succeeded(&run(
        &s,
        &[
            "runs",
            "compare",
            &ids[0],
            &ids[1],
            "--html",
            page.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("param lr: 0.001 | 0.01"), "{out}");
    assert!(std::fs::read_to_string(&page)
        .unwrap()
        .contains("Run comparison"));
    let one = run(&s, &["runs", "compare", &ids[0]]);
    assert_eq!(one.status.code(), Some(2), "compare takes 2 to 10 runs");
}

#[test]
fn exec_samples_system_metrics_only_when_asked() {
    let s = store("system");
    // The command waits (bounded) until a sample of every key is in its run
    // (`runs history` of a series not yet written fails).
    let wait = format!(
        "for i in $(seq 1000); do \
           '{}' runs history \"$MLOPS_RUN_ID\" system/network_transmit_megabytes >/dev/null 2>&1 && exit 0; \
           sleep 0.02; \
         done; exit 1",
        env!("CARGO_BIN_EXE_mlops")
    );
    succeeded(&run(
        &s,
        &[
            "run",
            "exec",
            "--system-metrics",
            "--system-metrics-interval",
            "0.02",
            "--",
            "sh",
            "-c",
            &wait,
        ],
    ));
    succeeded(&run(&s, &["run", "exec", "--", "true"]));
    let all = runs(&s);
    assert_eq!(all[0]["points"], 0, "off by default");
    let id = all[1]["id"].as_str().unwrap();
    let shown: serde_json::Value =
        serde_json::from_str(&succeeded(&run(&s, &["runs", "show", id, "--json"]))).unwrap();
    let metrics = shown["metrics"].as_array().unwrap();
    let mut got: Vec<&str> = metrics.iter().map(|m| m["key"].as_str().unwrap()).collect();
    got.sort_unstable();
    let mut want = mlops_core::runs::SYSTEM_METRIC_KEYS.to_vec();
    want.sort_unstable();
    assert_eq!(got, want);
    let n = metrics[0]["count"].as_u64().unwrap();
    assert!(n >= 1);
    for m in metrics {
        assert_eq!(m["count"].as_u64(), Some(n), "{m}");
        assert_eq!(m["first_step"], 0, "{m}");
    }
    refused(
        &run(
            &s,
            &[
                "run",
                "exec",
                "--system-metrics-interval",
                "1",
                "--",
                "true",
            ],
        ),
        &["--system-metrics"],
    );
}

#[test]
fn runs_import_from_mlflow_and_tensorboard_and_export_to_tensorboard() {
    let s = store("interop");
    let dir = s.parent().unwrap().join("interop-in");
    let _ = std::fs::remove_dir_all(&dir);
    let id = "0123456789abcdef0123456789abcdef";
    let put = |rel: &str, text: &str| {
        let p = dir.join("mlruns").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    put(
        "0/meta.yaml",
        "experiment_id: '0'\nlifecycle_stage: active\nname: Default\n",
    );
    put(
        &format!("0/{id}/meta.yaml"),
        &format!("experiment_id: '0'\nlifecycle_stage: active\nrun_id: {id}\nrun_name: fox\nstart_time: 1700000001000\nend_time: 1700000002000\nstatus: 3\n"),
    );
    put(&format!("0/{id}/params/lr"), "0.01");
    put(
        &format!("0/{id}/metrics/loss"),
        "1700000001000 0.5 0\n1700000001500 0.25 1\n",
    );
    let mlruns = dir.join("mlruns");
    let mlruns = mlruns.to_str().unwrap();
    let out = succeeded(&run(
        &s,
        &[
            "runs",
            "import",
            "--mlflow",
            mlruns,
            "--experiment",
            "old",
            "--json",
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let ours = report["imported"][id].as_str().unwrap().to_string();
    let info = &runs(&s)[0];
    assert_eq!(info["id"], ours.as_str());
    assert_eq!(info["experiment"], "old");
    assert_eq!(info["params"]["lr"], "0.01");
    let again = succeeded(&run(&s, &["runs", "import", "--mlflow", mlruns]));
    assert!(again.ends_with("0 imported, 1 skipped\n"), "{again}");

    let tb = dir.join("tb");
    let files = succeeded(&run(
        &s,
        &[
            "runs",
            "export",
            "--tensorboard",
            tb.to_str().unwrap(),
            &ours,
        ],
    ));
    assert_eq!(files.lines().count(), 1);
    assert!(
        files
            .trim()
            .ends_with("tb/events.out.tfevents.1700000001.localhost"),
        "{files}"
    );
    let out = succeeded(&run(
        &s,
        &[
            "runs",
            "import",
            "--tensorboard",
            tb.to_str().unwrap(),
            "--name",
            "back",
        ],
    ));
    let back = out.trim().strip_prefix("run ").unwrap().to_string();
    let csv = succeeded(&run(&s, &["runs", "history", &back, "loss"]));
    assert_eq!(
        csv,
        "step,time,value,context\n0,2023-11-14T22:13:21.000000Z,0.5,\n1,2023-11-14T22:13:21.500000Z,0.25,\n"
    );
    // One source is needed, and only one.
    refused(
        &run(&s, &["runs", "import"]),
        &["--mlflow", "--tensorboard"],
    );
    refused(
        &run(
            &s,
            &["runs", "import", "--mlflow", mlruns, "--tensorboard", "x"],
        ),
        &["cannot be used with"],
    );
}
