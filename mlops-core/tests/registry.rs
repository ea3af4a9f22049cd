//! The store and the registry: versions, aliases, integrity, many writers.
//! Each test runs on a local folder, and on S3 when the test command
//! provides a server (see `support/stores.rs`).

use std::collections::BTreeSet;

use mlops_core::registry::{Kind, Registry};
use mlops_core::store::Store;
use mlops_core::Error;
use serde_json::json;

#[path = "support/stores.rs"]
mod support;
use support::{stores, Raw, TestStore};
#[path = "support/data.rs"]
mod data;
use data::asset_ref;

/// The URL to reopen a test store by: `file://` for a folder, to cover both
/// spellings of a local store.
fn other_spelling(s: &TestStore) -> String {
    match &s.raw {
        Raw::Folder(dir) => format!("file://{}", dir.display()),
        Raw::Cloud { .. } => s.url.clone(),
    }
}

#[test]
fn versions_and_aliases_with_history() {
    for s in stores("basic") {
        versions_and_aliases_on(&s);
    }
}

fn versions_and_aliases_on(s: &TestStore) {
    let r = Registry::open(&s.url).unwrap().with_principal("ana");
    assert_eq!(
        r.add_version(
            Kind::Dataset,
            "churn",
            b"v1 rows",
            "first",
            json!({"rows": 1})
        )
        .unwrap(),
        1
    );
    assert_eq!(
        r.add_version(
            Kind::Dataset,
            "churn",
            b"v2 rows",
            "more",
            json!({"rows": 2})
        )
        .unwrap(),
        2
    );
    r.set_alias(Kind::Dataset, "churn", "production", 1)
        .unwrap();
    r.set_alias(Kind::Dataset, "churn", "production", 2)
        .unwrap();
    // Reopened by someone else: the same state, from the folder alone.
    let other = Registry::open(&other_spelling(s)).unwrap();
    let a = other.asset(Kind::Dataset, "churn").unwrap();
    assert_eq!(a.versions.len(), 2);
    assert_eq!(a.versions[1].metadata, json!({"rows": 2}));
    assert_eq!(a.versions[0].principal, "ana");
    assert_eq!(a.alias("production"), Some(2));
    let moves: Vec<u64> = a.aliases["production"].iter().map(|m| m.version).collect();
    assert_eq!(moves, vec![1, 2]);
    assert_eq!(
        other.get(Kind::Dataset, "churn", "production").unwrap(),
        b"v2 rows"
    );
    assert_eq!(other.get(Kind::Dataset, "churn", "1").unwrap(), b"v1 rows");
    assert_eq!(
        other.get(Kind::Dataset, "churn", "latest").unwrap(),
        b"v2 rows"
    );
    // Kinds are separate namespaces.
    assert!(matches!(
        other.asset(Kind::Model, "churn"),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let r = Registry::open("memory://").unwrap();
    assert!(matches!(
        r.add_version(Kind::Model, "../etc", b"x", "", json!({})),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        r.add_version(Kind::Model, "m", b"x", "", json!([1])),
        Err(Error::InvalidInput(_))
    ));
    r.add_version(Kind::Model, "m", b"x", "", json!({}))
        .unwrap();
    let e = r.set_alias(Kind::Model, "m", "prod", 5).unwrap_err();
    assert!(
        matches!(e, Error::NotFound(ref m) if m.contains("version 5")),
        "{e}"
    );
    assert!(matches!(
        r.set_alias(Kind::Model, "m", "v3", 1),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(
        r.asset(Kind::Model, "m").unwrap().events,
        1,
        "refused changes leave no event"
    );
    assert!(matches!(
        "table".parse::<Kind>(),
        Err(Error::InvalidInput(_))
    ));
    // A URL of an unknown scheme is refused, and nothing is written.
    let e = Store::open("ftp://host/x").unwrap_err();
    assert!(
        matches!(e, Error::Unsupported(ref m) if m.contains("ftp://host/x")),
        "{e}"
    );
    assert!(!std::path::Path::new("ftp:").exists());
    assert!(matches!(
        Store::open("s3:///no-bucket"),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn corruption_is_detected() {
    for s in stores("corrupt") {
        corruption_is_detected_on(&s);
    }
}

fn corruption_is_detected_on(s: &TestStore) {
    let r = Registry::open(&s.url).unwrap();
    r.add_version(Kind::Artifact, "a", b"good bytes", "", json!({}))
        .unwrap();
    r.add_version(Kind::Artifact, "a", b"more bytes", "", json!({}))
        .unwrap();
    let a = r.asset(Kind::Artifact, "a").unwrap();
    // A chunk whose bytes changed in the store.
    let m = r.store().manifest(&a.versions[0].content).unwrap();
    let h = &m.chunks[0].0;
    s.raw.put(&format!("blobs/{}/{h}", &h[..2]), b"evil bytes");
    let e = r.get(Kind::Artifact, "a", "1").unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref msg) if msg.contains(h.as_str())),
        "{e}"
    );
    // An event rewritten in place breaks the hash chain: `verify` walks
    // the log's own events; reads that find no index do too.
    let ev = format!("assets/artifact/a/log/{:020}.json", 1);
    let text = String::from_utf8(s.raw.get(&ev))
        .unwrap()
        .replace("\"message\":\"\"", "\"message\":\"forged\"");
    s.raw.put(&ev, text.as_bytes());
    let e = r.verify(Kind::Artifact, "a").unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref m) if m.contains("event 2") && m.contains("hash chain")),
        "{e}"
    );
    // Two events: no head yet (the writer of event 8 makes it), so reads
    // fold the log itself.
    assert!(!s.raw.exists("assets/artifact/a/head.json"));
    let e = r.asset(Kind::Artifact, "a").unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref m) if m.contains("hash chain")),
        "{e}"
    );
    // A newer store format is refused.
    s.raw
        .put("mlops.json", br#"{"format":"mlops.store","version":99}"#);
    assert!(matches!(Registry::open(&s.url), Err(Error::Integrity(_))));
}

