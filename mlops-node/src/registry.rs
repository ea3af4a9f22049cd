//! `Registry` for Node: assets with numbered versions and aliases in a
//! store. Every call runs on the libuv thread pool and resolves a Promise.

use mlops_core::registry::{AssetRef, Kind, Registry};
use napi::bindgen_prelude::*;
use napi::{Env, Task};
use napi_derive::napi;

use crate::error::{coded, guard, rejection};

type JobFn<T> = Box<dyn FnOnce() -> mlops_core::Result<T> + Send>;

/// One registry call, run on the libuv thread pool.
pub struct Job<T: Send + 'static> {
    f: Option<JobFn<T>>,
}

impl<T: ToNapiValue + TypeName + Send + 'static> Task for Job<T> {
    type Output = crate::error::Result<T>;
    type JsValue = T;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(match self.f.take() {
            Some(f) => guard(f),
            None => Err(coded("INTERNAL", "registry task ran twice")),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map_err(|e| rejection(&env, e))
    }
}

pub(crate) fn job<T: Send + 'static>(
    f: impl FnOnce() -> mlops_core::Result<T> + Send + 'static,
) -> AsyncTask<Job<T>>
where
    Job<T>: Task,
{
    AsyncTask::new(Job {
        f: Some(Box::new(f)),
    })
}

/// A version number from JavaScript: a positive integer.
fn whole(version: f64) -> mlops_core::Result<u64> {
    if version < 1.0 || version.fract() != 0.0 || !version.is_finite() {
        return Err(mlops_core::Error::InvalidInput(format!(
            "version {version} is not a positive integer"
        )));
    }
    Ok(version as u64)
}

fn meta(json: &str) -> mlops_core::Result<serde_json::Value> {
    serde_json::from_str(json)
        .map_err(|e| mlops_core::Error::InvalidInput(format!("metadata: {e}")))
}

/// A registry (see `Registry` in `lib/index.js`).
#[napi(js_name = "NativeRegistry")]
pub struct NativeRegistry {
    pub(crate) inner: Registry,
}

#[napi]
impl NativeRegistry {
    /// Opens the registry in the store at `url`, writing as `principal`
    /// (else `MLOPS_PRINCIPAL`, else `USER`).
    #[napi(factory)]
    pub fn open(url: String, principal: Option<String>) -> crate::error::Result<Self> {
        guard(|| Registry::open(&url)).map(|inner| Self {
            inner: match principal {
                Some(p) => inner.with_principal(&p),
                None => inner,
            },
        })
    }

    /// Who this registry writes as.
    #[napi(getter)]
    pub fn principal(&self) -> String {
        self.inner.principal().to_string()
    }

    /// This registry recording `reason` in the events of one call.
    pub(crate) fn why(&self, reason: Option<String>) -> Registry {
        match reason {
            Some(r) => self.inner.clone().with_reason(&r),
            None => self.inner.clone(),
        }
    }

