//! The run table: one row per ended run (its fields, parameters, tags and
//! metric summaries as columns), kept as Parquet beside the run logs so
//! that search reads a few columns of one or two files instead of every
//! run's log, and never a metric segment.
//!
//! ```text
//! <root>/indexes/runs/base.parquet    most rows (replaced when the delta is merged in)
//! <root>/indexes/runs/delta.parquet   rows added since (replaced on each addition)
//! ```
//!
//! Like every index (`docs/store-protocol.md`, "Indexes") the table is a
//! cache of the logs, which stay the truth:
//!
//! - Only runs that have ended are rows: their logs no longer grow (but for
//!   a late write of an attached process, see below). Running and crashed
//!   runs are read from their logs at each search.
//! - A search lists the run ids, takes the rows of those it finds in the
//!   table and folds the logs of the others; the ended ones among those are
//!   added to the table (best effort: a store the caller cannot write to,
//!   or a racing writer, only means they are folded again next time).
//! - Every hit is folded from its log before it is returned, and checked
//!   against the filter again, so a row can never make a run match that
//!   does not. What a stale row can do is hide a run: an event appended
//!   after a run's end (by a process attached to it) is not seen by the
//!   filter until the table is rebuilt ([`Registry::rebuild_run_table`]).
//! - A missing, damaged or unreadable table reads as empty: the search
//!   falls back to the logs and writes the table again.
//!
//! Columns: `id`, `events` (the log's length when the row was made),
//! `experiment`, `name`, `parent`, `status`, `start_time`, `end_time`,
//! `principal`, `points`, `exit_code`, then `params.<key>` and
//! `tags.<key>` (text) and `metrics.<key>.<stat>` for every statistic of
//! [`METRIC_STATS`] of every series logged without a context, each named
//! exactly as the search field that reads it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, UInt32Array, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Int64Type, Schema, UInt64Type};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use super::fold::RunInfo;
use super::search::METRIC_STATS;
use super::RunStatus;
use crate::error::Result;
use crate::registry::Registry;
use crate::search::Fields;

/// Where the table's two files are.
const BASE: &str = "indexes/runs/base.parquet";
const DELTA: &str = "indexes/runs/delta.parquet";

/// The delta is merged into the base once it holds more rows than this, or
/// a tenth of the base, whichever is more: additions rewrite a small file,
/// and a search reads at most two.
const DELTA_ROWS: usize = 1_000;

/// The columns every row has, before the parameters, tags and metrics.
const FIXED: [&str; 11] = [
    "id",
    "events",
    "experiment",
    "name",
    "parent",
    "status",
    "start_time",
    "end_time",
    "principal",
    "points",
    "exit_code",
];

/// Whether run `r` is a row of the table: it has ended.
pub(crate) fn is_final(r: &RunInfo) -> bool {
    r.end_time.is_some() && !matches!(r.status, RunStatus::Running | RunStatus::Crashed)
}

