//! `mlops profiles` through the binary: slices saved under their keys (from
//! data files and from profile files), merged into the profile of their
//! rows, a key saved again superseding, refused keys named, the reason
//! recorded in the audit trail.

use std::path::Path;
use std::process::{Command, Output};

use mlops_core::Profile;

mod common;
use common::{refused, succeeded, tmp};

/// `mlops --store STORE ARGS` as ana, with no reason from the environment.
fn mlops(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops"))
        .arg("--store")
        .arg(store)
        .args(args)
        .env("MLOPS_PRINCIPAL", "ana")
        .env_remove("MLOPS_REASON")
        .env_remove("MLOPS_STORE")
        .output()
        .unwrap()
}

/// Rows of three days, as CSV bodies (`x,n`).
const DAYS: [(&str, &str); 3] = [
    ("2026-12-01", "1.5,1\n2.25,2\n9,3\n"),
    ("2026-12-02", "-4,7\n0.125,-2\n"),
    ("2026-12-03", "3.75,0\n100,0\n6.5,5\n2,11\n"),
];

/// A scratch folder with one CSV file per day (`<key>.csv`) and its store,
/// each day saved under its key: the first from its profile file, the
/// others from their data files.
fn saved(name: &str) -> std::path::PathBuf {
    let dir = tmp("mlops-cli-profiles", name);
    let store = dir.join("store");
    let _ = std::fs::remove_dir_all(&store);
    for (i, (key, rows)) in DAYS.iter().enumerate() {
        let csv = dir.join(format!("{key}.csv"));
        std::fs::write(&csv, format!("x,n\n{rows}")).unwrap();
        let file = if i == 0 {
            let bin = dir.join(format!("{key}.bin"));
            let args = [
                "profile",
                csv.to_str().unwrap(),
                "--bin",
                bin.to_str().unwrap(),
                "-q",
            ];
            succeeded(&mlops(&store, &args));
            bin
        } else {
            csv
        };
        let out = mlops(
            &store,
            &[
                "profiles",
                "save",
                "orders",
                "--key",
                key,
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(succeeded(&out), format!("{}\n", i + 1));
    }
    dir
}

#[test]
fn merged_keys_are_the_profile_of_their_rows() {
    let dir = saved("merge");
    let store = dir.join("store");
    let merged = dir.join("merged.bin");
    succeeded(&mlops(
        &store,
        &[
            "profiles",
            "merge",
            "orders",
            "--key",
            "2026-12-01",
            "--key",
            "2026-12-03",
            "--out",
            merged.to_str().unwrap(),
        ],
    ));
    let both = dir.join("both.csv");
    std::fs::write(&both, format!("x,n\n{}{}", DAYS[0].1, DAYS[2].1)).unwrap();
    let (got, want) = (
        Profile::read_path(&merged).unwrap(),
        mlops_core::profile_path(&both).unwrap(),
    );
    assert_eq!(got.row_count(), 7);
    assert_eq!(got.row_count(), want.row_count());
    for c in ["x", "n"] {
        let (g, w) = (got.column(c).unwrap(), want.column(c).unwrap());
        assert_eq!((g.count(), g.min(), g.max()), (w.count(), w.min(), w.max()));
        assert!((g.mean().unwrap() - w.mean().unwrap()).abs() < 1e-12, "{c}");
    }
    // Without --out, the summary `mlops profile` prints of the same rows.
    let summary = succeeded(&mlops(
        &store,
        &[
            "profiles",
            "merge",
            "orders",
            "--key",
            "2026-12-01",
            "--key",
            "2026-12-03",
        ],
    ));
    let direct = succeeded(&mlops(&store, &["profile", both.to_str().unwrap()]));
    assert_eq!(summary, direct);
    // --out FILE.json writes the JSON document.
    let json = dir.join("merged.json");
    succeeded(&mlops(
        &store,
        &[
            "profiles",
            "load",
            "orders",
            "--key",
            "2026-12-02",
            "--out",
            json.to_str().unwrap(),
        ],
    ));
    let p = Profile::read_path(&json).unwrap();
    assert_eq!(
        (p.row_count(), p.column("x").unwrap().mean()),
        (2, Some(-1.9375))
    );
}

#[test]
fn keys_are_listed_and_a_key_saved_again_supersedes() {
    let dir = saved("supersede");
    let store = dir.join("store");
    let keys = succeeded(&mlops(&store, &["profiles", "keys", "orders"]));
    assert_eq!(keys, "2026-12-01\n2026-12-02\n2026-12-03\n");
    let json = succeeded(&mlops(&store, &["profiles", "keys", "orders", "--json"]));
    let parsed: Vec<String> = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, ["2026-12-01", "2026-12-02", "2026-12-03"]);

    let again = dir.join("again.csv");
    std::fs::write(&again, "x,n\n50,50\n").unwrap();
    let out = mlops(
        &store,
        &[
            "profiles",
            "save",
            "orders",
            "--key",
            "2026-12-02",
            again.to_str().unwrap(),
        ],
    );
    assert_eq!(succeeded(&out), "4\n");
    let out = dir.join("day2.bin");
    succeeded(&mlops(
        &store,
        &[
            "profiles",
            "load",
            "orders",
            "--key",
            "2026-12-02",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let p = Profile::read_path(&out).unwrap();
    assert_eq!(
        (p.row_count(), p.column("x").unwrap().mean()),
        (1, Some(50.0))
    );
    assert_eq!(
        succeeded(&mlops(&store, &["profiles", "keys", "orders"])),
        keys
    );
}

#[test]
fn missing_repeated_and_bad_keys_are_refused_naming_them() {
    let dir = saved("refused");
    let store = dir.join("store");
    refused(
        &mlops(
            &store,
            &["profiles", "load", "orders", "--key", "2026-11-30"],
        ),
        &["[NOT_FOUND]", "'2026-11-30'"],
    );
    refused(
        &mlops(
            &store,
            &[
                "profiles",
                "merge",
                "orders",
                "--key",
                "2026-12-01",
                "--key",
                "2026-12-09",
            ],
        ),
        &["[NOT_FOUND]", "'2026-12-09'"],
    );
    refused(
        &mlops(
            &store,
            &[
                "profiles",
                "merge",
                "orders",
                "--key",
                "2026-12-01",
                "--key",
                "2026-12-01",
            ],
        ),
        &["[INVALID_INPUT]", "'2026-12-01'", "twice"],
    );
    let csv = dir.join("2026-12-01.csv");
    refused(
        &mlops(
            &store,
            &[
                "profiles",
                "save",
                "orders",
                "--key",
                "a\tb",
                csv.to_str().unwrap(),
            ],
        ),
        &["[INVALID_INPUT]", "profile key"],
    );
    refused(
        &mlops(&store, &["profiles", "keys", "nothing"]),
        &["[NOT_FOUND]"],
    );
    // --key is required.
    let o = mlops(&store, &["profiles", "merge", "orders"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--key"));
    assert_eq!(
        succeeded(&mlops(&store, &["profiles", "keys", "orders"])),
        "2026-12-01\n2026-12-02\n2026-12-03\n"
    );
}

#[test]
fn saving_records_its_reason() {
    let dir = saved("reason");
    let store = dir.join("store");
    let csv = dir.join("2026-12-03.csv");
    succeeded(&mlops(
        &store,
        &[
            "--reason",
            "nightly batch",
            "profiles",
            "save",
            "orders",
            "--key",
            "2026-12-04",
            csv.to_str().unwrap(),
        ],
    ));
    let log = succeeded(&mlops(
        &store,
        &["audit", "log", "--target", "profile/orders", "--json"],
    ));
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["action"], "version");
    assert_eq!(last["principal"], "ana");
    assert_eq!(last["target"], "profile/orders@4");
    assert_eq!(last["reason"], "nightly batch");
    assert_eq!(log.lines().count(), 4);
}
