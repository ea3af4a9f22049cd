//! What directory trees (`crate::tree`) need of the store beyond single
//! blobs: several blobs put or read at once, a blob named by a hash its
//! writer already computed, and a range of a blob (a file inside a pack);
//! and the first bytes of a blob, which tell the collector and the writers'
//! guard (`crate::gc`) whether a blob is JSON that names other blobs
//! without reading all of it.
//!
//! A range is not checked against the blob's name (that needs every byte
//! of the blob); its reader checks it against the hash of the file it
//! holds, which the tree entry naming the range records.

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::{GetOptions, GetRange};

use super::blob::{blob_path, check_hash, get_blob_bytes, put_blob_if_absent};
use super::{local, storage, Hash, Store, TRANSFER_CONCURRENCY};
use crate::error::{Error, Result};

impl Store {
    /// Stores `bytes` as the blob `hash`, which the caller computed as the
    /// BLAKE3 hash of exactly these bytes (a pack is hashed while it is
    /// built, so it is not hashed again here).
    pub(crate) fn put_blob_hashed(&self, hash: &Hash, bytes: &[u8]) -> Result<()> {
        if let Some(root) = self.backend.root() {
            return local::put_blob(&root.join(blob_path(hash).as_ref()), bytes).map(|_| ());
        }
        self.backend
            .run(put_blob_if_absent(
                self.inner(),
                self.backend.is_remote(),
                hash.clone(),
                Bytes::copy_from_slice(bytes),
                false,
            ))
            .map(|_| ())
    }

    /// Stores many blobs, [`TRANSFER_CONCURRENCY`] requests at once on a
    /// cloud store; returns their hashes in order.
    pub(crate) fn put_blobs(&self, blobs: Vec<Vec<u8>>) -> Result<Vec<Hash>> {
        let hashed: Vec<(Hash, Bytes)> = blobs
            .into_iter()
            .map(|b| (Hash::of(&b), Bytes::from(b)))
            .collect();
        let hashes: Vec<Hash> = hashed.iter().map(|(h, _)| h.clone()).collect();
        if let Some(root) = self.backend.root() {
            for (h, b) in &hashed {
                local::put_blob(&root.join(blob_path(h).as_ref()), b)?;
            }
            return Ok(hashes);
        }
        let store = self.inner();
        let remote = self.backend.is_remote();
        self.backend.run(async move {
            futures::stream::iter(hashed)
                .map(|(h, b)| put_blob_if_absent(store.clone(), remote, h, b, true))
                .buffer_unordered(TRANSFER_CONCURRENCY)
                .try_collect::<Vec<bool>>()
                .await
        })?;
        Ok(hashes)
    }

    /// Many blobs, each verified against its name, in order;
    /// [`TRANSFER_CONCURRENCY`] requests at once on a cloud store.
    pub(crate) fn get_blobs(&self, hashes: &[Hash]) -> Result<Vec<Bytes>> {
        if self.backend.root().is_some() {
            return hashes
                .iter()
                .map(|h| self.get_blob(h.as_str()).map(Bytes::from))
                .collect();
        }
        let store = self.inner();
        let hashes = hashes.to_vec();
        self.backend.run(async move {
            futures::stream::iter(hashes)
                .map(|h| {
                    let store = store.clone();
                    async move { get_blob_bytes(store, h.as_str()).await }
                })
                .buffered(TRANSFER_CONCURRENCY)
                .try_collect::<Vec<_>>()
                .await
        })
    }

    /// Opens bytes `start..end` of the blob `hash` to be read in pieces
    /// (unverified, as [`get_blob_range`](Self::get_blob_range); a
    /// missing blob is [`Error::NotFound`], a short one
    /// [`Error::Integrity`]).
    ///
    /// On a local folder the file is only opened: each
    /// [`BlobRange::read`] is one positioned read of the piece asked for,
    /// into a buffer the caller uses again, so the piece is still in the
    /// core's cache when the caller hashes it and writes it out. (Reading
    /// a whole 64 MiB pack first and then hashing and writing its files
    /// took the bytes through memory three times: a sixth of a folder
    /// checkout went to that first copy.) On a bucket the whole range is
    /// fetched once, in one request, and pieces are slices of it.
    pub(crate) fn open_blob_range(&self, hash: &Hash, start: u64, end: u64) -> Result<BlobRange> {
        let Some(root) = self.backend.root() else {
            return Ok(BlobRange::Fetched {
                bytes: self.get_blob_range(hash, start, end)?,
                start,
            });
        };
        let (file, path) = open_local(root, hash)?;
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        if len < end {
            return Err(Error::Integrity(format!(
                "blob {hash} is shorter than {end} bytes ({len})"
            )));
        }
        Ok(BlobRange::Local {
            file,
            path,
            hash: hash.clone(),
        })
    }

