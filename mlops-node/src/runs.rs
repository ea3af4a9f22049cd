//! Runs for Node: `NativeRun` (a run being written: `log`, `logTable`,
//! `logParams`, `setTags`, `useAsset`, `recordOutput`, `logModel`,
//! `logArtifact`, `flush`, `end`, `history`, `info`) and the registry's run
//! calls (`runStart`, `runInfo`, `runList`, `runHistory`, `runVerify`).
//! The JavaScript layer (`lib/runs.js`) adds `startRun`, the `Run` and
//! `RunInfo` classes and the process's exit hook.
//!
//! `log` is synchronous: it only appends to the run's buffer in Rust (the
//! core's flusher thread writes the segments), so a training loop pays no
//! Promise per point. Every other call does I/O and runs on the libuv
//! thread pool.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use mlops_core::registry::{Kind, Registry};
use mlops_core::runs::{HistoryOptions, Run, RunOptions, RunStatus, StartRun};
use mlops_core::Error;
use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use crate::convert;
use crate::error::guard;
use crate::profile::BorrowedBytes;
use crate::registry::NativeRegistry;
use crate::task::{job, Job};

/// A whole number from JavaScript (exact below 2^53), named `what` in errors.
fn whole(what: &str, x: f64, min: f64) -> mlops_core::Result<f64> {
    if x.is_finite() && x.fract() == 0.0 && x >= min && x.abs() <= 9_007_199_254_740_992.0 {
        Ok(x)
    } else {
        Err(Error::InvalidInput(format!(
            "{what}: {x} is not a whole number{}",
            if min > f64::MIN {
                format!(" of {min} or more")
            } else {
                String::new()
            }
        )))
    }
}

/// An asset version number from JavaScript.
fn version(x: f64) -> mlops_core::Result<u64> {
    Ok(whole("version", x, 1.0)? as u64)
}

/// How a run is started from JavaScript: `StartRun`'s fields, unset ones
/// left to the core's `Default`.
#[napi(object)]
pub struct StartRunOptions {
    /// The experiment (the core's default experiment when unset).
    pub experiment: Option<String>,
    /// A name for people.
    pub name: Option<String>,
    /// The id of the run it is nested in.
    pub parent: Option<String>,
    /// Parameters, as JSON text of an object.
    pub params: Option<String>,
    /// Tags.
    pub tags: Option<HashMap<String, String>>,
    /// Points held before a flush.
    pub flush_points: Option<f64>,
    /// The longest a point waits before it is written, in seconds.
    pub flush_interval: Option<f64>,
    /// Whether the end rewrites the run's segments as one file.
    pub compact: Option<bool>,
    /// Whether the machine's CPU, memory, disk and network are sampled
    /// into the run (`system/...` keys; off when unset).
    pub system_metrics: Option<bool>,
    /// How often they are sampled, in seconds (the core's default when unset).
    pub system_metrics_interval: Option<f64>,
    /// The monitor's retrain request the run answers (`monitor:<name>@<seq>`).
    pub cause: Option<String>,
}

/// A number of seconds from JavaScript (`what` names it in errors).
fn seconds(what: &str, s: f64) -> mlops_core::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| Error::InvalidInput(format!("{what}: {s} is not a number of seconds")))
}

/// JSON text from JavaScript as a value (`what` names it in errors).
fn json(what: &str, text: &str) -> mlops_core::Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| Error::InvalidInput(format!("{what}: {e}")))
}

impl StartRunOptions {
    fn into_core(self) -> mlops_core::Result<StartRun> {
        let mut options = RunOptions::default();
        if let Some(n) = self.flush_points {
            options.flush_points = whole("flushPoints", n, 0.0)? as usize;
        }
        if let Some(s) = self.flush_interval {
            options.flush_interval = seconds("flushInterval", s)?;
        }
        if let Some(c) = self.compact {
            options.compact_on_end = c;
        }
        if let Some(on) = self.system_metrics {
            options.system_metrics = on;
        }
        if let Some(s) = self.system_metrics_interval {
            options.system_metrics_interval = seconds("systemMetricsInterval", s)?;
        }
        Ok(StartRun {
            experiment: self.experiment,
            name: self.name,
            parent: self.parent,
            params: self
                .params
                .as_deref()
                .map(|p| json("params", p))
                .transpose()?,
            tags: self.tags.unwrap_or_default().into_iter().collect(),
            command: None,
            options,
            cause: self.cause.as_deref().map(str::parse).transpose()?,
        })
    }
}

