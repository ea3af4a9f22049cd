//! The serving guard (issue #20): requests checked against a package's
//! signature (every problem kind, widening, extra columns, JSON bodies typed
//! strictly), observation into a monitor on a local folder store and into
//! the rolling profile, and hostile requests (no rows, 10,000 columns, types
//! nested deep, huge strings, JSON nested deep) refused with typed errors.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array,
    LargeStringArray, ListArray, RecordBatch, StringArray,
};
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use mlops_core::guard::Guard;
use mlops_core::monitor::NewMonitor;
use mlops_core::package::{ColumnSpec, Flavor, Manifest, Package, Problem, Signature};
use mlops_core::registry::Registry;
use mlops_core::{Error, Profile};

/// age: Float64, plan: Utf8, tenure: Int64, vip: Boolean (nullable); churn: Float64 out.
fn signature() -> Signature {
    Signature {
        inputs: vec![
            ColumnSpec::new("age", &DataType::Float64, false),
            ColumnSpec::new("plan", &DataType::Utf8, false),
            ColumnSpec::new("tenure", &DataType::Int64, false),
            ColumnSpec::new("vip", &DataType::Boolean, true),
        ],
        outputs: vec![ColumnSpec::new("churn", &DataType::Float64, false)],
        input_example: None,
    }
}

fn package(dir: &std::path::Path) -> Package {
    std::fs::write(dir.join("model.pkl"), b"weights").unwrap();
    let mut m = Manifest::new("churn", "1.0.0", Flavor::Sklearn);
    m.signature = Some(signature());
    Package::build(dir, m).unwrap()
}

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

fn good(n: usize) -> RecordBatch {
    batch(vec![
        (
            "age",
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| 20.0 + i as f64),
            )),
        ),
        (
            "plan",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("p{}", i % 3)),
            )),
        ),
        (
            "tenure",
            Arc::new(Int64Array::from_iter_values(0..n as i64)),
        ),
        ("vip", Arc::new(BooleanArray::from(vec![None; n]))),
    ])
}

fn problems(e: Error) -> Vec<Problem> {
    match e {
        Error::Signature(r) => r.problems,
        e => panic!("expected a signature error, got {e}"),
    }
}

#[test]
fn a_good_request_passes_unchanged_and_extras_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let g = Guard::new(&package(dir.path()), None).unwrap();
    let req = good(3);
    let x = g.check(&req).unwrap();
    assert_eq!(x.num_rows(), 3);
    assert_eq!(x.schema(), *g.input_schema());
    // Same buffers: nothing was copied.
    assert_eq!(
        x.column(0).to_data().buffers()[0].as_ptr(),
        req.column(0).to_data().buffers()[0].as_ptr()
    );
    // An extra column, and the order shuffled.
    let shuffled = batch(vec![
        ("id", Arc::new(StringArray::from(vec!["r1"])) as ArrayRef),
        ("tenure", Arc::new(Int64Array::from(vec![7]))),
        ("vip", Arc::new(BooleanArray::from(vec![Some(true)]))),
        ("plan", Arc::new(StringArray::from(vec!["pro"]))),
        ("age", Arc::new(Float64Array::from(vec![41.5]))),
    ]);
    let x = g.check(&shuffled).unwrap();
    let names: Vec<_> = x
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["age", "plan", "tenure", "vip"]);
    assert_eq!(x.column(0).as_primitive::<Float64Type>().value(0), 41.5);
    assert_eq!(x.column(2).as_primitive::<Int64Type>().value(0), 7);
}

