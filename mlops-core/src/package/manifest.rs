//! The manifest of a model package, `mlops-package.json`: what the model is,
//! every file with its size and BLAKE3 hash, its signature, metrics, params,
//! lineage, runtime requirements and model card.
//!
//! The manifest is versioned (`{"format": "mlops.package", "v": 1, ...}`)
//! and strict: a newer `v` or a field this version does not know is refused
//! with [`Error::Integrity`], rather than half-read by an older reader that
//! would drop what it does not understand (and so, for a signed package,
//! silently ignore signed content).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::signature::Signature;
use crate::error::{Error, Result};

/// The manifest's file name inside a package.
pub const MANIFEST_FILE: &str = "mlops-package.json";
/// The signature's file name inside a package (see [`super::sign`]).
pub const SIGNATURE_FILE: &str = "mlops-package.sig";
/// The `format` of every manifest.
pub const FORMAT: &str = "mlops.package";
/// The manifest version this build writes and the newest it reads.
pub const VERSION: u32 = 1;

/// The framework a model was made with, which tells a loader how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// scikit-learn (a pickled estimator).
    Sklearn,
    /// XGBoost.
    Xgboost,
    /// LightGBM.
    Lightgbm,
    /// PyTorch.
    Pytorch,
    /// ONNX.
    Onnx,
    /// Anything else, loaded through [`Requirements::entry_point`].
    Custom,
}

impl Flavor {
    /// `sklearn`, `xgboost`, `lightgbm`, `pytorch`, `onnx` or `custom`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Flavor::Sklearn => "sklearn",
            Flavor::Xgboost => "xgboost",
            Flavor::Lightgbm => "lightgbm",
            Flavor::Pytorch => "pytorch",
            Flavor::Onnx => "onnx",
            Flavor::Custom => "custom",
        }
    }
}

display_as_str!(Flavor);

impl std::str::FromStr for Flavor {
    type Err = Error;

    /// Parses [`as_str`](Flavor::as_str) (case-insensitive).
    ///
    /// ```
    /// use mlops_core::package::Flavor;
    /// assert_eq!("ONNX".parse::<Flavor>().unwrap(), Flavor::Onnx);
    /// assert!("caffe".parse::<Flavor>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "sklearn" | "scikit-learn" => Flavor::Sklearn,
            "xgboost" => Flavor::Xgboost,
            "lightgbm" => Flavor::Lightgbm,
            "pytorch" | "torch" => Flavor::Pytorch,
            "onnx" => Flavor::Onnx,
            "custom" => Flavor::Custom,
            other => {
                return Err(Error::InvalidInput(format!(
                    "unknown flavor '{other}': expected sklearn, xgboost, lightgbm, pytorch, onnx or custom"
                )))
            }
        })
    }
}

/// One file of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Path relative to the package root, `/`-separated, no `.` or `..`.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// BLAKE3 hash of the bytes, lowercase hex.
    pub blake3: String,
}

/// Where the model came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lineage {
    /// Data sets it was trained or evaluated on, as `kind/name@version`
    /// (`dataset/churn@3`).
    pub datasets: Vec<String>,
    /// The run that made it.
    pub run: Option<String>,
    /// The source commit.
    pub commit: Option<String>,
}

/// What the model needs at run time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Requirements {
    /// Python packages as requirement specifiers (`scikit-learn==1.5.2`).
    pub python: Vec<String>,
    /// A custom loader, as `module:function` or a command.
    pub entry_point: Option<String>,
}

/// The model card: what the model is for and who answers for it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelCard {
    /// What the model is meant to be used for.
    pub intended_use: Option<String>,
    /// Known limitations and uses it is not fit for.
    pub limitations: Option<String>,
    /// Who owns it (people or teams).
    pub owners: Vec<String>,
}

/// The manifest of a model package (`mlops-package.json`).
///
/// Build one with [`Manifest::new`] and the public fields, then let
/// [`Package::build`](super::Package::build) fill in [`files`](Self::files).
///
/// ```
/// use mlops_core::package::{Flavor, Manifest};
/// let mut m = Manifest::new("churn", "1.0.0", Flavor::Sklearn);
/// m.metrics.insert("auc".into(), 0.91);
/// let bytes = m.to_bytes();
/// assert_eq!(Manifest::from_bytes(&bytes).unwrap(), m);
/// // A manifest from a newer release is refused, not half-read.
/// let newer = String::from_utf8(bytes).unwrap().replace("\"v\": 1", "\"v\": 2");
/// assert!(Manifest::from_bytes(newer.as_bytes()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The manifest version ([`VERSION`]).
    pub v: u32,
    /// The model's name.
    pub name: String,
    /// The model's version, as its authors write it (`1.4.0`, `2024-06-rc1`).
    pub version: String,
    /// The framework.
    pub flavor: Flavor,
    /// The framework's version (`1.5.2`), if known.
    #[serde(default)]
    pub flavor_version: Option<String>,
    /// Every file of the package but the manifest and its signature, sorted by path.
    #[serde(default)]
    pub files: Vec<FileEntry>,
    /// The input and output schema.
    #[serde(default)]
    pub signature: Option<Signature>,
    /// Evaluation metrics.
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    /// Hyper-parameters and settings (any JSON value).
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    /// Where the model came from.
    #[serde(default)]
    pub lineage: Lineage,
    /// What it needs at run time.
    #[serde(default)]
    pub requirements: Requirements,
    /// Its model card.
    #[serde(default)]
    pub card: ModelCard,
}

