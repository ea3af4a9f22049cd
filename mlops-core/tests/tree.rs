//! Directories as versions (`mlops_core::tree`): add, status, checkout and
//! per-file diff, on a folder and on S3 when the test command provides a
//! server (see `support/stores.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use mlops_core::registry::{Kind, Registry};
use mlops_core::tree::{referenced_objects, FileChange};
use mlops_core::Error;
use serde_json::json;

#[path = "support/stores.rs"]
mod support;
use support::{stores, TestStore};

/// The stat cache goes to a folder of the test run's own.
fn setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = std::env::temp_dir().join(format!("mlops-tree-cache-{}", std::process::id()));
        std::env::set_var("MLOPS_CACHE_DIR", dir);
    });
}

/// Seeded bytes.
fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "mlops-tree-{name}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Sets a file's mtime an hour back, so the stat cache trusts it at once
/// (a file changed within the last moments is hashed again, see `cache.rs`).
fn age(path: &Path, secs_back: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(secs_back))
        .unwrap();
}

fn write(dir: &Path, rel: &str, data: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    age(&p, 3600);
}

/// Every file and link below `dir`: path → (BLAKE3, executable) or link target.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn go(root: &Path, d: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                go(root, &e.path(), out);
            } else if ft.is_symlink() {
                let t = std::fs::read_link(e.path()).unwrap();
                out.insert(rel, format!("link {}", t.display()));
            } else {
                use std::os::unix::fs::PermissionsExt;
                let exec = e.metadata().unwrap().permissions().mode() & 0o111 != 0;
                let h = blake3::hash(&std::fs::read(e.path()).unwrap());
                out.insert(rel, format!("{h} exec={exec}"));
            }
        }
    }
    let mut out = BTreeMap::new();
    go(dir, dir, &mut out);
    out
}

/// A folder of `n` files in a few subfolders, one executable, one link
/// inside, one file large enough to be chunked content.
fn make_folder(name: &str, n: usize, large: bool) -> PathBuf {
    let d = tempdir(name);
    for i in 0..n {
        let size = 1 + (i * 7919) % 20_000;
        write(
            &d,
            &format!("part{}/f{i:05}.bin", i % 4),
            &bytes(size, i as u64),
        );
    }
    write(&d, "labels.csv", b"path,label\npart0/f00000.bin,cat\n");
    write(&d, "bin/run.sh", b"#!/bin/sh\necho hi\n");
    {
        use std::os::unix::fs::PermissionsExt;
        let p = d.join("bin/run.sh");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        age(&p, 3600);
    }
    std::os::unix::fs::symlink("../labels.csv", d.join("bin/labels.csv")).unwrap();
    if large {
        write(&d, "big/weights.bin", &bytes(5 * 1024 * 1024 + 123, 99));
    }
    d
}

fn paths(changes: &[FileChange]) -> Vec<&str> {
    changes.iter().map(|c| c.path.as_str()).collect()
}

#[test]
fn a_folder_round_trips_byte_identical() {
    setup();
    for s in stores("tree-roundtrip") {
        round_trip_on(&s);
    }
}

fn round_trip_on(s: &TestStore) {
    let r = Registry::open(&s.url).unwrap();
    let src = make_folder("src", 300, true);
    let v = r
        .add_path(
            Kind::Dataset,
            "images",
            &src,
            "first",
            json!({"source": "cam"}),
        )
        .unwrap();
    assert_eq!(v, 1);
    let version = r.version(Kind::Dataset, "images", "1").unwrap();
    assert_eq!(version.tree.as_ref().unwrap().files, 304);
    assert_eq!(
        version.size,
        snapshot_sizes(&src),
        "the version's size is its files' bytes"
    );
    let dest = tempdir("dest");
    std::fs::remove_dir(&dest).unwrap();
    let c = r
        .checkout(Kind::Dataset, "images", "latest", &dest)
        .unwrap();
    assert_eq!((c.files, c.written), (304, 304));
    assert_eq!(snapshot(&dest), snapshot(&src));
    // A second checkout finds every file there already (by the stat
    // cache, once the files are old enough to trust).
    for e in snapshot(&dest).keys() {
        let p = dest.join(e);
        if !std::fs::symlink_metadata(&p)
            .unwrap()
            .file_type()
            .is_symlink()
        {
            age(&p, 3600);
        }
    }
    let st = r.status(Kind::Dataset, "images", "1", &dest).unwrap();
    assert!(st.is_empty(), "{st:?}");
    assert_eq!(st.unchanged, 304);
    let again = r.checkout(Kind::Dataset, "images", "1", &dest).unwrap();
    assert_eq!(again.written, 0);
    // verify reads every file back against its hash.
    assert_eq!(r.verify(Kind::Dataset, "images").unwrap(), 1);
    // A tree version is not read as one file's bytes.
    assert!(matches!(
        r.get(Kind::Dataset, "images", "1"),
        Err(Error::InvalidInput(m)) if m.contains("directory of 304 files")
    ));
}

