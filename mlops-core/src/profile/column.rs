//! The profile of one column: its state (counters, moments, sketches) and the
//! kernels that fold one Arrow array into it, straight from the buffers.

use std::cell::Cell;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, GenericByteArray, Int64Array,
    PrimitiveArray,
};
use arrow::compute::cast;
use arrow::datatypes::{ArrowPrimitiveType, ByteArrayType, DataType};

use serde::{Deserialize, Serialize};

use super::kll::seed_of;
use super::moments::Moments;
use super::scalar::Scalar;
use super::sketches::{Distinct, Frequent, Quantiles};
use crate::error::{Error, Result};
use crate::sort::{i64_key, i64_unkey, sort_f64, sort_keys};

/// How a column's values are profiled, decided by its Arrow type. Written
/// in profiles (JSON and binary) by its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    /// Integers, floats and decimals.
    Numeric,
    /// Booleans.
    Boolean,
    /// Strings (`utf8`, `large_utf8`, `utf8_view`, dictionaries of them).
    String,
    /// Raw bytes.
    Binary,
    /// Dates, times, timestamps and durations (profiled as integers in their unit).
    Temporal,
    /// Lists, structs, maps, unions: counted with their nulls only.
    Nested,
}

words!(ValueKind, "value kind", {
    Numeric => "numeric",
    Boolean => "boolean",
    String => "string",
    Binary => "binary",
    Temporal => "temporal",
    Nested => "nested",
});

impl ValueKind {
    /// The kind of values of an Arrow type.
    pub fn of(dt: &DataType) -> Self {
        use DataType::*;
        match dt {
            Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float16 | Float32
            | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) | Null => {
                ValueKind::Numeric
            }
            Boolean => ValueKind::Boolean,
            Utf8 | LargeUtf8 | Utf8View => ValueKind::String,
            Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => ValueKind::Binary,
            Date32 | Date64 | Time32(_) | Time64(_) | Timestamp(..) | Duration(_) => {
                ValueKind::Temporal
            }
            Dictionary(_, v) => ValueKind::of(v),
            _ => ValueKind::Nested,
        }
    }
}

/// Length statistics of string or binary values (characters for strings,
/// bytes for binary).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Lengths {
    /// Values measured.
    pub n: u64,
    /// Shortest length.
    pub min: u64,
    /// Longest length.
    pub max: u64,
    /// Sum of lengths.
    pub sum: u64,
}

impl Lengths {
    #[inline(always)]
    fn push(&mut self, len: u64, weight: u64) {
        if self.n == 0 || len < self.min {
            self.min = len;
        }
        self.max = self.max.max(len);
        self.n += weight;
        self.sum += len * weight;
    }

    pub(crate) fn merge(&self, o: &Self) -> Self {
        if o.n == 0 {
            return *self;
        }
        if self.n == 0 {
            return *o;
        }
        Self {
            n: self.n + o.n,
            min: self.min.min(o.min),
            max: self.max.max(o.max),
            sum: self.sum + o.sum,
        }
    }

    /// Mean length, `None` when nothing was measured.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }
}

/// The profile of one column. Obtained from [`Profile`](crate::profile::Profile);
/// its accessors give the statistics, and it merges with the profile of the
/// same column over other rows.
#[derive(Debug, Clone)]
pub struct ColumnProfile {
    pub(crate) name: String,
    pub(crate) data_type: String,
    pub(crate) kind: ValueKind,
    pub(crate) count: u64,
    pub(crate) null_count: u64,
    pub(crate) nan_count: u64,
    pub(crate) pos_inf_count: u64,
    pub(crate) neg_inf_count: u64,
    pub(crate) true_count: u64,
    pub(crate) moments: Moments,
    pub(crate) min: Option<Scalar>,
    pub(crate) max: Option<Scalar>,
    pub(crate) lengths: Lengths,
    pub(crate) quantiles: Option<Quantiles>,
    pub(crate) distinct: Option<Distinct>,
    pub(crate) frequent: Option<Frequent>,
    /// Whether the last batch had too many distinct values to pre-aggregate
    /// (a hint for the next batch, not part of the profile).
    pub(crate) many_distinct: bool,
}

