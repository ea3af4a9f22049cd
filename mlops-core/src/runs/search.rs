//! Searching runs with the registry's filter language ([`Query`]): the
//! fields of a run, and the table of runs (one row per run, parameters and
//! metric summaries as columns) that search returns.
//!
//! Fields: `id`, `experiment`, `name`, `parent` (`parent is null` for top
//! runs), `status`, `start_time`, `end_time` (Unix ms), `principal`,
//! `points`, `params.<key>` (text; compared as a number against a number),
//! `tags.<key>`, and `metrics.<key>.<stat>` with `<stat>` one of `last`,
//! `min`, `max`, `mean`, `sum`, `count`, `nans`, `first_step`,
//! `last_step` (`metrics.<key>` alone is `last`, as in MLflow). Metric
//! fields read the series logged without a context.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
    UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use serde::Serialize;
use serde_json::Value;

use rayon::prelude::*;

use super::fold::RunInfo;
use super::index;
use super::summary::SeriesSummary;
use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::search::{Fields, Query};

mod memo;

/// What a search reads first: the run table, each run's row in it (by
/// position in the run ids), and the runs it lacks, folded from their logs.
struct Indexed {
    table: Option<index::Table>,
    rows: Vec<Option<usize>>,
    others: Vec<RunInfo>,
}

/// One page of runs ([`Registry::search_runs_page`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunsPage {
    /// How many runs match in all.
    pub total: usize,
    /// The page's runs, in the query's order.
    pub runs: Vec<RunInfo>,
}

/// The names runs use ([`Registry::run_keys`]), each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunKeys {
    /// Parameter names (the `params.<key>` fields).
    pub params: Vec<String>,
    /// Tag names (`tags.<key>`).
    pub tags: Vec<String>,
    /// Metric series logged without a context (`metrics.<key>`).
    pub metrics: Vec<String>,
}

/// The statistics of a series a field can name, in the run table's order.
pub const METRIC_STATS: [&str; 9] = [
    "last",
    "min",
    "max",
    "mean",
    "sum",
    "count",
    "nans",
    "first_step",
    "last_step",
];

fn stat(s: &SeriesSummary, name: &str) -> Value {
    let f = |x: f64| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
    match name {
        "last" => f(s.last),
        "min" => f(s.min),
        "max" => f(s.max),
        "mean" => f(s.mean()),
        "sum" => f(s.sum),
        "count" => Value::from(s.count),
        "nans" => Value::from(s.nans),
        "first_step" => Value::from(s.first_step),
        "last_step" => Value::from(s.last_step),
        _ => Value::Null,
    }
}

impl Fields for RunInfo {
    fn field(&self, path: &str) -> Cow<'_, Value> {
        let owned = |v: Value| Cow::Owned(v);
        let text = |s: &Option<String>| owned(s.clone().map_or(Value::Null, Value::String));
        if let Some(k) = path.strip_prefix("params.") {
            return text(&self.params.get(k).cloned());
        }
        if let Some(k) = path.strip_prefix("tags.") {
            return text(&self.tags.get(k).cloned());
        }
        if let Some(rest) = path.strip_prefix("metrics.") {
            // `metrics.<key>.<stat>`, or `metrics.<key>` for the last value;
            // a key may itself hold dots (`val.loss.min`).
            let (key, name) = match rest.rsplit_once('.') {
                Some((k, s)) if METRIC_STATS.contains(&s) && self.metric(k, None).is_some() => {
                    (k, s)
                }
                _ => (rest, "last"),
            };
            return owned(
                self.metric(key, None)
                    .map_or(Value::Null, |s| stat(s, name)),
            );
        }
        match path {
            "id" => owned(Value::String(self.id.clone())),
            "experiment" => owned(Value::String(self.experiment.clone())),
            "name" => text(&self.name),
            "parent" => text(&self.parent),
            "status" => owned(Value::String(self.status.as_str().into())),
            "start_time" => owned(Value::from(self.start_time)),
            "end_time" => owned(self.end_time.map_or(Value::Null, Value::from)),
            "principal" => owned(Value::String(self.principal.clone())),
            "points" => owned(Value::from(self.points)),
            "exit_code" => owned(self.exit_code.map_or(Value::Null, Value::from)),
            _ => owned(Value::Null),
        }
    }
}