fn snapshot_sizes(dir: &Path) -> u64 {
    snapshot(dir)
        .keys()
        .map(|p| {
            let m = std::fs::symlink_metadata(dir.join(p)).unwrap();
            if m.file_type().is_symlink() {
                std::fs::read_link(dir.join(p))
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .len() as u64
            } else {
                m.len()
            }
        })
        .sum()
}

#[test]
fn status_sees_touches_edits_additions_and_removals() {
    setup();
    for s in stores("tree-status") {
        status_on(&s);
    }
}

fn status_on(s: &TestStore) {
    let r = Registry::open(&s.url).unwrap();
    let d = make_folder("status", 200, false);
    r.add_path(Kind::Dataset, "imgs", &d, "", json!({}))
        .unwrap();
    let st = r.status(Kind::Dataset, "imgs", "latest", &d).unwrap();
    assert!(st.is_empty());
    assert_eq!((st.unchanged, st.hashed), (203, 0));
    // A touch changes the stat, not the bytes: hashed again, unchanged.
    age(&d.join("part1/f00001.bin"), 60);
    let st = r.status(Kind::Dataset, "imgs", "latest", &d).unwrap();
    assert!(st.is_empty(), "{st:?}");
    assert_eq!(st.hashed, 1);
    // The cache now knows the touched file again.
    assert_eq!(
        r.status(Kind::Dataset, "imgs", "latest", &d)
            .unwrap()
            .hashed,
        0
    );
    // An edit, an addition, a removal and a new executable bit.
    write(&d, "part2/f00002.bin", b"edited");
    write(&d, "part9/new.bin", b"new file");
    std::fs::remove_file(d.join("part3/f00003.bin")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let p = d.join("labels.csv");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let st = r.status(Kind::Dataset, "imgs", "latest", &d).unwrap();
    assert_eq!(paths(&st.added), ["part9/new.bin"]);
    assert_eq!(
        st.added[0],
        FileChange {
            path: "part9/new.bin".into(),
            size_before: None,
            size_after: Some(8)
        }
    );
    assert_eq!(paths(&st.removed), ["part3/f00003.bin"]);
    assert_eq!(st.removed[0].size_before, Some(1 + (3 * 7919) % 20_000));
    assert_eq!(paths(&st.changed), ["labels.csv", "part2/f00002.bin"]);
    assert_eq!(st.changed[1].size_after, Some(6));
    assert_eq!(st.unchanged, 200);
    // Only the edited, added and re-moded files were read.
    assert_eq!(st.hashed, 3);
    // Committing it: the new version is clean against the folder, and the
    // per-file diff of the versions says the same as the status did.
    assert_eq!(
        r.add_path(Kind::Dataset, "imgs", &d, "edit", json!({}))
            .unwrap(),
        2
    );
    assert!(r.status(Kind::Dataset, "imgs", "2", &d).unwrap().is_empty());
    let diff = r.diff_files(Kind::Dataset, "imgs", "1", "2").unwrap();
    assert_eq!(diff.added, st.added);
    assert_eq!(diff.removed, st.removed);
    assert_eq!(diff.changed, st.changed);
    assert_eq!((diff.unchanged, diff.hashed), (200, 0));
    // And the status against version 1 shows the folder's changes.
    let back = r.status(Kind::Dataset, "imgs", "1", &d).unwrap();
    assert_eq!(paths(&back.changed), ["labels.csv", "part2/f00002.bin"]);
    // Checking out version 1 over the folder restores the edited, removed
    // and re-moded files (the added one is left alone).
    let c = r.checkout(Kind::Dataset, "imgs", "1", &d).unwrap();
    assert_eq!(c.written, 3);
    let st = r.status(Kind::Dataset, "imgs", "1", &d).unwrap();
    assert_eq!(paths(&st.added), ["part9/new.bin"]);
    assert!(st.removed.is_empty() && st.changed.is_empty(), "{st:?}");
}

/// New objects' keys and bytes between two listings.
fn new_objects(s: &TestStore, before: &BTreeSet<String>) -> Vec<(String, u64)> {
    s.raw
        .keys()
        .into_iter()
        .filter(|k| !before.contains(k))
        .map(|k| {
            let n = s.raw.get(&k).len() as u64;
            (k, n)
        })
        .collect()
}

#[test]
fn one_changed_file_writes_one_page_and_one_small_pack() {
    setup();
    for s in stores("tree-one-change") {
        one_change_on(&s);
    }
}

fn one_change_on(s: &TestStore) {
    let r = Registry::open(&s.url).unwrap();
    let d = tempdir("many");
    for i in 0..10_000 {
        write(
            &d,
            &format!("d{:02}/img{i:05}.jpg", i % 50),
            &bytes(64 + i % 500, i as u64),
        );
    }
    r.add_path(Kind::Dataset, "many", &d, "", json!({}))
        .unwrap();
    let root1 = r.version(Kind::Dataset, "many", "1").unwrap().content;
    let before: BTreeSet<String> = s.raw.keys().into_iter().collect();
    let changed = bytes(1000, 7);
    write(&d, "d07/img00007.jpg", &changed);
    r.add_path(Kind::Dataset, "many", &d, "one file", json!({}))
        .unwrap();
    let new = new_objects(s, &before);
    let blobs: Vec<&(String, u64)> = new
        .iter()
        .filter(|(k, _)| k.starts_with("blobs/"))
        .collect();
    // The data: one pack holding exactly the changed file.
    let packs: Vec<_> = blobs.iter().filter(|(_, n)| *n == 1000).collect();
    assert_eq!(packs.len(), 1, "{new:?}");
    assert_eq!(s.raw.get(&packs[0].0), changed);
    // The metadata: the page holding it, the root, the event and indexes.
    let metadata: u64 = new.iter().map(|(_, n)| n).sum::<u64>() - 1000;
    assert!(metadata <= 1024 * 1024, "{metadata} bytes of metadata");
    assert!(blobs.len() <= 4, "{blobs:?}");
    let root2 = r.version(Kind::Dataset, "many", "2").unwrap().content;
    let pages = |root: &str| {
        let v: serde_json::Value =
            serde_json::from_slice(&s.raw.get(&format!("blobs/{}/{root}", &root[..2]))).unwrap();
        v["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[0].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (p1, p2) = (pages(&root1), pages(&root2));
    assert!(p1.len() >= 5, "{} pages", p1.len());
    assert_eq!(p1.len(), p2.len());
    assert_eq!(p1.iter().zip(&p2).filter(|(a, b)| a != b).count(), 1);
    // Every object the two versions name is what the store holds, and the
    // collector's hook lists exactly those.
    let store = r.store();
    let mut named: BTreeSet<String> = BTreeSet::new();
    for root in [&root1, &root2] {
        for h in referenced_objects(store, root).unwrap() {
            named.insert(format!("blobs/{}/{h}", &h.as_str()[..2]));
        }
    }
    let held: BTreeSet<String> = s
        .raw
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("blobs/"))
        .collect();
    assert_eq!(named, held);
}

#[test]
fn objects_stay_few() {
    setup();
    for s in stores("tree-objects") {
        let r = Registry::open(&s.url).unwrap();
        let d = tempdir("objects");
        let mut total = 0u64;
        for i in 0..3000u64 {
            // Log-uniform 1 KiB to 200 KiB.
            let f = (i * 2654435761 % 1000) as f64 / 1000.0;
            let size = (1024.0 * 200f64.powf(f)) as usize;
            total += size as u64;
            write(&d, &format!("c{}/{i}.png", i % 10), &bytes(size, i));
        }
        r.add_path(Kind::Dataset, "objs", &d, "", json!({}))
            .unwrap();
        let keys = s.raw.keys();
        let bound = total / (16 * 1024 * 1024) + 64;
        assert!(
            (keys.len() as u64) <= bound,
            "{} objects for {total} bytes (bound {bound})",
            keys.len()
        );
        let blobs = keys.iter().filter(|k| k.starts_with("blobs/")).count();
        // Packs of up to 64 MiB, pages and a root.
        let packs = total.div_ceil(64 * 1024 * 1024) as usize;
        assert!(
            blobs <= packs + 1 + 1 + 3 + 1,
            "{blobs} blobs, {packs} packs"
        );
    }
}

#[test]
fn paths_leaving_the_folder_are_refused() {
    setup();
    let r = Registry::open(&support::folder("tree-safety").url).unwrap();
    // A link out of the folder: refused on add, naming it.
    let d = make_folder("outlink", 3, false);
    std::os::unix::fs::symlink("/etc/passwd", d.join("part0/evil")).unwrap();
    let e = r
        .add_path(Kind::Dataset, "x", &d, "", json!({}))
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("part0/evil") && m.contains("outside")),
        "{e}"
    );
    std::fs::remove_file(d.join("part0/evil")).unwrap();
    std::os::unix::fs::symlink("../../x", d.join("part0/up")).unwrap();
    let e = r
        .add_path(Kind::Dataset, "x", &d, "", json!({}))
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("part0/up")),
        "{e}"
    );
    assert!(matches!(
        r.asset(Kind::Dataset, "x"),
        Err(Error::NotFound(_))
    ));
    std::fs::remove_file(d.join("part0/up")).unwrap();

    // A stored tree naming `..`: refused at checkout, nothing written.
    let store = r.store();
    let evil = b"pwned";
    let pack = store.put_blob(evil).unwrap();
    for bad in ["../evil", "/tmp/evil", "a/../../evil"] {
        let page = format!(
            r#"{{"format":"mlops.tree.page","entries":[["{bad}",5,"{}","f",[0,0]]],"packs":["{pack}"]}}"#,
            blake3::hash(evil).to_hex()
        );
        let page = store.put_blob(page.as_bytes()).unwrap();
        let root =
            format!(r#"{{"format":"mlops.tree","files":1,"size":5,"pages":[["{page}",1]]}}"#);
        let root = store.put_blob(root.as_bytes()).unwrap();
        let name = format!("bad{}", bad.len());
        store
            .append(&format!("assets/dataset/{name}/log"), |tip| {
                let prev = tip.prev_hash().map(|h| h.to_string()).unwrap_or_default();
                Ok(format!(
                    r#"{{"format":"mlops.event","v":1,"seq":{},"prev":"{prev}","time":1,"principal":"x","versions":1,"type":"version","version":1,"content":"{root}","size":5,"message":"","metadata":{{}},"tree":{{"files":1}}}}"#,
                    tip.next_seq()
                )
                .into_bytes())
            })
            .unwrap();
        let dest = tempdir("evil-dest").join("inner");
        let e = r.checkout(Kind::Dataset, &name, "1", &dest).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput(m) if m.contains(bad)),
            "{e}"
        );
        assert!(!dest.exists() && !dest.parent().unwrap().join("evil").exists());
    }

    // A folder of the destination that is a link is not written through.
    r.add_path(Kind::Dataset, "ok", &d, "", json!({})).unwrap();
    let dest = tempdir("linked-dest");
    let elsewhere = tempdir("elsewhere");
    std::os::unix::fs::symlink(&elsewhere, dest.join("part1")).unwrap();
    let e = r.checkout(Kind::Dataset, "ok", "1", &dest).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("'part1'")),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn a_corrupt_pack_byte_is_an_integrity_error_naming_the_file() {
    setup();
    for s in stores("tree-corrupt") {
        let r = Registry::open(&s.url).unwrap();
        let d = tempdir("corrupt");
        write(&d, "a/one.bin", &bytes(3000, 1));
        write(&d, "b/two.bin", &bytes(5000, 2));
        r.add_path(Kind::Dataset, "c", &d, "", json!({})).unwrap();
        // The pack is the one blob of 8,000 bytes; flip a byte of two.bin.
        let key = s
            .raw
            .keys()
            .into_iter()
            .find(|k| k.starts_with("blobs/") && s.raw.get(k).len() == 8000)
            .unwrap();
        let mut b = s.raw.get(&key);
        b[3000 + 17] ^= 1;
        s.raw.put(&key, &b);
        let dest = tempdir("corrupt-dest");
        let e = r.checkout(Kind::Dataset, "c", "1", &dest).unwrap_err();
        assert!(
            matches!(&e, Error::Integrity(m) if m.contains("b/two.bin")),
            "{e}"
        );
        assert!(!dest.join("b/two.bin").exists());
        let e = r.verify(Kind::Dataset, "c").unwrap_err();
        assert!(matches!(&e, Error::Integrity(_)), "{e}");
        // A pack cut short: an error naming the pack, and no file written
        // (its length is checked before any of its files is).
        s.raw.put(&key, &b[..5000]);
        let dest = tempdir("short-dest");
        let e = r.checkout(Kind::Dataset, "c", "1", &dest).unwrap_err();
        let pack = key.rsplit('/').next().unwrap();
        assert!(
            matches!(&e, Error::Integrity(m) if m.contains(pack) && m.contains("shorter")),
            "{e}"
        );
        assert!(!dest.join("a/one.bin").exists());
    }
}

