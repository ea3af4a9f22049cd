//! The registry's run calls: start or attach to a run, read one, list them,
//! read a series' history, verify a run.

use rayon::prelude::*;

use super::fold::{fold, RunInfo};
use super::history::{self, HistoryOptions};
use super::id::{check_run_id, run_log};
use super::segment;
use super::writer::{Run, RunOptions, StartRun};
use crate::error::{Error, Result};
use crate::registry::Registry;

impl Registry {
    /// Starts a run (see [`StartRun`]) and returns it for writing.
    pub fn start_run(&self, start: StartRun) -> Result<Run> {
        Run::start(self, start)
    }

    /// Opens run `id`, which has not ended, for writing from this process
    /// too (a process started by `mlops run exec` logging into its run).
    pub fn attach_run(&self, id: &str, options: RunOptions) -> Result<Run> {
        Run::attach(self, id, options)
    }

    /// Run `id`: the fold of its log, its hash chain checked. An unknown id
    /// is an [`Error::NotFound`] naming it.
    pub fn run(&self, id: &str) -> Result<RunInfo> {
        let log = run_log(id)?;
        let events = self.store().read_log(&log)?;
        if events.is_empty() {
            return Err(Error::NotFound(format!("run {id}")));
        }
        fold(id, &events)
    }

    /// The ids of every run in the store, oldest first (ids sort by start
    /// time).
    pub fn run_ids(&self) -> Result<Vec<String>> {
        let mut ids = self.store().children("runs")?;
        ids.retain(|id| check_run_id(id).is_ok());
        ids.sort_unstable();
        Ok(ids)
    }

    /// Every run (of `experiment`, when given), newest first. Runs are read
    /// in parallel; a damaged run is an error naming it.
    pub fn runs(&self, experiment: Option<&str>) -> Result<Vec<RunInfo>> {
        let ids = self.run_ids()?;
        let mut runs = self.fold_runs(ids.iter())?;
        runs.retain(|r| experiment.is_none_or(|e| r.experiment == e));
        runs.reverse();
        Ok(runs)
    }

    /// The runs `ids`, read from their logs in parallel, in the same order;
    /// a run folder whose first event is not there yet (a run being started
    /// this instant) is left out, a damaged run is an error naming it.
    pub(crate) fn fold_runs<'i>(
        &self,
        ids: impl Iterator<Item = &'i String>,
    ) -> Result<Vec<RunInfo>> {
        let ids: Vec<&String> = ids.collect();
        ids.par_iter()
            .map(|id| self.run(id))
            .collect::<Vec<Result<RunInfo>>>()
            .into_iter()
            .filter_map(|r| match r {
                Err(Error::NotFound(_)) => None,
                other => Some(other),
            })
            .collect()
    }

    /// The points of series `key` of run `id`, as a table of
    /// [`super::history_schema`] (`step`, `time`, `value`, `context`)
    /// ordered by (step, time); see [`HistoryOptions`]. A key the run never
    /// logged is an [`Error::NotFound`] listing the keys it has.
    pub fn run_history(
        &self,
        id: &str,
        key: &str,
        options: &HistoryOptions,
    ) -> Result<arrow::array::RecordBatch> {
        let run = self.run(id)?;
        let logged = run.metrics.iter().any(|s| {
            s.key == key
                && options
                    .context
                    .as_deref()
                    .is_none_or(|c| s.context.as_deref() == Some(c))
        });
        if !logged {
            let mut keys: Vec<String> = run.metrics.iter().map(|s| s.series()).collect();
            keys.dedup();
            return Err(Error::NotFound(format!(
                "run {id} has no metric '{}'{} (it has: {})",
                crate::text::clip(key, 80),
                options
                    .context
                    .as_deref()
                    .map(|c| format!(" in context '{}'", crate::text::clip(c, 80)))
                    .unwrap_or_default(),
                if keys.is_empty() {
                    "none".into()
                } else {
                    keys.join(", ")
                }
            )));
        }
        let parts: Vec<Vec<arrow::array::RecordBatch>> = run
            .segments
            .par_iter()
            .map(|s| {
                let mut bytes = Vec::new();
                self.store().get_content(s, &mut bytes)?;
                segment::read_series(
                    bytes,
                    &format!("run {id}: segment {s}"),
                    key,
                    options.context.as_deref(),
                )
            })
            .collect::<Result<_>>()?;
        let parts: Vec<_> = parts.into_iter().flatten().collect();
        if parts.is_empty() {
            return Ok(history::empty());
        }
        let h = history::ordered(parts)?;
        match options.downsample {
            Some(n) => history::downsample(&h, n),
            None => Ok(h),
        }
    }

    /// The batches of one of run `id`'s Parquet files.
    pub(crate) fn segment(&self, id: &str, hash: &str) -> Result<Vec<arrow::array::RecordBatch>> {
        let mut bytes = Vec::new();
        self.store().get_content(hash, &mut bytes)?;
        segment::decode(bytes, &format!("run {id}: segment {hash}"))
    }

    /// Checks run `id`: its log's hash chain, every event's form, and every
    /// segment and artifact it names (read back against its hashes, and the
    /// segments decoded with their point counts matching the log's).
    /// Returns the number of points.
    pub fn verify_run(&self, id: &str) -> Result<u64> {
        let log = run_log(id)?;
        let events = self.store().read_log(&log)?;
        let run = fold(id, &events)?;
        let mut expected: std::collections::HashMap<String, u64> = Default::default();
        for e in &events {
            match super::fold::parse(id, e)?.change {
                super::RunChange::Metrics {
                    segment, points, ..
                } => {
                    expected.insert(segment.to_string(), points);
                }
                super::RunChange::Compacted { file, points, .. } => {
                    expected.insert(file.to_string(), points);
                }
                _ => {}
            }
        }
        let counts: Vec<u64> = run
            .segments
            .par_iter()
            .map(|s| -> Result<u64> {
                let rows: usize = self.segment(id, s)?.iter().map(|b| b.num_rows()).sum();
                let want = expected.get(s.as_str()).copied().unwrap_or(0);
                if rows as u64 != want {
                    return Err(Error::Integrity(format!(
                        "run {id}: segment {s} holds {rows} points, its event says {want}"
                    )));
                }
                Ok(want)
            })
            .collect::<Result<_>>()?;
        for a in &run.artifacts {
            self.store().get_content(&a.content, std::io::sink())?;
        }
        Ok(counts.iter().sum())
    }
}
