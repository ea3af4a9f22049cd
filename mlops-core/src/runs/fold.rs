//! A run's state: the fold of its log's events ([`RunInfo`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::event::{RunChange, RunEvent, Source, RUN_EVENT_FORMAT, RUN_EVENT_VERSION};
use super::summary::SeriesSummary;
use super::RunStatus;
use crate::error::{Error, Result};
use crate::registry::AssetRef;
use crate::store::{Event, Hash};

/// A file stored with a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunArtifact {
    /// Its path within the run's artifacts.
    pub path: String,
    /// Its content's hash.
    pub content: Hash,
    /// Its size in bytes.
    pub size: u64,
}

/// What is known of a run: the fold of its log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// Its id.
    pub id: String,
    /// Its experiment.
    pub experiment: String,
    /// Its name, if given.
    pub name: Option<String>,
    /// The run it is nested in, if any.
    pub parent: Option<String>,
    /// How it stands. A run whose log says it is running but whose process
    /// is known to be gone is [`RunStatus::Crashed`].
    pub status: RunStatus,
    /// The exit status of its command (`mlops run exec`).
    pub exit_code: Option<i32>,
    /// When it started (Unix milliseconds).
    pub start_time: u64,
    /// When it ended, if it has.
    pub end_time: Option<u64>,
    /// Who started it.
    pub principal: String,
    /// Where it ran.
    pub source: Source,
    /// Its parameters.
    pub params: BTreeMap<String, String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// The summary of each metric series, in order of first appearance.
    pub metrics: Vec<SeriesSummary>,
    /// Points logged.
    pub points: u64,
    /// The asset versions it used.
    pub inputs: Vec<AssetRef>,
    /// The asset versions it made.
    pub outputs: Vec<AssetRef>,
    /// The monitor's retraining request it was started because of, if any.
    pub cause: Option<crate::monitor::RetrainCause>,
    /// Its files.
    pub artifacts: Vec<RunArtifact>,
    /// The Parquet files that hold its points (segments, or the compacted file).
    pub segments: Vec<Hash>,
    /// Events in its log.
    pub events: u64,
}

impl RunInfo {
    /// The summary of the series `key` (with `context`, or without one).
    pub fn metric(&self, key: &str, context: Option<&str>) -> Option<&SeriesSummary> {
        self.metrics
            .iter()
            .find(|s| s.key == key && s.context.as_deref() == context)
    }
}

/// Parses event `e` of run `id`'s log.
pub(crate) fn parse(id: &str, e: &Event) -> Result<RunEvent> {
    let ev: RunEvent = serde_json::from_slice(&e.bytes)
        .map_err(|err| Error::Integrity(format!("run {id}: event {}: {err}", e.seq)))?;
    if ev.format != RUN_EVENT_FORMAT {
        return Err(Error::Integrity(format!(
            "run {id}: event {} is a '{}' event, not a run's",
            e.seq, ev.format
        )));
    }
    if ev.v > RUN_EVENT_VERSION {
        return Err(Error::Integrity(format!(
            "run {id}: event {} is of format version {} (this build reads up to {RUN_EVENT_VERSION}): upgrade mlops",
            e.seq, ev.v
        )));
    }
    Ok(ev)
}

/// Folds run `id`'s events (its whole log, hash chain checked).
pub(crate) fn fold(id: &str, events: &[Event]) -> Result<RunInfo> {
    let first = events
        .first()
        .ok_or_else(|| Error::NotFound(format!("run {id}")))?;
    let start = parse(id, first)?;
    let RunChange::Start {
        experiment,
        name,
        parent,
        source,
        start_time,
    } = start.change
    else {
        return Err(Error::Integrity(format!(
            "run {id}: event 1 is a '{}' event, not the start",
            start.change.name()
        )));
    };
    let mut run = RunInfo {
        id: id.to_string(),
        experiment,
        name,
        parent,
        status: RunStatus::Running,
        exit_code: None,
        start_time: start_time.unwrap_or(start.time),
        end_time: None,
        principal: start.principal,
        source,
        params: BTreeMap::new(),
        tags: BTreeMap::new(),
        metrics: Vec::new(),
        points: 0,
        inputs: Vec::new(),
        outputs: Vec::new(),
        cause: None,
        artifacts: Vec::new(),
        segments: Vec::new(),
        events: events.len() as u64,
    };
    let mut series: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
    for e in &events[1..] {
        let ev = parse(id, e)?;
        match ev.change {
            RunChange::Start { .. } => {
                return Err(Error::Integrity(format!(
                    "run {id}: event {} starts the run again",
                    e.seq
                )))
            }
            RunChange::Params { params } => run.params.extend(params),
            RunChange::Tags { tags } => {
                for (k, v) in tags {
                    match v {
                        Some(v) => run.tags.insert(k, v),
                        None => run.tags.remove(&k),
                    };
                }
            }
            RunChange::Metrics {
                segment,
                points,
                series: summaries,
                ..
            } => {
                run.points += points;
                run.segments.push(segment);
                for s in summaries {
                    let at = *series
                        .entry((s.key.clone(), s.context.clone()))
                        .or_insert_with(|| {
                            run.metrics
                                .push(SeriesSummary::new(&s.key, s.context.as_deref()));
                            run.metrics.len() - 1
                        });
                    run.metrics[at].merge(&s);
                }
            }
            RunChange::Compacted { file, replaces, .. } => {
                run.segments.retain(|s| !replaces.contains(s));
                run.segments.push(file);
            }
            RunChange::Input { asset } => run.inputs.push(asset),
            RunChange::Output { asset } => run.outputs.push(asset),
            RunChange::Artifact {
                path,
                content,
                size,
            } => {
                run.artifacts.retain(|a| a.path != path);
                run.artifacts.push(RunArtifact {
                    path,
                    content,
                    size,
                });
            }
            RunChange::Cause { cause } => run.cause = Some(cause),
            RunChange::End {
                status,
                exit_code,
                end_time,
            } => {
                // The first end counts: a second writer's late end (an
                // attached process) does not rewrite how the run ended.
                if run.end_time.is_none() {
                    run.status = status;
                    run.exit_code = exit_code;
                    run.end_time = Some(end_time.unwrap_or(ev.time));
                }
            }
        }
    }
    if run.status == RunStatus::Running && super::source::is_alive(&run.source) == Some(false) {
        run.status = RunStatus::Crashed;
    }
    Ok(run)
}
