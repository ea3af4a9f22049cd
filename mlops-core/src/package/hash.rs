//! Hashing of package files: BLAKE3, streamed, on every core.
//!
//! Files are hashed in parallel across files (rayon), and a large file is
//! itself hashed memory-mapped across cores (`Hasher::update_mmap_rayon`,
//! BLAKE3's tree mode), so one 1 GiB weights file is hashed as fast as
//! `b3sum` does. Nothing is read whole into memory.

use std::path::Path;

use rayon::prelude::*;

use super::manifest::FileEntry;
use crate::error::{Error, Result};

/// Above this size a file is hashed memory-mapped on many threads; below
/// it a buffered read is cheaper than setting up the map.
const MMAP_THRESHOLD: u64 = 4 << 20;

/// The size and BLAKE3 hash (hex) of the file at `path`.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("w.bin");
/// std::fs::write(&p, b"abc").unwrap();
/// let (size, hash) = mlops_core::package::hash_file(&p).unwrap();
/// assert_eq!((size, hash), (3, blake3::hash(b"abc").to_hex().to_string()));
/// ```
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let mut h = blake3::Hasher::new();
    if meta.len() >= MMAP_THRESHOLD {
        h.update_mmap_rayon(path).map_err(|e| Error::io(path, e))?;
    } else {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        h.update_reader(std::io::BufReader::with_capacity(1 << 20, f))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok((h.count(), h.finalize().to_hex().to_string()))
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
