//! Validation beyond the Great Expectations cases: suite files and their
//! errors, wrong data types, inference, freshness, distribution, HTML and
//! model gates. Expected values are computed here from the data itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray, TimestampSecondArray};
use mlops_core::validate::{
    gate, validate_batches, CheckKind, InferOptions, Suite, ValidateOptions,
};
use mlops_core::Error;

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mlops-validate-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn batch(n: usize) -> RecordBatch {
    let x: Float64Array = (0..n)
        .map(|i| {
            if i % 10 == 3 {
                None
            } else {
                Some(i as f64 * 0.5)
            }
        })
        .collect();
    let id = Int64Array::from((0..n as i64).collect::<Vec<_>>());
    let plan = StringArray::from_iter_values((0..n).map(|i| ["free", "pro", "team"][i % 3]));
    RecordBatch::try_from_iter([
        ("x", Arc::new(x) as _),
        ("id", Arc::new(id) as _),
        ("plan", Arc::new(plan) as _),
    ])
    .unwrap()
}

/// `text` written as the file `file` in the temporary folder `tag`.
fn suite_file(tag: &str, file: &str, text: &str) -> std::path::PathBuf {
    let p = tmp(tag).join(file);
    std::fs::write(&p, text).unwrap();
    p
}

fn load_err(yaml: &str) -> String {
    let p = suite_file("bad", "suite.yaml", yaml);
    let e = Suite::load(&p).unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e}");
    e.to_string()
}

#[test]
fn suite_file_errors_name_the_place() {
    let e = load_err("name: s\nchecks:\n  - check: not_null\n    column: x\n  - check: not_a_check\n    column: x\n");
    assert!(
        e.contains("suite.yaml") && e.contains("checks[1]") && e.contains("not_a_check"),
        "{e}"
    );
    assert!(e.contains("line 5") && !e.contains("checks: checks"), "{e}");
    let e = load_err("checks:\n  - check: in_set\n    colum: plan\n    values: [a]\n");
    assert!(
        e.contains("checks[0]") && e.contains("colum") && e.contains("in_set"),
        "{e}"
    );
    let e = load_err("checks:\n  - check: values_between\n    column: x\n    min: [1]\n");
    assert!(
        e.contains("checks[0]") && e.contains("values_between"),
        "{e}"
    );
    let e =
        load_err("checks:\n  - check: mean_between\n    column: x\n    min: 1\n    mostly: 0.5\n");
    assert!(e.contains("mostly") && e.contains("row-level"), "{e}");
    let e = load_err("checks:\n  - check: matches_regex\n    column: plan\n    regex: '(['\n");
    assert!(e.contains("regex"), "{e}");
    let e = load_err("checks:\n  - check: not_null\n    column: x\n    severity: fatal\n");
    assert!(e.contains("severity") && e.contains("fatal"), "{e}");
    let e = load_err("checks:\n  - check: freshness\n    column: t\n    max_age: soon\n");
    assert!(e.contains("max_age") && e.contains("soon"), "{e}");
    // JSON files too, with the line.
    let p = suite_file(
        "badjson",
        "suite.json",
        "{\"checks\": [\n {\"check\": \"unique\", \"column\": 3}\n]}",
    );
    let e = Suite::load(&p).unwrap_err().to_string();
    assert!(e.contains("checks[0]") && e.contains("line"), "{e}");
}

#[test]
fn a_missing_column_is_an_error_naming_the_check() {
    let s = Suite::new("s")
        .with(CheckKind::NotNull { column: "x".into() })
        .with(CheckKind::NotNull {
            column: "nope".into(),
        });
    let e = validate_batches(&s, &[batch(10)], &ValidateOptions::default()).unwrap_err();
    assert!(matches!(e, Error::SchemaMismatch(_)));
    let m = e.to_string();
    assert!(
        m.contains("checks[1]") && m.contains("'nope'") && m.contains("x, id, plan"),
        "{m}"
    );
    // column_exists is the check for that: it fails instead.
    let s = Suite::new("s").with(CheckKind::ColumnExists {
        column: "nope".into(),
    });
    let r = validate_batches(&s, &[batch(10)], &ValidateOptions::default()).unwrap();
    assert!(!r.success && r.results[0].reason.as_deref().unwrap().contains("nope"));
}

