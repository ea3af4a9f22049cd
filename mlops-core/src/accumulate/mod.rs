//! Partial states that merge: the one primitive behind running profiles and
//! validation inside Spark, Ray and Dask.
//!
//! A [`Spec`] says what to compute (a profile of some columns, or a
//! validation suite). Each partition of the data gets an [`Accumulator`]
//! for the spec and its partition index: [`update`](Accumulator::update) it
//! with the partition's record batches, send [`to_bytes`](Accumulator::to_bytes)
//! (or the per-column states of [`split`](Accumulator::split)) to wherever
//! the states meet, [`merge`](Accumulator::merge) or
//! [`combine`](Accumulator::combine) them there and
//! [`finish`](Accumulator::finish) into the same [`Profile`] or
//! [`ValidationResult`] a single machine computes.
//!
//! What is exact after a merge: row, null, NaN and infinity counts, min and
//! max, validation verdicts and unexpected counts; mean and variance merge
//! by Chan's formula (equal up to floating-point rounding, about 1e-15
//! relative); quantile, distinct and frequent-value sketches merge within
//! their stated error bounds (see [`crate::profile::sketches`]). The first
//! unexpected rows of a check are the first in (partition, row) order,
//! each with its partition and its row within the partition.
//!
//! Determinism: a partition's quantile sketches flip coins seeded from the
//! spec's hash, the partition index and the column, and a decoded sketch's
//! from its bytes; merges fold states in partition order, whatever order
//! they are given in. So the same data cut into the same partitions, with
//! the states taking the same path (merged at once, or per column first),
//! gives the same bytes every run, on any thread.
//!
//! State bytes: magic `MLOPSACC`, a little-endian `u16` format version, the
//! spec kind, the spec's BLAKE3 hash, the columns or checks held, the
//! partitions folded in, the payload, and a closing BLAKE3 hash of all of
//! it. States of another spec, a newer format, or damaged bytes are refused
//! with a typed error; a partition folded in twice is refused rather than
//! counted twice.
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{Float64Array, RecordBatch};
//! use mlops_core::accumulate::{Accumulator, Finished, Spec};
//!
//! let batch = |xs: Vec<f64>| RecordBatch::try_from_iter([
//!     ("x", Arc::new(Float64Array::from(xs)) as _),
//! ]).unwrap();
//! let spec = Spec::profile(None);
//! let mut states = Vec::new();
//! for (partition, xs) in [vec![1.0, 2.0], vec![3.0], vec![4.0, 5.0]].into_iter().enumerate() {
//!     let mut acc = Accumulator::new(&spec, partition as u64);
//!     acc.update(&batch(xs)).unwrap();
//!     states.push(acc.to_bytes().unwrap());          // what an executor sends back
//! }
//! let states = states.iter().map(|b| Accumulator::from_bytes(&spec, b)).collect::<Result<Vec<_>, _>>().unwrap();
//! let Finished::Profile(p) = Accumulator::merge(&spec, states).unwrap().finish().unwrap() else { panic!() };
//! let x = p.column("x").unwrap();
//! assert_eq!((p.row_count(), x.mean()), (5, Some(3.0)));
//! ```

mod part;
mod spec;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{Schema, SchemaRef};

pub use spec::{unmergeable, Spec, SpecKind, SPEC_FORMAT, SPEC_VERSION};

use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::validate::state::State;
use crate::validate::{Running, Unexpected, ValidationResult};
use crate::wire::{Reader, Writer};

/// The partial-state format version this build writes and the newest it reads.
pub const STATE_FORMAT_VERSION: u16 = 1;
const MAGIC: &[u8; 8] = b"MLOPSACC";
const HASH_LEN: usize = 32;
const KIND_PROFILE: u8 = 1;
const KIND_VALIDATION: u8 = 2;
const BODY_EMPTY: u8 = 0;
const BODY_DATA: u8 = 1;

/// What an accumulator finishes into.
#[derive(Debug, Clone)]
pub enum Finished {
    /// The profile of a profile spec.
    Profile(Profile),
    /// The result of a validation spec.
    Validation(ValidationResult),
}

