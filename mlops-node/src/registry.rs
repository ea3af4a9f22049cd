//! `Registry` for Node: assets with numbered versions and aliases in a
//! store. Every call runs on the libuv thread pool and resolves a Promise.

use mlops_core::registry::{AssetRef, Kind, Registry};
use mlops_core::unset;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert;
use crate::error::guard;
use crate::profile::NativeProfile;
use crate::task::{job, Job};
use mlops_core::governance::Role;

/// A version number from JavaScript: a positive integer.
fn whole(version: f64) -> mlops_core::Result<u64> {
    if version < 1.0 || version.fract() != 0.0 || !version.is_finite() {
        return Err(mlops_core::Error::InvalidInput(format!(
            "version {version} is not a positive integer"
        )));
    }
    Ok(version as u64)
}

/// A version reference from JavaScript, checked.
fn asset_ref(r: convert::AssetRef) -> mlops_core::Result<AssetRef> {
    Ok(AssetRef {
        kind: r.kind.parse::<Kind>()?,
        name: r.name,
        version: whole(r.version)?,
    })
}

/// Core audit records as JavaScript objects.
fn records(rs: Vec<mlops_core::governance::AuditRecord>) -> Vec<convert::AuditRecord> {
    rs.into_iter().map(Into::into).collect()
}

/// Version metadata from its JSON text; none given is no metadata (`{}`).
fn meta(json: Option<String>) -> mlops_core::Result<serde_json::Value> {
    match json {
        None => Ok(serde_json::Value::Object(Default::default())),
        Some(j) => serde_json::from_str(&j)
            .map_err(|e| mlops_core::Error::InvalidInput(format!("metadata: {e}"))),
    }
}

/// A registry (see `Registry` in `lib/registry.js`).
#[napi(js_name = "NativeRegistry")]
pub struct NativeRegistry {
    pub(crate) inner: Registry,
}

