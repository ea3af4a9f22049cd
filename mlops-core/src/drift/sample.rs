//! One column's values on one side of a drift comparison, taken straight
//! from the Arrow buffers of its record batches: sorted finite numbers, or
//! counts per category, with the missing values counted apart.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use arrow::compute::cast;
use arrow::datatypes::{ArrowPrimitiveType, DataType};
use arrow::datatypes::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};

use crate::error::{Error, Result};
use crate::sort::sort_f64;

/// The values of one column on one side, ready for the tests.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// Rows, missing ones included.
    pub rows: u64,
    /// Nulls.
    pub nulls: u64,
    /// NaN and ±inf (floats only); excluded from value tests as Evidently does.
    pub non_finite: u64,
    /// The values that take part in value tests.
    pub values: Values,
}

/// The present values of a column.
#[derive(Debug, Clone)]
pub enum Values {
    /// Finite numbers, sorted ascending.
    Numeric(Vec<f64>),
    /// Counts per category, sorted by category.
    Categorical(Vec<(String, u64)>),
}

impl Default for Values {
    fn default() -> Self {
        Values::Numeric(Vec::new())
    }
}

impl Sample {
    /// Rows that are null, NaN or infinite.
    pub fn missing(&self) -> u64 {
        self.nulls + self.non_finite
    }

    /// Number of values that take part in the value tests.
    pub fn present(&self) -> u64 {
        self.rows - self.missing()
    }
}

/// How a column takes part in drift, by its Arrow type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Integers, floats, decimals.
    Numeric,
    /// Strings, booleans, dictionaries of strings.
    Categorical,
    /// Dates, times, timestamps, durations: excluded by default, as Evidently
    /// excludes datetime columns (time moves on between a reference and the
    /// present, so they would always drift).
    Datetime,
    /// Binary and nested types: not tested.
    Other,
}

impl ColumnKind {
    /// The kind of an Arrow type.
    pub fn of(dt: &DataType) -> Self {
        use DataType::*;
        match dt {
            Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float16 | Float32
            | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => {
                ColumnKind::Numeric
            }
            Boolean | Utf8 | LargeUtf8 | Utf8View => ColumnKind::Categorical,
            Date32 | Date64 | Time32(_) | Time64(_) | Timestamp(..) | Duration(_) => {
                ColumnKind::Datetime
            }
            Dictionary(_, v) => match ColumnKind::of(v) {
                ColumnKind::Categorical => ColumnKind::Categorical,
                k => k,
            },
            _ => ColumnKind::Other,
        }
    }

    /// The lower-case name used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numerical",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Datetime => "datetime",
            ColumnKind::Other => "other",
        }
    }
}

fn push_primitive<T>(a: &PrimitiveArray<T>, out: &mut Vec<f64>, non_finite: &mut u64)
where
    T: ArrowPrimitiveType,
    T::Native: num_cast::ToF64,
{
    use num_cast::ToF64;
    let vals = a.values();
    let before = out.len();
    let present = a.len() - a.null_count();
    // NaN and ±inf are missing values; integers are always finite.
    match (
        a.nulls().filter(|n| n.null_count() > 0),
        T::DATA_TYPE.is_floating(),
    ) {
        (None, false) => out.extend(vals.iter().map(|&v| v.to_f64())),
        (None, true) => out.extend(vals.iter().map(|&v| v.to_f64()).filter(|x| x.is_finite())),
        (Some(n), floating) => out.extend(
            vals.iter()
                .zip(n.iter())
                .filter(|(_, ok)| *ok)
                .map(|(&v, _)| v.to_f64())
                .filter(|x| !floating || x.is_finite()),
        ),
    }
    *non_finite += (present - (out.len() - before)) as u64;
}