/// A free path is written in place, one that holds something is replaced
/// whole: a file with other bytes, a link (replaced itself, never written
/// through: its target outside keeps its bytes), and a large chunked file;
/// no temporary file is left behind.
#[cfg(unix)]
#[test]
fn checkout_replaces_what_is_in_the_way_and_writes_free_paths_in_place() {
    setup();
    let r = Registry::open("memory://").unwrap();
    let src = tempdir("in-the-way-src");
    write(&src, "a/small.bin", &bytes(3000, 1));
    write(&src, "a/other.bin", &bytes(4000, 2));
    write(&src, "big.bin", &bytes(5 << 20, 3));
    write(&src, "free.bin", &bytes(100, 4));
    r.add_path(Kind::Dataset, "w", &src, "", json!({})).unwrap();
    let dest = tempdir("in-the-way-dest");
    let outside = tempdir("in-the-way-outside");
    write(&dest, "a/small.bin", b"stale bytes");
    write(&dest, "big.bin", b"stale too");
    write(&outside, "target.bin", b"keep me");
    std::os::unix::fs::symlink(outside.join("target.bin"), dest.join("a/other.bin")).unwrap();
    let c = r.checkout(Kind::Dataset, "w", "1", &dest).unwrap();
    assert_eq!((c.files, c.written), (4, 4));
    assert_eq!(snapshot(&dest), snapshot(&src));
    assert!(!std::fs::symlink_metadata(dest.join("a/other.bin"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read(outside.join("target.bin")).unwrap(),
        b"keep me"
    );
}

#[test]
fn only_tree_versions_have_files() {
    setup();
    let r = Registry::open("memory://").unwrap();
    r.add_version(Kind::Model, "m", b"w", "", json!({}))
        .unwrap();
    let d = tempdir("plain");
    for call in [
        r.status(Kind::Model, "m", "1", &d).map(drop),
        r.checkout(Kind::Model, "m", "1", &d).map(drop),
        r.diff_files(Kind::Model, "m", "1", "1").map(drop),
    ] {
        assert!(matches!(call, Err(Error::InvalidInput(m)) if m.contains("not a directory")));
    }
    assert!(matches!(
        r.status(Kind::Model, "nope", "1", &d),
        Err(Error::NotFound(_))
    ));
}
