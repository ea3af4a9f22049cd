//! The store-damage sweep: a small registry with every kind of event and
//! object (versions in a full pack, in the head's tail and after it, an
//! asset of fewer than 8 events, aliases, tags, lineage both ways, an
//! archive, a gate and its report, the policy and the denials, content
//! blobs and manifests), then one damage at a time to every object: a
//! deletion, truncations and seeded single-byte flips. After each, every
//! read must return exactly the undamaged answer or a typed error (never a
//! different answer, never a panic), and when any read's answer changed,
//! `verify` or `audit_verify` must say so. The folder store gets the full
//! sweep; S3 (when the test command provides it) a seeded sample with one
//! damage per kind of object.

use std::panic::{catch_unwind, AssertUnwindSafe};

use mlops_core::governance::{AuditFilter, Role};
use mlops_core::registry::{AssetRef, Kind, Registry};
use mlops_core::validate::gate;
use serde_json::json;

#[path = "support/stores.rs"]
mod support;
use support::{folder, s3, s3_url, TestStore};
#[path = "support/data.rs"]
mod data;
use data::Rng;

/// Builds the registry the sweep damages.
fn build(url: &str) -> Registry {
    let admin = Registry::open(url).unwrap().with_principal("ana");
    // "big": 60 versions, then alias moves and tags: 75 events, so one full
    // pack (1-64), a head at 72 with its tail (65-72), and 3 events after it.
    for i in 1..=60u32 {
        admin
            .add_version(
                Kind::Model,
                "big",
                format!("weights {i}").as_bytes(),
                &format!("fit {i}"),
                json!({"metrics": {"auc": 0.5 + f64::from(i) / 200.0}}),
            )
            .unwrap();
    }
    for (alias, v) in [("staging", 10), ("production", 20), ("staging", 30)] {
        admin.set_alias(Kind::Model, "big", alias, v).unwrap();
    }
    for v in [5u64, 25, 45, 55, 59] {
        admin
            .set_tag(Kind::Model, "big", v, "team", Some("risk"))
            .unwrap();
    }
    admin
        .set_alias(Kind::Model, "big", "production", 58)
        .unwrap();
    for v in [60u64, 60, 12, 12, 33, 40] {
        admin
            .set_tag(Kind::Model, "big", v, "checked", Some(&v.to_string()))
            .unwrap();
    }
    // "small": fewer than 8 events; its dataset input; a gate.
    admin
        .add_version(Kind::Dataset, "ds", b"a,b\n1,2\n", "raw", json!({}))
        .unwrap();
    admin
        .add_version(Kind::Model, "small", b"tiny", "first", json!({}))
        .unwrap();
    admin
        .record_lineage(
            &AssetRef {
                kind: Kind::Model,
                name: "small".into(),
                version: 1,
            },
            &[AssetRef {
                kind: Kind::Dataset,
                name: "ds".into(),
                version: 1,
            }],
            Some("run-1"),
            None,
        )
        .unwrap();
    let metrics = std::collections::BTreeMap::from([("auc".to_string(), 0.91)]);
    admin
        .record_gate(
            Kind::Model,
            "small",
            1,
            &gate(&metrics, None, &["auc >= 0.9"]).unwrap(),
        )
        .unwrap();
    admin
        .set_alias(Kind::Model, "small", "production", 1)
        .unwrap();
    // An archived artifact.
    admin
        .add_version(Kind::Artifact, "old", b"notes", "", json!({}))
        .unwrap();
    admin.set_archived(Kind::Artifact, "old", true).unwrap();
    // The policy, and a refused call in the denials.
    admin.grant("ana", Role::Admin, "*").unwrap();
    admin.grant("bob", Role::Writer, "model/*").unwrap();
    admin
        .protect_alias("production", "*", Role::Approver, true)
        .unwrap();
    let carol = Registry::open(url).unwrap().with_principal("carol");
    assert!(carol
        .add_version(Kind::Model, "small", b"x", "", json!({}))
        .is_err());
    admin
}