/// The log's safety rests on create-only puts: on every store, a second
/// create of an existing object is refused (on S3, `If-None-Match: *`
/// answered with 412) and leaves the first object as it was.
#[test]
fn create_only_puts_are_create_only() {
    for s in stores("create-only") {
        let r = Registry::open(&s.url).unwrap();
        r.add_version(Kind::Model, "m", b"v1", "", json!({}))
            .unwrap();
        let ev = format!("assets/model/m/log/{:020}.json", 1);
        let before = s.raw.get(&ev);
        assert!(!s.raw.put_create(&ev, b"{\"forged\":true}"), "{}", s.url);
        assert_eq!(s.raw.get(&ev), before);
        let fresh = "probe/create-only";
        assert!(s.raw.put_create(fresh, b"first"));
        assert!(!s.raw.put_create(fresh, b"second"));
        assert_eq!(s.raw.get(fresh), b"first");
        assert_eq!(r.asset(Kind::Model, "m").unwrap().versions.len(), 1);
    }
}

/// `_head` is the log's cover: the newest event's number and hash. Garbage
/// or an empty object (a torn or foreign write) costs a listing, never a
/// wrong answer; a cover past the end of the log means events were
/// deleted, and a cover whose hash is not the event's means it was
/// changed: both are integrity errors for readers and writers alike.
/// Objects a killed writer may leave beside the log are harmless.
#[test]
fn a_damaged_head_hint_or_stray_object_is_harmless() {
    for s in stores("head") {
        let r = Registry::open(&s.url).unwrap();
        for i in 1..=3u8 {
            r.add_version(Kind::Model, "m", &[i], "", json!({}))
                .unwrap();
        }
        let head = "assets/model/m/log/_head";
        let cover = String::from_utf8(s.raw.get(head)).unwrap();
        let (seq, hash) = cover.split_once(' ').unwrap();
        assert_eq!(seq.parse::<u64>().unwrap(), 3, "{cover}");
        let third = s.raw.get(&format!("assets/model/m/log/{:020}.json", 3));
        assert_eq!(hash, blake3::hash(&third).to_hex().as_str());
        for damaged in [&b"garbage"[..], b"", b"0"] {
            s.raw.put(head, damaged);
            let n = r.asset(Kind::Model, "m").unwrap().versions.len() as u64;
            let v = r
                .add_version(Kind::Model, "m", &[n as u8 + 1], "", json!({}))
                .unwrap();
            assert_eq!(v, n + 1, "after _head = {damaged:?}");
        }
        let good = s.raw.get(head);
        let n = r.asset(Kind::Model, "m").unwrap().versions.len() as u64;
        // Past the end: events deleted.
        s.raw
            .put(head, format!("{:020} {}", 99, "0".repeat(64)).as_bytes());
        for e in [
            r.asset(Kind::Model, "m").unwrap_err(),
            r.version(Kind::Model, "m", "latest").unwrap_err(),
            r.add_version(Kind::Model, "m", b"x", "", json!({}))
                .unwrap_err(),
        ] {
            assert!(matches!(e, Error::Integrity(_)), "{e}");
        }
        // Naming other bytes than the newest event's: changed.
        s.raw
            .put(head, format!("{n:020} {}", "0".repeat(64)).as_bytes());
        assert!(matches!(
            r.version(Kind::Model, "m", "latest"),
            Err(Error::Integrity(_))
        ));
        assert!(r.verify(Kind::Model, "m").is_err());
        s.raw.put(head, &good);
        assert_eq!(r.verify(Kind::Model, "m").unwrap(), n);
        if let Raw::Folder(dir) = &s.raw {
            // object_store's local store stages a file as `<name>#<n>`
            // before linking it into place; a writer killed in between
            // leaves it behind.
            let log = dir.join("assets/model/m/log");
            std::fs::write(log.join(format!("{:020}.json#7", 7)), b"{\"half").unwrap();
            std::fs::write(log.join("_head#3"), b"1").unwrap();
            std::fs::write(dir.join("assets/model/m/log#2"), b"").unwrap();
        }
        s.raw.put("assets/model/m/log/notes.txt", b"not an event");
        assert_eq!(
            r.add_version(Kind::Model, "m", b"last", "", json!({}))
                .unwrap(),
            7
        );
        let a = r.asset(Kind::Model, "m").unwrap();
        assert_eq!(a.versions.len(), 7);
        assert_eq!(r.get(Kind::Model, "m", "7").unwrap(), b"last");
        assert_eq!(r.list(Kind::Model, false).unwrap(), vec!["m".to_string()]);
    }
}