#[test]
fn widened_columns_arrive_in_the_declared_type() {
    let g = Guard::from_signature(&signature(), None).unwrap();
    let req = batch(vec![
        ("age", Arc::new(Int32Array::from(vec![41, 7])) as ArrayRef),
        ("plan", Arc::new(LargeStringArray::from(vec!["a", "b"]))),
        ("tenure", Arc::new(Int32Array::from(vec![3, -2]))),
        ("vip", Arc::new(BooleanArray::from(vec![true, false]))),
    ]);
    let x = g.check(&req).unwrap();
    // A dictionary of strings (apache-arrow's JavaScript tables, pandas
    // categoricals) arrives decoded.
    let dict: arrow::array::DictionaryArray<arrow::datatypes::Int32Type> =
        vec!["a", "b", "a"].into_iter().collect();
    let coded = batch(vec![
        (
            "age",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])) as ArrayRef,
        ),
        ("plan", Arc::new(dict)),
        ("tenure", Arc::new(Int64Array::from(vec![1, 2, 3]))),
        ("vip", Arc::new(BooleanArray::from(vec![true, false, true]))),
    ]);
    let decoded = g.check(&coded).unwrap();
    assert_eq!(decoded.column(1).data_type(), &DataType::Utf8);
    assert_eq!(decoded.column(1).as_string::<i32>().value(2), "a");
    assert_eq!(x.column(0).data_type(), &DataType::Float64);
    assert_eq!(
        x.column(0).as_primitive::<Float64Type>().values(),
        &[41.0, 7.0]
    );
    assert_eq!(x.column(1).data_type(), &DataType::Utf8);
    assert_eq!(x.column(1).as_string::<i32>().value(1), "b");
    assert_eq!(x.column(2).as_primitive::<Int64Type>().values(), &[3, -2]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let g = Guard::from_signature(&signature(), None).unwrap();
    // age: narrowing-free but nulls; plan: a number; tenure: missing;
    // vip: Float32 for a Boolean.
    let req = batch(vec![
        (
            "age",
            Arc::new(Float64Array::from(vec![Some(1.0), None, None])) as ArrayRef,
        ),
        ("plan", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]))),
        ("vip", Arc::new(Float32Array::from(vec![1.0, 0.0, 1.0]))),
    ]);
    let p = problems(g.check(&req).unwrap_err());
    assert_eq!(
        p,
        vec![
            Problem::Nulls {
                column: "age".into(),
                count: 2,
                first_row: 1
            },
            Problem::TypeMismatch {
                column: "plan".into(),
                expected: "Utf8".into(),
                found: "Float64".into()
            },
            Problem::MissingColumn {
                column: "tenure".into()
            },
            Problem::TypeMismatch {
                column: "vip".into(),
                expected: "Boolean".into(),
                found: "Float32".into()
            },
        ]
    );
    // Narrowing is a mismatch too: Float64 data for an Int64 input.
    let req = batch(vec![
        ("age", Arc::new(Float64Array::from(vec![1.0])) as ArrayRef),
        ("plan", Arc::new(StringArray::from(vec!["a"]))),
        ("tenure", Arc::new(Float64Array::from(vec![3.0]))),
        ("vip", Arc::new(BooleanArray::from(vec![true]))),
    ]);
    assert_eq!(
        problems(g.check(&req).unwrap_err()),
        vec![Problem::TypeMismatch {
            column: "tenure".into(),
            expected: "Int64".into(),
            found: "Float64".into()
        }]
    );
    // The error's code, and its message names every problem.
    let e = g
        .check(&batch(vec![(
            "x",
            Arc::new(Int32Array::from(vec![1])) as ArrayRef,
        )]))
        .unwrap_err();
    assert_eq!(e.code(), "SIGNATURE");
    let msg = e.to_string();
    for c in ["age", "plan", "tenure"] {
        assert!(msg.contains(&format!("column {c} is missing")), "{msg}");
    }
    // A nullable input must be sent too (as nulls): the signature names it.
    assert!(msg.contains("column vip is missing"), "{msg}");
}

