//! Runs for Python: `_Run` (a run being written: `log`, `log_table`,
//! `log_params`, `set_tags`, `use_asset`, `record_output`, `log_artifact`,
//! `flush`, `end`), the `RunInfo` record, and the registry's run calls
//! (`run`, `runs`, `run_history`, `verify_run`, `_start_run`). The
//! pure-Python layer (`mlops/runs.py`) adds the context manager, the exit
//! and SIGTERM hooks and pandas conveniences.

use std::collections::BTreeMap;
use std::time::Duration;

use arrow::array::RecordBatch;
use arrow_pyarrow::IntoPyArrow;
use mlops_core::registry::{Kind, Registry};
use mlops_core::runs::{HistoryOptions, Run, RunInfo, RunOptions, RunStatus, StartRun};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString};

use crate::convert::loads;
use crate::error::{to_py, InvalidInputError};

crate::convert::record!(
    /// What is known of a run (`mlops_core::runs::RunInfo`): `metrics` maps
    /// each series (`loss`, or `loss[subset=train]`) to its summary dict
    /// (`count`, `nans`, `first_step`, `last_step`, `last`, `min`, `max`,
    /// `sum`, `mean`), with NaN and infinities as Python floats.
    PyRunInfo, "RunInfo",
    { id: "id", experiment: "experiment", name: "name", parent: "parent", status: "status",
      exit_code: "exit_code", start_time: "start_time", end_time: "end_time",
      principal: "principal", source: "source", params: "params", tags: "tags",
      metrics: "metrics", points: "points", inputs: "inputs", outputs: "outputs",
      cause: "cause", artifacts: "artifacts", segments: "segments", events: "events" },
    repr: [id, experiment, status, points]
);

impl PyRunInfo {
    /// The object for a core run.
    pub fn of_run(py: Python<'_>, r: &RunInfo) -> PyResult<Self> {
        let json = serde_json::to_string(r).expect("runs serialise");
        let dict = loads(py, &json)?.cast_into::<PyDict>()?;
        let metrics = PyDict::new(py);
        for s in &r.metrics {
            let m = summary(py, s)?;
            m.set_item("key", &s.key)?;
            m.set_item("context", &s.context)?;
            metrics.set_item(s.series(), m)?;
        }
        dict.set_item("metrics", metrics)?;
        Self::from_parts(json, &dict, None)
    }
}

/// A series' summary as a dict, its floats as Python floats (NaN and
/// infinities included; the JSON form writes them as text).
fn summary<'py>(
    py: Python<'py>,
    s: &mlops_core::runs::SeriesSummary,
) -> PyResult<Bound<'py, PyDict>> {
    let m = PyDict::new(py);
    m.set_item("count", s.count)?;
    m.set_item("nans", s.nans)?;
    m.set_item("first_step", s.first_step)?;
    m.set_item("last_step", s.last_step)?;
    m.set_item("last", s.last)?;
    m.set_item("min", s.min)?;
    m.set_item("max", s.max)?;
    m.set_item("sum", s.sum)?;
    m.set_item("mean", s.mean())?;
    Ok(m)
}

fn status(s: &str) -> PyResult<RunStatus> {
    s.parse::<RunStatus>().map_err(to_py)
}

fn kind(s: &str) -> PyResult<Kind> {
    s.parse::<Kind>().map_err(to_py)
}

fn options(flush_points: Option<usize>, flush_interval: Option<f64>) -> PyResult<RunOptions> {
    let mut o = RunOptions::default();
    if let Some(n) = flush_points {
        o.flush_points = n;
    }
    if let Some(s) = flush_interval {
        o.flush_interval = seconds("flush_interval", s)?;
    }
    Ok(o)
}

fn seconds(name: &str, s: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        InvalidInputError::new_err(format!(
            "invalid input: {name}: {s} is not a number of seconds"
        ))
    })
}

/// A run being written; see `mlops.start_run`.
#[pyclass(name = "Run", module = "mlops", frozen, weakref)]
pub struct PyRun {
    inner: Run,
    registry: Registry,
}