#[test]
fn threads_writing_at_once_get_every_number_once() {
    for s in stores("threads") {
        threads_writing_on(&s.url);
    }
}

fn threads_writing_on(url: &str) {
    let url = url.to_string();
    Registry::open(&url).unwrap();
    let handles: Vec<_> = (0..8)
        .map(|w| {
            let url = url.clone();
            std::thread::spawn(move || {
                let r = Registry::open(&url).unwrap();
                (0..25)
                    .map(|i| {
                        r.add_version(
                            Kind::Model,
                            "m",
                            format!("w{w} i{i}").as_bytes(),
                            "",
                            json!({}),
                        )
                        .unwrap()
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut got: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, (1..=200).collect::<Vec<u64>>());
    let r = Registry::open(&url).unwrap();
    let a = r.asset(Kind::Model, "m").unwrap();
    // Each version's content, read back verified (from the one fold:
    // `Registry::get` would fold the log again for every version).
    let contents: BTreeSet<Vec<u8>> = a
        .versions
        .iter()
        .map(|v| {
            let mut out = Vec::new();
            r.store().get_content(&v.content, &mut out).unwrap();
            out
        })
        .collect();
    assert_eq!(
        contents.len(),
        200,
        "every version holds a distinct writer's content"
    );
    assert_eq!(a.versions.len(), 200);
}

fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 24) as u8
        })
        .collect()
}

#[test]
fn a_change_in_the_middle_stores_only_the_chunks_around_it() {
    for s in stores("chunks") {
        a_change_in_the_middle_on(&s);
    }
}

fn a_change_in_the_middle_on(s: &TestStore) {
    let r = Registry::open(&s.url).unwrap();
    let blob_bytes = || s.raw.bytes_under("blobs");
    let mut data = pseudo_random(24 << 20, 7);
    let work = std::env::temp_dir().join(format!("mlops-big-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let file = work.join(format!("big-{}.bin", s.url.len()));
    std::fs::write(&file, &data).unwrap();
    assert_eq!(
        r.add_file(Kind::Dataset, "big", &file, "v1", json!({}))
            .unwrap(),
        1
    );
    let before = blob_bytes();
    // 1 MiB in the middle changes.
    let mid = data.len() / 2;
    data[mid..mid + (1 << 20)].copy_from_slice(&pseudo_random(1 << 20, 99));
    std::fs::write(&file, &data).unwrap();
    assert_eq!(
        r.add_file(Kind::Dataset, "big", &file, "v2", json!({}))
            .unwrap(),
        2
    );
    let added = blob_bytes() - before;
    assert!(added <= 4 << 20, "a 1 MiB change stored {added} new bytes");
    assert_eq!(r.get(Kind::Dataset, "big", "2").unwrap(), data);
    let a = r.asset(Kind::Dataset, "big").unwrap();
    assert_eq!(a.versions[1].size, data.len() as u64);
    // Adding the same file again stores nothing but a new event.
    let before = blob_bytes();
    r.add_file(Kind::Dataset, "big", &file, "same", json!({}))
        .unwrap();
    assert_eq!(blob_bytes(), before);
    // A flipped byte in any chunk is caught on read, naming the blob.
    let m = r.store().manifest(&a.versions[1].content).unwrap();
    let (h, _) = &m.chunks[m.chunks.len() / 2];
    let key = format!("blobs/{}/{h}", &h[..2]);
    let mut bytes = s.raw.get(&key);
    bytes[10] ^= 1;
    s.raw.put(&key, &bytes);
    let e = r.get(Kind::Dataset, "big", "2").unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref msg) if msg.contains(h.as_str())),
        "{e}"
    );
}

