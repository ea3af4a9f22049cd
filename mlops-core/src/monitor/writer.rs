//! Logging into a monitor: [`Monitor::log`] cuts a batch into (window,
//! segment) parts in the caller's thread and folds each part into an
//! in-memory profile delta; a flush writes every delta's profile to the
//! content store, then one `data` event naming them all. Flushes happen
//! when the buffer holds [`FLUSH_ROWS`] rows, every flush interval (a
//! thread of the monitor's), on [`Monitor::flush`] and when the handle is
//! dropped, so a killed process loses at most one interval of rows.

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
    rows: usize,
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
    /// "Now" in Unix milliseconds, when set (tests, simulations).
    clock: Mutex<Option<i64>>,
    /// How often the flusher thread writes what was logged.
    interval: Duration,
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

    /// Writes what the buffer holds: each part's profile, the kept
    /// predictions, then one `data` event naming them.
    fn flush(&self) -> Result<()> {
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
        let mut windows = Vec::with_capacity(parts.len());
        for (_, mut part) in parts {
            if part.delta.rows > 0 {
                part.delta.profile = Some(store.put_blob(&part.profile.to_bytes())?);
                part.delta.suite = window_suite::store_state(store, part.suite.as_ref())?;
            }
            part.delta.missing_columns = part.missing.into_iter().collect();
            part.delta.extra_columns = part.extra.into_iter().collect();
            windows.push(part.delta);
        }
        let predictions = if predictions.is_empty() {
            None
        } else {
            let batch = arrow::compute::concat_batches(&predictions[0].schema(), &predictions)?;
            Some(blob::put_parquet(store, &batch)?)
        };
        super::append(
            &self.registry,
            &self.name,
            MonitorChange::Data {
                windows,
                predictions,
            },
        )?;
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
            interval: DEFAULT_FLUSH_INTERVAL,
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
        let times = split::event_times_ms(batch, &c.timestamp)?;
        let segment_keys = if c.segments.is_empty() {
            None
        } else {
            Some(split::segment_keys(batch, &c.segments)?)
        };
        let ids = match &c.id {
            Some(id) => batch.column_by_name(id).cloned(),
            None => None,
        };
        let schema = sh.schema_for(batch)?;
        let conformed = split::conform(batch, &schema, &|col| {
            c.is_bookkeeping(col) || c.target.as_deref() == Some(col)
        })?;
        let outside: Vec<Option<arrow::array::BooleanArray>> = sh
            .seen
            .iter()
            .zip(conformed.batch.columns())
            .map(|(s, a)| s.as_ref().map(|s| split::outside(a, s)).transpose())
            .collect::<Result<_>>()?;

        let now = sh.now_ms();
        let w_ms = c.window_secs as i64 * 1000;
        let arrival = now.div_euclid(w_ms) * (c.window_secs as i64);
        let future_limit = now + c.future_tolerance_secs as i64 * 1000;
        let lateness_ms = c.allowed_lateness_secs as i64 * 1000;
        let mut rejected = Rejected::default();
        // Rows of each (window, segment), the all-rows segment "" included.
        let mut groups: BTreeMap<(i64, String), Vec<u32>> = BTreeMap::new();
        {
            let mut known = sh.segments.lock().unwrap_or_else(|p| p.into_inner());
            for (row, t) in times.iter().enumerate() {
                let Some(t) = *t else {
                    rejected.no_timestamp += 1;
                    continue;
                };
                if t > future_limit {
                    rejected.future += 1;
                    continue;
                }
                let start_ms = t.div_euclid(w_ms) * w_ms;
                if start_ms + w_ms + lateness_ms <= now {
                    rejected.too_late += 1;
                    continue;
                }
                let window = start_ms / 1000;
                groups
                    .entry((window, String::new()))
                    .or_default()
                    .push(row as u32);
                if let Some(keys) = &segment_keys {
                    let key = &keys[row];
                    let key = if known.contains(key) {
                        key.as_str()
                    } else if known.len() < c.max_segments {
                        known.insert(key.clone());
                        key.as_str()
                    } else {
                        OTHER_SEGMENT
                    };
                    groups
                        .entry((window, key.to_string()))
                        .or_default()
                        .push(row as u32);
                }
            }
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
            let mut p = Profile::new(&schema);
            p.update(&part_batch)?;
            let suite = window_suite::part_state(sh.suite.as_ref(), &part_batch)?;
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
                    Some(p) => Some(kept_predictions(ids, p, &times, *window, &idx)?),
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

        let placed = groups
            .iter()
            .filter(|((_, s), _)| s.is_empty())
            .map(|(_, r)| r.len() as u64)
            .sum::<u64>();
        let full = {
            let mut b = sh.lock();
            for (window, segment, rows, p, oor, te, predictions, suite) in deltas {
                let part = sh.part(&mut b, &schema, window, &segment);
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
            if !rejected.is_empty() {
                let part = sh.part(&mut b, &schema, arrival, "");
                part.delta.rejected.add(&rejected);
            }
            b.rows += batch.num_rows();
            b.rows >= FLUSH_ROWS
        };
        if full {
            sh.flush()?;
        }
        Ok(placed)
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

/// The flusher: every interval, writes what was logged since.
fn flush_loop(shared: Weak<Shared>) {
    loop {
        let Some(sh) = shared.upgrade() else { return };
        let b = sh.lock();
        if b.closed {
            return;
        }
        let (b, _) = sh
            .wake
            .wait_timeout(b, sh.interval)
            .unwrap_or_else(|p| p.into_inner());
        if b.closed {
            return;
        }
        drop(b);
        // A failed flush keeps nothing to retry (the parts were taken):
        // the next call to `flush` or `log` reports the store's state.
        let _ = sh.flush();
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
    times: &[Option<i64>],
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
    let time: Int64Array = keep
        .values()
        .iter()
        .map(|&i| times[idx.value(i as usize) as usize].expect("placed rows have times"))
        .collect();
    let n = keep.len();
    let cols: Vec<ArrayRef> = vec![
        id_col,
        Arc::new(time),
        Arc::new(Int64Array::from(vec![window; n])),
        arrow::compute::take(pred.as_ref(), &keep, None)?,
    ];
    Ok(RecordBatch::try_new(predictions_schema(&pred_type), cols)?)
}
