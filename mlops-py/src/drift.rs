//! `DriftReport` and `ColumnDrift` for Python, and the `drift` entry points
//! (from data and from profiles). Options arrive as JSON made by the Python
//! layer (`mlops.drift`), so their validation lives in one place, the core.

use std::sync::Arc;

use mlops_core::drift::{self, ColumnDrift, DriftOptions, DriftReport};
use pyo3::prelude::*;

use crate::error::to_py;
use crate::profile::PyProfile;
use crate::source::Source;

/// A drift report between a reference and a current data set; see `mlops.drift`.
#[pyclass(name = "DriftReport", module = "mlops", frozen)]
pub struct PyDriftReport {
    inner: Arc<DriftReport>,
}

/// The drift of one column of a `DriftReport`.
#[pyclass(name = "ColumnDrift", module = "mlops", frozen)]
pub struct PyColumnDrift {
    inner: ColumnDrift,
}

use crate::convert::to_python as json_value;

#[pymethods]
impl PyDriftReport {
    /// Whether the data set drifted (the share of drifted columns reached `drift_share`).
    #[getter]
    fn dataset_drift(&self) -> bool {
        self.inner.dataset_drift
    }
    /// `"drift"`, `"no_drift"`, or `"not_tested"` when no column could be
    /// tested (see `skipped_columns`): then `dataset_drift` is False, but a
    /// drift gate should not pass.
    #[getter]
    fn verdict(&self) -> &'static str {
        self.inner.verdict.as_str()
    }
    /// Drifted columns over tested columns.
    #[getter]
    fn share_of_drifted_columns(&self) -> f64 {
        self.inner.share_of_drifted_columns
    }
    /// Number of tested columns.
    #[getter]
    fn number_of_columns(&self) -> usize {
        self.inner.number_of_columns
    }
    /// Number of drifted columns.
    #[getter]
    fn number_of_drifted_columns(&self) -> usize {
        self.inner.number_of_drifted_columns
    }
    /// Names of the drifted columns, in schema order.
    #[getter]
    fn drifted_columns(&self) -> Vec<String> {
        self.inner
            .drifted_columns()
            .into_iter()
            .map(String::from)
            .collect()
    }
    /// Names of the tested columns, in schema order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.inner
            .columns
            .iter()
            .map(|c| c.column.clone())
            .collect()
    }
    /// Columns left out, as `{column: reason}`.
    #[getter]
    fn skipped_columns(&self) -> Vec<(String, String)> {
        self.inner
            .skipped_columns
            .iter()
            .map(|s| (s.column.clone(), s.reason.clone()))
            .collect()
    }
    /// `data` (exact) or `profiles` (from sketches).
    #[getter]
    fn source(&self) -> &str {
        &self.inner.source
    }
    fn __len__(&self) -> usize {
        self.inner.columns.len()
    }
    fn __contains__(&self, name: &str) -> bool {
        self.inner.column(name).is_some()
    }
    fn __getitem__(&self, name: &str) -> PyResult<PyColumnDrift> {
        match self.inner.column(name) {
            Some(c) => Ok(PyColumnDrift { inner: c.clone() }),
            None => Err(crate::error::NotFoundError::new_err(format!(
                "column '{name}' is not in the drift report"
            ))),
        }
    }
    /// The report as JSON (non-finite numbers become null).
    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.to_json())
    }
    /// The report as a dict (the parsed `to_json()`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, self.inner.as_ref())
    }
    /// One self-contained HTML page: verdict first, a sortable table,
    /// overlaid distributions as inline SVG, no network fetches.
    fn to_html(&self, py: Python<'_>) -> String {
        py.detach(|| mlops_core::report::drift_html(&self.inner))
    }
    fn _repr_html_(&self, py: Python<'_>) -> String {
        self.to_html(py)
    }
    fn __repr__(&self) -> String {
        format!(
            "<mlops.DriftReport verdict={} drifted={}/{} source={}>",
            self.inner.verdict.as_str(),
            self.inner.number_of_drifted_columns,
            self.inner.number_of_columns,
            self.inner.source
        )
    }
}

