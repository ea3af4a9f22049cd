//! `Spec` and `Accumulator` for Python: the partial states that the Spark,
//! Ray and Dask adapters (`mlops.spark`, `mlops.ray`, `mlops.dask`) run on
//! each partition and merge. States cross the boundary as `bytes`, the
//! form executors send back; every behaviour lives in
//! `mlops_core::accumulate`.

use std::sync::Arc;

use arrow::datatypes::Schema;
use arrow_pyarrow::FromPyArrow;
use mlops_core::accumulate::{Accumulator, Finished, Spec, SpecKind};
use mlops_core::validate::ValidateOptions;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::error::{to_py, InvalidInputError};
use crate::profile::PyProfile;
use crate::source::Source;
use crate::validate::{PySuite, PyValidationResult};

/// What an accumulator computes: a profile of some columns or a
/// validation suite. Picklable (as its canonical bytes), so a closure that
/// an engine ships to its workers can carry it.
#[pyclass(name = "Spec", module = "mlops", frozen)]
pub struct PySpec {
    inner: Arc<Spec>,
}

#[pymethods]
impl PySpec {
    /// A profile of `columns` (every column when `None`), in that order.
    #[staticmethod]
    #[pyo3(signature = (columns = None))]
    fn profile(columns: Option<Vec<String>>) -> Self {
        PySpec {
            inner: Arc::new(Spec::profile(columns)),
        }
    }

    /// A validation of `suite` (a `Suite` or a suite file's path); `now`
    /// (for freshness checks) is fixed here.
    /// Checks whose exact state grows with the data are refused with an
    /// `UnsupportedError` naming the approximate alternative.
    #[staticmethod]
    #[pyo3(signature = (suite, unexpected_limit = None, now = None))]
    fn validation(
        suite: &Bound<'_, PyAny>,
        unexpected_limit: Option<usize>,
        now: Option<f64>,
    ) -> PyResult<Self> {
        let defaults = ValidateOptions::default();
        let opts = ValidateOptions {
            unexpected_limit: unexpected_limit.unwrap_or(defaults.unexpected_limit),
            now: now.or(defaults.now),
        };
        // A suite file's path, a native suite, or `mlops.Suite` (which wraps one).
        let suite = if let Ok(path) = suite.extract::<std::path::PathBuf>() {
            mlops_core::validate::Suite::load(path).map_err(to_py)?
        } else if let Ok(s) = suite.cast::<PySuite>() {
            s.borrow().inner.clone()
        } else {
            let native = suite.getattr("_native")?.cast_into::<PySuite>()?;
            let s = native.borrow().inner.clone();
            s
        };
        let spec = Spec::validation(suite, &opts).map_err(to_py)?;
        Ok(PySpec {
            inner: Arc::new(spec),
        })
    }

    /// Reads `to_bytes()`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PySpec {
            inner: Arc::new(Spec::from_bytes(data).map_err(to_py)?),
        })
    }

    /// The canonical encoding (JSON bytes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.to_bytes())
    }

    /// The BLAKE3 hash of the encoding, in hex: states carry it.
    #[getter]
    fn hash(&self) -> String {
        self.inner.hash()
    }

    /// `"profile"` or `"validation"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind() {
            SpecKind::Profile { .. } => "profile",
            SpecKind::Validation { .. } => "validation",
        }
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from = slf.get_type().getattr("from_bytes")?;
        Ok((from, (PyBytes::new(py, slf.get().inner.to_bytes()),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "Spec(kind={:?}, hash={:?})",
            self.kind(),
            &self.inner.hash()[..12]
        )
    }
}

/// The partial state of a profile or validation over some partitions.
#[pyclass(name = "Accumulator", module = "mlops")]
pub struct PyAccumulator {
    /// `None` once consumed by `split()` or `finish()`.
    inner: Option<Accumulator>,
}

fn decode(spec: &Spec, states: Vec<Vec<u8>>) -> mlops_core::Result<Vec<Accumulator>> {
    states
        .iter()
        .map(|b| Accumulator::from_bytes(spec, b))
        .collect()
}

/// Decodes `states` for `spec` and joins them with `how` (merge or combine).
fn joined(
    py: Python<'_>,
    spec: &Bound<'_, PySpec>,
    states: Vec<Vec<u8>>,
    how: fn(&Spec, Vec<Accumulator>) -> mlops_core::Result<Accumulator>,
) -> PyResult<PyAccumulator> {
    let spec = spec.get().inner.clone();
    let acc = py
        .detach(|| how(&spec, decode(&spec, states)?))
        .map_err(to_py)?;
    Ok(PyAccumulator { inner: Some(acc) })
}

