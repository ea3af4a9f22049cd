//! The store and the registry: versions, aliases, integrity, many writers.

use std::collections::BTreeSet;

use mlops_core::registry::{Kind, Registry};
use mlops_core::store::Store;
use mlops_core::Error;
use serde_json::json;

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mlops-registry-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn versions_and_aliases_with_history() {
    let dir = tmp("basic");
    let r = Registry::open(dir.to_str().unwrap())
        .unwrap()
        .with_principal("ana");
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
    let other = Registry::open(&format!("file://{}", dir.display())).unwrap();
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
    assert!(matches!(Kind::parse("table"), Err(Error::InvalidInput(_))));
    assert!(matches!(
        Store::open("s3://bucket/x"),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn corruption_is_detected() {
    let dir = tmp("corrupt");
    let r = Registry::open(dir.to_str().unwrap()).unwrap();
    r.add_version(Kind::Artifact, "a", b"good bytes", "", json!({}))
        .unwrap();
    r.add_version(Kind::Artifact, "a", b"more bytes", "", json!({}))
        .unwrap();
    let a = r.asset(Kind::Artifact, "a").unwrap();
    // A blob whose bytes changed on disk.
    let h = &a.versions[0].content;
    let blob = dir.join("blobs").join(&h[..2]).join(h);
    std::fs::write(&blob, b"evil bytes").unwrap();
    assert!(matches!(
        r.get(Kind::Artifact, "a", "1"),
        Err(Error::Integrity(_))
    ));
    // An event rewritten in place breaks the hash chain: `verify` walks
    // the log's own events; reads that find no index do too.
    let ev = dir
        .join("assets/artifact/a/log")
        .join(format!("{:020}.json", 1));
    let text = std::fs::read_to_string(&ev)
        .unwrap()
        .replace("\"message\":\"\"", "\"message\":\"forged\"");
    std::fs::write(&ev, text).unwrap();
    let e = r.verify(Kind::Artifact, "a").unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref m) if m.contains("event 2") && m.contains("hash chain")),
        "{e}"
    );
    std::fs::remove_file(dir.join("assets/artifact/a/head.json")).unwrap();
    let e = r.asset(Kind::Artifact, "a").unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref m) if m.contains("hash chain")),
        "{e}"
    );
    // A newer store format is refused.
    std::fs::write(
        dir.join("mlops.json"),
        r#"{"format":"mlops.store","version":99}"#,
    )
    .unwrap();
    assert!(matches!(
        Registry::open(dir.to_str().unwrap()),
        Err(Error::Integrity(_))
    ));
}

#[test]
fn threads_writing_at_once_get_every_number_once() {
    let dir = tmp("threads");
    let url = dir.to_str().unwrap().to_string();
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
    let contents: BTreeSet<Vec<u8>> = (1..=200)
        .map(|v| r.get(Kind::Model, "m", &v.to_string()).unwrap())
        .collect();
    assert_eq!(
        contents.len(),
        200,
        "every version holds a distinct writer's content"
    );
    assert_eq!(a.versions.len(), 200);
}

fn blob_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for sub in std::fs::read_dir(dir.join("blobs")).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            total += f.unwrap().metadata().unwrap().len();
        }
    }
    total
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
    let dir = tmp("chunks");
    let r = Registry::open(dir.to_str().unwrap()).unwrap();
    let mut data = pseudo_random(24 << 20, 7);
    let file = dir.join("big.bin");
    std::fs::write(&file, &data).unwrap();
    assert_eq!(
        r.add_file(Kind::Dataset, "big", &file, "v1", json!({}))
            .unwrap(),
        1
    );
    let before = blob_bytes(&dir);
    // 1 MiB in the middle changes.
    let mid = data.len() / 2;
    data[mid..mid + (1 << 20)].copy_from_slice(&pseudo_random(1 << 20, 99));
    std::fs::write(&file, &data).unwrap();
    assert_eq!(
        r.add_file(Kind::Dataset, "big", &file, "v2", json!({}))
            .unwrap(),
        2
    );
    let added = blob_bytes(&dir) - before;
    assert!(added <= 4 << 20, "a 1 MiB change stored {added} new bytes");
    assert_eq!(r.get(Kind::Dataset, "big", "2").unwrap(), data);
    let a = r.asset(Kind::Dataset, "big").unwrap();
    assert_eq!(a.versions[1].size, data.len() as u64);
    // Adding the same file again stores nothing but a new event.
    let before = blob_bytes(&dir);
    r.add_file(Kind::Dataset, "big", &file, "same", json!({}))
        .unwrap();
    assert_eq!(blob_bytes(&dir), before);
    // A flipped byte in any chunk is caught on read, naming the blob.
    let m = r.store().manifest(&a.versions[1].content).unwrap();
    let (h, _) = &m.chunks[m.chunks.len() / 2];
    let path = dir.join("blobs").join(&h[..2]).join(h);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let e = r.get(Kind::Dataset, "big", "2").unwrap_err();
    assert!(
        matches!(e, Error::Integrity(ref msg) if msg.contains(h.as_str())),
        "{e}"
    );
}

#[test]
fn tags_lineage_both_ways_and_archive() {
    use mlops_core::registry::AssetRef;
    let r = Registry::open("memory://").unwrap();
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
    let data = AssetRef {
        kind: Kind::Dataset,
        name: "churn".into(),
        version: 2,
    };
    let model = AssetRef {
        kind: Kind::Model,
        name: "churn-gbm".into(),
        version: 1,
    };
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
    let ghost = AssetRef {
        kind: Kind::Dataset,
        name: "churn".into(),
        version: 9,
    };
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
