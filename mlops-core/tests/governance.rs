//! Governance: the audit trail (tampering of every kind is detected, each by
//! a test) and the access policy (roles, protected aliases, gates, denials
//! logged). Each test runs on a local folder, and on S3 when the test
//! command provides a server (see `support/stores.rs`).

use std::collections::BTreeMap;

use mlops_core::governance::{AuditAction, AuditFilter, AuditRecord, Role};
use mlops_core::registry::{Kind, Registry};
use mlops_core::validate::gate;
use mlops_core::Error;
use serde_json::json;

#[path = "support/stores.rs"]
mod support;
use support::{stores, TestStore};
#[path = "support/data.rs"]
mod data;
use data::asset_ref;

/// The audit records of one action, oldest first.
fn by_action(r: &Registry, action: &str) -> Vec<AuditRecord> {
    audit(r, Some(action), None, None)
}

/// The audit records matching each filter given, oldest first.
fn audit(
    r: &Registry,
    action: Option<&str>,
    principal: Option<&str>,
    target: Option<&str>,
) -> Vec<AuditRecord> {
    r.audit_log(&AuditFilter {
        action: action.map(AuditAction::named),
        principal: principal.map(Into::into),
        target: target.map(Into::into),
        ..Default::default()
    })
    .unwrap()
}

fn event_key(log: &str, seq: u64) -> String {
    format!("{log}/{seq:020}.json")
}

/// A registry with two models, aliases, tags, a policy and one denial:
/// every kind of log the audit walks.
fn busy(s: &TestStore) -> Registry {
    let ana = Registry::open(&s.url).unwrap().with_principal("ana");
    ana.grant("ana", Role::Admin, "*").unwrap();
    ana.grant("bob", Role::Writer, "model/*").unwrap();
    let bob = ana.clone().with_principal("bob");
    for i in 0..5 {
        bob.add_version(
            Kind::Model,
            "churn",
            format!("w{i}").as_bytes(),
            "",
            json!({}),
        )
        .unwrap();
    }
    bob.add_version(Kind::Model, "fraud", b"f1", "", json!({}))
        .unwrap();
    bob.set_tag(Kind::Model, "churn", 2, "team", Some("risk"))
        .unwrap();
    bob.set_alias(Kind::Model, "churn", "staging", 4).unwrap();
    assert!(bob.set_archived(Kind::Model, "fraud", true).is_err());
    ana
}

#[test]
fn an_intact_registry_verifies_and_lists() {
    for s in stores("audit-ok") {
        let r = busy(&s);
        let report = r.audit_verify().unwrap();
        assert!(report.ok(), "{report:?}");
        // 3 + 1 assets' events: churn 5 versions + tag + alias = 7, fraud 1;
        // policy 2 grants; 1 denial.
        assert_eq!(report.events, 7 + 1 + 2 + 1);
        assert_eq!(report.logs, 4);
        let all = r.audit_log(&AuditFilter::default()).unwrap();
        assert_eq!(all.len(), 11);
        let denied = by_action(&r, "denied");
        assert_eq!(denied.len(), 1);
        assert_eq!(denied[0].principal, "bob");
        assert_eq!(denied[0].target, "model/fraud");
        assert_eq!(denied[0].event["needs"], "needs approver");
        let bobs_churn = audit(&r, None, Some("bob"), Some("model/churn"));
        assert_eq!(bobs_churn.len(), 7);
        assert_eq!(bobs_churn[6].action, AuditAction::Alias);
        assert_eq!(bobs_churn[6].target, "model/churn@4");
    }
}

/// Runs `tamper` on a fresh busy registry and expects the audit to report
/// `log` broken at `seq`.
fn detects(name: &str, log: &str, seq: Option<u64>, tamper: impl Fn(&TestStore)) {
    for s in stores(name) {
        let r = busy(&s);
        tamper(&s);
        let report = r.audit_verify().unwrap();
        let b = report
            .broken
            .unwrap_or_else(|| panic!("{name}: not detected"));
        assert_eq!(b.log, log, "{name}: {b:?}");
        assert_eq!(b.seq, seq, "{name}: {b:?}");
    }
}

