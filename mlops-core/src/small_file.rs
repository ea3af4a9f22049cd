//! Reading the small files a user names by path: key files, profiles,
//! signatures and manifests.
//!
//! Such a path may name anything: `/dev/zero` (endless), a FIFO (a read
//! that waits for a writer forever), a device, or a regular file far
//! larger than any file of its kind. [`read`] takes only regular files and
//! at most a given number of bytes, and refuses the rest with an
//! [`Error::InvalidInput`] naming the path, before reading anything. A
//! FIFO is opened without waiting for a writer (`O_NONBLOCK`) and refused
//! once opened, so a path switched to one after the check does not hang.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The most bytes read from a key file (a few hundred bytes of text).
pub const KEY_MAX: u64 = 64 << 10;
/// The most bytes read from a package manifest or a signature file.
pub const MANIFEST_MAX: u64 = 64 << 20;

/// The bytes of the regular file at `path` (`what` says what it is, for
/// messages: "key file", "profile"), at most `max` of them.
///
/// ```
/// use mlops_core::small_file;
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("k");
/// std::fs::write(&p, b"abc").unwrap();
/// assert_eq!(small_file::read(&p, 3, "key file").unwrap(), b"abc");
/// assert_eq!(small_file::read(&p, 2, "key file").unwrap_err().code(), "INVALID_INPUT");
/// assert_eq!(small_file::read("/dev/zero", 10, "key file").unwrap_err().code(), "INVALID_INPUT");
/// ```
pub fn read(path: impl AsRef<Path>, max: u64, what: &str) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let not_regular = || {
        Error::InvalidInput(format!(
            "{what} {} is not a regular file (a FIFO, device or folder cannot be read as one)",
            path.display()
        ))
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let too_large = || {
        Error::InvalidInput(format!(
            "{what} {} is larger than {max} bytes: not a {what}",
            path.display()
        ))
    };
    if meta.len() > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte more than allowed, to tell a file that grew past `max`.
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text; a file that is not UTF-8 is an
/// [`Error::InvalidInput`] naming it.
pub fn read_text(path: impl AsRef<Path>, max: u64, what: &str) -> Result<String> {
    let path = path.as_ref();
    String::from_utf8(read(path, max, what)?).map_err(|e| {
        Error::InvalidInput(format!(
            "{what} {} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The profile file at `path`, as written by `mlops profile`: see
/// [`crate::Profile::read_path`], which reads it the way [`read`] does.
pub fn read_profile(path: impl AsRef<Path>) -> Result<crate::Profile> {
    crate::Profile::read_path(path)
}
