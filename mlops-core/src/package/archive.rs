//! One-file packages: `.tar.zst` (a POSIX tar stream compressed with zstd).
//!
//! Packing writes the manifest first, then the signature if any, then the
//! files in manifest order, each as a regular file with mode 0644 and time 0,
//! so one package always packs to the same bytes.
//!
//! Unpacking trusts nothing in the archive. It refuses absolute paths, `..`
//! and other non-normal components, symbolic and hard links, devices, FIFOs
//! and any other non-regular entry (folders are allowed and ignored: they
//! are implied by file paths), and a path that appears twice. The manifest
//! must be the first file; every later entry is checked against it before
//! a byte of it is written (listed, of the size it declares), and the
//! decompressed stream may not grow past what the manifest declares, so a
//! small archive cannot fill the disk or the memory. Everything is
//! written into a fresh temporary folder beside the destination, the
//! package is verified there (every hash, no unlisted file), and only then
//! is the folder renamed into place: a failed unpack leaves nothing behind.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Component, Path};
use std::rc::Rc;

use tar::{EntryType, Header};

use super::manifest::{Manifest, MANIFEST_FILE, SIGNATURE_FILE};
use super::Package;
use crate::error::{Error, Result};
use crate::small_file::MANIFEST_MAX;

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

/// Bytes of tar structure allowed per entry beyond its data: its header,
/// the padding of its data, and GNU long-name or PAX records.
const ENTRY_OVERHEAD: u64 = 16 << 10;

/// Writes every entry of the archive below `into`, refusing unsafe ones.
///
/// Everything is judged before a byte of it is written: the manifest must
/// be the archive's first file (as [`pack`] writes it) and is read into
/// memory (at most [`MANIFEST_MAX`] bytes); every later file must be listed
/// in it, once, with the size it declares, or be the signature (at most
/// [`MANIFEST_MAX`] bytes). The decompressed stream as a whole may not
/// exceed what the manifest declares plus the tar structure of its
/// entries, so neither one entry nor tar's own records can expand a small
/// archive into more than the package it claims to be.
fn extract(archive: &Path, into: &Path) -> Result<()> {
    let f = File::open(archive).map_err(|e| Error::io(archive, e))?;
    let dec = zstd::stream::read::Decoder::new(f).map_err(|e| bad(archive, &e))?;
    let budget = Rc::new(Cell::new(MANIFEST_MAX + ENTRY_OVERHEAD));
    let mut tar = tar::Archive::new(Budgeted {
        inner: dec,
        left: budget.clone(),
    });
    let mut seen = BTreeSet::new();
    let mut manifest: Option<Manifest> = None;
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
        let size = entry.header().size().map_err(|e| bad(archive, &e))?;
        let Some(m) = &manifest else {
            if rel != MANIFEST_FILE {
                return refuse(&format!(
                    "comes before {MANIFEST_FILE}, which must be the archive's first file"
                ));
            }
            if size > MANIFEST_MAX {
                return refuse(&format!("is larger than {MANIFEST_MAX} bytes"));
            }
            let mut bytes = Vec::with_capacity(size as usize);
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| bad(archive, &e))?;
            let m = Manifest::from_bytes(&bytes)?;
            // What the rest of the archive may hold: the listed files, the
            // signature, and the tar records around each.
            let entries = m.files.len() as u64 + 1;
            let allowed = m
                .total_size()
                .saturating_add(MANIFEST_MAX)
                .saturating_add(entries.saturating_mul(ENTRY_OVERHEAD));
            budget.set(budget.get().saturating_add(allowed));
            write_new(archive, &raw, &into.join(MANIFEST_FILE), &bytes[..])?;
            manifest = Some(m);
            continue;
        };
        let declared = if rel == SIGNATURE_FILE {
            if size > MANIFEST_MAX {
                return refuse(&format!("is larger than {MANIFEST_MAX} bytes"));
            }
            size
        } else {
            match m.file(&rel) {
                None => return refuse(&format!("is not listed in {MANIFEST_FILE}")),
                Some(f) if f.size != size => {
                    return refuse(&format!(
                        "has {size} bytes, {MANIFEST_FILE} says {}",
                        f.size
                    ))
                }
                Some(f) => f.size,
            }
        };
        let to = into.join(&rel);
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory => {
                    clash(archive, &raw)
                }
                _ => Error::io(p, e),
            })?;
        }
        write_new(archive, &raw, &to, (&mut entry).take(declared))?;
    }
    if manifest.is_none() {
        return Err(Error::Integrity(format!(
            "archive {} holds no {MANIFEST_FILE}: not a package",
            archive.display()
        )));
    }
    Ok(())
}

/// Creates the new file `to` for the entry `raw` and copies `data` into it.
fn write_new(archive: &Path, raw: &str, to: &Path, mut data: impl Read) -> Result<()> {
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(|e| match e.kind() {
            // A file where a folder was needed, or the reverse.
            std::io::ErrorKind::AlreadyExists => clash(archive, raw),
            _ => Error::io(to, e),
        })?;
    std::io::copy(&mut data, &mut out).map_err(|e| bad(archive, &e))?;
    Ok(())
}

fn clash(archive: &Path, raw: &str) -> Error {
    Error::Integrity(format!(
        "archive {}: entry '{raw}' clashes with another entry",
        archive.display()
    ))
}

/// A reader that fails once it has yielded more than `left` bytes in all
/// (`left` may be raised while it is read).
struct Budgeted<R> {
    inner: R,
    left: Rc<Cell<u64>>,
}

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.left.get();
        if left == 0 {
            return Err(std::io::Error::other(
                "it expands to more than its manifest declares",
            ));
        }
        let cap = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        self.left.set(left - n as u64);
        Ok(n)
    }
}

fn bad(archive: &Path, e: &std::io::Error) -> Error {
    Error::Integrity(format!("archive {} is unreadable: {e}", archive.display()))
}