/// Most distinct strings of one batch that are counted in a hash map before
/// the sketches are fed once per distinct value (with its count); HLL and
/// the frequent-items sketch give the same result either way, and the map
/// makes low-cardinality columns cost one cheap hash per value. Also the
/// most distinct values one batch of a continuous column (float, temporal)
/// may show while its frequent values are still tracked.
const PREAGG_MAX: usize = 16_384;

thread_local! {
    static FLOAT_SCRATCH: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
    static KEY_SCRATCH: Cell<Vec<u64>> = const { Cell::new(Vec::new()) };
}

/// Largest scratch buffer kept between batches (8 Mi values, 64 MiB).
const MAX_KEPT_SCRATCH: usize = 8 << 20;

/// Runs `f` with this thread's two scratch buffers, empty, and keeps them
/// for the next batch: a fresh megabyte per column and batch would cost a
/// page fault per 4 KiB every time.
fn with_scratch<R>(f: impl FnOnce(&mut Vec<f64>, &mut Vec<u64>) -> R) -> R {
    let (mut floats, mut keys) = (FLOAT_SCRATCH.take(), KEY_SCRATCH.take());
    floats.clear();
    keys.clear();
    let out = f(&mut floats, &mut keys);
    if floats.capacity() <= MAX_KEPT_SCRATCH {
        FLOAT_SCRATCH.set(floats);
    }
    if keys.capacity() <= MAX_KEPT_SCRATCH {
        KEY_SCRATCH.set(keys);
    }
    out
}

/// Calls `f` on each valid (non-null) value of `a`, in order.
#[inline(always)]
fn for_each_valid<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>, mut f: impl FnMut(T::Native)) {
    match a.nulls() {
        None => a.values().iter().for_each(|&x| f(x)),
        Some(n) => a
            .values()
            .iter()
            .zip(n.iter())
            .filter(|(_, valid)| *valid)
            .for_each(|(&x, _)| f(x)),
    }
}

/// Whether every value is finite, in one branch-free pass (an infinity or
/// NaN has all exponent bits set).
fn all_finite(values: &[f64]) -> bool {
    const EXP: u64 = 0x7ff0_0000_0000_0000;
    let mut lanes = [0u64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, x) in lanes.iter_mut().zip(c) {
            *l |= u64::from(x.to_bits() & EXP == EXP);
        }
    }
    lanes.iter().all(|&l| l == 0) && rest.iter().all(|x| x.is_finite())
}

type Counts<K> = std::collections::HashMap<K, u64, foldhash::fast::FixedState>;

/// Counts values while there are at most [`PREAGG_MAX`] distinct ones;
/// `None` when there are more.
fn count_few<K: std::hash::Hash + Eq>(values: impl Iterator<Item = K>) -> Option<Counts<K>> {
    let mut m =
        Counts::with_capacity_and_hasher(64, foldhash::fast::FixedState::with_seed(0x6d6c6f7073));
    for v in values {
        *m.entry(v).or_insert(0) += 1;
        if m.len() > PREAGG_MAX {
            return None;
        }
    }
    Some(m)
}

impl ColumnProfile {
    /// An empty profile for a column of this name and Arrow type.
    pub fn new(name: &str, dt: &DataType) -> Self {
        let kind = ValueKind::of(dt);
        Self::empty(name.to_string(), dt.to_string(), kind)
    }

