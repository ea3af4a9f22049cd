//! The UI's API over HTTP against a real server on a loopback port: what
//! each answer holds (checked against the engine's own calls), pagination,
//! errors as JSON, and the safety rules of docs/ui.md (Host check, tokens,
//! read-only, CSRF, sandboxed reports, no path escapes, a damaged store).

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use arrow::array::{Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use mlops_core::governance::Role;
use mlops_core::registry::{AssetRef, Kind, Registry};
use mlops_core::runs::{HistoryOptions, RunStatus, StartRun};
use mlops_ui::{UiConfig, UiServer};
use serde_json::json;
use support::{get, send};

/// A store with models, a data set, lineage, runs and a policy.
struct Fixture {
    _dir: tempfile::TempDir,
    store: String,
    /// Run ids by loss (lowest first) and the long run's id.
    runs_by_loss: Vec<String>,
    long_run: String,
}

fn table(rows: i64) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Int64, false),
        Field::new("y", DataType::Float64, false),
        Field::new("city", DataType::Utf8, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(0..rows)),
            Arc::new(Float64Array::from_iter_values(
                (0..rows).map(|i| i as f64 * 0.5),
            )),
            Arc::new(StringArray::from_iter_values((0..rows).map(|i| {
                if i % 2 == 0 {
                    "Oslo"
                } else {
                    "Lima"
                }
            }))),
        ],
    )
    .unwrap()
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").to_string_lossy().into_owned();
    std::fs::create_dir_all(&store).unwrap();
    let r = Registry::open(&store).unwrap().with_principal("lead");
    for m in 0..3 {
        for v in 0..3 {
            let auc = 0.7 + 0.1 * v as f64 + 0.01 * m as f64;
            r.add_version(
                Kind::Model,
                &format!("m{m}"),
                format!("w{m}{v}").as_bytes(),
                &format!("fit {v}"),
                json!({"metrics": {"auc": auc}}),
            )
            .unwrap();
        }
    }
    r.set_alias(Kind::Model, "m0", "production", 2).unwrap();
    r.set_tag(Kind::Model, "m0", 3, "team", Some("risk"))
        .unwrap();
    for rows in [10, 20] {
        let b = table(rows);
        let reader = RecordBatchIterator::new([Ok(b.clone())], b.schema());
        r.commit_dataset("d", reader, "rows", json!({})).unwrap();
    }
    let mut by_loss = Vec::new();
    for (i, loss) in [0.4, 0.1, 0.3, 0.2].into_iter().enumerate() {
        let run = r
            .start_run(StartRun {
                experiment: Some("exp".into()),
                params: Some(json!({"lr": 0.1 * (i + 1) as f64})),
                ..Default::default()
            })
            .unwrap();
        run.log(&[("loss", loss)], 0, None).unwrap();
        run.end(RunStatus::Finished, None).unwrap();
        by_loss.push((loss, run.id().to_string()));
    }
    by_loss.sort_by(|a, b| a.0.total_cmp(&b.0));
    let long = r.start_run(StartRun::default()).unwrap();
    for step in 0..20_000 {
        long.log(&[("curve", (step as f64).sin())], step, None)
            .unwrap();
    }
    let report = dir.path().join("report.html");
    std::fs::write(&report, "<html><body>hi</body></html>").unwrap();
    long.log_artifact(&report, Some("reports/r.html")).unwrap();
    long.use_dataset("d", 1).unwrap();
    long.end(RunStatus::Finished, None).unwrap();
    let d1 = AssetRef {
        kind: Kind::Dataset,
        name: "d".into(),
        version: 1,
    };
    let m01 = AssetRef {
        kind: Kind::Model,
        name: "m0".into(),
        version: 1,
    };
    r.record_lineage(&m01, &[d1], Some(long.id()), None)
        .unwrap();
    r.grant("lead", Role::Admin, "*").unwrap();
    r.grant("viewer", Role::Reader, "*").unwrap();
    Fixture {
        store,
        runs_by_loss: by_loss.into_iter().map(|(_, id)| id).collect(),
        long_run: long.id().to_string(),
        _dir: dir,
    }
}

fn serve(f: &Fixture, config: UiConfig) -> UiServer {
    UiServer::start(UiConfig {
        store: f.store.clone(),
        port: 0,
        ..config
    })
    .unwrap()
}

fn addr(s: &UiServer) -> SocketAddr {
    s.addr()
}

