//! Compaction: a run's segments rewritten as one Parquet file sorted by
//! (key, context, step, time), so reading a series of a finished run reads
//! one file whose row groups hold few series each.
//!
//! The `compacted` event names the segments it replaces; it is written only
//! if every one of them is still a segment of the run when the event is
//! placed (a concurrent compaction of the same segments loses, and its file
//! is left unreferenced), so no point is ever counted twice.

use arrow::array::{Array, AsArray, DictionaryArray, RecordBatch, UInt32Array};
use arrow::datatypes::{Int32Type, Int64Type, TimestampMicrosecondType};

use super::event::RunChange;
use super::id::run_log;
use super::segment;
use super::writer::event_bytes;
use crate::error::{Error, Result};
use crate::registry::Registry;

/// Compacts run `id`'s segments when it has more than one. Returns whether
/// it did.
pub(crate) fn compact(registry: &Registry, id: &str) -> Result<bool> {
    let run = registry.run(id)?;
    if run.segments.len() < 2 {
        return Ok(false);
    }
    let replaces = run.segments.clone();
    let mut batches = Vec::new();
    for s in &replaces {
        batches.extend(registry.segment(id, s)?);
    }
    let all = arrow::compute::concat_batches(&segment::segment_schema(), &batches)?;
    let points = all.num_rows() as u64;
    let sorted = sort(&all)?;
    let bytes =
        segment::encode_aligned(std::slice::from_ref(&sorted), &long_series_bounds(&sorted))?;
    let size = bytes.len() as u64;
    let (file, _) = registry.store().put_content(bytes.as_slice())?;
    let log = run_log(id)?;
    let change = RunChange::Compacted {
        file,
        points,
        bytes: size,
        replaces: replaces.clone(),
    };
    // The same points compacted before make the same file: guarded until
    // the event is in.
    let _lease = super::writer::guard(registry, &change)?;
    let placed = registry.store().append(&log, |tip| {
        let now = registry.run(id)?;
        if !replaces.iter().all(|s| now.segments.contains(s)) {
            return Err(Error::Conflict(format!(
                "run {id}: its segments were compacted by another writer"
            )));
        }
        event_bytes(registry, tip, change.clone())
    });
    match placed {
        Ok(_) => Ok(true),
        Err(Error::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The row offsets of a sorted segment `b` where a series of at least
/// [`segment::OWN_ROW_GROUPS`] points starts or ends: its own row groups
/// then hold it alone.
fn long_series_bounds(b: &RecordBatch) -> Vec<usize> {
    // By text: segments concatenated may give one key several ids.
    let text = |c: usize| {
        let d = b.column(c).as_dictionary::<Int32Type>();
        (d.keys().clone(), d.values().as_string::<i32>().clone())
    };
    let ((keys, key_names), (contexts, context_names)) = (text(0), text(1));
    let series = |i: usize| {
        (
            key_names.value(keys.value(i) as usize),
            contexts
                .is_valid(i)
                .then(|| context_names.value(contexts.value(i) as usize)),
        )
    };
    let mut bounds = Vec::new();
    let mut start = 0;
    for i in 1..=b.num_rows() {
        if i == b.num_rows() || series(i) != series(start) {
            if i - start >= segment::OWN_ROW_GROUPS {
                bounds.extend([start, i]);
            }
            start = i;
        }
    }
    bounds.retain(|&r| r > 0 && r < b.num_rows());
    bounds.dedup();
    bounds
}

/// `b` (of the segment schema) sorted by (key, context, step, time), stable.
fn sort(b: &RecordBatch) -> Result<RecordBatch> {
    let dict = |i: usize| -> (&DictionaryArray<Int32Type>, Vec<Option<String>>) {
        let d = b.column(i).as_dictionary::<Int32Type>();
        let names = d
            .values()
            .as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect();
        (d, names)
    };
    let (keys, key_names) = dict(0);
    let (contexts, context_names) = dict(1);
    // Rank the dictionary entries by their text, so rows sort by integers.
    let rank = |names: &[Option<String>]| -> Vec<u32> {
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&x, &y| names[x].cmp(&names[y]));
        let mut r = vec![0u32; names.len()];
        for (pos, &i) in order.iter().enumerate() {
            // Equal texts (a merged dictionary may repeat one) share a rank.
            r[i] = if pos > 0 && names[order[pos - 1]] == names[i] {
                r[order[pos - 1]]
            } else {
                pos as u32
            };
        }
        r
    };
    let (key_rank, context_rank) = (rank(&key_names), rank(&context_names));
    let steps = b.column(2).as_primitive::<Int64Type>().values();
    let times = b
        .column(3)
        .as_primitive::<TimestampMicrosecondType>()
        .values();
    let sort_key = |i: usize| {
        let k = key_rank[keys.keys().value(i) as usize];
        let c = if contexts.is_valid(i) {
            context_rank[contexts.keys().value(i) as usize] as i64
        } else {
            -1
        };
        (k, c, steps[i], times[i])
    };
    let mut idx: Vec<u32> = (0..b.num_rows() as u32).collect();
    idx.sort_by_key(|&i| sort_key(i as usize));
    let idx = UInt32Array::from(idx);
    let cols = b
        .columns()
        .iter()
        .map(|c| arrow::compute::take(c, &idx, None))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(b.schema(), cols)?)
}
