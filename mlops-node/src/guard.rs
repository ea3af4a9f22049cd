//! The serving guard for Node: `NativeGuard` (`checkIpc`, `checkJson`,
//! `observeIpc`, `observeValues`, `flush`, `profile`), the engine's
//! `mlops_core::guard::Guard`. The JavaScript layer (`lib/guard.js`) adds
//! `Guard`: apache-arrow tables as IPC bytes, request bodies as JSON text,
//! and the `SIGNATURE` error carrying `problems`.
//!
//! A request of a few rows is checked on the JavaScript thread: a hop to
//! the thread pool costs more than the check. Observing only queues the
//! rows (the engine profiles them on a thread of its own); `flush`, which
//! may write to the store, runs on the libuv thread pool.

use std::sync::Arc;

use arrow::array::{Float64Array, RecordBatch};
use mlops_core::guard::Guard;
use mlops_core::package::{Package, Problem};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::guard;
use crate::monitor::NativeMonitor;
use crate::profile::{BorrowedBytes, NativeProfile};
use crate::task::{job, Job};

/// One problem of a refused request, with the keys Python's
/// `SignatureError.problems` dicts have (unset where a kind has none).
#[napi(object)]
pub struct GuardProblem {
    /// The column, unless the problem is about the whole request.
    pub column: Option<String>,
    /// `missing_column`, `type_mismatch`, `nulls`, `bad_values`, `no_rows` or `malformed`.
    pub kind: String,
    /// The declared type.
    pub expected: Option<String>,
    /// What was found instead.
    pub found: Option<String>,
    /// How many values (nulls, bad values).
    pub count: Option<f64>,
    /// The first row holding one (from 0).
    #[napi(js_name = "first_row")]
    pub first_row: Option<f64>,
    /// The problem in words.
    pub message: String,
}

impl From<&Problem> for GuardProblem {
    fn from(p: &Problem) -> Self {
        let (expected, found, count, first_row) = match p {
            Problem::TypeMismatch {
                expected, found, ..
            } => (Some(expected.clone()), Some(found.clone()), None, None),
            Problem::Nulls {
                count, first_row, ..
            } => (None, None, Some(*count as f64), Some(*first_row as f64)),
            Problem::BadValues {
                expected,
                found,
                count,
                first_row,
                ..
            } => (
                Some(expected.clone()),
                Some(found.clone()),
                Some(*count as f64),
                Some(*first_row as f64),
            ),
            Problem::MissingColumn { .. } | Problem::NoRows | Problem::Malformed { .. } => {
                (None, None, None, None)
            }
        };
        GuardProblem {
            column: p.column().map(str::to_string),
            kind: p.kind().to_string(),
            expected,
            found,
            count,
            first_row,
            message: p.to_string(),
        }
    }
}

/// What a check gives back: the checked request as Arrow IPC stream bytes,
/// or the problems and the error's message (the JavaScript layer throws a
/// `SIGNATURE` error carrying them).
#[napi(object)]
pub struct GuardChecked {
    /// The signature's inputs, as IPC stream bytes, when the request passed.
    pub ipc: Option<Buffer>,
    /// Every problem, when it did not.
    pub problems: Option<Vec<GuardProblem>>,
    /// The error's message, when it did not.
    pub message: Option<String>,
}

/// A batch as Arrow IPC stream bytes.
fn ipc(b: &RecordBatch) -> mlops_core::Result<Buffer> {
    let mut out = Vec::new();
    {
        let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &b.schema())?;
        w.write(b)?;
        w.finish()?;
    }
    Ok(out.into())
}

/// The one batch of IPC bytes (several are joined).
fn one_batch(data: Buffer) -> mlops_core::Result<RecordBatch> {
    let reader = mlops_core::io::read_ipc_bytes(BorrowedBytes(data))?;
    let schema = reader.schema();
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
    match batches.len() {
        1 => Ok(batches.into_iter().next().expect("one")),
        _ => Ok(arrow::compute::concat_batches(&schema, &batches)?),
    }
}

