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

/// Sends `request` to `addr` and reads the whole answer: the status line,
/// the headers (names lowercased) and the body.
fn http(addr: &str, request: &str) -> (String, std::collections::BTreeMap<String, String>, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_string();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect::<std::collections::BTreeMap<_, _>>();
    assert_eq!(headers["content-length"], body.len().to_string());
    (status, headers, body.to_string())
}

/// The samples of a Prometheus text (0.0.4) body by series (name and
/// labels as written), after checking that every line is a `# HELP` or
/// `# TYPE` comment or a sample whose family was declared before it.
fn samples(text: &str) -> std::collections::BTreeMap<String, f64> {
    let mut types = std::collections::BTreeMap::new();
    let mut out = std::collections::BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            types.insert(name.to_string(), kind.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let name = series.split('{').next().unwrap();
        assert!(
            types.contains_key(name)
                || types.contains_key(name.strip_suffix("_total").unwrap_or(name)),
            "a sample before its # TYPE: {line}"
        );
        let v: f64 = value.parse().unwrap_or_else(|_| panic!("a value: {line}"));
        assert!(out.insert(series.to_string(), v).is_none(), "twice: {line}");
    }
    out
}

/// A child process killed when dropped (a failed assertion must not leave
/// the server running).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[test]
fn serve_answers_scrapes_with_the_metrics_afresh_404_elsewhere_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    let (dir, s) = setup("serve");
    let f = |n: &str| dir.join(n).to_str().unwrap().to_string();
    succeeded(&run(&s, &["add", "dataset", "churn-train", &f("ref.csv")]));
    succeeded(&create(&s, "churn-prod"));
    let now = (START_MS + 2 * HOUR_MS).to_string();
    let log = || {
        succeeded(&run(
            &s,
            &[
                "monitor",
                "log",
                "churn-prod",
                &f("traffic.csv"),
                "--now",
                &now,
            ],
        ))
    };
    assert_eq!(log(), "202 rows read, 200 placed in windows\n");

    let mut server = Killed(
        mlops(
            &s,
            &[
                "monitor",
                "serve",
                "churn-prod",
                "--port",
                "0",
                "--host",
                "127.0.0.1",
            ],
        )
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap(),
    );
    let mut said = String::new();
    BufReader::new(server.0.stderr.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    // Port 0: the port the system chose is the one printed.
    let addr = said
        .trim()
        .strip_prefix("serving monitor churn-prod at http://")
        .and_then(|a| a.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("{said}"))
        .to_string();
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );

    let scrape = |accept: &str| {
        http(
            &addr,
            &format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n{accept}User-Agent: test\r\n\r\n"),
        )
    };
    let (status, headers, body) = scrape("");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let series = samples(&body);
    // Counters of nothing are 0, not "-0.0".
    assert!(!body.contains(" -0"), "{body}");
    assert_eq!(
        series[r#"mlops_monitor_rejected_rows_total{monitor="churn-prod",reason="too_late"}"#],
        0.0
    );
    assert_eq!(
        series[r#"mlops_monitor_rows_total{monitor="churn-prod"}"#],
        200.0
    );
    assert_eq!(
        series[r#"mlops_monitor_rejected_rows_total{monitor="churn-prod",reason="future"}"#],
        1.0
    );
    assert_eq!(
        series[r#"mlops_monitor_rejected_rows_total{monitor="churn-prod",reason="no_timestamp"}"#],
        1.0
    );
    // The drifted second hour is the latest window: x drifted, cat did not.
    assert_eq!(
        series[r#"mlops_monitor_window_end_timestamp_seconds{monitor="churn-prod"}"#],
        ((START_MS + 2 * HOUR_MS) / 1000) as f64
    );
    assert_eq!(
        series[r#"mlops_monitor_window_rows{monitor="churn-prod",segment="all"}"#],
        100.0
    );
    assert_eq!(
        series[r#"mlops_monitor_drift_detected{column="x",monitor="churn-prod"}"#],
        1.0
    );
    assert_eq!(
        series[r#"mlops_monitor_drift_detected{column="cat",monitor="churn-prod"}"#],
        0.0
    );

    // OpenMetrics when asked for, with its terminator.
    let (status, headers, om) =
        scrape("Accept: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers["content-type"].starts_with("application/openmetrics-text; version=1.0.0"),
        "{headers:?}"
    );
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("mlops_monitor_rows_total{monitor=\"churn-prod\"} 200"));

    // Elsewhere: 404; another method: 405.
    let (status, _, body) = http(&addr, "GET /other HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert!(body.contains("/metrics"));
    let (status, headers, _) = http(&addr, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(headers["allow"], "GET");
    // A query string is still /metrics.
    let (status, _, _) = http(&addr, "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");

    // Each scrape reads the monitor afresh: rows another process logs since show.
    assert_eq!(log(), "202 rows read, 200 placed in windows\n");
    let (_, _, body) = scrape("");
    assert_eq!(
        samples(&body)[r#"mlops_monitor_rows_total{monitor="churn-prod"}"#],
        400.0
    );

    // SIGTERM ends it (by the signal: it only reads, nothing to finish), the
    // port is closed and the store is as the loggers left it.
    let pid = server.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = server.0.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert!(std::net::TcpStream::connect(&addr).is_err());
    succeeded(&run(&s, &["audit", "verify"]));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A request as the test server received it: headers (lower-cased
/// names) and body.
type Request = (std::collections::BTreeMap<String, String>, Vec<u8>);

/// A one-request HTTP server on loopback: its URL, and the thread that
/// returns the request.
fn one_request_server() -> (String, std::thread::JoinHandle<Request>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/retrain", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut headers = std::collections::BTreeMap::new();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            match line.trim_end().split_once(':') {
                Some((k, v)) => headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string()),
                None => break,
            };
        }
        let mut body = vec![0; headers["content-length"].parse().unwrap()];
        reader.read_exact(&mut body).unwrap();
        stream
            .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        (headers, body)
    });
    (url, handle)
}

#[test]
fn a_retrain_request_reaches_the_webhook_and_a_run_names_it_as_its_cause() {
    use hmac::Mac;
    let dir = tmp("mlops-cli-monitor", "trigger");
    let s = dir.join("store");
    let _ = std::fs::remove_dir_all(&s);
    let rows = dir.join("rows.csv");
    std::fs::write(
        &rows,
        "t,x\n2026-11-02T00:00:00,1\n2026-11-02T00:01:00,2\n2026-11-02T00:02:00,3\n",
    )
    .unwrap();
    let now = (START_MS + 2 * HOUR_MS).to_string();
    succeeded(&run(&s, &["monitor", "create", "m", "--timestamp", "t"]));
    succeeded(&run(
        &s,
        &["monitor", "log", "m", rows.to_str().unwrap(), "--now", &now],
    ));
    succeeded(&run(
        &s,
        &["monitor", "rule", "m", "rows > 2", "--severity", "critical"],
    ));
    // Bad settings exit 2 naming the option; then the webhook.
    refused(
        &run(
            &s,
            &["monitor", "webhook", "m", "ftp://x", "--secret-env", "V"],
        ),
        &["'url'"],
    );
    let (url, server) = one_request_server();
    let out = succeeded(&run(
        &s,
        &[
            "monitor",
            "webhook",
            "m",
            &url,
            "--secret-env",
            "RETRAIN_SECRET",
        ],
    ));
    assert_eq!(out, format!("monitor m posts retrain requests to {url}\n"));
    let checked = mlops(
        &s,
        &[
            "monitor",
            "check",
            "m",
            "--fail-on",
            "critical",
            "--now",
            &now,
        ],
    )
    .env("RETRAIN_SECRET", "cli-secret")
    .output()
    .unwrap();
    assert_eq!(checked.status.code(), Some(1), "{checked:?}");
    let verdict: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    let req = &verdict["retrain_requests"][0];
    let seq = req["seq"].as_u64().unwrap();
    let cause = format!("monitor:m@{seq}");
    assert_eq!(req["cause"], cause.as_str());
    assert_eq!(req["webhook"]["delivered"], true);
    assert_eq!(req["webhook"]["status"], 202);
    let (headers, body) = server.join().unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"cli-secret").unwrap();
    mac.update(&body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(headers["x-mlops-signature"], format!("sha256={hex}"));
    assert_eq!(headers["x-mlops-event-id"], format!("m:{seq}"));
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["cause"], cause.as_str());

    // A run answering it, and a model version naming it.
    refused(
        &run(&s, &["run", "exec", "--cause", "monitor:m@1", "--", "true"]),
        &["no retrain request 1"],
    );
    let exec = run(&s, &["run", "exec", "--cause", &cause, "--", "true"]);
    succeeded(&exec);
    let err = String::from_utf8_lossy(&exec.stderr);
    let id = err
        .lines()
        .find_map(|l| l.strip_prefix("mlops: run "))
        .unwrap()
        .trim()
        .to_string();
    let shown = succeeded(&run(&s, &["runs", "show", &id]));
    assert!(shown.contains(&format!("  cause: {cause}\n")), "{shown}");
    succeeded(&run(&s, &["add", "model", "churn", rows.to_str().unwrap()]));
    succeeded(&run(
        &s,
        &["lineage", "model/churn@1", "--run", &id, "--cause", &cause],
    ));
    let model = succeeded(&run(&s, &["show", "model", "churn"]));
    assert!(
        model.contains(&format!("  v1 because of {cause} (run {id})\n")),
        "{model}"
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
