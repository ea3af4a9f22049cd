//! Drift reports for Node: `driftIpc` / `driftPaths` on the libuv thread
//! pool (Promises), `driftProfiles` synchronously (sketches are small).
//! Options arrive as one typed object (`convert::DriftOptions`) and are
//! completed and checked by the core; the report leaves as a native handle
//! whose JSON the JavaScript layer parses once.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use mlops_core::drift::{self, DriftOptions, DriftReport};

use crate::error::guard;
use crate::profile::{BorrowedBytes, NativeProfile};
use crate::task::{job, Job};

/// A drift report (see `drift()` in `lib/drift.js`).
#[napi(js_name = "NativeDriftReport")]
pub struct NativeDriftReport {
    inner: DriftReport,
}

#[napi]
impl NativeDriftReport {
    /// The report as JSON: the same document as Python's `to_json()`.
    #[napi]
    pub fn to_json(&self) -> crate::error::Result<String> {
        guard(|| Ok(self.inner.to_json()))
    }

    /// One self-contained HTML page of the report.
    #[napi]
    pub fn to_html(&self) -> crate::error::Result<String> {
        guard(|| Ok(mlops_core::report::drift_html(&self.inner)))
    }
}

/// The core's options: the caller's, completed by its `Default`.
fn options(o: Option<crate::convert::DriftOptions>) -> mlops_core::Result<DriftOptions> {
    o.map_or_else(|| Ok(DriftOptions::default()), TryInto::try_into)
}

/// The drift report between two data files (Parquet, CSV, Arrow IPC).
#[napi(ts_return_type = "Promise<NativeDriftReport>")]
pub fn drift_paths(
    reference: String,
    current: String,
    options: Option<crate::convert::DriftOptions>,
) -> AsyncTask<Job<NativeDriftReport>> {
    job(move || {
        let inner = drift::drift_paths(&reference, &current, &self::options(options)?)?;
        Ok(NativeDriftReport { inner })
    })
}

/// The drift report between two sets of Arrow IPC bytes (borrowed, not copied).
#[napi(ts_return_type = "Promise<NativeDriftReport>")]
pub fn drift_ipc(
    reference: Buffer,
    current: Buffer,
    options: Option<crate::convert::DriftOptions>,
) -> AsyncTask<Job<NativeDriftReport>> {
    job(move || {
        let opts = self::options(options)?;
        let r = mlops_core::io::read_ipc_bytes(BorrowedBytes(reference))?;
        let c = mlops_core::io::read_ipc_bytes(BorrowedBytes(current))?;
        let inner = drift::drift_readers(r, c, &opts)?;
        Ok(NativeDriftReport { inner })
    })
}

/// The drift report between two profiles, from their sketches.
#[napi]
pub fn drift_profiles(
    reference: &NativeProfile,
    current: &NativeProfile,
    options: Option<crate::convert::DriftOptions>,
) -> crate::error::Result<NativeDriftReport> {
    guard(|| {
        let opts = self::options(options)?;
        drift::drift_profiles(reference.inner(), current.inner(), &opts)
    })
    .map(|inner| NativeDriftReport { inner })
}