    /// Bytes `start..end` of the blob `hash`, unverified (see the module
    /// docs): a missing blob is [`Error::NotFound`], a short one
    /// [`Error::Integrity`].
    pub(crate) fn get_blob_range(&self, hash: &Hash, start: u64, end: u64) -> Result<Bytes> {
        check_hash(hash.as_str())?;
        let path = blob_path(hash);
        let short = |got: usize| {
            Error::Integrity(format!(
                "blob {hash} is shorter than {end} bytes (read {got} from {start})"
            ))
        };
        if self.backend.root().is_some() {
            let mut buf = Vec::new();
            self.open_blob_range(hash, start, end)?
                .read(start, end, &mut buf)?;
            buf.truncate((end - start) as usize);
            return Ok(Bytes::from(buf));
        }
        if start == end {
            return Ok(Bytes::new());
        }
        let got = match self.get_object_range(&path, start..end) {
            Err(Error::NotFound(_)) => return Err(Error::NotFound(format!("blob {hash}"))),
            // A range past the end is refused by the store.
            Err(Error::Storage { .. }) if !self.exists(&path) => {
                return Err(Error::NotFound(format!("blob {hash}")))
            }
            g => g?,
        };
        if got.len() as u64 != end - start {
            return Err(short(got.len()));
        }
        Ok(got)
    }

    /// Up to the first `n` bytes of the blob `hash` (fewer when it is
    /// shorter), unverified: what is read to tell JSON from anything else
    /// without reading a whole chunk. A missing blob is [`Error::NotFound`].
    pub(crate) fn blob_prefix(&self, hash: &Hash, n: u64) -> Result<Bytes> {
        if let Some(root) = self.backend.root() {
            use std::io::Read;
            let (f, file) = open_local(root, hash)?;
            let mut buf = Vec::with_capacity(n as usize);
            f.take(n)
                .read_to_end(&mut buf)
                .map_err(|e| Error::io(&file, e))?;
            return Ok(Bytes::from(buf));
        }
        check_hash(hash.as_str())?;
        match self.get_object_range(&blob_path(hash), 0..n) {
            Ok(b) => Ok(b),
            Err(Error::NotFound(_)) => Err(Error::NotFound(format!("blob {hash}"))),
            // An empty blob has no first byte to range over: read it whole.
            Err(Error::Storage { .. }) => {
                let mut whole = Bytes::from(self.get_blob(hash.as_str())?);
                whole.truncate(n as usize);
                Ok(whole)
            }
            Err(e) => Err(e),
        }
    }

    /// Bytes `range` of the object `p` of a bucket, in one ranged GET.
    fn get_object_range(
        &self,
        p: &object_store::path::Path,
        range: std::ops::Range<u64>,
    ) -> Result<Bytes> {
        let store = self.inner();
        let p = p.clone();
        self.backend.run(async move {
            let opts = GetOptions {
                range: Some(GetRange::Bounded(range)),
                ..Default::default()
            };
            let r = store
                .get_opts(&p, opts)
                .await
                .map_err(|e| storage(format!("read {p}"), e))?;
            r.bytes().await.map_err(|e| storage(format!("read {p}"), e))
        })
    }
}

/// The file of blob `hash` in the folder store `root`, opened, and its
/// path; a missing one is [`Error::NotFound`] naming the blob.
fn open_local(root: &std::path::Path, hash: &Hash) -> Result<(std::fs::File, std::path::PathBuf)> {
    check_hash(hash.as_str())?;
    let path = root.join(blob_path(hash).as_ref());
    match std::fs::File::open(&path) {
        Ok(f) => Ok((f, path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::NotFound(format!("blob {hash}")))
        }
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// A range of a blob opened by [`Store::open_blob_range`].
pub(crate) enum BlobRange {
    /// A blob of a local folder: read piece by piece.
    Local {
        /// The blob's file.
        file: std::fs::File,
        /// Its path (for errors).
        path: std::path::PathBuf,
        /// Its name (for errors).
        hash: Hash,
    },
    /// A range fetched from a bucket, whole.
    Fetched {
        /// The range's bytes.
        bytes: Bytes,
        /// Where they start in the blob.
        start: u64,
    },
}

impl BlobRange {
    /// Bytes `start..end` of the blob (positions in the blob, inside the
    /// range opened), read into `buf` when they are not in memory yet.
    pub(crate) fn read<'a>(
        &'a self,
        start: u64,
        end: u64,
        buf: &'a mut Vec<u8>,
    ) -> Result<&'a [u8]> {
        match self {
            BlobRange::Fetched { bytes, start: at } => start
                .checked_sub(*at)
                .and_then(|from| bytes.get(from as usize..(from + (end - start)) as usize))
                .ok_or_else(|| {
                    Error::Integrity(format!(
                        "bytes {start}..{end} are outside the range read ({at}..{})",
                        at + bytes.len() as u64
                    ))
                }),
            BlobRange::Local { file, path, hash } => {
                // Grown, never cleared: zeroing what is read over
                // would be one more pass over the bytes.
                let n = (end - start) as usize;
                if buf.len() < n {
                    buf.resize(n, 0);
                }
                read_exact_at(file, &mut buf[..n], start).map_err(|e| match e.kind() {
                    std::io::ErrorKind::UnexpectedEof => {
                        Error::Integrity(format!("blob {hash} is shorter than {end} bytes"))
                    }
                    _ => Error::io(path, e),
                })?;
                Ok(&buf[..n])
            }
        }
    }
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, mut buf: &mut [u8], mut at: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, at)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}
