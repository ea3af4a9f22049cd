//! `Profile` and `ColumnProfile` for Python, and the `profile` entry point.
//!
//! Arrow data arrives through the Arrow PyCapsule interface
//! (`__arrow_c_stream__`, `__arrow_c_array__`): the buffers are borrowed
//! through the C data interface, never copied, and the GIL is released while
//! the engine reads and profiles them.

use mlops_core::profile::{ColumnProfile, Scalar};
use mlops_core::Profile;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use crate::error::to_py;

/// The profile of a data set; see `mlops.profile`.
#[pyclass(name = "Profile", module = "mlops", frozen)]
pub struct PyProfile {
    pub inner: Profile,
}

/// The profile of one column of a `Profile`.
#[pyclass(name = "ColumnProfile", module = "mlops", frozen)]
pub struct PyColumnProfile {
    inner: ColumnProfile,
}

fn scalar<'py>(py: Python<'py>, s: Option<&Scalar>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match s {
        None => py.None().into_bound(py),
        Some(Scalar::Bool(b)) => b.into_pyobject(py)?.to_owned().into_any(),
        Some(Scalar::Int(i)) => i.into_pyobject(py)?.into_any(),
        Some(Scalar::Float(f)) => f.into_pyobject(py)?.into_any(),
        Some(Scalar::Str(s)) => s.into_pyobject(py)?.into_any(),
    })
}

#[pymethods]
impl PyProfile {
    /// Number of rows profiled.
    #[getter]
    fn row_count(&self) -> u64 {
        self.inner.row_count()
    }

    /// Column names, in schema order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.inner
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.inner.columns().len()
    }

    fn __contains__(&self, name: &str) -> bool {
        self.inner.column(name).is_some()
    }

    fn __getitem__(&self, name: &str) -> PyResult<PyColumnProfile> {
        let c = self.inner.try_column(name).map_err(to_py)?;
        Ok(PyColumnProfile { inner: c.clone() })
    }

    /// The profile as readable JSON, with the state needed to rebuild it.
    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.to_json())
    }

    /// The profile as a dict (the parsed `to_json()`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::loads(py, &self.to_json(py))
    }

    /// The compact, versioned binary encoding.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let b = py.detach(|| self.inner.to_bytes());
        PyBytes::new(py, &b)
    }

    /// Decodes `to_bytes()`; raises `IntegrityError` for corrupt bytes or a newer format.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = py.detach(|| Profile::from_bytes(data)).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Decodes `to_json()`; raises `IntegrityError` for a newer format.
    #[staticmethod]
    fn from_json(py: Python<'_>, data: &str) -> PyResult<Self> {
        let inner = py.detach(|| Profile::from_json(data)).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// The profile of the rows of both profiles; raises `SchemaMismatchError`
    /// when their columns differ.
    fn merge(&self, py: Python<'_>, other: &PyProfile) -> PyResult<Self> {
        let inner = py
            .detach(|| self.inner.merge(&other.inner))
            .map_err(to_py)?;
        Ok(Self { inner })
    }

    /// A self-contained HTML page of the profile.
    fn to_html(&self, py: Python<'_>) -> String {
        py.detach(|| mlops_core::report::profile_html(&self.inner))
    }

    fn _repr_html_(&self, py: Python<'_>) -> String {
        self.to_html(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<mlops.Profile rows={} columns={}>",
            self.inner.row_count(),
            self.inner.columns().len()
        )
    }
}