/// The metrics of one `log` call, read from a plain object (own enumerable
/// string keys): the keys' text end to end, and per key its end in the
/// text and its value. A value that is not a number is kept as the error
/// naming its key, reported before anything of the call is logged.
pub struct Metrics {
    text: String,
    points: Vec<(usize, f64)>,
    error: Option<Error>,
}

impl Metrics {
    fn refused(e: Error) -> Self {
        Metrics {
            text: String::new(),
            points: Vec::new(),
            error: Some(e),
        }
    }

    /// The (key, value) pairs (once `error` is known to be `None`).
    fn pairs(&self) -> Vec<(&str, f64)> {
        let mut start = 0;
        self.points
            .iter()
            .map(|&(end, v)| {
                let k = &self.text[start..end];
                start = end;
                (k, v)
            })
            .collect()
    }
}

/// `status` as a napi result (a failed napi call is an engine bug here:
/// every value it is given has been checked).
fn ok(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            napi::Status::GenericFailure,
            format!("reading a log call's arguments: {what} failed ({status})"),
        ))
    }
}

/// The JavaScript type of `v`.
///
/// # Safety
/// `env` and `v` must be napi's, for the current call.
unsafe fn type_of(env: sys::napi_env, v: sys::napi_value) -> napi::Result<sys::napi_valuetype> {
    let mut t = 0;
    // SAFETY: per this function's contract.
    ok(unsafe { sys::napi_typeof(env, v, &mut t) }, "napi_typeof")?;
    Ok(t)
}

/// A JavaScript type's name, for messages.
fn type_name(t: sys::napi_valuetype) -> &'static str {
    use sys::ValueType as T;
    match t {
        T::napi_undefined => "undefined",
        T::napi_null => "null",
        T::napi_boolean => "a boolean",
        T::napi_number => "a number",
        T::napi_string => "a string",
        T::napi_symbol => "a symbol",
        T::napi_function => "a function",
        T::napi_bigint => "a bigint",
        _ => "an object",
    }
}

/// Appends the text of the JavaScript string `k` to `text`: one copy
/// through a buffer on the stack for keys of ordinary length.
///
/// # Safety
/// `env` and `k` (a string) must be napi's, for the current call.
unsafe fn push_str(env: sys::napi_env, k: sys::napi_value, text: &mut String) -> napi::Result<()> {
    let mut buf = [0u8; 1024];
    let mut len = 0usize;
    // SAFETY: per this function's contract; napi writes at most
    // `buf.len() - 1` bytes and a NUL.
    ok(
        unsafe {
            sys::napi_get_value_string_utf8(env, k, buf.as_mut_ptr().cast(), buf.len(), &mut len)
        },
        "napi_get_value_string_utf8",
    )?;
    if len + 1 < buf.len() {
        text.push_str(&String::from_utf8_lossy(&buf[..len]));
    } else {
        // Possibly cut short: read it whole.
        // SAFETY: per this function's contract.
        text.push_str(&unsafe { String::from_napi_value(env, k)? });
    }
    Ok(())
}

