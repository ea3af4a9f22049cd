//! `mlops package ...`: exit codes, outputs, and errors that name the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{exit_stderr, exit_stdout, succeeded};

fn mlops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    succeeded(out)
}

fn fails(out: &Output, needle: &str) {
    let err = exit_stderr(out, 2);
    assert!(err.contains(needle), "{err}");
}

/// `package verify` read the package and it failed the check: exit 1,
/// the reason on standard output.
fn check_fails(out: &Output, needle: &str) {
    let text = exit_stdout(out, 1);
    assert!(
        text.starts_with("FAILED: ") && text.contains(needle),
        "{text}"
    );
}

/// The folder `name` made in `parent`.
fn subdir(parent: &Path, name: &str) -> PathBuf {
    let d = parent.join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn vector_copy(tmp: &Path) -> PathBuf {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/package/churn");
    let to = tmp.join("churn");
    std::fs::create_dir_all(to.join("config")).unwrap();
    for f in [
        "model.bin",
        "empty.txt",
        "config/params.json",
        "mlops-package.json",
    ] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
    to
}

#[test]
fn build_verify_inspect_and_tampering() {
    let t = tempfile::tempdir().unwrap();
    let dir = subdir(t.path(), "m");
    std::fs::write(dir.join("model.pkl"), b"pickle bytes").unwrap();
    let out = ok(&mlops(&[
        "package",
        "build",
        s(&dir),
        "--name",
        "churn",
        "--version",
        "1.0.0",
        "--flavor",
        "sklearn",
        "--metrics",
        r#"{"auc": 0.91}"#,
    ]));
    assert!(
        out.starts_with("package churn 1.0.0 (sklearn): 1 files, 12 bytes"),
        "{out}"
    );
    assert!(ok(&mlops(&["package", "verify", s(&dir)])).starts_with("OK: 1 files"));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&mlops(&["package", "inspect", s(&dir), "--json"]))).unwrap();
    assert_eq!(json["metrics"]["auc"], 0.91);
    assert_eq!(json["files"][0]["size"], 12);

    std::fs::write(dir.join("model.pkl"), b"pickle bytez").unwrap();
    check_fails(&mlops(&["package", "verify", s(&dir)]), "model.pkl");
    std::fs::write(dir.join("stray.txt"), b"x").unwrap();
    std::fs::write(dir.join("model.pkl"), b"pickle bytes").unwrap();
    check_fails(
        &mlops(&["package", "verify", s(&dir)]),
        "stray.txt is not listed",
    );

    fails(
        &mlops(&[
            "package",
            "build",
            s(&dir),
            "--name",
            "x",
            "--version",
            "1",
            "--flavor",
            "caffe",
        ]),
        "unknown flavor 'caffe'",
    );
    fails(
        &mlops(&["package", "verify", s(&t.path().join("nope"))]),
        "nope",
    );
}

#[test]
fn the_shared_vector_verifies_and_its_tampered_copy_does_not() {
    let t = tempfile::tempdir().unwrap();
    let dir = vector_copy(t.path());
    ok(&mlops(&["package", "verify", s(&dir)]));
    let mut b = std::fs::read(dir.join("model.bin")).unwrap();
    b[1] ^= 1;
    std::fs::write(dir.join("model.bin"), b).unwrap();
    check_fails(
        &mlops(&["package", "verify", s(&dir)]),
        "model.bin has BLAKE3",
    );
}

#[test]
fn archives_keys_signatures_and_the_registry() {
    let t = tempfile::tempdir().unwrap();
    let dir = subdir(t.path(), "m");
    std::fs::write(dir.join("weights.bin"), vec![3u8; 100_000]).unwrap();
    let archive = t.path().join("m.tar.zst");
    ok(&mlops(&[
        "package",
        "build",
        s(&dir),
        "--name",
        "m",
        "--version",
        "2",
        "--flavor",
        "pytorch",
        "--metrics",
        r#"{"auc": 0.95}"#,
        "--out",
        s(&archive),
    ]));
    assert!(archive.is_file());
    let key = t.path().join("release.key");
    let out = ok(&mlops(&["package", "keygen", s(&key)]));
    assert!(out.starts_with("key "), "{out}");
    let public = t.path().join("release.key.pub");
    fails(&mlops(&["package", "keygen", s(&key)]), "already exists");

    // Unsigned: verify with --trusted fails, naming what is missing.
    check_fails(
        &mlops(&["package", "verify", s(&archive), "--trusted", s(&public)]),
        "not signed",
    );
    ok(&mlops(&["package", "sign", s(&archive), "--key", s(&key)]));
    let out = ok(&mlops(&[
        "package",
        "verify",
        s(&archive),
        "--trusted",
        s(&public),
    ]));
    assert!(out.contains("signed by key"), "{out}");
    let other = t.path().join("other.key");
    ok(&mlops(&["package", "keygen", s(&other)]));
    check_fails(
        &mlops(&[
            "package",
            "verify",
            s(&archive),
            "--trusted",
            &format!("{}.pub", s(&other)),
        ]),
        "not among the 1 trusted key",
    );

    let store = t.path().join("store");
    let v = ok(&mlops(&[
        "--store",
        s(&store),
        "package",
        "push",
        s(&archive),
        "--name",
        "m",
    ]));
    assert_eq!(v.trim(), "1");
    let dest = t.path().join("pulled");
    ok(&mlops(&[
        "--store",
        s(&store),
        "package",
        "pull",
        "m@1",
        s(&dest),
    ]));
    ok(&mlops(&[
        "package",
        "verify",
        s(&dest),
        "--trusted",
        s(&public),
    ]));
    assert_eq!(
        std::fs::read(dest.join("weights.bin")).unwrap(),
        vec![3u8; 100_000]
    );
    fails(
        &mlops(&[
            "--store",
            s(&store),
            "package",
            "pull",
            "m@7",
            s(&t.path().join("p7")),
        ]),
        "no version 7",
    );
    assert!(!t.path().join("p7").exists());

    // A changed byte in the pulled copy: the signature check names the file.
    let mut w = std::fs::read(dest.join("weights.bin")).unwrap();
    w[99] ^= 1;
    std::fs::write(dest.join("weights.bin"), w).unwrap();
    check_fails(
        &mlops(&["package", "verify", s(&dest), "--trusted", s(&public)]),
        "weights.bin",
    );
}