#[pymethods]
impl PyColumnDrift {
    #[getter]
    fn column(&self) -> &str {
        &self.inner.column
    }
    /// `numerical` or `categorical`.
    #[getter]
    fn column_type(&self) -> &str {
        self.inner.column_type.as_str()
    }
    /// The value test's method name (`ks`, `wasserstein`, ...), or None.
    #[getter]
    fn method(&self) -> Option<&'static str> {
        self.inner.method.map(|m| m.name())
    }
    /// The drift score: the p-value of a test, or the distance.
    #[getter]
    fn score(&self) -> Option<f64> {
        self.inner.score
    }
    /// The test statistic (the distance for distances).
    #[getter]
    fn statistic(&self) -> Option<f64> {
        self.inner.statistic
    }
    /// The uncorrected p-value of a test; None for distances.
    #[getter]
    fn p_value(&self) -> Option<f64> {
        self.inner.p_value
    }
    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.threshold
    }
    /// The p-value of the significance guard of a distance, when it ran.
    #[getter]
    fn guard_p_value(&self) -> Option<f64> {
        self.inner.guard_p_value
    }
    /// Whether the value test found drift.
    #[getter]
    fn value_drifted(&self) -> bool {
        self.inner.value_drifted
    }
    /// Whether the column drifted (values or share of missing values).
    #[getter]
    fn drifted(&self) -> bool {
        self.inner.drifted
    }
    /// Why the value test did not run, or None.
    #[getter]
    fn skipped(&self) -> Option<&str> {
        self.inner.skipped.as_deref()
    }
    /// Whether the figures come from sketches.
    #[getter]
    fn approximate(&self) -> bool {
        self.inner.approximate
    }
    /// The null-rate test as a dict, or None.
    #[getter]
    fn nulls<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner.nulls)
    }
    /// The reference summary as a dict.
    #[getter]
    fn reference<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner.reference)
    }
    /// The current summary as a dict.
    #[getter]
    fn current<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner.current)
    }
    /// Both sides binned alike, as a dict.
    #[getter]
    fn distribution<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner.distribution)
    }
    /// The column's report as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "<mlops.ColumnDrift '{}' method={} score={} drifted={}>",
            self.inner.column,
            self.inner.method.map_or("-", |m| m.name()),
            self.inner
                .score
                .map_or("-".to_string(), |s| format!("{s:.6}")),
            self.inner.drifted
        )
    }
}

fn options(py: Python<'_>, json: &str) -> PyResult<DriftOptions> {
    py.detach(|| DriftOptions::from_json(json)).map_err(to_py)
}

/// The drift report between two data sets (Arrow PyCapsule objects or paths).
#[pyfunction]
#[pyo3(name = "drift")]
fn drift_py(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    current: &Bound<'_, PyAny>,
    options_json: &str,
) -> PyResult<PyDriftReport> {
    let opts = options(py, options_json)?;
    let (r, c) = (
        Source::of(reference, "mlops.drift")?,
        Source::of(current, "mlops.drift")?,
    );
    let report = py
        .detach(move || {
            if let (Source::Path(r), Source::Path(c)) = (&r, &c) {
                return drift::drift_paths(r, c, &opts);
            }
            drift::drift_readers(r.reader()?, c.reader()?, &opts)
        })
        .map_err(to_py)?;
    Ok(PyDriftReport {
        inner: Arc::new(report),
    })
}

/// The drift report between two profiles (approximate, from sketches).
#[pyfunction]
fn drift_profiles(
    py: Python<'_>,
    reference: &PyProfile,
    current: &PyProfile,
    options_json: &str,
) -> PyResult<PyDriftReport> {
    let opts = options(py, options_json)?;
    let report = py
        .detach(|| drift::drift_profiles(&reference.inner, &current.inner, &opts))
        .map_err(to_py)?;
    Ok(PyDriftReport {
        inner: Arc::new(report),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDriftReport>()?;
    m.add_class::<PyColumnDrift>()?;
    m.add_function(wrap_pyfunction!(drift_py, m)?)?;
    m.add_function(wrap_pyfunction!(drift_profiles, m)?)?;
    Ok(())
}
