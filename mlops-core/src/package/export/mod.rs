//! Exports of a package to the layouts model servers read: MLServer (and
//! KServe, whose V2 data plane is MLServer), Triton and TensorFlow Serving.
//!
//! | module | target | what it writes under `<out>/<name>/` |
//! | --- | --- | --- |
//! | [`mlserver`] | `mlserver`, `kserve` | `model-settings.json` (inputs and outputs from the signature), `package/`; KServe adds `<out>/inferenceservice.yaml` |
//! | [`triton`] | `triton` | `config.pbtxt`, `<version>/model.onnx` (onnx) or `<version>/model.py` + `<version>/package/` (Python backend) |
//! | [`tfserving`] | `tfserving` | `<version>/saved_model.pb`, `<version>/variables/` |
//!
//! **Before anything is written** the package is checked: every file
//! against its manifest ([`Package::verify`]; a tampered package is always
//! refused, [`Error::Integrity`]) and its signature against the trusted
//! keys of [`ExportOptions::trusted`] ([`sign::verify_signature`]). A
//! package without a signature, or an export without trusted keys, is
//! refused ([`Error::PermissionDenied`]) unless
//! [`ExportOptions::allow_unsigned`] says otherwise; a signature that does
//! not check is refused whatever the options say.
//!
//! **Nothing is half-written**: the export is built in a temporary folder
//! beside `out` and renamed to `out` when complete; an `out` that exists
//! and is not empty is refused ([`Error::AlreadyExists`]).
//!
//! Every export holds a sidecar `<out>/<name>/mlops.json` ([`Sidecar`]):
//! the package's name, version, flavor, the BLAKE3 of its manifest and the
//! id of the key whose signature was checked.
//!
//! ```
//! use mlops_core::package::export::{ExportOptions, ExportTarget};
//! use mlops_core::package::{sign, ColumnSpec, Flavor, KeyPair, Manifest, Package, Signature};
//! use arrow::datatypes::DataType;
//! let dir = tempfile::tempdir().unwrap();
//! let src = dir.path().join("pkg");
//! std::fs::create_dir(&src).unwrap();
//! std::fs::write(src.join("model.pkl"), b"pickled estimator").unwrap();
//! let mut m = Manifest::new("churn", "1.2.0", Flavor::Sklearn);
//! m.signature = Some(Signature {
//!     inputs: vec![ColumnSpec::new("age", &DataType::Float64, false)],
//!     outputs: vec![ColumnSpec::new("churn", &DataType::Int64, false)],
//!     input_example: None,
//! });
//! let pkg = Package::build(&src, m).unwrap();
//! let key = KeyPair::generate().unwrap();
//! sign::sign(&pkg, &key).unwrap();
//! let opts = ExportOptions { trusted: vec![key.public()], ..Default::default() };
//! let out = dir.path().join("serve");
//! pkg.export(ExportTarget::Mlserver, &out, &opts).unwrap();
//! assert!(out.join("churn/model-settings.json").is_file());
//! assert!(out.join("churn/package/model.pkl").is_file());
//! // Without trusted keys (and without allow_unsigned) the export is refused.
//! let err = pkg.export(ExportTarget::Mlserver, dir.path().join("no"), &ExportOptions::default());
//! assert_eq!(err.unwrap_err().code(), "PERMISSION_DENIED");
//! ```

pub mod mlserver;
pub mod tfserving;
pub mod triton;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::manifest::{Flavor, MANIFEST_FILE, SIGNATURE_FILE};
use super::sign::{self, PublicKey};
use super::signature::Signature;
use super::Package;
use crate::error::{Error, Result};

/// The sidecar file of every export, beside the model's files.
pub const SIDECAR_FILE: &str = "mlops.json";

/// The model server an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportTarget {
    /// MLServer: a model repository of `model-settings.json` folders,
    /// served over the Open Inference Protocol (V2).
    Mlserver,
    /// KServe: the MLServer repository plus an `InferenceService` manifest.
    Kserve,
    /// NVIDIA Triton Inference Server: `config.pbtxt` and numeric version folders.
    Triton,
    /// TensorFlow Serving: a SavedModel in a numeric version folder.
    Tfserving,
}

words!(ExportTarget, "export target", {
    Mlserver => "mlserver",
    Kserve => "kserve",
    Triton => "triton",
    Tfserving => "tfserving",
});

/// How to export: which signing keys to trust, and the version number of
/// the folders Triton and TF Serving need.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Public keys trusted to sign packages; the package's signature must
    /// be by one of them.
    pub trusted: Vec<PublicKey>,
    /// Export a package that is unsigned, or without checking its
    /// signature when `trusted` is empty. The files are checked against
    /// the manifest all the same. Default: false.
    pub allow_unsigned: bool,
    /// The numeric version of the export (Triton's and TF Serving's
    /// version folder, MLServer's `parameters.version` stays the package's);
    /// default: from the package version (see [`numeric_version`]).
    pub version: Option<u64>,
}

