//! Edits a reader must not serve and checks that must not cry wolf: the
//! newest events are covered, index text is checked before it is used,
//! verification next to writers reports no false breaks, a stray folder
//! does not hide the registry, and an event of a newer format is refused.

use mlops_core::registry::{Kind, Registry};
use mlops_core::Error;
use serde_json::json;

#[path = "support/stores.rs"]
mod support;
use support::{folder, Raw, TestStore};

/// A registry in a fresh folder with `versions` versions of the model `m`:
/// version `i` holds the bytes `w<i>` and the message `m<i>`.
fn model(tag: &str, versions: u32) -> (TestStore, Registry) {
    let s = folder(tag);
    let r = Registry::open(&s.url).unwrap();
    for i in 1..=versions {
        let (bytes, message) = (format!("w{i}"), format!("m{i}"));
        r.add_version(Kind::Model, "m", bytes.as_bytes(), &message, json!({}))
            .unwrap();
    }
    (s, r)
}

fn event_key(name: &str, seq: u64) -> String {
    format!("assets/model/{name}/log/{seq:020}.json")
}

/// The edit: the `content` of event 3 set to event 2's, in an
/// asset of fewer than 8 events. `get latest` must not return version 2's
/// bytes, and both checks must see it.
#[test]
fn an_edited_newest_event_is_not_served() {
    let (s, r) = model("newest", 3);
    let content = |seq| {
        let v: serde_json::Value =
            serde_json::from_slice(&s.raw.get(&event_key("m", seq))).unwrap();
        v["content"].as_str().unwrap().to_string()
    };
    let (second, third) = (content(2), content(3));
    let text = String::from_utf8(s.raw.get(&event_key("m", 3))).unwrap();
    s.raw
        .put(&event_key("m", 3), text.replace(&third, &second).as_bytes());
    assert!(matches!(
        r.get(Kind::Model, "m", "latest"),
        Err(Error::Integrity(_))
    ));
    assert!(r.verify(Kind::Model, "m").is_err());
    assert!(!r.audit_verify().unwrap().ok());
    // A writer must not cover the edit with its own event either.
    assert!(matches!(
        r.add_version(Kind::Model, "m", b"4", "", json!({})),
        Err(Error::Integrity(_))
    ));
}

/// A deleted newest event: `latest` must not silently go back a version.
#[test]
fn a_deleted_event_is_an_error_not_an_older_state() {
    let (s, r) = model("gap", 5);
    s.raw.delete(&event_key("m", 5));
    assert!(matches!(
        r.version(Kind::Model, "m", "latest"),
        Err(Error::Integrity(_))
    ));
    assert!(r.asset(Kind::Model, "m").is_err());
}

/// Index text is checked: an event edited inside `head.json`'s tail, and
/// a pack edited and sealed again, are not served.
#[test]
fn edited_index_text_is_not_served() {
    let (s, r) = model("index", 75);
    let want66 = r.version(Kind::Model, "m", "66").unwrap();
    let want10 = r.version(Kind::Model, "m", "10").unwrap();
    // The head (at 64..=70 events: the tail holds 65..=) with event 66's
    // message changed in its tail.
    let head = "assets/model/m/head.json";
    let text = String::from_utf8(s.raw.get(head)).unwrap();
    assert!(
        text.contains("\\\"message\\\":\\\"m66\\\""),
        "no m66 in the tail"
    );
    s.raw.put(
        head,
        text.replace(
            "\\\"message\\\":\\\"m66\\\"",
            "\\\"message\\\":\\\"forged\\\"",
        )
        .as_bytes(),
    );
    let got = r.version(Kind::Model, "m", "66");
    assert!(matches!(&got, Ok(v) if *v == want66) || matches!(got, Err(Error::Integrity(_))));
    assert!(r.verify(Kind::Model, "m").is_err());
    s.raw.put(head, text.as_bytes());
    // Pack 1 with event 10's message changed and its seal made again.
    let pack = format!("assets/model/m/packs/{:020}.jsonl", 1);
    let bytes = s.raw.get(&pack);
    let body = std::str::from_utf8(&bytes[..bytes.len() - 64]).unwrap();
    let forged = body.replace("\"message\":\"m10\"", "\"message\":\"forged\"");
    assert_ne!(forged, body);
    let mut sealed = forged.clone().into_bytes();
    sealed.extend_from_slice(blake3::hash(forged.as_bytes()).to_hex().as_bytes());
    s.raw.put(&pack, &sealed);
    let got = r.version(Kind::Model, "m", "10").unwrap();
    assert_eq!(got, want10);
    assert_eq!(r.asset(Kind::Model, "m").unwrap().versions[9], want10);
    assert!(r.verify(Kind::Model, "m").is_err());
}

/// Verification next to writers: what they write after the listing is a
/// later state, not a break.
#[test]
fn verification_beside_writers_reports_no_false_breaks() {
    let (_s, r) = model("busy", 1);
    r.grant("ana", mlops_core::governance::Role::Admin, "*")
        .unwrap_or(());
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        for w in 0..3 {
            let (r, stop) = (r.clone().with_principal("ana"), &stop);
            scope.spawn(move || {
                let mut i = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 400 {
                    r.add_version(
                        Kind::Model,
                        "m",
                        format!("{w}-{i}").as_bytes(),
                        "",
                        json!({}),
                    )
                    .unwrap();
                    i += 1;
                }
            });
        }
        for _ in 0..40 {
            r.verify(Kind::Model, "m").unwrap();
            let report = r.audit_verify().unwrap();
            assert!(report.ok(), "{:?}", report.broken);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    r.verify(Kind::Model, "m").unwrap();
}

/// A folder without a log under `assets/<kind>/` is no asset: listing and
/// search go on without it.
#[test]
fn a_stray_folder_does_not_hide_the_registry() {
    let (s, r) = model("stray", 1);
    let Raw::Folder(dir) = &s.raw else {
        unreachable!()
    };
    std::fs::create_dir_all(dir.join("assets/model/stray/notes")).unwrap();
    std::fs::write(dir.join("assets/model/stray/notes/x"), b"x").unwrap();
    std::fs::create_dir_all(dir.join("assets/model/.hidden")).unwrap();
    assert_eq!(r.list(Kind::Model, false).unwrap(), vec!["m".to_string()]);
    assert_eq!(r.search("kind = 'model'", true).unwrap().len(), 1);
    assert!(r.audit_verify().unwrap().ok());
}

/// An event of a newer format may mean more than this build would apply:
/// refused, not folded as if it were version 1.
#[test]
fn an_event_of_a_newer_format_is_unsupported() {
    let (s, r) = model("newer", 1);
    let text = String::from_utf8(s.raw.get(&event_key("m", 1))).unwrap();
    let prev = blake3::hash(text.as_bytes()).to_hex().to_string();
    let newer = text
        .replace("\"v\":1", "\"v\":2")
        .replace("\"seq\":1", "\"seq\":2")
        .replace("\"prev\":\"\"", &format!("\"prev\":\"{prev}\""))
        .replace("\"versions\":1", "\"versions\":2")
        .replace("\"version\":1", "\"version\":2");
    s.raw.put(&event_key("m", 2), newer.as_bytes());
    let _ = std::fs::remove_file(match &s.raw {
        Raw::Folder(d) => d.join("assets/model/m/log/_head"),
        _ => unreachable!(),
    });
    assert!(matches!(
        r.asset(Kind::Model, "m"),
        Err(Error::Unsupported(_))
    ));
}
