//! The registry's indexes (head, packs, version index) give the same
//! answers as folding the log event by event, whatever state they are in:
//! complete, stale, missing or damaged.

use mlops_core::registry::{Kind, Registry, PACK_EVENTS};
use mlops_core::store::Store;
use mlops_core::Error;
use serde_json::json;

#[path = "support/data.rs"]
mod data;
use data::copy_dir;

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mlops-index-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// An asset of 150 versions with aliases and tags between them: two full
/// packs and a tail.
fn build(dir: &std::path::Path) -> Registry {
    let r = Registry::open(dir.to_str().unwrap()).unwrap();
    for i in 1..=150u64 {
        r.add_version(
            Kind::Model,
            "m",
            format!("weights {i}").as_bytes(),
            &format!("v{i}"),
            json!({"auc": i as f64 / 200.0}),
        )
        .unwrap();
        if i % 7 == 0 {
            r.set_alias(Kind::Model, "m", "production", i - 3).unwrap();
        }
        if i % 11 == 0 {
            r.set_tag(Kind::Model, "m", i, "team", Some("risk"))
                .unwrap();
        }
    }
    r
}

/// The state folded from the log's own events, ignoring every index.
fn from_log(dir: &std::path::Path) -> mlops_core::registry::Asset {
    let copy = dir.with_extension("noindex");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(dir, &copy);
    let base = copy.join("assets/model/m");
    std::fs::remove_dir_all(base.join("packs")).unwrap();
    std::fs::remove_file(base.join("head.json")).unwrap();
    Registry::open(copy.to_str().unwrap())
        .unwrap()
        .asset(Kind::Model, "m")
        .unwrap()
}