#[test]
fn mlflow_folders_in_and_out() {
    let t = tempfile::tempdir().unwrap();
    let src = subdir(t.path(), "mlflow");
    std::fs::write(
        src.join("MLmodel"),
        "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n  sklearn:\n    pickled_model: model.pkl\n    serialization_format: pickle\n    sklearn_version: 1.5.2\nmlflow_version: 2.17.0\nsignature:\n  inputs: '[{\"type\": \"double\", \"name\": \"x\", \"required\": true}]'\n  outputs: '[{\"type\": \"long\"}]'\n",
    )
    .unwrap();
    std::fs::write(src.join("model.pkl"), b"pickle").unwrap();
    let pkg = t.path().join("pkg");
    let out = ok(&mlops(&[
        "package",
        "from-mlflow",
        s(&src),
        s(&pkg),
        "--name",
        "iris",
    ]));
    assert!(
        out.starts_with("package iris 1 (sklearn 1.5.2): 2 files"),
        "{out}"
    );
    assert!(out.contains("inputs:  x: Float64"), "{out}");
    let back = t.path().join("back");
    ok(&mlops(&["package", "to-mlflow", s(&pkg), s(&back)]));
    assert!(back.join("MLmodel").is_file() && back.join("model.pkl").is_file());
    fails(
        &mlops(&[
            "package",
            "from-mlflow",
            s(&pkg.join("nope")),
            s(&t.path().join("x")),
        ]),
        "nope",
    );
}

#[test]
fn an_onnx_package_gets_its_signature_from_the_graph() {
    let t = tempfile::tempdir().unwrap();
    let dir = subdir(t.path(), "onnx");
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/package/linear.onnx");
    std::fs::copy(fixture, dir.join("linear.onnx")).unwrap();
    let out = ok(&mlops(&[
        "package",
        "build",
        s(&dir),
        "--name",
        "linear",
        "--version",
        "1",
        "--flavor",
        "onnx",
    ]));
    assert!(out.contains("inputs:  X: Float32, ids: Utf8"), "{out}");
    assert!(
        out.contains("outputs: Y: Float32, Label: Int64, ids_out: Utf8"),
        "{out}"
    );
}

/// `mlops package export`: a signed package exports with its key trusted;
/// unsigned, untrusted, tampered, unholdable and existing-folder exports
/// exit 2 with the typed error.
#[test]
fn export_checks_the_signature_and_refuses_with_exit_2() {
    let t = tempfile::tempdir().unwrap();
    let dir = subdir(t.path(), "m");
    std::fs::write(dir.join("model.pkl"), b"pickle bytes").unwrap();
    let sig = t.path().join("sig.json");
    std::fs::write(
        &sig,
        r#"{"inputs": [{"name": "age", "type": "Float64"}, {"name": "plan", "type": "Utf8", "nullable": true}],
            "outputs": [{"name": "churn", "type": "Int64"}]}"#,
    )
    .unwrap();
    ok(&mlops(&[
        "package",
        "build",
        s(&dir),
        "--name=churn",
        "--version=2.0.0",
        "--flavor=lightgbm",
        "--signature",
        s(&sig),
    ]));
    let key = t.path().join("release.key");
    ok(&mlops(&["package", "keygen", s(&key)]));
    let public = t.path().join("release.key.pub");
    let export = |target: &str, out: &Path, extra: &[&str]| {
        let mut args = vec![
            "package",
            "export",
            s(&dir),
            "--target",
            target,
            "--out",
            s(out),
        ];
        args.extend_from_slice(extra);
        mlops(&args)
    };
    fails(
        &export("mlserver", &t.path().join("a"), &[]),
        "is not signed",
    );
    ok(&mlops(&["package", "sign", s(&dir), "--key", s(&key)]));
    fails(
        &export("mlserver", &t.path().join("a"), &[]),
        "no trusted keys were given",
    );
    let out = ok(&export(
        "kserve",
        &t.path().join("a"),
        &["--trusted", s(&public), "--json"],
    ));
    let side: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(side["target"], "kserve");
    assert_eq!(side["flavor"], "lightgbm");
    assert!(side["signed_by"].as_str().unwrap().len() == 64, "{side}");
    assert!(t.path().join("a/inferenceservice.yaml").is_file());
    assert!(t.path().join("a/churn/model-settings.json").is_file());
    fails(
        &export("mlserver", &t.path().join("a"), &["--trusted", s(&public)]),
        "already exists",
    );
    fails(
        &export("tfserving", &t.path().join("b"), &["--trusted", s(&public)]),
        "export target tfserving cannot hold package churn of flavor lightgbm",
    );
    let other = t.path().join("other.key");
    ok(&mlops(&["package", "keygen", s(&other)]));
    fails(
        &export(
            "mlserver",
            &t.path().join("b"),
            &["--trusted", &format!("{}.pub", s(&other))],
        ),
        "permission denied",
    );
    std::fs::write(dir.join("model.pkl"), b"pickle bytez").unwrap();
    fails(
        &export("triton", &t.path().join("b"), &["--allow-unsigned"]),
        "model.pkl",
    );
    assert!(!t.path().join("b").exists());
}
