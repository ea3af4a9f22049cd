//! Writes to a local folder, straight through the file system: blobs,
//! and the create-only and replacing puts of events and index objects.
//!
//! object_store's local store writes every object through the page cache.
//! For the chunks of a large file that is most of the cost of `add`: each
//! new page-cache page is memory the kernel has to find, zero and map, and
//! on a virtual machine whose guest memory was never touched (or was
//! returned to the host) that is ~10 µs a page, 2.5 s for 1 GiB, while the
//! disk itself takes a quarter of that. Chunks are written once and not
//! read back soon, which is the case direct I/O is for: on Linux, chunk
//! blobs of at least [`DIRECT_MIN`] bytes are written with `O_DIRECT` (the
//! 4 KiB-aligned body from an aligned buffer, the tail through a second,
//! ordinary handle), and small blobs, file systems that refuse `O_DIRECT`
//! (tmpfs) and other systems use ordinary writes.
//!
//! Either way a blob appears whole or not at all: it is written to a
//! staging file beside its final name and renamed into place. Renaming over
//! a blob another writer stored first is harmless, because a blob's name is
//! the hash of its bytes; a crash leaves at most a staging file, which
//! readers never open (its name holds `#`, as object_store's staging files
//! do). Events and index objects are staged the same way and hard-linked
//! (create-only) or renamed (replace) into place; unlike object_store's
//! local store, which retries a create that answers "no such file" for as
//! long as creating the folder succeeds, a write here tries a bounded
//! number of times and then fails with an error naming the file.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Blobs at least this large are written with direct I/O where the
/// system and file system allow it.
pub(super) const DIRECT_MIN: usize = 64 * 1024;
/// Alignment of direct I/O buffers, lengths and offsets (covers every
/// logical block size in use).
const ALIGN: usize = 4096;

static STAGING: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// A reusable buffer for the aligned copy of a chunk, per thread.
    static ALIGNED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Threads that write chunk blobs to a folder. Direct writes wait for the
/// device, so more of them than cores keep it busy while the cores hash;
/// built on first use.
pub(super) fn io_pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(IO_THREADS)
            .thread_name(|i| format!("mlops-io-{i}"))
            .build()
            .expect("the I/O pool starts")
    })
}

/// Threads of [`io_pool`].
const IO_THREADS: usize = 8;

/// Tries at creating a file: a missing folder is created between tries.
/// A file system that still answers "no such file" once the folder is
/// there (a store rooted in `/proc/self`) gets an [`Error::Storage`]
/// naming the file after the last try, rather than a loop that never ends.
const CREATE_TRIES: u32 = 3;

/// Stores `bytes` as the blob file `path` (`<root>/blobs/<2 hex>/<hash>`)
/// unless a file of that name is there; `Ok(false)` when it was (a
/// deduplication hit, which a writer names in its lease: see `crate::gc`).
pub(super) fn put_blob(path: &Path, bytes: &[u8]) -> Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    let staging = create_staged(path, bytes, true)?;
    if let Err(e) = std::fs::rename(&staging, path) {
        let _ = std::fs::remove_file(&staging);
        return Err(storage("write", path, e));
    }
    Ok(true)
}

/// Creates the object file `path` holding `bytes` unless one is there:
/// `Ok(true)` when this call created it, `Ok(false)` when it was there. The
/// bytes are staged beside it and hard-linked into place, so the file
/// appears whole and only one of two racing writers creates it (the
/// create-only put of an event).
pub(super) fn put_create(path: &Path, bytes: &[u8]) -> Result<bool> {
    let staging = create_staged(path, bytes, false)?;
    let linked = std::fs::hard_link(&staging, path);
    let _ = std::fs::remove_file(&staging);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(storage("write", path, e)),
    }
}

/// Replaces the object file `path` with one holding `bytes` (staged beside
/// it and renamed over it, so readers see the old or the new file whole).
pub(super) fn put_replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let staging = create_staged(path, bytes, false)?;
    if let Err(e) = std::fs::rename(&staging, path) {
        let _ = std::fs::remove_file(&staging);
        return Err(storage("write", path, e));
    }
    Ok(())
}

