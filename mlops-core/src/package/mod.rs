//! Model packages: a folder (or one `.tar.zst` archive) holding a model's
//! files and a manifest, `mlops-package.json`, that lists every file with
//! its size and BLAKE3 hash, and says what the model is: flavor, signature
//! (Arrow schema of inputs and outputs), metrics, params, lineage, runtime
//! requirements and model card.
//!
//! | module | job |
//! | --- | --- |
//! | [`manifest`] | the manifest's types, strict parsing and checks |
//! | [`signature`] | input/output schema and the check of data against it |
//! | [`hash`] | BLAKE3 of files, streamed and parallel |
//! | [`archive`] | `.tar.zst` pack and safe unpack |
//! | [`sign`] | Ed25519 keys, signing and signature checks |
//! | [`onnx`] | signature inference from an ONNX graph |
//! | [`mlflow`] | MLflow model folders in and out |
//! | [`export`] | layouts for model servers: MLServer, KServe, Triton, TF Serving |
//! | [`registry`] | push to and pull from the registry |
//!
//! ```
//! use mlops_core::package::{Flavor, Manifest, Package};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("model.pkl"), b"weights").unwrap();
//! let mut m = Manifest::new("churn", "1.0.0", Flavor::Sklearn);
//! m.metrics.insert("auc".into(), 0.91);
//! let pkg = Package::build(dir.path(), m).unwrap();
//! assert_eq!(pkg.manifest().files[0].path, "model.pkl");
//! pkg.verify().unwrap();
//! // One changed byte is found, and named.
//! std::fs::write(dir.path().join("model.pkl"), b"weightz").unwrap();
//! let err = pkg.verify().unwrap_err();
//! assert!(err.to_string().contains("model.pkl"), "{err}");
//! ```

pub mod archive;
pub mod export;
pub mod hash;
pub mod manifest;
pub mod mlflow;
pub mod onnx;
pub mod registry;
pub mod sign;
pub mod signature;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

pub use export::{ExportOptions, ExportTarget};
pub use hash::hash_file;
pub use manifest::{
    check_path, FileEntry, Flavor, Lineage, Manifest, ModelCard, Requirements, MANIFEST_FILE,
    SIGNATURE_FILE,
};
pub use sign::{KeyPair, PublicKey};
pub use signature::{
    widens_to, ColumnSpec, Dim, Problem, Signature, SignatureReport, MAX_TYPE_DEPTH, MAX_TYPE_NAME,
};

use crate::error::{Error, Result};

/// A model package on disk: its root folder and its parsed manifest.
///
/// A package loaded from an archive lives in a temporary folder that is
/// removed when the last clone of the `Package` is dropped.
#[derive(Debug, Clone)]
pub struct Package {
    root: PathBuf,
    manifest: Manifest,
    manifest_bytes: Vec<u8>,
    _temp: Option<Arc<tempfile::TempDir>>,
}

impl Package {
    /// Makes the folder `dir` a package: lists and hashes every file below
    /// it (in parallel), fills in `manifest.files` (whatever it held is
    /// replaced) and writes `mlops-package.json`. A signature left from
    /// before is removed, since it no longer covers the new manifest.
    /// Symbolic links and other non-regular files are refused.
    pub fn build(dir: impl AsRef<Path>, mut manifest: Manifest) -> Result<Self> {
        let dir = dir.as_ref();
        let paths = list_files(dir)?;
        manifest.files = hash::hash_files(dir, &paths)?;
        manifest.check().map_err(|e| match e {
            Error::Integrity(m) => Error::InvalidInput(m),
            e => e,
        })?;
        let sig = dir.join(SIGNATURE_FILE);
        if sig.exists() {
            std::fs::remove_file(&sig).map_err(|e| Error::io(&sig, e))?;
        }
        let bytes = manifest.to_bytes();
        write_atomic(&dir.join(MANIFEST_FILE), &bytes)?;
        Ok(Self {
            root: dir.to_path_buf(),
            manifest,
            manifest_bytes: bytes,
            _temp: None,
        })
    }

