//! Production monitoring for Python: `_Monitor` (a monitor open for
//! logging: `log`, `log_labels`, `flush`, `set_clock`, `results`, `state`)
//! and the registry's calls (`_monitor`, `monitors`). The pure-Python
//! layer (`mlops/monitor.py`) adds the `Monitor` class (pandas and paths
//! as Arrow, datetimes as milliseconds, the context manager, the exit hook).
//! The GIL is released while the engine profiles and writes.

use arrow_pyarrow::IntoPyArrow;
use mlops_core::monitor::{self, Monitor, NewMonitor};
use mlops_core::registry::{Kind, Registry};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::error::{to_py, InvalidInputError};

/// A monitor open for logging (see `mlops.monitor`).
#[pyclass(name = "_Monitor", module = "mlops", frozen)]
pub struct PyMonitor {
    /// Shared with the engine's SIGTERM hook, which flushes it.
    pub(crate) inner: std::sync::Arc<Monitor>,
}

/// Every batch of `source`, logged; the rows placed.
fn log_all(m: &Monitor, source: crate::source::Source) -> mlops_core::Result<u64> {
    let mut placed = 0;
    for batch in source.reader()? {
        placed += m.log(&batch?)?;
    }
    Ok(placed)
}

#[pymethods]
impl PyMonitor {
    /// The monitor's name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Its settings as a dict (`MonitorConfig`, defaults filled in).
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::to_python(py, self.inner.config())
    }

    /// Logs Arrow data (a PyCapsule object or a data file path) batch by
    /// batch; returns the rows placed in windows.
    fn log(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<u64> {
        let source = crate::source::Source::of(data, "Monitor.log")?;
        py.detach(move || log_all(&self.inner, source))
            .map_err(to_py)
    }

    /// Joins labels (Arrow data or a path with the id and target columns)
    /// with the kept predictions; returns `{joined, unknown_ids,
    /// duplicates, nulls}` summed over the batches.
    fn log_labels<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let source = crate::source::Source::of(data, "Monitor.log_labels")?;
        let got = py
            .detach(move || -> mlops_core::Result<monitor::LabelsLogged> {
                let mut sum = monitor::LabelsLogged::default();
                for batch in source.reader()? {
                    sum += self.inner.log_labels(&batch?)?;
                }
                Ok(sum)
            })
            .map_err(to_py)?;
        let d = PyDict::new(py);
        d.set_item("joined", got.joined)?;
        d.set_item("unknown_ids", got.unknown_ids)?;
        d.set_item("duplicates", got.duplicates)?;
        d.set_item("nulls", got.nulls)?;
        Ok(d)
    }

    /// Writes every buffered row now.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.flush()).map_err(to_py)
    }

    /// Sets "now" (Unix milliseconds) for the future-date and lateness
    /// checks, or gives them back the system clock (`None`).
    #[pyo3(signature = (now_ms = None))]
    fn set_clock(&self, now_ms: Option<i64>) {
        self.inner.set_clock(now_ms);
    }

    /// Sets how often the monitor's thread writes what was logged, in
    /// seconds (what a killed process can lose).
    fn set_flush_interval(&self, seconds: f64) -> PyResult<()> {
        self.inner.set_flush_interval_secs(seconds).map_err(to_py)
    }

    /// Flushes, then every (window, segment) evaluated as a pyarrow Table
    /// (`results_table`); `now_ms` is "now" for finality (the monitor's
    /// clock when `None`).
    #[pyo3(signature = (now_ms = None))]
    fn results<'py>(&self, py: Python<'py>, now_ms: Option<i64>) -> PyResult<Bound<'py, PyAny>> {
        let t = py
            .detach(|| monitor::results_table(&self.inner.results(now_ms)?))
            .map_err(to_py)?;
        let schema = t.schema();
        arrow_pyarrow::Table::try_new(vec![t], schema)
            .map_err(|e| InvalidInputError::new_err(e.to_string()))?
            .into_pyarrow(py)
    }

    /// Flushes, then what the monitor's log holds, folded, as a dict
    /// (`MonitorState`; `windows` a list of `{window, segment, ...}`).
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = py.detach(|| self.inner.state()).map_err(to_py)?;
        crate::convert::to_python(py, &s)
    }

    /// Adds an alert rule (the rule language over window figures); returns
    /// its name (made from the text when `name` is `None`).
    #[pyo3(signature = (rule, name = None, severity = None, cooldown_windows = None))]
    fn rule(
        &self,
        py: Python<'_>,
        rule: &str,
        name: Option<&str>,
        severity: Option<&str>,
        cooldown_windows: Option<u64>,
    ) -> PyResult<String> {
        py.detach(|| self.inner.rule(rule, name, severity, cooldown_windows))
            .map_err(to_py)
    }

    /// Flushes, then evaluates the rules and logs each new state change;
    /// returns the check report as a dict (`new_alerts`, `firing`,
    /// `retrain_requests`, `worst`).
    #[pyo3(signature = (retrain_on = None))]
    fn check<'py>(&self, py: Python<'py>, retrain_on: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let r = py.detach(|| self.inner.check(retrain_on)).map_err(to_py)?;
        crate::convert::to_python(py, &r)
    }

    /// Sets the webhook retrain requests are posted to (signed with the
    /// secret in environment variable `secret_env`); `url=None` removes it.
    #[pyo3(signature = (url, secret_env = None))]
    fn webhook(&self, py: Python<'_>, url: Option<&str>, secret_env: Option<&str>) -> PyResult<()> {
        py.detach(|| self.inner.webhook(url, secret_env))
            .map_err(to_py)
    }

    /// Flushes, then the monitor's state in the Prometheus text format
    /// (`text`, 0.0.4) or `openmetrics`.
    #[pyo3(signature = (format = None))]
    fn prometheus_text(&self, py: Python<'_>, format: Option<&str>) -> PyResult<String> {
        let format = match format {
            Some(f) => f.parse().map_err(to_py)?,
            None => Default::default(),
        };
        py.detach(|| self.inner.prometheus(format)).map_err(to_py)
    }

    /// Flushes, then writes the dashboard to `path` (and the drifted
    /// windows' reports beside it); returns the number of window reports.
    fn report(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<usize> {
        py.detach(|| self.inner.write_report(&path)).map_err(to_py)
    }

    /// Flushes, then the dashboard as one HTML page.
    fn dashboard(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.inner.dashboard()).map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!("<mlops.Monitor '{}'>", self.inner.name())
    }
}

