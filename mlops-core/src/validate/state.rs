//! Per-check accumulators: [`scan`] folds a slice of rows into a partial
//! state, straight from the Arrow buffers; [`merge`] joins the states of
//! consecutive slices (so batches, slices and whole tables give the same
//! result); `finish` (in `finish.rs`) turns a state into a check result.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray};
use serde_json::Value;

use super::kernel::{num_key, Kernel, Set, Stat};
use super::result::Unexpected;
use super::values::{is_missing, json_at, missing_count, nums, strs, Nums};
use crate::profile::{ColumnProfile, Moments};

type Map<K> = HashMap<K, Entry, foldhash::fast::FixedState>;

/// The rows of one value: how many, and the first few row indices.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub count: u64,
    pub first: u64,
    pub more: Vec<u64>,
}

impl Entry {
    fn new(row: u64) -> Self {
        Entry {
            count: 1,
            first: row,
            more: Vec::new(),
        }
    }
    #[inline]
    fn add(&mut self, row: u64, keep: usize) {
        self.count += 1;
        if self.more.len() + 1 < keep {
            self.more.push(row);
        }
    }
    fn join(&mut self, o: Entry, keep: usize) {
        self.count += o.count;
        for r in std::iter::once(o.first).chain(o.more) {
            if self.more.len() + 1 >= keep {
                break;
            }
            self.more.push(r);
        }
    }
}

/// Counts per distinct value, by the column's type.
pub(crate) enum Keys {
    I(Map<i64>),
    F(Map<u64>),
    B(Map<bool>),
    S(Map<Box<str>>),
    /// Tuples of a compound check, as JSON arrays.
    T(Map<Box<str>>),
}

impl Keys {
    pub(crate) fn len(&self) -> usize {
        match self {
            Keys::I(m) => m.len(),
            Keys::F(m) => m.len(),
            Keys::B(m) => m.len(),
            Keys::S(m) | Keys::T(m) => m.len(),
        }
    }

    /// Every (value as JSON, entry).
    pub(crate) fn entries(&self) -> Vec<(Value, &Entry)> {
        match self {
            Keys::I(m) => m.iter().map(|(k, e)| (Value::from(*k), e)).collect(),
            Keys::F(m) => m
                .iter()
                .map(|(k, e)| (super::result_json_f64(f64::from_bits(*k)), e))
                .collect(),
            Keys::B(m) => m.iter().map(|(k, e)| (Value::Bool(*k), e)).collect(),
            Keys::S(m) => m
                .iter()
                .map(|(k, e)| (Value::String(k.to_string()), e))
                .collect(),
            Keys::T(m) => m
                .iter()
                .map(|(k, e)| (serde_json::from_str(k).unwrap_or(Value::Null), e))
                .collect(),
        }
    }
}

fn join_maps<K: std::hash::Hash + Eq>(a: &mut Map<K>, b: Map<K>, keep: usize) {
    if a.is_empty() {
        *a = b;
        return;
    }
    for (k, e) in b {
        match a.get_mut(&k) {
            Some(x) => x.join(e, keep),
            None => {
                a.insert(k, e);
            }
        }
    }
}

/// Counts of a row-level check over some rows.
#[derive(Debug, Default)]
pub(crate) struct MapState {
    pub unexpected: u64,
    pub samples: Vec<Unexpected>,
}

impl MapState {
    #[inline]
    fn hit(&mut self, row: u64, limit: usize, value: impl FnOnce() -> Value) {
        self.unexpected += 1;
        if self.samples.len() < limit {
            self.samples.push(Unexpected {
                row,
                value: value(),
                partition: None,
            });
        }
    }
    fn join(&mut self, o: MapState, limit: usize) {
        self.unexpected += o.unexpected;
        let room = limit.saturating_sub(self.samples.len());
        self.samples.extend(o.samples.into_iter().take(room));
    }
}

/// A check's state over some rows.
pub(crate) enum State {
    /// Nothing beyond the row and missing counts.
    Counts,
    Map(MapState),
    Keys(Keys),
    Moments {
        m: Moments,
        min: f64,
        max: f64,
    },
    Values(Vec<f64>),
    Newest(Option<f64>),
    Mono {
        map: MapState,
        /// The first present row (as it would be reported) and its value.
        first: Option<(Unexpected, f64)>,
        last: Option<f64>,
    },
    Profile(Box<ColumnProfile>),
    Failed(String),
}

/// The state of one check over a run of consecutive rows.
pub(crate) struct Part {
    pub rows: u64,
    /// Rows the check ignores: a missing value (for pairs, both missing;
    /// for compound checks, all missing).
    pub missing: u64,
    pub state: State,
}

