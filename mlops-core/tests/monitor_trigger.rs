//! The retraining trigger (issue #18, point 5): a check's retraining
//! request posted to an HMAC-signed webhook (received by a real local HTTP
//! server that checks the signature itself), and the lineage of a run and
//! a model version made because of it.

use std::net::TcpListener;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, TimestampSecondArray};
use hmac::{Hmac, Mac};
use mlops_core::monitor::{NewMonitor, RetrainCause};
use mlops_core::registry::{AssetRef, Kind, Registry};
use mlops_core::runs::StartRun;
use mlops_core::Error;
use sha2::Sha256;

#[path = "support/http.rs"]
mod http;
use http::server;

/// A monitor `m` whose rule `rows > 2` (critical) fires on its first window.
fn firing_monitor(r: &Registry) -> mlops_core::monitor::Monitor {
    let mon = r
        .create_monitor(
            "m",
            &NewMonitor {
                timestamp: "t".into(),
                ..Default::default()
            },
        )
        .unwrap();
    mon.set_clock(Some(7_200_000));
    r.add_monitor_rule("m", "rows > 2", Some("busy"), Some("critical"), None)
        .unwrap();
    let batch = RecordBatch::try_from_iter([
        (
            "t",
            Arc::new(TimestampSecondArray::from(vec![0, 60, 120])) as ArrayRef,
        ),
        (
            "x",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])) as ArrayRef,
        ),
    ])
    .unwrap();
    mon.log(&batch).unwrap();
    mon.flush().unwrap();
    mon
}

fn verify(secret: &[u8], body: &[u8], header: &str) {
    let hex = header.strip_prefix("sha256=").expect("sha256= prefix");
    let tag: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    mac.verify_slice(&tag).expect("the signature verifies");
}

#[test]
fn a_retrain_request_is_posted_signed_and_logged() {
    std::env::set_var("MLOPS_TEST_HOOK_SECRET_1", "s3cr3t");
    let r = Registry::open("memory://").unwrap();
    let mon = firing_monitor(&r);
    // The first attempt gets a 503, the second a 200.
    let (url, handle) = server("/hooks/retrain", vec![503, 200]);
    mon.webhook(Some(&url), Some("MLOPS_TEST_HOOK_SECRET_1"))
        .unwrap();
    let report = mon.check(None).unwrap();
    let got = handle.join().unwrap();
    assert_eq!(report.retrain_requests.len(), 1);
    let req = &report.retrain_requests[0];
    assert_eq!(req.cause, format!("monitor:m@{}", req.seq));
    assert_eq!(req.severity, "critical");
    let d = req.webhook.as_ref().unwrap();
    assert_eq!(
        (d.delivered, d.status, d.attempts, d.error.as_deref()),
        (true, Some(200), 2, None)
    );
    assert_eq!(got.len(), 2);
    // Both attempts carry the same body, id and signature.
    assert_eq!(got[0].body, got[1].body);
    let h = &got[1];
    assert_eq!(h.request_line, "POST /hooks/retrain HTTP/1.1");
    assert_eq!(h.headers["content-type"], "application/json");
    assert_eq!(h.headers["x-mlops-event"], "retrain_requested");
    assert_eq!(h.headers["x-mlops-event-id"], format!("m:{}", req.seq));
    let ts: u64 = h.headers["x-mlops-timestamp"].parse().unwrap();
    assert!(ts > 1_700_000_000);
    verify(b"s3cr3t", &h.body, &h.headers["x-mlops-signature"]);
    let body: serde_json::Value = serde_json::from_slice(&h.body).unwrap();
    assert_eq!(body["type"], "retrain_requested");
    assert_eq!(body["monitor"], "m");
    assert_eq!(body["retrain"], req.seq);
    assert_eq!(body["alert"], req.alert);
    assert_eq!(body["rule"], "busy");
    assert_eq!(body["severity"], "critical");
    assert_eq!(body["windows"], serde_json::json!([0]));
    assert_eq!(body["cause"], req.cause);
    // The log holds the webhook (the variable's name, not the secret) and
    // the delivery.
    let state = r.monitor_state("m").unwrap();
    let hook = state.webhook.as_ref().unwrap();
    assert_eq!(
        (hook.url.as_str(), hook.secret_env.as_str()),
        (url.as_str(), "MLOPS_TEST_HOOK_SECRET_1")
    );
    assert_eq!(state.deliveries.len(), 1);
    assert_eq!(state.deliveries[0].seq, d.seq);
    assert_eq!(state.deliveries[0].retrain, req.seq);
    assert!(state.deliveries[0].delivered);
    let log = r.store().read_log("monitors/m/log").unwrap();
    assert!(log
        .iter()
        .all(|e| !String::from_utf8_lossy(&e.bytes).contains("s3cr3t")));
    // Checking again posts nothing more.
    let again = mon.check(None).unwrap();
    assert!(again.retrain_requests.is_empty());
}

#[test]
fn a_failed_delivery_is_reported_and_the_check_succeeds() {
    let r = Registry::open("memory://").unwrap();
    let mon = firing_monitor(&r);
    // A port nobody listens on: bind one, note it, close it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::env::set_var("MLOPS_TEST_HOOK_SECRET_2", "x");
    mon.webhook(
        Some(&format!("http://127.0.0.1:{port}/")),
        Some("MLOPS_TEST_HOOK_SECRET_2"),
    )
    .unwrap();
    let report = mon.check(None).unwrap();
    let d = report.retrain_requests[0].webhook.as_ref().unwrap();
    assert!(!d.delivered);
    assert_eq!((d.status, d.attempts), (None, 3));
    assert!(d.error.as_ref().unwrap().contains("127.0.0.1"), "{d:?}");
    let state = r.monitor_state("m").unwrap();
    assert_eq!(state.deliveries.len(), 1);
    assert!(!state.deliveries[0].delivered);
    assert_eq!(state.retrains.len(), 1);
}

