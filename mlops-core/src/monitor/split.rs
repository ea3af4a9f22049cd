//! Cutting a logged batch apart: each row's event time and window, its
//! segment, the batch brought to the monitor's schema (type errors, missing
//! and extra columns counted), and the values outside the reference.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch,
};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{DataType, Float64Type, Int64Type, Schema, SchemaRef, TimeUnit};

use crate::error::{Error, Result};
use crate::profile::{Profile, ValueKind};

/// Each row's event time in Unix milliseconds (`None` for a null); see
/// [`event_time_array_ms`].
pub(crate) fn event_times_ms(batch: &RecordBatch, column: &str) -> Result<Vec<Option<i64>>> {
    Ok(event_time_array_ms(batch, column)?.iter().collect())
}

/// Each row's event time in Unix milliseconds, nulls kept. The column must
/// be a timestamp (any unit, any time zone: instants are UTC) or a date;
/// anything else is [`Error::InvalidInput`] naming it.
pub(crate) fn event_time_array_ms(batch: &RecordBatch, column: &str) -> Result<Int64Array> {
    let array = batch.column_by_name(column).ok_or_else(|| {
        Error::InvalidInput(format!(
            "the batch has no timestamp column '{column}' (its columns: {})",
            names(batch.schema_ref())
        ))
    })?;
    let per_ms = |unit: &TimeUnit| -> (i64, i64) {
        // (multiply, divide) to get milliseconds.
        match unit {
            TimeUnit::Second => (1000, 1),
            TimeUnit::Millisecond => (1, 1),
            TimeUnit::Microsecond => (1, 1000),
            TimeUnit::Nanosecond => (1, 1_000_000),
        }
    };
    let (mul, div) = match array.data_type() {
        DataType::Timestamp(unit, _) => per_ms(unit),
        DataType::Date32 => (86_400_000, 1),
        DataType::Date64 => (1, 1),
        other => {
            return Err(Error::InvalidInput(format!(
                "timestamp column '{column}' is {other}: it must be a timestamp or a date"
            )))
        }
    };
    let as_i64 = cast_with_options(array, &DataType::Int64, &CastOptions::default())?;
    let values = as_i64.as_primitive::<Int64Type>();
    Ok(if (mul, div) == (1, 1) {
        values.clone()
    } else {
        values.unary(|v: i64| v.saturating_mul(mul).div_euclid(div))
    })
}

/// The column names of a schema, for messages.
pub(crate) fn names(schema: &Schema) -> String {
    let all: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    all.join(", ")
}

/// A batch brought to the monitor's schema.
pub(crate) struct Conformed {
    /// The profiled columns, in the schema's order and types.
    pub batch: RecordBatch,
    /// Per column, values that could not be read as its type (now nulls).
    pub type_errors: BTreeMap<String, u64>,
    /// Schema columns the batch lacked (all nulls now).
    pub missing: Vec<String>,
    /// Batch columns the schema does not have (dropped).
    pub extra: Vec<String>,
}

/// Brings `batch` to `schema` (the profiled columns): a column of another
/// type is cast, and the values the cast could not read become nulls,
/// counted as type errors; a missing column is all nulls; a column the
/// schema lacks is dropped and named, unless `ignore` says it is one the
/// monitor reads apart (event time, id, label).
pub(crate) fn conform(
    batch: &RecordBatch,
    schema: &SchemaRef,
    ignore: &dyn Fn(&str) -> bool,
) -> Result<Conformed> {
    let n = batch.num_rows();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    let mut type_errors = BTreeMap::new();
    let mut missing = Vec::new();
    let safe = CastOptions {
        safe: true,
        ..Default::default()
    };
    for field in schema.fields() {
        let Some(array) = batch.column_by_name(field.name()) else {
            missing.push(field.name().clone());
            columns.push(new_null_array(field.data_type(), n));
            continue;
        };
        let same = array.data_type() == field.data_type()
            || matches!(array.data_type(), DataType::Dictionary(_, v) if v.as_ref() == field.data_type());
        if same {
            columns.push(array.clone());
            continue;
        }
        let cast = match cast_with_options(array, field.data_type(), &safe) {
            Ok(c) => c,
            // No cast between these types: every value is a type error.
            Err(_) => new_null_array(field.data_type(), n),
        };
        let errors = cast.null_count().saturating_sub(array.null_count()) as u64;
        if errors > 0 {
            type_errors.insert(field.name().clone(), errors);
        }
        columns.push(cast);
    }
    let extra = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name())
        .filter(|c| schema.field_with_name(c).is_err() && !ignore(c))
        .cloned()
        .collect();
    let batch = RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &arrow::array::RecordBatchOptions::new().with_row_count(Some(n)),
    )?;
    Ok(Conformed {
        batch,
        type_errors,
        missing,
        extra,
    })
}