#[test]
fn json_bodies_are_typed_strictly() {
    let g = Guard::from_signature(&signature(), None).unwrap();
    // Rows, and the same as columns; a key absent from a row is a null there.
    let rows = br#"[{"age": 41, "plan": "pro", "tenure": 3, "vip": true, "extra": [1]},
                    {"age": 7.5, "plan": "free", "tenure": -1}]"#;
    let cols =
        br#"{"age": [41, 7.5], "plan": ["pro", "free"], "tenure": [3, -1], "vip": [true, null]}"#;
    for body in [&rows[..], &cols[..]] {
        let x = g.check_json(body).unwrap();
        assert_eq!(x.schema(), *g.input_schema());
        assert_eq!(
            x.column(0).as_primitive::<Float64Type>().values(),
            &[41.0, 7.5]
        );
        assert_eq!(x.column(1).as_string::<i32>().value(0), "pro");
        assert_eq!(x.column(2).as_primitive::<Int64Type>().values(), &[3, -1]);
        assert_eq!(
            x.column(3).as_boolean().iter().collect::<Vec<_>>(),
            [Some(true), None]
        );
    }
    // "3" for a float, 1.5 for an int, 7 for a string, null where forbidden: all refused, none parsed.
    let body = br#"[{"age": "3", "plan": 7, "tenure": 1.5, "vip": 1},
                    {"age": 2, "plan": null, "tenure": 10000000000000000000000},
                    {"age": "x", "plan": "ok", "tenure": 4}]"#;
    assert_eq!(
        problems(g.check_json(body).unwrap_err()),
        vec![
            Problem::BadValues {
                column: "age".into(),
                expected: "Float64".into(),
                found: "string".into(),
                count: 2,
                first_row: 0
            },
            Problem::BadValues {
                column: "plan".into(),
                expected: "Utf8".into(),
                found: "number".into(),
                count: 1,
                first_row: 0
            },
            Problem::BadValues {
                column: "tenure".into(),
                expected: "Int64".into(),
                found: "non-integer number".into(),
                count: 2,
                first_row: 0
            },
            Problem::BadValues {
                column: "vip".into(),
                expected: "Boolean".into(),
                found: "number".into(),
                count: 1,
                first_row: 0
            },
        ]
    );
    let body = br#"[{"age": 1, "plan": null, "tenure": 1, "vip": null}, {"age": 1, "tenure": 1}]"#;
    assert_eq!(
        problems(g.check_json(body).unwrap_err()),
        vec![Problem::Nulls {
            column: "plan".into(),
            count: 2,
            first_row: 0
        },]
    );
    let body = br#"[{"age": 1}]"#;
    assert_eq!(
        problems(g.check_json(body).unwrap_err()),
        vec![
            Problem::MissingColumn {
                column: "plan".into()
            },
            Problem::MissingColumn {
                column: "tenure".into()
            },
            Problem::MissingColumn {
                column: "vip".into()
            },
        ]
    );
    // Shapes that are not data.
    for (body, says) in [
        (&b"not json"[..], "not JSON"),
        (b"42", "JSON number"),
        (b"[1, 2]", "row 0 is a JSON number"),
        (
            br#"{"age": [1, 2], "plan": ["a"]}"#,
            "column plan has 1 value(s) but column age has 2",
        ),
        (br#"{"age": 1}"#, "column age is a JSON number"),
    ] {
        let p = problems(g.check_json(body).unwrap_err());
        assert!(
            matches!(&p[..], [Problem::Malformed { message }] if message.contains(says)),
            "{p:?}"
        );
    }
    assert_eq!(
        problems(g.check_json(b"[]").unwrap_err()),
        vec![Problem::NoRows]
    );
    assert_eq!(
        problems(g.check_json(br#"{"age": []}"#).unwrap_err()),
        vec![Problem::NoRows]
    );
    // An object naming none of the inputs: each is missing.
    assert_eq!(
        problems(g.check_json(br#"{"rows": [1]}"#).unwrap_err()),
        ["age", "plan", "tenure", "vip"]
            .map(|c| Problem::MissingColumn { column: c.into() })
            .to_vec()
    );
}

#[test]
fn json_dates_and_small_integers() {
    let sig = Signature {
        inputs: vec![
            ColumnSpec::new("t", &"Timestamp(ms, \"UTC\")".parse().unwrap(), false),
            ColumnSpec::new("d", &DataType::Date32, false),
            ColumnSpec::new("k", &DataType::Int8, false),
            ColumnSpec::new("u", &DataType::UInt16, false),
        ],
        ..Default::default()
    };
    let g = Guard::from_signature(&sig, None).unwrap();
    let x = g
        .check_json(br#"[{"t": "2026-11-02T10:00:00Z", "d": "2026-11-02", "k": -128, "u": 65535}]"#)
        .unwrap();
    assert_eq!(
        x.column(0)
            .as_primitive::<arrow::datatypes::TimestampMillisecondType>()
            .value(0),
        1_793_613_600_000
    );
    assert_eq!(
        x.column(2)
            .as_primitive::<arrow::datatypes::Int8Type>()
            .value(0),
        -128
    );
    let p = problems(
        g.check_json(br#"[{"t": "yesterday", "d": 5, "k": 128, "u": -1}]"#)
            .unwrap_err(),
    );
    assert_eq!(
        p,
        vec![
            Problem::BadValues {
                column: "t".into(),
                expected: "Timestamp(ms, \"UTC\")".into(),
                found: "string that is not a Timestamp(ms, \"UTC\")".into(),
                count: 1,
                first_row: 0
            },
            Problem::BadValues {
                column: "d".into(),
                expected: "Date32".into(),
                found: "number".into(),
                count: 1,
                first_row: 0
            },
            Problem::BadValues {
                column: "k".into(),
                expected: "Int8".into(),
                found: "number out of range".into(),
                count: 1,
                first_row: 0
            },
            Problem::BadValues {
                column: "u".into(),
                expected: "UInt16".into(),
                found: "number out of range".into(),
                count: 1,
                first_row: 0
            },
        ]
    );
}

#[test]
fn hostile_requests_are_typed_errors() {
    let g = Guard::from_signature(&signature(), None).unwrap();
    // No rows.
    let p = problems(g.check(&good(0)).unwrap_err());
    assert_eq!(p, vec![Problem::NoRows]);
    // 10,000 columns: the inputs among them pass, the rest are dropped.
    let mut cols: Vec<(String, ArrayRef)> = (0..10_000)
        .map(|i| {
            (
                format!("c{i}"),
                Arc::new(Int32Array::from(vec![i])) as ArrayRef,
            )
        })
        .collect();
    let g1 = good(1);
    for (f, c) in g1.schema().fields().iter().zip(g1.columns()) {
        cols.push((f.name().clone(), c.clone()));
    }
    let wide = RecordBatch::try_from_iter(cols).unwrap();
    assert_eq!(g.check(&wide).unwrap().num_columns(), 4);
    // A type nested 500 deep where a Float64 is declared: named, cut short.
    let mut t = DataType::Float64;
    let mut a: ArrayRef = Arc::new(Float64Array::from(vec![1.0]));
    for _ in 0..500 {
        let f = Arc::new(Field::new("item", t.clone(), true));
        a = Arc::new(ListArray::new(
            f.clone(),
            arrow::buffer::OffsetBuffer::from_lengths([1]),
            a,
            None,
        ));
        t = DataType::List(f);
    }
    let deep = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("age", t, true),
            Field::new("plan", DataType::Utf8, false),
            Field::new("tenure", DataType::Int64, false),
            Field::new("vip", DataType::Boolean, true),
        ])),
        vec![
            a,
            Arc::new(StringArray::from(vec!["x"])),
            Arc::new(Int64Array::from(vec![1])),
            Arc::new(BooleanArray::from(vec![true])),
        ],
    )
    .unwrap();
    let p = problems(g.check(&deep).unwrap_err());
    let [Problem::TypeMismatch { column, found, .. }] = &p[..] else {
        panic!("{p:?}")
    };
    assert_eq!(column, "age");
    assert!(
        found.starts_with("List(") && found.chars().count() <= 201,
        "{found}"
    );
    // A huge string passes as the value it is (a string input has no size limit of its own).
    let huge = "x".repeat(8 << 20);
    let req = batch(vec![
        ("age", Arc::new(Float64Array::from(vec![1.0])) as ArrayRef),
        ("plan", Arc::new(StringArray::from(vec![huge.as_str()]))),
        ("tenure", Arc::new(Int64Array::from(vec![1]))),
        ("vip", Arc::new(BooleanArray::from(vec![true]))),
    ]);
    assert_eq!(
        g.check(&req)
            .unwrap()
            .column(1)
            .as_string::<i32>()
            .value(0)
            .len(),
        8 << 20
    );
    let body = format!(r#"[{{"age": 1, "plan": "{huge}", "tenure": 1, "vip": false}}]"#);
    assert_eq!(g.check_json(body.as_bytes()).unwrap().num_rows(), 1);
    // JSON nested 100,000 deep: refused by the parser's limit, no stack overflow.
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let p = problems(g.check_json(body.as_bytes()).unwrap_err());
    assert!(
        matches!(&p[..], [Problem::Malformed { message }] if message.contains("recursion")),
        "{p:?}"
    );
    // 10,000 keys in a JSON row.
    let mut row: serde_json::Map<String, serde_json::Value> = (0..10_000)
        .map(|i| (format!("k{i}"), serde_json::json!(i)))
        .collect();
    row.insert("age".into(), serde_json::json!(1.0));
    row.insert("plan".into(), serde_json::json!("a"));
    row.insert("tenure".into(), serde_json::json!(2));
    row.insert("vip".into(), serde_json::Value::Null);
    let body = serde_json::to_vec(&serde_json::Value::Array(vec![row.into()])).unwrap();
    assert_eq!(g.check_json(&body).unwrap().num_columns(), 4);
}

#[test]
fn a_guard_needs_a_signature() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.pkl"), b"w").unwrap();
    let pkg = Package::build(dir.path(), Manifest::new("bare", "1", Flavor::Sklearn)).unwrap();
    let e = Guard::new(&pkg, None).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("package bare 1 has no signature")),
        "{e}"
    );
    let e = Guard::from_signature(&Signature::default(), None).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("no inputs")),
        "{e}"
    );
}