#[test]
fn tags_lineage_both_ways_and_archive() {
    for s in stores("tags") {
        tags_lineage_on(&s.url);
    }
}

fn tags_lineage_on(url: &str) {
    let r = Registry::open(url).unwrap();
    r.add_version(Kind::Dataset, "churn", b"rows v1", "", json!({}))
        .unwrap();
    r.add_version(Kind::Dataset, "churn", b"rows v2", "", json!({}))
        .unwrap();
    r.add_version(Kind::Model, "churn-gbm", b"model", "", json!({}))
        .unwrap();
    r.set_tag(Kind::Model, "churn-gbm", 1, "team", Some("risk"))
        .unwrap();
    r.set_tag(Kind::Model, "churn-gbm", 1, "stage", Some("draft"))
        .unwrap();
    r.set_tag(Kind::Model, "churn-gbm", 1, "stage", None)
        .unwrap();
    let data = asset_ref(Kind::Dataset, "churn", 2);
    let model = asset_ref(Kind::Model, "churn-gbm", 1);
    r.record_lineage(
        &model,
        std::slice::from_ref(&data),
        Some("run-42"),
        Some("abc123"),
    )
    .unwrap();
    let m = r.asset(Kind::Model, "churn-gbm").unwrap();
    assert_eq!(m.tags[&1].get("team").map(String::as_str), Some("risk"));
    assert!(!m.tags[&1].contains_key("stage"));
    assert_eq!(m.inputs.len(), 1);
    assert_eq!(
        (
            m.inputs[0].other.clone(),
            m.inputs[0].run.as_deref(),
            m.inputs[0].commit.as_deref()
        ),
        (data.clone(), Some("run-42"), Some("abc123"))
    );
    // The other direction: which models used dataset churn v2?
    let d = r.asset(Kind::Dataset, "churn").unwrap();
    assert_eq!(d.used_by.len(), 1);
    assert_eq!(
        (d.used_by[0].version, d.used_by[0].other.clone()),
        (2, model.clone())
    );
    // A reference to a version that does not exist writes nothing anywhere.
    let ghost = asset_ref(Kind::Dataset, "churn", 9);
    assert!(matches!(
        r.record_lineage(&model, &[ghost], None, None),
        Err(Error::NotFound(_))
    ));
    assert_eq!(r.asset(Kind::Model, "churn-gbm").unwrap().inputs.len(), 1);
    // Archive hides from listings, keeps history; restore brings it back.
    assert_eq!(
        r.list(Kind::Dataset, false).unwrap(),
        vec!["churn".to_string()]
    );
    r.set_archived(Kind::Dataset, "churn", true).unwrap();
    assert!(r.list(Kind::Dataset, false).unwrap().is_empty());
    assert_eq!(
        r.list(Kind::Dataset, true).unwrap(),
        vec!["churn".to_string()]
    );
    assert_eq!(r.get(Kind::Dataset, "churn", "1").unwrap(), b"rows v1");
    r.set_archived(Kind::Dataset, "churn", false).unwrap();
    assert_eq!(r.list(Kind::Dataset, false).unwrap().len(), 1);
    assert!(matches!(
        r.set_tag(Kind::Model, "churn-gbm", 5, "k", Some("v")),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        r.set_archived(Kind::Model, "nope", true),
        Err(Error::NotFound(_))
    ));
}
