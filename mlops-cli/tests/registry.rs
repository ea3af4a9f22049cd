//! Many writers on one folder store, through the `mlops` binary: 8
//! processes at a time commit 200 versions each to one asset and move one
//! alias; every number from 1 to 1,600 is taken exactly once, every version
//! holds what its writer stored, and the alias history has every move.

use std::collections::BTreeMap;
use std::process::Command;

use mlops_core::registry::{Kind, Registry};

const WRITERS: usize = 8;
const VERSIONS: usize = 200;
const ALIAS_EVERY: usize = 25;

fn mlops(store: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlops"));
    c.args(["--store", store]);
    c
}

#[test]
fn eight_processes_commit_1600_versions_without_a_gap() {
    let dir = std::env::temp_dir().join(format!("mlops-writers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = dir.join("store");
    let store = store.to_str().unwrap().to_string();
    assert!(mlops(&store).arg("init").status().unwrap().success());
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, dir) = (store.clone(), dir.clone());
            std::thread::spawn(move || {
                let file = dir.join(format!("writer-{w}.bin"));
                let mut mine = Vec::new(); // (version, content)
                let mut aliases = Vec::new();
                for i in 0..VERSIONS {
                    let content = format!("writer {w} item {i}");
                    std::fs::write(&file, &content).unwrap();
                    let out = mlops(&store)
                        .args(["add", "model", "shared", file.to_str().unwrap(), "-m"])
                        .arg(format!("w{w} i{i}"))
                        .env("MLOPS_PRINCIPAL", format!("writer-{w}"))
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    let v: u64 = String::from_utf8(out.stdout)
                        .unwrap()
                        .trim()
                        .parse()
                        .unwrap();
                    mine.push((v, content));
                    if i % ALIAS_EVERY == 0 {
                        let ok = mlops(&store)
                            .args(["alias", "model", "shared", "production", &v.to_string()])
                            .env("MLOPS_PRINCIPAL", format!("writer-{w}"))
                            .status()
                            .unwrap();
                        assert!(ok.success());
                        aliases.push(v);
                    }
                }
                (mine, aliases)
            })
        })
        .collect();
    let mut expected = BTreeMap::new();
    let mut alias_moves: Vec<u64> = Vec::new();
    for h in writers {
        let (mine, aliases) = h.join().unwrap();
        for (v, content) in mine {
            assert!(
                expected.insert(v, content).is_none(),
                "version {v} given twice"
            );
        }
        alias_moves.extend(aliases);
    }
    let n = (WRITERS * VERSIONS) as u64;
    assert_eq!(
        expected.keys().copied().collect::<Vec<u64>>(),
        (1..=n).collect::<Vec<u64>>()
    );
    // The store alone tells the same story (the fold checks the numbering
    // and the hash chain), and every version's content reads back verified.
    let r = Registry::open(&store).unwrap();
    let a = r.asset(Kind::Model, "shared").unwrap();
    assert_eq!(a.versions.len() as u64, n);
    for (v, content) in &expected {
        assert_eq!(
            &r.get(Kind::Model, "shared", &v.to_string()).unwrap(),
            content.as_bytes(),
            "version {v}"
        );
        assert_eq!(
            a.versions[*v as usize - 1].principal,
            format!("writer-{}", &content[7..8])
        );
    }
    let mut history: Vec<u64> = a.aliases["production"].iter().map(|m| m.version).collect();
    assert_eq!(history.len(), WRITERS * VERSIONS.div_ceil(ALIAS_EVERY));
    history.sort_unstable();
    alias_moves.sort_unstable();
    assert_eq!(history, alias_moves, "every alias move is in the history");
    assert_eq!(a.events, n + alias_moves.len() as u64);
}