const CHURN: &str = "assets/model/churn/log";

#[test]
fn a_changed_byte_in_an_event_is_detected() {
    detects("audit-byte", CHURN, Some(4), |s| {
        let key = event_key(CHURN, 3);
        let mut b = s.raw.get(&key);
        // Change a byte of the principal ("bob" -> "cob"): still valid JSON.
        let i = b.windows(5).position(|w| w == b"\"bob\"").unwrap();
        b[i + 1] = b'c';
        s.raw.put(&key, &b);
    });
}

#[test]
fn a_deleted_event_is_detected() {
    detects("audit-delete", CHURN, Some(3), |s| {
        s.raw.delete(&event_key(CHURN, 3))
    });
}

#[test]
fn a_deleted_newest_event_is_detected() {
    detects("audit-delete-last", CHURN, Some(7), |s| {
        s.raw.delete(&event_key(CHURN, 7))
    });
}

#[test]
fn reordered_events_are_detected() {
    detects("audit-reorder", CHURN, Some(2), |s| {
        let (a, b) = (event_key(CHURN, 2), event_key(CHURN, 3));
        let (x, y) = (s.raw.get(&a), s.raw.get(&b));
        s.raw.put(&a, &y);
        s.raw.put(&b, &x);
    });
}

#[test]
fn a_rewritten_policy_event_is_detected() {
    detects("audit-policy", "policy/log", Some(2), |s| {
        // Promote bob to admin by editing his grant.
        let key = event_key("policy/log", 2);
        let text = String::from_utf8(s.raw.get(&key)).unwrap();
        s.raw
            .put(&key, text.replace("\"writer\"", "\"admin\"").as_bytes());
        // No later event names the grant's hash: the policy log's head does.
    });
}

#[test]
fn a_deleted_denial_is_detected() {
    detects("audit-denial", "audit/denied/log", Some(1), |s| {
        s.raw.delete(&event_key("audit/denied/log", 1))
    });
}

#[test]
fn roles_protect_aliases_and_denials_are_typed_and_logged() {
    for s in stores("policy") {
        let r = Registry::open(&s.url).unwrap();
        let (ana, bob, eve) = (
            r.clone().with_principal("ana"),
            r.clone().with_principal("bob"),
            r.clone().with_principal("eve"),
        );
        // Open until the first grant, which must make an admin.
        eve.add_version(Kind::Model, "churn", b"w1", "", json!({}))
            .unwrap();
        let e = eve.grant("eve", Role::Writer, "*").unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        assert_eq!(r.policy().unwrap().events, 0, "nothing written");
        ana.grant("ana", Role::Admin, "*").unwrap();
        ana.grant("bob", Role::Writer, "model/*").unwrap();
        ana.grant("carol", Role::Approver, "model/churn").unwrap();
        ana.protect_alias("production", "model/*", Role::Approver, false)
            .unwrap();

        // eve has no role now.
        let e = eve
            .add_version(Kind::Model, "churn", b"w2", "", json!({}))
            .unwrap_err();
        match &e {
            Error::PermissionDenied(m) => {
                assert!(
                    m.contains("'eve'") && m.contains("model/churn") && m.contains("writer"),
                    "{m}"
                )
            }
            other => panic!("{other}"),
        }
        assert_eq!(r.asset(Kind::Model, "churn").unwrap().versions.len(), 1);

        // bob writes but may not promote, nor touch data sets or the policy.
        bob.add_version(Kind::Model, "churn", b"w2", "", json!({}))
            .unwrap();
        bob.set_alias(Kind::Model, "churn", "staging", 2).unwrap();
        let e = bob
            .set_alias(Kind::Model, "churn", "production", 2)
            .unwrap_err();
        assert_eq!(e.code(), "PERMISSION_DENIED");
        assert!(e.to_string().contains("needs approver"), "{e}");
        assert!(bob
            .add_version(Kind::Dataset, "d", b"x", "", json!({}))
            .is_err());
        assert!(bob.grant("bob", Role::Admin, "*").is_err());

        // carol approves churn (not other models).
        let carol = r.clone().with_principal("carol").with_reason("review #7");
        carol
            .set_alias(Kind::Model, "churn", "production", 2)
            .unwrap();
        let a = r.asset(Kind::Model, "churn").unwrap();
        assert_eq!(a.alias("production"), Some(2));

        // Unknown roles never reach the log.
        assert!("owner".parse::<Role>().is_err());
        // The last admin cannot be revoked.
        assert!(matches!(
            ana.revoke("ana", Role::Admin, "*").unwrap_err(),
            Error::InvalidInput(_)
        ));
        assert!(matches!(
            ana.revoke("zed", Role::Writer, "*").unwrap_err(),
            Error::NotFound(_)
        ));

        let denials = by_action(&r, "denied");
        let who: Vec<&str> = denials.iter().map(|d| d.principal.as_str()).collect();
        assert_eq!(who, ["eve", "bob", "bob", "bob"]);
        let promoted = audit(&r, Some("alias"), Some("carol"), None);
        assert_eq!(promoted.len(), 1);
        assert_eq!(promoted[0].reason.as_deref(), Some("review #7"));
        assert!(r.audit_verify().unwrap().ok());
    }
}

