//! The events of a monitor's log (`monitors/<name>/log`): the [`Envelope`]
//! every log's events share around a [`MonitorChange`]. A monitor's state
//! is the fold of its log (`monitor/fold.rs`); window profiles, kept
//! predictions and joined labels live in the content store, named by hash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::config::MonitorConfig;
use crate::store::{Envelope, Hash};

/// The `format` of a monitor log's events.
pub const MONITOR_EVENT_FORMAT: &str = "mlops.monitor";
/// The version of [`MONITOR_EVENT_FORMAT`] this build writes and reads.
pub const MONITOR_EVENT_VERSION: u32 = 1;

/// One event of a monitor's log.
pub type MonitorEvent = Envelope<MonitorChange>;

/// Rows a monitor could not place in a window, counted in the window of
/// their arrival.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// Rows whose event time is null.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub no_timestamp: u64,
    /// Rows whose event time is past the clock by more than the tolerance.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub future: u64,
    /// Rows of a window already final (past its allowed lateness).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub too_late: u64,
    /// Labels whose id no kept prediction has.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unknown_ids: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Rejected {
    /// Adds `o`'s counts.
    pub fn add(&mut self, o: &Rejected) {
        self.no_timestamp += o.no_timestamp;
        self.future += o.future;
        self.too_late += o.too_late;
        self.unknown_ids += o.unknown_ids;
    }

    /// Whether nothing was rejected.
    pub fn is_empty(&self) -> bool {
        *self == Rejected::default()
    }
}

/// What one flush adds to one (window, segment): the profile of its rows
/// and the data-quality counts the profile does not keep.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowDelta {
    /// The window's start (Unix seconds, a multiple of the window length).
    pub window: i64,
    /// The segment (`""` for all rows of the window).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub segment: String,
    /// Rows placed.
    pub rows: u64,
    /// The profile of those rows (absent when no row was placed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Hash>,
    /// The monitor's validation suite's partial state over those rows
    /// (when it has a suite and rows were placed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<Hash>,
    /// Per column, values that did not have the monitor's type (they are
    /// profiled as nulls).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub type_errors: BTreeMap<String, u64>,
    /// Per column, values outside the reference's range (numbers) or
    /// categories (text seen in the reference, when it kept them all).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub out_of_range: BTreeMap<String, u64>,
    /// Columns of the monitor's schema the batch lacked (their rows count
    /// as nulls).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_columns: Vec<String>,
    /// Columns the batch had that the monitor's schema does not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_columns: Vec<String>,
    /// Rows rejected (only in the all-rows segment).
    #[serde(default, skip_serializing_if = "Rejected::is_empty")]
    pub rejected: Rejected,
    /// Rows whose prediction was kept for a label (with an id).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub predictions: u64,
    /// Rows whose label arrived and joined.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub labels: u64,
    /// The joined (prediction, label) pairs of those rows (Parquet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined: Option<Hash>,
}