/// Whether a kernel's work splits into slices of a batch (the counting
/// kernels) or runs on a whole batch at once (hash maps, value lists).
pub(crate) fn sliced(k: &Kernel) -> bool {
    !matches!(
        k,
        Kernel::Unique
            | Kernel::Compound
            | Kernel::Distinct { .. }
            | Kernel::MostCommon { .. }
            | Kernel::Stat {
                stat: Stat::Median | Stat::Quantile(_),
                ..
            }
            | Kernel::Distribution { .. }
    )
}

/// Folds rows `row0..row0 + len` (the arrays of the check's columns) into a new state.
pub(crate) fn scan(k: &Kernel, arrays: &[ArrayRef], rows: usize, row0: u64, limit: usize) -> Part {
    let mut part = Part {
        rows: rows as u64,
        missing: 0,
        state: State::Counts,
    };
    if k.schema_only() {
        return part;
    }
    let a = &arrays[0];
    if !matches!(k, Kernel::Compound | Kernel::Pair(_)) {
        part.missing = missing_count(a.as_ref());
    }
    part.state = match k {
        Kernel::Failed(_) | Kernel::Schema { .. } | Kernel::RowCount { .. } => State::Counts,
        Kernel::NullFraction { .. } => State::Counts,
        Kernel::NotNull => {
            let mut m = MapState::default();
            if part.missing > 0 {
                m.unexpected = part.missing;
                for i in 0..a.len() {
                    if m.samples.len() >= limit {
                        break;
                    }
                    if is_missing(a.as_ref(), i) {
                        m.samples.push(Unexpected {
                            row: row0 + i as u64,
                            value: Value::Null,
                            partition: None,
                        });
                    }
                }
            }
            State::Map(m)
        }
        Kernel::Between {
            lo,
            hi,
            strict_lo,
            strict_hi,
        } => {
            let (lo, hi, sl, sh) = (*lo, *hi, *strict_lo, *strict_hi);
            let mut m = MapState::default();
            if let Some(n) = nums(a.as_ref()) {
                n.for_each(|i, x| {
                    let ok =
                        (if sl { x > lo } else { x >= lo }) && (if sh { x < hi } else { x <= hi });
                    if !ok {
                        m.hit(row0 + i as u64, limit, || json_at(a.as_ref(), i));
                    }
                });
            }
            State::Map(m)
        }
        Kernel::InSet { set, negate } => {
            let mut m = MapState::default();
            let neg = *negate;
            match set {
                Set::S(s) => {
                    if let Some(v) = strs(a) {
                        v.for_each(|i, x| {
                            if s.contains(x) == neg {
                                m.hit(row0 + i as u64, limit, || Value::String(x.to_string()));
                            }
                        });
                    }
                }
                Set::N(s) => {
                    if let Some(n) = nums(a.as_ref()) {
                        n.for_each(|i, x| {
                            if s.contains(&num_key(x)) == neg {
                                m.hit(row0 + i as u64, limit, || json_at(a.as_ref(), i));
                            }
                        });
                    }
                }
                Set::B(s) => {
                    if let Some(b) = a.as_boolean_opt() {
                        for i in 0..b.len() {
                            if b.is_valid(i) && s[b.value(i) as usize] == neg {
                                m.hit(row0 + i as u64, limit, || Value::Bool(b.value(i)));
                            }
                        }
                    }
                }
            }
            State::Map(m)
        }
        Kernel::Regex(re) => {
            let mut m = MapState::default();
            if let Some(v) = strs(a) {
                // Values repeat in most columns: remember the verdict of up
                // to CACHE distinct values, so a regex runs once per value.
                const CACHE: usize = 4096;
                let mut seen: HashMap<&str, bool, foldhash::fast::FixedState> = HashMap::default();
                v.for_each(|i, x| {
                    let ok = match seen.get(x) {
                        Some(&ok) => ok,
                        None => {
                            let ok = re.is_match(x);
                            if seen.len() < CACHE {
                                seen.insert(x, ok);
                            }
                            ok
                        }
                    };
                    if !ok {
                        m.hit(row0 + i as u64, limit, || Value::String(x.to_string()));
                    }
                });
            }
            State::Map(m)
        }
        Kernel::Length { min, max } => {
            let (lo, hi) = (*min, *max);
            let mut m = MapState::default();
            if let Some(v) = strs(a) {
                v.for_each(|i, x| {
                    let n = if x.is_ascii() {
                        x.len()
                    } else {
                        x.chars().count()
                    } as u64;
                    if n < lo || n > hi {
                        m.hit(row0 + i as u64, limit, || Value::String(x.to_string()));
                    }
                });
            }
            State::Map(m)
        }
        Kernel::Unique | Kernel::Distinct { .. } | Kernel::MostCommon { .. } => {
            let keep = if matches!(k, Kernel::Unique) {
                limit
            } else {
                1
            };
            State::Keys(keys(a, row0, keep))
        }
        Kernel::Compound => {
            let (keys, missing) = tuples(arrays, rows, row0, limit);
            part.missing = missing;
            State::Keys(keys)
        }
        Kernel::Stat { stat, .. } => {
            let mut v = Vec::with_capacity(a.len() - part.missing as usize);
            if let Some(n) = nums(a.as_ref()) {
                n.for_each(|_, x| v.push(x));
            }
            match stat {
                Stat::Median | Stat::Quantile(_) => State::Values(v),
                _ => {
                    let (min, max) = v
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                            (lo.min(x), hi.max(x))
                        });
                    State::Moments {
                        m: Moments::of_block(&v),
                        min,
                        max,
                    }
                }
            }
        }
        Kernel::Pair(op) => {
            let (m, missing) = pair(*op, &arrays[0], &arrays[1], row0, limit);
            part.missing = missing;
            State::Map(m)
        }
        Kernel::Monotonic { increasing, strict } => {
            let (inc, strict) = (*increasing, *strict);
            let mut m = MapState::default();
            let mut first = None;
            let mut last: Option<f64> = None;
            if let Some(n) = nums(a.as_ref()) {
                n.for_each(|i, x| {
                    match last {
                        None => {
                            first = Some((
                                Unexpected {
                                    row: row0 + i as u64,
                                    value: json_at(a.as_ref(), i),
                                    partition: None,
                                },
                                x,
                            ))
                        }
                        Some(p) => {
                            if breaks(inc, strict, p, x) {
                                m.hit(row0 + i as u64, limit, || json_at(a.as_ref(), i));
                            }
                        }
                    }
                    last = Some(x);
                });
            }
            State::Mono {
                map: m,
                first,
                last,
            }
        }
        Kernel::Freshness { .. } => {
            let mut newest: Option<f64> = None;
            if let Some(n) = nums(a.as_ref()) {
                n.for_each(|_, x| newest = Some(newest.map_or(x, |y: f64| y.max(x))));
            }
            State::Newest(newest)
        }
        Kernel::Distribution { reference, .. } => {
            let mut p = ColumnProfile::new(&reference.name, a.data_type());
            match p.update(a.as_ref()) {
                Ok(()) => State::Profile(Box::new(p)),
                Err(e) => State::Failed(e.to_string()),
            }
        }
    };
    part
}

