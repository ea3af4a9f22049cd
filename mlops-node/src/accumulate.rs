//! `Spec` and `Accumulator` for Node: the partial states of a profile or a
//! validation, computed per partition and merged wherever the states meet
//! (see `lib/accumulate.js`). States cross the boundary as Buffers, the
//! form a worker sends back; every behaviour lives in
//! `mlops_core::accumulate`.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use napi::bindgen_prelude::*;
use napi_derive::napi;

use mlops_core::accumulate::{Accumulator, Finished, Spec, SpecKind};
use mlops_core::validate::Suite;

use crate::error::guard;
use crate::profile::{BorrowedBytes, NativeProfile};
use crate::task::{job, Job};
use crate::validate::NativeValidationResult;

/// What an accumulator computes: a profile of some columns or a
/// validation suite (see `Spec` in `lib/accumulate.js`).
#[napi(js_name = "NativeSpec")]
pub struct NativeSpec {
    inner: Arc<Spec>,
}

#[napi]
impl NativeSpec {
    /// A profile of `columns` (every column when unset), in that order.
    #[napi(factory)]
    pub fn profile(columns: Option<Vec<String>>) -> Self {
        NativeSpec {
            inner: Arc::new(Spec::profile(columns)),
        }
    }

    /// A validation of a suite (JSON; `base` resolves its relative paths);
    /// `options.now` is fixed here. A check whose exact state grows with
    /// the data is refused with `UNSUPPORTED` naming the alternative.
    #[napi(factory)]
    pub fn validation(
        suite: String,
        base: Option<String>,
        options: Option<crate::convert::ValidateOptions>,
    ) -> crate::error::Result<Self> {
        let opts = crate::convert::validate_options(options);
        guard(|| {
            let mut suite = Suite::from_json(&suite)?;
            suite.base_dir = base.map(std::path::PathBuf::from);
            Spec::validation(suite, &opts)
        })
        .map(|s| NativeSpec { inner: Arc::new(s) })
    }

    /// Reads `toBytes()`; `INVALID_INPUT` naming the field of a bad spec.
    #[napi(factory)]
    pub fn from_bytes(data: &[u8]) -> crate::error::Result<Self> {
        guard(|| Spec::from_bytes(data)).map(|s| NativeSpec { inner: Arc::new(s) })
    }

    /// The canonical encoding (JSON bytes).
    #[napi]
    pub fn to_bytes(&self) -> Buffer {
        self.inner.to_bytes().to_vec().into()
    }

    /// The BLAKE3 hash of the encoding, in hex: states carry it.
    #[napi(getter)]
    pub fn hash(&self) -> String {
        self.inner.hash()
    }

    /// `"profile"` or `"validation"`.
    #[napi(getter, ts_return_type = "'profile' | 'validation'")]
    pub fn kind(&self) -> String {
        match self.inner.kind() {
            SpecKind::Profile { .. } => "profile",
            SpecKind::Validation { .. } => "validation",
        }
        .to_string()
    }
}

/// One column's or check's state from `split()`.
#[napi(object)]
pub struct SplitState {
    /// The index of the column (profile) or check (validation).
    pub key: u32,
    /// Its state, as `toBytes()` writes it.
    pub state: Buffer,
}

/// The state held by a [`NativeAccumulator`]: `None` once consumed by
/// `split()` or `finish()`. Shared with the update task running on the
/// libuv thread pool.
type Slot = Arc<Mutex<Option<Accumulator>>>;

/// The partial state of a profile or validation over some partitions
/// (see `Accumulator` in `lib/accumulate.js`).
#[napi(js_name = "NativeAccumulator")]
pub struct NativeAccumulator {
    inner: Slot,
}

fn consumed() -> mlops_core::Error {
    mlops_core::Error::InvalidInput("this accumulator was consumed by split() or finish()".into())
}

/// The slot's lock; a panic while it was held (already reported as
/// `INTERNAL`) does not make every later call panic too.
fn lock(slot: &Slot) -> MutexGuard<'_, Option<Accumulator>> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A partition index: a whole number from 0 to 2^53 (what a JS number holds exactly).
fn partition_of(p: f64) -> mlops_core::Result<u64> {
    if p >= 0.0 && p.fract() == 0.0 && p <= 9_007_199_254_740_992.0 {
        Ok(p as u64)
    } else {
        Err(mlops_core::Error::InvalidInput(format!(
            "partition: {p} is not a whole number from 0 to 2^53"
        )))
    }
}

fn decode(spec: &Spec, states: &[Buffer]) -> mlops_core::Result<Vec<Accumulator>> {
    states
        .iter()
        .map(|b| Accumulator::from_bytes(spec, b))
        .collect()
}

/// Folds every batch of `data` into the state in `slot`.
fn fold(slot: &Slot, data: mlops_core::io::BoxReader) -> mlops_core::Result<()> {
    let mut held = lock(slot);
    let acc = held.as_mut().ok_or_else(consumed)?;
    for b in data {
        acc.update(&b?)?;
    }
    Ok(())
}

