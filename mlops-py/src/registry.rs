//! `Registry` for Python: assets with numbered versions and aliases in a
//! store (a folder, `file://`, `memory://`, `s3://`, `gs://` or `az://`). The GIL is released while the
//! engine reads and writes.

use arrow_pyarrow::IntoPyArrow;
use mlops_core::registry::{AssetRef, Kind, Registry};
use mlops_core::unset;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert;
use crate::error::to_py;

/// A registry of datasets, models and artifacts; see `mlops.Registry`.
#[pyclass(name = "Registry", module = "mlops", frozen, subclass)]
pub struct PyRegistry {
    pub(crate) inner: Registry,
}

fn kind(s: &str) -> PyResult<Kind> {
    s.parse::<Kind>().map_err(to_py)
}

fn metadata(m: Option<&Bound<'_, PyAny>>) -> PyResult<serde_json::Value> {
    match m {
        None => Ok(serde_json::json!({})),
        Some(m) => crate::args::json(m, "metadata"),
    }
}

/// `registry`, recording `reason` in the events it writes.
pub(crate) fn why(registry: &Registry, reason: Option<&str>) -> Registry {
    match reason {
        Some(r) => registry.clone().with_reason(r),
        None => registry.clone(),
    }
}

impl PyRegistry {
    /// What adding a version takes: the kind, the metadata as JSON and the
    /// registry recording `reason`.
    fn next_version(
        &self,
        kind: &str,
        metadata: Option<&Bound<'_, PyAny>>,
        reason: Option<&str>,
    ) -> PyResult<(Kind, serde_json::Value, Registry)> {
        Ok((
            self::kind(kind)?,
            self::metadata(metadata)?,
            why(&self.inner, reason),
        ))
    }
}

#[pymethods]
impl PyRegistry {
    #[new]
    #[pyo3(signature = (url = None, principal = None))]
    fn new(py: Python<'_>, url: Option<&str>, principal: Option<&str>) -> PyResult<Self> {
        let url = unset::store(url);
        let inner = py.detach(|| Registry::open(&url)).map_err(to_py)?;
        Ok(Self {
            inner: match principal {
                Some(p) => inner.with_principal(p),
                None => inner,
            },
        })
    }

