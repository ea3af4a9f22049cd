//! A run being written ([`Run`]): parameters, tags and links go straight to
//! the run's log; metric points are buffered as columns and flushed by a
//! background thread as Parquet segments, one `metrics` event per flush.
//!
//! Flushes happen when the buffer holds [`RunOptions::flush_points`] points
//! (the full buffer is handed to the flusher; when two are already waiting
//! the logging call blocks: back-pressure, so memory stays bounded), every
//! [`RunOptions::flush_interval`], on [`Run::flush`] and on
//! [`Run::end`] (and when a `Run` is dropped). A process killed outright
//! loses at most what it logged since the last flush; the run it leaves
//! reads and verifies, and shows as crashed.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use arrow::array::RecordBatch;

use super::event::{RunChange, RUN_EVENT_FORMAT, RUN_EVENT_VERSION};
use super::segment::{self, Points};
use super::system::Sampler;
use super::{params, RunStatus};
use crate::error::{Error, Result};
use crate::registry::AssetRef;
use crate::registry::{now_ms, Registry};
use crate::store::{Envelope, Tip};

/// How a run buffers and flushes its metric points.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Points held before the buffer is handed to the flusher.
    pub flush_points: usize,
    /// The longest a point waits before it is written.
    pub flush_interval: Duration,
    /// Whether [`Run::end`] rewrites the run's segments as one file.
    pub compact_on_end: bool,
    /// Whether a thread samples the machine's CPU, memory, disk and network
    /// into the run, under MLflow's keys ([`super::SYSTEM_METRIC_KEYS`]).
    /// Off by default.
    pub system_metrics: bool,
    /// How often system metrics are sampled, when on
    /// ([`super::SYSTEM_METRICS_INTERVAL`] by default; at least
    /// [`super::MIN_SYSTEM_METRICS_INTERVAL`]).
    pub system_metrics_interval: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            flush_points: 100_000,
            flush_interval: Duration::from_secs(5),
            compact_on_end: true,
            system_metrics: false,
            system_metrics_interval: super::SYSTEM_METRICS_INTERVAL,
        }
    }
}

/// What a run starts with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartRun {
    /// The experiment ([`super::DEFAULT_EXPERIMENT`] when `None`).
    pub experiment: Option<String>,
    /// A name for people.
    pub name: Option<String>,
    /// The run it is nested in.
    pub parent: Option<String>,
    /// Parameters (a JSON object; see `runs/params.rs`).
    pub params: Option<serde_json::Value>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// The command it runs, for `mlops run exec`.
    pub command: Option<Vec<String>>,
    /// Buffering and flushing.
    pub options: RunOptions,
    /// The monitor's retraining request the run answers, if any (it must
    /// exist; see `monitor/cause.rs`).
    pub cause: Option<crate::monitor::RetrainCause>,
}

/// The buffer and what the flusher has done, behind one lock.
#[derive(Debug, Default)]
struct Buffer {
    points: Points,
    /// Buffers handed to the flusher, and how many of them it has written.
    submitted: u64,
    written: u64,
    /// The first flush failure not yet reported to a caller.
    failure: Option<Error>,
    ended: bool,
}

#[derive(Debug)]
pub(crate) struct Shared {
    registry: Registry,
    /// Whether this process started the run (and so ends it when done).
    owner: bool,
    /// The flusher's queue and thread; `None` once the run is stopped.
    flusher: Mutex<Option<Flusher>>,
    /// The system metrics sampler, when asked for and running.
    sampler: Mutex<Option<Sampler>>,
    id: String,
    log: String,
    buffer: Mutex<Buffer>,
    done: Condvar,
    options: RunOptions,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        // A panic while holding the lock leaves plain data: keep going.
        self.buffer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends `change` to the run's log.
    fn append(&self, change: RunChange) -> Result<()> {
        append(&self.registry, &self.log, change)
    }

    /// Writes one buffer: its segment, then the event naming it.
    fn write(&self, points: Points) -> Result<()> {
        let series = points.summaries();
        let n = points.len() as u64;
        let bytes = segment::encode(&points.to_batch()?)?;
        let size = bytes.len() as u64;
        // A segment a collector removed between finding it stored and the
        // event is stored again: no caller is there to write it again.
        crate::gc::guard::again(|| {
            let (segment, _) = self.registry.store().put_content(bytes.as_slice())?;
            self.append(RunChange::Metrics {
                segment,
                points: n,
                bytes: size,
                series: series.clone(),
            })
        })
    }
}

