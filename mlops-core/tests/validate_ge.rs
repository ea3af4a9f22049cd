//! Agreement with Great Expectations 1.x: every case of
//! `tests/fixtures/ge_validation.json` (made by GE itself, see
//! `tests/fixtures/make_ge_validation.py`) gets the same verdict, the same
//! unexpected count and percent, the same first unexpected rows and the
//! same statistic from mlops, validating the whole file in one pass and
//! again as a stream of small batches.

use std::path::PathBuf;

use arrow::array::RecordBatch;
use mlops_core::validate::{validate_batches, Check, Suite, ValidateOptions, ValidationResult};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture() -> Value {
    let s = std::fs::read_to_string(root().join("tests/fixtures/ge_validation.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

fn data() -> Vec<RecordBatch> {
    let r = mlops_core::io::read_path(root().join("tests/vectors/validate/ge.parquet")).unwrap();
    r.collect::<Result<Vec<_>, _>>().unwrap()
}

fn suite(cases: &[Value]) -> Suite {
    let mut s = Suite::new("ge");
    for c in cases {
        let check: Check = serde_json::from_value(c["check"].clone()).unwrap();
        s.checks.push(check);
    }
    s
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// GE's statistic, as mlops reports it.
fn ge_observed(case: &Value) -> Option<Value> {
    let o = &case["observed_value"];
    match case["check"]["check"].as_str().unwrap() {
        // GE reports the non-null proportion; mlops the null fraction.
        "max_null_fraction" => Some(Value::from(1.0 - o.as_f64().unwrap())),
        "quantile_between" => Some(o["values"][0].clone()),
        "column_exists" | "column_type" => None,
        _ if o.is_null() => None,
        _ => Some(o.clone()),
    }
}

fn compare(r: &ValidationResult, cases: &[Value]) -> usize {
    let mut compared = 0;
    for (case, got) in cases.iter().zip(&r.results) {
        let what = format!(
            "{} -> {}",
            case["check"],
            serde_json::to_string(got).unwrap()
        );
        assert_eq!(
            got.success,
            case["success"].as_bool().unwrap(),
            "verdict: {what}"
        );
        if let Some(n) = case["unexpected_count"].as_u64() {
            assert_eq!(got.unexpected_count, Some(n), "unexpected count: {what}");
            let p = case["unexpected_percent"].as_f64().unwrap();
            assert!(
                close(got.unexpected_percent.unwrap(), p),
                "unexpected percent: {what}"
            );
            let rows: Vec<u64> = got.partial_unexpected.iter().map(|u| u.row).collect();
            let want: Vec<u64> = case["first_unexpected_rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            assert_eq!(rows, want, "first unexpected rows: {what}");
        }
        if let Some(m) = case["missing_count"].as_u64() {
            assert_eq!(got.missing_count, m, "missing count: {what}");
        }
        if let Some(o) = ge_observed(case) {
            match (&o, &got.observed_value) {
                (Value::Number(a), Value::Number(b)) => {
                    assert!(
                        close(a.as_f64().unwrap(), b.as_f64().unwrap()),
                        "observed: {what}"
                    )
                }
                (Value::Array(a), Value::Array(b)) => assert_eq!(a, b, "observed: {what}"),
                _ => panic!("observed value kinds differ: {o} vs {what}"),
            }
        }
        compared += 1;
    }
    compared
}

#[test]
fn agrees_with_great_expectations() {
    let f = fixture();
    let cases = f["cases"].as_array().unwrap();
    let s = suite(cases);
    let batches = data();
    let r = validate_batches(&s, &batches, &ValidateOptions::default()).unwrap();
    assert_eq!(r.rows, f["rows"].as_u64().unwrap());
    assert_eq!(compare(&r, cases), cases.len());
    assert!(cases.len() >= 50);
}

#[test]
fn a_stream_of_small_batches_gives_the_same_result() {
    let f = fixture();
    let cases = f["cases"].as_array().unwrap();
    let s = suite(cases);
    let whole = arrow::compute::concat_batches(&data()[0].schema(), &data()).unwrap();
    // Uneven batch sizes, some smaller than the unexpected-row limit.
    let mut batches = Vec::new();
    let mut at = 0;
    for (i, len) in [7usize, 700, 13, 1999, 1, 1500].iter().cycle().enumerate() {
        if at >= whole.num_rows() || i > 100 {
            break;
        }
        let len = (*len).min(whole.num_rows() - at);
        batches.push(whole.slice(at, len));
        at += len;
    }
    let opts = ValidateOptions::default();
    let streamed = validate_batches(&s, &batches, &opts).unwrap();
    let one = validate_batches(&s, &[whole], &opts).unwrap();
    assert_eq!(compare(&streamed, cases), cases.len());
    for (a, b) in streamed.results.iter().zip(&one.results) {
        assert_eq!(a.success, b.success);
        assert_eq!(a.unexpected_count, b.unexpected_count);
        assert_eq!(a.partial_unexpected, b.partial_unexpected, "{}", a.check);
        match (&a.observed_value, &b.observed_value) {
            (Value::Number(x), Value::Number(y)) => {
                assert!(close(x.as_f64().unwrap(), y.as_f64().unwrap()))
            }
            (x, y) => assert_eq!(x, y),
        }
    }
}