#[test]
fn data_of_the_wrong_type_fails_the_check_with_a_reason() {
    let s = Suite::new("s")
        .with(CheckKind::MatchesRegex {
            column: "x".into(),
            regex: "^a".into(),
        })
        .with(CheckKind::MeanBetween {
            column: "plan".into(),
            min: Some(0.0),
            max: None,
        })
        .with(CheckKind::InSet {
            column: "id".into(),
            values: vec!["a".into()],
        })
        .with(CheckKind::NotNull {
            column: "plan".into(),
        });
    let r = validate_batches(&s, &[batch(30)], &ValidateOptions::default()).unwrap();
    let reasons: Vec<_> = r.results.iter().map(|c| c.reason.clone()).collect();
    assert!(
        !r.results[0].success
            && reasons[0]
                .as_deref()
                .unwrap()
                .contains("column 'x' is Float64"),
        "{reasons:?}"
    );
    assert!(
        !r.results[1].success && reasons[1].as_deref().unwrap().contains("plan"),
        "{reasons:?}"
    );
    assert!(
        !r.results[2].success && reasons[2].as_deref().unwrap().contains("set"),
        "{reasons:?}"
    );
    assert!(r.results[3].success);
    assert_eq!(r.statistics.failed_errors, 3);
}

#[test]
fn yaml_and_json_round_trip_and_severity_decides_the_verdict() {
    let s = Suite::from_yaml(
        "name: users\ndescription: demo\nchecks:\n  - check: not_null\n    column: x\n    severity: warn\n    name: x present\n  - check: values_between\n    column: x\n    min: 0\n    max: 1000\n    mostly: 0.5\n",
    )
    .unwrap();
    let d = tmp("rt");
    for f in ["s.yaml", "s.json"] {
        s.save(d.join(f)).unwrap();
        let mut back = Suite::load(d.join(f)).unwrap();
        back.base_dir = None;
        back.origin = None;
        assert_eq!(back, s);
    }
    let r = validate_batches(&s, &[batch(20)], &ValidateOptions::default()).unwrap();
    // 2 of 20 x are null: the warning fails, the validation passes.
    assert!(r.success && !r.results[0].success);
    assert_eq!(r.results[0].unexpected_count, Some(2));
    assert_eq!(r.results[0].unexpected_percent, Some(10.0));
    assert_eq!(r.statistics.failed_warnings, 1);
    let html = mlops_core::report::validation_html(&r);
    assert!(html.contains("PASSED") && html.contains("x present"));
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["results"][0]["partial_unexpected"][0]["row"], 3);
}

#[test]
fn inferred_suites_pass_on_their_reference_and_catch_a_bad_batch() {
    let good = batch(3000);
    let s = Suite::infer(std::slice::from_ref(&good), &InferOptions::default()).unwrap();
    let names: Vec<&str> = s.checks.iter().map(|c| c.kind.name()).collect();
    for k in [
        "row_count_between",
        "column_type",
        "max_null_fraction",
        "values_between",
        "in_set",
        "unique",
        "not_null",
    ] {
        assert!(names.contains(&k), "{k} not inferred: {names:?}");
    }
    assert!(
        validate_batches(&s, &[good], &ValidateOptions::default())
            .unwrap()
            .success
    );
    // A batch with a new plan, nulls in id and values beyond the range.
    let x = Float64Array::from(vec![Some(1.0), None, None, None, Some(1e6)]);
    let id = Int64Array::from(vec![Some(1), Some(1), None, Some(2), Some(3)]);
    let plan = StringArray::from(vec!["free", "pro", "gold", "team", "free"]);
    let bad = RecordBatch::try_from_iter([
        ("x", Arc::new(x) as _),
        ("id", Arc::new(id) as _),
        ("plan", Arc::new(plan) as _),
    ])
    .unwrap();
    let r = validate_batches(&s, &[bad], &ValidateOptions::default()).unwrap();
    assert!(!r.success);
    let failed: Vec<&str> = r.failures().map(|c| c.check.as_str()).collect();
    for k in [
        "max_null_fraction",
        "values_between",
        "in_set",
        "unique",
        "not_null",
    ] {
        assert!(failed.contains(&k), "{k} did not fail: {failed:?}");
    }
    let in_set = r.failures().find(|c| c.check == "in_set").unwrap();
    assert_eq!(in_set.partial_unexpected[0].row, 2);
    assert_eq!(in_set.partial_unexpected[0].value, "gold");
}

