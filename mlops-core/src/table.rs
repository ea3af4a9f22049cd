//! What every table entering the engine must satisfy, checked in one place.
//!
//! - [`check_schema`]: column names are unique. Every operation finds a
//!   column by name; with two columns called `x` a check, a profile lookup or
//!   a drift test would silently use the first and ignore the second.
//! - [`validated`]: the Arrow arrays of data handed over in memory (the
//!   Python C data interface, Node IPC bytes) are well formed: offsets in
//!   bounds, strings valid UTF-8 (nested ones too), dictionary keys in range.
//!   The C data interface trusts its producer, and pyarrow, for one, builds
//!   `string` arrays holding invalid UTF-8 when asked to view binary data as
//!   strings; reading such an array as `&str` would be undefined behaviour.
//!
//! Failures name the column.

use std::collections::HashSet;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatchReader;

use crate::error::{Error, Result};
use crate::io::BoxReader;

/// Refuses a schema with two top-level columns of the same name, with
/// [`Error::SchemaMismatch`] naming it.
///
/// ```
/// use arrow::datatypes::{DataType, Field, Schema};
/// let s = Schema::new(vec![
///     Field::new("x", DataType::Int64, true),
///     Field::new("x", DataType::Utf8, true),
/// ]);
/// let e = mlops_core::table::check_schema(&s).unwrap_err();
/// assert_eq!(e.code(), "SCHEMA_MISMATCH");
/// assert!(e.to_string().contains("'x'"));
/// ```
pub fn check_schema(schema: &Schema) -> Result<()> {
    let mut seen = HashSet::with_capacity(schema.fields().len());
    for (i, f) in schema.fields().iter().enumerate() {
        if !seen.insert(f.name().as_str()) {
            return Err(Error::SchemaMismatch(format!(
                "column '{}' appears more than once (again at position {i}); column names must be unique",
                f.name()
            )));
        }
    }
    Ok(())
}

/// Checks that every column of `batch` is well-formed Arrow data (offsets,
/// UTF-8, dictionary keys, child arrays; `ArrayData::validate_full`), with
/// [`Error::InvalidInput`] naming the first column that is not.
pub fn check_batch(batch: &RecordBatch) -> Result<()> {
    let schema = batch.schema();
    for (f, a) in schema.fields().iter().zip(batch.columns()) {
        a.to_data().validate_full().map_err(|e| {
            Error::InvalidInput(format!(
                "column '{}' holds invalid Arrow data: {e}",
                f.name()
            ))
        })?;
    }
    Ok(())
}

/// Wraps a reader of data that was handed over in memory so that each batch
/// is checked by [`check_batch`] before anyone reads it; a failure is an
/// [`Error::InvalidInput`] naming the column (carried through the reader's
/// `ArrowError`, see [`external`]).
pub fn validated(reader: impl RecordBatchReader + Send + 'static) -> BoxReader {
    Box::new(Validated { inner: reader })
}

/// A reader whose batches pass [`check_batch`].
struct Validated<R> {
    inner: R,
}

impl<R: RecordBatchReader> Iterator for Validated<R> {
    type Item = std::result::Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|r| {
            let b = r?;
            check_batch(&b).map_err(external)?;
            Ok(b)
        })
    }
}

impl<R: RecordBatchReader> RecordBatchReader for Validated<R> {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

/// A core error carried through an Arrow reader's `ArrowError`; turned back
/// into the same core error (its kind kept) by `From<ArrowError> for Error`.
pub fn external(e: Error) -> ArrowError {
    ArrowError::ExternalError(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{DataType, Field};

    #[test]
    fn unique_names_pass() {
        let s = Schema::new(vec![
            Field::new("x", DataType::Int64, true),
            Field::new("X", DataType::Int64, true),
        ]);
        assert!(check_schema(&s).is_ok());
    }

    #[test]
    fn a_core_error_survives_an_arrow_error() {
        let e: Error = external(Error::InvalidInput("file f: row 3".into())).into();
        assert_eq!(e.code(), "INVALID_INPUT");
        assert_eq!(e.to_string(), "invalid input: file f: row 3");
    }
}