#[napi]
impl NativeRegistry {
    /// Opens the registry in the store at `url` (else the core's default
    /// store), writing as `principal` (else `MLOPS_PRINCIPAL`, else `USER`).
    #[napi(factory)]
    pub fn open(url: Option<String>, principal: Option<String>) -> crate::error::Result<Self> {
        let url = mlops_core::unset::store(url.as_deref());
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

    /// Records a gate report (what `gate()` returns) for a version.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn record_gate(
        &self,
        kind: String,
        name: String,
        version: f64,
        report: convert::GateReport,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            let report = mlops_core::validate::GateReport::from(report);
            r.record_gate(kind.parse::<Kind>()?, &name, whole(version)?, &report)?;
            Ok(name)
        })
    }

    /// Walks every log's hash chain.
    #[napi(ts_return_type = "Promise<AuditReport>")]
    pub fn audit_verify(&self) -> AsyncTask<Job<convert::AuditReport>> {
        let r = self.inner.clone();
        job(move || Ok(r.audit_verify()?.into()))
    }

    /// Audit records matching a filter, oldest first.
    #[napi(ts_return_type = "Promise<AuditRecord[]>")]
    pub fn audit_log(
        &self,
        filter: Option<convert::AuditFilter>,
    ) -> AsyncTask<Job<Vec<convert::AuditRecord>>> {
        let r = self.inner.clone();
        job(move || {
            let filter = match filter {
                Some(f) => f.try_into()?,
                None => Default::default(),
            };
            Ok(records(r.audit_log(&filter)?))
        })
    }

    /// The access policy.
    #[napi(ts_return_type = "Promise<PolicyState>")]
    pub fn policy_show(&self) -> AsyncTask<Job<convert::PolicyState>> {
        let r = self.inner.clone();
        job(move || Ok(r.policy()?.into()))
    }

    /// Grants `role` to `principal` over the assets matching `scope`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn policy_grant(
        &self,
        principal: String,
        role: String,
        scope: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            r.grant(
                &principal,
                role.parse::<Role>()?,
                unset::scope(scope.as_deref()),
            )?;
            Ok(principal)
        })
    }

    /// Revokes a grant.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn policy_revoke(
        &self,
        principal: String,
        role: String,
        scope: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            r.revoke(
                &principal,
                role.parse::<Role>()?,
                unset::scope(scope.as_deref()),
            )?;
            Ok(principal)
        })
    }

    /// Protects an alias: only `role` may move it, with `require_gate` only
    /// to a version with a passed gate report.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn policy_protect(
        &self,
        alias: String,
        scope: Option<String>,
        role: Option<String>,
        require_gate: bool,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            let role = role.map_or(Ok(Role::PROTECT_DEFAULT), |x| x.parse::<Role>())?;
            r.protect_alias(&alias, unset::scope(scope.as_deref()), role, require_gate)?;
            Ok(alias)
        })
    }

    /// Removes a protection.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn policy_unprotect(
        &self,
        alias: String,
        scope: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            r.unprotect_alias(&alias, unset::scope(scope.as_deref()))?;
            Ok(alias)
        })
    }

    /// Adds bytes as the next version; resolves to its number.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn add(
        &self,
        kind: String,
        name: String,
        data: Buffer,
        message: Option<String>,
        metadata: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let (r, data) = (self.why(reason), data.to_vec());
        job(move || {
            let v = r.add_version(
                kind.parse::<Kind>()?,
                &name,
                &data,
                unset::message(message.as_deref()),
                meta(metadata)?,
            )?;
            Ok(v as f64)
        })
    }

    /// Adds a file as the next version (a data set's data file is committed
    /// as a data set version, anything else streamed as bytes); resolves to
    /// its number.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn add_file(
        &self,
        kind: String,
        name: String,
        path: String,
        message: Option<String>,
        metadata: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let r = self.why(reason);
        job(move || {
            let v = r.add_path(
                kind.parse::<Kind>()?,
                &name,
                &path,
                unset::message(message.as_deref()),
                meta(metadata)?,
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
            r.set_alias(kind.parse::<Kind>()?, &name, &alias, whole(version)?)?;
            Ok(alias)
        })
    }

    /// The asset's state.
    #[napi(ts_return_type = "Promise<Asset>")]
    pub fn asset(&self, kind: String, name: String) -> AsyncTask<Job<convert::Asset>> {
        let r = self.inner.clone();
        job(move || Ok(r.asset(kind.parse::<Kind>()?, &name)?.into()))
    }

    /// The asset's history: every event, oldest first, as audit records.
    #[napi(ts_return_type = "Promise<AuditRecord[]>")]
    pub fn log(&self, kind: String, name: String) -> AsyncTask<Job<Vec<convert::AuditRecord>>> {
        let r = self.inner.clone();
        job(move || Ok(records(r.history(kind.parse::<Kind>()?, &name)?)))
    }

    /// One version (by number, alias or `latest`), read through the
    /// registry's indexes.
    #[napi(ts_return_type = "Promise<Version>")]
    pub fn version(
        &self,
        kind: String,
        name: String,
        reference: Option<String>,
    ) -> AsyncTask<Job<convert::Version>> {
        let r = self.inner.clone();
        job(move || {
            Ok(r.version(
                kind.parse::<Kind>()?,
                &name,
                unset::reference(reference.as_deref()),
            )?
            .into())
        })
    }

    /// Checks an asset from its log's own events (hash chain, numbering,
    /// indexes); resolves to the number of events.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn verify(&self, kind: String, name: String) -> AsyncTask<Job<f64>> {
        let r = self.inner.clone();
        job(move || Ok(r.verify(kind.parse::<Kind>()?, &name)? as f64))
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
                kind.parse::<Kind>()?,
                &name,
                whole(version)?,
                &key,
                value.as_deref(),
            )?;
            Ok(key)
        })
    }

    /// Records that `product` was made from `inputs`, because of `cause`
    /// (a monitor's retrain request, `monitor:<name>@<seq>`) if given.
    #[napi(ts_return_type = "Promise<string>")]
    #[allow(clippy::too_many_arguments)]
    pub fn lineage(
        &self,
        product: convert::AssetRef,
        inputs: Vec<convert::AssetRef>,
        run: Option<String>,
        commit: Option<String>,
        reason: Option<String>,
        cause: Option<String>,
    ) -> AsyncTask<Job<String>> {
        let r = self.why(reason);
        job(move || {
            let product = asset_ref(product)?;
            let inputs = inputs
                .into_iter()
                .map(asset_ref)
                .collect::<mlops_core::Result<Vec<_>>>()?;
            let cause: Option<mlops_core::monitor::RetrainCause> =
                cause.as_deref().map(str::parse).transpose()?;
            r.record_lineage_caused(
                &product,
                &inputs,
                run.as_deref(),
                commit.as_deref(),
                cause.as_ref(),
            )?;
            Ok(product.name)
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
            r.set_archived(kind.parse::<Kind>()?, &name, archived)?;
            Ok(name)
        })
    }

    /// Names of the assets of a kind, sorted.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn list(&self, kind: String, include_archived: bool) -> AsyncTask<Job<Vec<String>>> {
        let r = self.inner.clone();
        job(move || r.list(kind.parse::<Kind>()?, include_archived))
    }

    /// Versions matching a filter.
    #[napi(ts_return_type = "Promise<SearchHit[]>")]
    pub fn search(
        &self,
        query: String,
        include_archived: bool,
    ) -> AsyncTask<Job<Vec<convert::SearchHit>>> {
        let r = self.inner.clone();
        job(move || convert::search_hits(r.search(&query, include_archived)?))
    }

    /// Commits a data file (by path) as the next data set version.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn commit_dataset_path(
        &self,
        name: String,
        path: String,
        message: Option<String>,
        metadata: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let r = self.why(reason);
        job(move || {
            Ok(r.commit_dataset_path(
                &name,
                &path,
                unset::message(message.as_deref()),
                meta(metadata)?,
            )? as f64)
        })
    }

    /// Commits Arrow IPC bytes as the next data set version.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn commit_dataset_ipc(
        &self,
        name: String,
        data: Buffer,
        message: Option<String>,
        metadata: Option<String>,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let (r, data) = (self.why(reason), data.to_vec());
        job(move || {
            let reader = mlops_core::io::read_ipc_bytes(data)?;
            Ok(r.commit_dataset(
                &name,
                reader,
                unset::message(message.as_deref()),
                meta(metadata)?,
            )? as f64)
        })
    }

    /// Two data set versions compared row by row by `key`: the summary as
    /// JSON and the added, removed and changed rows as Arrow IPC stream bytes.
    #[napi(ts_return_type = "Promise<NativeRowDiff>")]
    pub fn diff_rows(
        &self,
        name: String,
        from: String,
        to: Option<String>,
        key: Vec<String>,
    ) -> AsyncTask<Job<NativeRowDiff>> {
        let r = self.inner.clone();
        job(move || {
            let key: Vec<&str> = key.iter().map(String::as_str).collect();
            let d = r.diff_rows(&name, &from, unset::reference(to.as_deref()), &key)?;
            let ipc = |t: &mlops_core::dataset::RowTable| -> mlops_core::Result<Buffer> {
                let mut out = Vec::new();
                {
                    let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &t.schema)?;
                    for b in &t.batches {
                        w.write(b)?;
                    }
                    w.finish()?;
                }
                Ok(out.into())
            };
            Ok(NativeRowDiff {
                summary: serde_json::to_string(&d.summary).expect("summaries serialise"),
                added: ipc(&d.added)?,
                removed: ipc(&d.removed)?,
                changed: ipc(&d.changed)?,
            })
        })
    }

    /// Every move of an alias, oldest first.
    #[napi(ts_return_type = "Promise<AliasMove[]>")]
    pub fn alias_history(
        &self,
        kind: String,
        name: String,
        alias: String,
    ) -> AsyncTask<Job<Vec<convert::AliasMove>>> {
        let r = self.inner.clone();
        job(move || {
            let k: Kind = kind.parse()?;
            Ok(r.alias_history(k, &name, &alias)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// One page of a search and the next page's token.
    #[napi(ts_return_type = "Promise<NativeSearchPage>")]
    pub fn search_page(
        &self,
        query: String,
        include_archived: bool,
        limit: Option<u32>,
        page_token: Option<String>,
    ) -> AsyncTask<Job<NativeSearchPage>> {
        let r = self.inner.clone();
        job(move || {
            let limit = limit.map_or(mlops_core::registry::DEFAULT_PAGE_LIMIT, |l| l as usize);
            let page = r.search_page(&query, include_archived, limit, page_token.as_deref())?;
            Ok(NativeSearchPage {
                hits: convert::search_hits(page.hits)?,
                next_page_token: page.next_page_token,
            })
        })
    }

    /// A data set version as Arrow IPC stream bytes, optionally only some columns.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn read_dataset(
        &self,
        name: String,
        reference: Option<String>,
        columns: Option<Vec<String>>,
    ) -> AsyncTask<Job<Buffer>> {
        let r = self.inner.clone();
        job(move || {
            let cols = columns;
            let cols: Option<Vec<&str>> = cols
                .as_ref()
                .map(|c| c.iter().map(String::as_str).collect());
            let (schema, batches) = r.read_dataset(
                &name,
                unset::reference(reference.as_deref()),
                cols.as_deref(),
            )?;
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

    /// What changed between two data set versions.
    #[napi(ts_return_type = "Promise<DatasetDiff>")]
    pub fn diff(
        &self,
        name: String,
        from: String,
        to: Option<String>,
    ) -> AsyncTask<Job<convert::DatasetDiff>> {
        let r = self.inner.clone();
        job(move || {
            Ok(
                r.diff_datasets(&name, &from, unset::reference(to.as_deref()))?
                    .into(),
            )
        })
    }

    /// The profile stored with a data set version.
    #[napi(ts_return_type = "Promise<NativeProfile>")]
    pub fn dataset_profile(
        &self,
        name: String,
        reference: Option<String>,
    ) -> AsyncTask<Job<NativeProfile>> {
        let r = self.inner.clone();
        job(move || {
            Ok(NativeProfile::of(r.dataset_profile(
                &name,
                unset::reference(reference.as_deref()),
            )?))
        })
    }

    /// Saves a profile as the profile of data set `name` under `key`;
    /// resolves to the version number.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn save_profile(
        &self,
        name: String,
        key: String,
        profile: &NativeProfile,
        reason: Option<String>,
    ) -> AsyncTask<Job<f64>> {
        let (r, profile) = (self.why(reason), profile.inner().clone());
        job(move || Ok(r.save_profile(&name, &key, &profile)? as f64))
    }

    /// The profile last saved under `key`.
    #[napi(ts_return_type = "Promise<NativeProfile>")]
    pub fn load_profile(&self, name: String, key: String) -> AsyncTask<Job<NativeProfile>> {
        let r = self.inner.clone();
        job(move || Ok(NativeProfile::of(r.load_profile(&name, &key)?)))
    }

    /// The keys data set `name` has profiles under, sorted.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn profile_keys(&self, name: String) -> AsyncTask<Job<Vec<String>>> {
        let r = self.inner.clone();
        job(move || r.profile_keys(&name))
    }

    /// The profile of the union of the slices saved under `keys`.
    #[napi(ts_return_type = "Promise<NativeProfile>")]
    pub fn merge_profiles(&self, name: String, keys: Vec<String>) -> AsyncTask<Job<NativeProfile>> {
        let r = self.inner.clone();
        job(move || Ok(NativeProfile::of(r.merge_profiles(&name, &keys)?)))
    }

    /// A version's content (by number, alias or `latest`), verified.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn get(
        &self,
        kind: String,
        name: String,
        reference: Option<String>,
    ) -> AsyncTask<Job<Buffer>> {
        let r = self.inner.clone();
        job(move || {
            Ok(r.get(
                kind.parse::<Kind>()?,
                &name,
                unset::reference(reference.as_deref()),
            )?
            .into())
        })
    }
}

/// A row diff as it crosses to JavaScript: the summary's JSON and each
/// table as Arrow IPC stream bytes (lib/registry.js makes them Tables).
#[napi(object)]
pub struct NativeRowDiff {
    /// `RowDiffSummary` as JSON.
    pub summary: String,
    /// Rows only the second version has.
    pub added: Buffer,
    /// Rows only the first version has.
    pub removed: Buffer,
    /// Rows in both that differ: the key and `changed_columns`.
    pub changed: Buffer,
}

/// One page of search hits.
#[napi(object, use_nullable = true)]
pub struct NativeSearchPage {
    /// The hits.
    pub hits: Vec<convert::SearchHit>,
    /// The next page's token (null on the last page).
    pub next_page_token: Option<String>,
}
