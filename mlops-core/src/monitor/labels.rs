//! Labels that arrive after the predictions: [`Monitor::log_labels`] joins
//! them by id with the predictions the monitor kept, and stores the
//! (id, prediction, label) pairs of each window, from which its realized
//! quality is computed. Labels are joined with the all-rows segment of
//! their prediction's window.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use arrow::compute::{cast, take};
use arrow::datatypes::{DataType, Field, Schema};

use super::blob;
use super::event::{MonitorChange, Rejected, WindowDelta};
use super::split::names;
use super::writer::Monitor;
use crate::error::{Error, Result};

/// What [`Monitor::log_labels`] did with the labels it was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelsLogged {
    /// Labels joined with a kept prediction.
    pub joined: u64,
    /// Labels whose id no kept prediction has (counted in the window of
    /// their arrival as `rejected.unknown_ids`).
    pub unknown_ids: u64,
    /// Labels for a prediction that already had one (ignored).
    pub duplicates: u64,
    /// Rows with a null id or a null label (ignored).
    pub nulls: u64,
}

impl std::ops::AddAssign for LabelsLogged {
    /// Adds the counts of another call (the batches of one source, summed).
    fn add_assign(&mut self, o: LabelsLogged) {
        self.joined += o.joined;
        self.unknown_ids += o.unknown_ids;
        self.duplicates += o.duplicates;
        self.nulls += o.nulls;
    }
}

impl Monitor {
    /// Joins labels (a batch with the monitor's id and target columns) with
    /// the predictions kept within the retention: each joined pair goes to
    /// its prediction's window, whose realized quality then counts it. The
    /// first label of a prediction counts; later ones are duplicates. A
    /// monitor without `id`, `prediction` and `target` settings, or a batch
    /// without those columns, is [`Error::InvalidInput`] naming them.
    pub fn log_labels(&self, batch: &RecordBatch) -> Result<LabelsLogged> {
        let c = self.config();
        let (Some(id_col), Some(target_col), Some(_)) = (&c.id, &c.target, &c.prediction) else {
            return Err(Error::InvalidInput(format!(
                "monitor '{}' joins labels only with 'id', 'prediction' and 'target' set",
                self.name()
            )));
        };
        let column = |name: &str| -> Result<ArrayRef> {
            batch.column_by_name(name).cloned().ok_or_else(|| {
                Error::InvalidInput(format!(
                    "the labels have no column '{name}' (their columns: {})",
                    names(batch.schema_ref())
                ))
            })
        };
        let ids = cast(&column(id_col)?, &DataType::Utf8)?;
        let ids = ids.as_string::<i32>();
        let labels = column(target_col)?;
        let labels = cast(&labels, &super::writer::value_type(labels.data_type()))?;

        // Flush first, so predictions logged by this handle are joinable.
        self.flush()?;
        let registry = self.registry();
        let state = registry.monitor_state(self.name())?;
        let now = self.now_ms();
        let oldest = (now / 1000) - c.prediction_retention_secs as i64;
        // Tables already read by this handle are kept (they never change:
        // content-addressed), so a stream of label batches reads each once.
        let mut cache = self.shared.tables.lock().unwrap_or_else(|p| p.into_inner());
        let mut tables = Vec::new();
        for (hash, newest) in &state.predictions {
            if *newest >= oldest - c.window_secs as i64 {
                tables.push(cache.get(registry.store(), hash, "kept predictions")?);
            }
        }
        // Ids labelled before.
        let mut labelled: HashSet<&str> = HashSet::new();
        let mut pairs_tables = Vec::new();
        for ((window, segment), w) in &state.windows {
            if !segment.is_empty() || *window < oldest - c.window_secs as i64 {
                continue;
            }
            for h in &w.joined {
                pairs_tables.push(cache.get(registry.store(), h, "joined labels")?);
            }
        }
        drop(cache);
        for pairs in &pairs_tables {
            labelled.extend(pairs.column(0).as_string::<i32>().iter().flatten());
        }
        // id → (table, row); the first kept prediction of an id wins.
        let mut index: HashMap<&str, (usize, u32)> = HashMap::new();
        let kept_ids: Vec<ArrayRef> = tables.iter().map(|t| t.column(0).clone()).collect();
        for (t, ids) in kept_ids.iter().enumerate() {
            for (row, id) in ids.as_string::<i32>().iter().enumerate() {
                if let Some(id) = id {
                    index.entry(id).or_insert((t, row as u32));
                }
            }
        }

        let mut out = LabelsLogged::default();
        // (window) → (table, row, label row) of each joined label.
        let mut joined: BTreeMap<i64, Vec<(usize, u32, u32)>> = BTreeMap::new();
        let mut seen_now: HashSet<&str> = HashSet::new();
        for (row, id) in ids.iter().enumerate() {
            let Some(id) = id.filter(|_| labels.is_valid(row)) else {
                out.nulls += 1;
                continue;
            };
            let Some(&(t, r)) = index.get(id) else {
                out.unknown_ids += 1;
                continue;
            };
            if labelled.contains(id) || !seen_now.insert(id) {
                out.duplicates += 1;
                continue;
            }
            let window = tables[t]
                .column(2)
                .as_primitive::<arrow::datatypes::Int64Type>()
                .value(r as usize);
            joined.entry(window).or_default().push((t, r, row as u32));
            out.joined += 1;
        }

        let mut windows = Vec::new();
        for (window, rows) in joined {
            let pairs = pairs_batch(&tables, &labels, &rows)?;
            let hash = blob::put_parquet(registry.store(), &pairs)?;
            windows.push(WindowDelta {
                window,
                labels: rows.len() as u64,
                joined: Some(hash),
                ..Default::default()
            });
        }
        if out.unknown_ids > 0 {
            let w_ms = c.window_secs as i64 * 1000;
            windows.push(WindowDelta {
                window: now.div_euclid(w_ms) * c.window_secs as i64,
                rejected: Rejected {
                    unknown_ids: out.unknown_ids,
                    ..Default::default()
                },
                ..Default::default()
            });
        }
        if !windows.is_empty() {
            super::append(
                registry,
                self.name(),
                MonitorChange::Labels {
                    windows,
                    at_ms: now,
                },
            )?;
        }
        Ok(out)
    }
}

/// The (id, prediction, label) pairs of one window's joined labels.
fn pairs_batch(
    tables: &[RecordBatch],
    labels: &ArrayRef,
    rows: &[(usize, u32, u32)],
) -> Result<RecordBatch> {
    let mut ids = Vec::new();
    let mut preds = Vec::new();
    for (t, table) in tables.iter().enumerate() {
        let idx: UInt32Array = rows.iter().filter(|r| r.0 == t).map(|r| r.1).collect();
        if idx.is_empty() {
            continue;
        }
        ids.push(take(table.column(0).as_ref(), &idx, None)?);
        preds.push(take(table.column(3).as_ref(), &idx, None)?);
    }
    // Labels in the same order: table by table, as above.
    let mut label_rows = Vec::new();
    for t in 0..tables.len() {
        label_rows.extend(rows.iter().filter(|r| r.0 == t).map(|r| r.2));
    }
    let label = take(labels.as_ref(), &UInt32Array::from(label_rows), None)?;
    let concat = |parts: &[ArrayRef]| -> Result<ArrayRef> {
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        Ok(arrow::compute::concat(&refs)?)
    };
    let (ids, preds) = (concat(&ids)?, concat(&preds)?);
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("prediction", preds.data_type().clone(), true),
        Field::new("label", label.data_type().clone(), true),
    ]));
    Ok(RecordBatch::try_new(schema, vec![ids, preds, label])?)
}