/// A validation's state: the data's schema and the checks' running states.
struct Checks {
    schema: SchemaRef,
    run: Running,
}

enum Body {
    /// No batch yet (an empty partition): the schema is not known.
    Empty,
    Profile(Profile),
    Validation(Box<Checks>),
}

/// The partial state of a profile or validation over some partitions of
/// the data (see the [module docs](self)).
pub struct Accumulator {
    spec: Spec,
    /// The partitions folded in, as sorted, disjoint, inclusive ranges.
    partitions: Vec<(u64, u64)>,
    /// The columns (profile) or checks (validation) held, by index, in
    /// order: all `0..total` unless the state was [`split`](Self::split).
    keys: Vec<u32>,
    total: u32,
    body: Body,
}

impl std::fmt::Debug for Accumulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accumulator")
            .field("spec", &self.spec.hash())
            .field("partitions", &self.partitions)
            .field("keys", &self.keys)
            .field("total", &self.total)
            .field("rows", &self.rows())
            .finish()
    }
}

/// Whether two schemas have the same column names and types (nullability
/// and metadata may differ between partitions of one data set).
pub(crate) fn same_columns(a: &Schema, b: &Schema) -> bool {
    a.fields().len() == b.fields().len()
        && a.fields()
            .iter()
            .zip(b.fields())
            .all(|(x, y)| x.name() == y.name() && x.data_type() == y.data_type())
}

fn schema_bytes(schema: &Schema) -> Result<Vec<u8>> {
    let mut w = arrow::ipc::writer::StreamWriter::try_new(Vec::new(), schema)?;
    w.finish()?;
    Ok(w.into_inner()?)
}

fn read_schema(b: &[u8]) -> Result<SchemaRef> {
    let r = arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(b), None)
        .map_err(|e| Error::Integrity(format!("partial state bytes: the schema: {e}")))?;
    Ok(r.schema())
}

impl Accumulator {
    /// An empty state of `spec` for the partition numbered `partition`.
    pub fn new(spec: &Spec, partition: u64) -> Accumulator {
        Accumulator {
            spec: spec.clone(),
            partitions: vec![(partition, partition)],
            keys: Vec::new(),
            total: 0,
            body: Body::Empty,
        }
    }

    /// Rows folded in.
    pub fn rows(&self) -> u64 {
        match &self.body {
            Body::Empty => 0,
            Body::Profile(p) => p.row_count(),
            Body::Validation(c) => c.run.rows,
        }
    }

    /// The partitions folded in, as sorted, disjoint, inclusive ranges.
    pub fn partitions(&self) -> &[(u64, u64)] {
        &self.partitions
    }

    /// The indices of the columns (profile) or checks (validation) this
    /// state holds: all of them unless it came from [`split`](Self::split).
    pub fn keys(&self) -> &[u32] {
        &self.keys
    }

    /// The spec this state is for.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Tags the unexpected rows not yet tagged with this state's partition
    /// (only a state of one partition, never merged, has such rows).
    fn tag(&mut self) {
        let first = self.partitions[0].0;
        if let Body::Validation(c) = &mut self.body {
            for p in c.run.parts.iter_mut().flatten() {
                let (map, head) = match &mut p.state {
                    State::Map(m) => (m, None),
                    State::Mono { map, first, .. } => (map, first.as_mut()),
                    _ => continue,
                };
                for u in map.samples.iter_mut().chain(head.map(|(u, _)| u)) {
                    u.partition.get_or_insert(first);
                }
            }
        }
    }

    /// Makes this state the state of partition `partition` alone, its
    /// unexpected rows tagged with it: for states whose partitions are
    /// numbered only when they meet (a monitor's window deltas, written by
    /// processes that cannot agree on numbers beforehand).
    pub(crate) fn renumber(&mut self, partition: u64) {
        self.partitions = vec![(partition, partition)];
        if let Body::Validation(c) = &mut self.body {
            for p in c.run.parts.iter_mut().flatten() {
                let (map, head) = match &mut p.state {
                    State::Map(m) => (m, None),
                    State::Mono { map, first, .. } => (map, first.as_mut()),
                    _ => continue,
                };
                for u in map.samples.iter_mut().chain(head.map(|(u, _)| u)) {
                    u.partition = Some(partition);
                }
            }
        }
    }