/// Whether `x` after `prev` breaks a monotonic check.
#[inline]
fn breaks(increasing: bool, strict: bool, prev: f64, x: f64) -> bool {
    match (increasing, strict) {
        (true, false) => x < prev,
        (true, true) => x <= prev,
        (false, false) => x > prev,
        (false, true) => x >= prev,
    }
}

fn keys(a: &ArrayRef, row0: u64, keep: usize) -> Keys {
    fn put<K: std::hash::Hash + Eq>(m: &mut Map<K>, k: K, row: u64, keep: usize) {
        match m.get_mut(&k) {
            Some(e) => e.add(row, keep),
            None => {
                m.insert(k, Entry::new(row));
            }
        }
    }
    if let Some(v) = strs(a) {
        let mut m: Map<Box<str>> = Map::default();
        v.for_each(|i, x| match m.get_mut(x) {
            Some(e) => e.add(row0 + i as u64, keep),
            None => {
                m.insert(x.into(), Entry::new(row0 + i as u64));
            }
        });
        return Keys::S(m);
    }
    if let Some(b) = a.as_boolean_opt() {
        let mut m: Map<bool> = Map::default();
        for i in 0..b.len() {
            if b.is_valid(i) {
                put(&mut m, b.value(i), row0 + i as u64, keep);
            }
        }
        return Keys::B(m);
    }
    match nums(a.as_ref()) {
        Some(Nums::I(arr)) => {
            let mut m: Map<i64> = Map::default();
            let v = arr.values();
            for i in 0..arr.len() {
                if arr.is_valid(i) {
                    put(&mut m, v[i], row0 + i as u64, keep);
                }
            }
            Keys::I(m)
        }
        Some(n @ Nums::F(_)) => {
            let mut m: Map<u64> = Map::default();
            n.for_each(|i, x| put(&mut m, num_key(x), row0 + i as u64, keep));
            Keys::F(m)
        }
        None => Keys::I(Map::default()),
    }
}