/// What `mlops.json` says: which package an export was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Always `mlops.export`.
    pub format: String,
    /// The format's version, 1.
    pub v: u32,
    /// The target.
    pub target: ExportTarget,
    /// The package's name.
    pub name: String,
    /// The package's version, as its manifest writes it.
    pub version: String,
    /// The numeric version of the export's version folder (Triton, TF Serving).
    pub numeric_version: Option<u64>,
    /// The package's flavor.
    pub flavor: Flavor,
    /// BLAKE3 (hex) of the package's manifest bytes: what a signature covers.
    pub manifest_blake3: String,
    /// The id of the key whose signature was checked; `None` when the
    /// export was allowed unsigned.
    pub signed_by: Option<String>,
}

/// The export's checked inputs, handed to each target's writer.
pub(crate) struct Plan<'a> {
    pub pkg: &'a Package,
    pub target: ExportTarget,
    pub name: String,
    pub numeric_version: Option<u64>,
    pub signed_by: Option<String>,
}

impl Plan<'_> {
    pub(crate) fn flavor(&self) -> Flavor {
        self.pkg.manifest().flavor
    }

    /// The typed refusal of a flavor the target cannot hold.
    pub(crate) fn unsupported(&self, why: &str) -> Error {
        Error::Unsupported(format!(
            "export target {} cannot hold package {} of flavor {}: {why}",
            self.target,
            self.name,
            self.flavor()
        ))
    }

    /// The signature, which the target needs to declare inputs and outputs.
    pub(crate) fn signature(&self) -> Result<&Signature> {
        let sig = self.pkg.manifest().signature.as_ref().ok_or_else(|| {
            Error::InvalidInput(format!(
                "package {} has no signature: export target {} declares the model's inputs and outputs from it; build the package with one",
                self.name, self.target
            ))
        })?;
        if sig.inputs.is_empty() || sig.outputs.is_empty() {
            return Err(Error::InvalidInput(format!(
                "package {}: its signature lists no {}: export target {} declares the model's inputs and outputs from it",
                self.name,
                if sig.inputs.is_empty() { "inputs" } else { "outputs" },
                self.target
            )));
        }
        Ok(sig)
    }

    pub(crate) fn sidecar(&self) -> Sidecar {
        let m = self.pkg.manifest();
        Sidecar {
            format: "mlops.export".into(),
            v: 1,
            target: self.target,
            name: m.name.clone(),
            version: m.version.clone(),
            numeric_version: self.numeric_version,
            flavor: m.flavor,
            manifest_blake3: blake3::hash(self.pkg.manifest_bytes()).to_hex().to_string(),
            signed_by: self.signed_by.clone(),
        }
    }
}

impl Package {
    /// Exports the package to `out`, a new (or empty) folder, in the layout
    /// of `target`'s model server: see the [module docs](self) for what is
    /// checked first and what each target writes.
    ///
    /// Errors: a tampered package, [`Error::Integrity`]; an unsigned
    /// package or no trusted keys without `allow_unsigned`, a signature by
    /// a key not trusted, [`Error::PermissionDenied`]; a flavor the target
    /// cannot hold, [`Error::Unsupported`] naming both; a package without
    /// the signature the target needs, [`Error::InvalidInput`]; an `out`
    /// that is not empty, [`Error::AlreadyExists`].
    pub fn export(
        &self,
        target: ExportTarget,
        out: impl AsRef<Path>,
        options: &ExportOptions,
    ) -> Result<Sidecar> {
        let out = out.as_ref();
        refuse_non_empty(out)?;
        let signed_by = check_signature(self, options)?;
        let m = self.manifest();
        check_model_name(&m.name)?;
        let numeric_version = match target {
            ExportTarget::Triton | ExportTarget::Tfserving => Some(match options.version {
                Some(0) => {
                    return Err(Error::InvalidInput(
                        "export version must be a positive integer, not 0".into(),
                    ))
                }
                Some(v) => v,
                None => numeric_version(&m.version)?,
            }),
            ExportTarget::Mlserver | ExportTarget::Kserve => None,
        };
        let plan = Plan {
            pkg: self,
            target,
            name: m.name.clone(),
            numeric_version,
            signed_by,
        };
        // Refusals (flavor, signature) come before any file is written.
        match target {
            ExportTarget::Mlserver | ExportTarget::Kserve => mlserver::check(&plan)?,
            ExportTarget::Triton => triton::check(&plan)?,
            ExportTarget::Tfserving => tfserving::check(&plan)?,
        }
        let staging = staging_beside(out)?;
        let model_dir = staging.path().join(&plan.name);
        mkdir(&model_dir)?;
        match target {
            ExportTarget::Mlserver | ExportTarget::Kserve => {
                mlserver::write(&plan, staging.path(), &model_dir)?
            }
            ExportTarget::Triton => triton::write(&plan, &model_dir)?,
            ExportTarget::Tfserving => tfserving::write(&plan, &model_dir)?,
        }
        let sidecar = plan.sidecar();
        write_json(&model_dir.join(SIDECAR_FILE), &sidecar)?;
        publish(staging, out)?;
        Ok(sidecar)
    }
}

