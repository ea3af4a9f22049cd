//! Production monitoring: what a deployed model sees and predicts, cut into
//! event-time windows, with data quality, drift and model quality per
//! window, alert rules over the window results, the Prometheus text format
//! and a retraining trigger (issue #18).
//!
//! ```text
//! <root>/monitors/<name>/log/<20-digit seq>.json   the monitor's events (hash chained)
//! <root>/blobs/...                                  window profiles, kept predictions, joined labels
//! ```
//!
//! A monitor is its own log, like a run: its first event holds its
//! settings ([`MonitorConfig`]) and what it keeps of the reference (its
//! profile, the schema rows are checked against, the reference's window
//! fields for rules). Each flush of logged rows is one `data` event naming
//! a profile delta per (window, segment); labels that arrive later join
//! kept predictions by id and add a `labels` event; rules, alert
//! transitions and retraining requests are events too, so the log is the
//! monitor's audit trail. So are the retraining webhook, each delivery to
//! it (`monitor/webhook.rs`) and each run or model version made because of
//! a request (`retrained`, see [`RetrainCause`]).
//!
//! Windows are tumbling and keyed by **event time** floored to the window
//! length (UTC), never by arrival: a late row goes to its own window, which
//! is evaluated again, until the window is final (`allowed_lateness` after
//! its end); rows past the clock by more than a tolerance are refused as
//! future-dated. Several processes log into one monitor: their deltas are
//! profiles, which merge. A monitor may carry a validation suite: each
//! delta then also holds the checks' partial state, and every window
//! reports the suite's verdicts on its rows (`window_suite.rs`).
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{ArrayRef, Float64Array, RecordBatch, TimestampSecondArray};
//! use mlops_core::monitor::NewMonitor;
//! use mlops_core::registry::Registry;
//! let r = Registry::open("memory://").unwrap();
//! let mon = r
//!     .create_monitor("churn-prod", &NewMonitor { timestamp: "t".into(), ..Default::default() })
//!     .unwrap();
//! mon.set_clock(Some(7_200_000));
//! let batch = RecordBatch::try_from_iter([
//!     ("t", Arc::new(TimestampSecondArray::from(vec![0, 60, 3600])) as ArrayRef),
//!     ("x", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])) as ArrayRef),
//! ])
//! .unwrap();
//! assert_eq!(mon.log(&batch).unwrap(), 3);
//! mon.flush().unwrap();
//! let results = r.monitor_results("churn-prod", Some(7_200_000)).unwrap();
//! assert_eq!(results.len(), 2);
//! assert_eq!((results[0].window, results[0].field("rows")), (0, Some(2.0)));
//! ```

pub mod alerts;
mod blob;
pub mod cache;
mod cause;
pub mod config;
pub mod event;
mod exposition;
mod fold;
mod labels;
pub mod prometheus;
pub mod quality;
mod reference;
pub mod report;
mod results;
pub mod rules;
mod split;
pub mod webhook;
mod window_quality;
mod window_suite;
mod writer;

pub use alerts::{CheckReport, RetrainRequest};
pub use cause::RetrainCause;
pub use config::{format_duration, parse_duration, MonitorConfig, NewMonitor, ReferenceRef, Task};
pub use event::{MonitorChange, MonitorEvent, Rejected, WindowDelta};
pub use exposition::{DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT, MAX_SEGMENT_LABELS};
pub use fold::{
    AlertRecord, DeliveryRecord, MonitorState, RetrainedRecord, RuleDef, WebhookDef, WindowState,
};
pub use labels::LabelsLogged;
pub use results::{results_table, WindowResult};
pub use webhook::WebhookDelivery;
pub use writer::{Monitor, DEFAULT_FLUSH_INTERVAL, FLUSH_ROWS};

use crate::error::{Error, Result};
use crate::registry::{Kind, Registry};
use crate::store::{Envelope, Tip};

impl crate::runs::exit::AtSigterm for Monitor {
    fn at_sigterm(&self) {
        // The process is ending: nowhere to report a failure.
        let _ = self.flush();
    }
}

/// Flushes `monitor` if SIGTERM ends the process, as open runs are ended
/// (`crate::runs::take_over_sigterm` has the rules: the hook is installed
/// while SIGTERM has its default action, and the process then ends as
/// SIGTERM would have ended it). For a front-end that shares its handles
/// (Python's, Node's): a process killed by SIGTERM otherwise loses what its
/// monitors buffered since their last flush. A handle dropped before is
/// forgotten (its drop flushes).
pub fn flush_on_sigterm(monitor: &std::sync::Arc<Monitor>) {
    let weak: std::sync::Weak<dyn crate::runs::exit::AtSigterm> =
        std::sync::Arc::downgrade(monitor) as _;
    crate::runs::exit::track_at_sigterm(weak);
}

/// The folder of monitors' logs.
pub const MONITORS: &str = "monitors";