/// Compound keys (JSON arrays of the row's values); rows whose values are
/// all missing are skipped and counted.
fn tuples(arrays: &[ArrayRef], rows: usize, row0: u64, keep: usize) -> (Keys, u64) {
    let mut m: Map<Box<str>> = Map::default();
    let mut missing = 0;
    for i in 0..rows {
        if arrays.iter().all(|a| is_missing(a.as_ref(), i)) {
            missing += 1;
            continue;
        }
        let t = Value::Array(
            arrays
                .iter()
                .map(|a| {
                    if is_missing(a.as_ref(), i) {
                        Value::Null
                    } else {
                        json_at(a.as_ref(), i)
                    }
                })
                .collect(),
        );
        let key = t.to_string();
        match m.get_mut(key.as_str()) {
            Some(e) => e.add(row0 + i as u64, keep),
            None => {
                m.insert(key.into(), Entry::new(row0 + i as u64));
            }
        }
    }
    (Keys::T(m), missing)
}

/// Row-by-row comparison of two columns; rows where both are missing are
/// skipped (and counted), a row with one side missing breaks the check.
fn pair(
    op: super::check::PairOp,
    a: &ArrayRef,
    b: &ArrayRef,
    row0: u64,
    limit: usize,
) -> (MapState, u64) {
    let mut m = MapState::default();
    let mut missing = 0;
    let both = |i: usize| Value::Array(vec![json_at(a.as_ref(), i), json_at(b.as_ref(), i)]);
    if let (Some(x), Some(y)) = (nums(a.as_ref()), nums(b.as_ref())) {
        for i in 0..x.len() {
            match (x.present(i), y.present(i)) {
                (false, false) => missing += 1,
                (true, true) => {
                    let ord = x
                        .get(i)
                        .partial_cmp(&y.get(i))
                        .unwrap_or(std::cmp::Ordering::Less);
                    if !op.holds(ord) {
                        m.hit(row0 + i as u64, limit, || both(i));
                    }
                }
                _ => m.hit(row0 + i as u64, limit, || both(i)),
            }
        }
    } else if let (Some(x), Some(y)) = (strs(a), strs(b)) {
        for i in 0..a.len() {
            match (x.get(i), y.get(i)) {
                (None, None) => missing += 1,
                (Some(p), Some(q)) => {
                    if !op.holds(p.cmp(q)) {
                        m.hit(row0 + i as u64, limit, || both(i));
                    }
                }
                _ => m.hit(row0 + i as u64, limit, || both(i)),
            }
        }
    }
    (m, missing)
}

/// Joins the state of the rows after `a`'s into `a`.
pub(crate) fn merge(k: &Kernel, a: &mut Part, b: Part, limit: usize) {
    a.rows += b.rows;
    a.missing += b.missing;
    let st = std::mem::replace(&mut a.state, State::Counts);
    a.state = match (st, b.state) {
        (State::Failed(e), _) | (_, State::Failed(e)) => State::Failed(e),
        (State::Counts, State::Counts) => State::Counts,
        (State::Map(mut x), State::Map(y)) => {
            x.join(y, limit);
            State::Map(x)
        }
        (State::Keys(mut x), State::Keys(y)) => {
            let keep = if matches!(k, Kernel::Unique | Kernel::Compound) {
                limit
            } else {
                1
            };
            match (&mut x, y) {
                (Keys::I(p), Keys::I(q)) => join_maps(p, q, keep),
                (Keys::F(p), Keys::F(q)) => join_maps(p, q, keep),
                (Keys::B(p), Keys::B(q)) => join_maps(p, q, keep),
                (Keys::S(p), Keys::S(q)) | (Keys::T(p), Keys::T(q)) => join_maps(p, q, keep),
                _ => {}
            }
            State::Keys(x)
        }
        (
            State::Moments { m, min, max },
            State::Moments {
                m: m2,
                min: n2,
                max: x2,
            },
        ) => State::Moments {
            m: m.merge(&m2),
            min: min.min(n2),
            max: max.max(x2),
        },
        (State::Values(mut x), State::Values(y)) => {
            x.extend(y);
            State::Values(x)
        }
        (State::Newest(x), State::Newest(y)) => State::Newest(match (x, y) {
            (Some(p), Some(q)) => Some(p.max(q)),
            (p, q) => p.or(q),
        }),
        (
            State::Mono {
                mut map,
                first,
                last,
            },
            State::Mono {
                map: m2,
                first: f2,
                last: l2,
            },
        ) => {
            if let (Kernel::Monotonic { increasing, strict }, Some(p), Some((u, x))) =
                (k, last, &f2)
            {
                if breaks(*increasing, *strict, p, *x) {
                    map.unexpected += 1;
                    if map.samples.len() < limit {
                        map.samples.push(u.clone());
                    }
                }
            }
            map.join(m2, limit);
            State::Mono {
                map,
                first: first.or(f2),
                last: l2.or(last),
            }
        }
        (State::Profile(mut x), State::Profile(y)) => match x.merge(&y) {
            Ok(()) => State::Profile(x),
            Err(e) => State::Failed(e.to_string()),
        },
        (x, _) => x,
    };
}
