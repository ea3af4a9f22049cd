//! The serving guard for Python: `_Guard` (`check`, `check_json`,
//! `observe`, `observe_array`, `flush`, `profile`), the engine's
//! `mlops_core::guard::Guard`. The pure-Python layer (`mlops/guard.py`)
//! adds `Guard`: JSON-like request bodies (row dicts, dicts of lists) as
//! JSON text, predictions as Arrow.
//!
//! A request of a few rows is checked with the GIL held: releasing and
//! taking it back costs more than the check. Observing only queues the rows
//! (the engine profiles them on a thread of its own); flushing releases the
//! GIL, since it may write to the store.

use arrow::array::{make_array, Array, ArrayData, RecordBatch, StructArray};
use arrow::compute::concat_batches;
use arrow::ffi::FFI_ArrowArray;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow};
use mlops_core::guard::Guard;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::error::{to_py, InvalidInputError};
use crate::monitor::PyMonitor;
use crate::package::{PyPackage, PySignature};
use crate::profile::PyProfile;
use crate::source::Source;

/// A guard checking requests against a package's signature (see `mlops.Guard`).
#[pyclass(name = "_Guard", module = "mlops", frozen)]
pub struct PyGuard {
    inner: Guard,
    /// The inputs' schema as a pyarrow Schema, made once: every checked
    /// request is a Table of it.
    schema: Py<PyAny>,
}

/// `pyarrow.Table.from_batches`, looked up once.
fn from_batches(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static F: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Ok(F.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("pyarrow")?
            .getattr("Table")?
            .getattr("from_batches")?
            .unbind())
    })?
    .bind(py))
}

/// Arrow data (anything with `__arrow_c_stream__` or `__arrow_c_array__`)
/// as one record batch, validated as every batch handed to the engine is.
fn one_batch(data: &Bound<'_, PyAny>, what: &str) -> PyResult<RecordBatch> {
    let source = Source::of(data, what)?;
    if let Source::Path(_) = source {
        return Err(InvalidInputError::new_err(format!(
            "{what} expects Arrow data in memory, not a file path"
        )));
    }
    let reader = source.reader().map_err(to_py)?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| to_py(e.into()))?;
    match batches.len() {
        1 => Ok(batches.into_iter().next().expect("one")),
        _ => concat_batches(&schema, &batches).map_err(|e| to_py(e.into())),
    }
}

#[pymethods]
impl PyGuard {
    /// A guard for `package`'s signature, observing into `monitor` (a
    /// native monitor handle) or, without one, into a rolling profile.
    #[new]
    #[pyo3(signature = (package, monitor = None))]
    fn new(
        py: Python<'_>,
        package: &Bound<'_, PyPackage>,
        monitor: Option<&Bound<'_, PyMonitor>>,
    ) -> PyResult<Self> {
        let monitor = monitor.map(|m| m.get().inner.clone());
        let pkg = &package.get().inner;
        let inner = py.detach(|| Guard::new(pkg, monitor)).map_err(to_py)?;
        let schema = inner
            .input_schema()
            .as_ref()
            .clone()
            .into_pyarrow(py)?
            .unbind();
        Ok(Self { inner, schema })
    }

    /// Checks Arrow data against the signature: a pyarrow Table of the
    /// signature's inputs (declared order and types), or `SignatureError`
    /// listing every problem.
    fn check<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let batch = one_batch(data, "Guard.check")?;
        let checked = self.inner.check(&batch).map_err(to_py)?;
        self.table(py, checked)
    }

    /// Checks a JSON body (bytes: a list of row objects or an object of
    /// column lists), typed strictly; as `check`.
    fn check_json<'py>(&self, py: Python<'py>, body: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        let checked = self.inner.check_json(body).map_err(to_py)?;
        self.table(py, checked)
    }

    /// Observes inputs and predictions (both Arrow tables of one row count).
    fn observe(&self, inputs: &Bound<'_, PyAny>, predictions: &Bound<'_, PyAny>) -> PyResult<()> {
        let x = one_batch(inputs, "Guard.observe")?;
        let y = one_batch(predictions, "Guard.observe")?;
        self.inner.observe(&x, &y).map_err(to_py)
    }

    /// Observes inputs and a bare pyarrow Array of predictions (named after
    /// the signature's one output, else `prediction`).
    fn observe_array(
        &self,
        inputs: &Bound<'_, PyAny>,
        predictions: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let x = one_batch(inputs, "Guard.observe")?;
        let data = ArrayData::from_pyarrow_bound(predictions)?;
        data.validate_full()
            .map_err(|e| InvalidInputError::new_err(format!("Guard.observe: predictions: {e}")))?;
        let y = self.inner.predictions(make_array(data)).map_err(to_py)?;
        self.inner.observe(&x, &y).map_err(to_py)
    }

    /// Writes what was observed (the monitor's flush), or folds it into the
    /// rolling profile.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.flush()).map_err(to_py)
    }

    /// The rolling profile so far (`None` with a monitor, or before any row).
    fn profile(&self) -> Option<PyProfile> {
        self.inner.profile().map(|inner| PyProfile { inner })
    }

    /// The signature requests are checked against.
    #[getter]
    fn signature(&self) -> PySignature {
        PySignature::of(self.inner.signature().clone())
    }

    /// The inputs' schema (a pyarrow Schema): what `check` returns.
    #[getter]
    fn input_schema(&self, py: Python<'_>) -> Py<PyAny> {
        self.schema.clone_ref(py)
    }

    fn __repr__(&self) -> String {
        let s = self.inner.signature();
        format!(
            "<mlops.Guard {} input(s), {} output(s){}>",
            s.inputs.len(),
            s.outputs.len(),
            self.inner
                .monitor()
                .map(|m| format!(", monitor {}", m.name()))
                .unwrap_or_default()
        )
    }
}

impl PyGuard {
    /// A checked batch as a pyarrow Table of the inputs' schema. The batch
    /// crosses as an Arrow C array imported against the pyarrow Schema made
    /// once, so pyarrow does not parse 20 field types again per request (a
    /// third of a small request's time otherwise).
    fn table<'py>(&self, py: Python<'py>, batch: RecordBatch) -> PyResult<Bound<'py, PyAny>> {
        let data = StructArray::from(batch).into_data();
        let mut array = Box::new(FFI_ArrowArray::new(&data));
        let ptr = array.as_mut() as *mut FFI_ArrowArray as usize;
        let schema = self.schema.bind(py);
        // pyarrow moves the array out (its release callback with it); the
        // emptied struct is dropped here.
        let rb = import_batch(py)?.call1((ptr, schema))?;
        drop(array);
        from_batches(py)?.call1(([rb], schema))
    }
}

/// `pyarrow.RecordBatch._import_from_c`, looked up once.
fn import_batch(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static F: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Ok(F.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("pyarrow")?
            .getattr("RecordBatch")?
            .getattr("_import_from_c")?
            .unbind())
    })?
    .bind(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyGuard>()?;
    Ok(())
}