/// What the reference saw of one column: its range of numbers, or every
/// category it had (only when its profile kept them all exactly).
pub(crate) enum Seen {
    /// Numbers from `min` to `max`.
    Range(f64, f64),
    /// These strings.
    Categories(HashSet<String>),
}

/// What the reference saw of each column of `schema` it profiled.
pub(crate) fn seen(reference: &Profile, schema: &Schema) -> Vec<Option<Seen>> {
    schema
        .fields()
        .iter()
        .map(|f| {
            let c = reference.column(f.name())?;
            match c.kind() {
                ValueKind::Numeric => Some(Seen::Range(c.min()?.as_f64()?, c.max()?.as_f64()?)),
                ValueKind::String if c.top_k_max_error() == 0 => Some(Seen::Categories(
                    c.top_k(usize::MAX)
                        .into_iter()
                        .filter_map(|t| match t.value {
                            crate::profile::Scalar::Str(s) => Some(s),
                            _ => None,
                        })
                        .collect(),
                )),
                _ => None,
            }
        })
        .collect()
}

/// Which rows of `array` hold a value the reference did not see (nulls
/// and NaNs are not out of range: they are counted as missing).
pub(crate) fn outside(array: &ArrayRef, seen: &Seen) -> Result<BooleanArray> {
    Ok(match seen {
        Seen::Range(lo, hi) => {
            let f = cast_with_options(array, &DataType::Float64, &CastOptions::default())?;
            let f = f.as_primitive::<Float64Type>();
            f.iter()
                .map(|v| Some(v.is_some_and(|v| v < *lo || v > *hi)))
                .collect()
        }
        Seen::Categories(set) => {
            let s = cast_with_options(array, &DataType::Utf8, &CastOptions::default())?;
            let s = s.as_string::<i32>();
            s.iter()
                .map(|v| Some(v.is_some_and(|v| !set.contains(v))))
                .collect()
        }
    })
}

/// Each row's value of the segment columns as text (`country=FR`,
/// several joined by `,`; a null is `null`). A segment column the batch
/// lacks is [`Error::InvalidInput`] naming it.
pub(crate) fn segment_keys(batch: &RecordBatch, columns: &[String]) -> Result<Vec<String>> {
    let n = batch.num_rows();
    let mut keys = vec![String::new(); n];
    for c in columns {
        let array = batch.column_by_name(c).ok_or_else(|| {
            Error::InvalidInput(format!(
                "the batch has no segment column '{c}' (its columns: {})",
                names(batch.schema_ref())
            ))
        })?;
        let text = cast_with_options(array, &DataType::Utf8, &CastOptions::default())
            .map_err(|e| Error::InvalidInput(format!("segment column '{c}': {e}")))?;
        let text = text.as_string::<i32>();
        for (k, v) in keys.iter_mut().zip(text.iter()) {
            if !k.is_empty() {
                k.push(',');
            }
            k.push_str(c);
            k.push('=');
            k.push_str(v.unwrap_or("null"));
        }
    }
    Ok(keys)
}