impl Registry {
    /// The runs matching `query` (the filter language with `order by` and
    /// `limit`, see [`Query`] and this module's fields), newest first unless
    /// ordered otherwise. An invalid query is an
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) naming the
    /// position.
    ///
    /// ```
    /// use mlops_core::registry::Registry;
    /// use mlops_core::runs::{RunStatus, StartRun};
    /// let r = Registry::open("memory://").unwrap();
    /// for (lr, loss) in [(0.1, 0.5), (0.01, 0.2), (0.001, 0.4)] {
    ///     let run = r.start_run(StartRun { params: Some(serde_json::json!({"lr": lr})), ..Default::default() }).unwrap();
    ///     run.log(&[("loss", loss)], 0, None).unwrap();
    ///     run.end(RunStatus::Finished, None).unwrap();
    /// }
    /// let hits = r.search_runs("params.lr in (0.1, 0.01) order by metrics.loss.min limit 1").unwrap();
    /// assert_eq!(hits[0].params["lr"], "0.01");
    /// ```
    pub fn search_runs(&self, query: &str) -> Result<Vec<RunInfo>> {
        let q: Query = query.parse()?;
        Ok(self
            .search_runs_from(&q, 0, q.limit.unwrap_or(usize::MAX))?
            .runs)
    }

    /// One page of [`search_runs`](Self::search_runs): the hits at
    /// positions `offset..offset + limit` of the query's order (a `limit`
    /// in the query caps the hits first), and how many hits there are in
    /// all. Only the page's runs are read from their logs, so a page deep
    /// in 10,000 runs costs what the first one does; what the table says
    /// of the others is trusted for the count (a run an attached process
    /// wrote to after its end may be counted but not shown, as in
    /// [`search_runs`](Self::search_runs)).
    ///
    /// ```
    /// use mlops_core::registry::Registry;
    /// use mlops_core::runs::{RunStatus, StartRun};
    /// let r = Registry::open("memory://").unwrap();
    /// for loss in [0.5, 0.2, 0.4, 0.1] {
    ///     let run = r.start_run(StartRun::default()).unwrap();
    ///     run.log(&[("loss", loss)], 0, None).unwrap();
    ///     run.end(RunStatus::Finished, None).unwrap();
    /// }
    /// let page = r.search_runs_page("order by metrics.loss", 1, 2).unwrap();
    /// assert_eq!(page.total, 4);
    /// let losses: Vec<f64> = page.runs.iter().map(|r| r.metric("loss", None).unwrap().last).collect();
    /// assert_eq!(losses, [0.2, 0.4]);
    /// ```
    pub fn search_runs_page(&self, query: &str, offset: usize, limit: usize) -> Result<RunsPage> {
        let q: Query = query.parse()?;
        self.search_runs_from(&q, offset, limit)
    }

    /// Every parameter, tag and metric name of every run: what a runs
    /// table can show as columns. Read from the run table's column names,
    /// and from the logs of the runs the table does not hold yet.
    ///
    /// ```
    /// use mlops_core::registry::Registry;
    /// use mlops_core::runs::{RunStatus, StartRun};
    /// let r = Registry::open("memory://").unwrap();
    /// let run = r.start_run(StartRun { params: Some(serde_json::json!({"lr": 0.1})), ..Default::default() }).unwrap();
    /// run.log(&[("loss", 0.5), ("acc", 0.7)], 0, None).unwrap();
    /// run.end(RunStatus::Finished, None).unwrap();
    /// let keys = r.run_keys().unwrap();
    /// assert_eq!((keys.params, keys.metrics), (vec!["lr".to_string()], vec!["acc".to_string(), "loss".to_string()]));
    /// ```
    pub fn run_keys(&self) -> Result<RunKeys> {
        let ids = self.run_ids()?;
        let (mut params, mut tags, mut metrics) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for name in index::column_names(self) {
            if let Some(k) = name.strip_prefix("params.") {
                params.insert(k.to_string());
            } else if let Some(k) = name.strip_prefix("tags.") {
                tags.insert(k.to_string());
            } else if let Some(rest) = name.strip_prefix("metrics.") {
                if let Some((k, s)) = rest.rsplit_once('.') {
                    if METRIC_STATS.contains(&s) {
                        metrics.insert(k.to_string());
                    }
                }
            }
        }
        let others = self.table_and_others(&ids, &|_| false)?.others;
        for r in &others {
            params.extend(r.params.keys().cloned());
            tags.extend(r.tags.keys().cloned());
            metrics.extend(
                r.metrics
                    .iter()
                    .filter(|s| s.context.is_none())
                    .map(|s| s.key.clone()),
            );
        }
        Ok(RunKeys {
            params: params.into_iter().collect(),
            tags: tags.into_iter().collect(),
            metrics: metrics.into_iter().collect(),
        })
    }

    /// The run table with the columns `keep` accepts, the row of each of
    /// `ids` in it, and the runs it does not hold, folded from their logs.
    fn table_and_others(&self, ids: &[String], keep: &dyn Fn(&str) -> bool) -> Result<Indexed> {
        let table = index::load(self, Some(keep)).map(index::Table::new);
        let rows: Vec<Option<usize>> = match &table {
            Some(t) => index::rows_of(t, ids),
            None => vec![None; ids.len()],
        };
        let others = self.fold_runs(
            ids.iter()
                .zip(&rows)
                .filter(|(_, row)| row.is_none())
                .map(|(id, _)| id),
        )?;
        Ok(Indexed {
            table,
            rows,
            others,
        })
    }

    /// The hits of `q` from position `offset`, at most `limit` of them.
    fn search_runs_from(&self, q: &Query, offset: usize, limit: usize) -> Result<RunsPage> {
        let ids = self.run_ids()?;
        // The run table's rows, with only the columns the query reads.
        let wanted: Vec<String> = q
            .fields()
            .into_iter()
            .flat_map(index::columns_for)
            .collect();
        let keep = |name: &str| wanted.iter().any(|w| w == name);
        let Indexed {
            table,
            rows,
            others: folded,
        } = self.table_and_others(&ids, &keep)?;
        // The runs the table lacks that have ended join it.
        let ended: Vec<&RunInfo> = folded.iter().filter(|r| index::is_final(r)).collect();
        if !ended.is_empty() {
            // A cache: a store this caller cannot write to still searches.
            let _ = index::add(self, &ended);
        }
        let by_id: HashMap<&str, &RunInfo> = folded.iter().map(|r| (r.id.as_str(), r)).collect();
        // Newest first, then the query's order.
        let mut hits: Vec<Candidate<'_>> = ids
            .iter()
            .zip(&rows)
            .rev()
            .filter_map(|(id, row)| match (row, &table) {
                (Some(at), Some(table)) => Some(Candidate::Row(index::Row { table, at: *at })),
                _ => by_id.get(id.as_str()).map(|r| Candidate::Run(r)),
            })
            .filter(|c| q.matches(c))
            .collect();
        let all = Query {
            limit: None,
            ..q.clone()
        };
        all.order_and_limit(&mut hits);
        let cap = q.limit.unwrap_or(usize::MAX);
        let total = hits.len().min(cap);
        let limit = limit.min(cap.saturating_sub(offset));
        // Every hit is read from its log and checked again: a stale row
        // never makes a run match.
        let mut out: Vec<RunInfo> = Vec::new();
        let mut next = hits.into_iter().skip(offset);
        while out.len() < limit {
            let batch: Vec<Candidate<'_>> = next
                .by_ref()
                .take((limit - out.len()).clamp(1, 256))
                .collect();
            if batch.is_empty() {
                break;
            }
            let read: Vec<Option<RunInfo>> = batch
                .par_iter()
                .map(|c| match c {
                    Candidate::Run(r) => Ok(Some((*r).clone())),
                    Candidate::Row(row) => {
                        let id = row.table.ids().value(row.at);
                        match self.run_memo(id) {
                            Ok(r) => Ok(q.matches(&r).then_some(r)),
                            Err(Error::NotFound(_)) => Ok(None),
                            Err(e) => Err(e),
                        }
                    }
                })
                .collect::<Result<_>>()?;
            out.extend(read.into_iter().flatten());
        }
        out.truncate(limit);
        Ok(RunsPage { total, runs: out })
    }

    /// Writes the table of the runs matching `query` (every run when
    /// `None`; see [`runs_table`]) to the Parquet file `path`, whole or not at all
    /// (a temporary file beside it, then a rename). Returns the number of
    /// runs.
    ///
    /// ```
    /// use mlops_core::registry::Registry;
    /// use mlops_core::runs::{RunStatus, StartRun};
    /// let r = Registry::open("memory://").unwrap();
    /// let run = r.start_run(StartRun::default()).unwrap();
    /// run.log(&[("loss", 0.5)], 0, None).unwrap();
    /// run.end(RunStatus::Finished, None).unwrap();
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("runs.parquet");
    /// assert_eq!(r.export_runs_parquet(None, &path).unwrap(), 1);
    /// assert!(std::fs::read(&path).unwrap().starts_with(b"PAR1"));
    /// ```
    pub fn export_runs_parquet(&self, query: Option<&str>, path: &std::path::Path) -> Result<u64> {
        let hits = self.search_runs(query.unwrap_or_default())?;
        let table = runs_table(&hits)?;
        let mut bytes = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut bytes, table.schema(), None)?;
        w.write(&table)?;
        w.close()?;
        crate::io::write_whole(path, &bytes)?;
        Ok(hits.len() as u64)
    }

    /// Writes the run table anew from every run's log (see
    /// `runs/index.rs`): for a table that went stale because a process
    /// attached to a run wrote to it after its end. Returns the number of
    /// rows (ended runs).
    pub fn rebuild_run_table(&self) -> Result<u64> {
        let runs = self.runs(None)?;
        index::rebuild(self, &runs)
    }
}