/// Appends `change` to the run log `log`. A change naming content its
/// writer just stored (a segment, an artifact) is written behind the
/// writers' guard (`gc::guard`): the content may have been found already
/// stored, and a collector may delete it before the event names it.
pub(crate) fn append(registry: &Registry, log: &str, change: RunChange) -> Result<()> {
    let _lease = guard(registry, &change)?;
    registry
        .store()
        .append(log, |tip| event_bytes(registry, tip, change.clone()))?;
    Ok(())
}

/// The lease (and checks) the guard takes for `change`, held until its
/// event is written.
pub(crate) fn guard(registry: &Registry, change: &RunChange) -> Result<crate::gc::lease::Held> {
    crate::gc::guard::hold(
        registry.store(),
        registry.principal(),
        registry.clock(),
        &change.stored(),
        change.what(),
    )
}

/// The bytes of the next event of a run's log.
pub(crate) fn event_bytes(registry: &Registry, tip: &Tip, change: RunChange) -> Result<Vec<u8>> {
    let ev = Envelope {
        format: RUN_EVENT_FORMAT.into(),
        v: RUN_EVENT_VERSION,
        seq: tip.next_seq(),
        prev: tip.prev_hash(),
        time: now_ms(),
        principal: registry.principal().to_string(),
        state: (),
        reason: registry.reason().map(str::to_string),
        change,
    };
    Ok(serde_json::to_vec(&ev).expect("run events serialise"))
}

/// A run being written. Dropping a run this process started ends it
/// ([`RunStatus::Finished`], or [`RunStatus::Failed`] while a panic
/// unwinds) unless it was ended; dropping one attached to
/// ([`Registry::attach_run`]) only flushes it: its owner ends it.
#[derive(Debug)]
pub struct Run {
    shared: Arc<Shared>,
}

/// The flusher thread and the queue that feeds it.
#[derive(Debug)]
struct Flusher {
    queue: SyncSender<Points>,
    thread: JoinHandle<()>,
}

impl Run {
    /// Starts a run: writes its first event (experiment, name, parent, where
    /// it runs), then its parameters and tags, and starts its flusher.
    ///
    /// Inside a command started by `mlops run exec` ([`super::RUN_ID_ENV`]
    /// set), a run started without a parent is that command's run: this
    /// process attaches to it and adds the parameters and tags there.
    pub(crate) fn start(registry: &Registry, start: StartRun) -> Result<Run> {
        if start.parent.is_none() {
            if let Some(id) = std::env::var(super::RUN_ID_ENV)
                .ok()
                .filter(|v| !v.is_empty())
            {
                let run = Run::attach(registry, &id, start.options)?;
                if let Some(p) = &start.params {
                    run.log_params(p)?;
                }
                let tags = start.tags.into_iter().map(|(k, v)| (k, Some(v))).collect();
                run.set_tags(&tags)?;
                run.start_sampler();
                return Ok(run);
            }
        }
        let experiment = start
            .experiment
            .unwrap_or_else(|| super::DEFAULT_EXPERIMENT.to_string());
        crate::registry::check_name(&experiment)
            .map_err(|e| Error::InvalidInput(format!("experiment: {e}")))?;
        if let Some(parent) = &start.parent {
            super::id::check_run_id(parent)?;
            registry.run(parent)?;
        }
        let params = match &start.params {
            Some(p) => params::flatten_params(p)?,
            None => BTreeMap::new(),
        };
        let tags: BTreeMap<String, Option<String>> =
            start.tags.into_iter().map(|(k, v)| (k, Some(v))).collect();
        params::check_tags(&tags)?;
        check_options(&start.options)?;
        if let Some(cause) = &start.cause {
            registry.check_retrain_cause(cause)?;
        }
        let id = super::new_run_id();
        let run = Run::open(registry, &id, start.options, true)?;
        run.shared.append(RunChange::Start {
            experiment,
            name: start.name,
            parent: start.parent,
            source: super::source::this_process(start.command),
            start_time: None,
        })?;
        if !params.is_empty() {
            run.shared.append(RunChange::Params { params })?;
        }
        if !tags.is_empty() {
            run.shared.append(RunChange::Tags { tags })?;
        }
        if let Some(cause) = start.cause {
            run.shared.append(RunChange::Cause {
                cause: cause.clone(),
            })?;
            registry.record_retrained(&cause, Some(&id), None)?;
        }
        run.start_sampler();
        Ok(run)
    }

