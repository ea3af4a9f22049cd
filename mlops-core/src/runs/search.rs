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
use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
    UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use serde_json::Value;

use super::fold::RunInfo;
use super::summary::SeriesSummary;
use crate::error::Result;
use crate::registry::Registry;
use crate::search::{Fields, Query};

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
        let mut hits: Vec<RunInfo> = self
            .runs(None)?
            .into_iter()
            .filter(|r| q.matches(r))
            .collect();
        q.order_and_limit(&mut hits);
        Ok(hits)
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