    fn is_whole(&self) -> bool {
        self.keys.len() == self.total as usize
    }

    /// Folds one record batch of the partition in (batches in row order).
    ///
    /// A profile spec naming columns profiles those, in the spec's order (a
    /// column missing from the batch is [`Error::SchemaMismatch`] naming
    /// it); every batch must have the columns and types of the first
    /// ([`Error::SchemaMismatch`] naming the first that differs). A state
    /// left by [`split`](Self::split) or a merge takes no more rows
    /// ([`Error::InvalidInput`]). On error the state is unchanged.
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        if self.partitions.len() != 1 || self.partitions[0].0 != self.partitions[0].1 {
            return Err(Error::InvalidInput(
                "a merged state takes no more rows: update the accumulator of each partition"
                    .into(),
            ));
        }
        if !self.is_whole() {
            return Err(Error::InvalidInput(
                "a split state takes no more rows: update the whole state before split()".into(),
            ));
        }
        let spec = self.spec.clone();
        match spec.kind() {
            SpecKind::Profile { columns } => {
                let batch = match columns {
                    None => batch.clone(),
                    Some(cols) => project(batch, cols)?,
                };
                if let Body::Empty = self.body {
                    let mut p = Profile::new(&batch.schema());
                    // Sketch coins from (spec, partition, column): the same
                    // partitioning gives the same states every run.
                    let mut key = self.spec.hash_bytes().to_vec();
                    key.extend_from_slice(&self.partitions[0].0.to_le_bytes());
                    p.reseed(&key);
                    self.total = key_count(p.columns().len())?;
                    self.keys = (0..self.total).collect();
                    self.body = Body::Profile(p);
                }
                let Body::Profile(p) = &mut self.body else {
                    unreachable!("a profile spec holds a profile")
                };
                p.update(&batch)
            }
            SpecKind::Validation { .. } => {
                if let Body::Empty = self.body {
                    let schema = batch.schema();
                    let run = spec
                        .running(&schema)?
                        .expect("a validation spec binds its checks");
                    self.total = key_count(run.compiled.len())?;
                    self.keys = (0..self.total).collect();
                    self.body = Body::Validation(Box::new(Checks { schema, run }));
                }
                let Body::Validation(c) = &mut self.body else {
                    unreachable!("a validation spec holds checks")
                };
                if !same_columns(&c.schema, &batch.schema()) {
                    return Err(Error::SchemaMismatch(format!(
                        "batch schema {} differs from the partition's first batch's {}",
                        batch.schema(),
                        c.schema
                    )));
                }
                c.run.update(batch);
                Ok(())
            }
        }
    }

    /// The state as bytes (see the [module docs](self) for the layout).
    /// Unexpected rows not yet tagged are tagged with this state's first
    /// partition.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut w = Writer(Vec::with_capacity(1024));
        w.0.extend_from_slice(MAGIC);
        w.0.extend_from_slice(&STATE_FORMAT_VERSION.to_le_bytes());
        w.u8(match self.spec.kind() {
            SpecKind::Profile { .. } => KIND_PROFILE,
            SpecKind::Validation { .. } => KIND_VALIDATION,
        });
        w.0.extend_from_slice(self.spec.hash_bytes());
        w.u32(self.total);
        w.u64(self.keys.len() as u64);
        for k in &self.keys {
            w.u32(*k);
        }
        w.u64(self.partitions.len() as u64);
        for (a, b) in &self.partitions {
            w.u64(*a);
            w.u64(*b);
        }
        match &self.body {
            Body::Empty => w.u8(BODY_EMPTY),
            Body::Profile(p) => {
                w.u8(BODY_DATA);
                w.bytes(&p.to_bytes());
            }
            Body::Validation(c) => {
                w.u8(BODY_DATA);
                w.bytes(&schema_bytes(&c.schema)?);
                w.u64(c.run.rows);
                let first = self.partitions[0].0;
                for &k in &self.keys {
                    match &c.run.parts[k as usize] {
                        None => w.u8(0),
                        Some(p) => {
                            w.u8(1);
                            part::write(&mut w, p, first)?;
                        }
                    }
                }
            }
        }
        let hash = blake3::hash(&w.0);
        w.0.extend_from_slice(hash.as_bytes());
        Ok(w.0)
    }

    /// Reads [`to_bytes`](Self::to_bytes) for `spec`. Damaged bytes and a
    /// newer format are [`Error::Integrity`]; a state of another spec is
    /// [`Error::InvalidInput`] naming both hashes.
    pub fn from_bytes(spec: &Spec, b: &[u8]) -> Result<Accumulator> {
        if b.len() < MAGIC.len() + 2 + HASH_LEN || &b[..MAGIC.len()] != MAGIC {
            return Err(Error::Integrity(
                "not an mlops partial state (bad magic bytes)".into(),
            ));
        }
        let version = u16::from_le_bytes([b[8], b[9]]);
        if version > STATE_FORMAT_VERSION || version == 0 {
            return Err(Error::Integrity(format!(
                "partial state format version {version} is not one this mlops reads \
                 ({STATE_FORMAT_VERSION}); upgrade mlops on the machine that merges"
            )));
        }
        let (body, hash) = b.split_at(b.len() - HASH_LEN);
        if blake3::hash(body).as_bytes() != hash {
            return Err(Error::Integrity(
                "partial state bytes: the BLAKE3 hash does not match the content (the state is damaged)"
                    .into(),
            ));
        }
        let mut r = Reader::new(body, 10, "partial state");
        let kind = r.u8()?;
        let spec_hash = r.take(HASH_LEN)?;
        if spec_hash != spec.hash_bytes() {
            return Err(Error::InvalidInput(format!(
                "the partial state was made for spec {}, not this spec {}: states of different specs do not merge",
                blake3::Hash::from_bytes(spec_hash.try_into().expect("32 bytes")).to_hex(),
                spec.hash()
            )));
        }
        let want = match spec.kind() {
            SpecKind::Profile { .. } => KIND_PROFILE,
            SpecKind::Validation { .. } => KIND_VALIDATION,
        };
        if kind != want {
            return Err(r.bad(format_args!("spec kind {kind}, expected {want}")));
        }
        let total = r.u32()?;
        let n = r.count(4)?;
        let keys = (0..n).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
        if keys.windows(2).any(|w| w[0] >= w[1]) || keys.iter().any(|&k| k >= total) {
            return Err(r.bad("the keys are not sorted indices below the total"));
        }
        let n = r.count(16)?;
        let partitions = (0..n)
            .map(|_| Ok((r.u64()?, r.u64()?)))
            .collect::<Result<Vec<_>>>()?;
        if partitions.is_empty()
            || partitions.iter().any(|(a, b)| a > b)
            || partitions.windows(2).any(|w| w[0].1 >= w[1].0)
        {
            return Err(r.bad("the partition ranges are not sorted and disjoint"));
        }
        let spec = spec.clone();
        let body = match (r.u8()?, spec.kind()) {
            (BODY_EMPTY, _) => Body::Empty,
            (BODY_DATA, SpecKind::Profile { .. }) => {
                let p = Profile::from_bytes(r.bytes()?)?;
                if p.columns().len() != keys.len() {
                    return Err(r.bad("the profile's columns do not match the keys"));
                }
                Body::Profile(p)
            }
            (BODY_DATA, SpecKind::Validation { .. }) => {
                let schema = read_schema(r.bytes()?)?;
                let mut run = spec
                    .running(&schema)?
                    .expect("a validation spec binds its checks");
                if run.compiled.len() != total as usize {
                    return Err(r.bad("the number of checks does not match the spec"));
                }
                run.rows = r.u64()?;
                for &k in &keys {
                    run.parts[k as usize] = match r.u8()? {
                        0 => None,
                        1 => Some(part::read(&mut r)?),
                        t => return Err(r.bad(format_args!("bad option tag {t}"))),
                    };
                }
                Body::Validation(Box::new(Checks { schema, run }))
            }
            (t, _) => return Err(r.bad(format_args!("bad body tag {t}"))),
        };
        r.end()?;
        if matches!(body, Body::Empty) != keys.is_empty() {
            return Err(Error::Integrity(
                "partial state bytes: an empty state with keys, or keys without a state".into(),
            ));
        }
        Ok(Accumulator {
            spec,
            partitions,
            keys,
            total,
            body,
        })
    }

    /// Merges states of the same spec holding the same columns or checks
    /// (all of them, or the same one after [`split`](Self::split)), of
    /// disjoint partitions, in any order: the result is the state of the
    /// union of their partitions, folded in partition order.
    ///
    /// States of other keys are [`Error::InvalidInput`] (use
    /// [`combine`](Self::combine)); so is a partition present in two states
    /// (it would be counted twice), and states of different specs.
    pub fn merge(spec: &Spec, states: Vec<Accumulator>) -> Result<Accumulator> {
        let mut partitions: Vec<(u64, u64)> = Vec::new();
        let mut full: Vec<Accumulator> = Vec::new();
        for mut s in states {
            s.tag();
            if s.spec.hash_bytes() != spec.hash_bytes() {
                return Err(Error::InvalidInput(format!(
                    "a state of spec {} among states of spec {}: states of different specs do not merge",
                    s.spec.hash(),
                    spec.hash()
                )));
            }
            partitions.extend_from_slice(&s.partitions);
            if !matches!(s.body, Body::Empty) {
                full.push(s);
            }
        }
        let partitions = union(partitions)?;
        full.sort_by_key(|s| s.partitions[0].0);
        let mut it = full.into_iter();
        let Some(mut acc) = it.next() else {
            return Ok(Accumulator {
                spec: spec.clone(),
                partitions: if partitions.is_empty() {
                    vec![(0, 0)]
                } else {
                    partitions
                },
                keys: Vec::new(),
                total: 0,
                body: Body::Empty,
            });
        };
        for s in it {
            if s.keys != acc.keys || s.total != acc.total {
                return Err(Error::InvalidInput(format!(
                    "states hold different columns or checks ({:?} of {} and {:?} of {}): \
                     merge the states of one key at a time, or combine() them",
                    acc.keys, acc.total, s.keys, s.total
                )));
            }
            // Whether `s` comes wholly after everything merged so far: the
            // order of rows across the seam is then known.
            let in_order = acc.partitions.last().map(|r| r.1) < s.partitions.first().map(|r| r.0);
            let seam = (acc.partitions[0].0, s.partitions[0].0);
            acc.partitions.extend_from_slice(&s.partitions);
            match (&mut acc.body, s.body) {
                (Body::Profile(a), Body::Profile(b)) => *a = a.merge(&b)?,
                (Body::Validation(a), Body::Validation(b)) => {
                    if !same_columns(&a.schema, &b.schema) {
                        return Err(Error::SchemaMismatch(format!(
                            "partition {} has schema {}, partition {} {}",
                            seam.0, a.schema, seam.1, b.schema
                        )));
                    }
                    let Checks { run, .. } = *b;
                    a.run.rows += run.rows;
                    for (ci, p) in run.parts.into_iter().enumerate() {
                        if let Some(mut p) = p {
                            if !in_order {
                                if let State::Mono { .. } = p.state {
                                    p.state = State::Failed(format!(
                                        "partitions were merged out of order (around partitions {} and {}), \
                                         so the order of rows across them is unknown",
                                        seam.0, seam.1
                                    ));
                                }
                            }
                            a.run.join(ci, p);
                        }
                    }
                }
                _ => unreachable!("one spec has one body kind"),
            }
        }
        acc.partitions = partitions;
        if let Body::Validation(c) = &mut acc.body {
            let limit = c.run.limit;
            for p in c.run.parts.iter_mut().flatten() {
                if let State::Map(m) | State::Mono { map: m, .. } = &mut p.state {
                    order_samples(&mut m.samples, limit);
                }
            }
        }
        Ok(acc)
    }

    /// One state per column (profile) or check (validation), with its
    /// index: executors can merge each column's states apart (grouped by
    /// the index) so that whoever assembles them gets one state per
    /// column. An empty state (a partition with no rows) splits into none.
    pub fn split(self) -> Vec<(u32, Accumulator)> {
        let Accumulator {
            spec,
            partitions,
            keys,
            total,
            body,
        } = self;
        let one = |k: u32, body: Body| {
            (
                k,
                Accumulator {
                    spec: spec.clone(),
                    partitions: partitions.clone(),
                    keys: vec![k],
                    total,
                    body,
                },
            )
        };
        match body {
            Body::Empty => Vec::new(),
            Body::Profile(p) => {
                let rows = p.row_count();
                keys.iter()
                    .zip(p.into_columns())
                    .map(|(&k, c)| one(k, Body::Profile(Profile::from_parts(rows, vec![c]))))
                    .collect()
            }
            Body::Validation(c) => {
                let Checks { schema, mut run } = *c;
                keys.iter()
                    .map(|&k| {
                        let mut parts: Vec<_> = run.parts.iter().map(|_| None).collect();
                        parts[k as usize] = run.parts[k as usize].take();
                        let run = Running {
                            compiled: run.compiled.clone(),
                            parts,
                            rows: run.rows,
                            limit: run.limit,
                        };
                        one(
                            k,
                            Body::Validation(Box::new(Checks {
                                schema: schema.clone(),
                                run,
                            })),
                        )
                    })
                    .collect()
            }
        }
    }

    /// Merges states of any columns or checks: each key's states are
    /// [`merge`](Self::merge)d, then the keys are put together into one
    /// state. Every key must cover the same rows ([`Error::InvalidInput`]
    /// naming the keys that differ).
    pub fn combine(spec: &Spec, states: Vec<Accumulator>) -> Result<Accumulator> {
        let mut groups: BTreeMap<Vec<u32>, Vec<Accumulator>> = BTreeMap::new();
        for s in states {
            groups.entry(s.keys.clone()).or_default().push(s);
        }
        let mut merged = groups
            .into_values()
            .map(|g| Accumulator::merge(spec, g))
            .collect::<Result<Vec<_>>>()?;
        // Empty states (no keys) only add partitions.
        let mut partitions: Vec<(u64, u64)> = Vec::new();
        merged.retain(|s| {
            if s.keys.is_empty() {
                partitions.extend_from_slice(&s.partitions);
                false
            } else {
                true
            }
        });
        if merged.len() <= 1 {
            let mut one = merged.pop().unwrap_or_else(|| Accumulator::new(spec, 0));
            partitions.extend_from_slice(&one.partitions);
            one.partitions = coalesce(partitions);
            return Ok(one);
        }
        merged.sort_by_key(|s| s.keys[0]);
        let (rows, total) = (merged[0].rows(), merged[0].total);
        for s in &merged {
            if s.total != total {
                return Err(Error::InvalidInput(format!(
                    "states of {} and {total} keys: not states of one data set",
                    s.total
                )));
            }
            if s.rows() != rows {
                return Err(Error::InvalidInput(format!(
                    "the state of key {:?} covers {} rows, the state of key {:?} {rows}: \
                     a partition's state is missing for one of them",
                    s.keys,
                    s.rows(),
                    merged[0].keys
                )));
            }
        }
        let mut keys: Vec<u32> = merged.iter().flat_map(|s| s.keys.clone()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return Err(Error::InvalidInput(
                "two states hold the same column or check".into(),
            ));
        }
        let mut it = merged.into_iter();
        let mut acc = it.next().expect("two or more states");
        for s in it {
            partitions.extend_from_slice(&s.partitions);
            match (&mut acc.body, s.body) {
                (Body::Profile(a), Body::Profile(b)) => {
                    let mut cols =
                        std::mem::replace(a, Profile::from_parts(0, vec![])).into_columns();
                    cols.extend(b.into_columns());
                    *a = Profile::from_parts(rows, cols);
                }
                (Body::Validation(a), Body::Validation(b)) => {
                    for (ci, p) in b.run.parts.into_iter().enumerate() {
                        if let Some(p) = p {
                            a.run.parts[ci] = Some(p);
                        }
                    }
                }
                _ => unreachable!("one spec has one body kind"),
            }
        }
        acc.keys = keys;
        partitions.extend_from_slice(&acc.partitions);
        acc.partitions = coalesce(partitions);
        Ok(acc)
    }

    /// The profile or validation result of the rows folded in. The state
    /// must hold every column or check ([`Error::InvalidInput`] naming how
    /// many are missing: [`combine`](Self::combine) the split states
    /// first). A state that saw no rows at all (every partition empty) has
    /// no schema: use [`finish_with_schema`](Self::finish_with_schema).
    pub fn finish(mut self) -> Result<Finished> {
        self.tag();
        if let Body::Empty = self.body {
            return Err(Error::InvalidInput(
                "no partition had rows, so the data's schema is unknown: finish with the data's schema".into(),
            ));
        }
        if !self.is_whole() {
            return Err(Error::InvalidInput(format!(
                "the state holds {} of {} columns or checks: combine() the states of every one first",
                self.keys.len(),
                self.total
            )));
        }
        Ok(match self.body {
            Body::Profile(p) => Finished::Profile(p),
            Body::Validation(c) => {
                let SpecKind::Validation { suite, .. } = self.spec.kind() else {
                    unreachable!("checks come from a validation spec")
                };
                Finished::Validation(c.run.finish(suite))
            }
            Body::Empty => unreachable!("handled above"),
        })
    }

    /// [`finish`](Self::finish), with the data's schema for the case where
    /// no partition had rows (the result then has zero rows).
    pub fn finish_with_schema(mut self, schema: &Schema) -> Result<Finished> {
        if let Body::Empty = self.body {
            let batch = RecordBatch::new_empty(Arc::new(schema.clone()));
            let partition = self.partitions[0].0;
            let mut acc = Accumulator::new(&self.spec, partition);
            acc.update(&batch)?;
            self.keys = acc.keys;
            self.total = acc.total;
            self.body = acc.body;
        }
        self.finish()
    }
}

