//! `mlops expire`, `mlops gc plan|apply` and `mlops fsck` through the
//! binary: the outputs, the exit codes (2 and EXPIRED for an expired
//! version, 1 from fsck when a blob is missing), a plan file round trip, and
//! expired versions in `show` and in search hits.

use std::process::{Command, Output};

fn mlops(store: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops"))
        .args(["--store", store])
        .args(args)
        .env("MLOPS_PRINCIPAL", "ops")
        .env_remove("MLOPS_REASON")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn expire_gc_and_fsck() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    for i in 0..3 {
        let f = dir.path().join(format!("w{i}.bin"));
        std::fs::write(&f, format!("weights {i}").repeat(1000)).unwrap();
        assert!(mlops(store, &["add", "model", "m", f.to_str().unwrap()])
            .status
            .success());
    }
    assert!(mlops(store, &["pin", "model", "m", "3"]).status.success());
    let o = mlops(store, &["expire", "model", "m", "--keep-last", "1"]);
    assert_eq!(text(&o), "model 'm': expired v1, v2\n");
    // `show` says who expired what and what is pinned; hits say expired.
    let shown = text(&mlops(store, &["show", "model", "m"]));
    assert!(
        shown.contains(
            "  v1 expired by ops (keep_last=1, event 5)\n  v2 expired by ops (keep_last=1, event 5)\n  pinned: v3\n"
        ),
        "{shown}"
    );
    let hits = text(&mlops(store, &["search", "name = 'm'"]));
    let flags: Vec<bool> = hits
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["expired"]
                .as_bool()
                .unwrap()
        })
        .collect();
    assert_eq!(flags, [true, true, false]);
    let hits = text(&mlops(store, &["search", "expired = true"]));
    assert_eq!(hits.lines().count(), 2, "{hits}");
    let o = mlops(store, &["get", "model", "m", "1", "-o", "/dev/null"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("mlops: error [EXPIRED]: expired: model 'm' v1 was expired by ops"),
        "{err}"
    );

    let o = mlops(store, &["gc", "plan", "--grace", "0s"]);
    assert_eq!(o.status.code(), Some(2));
    let plan = dir.path().join("plan.json");
    let o = mlops(
        store,
        &[
            "gc",
            "plan",
            "--grace",
            "0s",
            "--unsafe",
            "--out",
            plan.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = text(&o);
    assert_eq!(out.matches("expired_only").count(), 4, "{out}");
    let planned: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    let bytes = planned["bytes"].as_u64().unwrap();
    let o = mlops(store, &["gc", "apply", plan.to_str().unwrap()]);
    assert_eq!(text(&o), format!("deleted 4 blobs, {bytes} bytes\n"));

    let o = mlops(store, &["fsck", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let f: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (f["orphans"].as_array().unwrap().len(), f["ok"].as_bool()),
        (0, Some(true))
    );
    // A blob removed behind the store's back is missing: exit 1.
    let blob = f["objects"].as_u64().unwrap();
    assert_eq!(blob, 2);
    let blobs = dir.path().join("store/blobs");
    let sub = std::fs::read_dir(&blobs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let file = std::fs::read_dir(&sub)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(file).unwrap();
    let o = mlops(store, &["fsck"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("1 missing"), "{}", text(&o));
}