#[test]
fn a_protected_alias_can_require_a_passed_gate() {
    for s in stores("gate") {
        let r = Registry::open(&s.url).unwrap().with_principal("ana");
        r.protect_alias("production", "*", Role::Approver, true)
            .unwrap();
        r.add_version(Kind::Model, "churn", b"w1", "", json!({}))
            .unwrap();
        r.add_version(Kind::Model, "churn", b"w2", "", json!({}))
            .unwrap();
        // No gate yet: refused even with no roles granted.
        let e = r
            .set_alias(Kind::Model, "churn", "production", 1)
            .unwrap_err();
        assert!(e.to_string().contains("passed gate report for v1"), "{e}");
        let metrics = |auc: f64| BTreeMap::from([("auc".to_string(), auc)]);
        let failed = gate(&metrics(0.7), None, &["auc >= 0.8"]).unwrap();
        assert!(!failed.passed);
        r.record_gate(Kind::Model, "churn", 1, &failed).unwrap();
        assert!(r.set_alias(Kind::Model, "churn", "production", 1).is_err());
        let passed = gate(&metrics(0.85), None, &["auc >= 0.8"]).unwrap();
        r.record_gate(Kind::Model, "churn", 2, &passed).unwrap();
        r.set_alias(Kind::Model, "churn", "production", 2).unwrap();
        let a = r.asset(Kind::Model, "churn").unwrap();
        assert_eq!(a.alias("production"), Some(2));
        assert!(a.gates[&2].passed && !a.gates[&1].passed);
        // The report itself is stored, by hash.
        let stored = r.store().get_blob(&a.gates[&2].report).unwrap();
        assert_eq!(String::from_utf8(stored).unwrap(), passed.to_json());
        // Other aliases are not gated.
        r.set_alias(Kind::Model, "churn", "canary", 1).unwrap();
    }
}

