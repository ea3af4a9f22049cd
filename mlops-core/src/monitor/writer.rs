//! Logging into a monitor. [`Monitor::log`] does only what the caller must
//! wait for: it checks the batch (time, segment, id and prediction columns),
//! works out each row's window and counts the rows it places, and queues the
//! batch (a reference to its Arrow buffers, no copy). The monitor's own
//! thread takes the queue, joins consecutive batches of one schema, cuts them
//! into (window, segment) parts and folds each part into an in-memory profile
//! delta; so a request handler logging 1 to 10,000 rows does not profile them
//! itself. A flush writes every delta's profile to the content store, then one
//! `data` event naming them all. Flushes happen when the buffer holds
//! [`FLUSH_ROWS`] rows, every flush interval, on [`Monitor::flush`] (which
//! first folds what is queued) and when the handle is dropped, so a killed
//! process loses at most one interval of rows. A batch of
//! [`FLUSH_ROWS`] rows or more, or one that would take the queue past that,
//! is folded in the caller's thread: the queue stays bounded.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

use arrow::array::{Array, ArrayRef, Int64Array, RecordBatch, UInt32Array};
use arrow::compute::{cast, take_record_batch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::blob;
use super::config::{MonitorConfig, OTHER_SEGMENT};
use super::event::{MonitorChange, Rejected, WindowDelta};
use super::fold::MonitorState;
use super::split::{self, Seen};
use super::window_suite::{self, SuiteState, WindowSuite};
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::registry::Registry;

/// Rows buffered before a flush is started by the logging call itself.
pub const FLUSH_ROWS: usize = 100_000;
/// The flush interval when none is set: what a killed process can lose.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(5);
/// Queued rows that wake the monitor's thread before its next tick.
const WAKE_ROWS: usize = 4096;
/// How often the monitor's thread folds what is queued.
const INGEST_TICK: Duration = Duration::from_millis(50);

/// A logged batch waiting to be folded, with what `log` worked out.
struct Queued {
    batch: RecordBatch,
    /// Each row's event time (Unix ms).
    times: Int64Array,
    /// Each row's window.
    windows: Windows,
    /// The rows not placed, and why.
    rejected: Rejected,
    /// The window of the batch's arrival, where rejected rows are counted.
    arrival: i64,
}

/// The windows (start, Unix seconds) of a batch's rows.
enum Windows {
    /// Every row placed in this one (the common case: worked out from the
    /// batch's first and last event time, with no pass over the rows).
    All(i64),
    /// Each row's, `None` when not placed.
    Rows(Vec<Option<i64>>),
}

impl Windows {
    fn rows(self, n: usize) -> Vec<Option<i64>> {
        match self {
            Windows::All(w) => vec![Some(w); n],
            Windows::Rows(r) => r,
        }
    }
}

/// What one (window, segment) has gathered since the last flush.
struct Part {
    profile: Profile,
    delta: WindowDelta,
    missing: BTreeSet<String>,
    extra: BTreeSet<String>,
    suite: Option<SuiteState>,
}

/// The buffer of a monitor handle.
#[derive(Default)]
struct Buffer {
    parts: BTreeMap<(i64, String), Part>,
    predictions: Vec<RecordBatch>,
    /// Rows folded into `parts` since the last flush.
    rows: usize,
    /// Batches logged and not yet folded.
    queue: Vec<Queued>,
    queued_rows: usize,
    /// What the monitor's thread failed at, for the next call to report.
    failed: Option<Error>,
    closed: bool,
}

/// What the handle and its flusher thread share.
pub(crate) struct Shared {
    pub(crate) registry: Registry,
    pub(crate) name: String,
    pub(crate) config: MonitorConfig,
    /// The profiled columns (the schema without time, id and label);
    /// empty until the first batch of a monitor without a reference.
    schema: Mutex<SchemaRef>,
    /// What the reference saw of each profiled column.
    seen: Vec<Option<Seen>>,
    /// The validation suite every part is checked with.
    suite: Option<WindowSuite>,
    /// Segments known (up to the monitor's maximum).
    segments: Mutex<BTreeSet<String>>,
    buffer: Mutex<Buffer>,
    wake: Condvar,
    /// Held while the queue is folded and while a flush writes, so a flush
    /// sees every batch logged before it.
    folding: Mutex<()>,
    /// "Now" in Unix milliseconds, when set (tests, simulations).
    clock: Mutex<Option<i64>>,
    /// How often the monitor's thread writes what was logged.
    interval: Mutex<Duration>,
    /// Kept predictions and joined labels read so far (by hash).
    pub(crate) tables: Mutex<TableCache>,
}

/// Stored tables read by a handle, by hash: content-addressed, so they
/// never go stale.
#[derive(Default)]
pub(crate) struct TableCache(std::collections::HashMap<crate::store::Hash, RecordBatch>);

impl TableCache {
    /// The table `hash`, read once.
    pub(crate) fn get(
        &mut self,
        store: &crate::store::Store,
        hash: &crate::store::Hash,
        what: &str,
    ) -> Result<RecordBatch> {
        if let Some(t) = self.0.get(hash) {
            return Ok(t.clone());
        }
        let t = blob::get_parquet(store, hash, what)?;
        self.0.insert(hash.clone(), t.clone());
        Ok(t)
    }
}

/// A monitor open for logging (and reading): see [`super`].
pub struct Monitor {
    pub(crate) shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("name", &self.shared.name)
            .finish()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> i64 {
        self.clock
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or_else(|| crate::registry::now_ms() as i64)
    }

    fn folding(&self) -> MutexGuard<'_, ()> {
        self.folding.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the queue (call holding [`Shared::folding`]).
    fn take_queue(&self) -> Vec<Queued> {
        let mut b = self.lock();
        b.queued_rows = 0;
        std::mem::take(&mut b.queue)
    }

    /// Folds what is queued, then writes what the buffer holds; then
    /// reports what the monitor's thread failed at since the last call.
    fn flush(&self) -> Result<()> {
        let folded = {
            let _folding = self.folding();
            let queued = self.take_queue();
            let folded = self.fold(queued);
            let written = self.write();
            folded.and(written)
        };
        let failed = self.lock().failed.take();
        folded?;
        failed.map_or(Ok(()), Err)
    }

    /// Writes what the buffer holds: each part's profile, the kept
    /// predictions, then one `data` event naming them.
    fn write(&self) -> Result<()> {
        let (parts, predictions) = {
            let mut b = self.lock();
            b.rows = 0;
            (
                std::mem::take(&mut b.parts),
                std::mem::take(&mut b.predictions),
            )
        };
        if parts.is_empty() && predictions.is_empty() {
            return Ok(());
        }
        let store = self.registry.store();
        let kept = if predictions.is_empty() {
            None
        } else {
            Some(arrow::compute::concat_batches(
                &predictions[0].schema(),
                &predictions,
            )?)
        };
        // Stored again when a collector removed a blob found stored before
        // the event: no caller is there to write the rows again.
        crate::gc::guard::again(|| {
            let mut windows = Vec::with_capacity(parts.len());
            for part in parts.values() {
                let mut delta = part.delta.clone();
                if delta.rows > 0 {
                    delta.profile = Some(store.put_blob(&part.profile.to_bytes())?);
                    delta.suite = window_suite::store_state(store, part.suite.as_ref())?;
                }
                delta.missing_columns = part.missing.iter().cloned().collect();
                delta.extra_columns = part.extra.iter().cloned().collect();
                windows.push(delta);
            }
            let predictions = kept
                .as_ref()
                .map(|b| blob::put_parquet(store, b))
                .transpose()?;
            super::append(
                &self.registry,
                &self.name,
                MonitorChange::Data {
                    windows,
                    predictions,
                },
            )
        })?;
        Ok(())
    }

    /// Folds queued batches into the buffer: each batch's rejected rows at
    /// its arrival, then consecutive batches of one schema joined and cut
    /// once. Every run is folded; the first failure is returned (call
    /// holding [`Shared::folding`]).
    fn fold(&self, items: Vec<Queued>) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let schema = self
            .schema
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        {
            let mut b = self.lock();
            for q in items.iter().filter(|q| !q.rejected.is_empty()) {
                let part = self.part(&mut b, &schema, q.arrival, "");
                part.delta.rejected.add(&q.rejected);
            }
        }
        let mut first_error = None;
        let mut run: Vec<Queued> = Vec::new();
        let mut items = items.into_iter().peekable();
        while let Some(q) = items.next() {
            run.push(q);
            let ends = items
                .peek()
                .is_none_or(|next| next.batch.schema_ref() != run[0].batch.schema_ref());
            if ends {
                let joined = join(std::mem::take(&mut run));
                if let Err(e) = joined.and_then(|j| self.fold_one(&schema, j)) {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Cuts one (joined) batch into (window, segment) parts, profiles each
    /// and folds it into the buffer.
    fn fold_one(&self, schema: &SchemaRef, q: Queued) -> Result<()> {
        let times = &q.times;
        let c = &self.config;
        let batch = &q.batch;
        let segment_keys = if c.segments.is_empty() {
            None
        } else {
            Some(split::segment_keys(batch, &c.segments)?)
        };
        let ids = match &c.id {
            Some(id) => batch.column_by_name(id).cloned(),
            None => None,
        };
        let conformed = split::conform(batch, schema, &|col| {
            c.is_bookkeeping(col) || c.target.as_deref() == Some(col)
        })?;
        let outside: Vec<Option<arrow::array::BooleanArray>> = self
            .seen
            .iter()
            .zip(conformed.batch.columns())
            .map(|(s, a)| s.as_ref().map(|s| split::outside(a, s)).transpose())
            .collect::<Result<_>>()?;

        // Each row's segment, in row order (the first `max_segments` seen
        // are kept apart, the rest go to `__other__`).
        let segment_of: Option<Vec<&str>> = segment_keys.as_ref().map(|keys| {
            let mut known = self.segments.lock().unwrap_or_else(|p| p.into_inner());
            keys.iter()
                .map(|key| {
                    if known.contains(key) {
                        key.as_str()
                    } else if known.len() < c.max_segments {
                        known.insert(key.clone());
                        key.as_str()
                    } else {
                        OTHER_SEGMENT
                    }
                })
                .collect()
        });
        // Rows of each window (one group, with no pass over the rows, when
        // the batch is all in one), then of each (window, segment), the
        // all-rows segment "" included.
        let n = batch.num_rows();
        let by_window: Vec<(i64, Vec<u32>)> = match q.windows {
            Windows::All(w) => vec![(w, (0..n as u32).collect())],
            Windows::Rows(rows) => {
                let mut m: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
                for (row, w) in rows.iter().enumerate() {
                    if let Some(w) = w {
                        m.entry(*w).or_default().push(row as u32);
                    }
                }
                m.into_iter().collect()
            }
        };
        let mut groups: BTreeMap<(i64, String), Vec<u32>> = BTreeMap::new();
        for (window, rows) in by_window {
            if let Some(segment_of) = &segment_of {
                let mut by_segment: std::collections::HashMap<&str, Vec<u32>> =
                    std::collections::HashMap::new();
                for &row in &rows {
                    by_segment
                        .entry(segment_of[row as usize])
                        .or_default()
                        .push(row);
                }
                for (segment, rows) in by_segment {
                    groups.insert((window, segment.to_string()), rows);
                }
            }
            groups.insert((window, String::new()), rows);
        }

        // Profile each group (outside the buffer's lock: profiling is the
        // expensive part), then fold it into the buffer.
        let mut deltas = Vec::with_capacity(groups.len());
        for ((window, segment), rows) in &groups {
            let idx = UInt32Array::from(rows.clone());
            let part_batch = if rows.len() == batch.num_rows() {
                conformed.batch.clone()
            } else {
                take_record_batch(&conformed.batch, &idx)?
            };
            let mut p = Profile::new(schema);
            p.update(&part_batch)?;
            let suite = window_suite::part_state(self.suite.as_ref(), &part_batch)?;
            let mut out_of_range = BTreeMap::new();
            for (field, o) in schema.fields().iter().zip(&outside) {
                let Some(o) = o else { continue };
                let n = rows.iter().filter(|&&r| o.value(r as usize)).count() as u64;
                if n > 0 {
                    out_of_range.insert(field.name().clone(), n);
                }
            }
            let mut type_errors = BTreeMap::new();
            if !conformed.type_errors.is_empty() {
                // Counted per part: the values null after the cast that
                // were not null before.
                for col in conformed.type_errors.keys() {
                    let orig = batch.column_by_name(col).expect("conform saw it");
                    let now_null = part_batch.column_by_name(col).expect("schema column");
                    let orig = arrow::compute::take(orig.as_ref(), &idx, None)?;
                    let n = now_null.null_count().saturating_sub(orig.null_count()) as u64;
                    if n > 0 {
                        type_errors.insert(col.clone(), n);
                    }
                }
            }
            let predictions = match (&ids, &c.prediction) {
                (Some(ids), Some(pred)) if segment.is_empty() => match batch.column_by_name(pred) {
                    Some(p) => Some(kept_predictions(ids, p, times, *window, &idx)?),
                    None => None,
                },
                _ => None,
            };
            deltas.push((
                *window,
                segment.clone(),
                rows.len() as u64,
                p,
                out_of_range,
                type_errors,
                predictions,
                suite,
            ));
        }

        let mut b = self.lock();
        for (window, segment, rows, p, oor, te, predictions, suite) in deltas {
            let part = self.part(&mut b, schema, window, &segment);
            part.profile = part.profile.merge(&p)?;
            window_suite::merge_into(&mut part.suite, suite)?;
            part.delta.rows += rows;
            for (k, v) in oor {
                *part.delta.out_of_range.entry(k).or_default() += v;
            }
            for (k, v) in te {
                *part.delta.type_errors.entry(k).or_default() += v;
            }
            part.missing.extend(conformed.missing.iter().cloned());
            part.extra.extend(conformed.extra.iter().cloned());
            if let Some(kept) = predictions {
                part.delta.predictions += kept.num_rows() as u64;
                b.predictions.push(kept);
            }
        }
        b.rows += batch.num_rows();
        Ok(())
    }

    /// The profiled columns: the monitor's, or (before its first batch,
    /// without a reference) `batch`'s, recorded as the monitor's schema.
    fn schema_for(&self, batch: &RecordBatch) -> Result<SchemaRef> {
        let mut schema = self.schema.lock().unwrap_or_else(|p| p.into_inner());
        if schema.fields().is_empty() {
            let full = batch.schema();
            if let Some(suite) = &self.suite {
                suite.check_schema(&profiled(&self.config, &full))?;
            }
            let hash = blob::put_schema(self.registry.store(), &full)?;
            super::append(
                &self.registry,
                &self.name,
                MonitorChange::Schema { schema: hash },
            )?;
            // Another process may have fixed it first: the log's first one wins.
            let state = self.registry.monitor_state(&self.name)?;
            let first = state.schema.expect("a schema was just written");
            *schema = profiled(
                &self.config,
                blob::get_schema(self.registry.store(), &first)?.as_ref(),
            );
        }
        Ok(schema.clone())
    }

    fn part<'b>(
        &self,
        b: &'b mut Buffer,
        schema: &SchemaRef,
        window: i64,
        segment: &str,
    ) -> &'b mut Part {
        b.parts
            .entry((window, segment.to_string()))
            .or_insert_with(|| Part {
                profile: Profile::new(schema),
                delta: WindowDelta {
                    window,
                    segment: segment.to_string(),
                    ..Default::default()
                },
                missing: BTreeSet::new(),
                extra: BTreeSet::new(),
                suite: None,
            })
    }
}

impl Monitor {
    /// Opens monitor `name` of `registry` for logging, from its folded state.
    pub(crate) fn open(registry: &Registry, state: &MonitorState) -> Result<Monitor> {
        let config = state.config.clone();
        let schema = match &state.schema {
            Some(s) => profiled(&config, blob::get_schema(registry.store(), s)?.as_ref()),
            None => Arc::new(Schema::empty()),
        };
        let seen = match &state.reference_profile {
            Some(h) => {
                let p = Profile::from_bytes(&registry.store().get_blob(h.as_str())?)?;
                split::seen(&p, &schema)
            }
            None => Vec::new(),
        };
        let segments = state
            .windows
            .keys()
            .map(|(_, s)| s.clone())
            .filter(|s| !s.is_empty())
            .collect();
        let suite = match &config.suite {
            Some(h) => Some(WindowSuite::load(registry.store(), h)?),
            None => None,
        };
        let shared = Arc::new(Shared {
            registry: registry.clone(),
            name: state.name.clone(),
            config,
            schema: Mutex::new(schema),
            seen,
            suite,
            segments: Mutex::new(segments),
            buffer: Mutex::new(Buffer::default()),
            wake: Condvar::new(),
            clock: Mutex::new(None),
            folding: Mutex::new(()),
            interval: Mutex::new(DEFAULT_FLUSH_INTERVAL),
            tables: Mutex::new(TableCache::default()),
        });
        let weak = Arc::downgrade(&shared);
        let thread = std::thread::Builder::new()
            .name("mlops-monitor".into())
            .spawn(move || flush_loop(weak))
            .map_err(|e| Error::io("starting the monitor's flusher thread", e))?;
        Ok(Monitor {
            shared,
            thread: Some(thread),
        })
    }

    /// Fixes the monitor's schema to `schema` now, when no batch or
    /// reference has fixed it yet, so that a first [`log`](Self::log) does
    /// not write the schema event from the caller's thread (a serving
    /// guard does this when it is made, away from any request).
    pub(crate) fn fix_schema(&self, schema: &SchemaRef) -> Result<()> {
        self.shared
            .schema_for(&RecordBatch::new_empty(schema.clone()))
            .map(|_| ())
    }

    /// The monitor's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Its settings.
    pub fn config(&self) -> &MonitorConfig {
        &self.shared.config
    }

    /// The registry it is in.
    pub fn registry(&self) -> &Registry {
        &self.shared.registry
    }

    /// Sets "now" (Unix milliseconds) for the future-date and lateness
    /// checks, or gives them back the system clock (`None`): for tests and
    /// for replaying past traffic.
    pub fn set_clock(&self, now_ms: Option<i64>) {
        *self.shared.clock.lock().unwrap_or_else(|p| p.into_inner()) = now_ms;
    }

    /// Logs a batch of what the model saw (and predicted): each row goes to
    /// the window its event time falls in (floored to the window length,
    /// UTC) and to its segment; rows with no event time, an event time past
    /// the clock by more than the tolerance, or a window already final are
    /// counted, not placed. Columns are brought to the monitor's schema:
    /// values of another type are counted as type errors, missing columns
    /// as missing, extra columns are named. The batch's time column must be
    /// a timestamp or a date and its segment columns present
    /// ([`Error::InvalidInput`] naming them). Returns the rows placed.
    pub fn log(&self, batch: &RecordBatch) -> Result<u64> {
        let sh = &self.shared;
        let c = &sh.config;
        let times = split::event_time_array_ms(batch, &c.timestamp)?;
        split::check_castable(batch, &c.segments, "segment", &|_| DataType::Utf8)?;
        // Kept with predictions when present: ids as text, predictions as
        // numbers or text (`value_type`).
        let present = |col: &Option<String>| -> Vec<String> {
            col.iter()
                .filter(|c| batch.column_by_name(c).is_some())
                .cloned()
                .collect()
        };
        split::check_castable(batch, &present(&c.id), "id", &|_| DataType::Utf8)?;
        split::check_castable(batch, &present(&c.prediction), "prediction", &value_type)?;
        // A first batch (no reference) fixes the schema: in the caller's
        // thread, so the schema event comes before any data.
        sh.schema_for(batch)?;

        let now = sh.now_ms();
        let w_ms = c.window_secs as i64 * 1000;
        let arrival = now.div_euclid(w_ms) * (c.window_secs as i64);
        let future_limit = now + c.future_tolerance_secs as i64 * 1000;
        let lateness_ms = c.allowed_lateness_secs as i64 * 1000;
        // The window of an event time, or why it is not placed.
        let place = |t: i64| -> std::result::Result<i64, fn(&mut Rejected)> {
            if t > future_limit {
                return Err(|r| r.future += 1);
            }
            let start_ms = t.div_euclid(w_ms) * w_ms;
            if start_ms + w_ms + lateness_ms <= now {
                return Err(|r| r.too_late += 1);
            }
            Ok(start_ms / 1000)
        };
        let n = batch.num_rows();
        let mut rejected = Rejected::default();
        let one_window = match (
            times.null_count(),
            arrow::compute::min(&times),
            arrow::compute::max(&times),
        ) {
            (0, Some(lo), Some(hi)) => match (place(lo), place(hi)) {
                (Ok(a), Ok(b)) if a == b => Some(a),
                _ => None,
            },
            _ => None,
        };
        let (windows, placed) = match one_window {
            Some(w) => (Windows::All(w), n as u64),
            None => {
                let rows: Vec<Option<i64>> = times
                    .iter()
                    .map(|t| match t.map(place) {
                        None => {
                            rejected.no_timestamp += 1;
                            None
                        }
                        Some(Err(count)) => {
                            count(&mut rejected);
                            None
                        }
                        Some(Ok(w)) => Some(w),
                    })
                    .collect();
                let placed = rows.iter().filter(|w| w.is_some()).count() as u64;
                (Windows::Rows(rows), placed)
            }
        };
        let queued = Queued {
            batch: batch.clone(),
            times,
            windows,
            rejected,
            arrival,
        };

        let mut b = sh.lock();
        if let Some(e) = b.failed.take() {
            return Err(e);
        }
        if n >= FLUSH_ROWS || b.queued_rows + n > FLUSH_ROWS {
            // Large: folded here, after what is queued (in order).
            drop(b);
            let _folding = sh.folding();
            let mut items = sh.take_queue();
            items.push(queued);
            sh.fold(items)?;
            if sh.lock().rows >= FLUSH_ROWS {
                sh.write()?;
            }
        } else {
            let before = b.queued_rows;
            b.queued_rows += n;
            b.queue.push(queued);
            if before < WAKE_ROWS && b.queued_rows >= WAKE_ROWS {
                sh.wake.notify_all();
            }
        }
        Ok(placed)
    }

    /// Sets how often the monitor's thread writes what was logged (what a
    /// killed process can lose); [`DEFAULT_FLUSH_INTERVAL`] until set. Zero
    /// is [`Error::InvalidInput`].
    pub fn set_flush_interval(&self, interval: Duration) -> Result<()> {
        if interval.is_zero() {
            return Err(Error::InvalidInput(
                "flush_interval: must be longer than zero".into(),
            ));
        }
        *self
            .shared
            .interval
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = interval;
        Ok(())
    }

    /// [`Monitor::set_flush_interval`] in seconds, as the Python and Node
    /// front-ends take it: not a positive, finite number of seconds is
    /// [`Error::InvalidInput`] naming `flush_interval`.
    pub fn set_flush_interval_secs(&self, seconds: f64) -> Result<()> {
        let interval = Duration::try_from_secs_f64(seconds).map_err(|_| {
            Error::InvalidInput(format!(
                "flush_interval: {seconds} is not a number of seconds longer than zero"
            ))
        })?;
        self.set_flush_interval(interval)
    }

    /// How often the monitor's thread writes what was logged.
    pub fn flush_interval(&self) -> Duration {
        *self
            .shared
            .interval
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// "Now" in Unix milliseconds: the clock set, or the system's.
    pub(crate) fn now_ms(&self) -> i64 {
        self.shared.now_ms()
    }

    /// Writes every buffered row now.
    pub fn flush(&self) -> Result<()> {
        self.shared.flush()
    }

    /// "Now" for reading: `now_ms` when given, else the clock set, else
    /// the system's.
    fn read_clock(&self, now_ms: Option<i64>) -> Option<i64> {
        now_ms.or(*self.shared.clock.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Flushes, then every (window, segment) evaluated
    /// ([`Registry::monitor_results`]) at `now_ms` (the monitor's clock
    /// when `None`).
    pub fn results(&self, now_ms: Option<i64>) -> Result<Vec<super::WindowResult>> {
        self.flush()?;
        self.registry()
            .monitor_results(self.name(), self.read_clock(now_ms))
    }

    /// Flushes, then the monitor's log folded ([`Registry::monitor_state`]).
    pub fn state(&self) -> Result<super::MonitorState> {
        self.flush()?;
        self.registry().monitor_state(self.name())
    }

    /// Adds an alert rule ([`Registry::add_monitor_rule`]); returns its name.
    pub fn rule(
        &self,
        rule: &str,
        name: Option<&str>,
        severity: Option<&str>,
        cooldown_windows: Option<u64>,
    ) -> Result<String> {
        self.registry()
            .add_monitor_rule(self.name(), rule, name, severity, cooldown_windows)
    }

    /// Flushes, then evaluates the rules ([`Registry::check_monitor`]) at
    /// the monitor's clock.
    pub fn check(&self, retrain_on: Option<&str>) -> Result<super::CheckReport> {
        self.flush()?;
        self.registry()
            .check_monitor(self.name(), self.read_clock(None), retrain_on)
    }

    /// Flushes, then the Prometheus text ([`Registry::monitor_prometheus`]).
    pub fn prometheus(&self, format: super::prometheus::Format) -> Result<String> {
        self.flush()?;
        self.registry()
            .monitor_prometheus(self.name(), format, self.read_clock(None))
    }

    /// Flushes, then writes the dashboard to `path` with the drifted
    /// windows' reports beside it ([`Registry::write_monitor_report`]).
    pub fn write_report(&self, path: &std::path::Path) -> Result<usize> {
        self.flush()?;
        self.registry()
            .write_monitor_report(self.name(), path, self.read_clock(None))
    }

    /// Flushes, then the dashboard as one HTML page, without window links.
    pub fn dashboard(&self) -> Result<String> {
        self.flush()?;
        self.registry()
            .monitor_dashboard(self.name(), self.read_clock(None))
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        // Nowhere to report a failure from a drop; `flush` reports them.
        let _ = self.shared.flush();
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Queued batches of one schema as one (their rejected rows already
/// counted).
fn join(run: Vec<Queued>) -> Result<Queued> {
    if run.len() == 1 {
        return Ok(run.into_iter().next().expect("one"));
    }
    let schema = run[0].batch.schema();
    let batch = arrow::compute::concat_batches(&schema, run.iter().map(|q| &q.batch))?;
    let arrays: Vec<&dyn Array> = run.iter().map(|q| &q.times as &dyn Array).collect();
    let times = arrow::compute::concat(&arrays)?
        .as_any()
        .downcast_ref::<Int64Array>()
        .expect("times are Int64")
        .clone();
    let arrival = run[0].arrival;
    let windows = match run[0].windows {
        Windows::All(w)
            if run
                .iter()
                .all(|q| matches!(q.windows, Windows::All(v) if v == w)) =>
        {
            Windows::All(w)
        }
        _ => {
            let mut rows = Vec::with_capacity(batch.num_rows());
            for q in run {
                let n = q.batch.num_rows();
                rows.extend(q.windows.rows(n));
            }
            Windows::Rows(rows)
        }
    };
    Ok(Queued {
        batch,
        times,
        windows,
        rejected: Rejected::default(),
        arrival,
    })
}

/// The monitor's thread: every tick (or sooner when many rows are queued)
/// folds what was logged; every flush interval (or when the buffer is
/// full) writes it. A failure is kept for the next call to report.
fn flush_loop(shared: Weak<Shared>) {
    let mut last_write = std::time::Instant::now();
    loop {
        let Some(sh) = shared.upgrade() else { return };
        {
            let b = sh.lock();
            if b.closed {
                return;
            }
            let b = if b.queued_rows < WAKE_ROWS {
                sh.wake
                    .wait_timeout(b, INGEST_TICK)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            } else {
                b
            };
            if b.closed {
                return;
            }
        }
        let interval = *sh.interval.lock().unwrap_or_else(|p| p.into_inner());
        let due = last_write.elapsed() >= interval;
        let done = {
            let _folding = sh.folding();
            let queued = sh.take_queue();
            let folded = sh.fold(queued);
            let full = sh.lock().rows >= FLUSH_ROWS;
            folded.and(if due || full { sh.write() } else { Ok(()) })
        };
        if due {
            last_write = std::time::Instant::now();
        }
        if let Err(e) = done {
            sh.lock().failed.get_or_insert(e);
        }
    }
}

/// The profiled columns of a schema: all but the event time, the id and
/// the label.
pub(crate) fn profiled(config: &MonitorConfig, schema: &Schema) -> SchemaRef {
    split::profiled_schema(schema, &|c| {
        config.is_bookkeeping(c) || config.target.as_deref() == Some(c)
    })
}

/// The schema of kept predictions.
pub(crate) fn predictions_schema(prediction: &DataType) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("time_ms", DataType::Int64, false),
        Field::new("window", DataType::Int64, false),
        Field::new("prediction", prediction.clone(), true),
    ]))
}

/// The type predictions and labels are kept as: numbers (and flags) as
/// `Float64`, anything else as text, so that tables from batches of
/// different widths concatenate.
pub(crate) fn value_type(t: &DataType) -> DataType {
    let t = match t {
        DataType::Dictionary(_, v) => v.as_ref(),
        t => t,
    };
    if t.is_numeric() || *t == DataType::Boolean {
        DataType::Float64
    } else {
        DataType::Utf8
    }
}

/// The (id, time, window, prediction) of the rows `idx` that have an id.
fn kept_predictions(
    ids: &ArrayRef,
    prediction: &ArrayRef,
    times: &Int64Array,
    window: i64,
    idx: &UInt32Array,
) -> Result<RecordBatch> {
    let ids = cast(
        &arrow::compute::take(ids.as_ref(), idx, None)?,
        &DataType::Utf8,
    )?;
    let pred = arrow::compute::take(prediction.as_ref(), idx, None)?;
    let pred_type = value_type(pred.data_type());
    let pred = cast(&pred, &pred_type)?;
    let keep: Vec<u32> = (0..ids.len() as u32)
        .filter(|&i| ids.is_valid(i as usize))
        .collect();
    let keep = UInt32Array::from(keep);
    let id_col = arrow::compute::take(ids.as_ref(), &keep, None)?;
    let time = arrow::compute::take(&arrow::compute::take(times, idx, None)?, &keep, None)?;
    let n = keep.len();
    let cols: Vec<ArrayRef> = vec![
        id_col,
        time,
        Arc::new(Int64Array::from(vec![window; n])),
        arrow::compute::take(pred.as_ref(), &keep, None)?,
    ];
    Ok(RecordBatch::try_new(predictions_schema(&pred_type), cols)?)
}