    /// Opens run `id` (which must exist and not have ended) for writing from
    /// this process too: points, parameters, tags and links it logs are
    /// added to the run's log beside the other writers'.
    pub(crate) fn attach(registry: &Registry, id: &str, options: RunOptions) -> Result<Run> {
        check_options(&options)?;
        let info = registry.run(id)?;
        if info.end_time.is_some() {
            return Err(Error::Conflict(format!(
                "run {id} has ended ({}): it takes no more writes",
                info.status
            )));
        }
        let run = Run::open(registry, id, options, false)?;
        run.start_sampler();
        Ok(run)
    }

    /// Starts the system metrics sampler when the options ask for it: after
    /// the run's first event, so that no points come before it. A sampler
    /// that cannot start leaves the run without system metrics.
    fn start_sampler(&self) {
        if !self.shared.options.system_metrics {
            return;
        }
        let disk = super::system::disk_path(self.shared.registry.store().local_root());
        let sampler = Sampler::start(
            Arc::downgrade(&self.shared),
            self.shared.options.system_metrics_interval,
            disk,
        );
        *self
            .shared
            .sampler
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = sampler;
    }

    /// The handle of run `id` with its flusher running; `owner` when this
    /// process started the run.
    fn open(registry: &Registry, id: &str, options: RunOptions, owner: bool) -> Result<Run> {
        let shared = Arc::new(Shared {
            registry: registry.clone(),
            owner,
            flusher: Mutex::new(None),
            sampler: Mutex::new(None),
            id: id.to_string(),
            log: super::id::run_log(id)?,
            buffer: Mutex::new(Buffer::default()),
            done: Condvar::new(),
            options,
        });
        // Two full buffers may wait; a third blocks the logger.
        let (tx, rx) = mpsc::sync_channel::<Points>(2);
        let worker = shared.clone();
        let flusher = std::thread::Builder::new()
            .name(format!("mlops-run-{}", &id[..8]))
            .spawn(move || flush_loop(&worker, rx))
            .map_err(|e| Error::io("starting the run's flusher thread", e))?;
        *shared.flusher.lock().unwrap_or_else(|p| p.into_inner()) = Some(Flusher {
            queue: tx,
            thread: flusher,
        });
        super::exit::track(&shared);
        Ok(Run { shared })
    }

    /// The run's id.
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// Logs `metrics` (key → value) at `step`, with an optional `context`
    /// (`subset=train`). Any step order and repeated steps are kept; nothing
    /// is dropped or sampled. Keys are checked; a flush failure since the
    /// last call is returned here (its points stay buffered and are written
    /// by the next flush).
    pub fn log(&self, metrics: &[(&str, f64)], step: i64, context: Option<&str>) -> Result<()> {
        for (k, _) in metrics {
            params::check_key("metric", k)?;
        }
        if let Some(c) = context {
            check_context(c)?;
        }
        let time = now_us();
        let full = {
            let mut b = self.shared.writable()?;
            for &(k, v) in metrics {
                b.points.push(k, context, step, time, v);
            }
            self.shared.take_if_full(&mut b)
        };
        self.shared.hand_over(full)
    }

    /// Logs a table of points at once: columns `key` (string), `step`
    /// (integer), `value` (number), and optionally `time` (timestamp, or
    /// Unix microseconds; now when absent) and `context` (string). A column
    /// of another type or a null is an [`Error::InvalidInput`] naming the
    /// column and row.
    pub fn log_table(&self, batch: &RecordBatch) -> Result<()> {
        let cols = super::table::PointColumns::of(batch)?;
        let now = now_us();
        let full = {
            let mut b = self.shared.writable()?;
            cols.push_into(&mut b.points, now)?;
            self.shared.take_if_full(&mut b)
        };
        self.shared.hand_over(full)
    }

