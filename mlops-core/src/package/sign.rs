//! Signing packages with Ed25519.
//!
//! A signature covers the manifest's exact bytes; the manifest holds every
//! file's BLAKE3 hash, so [`verify_signature`] (which also runs
//! [`Package::verify`]) vouches for every byte of the package.
//!
//! **Key files** are two lines of text, so they can be read, diffed and
//! pasted:
//!
//! ```text
//! mlops-ed25519-secret-key
//! <base64 of the 32-byte secret seed>
//! ```
//!
//! and `mlops-ed25519-public-key` with the 32-byte public key. The secret
//! key file is created with mode 0600 (owner only). A key's id is the
//! BLAKE3 hash (hex) of its 32 public key bytes.
//!
//! **The signature file**, `mlops-package.sig`, is JSON:
//! `{"format": "mlops.package.sig", "v": 1, "algorithm": "ed25519",
//! "key_id": "<hex>", "signature": "<base64 of 64 bytes>"}`.
//!
//! ```
//! use mlops_core::package::{sign, Flavor, KeyPair, Manifest, Package};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("model.onnx"), b"graph").unwrap();
//! let pkg = Package::build(dir.path(), Manifest::new("m", "1", Flavor::Onnx)).unwrap();
//! let key = KeyPair::generate().unwrap();
//! sign::sign(&pkg, &key).unwrap();
//! assert_eq!(sign::verify_signature(&pkg, &[key.public()]).unwrap(), key.public().id());
//! // Another key is not trusted.
//! let other = KeyPair::generate().unwrap();
//! assert!(sign::verify_signature(&pkg, &[other.public()]).is_err());
//! ```

use std::path::Path;

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::manifest::SIGNATURE_FILE;
use super::Package;
use crate::error::{Error, Result};
use crate::small_file::MANIFEST_MAX;

const SECRET_HEADER: &str = "mlops-ed25519-secret-key";
const PUBLIC_HEADER: &str = "mlops-ed25519-public-key";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// An Ed25519 key pair.
#[derive(Clone)]
pub struct KeyPair {
    key: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair({})", self.public().id())
    }
}

/// An Ed25519 public key, trusted to sign packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl KeyPair {
    /// A new random key pair (from the operating system's random source).
    pub fn generate() -> Result<Self> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| Error::Storage {
            context: "reading the system's random source".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        Ok(Self {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
        }
    }

    /// Writes the secret key to `path` (mode 0600, refusing to overwrite)
    /// and the public key to `path` + `.pub`.
    ///
    /// ```
    /// use mlops_core::package::KeyPair;
    /// let dir = tempfile::tempdir().unwrap();
    /// let k = KeyPair::generate().unwrap();
    /// k.save(dir.path().join("release.key")).unwrap();
    /// let back = KeyPair::load(dir.path().join("release.key")).unwrap();
    /// assert_eq!(back.public(), k.public());
    /// let public = mlops_core::package::PublicKey::load(dir.path().join("release.key.pub")).unwrap();
    /// assert_eq!(public, k.public());
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = format!("{SECRET_HEADER}\n{}\n", B64.encode(self.key.to_bytes()));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let mut f = o.open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                Error::AlreadyExists(format!("key file {}", path.display()))
            }
            _ => Error::io(path, e),
        })?;
        std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| Error::io(path, e))?;
        let mut public = path.as_os_str().to_owned();
        public.push(".pub");
        self.public().save(Path::new(&public))
    }

    /// Reads a secret key file written by [`save`](Self::save).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let bytes = read_key(path.as_ref(), SECRET_HEADER)?;
        Ok(Self {
            key: SigningKey::from_bytes(&bytes),
        })
    }
}

impl PublicKey {
    /// The key's id: BLAKE3 (hex) of its 32 bytes.
    pub fn id(&self) -> String {
        blake3::hash(self.key.as_bytes()).to_hex().to_string()
    }

    /// The key file's text.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_HEADER}\n{}\n", B64.encode(self.key.as_bytes()))
    }

    /// Writes the public key file (refusing to overwrite).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    Error::AlreadyExists(format!("key file {}", path.display()))
                }
                _ => Error::io(path, e),
            })?;
        std::io::Write::write_all(&mut f, self.to_text().as_bytes()).map_err(|e| Error::io(path, e))
    }

    /// Reads every public key file of `paths` (the trusted keys a
    /// verification or an export is given), in order; the first that does
    /// not read is the error.
    pub fn load_all<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<Vec<Self>> {
        paths.into_iter().map(Self::load).collect()
    }

    /// Reads a public key file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_key(path, PUBLIC_HEADER)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|e| {
            Error::InvalidInput(format!(
                "{}: not an Ed25519 public key: {e}",
                path.display()
            ))
        })?;
        Ok(Self { key })
    }
}