/// Checks that `batch` has each of `columns` (its `what` columns) and that
/// each can be read as the type `to` gives for it: a missing one or one of
/// a type that cannot be is [`Error::InvalidInput`] naming it. Cheap: only
/// types are looked at.
pub(crate) fn check_castable(
    batch: &RecordBatch,
    columns: &[String],
    what: &str,
    to: &dyn Fn(&DataType) -> DataType,
) -> Result<()> {
    for c in columns {
        let array = batch.column_by_name(c).ok_or_else(|| {
            Error::InvalidInput(format!(
                "the batch has no {what} column '{c}' (its columns: {})",
                names(batch.schema_ref())
            ))
        })?;
        let from = array.data_type();
        let to = to(from);
        if !arrow::compute::can_cast_types(from, &to) {
            return Err(Error::InvalidInput(format!(
                "{what} column '{c}' is {from}, which cannot be read as {to}"
            )));
        }
    }
    Ok(())
}

/// The schema of `batch` without the columns `ignore` names.
pub(crate) fn profiled_schema(batch_schema: &Schema, ignore: &dyn Fn(&str) -> bool) -> SchemaRef {
    Arc::new(Schema::new(
        batch_schema
            .fields()
            .iter()
            .filter(|f| !ignore(f.name()))
            // Nullable: a missing column or a value of another type is a null.
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array, StringArray, TimestampSecondArray};

    #[test]
    fn event_times_read_every_unit_and_refuse_other_types() {
        let b = RecordBatch::try_from_iter([(
            "t",
            Arc::new(TimestampSecondArray::from(vec![Some(-1), None, Some(3600)])) as ArrayRef,
        )])
        .unwrap();
        assert_eq!(
            event_times_ms(&b, "t").unwrap(),
            vec![Some(-1000), None, Some(3_600_000)]
        );
        let b =
            RecordBatch::try_from_iter([("t", Arc::new(Int64Array::from(vec![1])) as ArrayRef)])
                .unwrap();
        let e = event_times_ms(&b, "t").unwrap_err().to_string();
        assert!(e.contains("'t' is Int64"), "{e}");
        assert!(event_times_ms(&b, "ts")
            .unwrap_err()
            .to_string()
            .contains("'ts'"));
    }

    #[test]
    fn conform_counts_type_errors_and_missing_and_extra_columns() {
        let schema = Arc::new(Schema::new(vec![
            arrow::datatypes::Field::new("x", DataType::Float64, true),
            arrow::datatypes::Field::new("y", DataType::Float64, true),
        ]));
        let b = RecordBatch::try_from_iter([
            (
                "x",
                Arc::new(StringArray::from(vec![Some("1.5"), Some("abc"), None])) as ArrayRef,
            ),
            ("z", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef),
            ("t", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef),
        ])
        .unwrap();
        let c = conform(&b, &schema, &|c| c == "t").unwrap();
        assert_eq!(c.type_errors, BTreeMap::from([("x".to_string(), 1)]));
        assert_eq!(
            (c.missing, c.extra),
            (vec!["y".to_string()], vec!["z".to_string()])
        );
        let x = c.batch.column(0).as_primitive::<Float64Type>();
        assert_eq!(x.iter().collect::<Vec<_>>(), vec![Some(1.5), None, None]);
        assert_eq!(c.batch.column(1).null_count(), 3);
    }

    #[test]
    fn outside_is_past_the_range_or_an_unseen_category() {
        let a: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(0.0),
            Some(5.0),
            None,
            Some(f64::NAN),
        ]));
        let o = outside(&a, &Seen::Range(1.0, 4.0)).unwrap();
        assert_eq!(
            o.iter().collect::<Vec<_>>(),
            [true, true, false, false].map(Some)
        );
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), Some("q"), None]));
        let o = outside(&a, &Seen::Categories(HashSet::from(["a".to_string()]))).unwrap();
        assert_eq!(o.iter().collect::<Vec<_>>(), [false, true, false].map(Some));
    }
}