/// The rows of `runs` (ended ones; see [`is_final`]) as one batch.
pub(crate) fn rows(runs: &[&RunInfo]) -> Result<RecordBatch> {
    let text = |f: &dyn Fn(&RunInfo) -> Option<&str>| -> ArrayRef {
        Arc::new(StringArray::from_iter(runs.iter().map(|r| f(r))))
    };
    let mut fields: Vec<Field> = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    let mut push = |name: String, dt: DataType, col: ArrayRef| {
        fields.push(Field::new(name, dt, true));
        cols.push(col);
    };
    push("id".into(), DataType::Utf8, text(&|r| Some(&r.id)));
    push(
        "events".into(),
        DataType::UInt64,
        Arc::new(UInt64Array::from_iter_values(runs.iter().map(|r| r.events))),
    );
    push(
        "experiment".into(),
        DataType::Utf8,
        text(&|r| Some(&r.experiment)),
    );
    push("name".into(), DataType::Utf8, text(&|r| r.name.as_deref()));
    push(
        "parent".into(),
        DataType::Utf8,
        text(&|r| r.parent.as_deref()),
    );
    push(
        "status".into(),
        DataType::Utf8,
        text(&|r| Some(r.status.as_str())),
    );
    push(
        "start_time".into(),
        DataType::UInt64,
        Arc::new(UInt64Array::from_iter_values(
            runs.iter().map(|r| r.start_time),
        )),
    );
    push(
        "end_time".into(),
        DataType::UInt64,
        Arc::new(UInt64Array::from_iter(runs.iter().map(|r| r.end_time))),
    );
    push(
        "principal".into(),
        DataType::Utf8,
        text(&|r| Some(&r.principal)),
    );
    push(
        "points".into(),
        DataType::UInt64,
        Arc::new(UInt64Array::from_iter_values(runs.iter().map(|r| r.points))),
    );
    push(
        "exit_code".into(),
        DataType::Int32,
        Arc::new(Int32Array::from_iter(runs.iter().map(|r| r.exit_code))),
    );
    let mut params: BTreeMap<&str, ()> = BTreeMap::new();
    let mut tags: BTreeMap<&str, ()> = BTreeMap::new();
    let mut series: BTreeMap<&str, ()> = BTreeMap::new();
    for r in runs {
        params.extend(r.params.keys().map(|k| (k.as_str(), ())));
        tags.extend(r.tags.keys().map(|k| (k.as_str(), ())));
        series.extend(
            r.metrics
                .iter()
                .filter(|s| s.context.is_none())
                .map(|s| (s.key.as_str(), ())),
        );
    }
    for k in params.keys() {
        push(
            format!("params.{k}"),
            DataType::Utf8,
            text(&|r| r.params.get(*k).map(String::as_str)),
        );
    }
    for k in tags.keys() {
        push(
            format!("tags.{k}"),
            DataType::Utf8,
            text(&|r| r.tags.get(*k).map(String::as_str)),
        );
    }
    for k in series.keys() {
        let summaries: Vec<_> = runs.iter().map(|r| r.metric(k, None)).collect();
        for stat in METRIC_STATS {
            let name = format!("metrics.{k}.{stat}");
            let float = |f: fn(&super::SeriesSummary) -> f64| -> ArrayRef {
                Arc::new(Float64Array::from_iter(summaries.iter().map(|s| s.map(f))))
            };
            let int = |f: fn(&super::SeriesSummary) -> i64| -> ArrayRef {
                Arc::new(Int64Array::from_iter(summaries.iter().map(|s| s.map(f))))
            };
            let (dt, col) = match stat {
                "last" => (DataType::Float64, float(|s| s.last)),
                "min" => (DataType::Float64, float(|s| s.min)),
                "max" => (DataType::Float64, float(|s| s.max)),
                "mean" => (DataType::Float64, float(|s| s.mean())),
                "sum" => (DataType::Float64, float(|s| s.sum)),
                "count" => (DataType::Int64, int(|s| s.count as i64)),
                "nans" => (DataType::Int64, int(|s| s.nans as i64)),
                "first_step" => (DataType::Int64, int(|s| s.first_step)),
                _ => (DataType::Int64, int(|s| s.last_step)),
            };
            push(name, dt, col);
        }
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}

/// `batches` as one: the union of their columns (the first type a name
/// has wins; a batch without a column gets nulls there), one row per id
/// (the row made from the longest log), ordered by id.
pub(crate) fn union(batches: &[RecordBatch]) -> Result<RecordBatch> {
    let mut fields: Vec<Field> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for b in batches {
        for f in b.schema().fields() {
            if !at.contains_key(f.name()) {
                at.insert(f.name().clone(), fields.len());
                fields.push(Field::new(f.name(), f.data_type().clone(), true));
            }
        }
    }
    let schema = Arc::new(Schema::new(fields));
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        let parts: Vec<ArrayRef> = batches
            .iter()
            .map(|b| match b.column_by_name(f.name()) {
                Some(c) if c.data_type() == f.data_type() => c.clone(),
                _ => new_null_array(f.data_type(), b.num_rows()),
            })
            .collect();
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        cols.push(if refs.is_empty() {
            new_null_array(f.data_type(), 0)
        } else {
            arrow::compute::concat(&refs)?
        });
    }
    let all = RecordBatch::try_new(schema, cols)?;
    // One row per id: the one with the most events.
    let Some(ids) = column::<StringArray>(&all, "id") else {
        return Ok(all);
    };
    let events = all
        .column_by_name("events")
        .map(|c| c.as_primitive::<UInt64Type>().clone());
    let mut best: BTreeMap<&str, (u64, u32)> = BTreeMap::new();
    for i in 0..all.num_rows() {
        if ids.is_null(i) {
            continue;
        }
        let n = events.as_ref().map_or(0, |e| e.value(i));
        let e = best.entry(ids.value(i)).or_insert((n, i as u32));
        if n > e.0 {
            *e = (n, i as u32);
        }
    }
    let take = UInt32Array::from_iter_values(best.values().map(|(_, i)| *i));
    let cols = all
        .columns()
        .iter()
        .map(|c| arrow::compute::take(c.as_ref(), &take, None))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(all.schema(), cols)?)
}

