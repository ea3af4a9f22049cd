//! Snapshots of the human outputs (tests/snapshots, reviewed and
//! committed): `--help` of every command, the registry's tables and
//! `mlops log` / `mlops audit log` lines, the data summaries and typical
//! error lines with their exit codes. Each snapshot is the command, its
//! exit code, standard output and standard error; temporary paths, times
//! and the audit digest are redacted so they hold on any machine.
//!
//! A changed output fails the test. To accept a deliberate change, run the
//! suite once with `INSTA_UPDATE=always` and review the diff of the
//! `.snap` files; under `CI=true` insta writes nothing.

use std::path::{Path, PathBuf};

mod common;
use common::{mlops, vector};

/// The store and scratch files of one test, removed at the end.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("mlops-cli-out-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn store(&self) -> String {
        self.path("store").to_str().unwrap().to_string()
    }

    /// Runs `mlops` as ana in this scratch's store.
    fn run(&self, args: &[&str]) -> String {
        let store = self.store();
        let mut full = vec!["--store", store.as_str()];
        full.extend_from_slice(args);
        transcript(&full, &self.dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The command line, its exit code, standard output and standard error,
/// with `scratch` and the vectors' folder shown as `[TMP]` and `[VECTORS]`.
fn transcript(args: &[&str], scratch: &Path) -> String {
    let out = mlops()
        .args(args)
        .env("MLOPS_PRINCIPAL", "ana")
        .env_remove("MLOPS_STORE")
        .env_remove("MLOPS_REASON")
        .current_dir(scratch)
        .output()
        .unwrap();
    let vectors = vector("");
    let text = format!(
        "$ mlops {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" ").replace('\n', "\\n"),
        out.status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(vectors.to_str().unwrap(), "[VECTORS]/")
        .replace(scratch.to_str().unwrap(), "[TMP]")
}

/// Asserts a snapshot with times and digests redacted.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
                (r"digest [0-9a-f]{64}", "digest [DIGEST]"),
                (r#""time":\d+"#, r#""time":[MS]"#),
            ],
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn help_of_every_command() {
    let dir = std::env::temp_dir();
    let commands: &[&[&str]] = &[
        &[],
        &["init"],
        &["add"],
        &["alias"],
        &["show"],
        &["log"],
        &["get"],
        &["tag"],
        &["lineage"],
        &["archive"],
        &["verify"],
        &["list"],
        &["search"],
        &["audit"],
        &["audit", "verify"],
        &["audit", "log"],
        &["policy"],
        &["policy", "show"],
        &["policy", "grant"],
        &["policy", "revoke"],
        &["policy", "protect"],
        &["policy", "unprotect"],
        &["gate"],
        &["profile"],
        &["diff"],
        &["validate"],
        &["suite"],
        &["suite", "infer"],
        &["drift"],
        &["package"],
        &["package", "build"],
        &["package", "verify"],
        &["package", "sign"],
        &["package", "keygen"],
        &["package", "inspect"],
        &["package", "push"],
        &["package", "pull"],
        &["package", "from-mlflow"],
        &["package", "to-mlflow"],
        &["package", "export"],
        &["profiles"],
        &["profiles", "save"],
        &["profiles", "keys"],
        &["profiles", "load"],
        &["profiles", "merge"],
        &["run"],
        &["run", "exec"],
        &["runs"],
        &["runs", "list"],
        &["runs", "show"],
        &["runs", "search"],
        &["runs", "compare"],
        &["runs", "history"],
        &["runs", "verify"],
        &["runs", "export"],
        &["runs", "import"],
        &["monitor"],
        &["monitor", "create"],
        &["monitor", "log"],
        &["monitor", "labels"],
        &["monitor", "results"],
        &["monitor", "list"],
        &["gc"],
        &["gc", "plan"],
        &["gc", "apply"],
        &["expire"],
        &["pin"],
        &["fsck"],
        &["feed"],
        &["feed", "watch"],
        &["feed", "dispatch"],
    ];
    for c in commands {
        let mut args = c.to_vec();
        args.push("--help");
        let name = format!("help_{}", c.join("_"));
        snapshot!(name.trim_end_matches('_'), transcript(&args, &dir));
    }
}

#[test]
fn registry_tables_and_logs() {
    let s = Scratch::new("registry");
    std::fs::write(s.path("v1.bin"), b"weights one").unwrap();
    std::fs::write(s.path("v2.bin"), b"weights two, longer").unwrap();
    std::fs::write(s.path("data.bin"), b"a,b\n1,2\n").unwrap();
    let steps: &[&[&str]] = &[
        &["init"],
        &["add", "model", "churn", "v1.bin", "-m", "first"],
        &[
            "--reason",
            "retrained",
            "add",
            "model",
            "churn",
            "v2.bin",
            "-m",
            "second\nline",
            "--meta",
            r#"{"auc": 0.91}"#,
        ],
        &["add", "artifact", "churn-data", "data.bin"],
        &["tag", "model", "churn", "2", "team", "risk"],
        &["tag", "model", "churn", "1", "stage", "old"],
        &["tag", "model", "churn", "1", "stage", "--remove"],
        &["alias", "model", "churn", "production", "1"],
        &["alias", "model", "churn", "production", "2"],
        &["lineage", "model/churn@2", "artifact/churn-data@1"],
        &[
            "gate",
            "model",
            "churn",
            "2",
            "--metrics",
            r#"{"auc": 0.91}"#,
            "--rule",
            "auc >= 0.9",
        ],
        &[
            "gate",
            "model",
            "churn",
            "1",
            "--metrics",
            r#"{"auc": 0.85}"#,
            "--rule",
            "auc >= 0.9",
        ],
        &["archive", "artifact", "churn-data"],
        &["show", "model", "churn"],
        &["show", "artifact", "churn-data"],
        &["list", "model"],
        &["list", "artifact"],
        &["list", "artifact", "--all"],
        &["search", "kind = 'model' and tags.team = 'risk'"],
        &["log", "model", "churn"],
        &["verify", "model", "churn"],
        // One log each: lineage writes two logs in the same millisecond or
        // not, and the trail orders by time first.
        &["audit", "log", "--target", "model/churn"],
        &["audit", "log", "--target", "artifact/*"],
        &["audit", "log", "--action", "alias"],
        &["audit", "verify"],
    ];
    let text: Vec<String> = steps.iter().map(|a| s.run(a)).collect();
    snapshot!("registry_tables_and_logs", text.join("\n"));
}

#[test]
fn policy_show() {
    let s = Scratch::new("policy");
    let steps: &[&[&str]] = &[
        &["policy", "show"],
        &["policy", "grant", "ana", "admin"],
        &["policy", "grant", "bob", "writer", "model/*"],
        &["policy", "protect", "production", "--require-gate"],
        &[
            "policy", "protect", "staging", "model/*", "--role", "writer",
        ],
        &["policy", "show"],
        &["policy", "grant", "dan", "owner"],
    ];
    let text: Vec<String> = steps.iter().map(|a| s.run(a)).collect();
    snapshot!("policy_show", text.join("\n"));
}

#[test]
fn data_summaries() {
    let s = Scratch::new("data");
    std::fs::write(
        s.path("suite.yaml"),
        "name: demo\nchecks:\n  - check: in_set\n    column: c0\n    values: [red, green, blue]\n  - check: not_null\n    column: f7\n    severity: warn\n  - check: column_exists\n    column: c0\n",
    )
    .unwrap();
    let ge = vector("validate/ge.parquet");
    let ref_1k = vector("drift/ref_1k.parquet");
    let strong = vector("drift/strong_1k.parquet");
    let (ge, ref_1k, strong) = (
        ge.to_str().unwrap(),
        ref_1k.to_str().unwrap(),
        strong.to_str().unwrap(),
    );
    let numeric = vector("numeric.arrow");
    let steps: &[&[&str]] = &[
        &["profile", numeric.to_str().unwrap()],
        &["validate", ge, "--suite", "suite.yaml"],
        &["drift", ref_1k, strong],
        &["drift", ref_1k, ref_1k, "--fail-on-drift"],
        &[
            "drift",
            ref_1k,
            strong,
            "--method",
            "psi",
            "--column-method",
            "f2=ks:0.01",
            "--correction",
            "bonferroni",
            "--fail-on-drift",
        ],
        &["add", "dataset", "ge", ge, "-m", "ge data"],
        &["add", "dataset", "ge", numeric.to_str().unwrap()],
        &["diff", "ge", "1"],
    ];
    let text: Vec<String> = steps.iter().map(|a| s.run(a)).collect();
    snapshot!("data_summaries", text.join("\n"));
}

#[test]
fn error_lines_and_exit_codes() {
    let s = Scratch::new("errors");
    std::fs::write(s.path("f.bin"), b"x").unwrap();
    let ref_1k = vector("drift/ref_1k.parquet");
    let ref_1k = ref_1k.to_str().unwrap();
    let steps: &[&[&str]] = &[
        &["add", "widget", "churn", "f.bin"],
        &["add", "model", "churn", "f.bin", "--meta", "{nope"],
        &["add", "model", "churn"],
        &["show", "model", "nobody"],
        &["get", "model", "nobody", "latest"],
        &["tag", "model", "churn", "1", "team"],
        &["lineage", "model/churn", "dataset/x@1"],
        &["lineage", "model/churn@1", "widget/x@1"],
        &["policy", "grant", "bob", "owner"],
        &[
            "gate",
            "model",
            "churn",
            "1",
            "--metrics",
            "[1]",
            "--rule",
            "auc > 1",
        ],
        &["profile", "nope.parquet"],
        &["drift", ref_1k, ref_1k, "--method", "t-test"],
        &["drift", ref_1k, ref_1k, "--correction", "holm"],
        &["drift", ref_1k, ref_1k, "--column-method", "=ks"],
        &["profile", ref_1k, "--json", "p.json", "--quiet"],
        &["drift", ref_1k, "p.json"],
        &["validate", ref_1k, "--suite", "missing.yaml"],
        &[
            "package",
            "build",
            ".",
            "--name",
            "m",
            "--version",
            "1",
            "--flavor",
            "keras",
        ],
        &["frobnicate"],
    ];
    let text: Vec<String> = steps.iter().map(|a| s.run(a)).collect();
    snapshot!("error_lines_and_exit_codes", text.join("\n"));
}

#[test]
fn package_descriptions() {
    let s = Scratch::new("package");
    let churn = vector("package/churn");
    let churn = churn.to_str().unwrap();
    std::fs::create_dir_all(s.path("m")).unwrap();
    std::fs::write(s.path("m/model.pkl"), b"pickle bytes").unwrap();
    let steps: &[&[&str]] = &[
        &["package", "inspect", churn],
        &["package", "verify", churn],
        &[
            "package",
            "build",
            "--out",
            "churn.tar.zst",
            "--metrics",
            r#"{"auc": 0.91}"#,
            "--flavor=xgboost",
            "--flavor-version=2.1.0",
            "--name=churn",
            "--version=1.0.0",
            "m",
        ],
        &["package", "push", "churn.tar.zst", "--name", "churn"],
        &["package", "pull", "churn@1", "pulled"],
        &["package", "verify", "pulled", "--trusted", "missing.pub"],
    ];
    let text: Vec<String> = steps.iter().map(|a| s.run(a)).collect();
    snapshot!("package_descriptions", text.join("\n"));
}

#[test]
fn package_export_lines() {
    let s = Scratch::new("export");
    std::fs::create_dir_all(s.path("m")).unwrap();
    std::fs::write(s.path("m/model.pkl"), b"pickle bytes").unwrap();
    std::fs::write(
        s.path("sig.json"),
        r#"{"inputs": [{"name": "age", "type": "Float64"}], "outputs": [{"name": "churn", "type": "Int64"}]}"#,
    )
    .unwrap();
    let steps: &[&[&str]] = &[
        &[
            "package",
            "build",
            "m",
            "--name=churn",
            "--version=1.2.0",
            "--flavor=sklearn",
            "--signature=sig.json",
        ],
        &[
            "package", "export", "m", "--target", "mlserver", "--out", "serve",
        ],
        &[
            "package",
            "export",
            "m",
            "--target",
            "mlserver",
            "--out",
            "serve",
            "--allow-unsigned",
        ],
        &[
            "package",
            "export",
            "m",
            "--target",
            "triton",
            "--out",
            "triton",
            "--allow-unsigned",
            "--json",
        ],
        &[
            "package",
            "export",
            "m",
            "--target",
            "mlserver",
            "--out",
            "serve",
            "--allow-unsigned",
        ],
        &[
            "package",
            "export",
            "m",
            "--target",
            "tfserving",
            "--out",
            "tfs",
            "--allow-unsigned",
        ],
        &[
            "package",
            "export",
            "m",
            "--target",
            "torchserve",
            "--out",
            "x",
        ],
    ];
    let text: Vec<String> = steps.iter().map(|a| s.run(a)).collect();
    snapshot!("package_export_lines", text.join("\n"));
}

#[test]
fn profiles_keys_and_summaries() {
    let s = Scratch::new("profiles");
    std::fs::write(s.path("d1.csv"), "x,n\n1.5,1\n2.25,2\n9,3\n").unwrap();
    std::fs::write(s.path("d2.csv"), "x,n\n-4,7\n0.125,-2\n").unwrap();
    let steps: &[&[&str]] = &[
        &[
            "profiles",
            "save",
            "orders",
            "--key",
            "2026-12-01",
            "d1.csv",
        ],
        &[
            "profiles",
            "save",
            "orders",
            "--key",
            "2026-12-02",
            "d2.csv",
        ],
        &["profiles", "keys", "orders"],
        &["profiles", "keys", "orders", "--json"],
        &["profiles", "load", "orders", "--key", "2026-12-02"],
        &[
            "profiles",
            "merge",
            "orders",
            "--key",
            "2026-12-01",
            "--key",
            "2026-12-02",
        ],
        &["profiles", "load", "orders", "--key", "2026-11-30"],
    ];
    let text: Vec<String> = steps.iter().map(|a| s.run(a)).collect();
    snapshot!("profiles_keys_and_summaries", text.join("\n"));
}

#[test]
fn monitor_settings_results_and_labels() {
    let s = Scratch::new("monitor");
    // The reference: 40 rows at midnight, x from 0 to 3.9; the traffic:
    // hour 0 like it, hour 1 shifted by 10, a row an hour past the clock
    // (02:00) and one without a time; labels for hour 0 and an unknown id.
    let row = |i: usize, hour: usize, shift: f64| {
        let x = (i % 40) as f64 / 10.0 + shift;
        format!(
            "2026-11-02T{hour:02}:{:02}:00,{},{x},{}\n",
            i % 60,
            hour * 100 + i,
            ["a", "b"][i % 2]
        )
    };
    let mut reference = String::from("t,id,x,cat,label\n");
    let mut traffic = String::from("t,id,x,cat\n");
    let mut labels = String::from("id,label\n");
    for i in 0..40 {
        reference.push_str(&format!("{},{}\n", row(i, 0, 0.0).trim_end(), i % 2));
        traffic.push_str(&row(i, 0, 0.0));
        traffic.push_str(&row(i, 1, 10.0));
        labels.push_str(&format!("{i},{}\n", i % 2));
    }
    traffic.push_str("2026-11-02T03:00:00,9001,1.0,a\n,9002,1.0,a\n");
    labels.push_str("424242,1\n");
    std::fs::write(s.path("ref.csv"), reference).unwrap();
    std::fs::write(s.path("traffic.csv"), traffic).unwrap();
    std::fs::write(s.path("labels.csv"), labels).unwrap();
    // 2026-11-02T02:00:00Z.
    let now = "1793584800000";
    let steps: &[&[&str]] = &[
        &["add", "dataset", "churn-train", "ref.csv"],
        &[
            "monitor",
            "create",
            "churn-prod",
            "--timestamp",
            "t",
            "--reference",
            "churn-train@1",
            "--prediction",
            "x",
            "--target",
            "label",
            "--id",
            "id",
            "--segment",
            "cat",
        ],
        &["monitor", "log", "churn-prod", "traffic.csv", "--now", now],
        &[
            "monitor",
            "labels",
            "churn-prod",
            "labels.csv",
            "--now",
            now,
        ],
        &["monitor", "results", "churn-prod", "--now", now],
        &["monitor", "list"],
        &["monitor", "create", "churn-prod", "--timestamp", "t"],
        &[
            "monitor",
            "create",
            "bad",
            "--timestamp",
            "t",
            "--window",
            "1.5h",
        ],
    ];
    let text: Vec<String> = steps.iter().map(|a| s.run(a)).collect();
    snapshot!("monitor_settings_results_and_labels", text.join("\n"));
}