impl Manifest {
    /// A manifest with a name, version and flavor, and nothing else yet.
    pub fn new(name: &str, version: &str, flavor: Flavor) -> Self {
        Self {
            format: FORMAT.into(),
            v: VERSION,
            name: name.into(),
            version: version.into(),
            flavor,
            flavor_version: None,
            files: Vec::new(),
            signature: None,
            metrics: BTreeMap::new(),
            params: BTreeMap::new(),
            lineage: Lineage::default(),
            requirements: Requirements::default(),
            card: ModelCard::default(),
        }
    }

    /// The manifest as pretty JSON: the bytes a signature covers.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec_pretty(self).expect("manifests serialise");
        b.push(b'\n');
        b
    }

    /// Parses and checks a manifest: format, version, known fields only,
    /// and a sound file list (see [`check`](Self::check)).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        // The version first, so a newer manifest is reported as such and
        // not as an unknown field.
        let head: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| Error::Integrity(format!("{MANIFEST_FILE} is not JSON: {e}")))?;
        if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(Error::Integrity(format!(
                "{MANIFEST_FILE}: format is not '{FORMAT}'"
            )));
        }
        match head.get("v").and_then(|v| v.as_u64()) {
            Some(v) if v <= VERSION as u64 && v >= 1 => {}
            Some(v) => {
                return Err(Error::Integrity(format!(
                    "{MANIFEST_FILE}: version {v} is newer than this mlops reads ({VERSION}); upgrade mlops"
                )))
            }
            None => {
                return Err(Error::Integrity(format!(
                    "{MANIFEST_FILE}: no version number 'v'"
                )))
            }
        }
        let m: Manifest = serde_json::from_value(head)
            .map_err(|e| Error::Integrity(format!("{MANIFEST_FILE}: {e}")))?;
        m.check()?;
        Ok(m)
    }

    /// Checks what a manifest says on its own: a name and version, safe,
    /// unique file paths that are not the manifest or signature, hashes that
    /// are BLAKE3 in lower-case hex (as the format writes them), metric values that are numbers, type names that
    /// Arrow knows.
    pub fn check(&self) -> Result<()> {
        if self.name.trim().is_empty() || self.version.trim().is_empty() {
            return Err(Error::Integrity(format!(
                "{MANIFEST_FILE}: name and version must not be empty"
            )));
        }
        let mut seen = BTreeSet::new();
        for f in &self.files {
            check_path(&f.path).map_err(|e| Error::Integrity(format!("{MANIFEST_FILE}: {e}")))?;
            if f.path == MANIFEST_FILE || f.path == SIGNATURE_FILE {
                return Err(Error::Integrity(format!(
                    "{MANIFEST_FILE}: lists {} as a file",
                    f.path
                )));
            }
            if !seen.insert(f.path.as_str()) {
                return Err(Error::Integrity(format!(
                    "{MANIFEST_FILE}: file {} is listed twice",
                    f.path
                )));
            }
            // Lower-case only: hashes are compared as text, and a hash
            // `verify` would never match must not pass here.
            let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
            if f.blake3.len() != 64 || !f.blake3.bytes().all(lower_hex) {
                return Err(Error::Integrity(format!(
                    "{MANIFEST_FILE}: file {} has blake3 '{}', not a BLAKE3 hash (64 lower-case hex digits)",
                    f.path,
                    f.blake3.escape_debug()
                )));
            }
        }
        if let Some((k, _)) = self.metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::Integrity(format!(
                "{MANIFEST_FILE}: metric {k} is not a finite number"
            )));
        }
        if let Some(s) = &self.signature {
            s.check()
                .map_err(|e| Error::Integrity(format!("{MANIFEST_FILE}: {e}")))?;
        }
        Ok(())
    }

    /// The file entry at `path`.
    pub fn file(&self, path: &str) -> Option<&FileEntry> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Total size of the files in bytes.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// Checks that `path` is a relative, `/`-separated path made only of normal
/// components (no empty, `.` or `..` parts, no backslash, no drive letter).
///
/// ```
/// use mlops_core::package::check_path;
/// assert!(check_path("weights/model.onnx").is_ok());
/// for bad in ["/etc/passwd", "../x", "a/../b", "a//b", "C:\\x", ""] {
///     assert!(check_path(bad).is_err(), "{bad}");
/// }
/// ```
pub fn check_path(path: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::InvalidInput(format!("path '{path}' {why}")));
    if path.is_empty() {
        return bad("is empty");
    }
    if path.starts_with('/') {
        return bad("is absolute");
    }
    if path.contains('\\') || path.contains(':') || path.contains('\0') {
        return bad("has a backslash, colon or NUL");
    }
    for part in path.split('/') {
        match part {
            "" => return bad("has an empty component"),
            "." | ".." => return bad("has a '.' or '..' component"),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Flavor;

    #[test]
    fn flavors_round_trip_through_their_names_and_serde() {
        use Flavor::*;
        for f in [Sklearn, Xgboost, Lightgbm, Pytorch, Onnx, Custom] {
            assert_eq!(f.to_string().parse::<Flavor>().unwrap(), f);
            assert_eq!(f.as_str().to_uppercase().parse::<Flavor>().unwrap(), f);
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        assert_eq!("torch".parse::<Flavor>().unwrap(), Pytorch);
        let e = "caffe".parse::<Flavor>().unwrap_err().to_string();
        assert!(e.ends_with("unknown flavor 'caffe': expected sklearn, xgboost, lightgbm, pytorch, onnx or custom"), "{e}");
    }
}