/// `reference` as (data set, version): `(name, version)` or
/// `("dataset", name, version)`, the version a number or text.
fn reference(r: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    let bad = || {
        InvalidInputError::new_err(format!(
            "invalid input: monitor option 'reference': expected (name, version) or (\"dataset\", name, version), got {}",
            r.repr().map(|x| x.to_string()).unwrap_or_default()
        ))
    };
    let t = r.cast::<PyTuple>().map_err(|_| bad())?;
    let items: Vec<Bound<'_, PyAny>> = t.iter().collect();
    let (name, version) = match items.as_slice() {
        [n, v] => (n, v),
        [k, n, v] => {
            let k: String = k.extract().map_err(|_| bad())?;
            let kind = k.parse::<Kind>().map_err(to_py)?;
            if kind != Kind::Dataset {
                return Err(InvalidInputError::new_err(format!(
                    "invalid input: monitor option 'reference': a monitor's reference is a dataset, not a {k}"
                )));
            }
            (n, v)
        }
        _ => return Err(bad()),
    };
    let name: String = name.extract().map_err(|_| bad())?;
    let version = if let Ok(n) = version.extract::<u64>() {
        n.to_string()
    } else {
        version.extract::<String>().map_err(|_| bad())?
    };
    Ok((name, version))
}

/// A monitor's `suite`: a suite file's path (YAML or JSON), a native
/// suite, or `mlops.Suite` (which wraps one).
fn suite_arg(suite: &Bound<'_, PyAny>) -> PyResult<mlops_core::validate::Suite> {
    if let Ok(path) = suite.extract::<std::path::PathBuf>() {
        return mlops_core::validate::Suite::load(path).map_err(to_py);
    }
    if let Ok(s) = suite.cast::<crate::validate::PySuite>() {
        return Ok(s.borrow().inner.clone());
    }
    match suite
        .getattr("_native")
        .ok()
        .and_then(|n| n.cast_into::<crate::validate::PySuite>().ok())
    {
        Some(native) => Ok(native.borrow().inner.clone()),
        None => Err(InvalidInputError::new_err(format!(
            "invalid input: monitor option 'suite': a mlops.Suite or a suite file's path, got {}",
            suite.get_type().name()?
        ))),
    }
}

/// `Registry._monitor`: opens monitor `name`, creating it with the settings
/// given when there is none (`Registry::open_or_create_monitor`).
#[allow(clippy::too_many_arguments)]
pub fn open(
    py: Python<'_>,
    registry: &Registry,
    name: &str,
    reference: Option<&Bound<'_, PyAny>>,
    window: Option<String>,
    timestamp: Option<String>,
    prediction: Option<String>,
    target: Option<String>,
    id: Option<String>,
    segments: Option<Vec<String>>,
    max_segments: Option<&Bound<'_, PyAny>>,
    allowed_lateness: Option<String>,
    future_tolerance: Option<String>,
    prediction_retention: Option<String>,
    task: Option<String>,
    threshold: Option<f64>,
    drift: Option<&Bound<'_, PyAny>>,
    suite: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyMonitor> {
    let drift = match drift {
        Some(d) => {
            let json = crate::args::json(d, "drift")?.to_string();
            Some(mlops_core::drift::DriftOptions::from_json(&json).map_err(to_py)?)
        }
        None => None,
    };
    let new = NewMonitor {
        reference: reference.map(self::reference).transpose()?,
        window,
        timestamp: timestamp.unwrap_or_default(),
        prediction,
        target,
        id,
        segments: segments.unwrap_or_default(),
        max_segments: max_segments
            .map(|m| crate::args::count(m, "max_segments"))
            .transpose()?,
        allowed_lateness,
        future_tolerance,
        prediction_retention,
        task,
        threshold,
        drift,
        suite: suite.map(suite_arg).transpose()?,
    };
    let inner = py
        .detach(|| registry.open_or_create_monitor(name, &new))
        .map_err(to_py)?;
    let inner = std::sync::Arc::new(inner);
    // SIGTERM skips `atexit`: the engine flushes the monitor then.
    mlops_core::monitor::flush_on_sigterm(&inner);
    Ok(PyMonitor { inner })
}

/// `Registry.monitors`: the monitors of the registry, by name.
pub fn names(py: Python<'_>, registry: &Registry) -> PyResult<Vec<String>> {
    py.detach(|| registry.monitor_names()).map_err(to_py)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMonitor>()
}
