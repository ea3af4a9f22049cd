//! Hostile input to the parsers (search filters, gate rules, suites, package
//! manifests): deep nesting, long chains, huge numbers and non-ASCII text get
//! typed errors naming their position, or parse and evaluate, and never kill
//! the process.
//!
//! Inputs that once overflowed the stack or ran for minutes run in a child
//! process (this test binary re-executed with `MLOPS_PARSER_CASE` naming the
//! case, see [`isolated`]), so a regression fails one test instead of
//! aborting the whole run.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mlops_core::error::Error;
use mlops_core::package::{Flavor, Manifest, MAX_TYPE_DEPTH};
use mlops_core::search::{Filter, MAX_DEPTH};
use mlops_core::validate::{gate, Suite, MAX_SUITE_BYTES};

/// The environment variable naming the case a child process runs.
const CASE_VAR: &str = "MLOPS_PARSER_CASE";
/// How long a child may run before it counts as hung (a guard, not a timing
/// assertion: the cases take milliseconds).
const HANG: Duration = Duration::from_secs(120);

/// What a case reports on its last line of output.
const REPORT: &str = "CASE-REPORT: ";

/// Runs `case` in a child process and returns what it reported: the
/// error's message for `Err`, `ok <detail>` for success. Panics (failing the
/// calling test) when the child died by a signal, exited abnormally or hung.
fn isolated(case: &str) -> String {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_case", "--nocapture", "--test-threads=1"])
        .env(CASE_VAR, case)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > HANG {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("case {case}: still running after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = reader.join().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        status.success(),
        "case {case}: child failed ({status}):\n{}",
        err.lines().take(20).collect::<Vec<_>>().join("\n")
    );
    out.lines()
        .find_map(|l| l.split_once(REPORT).map(|(_, r)| r))
        .unwrap_or_else(|| panic!("case {case}: no report in {out}"))
        .to_string()
}

/// The entry point of the child processes: runs the case named by
/// `MLOPS_PARSER_CASE`, and nothing when it is unset (the ordinary run).
#[test]
fn child_case() {
    let Ok(case) = std::env::var(CASE_VAR) else {
        return;
    };
    let report = match run_case(&case) {
        Ok(detail) => format!("ok {detail}"),
        Err(Error::InvalidInput(m)) => format!("InvalidInput: {m}"),
        Err(e) => format!("other error: {e:?}"),
    };
    // A report is one line: messages can quote the input.
    println!("{REPORT}{}", report.replace('\n', "\\n"));
}

fn doc(version: i64) -> serde_json::Value {
    serde_json::json!({"kind": "model", "name": "m", "version": version})
}

/// `field = 0 <joiner> field = 1 <joiner> ...`: a flat chain of `n` terms.
fn chain(n: usize, joiner: &str) -> String {
    let mut q = String::with_capacity(n * 20);
    for i in 0..n {
        if i > 0 {
            q.push_str(joiner);
        }
        q.push_str(&format!("version = {i}"));
    }
    q
}

fn run_case(case: &str) -> mlops_core::error::Result<String> {
    let metrics = BTreeMap::from([("auc".to_string(), 0.9)]);
    let gate_rule = |rule: String| gate(&metrics, None, &[rule]).map(|r| r.passed.to_string());
    match case {
        "filter_parens" => {
            let q = format!("{}kind = 'model'{}", "(".repeat(10_000), ")".repeat(10_000));
            Filter::parse(&q).map(|f| f.matches(&doc(1)).to_string())
        }
        "filter_not" => {
            let q = format!("{}kind = 'model'", "not ".repeat(100_000));
            Filter::parse(&q).map(|f| f.matches(&doc(1)).to_string())
        }
        "filter_or_chain" => {
            let f = Filter::parse(&chain(100_000, " or "))?;
            let hits = [99_999, 0, 50_000, -1, 100_000].map(|v| f.matches(&doc(v)));
            drop(f);
            Ok(format!("{hits:?}"))
        }
        "filter_and_chain" => {
            // `not version = i` for every i but one: only that one matches.
            let mut q = String::new();
            for i in 0..100_000 {
                if i > 0 {
                    q.push_str(" and ");
                }
                if i != 777 {
                    q.push_str(&format!("version != {i}"));
                } else {
                    q.push_str("kind = 'model'");
                }
            }
            let f = Filter::parse(&q)?;
            let hits = [777, 0, 99_999, 100_000].map(|v| f.matches(&doc(v)));
            Ok(format!("{hits:?}"))
        }
        "filter_deep_search" => {
            let r = mlops_core::registry::Registry::open("memory://")?;
            let q = format!("{}kind = 'model'{}", "(".repeat(10_000), ")".repeat(10_000));
            r.search(&q, false).map(|h| h.len().to_string())
        }
        "gate_parens" => gate_rule(format!(
            "{}auc{} > 0.5",
            "(".repeat(100_000),
            ")".repeat(100_000)
        )),
        "gate_minus" => gate_rule(format!("{}auc > 0.5", "-".repeat(100_000))),
        "gate_long_sum" => {
            // A long flat sum evaluates (left to right, without recursion).
            let rule = format!("{} > 0.5", vec!["1"; 100_000].join(" + "));
            gate(&metrics, None, &[rule]).map(|r| format!("{} {}", r.passed, r.rules[0].left))
        }
        "suite_flow" => {
            let n = 100_000;
            let y = format!("checks: {}{}\n", "[".repeat(n), "]".repeat(n));
            Suite::from_yaml(&y).map(|s| s.checks.len().to_string())
        }
        "suite_flow_mappings" => {
            let n = 50_000;
            let y = format!("checks: {}x{}\n", "{a: ".repeat(n), "}".repeat(n));
            Suite::from_yaml(&y).map(|s| s.checks.len().to_string())
        }
        "suite_block_file" => {
            // Nested block mappings: `a:` lines indented one more each (~200 KB).
            let mut y = String::from("checks:\n");
            let mut depth = 1;
            while y.len() < 200_000 {
                y.push_str(&" ".repeat(depth));
                y.push_str("a:\n");
                depth += 1;
            }
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("deep.yaml");
            std::fs::write(&path, y).unwrap();
            Suite::load(&path).map(|s| s.checks.len().to_string())
        }
        "suite_block_sequences" => {
            // `- - - - x`: block sequences nested on one line.
            let y = format!("checks:\n  {}x\n", "- ".repeat(100_000));
            Suite::from_yaml(&y).map(|s| s.checks.len().to_string())
        }
        "manifest_deep_type" => {
            // A signature column typed `List(List(...Int64...))`, 100,000 deep:
            // Arrow's type parser recurses once per level.
            let n = 100_000;
            let ty = format!("{}Int64{}", "List(".repeat(n), ")".repeat(n));
            Manifest::from_bytes(&manifest_with(serde_json::json!({
                "signature": {"inputs": [{"name": "x", "type": ty}]}
            })))
            .map(|m| m.name)
        }
        "manifest_deep_params" => {
            // `params` nested 100,000 arrays deep.
            let n = 100_000;
            let mut m = String::from_utf8(manifest_with(serde_json::json!({}))).unwrap();
            m.pop(); // the closing '}' (the manifest ends without a newline here)
            m.push_str(&format!(
                ", \"params\": {{\"p\": {}1{}}}}}",
                "[".repeat(n),
                "]".repeat(n)
            ));
            Manifest::from_bytes(m.as_bytes()).map(|m| m.name)
        }
        other => panic!("no case {other}"),
    }
}

/// A valid manifest's JSON with `extra` fields merged in.
fn manifest_with(extra: serde_json::Value) -> Vec<u8> {
    let mut m = serde_json::to_value(Manifest::new("m", "1", Flavor::Onnx)).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        m[k] = v.clone();
    }
    serde_json::to_vec(&m).unwrap()
}