    /// An empty profile; its quantile sketch is seeded from the column's
    /// name, so profiling the same values gives the same bytes every run.
    pub(crate) fn empty(name: String, data_type: String, kind: ValueKind) -> Self {
        let (q, d, f) = match kind {
            ValueKind::Numeric | ValueKind::Temporal => (
                Some(Quantiles::with_seed(seed_of(&[b"column", name.as_bytes()]))),
                Some(Distinct::default()),
                Some(Frequent::ints()),
            ),
            ValueKind::Boolean => (None, Some(Distinct::default()), Some(Frequent::ints())),
            ValueKind::String => (None, Some(Distinct::default()), Some(Frequent::strings())),
            ValueKind::Binary => (None, Some(Distinct::default()), None),
            ValueKind::Nested => (None, None, None),
        };
        Self {
            name,
            data_type,
            kind,
            count: 0,
            null_count: 0,
            nan_count: 0,
            pos_inf_count: 0,
            neg_inf_count: 0,
            true_count: 0,
            moments: Moments::default(),
            min: None,
            max: None,
            lengths: Lengths::default(),
            quantiles: q,
            distinct: d,
            frequent: f,
            many_distinct: false,
        }
    }

    /// Restarts the coin of the quantile sketch from `seed` (the values it
    /// holds are kept).
    pub(crate) fn reseed(&mut self, seed: u64) {
        if let Some(q) = self.quantiles.as_mut() {
            q.reseed(seed);
        }
    }

    /// Folds one array (a column of a record batch) into the profile.
    pub fn update(&mut self, array: &dyn Array) -> Result<()> {
        if let DataType::Dictionary(_, values) = array.data_type() {
            if self.kind != ValueKind::String {
                // Dictionaries of numbers or times are profiled as their values.
                let plain = self.cast(array, values)?;
                return self.update(plain.as_ref());
            }
        }
        self.count += array.len() as u64;
        self.null_count += array.logical_null_count() as u64;
        if array.len() == array.logical_null_count() {
            return Ok(());
        }
        let dt = array.data_type();
        match (self.kind, dt) {
            (ValueKind::Nested, _) => Ok(()),
            (ValueKind::Boolean, DataType::Boolean) => {
                self.update_bool(array.as_boolean());
                Ok(())
            }
            (ValueKind::String, DataType::Utf8) => {
                self.update_strs(array.as_string::<i32>().iter())
            }
            (ValueKind::String, DataType::LargeUtf8) => {
                self.update_strs(array.as_string::<i64>().iter())
            }
            (ValueKind::String, DataType::Utf8View) => {
                self.update_strs(array.as_string_view().iter())
            }
            (_, DataType::Dictionary(..)) => self.update_dictionary(array),
            (ValueKind::Binary, _) => {
                self.update_binary(array);
                Ok(())
            }
            (ValueKind::Numeric, DataType::Float64) => {
                self.update_floats(array.as_primitive::<arrow::datatypes::Float64Type>());
                Ok(())
            }
            (ValueKind::Numeric, dt)
                if dt.is_floating()
                    || matches!(
                        dt,
                        DataType::Decimal32(..)
                            | DataType::Decimal64(..)
                            | DataType::Decimal128(..)
                            | DataType::Decimal256(..)
                    ) =>
            {
                let a = self.cast(array, &DataType::Float64)?;
                self.update_floats(a.as_primitive::<arrow::datatypes::Float64Type>());
                Ok(())
            }
            (ValueKind::Numeric | ValueKind::Temporal, _) => {
                let a = if dt == &DataType::Int64 {
                    None
                } else {
                    Some(self.cast(array, &DataType::Int64)?)
                };
                let ints: &Int64Array = match &a {
                    Some(a) => a.as_primitive(),
                    None => array.as_primitive(),
                };
                self.update_ints(ints);
                Ok(())
            }
            (kind, dt) => Err(Error::SchemaMismatch(format!(
                "column '{}' was profiled as {} but got an array of type {dt}",
                self.name,
                kind.as_str()
            ))),
        }
    }

