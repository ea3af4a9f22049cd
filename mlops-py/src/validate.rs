//! `Suite`, `ValidationResult` and `GateReport` for Python, and the
//! `validate` / `gate` entry points. Checks cross the boundary as JSON, so
//! their parsing and errors live in one place, the core. Streams (a
//! RecordBatchReader, any `__arrow_c_stream__`) are validated batch by
//! batch: memory stays at one batch plus the checks' state.

use std::collections::BTreeMap;
use std::sync::Arc;

use mlops_core::validate::{
    self, GateReport, InferOptions, Suite, ValidateOptions, ValidationResult,
};
use pyo3::prelude::*;

use crate::error::to_py;
use crate::source::Source;

use crate::convert::loads as json_value;

/// A named collection of checks (a data contract); see `mlops.Suite`.
#[pyclass(name = "Suite", module = "mlops", subclass)]
pub struct PySuite {
    pub inner: Suite,
}

#[pymethods]
impl PySuite {
    /// A suite named `name` (default `Suite::DEFAULT_NAME`) with the checks
    /// of `checks_json` (a JSON list of check objects).
    #[new]
    #[pyo3(signature = (name = None, checks_json = None))]
    fn new(name: Option<String>, checks_json: Option<&str>) -> PyResult<Self> {
        let name = name.unwrap_or_else(|| Suite::DEFAULT_NAME.to_string());
        let mut inner = Suite::new(name.clone());
        if let Some(c) = checks_json {
            let doc = format!(
                "{{\"name\": {}, \"checks\": {c}}}",
                serde_json::to_string(&name).expect("strings serialise")
            );
            inner = Suite::from_json(&doc).map_err(to_py)?;
        }
        Ok(PySuite { inner })
    }

    /// Appends one check given as JSON; errors name the field.
    fn _add_json(&mut self, check_json: &str) -> PyResult<()> {
        let i = self.inner.checks.len();
        let c: validate::Check = serde_json::from_str(check_json).map_err(|e| {
            crate::error::InvalidInputError::new_err(format!("invalid input: checks[{i}]: {e}"))
        })?;
        self.inner.checks.push(c);
        Ok(())
    }

    /// The suite's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// The checks, as dicts (what the suite file holds).
    #[getter]
    fn checks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(
            py,
            &serde_json::to_string(&self.inner.checks).expect("checks serialise"),
        )
    }

    fn __len__(&self) -> usize {
        self.inner.checks.len()
    }

    /// The suite as JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The suite as YAML.
    fn to_yaml(&self) -> String {
        self.inner.to_yaml()
    }

    /// Writes the suite: JSON for a `.json` path, YAML otherwise.
    fn save(&self, path: std::path::PathBuf) -> PyResult<()> {
        self.inner.save(path).map_err(to_py)
    }

    /// Reads a suite file (`.yaml`, `.yml` or `.json`); errors name `checks[i]`, the field and line.
    #[staticmethod]
    fn load(path: std::path::PathBuf) -> PyResult<Self> {
        Ok(PySuite {
            inner: Suite::load(path).map_err(to_py)?,
        })
    }

    /// Reads a suite from YAML text.
    #[staticmethod]
    fn from_yaml(text: &str) -> PyResult<Self> {
        Ok(PySuite {
            inner: Suite::from_yaml(text).map_err(to_py)?,
        })
    }

    /// Reads a suite from JSON text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(PySuite {
            inner: Suite::from_json(text).map_err(to_py)?,
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<mlops.Suite '{}' checks={}>",
            self.inner.name,
            self.inner.checks.len()
        )
    }
}

/// The result of a validation; see `mlops.validate`.
#[pyclass(name = "ValidationResult", module = "mlops", frozen)]
pub struct PyValidationResult {
    pub(crate) inner: Arc<ValidationResult>,
}

#[pymethods]
impl PyValidationResult {
    /// Whether no error-severity check failed.
    #[getter]
    fn success(&self) -> bool {
        self.inner.success
    }
    /// Rows validated.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }
    /// The suite's name.
    #[getter]
    fn suite(&self) -> &str {
        &self.inner.suite
    }
    /// Counts over the checks, as a dict.
    #[getter]
    fn statistics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(
            py,
            &serde_json::to_string(&self.inner.statistics).expect("serialises"),
        )
    }
    /// Per check results, as dicts, in suite order.
    #[getter]
    fn results<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(
            py,
            &serde_json::to_string(&self.inner.results).expect("serialises"),
        )
    }
    /// The failed checks, as dicts.
    #[getter]
    fn failures<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let f: Vec<_> = self.inner.failures().collect();
        json_value(py, &serde_json::to_string(&f).expect("serialises"))
    }
    fn __len__(&self) -> usize {
        self.inner.results.len()
    }
    fn __getitem__<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.results.get(i) {
            Some(r) => json_value(py, &serde_json::to_string(r).expect("serialises")),
            None => Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "check index {i} out of range ({} checks)",
                self.inner.results.len()
            ))),
        }
    }
    fn __bool__(&self) -> bool {
        self.inner.success
    }
    /// The result as JSON.
    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.to_json())
    }
    /// The result as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner.to_json())
    }
    /// One self-contained HTML page: verdict, failed checks first, unexpected rows.
    fn to_html(&self, py: Python<'_>) -> String {
        py.detach(|| mlops_core::report::validation_html(&self.inner))
    }
    fn _repr_html_(&self, py: Python<'_>) -> String {
        self.to_html(py)
    }
    fn __repr__(&self) -> String {
        let s = &self.inner.statistics;
        format!(
            "<mlops.ValidationResult success={} passed={}/{} failed_errors={} failed_warnings={} rows={}>",
            self.inner.success, s.successful, s.evaluated, s.failed_errors, s.failed_warnings, self.inner.rows
        )
    }
}

