//! The events of a run's log (`runs/<id>/log`): the [`Envelope`] every log's
//! events share around a [`RunChange`]. A run's state is the fold of its log
//! (`runs/fold.rs`); metric points live in Parquet segments the events name
//! by hash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::summary::SeriesSummary;
use super::RunStatus;
use crate::registry::AssetRef;
use crate::store::{Envelope, Hash};

/// The `format` of a run log's events.
pub const RUN_EVENT_FORMAT: &str = "mlops.run";
/// The version of [`RUN_EVENT_FORMAT`] this build writes and reads.
pub const RUN_EVENT_VERSION: u32 = 1;

/// One event of a run's log.
pub type RunEvent = Envelope<RunChange>;

/// Where a run's process ran: recorded when the run starts, so a reader can
/// tell a run whose process died (crashed) from one still running.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The host's name.
    pub host: String,
    /// The process id.
    pub pid: u32,
    /// The process's start time in clock ticks since boot (Linux), which
    /// tells a reused pid from the run's own process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_start: Option<u64>,
    /// The command line, for runs started by `mlops run exec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// The git commit checked out in the working directory, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// Whether tracked files differ from that commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_dirty: Option<bool>,
}

/// What an event of a run's log records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunChange {
    /// The run started (always event 1).
    Start {
        /// The experiment it belongs to.
        experiment: String,
        /// A name for people, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The run it is nested in, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<String>,
        /// Where it ran.
        source: Source,
        /// When it started (Unix milliseconds), when that is not this
        /// event's own time: a run imported from another tracker
        /// (`runs/import.rs`) keeps its start time here, while the event's
        /// `time` stays when it was written.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_time: Option<u64>,
    },
    /// Parameters were added (each key once; see `runs/params.rs`).
    Params {
        /// Key → value, as text.
        params: BTreeMap<String, String>,
    },
    /// Tags were set (`Some`) or removed (`None`).
    Tags {
        /// Key → value.
        tags: BTreeMap<String, Option<String>>,
    },
    /// A flush of metric points: one Parquet segment and its summary.
    Metrics {
        /// The segment's content (a chunk manifest hash, see
        /// [`crate::store::Store::put_content`]).
        segment: Hash,
        /// Points in it.
        points: u64,
        /// Its size in bytes.
        bytes: u64,
        /// Per series, the summary of its points in this segment.
        series: Vec<SeriesSummary>,
    },
    /// Segments were rewritten as one file sorted by (key, context, step,
    /// time); readers read `file` instead of the segments it replaces.
    Compacted {
        /// The compacted file's content.
        file: Hash,
        /// Points in it (the sum of the replaced segments').
        points: u64,
        /// Its size in bytes.
        bytes: u64,
        /// The segments it replaces.
        replaces: Vec<Hash>,
    },
    /// The run used an asset version (a data set it trained on).
    Input {
        /// The version.
        asset: AssetRef,
    },
    /// The run made an asset version (a model it registered).
    Output {
        /// The version.
        asset: AssetRef,
    },
    /// A file stored with the run.
    Artifact {
        /// Its path within the run's artifacts.
        path: String,
        /// Its content.
        content: Hash,
        /// Its size in bytes.
        size: u64,
    },
    /// The run was started because of a monitor's retraining request
    /// (written right after the start; its models inherit it).
    Cause {
        /// The request.
        cause: crate::monitor::RetrainCause,
    },
    /// The run ended.
    End {
        /// How.
        status: RunStatus,
        /// The exit status of the command, for `mlops run exec`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        /// When it ended (Unix milliseconds), when that is not this event's
        /// own time (an imported run; see `start_time` of the start event).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end_time: Option<u64>,
    },
}

impl RunChange {
    /// The event type's name, as written.
    pub fn name(&self) -> &'static str {
        match self {
            RunChange::Start { .. } => "start",
            RunChange::Params { .. } => "params",
            RunChange::Tags { .. } => "tags",
            RunChange::Metrics { .. } => "metrics",
            RunChange::Compacted { .. } => "compacted",
            RunChange::Input { .. } => "input",
            RunChange::Output { .. } => "output",
            RunChange::Artifact { .. } => "artifact",
            RunChange::Cause { .. } => "cause",
            RunChange::End { .. } => "end",
        }
    }

    /// The blobs this event names that its writer stored just before it:
    /// what the writers' guard leases and checks (`gc::guard`). The
    /// segments a compaction replaces are named by earlier events already.
    pub(crate) fn stored(&self) -> Vec<Hash> {
        match self {
            RunChange::Metrics { segment, .. } => vec![segment.clone()],
            RunChange::Compacted { file, .. } => vec![file.clone()],
            RunChange::Artifact { content, .. } => vec![content.clone()],
            _ => Vec::new(),
        }
    }

    /// What the event records, for an error saying it was not committed.
    pub(crate) fn what(&self) -> &'static str {
        match self {
            RunChange::Metrics { .. } => "metric segment",
            RunChange::Compacted { .. } => "compacted file",
            RunChange::Artifact { .. } => "artifact",
            _ => "run event",
        }
    }
}