impl PyColumnProfile {
    /// The `k` most frequent values as `(value, count)` tuples.
    fn top_n<'py>(&self, py: Python<'py>, k: usize) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .inner
            .top_k(k)
            .into_iter()
            .map(|t| {
                PyTuple::new(
                    py,
                    [
                        scalar(py, Some(&t.value))?,
                        t.count.into_pyobject(py)?.into_any(),
                    ],
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }
}

#[pymethods]
impl PyColumnProfile {
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }
    /// The Arrow type as Arrow displays it.
    #[getter]
    fn data_type(&self) -> &str {
        self.inner.data_type()
    }
    /// How the values were profiled: numeric, boolean, string, binary, temporal, nested.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }
    /// numeric, categorical, boolean, datetime, text, identifier or other.
    #[getter]
    fn semantic_type(&self) -> &'static str {
        self.inner.semantic_type().as_str()
    }
    #[getter]
    fn count(&self) -> u64 {
        self.inner.count()
    }
    #[getter]
    fn null_count(&self) -> u64 {
        self.inner.null_count()
    }
    #[getter]
    fn nan_count(&self) -> u64 {
        self.inner.nan_count()
    }
    #[getter]
    fn pos_inf_count(&self) -> u64 {
        self.inner.pos_inf_count()
    }
    #[getter]
    fn neg_inf_count(&self) -> u64 {
        self.inner.neg_inf_count()
    }
    #[getter]
    fn true_count(&self) -> u64 {
        self.inner.true_count()
    }
    #[getter]
    fn min<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        scalar(py, self.inner.min())
    }
    #[getter]
    fn max<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        scalar(py, self.inner.max())
    }
    #[getter]
    fn mean(&self) -> Option<f64> {
        self.inner.mean()
    }
    /// Sample variance (ddof=1) of the finite values.
    #[getter]
    fn variance(&self) -> Option<f64> {
        self.inner.variance()
    }
    #[getter]
    fn std(&self) -> Option<f64> {
        self.inner.std()
    }
    #[getter]
    fn distinct_estimate(&self) -> Option<f64> {
        self.inner.distinct_estimate()
    }
    /// The 10 most frequent values as `(value, count)` pairs; see `top(k)`.
    #[getter]
    fn top_k<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.top_n(py, 10)
    }
    /// The `k` most frequent values as `(value, count)` pairs.
    fn top<'py>(&self, py: Python<'py>, k: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        self.top_n(py, crate::args::count(k, "k")?)
    }
    #[getter]
    fn length_min(&self) -> Option<u64> {
        self.inner.length_min()
    }
    #[getter]
    fn length_mean(&self) -> Option<f64> {
        self.inner.length_mean()
    }
    #[getter]
    fn length_max(&self) -> Option<u64> {
        self.inner.length_max()
    }
    /// The normalized rank error bound of `quantile` (99% confidence).
    #[getter]
    fn quantile_rank_error(&self) -> Option<f64> {
        self.inner.quantile_rank_error()
    }
    /// The value at quantile `q` (0..1) of the finite values (KLL sketch).
    fn quantile(&self, q: f64) -> PyResult<Option<f64>> {
        if !(0.0..=1.0).contains(&q) {
            return Err(crate::error::InvalidInputError::new_err(format!(
                "quantile {q} is not in [0, 1]"
            )));
        }
        Ok(self.inner.quantile(q))
    }
    /// An equal-width histogram: `(edges, counts)`, or None without finite
    /// values. `bins` is from 1 to 100,000 (`InvalidInputError` otherwise).
    #[pyo3(signature = (bins = None))]
    fn histogram(&self, bins: Option<&Bound<'_, PyAny>>) -> PyResult<Option<(Vec<f64>, Vec<u64>)>> {
        let bins = match bins {
            Some(b) => crate::args::count(b, "bins")?,
            None => 20,
        };
        let h = self.inner.histogram(bins).map_err(to_py)?;
        Ok(h.map(|h| (h.edges, h.counts)))
    }
    fn __repr__(&self) -> String {
        format!(
            "<mlops.ColumnProfile '{}' {} count={} nulls={}>",
            self.inner.name(),
            self.inner.semantic_type().as_str(),
            self.inner.count(),
            self.inner.null_count()
        )
    }
}

/// Profiles Arrow data given through the PyCapsule interface, or a file path
/// (read by the engine, Parquet row groups in parallel).
///
/// The Python layer (`mlops.profile`) turns pandas frames and single columns
/// into one of these.
#[pyfunction]
#[pyo3(name = "profile")]
fn profile_py(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<PyProfile> {
    let inner = match crate::source::Source::of(data, "mlops.profile")? {
        crate::source::Source::Path(path) => py.detach(|| mlops_core::profile_path(&path)),
        source => py.detach(move || mlops_core::profile(source.reader()?)),
    }
    .map_err(to_py)?;
    Ok(PyProfile { inner })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyProfile>()?;
    m.add_class::<PyColumnProfile>()?;
    m.add_function(wrap_pyfunction!(profile_py, m)?)?;
    Ok(())
}