impl FromNapiValue for Metrics {
    unsafe fn from_napi_value(env: sys::napi_env, obj: sys::napi_value) -> napi::Result<Self> {
        // SAFETY (every call below): `env` and `obj` are napi's, for this
        // call, and each value read is used within it.
        let t = unsafe { type_of(env, obj)? };
        if t != sys::ValueType::napi_object {
            return Ok(Metrics::refused(Error::InvalidInput(format!(
                "metrics: {} is not an object of key → number",
                type_name(t)
            ))));
        }
        let mut names = std::ptr::null_mut();
        ok(
            unsafe {
                sys::napi_get_all_property_names(
                    env,
                    obj,
                    sys::KeyCollectionMode::own_only,
                    sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                    sys::KeyConversion::numbers_to_strings,
                    &mut names,
                )
            },
            "napi_get_all_property_names",
        )?;
        let mut n = 0u32;
        ok(
            unsafe { sys::napi_get_array_length(env, names, &mut n) },
            "napi_get_array_length",
        )?;
        let mut out = Metrics {
            text: String::with_capacity(16 * n as usize),
            points: Vec::with_capacity(n as usize),
            error: None,
        };
        for i in 0..n {
            let mut k = std::ptr::null_mut();
            ok(
                unsafe { sys::napi_get_element(env, names, i, &mut k) },
                "napi_get_element",
            )?;
            let start = out.text.len();
            unsafe { push_str(env, k, &mut out.text)? };
            let mut v = std::ptr::null_mut();
            ok(
                unsafe { sys::napi_get_property(env, obj, k, &mut v) },
                "napi_get_property",
            )?;
            let mut x = 0.0;
            if unsafe { sys::napi_get_value_double(env, v, &mut x) } != sys::Status::napi_ok {
                let t = unsafe { type_of(env, v)? };
                return Ok(Metrics::refused(Error::InvalidInput(format!(
                    "metric '{}': {} is not a number",
                    mlops_core::text::clip(&out.text[start..], 80),
                    type_name(t)
                ))));
            }
            out.points.push((out.text.len(), x));
        }
        Ok(out)
    }
}

impl TypeName for Metrics {
    fn type_name() -> &'static str {
        "Record<string, number>"
    }

    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

/// The step of a `log` call: a whole number, or the error naming it.
pub struct Step(mlops_core::Result<i64>);

impl FromNapiValue for Step {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> napi::Result<Self> {
        let mut x = 0.0;
        // SAFETY: `env` and `v` are napi's, for this call.
        if unsafe { sys::napi_get_value_double(env, v, &mut x) } != sys::Status::napi_ok {
            let t = unsafe { type_of(env, v)? };
            return Ok(Step(Err(Error::InvalidInput(format!(
                "step: {} is not a whole number",
                type_name(t)
            )))));
        }
        Ok(Step(whole("step", x, f64::MIN).map(|s| s as i64)))
    }
}

impl TypeName for Step {
    fn type_name() -> &'static str {
        "number"
    }

    fn value_type() -> napi::ValueType {
        napi::ValueType::Number
    }
}

/// The context of a `log` call: unset (undefined or null), a string, or
/// the error naming it.
pub struct Context(mlops_core::Result<Option<String>>);

impl FromNapiValue for Context {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: `env` and `v` are napi's, for this call.
        let t = unsafe { type_of(env, v)? };
        Ok(Context(match t {
            sys::ValueType::napi_undefined | sys::ValueType::napi_null => Ok(None),
            sys::ValueType::napi_string => {
                let mut s = String::new();
                unsafe { push_str(env, v, &mut s)? };
                Ok(Some(s))
            }
            other => Err(Error::InvalidInput(format!(
                "context: {} is not a string",
                type_name(other)
            ))),
        }))
    }
}

impl TypeName for Context {
    fn type_name() -> &'static str {
        "string | undefined"
    }

    fn value_type() -> napi::ValueType {
        napi::ValueType::String
    }
}

/// The runs of this process that JavaScript holds, by slot: `runLog`
/// finds its run here by number, which costs less than napi's unwrapping
/// of a class instance (`log` is the one call made per point). A slot is
/// freed when its `NativeRun` is collected.
static SLOTS: std::sync::RwLock<Vec<Option<Arc<Run>>>> = std::sync::RwLock::new(Vec::new());

fn slot_of(run: &Arc<Run>) -> u32 {
    let mut slots = SLOTS.write().unwrap_or_else(|p| p.into_inner());
    let at = match slots.iter().position(Option::is_none) {
        Some(i) => i,
        None => {
            slots.push(None);
            slots.len() - 1
        }
    };
    slots[at] = Some(run.clone());
    at as u32
}

/// Logs `metrics` (key → number) at `step` (a whole number), with an
/// optional `context`, into the run in `slot` (`NativeRun.slot`).
/// Synchronous: the points are buffered by the engine.
#[napi(
    ts_args_type = "slot: number, metrics: Record<string, number>, step: number, context?: string | null"
)]
pub fn run_log(
    slot: u32,
    mut metrics: Metrics,
    step: Step,
    context: Context,
) -> crate::error::Result<()> {
    let run = SLOTS
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(slot as usize)
        .cloned()
        .flatten();
    guard(|| {
        let run = run.ok_or_else(|| Error::InvalidInput(format!("no run in slot {slot}")))?;
        if let Some(e) = metrics.error.take() {
            return Err(e);
        }
        run.log(&metrics.pairs(), step.0?, context.0?.as_deref())
    })
}

