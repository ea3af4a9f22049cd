//! Many writers on one store, through the `mlops` binary: 8 processes at a
//! time commit versions to one asset and move one alias; every number is
//! taken exactly once with no gap, every version holds what its writer
//! stored, and the alias history has every move. On a local folder each
//! writer commits 200 versions (1,600 in all); on S3 (when the test command
//! provides a server, see `mlops-core/tests/support/stores.rs`) 50 each,
//! since every commit there is a handful of HTTP requests.

use std::collections::BTreeMap;
use std::process::Command;

use mlops_core::registry::{Kind, Registry};

mod common;
use common::succeeded;

#[path = "../../mlops-core/tests/support/stores.rs"]
mod support;
use support::{folder, s3, s3_url};

const WRITERS: usize = 8;
const ALIAS_EVERY: usize = 25;

fn mlops(store: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlops"));
    c.args(["--store", store]);
    c
}

#[test]
fn eight_processes_commit_without_a_gap() {
    many_writers(&folder("writers").url, 200);
    if let Some(bucket) = s3_url() {
        many_writers(&s3("writers", &bucket).url, 50);
    }
}

fn many_writers(store: &str, versions: usize) {
    let work = std::env::temp_dir().join(format!(
        "mlops-writers-{}-{}",
        std::process::id(),
        store.len()
    ));
    std::fs::create_dir_all(&work).unwrap();
    assert!(mlops(store).arg("init").status().unwrap().success());
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, work) = (store.to_string(), work.clone());
            std::thread::spawn(move || {
                let file = work.join(format!("writer-{w}.bin"));
                let mut mine = Vec::new(); // (version, content)
                let mut aliases = Vec::new();
                for i in 0..versions {
                    let content = format!("writer {w} item {i}");
                    std::fs::write(&file, &content).unwrap();
                    let out = mlops(&store)
                        .args(["add", "model", "shared", file.to_str().unwrap(), "-m"])
                        .arg(format!("w{w} i{i}"))
                        .env("MLOPS_PRINCIPAL", format!("writer-{w}"))
                        .output()
                        .unwrap();
                    succeeded(&out);
                    let v: u64 = String::from_utf8(out.stdout)
                        .unwrap()
                        .trim()
                        .parse()
                        .unwrap();
                    mine.push((v, content));
                    if i % ALIAS_EVERY == 0 {
                        let out = mlops(&store)
                            .args(["alias", "model", "shared", "production", &v.to_string()])
                            .env("MLOPS_PRINCIPAL", format!("writer-{w}"))
                            .output()
                            .unwrap();
                        succeeded(&out);
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
                "{store}: version {v} given twice"
            );
        }
        alias_moves.extend(aliases);
    }
    let n = (WRITERS * versions) as u64;
    assert_eq!(
        expected.keys().copied().collect::<Vec<u64>>(),
        (1..=n).collect::<Vec<u64>>(),
        "{store}"
    );
    // The store alone tells the same story (the fold checks the numbering
    // and the hash chain), and every version's content reads back verified.
    let r = Registry::open(store).unwrap();
    let a = r.asset(Kind::Model, "shared").unwrap();
    assert_eq!(a.versions.len() as u64, n);
    for (v, content) in &expected {
        let version = &a.versions[*v as usize - 1];
        let mut got = Vec::new();
        r.store().get_content(&version.content, &mut got).unwrap();
        assert_eq!(got, content.as_bytes(), "{store}: version {v}");
        assert_eq!(version.principal, format!("writer-{}", &content[7..8]));
    }
    let mut history: Vec<u64> = a.aliases["production"].iter().map(|m| m.version).collect();
    assert_eq!(history.len(), WRITERS * versions.div_ceil(ALIAS_EVERY));
    history.sort_unstable();
    alias_moves.sort_unstable();
    assert_eq!(history, alias_moves, "every alias move is in the history");
    assert_eq!(a.events, n + alias_moves.len() as u64);
    // The indexes racing writers kept (head, packs, version index) agree
    // with the log, and fast reads give what the fold gives.
    let out = mlops(store)
        .args(["verify", "model", "shared"])
        .output()
        .unwrap();
    succeeded(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{} events", a.events)));
    for v in [1, n / 2, n] {
        assert_eq!(
            &r.version(Kind::Model, "shared", &v.to_string()).unwrap(),
            &a.versions[v as usize - 1]
        );
    }
    assert_eq!(
        r.version(Kind::Model, "shared", "production")
            .unwrap()
            .version,
        a.alias("production").unwrap()
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// `mlops diff --key`, `mlops alias history` and `mlops search --limit
/// --page-token`, on a folder and on S3 when a server is given.
#[test]
fn row_diff_alias_history_and_search_pages() {
    let mut stores = vec![folder("cli-rows")];
    if let Some(url) = s3_url() {
        stores.push(s3("cli-rows", &url));
    }
    for s in stores {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, "id,x,y\n1,a,1\n2,b,2\n3,c,3\n").unwrap();
        std::fs::write(&b, "id,x,y\n1,a,1\n2,B,2\n4,d,4\n3,c,30\n").unwrap();
        for f in [&a, &b] {
            succeeded(
                &mlops(&s.url)
                    .args(["add", "dataset", "t"])
                    .arg(f)
                    .output()
                    .unwrap(),
            );
        }
        let out = dir.path().join("diff");
        let text = succeeded(
            &mlops(&s.url)
                .args(["diff", "t", "1", "2", "--key", "id", "--out"])
                .arg(&out)
                .output()
                .unwrap(),
        );
        assert!(
            text.contains("added 1, removed 0, changed 2, unchanged 1")
                && text.contains("x: 1 changed")
                && text.contains("y: 1 changed"),
            "{text}"
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(
            summary["changed_cells"],
            serde_json::json!({"x": 1, "y": 1})
        );
        for f in ["added.parquet", "removed.parquet", "changed.parquet"] {
            assert!(out.join(f).is_file(), "{f}");
        }
        let json = succeeded(
            &mlops(&s.url)
                .args(["diff", "t", "1", "2", "--key", "id", "--json"])
                .output()
                .unwrap(),
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (v["added"].as_u64(), v["changed"].as_u64()),
            (Some(1), Some(2))
        );
        let bad = mlops(&s.url)
            .args(["diff", "t", "1", "2", "--key", "nope"])
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&bad.stderr).contains("key column 'nope'"));

        succeeded(
            &mlops(&s.url)
                .args([
                    "--reason",
                    "reviewed",
                    "alias",
                    "dataset",
                    "t",
                    "production",
                    "2",
                ])
                .output()
                .unwrap(),
        );
        succeeded(
            &mlops(&s.url)
                .args(["alias", "dataset", "t", "production", "1"])
                .output()
                .unwrap(),
        );
        let history = succeeded(
            &mlops(&s.url)
                .args(["alias", "history", "dataset", "t", "production", "--json"])
                .output()
                .unwrap(),
        );
        let moves: Vec<serde_json::Value> = history
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let got: Vec<(u64, Option<&str>)> = moves
            .iter()
            .map(|m| (m["version"].as_u64().unwrap(), m["reason"].as_str()))
            .collect();
        assert_eq!(got, vec![(2, Some("reviewed")), (1, None)]);

        let page = mlops(&s.url)
            .args(["search", "version > 0", "--limit", "1"])
            .output()
            .unwrap();
        let hits = succeeded(&page);
        assert_eq!(hits.lines().count(), 1);
        assert!(hits.contains(r#""aliases":["production"]"#), "{hits}");
        let err = String::from_utf8_lossy(&page.stderr).into_owned();
        let token = err.trim().strip_prefix("next page token: ").unwrap();
        assert_eq!(token, "dataset/t/1");
        let next = mlops(&s.url)
            .args([
                "search",
                "version > 0",
                "--limit",
                "5",
                "--page-token",
                token,
            ])
            .output()
            .unwrap();
        let hits = succeeded(&next);
        assert_eq!(hits.lines().count(), 1);
        assert!(
            hits.contains(r#""version":2"#) && next.stderr.is_empty(),
            "{hits}"
        );
    }
}
