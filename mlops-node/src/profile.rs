//! `Profile` for Node, and the `profile*` entry points, which run the engine
//! on the libuv thread pool and resolve a Promise.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::guard;
use crate::task::{job, Job};

/// The profile of a data set (see `profile()` in `lib/profile.js`).
#[napi(js_name = "NativeProfile")]
pub struct NativeProfile {
    inner: mlops_core::Profile,
}

impl NativeProfile {
    /// The core profile.
    pub(crate) fn inner(&self) -> &mlops_core::Profile {
        &self.inner
    }

    /// A column's profile; `NOT_FOUND` for an unknown name.
    fn column_of(&self, name: &str) -> mlops_core::Result<&mlops_core::profile::ColumnProfile> {
        self.inner.column(name).ok_or_else(|| {
            mlops_core::Error::NotFound(format!("column '{name}' is not in the profile"))
        })
    }

    /// Wraps a core profile.
    pub(crate) fn of(inner: mlops_core::Profile) -> Self {
        Self { inner }
    }
}

#[napi]
impl NativeProfile {
    /// Number of rows profiled.
    #[napi(getter)]
    pub fn row_count(&self) -> f64 {
        self.inner.row_count() as f64
    }

    /// Column names, in schema order.
    #[napi(getter)]
    pub fn column_names(&self) -> Vec<String> {
        self.inner
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect()
    }

    /// The profile as JSON: the same document as Python's `to_json()`.
    #[napi]
    pub fn to_json(&self) -> crate::error::Result<String> {
        guard(|| Ok(self.inner.to_json()))
    }

    /// The compact, versioned binary encoding.
    #[napi]
    pub fn to_bytes(&self) -> crate::error::Result<Buffer> {
        guard(|| Ok(self.inner.to_bytes())).map(Into::into)
    }

    /// Decodes `toBytes()`; fails with `INTEGRITY` on corrupt or newer bytes.
    #[napi(factory)]
    pub fn from_bytes(data: &[u8]) -> crate::error::Result<Self> {
        guard(|| mlops_core::Profile::from_bytes(data)).map(|inner| Self { inner })
    }

    /// Decodes `toJson()`; fails with `INTEGRITY` on a newer format.
    #[napi(factory)]
    pub fn from_json(data: String) -> crate::error::Result<Self> {
        guard(|| mlops_core::Profile::from_json(&data)).map(|inner| Self { inner })
    }

    /// The profile of the rows of both; fails with `SCHEMA_MISMATCH` when their columns differ.
    #[napi]
    pub fn merge(&self, other: &NativeProfile) -> crate::error::Result<NativeProfile> {
        guard(|| self.inner.merge(&other.inner)).map(|inner| Self { inner })
    }

    /// A self-contained HTML page of the profile.
    /// The `k` most frequent non-null values of a column with their counts
    /// (`[{value, count}]`), most frequent first.
    #[napi(ts_return_type = "Array<{ value: number | boolean | string; count: number }>")]
    pub fn column_top(&self, name: String, k: f64) -> crate::error::Result<serde_json::Value> {
        guard(|| {
            if !(k >= 0.0 && k.fract() == 0.0 && k <= u32::MAX as f64) {
                return Err(mlops_core::Error::InvalidInput(format!(
                    "k: {k} is not a count (0 to {})",
                    u32::MAX
                )));
            }
            let top = self.column_of(&name)?.top_k(k as usize);
            Ok(serde_json::to_value(top).expect("top values serialise"))
        })
    }

    /// The `q` quantile of a column (from its sketch), or null without
    /// finite values; `q` is in [0, 1].
    #[napi]
    pub fn column_quantile(&self, name: String, q: f64) -> crate::error::Result<Option<f64>> {
        guard(|| {
            if !(0.0..=1.0).contains(&q) {
                return Err(mlops_core::Error::InvalidInput(format!(
                    "quantile {q} is not in [0, 1]"
                )));
            }
            Ok(self.column_of(&name)?.quantile(q))
        })
    }

    #[napi]
    pub fn to_html(&self) -> crate::error::Result<String> {
        guard(|| Ok(mlops_core::report::profile_html(&self.inner)))
    }
}

/// Arrow IPC bytes borrowed from a JavaScript Buffer, not copied: napi's
/// `Buffer` points at the JS memory and holds a reference that keeps it alive
/// until the task drops it (napi routes that release back to the JS thread).
/// The caller must not write to the buffer while the Promise is pending.
pub(crate) struct BorrowedBytes(pub(crate) Buffer);

impl AsRef<[u8]> for BorrowedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Profiles a `.parquet`, `.csv`, `.arrow` / `.feather` or `.arrows` file.
#[napi(ts_return_type = "Promise<NativeProfile>")]
pub fn profile_path(path: String) -> AsyncTask<Job<NativeProfile>> {
    job(move || mlops_core::profile_path(&path).map(|inner| NativeProfile { inner }))
}

/// Profiles Arrow IPC bytes (stream or file format).
#[napi(ts_return_type = "Promise<NativeProfile>")]
pub fn profile_ipc(data: Buffer) -> AsyncTask<Job<NativeProfile>> {
    job(move || {
        let inner = mlops_core::profile(mlops_core::io::read_ipc_bytes(BorrowedBytes(data))?)?;
        Ok(NativeProfile { inner })
    })
}