/// Every read the sweep compares: a label and the answer, as text (or the
/// error's code), each read run apart so that a panic counts against it.
fn answers(r: &Registry) -> Vec<(String, Result<String, String>)> {
    type Read<'a> = Box<dyn Fn() -> mlops_core::Result<String> + 'a>;
    let mut reads: Vec<(String, Read)> = Vec::new();
    let assets = [
        (Kind::Model, "big"),
        (Kind::Model, "small"),
        (Kind::Dataset, "ds"),
        (Kind::Artifact, "old"),
    ];
    for (kind, name) in assets {
        reads.push((
            format!("asset {name}"),
            Box::new(move || Ok(format!("{:?}", r.asset(kind, name)?))),
        ));
        reads.push((
            format!("history {name}"),
            Box::new(move || Ok(format!("{:?}", r.history(kind, name)?))),
        ));
        for reference in ["latest", "1", "production", "staging"] {
            reads.push((
                format!("version {name} {reference}"),
                Box::new(move || Ok(format!("{:?}", r.version(kind, name, reference)?))),
            ));
        }
        reads.push((
            format!("get {name} latest"),
            Box::new(move || Ok(format!("{:?}", r.get(kind, name, "latest")?))),
        ));
    }
    for n in [2u64, 20, 40, 58, 59, 60] {
        let reference = n.to_string();
        reads.push((
            format!("version big {n}"),
            Box::new(move || Ok(format!("{:?}", r.version(Kind::Model, "big", &reference)?))),
        ));
    }
    reads.push((
        "get big production".into(),
        Box::new(|| Ok(format!("{:?}", r.get(Kind::Model, "big", "production")?))),
    ));
    for kind in [Kind::Dataset, Kind::Model, Kind::Artifact] {
        for archived in [false, true] {
            reads.push((
                format!("list {kind:?} {archived}"),
                Box::new(move || Ok(format!("{:?}", r.list(kind, archived)?))),
            ));
        }
    }
    reads.push((
        "search".into(),
        Box::new(|| {
            Ok(format!(
                "{:?}",
                r.search("tags.team = 'risk' or alias = 'production'", true)?
            ))
        }),
    ));
    reads.push((
        "policy".into(),
        Box::new(|| Ok(format!("{:?}", r.policy()?))),
    ));
    reads.push((
        "audit log".into(),
        Box::new(|| Ok(format!("{:?}", r.audit_log(&AuditFilter::default())?))),
    ));
    reads
        .into_iter()
        .map(|(label, read)| {
            let got = match catch_unwind(AssertUnwindSafe(read)) {
                Ok(Ok(text)) => Ok(text),
                Ok(Err(e)) => Err(e.code().to_string()),
                Err(_) => Err("PANIC".to_string()),
            };
            (label, got)
        })
        .collect()
}

/// Whether `verify` (of any asset) or `audit_verify` reports a problem.
fn flagged(r: &Registry) -> bool {
    let assets = [
        (Kind::Model, "big"),
        (Kind::Model, "small"),
        (Kind::Dataset, "ds"),
        (Kind::Artifact, "old"),
    ];
    let verify = assets
        .iter()
        .any(|(kind, name)| r.verify(*kind, name).is_err());
    verify || r.audit_verify().map_or(true, |report| !report.ok())
}

/// One damage: what it does to an object's bytes (`None`: delete it).
#[derive(Debug, Clone)]
enum Damage {
    Delete,
    Truncate(usize),
    Flip(usize, u8),
}

impl Damage {
    fn apply(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        match *self {
            Damage::Delete => None,
            Damage::Truncate(n) => Some(bytes[..n].to_vec()),
            Damage::Flip(at, mask) => {
                let mut b = bytes.to_vec();
                b[at] ^= mask;
                Some(b)
            }
        }
    }
}

/// The damages applied to an object of `len` bytes: deletion, truncation to
/// nothing, to half and by one byte, and `flips` single-byte flips (the
/// first and last bytes, then seeded positions and masks).
fn damages(len: usize, flips: usize, rng: &mut Rng) -> Vec<Damage> {
    let mut out = vec![Damage::Delete];
    if len == 0 {
        return out;
    }
    out.push(Damage::Truncate(0));
    if len > 2 {
        out.push(Damage::Truncate(len / 2));
    }
    out.push(Damage::Truncate(len - 1));
    let mut at = vec![0, len - 1];
    while at.len() < flips.min(len) {
        at.push(rng.below(len));
    }
    for a in at.into_iter().take(flips) {
        let mask = 1u8 << rng.below(8);
        out.push(Damage::Flip(a, mask));
    }
    out
}

/// The kind of an object, for the S3 sample and the tally: the first kind
/// whose test the key passes, in this order; else a marker.
fn object_kind(key: &str) -> &'static str {
    let kinds = [
        (key.starts_with("blobs/"), "blob"),
        (key.ends_with("/_head"), "cover"),
        (key.ends_with("/head.json"), "head"),
        (key.contains("/packs/"), "pack"),
        (key.starts_with("policy/"), "policy event"),
        (key.starts_with("audit/"), "denial event"),
        (key.contains("/log/"), "asset event"),
    ];
    kinds
        .into_iter()
        .find_map(|(hit, kind)| hit.then_some(kind))
        .unwrap_or("marker")
}

