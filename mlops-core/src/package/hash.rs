//! Hashing of package files: BLAKE3, streamed, on every core.
//!
//! Files are hashed in parallel across files (rayon), and a large file is
//! itself hashed across cores block by block (`Hasher::update_rayon`,
//! BLAKE3's tree mode), the next block read while one is hashed. Files are
//! read, never memory-mapped: a file truncated by another process while it
//! is hashed is then a short read, reported as an [`Error::Integrity`]
//! naming the file, where a mapping would kill the process with `SIGBUS`.
//! Nothing is read whole into memory.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::manifest::FileEntry;
use crate::error::{Error, Result};

/// From this size on a file is hashed on many threads, block by block;
/// below it one buffered read on the calling thread is cheaper.
const PARALLEL_MIN: u64 = 4 << 20;
/// Bytes read (and then hashed across cores) at a time for a large file.
const BLOCK: usize = 4 << 20;

/// The size and BLAKE3 hash (hex) of the file at `path`.
///
/// The size is the file's size when it was opened; a file that shrinks or
/// grows while it is read is an [`Error::Integrity`] naming it.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("w.bin");
/// std::fs::write(&p, b"abc").unwrap();
/// let (size, hash) = mlops_core::package::hash_file(&p).unwrap();
/// assert_eq!((size, hash), (3, blake3::hash(b"abc").to_hex().to_string()));
/// ```
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    hash_reader(path, file, size)
}

/// Hashes what `reader` (the content of `path`, `size` bytes when opened)
/// yields up to its end, and checks that it was `size` bytes.
pub(crate) fn hash_reader(
    path: &Path,
    mut reader: impl Read + Send,
    size: u64,
) -> Result<(u64, String)> {
    let mut h = blake3::Hasher::new();
    if size >= PARALLEL_MIN {
        let mut current = vec![0u8; BLOCK];
        let mut next = vec![0u8; BLOCK];
        let mut n = fill(&mut reader, &mut current).map_err(|e| Error::io(path, e))?;
        while n > 0 {
            let (_, read) = rayon::join(
                || h.update_rayon(&current[..n]),
                || fill(&mut reader, &mut next),
            );
            n = read.map_err(|e| Error::io(path, e))?;
            std::mem::swap(&mut current, &mut next);
        }
    } else {
        h.update_reader(std::io::BufReader::with_capacity(1 << 20, reader))
            .map_err(|e| Error::io(path, e))?;
    }
    if h.count() != size {
        return Err(Error::Integrity(format!(
            "file {} changed while it was hashed: {size} bytes when opened, {} read",
            path.display(),
            h.count()
        )));
    }
    Ok((size, h.finalize().to_hex().to_string()))
}

/// Reads into `buf` until it is full or the reader ends; returns the bytes read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Hashes the files `rel` below `root` in parallel, in the given order.
pub(crate) fn hash_files(root: &Path, rel: &[String]) -> Result<Vec<FileEntry>> {
    rel.par_iter()
        .map(|p| {
            let (size, blake3) = hash_file(&root.join(p))?;
            Ok(FileEntry {
                path: p.clone(),
                size,
                blake3,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that shrinks after it was opened (as one truncated by another
    /// process does) is an integrity error naming it, at every size.
    #[test]
    fn a_file_that_shrinks_after_open_is_an_integrity_error() {
        let dir = tempfile::tempdir().unwrap();
        for len in [1000usize, PARALLEL_MIN as usize + 5 * BLOCK / 2] {
            let p = dir.path().join(format!("w{len}.bin"));
            std::fs::write(&p, vec![7u8; len]).unwrap();
            let f = File::open(&p).unwrap();
            let size = f.metadata().unwrap().len();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&p)
                .unwrap()
                .set_len(size / 2)
                .unwrap();
            let err = hash_reader(&p, f, size).unwrap_err();
            assert!(
                matches!(&err, Error::Integrity(m) if m.contains(&format!("w{len}.bin"))
                    && m.contains(&format!("{size} bytes when opened, {} read", size / 2))),
                "{err}"
            );
        }
    }

    /// Large files (block by block, across cores) hash as BLAKE3 of the whole.
    #[test]
    fn block_hashing_equals_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.bin");
        let bytes: Vec<u8> = (0..PARALLEL_MIN as usize + 3 * BLOCK + 12_345)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(
            hash_file(&p).unwrap(),
            (
                bytes.len() as u64,
                blake3::hash(&bytes).to_hex().to_string()
            )
        );
    }
}