#[test]
fn observe_feeds_the_rolling_profile() {
    let g = Guard::from_signature(&signature(), None).unwrap();
    let mut all = Vec::new();
    for i in 0..50 {
        let x = g.check(&good(1 + i % 4)).unwrap();
        let scores: Vec<f64> = (0..x.num_rows())
            .map(|r| (i * 7 + r) as f64 / 100.0)
            .collect();
        all.extend(scores.iter().copied());
        let y = g.predictions(Arc::new(Float64Array::from(scores))).unwrap();
        assert_eq!(y.schema().field(0).name(), "churn");
        g.observe(&x, &y).unwrap();
    }
    g.flush().unwrap();
    let p: Profile = g.profile().unwrap();
    assert_eq!(p.row_count(), all.len() as u64);
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    assert!((p.column("churn").unwrap().mean().unwrap() - mean).abs() < 1e-12);
    assert_eq!(p.column("vip").unwrap().null_count(), all.len() as u64);
    // Row counts that differ, and a column on both sides.
    let x = g.check(&good(3)).unwrap();
    let y = g
        .predictions(Arc::new(Float64Array::from(vec![0.5, 0.5])))
        .unwrap();
    let e = g.observe(&x, &y).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("3 input row(s) but 2 prediction(s)")),
        "{e}"
    );
    let clash = batch(vec![(
        "age",
        Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])) as ArrayRef,
    )]);
    let e = g.observe(&x, &clash).unwrap_err();
    assert!(
        e.to_string()
            .contains("column age is both an input and a prediction"),
        "{e}"
    );
}