/// The numeric version of a package version, for the version folders of
/// Triton and TF Serving (which serve the highest number): a positive
/// integer (`7`) is itself; `MAJOR.MINOR.PATCH` (each below 1000, an
/// optional pre-release or build suffix ignored) is
/// `MAJOR * 1_000_000 + MINOR * 1_000 + PATCH`, so later versions get
/// higher numbers. Anything else is an [`Error::InvalidInput`] asking for
/// an explicit version.
///
/// ```
/// use mlops_core::package::export::numeric_version;
/// assert_eq!(numeric_version("7").unwrap(), 7);
/// assert_eq!(numeric_version("1.4.2").unwrap(), 1_004_002);
/// assert_eq!(numeric_version("0.1.0-rc1").unwrap(), 1_000);
/// assert!(numeric_version("2024-06-rc1").is_err());
/// assert!(numeric_version("0").is_err());
/// ```
pub fn numeric_version(version: &str) -> Result<u64> {
    let bad = || {
        Error::InvalidInput(format!(
            "package version '{version}' is neither a positive integer nor MAJOR.MINOR.PATCH: give the export a numeric version"
        ))
    };
    let v = version.trim();
    let n = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse::<u64>().map_err(|_| bad())?
    } else {
        let core = v.split(['-', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        let [a, b, c] = parts[..] else {
            return Err(bad());
        };
        let num = |s: &str| -> Result<u64> {
            if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse::<u64>().map_err(|_| bad())
        };
        num(a)? * 1_000_000 + num(b)? * 1_000 + num(c)?
    };
    if n == 0 {
        return Err(bad());
    }
    Ok(n)
}

/// Checks the files and the signature; returns the signing key's id, or
/// `None` when allowed unsigned.
fn check_signature(pkg: &Package, options: &ExportOptions) -> Result<Option<String>> {
    let name = &pkg.manifest().name;
    let signed = pkg.path_of(SIGNATURE_FILE).exists();
    if signed && !options.trusted.is_empty() {
        // Checks the signature, then every file.
        return sign::verify_signature(pkg, &options.trusted).map(Some);
    }
    pkg.verify()?;
    if options.allow_unsigned {
        return Ok(None);
    }
    Err(Error::PermissionDenied(if signed {
        format!(
            "package {name} is signed, but no trusted keys were given to check its signature: pass the signer's public key, or allow_unsigned to export it unchecked"
        )
    } else {
        format!(
            "package {name} is not signed (it has no {SIGNATURE_FILE}): sign it, or pass allow_unsigned to export it anyway"
        )
    }))
}

/// A model name must be one folder name (the servers use it as one, and in URLs).
fn check_model_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "package name '{}' cannot name a served model: use letters, digits, '-', '_' and '.'",
            name.escape_debug()
        )))
    }
}

fn refuse_non_empty(out: &Path) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::AlreadyExists(format!(
                    "{} exists and is not empty: export into a new folder",
                    out.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(Error::AlreadyExists(
            format!("{} exists and is a file", out.display()),
        )),
        Err(e) => Err(Error::io(out, e)),
    }
}

/// A temporary folder beside `out`, so the final rename stays on one file system.
fn staging_beside(out: &Path) -> Result<tempfile::TempDir> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    tempfile::Builder::new()
        .prefix(".mlops-export-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))
}

/// Renames the finished staging folder to `out` (an empty `out` is
/// replaced), readable by all (a temporary folder is created owner-only).
fn publish(staging: tempfile::TempDir, out: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(
        staging.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .map_err(|e| Error::io(staging.path(), e))?;
    if out.is_dir() {
        // Empty (checked first); a file appearing since fails the removal.
        std::fs::remove_dir(out).map_err(|e| Error::io(out, e))?;
    }
    let kept = staging.keep();
    std::fs::rename(&kept, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&kept);
        if out.exists() {
            Error::AlreadyExists(format!("{} appeared during the export", out.display()))
        } else {
            Error::io(out, e)
        }
    })
}

pub(crate) fn mkdir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}

pub(crate) fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut b = serde_json::to_vec_pretty(value).expect("export files serialise");
    b.push(b'\n');
    std::fs::write(path, b).map_err(|e| Error::io(path, e))
}

/// Copies the whole package (files, manifest, signature) into `dest`, so
/// the export is self-contained and the runtime can verify it again.
pub(crate) fn copy_package(pkg: &Package, dest: &Path) -> Result<()> {
    mkdir(dest)?;
    let mut rel: Vec<&str> = pkg
        .manifest()
        .files
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    rel.push(MANIFEST_FILE);
    if pkg.path_of(SIGNATURE_FILE).exists() {
        rel.push(SIGNATURE_FILE);
    }
    for r in rel {
        copy_file(&pkg.path_of(r), &dest.join(r))?;
    }
    Ok(())
}

pub(crate) fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(p) = to.parent() {
        mkdir(p)?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| Error::io(from, e))
}