/// A run being written (see `Run` in `lib/runs.js`).
#[napi(js_name = "NativeRun")]
pub struct NativeRun {
    inner: Arc<Run>,
    registry: Registry,
    slot: u32,
}

impl NativeRun {
    fn new(run: Run, registry: Registry) -> Self {
        let inner = Arc::new(run);
        let slot = slot_of(&inner);
        NativeRun {
            inner,
            registry,
            slot,
        }
    }
}

impl Drop for NativeRun {
    fn drop(&mut self) {
        let taken = SLOTS
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(self.slot as usize)
            .and_then(Option::take);
        // The run itself ends (or is let go) when its last handle is dropped.
        drop(taken);
    }
}

#[napi]
impl NativeRun {
    /// The run's id.
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// Whether this handle writes no more (the run ended, or was let go).
    #[napi(getter)]
    pub fn ended(&self) -> bool {
        self.inner.is_stopped()
    }

    /// The run's slot, for `runLog`.
    #[napi(getter)]
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// Logs a table of points (Arrow IPC bytes: `key`, `step`, `value`,
    /// optional `time` and `context`), all of it or, on an error naming the
    /// column and row, none of it.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn log_table(&self, data: Buffer) -> AsyncTask<Job<()>> {
        let run = self.inner.clone();
        job(move || {
            let reader = mlops_core::io::read_ipc_bytes(BorrowedBytes(data))?;
            let schema = reader.schema();
            let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
            // One batch, so that a bad row anywhere refuses the whole table.
            let batch = match batches.len() {
                1 => batches.into_iter().next().expect("one batch"),
                _ => arrow::compute::concat_batches(&schema, &batches)?,
            };
            run.log_table(&batch)
        })
    }

    /// Adds parameters (JSON text of an object); add-only.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn log_params(&self, params: String) -> AsyncTask<Job<()>> {
        let run = self.inner.clone();
        job(move || run.log_params(&json("params", &params)?))
    }

    /// Sets tags (a null value removes one).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn set_tags(&self, tags: HashMap<String, Option<String>>) -> AsyncTask<Job<()>> {
        let run = self.inner.clone();
        let tags: BTreeMap<String, Option<String>> = tags.into_iter().collect();
        job(move || run.set_tags(&tags))
    }

    /// Records that the run used version `version` of asset `name`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn use_asset(&self, kind: String, name: String, version: f64) -> AsyncTask<Job<()>> {
        let run = self.inner.clone();
        job(move || run.use_asset(kind.parse::<Kind>()?, &name, self::version(version)?))
    }

    /// Records that the run made version `version` of asset `name`, and the
    /// lineage from the run's inputs on the asset's side.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn record_output(&self, kind: String, name: String, version: f64) -> AsyncTask<Job<()>> {
        let run = self.inner.clone();
        job(move || run.record_output(kind.parse::<Kind>()?, &name, self::version(version)?))
    }

    /// Registers the package at `path` as the next version of model `name`
    /// and records it as the run's output; resolves to the version.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn log_model(
        &self,
        path: String,
        name: String,
        message: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let run = self.inner.clone();
        job(move || {
            let p = mlops_core::package::Package::load(&path)?;
            let v = run.log_model(&p, &name, mlops_core::unset::message(message.as_deref()))?;
            Ok(v as f64)
        })
    }

    /// Stores the file at `path` with the run (as `name`, else its file name).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn log_artifact(&self, path: String, name: Option<String>) -> AsyncTask<Job<()>> {
        let run = self.inner.clone();
        job(move || run.log_artifact(std::path::Path::new(&path), name.as_deref()))
    }

    /// Writes every buffered point now.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn flush(&self) -> AsyncTask<Job<()>> {
        let run = self.inner.clone();
        job(move || run.flush())
    }

    /// Ends the run: `finished`, `failed` or `killed`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn end(&self, status: String, exit_code: Option<i32>) -> AsyncTask<Job<()>> {
        let run = self.inner.clone();
        job(move || run.end(status.parse::<RunStatus>()?, exit_code))
    }

    /// What the process's exit does to a run still open (the JavaScript
    /// layer's `'exit'` hook, as Python's `atexit` one), synchronously:
    /// ends it `finished` if this process started it and it has not ended
    /// (a run attached to is flushed and let go); again, nothing.
    #[napi]
    pub fn finish_at_exit(&self) -> crate::error::Result<()> {
        guard(|| self.inner.finish(RunStatus::Finished))
    }

    /// The points of series `key` of this run (see `runHistory`).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn history(
        &self,
        key: String,
        context: Option<String>,
        downsample: Option<f64>,
    ) -> AsyncTask<Job<Buffer>> {
        history(
            self.registry.clone(),
            self.inner.id().to_string(),
            key,
            context,
            downsample,
        )
    }

    /// What is known of the run now.
    #[napi(ts_return_type = "Promise<RunInfo>")]
    pub fn info(&self) -> AsyncTask<Job<convert::RunInfo>> {
        let (r, id) = (self.registry.clone(), self.inner.id().to_string());
        job(move || Ok(r.run(&id)?.into()))
    }
}

