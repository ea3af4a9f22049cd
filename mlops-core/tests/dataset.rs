//! Data set versions: commit Arrow data, read versions back (time travel,
//! projection), profiles stored beside them, diffs.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
};
use mlops_core::registry::Registry;
use mlops_core::Error;
use serde_json::json;

fn reader(
    batch: RecordBatch,
) -> RecordBatchIterator<std::vec::IntoIter<Result<RecordBatch, arrow::error::ArrowError>>> {
    let schema = batch.schema();
    RecordBatchIterator::new(vec![Ok(batch)].into_iter(), schema)
}

fn v1() -> RecordBatch {
    RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(0..1000)) as ArrayRef,
        ),
        (
            "x",
            Arc::new(Float64Array::from_iter_values(
                (0..1000).map(|i| i as f64 / 10.0),
            )) as ArrayRef,
        ),
        (
            "c",
            Arc::new(StringArray::from_iter_values(
                (0..1000).map(|i| ["a", "b"][i % 2]),
            )) as ArrayRef,
        ),
    ])
    .unwrap()
}

fn v2() -> RecordBatch {
    RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(0..1500)) as ArrayRef,
        ),
        (
            "x",
            Arc::new(Float64Array::from_iter(
                (0..1500).map(|i| (i % 10 != 0).then_some(i as f64)),
            )) as ArrayRef,
        ),
        (
            "y",
            Arc::new(Int64Array::from_iter_values(0..1500)) as ArrayRef,
        ),
    ])
    .unwrap()
}

#[test]
fn commit_read_back_and_diff() {
    let r = Registry::open("memory://").unwrap();
    assert_eq!(
        r.commit_dataset("events", reader(v1()), "first", json!({}))
            .unwrap(),
        1
    );
    assert_eq!(
        r.commit_dataset("events", reader(v2()), "second", json!({}))
            .unwrap(),
        2
    );
    r.set_alias(mlops_core::registry::Kind::Dataset, "events", "training", 1)
        .unwrap();
    // Time travel: version 1 by alias, exactly as committed.
    let (_, batches) = r.read_dataset("events", "training", None).unwrap();
    let back = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    assert_eq!(back, v1());
    // Only some columns.
    let (schema, batches) = r.read_dataset("events", "latest", Some(&["y"])).unwrap();
    assert_eq!(schema.fields().len(), 1);
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1500);
    assert!(matches!(
        r.read_dataset("events", "1", Some(&["nope"])),
        Err(Error::NotFound(_))
    ));
    // The profile is stored beside the data.
    let p = r.dataset_profile("events", "1").unwrap();
    assert_eq!(p.row_count(), 1000);
    assert!((p.column("x").unwrap().mean().unwrap() - 49.95).abs() < 1e-9);
    // Diff: schema, rows, per-column statistics.
    let d = r.diff_datasets("events", "1", "2").unwrap();
    assert_eq!(d.rows, (1000, 1500));
    assert_eq!(d.added, vec![("y".to_string(), "Int64".to_string())]);
    assert_eq!(d.removed, vec![("c".to_string(), "Utf8".to_string())]);
    let x = d.columns.iter().find(|c| c.column == "x").unwrap();
    assert_eq!(x.nulls, (0, 150));
    assert!(x.mean.1.unwrap() > x.mean.0.unwrap());
}

#[test]
fn files_and_data_are_told_apart() {
    let r = Registry::open("memory://").unwrap();
    r.add_version(
        mlops_core::registry::Kind::Dataset,
        "raw",
        b"not parquet",
        "",
        json!({}),
    )
    .unwrap();
    assert!(matches!(
        r.read_dataset("raw", "1", None),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        r.diff_datasets("raw", "1", "1"),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        r.read_dataset("nothing", "1", None),
        Err(Error::NotFound(_))
    ));
}

/// `add_path` decides for every front-end: a data file added as a dataset
/// is committed as data (Parquet, rows, profile), any other file or kind is
/// stored as its bytes.
#[test]
fn add_path_commits_data_files_as_datasets_and_stores_other_files_as_bytes() {
    use mlops_core::registry::Kind;
    let t = tempfile::tempdir().unwrap();
    let csv = t.path().join("events.csv");
    std::fs::write(&csv, "x,y\n1,a\n2,b\n3,c\n").unwrap();
    let notes = t.path().join("notes.txt");
    std::fs::write(&notes, "not data").unwrap();
    let r = Registry::open("memory://")
        .unwrap()
        .with_reason("nightly load");

    assert_eq!(
        r.add_path(Kind::Dataset, "events", &csv, "first", json!({"src": "s3"}))
            .unwrap(),
        1
    );
    let v = r.version(Kind::Dataset, "events", "1").unwrap();
    let info = v.dataset.expect("a data file is committed as a dataset");
    assert_eq!((info.format.as_str(), info.rows), ("parquet", 3));
    assert_eq!(
        info.schema.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        ["x", "y"]
    );
    assert_eq!(v.metadata, json!({"src": "s3"}));
    assert_eq!(r.dataset_profile("events", "1").unwrap().row_count(), 3);
    assert_eq!(
        r.history(Kind::Dataset, "events").unwrap()[0]
            .reason
            .as_deref(),
        Some("nightly load")
    );

    // Not a data file, or not a dataset: the bytes as they are.
    assert_eq!(
        r.add_path(Kind::Dataset, "notes", &notes, "", json!({}))
            .unwrap(),
        1
    );
    assert_eq!(
        r.version(Kind::Dataset, "notes", "1").unwrap().dataset,
        None
    );
    assert_eq!(r.get(Kind::Dataset, "notes", "1").unwrap(), b"not data");
    r.add_path(Kind::Artifact, "events-raw", &csv, "", json!({}))
        .unwrap();
    assert_eq!(
        r.get(Kind::Artifact, "events-raw", "1").unwrap(),
        b"x,y\n1,a\n2,b\n3,c\n"
    );
    assert!(r
        .version(Kind::Artifact, "events-raw", "1")
        .unwrap()
        .dataset
        .is_none());

    // A missing file is NotFound, whichever way it would have gone.
    let gone = t.path().join("gone.csv");
    assert!(matches!(
        r.add_path(Kind::Dataset, "x", &gone, "", json!({})),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        r.add_path(Kind::Model, "x", &gone, "", json!({})),
        Err(Error::NotFound(_))
    ));
}
