//! JSON request bodies as Arrow, typed strictly by the signature: a value is
//! taken only when JSON already gives it the declared kind (a number for a
//! number, a string for a string, `true`/`false` for a flag, an ISO 8601
//! string for a date or time), so nothing is ever coerced: `"3"` for a
//! `Float64` input, `1.5` or `3e9` for an `Int32` one and `1` for a `Utf8`
//! one are refused, each column's bad values counted with the first row.
//! Parsing is serde_json's, whose nesting limit (128) keeps a hostile body
//! from exhausting the stack.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
    Int8Array, RecordBatch, StringArray, UInt16Array, UInt32Array, UInt64Array, UInt8Array,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, SchemaRef};
use serde_json::Value;

use crate::package::{Problem, Signature};

/// Some values of a column that are not of its type.
struct Bad {
    found: String,
    count: u64,
    first_row: u64,
}

impl Bad {
    fn add(bad: &mut Option<Bad>, row: usize, found: impl FnOnce() -> String) {
        match bad {
            Some(b) => b.count += 1,
            None => {
                *bad = Some(Bad {
                    found: found(),
                    count: 1,
                    first_row: row as u64,
                })
            }
        }
    }
}

/// What a JSON value is, for a problem.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A column's values: `None` where a row lacks the key.
type Cells<'a> = Vec<Option<&'a Value>>;