#[test]
fn an_unset_secret_sends_nothing_and_a_4xx_is_final() {
    let r = Registry::open("memory://").unwrap();
    let mon = firing_monitor(&r);
    // Set-time checks: the URL and the variable's name, not its value.
    let e = mon.webhook(Some("ftp://x/"), Some("V")).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("'url'")),
        "{e}"
    );
    let e = mon.webhook(Some("http://h/"), Some("A-B")).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("'secret_env'")),
        "{e}"
    );
    let e = mon.webhook(Some("http://h/"), None).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("'secret_env'")),
        "{e}"
    );
    mon.webhook(Some("http://127.0.0.1:9/"), Some("MLOPS_TEST_HOOK_UNSET"))
        .unwrap();
    let report = mon.check(None).unwrap();
    let d = report.retrain_requests[0].webhook.as_ref().unwrap();
    assert_eq!((d.delivered, d.attempts), (false, 0));
    assert!(d.error.as_ref().unwrap().contains("MLOPS_TEST_HOOK_UNSET"));

    // A receiver that refuses (401) is not asked again.
    let r = Registry::open("memory://").unwrap();
    let mon = firing_monitor(&r);
    std::env::set_var("MLOPS_TEST_HOOK_SECRET_3", "k");
    let (url, handle) = server("/hooks/retrain", vec![401]);
    mon.webhook(Some(&url), Some("MLOPS_TEST_HOOK_SECRET_3"))
        .unwrap();
    let report = mon.check(None).unwrap();
    assert_eq!(handle.join().unwrap().len(), 1);
    let d = report.retrain_requests[0].webhook.as_ref().unwrap();
    assert_eq!((d.delivered, d.status, d.attempts), (false, Some(401), 1));
    // Removing the webhook: the next request is not posted.
    mon.webhook(None, None).unwrap();
    assert!(r.monitor_state("m").unwrap().webhook.is_none());
}

#[test]
fn a_run_and_its_model_link_back_to_the_retrain_request() {
    let r = Registry::open("memory://").unwrap();
    let mon = firing_monitor(&r);
    let report = mon.check(None).unwrap();
    let cause: RetrainCause = report.retrain_requests[0].cause.parse().unwrap();
    assert_eq!(cause.monitor, "m");
    r.add_version(Kind::Dataset, "d", b"rows", "train", serde_json::json!({}))
        .unwrap();
    // A cause that names no retrain request is refused, naming it.
    let bad = RetrainCause {
        monitor: "m".into(),
        retrain: 1,
    };
    let e = r
        .start_run(StartRun {
            cause: Some(bad),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        matches!(&e, Error::NotFound(m) if m.contains("no retrain request 1")),
        "{e}"
    );
    assert!(matches!(
        "monitor:nope@3"
            .parse::<RetrainCause>()
            .map(|c| r.check_retrain_cause(&c)),
        Ok(Err(Error::NotFound(_)))
    ));
    let run = r
        .start_run(StartRun {
            cause: Some(cause.clone()),
            ..Default::default()
        })
        .unwrap();
    run.use_dataset("d", 1).unwrap();
    r.add_version(
        Kind::Model,
        "churn",
        b"weights",
        "retrained",
        serde_json::json!({}),
    )
    .unwrap();
    run.record_output(Kind::Model, "churn", 1).unwrap();
    // Run → monitor.
    assert_eq!(r.run(run.id()).unwrap().cause, Some(cause.clone()));
    // Model → monitor (and its data set input, as before).
    let model = r.asset(Kind::Model, "churn").unwrap();
    assert_eq!(model.causes.len(), 1);
    assert_eq!(model.causes[0].cause, cause);
    assert_eq!(model.causes[0].version, 1);
    assert_eq!(model.causes[0].run.as_deref(), Some(run.id()));
    assert_eq!(model.inputs[0].other.name, "d");
    // Monitor → run → model.
    let state = r.monitor_state("m").unwrap();
    let links: Vec<(u64, Option<&str>, Option<&AssetRef>)> = state
        .retrained
        .iter()
        .map(|l| (l.retrain, l.run.as_deref(), l.asset.as_ref()))
        .collect();
    let product = AssetRef {
        kind: Kind::Model,
        name: "churn".into(),
        version: 1,
    };
    assert_eq!(
        links,
        [
            (cause.retrain, Some(run.id()), None),
            (cause.retrain, Some(run.id()), Some(&product)),
        ]
    );
    // A model version registered outside a run names its cause directly.
    r.add_version(
        Kind::Model,
        "churn",
        b"weights 2",
        "hotfix",
        serde_json::json!({}),
    )
    .unwrap();
    let v2 = AssetRef {
        version: 2,
        ..product.clone()
    };
    r.record_retrain_cause(&v2, &cause, None).unwrap();
    let model = r.asset(Kind::Model, "churn").unwrap();
    assert_eq!(
        model
            .causes
            .iter()
            .map(|c| (c.version, c.run.is_some()))
            .collect::<Vec<_>>(),
        [(1, true), (2, false)]
    );
    assert_eq!(r.monitor_state("m").unwrap().retrained.len(), 3);
    assert!(matches!(
        r.record_retrain_cause(
            &v2,
            &RetrainCause {
                monitor: "m".into(),
                retrain: 99
            },
            None
        ),
        Err(Error::NotFound(_))
    ));
}