    /// Builds a package in the new folder `dest` from a list of files, each
    /// copied in under its file name (two files of one name are refused).
    ///
    /// ```
    /// use mlops_core::package::{Flavor, Manifest, Package};
    /// let src = tempfile::tempdir().unwrap();
    /// std::fs::write(src.path().join("model.onnx"), b"onnx bytes").unwrap();
    /// let dest = src.path().join("pkg");
    /// let pkg = Package::build_from_files(&[src.path().join("model.onnx")], &dest,
    ///     Manifest::new("m", "1", Flavor::Onnx)).unwrap();
    /// assert!(dest.join("model.onnx").is_file());
    /// pkg.verify().unwrap();
    /// ```
    pub fn build_from_files(
        files: &[impl AsRef<Path>],
        dest: impl AsRef<Path>,
        manifest: Manifest,
    ) -> Result<Self> {
        let dest = dest.as_ref();
        let mut names = BTreeSet::new();
        for f in files {
            let f = f.as_ref();
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| Error::InvalidInput(format!("{} has no file name", f.display())))?;
            if !names.insert(name.to_string()) {
                return Err(Error::InvalidInput(format!("two files are named {name}")));
            }
        }
        if dest.exists()
            && std::fs::read_dir(dest)
                .map_err(|e| Error::io(dest, e))?
                .next()
                .is_some()
        {
            return Err(Error::AlreadyExists(format!(
                "{} is not empty",
                dest.display()
            )));
        }
        std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
        let files: Vec<&Path> = files.iter().map(|f| f.as_ref()).collect();
        files.par_iter().try_for_each(|f| {
            let to = dest.join(f.file_name().expect("checked above"));
            std::fs::copy(f, &to)
                .map(|_| ())
                .map_err(|e| Error::io(f, e))
        })?;
        Self::build(dest, manifest)
    }

    /// Opens the package at `path`: a folder holding `mlops-package.json`,
    /// or a `.tar.zst` archive (unpacked, checked, into a temporary folder).
    /// The manifest is parsed strictly; call [`verify`](Self::verify) to
    /// check the files.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Self::open_dir(path);
        }
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        let temp = tempfile::Builder::new()
            .prefix(".mlops-package-")
            .tempdir_in(parent.unwrap_or(Path::new(".")))
            .or_else(|_| tempfile::tempdir())
            .map_err(|e| Error::io(path, e))?;
        let root = temp.path().join("package");
        let mut pkg = archive::unpack(path, &root)?;
        pkg._temp = Some(Arc::new(temp));
        Ok(pkg)
    }

    pub(crate) fn open_dir(root: &Path) -> Result<Self> {
        let mp = root.join(MANIFEST_FILE);
        let bytes = match read_manifest(&mp) {
            Err(Error::NotFound(_)) => {
                return Err(Error::NotFound(format!(
                    "{} is not a package: it has no {MANIFEST_FILE}",
                    root.display()
                )))
            }
            r => r?,
        };
        let manifest = Manifest::from_bytes(&bytes)?;
        Ok(Self {
            root: root.to_path_buf(),
            manifest,
            manifest_bytes: bytes,
            _temp: None,
        })
    }

    /// The package's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The manifest's exact bytes, as read or written (what a signature covers).
    pub fn manifest_bytes(&self) -> &[u8] {
        &self.manifest_bytes
    }

    /// The absolute path of a file of the package.
    pub fn path_of(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Checks the package against its manifest: the manifest on disk is the
    /// one loaded, byte for byte; every listed file exists with its size and
    /// BLAKE3 hash (hashed in parallel); no other file is present besides
    /// the manifest and its signature. The first failing file, in manifest
    /// order, is named in an [`Error::Integrity`].
    pub fn verify(&self) -> Result<()> {
        let mp = self.root.join(MANIFEST_FILE);
        let now = read_manifest(&mp)?;
        if now != self.manifest_bytes {
            return Err(Error::Integrity(format!(
                "{MANIFEST_FILE} in {} changed since the package was opened",
                self.root.display()
            )));
        }
        self.manifest.check()?;
        let results: Vec<Result<()>> = self
            .manifest
            .files
            .par_iter()
            .map(|f| self.verify_file(f))
            .collect();
        results.into_iter().collect::<Result<()>>()?;
        let listed: BTreeSet<&str> = self
            .manifest
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        for p in list_files(&self.root).map_err(|e| match e {
            Error::InvalidInput(m) => Error::Integrity(m),
            e => e,
        })? {
            if !listed.contains(p.as_str()) {
                return Err(Error::Integrity(format!(
                    "file {p} is not listed in {MANIFEST_FILE}"
                )));
            }
        }
        Ok(())
    }

    fn verify_file(&self, f: &FileEntry) -> Result<()> {
        let path = self.root.join(&f.path);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Integrity(format!("file {} is missing", f.path)))
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        if !meta.is_file() {
            return Err(Error::Integrity(format!(
                "file {} is not a regular file",
                f.path
            )));
        }
        if meta.len() != f.size {
            return Err(Error::Integrity(format!(
                "file {} has {} bytes, the manifest says {}",
                f.path,
                meta.len(),
                f.size
            )));
        }
        let (_, h) = hash_file(&path)?;
        if h != f.blake3 {
            return Err(Error::Integrity(format!(
                "file {} has BLAKE3 {h}, the manifest says {}",
                f.path, f.blake3
            )));
        }
        Ok(())
    }

    /// Packs the package into one `.tar.zst` archive (see [`archive::pack`]).
    pub fn save_archive(&self, path: impl AsRef<Path>) -> Result<()> {
        archive::pack(self, path.as_ref())
    }
}