/// The column `name` of `b` as an array of type `A`, if it has one of that type.
fn column<'b, A: Array + 'static>(b: &'b RecordBatch, name: &str) -> Option<&'b A> {
    b.column_by_name(name)?.as_any().downcast_ref::<A>()
}

/// The table's Parquet bytes.
fn encode(b: &RecordBatch) -> Result<Vec<u8>> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .set_max_row_group_row_count(Some(128 * 1024))
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, b.schema(), Some(props))?;
    w.write(b)?;
    w.close()?;
    Ok(out)
}

/// The columns of the table file at `path` whose names `keep` accepts
/// (all when `None`), or `None` when the file is missing or does not read
/// as a table (a cache: the caller falls back to the logs). Only the
/// file's footer and the chunks of those columns are read, not the whole
/// file: the base is ~100 MB over 10,000 runs of 200 metrics, and a search
/// reads a few of its ~2,000 columns.
fn read(
    registry: &Registry,
    path: &str,
    keep: Option<&dyn Fn(&str) -> bool>,
) -> Option<RecordBatch> {
    let object = registry.store().open_index(path).ok()??;
    let metadata = ArrowReaderMetadata::load(&object, Default::default()).ok()?;
    let schema = metadata.schema().clone();
    let roots: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            keep.is_none_or(|keep| f.name() == "id" || f.name() == "events" || keep(f.name()))
        })
        .map(|(i, _)| i)
        .collect();
    // The chunks of those columns, fetched together from a bucket (the
    // table's columns are flat: a root column is one leaf).
    let ranges: Vec<std::ops::Range<u64>> = metadata
        .metadata()
        .row_groups()
        .iter()
        .flat_map(|g| {
            roots.iter().filter_map(move |&i| {
                let (start, len) = g.columns().get(i)?.byte_range();
                Some(start..start + len)
            })
        })
        .collect();
    object.prefetch(&ranges).ok()?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(object, metadata);
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(256 * 1024)
        .build()
        .ok()?;
    let batches: Vec<RecordBatch> = reader.collect::<std::result::Result<_, _>>().ok()?;
    let b = match batches.len() {
        0 => return None,
        1 => batches.into_iter().next()?,
        _ => arrow::compute::concat_batches(&batches[0].schema(), &batches).ok()?,
    };
    // A file that is not a table of ours reads as none.
    column::<StringArray>(&b, "id")?;
    column::<UInt64Array>(&b, "events")?;
    Some(b)
}

/// The names of the table's columns (base and delta, each once, in
/// order), read from the files' footers without decoding a row; none when
/// there is no table that reads.
pub(crate) fn column_names(registry: &Registry) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for path in [BASE, DELTA] {
        let Some(object) = registry.store().open_index(path).ok().flatten() else {
            continue;
        };
        let Ok(metadata) = ArrowReaderMetadata::load(&object, Default::default()) else {
            continue;
        };
        for f in metadata.schema().fields() {
            if !names.iter().any(|n| n == f.name()) {
                names.push(f.name().clone());
            }
        }
    }
    names
}