    /// Records a gate report (the JSON `gate()` returns) for a version.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn record_gate(
        &self,
        kind: String,
        name: String,
        version: f64,
        report: String,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            let report: mlops_core::validate::GateReport = serde_json::from_str(&report)
                .map_err(|e| mlops_core::Error::InvalidInput(format!("gate report: {e}")))?;
            r.record_gate(Kind::parse(&kind)?, &name, whole(version)?, &report)?;
            Ok(name)
        })
    }

    /// Walks every log's hash chain; resolves to the report as JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn audit_verify(&self) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || Ok(serde_json::to_string(&r.audit_verify()?).expect("reports serialise")))
    }

    /// Audit records matching a filter (JSON: principal, action, target,
    /// since, until); resolves to JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn audit_log(&self, filter: String) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            let f: serde_json::Value = serde_json::from_str(&filter)
                .map_err(|e| mlops_core::Error::InvalidInput(format!("audit filter: {e}")))?;
            let text = |k: &str| f.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let time = |k: &str| -> mlops_core::Result<Option<u64>> {
                match f.get(k) {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                        mlops_core::Error::InvalidInput(format!(
                            "audit filter: '{k}' must be Unix milliseconds"
                        ))
                    }),
                }
            };
            let filter = mlops_core::governance::AuditFilter {
                principal: text("principal"),
                action: text("action"),
                target: text("target"),
                since: time("since")?,
                until: time("until")?,
            };
            Ok(serde_json::to_string(&r.audit_log(&filter)?).expect("records serialise"))
        })
    }

    /// The access policy as JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn policy_show(&self) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || Ok(serde_json::to_string(&r.policy()?).expect("policies serialise")))
    }

    /// Changes the policy: `op` is grant, revoke, protect or unprotect;
    /// `args` is JSON (principal, role, scope; alias, scope, role, requireGate).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn policy_change(
        &self,
        op: String,
        args: String,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        use mlops_core::governance::Role;
        let r = self.why(reason);
        job(move || {
            let a: serde_json::Value = serde_json::from_str(&args)
                .map_err(|e| mlops_core::Error::InvalidInput(format!("policy arguments: {e}")))?;
            let text = |k: &str, default: Option<&str>| -> mlops_core::Result<String> {
                a.get(k)
                    .and_then(|v| v.as_str())
                    .or(default)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        mlops_core::Error::InvalidInput(format!("policy {op}: '{k}' is required"))
                    })
            };
            match op.as_str() {
                "grant" => r.grant(
                    &text("principal", None)?,
                    Role::parse(&text("role", None)?)?,
                    &text("scope", Some("*"))?,
                )?,
                "revoke" => r.revoke(
                    &text("principal", None)?,
                    Role::parse(&text("role", None)?)?,
                    &text("scope", Some("*"))?,
                )?,
                "protect" => r.protect_alias(
                    &text("alias", None)?,
                    &text("scope", Some("*"))?,
                    Role::parse(&text("role", Some("approver"))?)?,
                    a.get("requireGate")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false),
                )?,
                "unprotect" => {
                    r.unprotect_alias(&text("alias", None)?, &text("scope", Some("*"))?)?
                }
                other => {
                    return Err(mlops_core::Error::InvalidInput(format!(
                        "unknown policy change '{other}'"
                    )))
                }
            }
            Ok(op)
        })
    }

    /// Adds bytes as the next version; resolves to its number.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn add(
        &self,
        kind: String,
        name: String,
        data: Buffer,
        message: String,
        metadata: String,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let (r, data) = (self.why(reason), data.to_vec());
        job(move || {
            let v = r.add_version(
                Kind::parse(&kind)?,
                &name,
                &data,
                &message,
                meta(&metadata)?,
            )?;
            Ok(v as f64)
        })
    }

    /// Adds a file (streamed, chunked) as the next version; resolves to its number.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn add_file(
        &self,
        kind: String,
        name: String,
        path: String,
        message: String,
        metadata: String,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let r = self.why(reason);
        job(move || {
            let v = r.add_file(
                Kind::parse(&kind)?,
                &name,
                &path,
                &message,
                meta(&metadata)?,
            )?;
            Ok(v as f64)
        })
    }

    /// Points an alias at a version.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn alias(
        &self,
        kind: String,
        name: String,
        alias: String,
        version: f64,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            if version < 1.0 || version.fract() != 0.0 {
                return Err(mlops_core::Error::InvalidInput(format!(
                    "version {version} is not a positive integer"
                )));
            }
            r.set_alias(Kind::parse(&kind)?, &name, &alias, version as u64)?;
            Ok(alias)
        })
    }

    /// The asset's state as JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn asset(&self, kind: String, name: String) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            let a = r.asset(Kind::parse(&kind)?, &name)?;
            Ok(serde_json::to_string(&a).expect("assets serialise"))
        })
    }

    /// The asset's history (every event, oldest first) as JSON audit records.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn log(&self, kind: String, name: String) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            let h = r.history(Kind::parse(&kind)?, &name)?;
            Ok(serde_json::to_string(&h).expect("records serialise"))
        })
    }

    /// One version (by number, alias or `latest`) as JSON, read through the
    /// registry's indexes.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn version(&self, kind: String, name: String, reference: String) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            let v = r.version(Kind::parse(&kind)?, &name, &reference)?;
            Ok(serde_json::to_string(&v).expect("versions serialise"))
        })
    }

    /// Checks an asset from its log's own events (hash chain, numbering,
    /// indexes); resolves to the number of events.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn verify(&self, kind: String, name: String) -> AsyncTask<Job<f64>> {
        let r = self.inner.clone();
        job(move || Ok(r.verify(Kind::parse(&kind)?, &name)? as f64))
    }

    /// Sets (or with `value` null removes) a tag of a version.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn tag(
        &self,
        kind: String,
        name: String,
        version: f64,
        key: String,
        value: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            r.set_tag(
                Kind::parse(&kind)?,
                &name,
                whole(version)?,
                &key,
                value.as_deref(),
            )?;
            Ok(key)
        })
    }

    /// Records lineage; `refs` is JSON `{product: {kind, name, version}, inputs: [...], run?, commit?}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn lineage(&self, refs: String, reason: Option<String>) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Spec {
                product: AssetRef,
                inputs: Vec<AssetRef>,
                run: Option<String>,
                commit: Option<String>,
            }
            let s: Spec = serde_json::from_str(&refs)
                .map_err(|e| mlops_core::Error::InvalidInput(format!("lineage: {e}")))?;
            r.record_lineage(&s.product, &s.inputs, s.run.as_deref(), s.commit.as_deref())?;
            Ok(String::new())
        })
    }

    /// Archives (or restores) an asset.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn archive(
        &self,
        kind: String,
        name: String,
        archived: bool,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            r.set_archived(Kind::parse(&kind)?, &name, archived)?;
            Ok(name)
        })
    }

    /// Names of the assets of a kind, as JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn list(&self, kind: String, include_archived: bool) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            Ok(
                serde_json::to_string(&r.list(Kind::parse(&kind)?, include_archived)?)
                    .expect("names serialise"),
            )
        })
    }

    /// Versions matching a filter, as JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn search(&self, query: String, include_archived: bool) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            Ok(
                serde_json::to_string(&r.search(&query, include_archived)?)
                    .expect("hits serialise"),
            )
        })
    }

    /// Commits a data file (by path) as the next data set version.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn commit_dataset_path(
        &self,
        name: String,
        path: String,
        message: String,
        metadata: String,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let r = self.why(reason);
        job(move || Ok(r.commit_dataset_path(&name, &path, &message, meta(&metadata)?)? as f64))
    }

    /// Commits Arrow IPC bytes as the next data set version.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn commit_dataset_ipc(
        &self,
        name: String,
        data: Buffer,
        message: String,
        metadata: String,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let (r, data) = (self.why(reason), data.to_vec());
        job(move || {
            let reader = mlops_core::io::read_ipc_bytes(data)?;
            Ok(r.commit_dataset(&name, reader, &message, meta(&metadata)?)? as f64)
        })
    }

    /// A data set version as Arrow IPC stream bytes; `columns` is a JSON list or empty.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn read_dataset(
        &self,
        name: String,
        reference: String,
        columns: String,
    ) -> AsyncTask<Job<Buffer>> {
        let r = self.inner.clone();
        job(move || {
            let cols: Option<Vec<String>> = if columns.is_empty() {
                None
            } else {
                Some(
                    serde_json::from_str(&columns)
                        .map_err(|e| mlops_core::Error::InvalidInput(format!("columns: {e}")))?,
                )
            };
            let cols: Option<Vec<&str>> = cols
                .as_ref()
                .map(|c| c.iter().map(String::as_str).collect());
            let (schema, batches) = r.read_dataset(&name, &reference, cols.as_deref())?;
            let mut out = Vec::new();
            {
                let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &schema)?;
                for b in &batches {
                    w.write(b)?;
                }
                w.finish()?;
            }
            Ok(out.into())
        })
    }

    /// What changed between two data set versions, as JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn diff(&self, name: String, from: String, to: String) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || {
            Ok(serde_json::to_string(&r.diff_datasets(&name, &from, &to)?)
                .expect("diffs serialise"))
        })
    }

    /// A version's content (by number, alias or `latest`), verified.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn get(&self, kind: String, name: String, reference: String) -> AsyncTask<Job<Buffer>> {
        let r = self.inner.clone();
        job(move || Ok(r.get(Kind::parse(&kind)?, &name, &reference)?.into()))
    }
}
