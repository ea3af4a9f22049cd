//! Which tables a data set version holds: columns Parquet cannot hold as
//! they are (unions, run-end encoding, NUL in names, names twice) are
//! refused before anything is written; tables without columns keep their
//! row count.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Int32Array, Int64Array, RecordBatch, RecordBatchIterator, RecordBatchOptions,
    RunArray, StructArray, UnionArray,
};
use arrow::buffer::ScalarBuffer;
use arrow::datatypes::{DataType, Field, Int32Type, Schema, UnionFields};
use mlops_core::registry::Registry;
use serde_json::json;

fn reader(batch: RecordBatch) -> impl arrow::record_batch::RecordBatchReader {
    let schema = batch.schema();
    RecordBatchIterator::new(vec![Ok(batch)], schema)
}

fn union() -> ArrayRef {
    let fields = UnionFields::try_new([0], [Field::new("i", DataType::Int32, true)]).unwrap();
    let children = vec![Arc::new(Int32Array::from(vec![1, 2, 3])) as ArrayRef];
    Arc::new(
        UnionArray::try_new(fields, ScalarBuffer::from(vec![0i8, 0, 0]), None, children).unwrap(),
    )
}

fn ids() -> ArrayRef {
    Arc::new(Int64Array::from(vec![1, 2, 3]))
}

/// Commits `batch` as data set `name`, which must be refused with `code`
/// naming `column`, leaving no version behind.
fn refused(batch: RecordBatch, code: &str, column: &str) {
    let r = Registry::open("memory://").unwrap();
    let e = r
        .commit_dataset("d", reader(batch), "", json!({}))
        .unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    assert!(e.to_string().contains(&format!("'{column}'")), "{e}");
    assert_eq!(
        r.read_dataset("d", "latest", None).unwrap_err().code(),
        "NOT_FOUND"
    );
}

#[test]
fn a_union_column_is_unsupported_naming_it() {
    // Used to panic inside the Parquet writer.
    let b = RecordBatch::try_from_iter([("id", ids()), ("u", union())]).unwrap();
    refused(b, "UNSUPPORTED", "u");
    // Nested in a struct: named by its path.
    let s = StructArray::from(vec![(
        Arc::new(Field::new("inner", union().data_type().clone(), false)),
        union(),
    )]);
    let b = RecordBatch::try_from_iter([("id", ids()), ("s", Arc::new(s) as ArrayRef)]).unwrap();
    refused(b, "UNSUPPORTED", "s.inner");
}

#[test]
fn a_run_end_encoded_column_is_unsupported_naming_it() {
    // Parquet gives the values back decoded: the version would change type.
    let runs = RunArray::<Int32Type>::try_new(
        &Int32Array::from(vec![2, 3]),
        &Int64Array::from(vec![7, 8]),
    )
    .unwrap();
    let b = RecordBatch::try_from_iter([("id", ids()), ("r", Arc::new(runs) as ArrayRef)]).unwrap();
    refused(b, "UNSUPPORTED", "r");
}

#[test]
fn a_nul_in_a_column_name_is_invalid_input() {
    // It committed, and could not be read back.
    let b = RecordBatch::try_from_iter([("id", ids()), ("a\0b", ids())]).unwrap();
    refused(b, "INVALID_INPUT", "a\\0b");
}

#[test]
fn duplicate_column_names_are_a_schema_mismatch() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Int64, true),
        Field::new("x", DataType::Int64, true),
    ]));
    let b = RecordBatch::try_new(schema, vec![ids(), ids()]).unwrap();
    refused(b, "SCHEMA_MISMATCH", "x");
}

#[test]
fn a_table_without_columns_keeps_its_rows() {
    let r = Registry::open("memory://").unwrap();
    let schema = Arc::new(Schema::empty());
    let b = RecordBatch::try_new_with_options(
        schema,
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(5)),
    )
    .unwrap();
    r.commit_dataset("empty", reader(b), "", json!({})).unwrap();
    let (schema, batches) = r.read_dataset("empty", "latest", None).unwrap();
    assert_eq!(schema.fields().len(), 0);
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 5);
    // No columns of a table with some: its rows all the same.
    let b = RecordBatch::try_from_iter([("id", ids())]).unwrap();
    r.commit_dataset("ids", reader(b), "", json!({})).unwrap();
    let (schema, batches) = r.read_dataset("ids", "latest", Some(&[])).unwrap();
    assert_eq!(schema.fields().len(), 0);
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
}