/// The body as a batch of the signature's inputs (`schema`, their types
/// `types`), or every problem found.
pub(super) fn to_batch(
    body: &[u8],
    signature: &Signature,
    types: &[Option<DataType>],
    schema: &SchemaRef,
) -> Result<RecordBatch, Vec<Problem>> {
    let malformed = |message: String| vec![Problem::Malformed { message }];
    let doc: Value = serde_json::from_slice(body)
        .map_err(|e| malformed(format!("the body is not JSON: {e}")))?;
    // Each input's cells, or None when no row has it.
    // The row count (`None`: an object naming none of the inputs).
    let (n, columns): (Option<usize>, Vec<Option<Cells>>) = match &doc {
        Value::Array(rows) => {
            let mut objects = Vec::with_capacity(rows.len());
            for (i, r) in rows.iter().enumerate() {
                match r {
                    Value::Object(o) => objects.push(o),
                    v => {
                        return Err(malformed(format!(
                            "row {i} is a JSON {}, not an object of column values",
                            kind(v)
                        )))
                    }
                }
            }
            let cols = signature
                .inputs
                .iter()
                .map(|c| {
                    let cells: Cells = objects.iter().map(|o| o.get(&c.name)).collect();
                    cells.iter().any(Option::is_some).then_some(cells)
                })
                .collect();
            (Some(rows.len()), cols)
        }
        Value::Object(obj) => {
            let mut n = None;
            let mut cols = Vec::with_capacity(signature.inputs.len());
            for c in &signature.inputs {
                match obj.get(&c.name) {
                    None => cols.push(None),
                    Some(Value::Array(values)) => {
                        let len = *n.get_or_insert((values.len(), &c.name));
                        if values.len() != len.0 {
                            return Err(malformed(format!(
                                "column {} has {} value(s) but column {} has {}",
                                c.name,
                                values.len(),
                                len.1,
                                len.0
                            )));
                        }
                        cols.push(Some(values.iter().map(Some).collect()));
                    }
                    Some(v) => {
                        return Err(malformed(format!(
                            "column {} is a JSON {}, not a list of values",
                            c.name,
                            kind(v)
                        )))
                    }
                }
            }
            (n.map(|(len, _)| len), cols)
        }
        v => {
            return Err(malformed(format!(
            "the body is a JSON {}: expected a list of row objects or an object of column lists",
            kind(v)
        )))
        }
    };
    if n == Some(0) {
        return Err(vec![Problem::NoRows]);
    }
    let mut problems = Vec::new();
    let mut arrays = Vec::with_capacity(columns.len());
    for ((spec, t), cells) in signature.inputs.iter().zip(types).zip(columns) {
        let Some(cells) = cells else {
            problems.push(Problem::MissingColumn {
                column: spec.name.clone(),
            });
            continue;
        };
        let built = t.as_ref().and_then(|t| build(&cells, t));
        let Some((array, bad)) = built else {
            problems.push(Problem::TypeMismatch {
                column: spec.name.clone(),
                expected: spec.data_type.clone(),
                found: "JSON (send Arrow data for this type)".into(),
            });
            continue;
        };
        if let Some(b) = bad {
            problems.push(Problem::BadValues {
                column: spec.name.clone(),
                expected: spec.data_type.clone(),
                found: b.found,
                count: b.count,
                first_row: b.first_row,
            });
        } else if !spec.nullable && array.null_count() > 0 {
            let first = (0..array.len()).find(|&r| array.is_null(r)).unwrap_or(0);
            problems.push(Problem::Nulls {
                column: spec.name.clone(),
                count: array.null_count() as u64,
                first_row: first as u64,
            });
        }
        arrays.push(array);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    RecordBatch::try_new(schema.clone(), arrays).map_err(|e| malformed(e.to_string()))
}

/// The cells as an array of type `t` and their bad values; `None` for a
/// type JSON bodies do not carry.
fn build(cells: &Cells, t: &DataType) -> Option<(ArrayRef, Option<Bad>)> {
    let mut bad = None;
    macro_rules! ints {
        ($array:ty, $get:ident, $native:ty) => {{
            let values: $array = cells
                .iter()
                .enumerate()
                .map(|(row, c)| match c {
                    None | Some(Value::Null) => None,
                    Some(Value::Number(x)) => {
                        match x.$get().and_then(|v| <$native>::try_from(v).ok()) {
                            Some(v) => Some(v),
                            None => {
                                Bad::add(&mut bad, row, || {
                                    if x.is_f64() {
                                        "non-integer number".into()
                                    } else {
                                        "number out of range".into()
                                    }
                                });
                                None
                            }
                        }
                    }
                    Some(v) => {
                        Bad::add(&mut bad, row, || kind(v).into());
                        None
                    }
                })
                .collect();
            Arc::new(values) as ArrayRef
        }};
    }
    macro_rules! typed {
        ($array:ty, $pat:pat => $value:expr) => {{
            let values: $array = cells
                .iter()
                .enumerate()
                .map(|(row, c)| match c {
                    None | Some(Value::Null) => None,
                    Some($pat) => Some($value),
                    Some(v) => {
                        Bad::add(&mut bad, row, || kind(v).into());
                        None
                    }
                })
                .collect();
            Arc::new(values) as ArrayRef
        }};
    }
    let array = match t {
        DataType::Int8 => ints!(Int8Array, as_i64, i8),
        DataType::Int16 => ints!(Int16Array, as_i64, i16),
        DataType::Int32 => ints!(Int32Array, as_i64, i32),
        DataType::Int64 => ints!(Int64Array, as_i64, i64),
        DataType::UInt8 => ints!(UInt8Array, as_u64, u8),
        DataType::UInt16 => ints!(UInt16Array, as_u64, u16),
        DataType::UInt32 => ints!(UInt32Array, as_u64, u32),
        DataType::UInt64 => ints!(UInt64Array, as_u64, u64),
        // Decimal text to the nearest float is parsing, not coercion.
        DataType::Float64 => {
            typed!(Float64Array, Value::Number(x) => x.as_f64().unwrap_or(f64::NAN))
        }
        DataType::Float32 => {
            typed!(Float32Array, Value::Number(x) => x.as_f64().unwrap_or(f64::NAN) as f32)
        }
        DataType::Boolean => typed!(BooleanArray, Value::Bool(b) => *b),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let s = typed!(StringArray, Value::String(s) => s.as_str());
            if t == &DataType::Utf8 {
                s
            } else {
                cast(&s, t).ok()?
            }
        }
        DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, _)
        | DataType::Time32(_)
        | DataType::Time64(_) => {
            let s = typed!(StringArray, Value::String(s) => s.as_str());
            // A safe cast: a string that is not a date or time becomes
            // null, and each such new null is a bad value.
            let parsed = match t {
                // Parsed as UTC instants (a string's own offset applied),
                // then labelled with the zone: Arrow keeps timestamps with
                // a zone as UTC values, so only the type changes.
                DataType::Timestamp(unit, Some(_)) => {
                    let utc = cast(&s, &DataType::Timestamp(*unit, None)).ok()?;
                    let data = utc.to_data().into_builder().data_type(t.clone());
                    arrow::array::make_array(data.build().ok()?)
                }
                _ => cast(&s, t).ok()?,
            };
            for row in 0..s.len() {
                if s.is_valid(row) && parsed.is_null(row) {
                    Bad::add(&mut bad, row, || format!("string that is not a {t}"));
                }
            }
            parsed
        }
        _ => return None,
    };
    Some((array, bad))
}