    /// Casts `array` for profiling, refusing a cast that would turn values into nulls.
    fn cast(&self, array: &dyn Array, to: &DataType) -> Result<ArrayRef> {
        let out = cast(array, to).map_err(|e| {
            Error::Unsupported(format!(
                "column '{}' of type {}: {e}",
                self.name,
                array.data_type()
            ))
        })?;
        if out.null_count() != array.logical_null_count() {
            return Err(Error::Unsupported(format!(
                "column '{}' of type {}: values do not fit in {to} (e.g. UInt64 above 2^63)",
                self.name,
                array.data_type()
            )));
        }
        Ok(out)
    }

    fn update_floats(&mut self, a: &Float64Array) {
        with_scratch(|finite, _| {
            finite.reserve(a.len() - a.null_count());
            let (mut nan, mut pinf, mut ninf) = (0u64, 0u64, 0u64);
            let classify = |x: f64| {
                if x.is_finite() {
                    // -0.0 and 0.0 are one value.
                    finite.push(x + 0.0);
                } else if x.is_nan() {
                    nan += 1;
                } else if x > 0.0 {
                    pinf += 1;
                } else {
                    ninf += 1;
                }
            };
            if a.nulls().is_none() && all_finite(a.values()) {
                // The common case, all finite and valid, as one copy.
                finite.extend(a.values().iter().map(|&x| x + 0.0));
            } else {
                for_each_valid(a, classify);
            }
            self.nan_count += nan;
            self.pos_inf_count += pinf;
            self.neg_inf_count += ninf;
            if finite.is_empty() {
                return;
            }
            self.moments = self.moments.merge(&Moments::of_block(finite));
            sort_f64(finite);
            let (lo, hi) = (finite[0], finite[finite.len() - 1]);
            self.min = Scalar::min_of(self.min.take(), Some(Scalar::Float(lo)));
            self.max = Scalar::max_of(self.max.take(), Some(Scalar::Float(hi)));
            self.count_sorted(finite.iter().map(|&x| x.to_bits() as i64), true);
            let q = self.quantiles.as_mut().expect("numeric has quantiles");
            q.push_sorted(finite.as_mut_slice());
        });
    }

    /// Feeds sorted integer-like values (floats by bit pattern, where equal
    /// values are neighbours too) to the distinct and frequent-items
    /// sketches, once per distinct value with its count. A `continuous`
    /// column (float, temporal) that shows more than [`PREAGG_MAX`] distinct
    /// values in one batch stops tracking frequent values, which are
    /// meaningless there and costly to keep.
    fn count_sorted(&mut self, mut values: impl Iterator<Item = i64>, continuous: bool) {
        let Some(mut value) = values.next() else {
            return;
        };
        let d = self.distinct.as_mut().expect("numeric has distinct");
        let mut frequent = match self.frequent.as_mut() {
            Some(Frequent::Int(f)) => Some(f),
            _ => None,
        };
        let (mut count, mut runs) = (1u64, 0usize);
        let mut emit = |v: i64, c: u64| {
            d.push(v);
            runs += 1;
            if continuous && runs > PREAGG_MAX {
                frequent = None;
            }
            if let Some(f) = frequent.as_mut() {
                f.update_with_count(v, c);
            }
        };
        for v in values {
            if v == value {
                count += 1;
            } else {
                emit(value, count);
                (value, count) = (v, 1);
            }
        }
        emit(value, count);
        if continuous && runs > PREAGG_MAX {
            self.frequent = None;
        }
    }

    fn update_ints(&mut self, a: &Int64Array) {
        with_scratch(|floats, keys| {
            if a.nulls().is_none() {
                // Two straight conversions, which vectorise.
                floats.extend(a.values().iter().map(|&x| x as f64));
                keys.extend(a.values().iter().map(|&x| i64_key(x)));
            } else {
                for_each_valid(a, |x| {
                    floats.push(x as f64);
                    keys.push(i64_key(x));
                });
            }
            if keys.is_empty() {
                return;
            }
            self.moments = self.moments.merge(&Moments::of_block(floats));
            sort_keys(keys);
            let (lo, hi) = (i64_unkey(keys[0]), i64_unkey(keys[keys.len() - 1]));
            self.min = Scalar::min_of(self.min.take(), Some(Scalar::Int(lo)));
            self.max = Scalar::max_of(self.max.take(), Some(Scalar::Int(hi)));
            let continuous = self.kind == ValueKind::Temporal;
            self.count_sorted(keys.iter().map(|&k| i64_unkey(k)), continuous);
            // Ascending integers convert to ascending floats.
            floats.clear();
            floats.extend(keys.iter().map(|&k| i64_unkey(k) as f64));
            let q = self.quantiles.as_mut().expect("numeric has quantiles");
            q.push_sorted(floats.as_mut_slice());
        });
    }