#[pymethods]
impl PyRun {
    /// The run's id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// Logs `metrics` (a dict of key → number) at `step`, with an optional
    /// `context` (`"subset=train"`). A value that is not a number is an
    /// `InvalidInputError` naming its key; nothing of the call is logged.
    #[pyo3(signature = (metrics, step, context = None))]
    fn log(&self, metrics: &Bound<'_, PyDict>, step: i64, context: Option<&str>) -> PyResult<()> {
        // abi3 (Python 3.9) has no borrowed UTF-8 view of a str: keys are
        // read as copy-on-write text, borrowed where the interpreter allows.
        let mut keys: Vec<(std::borrow::Cow<'_, str>, f64)> = Vec::with_capacity(metrics.len());
        for (k, v) in metrics.iter() {
            let key = k.cast::<PyString>().map_err(|_| {
                InvalidInputError::new_err(format!(
                    "invalid input: metric keys are strings, not {}",
                    k.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            })?;
            let key = key.to_cow()?.into_owned();
            let value = match v.cast::<PyFloat>() {
                Ok(f) => f.value(),
                Err(_) => v.extract::<f64>().map_err(|_| {
                    InvalidInputError::new_err(format!(
                        "invalid input: metric '{}': {} is not a number",
                        mlops_core::text::clip(&key, 80),
                        v.repr().map(|r| r.to_string()).unwrap_or_default()
                    ))
                })?,
            };
            keys.push((std::borrow::Cow::Owned(key), value));
        }
        let pairs: Vec<(&str, f64)> = keys.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
        self.inner.log(&pairs, step, context).map_err(to_py)
    }

    /// Logs a table of points (columns `key`, `step`, `value`, optional
    /// `time` and `context`) from any Arrow source.
    fn log_table(&self, py: Python<'_>, table: &Bound<'_, PyAny>) -> PyResult<()> {
        let source = crate::source::Source::of(table, "log_table")?;
        py.detach(|| -> mlops_core::Result<()> {
            for batch in source.reader()? {
                let batch: RecordBatch = batch?;
                self.inner.log_table(&batch)?;
            }
            Ok(())
        })
        .map_err(to_py)
    }

    /// Adds parameters (add-only: a different value for a key is a `ConflictError`).
    fn log_params(&self, py: Python<'_>, params: &Bound<'_, PyAny>) -> PyResult<()> {
        let p = crate::args::json(params, "params")?;
        py.detach(|| self.inner.log_params(&p)).map_err(to_py)
    }

    /// Sets tags (`None` removes one).
    fn set_tags(&self, py: Python<'_>, tags: BTreeMap<String, Option<String>>) -> PyResult<()> {
        py.detach(|| self.inner.set_tags(&tags)).map_err(to_py)
    }

    /// Records that the run used version `version` of data set `name`.
    fn use_dataset(&self, py: Python<'_>, name: &str, version: u64) -> PyResult<()> {
        py.detach(|| self.inner.use_dataset(name, version))
            .map_err(to_py)
    }

    /// Records that the run used version `version` of asset `name`.
    fn use_asset(&self, py: Python<'_>, kind: &str, name: &str, version: u64) -> PyResult<()> {
        let k = self::kind(kind)?;
        py.detach(|| self.inner.use_asset(k, name, version))
            .map_err(to_py)
    }

    /// Records that the run made version `version` of asset `name` (and the lineage).
    fn record_output(&self, py: Python<'_>, kind: &str, name: &str, version: u64) -> PyResult<()> {
        let k = self::kind(kind)?;
        py.detach(|| self.inner.record_output(k, name, version))
            .map_err(to_py)
    }

    /// Registers `package` as the next version of model `name` and records
    /// it as this run's output (lineage from the run's inputs); returns the version.
    #[pyo3(signature = (package, name, message = None))]
    fn log_model(
        &self,
        py: Python<'_>,
        package: &crate::package::PyPackage,
        name: &str,
        message: Option<&str>,
    ) -> PyResult<u64> {
        py.detach(|| {
            self.inner
                .log_model(&package.inner, name, mlops_core::unset::message(message))
        })
        .map_err(to_py)
    }

    /// Stores the file at `path` with the run (as `name`, else its file name).
    #[pyo3(signature = (path, name = None))]
    fn log_artifact(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        name: Option<&str>,
    ) -> PyResult<()> {
        py.detach(|| self.inner.log_artifact(&path, name))
            .map_err(to_py)
    }

    /// Writes every buffered point now.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.flush()).map_err(to_py)
    }

    /// Ends the run (`finished`, `failed` or `killed`).
    #[pyo3(signature = (status, exit_code = None))]
    fn end(&self, py: Python<'_>, status: &str, exit_code: Option<i32>) -> PyResult<()> {
        let s = self::status(status)?;
        py.detach(|| self.inner.end(s, exit_code)).map_err(to_py)
    }

    /// The points of series `key` of this run (see `Registry.run_history`).
    #[pyo3(signature = (key, context = None, downsample = None))]
    fn history<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        context: Option<String>,
        downsample: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        run_history(
            py,
            &self.registry,
            self.inner.id(),
            key,
            context,
            downsample,
        )
    }

    /// `with start_run(...) as run:` gives the run.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Leaving the `with` block ends the run: `finished`, or `killed` on
    /// `KeyboardInterrupt` (and `SystemExit` from a signal handler), or
    /// `failed` on any other exception, which is not swallowed. A run that
    /// this process attached to (under `mlops run exec`) is only flushed:
    /// its command's end ends it.
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let status = match exc_type {
            None => RunStatus::Finished,
            Some(t) if t.is_none() => RunStatus::Finished,
            Some(t) => {
                let interrupted = py.get_type::<pyo3::exceptions::PyKeyboardInterrupt>();
                let exited = py.get_type::<pyo3::exceptions::PySystemExit>();
                let t = t.cast::<pyo3::types::PyType>()?;
                if t.is_subclass(&interrupted)? || t.is_subclass(&exited)? {
                    RunStatus::Killed
                } else {
                    RunStatus::Failed
                }
            }
        };
        py.detach(|| self.inner.finish(status)).map_err(to_py)?;
        Ok(false)
    }

