//! Row-level diffs of data set versions by key (`Registry::diff_rows`):
//! a hand-built case with exact expected rows, cells and schema changes;
//! equal row groups skipped (and a key repeated inside one still found);
//! versions made of parts; bad keys refused with errors naming the column
//! and the rows. Each runs on a folder and on S3 when a server is given.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    RecordBatchIterator, StringArray,
};
use arrow::datatypes::Int64Type;
use mlops_core::registry::Registry;
use mlops_core::Error;

#[path = "support/stores.rs"]
mod support;
use support::stores;

fn commit(r: &Registry, name: &str, cols: Vec<(&str, ArrayRef)>) -> u64 {
    let b = RecordBatch::try_from_iter(cols).unwrap();
    let schema = b.schema();
    r.commit_dataset(
        name,
        RecordBatchIterator::new(vec![Ok(b)], schema),
        "",
        serde_json::json!({}),
    )
    .unwrap()
}

fn ints(v: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}

/// The values of an Int64 column of a table's batches.
fn column_i64(t: &mlops_core::dataset::RowTable, name: &str) -> Vec<i64> {
    t.batches
        .iter()
        .flat_map(|b| {
            b.column_by_name(name)
                .unwrap()
                .as_primitive::<Int64Type>()
                .values()
                .to_vec()
        })
        .collect()
}

#[test]
fn rows_added_removed_and_changed_by_key() {
    for s in stores("rows") {
        let r = Registry::open(&s.url).unwrap();
        // Version 1: ids 0..10.
        let id: Vec<i64> = (0..10).collect();
        commit(
            &r,
            "people",
            vec![
                ("id", ints(&id)),
                ("a", ints(&(0..10).map(|i| i * 10).collect::<Vec<_>>())),
                (
                    "b",
                    Arc::new(StringArray::from(
                        (0..10).map(|i| Some(format!("s{i}"))).collect::<Vec<_>>(),
                    )),
                ),
                (
                    "c",
                    Arc::new(Float64Array::from(
                        (0..10).map(|i| i as f64 / 2.0).collect::<Vec<_>>(),
                    )),
                ),
                (
                    "e",
                    Arc::new(Int32Array::from((0..10).collect::<Vec<i32>>())),
                ),
                ("f", ints(&[7; 10])),
            ],
        );
        // Version 2, in another order: 3 and 7 gone, 10 and 11 new; id 1
        // changes `a`, id 2 `b` (to null), id 5 `a` and `c`; `d` added,
        // `f` dropped, `e` retyped.
        let id2: Vec<i64> = vec![11, 9, 8, 6, 5, 4, 2, 1, 0, 10];
        let a2: Vec<i64> = id2
            .iter()
            .map(|&i| match i {
                1 => 11,
                5 => 55,
                i => i * 10,
            })
            .collect();
        let b2: Vec<Option<String>> = id2
            .iter()
            .map(|&i| (i != 2).then(|| format!("s{i}")))
            .collect();
        let c2: Vec<f64> = id2
            .iter()
            .map(|&i| if i == 5 { -1.0 } else { i as f64 / 2.0 })
            .collect();
        commit(
            &r,
            "people",
            vec![
                ("id", ints(&id2)),
                ("a", ints(&a2)),
                ("b", Arc::new(StringArray::from(b2))),
                ("c", Arc::new(Float64Array::from(c2))),
                ("e", ints(&id2)),
                ("d", ints(&[1; 10])),
            ],
        );
        let d = r.diff_rows("people", "1", "2", &["id"]).unwrap();
        let s = d.summary();
        assert_eq!((s.from, s.to, s.rows), (1, 2, (10, 10)));
        assert_eq!(
            (s.added, s.removed, s.changed, s.unchanged),
            (2, 2, 3, 5),
            "{s:?}"
        );
        let cells: Vec<(&str, u64)> = s
            .changed_cells
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(cells, vec![("a", 2), ("b", 1), ("c", 1)]);
        assert_eq!(s.columns_added, vec![("d".into(), "Int64".into())]);
        assert_eq!(s.columns_removed, vec![("f".into(), "Int64".into())]);
        assert_eq!(
            s.columns_retyped,
            vec![("e".into(), "Int32".into(), "Int64".into())]
        );
        let mut added = column_i64(&d.added, "id");
        added.sort();
        assert_eq!(added, vec![10, 11]);
        assert_eq!(d.added.schema.fields().len(), 6);
        assert_eq!(column_i64(&d.added, "d"), vec![1, 1]);
        let mut removed = column_i64(&d.removed, "id");
        removed.sort();
        assert_eq!(removed, vec![3, 7]);
        assert!(d.removed.schema.field_with_name("f").is_ok());
        // Changed rows: the key and the names of the changed columns.
        let mut changed: Vec<(i64, Vec<String>)> = Vec::new();
        for b in &d.changed.batches {
            let ids = b.column(0).as_primitive::<Int64Type>();
            let names = b.column(1).as_list::<i32>();
            for i in 0..b.num_rows() {
                let n = names.value(i);
                let n = n.as_string::<i32>();
                changed.push((
                    ids.value(i),
                    (0..n.len()).map(|j| n.value(j).to_string()).collect(),
                ));
            }
        }
        changed.sort();
        assert_eq!(
            changed,
            vec![
                (1, vec!["a".to_string()]),
                (2, vec!["b".to_string()]),
                (5, vec!["a".to_string(), "c".to_string()]),
            ]
        );
        assert_eq!(
            d.changed.schema.field(1).name(),
            mlops_core::dataset::CHANGED_COLUMN
        );
        // A version against itself: nothing changed, every group skipped.
        let same = r.diff_rows("people", "2", "latest", &["id"]).unwrap();
        let s = same.summary();
        assert_eq!((s.added, s.removed, s.changed, s.unchanged), (0, 0, 0, 10));
        assert_eq!((s.row_groups, s.row_groups_skipped), ((1, 1), 1));
        assert_eq!(same.changed.num_rows(), 0);
        // A key of two columns.
        let two = r.diff_rows("people", "1", "2", &["id", "a"]).unwrap();
        let s = two.summary();
        // (1, 10) and (5, 50) are gone, (1, 11) and (5, 55) new.
        assert_eq!((s.added, s.removed, s.changed), (4, 4, 1));
    }
}

