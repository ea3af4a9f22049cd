//! Evaluated windows kept in the store, so that opening a monitor with a
//! year of hourly windows does not merge and compare 8,760 profiles again.
//!
//! A window's figures depend only on its state (named by the number of the
//! last event that changed it, [`WindowState::last_seq`]), the reference and
//! the settings, which never change: so figures evaluated for a window at
//! event `n` stay exact until an event after `n` touches the window, and are
//! then evaluated again. Finality is not kept (it depends on "now").
//!
//! An evaluation that computed at least [`CACHE_MIN_WINDOWS`] windows not
//! kept yet appends an `evaluated` event naming a Parquet table of them
//! (`window`, `segment`, `last_seq`, then one `Float64` column per field);
//! after [`CACHE_MAX_TABLES`] such tables the next one holds every window
//! kept (a snapshot), and reading starts from it. The tables are in the
//! content store and the events in the monitor's hash-chained log, so the
//! audit covers them. Writing them is best effort (a reader that may not
//! append, or a store that fails, only means evaluating again next time),
//! and a table that cannot be read is evaluated again rather than trusted.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};

use super::blob;
use super::event::MonitorChange;
use super::fold::MonitorState;
use super::results::WindowResult;
use crate::error::Result;
use crate::registry::Registry;

/// The version of the figures' definitions: tables of another are not read.
pub const EVALUATION_VERSION: u32 = 1;
/// Windows evaluated and not kept that make an `evaluated` event worth it.
pub const CACHE_MIN_WINDOWS: usize = 24;
/// Tables read at most before a snapshot is written.
pub const CACHE_MAX_TABLES: usize = 16;

/// A (window, segment).
pub(crate) type Key = (i64, String);

/// What is kept of one evaluated (window, segment).
pub(crate) struct Kept {
    /// The window's last event when it was evaluated.
    pub last_seq: u64,
    /// Its figures.
    pub fields: BTreeMap<String, f64>,
}

/// The windows kept for monitor `state`, as its `evaluated` events name
/// them (later tables win); empty when a table cannot be read.
pub(crate) fn load(registry: &Registry, state: &MonitorState) -> HashMap<Key, Kept> {
    let mut kept = HashMap::new();
    for h in &state.evaluated {
        let Ok(t) = blob::get_parquet(registry.store(), h, "evaluated windows") else {
            return HashMap::new();
        };
        if read_table(&t, &mut kept).is_none() {
            return HashMap::new();
        }
    }
    kept
}

fn read_table(t: &arrow::array::RecordBatch, into: &mut HashMap<Key, Kept>) -> Option<()> {
    let window = t
        .column_by_name("window")?
        .as_primitive_opt::<Int64Type>()?;
    let segment = t.column_by_name("segment")?.as_string_opt::<i32>()?;
    let last_seq = t
        .column_by_name("last_seq")?
        .as_primitive_opt::<Int64Type>()?;
    let schema = t.schema();
    let fields: Vec<(&str, &Float64Array)> = schema
        .fields()
        .iter()
        .zip(t.columns())
        .skip(3)
        .filter_map(|(f, a)| Some((f.name().as_str(), a.as_primitive_opt::<Float64Type>()?)))
        .collect();
    for row in 0..t.num_rows() {
        let mut figures = BTreeMap::new();
        for (name, a) in &fields {
            if a.is_valid(row) {
                figures.insert(name.to_string(), a.value(row));
            }
        }
        into.insert(
            (window.value(row), segment.value(row).to_string()),
            Kept {
                last_seq: last_seq.value(row) as u64,
                fields: figures,
            },
        );
    }
    Some(())
}

/// Appends an `evaluated` event keeping the windows of `results` that
/// were evaluated now (`true` beside them), when there are at least
/// [`CACHE_MIN_WINDOWS`]; a snapshot of every result when the monitor
/// already reads [`CACHE_MAX_TABLES`] tables. Best effort: see the module
/// docs.
pub(crate) fn save(registry: &Registry, state: &MonitorState, results: &[(WindowResult, bool)]) {
    if results.iter().filter(|(_, new)| *new).count() < CACHE_MIN_WINDOWS {
        return;
    }
    let snapshot = state.evaluated.len() >= CACHE_MAX_TABLES;
    let rows: Vec<(&WindowResult, u64)> = results
        .iter()
        .filter(|(_, new)| *new || snapshot)
        .filter_map(|(r, _)| {
            let w = state.windows.get(&(r.window, r.segment.clone()))?;
            Some((r, w.last_seq))
        })
        .collect();
    let _ = (|| -> Result<()> {
        let batch = table(&rows)?;
        let results = blob::put_parquet(registry.store(), &batch)?;
        super::append(
            registry,
            &state.name,
            MonitorChange::Evaluated {
                results,
                windows: rows.len() as u64,
                snapshot,
                version: EVALUATION_VERSION,
            },
        )?;
        Ok(())
    })();
}

fn table(rows: &[(&WindowResult, u64)]) -> Result<arrow::array::RecordBatch> {
    let names: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|(r, _)| r.fields.keys().map(String::as_str))
        .collect();
    let mut fields = vec![
        Field::new("window", DataType::Int64, false),
        Field::new("segment", DataType::Utf8, false),
        Field::new("last_seq", DataType::Int64, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(r, _)| r.window),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(r, _)| &r.segment),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(_, s)| *s as i64),
        )),
    ];
    for name in names {
        fields.push(Field::new(name, DataType::Float64, true));
        columns.push(Arc::new(Float64Array::from_iter(
            rows.iter().map(|(r, _)| r.fields.get(name).copied()),
        )));
    }
    Ok(arrow::array::RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
