//! Versions added from folders, for Node: `status`, `checkout` and
//! `diffFiles` of `NativeRegistry` (see `mlops_core::tree`).

use mlops_core::registry::Kind;
use mlops_core::unset;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::registry::NativeRegistry;
use crate::task::{job, Job};

/// One path that differs (see `mlops_core::tree::FileChange`).
#[napi(object, use_nullable = true)]
pub struct FileChange {
    /// Relative, `/`-separated.
    pub path: String,
    /// Its size in the older side, if it is there.
    pub size_before: Option<f64>,
    /// Its size in the newer side, if it is there.
    pub size_after: Option<f64>,
}

/// What differs between a folder and a version, or two versions (see
/// `mlops_core::tree::TreeDiff`).
#[napi(object)]
pub struct TreeDiff {
    /// Paths only in the newer side.
    pub added: Vec<FileChange>,
    /// Paths only in the older side.
    pub removed: Vec<FileChange>,
    /// Paths in both whose bytes or executable bit differ.
    pub changed: Vec<FileChange>,
    /// Paths in both, the same.
    pub unchanged: f64,
    /// Files read and hashed to find this out.
    pub hashed: f64,
}

fn changes(v: Vec<mlops_core::tree::FileChange>) -> Vec<FileChange> {
    v.into_iter()
        .map(|c| FileChange {
            path: c.path,
            size_before: c.size_before.map(|n| n as f64),
            size_after: c.size_after.map(|n| n as f64),
        })
        .collect()
}

impl From<mlops_core::tree::TreeDiff> for TreeDiff {
    fn from(d: mlops_core::tree::TreeDiff) -> Self {
        Self {
            added: changes(d.added),
            removed: changes(d.removed),
            changed: changes(d.changed),
            unchanged: d.unchanged as f64,
            hashed: d.hashed as f64,
        }
    }
}

/// What a checkout did (see `mlops_core::tree::Checkout`).
#[napi(object)]
pub struct Checkout {
    /// Paths in the version.
    pub files: f64,
    /// Paths written.
    pub written: f64,
    /// Bytes written.
    pub bytes: f64,
}

#[napi]
impl NativeRegistry {
    /// What changed in a folder since a version of an asset added from a folder.
    #[napi(ts_return_type = "Promise<TreeDiff>")]
    pub fn status(
        &self,
        kind: String,
        name: String,
        path: String,
        reference: Option<String>,
    ) -> AsyncTask<Job<TreeDiff>> {
        let r = self.inner.clone();
        job(move || {
            let k = kind.parse::<Kind>()?;
            Ok(
                r.status(k, &name, unset::reference(reference.as_deref()), &path)?
                    .into(),
            )
        })
    }

    /// Restores a version of an asset added from a folder into `dest`.
    #[napi(ts_return_type = "Promise<Checkout>")]
    pub fn checkout(
        &self,
        kind: String,
        name: String,
        dest: String,
        reference: Option<String>,
    ) -> AsyncTask<Job<Checkout>> {
        let r = self.inner.clone();
        job(move || {
            let k = kind.parse::<Kind>()?;
            let c = r.checkout(k, &name, unset::reference(reference.as_deref()), &dest)?;
            Ok(Checkout {
                files: c.files as f64,
                written: c.written as f64,
                bytes: c.bytes as f64,
            })
        })
    }

    /// What changed, per path, between two versions of an asset added from folders.
    #[napi(ts_return_type = "Promise<TreeDiff>")]
    pub fn diff_files(
        &self,
        kind: String,
        name: String,
        from: String,
        to: Option<String>,
    ) -> AsyncTask<Job<TreeDiff>> {
        let r = self.inner.clone();
        job(move || {
            let k = kind.parse::<Kind>()?;
            Ok(
                r.diff_files(k, &name, &from, unset::reference(to.as_deref()))?
                    .into(),
            )
        })
    }
}