#[test]
fn equal_row_groups_are_skipped_and_keys_in_them_still_checked() {
    for s in stores("rowgroups") {
        let r = Registry::open(&s.url).unwrap();
        let n = 300_000i64;
        let ids: Vec<i64> = (0..n).collect();
        let x: Vec<i64> = ids.iter().map(|i| i * 3).collect();
        commit(&r, "big", vec![("id", ints(&ids)), ("x", ints(&x))]);
        // Append 1,000 rows and change row 5: the group of rows
        // 131072..262143 is the same bytes in both.
        let ids2: Vec<i64> = (0..n + 1000).collect();
        let mut x2: Vec<i64> = ids2.iter().map(|i| i * 3).collect();
        x2[5] = -1;
        commit(&r, "big", vec![("id", ints(&ids2)), ("x", ints(&x2))]);
        let d = r.diff_rows("big", "1", "2", &["id"]).unwrap();
        let s = d.summary();
        assert_eq!((s.row_groups, s.row_groups_skipped), ((3, 3), 1));
        assert_eq!((s.added, s.removed, s.changed), (1000, 0, 1));
        assert_eq!(s.unchanged, n as u64 - 1);
        assert_eq!(column_i64(&d.changed, "id"), vec![5]);
        assert_eq!(
            column_i64(&d.added, "id"),
            (n..n + 1000).collect::<Vec<_>>()
        );
        // A version that repeats, at its end, a key of the skipped group:
        // refused, naming both rows.
        let mut ids3 = ids.clone();
        ids3.push(200_000);
        let x3: Vec<i64> = ids3.iter().map(|i| i * 3).collect();
        commit(&r, "big", vec![("id", ints(&ids3)), ("x", ints(&x3))]);
        let e = r.diff_rows("big", "1", "3", &["id"]).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        let m = e.to_string();
        assert!(
            m.contains("version 3")
                && m.contains("id=200000")
                && m.contains("rows 200000 and 300000"),
            "{m}"
        );
    }
}