    /// Adds parameters (a JSON object, see `runs/params.rs`). A key already
    /// set with the same value is fine; with a different value it is an
    /// [`Error::Conflict`] naming the key and both values (parameters are
    /// add-only: a run's inputs do not change under it).
    pub fn log_params(&self, params: &serde_json::Value) -> Result<()> {
        self.shared.check_open()?;
        let new = params::flatten_params(params)?;
        let mut added = BTreeMap::new();
        let appended = self
            .shared
            .registry
            .store()
            .append(&self.shared.log, |tip| {
                // Read again on every attempt: another writer may have set a key.
                let current = self.shared.registry.run(&self.shared.id)?.params;
                added = added_params(&current, &new)?;
                if added.is_empty() {
                    return Err(Error::AlreadyExists(NOTHING_NEW.into()));
                }
                event_bytes(
                    &self.shared.registry,
                    tip,
                    RunChange::Params {
                        params: added.clone(),
                    },
                )
            });
        match appended {
            Ok(_) => Ok(()),
            Err(Error::AlreadyExists(m)) if m == NOTHING_NEW => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Sets tags (`Some`) or removes them (`None`).
    pub fn set_tags(&self, tags: &BTreeMap<String, Option<String>>) -> Result<()> {
        self.shared.check_open()?;
        params::check_tags(tags)?;
        if tags.is_empty() {
            return Ok(());
        }
        self.shared.append(RunChange::Tags { tags: tags.clone() })
    }

    /// Records that the run used version `version` of data set `name` (which
    /// must exist): [`use_asset`](Self::use_asset) for the commonest input.
    pub fn use_dataset(&self, name: &str, version: u64) -> Result<()> {
        self.use_asset(crate::registry::Kind::Dataset, name, version)
    }

    /// Records that the run used version `version` of asset `name` of `kind`
    /// (which must exist).
    pub fn use_asset(&self, kind: crate::registry::Kind, name: &str, version: u64) -> Result<()> {
        self.shared.check_open()?;
        let v = self
            .shared
            .registry
            .version(kind, name, &version.to_string())?;
        self.shared.append(RunChange::Input {
            asset: AssetRef {
                kind,
                name: name.to_string(),
                version: v.version,
            },
        })
    }

    /// Records that the run made version `version` of asset `name` of `kind`
    /// (which must exist), and the lineage on the asset's side: the version
    /// was made by this run from the run's inputs.
    pub fn record_output(
        &self,
        kind: crate::registry::Kind,
        name: &str,
        version: u64,
    ) -> Result<()> {
        self.shared.check_open()?;
        let info = self.shared.registry.run(&self.shared.id)?;
        let product = AssetRef {
            kind,
            name: name.to_string(),
            version,
        };
        self.shared.registry.record_lineage_caused(
            &product,
            &info.inputs,
            Some(&self.shared.id),
            info.source.git_commit.as_deref(),
            info.cause.as_ref(),
        )?;
        self.shared.append(RunChange::Output { asset: product })
    }

    /// Registers `package` as the next version of model `name` (see
    /// [`Registry::push_package`]) and records it as this run's output,
    /// with the lineage from the run's inputs. Returns the version.
    #[cfg(feature = "package")]
    pub fn log_model(
        &self,
        package: &crate::package::Package,
        name: &str,
        message: &str,
    ) -> Result<u64> {
        // Before the push: an ended run registers no model.
        self.shared.check_open()?;
        let version = self.shared.registry.push_package(package, name, message)?;
        self.record_output(crate::registry::Kind::Model, name, version)?;
        Ok(version)
    }

    /// Stores the file at `path` with the run, under `name` (its file name
    /// when `None`).
    pub fn log_artifact(&self, path: &std::path::Path, name: Option<&str>) -> Result<()> {
        self.shared.check_open()?;
        let name = match name {
            Some(n) => n.to_string(),
            None => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| Error::InvalidInput(format!("{}: not a file", path.display())))?,
        };
        check_artifact_path(&name)?;
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let (content, size) = self
            .shared
            .registry
            .store()
            .put_content(std::io::BufReader::with_capacity(1 << 20, f))?;
        self.shared.append(RunChange::Artifact {
            path: name,
            content,
            size,
        })
    }

    /// Writes every buffered point now and waits until it is in the store;
    /// returns the first flush failure, if any.
    pub fn flush(&self) -> Result<()> {
        self.shared.flush()
    }

    /// Ends the run with `status` (finished, failed or killed; running or
    /// crashed is an [`Error::InvalidInput`]): flushes, stops the flusher,
    /// compacts the segments into one file (when
    /// [`RunOptions::compact_on_end`]) and writes the end event. Ending
    /// twice is an [`Error::Conflict`].
    pub fn end(&self, status: RunStatus, exit_code: Option<i32>) -> Result<()> {
        self.shared.end(status, exit_code)
    }

    /// What leaving a `with` block or a process's exit does: ends the run
    /// with `status` if this process started it (unless it has ended), or,
    /// for a run attached to, flushes it and stops writing. Calling it again
    /// does nothing.
    pub fn finish(&self, status: RunStatus) -> Result<()> {
        self.shared.finish(status)
    }

    /// Whether this handle writes no more (the run ended, or was let go).
    pub fn is_stopped(&self) -> bool {
        self.shared.is_stopped()
    }
}

impl Shared {
    /// Writes every buffered point now and waits until it is in the store;
    /// returns the first flush failure, if any.
    fn flush(&self) -> Result<()> {
        let (target, pending) = {
            let mut b = self.lock();
            if let Some(e) = b.failure.take() {
                return Err(e);
            }
            let pending = (!b.points.is_empty()).then(|| {
                b.submitted += 1;
                std::mem::take(&mut b.points)
            });
            (b.submitted, pending)
        };
        if let Some(p) = pending {
            self.send(p)?;
        }
        let mut b = self.lock();
        while b.written < target {
            b = self.done.wait(b).unwrap_or_else(|p| p.into_inner());
        }
        match b.failure.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Ends the run with `status`: flushes, stops the flusher, compacts the
    /// segments into one file (when [`RunOptions::compact_on_end`]) and
    /// writes the end event. Ending twice is an [`Error::Conflict`].
    fn end(&self, status: RunStatus, exit_code: Option<i32>) -> Result<()> {
        if matches!(status, RunStatus::Running | RunStatus::Crashed) {
            return Err(Error::InvalidInput(format!(
                "run {}: a run ends finished, failed or killed, not {status}",
                self.id
            )));
        }
        if self.lock().ended {
            return Err(Error::Conflict(format!(
                "run {} has already ended",
                self.id
            )));
        }
        self.stop_sampler();
        let flushed = self.flush();
        self.lock().ended = true;
        self.stop_flusher();
        flushed?;
        if self.options.compact_on_end {
            super::compact::compact(&self.registry, &self.id)?;
        }
        self.append(RunChange::End {
            status,
            exit_code,
            end_time: None,
        })
    }

    /// What leaving a `with` block or a process's exit does: ends the run
    /// with `status` if this process started it (unless it has ended), or,
    /// for a run attached to, flushes it and stops writing. Calling it again
    /// does nothing.
    pub(crate) fn finish(&self, status: RunStatus) -> Result<()> {
        if !self.running() {
            return Ok(());
        }
        if self.owner {
            if self.lock().ended {
                self.stop_sampler();
                self.stop_flusher();
                return Ok(());
            }
            return self.end(status, None);
        }
        self.stop_sampler();
        let flushed = self.flush();
        self.lock().ended = true;
        self.stop_flusher();
        flushed
    }

    /// Whether this handle writes no more (the run ended, or was let go).
    fn is_stopped(&self) -> bool {
        !self.running()
    }

    /// Stops the system metrics sampler, if any, and waits for it: its last
    /// sample is in the buffer when this returns.
    fn stop_sampler(&self) {
        let taken = self
            .sampler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(s) = taken {
            s.stop();
        }
    }

    /// Buffers one sample of system metrics at `step` like any logged
    /// points, without taking a flush failure meant for the run's caller.
    /// `false` once the run takes no more points (the sampler then stops).
    pub(crate) fn log_system(&self, sample: &[(&str, f64)], step: i64) -> bool {
        let time = now_us();
        let full = {
            let mut b = self.lock();
            if b.ended {
                return false;
            }
            for &(k, v) in sample {
                b.points.push(k, None, step, time, v);
            }
            self.take_if_full(&mut b)
        };
        self.hand_over(full).is_ok()
    }

    fn stop_flusher(&self) {
        let taken = self
            .flusher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(f) = taken {
            // Closing the queue lets the thread finish its last write and leave.
            drop(f.queue);
            let _ = f.thread.join();
        }
    }

    fn running(&self) -> bool {
        self.flusher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// An [`Error::Conflict`] once this handle writes no more (the run
    /// ended, or was let go): parameters, tags, links and files are not
    /// added to a run that has ended.
    fn check_open(&self) -> Result<()> {
        if self.lock().ended {
            return Err(Error::Conflict(format!("run {} has ended", self.id)));
        }
        Ok(())
    }

    fn writable(&self) -> Result<MutexGuard<'_, Buffer>> {
        let mut b = self.lock();
        if b.ended {
            return Err(Error::Conflict(format!("run {} has ended", self.id)));
        }
        if let Some(e) = b.failure.take() {
            return Err(e);
        }
        Ok(b)
    }

    fn take_if_full(&self, b: &mut Buffer) -> Option<Points> {
        (b.points.len() >= self.options.flush_points).then(|| {
            b.submitted += 1;
            std::mem::take(&mut b.points)
        })
    }

    fn hand_over(&self, full: Option<Points>) -> Result<()> {
        match full {
            Some(p) => self.send(p),
            None => Ok(()),
        }
    }

    fn send(&self, p: Points) -> Result<()> {
        // Clone the sender so the lock is not held while a full queue blocks.
        let queue = self
            .flusher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|f| f.queue.clone())
            .ok_or_else(|| Error::Conflict(format!("run {} has ended", self.id)))?;
        queue
            .send(p)
            .map_err(|_| Error::Conflict(format!("run {}: its flusher has stopped", self.id)))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let status = if std::thread::panicking() {
            RunStatus::Failed
        } else {
            RunStatus::Finished
        };
        // Nowhere to report a failure from a drop; `end` and `finish` report them.
        let _ = self.finish(status);
    }
}

/// The flusher: writes each buffer handed over, and every interval whatever
/// has been logged since; leaves when the run's queue closes.
fn flush_loop(shared: &Shared, rx: Receiver<Points>) {
    loop {
        let (points, counted) = match rx.recv_timeout(shared.options.flush_interval) {
            Ok(p) => (p, true),
            Err(RecvTimeoutError::Timeout) => {
                let mut b = shared.lock();
                if b.points.is_empty() {
                    continue;
                }
                (std::mem::take(&mut b.points), false)
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let result = shared.write(points);
        let mut b = shared.lock();
        if counted {
            b.written += 1;
        }
        if let Err(e) = result {
            b.failure.get_or_insert(e);
        }
        shared.done.notify_all();
    }
}

fn check_options(o: &RunOptions) -> Result<()> {
    if o.flush_points == 0 || o.flush_interval.is_zero() {
        return Err(Error::InvalidInput(
            "flush_points and flush_interval must be above zero".into(),
        ));
    }
    if o.system_metrics_interval < super::MIN_SYSTEM_METRICS_INTERVAL {
        return Err(Error::InvalidInput(format!(
            "system_metrics_interval: {:?} is below the shortest, {:?}",
            o.system_metrics_interval,
            super::MIN_SYSTEM_METRICS_INTERVAL
        )));
    }
    Ok(())
}

/// What `log_params` tells `Store::append` when every key is already set
/// to the same value: there is no event to write.
const NOTHING_NEW: &str = "no new params";

/// The params of `new` not in `current`; a key in both with another value
/// is an [`Error::Conflict`] naming it and both values.
fn added_params(
    current: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut added = BTreeMap::new();
    for (k, v) in new {
        match current.get(k) {
            Some(old) if old == v => {}
            Some(old) => {
                return Err(Error::Conflict(format!(
                    "param '{k}' is already '{}'; a run's params are add-only (not '{}')",
                    crate::text::clip(old, 80),
                    crate::text::clip(v, 80)
                )))
            }
            None => {
                added.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(added)
}

/// Checks a series' context: `k=v` pairs joined by `,`, each side a key.
pub(crate) fn check_context(c: &str) -> Result<()> {
    let ok = !c.is_empty()
        && c.split(',').all(|kv| match kv.split_once('=') {
            Some((k, v)) => {
                params::check_key("context", k).is_ok()
                    && !v.is_empty()
                    && !v.contains(['[', ']', '\'', '"'])
                    && !v.chars().any(char::is_control)
            }
            None => false,
        });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "context '{}' is not k=v pairs joined by ',' (subset=train)",
            crate::text::clip(c, 80)
        )))
    }
}

/// Checks an artifact's path: relative, `/`-separated, no `.` or `..` parts.
pub(crate) fn check_artifact_path(p: &str) -> Result<()> {
    let ok = !p.is_empty()
        && p.len() <= 1024
        && !p.starts_with('/')
        && p.split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && !p.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "artifact path '{}' must be relative, '/'-separated, without '.' or '..' parts",
            crate::text::clip(p, 80)
        )))
    }
}

/// Now, in Unix microseconds.
pub(crate) fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}