/// Lossless-enough conversion of primitive natives to `f64` (integers above
/// 2^53 round, as they do in pandas and SciPy).
mod num_cast {
    pub trait ToF64: Copy {
        fn to_f64(self) -> f64;
    }
    macro_rules! impl_to_f64 {
        ($($t:ty),*) => {$(impl ToF64 for $t { #[inline(always)] fn to_f64(self) -> f64 { self as f64 } })*};
    }
    impl_to_f64!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
}

fn cast_column(column: &str, a: &dyn Array, to: &DataType) -> Result<ArrayRef> {
    cast(a, to).map_err(|e| {
        Error::Unsupported(format!("column '{column}' of type {}: {e}", a.data_type()))
    })
}

/// Collects the numeric values of one column's arrays, sorted.
pub fn numeric(column: &str, arrays: &[&dyn Array]) -> Result<Sample> {
    let rows: usize = arrays.iter().map(|a| a.len()).sum();
    let mut s = Sample {
        rows: rows as u64,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(rows);
    for &a in arrays {
        s.nulls += a.logical_null_count() as u64;
        let nf = &mut s.non_finite;
        match a.data_type() {
            DataType::Float64 => push_primitive(a.as_primitive::<Float64Type>(), &mut out, nf),
            DataType::Float32 => push_primitive(a.as_primitive::<Float32Type>(), &mut out, nf),
            DataType::Int64 => push_primitive(a.as_primitive::<Int64Type>(), &mut out, nf),
            DataType::Int32 => push_primitive(a.as_primitive::<Int32Type>(), &mut out, nf),
            DataType::Int16 => push_primitive(a.as_primitive::<Int16Type>(), &mut out, nf),
            DataType::Int8 => push_primitive(a.as_primitive::<Int8Type>(), &mut out, nf),
            DataType::UInt64 => push_primitive(a.as_primitive::<UInt64Type>(), &mut out, nf),
            DataType::UInt32 => push_primitive(a.as_primitive::<UInt32Type>(), &mut out, nf),
            DataType::UInt16 => push_primitive(a.as_primitive::<UInt16Type>(), &mut out, nf),
            DataType::UInt8 => push_primitive(a.as_primitive::<UInt8Type>(), &mut out, nf),
            dt if ColumnKind::of(dt) == ColumnKind::Datetime => {
                let i = cast_column(column, a, &DataType::Int64)?;
                push_primitive(i.as_primitive::<Int64Type>(), &mut out, nf);
            }
            _ => {
                // Decimals, half floats, dictionaries of numbers.
                let f = cast_column(column, a, &DataType::Float64)?;
                if f.null_count() != a.logical_null_count() {
                    return Err(Error::Unsupported(format!(
                        "column '{column}' of type {}: values do not convert to float64",
                        a.data_type()
                    )));
                }
                push_primitive(f.as_primitive::<Float64Type>(), &mut out, nf);
            }
        }
    }
    sort_f64(&mut out);
    s.values = Values::Numeric(out);
    Ok(s)
}

type Counter<'a> = HashMap<&'a str, u64, foldhash::fast::FixedState>;
type ShortCounter = HashMap<u128, u64, foldhash::fast::FixedState>;

/// A string of at most 15 bytes packed into an integer (bytes, then the
/// length in the top byte), so counting hashes and compares one `u128`
/// instead of a slice. Categories are mostly this short.
#[inline(always)]
fn short_key(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    buf[15] = b.len() as u8;
    Some(u128::from_le_bytes(buf))
}

fn short_string(k: u128) -> String {
    let buf = k.to_le_bytes();
    let len = buf[15] as usize;
    String::from_utf8_lossy(&buf[..len]).into_owned()
}

/// [`count_strs`] straight from the offsets and bytes of a string array:
/// a string of at most 8 bytes is read as one (masked) 8-byte load when the
/// buffer has 8 bytes from its start, which is nearly always.
fn count_offsets<'a, O: arrow::array::OffsetSizeTrait>(
    short: &mut ShortCounter,
    long: &mut Counter<'a>,
    a: &'a arrow::array::GenericStringArray<O>,
) {
    let (offsets, bytes) = (a.value_offsets(), a.value_data());
    let nulls = a.nulls().filter(|n| n.null_count() > 0);
    for i in 0..a.len() {
        if nulls.is_some_and(|n| n.is_null(i)) {
            continue;
        }
        let (start, end) = (offsets[i].as_usize(), offsets[i + 1].as_usize());
        let len = end - start;
        if len <= 8 && start + 8 <= bytes.len() {
            let word = u64::from_le_bytes(bytes[start..start + 8].try_into().expect("8 bytes"));
            let word = if len == 8 {
                word
            } else {
                word & ((1u64 << (8 * len)) - 1)
            };
            // The same key `short_key` makes: bytes, then the length in the top byte.
            let k = word as u128 | (len as u128) << 120;
            *short.entry(k).or_insert(0) += 1;
        } else {
            let v = a.value(i);
            match short_key(v) {
                Some(k) => *short.entry(k).or_insert(0) += 1,
                None => *long.entry(v).or_insert(0) += 1,
            }
        }
    }
}

fn count_strs<'a>(
    short: &mut ShortCounter,
    long: &mut Counter<'a>,
    it: impl Iterator<Item = Option<&'a str>>,
) {
    for v in it.flatten() {
        match short_key(v) {
            Some(k) => *short.entry(k).or_insert(0) += 1,
            None => *long.entry(v).or_insert(0) += 1,
        }
    }
}

/// Counts the categories of one column's arrays (strings, booleans,
/// dictionaries of strings), in category order.
pub fn categorical(column: &str, arrays: &[&dyn Array]) -> Result<Sample> {
    let rows: usize = arrays.iter().map(|a| a.len()).sum();
    let mut s = Sample {
        rows: rows as u64,
        ..Default::default()
    };
    let mut counts = Counter::with_hasher(foldhash::fast::FixedState::with_seed(7));
    let mut short = ShortCounter::with_hasher(foldhash::fast::FixedState::with_seed(7));
    let mut owned: HashMap<String, u64> = HashMap::new();
    for &a in arrays {
        if !matches!(a.data_type(), DataType::Dictionary(..)) {
            s.nulls += a.null_count() as u64;
        }
        match a.data_type() {
            DataType::Utf8 => count_offsets(&mut short, &mut counts, a.as_string::<i32>()),
            DataType::LargeUtf8 => count_offsets(&mut short, &mut counts, a.as_string::<i64>()),
            DataType::Utf8View => count_strs(&mut short, &mut counts, a.as_string_view().iter()),
            DataType::Boolean => {
                let b = a.as_boolean();
                let t = b.true_count() as u64;
                let present = (b.len() - b.null_count()) as u64;
                *counts.entry("true").or_insert(0) += t;
                *counts.entry("false").or_insert(0) += present - t;
            }
            DataType::Dictionary(..) => {
                let d = a.as_any_dictionary();
                let values = cast_column(column, d.values().as_ref(), &DataType::Utf8)?;
                let values = values.as_string::<i32>();
                let keys = cast_column(column, d.keys(), &DataType::UInt64)?;
                let keys = keys.as_primitive::<UInt64Type>();
                s.nulls += keys.null_count() as u64;
                let mut per_key = vec![0u64; values.len()];
                for k in keys.iter().flatten() {
                    per_key[k as usize] += 1;
                }
                for (i, c) in per_key.into_iter().enumerate() {
                    if c == 0 {
                        continue;
                    }
                    if values.is_null(i) {
                        s.nulls += c;
                    } else {
                        *owned.entry(values.value(i).to_string()).or_insert(0) += c;
                    }
                }
            }
            dt => {
                return Err(Error::Unsupported(format!(
                    "column '{column}' of type {dt} cannot be tested as categorical"
                )))
            }
        }
    }
    for (k, c) in counts {
        if c > 0 {
            *owned.entry(k.to_string()).or_insert(0) += c;
        }
    }
    for (k, c) in short {
        *owned.entry(short_string(k)).or_insert(0) += c;
    }
    let mut v: Vec<(String, u64)> = owned.into_iter().filter(|(_, c)| *c > 0).collect();
    v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    s.values = Values::Categorical(v);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::StringArray;

    #[test]
    fn short_and_long_strings_count_alike() {
        let words = [
            "a",
            "a\0",
            "",
            "héllo",
            "exactly15bytes!",
            "sixteen_bytes_!!",
            "a much longer category name",
        ];
        let mut vals: Vec<Option<&str>> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            vals.extend(std::iter::repeat_n(Some(*w), i + 1));
        }
        vals.push(None);
        let a = StringArray::from(vals);
        let s = categorical("c", &[&a]).unwrap();
        assert_eq!((s.rows, s.nulls), (29, 1));
        let Values::Categorical(counts) = s.values else {
            panic!("categorical")
        };
        let mut want: Vec<(String, u64)> = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.to_string(), i as u64 + 1))
            .collect();
        want.sort();
        assert_eq!(counts, want);
        // A short string at the very end of the buffer takes the slow path;
        // it must land on the same key as its copies read the fast way.
        let tail = StringArray::from(vec!["zz", "zz", "zz"]);
        let Values::Categorical(c) = categorical("c", &[&tail]).unwrap().values else {
            panic!("categorical")
        };
        assert_eq!(c, vec![("zz".to_string(), 3)]);
    }
}