/// The shared vector `tests/vectors/governance/promotion.json`, also run by
/// the Python and Node suites.
#[test]
fn the_shared_promotion_vector() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/governance/promotion.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for s in stores("vector") {
        let base = Registry::open(&s.url).unwrap();
        for (i, step) in v["steps"].as_array().unwrap().iter().enumerate() {
            let t = |k: &str| step[k].as_str().unwrap_or("").to_string();
            let mut r = base.clone().with_principal(&t("as"));
            if let Some(why) = step["reason"].as_str() {
                r = r.with_reason(why);
            }
            let kind = || t("kind").parse::<Kind>().unwrap();
            let role = || t("role").parse::<Role>();
            let got: Result<serde_json::Value, Error> = match t("op").as_str() {
                "grant" => role()
                    .and_then(|ro| r.grant(&t("principal"), ro, &t("scope")))
                    .map(|_| json!("ok")),
                "revoke" => role()
                    .and_then(|ro| r.revoke(&t("principal"), ro, &t("scope")))
                    .map(|_| json!("ok")),
                "protect" => role()
                    .and_then(|ro| {
                        r.protect_alias(
                            &t("alias"),
                            &t("scope"),
                            ro,
                            step["require_gate"].as_bool().unwrap(),
                        )
                    })
                    .map(|_| json!("ok")),
                "add" => r
                    .add_version(kind(), &t("name"), t("data").as_bytes(), "", json!({}))
                    .map(|n| json!(n)),
                "alias" => r
                    .set_alias(
                        kind(),
                        &t("name"),
                        &t("alias"),
                        step["version"].as_u64().unwrap(),
                    )
                    .map(|_| json!("ok")),
                "gate" => {
                    let m: BTreeMap<String, f64> =
                        serde_json::from_value(step["metrics"].clone()).unwrap();
                    let rules: Vec<String> = serde_json::from_value(step["rules"].clone()).unwrap();
                    let report = gate(&m, None, &rules).unwrap();
                    r.record_gate(
                        kind(),
                        &t("name"),
                        step["version"].as_u64().unwrap(),
                        &report,
                    )
                    .map(|_| json!("ok"))
                }
                other => panic!("unknown op {other}"),
            };
            let got = got.unwrap_or_else(|e| json!(e.code()));
            assert_eq!(got, step["expect"], "step {i}: {step}");
        }
        let report = base.audit_verify().unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.events, v["audit"]["events"].as_u64().unwrap());
        let all = base.audit_log(&AuditFilter::default()).unwrap();
        let denied: Vec<serde_json::Value> = all
            .iter()
            .filter(|e| e.action == AuditAction::Denied)
            .map(|e| json!([e.principal, e.event["action"], e.target]))
            .collect();
        assert_eq!(json!(denied), v["audit"]["denied"]);
        let production: Vec<serde_json::Value> = all
            .iter()
            .filter(|e| e.action == AuditAction::Alias && e.event["alias"] == "production")
            .map(|e| json!([e.principal, e.target, e.reason]))
            .collect();
        assert_eq!(json!(production), v["audit"]["production"]);
        let policy: Vec<&str> = all
            .iter()
            .filter(|e| e.log == "policy/log")
            .map(|e| e.action.as_str())
            .collect();
        assert_eq!(json!(policy), v["audit"]["policy"]);
    }
}

#[test]
fn a_policy_of_a_newer_format_is_refused_and_blocks_writes() {
    for s in stores("policy-newer") {
        let r = Registry::open(&s.url).unwrap().with_principal("ana");
        r.grant("ana", Role::Admin, "*").unwrap();
        let first = s.raw.get(&event_key("policy/log", 1));
        let prev = blake3::hash(&first).to_hex().to_string();
        let newer = json!({"format": "mlops.policy", "v": 2, "seq": 2, "prev": prev, "time": 1,
            "principal": "ana", "type": "grant", "grantee": "bob", "role": "writer", "scope": "*",
            "expires": 99});
        assert!(s
            .raw
            .put_create(&event_key("policy/log", 2), newer.to_string().as_bytes()));
        let e = r.policy().unwrap_err();
        assert!(
            matches!(e, Error::Integrity(_)) && e.to_string().contains("v2"),
            "{e}"
        );
        // A writer that cannot read the policy writes nothing.
        assert!(r
            .add_version(Kind::Model, "m", b"w", "", json!({}))
            .is_err());
        assert!(r.asset(Kind::Model, "m").is_err());
    }
}