/// What an event of a monitor's log records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MonitorChange {
    /// The monitor was created (always event 1).
    Create {
        /// Its settings (boxed: the largest event by far).
        config: Box<MonitorConfig>,
        /// The Arrow schema rows are checked against (an IPC stream with
        /// no batches), from the reference or from the first batch logged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schema: Option<Hash>,
        /// The reference's profile.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_profile: Option<Hash>,
        /// Each window field computed on the whole reference
        /// (`reference.<field>` in rules).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        reference_fields: BTreeMap<String, f64>,
        /// Mean and standard deviation of each window field over the
        /// reference's own windows, when it has the timestamp column
        /// (`reference.<field>.mean`, `.std` in rules).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        reference_windows: BTreeMap<String, (f64, f64)>,
        /// The reference's joined (prediction, label) pairs, for CBPE.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_pairs: Option<Hash>,
        /// CBPE fitted on those pairs (JSON), when the task is binary: fitted
        /// once, as NannyML fits on the reference before estimating chunks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_cbpe: Option<Hash>,
    },
    /// The schema, fixed by the first batch of a monitor without a reference.
    Schema {
        /// The Arrow schema (IPC stream, no batches).
        schema: Hash,
    },
    /// A flush of rows: what it added to each (window, segment).
    Data {
        /// The deltas, by window then segment.
        windows: Vec<WindowDelta>,
        /// The predictions kept for labels (Parquet: id, time, window,
        /// segment, prediction), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        predictions: Option<Hash>,
    },
    /// Labels arrived: the pairs they made with kept predictions.
    Labels {
        /// The deltas (rows 0; labels and joined pairs), by window then segment.
        windows: Vec<WindowDelta>,
        /// The monitor's clock when they arrived (Unix milliseconds; the
        /// event's own `time` unless a clock was set), for label lag.
        at_ms: i64,
    },
    /// An alert rule was added (or replaced, under the same name).
    Rule {
        /// Its name.
        name: String,
        /// Its text.
        rule: String,
        /// `info`, `warning` or `critical`.
        severity: String,
        /// Windows after a resolve during which it does not fire again.
        cooldown_windows: u64,
    },
    /// A rule was removed.
    RemoveRule {
        /// Its name.
        name: String,
    },
    /// A rule changed state.
    Alert {
        /// The rule's name.
        rule: String,
        /// `firing` or `resolved`.
        state: String,
        /// Its severity.
        severity: String,
        /// The window whose result made the change.
        window: i64,
        /// The windows whose condition held (for a firing).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        windows: Vec<i64>,
    },
    /// A retraining was asked for, because of an alert.
    RetrainRequested {
        /// The rule that fired.
        rule: String,
        /// The sequence number of its `alert` event.
        alert: u64,
        /// The windows the alert was about.
        windows: Vec<i64>,
        /// The reference the model was trained on, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<super::config::ReferenceRef>,
    },
    /// Windows evaluated, kept so they need not be again (see
    /// `monitor::cache`): derived figures, not facts.
    Evaluated {
        /// The table of their figures (Parquet).
        results: Hash,
        /// The windows (and segments) it holds.
        windows: u64,
        /// Whether it holds every window kept, so earlier tables are not read.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        snapshot: bool,
        /// The version of the figures' definitions it was computed with.
        version: u32,
    },
    /// Where retraining requests are posted (`url: None` removes it).
    Webhook {
        /// The URL (`http://` or `https://`) each request is posted to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// The name of the environment variable holding the signing secret
        /// (the secret itself is never written to the log).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret_env: Option<String>,
    },
    /// The outcome of posting a retraining request to the webhook.
    WebhookDelivery {
        /// The `retrain_requested` event posted.
        retrain: u64,
        /// The URL it was posted to.
        url: String,
        /// Whether the receiver answered 2xx.
        delivered: bool,
        /// The last HTTP status received, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// Attempts made.
        attempts: u32,
        /// Why it was not delivered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A run or an asset version was made because of a retraining request
    /// (its lineage names the request; see [`super::RetrainCause`]).
    Retrained {
        /// The `retrain_requested` event it answers.
        retrain: u64,
        /// The run, if a run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        run: Option<String>,
        /// The asset version, if one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<crate::registry::AssetRef>,
    },
}

impl MonitorChange {
    /// The event type's name, as written in `type`.
    pub fn name(&self) -> &'static str {
        match self {
            MonitorChange::Create { .. } => "create",
            MonitorChange::Schema { .. } => "schema",
            MonitorChange::Data { .. } => "data",
            MonitorChange::Labels { .. } => "labels",
            MonitorChange::Rule { .. } => "rule",
            MonitorChange::RemoveRule { .. } => "remove_rule",
            MonitorChange::Alert { .. } => "alert",
            MonitorChange::RetrainRequested { .. } => "retrain_requested",
            MonitorChange::Evaluated { .. } => "evaluated",
            MonitorChange::Webhook { .. } => "webhook",
            MonitorChange::WebhookDelivery { .. } => "webhook_delivery",
            MonitorChange::Retrained { .. } => "retrained",
        }
    }

    /// The blobs this event names, which its writer stored just before it
    /// (profiles, suite states, tables, the schema, the suite): what the
    /// writers' guard leases and checks (`gc::guard`).
    pub(crate) fn stored(&self) -> Vec<Hash> {
        let deltas = |ws: &[WindowDelta]| -> Vec<Hash> {
            ws.iter()
                .flat_map(|w| [&w.profile, &w.suite, &w.joined])
                .flatten()
                .cloned()
                .collect()
        };
        match self {
            MonitorChange::Create {
                config,
                schema,
                reference_profile,
                reference_pairs,
                reference_cbpe,
                ..
            } => [
                &config.suite,
                schema,
                reference_profile,
                reference_pairs,
                reference_cbpe,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
            MonitorChange::Schema { schema } => vec![schema.clone()],
            MonitorChange::Data {
                windows,
                predictions,
            } => {
                let mut out = deltas(windows);
                out.extend(predictions.iter().cloned());
                out
            }
            MonitorChange::Labels { windows, .. } => deltas(windows),
            MonitorChange::Evaluated { results, .. } => vec![results.clone()],
            _ => Vec::new(),
        }
    }
}
