//! Writing a run that was made elsewhere (an MLflow run, a TensorBoard log):
//! its start, parameters, tags, every point in one segment, and its end, in
//! one go, with the source's start and end times kept.
//!
//! The events' own `time` stays when they were written (the log is the audit
//! trail); the source's times go in the start and end events' `start_time`
//! and `end_time`, which [`RunInfo`](super::RunInfo) reads. The run's id is
//! a UUIDv7 of the source's start time, so imported runs sort among the
//! others by when they ran. Everything is checked before the first event is
//! written: a run that cannot be imported leaves nothing behind.

use std::collections::BTreeMap;

use super::event::{RunChange, Source};
use super::id::run_log;
use super::segment::{self, Points};
use super::writer::check_context;
use super::{params, RunStatus};
use crate::error::{Error, Result};
use crate::registry::Registry;

/// The tag an imported run carries, naming what it was imported from
/// (`mlflow:<run id>`, `tensorboard:<path>`): re-importing an MLflow run
/// that a run of the store already names is skipped.
pub const IMPORTED_FROM_TAG: &str = "mlops.imported_from";

/// A run read from another tracker, ready to be written.
#[derive(Debug, Default)]
pub(crate) struct ImportedRun {
    /// Its experiment.
    pub experiment: String,
    /// Its name.
    pub name: Option<String>,
    /// The run it is nested in (a run of this store).
    pub parent: Option<String>,
    /// Where it ran, as far as the source says.
    pub source: Source,
    /// When it started (Unix milliseconds).
    pub start_time: u64,
    /// How and when it ended; `None` for a run the source has as running.
    pub end: Option<(RunStatus, u64)>,
    /// Its parameters.
    pub params: BTreeMap<String, String>,
    /// Its tags (with [`IMPORTED_FROM_TAG`]).
    pub tags: BTreeMap<String, String>,
    /// Its points.
    pub points: Points,
}

/// Checks everything `run` would write; `what` names it in errors.
fn check(run: &ImportedRun, what: &str) -> Result<()> {
    let named = |e: Error| match e {
        Error::InvalidInput(m) => Error::InvalidInput(format!("{what}: {m}")),
        other => other,
    };
    crate::registry::check_name(&run.experiment)
        .map_err(|e| named(Error::InvalidInput(format!("experiment: {e}"))))?;
    for (k, v) in &run.params {
        params::check_key("param", k).map_err(named)?;
        if v.chars().count() > params::MAX_PARAM_CHARS {
            return Err(named(Error::InvalidInput(format!(
                "param '{k}': the value is longer than {} characters",
                params::MAX_PARAM_CHARS
            ))));
        }
    }
    let tags = run
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    params::check_tags(&tags).map_err(named)?;
    for s in run.points.summaries() {
        params::check_key("metric", &s.key).map_err(named)?;
        if let Some(c) = &s.context {
            check_context(c).map_err(named)?;
        }
    }
    Ok(())
}

/// Writes `run` (checked first; `what` names it in errors) and returns its
/// new id.
pub(crate) fn write(registry: &Registry, run: ImportedRun, what: &str) -> Result<String> {
    check(&run, what)?;
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        run.start_time / 1000,
        (run.start_time % 1000) as u32 * 1_000_000,
    );
    let id = uuid::Uuid::new_v7(ts).simple().to_string();
    let log = run_log(&id)?;
    let append = |change: RunChange| super::writer::append(registry, &log, change);
    append(RunChange::Start {
        experiment: run.experiment,
        name: run.name,
        parent: run.parent,
        source: run.source,
        start_time: Some(run.start_time),
    })?;
    if !run.params.is_empty() {
        append(RunChange::Params { params: run.params })?;
    }
    if !run.tags.is_empty() {
        append(RunChange::Tags {
            tags: run.tags.into_iter().map(|(k, v)| (k, Some(v))).collect(),
        })?;
    }
    if !run.points.is_empty() {
        let series = run.points.summaries();
        let n = run.points.len() as u64;
        let bytes = segment::encode(&run.points.to_batch()?)?;
        let size = bytes.len() as u64;
        let (segment, _) = registry.store().put_content(bytes.as_slice())?;
        append(RunChange::Metrics {
            segment,
            points: n,
            bytes: size,
            series,
        })?;
    }
    if let Some((status, at)) = run.end {
        append(RunChange::End {
            status,
            exit_code: None,
            end_time: Some(at),
        })?;
    }
    Ok(id)
}

/// The values of [`IMPORTED_FROM_TAG`] of the store's runs, with the runs'
/// ids.
pub(crate) fn imported(registry: &Registry) -> Result<BTreeMap<String, String>> {
    Ok(registry
        .runs(None)?
        .into_iter()
        .filter_map(|r| {
            r.tags
                .get(IMPORTED_FROM_TAG)
                .map(|from| (from.clone(), r.id.clone()))
        })
        .collect())
}