    fn update_bool(&mut self, a: &BooleanArray) {
        let valid = (a.len() - a.null_count()) as u64;
        let trues = a.true_count() as u64;
        self.add_bool_counts(trues, valid - trues);
    }

    fn add_bool_counts(&mut self, trues: u64, falses: u64) {
        let n = trues + falses;
        if n == 0 {
            return;
        }
        self.true_count += trues;
        let mean = trues as f64 / n as f64;
        let m2 = trues as f64 * (1.0 - mean).powi(2) + falses as f64 * mean * mean;
        self.moments = self.moments.merge(&Moments { n, mean, m2 });
        let d = self.distinct.as_mut().expect("boolean has distinct");
        let Some(Frequent::Int(f)) = self.frequent.as_mut() else {
            unreachable!("boolean has int items")
        };
        for (v, c) in [(true, trues), (false, falses)] {
            if c > 0 {
                d.push(v);
                f.update_with_count(v as i64, c);
                self.min = Scalar::min_of(self.min.take(), Some(Scalar::Bool(v)));
                self.max = Scalar::max_of(self.max.take(), Some(Scalar::Bool(v)));
            }
        }
    }

    /// Strings: counted per distinct value while a batch has few, else value by value.
    fn update_strs<'a>(
        &mut self,
        values: impl Iterator<Item = Option<&'a str>> + Clone,
    ) -> Result<()> {
        if !self.many_distinct {
            if let Some(m) = count_few(values.clone().flatten()) {
                for (s, c) in m {
                    self.update_weighted_str(s, c);
                }
                return Ok(());
            }
            self.many_distinct = true;
        }
        let d = self.distinct.as_mut().expect("string has distinct");
        let Some(Frequent::Str(f)) = self.frequent.as_mut() else {
            unreachable!("string has str items")
        };
        let mut lo: Option<&str> = None;
        let mut hi: Option<&str> = None;
        for s in values.flatten() {
            let len = if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            } as u64;
            self.lengths.push(len, 1);
            d.push(s);
            f.update_ref(s);
            if lo.is_none_or(|l| s < l) {
                lo = Some(s);
            }
            if hi.is_none_or(|h| s > h) {
                hi = Some(s);
            }
        }
        self.min = Scalar::min_of(self.min.take(), lo.map(|s| Scalar::Str(s.to_string())));
        self.max = Scalar::max_of(self.max.take(), hi.map(|s| Scalar::Str(s.to_string())));
        Ok(())
    }

    /// One string value occurring `w` times.
    fn update_weighted_str(&mut self, s: &str, w: u64) {
        let d = self.distinct.as_mut().expect("string has distinct");
        let Some(Frequent::Str(f)) = self.frequent.as_mut() else {
            unreachable!("string has str items")
        };
        let len = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        } as u64;
        self.lengths.push(len, w);
        d.push(s);
        f.update_with_count_ref(s, w);
        if !matches!(&self.min, Some(Scalar::Str(m)) if m.as_str() <= s) {
            self.min = Some(Scalar::Str(s.to_string()));
        }
        if !matches!(&self.max, Some(Scalar::Str(m)) if m.as_str() >= s) {
            self.max = Some(Scalar::Str(s.to_string()));
        }
    }

    /// Dictionary arrays: count each key once, then fold the distinct values
    /// with their counts, so a low-cardinality column costs one pass over keys.
    fn update_dictionary(&mut self, array: &dyn Array) -> Result<()> {
        let dict = array.as_any_dictionary();
        let values = dict.values();
        let keys = dict.normalized_keys();
        let mut counts = vec![0u64; values.len()];
        let key_nulls = dict.keys().nulls();
        for (i, &k) in keys.iter().enumerate() {
            if key_nulls.is_none_or(|n| n.is_valid(i)) {
                if let Some(c) = counts.get_mut(k) {
                    *c += 1;
                }
            }
        }
        let strings: ArrayRef = match values.data_type() {
            DataType::Utf8 => values.clone(),
            _ => self.cast(values.as_ref(), &DataType::Utf8)?,
        };
        let strings = strings.as_string::<i32>();
        for (k, &c) in counts.iter().enumerate() {
            if c > 0 && strings.is_valid(k) {
                self.update_weighted_str(strings.value(k), c);
            }
        }
        Ok(())
    }

    fn update_binary(&mut self, array: &dyn Array) {
        fn fold<T: ByteArrayType>(p: &mut ColumnProfile, a: &GenericByteArray<T>)
        where
            T::Native: AsRef<[u8]>,
        {
            let d = p.distinct.as_mut().expect("binary has distinct");
            for v in a.iter().flatten() {
                let b: &[u8] = v.as_ref();
                p.lengths.push(b.len() as u64, 1);
                d.push(b);
            }
        }
        match array.data_type() {
            DataType::Binary => fold(self, array.as_binary::<i32>()),
            DataType::LargeBinary => fold(self, array.as_binary::<i64>()),
            DataType::BinaryView => {
                let d = self.distinct.as_mut().expect("binary has distinct");
                for b in array.as_binary_view().iter().flatten() {
                    self.lengths.push(b.len() as u64, 1);
                    d.push(b);
                }
            }
            DataType::FixedSizeBinary(_) => {
                let d = self.distinct.as_mut().expect("binary has distinct");
                for b in array.as_fixed_size_binary().iter().flatten() {
                    self.lengths.push(b.len() as u64, 1);
                    d.push(b);
                }
            }
            _ => {}
        }
    }

    /// Merges the profile of the same column over other rows into this one.
    pub fn merge(&mut self, o: &ColumnProfile) -> Result<()> {
        if self.name != o.name || self.kind != o.kind || self.data_type != o.data_type {
            return Err(Error::SchemaMismatch(format!(
                "cannot merge column '{}' ({}) with column '{}' ({})",
                self.name, self.data_type, o.name, o.data_type
            )));
        }
        self.count += o.count;
        self.null_count += o.null_count;
        self.nan_count += o.nan_count;
        self.pos_inf_count += o.pos_inf_count;
        self.neg_inf_count += o.neg_inf_count;
        self.true_count += o.true_count;
        self.moments = self.moments.merge(&o.moments);
        self.min = Scalar::min_of(self.min.take(), o.min.clone());
        self.max = Scalar::max_of(self.max.take(), o.max.clone());
        self.lengths = self.lengths.merge(&o.lengths);
        if let (Some(a), Some(b)) = (self.quantiles.as_mut(), o.quantiles.as_ref()) {
            a.merge(b)?;
        }
        if let (Some(a), Some(b)) = (self.distinct.as_mut(), o.distinct.as_ref()) {
            a.merge(b);
        }
        match (self.frequent.as_mut(), o.frequent.as_ref()) {
            (Some(a), Some(b)) => a.merge(b)?,
            // One side stopped tracking frequent values (continuous): so does the merge.
            _ => self.frequent = None,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ValueKind;

    #[test]
    fn an_unknown_value_kind_lists_the_kinds() {
        let e = "Numeric".parse::<ValueKind>().unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid input: unknown value kind 'Numeric' (expected numeric, boolean, string, binary, temporal or nested)"
        );
    }
}
