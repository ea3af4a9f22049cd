//! A monitor's validation suite per window (issue #18): the verdicts of a
//! window built from several flushes (and several handles) equal
//! validating the window's rows at once.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, RecordBatch, RecordBatchIterator, StringArray, TimestampSecondArray,
};
use arrow::compute::filter_record_batch;
use mlops_core::monitor::NewMonitor;
use mlops_core::registry::Registry;
use mlops_core::validate::{
    validate_batches, Check, CheckKind, Severity, Suite, ValidateOptions, ValidationResult,
};
use mlops_core::Error;

/// Rows at `t` (Unix seconds): `x`, a plan, a segment `country`.
fn rows(t: Vec<i64>, x: Vec<Option<f64>>, plan: Vec<Option<&str>>, country: &str) -> RecordBatch {
    let n = t.len();
    RecordBatch::try_from_iter_with_nullable([
        (
            "t",
            Arc::new(TimestampSecondArray::from(t)) as ArrayRef,
            true,
        ),
        ("x", Arc::new(Float64Array::from(x)) as ArrayRef, true),
        ("plan", Arc::new(StringArray::from(plan)) as ArrayRef, true),
        (
            "country",
            Arc::new(StringArray::from(vec![country; n])) as ArrayRef,
            true,
        ),
    ])
    .unwrap()
}

fn suite() -> Suite {
    Suite::new("contract")
        .with(
            Check::from(CheckKind::ValuesBetween {
                column: "x".into(),
                min: Some(0.0.into()),
                max: Some(10.0.into()),
                strict_min: false,
                strict_max: false,
            })
            .named("x_range"),
        )
        .with(CheckKind::InSet {
            column: "plan".into(),
            values: vec!["free".into(), "pro".into()],
        })
        .with(CheckKind::NotNull { column: "x".into() })
        .with(
            Check::from(CheckKind::MeanBetween {
                column: "x".into(),
                min: Some(0.0),
                max: Some(5.0),
            })
            .severity(Severity::Warn),
        )
        .with(CheckKind::Unique {
            column: "plan".into(),
        })
}

/// The monitor's columns the suite reads, as the monitor validates them.
fn validated(batches: &[RecordBatch]) -> Vec<RecordBatch> {
    batches
        .iter()
        .map(|b| b.project(&[1, 2, 3]).unwrap())
        .collect()
}

/// What the window fields must be, from `validate_batches` on the same rows.
fn expected(rows: &[RecordBatch]) -> ValidationResult {
    let mut per_window = suite();
    per_window.checks.pop(); // `unique` is not evaluated per window
    validate_batches(&per_window, &validated(rows), &ValidateOptions::default()).unwrap()
}

fn assert_window(fields: &std::collections::BTreeMap<String, f64>, want: &ValidationResult) {
    let names = ["x_range", "in_set.plan", "not_null.x", "mean_between.x"];
    assert_eq!(fields["suite.success"], f64::from(u8::from(want.success)));
    assert_eq!(fields["suite.checks"], 4.0);
    assert_eq!(
        fields["suite.failed"],
        want.results.iter().filter(|r| !r.success).count() as f64
    );
    assert_eq!(fields["suite.not_evaluated"], 1.0);
    for (name, r) in names.iter().zip(&want.results) {
        assert_eq!(
            fields[&format!("suite.{name}.success")],
            f64::from(u8::from(r.success)),
            "{name}"
        );
        assert_eq!(
            fields
                .get(&format!("suite.{name}.unexpected_percent"))
                .copied(),
            r.unexpected_percent,
            "{name}"
        );
        // Means merge by Chan's formula: equal up to floating-point rounding.
        let (got, want) = (
            fields.get(&format!("suite.{name}.observed")).copied(),
            r.observed_value.as_f64(),
        );
        match (got, want) {
            (Some(g), Some(w)) => assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{name}"),
            _ => assert_eq!(got, want, "{name}"),
        }
    }
}

