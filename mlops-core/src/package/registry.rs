//! Model packages in the registry.
//!
//! [`Registry::push_package`] verifies a package, stores each file through the
//! store's content-defined chunking (a fine-tuned model that shares most of
//! its bytes with the last one stores only the chunks that changed), and
//! adds a [`Kind::Model`] version whose content is a small JSON document:
//! the manifest's exact bytes (so a signature still verifies after a pull),
//! the signature file if any, and each file's store content hash. The
//! version's metadata carries `package` (name, version, flavor, files,
//! size, signed) and `metrics`, so registry search reads
//! `metrics.auc > 0.9` and `metadata.package.flavor = 'sklearn'`.
//!
//! [`Registry::pull_package`] writes every file into a temporary folder beside the
//! destination, verifies every hash against the manifest, and only then
//! renames the folder into place.
//!
//! ```
//! use mlops_core::package::{Flavor, Manifest, Package};
//! use mlops_core::registry::Registry;
//! let dir = tempfile::tempdir().unwrap();
//! let src = dir.path().join("src");
//! std::fs::create_dir(&src).unwrap();
//! std::fs::write(src.join("model.pkl"), b"weights").unwrap();
//! let mut m = Manifest::new("churn", "1.0.0", Flavor::Sklearn);
//! m.metrics.insert("auc".into(), 0.93);
//! let pkg = Package::build(&src, m).unwrap();
//! let reg = Registry::open("memory://").unwrap();
//! assert_eq!(reg.push_package(&pkg, "churn", "first").unwrap(), 1);
//! assert_eq!(reg.search("metrics.auc > 0.9", false).unwrap().len(), 1);
//! let back = reg.pull_package("churn", "latest", dir.path().join("pulled")).unwrap();
//! assert_eq!(back.manifest(), pkg.manifest());
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::manifest::{Manifest, MANIFEST_FILE, SIGNATURE_FILE};
use super::Package;
use crate::error::{Error, Result};
use crate::registry::{Kind, Registry};
use crate::small_file::MANIFEST_MAX;

const FORMAT: &str = "mlops.package.stored";

/// The content of a package's registry version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredPackage {
    /// `mlops.package.stored`.
    pub format: String,
    /// Version, 1.
    pub v: u32,
    /// The manifest's exact text.
    pub manifest: String,
    /// The signature file's text, if the package was signed.
    pub signature: Option<String>,
    /// Each file's store content hash (see [`crate::store::Store::put_content`]), by path.
    pub contents: BTreeMap<String, String>,
}

impl Registry {
    /// Verifies `pkg`, stores its files and adds it as the next version of the
    /// model `name`; returns the version number. The reason given with
    /// [`with_reason`](Registry::with_reason) is recorded with the version. The access policy is checked
    /// before any file is stored: a refused push stores nothing.
    pub fn push_package(&self, pkg: &Package, name: &str, message: &str) -> Result<u64> {
        self.authorize_add_version(Kind::Model, name)?;
        pkg.verify()?;
        let m = pkg.manifest();
        let contents: Vec<(String, String)> = m
            .files
            .par_iter()
            .map(|f| {
                let path = pkg.path_of(&f.path);
                let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
                let (hash, size) = self
                    .store()
                    .put_content(std::io::BufReader::with_capacity(1 << 20, file))?;
                if size != f.size {
                    return Err(Error::Integrity(format!(
                        "file {} changed while it was stored",
                        f.path
                    )));
                }
                Ok((f.path.clone(), String::from(hash)))
            })
            .collect::<Result<_>>()?;
        let sig_path = pkg.path_of(SIGNATURE_FILE);
        let what = "signature file";
        let signature = match crate::small_file::read_text(&sig_path, MANIFEST_MAX, what) {
            Ok(s) => Some(s),
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let stored = StoredPackage {
            format: FORMAT.into(),
            v: 1,
            manifest: String::from_utf8(pkg.manifest_bytes().to_vec())
                .map_err(|_| Error::Integrity(format!("{MANIFEST_FILE} is not UTF-8")))?,
            signature,
            contents: contents.into_iter().collect(),
        };
        let metadata = json!({
            "package": {
                "name": m.name,
                "version": m.version,
                "flavor": m.flavor.as_str(),
                "flavor_version": m.flavor_version,
                "files": m.files.len(),
                "size": m.total_size(),
                "signed": stored.signature.is_some(),
                "run": m.lineage.run,
                "commit": m.lineage.commit,
            },
            "metrics": m.metrics,
        });
        let bytes = serde_json::to_vec(&stored).expect("stored packages serialise");
        self.add_version(Kind::Model, name, &bytes, message, metadata)
    }

    /// Fetches version `reference` (a number, an alias or `latest`) of the model
    /// `name` into the new folder `dest`, verified.
    pub fn pull_package(
        &self,
        name: &str,
        reference: &str,
        dest: impl AsRef<Path>,
    ) -> Result<Package> {
        let dest = dest.as_ref();
        if dest.exists() {
            return Err(Error::AlreadyExists(format!("{}", dest.display())));
        }
        let bytes = self.get(Kind::Model, name, reference)?;
        let stored: StoredPackage = serde_json::from_slice(&bytes).map_err(|e| {
            Error::InvalidInput(format!(
                "model '{name}' version {reference} is not a package: {e}"
            ))
        })?;
        if stored.format != FORMAT || stored.v != 1 {
            return Err(Error::Integrity(format!(
                "model '{name}' version {reference}: unknown stored package format"
            )));
        }
        let manifest = Manifest::from_bytes(stored.manifest.as_bytes())?;
        let tmp = super::staging_dir(dest, ".mlops-pull-")?;
        manifest.files.par_iter().try_for_each(|f| {
            let hash = stored.contents.get(&f.path).ok_or_else(|| {
                Error::Integrity(format!("stored package has no content for file {}", f.path))
            })?;
            let to = tmp.path().join(&f.path);
            if let Some(p) = to.parent() {
                std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
            }
            let out = std::fs::File::create(&to).map_err(|e| Error::io(&to, e))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
            self.store().get_content(hash, &mut w)?;
            std::io::Write::flush(&mut w).map_err(|e| Error::io(&to, e))
        })?;
        let mp = tmp.path().join(MANIFEST_FILE);
        std::fs::write(&mp, stored.manifest.as_bytes()).map_err(|e| Error::io(&mp, e))?;
        if let Some(sig) = &stored.signature {
            let sp = tmp.path().join(SIGNATURE_FILE);
            std::fs::write(&sp, sig).map_err(|e| Error::io(&sp, e))?;
        }
        Package::open_dir(tmp.path())?.verify()?;
        let kept = tmp.keep();
        if let Err(e) = std::fs::rename(&kept, dest) {
            let _ = std::fs::remove_dir_all(&kept);
            return Err(Error::io(dest, e));
        }
        Package::open_dir(dest)
    }
}