#[test]
fn freshness_uses_the_newest_timestamp() {
    let t = TimestampSecondArray::from(vec![Some(1_000), None, Some(5_000), Some(3_000)]);
    let b = RecordBatch::try_from_iter([("t", Arc::new(t) as _)]).unwrap();
    let s = Suite::new("f")
        .with(CheckKind::Freshness {
            column: "t".into(),
            max_age: "1h".into(),
        })
        .with(CheckKind::Freshness {
            column: "t".into(),
            max_age: "30m".into(),
        });
    let opts = ValidateOptions {
        now: Some(5_000.0 + 2_000.0),
        ..Default::default()
    };
    let r = validate_batches(&s, &[b], &opts).unwrap();
    assert!(r.results[0].success && !r.results[1].success);
    assert_eq!(r.results[0].observed_value["age_seconds"], 2000.0);
}

#[test]
fn distribution_checks_use_the_drift_engine_against_a_stored_profile() {
    let d = tmp("dist");
    let n = 5000;
    let mk = |shift: f64| {
        let x: Float64Array = (0..n)
            .map(|i| Some(((i * 7919) % 1000) as f64 / 10.0 + shift))
            .collect();
        RecordBatch::try_from_iter([("x", Arc::new(x) as _)]).unwrap()
    };
    let reference = mlops_core::profile(arrow::array::RecordBatchIterator::new(
        vec![Ok(mk(0.0))],
        mk(0.0).schema(),
    ))
    .unwrap();
    std::fs::write(d.join("ref.json"), reference.to_json()).unwrap();
    std::fs::write(
        d.join("suite.yaml"),
        "checks:\n  - check: distribution\n    column: x\n    reference: ref.json\n",
    )
    .unwrap();
    let s = Suite::load(d.join("suite.yaml")).unwrap();
    let same = validate_batches(&s, &[mk(0.0)], &ValidateOptions::default()).unwrap();
    assert!(same.success, "{}", same.to_json());
    let shifted = validate_batches(&s, &[mk(30.0)], &ValidateOptions::default()).unwrap();
    assert!(!shifted.success);
    assert_eq!(shifted.results[0].observed_value["method"], "wasserstein");
}

#[test]
fn gates_report_each_rule_and_point_at_bad_tokens() {
    let cand = BTreeMap::from([
        ("auc".to_string(), 0.912),
        ("latency_p95_ms".to_string(), 42.0),
    ]);
    let base = BTreeMap::from([
        ("auc".to_string(), 0.915),
        ("latency_p95_ms".to_string(), 40.0),
    ]);
    let r = gate(
        &cand,
        Some(&base),
        &[
            "auc >= baseline.auc - 0.01",
            "latency_p95_ms <= 50",
            "latency_p95_ms <= baseline.latency_p95_ms * 1.02",
        ],
    )
    .unwrap();
    assert!(!r.passed);
    assert_eq!(
        r.rules.iter().map(|x| x.passed).collect::<Vec<_>>(),
        vec![true, true, false]
    );
    assert!((r.rules[0].right - (0.915 - 0.01)).abs() < 1e-15);
    assert_eq!(r.rules[2].metrics["baseline.latency_p95_ms"], 40.0);
    let e = gate(&cand, Some(&base), &["auc >= >= 1"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("position 7") && e.contains(">="), "{e}");
    let e = gate(&cand, Some(&base), &["acu >= 0.9"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("'acu'") && e.contains("position 0"), "{e}");
    let e = gate(&cand, Some(&base), &["auc 0.9"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("comparison"), "{e}");
}
