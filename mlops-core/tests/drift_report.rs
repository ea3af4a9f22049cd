//! Column and dataset drift reports: method choice, bad input, the null-rate
//! test, corrections, and drift from profiles against the exact report.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampSecondArray,
};
use mlops_core::drift::{
    drift, drift_profiles, ColumnType, Correction, DriftOptions, Method, Verdict,
};
use mlops_core::profile::Profile;
use mlops_core::Error;

#[path = "support/data.rs"]
mod data;
use data::{named, Rng};

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

fn floats(v: impl IntoIterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(v.into_iter().collect::<Float64Array>())
}

fn table(n: usize, seed: u64, shift: f64, null_every: usize) -> RecordBatch {
    let mut r = Rng(seed);
    let x = floats((0..n).map(|i| {
        let v = r.normal(shift, 1.0);
        (null_every == 0 || i % null_every != 0).then_some(v)
    }));
    let k: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..n).map(|_| ["a", "b", "c"][(r.next_f64() * 3.0) as usize]),
    ));
    let b: ArrayRef = Arc::new(BooleanArray::from_iter(
        (0..n).map(|_| Some(r.next_f64() < 0.4)),
    ));
    let t: ArrayRef = Arc::new(TimestampSecondArray::from_iter_values(
        (0..n).map(|i| i as i64),
    ));
    batch(vec![("x", x), ("k", k), ("b", b), ("t", t)])
}

#[test]
fn default_methods_follow_evidently() {
    let small = drift(
        &[table(500, 1, 0.0, 0)],
        &[table(400, 2, 0.0, 0)],
        &DriftOptions::default(),
    )
    .unwrap();
    assert_eq!(small.column("x").unwrap().method, Some(Method::Ks));
    assert_eq!(small.column("k").unwrap().method, Some(Method::ChiSquare));
    assert_eq!(small.column("b").unwrap().method, Some(Method::Z));
    let big = drift(
        &[table(5000, 1, 0.0, 0)],
        &[table(4000, 2, 0.0, 0)],
        &DriftOptions::default(),
    )
    .unwrap();
    assert_eq!(big.column("x").unwrap().method, Some(Method::Wasserstein));
    assert_eq!(big.column("k").unwrap().method, Some(Method::JensenShannon));
    assert_eq!(big.column("b").unwrap().method, Some(Method::JensenShannon));
    // Datetime columns are left out unless asked for.
    assert_eq!(big.skipped_columns.len(), 1);
    assert_eq!(big.skipped_columns[0].column, "t");
    assert_eq!(big.number_of_drifted_columns, 0);
    assert!(!big.dataset_drift);
}

#[test]
fn shifted_values_drift_and_the_dataset_verdict_uses_the_share() {
    let r = drift(
        &[table(5000, 1, 0.0, 0)],
        &[table(5000, 2, 0.5, 0)],
        &DriftOptions::default(),
    )
    .unwrap();
    let x = r.column("x").unwrap();
    assert!(x.drifted && x.value_drifted, "{x:?}");
    assert!(
        (x.score.unwrap() - 0.5).abs() < 0.05,
        "normed Wasserstein of a 0.5 sd shift: {:?}",
        x.score
    );
    assert_eq!(r.drifted_columns(), vec!["x"]);
    assert_eq!(r.number_of_columns, 3);
    assert!((r.share_of_drifted_columns - 1.0 / 3.0).abs() < 1e-12);
    assert!(!r.dataset_drift);
    let opts = DriftOptions {
        drift_share: 0.3,
        ..Default::default()
    };
    assert!(
        drift(&[table(5000, 1, 0.0, 0)], &[table(5000, 2, 0.5, 0)], &opts)
            .unwrap()
            .dataset_drift
    );
}

#[test]
fn a_change_in_the_null_share_is_drift() {
    let r = drift(
        &[table(5000, 1, 0.0, 20)],
        &[table(5000, 2, 0.0, 4)],
        &DriftOptions::default(),
    )
    .unwrap();
    let x = r.column("x").unwrap();
    assert!(!x.value_drifted);
    let n = x.nulls.as_ref().unwrap();
    assert!((n.reference_share - 0.05).abs() < 1e-12 && (n.current_share - 0.25).abs() < 1e-12);
    assert!(n.drifted && x.drifted);
    // The same share on both sides is not drift.
    let same = drift(
        &[table(5000, 1, 0.0, 20)],
        &[table(5000, 2, 0.0, 20)],
        &DriftOptions::default(),
    )
    .unwrap();
    assert!(!same.column("x").unwrap().drifted);
    // And the test can be switched off.
    let off = DriftOptions {
        null_test: false,
        ..Default::default()
    };
    let r = drift(&[table(5000, 1, 0.0, 20)], &[table(5000, 2, 0.0, 4)], &off).unwrap();
    assert!(r.column("x").unwrap().nulls.is_none() && !r.column("x").unwrap().drifted);
}

