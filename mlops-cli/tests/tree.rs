//! Folders as versions through the `mlops` binary: `add` of a folder,
//! `status`, `diff-files` and `checkout`, with their outputs.

use std::process::Command;

fn mlops(store: &std::path::Path, cache: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlops"));
    c.arg("--store").arg(store).env("MLOPS_CACHE_DIR", cache);
    c
}

fn run(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_folder_through_the_command_line() {
    let work = std::env::temp_dir().join(format!("mlops-cli-tree-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let (store, cache, images) = (work.join("store"), work.join("cache"), work.join("images"));
    std::fs::create_dir_all(images.join("cats")).unwrap();
    std::fs::write(images.join("cats/1.jpg"), b"meow").unwrap();
    std::fs::write(images.join("cats/2.jpg"), b"purr").unwrap();
    let add = |m: &str| {
        run(mlops(&store, &cache)
            .args(["add", "dataset", "images"])
            .arg(&images)
            .args(["-m", m]))
    };
    assert_eq!(add("first"), "1\n");
    let status = || {
        run(mlops(&store, &cache)
            .args(["status", "dataset", "images"])
            .arg(&images))
    };
    assert!(status().starts_with("0 added, 0 removed, 0 changed, 2 unchanged"));
    std::fs::write(images.join("cats/2.jpg"), b"hiss!").unwrap();
    std::fs::write(images.join("cats/3.jpg"), b"new").unwrap();
    std::fs::remove_file(images.join("cats/1.jpg")).unwrap();
    assert_eq!(
        status(),
        "A cats/3.jpg (3 bytes)\nD cats/1.jpg (4 bytes)\nM cats/2.jpg (4 -> 5 bytes)\n\
         1 added, 1 removed, 1 changed, 0 unchanged (2 hashed)\n"
    );
    assert_eq!(add("edit"), "2\n");
    let json =
        run(mlops(&store, &cache).args(["diff-files", "dataset", "images", "1", "2", "--json"]));
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(d["added"][0]["path"], "cats/3.jpg");
    assert_eq!(d["removed"][0]["size_before"], 4);
    assert_eq!(d["changed"][0]["size_after"], 5);
    let restored = work.join("restored");
    assert_eq!(
        run(mlops(&store, &cache)
            .args(["checkout", "dataset", "images"])
            .arg(&restored)
            .arg("1")),
        "2 files, 2 written (8 bytes)\n"
    );
    assert_eq!(std::fs::read(restored.join("cats/1.jpg")).unwrap(), b"meow");
    assert_eq!(std::fs::read(restored.join("cats/2.jpg")).unwrap(), b"purr");
    // `get` of a folder's version says to check it out.
    let out = mlops(&store, &cache)
        .args(["get", "dataset", "images", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[INVALID_INPUT]"));
    std::fs::remove_dir_all(&work).unwrap();
}