#[test]
fn versions_made_of_parts_diff_like_one_file() {
    for s in stores("rowparts") {
        let r = Registry::open(&s.url).unwrap();
        let part = |ids: Vec<i64>, x: Vec<i64>| {
            let b = RecordBatch::try_from_iter([("id", ints(&ids)), ("x", ints(&x))]).unwrap();
            let schema = b.schema();
            r.write_dataset_part("p", RecordBatchIterator::new(vec![Ok(b)], schema))
                .unwrap()
        };
        let v1 = vec![
            part(vec![1, 2], vec![10, 20]),
            part(vec![3, 4], vec![30, 40]),
        ];
        r.commit_dataset_parts("p", &v1, "", serde_json::json!({}))
            .unwrap();
        commit(
            &r,
            "p",
            vec![("id", ints(&[4, 3, 2, 5])), ("x", ints(&[40, 31, 20, 50]))],
        );
        let d = r.diff_rows("p", "1", "2", &["id"]).unwrap();
        let s = d.summary();
        assert_eq!((s.added, s.removed, s.changed, s.unchanged), (1, 1, 1, 2));
        assert_eq!(s.row_groups, (2, 1));
        assert_eq!(column_i64(&d.removed, "id"), vec![1]);
        assert_eq!(column_i64(&d.changed, "id"), vec![3]);
    }
}

#[test]
fn bad_keys_are_refused_naming_the_column_and_rows() {
    for s in stores("rowkeys") {
        let r = Registry::open(&s.url).unwrap();
        commit(
            &r,
            "k",
            vec![("id", ints(&[1, 2, 3])), ("x", ints(&[1, 2, 3]))],
        );
        commit(
            &r,
            "k",
            vec![("id", ints(&[1, 2, 2])), ("x", ints(&[1, 2, 3]))],
        );
        commit(
            &r,
            "k",
            vec![
                (
                    "id",
                    Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef,
                ),
                ("x", ints(&[1, 2, 3])),
            ],
        );
        commit(&r, "k", vec![("key", ints(&[1])), ("x", ints(&[1]))]);
        let e = r.diff_rows("k", "1", "2", &["id"]).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        assert!(
            e.to_string()
                .contains("version 2: (id=2) is on rows 1 and 2"),
            "{e}"
        );
        let e = r.diff_rows("k", "3", "1", &["id"]).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        assert!(
            e.to_string()
                .contains("key column 'id' of dataset 'k' version 3 is null at row 1"),
            "{e}"
        );
        let e = r.diff_rows("k", "1", "4", &["id"]).unwrap_err();
        assert!(matches!(e, Error::NotFound(_)), "{e}");
        assert!(
            e.to_string()
                .contains("key column 'id' in dataset 'k' version 4"),
            "{e}"
        );
        let e = r.diff_rows("k", "1", "2", &[]).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        let e = r.diff_rows("k", "1", "9", &["id"]).unwrap_err();
        assert!(matches!(e, Error::NotFound(_)), "{e}");
        // A key column of another type in the other version.
        commit(
            &r,
            "k",
            vec![("id", Arc::new(StringArray::from(vec!["1"])) as ArrayRef)],
        );
        let e = r.diff_rows("k", "1", "5", &["id"]).unwrap_err();
        assert!(matches!(e, Error::SchemaMismatch(_)), "{e}");
        assert!(e.to_string().contains("key column 'id'"), "{e}");
        // Files are not data sets.
        r.add_version(
            mlops_core::registry::Kind::Dataset,
            "k",
            b"raw",
            "",
            serde_json::json!({}),
        )
        .unwrap();
        let e = r.diff_rows("k", "1", "6", &["id"]).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
    }
}