/// A check's outcome as [`GuardChecked`]: a refusal is data, any other
/// failure an error.
fn checked(r: mlops_core::Result<RecordBatch>) -> mlops_core::Result<GuardChecked> {
    match r {
        Ok(b) => Ok(GuardChecked {
            ipc: Some(ipc(&b)?),
            problems: None,
            message: None,
        }),
        Err(mlops_core::Error::Signature(report)) => Ok(GuardChecked {
            ipc: None,
            message: Some(mlops_core::Error::Signature(report.clone()).to_string()),
            problems: Some(report.problems.iter().map(GuardProblem::from).collect()),
        }),
        Err(e) => Err(e),
    }
}

/// A guard checking requests against a package's signature (see `Guard`
/// in `lib/guard.js`).
#[napi(js_name = "NativeGuard")]
pub struct NativeGuard {
    inner: Arc<Guard>,
}

#[napi]
impl NativeGuard {
    /// A guard for the package at `path` (a folder or archive), observing
    /// into `monitor` or, without one, into a rolling profile.
    #[napi(constructor)]
    pub fn new(path: String, monitor: Option<&NativeMonitor>) -> crate::error::Result<Self> {
        let monitor = monitor.map(|m| m.inner.clone());
        guard(|| {
            let pkg = Package::load(&path)?;
            Ok(Self {
                inner: Arc::new(Guard::new(&pkg, monitor)?),
            })
        })
    }

    /// Checks Arrow IPC bytes against the signature.
    #[napi]
    pub fn check_ipc(&self, data: Buffer) -> crate::error::Result<GuardChecked> {
        guard(|| checked(self.inner.check(&one_batch(data)?)))
    }

    /// Checks a JSON body (rows or columns), typed strictly.
    #[napi]
    pub fn check_json(&self, body: String) -> crate::error::Result<GuardChecked> {
        guard(|| checked(self.inner.check_json(body.as_bytes())))
    }

    /// Observes inputs and predictions, both Arrow IPC bytes of one row count.
    #[napi]
    pub fn observe_ipc(&self, inputs: Buffer, predictions: Buffer) -> crate::error::Result<()> {
        guard(|| {
            self.inner
                .observe(&one_batch(inputs)?, &one_batch(predictions)?)
        })
    }

    /// Observes inputs (Arrow IPC bytes) and numeric predictions, named
    /// after the signature's one output (else `prediction`).
    #[napi]
    pub fn observe_values(
        &self,
        inputs: Buffer,
        predictions: Vec<Option<f64>>,
    ) -> crate::error::Result<()> {
        guard(|| {
            let y = self
                .inner
                .predictions(Arc::new(Float64Array::from(predictions)))?;
            self.inner.observe(&one_batch(inputs)?, &y)
        })
    }

    /// Writes what was observed (the monitor's flush), or folds it into the
    /// rolling profile.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn flush(&self) -> AsyncTask<Job<()>> {
        let g = self.inner.clone();
        job(move || g.flush())
    }

    /// The rolling profile so far (null with a monitor, or before any row).
    #[napi]
    pub fn profile(&self) -> Option<NativeProfile> {
        self.inner.profile().map(NativeProfile::of)
    }

    /// The signature, as JSON text.
    #[napi]
    pub fn signature_json(&self) -> crate::error::Result<String> {
        guard(|| {
            serde_json::to_string(self.inner.signature())
                .map_err(|e| mlops_core::Error::InvalidInput(format!("signature: {e}")))
        })
    }

    /// The inputs' names and Arrow types, in order.
    #[napi]
    pub fn input_schema(&self) -> Vec<Vec<String>> {
        self.inner
            .input_schema()
            .fields()
            .iter()
            .map(|f| vec![f.name().clone(), f.data_type().to_string()])
            .collect()
    }
}