fn key_count(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::InvalidInput(format!("{n} columns or checks is too many")))
}

/// The batch's columns named by a profile spec, in the spec's order.
fn project(batch: &RecordBatch, cols: &[String]) -> Result<RecordBatch> {
    let schema = batch.schema();
    let idx = cols
        .iter()
        .map(|c| {
            schema.index_of(c).map_err(|_| {
                Error::SchemaMismatch(format!(
                    "column '{c}' of the profile spec is not in the data"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(batch.project(&idx)?)
}

/// Sorts the first unexpected rows by (partition, row) and keeps `limit`:
/// states merged in any order list the same rows.
fn order_samples(samples: &mut Vec<Unexpected>, limit: usize) {
    samples.sort_by_key(|u| (u.partition, u.row));
    samples.truncate(limit);
}

/// The union of partition ranges; a partition in two ranges is an error.
fn union(mut ranges: Vec<(u64, u64)>) -> Result<Vec<(u64, u64)>> {
    ranges.sort_unstable();
    for w in ranges.windows(2) {
        if w[1].0 <= w[0].1 {
            return Err(Error::InvalidInput(format!(
                "partition {} is in two of the states merged: it would be counted twice",
                w[1].0
            )));
        }
    }
    Ok(coalesce(ranges))
}

/// Sorts ranges and joins those that overlap or touch.
fn coalesce(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}
