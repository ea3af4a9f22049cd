//! A series' history: its points gathered from the run's segments, ordered
//! by (step, time) (points logged at the same step and time keep the order
//! they were logged in), and its deterministic downsampled view (M4: per
//! step bucket, the first, last, smallest and largest point).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, UInt32Array,
};
use arrow::datatypes::{Float64Type, Int64Type, TimestampMicrosecondType};

use super::segment::history_schema;
use crate::error::Result;

/// What to read of a series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Only the points of this context (`subset=train`); every context's
    /// points when `None`.
    pub context: Option<String>,
    /// At most this many step buckets, each giving its first, last, smallest
    /// and largest point (so at most 4 × N points, per context); every
    /// point when `None`.
    pub downsample: Option<usize>,
}

/// Orders the gathered `parts` by (step, time), stable.
pub(crate) fn ordered(parts: Vec<RecordBatch>) -> Result<RecordBatch> {
    let all = arrow::compute::concat_batches(&history_schema(), &parts)?;
    let steps = all.column(0).as_primitive::<Int64Type>().values();
    let times = all
        .column(1)
        .as_primitive::<TimestampMicrosecondType>()
        .values();
    let sorted = (1..all.num_rows()).all(|i| (steps[i - 1], times[i - 1]) <= (steps[i], times[i]));
    if sorted {
        return Ok(all);
    }
    let mut idx: Vec<u32> = (0..all.num_rows() as u32).collect();
    idx.sort_by_key(|&i| (steps[i as usize], times[i as usize]));
    take(&all, idx)
}

fn take(b: &RecordBatch, idx: Vec<u32>) -> Result<RecordBatch> {
    let idx = UInt32Array::from(idx);
    let cols: Vec<ArrayRef> = b
        .columns()
        .iter()
        .map(|c| arrow::compute::take(c, &idx, None))
        .collect::<std::result::Result<_, _>>()?;
    Ok(RecordBatch::try_new(b.schema(), cols)?)
}

/// The M4 view of an ordered history: per context, `buckets` equal ranges
/// of steps, each keeping its first, last, smallest and largest point
/// (NaNs are never the smallest or largest), in (step, time) order.
pub(crate) fn downsample(h: &RecordBatch, buckets: usize) -> Result<RecordBatch> {
    let buckets = buckets.max(1);
    let steps = h.column(0).as_primitive::<Int64Type>().values();
    let values = h.column(2).as_primitive::<Float64Type>().values();
    let contexts: &StringArray = h.column(3).as_string::<i32>();
    let mut keep = vec![false; h.num_rows()];
    if contexts.null_count() == h.num_rows() {
        // One group, the rows themselves: no index list to build.
        m4(steps, values, buckets, h.num_rows(), |r| r, &mut keep);
    } else {
        // Group rows by context, each group in (step, time) order.
        let mut groups: std::collections::BTreeMap<Option<&str>, Vec<usize>> = Default::default();
        for i in 0..h.num_rows() {
            let c = contexts.is_valid(i).then(|| contexts.value(i));
            groups.entry(c).or_default().push(i);
        }
        for rows in groups.values() {
            m4(steps, values, buckets, rows.len(), |r| rows[r], &mut keep);
        }
    }
    let idx: Vec<u32> = (0..h.num_rows() as u32)
        .filter(|&i| keep[i as usize])
        .collect();
    take(h, idx)
}

/// Marks in `keep` the first, last, smallest and largest point of each of
/// `buckets` equal step ranges of one group: its `len` rows, the `r`-th of
/// which is row `row(r)`, in (step, time) order.
fn m4(
    steps: &[i64],
    values: &[f64],
    buckets: usize,
    len: usize,
    row: impl Fn(usize) -> usize,
    keep: &mut [bool],
) {
    if len == 0 {
        return;
    }
    let (lo, hi) = (steps[row(0)], steps[row(len - 1)]);
    let span = (hi as i128 - lo as i128 + 1) as u128;
    let bucket = |s: i64| ((s as i128 - lo as i128) as u128 * buckets as u128 / span) as usize;
    let mut start = 0;
    while start < len {
        let b = bucket(steps[row(start)]);
        // The first step of the next bucket: steps are ordered, so the
        // bucket runs until it (one division per bucket, not per point).
        let next = lo as i128 + ((b as u128 + 1) * span).div_ceil(buckets as u128) as i128;
        let mut end = start;
        let (mut min_at, mut max_at) = (None::<usize>, None::<usize>);
        while end < len && (steps[row(end)] as i128) < next {
            let i = row(end);
            let v = values[i];
            if !v.is_nan() {
                if min_at.is_none_or(|m| v < values[m]) {
                    min_at = Some(i);
                }
                if max_at.is_none_or(|m| v > values[m]) {
                    max_at = Some(i);
                }
            }
            end += 1;
        }
        keep[row(start)] = true;
        keep[row(end - 1)] = true;
        min_at
            .into_iter()
            .chain(max_at)
            .for_each(|i| keep[i] = true);
        start = end;
    }
}

/// An empty history.
pub(crate) fn empty() -> RecordBatch {
    RecordBatch::try_new(
        history_schema(),
        vec![
            Arc::new(Int64Array::from(Vec::<i64>::new())),
            Arc::new(TimestampMicrosecondArray::from(Vec::<i64>::new()).with_timezone("UTC")),
            Arc::new(Float64Array::from(Vec::<f64>::new())),
            Arc::new(StringArray::from(Vec::<Option<String>>::new())),
        ],
    )
    .expect("the history schema")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(steps: Vec<i64>, values: Vec<f64>) -> RecordBatch {
        let n = steps.len();
        RecordBatch::try_new(
            history_schema(),
            vec![
                Arc::new(Int64Array::from(steps)),
                Arc::new(
                    TimestampMicrosecondArray::from((0..n as i64).collect::<Vec<_>>())
                        .with_timezone("UTC"),
                ),
                Arc::new(Float64Array::from(values)),
                Arc::new(StringArray::from(vec![None::<&str>; n])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn downsampling_keeps_first_last_min_max_of_each_bucket() {
        let steps: Vec<i64> = (0..100).collect();
        let mut values: Vec<f64> = steps.iter().map(|&s| s as f64).collect();
        values[37] = 1000.0; // a spike
        values[62] = -5.0; // a dip
        values[10] = f64::NAN;
        let h = batch(steps, values);
        let d = downsample(&h, 4).unwrap();
        let s = d.column(0).as_primitive::<Int64Type>().values().to_vec();
        // Buckets of 25 steps: [0,25) keeps 0 (first and min... 0 is min), 24;
        // [25,50) keeps 25, 37 (spike), 49; [50,75) 50, 62 (dip), 74; [75,100) 75, 99.
        assert_eq!(s, vec![0, 24, 25, 37, 49, 50, 62, 74, 75, 99]);
        assert!(d.num_rows() <= 16);
        assert_eq!(downsample(&h, 4).unwrap(), d, "deterministic");
    }

    #[test]
    fn ordering_is_by_step_then_time_and_stable() {
        let h = batch(vec![3, 1, 2, 1], vec![30.0, 10.0, 20.0, 11.0]);
        let o = ordered(vec![h]).unwrap();
        let v = o.column(2).as_primitive::<Float64Type>().values().to_vec();
        assert_eq!(v, vec![10.0, 11.0, 20.0, 30.0]);
    }
}