#[test]
fn overrides_per_column_and_globally() {
    let mut opts = DriftOptions {
        method: Some(Method::Psi),
        ..Default::default()
    };
    opts.per_column.insert(
        "x".into(),
        mlops_core::drift::ColumnOptions {
            method: Some(Method::Ks),
            threshold: Some(0.01),
        },
    );
    let r = drift(&[table(2000, 1, 0.0, 0)], &[table(2000, 2, 0.0, 0)], &opts).unwrap();
    let x = r.column("x").unwrap();
    assert_eq!((x.method, x.threshold), (Some(Method::Ks), 0.01));
    let k = r.column("k").unwrap();
    assert_eq!((k.method, k.threshold), (Some(Method::Psi), 0.1));
    // A numbers-only method on a categorical column is refused, naming it.
    let bad = DriftOptions {
        method: Some(Method::Wasserstein),
        ..Default::default()
    };
    let e = drift(&[table(2000, 1, 0.0, 0)], &[table(2000, 2, 0.0, 0)], &bad).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("'k'")),
        "{e}"
    );
}

#[test]
fn corrections_adjust_p_values() {
    // Three p-value tests (KS on x, chi-square on k, Z on b) plus three null-rate tests.
    let plain = drift(
        &[table(600, 1, 0.0, 0)],
        &[table(600, 3, 0.15, 0)],
        &DriftOptions::default(),
    )
    .unwrap();
    let bonf = DriftOptions {
        correction: Correction::Bonferroni,
        ..Default::default()
    };
    let adj = drift(&[table(600, 1, 0.0, 0)], &[table(600, 3, 0.15, 0)], &bonf).unwrap();
    for c in &plain.columns {
        let a = adj.column(&c.column).unwrap();
        let p = c.score.unwrap();
        assert_eq!(a.p_value, c.p_value, "the raw p-value is kept");
        assert!(
            (a.score.unwrap() - (p * 6.0).min(1.0)).abs() < 1e-15,
            "{}",
            c.column
        );
    }
}

