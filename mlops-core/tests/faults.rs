//! Writers on a faulty path to S3: a loopback proxy in front of the test
//! server (see `support/fault_proxy.rs`) throttles (500, 503), resets
//! connections, stays silent past the client's timeout, answers 409 to
//! create-only puts, sends bodies slowly, and lets requests commit while
//! their answers are lost. Several writers append at once through it; every
//! call that returns a version committed its change exactly once, every
//! call that fails says why with a typed error and committed nothing, and
//! the registry verifies intact.
//!
//! Runs where the test command provides an S3 server (`MLOPS_TEST_S3_URL`,
//! required in CI: see `support/stores.rs`). This test binary points
//! `AWS_ENDPOINT` at its proxy, so it holds this one test.

use std::collections::BTreeMap;
use std::net::ToSocketAddrs;
use std::time::Duration;

use mlops_core::registry::{Kind, Registry};
use mlops_core::Error;
use serde_json::json;

#[path = "support/fault_proxy.rs"]
mod fault_proxy;
#[path = "support/stores.rs"]
mod support;

use fault_proxy::{FaultProxy, Plan, FAULTS};

const WRITERS: usize = 4;
const CALLS: usize = 12;

#[test]
fn writers_through_faults_commit_each_change_exactly_once() {
    let Some(bucket) = support::s3_url() else {
        eprintln!("no S3 test server (MLOPS_TEST_S3_URL): nothing to inject faults into");
        return;
    };
    let endpoint = std::env::var("AWS_ENDPOINT").expect("AWS_ENDPOINT names the S3 test server");
    let upstream = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap();
    let proxy = FaultProxy::start(
        upstream,
        Plan {
            seed: 20261203,
            event_put_period: 3,
            other_period: 7,
            max_other_faults: 100,
            max_silences: 4,
            hold: Duration::from_millis(3500),
        },
    );
    // The raw view reaches the server directly; the registry goes through
    // the proxy, and gives up on an answer after 3 s.
    let s = support::s3("faults", &bucket);
    std::env::set_var("AWS_ENDPOINT", proxy.url());
    std::env::set_var("AWS_TIMEOUT", "3s");
    Registry::open(&s.url).unwrap();

    proxy.set_faults(true);
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let url = s.url.clone();
            std::thread::spawn(move || {
                let r = Registry::open(&url).unwrap().with_principal("writer");
                (0..CALLS)
                    .map(|i| {
                        let content = format!("writer {w} call {i}").into_bytes();
                        let got = r.add_version(Kind::Model, "m", &content, "", json!({"w": w}));
                        (content, got)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let calls: Vec<(Vec<u8>, mlops_core::Result<u64>)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    proxy.set_faults(false);

    let stats = &proxy.stats;
    let injected: BTreeMap<String, u64> = FAULTS
        .iter()
        .map(|&f| (format!("{f:?}"), stats.count(f)))
        .collect();
    eprintln!(
        "{} requests through the proxy, {} faults: {injected:?}",
        stats.requests.load(std::sync::atomic::Ordering::SeqCst),
        stats.total()
    );
    // Every kind of fault met the writers, the ones that commit and lose
    // the answer included.
    for &f in &FAULTS {
        assert!(stats.count(f) > 0, "no {f:?} was injected: {injected:?}");
    }

    let r = Registry::open(&s.url).unwrap();
    let asset = r.asset(Kind::Model, "m").unwrap();
    let mut stored: BTreeMap<Vec<u8>, Vec<u64>> = BTreeMap::new();
    for v in &asset.versions {
        let mut out = Vec::new();
        r.store().get_content(&v.content, &mut out).unwrap();
        stored.entry(out).or_default().push(v.version);
    }
    let mut ok = 0;
    for (content, got) in &calls {
        let text = String::from_utf8_lossy(content);
        let found = stored.get(content).cloned().unwrap_or_default();
        match got {
            Ok(v) => {
                ok += 1;
                assert_eq!(
                    found,
                    vec![*v],
                    "{text}: returned v{v}, stored as {found:?}"
                );
            }
            Err(e) => {
                assert!(
                    matches!(e, Error::Storage { .. } | Error::Conflict(_)),
                    "{text}: untyped failure {e:?}"
                );
                assert!(
                    found.is_empty(),
                    "{text} failed ({e}) yet is stored as {found:?}"
                );
            }
        }
    }
    // No change was committed twice, and nothing else was committed.
    assert_eq!(asset.versions.len(), ok, "versions {stored:?}");
    // The writers retried through the faults rather than giving up.
    assert_eq!(
        ok,
        WRITERS * CALLS,
        "{ok} of {} calls succeeded",
        WRITERS * CALLS
    );

    assert_eq!(
        r.verify(Kind::Model, "m").unwrap(),
        (WRITERS * CALLS) as u64
    );
    let audit = r.audit_verify().unwrap();
    assert!(audit.ok(), "{:?}", audit.broken);
    assert_eq!(audit.events, (WRITERS * CALLS) as u64);
}
