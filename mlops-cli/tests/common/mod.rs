//! Helpers shared by the CLI's test files (each file uses some of them).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `mlops` binary under test.
pub fn mlops() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlops"))
}

/// A test vector: `tests/vectors/NAME` at the repository's root.
pub fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name)
}

/// A scratch folder for one test, named after `prefix`, this process and `name`.
pub fn tmp(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("{prefix}-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Asserts the command succeeded (its standard error in the message when
/// not) and returns its standard output.
pub fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts the command exited with `code` (its standard output in the
/// message when not) and returns its standard output.
pub fn exit_stdout(out: &Output, code: i32) -> String {
    exited(out, code, &out.stdout)
}

/// Asserts the command exited with `code` (its standard error in the
/// message when not) and returns its standard error.
pub fn exit_stderr(out: &Output, code: i32) -> String {
    exited(out, code, &out.stderr)
}

fn exited(out: &Output, code: i32, stream: &[u8]) -> String {
    let text = String::from_utf8_lossy(stream).into_owned();
    assert_eq!(out.status.code(), Some(code), "{text}");
    text
}

/// Asserts the command exited with 2 and its standard error holds every
/// one of `needles`.
pub fn refused(out: &Output, needles: &[&str]) {
    let err = exit_stderr(out, 2);
    for n in needles {
        assert!(err.contains(n), "no {n:?} in {err}");
    }
}
