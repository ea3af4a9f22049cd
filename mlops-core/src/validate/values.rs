//! Typed views of Arrow arrays for the check kernels: numbers (integers
//! exactly as `i64`, everything else numeric as `f64`, dates and times as
//! integers in their unit), strings of any Arrow string type, and one
//! value as JSON for the lists of unexpected values. Missing means null,
//! or NaN in a float column (as pandas, and so Great Expectations, count it).

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArrayType};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use serde_json::Value;

use crate::profile::ValueKind;

/// The numbers of an array: integers exactly, the rest as floats.
pub(crate) enum Nums {
    /// Integers, dates, times, timestamps and durations (in their unit).
    I(Int64Array),
    /// Floats, decimals and unsigned 64-bit integers.
    F(Float64Array),
}

/// The numbers of a numeric or temporal array, or `None` for other types.
pub(crate) fn nums(a: &dyn Array) -> Option<Nums> {
    use DataType::*;
    let dt = a.data_type();
    if let Dictionary(_, v) = dt {
        let plain = cast(a, v).ok()?;
        return nums(plain.as_ref());
    }
    Some(match dt {
        Int64 => Nums::I(a.as_primitive::<Int64Type>().clone()),
        Float64 => Nums::F(a.as_primitive::<Float64Type>().clone()),
        Int8 | Int16 | Int32 | UInt8 | UInt16 | UInt32 => {
            Nums::I(cast(a, &Int64).ok()?.as_primitive::<Int64Type>().clone())
        }
        UInt64 | Float16 | Float32 | Decimal32(..) | Decimal64(..) | Decimal128(..)
        | Decimal256(..) => Nums::F(
            cast(a, &Float64)
                .ok()?
                .as_primitive::<Float64Type>()
                .clone(),
        ),
        Timestamp(..) | Date64 | Time64(_) | Duration(_) => {
            Nums::I(cast(a, &Int64).ok()?.as_primitive::<Int64Type>().clone())
        }
        Date32 | Time32(_) => {
            let i = cast(a, &Int32).ok()?;
            Nums::I(cast(&i, &Int64).ok()?.as_primitive::<Int64Type>().clone())
        }
        _ => return None,
    })
}

impl Nums {
    /// Calls `f(index, value)` for each present value (not null, not NaN).
    #[inline]
    pub(crate) fn for_each(&self, mut f: impl FnMut(usize, f64)) {
        match self {
            Nums::I(a) => {
                let v = a.values();
                match a.nulls().filter(|n| n.null_count() > 0) {
                    None => v.iter().enumerate().for_each(|(i, &x)| f(i, x as f64)),
                    Some(n) => n.valid_indices().for_each(|i| f(i, v[i] as f64)),
                }
            }
            Nums::F(a) => {
                let v = a.values();
                let mut g = |i: usize, x: f64| {
                    if !x.is_nan() {
                        f(i, x)
                    }
                };
                match a.nulls().filter(|n| n.null_count() > 0) {
                    None => v.iter().enumerate().for_each(|(i, &x)| g(i, x)),
                    Some(n) => n.valid_indices().for_each(|i| g(i, v[i])),
                }
            }
        }
    }

    /// Whether row `i` is present (not null, not NaN).
    #[inline]
    pub(crate) fn present(&self, i: usize) -> bool {
        match self {
            Nums::I(a) => a.is_valid(i),
            Nums::F(a) => a.is_valid(i) && !a.value(i).is_nan(),
        }
    }

    /// The value of row `i` as a float (whatever its validity).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> f64 {
        match self {
            Nums::I(a) => a.value(i) as f64,
            Nums::F(a) => a.value(i),
        }
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        match self {
            Nums::I(a) => a.len(),
            Nums::F(a) => a.len(),
        }
    }
}

/// Rows that are missing: nulls, and NaNs of float columns.
pub(crate) fn missing_count(a: &dyn Array) -> u64 {
    let nulls = a.logical_null_count() as u64;
    let nans = match a.data_type() {
        DataType::Float64 => count_nan(a.as_primitive::<Float64Type>()),
        DataType::Float32 | DataType::Float16 => match cast(a, &DataType::Float64) {
            Ok(f) => count_nan(f.as_primitive::<Float64Type>()),
            Err(_) => 0,
        },
        _ => 0,
    };
    nulls + nans
}