    /// Whether the run has ended (or, attached, been let go).
    #[getter]
    fn ended(&self) -> bool {
        self.inner.is_stopped()
    }

    /// What is known of the run now.
    fn info(&self, py: Python<'_>) -> PyResult<PyRunInfo> {
        let id = self.inner.id().to_string();
        let r = py.detach(|| self.registry.run(&id)).map_err(to_py)?;
        PyRunInfo::of_run(py, &r)
    }
}

fn history<'py>(
    py: Python<'py>,
    registry: &Registry,
    id: &str,
    key: &str,
    context: Option<String>,
    downsample: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let o = HistoryOptions {
        context,
        downsample,
    };
    let b = py
        .detach(|| registry.run_history(id, key, &o))
        .map_err(to_py)?;
    let schema = b.schema();
    arrow_pyarrow::Table::try_new(vec![b], schema)
        .map_err(|e| InvalidInputError::new_err(e.to_string()))?
        .into_pyarrow(py)
}

/// `Registry._start_run`: starts a run.
#[allow(clippy::too_many_arguments)]
pub fn start_run(
    py: Python<'_>,
    registry: &Registry,
    experiment: Option<String>,
    name: Option<String>,
    parent: Option<String>,
    params: Option<&Bound<'_, PyAny>>,
    tags: Option<BTreeMap<String, String>>,
    command: Option<Vec<String>>,
    flush_points: Option<usize>,
    flush_interval: Option<f64>,
    compact: Option<bool>,
    system_metrics: Option<bool>,
    system_metrics_interval: Option<f64>,
    cause: Option<&str>,
) -> PyResult<PyRun> {
    let cause = cause.map(str::parse).transpose().map_err(to_py)?;
    let params = params.map(|p| crate::args::json(p, "params")).transpose()?;
    let mut options = options(flush_points, flush_interval)?;
    if let Some(c) = compact {
        options.compact_on_end = c;
    }
    if let Some(on) = system_metrics {
        options.system_metrics = on;
    }
    if let Some(s) = system_metrics_interval {
        options.system_metrics_interval = seconds("system_metrics_interval", s)?;
    }
    let start = StartRun {
        experiment,
        name,
        parent,
        params,
        tags: tags.unwrap_or_default(),
        command,
        options,
        cause,
    };
    let registry = registry.clone();
    let run = py.detach(|| registry.start_run(start)).map_err(to_py)?;
    Ok(PyRun {
        inner: run,
        registry,
    })
}

/// `Registry.run`.
pub fn run(py: Python<'_>, registry: &Registry, id: &str) -> PyResult<PyRunInfo> {
    let r = py.detach(|| registry.run(id)).map_err(to_py)?;
    PyRunInfo::of_run(py, &r)
}