/// A series' history as Arrow IPC stream bytes.
fn history(
    r: Registry,
    id: String,
    key: String,
    context: Option<String>,
    downsample: Option<f64>,
) -> AsyncTask<Job<Buffer>> {
    job(move || {
        let o = HistoryOptions {
            context,
            downsample: downsample
                .map(|d| whole("downsample", d, 0.0).map(|d| d as usize))
                .transpose()?,
        };
        let b = r.run_history(&id, &key, &o)?;
        let mut out = Vec::new();
        {
            let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &b.schema())?;
            w.write(&b)?;
            w.finish()?;
        }
        Ok(out.into())
    })
}

/// Starts a run in `registry`; resolves to it.
#[napi(ts_return_type = "Promise<NativeRun>")]
pub fn run_start(registry: &NativeRegistry, options: StartRunOptions) -> AsyncTask<Job<NativeRun>> {
    let r = registry.inner.clone();
    job(move || {
        let run = r.start_run(options.into_core()?)?;
        Ok(NativeRun::new(run, r))
    })
}

/// Run `id`: what is known of it.
#[napi(ts_return_type = "Promise<RunInfo>")]
pub fn run_info(registry: &NativeRegistry, id: String) -> AsyncTask<Job<convert::RunInfo>> {
    let r = registry.inner.clone();
    job(move || Ok(r.run(&id)?.into()))
}

/// Every run (of `experiment`, when given), newest first.
#[napi(ts_return_type = "Promise<RunInfo[]>")]
pub fn run_list(
    registry: &NativeRegistry,
    experiment: Option<String>,
) -> AsyncTask<Job<Vec<convert::RunInfo>>> {
    let r = registry.inner.clone();
    job(move || {
        Ok(r.runs(experiment.as_deref())?
            .into_iter()
            .map(Into::into)
            .collect())
    })
}

/// The points of series `key` of run `id`, as Arrow IPC stream bytes
/// (`step`, `time`, `value`, `context`) ordered by (step, time).
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn run_history(
    registry: &NativeRegistry,
    id: String,
    key: String,
    context: Option<String>,
    downsample: Option<f64>,
) -> AsyncTask<Job<Buffer>> {
    history(registry.inner.clone(), id, key, context, downsample)
}

/// The runs matching `query` as Arrow IPC stream bytes of the runs table
/// (a row per run, a column per param and summary).
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn run_search(registry: &NativeRegistry, query: String) -> AsyncTask<Job<Buffer>> {
    let r = registry.inner.clone();
    job(move || {
        let b = mlops_core::runs::runs_table(&r.search_runs(&query)?)?;
        let mut out = Vec::new();
        {
            let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &b.schema())?;
            w.write(&b)?;
            w.finish()?;
        }
        Ok(out.into())
    })
}

/// 2 to 10 runs side by side.
#[napi(ts_return_type = "Promise<RunComparison>")]
pub fn run_compare(
    registry: &NativeRegistry,
    ids: Vec<String>,
) -> AsyncTask<Job<convert::RunComparison>> {
    let r = registry.inner.clone();
    job(move || Ok(r.compare_runs(&ids)?.into()))
}