/// The table (base and delta), with only the columns `keep` accepts (and
/// `id`, `events`); `None` when there is none that reads.
pub(crate) fn load(
    registry: &Registry,
    keep: Option<&dyn Fn(&str) -> bool>,
) -> Option<RecordBatch> {
    let parts: Vec<RecordBatch> = [BASE, DELTA]
        .iter()
        .filter_map(|p| read(registry, p, keep))
        .collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => union(&parts).ok(),
    }
}

/// Adds the rows of `runs` (ended ones) to the table: into the delta, or,
/// when the delta has grown past [`DELTA_ROWS`] or a tenth of the base,
/// merged with it into a new base (and an empty delta). Each file is
/// replaced whole and atomically; a racing writer's rows may be lost, which
/// only means those runs are folded from their logs again.
pub(crate) fn add(registry: &Registry, runs: &[&RunInfo]) -> Result<()> {
    let runs: Vec<&RunInfo> = runs.iter().copied().filter(|r| is_final(r)).collect();
    if runs.is_empty() {
        return Ok(());
    }
    let new = union(&[rows(&runs)?])?;
    let delta = match read(registry, DELTA, None) {
        Some(d) => union(&[d, new])?,
        None => new,
    };
    // The base's row count from its footer; a base that is there but does
    // not read is replaced now.
    let base = registry.store().open_index(BASE).ok().flatten();
    let base_there = base.is_some();
    let base_rows = base.and_then(|b| {
        ArrowReaderMetadata::load(&b, Default::default())
            .ok()
            .map(|m| m.metadata().file_metadata().num_rows() as usize)
    });
    let base_damaged = base_there && base_rows.is_none();
    if !base_damaged && delta.num_rows() <= DELTA_ROWS.max(base_rows.unwrap_or(0) / 10) {
        registry
            .store()
            .write_index(DELTA, encode(&delta)?, false)?;
        return Ok(());
    }
    let merged = match read(registry, BASE, None) {
        Some(b) => union(&[b, delta])?,
        None => delta,
    };
    registry
        .store()
        .write_index(BASE, encode(&merged)?, false)?;
    registry
        .store()
        .write_index(DELTA, encode(&rows(&[])?)?, false)?;
    Ok(())
}

/// Writes the table anew from `runs`: base = their rows, delta empty.
pub(crate) fn rebuild(registry: &Registry, runs: &[RunInfo]) -> Result<u64> {
    let ended: Vec<&RunInfo> = runs.iter().filter(|r| is_final(r)).collect();
    let base = union(&[rows(&ended)?])?;
    registry.store().write_index(BASE, encode(&base)?, false)?;
    registry
        .store()
        .write_index(DELTA, encode(&rows(&[])?)?, false)?;
    Ok(ended.len() as u64)
}

/// For each of `ids` (sorted), the row of `table` that holds it, if any.
/// A merge of two sorted lists when the table's ids are sorted (as the
/// table is written), else a lookup.
pub(crate) fn rows_of(table: &Table, ids: &[String]) -> Vec<Option<usize>> {
    let t = table.ids();
    let sorted = t.null_count() == 0 && (1..t.len()).all(|i| t.value(i - 1) < t.value(i));
    if sorted {
        let (mut out, mut j) = (Vec::with_capacity(ids.len()), 0);
        for id in ids {
            while j < t.len() && t.value(j) < id.as_str() {
                j += 1;
            }
            out.push((j < t.len() && t.value(j) == id).then_some(j));
        }
        return out;
    }
    let at: HashMap<&str, usize> = t
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some((id?, i)))
        .collect();
    ids.iter().map(|id| at.get(id.as_str()).copied()).collect()
}

/// The columns that answer search field `path` (see [`Row::field`]).
pub(crate) fn columns_for(path: &str) -> Vec<String> {
    let mut out = vec![path.to_string()];
    if let Some(rest) = path.strip_prefix("metrics.") {
        out.push(format!("{path}.last"));
        if let Some((k, _)) = rest.rsplit_once('.') {
            out.push(format!("metrics.{k}.count"));
        }
    }
    out
}

/// One row of the table, read as a run's search fields.
pub(crate) struct Row<'t> {
    /// The table.
    pub table: &'t Table,
    /// Its index.
    pub at: usize,
}