#[test]
fn schema_problems_name_the_column() {
    let a = batch(vec![("x", floats([Some(1.0)])), ("y", floats([Some(2.0)]))]);
    let b = batch(vec![("x", floats([Some(1.0)]))]);
    let e = drift(
        std::slice::from_ref(&a),
        std::slice::from_ref(&b),
        &DriftOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::SchemaMismatch(ref m) if m.contains("'y'") && m.contains("current")),
        "{e}"
    );
    let e = drift(
        std::slice::from_ref(&b),
        std::slice::from_ref(&a),
        &DriftOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        Error::SchemaMismatch("column 'y' is in the current data but not in the reference".into())
            .to_string()
    );
    // Profiles: the same rule, the same words.
    let prof = |b: &RecordBatch| {
        let mut p = Profile::new(&b.schema());
        p.update(b).unwrap();
        p
    };
    let e = drift_profiles(&prof(&b), &prof(&a), &DriftOptions::default()).unwrap_err();
    assert!(
        matches!(e, Error::SchemaMismatch(ref m)
            if m == "column 'y' is in the current profile but not in the reference"),
        "{e}"
    );
    // Columns asked for by name are compared whatever else either side has.
    let only_x = DriftOptions {
        columns: Some(vec!["x".into()]),
        ..DriftOptions::default()
    };
    let r = drift_profiles(&prof(&b), &prof(&a), &only_x).unwrap();
    assert_eq!(r.columns.len(), 1);
    assert_eq!(r.columns[0].column, "x");
    let s = batch(vec![(
        "x",
        Arc::new(StringArray::from(vec!["1"])) as ArrayRef,
    )]);
    let e = drift(std::slice::from_ref(&b), &[s], &DriftOptions::default()).unwrap_err();
    assert!(
        matches!(e, Error::SchemaMismatch(ref m) if m.contains("'x'") && m.contains("categorical")),
        "{e}"
    );
    // Integers against floats are both numbers: fine.
    let i = batch(vec![("x", Arc::new(Int64Array::from(vec![1])) as ArrayRef)]);
    assert!(drift(&[b], &[i], &DriftOptions::default()).is_ok());
    // Bad options name the option.
    let e = DriftOptions::from_json(r#"{"drift_share": 2}"#).unwrap_err();
    assert!(e.to_string().contains("drift_share"), "{e}");
    let e = DriftOptions::from_json(r#"{"methd": "ks"}"#).unwrap_err();
    assert!(e.to_string().contains("methd"), "{e}");
}

#[test]
fn non_finite_options_are_refused_naming_the_option() {
    // Python's json.dumps writes bare NaN / Infinity; the Node layer sends
    // them as strings. Either way the error names the option and the value.
    for (json, option, value) in [
        (r#"{"threshold": NaN}"#, "'threshold'", "NaN"),
        (r#"{"threshold": "NaN"}"#, "'threshold'", "NaN"),
        (
            r#"{"columns": null, "method": null, "threshold": 0.1, "drift_share": Infinity}"#,
            "'drift_share'",
            "inf",
        ),
        (
            r#"{"null_min_effect": -Infinity}"#,
            "'null_min_effect'",
            "-inf",
        ),
        (
            r#"{"significance_level": "-Infinity"}"#,
            "'significance_level'",
            "-inf",
        ),
        (r#"{"null_threshold": NaN}"#, "'null_threshold'", "NaN"),
        (
            r#"{"per_column": {"x": {"threshold": NaN}}}"#,
            "per_column['x'].threshold",
            "NaN",
        ),
    ] {
        let e = DriftOptions::from_json(json).unwrap_err();
        let m = e.to_string();
        assert!(
            matches!(e, Error::InvalidInput(_)) && m.contains(option) && m.contains(value),
            "{json}: {m}"
        );
        assert!(!m.contains("line 1 column"), "{json}: {m}");
    }
    let e = DriftOptions::from_json(r#"{"threshold": NaN}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid input: drift option 'threshold' must be a finite number >= 0, got NaN"
    );
    // A NaN inside a string is text, not a number.
    let o = DriftOptions::from_json(r#"{"columns": ["NaN", "Infinity"]}"#).unwrap();
    assert_eq!(o.columns.unwrap(), ["NaN", "Infinity"]);
    // Other strings where a number belongs are still refused.
    let e = DriftOptions::from_json(r#"{"threshold": "big"}"#).unwrap_err();
    assert!(e.to_string().contains("big"), "{e}");
}

#[test]
fn empty_all_null_constant_and_non_finite_columns_have_defined_results() {
    let all_null = batch(vec![("x", floats([None, None, None]))]);
    let some = batch(vec![("x", floats([Some(1.0), Some(2.0), Some(3.0)]))]);
    let r = drift(
        std::slice::from_ref(&some),
        &[all_null],
        &DriftOptions::default(),
    )
    .unwrap();
    let x = r.column("x").unwrap();
    assert_eq!(x.method, None);
    assert!(x.skipped.as_deref().unwrap().contains("current"));
    assert_eq!(x.nulls.as_ref().unwrap().current_share, 1.0);
    // The missing share drifted (0 to 1): a tested column.
    assert_eq!(r.verdict, Verdict::Drift);
    // No rows at all on one side: no value test and no null-rate test, no
    // panic; the column is skipped with the reason, and with nothing tested
    // the data set has no verdict rather than "no drift".
    let empty = some.slice(0, 0);
    for null_test in [true, false] {
        let opts = DriftOptions {
            null_test,
            ..DriftOptions::default()
        };
        let r = drift(
            std::slice::from_ref(&some),
            std::slice::from_ref(&empty),
            &opts,
        )
        .unwrap();
        assert!(r.column("x").is_none());
        assert_eq!(r.skipped_columns.len(), 1);
        assert_eq!(r.skipped_columns[0].column, "x");
        assert!(
            r.skipped_columns[0]
                .reason
                .contains("no present values in the current data"),
            "{}",
            r.skipped_columns[0].reason
        );
        assert_eq!(r.number_of_columns, 0);
        assert!(!r.dataset_drift);
        assert_eq!(r.verdict, Verdict::NotTested);
        assert!(r.to_json().contains(r#""verdict":"not_tested""#));
        // From profiles too.
        let prof = |b: &RecordBatch| {
            let mut p = Profile::new(&b.schema());
            p.update(b).unwrap();
            p
        };
        let r = drift_profiles(&prof(&some), &prof(&empty), &opts).unwrap();
        assert_eq!(r.verdict, Verdict::NotTested);
        assert_eq!(r.skipped_columns[0].column, "x");
    }
    // Constant columns: identical gives no drift, different gives drift.
    let c3 = batch(vec![("x", floats(vec![Some(3.0); 50]))]);
    let c4 = batch(vec![("x", floats(vec![Some(4.0); 50]))]);
    assert!(
        !drift(
            std::slice::from_ref(&c3),
            std::slice::from_ref(&c3),
            &DriftOptions::default()
        )
        .unwrap()
        .dataset_drift
    );
    assert!(
        drift(std::slice::from_ref(&c3), &[c4], &DriftOptions::default())
            .unwrap()
            .dataset_drift
    );
    // NaN and infinities are missing values, not values.
    let weird = batch(vec![(
        "x",
        floats([
            Some(f64::NAN),
            Some(1.0),
            Some(f64::INFINITY),
            Some(2.0),
            Some(3.0),
        ]),
    )]);
    let r = drift(&[some], &[weird], &DriftOptions::default()).unwrap();
    let x = r.column("x").unwrap();
    assert_eq!((x.current.rows, x.current.missing), (5, 2));
    assert_eq!(x.current.max, Some(3.0));
}

#[test]
fn drift_from_profiles_agrees_with_drift_from_data() {
    let (a, b) = (table(20_000, 1, 0.0, 20), table(20_000, 2, 0.4, 5));
    let exact = drift(
        std::slice::from_ref(&a),
        std::slice::from_ref(&b),
        &DriftOptions::default(),
    )
    .unwrap();
    let pa = mlops_core::profile(arrow::record_batch::RecordBatchIterator::new(
        vec![Ok(a.clone())],
        a.schema(),
    ))
    .unwrap();
    let pb = mlops_core::profile(arrow::record_batch::RecordBatchIterator::new(
        vec![Ok(b.clone())],
        b.schema(),
    ))
    .unwrap();
    let approx = drift_profiles(&pa, &pb, &DriftOptions::default()).unwrap();
    assert_eq!(approx.source, "profiles");
    for e in &exact.columns {
        let p = approx.column(&e.column).unwrap();
        assert_eq!(p.method, e.method, "{}", e.column);
        assert_eq!(p.drifted, e.drifted, "{}", e.column);
        assert!(p.approximate);
        let (se, sp) = (e.score.unwrap(), p.score.unwrap());
        assert!(
            (se - sp).abs() <= 0.02 + 0.05 * se,
            "{}: exact {se}, from profiles {sp}",
            e.column
        );
        // Missing shares are exact.
        assert_eq!(p.nulls, e.nulls, "{}", e.column);
    }
}

/// The shared drift vector (also run by the Python and Node suites): the
/// 1,000-row workload against its strongly shifted version, compared with
/// Evidently 0.7's answers (`tests/fixtures/evidently_drift.json`).
#[test]
fn shared_vector_agrees_with_evidently() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let fixtures: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/tests/fixtures/evidently_drift.json")).unwrap(),
    )
    .unwrap();
    let case = named(&fixtures["cases"], "1k_strong");
    let opts = DriftOptions {
        significance_guard: false,
        null_test: false,
        ..Default::default()
    };
    let r = mlops_core::drift::drift_paths(
        format!("{root}/tests/vectors/drift/ref_1k.parquet"),
        format!("{root}/tests/vectors/drift/strong_1k.parquet"),
        &opts,
    )
    .unwrap();
    let cols = case["columns"].as_object().unwrap();
    assert_eq!(r.number_of_columns, cols.len());
    for (name, ev) in cols {
        let c = r.column(name).unwrap();
        if ev["method"] == "text" {
            assert_eq!(c.column_type, ColumnType::Text);
            continue;
        }
        assert_eq!(
            c.method.unwrap().name(),
            ev["method"].as_str().unwrap(),
            "{name}"
        );
        let (got, want) = (c.score.unwrap(), ev["score"].as_f64().unwrap());
        assert!(
            (got - want).abs() <= 1e-6,
            "{name}: {got} vs Evidently {want}"
        );
        assert_eq!(c.value_drifted, ev["drifted"].as_bool().unwrap(), "{name}");
    }
}