/// The comparison of runs `ids` as one self-contained HTML page.
#[napi(ts_return_type = "Promise<string>")]
pub fn run_compare_html(registry: &NativeRegistry, ids: Vec<String>) -> AsyncTask<Job<String>> {
    let r = registry.inner.clone();
    job(move || r.compare_runs_html(&ids))
}

/// Checks run `id`; resolves to its number of points.
#[napi(ts_return_type = "Promise<number>")]
pub fn run_verify(registry: &NativeRegistry, id: String) -> AsyncTask<Job<f64>> {
    let r = registry.inner.clone();
    job(move || Ok(r.verify_run(&id)? as f64))
}

/// Writes the table of the runs matching `query` to the Parquet file
/// `path`; resolves to the number of runs.
#[napi(ts_return_type = "Promise<number>")]
pub fn runs_export_parquet(
    registry: &NativeRegistry,
    path: String,
    query: Option<String>,
) -> AsyncTask<Job<f64>> {
    let r = registry.inner.clone();
    job(move || Ok(r.export_runs_parquet(query.as_deref(), std::path::Path::new(&path))? as f64))
}

/// Writes the run table anew from every run's log; resolves to its rows.
#[napi(ts_return_type = "Promise<number>")]
pub fn runs_rebuild_table(registry: &NativeRegistry) -> AsyncTask<Job<f64>> {
    let r = registry.inner.clone();
    job(move || Ok(r.rebuild_run_table()? as f64))
}

/// Writes run `id`'s series as TensorBoard event files under `dir`;
/// resolves to the files written.
#[napi(ts_return_type = "Promise<string[]>")]
pub fn run_export_tensorboard(
    registry: &NativeRegistry,
    id: String,
    dir: String,
) -> AsyncTask<Job<Vec<String>>> {
    let r = registry.inner.clone();
    job(move || {
        Ok(r.export_run_tensorboard(&id, std::path::Path::new(&dir))?
            .iter()
            .map(|f| f.display().to_string())
            .collect())
    })
}

/// Reads TensorBoard event files (a file, or a directory) into a new run;
/// resolves to its id.
#[napi(ts_return_type = "Promise<string>")]
pub fn run_import_tensorboard(
    registry: &NativeRegistry,
    path: String,
    experiment: Option<String>,
    name: Option<String>,
    tags: Option<std::collections::HashMap<String, String>>,
) -> AsyncTask<Job<String>> {
    let r = registry.inner.clone();
    let o = mlops_core::runs::ImportTensorboard {
        experiment,
        name,
        tags: tags.unwrap_or_default().into_iter().collect(),
    };
    job(move || r.import_tensorboard(std::path::Path::new(&path), &o))
}

/// What an MLflow import did (`mlops_core::runs::MlflowImport`): MLflow
/// run id → run id.
#[napi(object)]
pub struct MlflowImport {
    /// The runs imported now.
    pub imported: std::collections::HashMap<String, String>,
    /// The runs skipped, imported before.
    pub skipped: std::collections::HashMap<String, String>,
}

/// Imports the runs of an MLflow tracking store (an `mlruns` folder or
/// `sqlite:///mlflow.db`).
#[napi(ts_return_type = "Promise<MlflowImport>")]
pub fn run_import_mlflow(
    registry: &NativeRegistry,
    source: String,
    experiment: Option<String>,
) -> AsyncTask<Job<MlflowImport>> {
    let r = registry.inner.clone();
    let o = mlops_core::runs::ImportMlflow { experiment };
    job(move || {
        let rep = r.import_mlflow(&source, &o)?;
        Ok(MlflowImport {
            imported: rep.imported.into_iter().collect(),
            skipped: rep.skipped.into_iter().collect(),
        })
    })
}

/// Lets the engine end this process's runs on SIGTERM although Node has
/// its own SIGTERM handler (which only restores the terminal and dies of
/// the signal again): see `mlops_core::runs::take_over_sigterm`. The
/// JavaScript layer calls it while the program has no `'SIGTERM'` listener.
#[napi]
pub fn runs_take_over_sigterm() {
    mlops_core::runs::take_over_sigterm();
}
