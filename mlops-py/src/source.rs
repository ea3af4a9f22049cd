//! Where Arrow data handed to the engine comes from: a file path, or an
//! object speaking the Arrow PyCapsule interface (`__arrow_c_stream__`:
//! Table, RecordBatchReader, polars DataFrame, ...; `__arrow_c_array__`:
//! RecordBatch). Buffers are borrowed through the C data interface.

use arrow::array::{RecordBatch, RecordBatchIterator};
use arrow::ffi_stream::RecordBatchStreamReader;
use arrow_pyarrow::FromPyArrow;
use mlops_core::io::BoxReader;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// One input's origin.
pub enum Source {
    /// A data file the engine reads itself.
    Path(std::path::PathBuf),
    /// A stream of record batches.
    Stream(RecordBatchStreamReader),
    /// One record batch.
    Batch(RecordBatch),
}

impl Source {
    /// Classifies `data` for `function` (named in the TypeError for anything else).
    pub fn of(data: &Bound<'_, PyAny>, function: &str) -> PyResult<Self> {
        let bad = |e: PyErr| {
            let ty = data
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into());
            crate::error::InvalidInputError::new_err(format!(
                "could not read Arrow data from {ty} (expected a table, record batch or stream of record batches): {e}"
            ))
        };
        if data.hasattr("__arrow_c_stream__")? {
            return Ok(Source::Stream(
                RecordBatchStreamReader::from_pyarrow_bound(data).map_err(bad)?,
            ));
        }
        if data.hasattr("__arrow_c_array__")? {
            return Ok(Source::Batch(
                RecordBatch::from_pyarrow_bound(data).map_err(bad)?,
            ));
        }
        // Looked at after the Arrow interfaces: a failed path extraction
        // raises and catches a Python exception, which a request handler
        // logging one row would pay for every time.
        if let Ok(path) = data.extract::<std::path::PathBuf>() {
            return Ok(Source::Path(path));
        }
        Err(PyTypeError::new_err(format!(
            "{function} expects Arrow data (an object with __arrow_c_stream__ or __arrow_c_array__, \
             such as a pyarrow Table or a polars DataFrame) or a file path, not {}",
            data.get_type().name()?
        )))
    }

    /// The data as a stream of record batches (a path is opened and read).
    /// Batches handed over in memory are validated before the engine reads
    /// them (the C data interface trusts its producer: pyarrow makes string
    /// arrays of invalid UTF-8 on request); a bad column is an
    /// `InvalidInputError` naming it.
    pub fn reader(self) -> mlops_core::Result<BoxReader> {
        use mlops_core::table::validated;
        Ok(match self {
            Source::Path(p) => mlops_core::io::read_path(p)?,
            Source::Stream(r) => validated(r),
            Source::Batch(b) => {
                let schema = b.schema();
                validated(RecordBatchIterator::new(vec![Ok(b)], schema))
            }
        })
    }
}