#[test]
fn indexes_agree_with_the_log() {
    let dir = tmp("agree");
    let r = build(&dir);
    let a = r.asset(Kind::Model, "m").unwrap();
    let events = a.events;
    assert_eq!(events, 150 + 150 / 7 + 150 / 11);
    let packs = std::fs::read_dir(dir.join("assets/model/m/packs"))
        .unwrap()
        .count() as u64;
    assert_eq!(packs, events / PACK_EVENTS);
    assert_eq!(a, from_log(&dir));
    assert_eq!(r.verify(Kind::Model, "m").unwrap(), events);
    // Fast reads give what the fold gives: every version, found in the
    // head's tail or by bisecting the packs (aliases and tags between
    // versions put version n after event n).
    let references = (1..=150).map(|n| n.to_string());
    for reference in references.chain(["production", "latest", "v100"].map(String::from)) {
        assert_eq!(
            &r.version(Kind::Model, "m", &reference).unwrap(),
            a.resolve(&reference).unwrap(),
            "{reference}"
        );
    }
    // ... from the packs alone: without the packed events' own files.
    let copy = dir.with_extension("packsonly");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&dir, &copy);
    for seq in 1..=(events / PACK_EVENTS) * PACK_EVENTS {
        std::fs::remove_file(copy.join(format!("assets/model/m/log/{seq:020}.json"))).unwrap();
    }
    let packs_only = Registry::open(copy.to_str().unwrap()).unwrap();
    for n in [1, 50, 64, 100, 117] {
        assert_eq!(
            &packs_only
                .version(Kind::Model, "m", &n.to_string())
                .unwrap(),
            a.resolve(&n.to_string()).unwrap(),
            "{n}"
        );
    }
    assert_eq!(a.alias("production"), Some(147 - 3));
    assert!(matches!(
        r.version(Kind::Model, "m", "151"),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        r.version(Kind::Model, "m", "staging"),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn a_stale_or_missing_head_is_caught_up() {
    let dir = tmp("stale");
    let r = build(&dir);
    let head = dir.join("assets/model/m/head.json");
    let old = std::fs::read(&head).unwrap();
    // 100 more events written while the head stays old: readers step forward.
    for i in 0..100u64 {
        r.set_alias(Kind::Model, "m", "champion", 1 + i % 150)
            .unwrap();
    }
    let want = r.asset(Kind::Model, "m").unwrap();
    std::fs::write(&head, &old).unwrap();
    assert_eq!(r.asset(Kind::Model, "m").unwrap(), want);
    assert_eq!(
        r.version(Kind::Model, "m", "champion").unwrap().version,
        want.alias("champion").unwrap()
    );
    // The writer of the next event numbered a multiple of 8 brings the head
    // up to date, packs included.
    let next_head = (want.events / 8 + 1) * 8;
    for _ in want.events..next_head - 1 {
        r.set_alias(Kind::Model, "m", "champion", 5).unwrap();
        assert_eq!(std::fs::read(&head).unwrap(), old);
    }
    r.set_alias(Kind::Model, "m", "champion", 5).unwrap();
    assert_ne!(std::fs::read(&head).unwrap(), old);
    assert_eq!(r.verify(Kind::Model, "m").unwrap(), next_head);
    // Without a head at all, the log is read; the writer of the next event
    // numbered a multiple of 8 rebuilds it.
    std::fs::remove_file(&head).unwrap();
    assert_eq!(r.version(Kind::Model, "m", "champion").unwrap().version, 5);
    for _ in 0..8 {
        r.set_tag(Kind::Model, "m", 3, "k", Some("v")).unwrap();
    }
    assert!(head.exists());
    assert_eq!(r.asset(Kind::Model, "m").unwrap(), from_log(&dir));
}

#[test]
fn a_damaged_index_falls_back_to_the_log_and_verify_names_it() {
    let dir = tmp("damaged");
    let r = build(&dir);
    let want = r.asset(Kind::Model, "m").unwrap();
    let pack = dir
        .join("assets/model/m/packs")
        .join(format!("{:020}.jsonl", PACK_EVENTS + 1));
    let text = std::fs::read_to_string(&pack).unwrap().replacen(
        "\"message\":\"v",
        "\"message\":\"forged v",
        1,
    );
    std::fs::write(&pack, text).unwrap();
    // The pack no longer chains: the log's own events decide.
    assert_eq!(r.asset(Kind::Model, "m").unwrap(), want);
    let e = r.verify(Kind::Model, "m").unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref m) if m.contains(&format!("packs/{:020}.jsonl", PACK_EVENTS + 1))),
        "{e}"
    );
    // A head that is not JSON is ignored by readers, named by verify.
    std::fs::write(&pack, b"").unwrap();
    let head = dir.join("assets/model/m/head.json");
    std::fs::write(&head, b"{not json").unwrap();
    assert_eq!(r.asset(Kind::Model, "m").unwrap(), want);
    assert_eq!(
        r.version(Kind::Model, "m", "production").unwrap().version,
        144
    );
    // A version in the unreadable pack is read from the log's events.
    for n in [60, 80, 100] {
        assert_eq!(
            &r.version(Kind::Model, "m", &n.to_string()).unwrap(),
            want.resolve(&n.to_string()).unwrap()
        );
    }
}

#[test]
fn an_asset_written_before_indexes_gets_them_from_its_next_writer() {
    let dir = tmp("legacy");
    let r = build(&dir);
    let want = r.asset(Kind::Model, "m").unwrap();
    let base = dir.join("assets/model/m");
    std::fs::remove_dir_all(base.join("packs")).unwrap();
    std::fs::remove_file(base.join("head.json")).unwrap();
    assert_eq!(r.asset(Kind::Model, "m").unwrap(), want);
    // The writer of the next event numbered a multiple of 8 writes them.
    let events = (want.events / 8 + 1) * 8;
    for _ in want.events..events {
        r.set_alias(Kind::Model, "m", "production", 1).unwrap();
    }
    let packs = std::fs::read_dir(base.join("packs")).unwrap().count() as u64;
    assert_eq!(packs, events / PACK_EVENTS);
    assert!(base.join("head.json").exists());
    assert_eq!(r.verify(Kind::Model, "m").unwrap(), events);
    // The store itself is untouched by readers.
    let s = Store::open(dir.to_str().unwrap()).unwrap();
    assert!(s.event("assets/model/m/log", events + 1).unwrap().is_none());
}
