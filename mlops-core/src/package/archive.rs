//! One-file packages: `.tar.zst` (a POSIX tar stream compressed with zstd).
//!
//! Packing writes the manifest first, then the signature if any, then the
//! files in manifest order, each as a regular file with mode 0644 and time 0,
//! so one package always packs to the same bytes.
//!
//! Unpacking trusts nothing in the archive. It refuses absolute paths, `..`
//! and other non-normal components, symbolic and hard links, devices, FIFOs
//! and any other non-regular entry (folders are allowed and ignored: they
//! are implied by file paths), and a path that appears twice. Everything is
//! written into a fresh temporary folder beside the destination, the
//! package is verified there (every hash, no unlisted file), and only then
//! is the folder renamed into place: a failed unpack leaves nothing behind.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Component, Path};

use tar::{EntryType, Header};

use super::manifest::{MANIFEST_FILE, SIGNATURE_FILE};
use super::Package;
use crate::error::{Error, Result};

/// zstd level: 3 is zstd's default, fast to write; model weights compress
/// little at any level.
const LEVEL: i32 = 3;

/// Writes `pkg` to `path` as a `.tar.zst` archive (through a temporary
/// sibling and a rename).
///
/// ```
/// use mlops_core::package::{archive, Flavor, Manifest, Package};
/// let dir = tempfile::tempdir().unwrap();
/// let src = dir.path().join("src");
/// std::fs::create_dir_all(src.join("weights")).unwrap();
/// std::fs::write(src.join("weights/w.bin"), vec![7u8; 1000]).unwrap();
/// let pkg = Package::build(&src, Manifest::new("m", "1", Flavor::Custom)).unwrap();
/// let tarball = dir.path().join("m.tar.zst");
/// pkg.save_archive(&tarball).unwrap();
/// let back = archive::unpack(&tarball, dir.path().join("out")).unwrap();
/// assert_eq!(back.manifest(), pkg.manifest());
/// // Or open the archive in place (unpacked to a temporary folder):
/// Package::load(&tarball).unwrap().verify().unwrap();
/// ```
pub fn pack(pkg: &Package, path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    let enc = zstd::stream::write::Encoder::new(BufWriter::with_capacity(1 << 20, tmp), LEVEL)
        .map_err(|e| Error::io(path, e))?;
    let mut tar = tar::Builder::new(enc);
    let mut add = |rel: &str| -> Result<()> {
        let src = pkg.root().join(rel);
        let f = File::open(&src).map_err(|e| Error::io(&src, e))?;
        let len = f.metadata().map_err(|e| Error::io(&src, e))?.len();
        let mut h = Header::new_gnu();
        h.set_entry_type(EntryType::Regular);
        h.set_size(len);
        h.set_mode(0o644);
        h.set_mtime(0);
        tar.append_data(&mut h, rel, BufReader::with_capacity(1 << 20, f))
            .map_err(|e| Error::io(path, e))
    };
    add(MANIFEST_FILE)?;
    if pkg.root().join(SIGNATURE_FILE).is_file() {
        add(SIGNATURE_FILE)?;
    }
    for f in &pkg.manifest().files {
        add(&f.path)?;
    }
    let enc = tar.into_inner().map_err(|e| Error::io(path, e))?;
    let buf = enc.finish().map_err(|e| Error::io(path, e))?;
    let tmp = buf
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    super::persist_public(tmp, path)
}

/// Unpacks the archive at `archive` into the new folder `dest` and returns
/// the verified package. `dest` must not exist. See the module docs for
/// what is refused; every refusal is an [`Error::Integrity`] naming the entry.
pub fn unpack(archive: impl AsRef<Path>, dest: impl AsRef<Path>) -> Result<Package> {
    let (archive, dest) = (archive.as_ref(), dest.as_ref());
    let tmp = super::staging_dir(dest, ".mlops-unpack-")?;
    extract(archive, tmp.path())?;
    let pkg = Package::open_dir(tmp.path())?;
    pkg.verify()?;
    let tmp = tmp.keep();
    if let Err(e) = std::fs::rename(&tmp, dest) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::io(dest, e));
    }
    Package::open_dir(dest)
}

/// Writes every entry of the archive below `into`, refusing unsafe ones.
fn extract(archive: &Path, into: &Path) -> Result<()> {
    let f = File::open(archive).map_err(|e| Error::io(archive, e))?;
    let dec = zstd::stream::read::Decoder::new(f).map_err(|e| bad(archive, &e))?;
    let mut tar = tar::Archive::new(dec);
    let mut seen = BTreeSet::new();
    for entry in tar.entries().map_err(|e| bad(archive, &e))? {
        let mut entry = entry.map_err(|e| bad(archive, &e))?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let refuse = |why: &str| {
            Err(Error::Integrity(format!(
                "archive {}: entry '{raw}' {why}",
                archive.display()
            )))
        };
        let kind = entry.header().entry_type();
        let path = entry.path().map_err(|e| bad(archive, &e))?.into_owned();
        let mut parts = Vec::new();
        for c in path.components() {
            match c {
                Component::Normal(p) => match p.to_str() {
                    Some(s) => parts.push(s.to_string()),
                    None => return refuse("is not UTF-8"),
                },
                Component::CurDir => {}
                Component::ParentDir => return refuse("has a '..' component"),
                Component::RootDir | Component::Prefix(_) => return refuse("is an absolute path"),
            }
        }
        if parts.is_empty() {
            return refuse("has an empty path");
        }
        let rel = parts.join("/");
        match kind {
            EntryType::Regular | EntryType::Continuous => {}
            EntryType::Directory => continue,
            EntryType::Symlink => return refuse("is a symbolic link"),
            EntryType::Link => return refuse("is a hard link"),
            _ => return refuse("is not a regular file"),
        }
        if !seen.insert(rel.clone()) {
            return refuse("appears twice");
        }
        let to = into.join(&rel);
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&to)
            .map_err(|e| match e.kind() {
                // A file where a folder was needed, or the reverse.
                std::io::ErrorKind::AlreadyExists => Error::Integrity(format!(
                    "archive {}: entry '{raw}' clashes with another entry",
                    archive.display()
                )),
                _ => Error::io(&to, e),
            })?;
        std::io::copy(&mut entry, &mut out).map_err(|e| bad(archive, &e))?;
    }
    if !seen.contains(MANIFEST_FILE) {
        return Err(Error::Integrity(format!(
            "archive {} holds no {MANIFEST_FILE}: not a package",
            archive.display()
        )));
    }
    Ok(())
}

fn bad(archive: &Path, e: &std::io::Error) -> Error {
    Error::Integrity(format!("archive {} is unreadable: {e}", archive.display()))
}