/// The objects under `blobs/` (count, bytes), 0 when there is none.
fn blobs(s: &TestStore) -> u64 {
    if let support::Raw::Folder(dir) = &s.raw {
        if !dir.join("blobs").exists() {
            return 0;
        }
    }
    s.raw.bytes_under("blobs")
}

#[test]
fn a_refused_push_or_commit_stores_no_blob() {
    use arrow::array::{Float64Array, RecordBatch, RecordBatchIterator};
    use mlops_core::package::{Flavor, Manifest, Package};
    for s in stores("refused-upload") {
        let ana = Registry::open(&s.url).unwrap().with_principal("ana");
        // Only ana may write: nobody else has a role.
        ana.grant("ana", Role::Admin, "*").unwrap();
        ana.add_version(Kind::Model, "base", b"w", "", json!({}))
            .unwrap();
        let mallory = ana.clone().with_principal("mallory");
        let before = blobs(&s);
        assert!(before > 0);

        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("weights.bin"), vec![9u8; 300_000]).unwrap();
        let pkg = Package::build(t.path(), Manifest::new("m", "1", Flavor::Custom)).unwrap();
        let err = mallory.push_package(&pkg, "churn", "").unwrap_err();
        assert!(matches!(err, Error::PermissionDenied(_)), "{err}");
        assert_eq!(blobs(&s), before, "a refused push stored blobs");

        let x: Float64Array = (0..50_000).map(|i| Some(i as f64)).collect();
        let batch = RecordBatch::try_from_iter([("x", std::sync::Arc::new(x) as _)]).unwrap();
        let data = RecordBatchIterator::new(vec![Ok(batch.clone())], batch.schema());
        let err = mallory
            .commit_dataset("events", data, "", json!({}))
            .unwrap_err();
        assert!(matches!(err, Error::PermissionDenied(_)), "{err}");
        assert_eq!(blobs(&s), before, "a refused commit stored blobs");

        // Both refusals are in the audit trail, and ana's calls still work.
        let denied = by_action(&ana, "denied");
        assert_eq!(denied.len(), 2, "{denied:?}");
        assert_eq!(ana.push_package(&pkg, "churn", "").unwrap(), 1);
        assert!(blobs(&s) > before);
    }
}

#[test]
fn the_acting_principal_is_validated_on_every_write() {
    for s in stores("acting-principal") {
        let r = Registry::open(&s.url).unwrap();
        let long = "p".repeat(257);
        for bad in ["", "ana\nbob", "nul\0", "tab\there", long.as_str()] {
            let who = r.clone().with_principal(bad);
            let errs = [
                who.add_version(Kind::Model, "m", b"w", "", json!({}))
                    .unwrap_err(),
                who.grant("ana", Role::Admin, "*").unwrap_err(),
                who.set_tag(Kind::Model, "m", 1, "k", Some("v"))
                    .unwrap_err(),
            ];
            for e in errs {
                assert!(
                    matches!(&e, Error::InvalidInput(m) if m.contains("acting principal")
                        && m.contains("1 to 256 printable characters")),
                    "{:?}: {e}",
                    bad
                );
            }
        }
        // Nothing was written, and a valid principal of 256 characters,
        // non-ASCII included, writes.
        assert!(r.list(Kind::Model, true).unwrap().is_empty());
        assert!(r.audit_log(&AuditFilter::default()).unwrap().is_empty());
        let ok = "é".repeat(256);
        let v = r
            .clone()
            .with_principal(&ok)
            .add_version(Kind::Model, "m", b"w", "", json!({}))
            .unwrap();
        assert_eq!(v, 1);
        assert_eq!(r.asset(Kind::Model, "m").unwrap().versions[0].principal, ok);
    }
}