fn too_deep_at(report: &str, pos: usize) {
    assert!(
        report.starts_with("InvalidInput: ")
            && report.contains(&format!("nesting too deep at position {pos}")),
        "{report}"
    );
}

#[test]
fn deep_filters_are_refused_with_their_position() {
    assert_eq!(MAX_DEPTH, 64);
    // The 65th '(' opens one level too many.
    let r = isolated("filter_parens");
    too_deep_at(&r, 64);
    assert!(r.starts_with("InvalidInput: search: "), "{r}");
    // The 65th `not` (4 characters each).
    too_deep_at(&isolated("filter_not"), 64 * 4);
    // Through the registry's search.
    too_deep_at(&isolated("filter_deep_search"), 64);
}

#[test]
fn long_flat_chains_parse_evaluate_and_drop() {
    assert_eq!(
        isolated("filter_or_chain"),
        "ok [true, true, true, false, false]"
    );
    assert_eq!(
        isolated("filter_and_chain"),
        "ok [true, false, false, true]"
    );
}

#[test]
fn deep_gate_rules_are_refused_with_their_position() {
    let r = isolated("gate_parens");
    too_deep_at(&r, 64);
    assert!(r.contains("gate rule '((((("), "{r}");
    too_deep_at(&isolated("gate_minus"), 64);
    let sum = isolated("gate_long_sum");
    assert_eq!(sum, "ok true 100000");
}

fn yaml_too_deep(report: &str, origin: &str) {
    assert!(
        report.starts_with(&format!("InvalidInput: {origin}"))
            && report.contains("nesting too deep"),
        "{report}"
    );
}

