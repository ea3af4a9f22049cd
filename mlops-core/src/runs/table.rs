//! A table of points given to `Run::log_table`: its columns found by name,
//! typed and checked before any point is buffered, so a bad table adds
//! nothing.

use arrow::array::{Array, ArrayRef, AsArray, DictionaryArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type, TimeUnit};

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
    let first_null = match a.logical_nulls() {
        Some(n) if n.null_count() > 0 => n.iter().position(|valid| !valid),
        _ => None,
    };
    if let Some(row) = first_null {
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
        // Keys and contexts as dictionaries: each distinct one is checked
        // (and later interned) once, and rows are only ids.
        let key = dictionary(&key)?;
        check_names(&key, |k| check_key("metric", k))?;
        let context = context.map(|c| dictionary(&c)).transpose()?;
        if let Some(c) = &context {
            check_names(c, check_context)?;
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
        let names = |d: &DictionaryArray<Int32Type>| -> Vec<String> {
            let v = d.values().as_string::<i32>();
            (0..v.len()).map(|i| v.value(i).to_string()).collect()
        };
        let key = self.key.as_dictionary::<Int32Type>();
        let key_names = names(key);
        let key_names: Vec<&str> = key_names.iter().map(String::as_str).collect();
        let context = self
            .context
            .as_ref()
            .map(|c| c.as_dictionary::<Int32Type>());
        let context_names = context.map(names).unwrap_or_default();
        let context_names: Vec<&str> = context_names.iter().map(String::as_str).collect();
        let times = self
            .time
            .as_ref()
            .map(|t| t.as_primitive::<arrow::datatypes::TimestampMicrosecondType>());
        points.extend_ids(
            (key.keys().values(), &key_names),
            context.map(|c| (c.keys(), context_names.as_slice())),
            self.step.as_primitive::<Int64Type>().values(),
            times.map(|t| &t.values()[..]),
            now,
            self.value.as_primitive::<Float64Type>().values(),
        );
        Ok(())
    }
}

/// `c` (text, checked non-null where it must be) as a dictionary of
/// `Int32` ids into its distinct values.
fn dictionary(c: &ArrayRef) -> Result<ArrayRef> {
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    Ok(arrow::compute::cast(c, &dict)?)
}

/// Checks each distinct value of dictionary column `c` that some row uses,
/// naming the first row that holds a bad one.
fn check_names(c: &ArrayRef, check: impl Fn(&str) -> Result<()>) -> Result<()> {
    let d = c.as_dictionary::<Int32Type>();
    let values = d.values().as_string::<i32>();
    let mut first_row: Vec<Option<usize>> = vec![None; values.len()];
    for (row, k) in d.keys().iter().enumerate() {
        if let Some(k) = k {
            first_row[k as usize].get_or_insert(row);
        }
    }
    for (i, row) in first_row.into_iter().enumerate() {
        if let Some(row) = row {
            check(values.value(i)).map_err(|e| Error::InvalidInput(format!("row {row}: {e}")))?;
        }
    }
    Ok(())
}