/// Validates data (a path or Arrow PyCapsule object) against a suite; a
/// stream is read and validated batch by batch. Options left `None` take
/// the engine's defaults (`ValidateOptions::default()`).
#[pyfunction]
#[pyo3(name = "validate", signature = (data, suite, unexpected_limit = None, now = None))]
fn validate_py(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    suite: &Bound<'_, PySuite>,
    unexpected_limit: Option<usize>,
    now: Option<f64>,
) -> PyResult<PyValidationResult> {
    let suite = suite.borrow().inner.clone();
    let source = Source::of(data, "mlops.validate")?;
    let defaults = ValidateOptions::default();
    let opts = ValidateOptions {
        unexpected_limit: unexpected_limit.unwrap_or(defaults.unexpected_limit),
        now: now.or(defaults.now),
    };
    let r = py
        .detach(move || match source {
            Source::Path(p) => validate::validate_path(&suite, p, &opts),
            s => validate::validate(&suite, s.reader()?, &opts),
        })
        .map_err(to_py)?;
    Ok(PyValidationResult { inner: Arc::new(r) })
}

/// Infers a suite from trusted data (read into memory: inference reads it
/// twice). Options left `None` take the engine's defaults
/// (`InferOptions::default()`).
#[pyfunction]
#[pyo3(signature = (data, name = None, margin = None, max_categories = None))]
fn infer_suite(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    name: Option<String>,
    margin: Option<f64>,
    max_categories: Option<usize>,
) -> PyResult<PySuite> {
    let source = Source::of(data, "mlops.Suite.infer")?;
    let defaults = InferOptions::default();
    let opts = InferOptions {
        name: name.unwrap_or(defaults.name),
        margin: margin.unwrap_or(defaults.margin),
        max_categories: max_categories.unwrap_or(defaults.max_categories),
    };
    let inner = py
        .detach(move || match source {
            Source::Path(p) => Suite::infer_path(p, &opts),
            s => {
                let batches = s.reader()?.collect::<Result<Vec<_>, _>>()?;
                Suite::infer(&batches, &opts)
            }
        })
        .map_err(to_py)?;
    Ok(PySuite { inner })
}

/// A model gate's outcome; see `mlops.gate`.
#[pyclass(name = "GateReport", module = "mlops", frozen)]
pub struct PyGateReport {
    pub(crate) inner: GateReport,
}

#[pymethods]
impl PyGateReport {
    /// Whether every rule held.
    #[getter]
    fn passed(&self) -> bool {
        self.inner.passed
    }
    /// Per rule: `rule`, `left`, `op`, `right`, `passed`, `metrics`.
    #[getter]
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(
            py,
            &serde_json::to_string(&self.inner.rules).expect("serialises"),
        )
    }
    fn __bool__(&self) -> bool {
        self.inner.passed
    }
    /// The report as JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }
    fn __repr__(&self) -> String {
        let ok = self.inner.rules.iter().filter(|r| r.passed).count();
        format!(
            "<mlops.GateReport passed={} rules={}/{}>",
            self.inner.passed,
            ok,
            self.inner.rules.len()
        )
    }
}

/// Evaluates gate rules on a candidate's (and a baseline's) metrics.
#[pyfunction]
#[pyo3(signature = (candidate, rules, baseline = None))]
fn gate(
    candidate: BTreeMap<String, f64>,
    rules: Vec<String>,
    baseline: Option<BTreeMap<String, f64>>,
) -> PyResult<PyGateReport> {
    let inner = validate::gate(&candidate, baseline.as_ref(), &rules).map_err(to_py)?;
    Ok(PyGateReport { inner })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySuite>()?;
    m.add_class::<PyValidationResult>()?;
    m.add_class::<PyGateReport>()?;
    m.add_function(wrap_pyfunction!(validate_py, m)?)?;
    m.add_function(wrap_pyfunction!(infer_suite, m)?)?;
    m.add_function(wrap_pyfunction!(gate, m)?)?;
    Ok(())
}
