//! Property tests: a profile of A ++ B equals the merge of the profiles of A
//! and B (exactly for counts, min and max; to rounding for the moments;
//! within the sketch bounds for quantiles and distinct counts), and both
//! encodings round-trip.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use mlops_core::profile::Profile;
use proptest::prelude::*;

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("f", DataType::Float64, true),
        Field::new("i", DataType::Int64, true),
        Field::new("s", DataType::Utf8, true),
    ]))
}

type Row = (Option<f64>, Option<i64>, Option<String>);

fn batch(rows: &[Row]) -> RecordBatch {
    let f: Float64Array = rows.iter().map(|r| r.0).collect();
    let i: Int64Array = rows.iter().map(|r| r.1).collect();
    let s: StringArray = rows.iter().map(|r| r.2.clone()).collect();
    let cols: Vec<ArrayRef> = vec![Arc::new(f), Arc::new(i), Arc::new(s)];
    RecordBatch::try_new(schema(), cols).unwrap()
}

fn profile_of(parts: &[&[Row]]) -> Profile {
    let mut p = Profile::new(&schema());
    for part in parts {
        p.update(&batch(part)).unwrap();
    }
    p
}

fn row() -> impl Strategy<Value = Row> {
    (
        prop_oneof![
            4 => (-1e6f64..1e6).prop_map(Some),
            1 => Just(None),
            1 => Just(Some(f64::NAN)),
            1 => prop_oneof![Just(f64::INFINITY), Just(f64::NEG_INFINITY)].prop_map(Some),
        ],
        prop::option::weighted(0.9, -50i64..50),
        prop::option::weighted(0.85, "[a-e]{0,3}|é?ß?"),
    )
}

fn rel_close(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= tol * x.abs().max(y.abs()).max(1.0),
        _ => false,
    }
}

fn assert_same(whole: &Profile, merged: &Profile) {
    assert_eq!(whole.row_count(), merged.row_count());
    for (w, m) in whole.columns().iter().zip(merged.columns()) {
        assert_eq!(w.count(), m.count(), "{}", w.name());
        assert_eq!(w.null_count(), m.null_count());
        assert_eq!(w.nan_count(), m.nan_count());
        assert_eq!(w.pos_inf_count(), m.pos_inf_count());
        assert_eq!(w.neg_inf_count(), m.neg_inf_count());
        assert_eq!(w.min(), m.min(), "{}", w.name());
        assert_eq!(w.max(), m.max(), "{}", w.name());
        assert_eq!(w.moments_count(), m.moments_count());
        assert!(
            rel_close(w.mean(), m.mean(), 1e-12),
            "{} mean {:?} {:?}",
            w.name(),
            w.mean(),
            m.mean()
        );
        assert!(
            rel_close(w.variance(), m.variance(), 1e-9),
            "{} var",
            w.name()
        );
        assert_eq!(w.length_min(), m.length_min());
        assert_eq!(w.length_max(), m.length_max());
        // At most 180 values: the KLL sketch (k = 200) has not compacted, so
        // quantiles are exact on both sides. Larger inputs: see below.
        for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
            assert_eq!(w.quantile(q), m.quantile(q), "{} q{q}", w.name());
        }
        assert!(rel_close(
            w.distinct_estimate(),
            m.distinct_estimate(),
            0.02
        ));
        assert_eq!(w.top_k(5), m.top_k(5), "{}", w.name());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn merge_equals_profile_of_union(a in prop::collection::vec(row(), 0..90), b in prop::collection::vec(row(), 0..90)) {
        let whole = profile_of(&[&a, &b]);
        let merged = profile_of(&[&a]).merge(&profile_of(&[&b])).unwrap();
        assert_same(&whole, &merged);
        // merge is symmetric in everything it reports
        let flipped = profile_of(&[&b]).merge(&profile_of(&[&a])).unwrap();
        assert_same(&whole, &flipped);
    }

    #[test]
    fn encodings_round_trip(a in prop::collection::vec(row(), 0..150)) {
        let p = profile_of(&[&a]);
        let from_bytes = Profile::from_bytes(&p.to_bytes()).unwrap();
        let from_json = Profile::from_json(&p.to_json()).unwrap();
        assert_same(&p, &from_bytes);
        assert_same(&p, &from_json);
        // the readable statistics are identical, not just close
        let strip = |p: &Profile| {
            let mut v = p.to_json_value();
            for c in v["columns"].as_array_mut().unwrap() {
                c.as_object_mut().unwrap().remove("state");
            }
            v
        };
        prop_assert_eq!(strip(&p), strip(&from_bytes));
        prop_assert_eq!(strip(&p), strip(&from_json));
    }
}

#[test]
fn large_merge_stays_within_sketch_bounds() {
    // 200k values: the sketches are in estimation mode here.
    let rows: Vec<Row> = (0..200_000)
        .map(|i| {
            let x = ((i as f64) * 0.618_033_988_749_895).fract();
            (Some(x), Some(i % 1000), Some(format!("k{}", i % 3000)))
        })
        .collect();
    let (a, b) = rows.split_at(70_000);
    let whole = profile_of(&[a, b]);
    let merged = profile_of(&[a]).merge(&profile_of(&[b])).unwrap();
    let f = merged.column("f").unwrap();
    let eps = f.quantile_rank_error().unwrap();
    for q in [0.01, 0.25, 0.5, 0.75, 0.99] {
        // uniform on [0, 1): the value at rank q is q. `eps` holds with 99 %
        // confidence per query; twice it makes a spurious failure negligible.
        let v = f.quantile(q).unwrap();
        assert!((v - q).abs() <= 2.0 * eps, "q{q}: {v} (eps {eps})");
    }
    for name in ["i", "s"] {
        let (w, m) = (whole.column(name).unwrap(), merged.column(name).unwrap());
        let exact = if name == "i" { 1000.0 } else { 3000.0 };
        let est = m.distinct_estimate().unwrap();
        assert!((est - exact).abs() <= 0.05 * exact, "{name}: {est}");
        assert_eq!(w.count(), m.count());
        assert_eq!(w.min(), m.min());
        assert_eq!(w.max(), m.max());
    }
    // 3000 equally frequent strings (about 67 each): the frequent-items sketch
    // is approximate and no value surely stands out, so none is listed.
    let s = merged.column("s").unwrap();
    assert!(s.top_k_max_error() > 67);
    assert_eq!(s.top_k(3), vec![]);
}

#[test]
fn frequent_values_stand_out_of_high_cardinality() {
    // 60k rows: "hot" 10% of them, the rest 20k distinct values seen ~3 times.
    let rows: Vec<Row> = (0..60_000)
        .map(|i| {
            let s = if i % 10 == 0 {
                "hot".to_string()
            } else {
                format!("v{}", i % 20_000)
            };
            (None, None, Some(s))
        })
        .collect();
    let p = profile_of(&[&rows[..25_000], &rows[25_000..]]);
    let s = p.column("s").unwrap();
    let top = s.top_k(5);
    let err = s.top_k_max_error();
    assert!(err > 0, "the sketch is in estimation mode");
    assert_eq!(top[0].value, mlops_core::profile::Scalar::Str("hot".into()));
    assert!(
        top[0].count.abs_diff(6_000) <= err,
        "{:?} err {err}",
        top[0]
    );
    // nothing else is surely frequent
    assert!(top.iter().skip(1).all(|t| t.count > err), "{top:?}");
}