fn read_key(path: &Path, header: &str) -> Result<[u8; 32]> {
    let what = if header == SECRET_HEADER {
        "secret key file"
    } else {
        "public key file"
    };
    let text = crate::small_file::read_text(path, crate::small_file::KEY_MAX, what)?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let bad = |why: &str| {
        Err(Error::InvalidInput(format!(
            "{}: {why} (expected a '{header}' key file)",
            path.display()
        )))
    };
    if lines.next() != Some(header) {
        return bad("wrong kind of key file");
    }
    let Some(body) = lines.next() else {
        return bad("no key");
    };
    match B64
        .decode(body)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
    {
        Some(k) => Ok(k),
        None => bad("the key is not 32 bytes of base64"),
    }
}

/// The content of `mlops-package.sig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// `mlops.package.sig`.
    pub format: String,
    /// Version, 1.
    pub v: u32,
    /// `ed25519`.
    pub algorithm: String,
    /// The signing key's id ([`PublicKey::id`]).
    pub key_id: String,
    /// The 64-byte signature, base64.
    pub signature: String,
}

/// Signs the package's manifest with `key`, writing `mlops-package.sig`
/// (replacing an earlier signature). The package is verified first: only a
/// package whose files match its manifest is signed.
pub fn sign(pkg: &Package, key: &KeyPair) -> Result<()> {
    pkg.verify()?;
    let sig = key.key.sign(pkg.manifest_bytes());
    let file = SignatureFile {
        format: "mlops.package.sig".into(),
        v: 1,
        algorithm: "ed25519".into(),
        key_id: key.public().id(),
        signature: B64.encode(sig.to_bytes()),
    };
    let mut bytes = serde_json::to_vec_pretty(&file).expect("signatures serialise");
    bytes.push(b'\n');
    super::write_atomic(&pkg.path_of(SIGNATURE_FILE), &bytes)
}

/// Checks the package's signature against trusted keys, then the package
/// itself ([`Package::verify`]), and returns the id of the key that signed.
///
/// Errors: no signature file, [`Error::NotFound`]; signed by a key not in
/// `trusted`, [`Error::PermissionDenied`] naming the key id; a signature
/// that does not match the manifest (a changed manifest or signature byte),
/// or a malformed signature file, [`Error::Integrity`]; a changed file,
/// [`Error::Integrity`] naming the file.
pub fn verify_signature(pkg: &Package, trusted: &[PublicKey]) -> Result<String> {
    let path = pkg.path_of(SIGNATURE_FILE);
    let bytes = match crate::small_file::read(&path, MANIFEST_MAX, "signature file") {
        Err(Error::NotFound(_)) => {
            return Err(Error::NotFound(format!(
                "package {} is not signed: it has no {SIGNATURE_FILE}",
                pkg.manifest().name
            )))
        }
        r => r?,
    };
    let file: SignatureFile = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Integrity(format!("{SIGNATURE_FILE} is malformed: {e}")))?;
    if file.format != "mlops.package.sig" || file.v != 1 || file.algorithm != "ed25519" {
        return Err(Error::Integrity(format!(
            "{SIGNATURE_FILE}: unknown format, version or algorithm"
        )));
    }
    let Some(key) = trusted.iter().find(|k| k.id() == file.key_id) else {
        return Err(Error::PermissionDenied(format!(
            "package {} is signed by key {}, which is not among the {} trusted key(s)",
            pkg.manifest().name,
            file.key_id,
            trusted.len()
        )));
    };
    let sig = B64
        .decode(&file.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| ed25519_dalek::Signature::from_bytes(&b))
        .ok_or_else(|| {
            Error::Integrity(format!(
                "{SIGNATURE_FILE}: signature is not 64 bytes of base64"
            ))
        })?;
    // The manifest as it is on disk now, not as it was loaded.
    let mp = pkg.path_of(super::MANIFEST_FILE);
    let manifest = crate::small_file::read(&mp, MANIFEST_MAX, "package manifest")?;
    key.key.verify_strict(&manifest, &sig).map_err(|_| {
        Error::Integrity(format!(
            "signature by key {} does not match {} (the manifest or the signature changed)",
            file.key_id,
            super::MANIFEST_FILE
        ))
    })?;
    pkg.verify()?;
    Ok(file.key_id)
}