#[test]
fn deep_suites_are_refused_with_their_place() {
    let r = isolated("suite_flow");
    yaml_too_deep(&r, "suite YAML: ");
    // The top-level mapping is level 1: the 64th '[' (column 9 + 63, from
    // 1) opens level 65.
    assert!(r.contains("at line 1 column 72"), "{r}");
    yaml_too_deep(&isolated("suite_flow_mappings"), "suite YAML: ");
    let r = isolated("suite_block_file");
    yaml_too_deep(&r, "suite file ");
    assert!(r.contains("deep.yaml") && r.contains("at line "), "{r}");
    yaml_too_deep(&isolated("suite_block_sequences"), "suite YAML: ");
}

#[test]
fn suites_over_the_size_limit_are_refused() {
    let big = "# padding\n".repeat(MAX_SUITE_BYTES / 10 + 1);
    let e = Suite::from_yaml(&big).unwrap_err().to_string();
    assert!(e.contains("suite YAML") && e.contains("larger than"), "{e}");
    let e = Suite::from_json(&format!(
        "{{\"name\": \"{}\"}}",
        "x".repeat(MAX_SUITE_BYTES)
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("suite JSON") && e.contains("larger than"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, &big).unwrap();
    let e = Suite::load(&path).unwrap_err().to_string();
    assert!(e.contains("big.yaml") && e.contains("larger than"), "{e}");
    // Just under the limit still loads.
    let ok = "# padding\n".repeat(MAX_SUITE_BYTES / 10 - 10) + "name: s\n";
    assert_eq!(Suite::from_yaml(&ok).unwrap().name, "s");
}

fn invalid(e: Error) -> String {
    match e {
        Error::InvalidInput(m) => m,
        other => panic!("not InvalidInput: {other:?}"),
    }
}

#[test]
fn non_finite_numbers_in_filters_are_refused_with_their_position() {
    for (q, pos, shown) in [
        ("metrics.auc > 1e400", 14, "1e400"),
        ("metrics.auc > -1e400", 15, "1e400"),
        ("metrics.auc > -inf", 14, "inf"),
        ("metrics.auc < inf", 14, "inf"),
        ("version = NaN or kind = 'model'", 10, "NaN"),
        ("size <= 1.5e309", 8, "1.5e309"),
    ] {
        let m = invalid(Filter::parse(q).unwrap_err());
        assert!(
            m.contains(&format!("position {pos}")) && m.contains(shown) && m.contains("finite"),
            "{q}: {m}"
        );
    }
    // Large finite numbers and negative numbers still work.
    let f = Filter::parse("version > -1e300 and version < 1.7e308").unwrap();
    assert!(f.matches(&doc(3)));
    assert!(Filter::parse("version = -3").unwrap().matches(&doc(-3)));
}

#[test]
fn non_finite_numbers_in_gate_rules_are_refused_with_their_position() {
    let m = BTreeMap::from([("auc".to_string(), 0.9)]);
    for (rule, pos) in [("auc < 1e400", 6), ("auc - 2e999 < 1", 6)] {
        let e = invalid(gate(&m, None, &[rule]).unwrap_err());
        assert!(
            e.contains(&format!("position {pos}")) && e.contains("finite"),
            "{rule}: {e}"
        );
    }
    assert!(gate(&m, None, &["auc < 1e300"]).unwrap().passed);
}

#[test]
fn errors_show_non_ascii_characters_and_count_characters() {
    // 'ü' is character 15 (byte 16) of the filter.
    let e = invalid(Filter::parse("kind = 'é' and ü = 1").unwrap_err());
    assert!(
        e.contains("unexpected character 'ü'") && e.contains("position 15"),
        "{e}"
    );
    let e = invalid(Filter::parse("名前 = 'x'").unwrap_err());
    assert!(
        e.contains("unexpected character '名'") && e.contains("position 0"),
        "{e}"
    );
    let m = BTreeMap::from([("auc".to_string(), 0.9)]);
    let e = invalid(gate(&m, None, &["auc ≥ 0.5"]).unwrap_err());
    assert!(
        e.contains("unexpected character '≥'") && e.contains("position 4"),
        "{e}"
    );
    // The position after a multi-byte character counts characters.
    let e = invalid(Filter::parse("name = 'ö' and kind = model").unwrap_err());
    assert!(e.contains("position 22"), "{e}");
}

#[test]
fn deep_manifests_are_refused_not_a_stack_overflow() {
    assert_eq!(MAX_TYPE_DEPTH, 64);
    let r = isolated("manifest_deep_type");
    assert!(
        r.starts_with("other error: Integrity(") && r.contains("column x: type nested too deep"),
        "{r}"
    );
    // The '(' of the 65th `List(` (5 characters each) opens one level too many.
    assert!(r.contains(&format!("at position {}", 64 * 5 + 4)), "{r}");
    let r = isolated("manifest_deep_params");
    assert!(
        r.starts_with("other error: Integrity(") && r.contains("recursion limit exceeded"),
        "{r}"
    );
}