impl PyAccumulator {
    fn get(&self) -> PyResult<&Accumulator> {
        self.inner.as_ref().ok_or_else(consumed)
    }
    fn take(&mut self) -> PyResult<Accumulator> {
        self.inner.take().ok_or_else(consumed)
    }
}

fn consumed() -> PyErr {
    InvalidInputError::new_err("this accumulator was consumed by split() or finish()")
}

#[pymethods]
impl PyAccumulator {
    /// An empty state of `spec` for the partition numbered `partition`.
    #[new]
    fn new(spec: &Bound<'_, PySpec>, partition: u64) -> Self {
        PyAccumulator {
            inner: Some(Accumulator::new(&spec.get().inner, partition)),
        }
    }

    /// Folds Arrow data (a record batch, table, stream, or file path) in.
    fn update(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let source = Source::of(data, "Accumulator.update")?;
        let acc = self.inner.as_mut().ok_or_else(consumed)?;
        py.detach(|| {
            for b in source.reader()? {
                acc.update(&b?)?;
            }
            Ok(())
        })
        .map_err(to_py)
    }

    /// The state as bytes (what a worker sends back).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = self.get()?.to_bytes().map_err(to_py)?;
        Ok(PyBytes::new(py, &b))
    }

    /// Reads `to_bytes()` for `spec`.
    #[staticmethod]
    fn from_bytes(spec: &Bound<'_, PySpec>, data: &[u8]) -> PyResult<Self> {
        Ok(PyAccumulator {
            inner: Some(Accumulator::from_bytes(&spec.get().inner, data).map_err(to_py)?),
        })
    }

    /// Merges the states (bytes) of one key, of disjoint partitions, in any order.
    #[staticmethod]
    fn merge(py: Python<'_>, spec: &Bound<'_, PySpec>, states: Vec<Vec<u8>>) -> PyResult<Self> {
        joined(py, spec, states, Accumulator::merge)
    }

    /// Merges states (bytes) of any keys into one state.
    #[staticmethod]
    fn combine(py: Python<'_>, spec: &Bound<'_, PySpec>, states: Vec<Vec<u8>>) -> PyResult<Self> {
        joined(py, spec, states, Accumulator::combine)
    }

    /// One `(key, state bytes)` per column (profile) or check (validation);
    /// consumes the accumulator.
    fn split<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<(u32, Bound<'py, PyBytes>)>> {
        self.take()?
            .split()
            .into_iter()
            .map(|(k, a)| Ok((k, PyBytes::new(py, &a.to_bytes().map_err(to_py)?))))
            .collect()
    }

    /// The `Profile` or `ValidationResult`; `schema` (a pyarrow schema) is
    /// needed only when no partition had rows. Consumes the accumulator.
    #[pyo3(signature = (schema = None))]
    fn finish(&mut self, py: Python<'_>, schema: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let schema = schema.map(Schema::from_pyarrow_bound).transpose()?;
        let acc = self.take()?;
        let done = py
            .detach(|| match schema {
                Some(s) => acc.finish_with_schema(&s),
                None => acc.finish(),
            })
            .map_err(to_py)?;
        Ok(match done {
            Finished::Profile(inner) => Py::new(py, PyProfile { inner })?.into_any(),
            Finished::Validation(r) => {
                Py::new(py, PyValidationResult { inner: Arc::new(r) })?.into_any()
            }
        })
    }

    /// Rows folded in.
    #[getter]
    fn rows(&self) -> PyResult<u64> {
        Ok(self.get()?.rows())
    }

    /// The partitions folded in, as inclusive `(first, last)` ranges.
    #[getter]
    fn partitions(&self) -> PyResult<Vec<(u64, u64)>> {
        Ok(self.get()?.partitions().to_vec())
    }

    /// The indices of the columns or checks held.
    #[getter]
    fn keys(&self) -> PyResult<Vec<u32>> {
        Ok(self.get()?.keys().to_vec())
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            None => "Accumulator(consumed)".into(),
            Some(a) => format!(
                "Accumulator(rows={}, partitions={:?}, keys={})",
                a.rows(),
                a.partitions(),
                a.keys().len()
            ),
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySpec>()?;
    m.add_class::<PyAccumulator>()?;
    Ok(())
}