/// The log of monitor `name`.
pub(crate) fn monitor_log(name: &str) -> String {
    format!("{MONITORS}/{name}/log")
}

fn event_bytes(registry: &Registry, tip: &Tip, change: MonitorChange) -> Vec<u8> {
    let ev = Envelope {
        format: event::MONITOR_EVENT_FORMAT.into(),
        v: event::MONITOR_EVENT_VERSION,
        seq: tip.next_seq(),
        prev: tip.prev_hash(),
        time: crate::registry::now_ms(),
        principal: registry.principal().to_string(),
        state: (),
        reason: registry.reason().map(str::to_string),
        change,
    };
    serde_json::to_vec(&ev).expect("monitor events serialise")
}

/// The writers' guard (`gc::guard`) for `change`: the blobs it names were
/// stored just before it and may have been found already there, so they
/// are leased and checked until its event is written.
fn guard(registry: &Registry, change: &MonitorChange) -> Result<crate::gc::lease::Held> {
    crate::gc::guard::hold(
        registry.store(),
        registry.principal(),
        registry.clock(),
        &change.stored(),
        "monitor event",
    )
}

/// Appends `change` to monitor `name`'s log.
pub(crate) fn append(registry: &Registry, name: &str, change: MonitorChange) -> Result<u64> {
    let log = monitor_log(name);
    let _lease = guard(registry, &change)?;
    let e = registry
        .store()
        .append(&log, |tip| Ok(event_bytes(registry, tip, change.clone())))?;
    // The head names the newest event, so the audit sees it deleted or changed.
    crate::governance::advance_head(registry.store(), &log, &e);
    Ok(e.seq)
}

/// The first setting `new` gives (leaving out what it leaves out) that
/// differs from the monitor's `existing` settings; `given` is `new` with
/// defaults filled in.
fn differing_option(
    existing: &MonitorConfig,
    given: &MonitorConfig,
    new: &NewMonitor,
) -> Option<&'static str> {
    let reference = match (&new.reference, &existing.reference) {
        (None, _) => true,
        (Some((dataset, _)), Some(r)) => *dataset == r.name,
        (Some(_), None) => false,
    };
    let checks: [(&'static str, bool, bool); 15] = [
        ("reference", new.reference.is_some(), reference),
        (
            "timestamp",
            !new.timestamp.is_empty(),
            existing.timestamp == given.timestamp,
        ),
        (
            "window",
            new.window.is_some(),
            existing.window_secs == given.window_secs,
        ),
        (
            "prediction",
            new.prediction.is_some(),
            existing.prediction == given.prediction,
        ),
        (
            "target",
            new.target.is_some(),
            existing.target == given.target,
        ),
        ("id", new.id.is_some(), existing.id == given.id),
        (
            "segments",
            !new.segments.is_empty(),
            existing.segments == given.segments,
        ),
        (
            "max_segments",
            new.max_segments.is_some(),
            existing.max_segments == given.max_segments,
        ),
        (
            "allowed_lateness",
            new.allowed_lateness.is_some(),
            existing.allowed_lateness_secs == given.allowed_lateness_secs,
        ),
        (
            "future_tolerance",
            new.future_tolerance.is_some(),
            existing.future_tolerance_secs == given.future_tolerance_secs,
        ),
        (
            "prediction_retention",
            new.prediction_retention.is_some(),
            existing.prediction_retention_secs == given.prediction_retention_secs,
        ),
        ("task", new.task.is_some(), existing.task == given.task),
        (
            "threshold",
            new.threshold.is_some(),
            existing.threshold == given.threshold,
        ),
        ("drift", new.drift.is_some(), existing.drift == given.drift),
        ("suite", new.suite.is_some(), existing.suite == given.suite),
    ];
    checks
        .iter()
        .find(|(_, set, same)| *set && !same)
        .map(|(o, _, _)| *o)
}