/// `AuditFilter` reads from JSON as bindings pass it (absent fields match
/// everything; an unknown field is refused, naming it).
#[test]
fn audit_filter_deserialises_with_defaults_and_refuses_unknown_fields() {
    let f: AuditFilter =
        serde_json::from_str(r#"{"principal": "ana", "target": "model/*", "until": 5}"#).unwrap();
    assert_eq!(
        f,
        AuditFilter {
            principal: Some("ana".into()),
            target: Some("model/*".into()),
            until: Some(5),
            ..Default::default()
        }
    );
    assert_eq!(
        serde_json::from_str::<AuditFilter>("{}").unwrap(),
        AuditFilter::default()
    );
    let e = serde_json::from_str::<AuditFilter>(r#"{"since": "yesterday"}"#).unwrap_err();
    assert!(e.to_string().contains("invalid type"), "{e}");
    let e = serde_json::from_str::<AuditFilter>(r#"{"who": "ana"}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field `who`"), "{e}");
}

/// An audit record prints as one line of `mlops audit log` (UTC time,
/// principal, action, target, reason in columns, control characters
/// escaped), and says what it records in typed form and in a few words.
#[test]
fn audit_records_display_as_one_line_and_give_their_change_and_detail() {
    use mlops_core::registry::Change;
    let r = Registry::open("memory://").unwrap().with_principal("ana");
    r.add_version(Kind::Dataset, "d", b"x", "", json!({}))
        .unwrap();
    r.add_version(Kind::Model, "m", b"w", "fit\n2", json!({}))
        .unwrap();
    let d = asset_ref(Kind::Dataset, "d", 1);
    let m = asset_ref(Kind::Model, "m", 1);
    r.record_lineage(&m, std::slice::from_ref(&d), Some("run-1"), Some("abc"))
        .unwrap();
    r.clone()
        .with_reason("go\tlive")
        .set_alias(Kind::Model, "m", "production", 1)
        .unwrap();
    r.set_tag(Kind::Model, "m", 1, "team", Some("risk"))
        .unwrap();
    r.set_tag(Kind::Model, "m", 1, "team", None).unwrap();
    r.set_archived(Kind::Model, "m", true).unwrap();
    r.grant("ana", Role::Admin, "*").unwrap();

    let h = r.history(Kind::Model, "m").unwrap();
    let details: Vec<String> = h.iter().map(|e| e.detail()).collect();
    assert_eq!(
        details,
        [
            "\"fit\\n2\"",
            "from dataset/d@1",
            "production  (reason: go\\tlive)",
            "team=risk",
            "-team",
            "archived",
        ]
    );
    match h[1].change() {
        Some(Change::Lineage {
            version,
            inputs,
            run,
            commit,
            ..
        }) => {
            assert_eq!(
                (version, inputs, run.as_deref(), commit.as_deref()),
                (1, vec![d], Some("run-1"), Some("abc"))
            );
        }
        other => panic!("{other:?}"),
    }
    let used = r.history(Kind::Dataset, "d").unwrap();
    assert_eq!(used[1].detail(), "used by model/m@1");
    assert_eq!(
        used[1].change(),
        Some(Change::UsedBy {
            version: 1,
            by: m,
            run: Some("run-1".into())
        })
    );

    let alias = &h[2];
    let line = alias.to_string();
    let time = mlops_core::text::utc(alias.time);
    assert_eq!(
        line,
        format!("{time}  ana        alias      model/m@1                    go\\tlive")
    );
    assert_eq!(time.len(), 20);
    // Policy events have no asset change; a missing reason leaves the column empty.
    let grant = by_action(&r, "grant");
    assert_eq!(grant.len(), 1);
    assert_eq!(grant[0].change(), None);
    assert_eq!(grant[0].detail(), "");
    assert_eq!(
        grant[0].to_string(),
        format!(
            "{}  ana        grant      *                            ",
            mlops_core::text::utc(grant[0].time)
        )
    );
}
