//! `mlops policy`, `mlops gate`, `mlops audit` through the binary: a
//! promotion under a policy, the exit codes (0 ok, 1 a failed gate, 2 an
//! error such as a denial or a broken audit chain) and messages that name
//! the principal, the role needed and the broken log.

use std::process::{Command, Output};

#[path = "../../mlops-core/tests/support/stores.rs"]
mod support;
use support::folder;

fn mlops(store: &str, principal: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops"))
        .args(["--store", store])
        .args(args)
        .env("MLOPS_PRINCIPAL", principal)
        .env_remove("MLOPS_REASON")
        .output()
        .unwrap()
}

/// The path of a model file holding `weights`, in a fresh folder named
/// after `tag`.
fn model_file(tag: &str) -> String {
    let dir = std::env::temp_dir().join(format!("mlops-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("model.bin");
    std::fs::write(&model, b"weights").unwrap();
    model.to_str().unwrap().to_string()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_promotion_under_a_policy() {
    let s = folder("cli-governance");
    let store = s.url.as_str();
    let model = &model_file("gov");

    let ok = |o: Output| {
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    // The first grant must make an admin.
    let o = mlops(store, "ana", &["policy", "grant", "bob", "writer"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no admin"), "{}", text(&o));
    ok(mlops(store, "ana", &["policy", "grant", "ana", "admin"]));
    ok(mlops(
        store,
        "ana",
        &["policy", "grant", "bob", "writer", "model/*"],
    ));
    let o = mlops(store, "ana", &["policy", "grant", "dan", "owner"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("unknown role 'owner'"), "{}", text(&o));
    ok(mlops(
        store,
        "ana",
        &["policy", "protect", "production", "--require-gate"],
    ));
    let shown = ok(mlops(store, "ana", &["policy", "show"]));
    assert!(
        shown.contains("bob") && shown.contains("requires a passed gate"),
        "{shown}"
    );

    assert_eq!(
        ok(mlops(store, "bob", &["add", "model", "churn", model])).trim(),
        "1"
    );
    let o = mlops(store, "eve", &["add", "model", "churn", model]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("PERMISSION_DENIED") && text(&o).contains("'eve'"),
        "{}",
        text(&o)
    );

    // A failed gate exits 1 and is recorded; promotion is refused.
    let gate = |auc: &str| {
        let metrics = format!("{{\"auc\": {auc}}}");
        mlops(
            store,
            "bob",
            &[
                "gate",
                "model",
                "churn",
                "1",
                "--metrics",
                &metrics,
                "--rule",
                "auc >= 0.9",
            ],
        )
    };
    let o = gate("0.85");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAILED"));
    let o = mlops(
        store,
        "ana",
        &["alias", "model", "churn", "production", "1"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("passed gate report for v1"),
        "{}",
        text(&o)
    );
    assert!(gate("0.93").status.success());
    ok(mlops(
        store,
        "ana",
        &[
            "alias",
            "model",
            "churn",
            "production",
            "1",
            "--reason",
            "CHG-7",
        ],
    ));

    let log = ok(mlops(
        store,
        "x",
        &["audit", "log", "--action", "alias", "--json"],
    ));
    let rec: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(rec["principal"], "ana");
    assert_eq!(rec["target"], "model/churn@1");
    assert_eq!(rec["reason"], "CHG-7");
    let denied = ok(mlops(store, "x", &["audit", "log", "--action", "denied"]));
    assert_eq!(denied.lines().count(), 2, "{denied}");
    let verified = ok(mlops(store, "x", &["audit", "verify"]));
    assert!(
        verified.contains("audit trail intact: 9 events"),
        "{verified}"
    );

    // The failed gate rewritten as passed: exit 2 naming the log and the
    // event after it (whose hash link no longer holds).
    let ev = "assets/model/churn/log/00000000000000000002.json";
    let bytes = String::from_utf8(s.raw.get(ev)).unwrap();
    assert!(bytes.contains("\"passed\":false"), "{bytes}");
    s.raw.put(
        ev,
        bytes
            .replace("\"passed\":false", "\"passed\":true ")
            .as_bytes(),
    );
    let o = mlops(store, "x", &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("assets/model/churn/log at event 3"),
        "{}",
        text(&o)
    );
}

#[test]
fn principals_are_resolved_once_and_text_output_cannot_be_forged() {
    let s = folder("cli-principal");
    let store = s.url.as_str();
    let model = &model_file("principal");
    let run = |principal: &str, user: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mlops"))
            .args(["--store", store])
            .args(args)
            .env("MLOPS_PRINCIPAL", principal)
            .env("USER", user)
            .env_remove("MLOPS_REASON")
            .output()
            .unwrap()
    };
    // An empty MLOPS_PRINCIPAL falls back to $USER.
    let o = run("", "carol", &["add", "model", "m", model, "-m", "first"]);
    assert!(o.status.success(), "{}", text(&o));
    // A principal with a control character is refused, naming the variable.
    let o = run("eve\nana", "carol", &["add", "model", "m", model]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("INVALID_INPUT") && text(&o).contains("$MLOPS_PRINCIPAL"),
        "{}",
        text(&o)
    );
    // A message and a reason that try to forge lines of `log` and `audit log`.
    let forged = "ok\n    9  2030-01-01T00:00:00Z  ana          version  model/m  \"approved\"";
    let o = run(
        "carol",
        "carol",
        &[
            "--reason",
            "fine\nforged line",
            "add",
            "model",
            "m",
            model,
            "-m",
            forged,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let log = run("carol", "carol", &["log", "model", "m"]);
    let log = String::from_utf8(log.stdout).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines.iter().all(|l| l.contains("carol")), "{log}");
    assert!(
        lines[1].contains("\"ok\\n    9  2030")
            && lines[1].contains("(reason: fine\\nforged line)"),
        "{log}"
    );
    let audit = run("carol", "carol", &["audit", "log"]);
    let audit = String::from_utf8(audit.stdout).unwrap();
    assert_eq!(audit.lines().count(), 2, "{audit}");
    assert!(audit.contains("fine\\nforged line"), "{audit}");
    // --json keeps the text exact.
    let json = run("carol", "carol", &["log", "model", "m", "--json"]);
    let last: serde_json::Value = serde_json::from_str(
        String::from_utf8(json.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(last["reason"], "fine\nforged line");
}
