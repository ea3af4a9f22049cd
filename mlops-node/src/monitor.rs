//! Production monitoring for Node: `NativeMonitor` (a monitor open for
//! logging: `logIpc`/`logPath`, `logLabelsIpc`/`logLabelsPath`, `flush`,
//! `setClock`, `results`, `state`) and the registry's calls
//! (`monitorOpen`, `monitorNames`). The JavaScript layer (`lib/monitor.js`)
//! adds `monitor`, the `Monitor` class and the process's exit hook.
//!
//! Logging profiles the rows, so every call but `setClock` and the getters
//! runs on the libuv thread pool.

use std::sync::Arc;

use mlops_core::monitor::{self, LabelsLogged, Monitor, NewMonitor};
use mlops_core::registry::Kind;
use mlops_core::Error;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::guard;
use crate::profile::BorrowedBytes;
use crate::registry::NativeRegistry;
use crate::task::{job, Job};

/// A whole number from JavaScript (exact below 2^53), named `what` in errors.
fn whole(what: &str, x: f64) -> mlops_core::Result<i64> {
    if x.is_finite() && x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0 {
        Ok(x as i64)
    } else {
        Err(Error::InvalidInput(format!(
            "{what}: {x} is not a whole number"
        )))
    }
}

/// How a monitor is opened or created from JavaScript: `NewMonitor`'s
/// fields, unset ones left to the core.
#[napi(object)]
pub struct MonitorOptions {
    /// `[name, version]` or `['dataset', name, version]`, as text.
    pub reference: Option<Vec<String>>,
    /// Window length (`'1h'`).
    pub window: Option<String>,
    /// The event-time column (required to create one).
    pub timestamp: Option<String>,
    /// The prediction column.
    pub prediction: Option<String>,
    /// The label column.
    pub target: Option<String>,
    /// The prediction id column.
    pub id: Option<String>,
    /// Segment columns.
    pub segments: Option<Vec<String>>,
    /// The most segments kept apart.
    pub max_segments: Option<f64>,
    /// How long after its end a window takes late rows (`'48h'`).
    pub allowed_lateness: Option<String>,
    /// How far past the clock an event time may be (`'5m'`).
    pub future_tolerance: Option<String>,
    /// How long kept predictions wait for labels (`'30d'`).
    pub prediction_retention: Option<String>,
    /// `binary`, `multiclass` or `regression`.
    pub task: Option<String>,
    /// The positive-class threshold of binary scores.
    pub threshold: Option<f64>,
    /// Drift options.
    pub drift: Option<crate::convert::DriftOptions>,
    /// A validation suite (its JSON) every window is checked with.
    pub suite: Option<String>,
}

impl MonitorOptions {
    fn into_core(self) -> mlops_core::Result<NewMonitor> {
        let reference = match self.reference {
            None => None,
            Some(r) => Some(match <[String; 2]>::try_from(r) {
                Ok([name, version]) => (name, version),
                Err(r) => match <[String; 3]>::try_from(r) {
                    Ok([kind, name, version]) => {
                        if kind.parse::<Kind>()? != Kind::Dataset {
                            return Err(Error::InvalidInput(format!(
                                "monitor option 'reference': a monitor's reference is a dataset, not a {kind}"
                            )));
                        }
                        (name, version)
                    }
                    Err(r) => {
                        return Err(Error::InvalidInput(format!(
                            "monitor option 'reference': expected [name, version] or ['dataset', name, version], got {} items",
                            r.len()
                        )))
                    }
                },
            }),
        };
        let max_segments = match self.max_segments {
            Some(m) => {
                let n = whole("monitor option 'maxSegments'", m)?;
                Some(usize::try_from(n).map_err(|_| {
                    Error::InvalidInput(format!("monitor option 'maxSegments': {m} is negative"))
                })?)
            }
            None => None,
        };
        Ok(NewMonitor {
            reference,
            window: self.window,
            timestamp: self.timestamp.unwrap_or_default(),
            prediction: self.prediction,
            target: self.target,
            id: self.id,
            segments: self.segments.unwrap_or_default(),
            max_segments,
            allowed_lateness: self.allowed_lateness,
            future_tolerance: self.future_tolerance,
            prediction_retention: self.prediction_retention,
            task: self.task,
            threshold: self.threshold,
            drift: self.drift.map(TryInto::try_into).transpose()?,
            suite: self
                .suite
                .as_deref()
                .map(mlops_core::validate::Suite::from_json)
                .transpose()?,
        })
    }
}