/// The table as loaded for a search, with its columns by name.
pub(crate) struct Table {
    /// The rows.
    pub batch: RecordBatch,
    columns: HashMap<String, usize>,
    /// Each search field met so far and the columns that answer it, so a
    /// row's field is a few array reads (no lookups by name, no text made).
    resolved: std::sync::Mutex<Vec<(String, Arc<Resolved>)>>,
}

/// The columns that answer one search field.
#[derive(Debug, Default)]
struct Resolved {
    /// The column named as the field.
    exact: Option<usize>,
    /// For `metrics.<key>.<stat>`: the count column of series `<key>`
    /// (the field is that statistic on rows where it is set).
    count: Option<usize>,
    /// For `metrics.<...>`: the `last` column of the whole rest as a key.
    last: Option<usize>,
    /// Whether the field is one a run has (fixed fields, params, tags, metrics).
    known: bool,
}

impl Table {
    /// `batch`, with its columns indexed by name.
    pub(crate) fn new(batch: RecordBatch) -> Table {
        let columns = batch
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name().clone(), i))
            .collect();
        Table {
            batch,
            columns,
            resolved: Default::default(),
        }
    }

    /// The ids of the rows.
    pub(crate) fn ids(&self) -> &StringArray {
        self.batch
            .column(self.columns["id"])
            .as_any()
            .downcast_ref()
            .expect("a loaded table has an id column")
    }

    /// The columns that answer field `path`.
    fn resolve(&self, path: &str) -> Arc<Resolved> {
        let mut cache = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, r)) = cache.iter().find(|(p, _)| p == path) {
            return r.clone();
        }
        let col = |name: &str| self.columns.get(name).copied();
        let r = if let Some(rest) = path.strip_prefix("metrics.") {
            Resolved {
                exact: col(path),
                count: rest
                    .rsplit_once('.')
                    .filter(|(_, s)| METRIC_STATS.contains(s))
                    .and_then(|(k, _)| col(&format!("metrics.{k}.count"))),
                last: col(&format!("{path}.last")),
                known: true,
            }
        } else {
            Resolved {
                exact: col(path),
                known: FIXED.contains(&path)
                    || path.starts_with("params.")
                    || path.starts_with("tags."),
                ..Default::default()
            }
        };
        let r = Arc::new(r);
        cache.push((path.to_string(), r.clone()));
        r
    }

    /// The value of column `c` at row `at` as a search value (null when
    /// there is none).
    fn value(&self, c: Option<usize>, at: usize) -> Option<Value> {
        let c = self.batch.column(c?);
        if c.is_null(at) {
            return None;
        }
        let f = |x: f64| serde_json::Number::from_f64(x).map(Value::Number);
        match c.data_type() {
            DataType::Utf8 => Some(Value::String(c.as_string::<i32>().value(at).to_string())),
            DataType::Float64 => f(c.as_primitive::<Float64Type>().value(at)),
            DataType::Int64 => Some(Value::from(c.as_primitive::<Int64Type>().value(at))),
            DataType::UInt64 => Some(Value::from(c.as_primitive::<UInt64Type>().value(at))),
            DataType::Int32 => Some(Value::from(c.as_primitive::<Int32Type>().value(at))),
            _ => None,
        }
    }
}

impl Fields for Row<'_> {
    /// The same values [`RunInfo`]'s fields give (see `runs/search.rs`):
    /// `metrics.<key>.<stat>` when the run has series `<key>`, else
    /// `metrics.<key>` with its dots as the last value; the fixed fields,
    /// parameters and tags by name.
    fn field(&self, path: &str) -> std::borrow::Cow<'_, Value> {
        let r = self.table.resolve(path);
        let t = self.table;
        let v = if !r.known {
            None
        } else if !path.starts_with("metrics.") {
            t.value(r.exact, self.at)
        } else if r.count.is_some_and(|c| !t.batch.column(c).is_null(self.at)) {
            // `metrics.<key>.<stat>` of a run that has series `<key>`.
            t.value(r.exact, self.at)
        } else {
            t.value(r.last, self.at)
        };
        std::borrow::Cow::Owned(v.unwrap_or(Value::Null))
    }
}