#[test]
fn observe_feeds_a_monitor_on_a_local_folder_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let r = Registry::open(store.to_str().unwrap()).unwrap();
    let mon = Arc::new(
        r.create_monitor(
            "churn-prod",
            &NewMonitor {
                timestamp: "t".into(),
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let pkg = package(&dir.path().join("pkg").tap_mkdir());
    let g = Guard::new(&pkg, Some(mon.clone())).unwrap();
    // The guard fixed the monitor's schema when it was made.
    assert!(r.monitor_state("churn-prod").unwrap().schema.is_some());
    let events = std::fs::read_dir(store.join("monitors/churn-prod/log"))
        .unwrap()
        .count();
    let mut scores = Vec::new();
    for i in 0..20 {
        let x = g.check(&good(2)).unwrap();
        let y = g
            .predictions(Arc::new(Float64Array::from(vec![i as f64, i as f64 + 0.5])))
            .unwrap();
        scores.extend([i as f64, i as f64 + 0.5]);
        g.observe(&x, &y).unwrap();
    }
    // Nothing written from the requests' thread (the monitor's own thread
    // writes every 5 s; this test is quicker than that, and a flush is explicit).
    g.flush().unwrap();
    assert!(
        std::fs::read_dir(store.join("monitors/churn-prod/log"))
            .unwrap()
            .count()
            > events
    );
    let state = r.monitor_state("churn-prod").unwrap();
    let rows: u64 = state.windows.values().map(|w| w.rows).sum();
    assert_eq!(rows, 40);
    let mut merged: Option<Profile> = None;
    for w in state.windows.values() {
        for h in &w.profiles {
            let p = Profile::from_bytes(&r.store().get_blob(h.as_str()).unwrap()).unwrap();
            merged = Some(match merged {
                None => p,
                Some(m) => m.merge(&p).unwrap(),
            });
        }
    }
    let p = merged.unwrap();
    assert_eq!(p.row_count(), 40);
    let mean = scores.iter().sum::<f64>() / 40.0;
    assert!((p.column("churn").unwrap().mean().unwrap() - mean).abs() < 1e-12);
    assert!((p.column("age").unwrap().mean().unwrap() - 20.5).abs() < 1e-12);
    assert!(g.profile().is_none());
}

trait Mkdir {
    fn tap_mkdir(self) -> Self;
}

impl Mkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