/// A run a search looks at: a row of the run table, or a run read from its log.
enum Candidate<'t> {
    Row(index::Row<'t>),
    Run(&'t RunInfo),
}

impl Fields for Candidate<'_> {
    fn field(&self, path: &str) -> Cow<'_, Value> {
        match self {
            Candidate::Row(r) => r.field(path),
            Candidate::Run(r) => r.field(path),
        }
    }
}

/// The table of `runs`: one row per run; columns `id`, `experiment`,
/// `name`, `parent`, `status`, `start_time`, `end_time`, `principal`,
/// `points`, then `params.<key>` (text) for every parameter any run has,
/// then `metrics.<series>.<stat>` for `last`, `min`, `max`, `mean` and
/// `count` of every series any run has (a series with a context is named
/// `key[context]`); a run without one has a null there.
pub fn runs_table(runs: &[RunInfo]) -> Result<RecordBatch> {
    let mut fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("experiment", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("parent", DataType::Utf8, true),
        Field::new("status", DataType::Utf8, false),
        Field::new(
            "start_time",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            false,
        ),
        Field::new(
            "end_time",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        Field::new("principal", DataType::Utf8, false),
        Field::new("points", DataType::UInt64, false),
    ];
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(runs.iter().map(|r| &r.id))),
        Arc::new(StringArray::from_iter_values(
            runs.iter().map(|r| &r.experiment),
        )),
        Arc::new(StringArray::from_iter(
            runs.iter().map(|r| r.name.as_deref()),
        )),
        Arc::new(StringArray::from_iter(
            runs.iter().map(|r| r.parent.as_deref()),
        )),
        Arc::new(StringArray::from_iter_values(
            runs.iter().map(|r| r.status.as_str()),
        )),
        Arc::new(
            TimestampMillisecondArray::from_iter_values(runs.iter().map(|r| r.start_time as i64))
                .with_timezone("UTC"),
        ),
        Arc::new(
            TimestampMillisecondArray::from_iter(runs.iter().map(|r| r.end_time.map(|t| t as i64)))
                .with_timezone("UTC"),
        ),
        Arc::new(StringArray::from_iter_values(
            runs.iter().map(|r| &r.principal),
        )),
        Arc::new(UInt64Array::from_iter_values(runs.iter().map(|r| r.points))),
    ];
    let params: BTreeSet<&String> = runs.iter().flat_map(|r| r.params.keys()).collect();
    for k in params {
        fields.push(Field::new(format!("params.{k}"), DataType::Utf8, true));
        cols.push(Arc::new(StringArray::from_iter(
            runs.iter().map(|r| r.params.get(k).map(String::as_str)),
        )));
    }
    let series: BTreeSet<(String, Option<String>)> = runs
        .iter()
        .flat_map(|r| r.metrics.iter().map(|s| (s.key.clone(), s.context.clone())))
        .collect();
    for (key, context) in &series {
        let name = SeriesSummary::new(key, context.as_deref()).series();
        let summaries: Vec<Option<&SeriesSummary>> = runs
            .iter()
            .map(|r| r.metric(key, context.as_deref()))
            .collect();
        for stat in ["last", "min", "max", "mean"] {
            fields.push(Field::new(
                format!("metrics.{name}.{stat}"),
                DataType::Float64,
                true,
            ));
            cols.push(Arc::new(Float64Array::from_iter(summaries.iter().map(
                |s| {
                    s.map(|s| match stat {
                        "last" => s.last,
                        "min" => s.min,
                        "max" => s.max,
                        _ => s.mean(),
                    })
                },
            ))));
        }
        fields.push(Field::new(
            format!("metrics.{name}.count"),
            DataType::Int64,
            true,
        ));
        cols.push(Arc::new(Int64Array::from_iter(
            summaries.iter().map(|s| s.map(|s| s.count as i64)),
        )));
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}