#[test]
fn catalogue_pages_cover_every_version_once_in_order() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    let info = get(addr(&s), "/api/info").json();
    assert_eq!(info["writes"], false);
    assert_eq!(info["store"], f.store.as_str());
    let mut seen = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let path = match &page {
            Some(t) => format!("/api/assets?limit=4&page={t}"),
            None => "/api/assets?limit=4".into(),
        };
        let a = get(addr(&s), &path);
        assert_eq!(a.status, 200, "{}", a.text());
        let body = a.json();
        let hits = body["hits"].as_array().unwrap();
        assert!(hits.len() <= 4);
        seen.extend(hits.iter().map(|h| {
            format!(
                "{}/{}@{}",
                h["kind"].as_str().unwrap(),
                h["name"].as_str().unwrap(),
                h["version"]
            )
        }));
        match body["next"].as_str() {
            Some(t) => page = Some(t.to_string()),
            None => break,
        }
    }
    let r = Registry::open(&f.store).unwrap();
    let all: Vec<String> = r
        .search("version > 0", false)
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{}/{}@{}",
                h["kind"].as_str().unwrap(),
                h["name"].as_str().unwrap(),
                h["version"]
            )
        })
        .collect();
    assert_eq!(seen, all);
    assert_eq!(seen.len(), 11);
    // A filter narrows; its hits are the engine's.
    let hits = get(addr(&s), "/api/assets?q=metrics.auc%20%3E%200.85").json();
    let versions: Vec<String> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| format!("{}@{}", h["name"].as_str().unwrap(), h["version"]))
        .collect();
    assert_eq!(versions, ["m0@3", "m1@3", "m2@3"]);
    assert_eq!(hits["hits"][0]["tags"]["team"], "risk");
}

#[test]
fn errors_are_json_with_codes_and_filter_positions() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    let a = get(addr(&s), "/api/assets?q=kind%20%3D");
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["error"]["code"], "INVALID_INPUT");
    assert_eq!(a.json()["error"]["position"], 6);
    let a = get(addr(&s), "/api/assets/model/nope");
    assert_eq!(
        (a.status, a.json()["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let a = get(addr(&s), "/api/assets/gadget/m0");
    assert_eq!(a.status, 400);
    assert!(a.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("gadget"));
    let a = get(addr(&s), "/api/assets?limit=lots");
    assert_eq!(a.status, 400);
    assert!(a.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("'limit'"));
    let a = get(addr(&s), "/api/nothing/here");
    assert_eq!(a.status, 404);
}

#[test]
fn an_asset_page_lists_versions_newest_first_with_lineage_and_history() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    let a = get(addr(&s), "/api/assets/model/m0?offset=1&limit=1").json();
    assert_eq!(a["versions_total"], 3);
    assert_eq!(a["latest"], 3);
    assert_eq!(a["versions"].as_array().unwrap().len(), 1);
    assert_eq!(a["versions"][0]["version"], 2);
    assert_eq!(a["aliases"]["production"][0]["version"], 2);
    let g = get(addr(&s), "/api/assets/dataset/d/lineage").json();
    let edges: Vec<(String, String)> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let run = format!("run/{}", f.long_run);
    assert!(
        edges.contains(&("dataset/d@1".to_string(), run.clone())),
        "{edges:?}"
    );
    assert!(
        edges.contains(&(run, "model/m0@1".to_string())),
        "{edges:?}"
    );
    let h = get(addr(&s), "/api/assets/model/m0/history?limit=2").json();
    let events = h["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert!(events[0]["time"].as_u64() >= events[1]["time"].as_u64());
    let p = get(addr(&s), "/api/datasets/d/profile?version=v2").json();
    assert_eq!(p["row_count"], 20, "{p}");
    let d = get(addr(&s), "/api/datasets/d/diff?from=v1&to=v2");
    assert_eq!(d.status, 200, "{}", d.text());
    let d = get(addr(&s), "/api/datasets/d/diff?from=v1");
    assert_eq!(d.status, 400);
    assert!(d.text().contains("'to'"));
    // Rows by key: the engine's counts, and the first rows added.
    let rows = get(addr(&s), "/api/datasets/d/rows?from=1&to=2&key=x&limit=3").json();
    let engine = Registry::open(&f.store)
        .unwrap()
        .diff_rows("d", "1", "2", &["x"])
        .unwrap();
    assert_eq!(
        rows["summary"],
        serde_json::to_value(&engine.summary).unwrap()
    );
    assert_eq!(
        (
            rows["summary"]["added"].as_u64(),
            rows["summary"]["unchanged"].as_u64()
        ),
        (Some(10), Some(10))
    );
    assert_eq!(rows["added"]["total"], 10);
    assert_eq!(rows["added"]["columns"], json!(["x", "y", "city"]));
    assert_eq!(
        rows["added"]["rows"],
        json!([
            ["10", "5.0", "Oslo"],
            ["11", "5.5", "Lima"],
            ["12", "6.0", "Oslo"]
        ])
    );
    let no_key = get(addr(&s), "/api/datasets/d/rows?from=1&to=2&key=nope");
    assert_eq!(no_key.status, 404, "{}", no_key.text());
    assert!(no_key.text().contains("'nope'"));
}

#[test]
fn runs_pages_order_offset_and_cells() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    let page = get(addr(&s), "/api/runs?q=experiment%20%3D%20%27exp%27&order=metrics.loss&offset=1&limit=2&columns=params.lr,metrics.loss").json();
    assert_eq!(page["total"], 4);
    let ids: Vec<&str> = page["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [f.runs_by_loss[1].as_str(), f.runs_by_loss[2].as_str()]
    );
    assert_eq!(page["runs"][0]["cells"]["metrics.loss"], 0.2);
    let desc = get(
        addr(&s),
        "/api/runs?q=experiment%20%3D%20%27exp%27&order=metrics.loss&desc=1&limit=1",
    )
    .json();
    assert_eq!(desc["runs"][0]["id"], f.runs_by_loss[3].as_str());
    let keys = get(addr(&s), "/api/runs/keys").json();
    assert_eq!(keys["params"], json!(["lr"]));
    assert_eq!(keys["metrics"], json!(["curve", "loss"]));
    let bad = get(addr(&s), "/api/runs?order=metrics.loss%20limit%201");
    assert_eq!(bad.status, 400);
}

#[test]
fn a_chart_is_the_engines_downsampled_series() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    let c = get(
        addr(&s),
        &format!("/api/runs/{}/metrics/curve?points=50", f.long_run),
    )
    .json();
    let r = Registry::open(&f.store).unwrap();
    let h = r
        .run_history(
            &f.long_run,
            "curve",
            &HistoryOptions {
                context: None,
                downsample: Some(50),
            },
        )
        .unwrap();
    let steps = h.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
    let values = h.column(2).as_any().downcast_ref::<Float64Array>().unwrap();
    assert_eq!(c["total"], 20_000);
    assert!(h.num_rows() <= 200 && h.num_rows() >= 50);
    assert_eq!(c["step"].as_array().unwrap().len(), h.num_rows());
    for i in 0..h.num_rows() {
        assert_eq!(c["step"][i], steps.value(i));
        assert_eq!(c["value"][i].as_f64().unwrap(), values.value(i));
    }
    let missing = get(addr(&s), &format!("/api/runs/{}/metrics/nope", f.long_run));
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("curve"), "names the keys it has");
}

