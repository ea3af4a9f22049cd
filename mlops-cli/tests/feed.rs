//! `mlops feed`: the change feed through the binary. `changes` prints the
//! events after a cursor, `watch` prints new ones as JSON lines and keeps
//! its cursor in a file, so a second watch from the file prints only what
//! came after; `dispatch` refuses a bad URL with exit 2.

use std::process::Command;

mod common;
use common::succeeded;

fn mlops(store: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlops"));
    c.args(["--store", store]);
    c
}

/// The ids of the JSON lines `out` holds.
fn ids(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn changes_watch_and_a_cursor_file() {
    let dir = std::env::temp_dir().join(format!("mlops-cli-feed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    let file = dir.join("m.bin");
    std::fs::write(&file, b"weights").unwrap();
    let f = file.to_str().unwrap();
    succeeded(
        &mlops(store)
            .args(["add", "model", "m", f])
            .output()
            .unwrap(),
    );
    succeeded(
        &mlops(store)
            .args(["alias", "model", "m", "production", "1"])
            .output()
            .unwrap(),
    );

    let out = succeeded(&mlops(store).args(["feed", "changes"]).output().unwrap());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[0]["event"].as_str(), events[1]["event"].as_str()),
        (Some("version.created"), Some("alias.set"))
    );
    let cursor = v["cursor"].as_str().unwrap().to_string();
    let now = succeeded(&mlops(store).args(["feed", "cursor"]).output().unwrap());
    assert_eq!(now.trim(), cursor);

    // A watch from the start with a cursor file prints both, then stops.
    let cursor_file = dir.join("feed.cursor");
    let cf = cursor_file.to_str().unwrap();
    let first = succeeded(
        &mlops(store)
            .args([
                "feed",
                "watch",
                "--since",
                "start",
                "--cursor-file",
                cf,
                "--timeout",
                "0.3",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(ids(&first), ["model/m@1", "model/m@2"]);
    assert_eq!(
        std::fs::read_to_string(&cursor_file).unwrap().trim(),
        cursor
    );
    succeeded(
        &mlops(store)
            .args(["tag", "model", "m", "1", "team", "risk"])
            .output()
            .unwrap(),
    );
    // Started again from the file: only what came after.
    let second = succeeded(
        &mlops(store)
            .args(["feed", "watch", "--cursor-file", cf, "--timeout", "0.3"])
            .output()
            .unwrap(),
    );
    assert_eq!(ids(&second), ["model/m@3"]);

    let bad = mlops(store)
        .args([
            "feed",
            "dispatch",
            "ftp://nowhere",
            "--secret-env",
            "S",
            "--timeout",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("url"));
    let bad = mlops(store)
        .args(["feed", "changes", "--since", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
