//! A table of points given to `Run::log_table`: its columns found by name,
//! typed and checked before any point is buffered, so a bad table adds
//! nothing.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};

use super::params::check_key;
use super::segment::Points;
use super::writer::check_context;
use crate::error::{Error, Result};

/// The columns of a table of points, cast to one type each.
pub(crate) struct PointColumns {
    key: ArrayRef,
    step: ArrayRef,
    value: ArrayRef,
    time: Option<ArrayRef>,
    context: Option<ArrayRef>,
}

fn column(batch: &RecordBatch, name: &str) -> Option<ArrayRef> {
    batch
        .schema()
        .index_of(name)
        .ok()
        .map(|i| batch.column(i).clone())
}

fn typed(
    name: &str,
    a: &ArrayRef,
    to: &DataType,
    ok: impl Fn(&DataType) -> bool,
) -> Result<ArrayRef> {
    if !ok(a.data_type()) {
        return Err(Error::InvalidInput(format!(
            "column '{name}' is {}, not {}",
            a.data_type(),
            match to {
                DataType::Utf8 => "a string column",
                DataType::Int64 => "an integer column",
                DataType::Float64 => "a number column",
                _ => "a timestamp or integer column",
            }
        )));
    }
    if let Some(row) = (0..a.len()).find(|&i| a.is_null(i)) {
        if name != "context" {
            return Err(Error::InvalidInput(format!(
                "column '{name}' row {row} is null"
            )));
        }
    }
    Ok(cast(a, to)?)
}

fn is_string(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_string(v),
        _ => false,
    }
}

impl PointColumns {
    /// Finds and checks the columns: `key`, `step`, `value`, and `time`
    /// and `context` if present. Every key and context is checked.
    pub fn of(batch: &RecordBatch) -> Result<PointColumns> {
        let need = |name: &str| {
            column(batch, name).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "a table of points needs a '{name}' column (key, step, value; time and context optional)"
                ))
            })
        };
        let key = typed("key", &need("key")?, &DataType::Utf8, is_string)?;
        let step = typed("step", &need("step")?, &DataType::Int64, |t| t.is_integer())?;
        let value = typed("value", &need("value")?, &DataType::Float64, |t| {
            t.is_numeric()
        })?;
        let micros = DataType::Timestamp(TimeUnit::Microsecond, None);
        let time = column(batch, "time")
            .map(|t| {
                typed("time", &t, &micros, |t| {
                    t.is_integer() || matches!(t, DataType::Timestamp(_, _))
                })
            })
            .transpose()?;
        let context = column(batch, "context")
            .map(|c| typed("context", &c, &DataType::Utf8, is_string))
            .transpose()?;
        let keys = key.as_string::<i32>();
        // Each distinct key is checked once (a table has few of them).
        let mut seen = std::collections::HashSet::new();
        for (row, k) in keys.iter().enumerate() {
            let k = k.expect("nulls refused above");
            if seen.insert(k) {
                check_key("metric", k)
                    .map_err(|e| Error::InvalidInput(format!("row {row}: {e}")))?;
            }
        }
        if let Some(c) = &context {
            let mut seen = std::collections::HashSet::new();
            for (row, c) in c.as_string::<i32>().iter().enumerate() {
                if let Some(c) = c {
                    if seen.insert(c) {
                        check_context(c)
                            .map_err(|e| Error::InvalidInput(format!("row {row}: {e}")))?;
                    }
                }
            }
        }
        Ok(PointColumns {
            key,
            step,
            value,
            time,
            context,
        })
    }

    /// Buffers every point; a missing time is `now` (Unix microseconds).
    pub fn push_into(&self, points: &mut Points, now: i64) -> Result<()> {
        let keys = self.key.as_string::<i32>();
        let steps = self.step.as_primitive::<Int64Type>();
        let values = self.value.as_primitive::<Float64Type>();
        let times = self
            .time
            .as_ref()
            .map(|t| t.as_primitive::<arrow::datatypes::TimestampMicrosecondType>());
        let contexts = self.context.as_ref().map(|c| c.as_string::<i32>());
        for i in 0..keys.len() {
            let context = contexts.and_then(|c| c.is_valid(i).then(|| c.value(i)));
            let time = times.map_or(now, |t| t.value(i));
            points.push(
                keys.value(i),
                context,
                steps.value(i),
                time,
                values.value(i),
            );
        }
        Ok(())
    }
}