impl NativeAccumulator {
    fn wrap(acc: Accumulator) -> Self {
        NativeAccumulator {
            inner: Arc::new(Mutex::new(Some(acc))),
        }
    }

    /// Reads the held state; `INVALID_INPUT` once consumed.
    fn with<T>(
        &self,
        f: impl FnOnce(&Accumulator) -> mlops_core::Result<T>,
    ) -> crate::error::Result<T> {
        guard(|| f(lock(&self.inner).as_ref().ok_or_else(consumed)?))
    }

    /// Takes the held state out; `INVALID_INPUT` once consumed.
    fn take(&self) -> mlops_core::Result<Accumulator> {
        lock(&self.inner).take().ok_or_else(consumed)
    }
}

#[napi]
impl NativeAccumulator {
    /// An empty state of `spec` for the partition numbered `partition`.
    #[napi(constructor)]
    pub fn new(spec: &NativeSpec, partition: f64) -> crate::error::Result<Self> {
        guard(|| partition_of(partition)).map(|p| Self::wrap(Accumulator::new(&spec.inner, p)))
    }

    /// Folds Arrow IPC bytes (stream or file format; borrowed, not copied) in.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn update_ipc(&self, data: Buffer) -> AsyncTask<Job<()>> {
        let slot = self.inner.clone();
        job(move || fold(&slot, mlops_core::io::read_ipc_bytes(BorrowedBytes(data))?))
    }

    /// Folds a `.parquet`, `.csv`, `.arrow` / `.feather` or `.arrows` file in.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn update_path(&self, path: String) -> AsyncTask<Job<()>> {
        let slot = self.inner.clone();
        job(move || fold(&slot, mlops_core::io::read_path(path)?))
    }

    /// The state as bytes (what a worker sends back).
    #[napi]
    pub fn to_bytes(&self) -> crate::error::Result<Buffer> {
        self.with(|a| a.to_bytes()).map(Into::into)
    }

    /// Reads `toBytes()` for `spec`: `INVALID_INPUT` for a state of another
    /// spec, `INTEGRITY` for damaged bytes or a newer format.
    #[napi(factory)]
    pub fn from_bytes(spec: &NativeSpec, data: &[u8]) -> crate::error::Result<Self> {
        guard(|| Accumulator::from_bytes(&spec.inner, data)).map(Self::wrap)
    }

    /// Merges the states (bytes) of one key, of disjoint partitions, in any order.
    #[napi(factory)]
    pub fn merge(spec: &NativeSpec, states: Vec<Buffer>) -> crate::error::Result<Self> {
        guard(|| Accumulator::merge(&spec.inner, decode(&spec.inner, &states)?)).map(Self::wrap)
    }

    /// Merges states (bytes) of any keys into one state.
    #[napi(factory)]
    pub fn combine(spec: &NativeSpec, states: Vec<Buffer>) -> crate::error::Result<Self> {
        guard(|| Accumulator::combine(&spec.inner, decode(&spec.inner, &states)?)).map(Self::wrap)
    }

    /// One state per column (profile) or check (validation), with its
    /// index; consumes the accumulator.
    #[napi]
    pub fn split(&self) -> crate::error::Result<Vec<SplitState>> {
        guard(|| {
            self.take()?
                .split()
                .into_iter()
                .map(|(key, a)| {
                    Ok(SplitState {
                        key,
                        state: a.to_bytes()?.into(),
                    })
                })
                .collect()
        })
    }

    /// The profile or validation result; `schema` (Arrow IPC bytes of the
    /// data's schema) is needed only when no partition had rows. Consumes
    /// the accumulator.
    #[napi]
    pub fn finish(
        &self,
        schema: Option<Buffer>,
    ) -> crate::error::Result<Either<NativeProfile, NativeValidationResult>> {
        guard(|| {
            let schema = match schema {
                Some(b) => Some(mlops_core::io::read_ipc_bytes(BorrowedBytes(b))?.schema()),
                None => None,
            };
            let acc = self.take()?;
            let done = match schema {
                Some(s) => acc.finish_with_schema(&s)?,
                None => acc.finish()?,
            };
            Ok(match done {
                Finished::Profile(p) => Either::A(NativeProfile::of(p)),
                Finished::Validation(r) => Either::B(NativeValidationResult::of(r)),
            })
        })
    }

    /// Rows folded in.
    #[napi(getter)]
    pub fn rows(&self) -> crate::error::Result<f64> {
        self.with(|a| Ok(a.rows() as f64))
    }

    /// The partitions folded in, as inclusive `[first, last]` ranges.
    #[napi(getter, ts_return_type = "Array<[number, number]>")]
    pub fn partitions(&self) -> crate::error::Result<Vec<Vec<f64>>> {
        self.with(|a| {
            Ok(a.partitions()
                .iter()
                .map(|&(x, y)| vec![x as f64, y as f64])
                .collect())
        })
    }

    /// The indices of the columns or checks held.
    #[napi(getter)]
    pub fn keys(&self) -> crate::error::Result<Vec<u32>> {
        self.with(|a| Ok(a.keys().to_vec()))
    }
}