#[test]
fn reports_are_sandboxed_and_run_files_served_only_by_their_paths() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    let p = get(addr(&s), "/reports/profile/d?version=v2");
    assert_eq!(p.status, 200);
    assert!(p
        .header("content-security-policy")
        .unwrap()
        .starts_with("sandbox"));
    assert!(p.text().contains("<html") || p.text().contains("<!doctype"));
    let d = get(addr(&s), "/reports/drift/d?from=v1&to=v2");
    assert_eq!(d.status, 200, "{}", d.text());
    let ok = get(
        addr(&s),
        &format!("/reports/run/{}/reports/r.html", f.long_run),
    );
    assert_eq!(ok.status, 200);
    assert_eq!(ok.text(), "<html><body>hi</body></html>");
    assert!(ok
        .header("content-security-policy")
        .unwrap()
        .starts_with("sandbox"));
    let no = get(
        addr(&s),
        &format!("/reports/run/{}/..%2F..%2Fmlops.json", f.long_run),
    );
    assert_eq!(no.status, 404);
    let list = get(addr(&s), "/api/reports").json();
    let urls: Vec<&str> = list["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert!(urls.contains(&"/reports/drift/d?from=v1&to=v2"), "{urls:?}");
    assert!(
        urls.iter().any(|u| u.ends_with("/reports/r.html")),
        "{urls:?}"
    );
}