/// What the sweep found.
#[derive(Default, Debug)]
struct Tally {
    applied: u64,
    /// Some read raised a typed error, and verification flagged it.
    detected: u64,
    /// Every read returned the undamaged answer.
    read_around: u64,
    /// Failures: a read returned another answer, or panicked, or a read
    /// raised while verification saw nothing.
    silent: Vec<String>,
}

fn sweep(s: &TestStore, sample: Option<usize>) -> Tally {
    let r = build(&s.url);
    let pristine = answers(&r);
    for (label, a) in &pristine {
        assert_ne!(
            a.as_ref().err().map(String::as_str),
            Some("PANIC"),
            "{label}"
        );
    }
    assert!(!flagged(&r), "the undamaged registry must verify");
    let keys: Vec<String> = s
        .raw
        .keys()
        .into_iter()
        .filter(|k| !k.contains('#'))
        .collect();
    let kinds: std::collections::BTreeSet<&str> = keys.iter().map(|k| object_kind(k)).collect();
    assert_eq!(
        kinds.len(),
        8,
        "every kind of object is in the store: {kinds:?}"
    );
    let mut rng = Rng(0x5EED);
    let mut plan: Vec<(String, Damage)> = Vec::new();
    for key in &keys {
        let len = s.raw.get(key).len();
        let flips = if object_kind(key) == "blob" { 2 } else { 5 };
        for d in damages(len, flips, &mut rng) {
            plan.push((key.clone(), d));
        }
    }
    if let Some(n) = sample {
        // One damage of every kind of object and of every kind of damage,
        // then seeded picks up to `n`.
        let mut picked: Vec<(String, Damage)> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (key, d) in &plan {
            let class = format!(
                "{} {}",
                object_kind(key),
                format!("{d:?}").split('(').next().unwrap()
            );
            if seen.insert(class) {
                picked.push((key.clone(), d.clone()));
            }
        }
        while picked.len() < n {
            let i = rng.below(plan.len());
            picked.push(plan[i].clone());
        }
        plan = picked;
    }
    let mut tally = Tally::default();
    for (key, damage) in plan {
        let original = s.raw.get(&key);
        match damage.apply(&original) {
            None => s.raw.delete(&key),
            Some(b) => s.raw.put(&key, &b),
        }
        let got = answers(&r);
        let mut changed = false;
        let mut wrong = Vec::new();
        for ((label, want), (_, have)) in pristine.iter().zip(&got) {
            match (want, have) {
                (a, b) if a == b => {}
                (_, Err(code)) if code != "PANIC" => changed = true,
                (_, have) => wrong.push(format!(
                    "{label}: {}",
                    match have {
                        Ok(_) => "another answer".to_string(),
                        Err(e) => e.clone(),
                    }
                )),
            }
        }
        let flagged = flagged(&r);
        tally.applied += 1;
        if !wrong.is_empty() {
            tally
                .silent
                .push(format!("{key} {damage:?}: {}", wrong.join("; ")));
        } else if changed && !flagged {
            tally.silent.push(format!(
                "{key} {damage:?}: a read failed but verification saw nothing"
            ));
        } else if changed {
            tally.detected += 1;
        } else {
            tally.read_around += 1;
        }
        s.raw.put(&key, &original);
    }
    assert!(!flagged(&r), "the registry verifies again once repaired");
    tally
}

#[test]
fn every_damage_to_a_folder_store_is_read_around_or_detected() {
    let s = folder("damage");
    let t = sweep(&s, None);
    eprintln!(
        "folder damage sweep: {} applied, {} detected, {} read around, {} silent",
        t.applied,
        t.detected,
        t.read_around,
        t.silent.len()
    );
    assert!(t.applied > 1000, "{t:?}");
    assert!(
        t.silent.is_empty(),
        "{} silent: {:#?}",
        t.silent.len(),
        t.silent
    );
}

#[test]
fn a_sample_of_damages_to_an_s3_store_is_read_around_or_detected() {
    let Some(url) = s3_url() else {
        return;
    };
    let s = s3("damage", &url);
    let t = sweep(&s, Some(40));
    eprintln!(
        "S3 damage sweep: {} applied, {} detected, {} read around, {} silent",
        t.applied,
        t.detected,
        t.read_around,
        t.silent.len()
    );
    assert!(
        t.silent.is_empty(),
        "{} silent: {:#?}",
        t.silent.len(),
        t.silent
    );
}