/// What `logLabels` did with the labels (`mlops_core::monitor::LabelsLogged`).
#[napi(object)]
pub struct LabelsResult {
    /// Labels joined with a kept prediction.
    pub joined: f64,
    /// Labels whose id no kept prediction has.
    pub unknown_ids: f64,
    /// Labels for a prediction that already had one.
    pub duplicates: f64,
    /// Rows with a null id or label.
    pub nulls: f64,
}

impl From<LabelsLogged> for LabelsResult {
    fn from(l: LabelsLogged) -> Self {
        LabelsResult {
            joined: l.joined as f64,
            unknown_ids: l.unknown_ids as f64,
            duplicates: l.duplicates as f64,
            nulls: l.nulls as f64,
        }
    }
}

/// A monitor open for logging (see `Monitor` in `lib/monitor.js`).
#[napi(js_name = "NativeMonitor")]
pub struct NativeMonitor {
    pub(crate) inner: Arc<Monitor>,
}

/// Every batch of `reader`, logged; the rows placed.
fn log_all(m: &Monitor, reader: mlops_core::io::BoxReader) -> mlops_core::Result<f64> {
    let mut placed = 0;
    for batch in reader {
        placed += m.log(&batch?)?;
    }
    Ok(placed as f64)
}

/// Every batch of `reader` joined as labels, the counts summed.
fn labels_all(m: &Monitor, reader: mlops_core::io::BoxReader) -> mlops_core::Result<LabelsResult> {
    let mut sum = LabelsLogged::default();
    for batch in reader {
        sum += m.log_labels(&batch?)?;
    }
    Ok(sum.into())
}

/// A batch as Arrow IPC stream bytes.
fn ipc(b: &arrow::array::RecordBatch) -> mlops_core::Result<Buffer> {
    let mut out = Vec::new();
    {
        let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &b.schema())?;
        w.write(b)?;
        w.finish()?;
    }
    Ok(out.into())
}

#[napi]
impl NativeMonitor {
    /// The monitor's name.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// Its settings (defaults filled in), as JSON text.
    #[napi]
    pub fn config_json(&self) -> crate::error::Result<String> {
        guard(|| {
            serde_json::to_string(self.inner.config())
                .map_err(|e| Error::InvalidInput(format!("monitor settings: {e}")))
        })
    }

