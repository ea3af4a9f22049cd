//! Retention, garbage collection and fsck for Node (session 14, lane A):
//! more methods of `NativeRegistry`; plans and reports cross as JSON text.

use mlops_core::registry::{Kind, Retention};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::registry::NativeRegistry;
use crate::task::{job, Job};

/// A duration as JavaScript gives it: text (`'30d'`) or undefined.
fn duration(text: Option<String>) -> mlops_core::Result<Option<std::time::Duration>> {
    text.as_deref()
        .map(mlops_core::clock::parse_duration)
        .transpose()
}

#[napi]
impl NativeRegistry {
    /// Expires the versions the rule does not keep; resolves to them.
    #[napi(ts_return_type = "Promise<number[]>")]
    pub fn expire(
        &self,
        kind: String,
        name: String,
        keep_last: Option<f64>,
        keep_within: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<Vec<f64>>> {
        let r = self.why(reason);
        job(move || {
            let keep_last = match keep_last {
                Some(n) if n < 1.0 || n.fract() != 0.0 || !n.is_finite() => {
                    return Err(mlops_core::Error::InvalidInput(format!(
                        "keepLast {n} is not a positive integer"
                    )))
                }
                n => n.map(|n| n as u64),
            };
            let rule = Retention {
                keep_last,
                keep_within: duration(keep_within)?,
            };
            let v = r.expire(kind.parse::<Kind>()?, &name, &rule)?;
            Ok(v.into_iter().map(|n| n as f64).collect())
        })
    }

    /// Pins (or unpins) a version.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn pin(
        &self,
        kind: String,
        name: String,
        version: f64,
        pinned: bool,
        reason: Option<String>,
    ) -> AsyncTask<Job<()>> {
        let r = self.why(reason);
        job(move || {
            if version < 1.0 || version.fract() != 0.0 || !version.is_finite() {
                return Err(mlops_core::Error::InvalidInput(format!(
                    "version {version} is not a positive integer"
                )));
            }
            r.pin(kind.parse::<Kind>()?, &name, version as u64, pinned)
        })
    }

    /// A garbage collection plan, as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn gc_plan(&self, grace: Option<String>, r#unsafe: bool) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            let grace = duration(grace)?.unwrap_or(mlops_core::gc::DEFAULT_GRACE);
            Ok(r.gc_plan(grace, r#unsafe)?.to_json())
        })
    }

    /// Applies a plan (JSON text); resolves to what was freed, as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn gc_apply(&self, plan: String) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            let plan = mlops_core::gc::GcPlan::from_json(&plan)?;
            let done = r.gc_apply(&plan)?;
            Ok(serde_json::to_string(&done).expect("results serialise"))
        })
    }

    /// Orphans and missing blobs, as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn fsck(&self) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            let f = r.fsck()?;
            let mut v = serde_json::to_value(&f).expect("fsck serialises");
            v["ok"] = serde_json::Value::Bool(f.ok());
            Ok(v.to_string())
        })
    }
}