fn count_nan(a: &Float64Array) -> u64 {
    let v = a.values();
    match a.nulls().filter(|n| n.null_count() > 0) {
        None => v.iter().filter(|x| x.is_nan()).count() as u64,
        Some(n) => n.valid_indices().filter(|&i| v[i].is_nan()).count() as u64,
    }
}

/// Whether row `i` is missing (null, or NaN in a float column).
pub(crate) fn is_missing(a: &dyn Array, i: usize) -> bool {
    if a.is_null(i) {
        return true;
    }
    match a.data_type() {
        DataType::Float64 => a.as_primitive::<Float64Type>().value(i).is_nan(),
        DataType::Float32 => a
            .as_primitive::<arrow::datatypes::Float32Type>()
            .value(i)
            .is_nan(),
        _ => false,
    }
}

/// A string array of any Arrow string type (dictionaries are decoded).
pub(crate) enum Strs {
    Utf8(ArrayRef),
    Large(ArrayRef),
    View(ArrayRef),
}

/// The strings of a string (or dictionary-of-string) array, or `None`.
pub(crate) fn strs(a: &ArrayRef) -> Option<Strs> {
    match a.data_type() {
        DataType::Utf8 => Some(Strs::Utf8(a.clone())),
        DataType::LargeUtf8 => Some(Strs::Large(a.clone())),
        DataType::Utf8View => Some(Strs::View(a.clone())),
        DataType::Dictionary(_, v) if ValueKind::of(v) == ValueKind::String => {
            strs(&cast(a, v).ok()?)
        }
        _ => None,
    }
}

fn each_str<'a, A: StringArrayType<'a>>(a: A, mut f: impl FnMut(usize, &'a str)) {
    match a.nulls().filter(|n| n.null_count() > 0) {
        None => (0..a.len()).for_each(|i| f(i, a.value(i))),
        Some(n) => n.valid_indices().for_each(|i| f(i, a.value(i))),
    }
}

impl Strs {
    /// The value of row `i`, `None` when null.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        match self {
            Strs::Utf8(a) => a.is_valid(i).then(|| a.as_string::<i32>().value(i)),
            Strs::Large(a) => a.is_valid(i).then(|| a.as_string::<i64>().value(i)),
            Strs::View(a) => a.is_valid(i).then(|| a.as_string_view().value(i)),
        }
    }

    /// Calls `f(index, value)` for each non-null value.
    #[inline]
    pub(crate) fn for_each<'a>(&'a self, f: impl FnMut(usize, &'a str)) {
        match self {
            Strs::Utf8(a) => each_str(a.as_string::<i32>(), f),
            Strs::Large(a) => each_str(a.as_string::<i64>(), f),
            Strs::View(a) => each_str(a.as_string_view(), f),
        }
    }
}

/// The value of row `i` as JSON: numbers as numbers, strings and booleans
/// as themselves, dates and times as text, null as null.
pub(crate) fn json_at(a: &dyn Array, i: usize) -> Value {
    use DataType::*;
    if a.is_null(i) {
        return Value::Null;
    }
    if !matches!(
        a.data_type(),
        Int64 | Float64 | Boolean | Utf8 | LargeUtf8 | Utf8View
    ) {
        // Casts below would convert the whole array: take the one row first.
        let one = arrow::array::make_array(a.to_data().slice(i, 1));
        if one.len() == 1 && a.len() > 1 {
            return json_at(one.as_ref(), 0);
        }
    }
    match a.data_type() {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 => match nums(a) {
            Some(Nums::I(x)) => Value::from(x.value(i)),
            _ => Value::Null,
        },
        UInt64 | Float16 | Float32 | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..)
        | Decimal256(..) => match nums(a) {
            Some(n) => serde_json::Number::from_f64(n.get(i))
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(n.get(i).to_string())),
            None => Value::Null,
        },
        Boolean => Value::Bool(a.as_boolean().value(i)),
        Utf8 => Value::String(a.as_string::<i32>().value(i).to_string()),
        LargeUtf8 => Value::String(a.as_string::<i64>().value(i).to_string()),
        Utf8View => Value::String(a.as_string_view().value(i).to_string()),
        _ => match arrow::util::display::ArrayFormatter::try_new(a, &Default::default()) {
            Ok(f) => Value::String(f.value(i).to_string()),
            Err(_) => Value::Null,
        },
    }
}