/// `Registry.runs`.
pub fn runs<'py>(
    py: Python<'py>,
    registry: &Registry,
    experiment: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    let rs = py.detach(|| registry.runs(experiment)).map_err(to_py)?;
    let v = rs
        .iter()
        .map(|r| PyRunInfo::of_run(py, r))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, v)
}

/// `Registry.run_history`.
pub fn run_history<'py>(
    py: Python<'py>,
    registry: &Registry,
    id: &str,
    key: &str,
    context: Option<String>,
    downsample: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let d = downsample
        .map(|d| crate::args::count(d, "downsample"))
        .transpose()?;
    history(py, registry, id, key, context, d)
}

/// `Registry.search_runs`: the runs table of the hits.
pub fn search_runs<'py>(
    py: Python<'py>,
    registry: &Registry,
    query: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let t = py
        .detach(|| {
            let hits = registry.search_runs(query)?;
            mlops_core::runs::runs_table(&hits)
        })
        .map_err(to_py)?;
    let schema = t.schema();
    arrow_pyarrow::Table::try_new(vec![t], schema)
        .map_err(|e| InvalidInputError::new_err(e.to_string()))?
        .into_pyarrow(py)
}

/// `Registry.compare_runs`: the comparison as plain values.
pub fn compare_runs<'py>(
    py: Python<'py>,
    registry: &Registry,
    ids: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let c = py.detach(|| registry.compare_runs(&ids)).map_err(to_py)?;
    let d = crate::convert::to_python(py, &c)?;
    let runs = c
        .runs
        .iter()
        .map(|r| PyRunInfo::of_run(py, r))
        .collect::<PyResult<Vec<_>>>()?;
    d.set_item("runs", PyList::new(py, runs)?)?;
    // Summaries with their floats as floats (JSON writes NaN as text).
    let metrics = PyList::empty(py);
    for m in &c.metrics {
        let row = PyDict::new(py);
        row.set_item("series", &m.series)?;
        let sums = PyList::empty(py);
        for s in &m.summaries {
            match s {
                None => sums.append(py.None())?,
                Some(s) => sums.append(summary(py, s)?)?,
            }
        }
        row.set_item("summaries", sums)?;
        metrics.append(row)?;
    }
    d.set_item("metrics", metrics)?;
    Ok(d)
}

/// `Registry.compare_runs_html`.
pub fn compare_runs_html(
    py: Python<'_>,
    registry: &Registry,
    ids: Vec<String>,
) -> PyResult<String> {
    py.detach(|| registry.compare_runs_html(&ids))
        .map_err(to_py)
}

/// `Registry.verify_run`.
pub fn verify_run(py: Python<'_>, registry: &Registry, id: &str) -> PyResult<u64> {
    py.detach(|| registry.verify_run(id)).map_err(to_py)
}

/// `Registry.export_run_tensorboard`: the event files written, as paths.
pub fn export_run_tensorboard(
    py: Python<'_>,
    registry: &Registry,
    id: &str,
    dir: std::path::PathBuf,
) -> PyResult<Vec<String>> {
    let files = py
        .detach(|| registry.export_run_tensorboard(id, &dir))
        .map_err(to_py)?;
    Ok(files.iter().map(|f| f.display().to_string()).collect())
}

/// `Registry.import_tensorboard`: the new run's id.
pub fn import_tensorboard(
    py: Python<'_>,
    registry: &Registry,
    path: std::path::PathBuf,
    experiment: Option<String>,
    name: Option<String>,
    tags: Option<BTreeMap<String, String>>,
) -> PyResult<String> {
    let o = mlops_core::runs::ImportTensorboard {
        experiment,
        name,
        tags: tags.unwrap_or_default(),
    };
    py.detach(|| registry.import_tensorboard(&path, &o))
        .map_err(to_py)
}

/// `Registry.import_mlflow`: `{"imported": {mlflow id: run id}, "skipped": {...}}`.
pub fn import_mlflow<'py>(
    py: Python<'py>,
    registry: &Registry,
    source: &str,
    experiment: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let o = mlops_core::runs::ImportMlflow { experiment };
    let report = py
        .detach(|| registry.import_mlflow(source, &o))
        .map_err(to_py)?;
    crate::convert::to_python(py, &report)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRun>()?;
    m.add_class::<PyRunInfo>()?;
    Ok(())
}