    /// Logs Arrow IPC bytes; resolves to the rows placed in windows.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn log_ipc(&self, data: Buffer) -> AsyncTask<Job<f64>> {
        let m = self.inner.clone();
        job(move || log_all(&m, mlops_core::io::read_ipc_bytes(BorrowedBytes(data))?))
    }

    /// Logs a data file (Parquet, CSV, Arrow IPC); resolves to the rows placed.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn log_path(&self, path: String) -> AsyncTask<Job<f64>> {
        let m = self.inner.clone();
        job(move || log_all(&m, mlops_core::io::read_path(path)?))
    }

    /// Joins labels given as Arrow IPC bytes with the kept predictions.
    #[napi(ts_return_type = "Promise<LabelsResult>")]
    pub fn log_labels_ipc(&self, data: Buffer) -> AsyncTask<Job<LabelsResult>> {
        let m = self.inner.clone();
        job(move || labels_all(&m, mlops_core::io::read_ipc_bytes(BorrowedBytes(data))?))
    }

    /// Joins the labels of a data file with the kept predictions.
    #[napi(ts_return_type = "Promise<LabelsResult>")]
    pub fn log_labels_path(&self, path: String) -> AsyncTask<Job<LabelsResult>> {
        let m = self.inner.clone();
        job(move || labels_all(&m, mlops_core::io::read_path(path)?))
    }

    /// Writes every buffered row now.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn flush(&self) -> AsyncTask<Job<()>> {
        let m = self.inner.clone();
        job(move || m.flush())
    }

    /// What the process's exit does to a monitor still open (the
    /// JavaScript layer's `'exit'` hook), synchronously: flushes it.
    #[napi]
    pub fn flush_at_exit(&self) -> crate::error::Result<()> {
        guard(|| self.inner.flush())
    }

    /// Sets "now" (Unix milliseconds) for the future-date and lateness
    /// checks, or gives them back the system clock (unset).
    #[napi]
    pub fn set_clock(&self, now_ms: Option<f64>) -> crate::error::Result<()> {
        guard(|| {
            let now = now_ms.map(|n| whole("now", n)).transpose()?;
            self.inner.set_clock(now);
            Ok(())
        })
    }

    /// Sets how often the monitor's thread writes what was logged, in
    /// seconds (what a killed process can lose).
    #[napi]
    pub fn set_flush_interval(&self, seconds: f64) -> crate::error::Result<()> {
        guard(|| self.inner.set_flush_interval_secs(seconds))
    }

    /// Flushes, then every (window, segment) evaluated, as Arrow IPC
    /// stream bytes of the results table; `nowMs` decides finality (the
    /// system clock when unset).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn results(&self, now_ms: Option<f64>) -> AsyncTask<Job<Buffer>> {
        let m = self.inner.clone();
        job(move || {
            let now = now_ms.map(|n| whole("now", n)).transpose()?;
            ipc(&monitor::results_table(&m.results(now)?)?)
        })
    }

    /// Flushes, then the monitor's folded log (`MonitorState`) as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn state_json(&self) -> AsyncTask<Job<String>> {
        let m = self.inner.clone();
        job(move || {
            let s = m.state()?;
            serde_json::to_string(&s)
                .map_err(|e| Error::InvalidInput(format!("monitor state: {e}")))
        })
    }

    /// Adds an alert rule; resolves to its name.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn rule(
        &self,
        rule: String,
        name: Option<String>,
        severity: Option<String>,
        cooldown_windows: Option<f64>,
    ) -> AsyncTask<Job<String>> {
        let m = self.inner.clone();
        job(move || {
            let cooldown = cooldown_windows
                .map(|n| whole("cooldownWindows", n))
                .transpose()?
                .map(|n| {
                    u64::try_from(n).map_err(|_| {
                        Error::InvalidInput(format!(
                            "monitor rule option 'cooldownWindows': a whole number >= 0, got {n}"
                        ))
                    })
                })
                .transpose()?;
            m.rule(&rule, name.as_deref(), severity.as_deref(), cooldown)
        })
    }

    /// Sets the webhook retrain requests are posted to, signed with the
    /// secret in environment variable `secret_env` (unset `url`: removes it).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn webhook(&self, url: Option<String>, secret_env: Option<String>) -> AsyncTask<Job<()>> {
        let m = self.inner.clone();
        job(move || m.webhook(url.as_deref(), secret_env.as_deref()))
    }

    /// Flushes, evaluates the rules and logs new state changes; resolves to
    /// the check report as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn check_json(&self, retrain_on: Option<String>) -> AsyncTask<Job<String>> {
        let m = self.inner.clone();
        job(move || {
            let r = m.check(retrain_on.as_deref())?;
            serde_json::to_string(&r)
                .map_err(|e| Error::InvalidInput(format!("monitor check: {e}")))
        })
    }

    /// Flushes, then the Prometheus text (`text` or `openmetrics`).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn prometheus_text(&self, format: Option<String>) -> AsyncTask<Job<String>> {
        let m = self.inner.clone();
        job(move || {
            let format = match format {
                Some(f) => f.parse()?,
                None => Default::default(),
            };
            m.prometheus(format)
        })
    }

    /// Flushes, then writes the dashboard to `path`; resolves to the number
    /// of window reports written beside it.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn report(&self, path: String) -> AsyncTask<Job<f64>> {
        let m = self.inner.clone();
        job(move || Ok(m.write_report(std::path::Path::new(&path))? as f64))
    }
}

/// Opens monitor `name`, creating it with `options` when there is none.
#[napi(ts_return_type = "Promise<NativeMonitor>")]
pub fn monitor_open(
    registry: &NativeRegistry,
    name: String,
    options: MonitorOptions,
) -> AsyncTask<Job<NativeMonitor>> {
    let r = registry.inner.clone();
    job(move || {
        let new = options.into_core()?;
        let m = Arc::new(r.open_or_create_monitor(&name, &new)?);
        // SIGTERM skips 'exit': the engine flushes the monitor then.
        mlops_core::monitor::flush_on_sigterm(&m);
        Ok(NativeMonitor { inner: m })
    })
}

/// The monitors of the registry, by name.
#[napi(ts_return_type = "Promise<string[]>")]
pub fn monitor_names(registry: &NativeRegistry) -> AsyncTask<Job<Vec<String>>> {
    let r = registry.inner.clone();
    job(move || r.monitor_names())
}