#[test]
fn pages_come_only_from_the_built_in_table() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    let index = get(addr(&s), "/");
    assert_eq!(index.status, 200);
    assert!(index
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'self'"));
    assert_eq!(index.header("x-frame-options"), Some("DENY"));
    let js = get(addr(&s), "/assets/app.js");
    assert_eq!(
        (js.status, js.header("content-type")),
        (200, Some("text/javascript; charset=utf-8"))
    );
    for escape in [
        "/assets/..%2F..%2FCargo.toml",
        "/assets/../Cargo.toml",
        "/assets/%2e%2e%2fsrc%2flib.rs",
        "/../../etc/passwd",
    ] {
        let a = get(addr(&s), escape);
        assert_eq!(a.status, 404, "{escape}");
        assert!(!a.text().contains("[package]"));
    }
}

#[test]
fn a_rebound_host_name_is_refused_without_a_token() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    let a = send(
        addr(&s),
        "GET",
        "/api/info",
        &[("Host", "attacker.example:80")],
        b"",
    );
    assert_eq!(a.status, 403);
    let port = s.port().to_string();
    let local = format!("localhost:{port}");
    let a = send(addr(&s), "GET", "/api/info", &[("Host", &local)], b"");
    assert_eq!(a.status, 200);
}

#[test]
fn tokens_guard_every_request_and_become_a_cookie() {
    let f = fixture();
    let secret = "viewer=0123456789abcdef0123";
    let s = serve(
        &f,
        UiConfig {
            tokens: vec![secret.parse().unwrap()],
            ..Default::default()
        },
    );
    assert_eq!(get(addr(&s), "/api/info").status, 401);
    assert_eq!(get(addr(&s), "/").status, 401);
    let wrong = send(
        addr(&s),
        "GET",
        "/api/info",
        &[("Authorization", "Bearer 0123456789abcdef0124")],
        b"",
    );
    assert_eq!(wrong.status, 401);
    let ok = send(
        addr(&s),
        "GET",
        "/api/info",
        &[("Authorization", "Bearer 0123456789abcdef0123")],
        b"",
    );
    assert_eq!(ok.status, 200);
    // Any Host is fine once a token is checked (the server may be public).
    let any = send(
        addr(&s),
        "GET",
        "/api/info",
        &[
            ("Host", "ui.example:443"),
            ("Authorization", "Bearer 0123456789abcdef0123"),
        ],
        b"",
    );
    assert_eq!(any.status, 200);
    let visit = get(addr(&s), "/?token=0123456789abcdef0123");
    assert_eq!(visit.status, 303);
    assert_eq!(visit.header("location"), Some("/"));
    let cookie = visit.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let page = send(
        addr(&s),
        "GET",
        "/api/assets?limit=1",
        &[("Cookie", &pair)],
        b"",
    );
    assert_eq!(page.status, 200);
    assert_eq!(get(addr(&s), "/?token=nope").status, 401);
}

