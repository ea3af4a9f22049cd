//! The profile of one column: its state (counters, moments, sketches) and the
//! kernels that fold one Arrow array into it, straight from the buffers.

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, GenericByteArray, Int64Array,
};
use arrow::compute::cast;
use arrow::datatypes::{ByteArrayType, DataType};

use super::moments::Moments;
use super::scalar::Scalar;
use super::sketches::{Distinct, Frequent, Quantiles};
use crate::error::{Error, Result};

/// How a column's values are profiled, decided by its Arrow type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// The lower-case name used in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            ValueKind::Numeric => "numeric",
            ValueKind::Boolean => "boolean",
            ValueKind::String => "string",
            ValueKind::Binary => "binary",
            ValueKind::Temporal => "temporal",
            ValueKind::Nested => "nested",
        }
    }

    /// Parses [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "numeric" => ValueKind::Numeric,
            "boolean" => ValueKind::Boolean,
            "string" => ValueKind::String,
            "binary" => ValueKind::Binary,
            "temporal" => ValueKind::Temporal,
            "nested" => ValueKind::Nested,
            _ => return None,
        })
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

/// Most distinct values of one batch that are counted in a hash map before
/// the sketches are fed once per distinct value (with its count). HLL and
/// the frequent-items sketch give the same result either way; the map makes
/// low-cardinality columns cost one cheap hash per value.
const PREAGG_MAX: usize = 16_384;

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

    pub(crate) fn empty(name: String, data_type: String, kind: ValueKind) -> Self {
        let (q, d, f) = match kind {
            ValueKind::Numeric | ValueKind::Temporal => (
                Some(Quantiles::default()),
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
        let mut finite = Vec::with_capacity(a.len() - a.null_count());
        let (mut nan, mut pinf, mut ninf) = (0u64, 0u64, 0u64);
        let mut classify = |x: f64| {
            if x.is_finite() {
                finite.push(x);
            } else if x.is_nan() {
                nan += 1;
            } else if x > 0.0 {
                pinf += 1;
            } else {
                ninf += 1;
            }
        };
        match a.nulls() {
            None => a.values().iter().for_each(|&x| classify(x)),
            Some(n) => a
                .values()
                .iter()
                .zip(n.iter())
                .filter(|(_, v)| *v)
                .for_each(|(&x, _)| classify(x)),
        }
        self.nan_count += nan;
        self.pos_inf_count += pinf;
        self.neg_inf_count += ninf;
        if finite.is_empty() {
            return;
        }
        self.moments = self.moments.merge(&Moments::of_block(&finite));
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let q = self.quantiles.as_mut().expect("numeric has quantiles");
        for &x in &finite {
            lo = lo.min(x);
            hi = hi.max(x);
            q.push(x);
        }
        self.min = Scalar::min_of(self.min.take(), Some(Scalar::Float(lo)));
        self.max = Scalar::max_of(self.max.take(), Some(Scalar::Float(hi)));
        // -0.0 and 0.0 are one value.
        self.count_values(finite.iter().map(|&x| (x + 0.0).to_bits() as i64), true);
    }

    /// Feeds integer-like values (floats by bit pattern) to the distinct and
    /// frequent-items sketches: once per distinct value while a batch has few,
    /// else value by value. A `continuous` column (float, temporal) that shows
    /// more than [`PREAGG_MAX`] distinct values in one batch stops tracking
    /// frequent values, which are meaningless there and costly to keep.
    fn count_values(&mut self, values: impl Iterator<Item = i64> + Clone, continuous: bool) {
        let counts = if self.many_distinct {
            None
        } else {
            count_few(values.clone())
        };
        self.many_distinct = counts.is_none();
        let d = self.distinct.as_mut().expect("numeric has distinct");
        match counts {
            Some(m) => {
                for (&v, &c) in &m {
                    d.push(v);
                    if let Some(Frequent::Int(f)) = self.frequent.as_mut() {
                        f.update_with_count(v, c);
                    }
                }
            }
            None => {
                if continuous {
                    self.frequent = None;
                }
                match self.frequent.as_mut() {
                    Some(Frequent::Int(f)) => values.for_each(|v| {
                        d.push(v);
                        f.update(v);
                    }),
                    _ => values.for_each(|v| d.push(v)),
                }
            }
        }
    }

    fn update_ints(&mut self, a: &Int64Array) {
        // Borrow the Arrow buffer when there are no nulls; gather otherwise.
        let vals: std::borrow::Cow<[i64]> = match a.nulls() {
            None => std::borrow::Cow::Borrowed(a.values()),
            Some(n) => a
                .values()
                .iter()
                .zip(n.iter())
                .filter(|(_, v)| *v)
                .map(|(&x, _)| x)
                .collect(),
        };
        if vals.is_empty() {
            return;
        }
        let floats: Vec<f64> = vals.iter().map(|&x| x as f64).collect();
        self.moments = self.moments.merge(&Moments::of_block(&floats));
        let q = self.quantiles.as_mut().expect("numeric has quantiles");
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for (&x, &xf) in vals.iter().zip(&floats) {
            lo = lo.min(x);
            hi = hi.max(x);
            q.push(xf);
        }
        self.min = Scalar::min_of(self.min.take(), Some(Scalar::Int(lo)));
        self.max = Scalar::max_of(self.max.take(), Some(Scalar::Int(hi)));
        let continuous = self.kind == ValueKind::Temporal;
        self.count_values(vals.iter().copied(), continuous);
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