/// The bytes of the manifest file `path`: a regular file of at most
/// [`MANIFEST_MAX`](crate::small_file::MANIFEST_MAX) bytes.
fn read_manifest(path: &Path) -> Result<Vec<u8>> {
    crate::small_file::read(path, crate::small_file::MANIFEST_MAX, "package manifest")
}

/// Every regular file below `root`, as sorted `/`-separated relative paths,
/// leaving out the manifest and signature at the root. Symbolic links and
/// special files are refused ([`Error::InvalidInput`] naming them).
pub(crate) fn list_files(root: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<String>) -> Result<()> {
        let dir = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        for e in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let e = e.map_err(|e| Error::io(&dir, e))?;
            let name = e.file_name();
            let name = name.to_str().ok_or_else(|| {
                Error::InvalidInput(format!("{}: a file name is not UTF-8", dir.display()))
            })?;
            let path = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            let ft = e.file_type().map_err(|e| Error::io(dir.join(name), e))?;
            if ft.is_dir() {
                walk(root, &path, out)?;
            } else if ft.is_file() {
                if path != MANIFEST_FILE && path != SIGNATURE_FILE {
                    check_path(&path)?;
                    out.push(path);
                }
            } else {
                return Err(Error::InvalidInput(format!(
                    "{path} is a symbolic link or special file; a package holds regular files only"
                )));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// Writes `bytes` to `path` through a temporary sibling and a rename, so a
/// reader never sees half a file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| Error::io(path, e))?;
    persist_public(tmp, path)
}

/// Renames a finished temporary file to `path`, readable by all (a
/// temporary file is created owner-only; manifests and archives are not
/// secrets).
pub(crate) fn persist_public(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(
        tmp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// A temporary folder beside `dest` (which must not exist yet), to fill,
/// check and then rename to `dest`, so a failure leaves nothing half-written.
pub(crate) fn staging_dir(dest: &Path, prefix: &str) -> Result<tempfile::TempDir> {
    if dest.exists() {
        return Err(Error::AlreadyExists(format!("{}", dest.display())));
    }
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))
}