#[test]
fn a_public_address_without_a_token_is_refused_before_binding() {
    let f = fixture();
    let e = UiServer::start(UiConfig {
        store: f.store.clone(),
        host: "0.0.0.0".into(),
        port: 0,
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    let e = UiServer::start(UiConfig {
        store: format!("{}/missing", f.store),
        port: 0,
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND");
    let taken = serve(&f, UiConfig::default());
    let e = UiServer::start(UiConfig {
        store: f.store.clone(),
        port: taken.port(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code(), "CONFLICT");
}

#[test]
fn writes_need_the_switch_the_csrf_header_and_the_policy() {
    let f = fixture();
    let body = br#"{"version": 3}"#;
    let read_only = serve(&f, UiConfig::default());
    let a = send(
        addr(&read_only),
        "POST",
        "/api/assets/model/m0/aliases/production",
        &[],
        body,
    );
    assert_eq!(a.status, 403);
    assert!(a.text().contains("read-only"));
    drop(read_only);

    let tokens = vec![
        "lead=lead-secret-0123456789".parse().unwrap(),
        "viewer=viewer-secret-0123456789".parse().unwrap(),
    ];
    let s = serve(
        &f,
        UiConfig {
            tokens,
            allow_writes: true,
            ..Default::default()
        },
    );
    let lead = ("Authorization", "Bearer lead-secret-0123456789");
    let csrf = send(addr(&s), "GET", "/api/info", &[lead], b"").json()["csrf"]
        .as_str()
        .unwrap()
        .to_string();
    let path = "/api/assets/model/m0/aliases/production";
    let no_csrf = send(addr(&s), "POST", path, &[lead], body);
    assert_eq!(no_csrf.status, 403);
    assert!(no_csrf.text().contains("X-CSRF-Token"));
    let foreign = send(
        addr(&s),
        "POST",
        path,
        &[
            lead,
            ("X-CSRF-Token", &csrf),
            ("Origin", "http://attacker.example"),
        ],
        body,
    );
    assert_eq!(foreign.status, 403);
    let origin = format!("http://{}", addr(&s));
    let moved = send(
        addr(&s),
        "POST",
        path,
        &[lead, ("X-CSRF-Token", &csrf), ("Origin", &origin)],
        body,
    );
    assert_eq!(moved.status, 200, "{}", moved.text());
    let r = Registry::open(&f.store).unwrap();
    let moves = r.alias_history(Kind::Model, "m0", "production").unwrap();
    assert_eq!(
        (
            moves.last().unwrap().version,
            moves.last().unwrap().principal.as_str()
        ),
        (3, "lead")
    );
    // The policy decides, as the token's principal: a reader cannot.
    let viewer = ("Authorization", "Bearer viewer-secret-0123456789");
    let denied = send(
        addr(&s),
        "POST",
        "/api/assets/model/m0/archive",
        &[viewer, ("X-CSRF-Token", &csrf)],
        br#"{"archived": true}"#,
    );
    assert_eq!(denied.status, 403);
    assert_eq!(denied.json()["error"]["code"], "PERMISSION_DENIED");
    assert!(!r.asset(Kind::Model, "m0").unwrap().archived);
    let tagged = send(
        addr(&s),
        "POST",
        "/api/assets/model/m0/versions/2/tags",
        &[lead, ("X-CSRF-Token", &csrf)],
        br#"{"key": "stage", "value": "canary"}"#,
    );
    assert_eq!(tagged.status, 200, "{}", tagged.text());
    assert_eq!(
        r.asset(Kind::Model, "m0").unwrap().tags[&2]["stage"],
        "canary"
    );
    let bad = send(
        addr(&s),
        "POST",
        "/api/assets/model/m0/archive",
        &[lead, ("X-CSRF-Token", &csrf)],
        br#"{"archive": 1}"#,
    );
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("archive"));
}

#[test]
fn a_damaged_store_is_an_error_answer_and_the_server_goes_on() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    // Every file of model m1's log, overwritten with bytes that do not parse.
    let log = std::path::Path::new(&f.store).join("assets/model/m1");
    let mut damaged = 0;
    for e in walk(&log) {
        std::fs::write(&e, b"\x00garbage{").unwrap();
        damaged += 1;
    }
    assert!(damaged > 0);
    let a = get(addr(&s), "/api/assets/model/m1");
    assert!(
        a.status == 500 || a.status == 404,
        "{} {}",
        a.status,
        a.text()
    );
    assert!(a.json()["error"]["code"].is_string());
    assert_eq!(get(addr(&s), "/api/assets/model/m0").status, 200);
    assert_eq!(get(addr(&s), "/api/info").status, 200);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn hostile_requests_get_answers_not_crashes() {
    let f = fixture();
    let s = serve(&f, UiConfig::default());
    // A filter nested far past the parser's depth limit.
    let deep = format!(
        "{}version%20%3E%200{}",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    let a = get(addr(&s), &format!("/api/assets?q={deep}"));
    assert_eq!(a.status, 400, "{}", a.text());
    assert_eq!(a.json()["error"]["code"], "INVALID_INPUT");
    // Counts past their caps are capped, not honoured.
    let c = get(
        addr(&s),
        &format!("/api/runs/{}/metrics/curve?points=99999999999", f.long_run),
    )
    .json();
    assert_eq!(
        c["step"].as_array().unwrap().len(),
        20_000,
        "every point, no more"
    );
    let huge = get(addr(&s), "/api/assets?limit=18446744073709551616");
    assert_eq!(huge.status, 400);
    // Too many columns, a name that is not UTF-8, a body far too large.
    let cols = vec!["metrics.loss"; 500].join(",");
    assert_eq!(
        get(addr(&s), &format!("/api/runs?columns={cols}")).status,
        400
    );
    let bad = get(addr(&s), "/api/assets/model/%FF%FE");
    assert!(bad.status == 400 || bad.status == 404, "{}", bad.status);
    let big = vec![b'x'; 4 << 20];
    let a = send(addr(&s), "POST", "/api/assets/model/m0/archive", &[], &big);
    assert_eq!(a.status, 403, "refused before the body is read");
    // Many requests at once from many threads: each answered.
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let at = addr(&s);
            std::thread::spawn(move || {
                (0..10).all(|_| get(at, "/api/assets?limit=5").status == 200)
            })
        })
        .collect();
    assert!(threads.into_iter().all(|t| t.join().unwrap()));
    assert_eq!(get(addr(&s), "/api/info").status, 200);
}