    /// Starts a run (private: `mlops.start_run` is the public call).
    #[pyo3(signature = (experiment = None, name = None, parent = None, params = None, tags = None,
                        command = None, flush_points = None, flush_interval = None, compact = None,
                        system_metrics = None, system_metrics_interval = None, cause = None))]
    #[allow(clippy::too_many_arguments)]
    fn _start_run(
        &self,
        py: Python<'_>,
        experiment: Option<String>,
        name: Option<String>,
        parent: Option<String>,
        params: Option<&Bound<'_, PyAny>>,
        tags: Option<std::collections::BTreeMap<String, String>>,
        command: Option<Vec<String>>,
        flush_points: Option<usize>,
        flush_interval: Option<f64>,
        compact: Option<bool>,
        system_metrics: Option<bool>,
        system_metrics_interval: Option<f64>,
        cause: Option<&str>,
    ) -> PyResult<crate::runs::PyRun> {
        crate::runs::start_run(
            py,
            &self.inner,
            experiment,
            name,
            parent,
            params,
            tags,
            command,
            flush_points,
            flush_interval,
            compact,
            system_metrics,
            system_metrics_interval,
            cause,
        )
    }

    /// Opens monitor `name`, creating it with these settings when there is
    /// none (private: `mlops.monitor` is the public call).
    #[pyo3(signature = (name, reference = None, window = None, timestamp = None, prediction = None,
                        target = None, id = None, segments = None, max_segments = None,
                        allowed_lateness = None, future_tolerance = None, prediction_retention = None,
                        task = None, threshold = None, drift = None, suite = None))]
    #[allow(clippy::too_many_arguments)]
    fn _monitor(
        &self,
        py: Python<'_>,
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
    ) -> PyResult<crate::monitor::PyMonitor> {
        crate::monitor::open(
            py,
            &self.inner,
            name,
            reference,
            window,
            timestamp,
            prediction,
            target,
            id,
            segments,
            max_segments,
            allowed_lateness,
            future_tolerance,
            prediction_retention,
            task,
            threshold,
            drift,
            suite,
        )
    }

    /// The monitors of the registry, by name.
    fn monitors(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        crate::monitor::names(py, &self.inner)
    }

    /// Run `id`: what is known of it (`RunInfo`).
    fn run(&self, py: Python<'_>, id: &str) -> PyResult<crate::runs::PyRunInfo> {
        crate::runs::run(py, &self.inner, id)
    }

    /// Every run (of `experiment`, when given), newest first.
    #[pyo3(signature = (experiment = None))]
    fn runs<'py>(
        &self,
        py: Python<'py>,
        experiment: Option<&str>,
    ) -> PyResult<Bound<'py, pyo3::types::PyList>> {
        crate::runs::runs(py, &self.inner, experiment)
    }

    /// The points of series `key` of run `id` as a pyarrow Table (`step`,
    /// `time`, `value`, `context`) ordered by (step, time); `context=` keeps
    /// one context's points; `downsample=N` keeps the first, last, smallest
    /// and largest point of each of N step buckets.
    #[pyo3(signature = (id, key, context = None, downsample = None))]
    fn run_history<'py>(
        &self,
        py: Python<'py>,
        id: &str,
        key: &str,
        context: Option<String>,
        downsample: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::runs::run_history(py, &self.inner, id, key, context, downsample)
    }

    /// The runs matching `query` (the filter language with `in (...)`,
    /// `is null`, `metrics.<key>.<stat>`, `order by` and `limit`) as a
    /// pyarrow Table: one row per run, a column per param and summary.
    fn search_runs<'py>(&self, py: Python<'py>, query: &str) -> PyResult<Bound<'py, PyAny>> {
        crate::runs::search_runs(py, &self.inner, query)
    }

    /// 2 to 10 runs side by side: `runs`, `params` (each with `values` per
    /// run and `differs`) and `metrics` (each series' summary per run).
    fn compare_runs<'py>(&self, py: Python<'py>, ids: Vec<String>) -> PyResult<Bound<'py, PyAny>> {
        crate::runs::compare_runs(py, &self.inner, ids)
    }

    /// The comparison of runs `ids` as one self-contained HTML page with
    /// each metric's curves overlaid (inline SVG).
    fn compare_runs_html(&self, py: Python<'_>, ids: Vec<String>) -> PyResult<String> {
        crate::runs::compare_runs_html(py, &self.inner, ids)
    }

    /// Checks run `id`: its log's hash chain and every segment and artifact
    /// it names; returns its number of points.
    fn verify_run(&self, py: Python<'_>, id: &str) -> PyResult<u64> {
        crate::runs::verify_run(py, &self.inner, id)
    }

    /// Writes the table of the runs matching `query` (all when None) to the
    /// Parquet file `path`, whole or not at all; returns the number of runs.
    #[pyo3(signature = (path, query = None))]
    fn export_runs_parquet(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        query: Option<&str>,
    ) -> PyResult<u64> {
        py.detach(|| self.inner.export_runs_parquet(query, &path))
            .map_err(to_py)
    }

    /// Writes the run table search reads anew from every run's log;
    /// returns its number of rows (ended runs).
    fn rebuild_run_table(&self, py: Python<'_>) -> PyResult<u64> {
        py.detach(|| self.inner.rebuild_run_table()).map_err(to_py)
    }

    /// Writes run `id`'s series as TensorBoard event files under `dir`, one
    /// file per context (a context's in the subdirectory named by it;
    /// values as 32-bit floats); returns the files written.
    fn export_run_tensorboard(
        &self,
        py: Python<'_>,
        id: &str,
        dir: std::path::PathBuf,
    ) -> PyResult<Vec<String>> {
        crate::runs::export_run_tensorboard(py, &self.inner, id, dir)
    }

    /// Reads TensorBoard event files (a file, or every `*tfevents*` file
    /// under a directory, subdirectories as contexts) into a new run;
    /// returns its id.
    #[pyo3(signature = (path, experiment = None, name = None, tags = None))]
    fn import_tensorboard(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        experiment: Option<String>,
        name: Option<String>,
        tags: Option<std::collections::BTreeMap<String, String>>,
    ) -> PyResult<String> {
        crate::runs::import_tensorboard(py, &self.inner, path, experiment, name, tags)
    }

    /// Imports the runs of an MLflow tracking store (an `mlruns` folder or
    /// `sqlite:///mlflow.db`): params, tags, every metric point, status and
    /// times; runs imported before are skipped. Returns `{"imported":
    /// {mlflow run id: run id}, "skipped": {...}}`.
    #[pyo3(signature = (source, experiment = None))]
    fn import_mlflow<'py>(
        &self,
        py: Python<'py>,
        source: &str,
        experiment: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::runs::import_mlflow(py, &self.inner, source, experiment)
    }

    /// Who this registry writes as (`principal=`, else $MLOPS_PRINCIPAL, else $USER).
    #[getter]
    fn principal(&self) -> &str {
        self.inner.principal()
    }

    /// The audit trail: `verify()` and `log(...)`.
    #[getter]
    fn audit(&self) -> crate::governance::PyAudit {
        crate::governance::PyAudit {
            inner: self.inner.clone(),
        }
    }

    /// The access policy: `show()`, `grant`, `revoke`, `protect`, `unprotect`.
    #[getter]
    fn policy(&self) -> crate::governance::PyPolicy {
        crate::governance::PyPolicy {
            inner: self.inner.clone(),
        }
    }

    /// Records a gate report (`mlops.gate(...)`) for a version.
    #[pyo3(signature = (kind, name, version, report, reason = None))]
    fn record_gate(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        version: u64,
        report: &crate::validate::PyGateReport,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let (k, r) = (self::kind(kind)?, why(&self.inner, reason));
        py.detach(|| r.record_gate(k, name, version, &report.inner))
            .map_err(to_py)
    }

    /// Adds `data` (bytes) as the next version; returns its number.
    #[pyo3(signature = (kind, name, data, message = None, metadata = None, reason = None))]
    #[allow(clippy::too_many_arguments)]
    fn add(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        data: &[u8],
        message: Option<&str>,
        metadata: Option<&Bound<'_, PyAny>>,
        reason: Option<&str>,
    ) -> PyResult<u64> {
        let (k, meta, r) = self.next_version(kind, metadata, reason)?;
        py.detach(|| r.add_version(k, name, data, unset::message(message), meta))
            .map_err(to_py)
    }

    /// Adds a file as the next version; returns its number. A data file
    /// added as a dataset is committed as data (Parquet, schema, rows,
    /// profile); anything else is stored as its bytes (streamed, chunked).
    /// The engine decides (`Registry::add_path`), as for `mlops add`.
    #[pyo3(signature = (kind, name, path, message = None, metadata = None, reason = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_file(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        path: std::path::PathBuf,
        message: Option<&str>,
        metadata: Option<&Bound<'_, PyAny>>,
        reason: Option<&str>,
    ) -> PyResult<u64> {
        let (k, meta, r) = self.next_version(kind, metadata, reason)?;
        py.detach(|| r.add_path(k, name, &path, unset::message(message), meta))
            .map_err(to_py)
    }

    /// Points `alias` at `version`, recording `reason` if given.
    #[pyo3(signature = (kind, name, alias, version, reason = None))]
    fn alias(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        alias: &str,
        version: u64,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let (k, r) = (self::kind(kind)?, why(&self.inner, reason));
        py.detach(|| r.set_alias(k, name, alias, version))
            .map_err(to_py)
    }

    /// The asset's state (an `Asset`): versions, aliases with their history.
    fn asset(&self, py: Python<'_>, kind: &str, name: &str) -> PyResult<convert::Asset> {
        let k = self::kind(kind)?;
        let a = py.detach(|| self.inner.asset(k, name)).map_err(to_py)?;
        convert::Asset::of_asset(py, &a)
    }

    /// The asset's history, oldest first, as `AuditRecord`s (`log`, `seq`,
    /// `hash`, `time`, `principal`, `action`, `target`, `reason`, `event`):
    /// every version, alias move, tag, lineage edge, archive and gate.
    fn log<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        name: &str,
    ) -> PyResult<Bound<'py, pyo3::types::PyList>> {
        let k = self::kind(kind)?;
        let h = py.detach(|| self.inner.history(k, name)).map_err(to_py)?;
        convert::AuditRecord::list(py, &h)
    }

    /// One version (by number, alias or "latest") as a `Version`, read
    /// through the registry's indexes: a few small reads however long the
    /// history.
    #[pyo3(signature = (kind, name, reference = None))]
    fn version(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        reference: Option<&str>,
    ) -> PyResult<convert::Version> {
        let k = self::kind(kind)?;
        let v = py
            .detach(|| self.inner.version(k, name, unset::reference(reference)))
            .map_err(to_py)?;
        convert::Version::of(py, &v)
    }

    /// Checks an asset from its log's own events (hash chain, numbering,
    /// indexes); returns the number of events, raises IntegrityError naming
    /// the first object that disagrees.
    fn verify(&self, py: Python<'_>, kind: &str, name: &str) -> PyResult<u64> {
        let k = self::kind(kind)?;
        py.detach(|| self.inner.verify(k, name)).map_err(to_py)
    }

    /// A version's content (by number, alias or "latest"), verified.
    #[pyo3(signature = (kind, name, reference = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        name: &str,
        reference: Option<&str>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let k = self::kind(kind)?;
        let b = py
            .detach(|| self.inner.get(k, name, unset::reference(reference)))
            .map_err(to_py)?;
        Ok(PyBytes::new(py, &b))
    }

    /// Sets a tag of a version (`value=None` removes it).
    #[pyo3(signature = (kind, name, version, key, value = None, reason = None))]
    #[allow(clippy::too_many_arguments)]
    fn tag(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        version: u64,
        key: &str,
        value: Option<&str>,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let (k, r) = (self::kind(kind)?, why(&self.inner, reason));
        py.detach(|| r.set_tag(k, name, version, key, value))
            .map_err(to_py)
    }

    /// Records that `product` (kind, name, version) was made from `inputs`
    /// (a list of such tuples), by `run` from source `commit`, because of
    /// `cause` (a monitor's retrain request, `monitor:<name>@<seq>`).
    #[pyo3(signature = (product, inputs, run = None, commit = None, reason = None, cause = None))]
    #[allow(clippy::too_many_arguments)]
    fn lineage(
        &self,
        py: Python<'_>,
        product: (String, String, u64),
        inputs: Vec<(String, String, u64)>,
        run: Option<&str>,
        commit: Option<&str>,
        reason: Option<&str>,
        cause: Option<&str>,
    ) -> PyResult<()> {
        let cause: Option<mlops_core::monitor::RetrainCause> =
            cause.map(str::parse).transpose().map_err(to_py)?;
        let r = |t: (String, String, u64)| -> PyResult<AssetRef> {
            Ok(AssetRef {
                kind: self::kind(&t.0)?,
                name: t.1,
                version: t.2,
            })
        };
        let product = r(product)?;
        let inputs = inputs.into_iter().map(r).collect::<PyResult<Vec<_>>>()?;
        let reg = why(&self.inner, reason);
        py.detach(|| reg.record_lineage_caused(&product, &inputs, run, commit, cause.as_ref()))
            .map_err(to_py)
    }

    /// Archives an asset (hidden from listings and searches, history kept),
    /// or restores it.
    #[pyo3(signature = (kind, name, restore = false, reason = None))]
    fn archive(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        restore: bool,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let inner = why(&self.inner, reason);
        let k = self::kind(kind)?;
        py.detach(|| inner.set_archived(k, name, !restore))
            .map_err(to_py)
    }

    /// Names of the assets of a kind.
    #[pyo3(signature = (kind, include_archived = false))]
    fn list(&self, py: Python<'_>, kind: &str, include_archived: bool) -> PyResult<Vec<String>> {
        let k = self::kind(kind)?;
        py.detach(|| self.inner.list(k, include_archived))
            .map_err(to_py)
    }

    /// Versions matching a filter such as
    /// `"kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9"`, as `SearchHit`s.
    #[pyo3(signature = (query, include_archived = false))]
    fn search(
        &self,
        py: Python<'_>,
        query: &str,
        include_archived: bool,
    ) -> PyResult<Vec<convert::SearchHit>> {
        let hits = py
            .detach(|| self.inner.search(query, include_archived))
            .map_err(to_py)?;
        hits.iter().map(|h| convert::SearchHit::of(py, h)).collect()
    }

    /// The change feed's events after cursor `since` (text a feed returned,
    /// or `"start"`), in log order, at most `limit`: `(events, cursor)`,
    /// the cursor after the last event returned.
    #[pyo3(signature = (since, limit = None))]
    fn changes(
        &self,
        py: Python<'_>,
        since: &str,
        limit: Option<usize>,
    ) -> PyResult<(Vec<convert::FeedEvent>, String)> {
        let since = crate::feed::cursor(since)?;
        let (events, cursor) = py
            .detach(|| self.inner.changes(&since, limit))
            .map_err(to_py)?;
        Ok((crate::feed::events(py, &events)?, cursor.to_string()))
    }

    /// The cursor after the last event of every log now.
    fn feed_cursor(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.inner.feed_cursor())
            .map(|c| c.to_string())
            .map_err(to_py)
    }

    /// A `Watch` of the change feed: from cursor `since`, else from the one
    /// saved in `cursor_file`, else from now. Iterating it waits for each
    /// next event and stops after `timeout` seconds without one (`None`:
    /// never); with `cursor_file` the cursor is saved there each time the
    /// next event is asked for.
    #[pyo3(signature = (since = None, cursor_file = None, timeout = None, poll_interval = None))]
    fn watch(
        &self,
        py: Python<'_>,
        since: Option<&str>,
        cursor_file: Option<std::path::PathBuf>,
        timeout: Option<f64>,
        poll_interval: Option<f64>,
    ) -> PyResult<crate::feed::PyWatch> {
        let timeout = crate::feed::seconds(timeout, "timeout")?;
        let poll = crate::feed::seconds(poll_interval, "poll_interval")?;
        let w = py
            .detach(|| crate::feed::open(&self.inner, since, cursor_file.as_deref(), poll))
            .map_err(to_py)?;
        Ok(crate::feed::PyWatch::new(w, timeout))
    }

    /// Posts each event of the change feed to webhook `url`, signed with
    /// HMAC-SHA256 under the secret in environment variable `secret_env`,
    /// from `since` / `cursor_file` / now as `watch` starts, until no event
    /// comes for `timeout` seconds (`None`: never). The cursor is saved in
    /// `cursor_file` after each delivered event. Returns how many were
    /// delivered; an event that cannot be delivered raises `StorageError`
    /// naming it.
    #[pyo3(signature = (url, secret_env, since = None, cursor_file = None, timeout = None, poll_interval = None))]
    #[allow(clippy::too_many_arguments)]
    fn dispatch(
        &self,
        py: Python<'_>,
        url: &str,
        secret_env: &str,
        since: Option<&str>,
        cursor_file: Option<std::path::PathBuf>,
        timeout: Option<f64>,
        poll_interval: Option<f64>,
    ) -> PyResult<u64> {
        let timeout = crate::feed::seconds(timeout, "timeout")?;
        let poll = crate::feed::seconds(poll_interval, "poll_interval")?;
        let mut w = py
            .detach(|| crate::feed::open(&self.inner, since, cursor_file.as_deref(), poll))
            .map_err(to_py)?;
        // Dispatched in short slices with the GIL released, so Ctrl-C stops
        // it between two; `timeout` counts time with no event across slices.
        let slice = std::time::Duration::from_millis(200);
        let (mut delivered, mut idle) = (0, std::time::Duration::ZERO);
        loop {
            let wait = timeout.map_or(slice, |t| t.saturating_sub(idle).min(slice));
            let started = std::time::Instant::now();
            let n = py
                .detach(|| {
                    self.inner
                        .dispatch(&mut w, url, secret_env, Some(wait), |_| Ok(()))
                })
                .map_err(to_py)?;
            delivered += n;
            idle = if n > 0 {
                std::time::Duration::ZERO
            } else {
                idle + started.elapsed()
            };
            if timeout.is_some_and(|t| idle >= t) {
                return Ok(delivered);
            }
            py.check_signals()?;
        }
    }

    /// Commits Arrow data (a PyCapsule object) or a data file path as the
    /// next version of data set `name`: Parquet plus schema, rows and
    /// profile. Returns the version number.
    #[pyo3(signature = (name, data, message = None, metadata = None, reason = None))]
    fn commit_dataset(
        &self,
        py: Python<'_>,
        name: &str,
        data: &Bound<'_, PyAny>,
        message: Option<&str>,
        metadata: Option<&Bound<'_, PyAny>>,
        reason: Option<&str>,
    ) -> PyResult<u64> {
        let (meta, r) = (self::metadata(metadata)?, why(&self.inner, reason));
        match crate::source::Source::of(data, "Registry.commit_dataset")? {
            crate::source::Source::Path(path) => py
                .detach(|| r.commit_dataset_path(name, &path, unset::message(message), meta))
                .map_err(to_py),
            source => py
                .detach(move || {
                    r.commit_dataset(name, source.reader()?, unset::message(message), meta)
                })
                .map_err(to_py),
        }
    }

    /// A data set version (number, alias or "latest") as a pyarrow Table,
    /// optionally only some columns.
    #[pyo3(signature = (name, reference = None, columns = None))]
    fn read_dataset<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        reference: Option<&str>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cols: Option<Vec<&str>> = columns
            .as_ref()
            .map(|c| c.iter().map(String::as_str).collect());
        let (schema, batches) = py
            .detach(|| {
                self.inner
                    .read_dataset(name, unset::reference(reference), cols.as_deref())
            })
            .map_err(to_py)?;
        arrow_pyarrow::Table::try_new(batches, schema)
            .map_err(|e| crate::error::InvalidInputError::new_err(e.to_string()))?
            .into_pyarrow(py)
    }

    /// Writes Arrow data as one Parquet part of a future version of data
    /// set `name`; returns the receipt (bytes) for `_commit_dataset_parts`.
    /// Private: the engine adapters (`mlops.spark.commit_dataset`) call it.
    fn _write_dataset_part<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let source = crate::source::Source::of(data, "write_dataset_part")?;
        let part = py
            .detach(move || self.inner.write_dataset_part(name, source.reader()?))
            .map_err(to_py)?;
        Ok(PyBytes::new(py, &part.to_bytes()))
    }

    /// Commits the next version of data set `name` from part receipts, in order.
    #[pyo3(signature = (name, parts, message = None, metadata = None, reason = None))]
    fn _commit_dataset_parts(
        &self,
        py: Python<'_>,
        name: &str,
        parts: Vec<Vec<u8>>,
        message: Option<&str>,
        metadata: Option<&Bound<'_, PyAny>>,
        reason: Option<&str>,
    ) -> PyResult<u64> {
        let (meta, r) = (self::metadata(metadata)?, why(&self.inner, reason));
        let parts = parts
            .iter()
            .map(|b| mlops_core::dataset::DatasetPart::from_bytes(b))
            .collect::<mlops_core::Result<Vec<_>>>()
            .map_err(to_py)?;
        py.detach(|| r.commit_dataset_parts(name, &parts, unset::message(message), meta))
            .map_err(to_py)
    }

    /// The part receipts of a data set version made of parts, in order.
    #[pyo3(signature = (name, reference = None))]
    fn _dataset_parts<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        reference: Option<&str>,
    ) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        let parts = py
            .detach(|| self.inner.dataset_parts(name, unset::reference(reference)))
            .map_err(to_py)?;
        Ok(parts
            .iter()
            .map(|p| PyBytes::new(py, &p.to_bytes()))
            .collect())
    }

    /// One part's rows as a pyarrow Table.
    fn _read_dataset_part<'py>(&self, py: Python<'py>, part: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        let part = mlops_core::dataset::DatasetPart::from_bytes(part).map_err(to_py)?;
        let (schema, batches) = py
            .detach(|| self.inner.read_dataset_part(&part, None))
            .map_err(to_py)?;
        arrow_pyarrow::Table::try_new(batches, schema)
            .map_err(|e| crate::error::InvalidInputError::new_err(e.to_string()))?
            .into_pyarrow(py)
    }

    /// What changed between two data set versions (schema, rows, column
    /// statistics), as a `DatasetDiff`; with `key` (a column name or a
    /// list), row by row as a `RowDiff`.
    #[pyo3(signature = (name, a, b, key = None))]
    fn diff<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        a: &str,
        b: &str,
        key: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Some(key) = key.filter(|k| !k.is_none()) else {
            let d = py
                .detach(|| self.inner.diff_datasets(name, a, b))
                .map_err(to_py)?;
            return Ok(Bound::new(py, convert::DatasetDiff::of(py, &d)?)?.into_any());
        };
        let key: Vec<String> = match key.extract::<String>() {
            Ok(one) => vec![one],
            Err(_) => key.extract().map_err(|_| {
                crate::error::InvalidInputError::new_err(
                    "invalid input: Registry.diff: key must be a column name or a list of them",
                )
            })?,
        };
        let cols: Vec<&str> = key.iter().map(String::as_str).collect();
        let d = py
            .detach(|| self.inner.diff_rows(name, a, b, &cols))
            .map_err(to_py)?;
        Ok(Bound::new(py, convert::RowDiff::of(py, d)?)?.into_any())
    }

    /// Every move of `alias` of an asset, oldest first, as `AliasMove`s
    /// (version, principal, time, seq and reason).
    fn alias_history(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        alias: &str,
    ) -> PyResult<Vec<convert::AliasMove>> {
        let k = self::kind(kind)?;
        let moves = py
            .detach(|| self.inner.alias_history(k, name, alias))
            .map_err(to_py)?;
        moves
            .iter()
            .map(|m| convert::AliasMove::of(py, m))
            .collect()
    }

    /// One page of a search: `(hits, next_page_token)`; `limit` unset is
    /// the engine's default page size. `Registry.search` calls it when
    /// given `limit` or `page_token`.
    #[pyo3(signature = (query, include_archived = false, limit = None, page_token = None))]
    fn _search_page(
        &self,
        py: Python<'_>,
        query: &str,
        include_archived: bool,
        limit: Option<usize>,
        page_token: Option<&str>,
    ) -> PyResult<(Vec<convert::SearchHit>, Option<String>)> {
        let limit = limit.unwrap_or(mlops_core::registry::DEFAULT_PAGE_LIMIT);
        let page = py
            .detach(|| {
                self.inner
                    .search_page(query, include_archived, limit, page_token)
            })
            .map_err(to_py)?;
        let hits = page
            .hits
            .iter()
            .map(|h| convert::SearchHit::of(py, h))
            .collect::<PyResult<Vec<_>>>()?;
        Ok((hits, page.next_page_token))
    }

    /// Verifies a model package and pushes it as the next version of the
    /// model `name` (files chunked and deduplicated, metrics searchable as
    /// `metrics.<name>`). Returns the version number.
    #[pyo3(signature = (package, name, message = None, reason = None))]
    fn push_package(
        &self,
        py: Python<'_>,
        package: &crate::package::PyPackage,
        name: &str,
        message: Option<&str>,
        reason: Option<&str>,
    ) -> PyResult<u64> {
        let r = why(&self.inner, reason);
        py.detach(|| r.push_package(&package.inner, name, unset::message(message)))
            .map_err(to_py)
    }

    /// Pulls a model version (number, alias or "latest") into the new folder
    /// `dest`; every file is verified before the folder appears.
    fn pull_package(
        &self,
        py: Python<'_>,
        name: &str,
        reference: &str,
        dest: std::path::PathBuf,
    ) -> PyResult<crate::package::PyPackage> {
        let inner = py
            .detach(|| self.inner.pull_package(name, reference, &dest))
            .map_err(to_py)?;
        Ok(crate::package::PyPackage { inner })
    }

    /// The profile stored with a data set version.
    #[pyo3(signature = (name, reference = None))]
    fn dataset_profile(
        &self,
        py: Python<'_>,
        name: &str,
        reference: Option<&str>,
    ) -> PyResult<crate::profile::PyProfile> {
        let inner = py
            .detach(|| {
                self.inner
                    .dataset_profile(name, unset::reference(reference))
            })
            .map_err(to_py)?;
        Ok(crate::profile::PyProfile { inner })
    }

    /// Saves `profile` as the profile of data set `name` under `key` (a
    /// partition date, a batch id); returns the version number.
    #[pyo3(signature = (name, key, profile, reason = None))]
    fn save_profile(
        &self,
        py: Python<'_>,
        name: &str,
        key: &str,
        profile: &Bound<'_, crate::profile::PyProfile>,
        reason: Option<&str>,
    ) -> PyResult<u64> {
        let (p, r) = (profile.borrow().inner.clone(), why(&self.inner, reason));
        py.detach(|| r.save_profile(name, key, &p)).map_err(to_py)
    }

    /// The profile last saved under `key`.
    fn load_profile(
        &self,
        py: Python<'_>,
        name: &str,
        key: &str,
    ) -> PyResult<crate::profile::PyProfile> {
        let inner = py
            .detach(|| self.inner.load_profile(name, key))
            .map_err(to_py)?;
        Ok(crate::profile::PyProfile { inner })
    }

    /// The keys data set `name` has profiles under, sorted.
    fn profile_keys(&self, py: Python<'_>, name: &str) -> PyResult<Vec<String>> {
        py.detach(|| self.inner.profile_keys(name)).map_err(to_py)
    }

    /// The profile of the union of the slices saved under `keys`, merged
    /// without the data.
    fn merge_profiles(
        &self,
        py: Python<'_>,
        name: &str,
        keys: Vec<String>,
    ) -> PyResult<crate::profile::PyProfile> {
        let inner = py
            .detach(|| self.inner.merge_profiles(name, &keys))
            .map_err(to_py)?;
        Ok(crate::profile::PyProfile { inner })
    }

    // Session 14, lane A: retention, garbage collection and fsck.

    /// Expires the versions of an asset that `keep_last` / `keep_within`
    /// (a duration: `"30d"`, seconds, or a `timedelta`) do not keep; aliased,
    /// tagged, lineage-referenced and pinned versions and the newest are
    /// kept. Returns the version numbers expired.
    #[pyo3(signature = (kind, name, keep_last = None, keep_within = None, reason = None))]
    fn expire(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        keep_last: Option<u64>,
        keep_within: Option<&Bound<'_, PyAny>>,
        reason: Option<&str>,
    ) -> PyResult<Vec<u64>> {
        let k = self::kind(kind)?;
        let rule = mlops_core::registry::Retention {
            keep_last,
            keep_within: keep_within.map(duration).transpose()?,
        };
        let inner = why(&self.inner, reason);
        py.detach(|| inner.expire(k, name, &rule)).map_err(to_py)
    }

    /// Pins a version (kept by every retention rule), or with `unpin`
    /// unpins it.
    #[pyo3(signature = (kind, name, version, unpin = false, reason = None))]
    fn pin(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        version: u64,
        unpin: bool,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let k = self::kind(kind)?;
        let inner = why(&self.inner, reason);
        py.detach(|| inner.pin(k, name, version, !unpin))
            .map_err(to_py)
    }

    /// A garbage collection plan (a dry run) as a dict: `items` (each
    /// `hash`, `bytes`, `reason`), `count`, `bytes`. `grace` is a duration
    /// (default 7 days); below an hour it needs `unsafe=True`.
    #[pyo3(signature = (grace = None, r#unsafe = false))]
    fn gc_plan<'py>(
        &self,
        py: Python<'py>,
        grace: Option<&Bound<'py, PyAny>>,
        r#unsafe: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let grace = match grace {
            Some(g) => duration(g)?,
            None => mlops_core::gc::DEFAULT_GRACE,
        };
        let plan = py
            .detach(|| self.inner.gc_plan(grace, r#unsafe))
            .map_err(to_py)?;
        convert::to_python(py, &plan)
    }

    /// Deletes what a plan (a dict from `gc_plan`, or its JSON text) lists
    /// that is still unreferenced and old enough; returns `count`, `bytes`
    /// and `skipped`.
    fn gc_apply<'py>(
        &self,
        py: Python<'py>,
        plan: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = match plan.extract::<String>() {
            Ok(t) => t,
            Err(_) => crate::args::json(plan, "plan")?.to_string(),
        };
        let plan = mlops_core::gc::GcPlan::from_json(&text).map_err(to_py)?;
        let done = py.detach(|| self.inner.gc_apply(&plan)).map_err(to_py)?;
        convert::to_python(py, &done)
    }

    /// Orphans (blobs nothing names, with their bytes) and missing blobs
    /// (named but absent), as a dict with `ok`.
    fn fsck<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let f = py.detach(|| self.inner.fsck()).map_err(to_py)?;
        let mut v = serde_json::to_value(&f).expect("fsck serialises");
        v["ok"] = serde_json::Value::Bool(f.ok());
        convert::to_python(py, &v)
    }

    fn __repr__(&self) -> String {
        format!(
            "<mlops.Registry {} as {}>",
            self.inner.store().url(),
            self.inner.principal()
        )
    }

    /// What changed in the folder `path` since a version of an asset added
    /// from a folder, as a `TreeDiff` (only files whose stat changed are read).
    #[pyo3(signature = (kind, name, path, reference = None))]
    fn status(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        path: std::path::PathBuf,
        reference: Option<&str>,
    ) -> PyResult<convert::TreeDiff> {
        let k = self::kind(kind)?;
        let d = py
            .detach(|| {
                self.inner
                    .status(k, name, unset::reference(reference), &path)
            })
            .map_err(to_py)?;
        convert::TreeDiff::of(py, &d)
    }

    /// Restores a version of an asset added from a folder into `dest`,
    /// byte-identical; returns a `Checkout` (files, written, bytes).
    #[pyo3(signature = (kind, name, dest, reference = None))]
    fn checkout(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        dest: std::path::PathBuf,
        reference: Option<&str>,
    ) -> PyResult<convert::Checkout> {
        let k = self::kind(kind)?;
        let c = py
            .detach(|| {
                self.inner
                    .checkout(k, name, unset::reference(reference), &dest)
            })
            .map_err(to_py)?;
        convert::Checkout::of(py, &c)
    }

    /// What changed, per path, between two versions of an asset added from
    /// folders, as a `TreeDiff`.
    fn diff_files(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        a: &str,
        b: &str,
    ) -> PyResult<convert::TreeDiff> {
        let k = self::kind(kind)?;
        let d = py
            .detach(|| self.inner.diff_files(k, name, a, b))
            .map_err(to_py)?;
        convert::TreeDiff::of(py, &d)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRegistry>()
}

/// A duration from Python: text (`"7d"`, `"90m"`), a number of seconds, or
/// a `datetime.timedelta`.
fn duration(v: &Bound<'_, PyAny>) -> PyResult<std::time::Duration> {
    if let Ok(text) = v.extract::<String>() {
        return mlops_core::clock::parse_duration(&text).map_err(to_py);
    }
    let secs: f64 = match v.call_method0("total_seconds") {
        Ok(s) => s.extract()?,
        Err(_) => v.extract().map_err(|_| {
            to_py(mlops_core::Error::InvalidInput(
                "a duration is text such as '7d', a number of seconds or a timedelta".into(),
            ))
        })?,
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(to_py(mlops_core::Error::InvalidInput(format!(
            "duration {secs}s: must be finite and not negative"
        ))));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}