#[test]
fn a_window_of_two_flushes_reports_what_validating_its_rows_at_once_reports() {
    let r = Registry::open("memory://").unwrap();
    let mon = r
        .create_monitor(
            "m",
            &NewMonitor {
                timestamp: "t".into(),
                segments: vec!["country".into()],
                suite: Some(suite()),
                ..Default::default()
            },
        )
        .unwrap();
    mon.set_clock(Some(7_200_000));
    let first = rows(
        vec![0, 10, 20, 3600],
        vec![Some(1.0), Some(12.0), None, Some(3.0)],
        vec![Some("free"), Some("gold"), None, Some("pro")],
        "DE",
    );
    let second = rows(
        vec![30, 40, 50],
        vec![Some(-2.0), Some(4.0), Some(9.0)],
        vec![Some("pro"), Some("pro"), Some("vip")],
        "FR",
    );
    mon.log(&first).unwrap();
    mon.flush().unwrap();
    mon.log(&second).unwrap();
    mon.flush().unwrap();
    // A second handle (another process) adds a third delta to the window.
    let third = rows(vec![55], vec![Some(100.0)], vec![Some("free")], "DE");
    {
        let other = r.monitor("m").unwrap();
        other.set_clock(Some(7_200_000));
        other.log(&third).unwrap();
    }
    let results = mon.results(Some(7_200_000)).unwrap();
    let window0: Vec<RecordBatch> = [&first, &second, &third]
        .iter()
        .map(|b| {
            let t = b
                .column(0)
                .as_any()
                .downcast_ref::<TimestampSecondArray>()
                .unwrap();
            let keep =
                arrow::array::BooleanArray::from_iter(t.iter().map(|v| Some(v < Some(3600))));
            filter_record_batch(b, &keep).unwrap()
        })
        .collect();
    let all = results
        .iter()
        .find(|w| w.window == 0 && w.segment.is_empty())
        .unwrap();
    let want = expected(&window0);
    assert_window(&all.fields, &want);
    // Real values, not only agreement: x has 6 values, 3 of them outside [0, 10].
    assert_eq!(all.field("suite.x_range.unexpected_percent"), Some(50.0));
    assert_eq!(
        all.field("suite.not_null.x.unexpected_percent"),
        Some(100.0 / 7.0)
    );
    assert_eq!(
        all.field("suite.in_set.plan.unexpected_percent"),
        Some(200.0 / 6.0)
    );
    let mean = all.field("suite.mean_between.x.observed").unwrap();
    assert!((mean - 124.0 / 6.0).abs() < 1e-12, "{mean}");
    assert_eq!(all.field("suite.success"), Some(0.0));
    assert_eq!(all.field("suite.failed"), Some(4.0));

    // Each segment reports its own rows' verdicts.
    let de = results
        .iter()
        .find(|w| w.window == 0 && w.segment == "country=DE")
        .unwrap();
    let de_rows = [window0[0].clone(), window0[2].clone()];
    assert_window(&de.fields, &expected(&de_rows));
    // The next window: one row that passes every check.
    let w1 = results
        .iter()
        .find(|w| w.window == 3600 && w.segment.is_empty())
        .unwrap();
    assert_eq!(w1.field("suite.success"), Some(1.0));
    assert_eq!(w1.field("suite.failed"), Some(0.0));

    // In the results table and in rules.
    let table = mlops_core::monitor::results_table(&results).unwrap();
    assert!(table.schema().index_of("suite.x_range.success").is_ok());
    let rule = mon.rule(
        "suite.success < 1",
        Some("contract"),
        Some("critical"),
        None,
    );
    assert_eq!(rule.unwrap(), "contract");
    let report = mon.check(None).unwrap();
    // Fires on window 0 (its rows broke the contract), resolves on the next.
    let transitions: Vec<(&str, &str, i64)> = report
        .new_alerts
        .iter()
        .map(|a| (a.rule.as_str(), a.state.as_str(), a.window))
        .collect();
    assert_eq!(
        transitions,
        [("contract", "firing", 0), ("contract", "resolved", 3600)]
    );

    // Prometheus: the newest window's verdicts, one series per check.
    let text = mon
        .prometheus(mlops_core::monitor::prometheus::Format::Text004)
        .unwrap();
    assert!(
        text.contains("mlops_monitor_validation_failed_checks{monitor=\"m\"} 0.0\n"),
        "{text}"
    );
    let success: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("mlops_monitor_validation_success{"))
        .collect();
    assert_eq!(success.len(), 4, "{text}");
    assert!(
        success.contains(&"mlops_monitor_validation_success{check=\"x_range\",monitor=\"m\"} 1.0"),
        "{text}"
    );
    // The dashboard: a timeline of failed checks and a column.
    let page = mon.dashboard().unwrap();
    assert!(page.contains("suite.failed") && page.contains("checks failed"));
}

#[test]
fn a_suite_naming_a_column_the_monitor_lacks_is_refused_naming_it() {
    let r = Registry::open("memory://").unwrap();
    let reference = rows(
        vec![0, 1],
        vec![Some(1.0), Some(2.0)],
        vec![Some("free"); 2],
        "DE",
    );
    let schema = reference.schema();
    r.commit_dataset(
        "ref",
        RecordBatchIterator::new([Ok(reference)], schema),
        "reference",
        serde_json::json!({}),
    )
    .unwrap();
    let bad = suite().with(CheckKind::NotNull {
        column: "age".into(),
    });
    let new = NewMonitor {
        reference: Some(("ref".into(), "latest".into())),
        timestamp: "t".into(),
        suite: Some(bad.clone()),
        ..Default::default()
    };
    let e = r.create_monitor("m", &new).unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("checks[5] (not_null)") && m.contains("'age'"),
        "{m}"
    );
    assert!(r.monitor("m").is_err());

    // Without a reference the first batch fixes the schema: checked then.
    let mon = r
        .create_monitor(
            "n",
            &NewMonitor {
                timestamp: "t".into(),
                suite: Some(bad),
                ..Default::default()
            },
        )
        .unwrap();
    mon.set_clock(Some(7_200_000));
    let batch = rows(vec![0], vec![Some(1.0)], vec![Some("free")], "DE");
    let e = mon.log(&batch).unwrap_err();
    assert!(e.to_string().contains("'age'"), "{e}");
    assert!(r.monitor_state("n").unwrap().schema.is_none());

    // Another suite than the monitor's is a conflict, the same one opens it.
    let good = NewMonitor {
        reference: Some(("ref".into(), "latest".into())),
        timestamp: "t".into(),
        suite: Some(suite()),
        ..Default::default()
    };
    r.create_monitor("o", &good).unwrap();
    // The reference's own verdicts, for rules (`reference.suite.success`).
    let state = r.monitor_state("o").unwrap();
    assert_eq!(state.reference_fields["suite.success"], 1.0);
    assert_eq!(state.reference_fields["suite.checks"], 4.0);
    assert_eq!(
        state.reference_fields["suite.x_range.unexpected_percent"],
        0.0
    );
    r.open_or_create_monitor("o", &good).unwrap();
    let other = NewMonitor {
        suite: Some(Suite::new("other").with(CheckKind::NotNull { column: "x".into() })),
        ..good
    };
    let e = r.open_or_create_monitor("o", &other).unwrap_err();
    assert!(e.to_string().contains("'suite'"), "{e}");
}