impl Registry {
    /// Creates monitor `name` and opens it for logging. With a reference
    /// data set version, its stored profile is what windows are compared
    /// with and its schema what rows are checked against; without one, the
    /// first batch logged fixes the schema. A monitor of that name already
    /// there is [`Error::AlreadyExists`]; bad settings are
    /// [`Error::InvalidInput`] naming the option.
    pub fn create_monitor(&self, name: &str, new: &NewMonitor) -> Result<Monitor> {
        crate::registry::check_name(name)
            .map_err(|e| Error::InvalidInput(format!("monitor {e}")))?;
        let (reference, data) = match &new.reference {
            Some((dataset, version)) => {
                let v = self
                    .asset(Kind::Dataset, dataset)?
                    .resolve(version)?
                    .version;
                let profile = self.dataset_profile(dataset, &v.to_string())?;
                let (schema, batches) = self.read_dataset(dataset, &v.to_string(), None)?;
                (
                    Some(ReferenceRef {
                        name: dataset.clone(),
                        version: v,
                    }),
                    Some((profile, schema, batches)),
                )
            }
            None => (None, None),
        };
        let config = new.config(reference)?;
        let suite = new
            .suite
            .as_ref()
            .map(|s| {
                window_suite::WindowSuite::new(s).map_err(|e| match e {
                    Error::InvalidInput(m) | Error::Unsupported(m) => {
                        Error::InvalidInput(format!("monitor option 'suite': {m}"))
                    }
                    e => e,
                })
            })
            .transpose()?;
        if let (Some(suite), Some((_, schema, _))) = (&suite, &data) {
            suite.check_schema(&writer::profiled(&config, schema.as_ref()))?;
        }
        let figures = match &data {
            Some((profile, schema, batches)) => Some(reference::figures(
                &config,
                schema,
                batches,
                profile,
                suite.as_ref(),
            )?),
            None => None,
        };
        let (profile, schema) = match data {
            Some((p, s, _)) => (Some(p), Some(s)),
            None => (None, None),
        };
        let store = self.store();
        if let Some(suite) = &suite {
            window_suite::WindowSuite::put(store, suite.suite())?;
        }
        let schema = schema.map(|s| blob::put_schema(store, &s)).transpose()?;
        let reference_profile = profile.map(|p| store.put_blob(&p.to_bytes())).transpose()?;
        let (reference_pairs, reference_cbpe) =
            match figures.as_ref().and_then(|f| f.pairs.as_ref()) {
                Some(pairs) => {
                    let cbpe = window_quality::fit_cbpe(
                        &config,
                        &window_quality::gather(std::slice::from_ref(pairs)),
                    );
                    // Kept when it reads back: JSON has no NaN (a figure
                    // of a degenerate reference), and then it is fitted
                    // at evaluation instead.
                    let cbpe = cbpe
                        .map(|c| serde_json::to_vec(&c).expect("CBPE serialises"))
                        .filter(|b| serde_json::from_slice::<quality::Cbpe>(b).is_ok())
                        .map(|b| store.put_blob(&b))
                        .transpose()?;
                    (Some(blob::put_parquet(store, pairs)?), cbpe)
                }
                None => (None, None),
            };
        let change = MonitorChange::Create {
            config: Box::new(config),
            schema,
            reference_profile,
            reference_fields: figures
                .as_ref()
                .map(|f| f.whole.clone())
                .unwrap_or_default(),
            reference_windows: figures.map(|f| f.windows).unwrap_or_default(),
            reference_pairs,
            reference_cbpe,
        };
        let log = monitor_log(name);
        let _lease = guard(self, &change)?;
        let e = store.append(&log, |tip| {
            if tip.last.is_some() {
                return Err(Error::AlreadyExists(format!("monitor '{name}'")));
            }
            Ok(event_bytes(self, tip, change.clone()))
        })?;
        crate::governance::advance_head(store, &log, &e);
        self.monitor(name)
    }

    /// Opens monitor `name`, creating it with `new` when there is none.
    /// When it exists, the settings `new` gives must be the ones it was
    /// created with (the reference data set by name; a version given as an
    /// alias or `latest` may have moved since), else [`Error::Conflict`]
    /// names the first that differs.
    pub fn open_or_create_monitor(&self, name: &str, new: &NewMonitor) -> Result<Monitor> {
        match self.monitor_state(name) {
            Ok(state) => {
                // Settings left out are the monitor's own.
                let mut filled = new.clone();
                if filled.timestamp.is_empty() {
                    filled.timestamp = state.config.timestamp.clone();
                }
                let given = filled.config(state.config.reference.clone())?;
                if let Some(option) = differing_option(&state.config, &given, new) {
                    return Err(Error::Conflict(format!(
                        "monitor '{name}' exists with another '{option}': open it without settings, or create another"
                    )));
                }
                Monitor::open(self, &state)
            }
            Err(Error::NotFound(_)) => match self.create_monitor(name, new) {
                // Another process created it first: open theirs.
                Err(Error::AlreadyExists(_)) => self.open_or_create_monitor(name, new),
                r => r,
            },
            Err(e) => Err(e),
        }
    }

    /// Opens monitor `name` for logging ([`Error::NotFound`] when there is none).
    pub fn monitor(&self, name: &str) -> Result<Monitor> {
        Monitor::open(self, &self.monitor_state(name)?)
    }

    /// What monitor `name`'s log holds, folded.
    pub fn monitor_state(&self, name: &str) -> Result<MonitorState> {
        crate::registry::check_name(name)
            .map_err(|e| Error::InvalidInput(format!("monitor {e}")))?;
        let events = self.store().read_log(&monitor_log(name))?;
        fold::fold(name, &events)
    }

    /// The monitors of the registry, by name.
    pub fn monitor_names(&self) -> Result<Vec<String>> {
        let mut names = self.store().children(MONITORS)?;
        names.retain(|n| crate::registry::check_name(n).is_ok());
        names.sort();
        Ok(names)
    }
}