/// A staging name beside `path`, unique in this process: `<name>#<pid>-<n>`
/// (readers never open names holding `#`).
fn staging_path(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().expect("object paths have a name");
    path.with_file_name(format!(
        "{}#{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        STAGING.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Writes `bytes` to a new staging file beside `path` (with direct I/O
/// where `direct` and the file system allow), creating the folder if
/// missing, in at most [`CREATE_TRIES`] tries; returns the staging file's
/// path. Errors name `path`.
fn create_staged(path: &Path, bytes: &[u8], direct: bool) -> Result<std::path::PathBuf> {
    let staging = staging_path(path);
    let mut tries = 0;
    loop {
        tries += 1;
        let written = if direct {
            write_new(&staging, bytes)
        } else {
            write_plain(&staging, bytes)
        };
        match written {
            Ok(()) => return Ok(staging),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && tries < CREATE_TRIES => {
                let dir = path.parent().expect("object paths have a folder");
                std::fs::create_dir_all(dir).map_err(|e| storage("create the folder", dir, e))?;
            }
            Err(e) => {
                let _ = std::fs::remove_file(&staging);
                return Err(storage("create", path, e));
            }
        }
    }
}

/// An [`Error::Storage`]: `what` failed on `path`.
fn storage(what: &str, path: &Path, source: std::io::Error) -> Error {
    Error::Storage {
        context: format!("{what} {}", path.display()),
        source,
    }
}

/// Writes a log's cover (`<log>/_head`, see `store/cover.rs`) in place:
/// `text` is always the same length, written over whatever is there.
/// Unlike a replacement (a new file renamed over the old), this creates
/// and frees no file per append. A reader may catch the write half done;
/// readers read a cover that disagrees with the log again before they
/// report it. Best effort: failures are ignored, as for any lost cover.
pub(super) fn overwrite_hint(path: &Path, text: &str) {
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
    };
    let file = match open() {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let Some(dir) = path.parent() else { return };
            if std::fs::create_dir_all(dir).is_err() {
                return;
            }
            match open() {
                Ok(f) => f,
                Err(_) => return,
            }
        }
        Err(_) => return,
    };
    // Opened without append or truncation: the write starts at offset 0.
    if (&file).write_all(text.as_bytes()).is_ok() {
        // A cover written by an older build may be shorter or longer.
        let _ = file.set_len(text.len() as u64);
    }
}

/// Creates `path` (which must not exist) holding `bytes`, through the page
/// cache.
fn write_plain(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(bytes)
}

/// Creates `path` (which must not exist) holding `bytes`.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let body = if bytes.len() >= DIRECT_MIN {
        write_direct(path, bytes)?
    } else {
        0
    };
    if body > 0 && body == bytes.len() {
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(body == 0)
        .create_new(body == 0)
        .append(body > 0)
        .open(path)?;
    file.write_all(&bytes[body..])
}

/// Writes the aligned body of `bytes` to a new file `path` with direct
/// I/O; returns how many bytes it wrote (0 when the file system refuses
/// direct I/O, and then no file was created).
#[cfg(target_os = "linux")]
fn write_direct(path: &Path, bytes: &[u8]) -> std::io::Result<usize> {
    use std::os::unix::fs::OpenOptionsExt;
    let body = bytes.len() / ALIGN * ALIGN;
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => return Ok(0),
        Err(e) => return Err(e),
    };
    let written = ALIGNED.with(|buf| {
        let mut buf = buf.borrow_mut();
        if buf.len() < body + ALIGN {
            buf.resize(body + ALIGN, 0);
        }
        let start = buf.as_ptr().align_offset(ALIGN);
        let aligned = &mut buf[start..start + body];
        aligned.copy_from_slice(&bytes[..body]);
        file.write_all(aligned)
    });
    match written {
        Ok(()) => Ok(body),
        // Some file systems take the flag at open and refuse the writes
        // (a larger block size, or no direct I/O after all): write the
        // whole blob the ordinary way instead.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            drop(file);
            std::fs::remove_file(path)?;
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn write_direct(_path: &Path, _bytes: &[u8]) -> std::io::Result<usize> {
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_of_every_size_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        for len in [
            0,
            1,
            4095,
            4096,
            4097,
            DIRECT_MIN - 1,
            DIRECT_MIN,
            DIRECT_MIN + 4097,
            1 << 20,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let path = dir.path().join("blobs").join("ab").join(format!("b{len}"));
            put_blob(&path, &bytes).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "length {len}");
            // A second put of the same blob is a no-op.
            put_blob(&path, &bytes).unwrap();
        }
        let left: Vec<_> = std::fs::read_dir(dir.path().join("blobs/ab"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains('#'))
            .collect();
        assert!(left.is_empty(), "staging files left: {left:?}");
    }
}
