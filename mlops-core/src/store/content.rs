//! Content of any size: content-defined chunks stored as blobs, and a
//! manifest blob that lists them (see the module docs of `store`).

use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStore;

use super::blob::{blob_path, check_hash, get_blob_bytes, put_blob_if_absent};
use super::{chunking, local, Hash, Store, READ_BATCH, TRANSFER_CONCURRENCY};
use crate::error::{Error, Result};

/// The chunks of one piece of content, in order, as stored in its manifest blob.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// `mlops.chunks`.
    pub format: String,
    /// Total size in bytes.
    pub size: u64,
    /// `(BLAKE3 hash, length)` of each chunk.
    pub chunks: Vec<(Hash, u64)>,
}

/// A buffer [`Store::put_content`] reads content into; it grows as content
/// arrives (a small file costs a small buffer) and keeps its capacity when
/// refilled.
struct ReadBuffer {
    data: Vec<u8>,
}

impl ReadBuffer {
    fn new() -> Self {
        ReadBuffer { data: Vec::new() }
    }

    /// The bytes read so far.
    fn filled(&self) -> &[u8] {
        &self.data
    }

    /// Empties the buffer but for `carried` (at most [`CHUNK_MAX`](super::CHUNK_MAX) bytes).
    fn start_with(&mut self, carried: &[u8]) {
        self.data.clear();
        self.data.extend_from_slice(carried);
    }

    /// Reads from `reader` until the buffer holds [`READ_BATCH`] bytes or
    /// the reader ends; returns whether it ended (it may also have ended
    /// exactly at [`READ_BATCH`]: the next fill then reads nothing).
    fn fill(&mut self, reader: &mut impl std::io::Read) -> Result<bool> {
        use std::io::Read;
        let want = READ_BATCH.saturating_sub(self.data.len());
        let got = reader
            .take(want as u64)
            .read_to_end(&mut self.data)
            .map_err(|e| Error::Storage {
                context: "reading content to store".into(),
                source: e,
            })?;
        Ok(got < want)
    }
}

/// Reads a chunk and checks its hash and length.
async fn get_chunk(store: Arc<dyn ObjectStore>, hash: Hash, len: u64) -> Result<Bytes> {
    let bytes = get_blob_bytes(store, &hash).await?;
    if bytes.len() as u64 != len {
        return Err(Error::Integrity(format!(
            "chunk {hash} has {} bytes, the manifest says {len}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

impl Store {
    /// Stores the chunks `cuts` of `data` not yet present and returns their
    /// `(hash, length, already there)`: hashed and written on the rayon
    /// pool for a local folder (straight from `data`), uploaded over many
    /// requests at once for a cloud store.
    fn put_chunks(&self, data: &[u8], cuts: &[chunking::Cut]) -> Result<Vec<(Hash, u64, bool)>> {
        use rayon::prelude::*;
        let piece = |&(offset, length): &chunking::Cut| &data[offset..offset + length];
        let hash = |c: &chunking::Cut| Hash::of(piece(c));
        if let Some(root) = self.backend.root() {
            let put = |c: &chunking::Cut| -> Result<(Hash, u64, bool)> {
                let h = hash(c);
                let wrote = local::put_blob(&root.join(blob_path(&h).as_ref()), piece(c))?;
                Ok((h, c.1 as u64, !wrote))
            };
            if cuts.len() == 1 {
                // Small content (a model's metadata file, an event-sized
                // blob): waking pool threads would cost more than the write.
                return cuts.iter().map(put).collect();
            }
            return local::io_pool().install(|| cuts.par_iter().map(put).collect());
        }
        let hashed: Vec<(Hash, Bytes)> = cuts
            .par_iter()
            .map(|c| (hash(c), Bytes::copy_from_slice(piece(c))))
            .collect();
        let store = self.inner();
        let remote = self.backend.is_remote();
        self.backend.run(async move {
            futures::stream::iter(hashed)
                .map(|(h, b)| {
                    let len = b.len() as u64;
                    let put = put_blob_if_absent(store.clone(), remote, h.clone(), b, true);
                    async move { put.await.map(|wrote| (h, len, !wrote)) }
                })
                .buffered(TRANSFER_CONCURRENCY)
                .try_collect::<Vec<_>>()
                .await
        })
    }

    /// Stores content of any size from `reader` without holding it in
    /// memory: content-defined chunks (hashed in parallel, written in
    /// parallel, those already present skipped) and a manifest listing
    /// them. Returns the manifest's hash, which names the content, and the
    /// size.
    ///
    /// The content is read [`READ_BATCH`] bytes at a time into one of two
    /// buffers: while the chunks of one are hashed and written, the next is
    /// read and cut (on every core, with the cuts of one pass: see
    /// `store/chunking.rs`). A cut depends only on the bytes from the
    /// previous cut, at most [`CHUNK_MAX`](super::CHUNK_MAX) of them, and the last, possibly
    /// short, chunk of a buffer is carried over to the start of the next
    /// one, so the chunks are those of one FastCDC pass over the whole
    /// content, and no chunk is copied on its way to a local store.
    pub fn put_content(&self, reader: impl std::io::Read) -> Result<(Hash, u64)> {
        self.put_content_tracked(reader).map(|(h, n, _)| (h, n))
    }

    /// [`put_content`](Self::put_content), returning as well the blobs
    /// (chunks, the manifest) that were already there: deduplication hits,
    /// which a writer names in a lease before it commits (see `crate::gc`).
    pub fn put_content_tracked(
        &self,
        mut reader: impl std::io::Read,
    ) -> Result<(Hash, u64, Vec<Hash>)> {
        let mut hits: Vec<Hash> = Vec::new();
        let mut chunks: Vec<(Hash, u64)> = Vec::new();
        let mut size = 0u64;
        let mut current = ReadBuffer::new();
        let mut next = ReadBuffer::new();
        let mut eof = current.fill(&mut reader)?;
        let mut cuts = chunking::cut(current.filled());
        loop {
            let data = current.filled();
            let carried = if eof { None } else { cuts.pop() };
            next.start_with(carried.map_or(&[][..], |(offset, _)| &data[offset..]));
            // Store this buffer's chunks while the next one is read and cut.
            let (stored, read) = if eof {
                (self.put_chunks(data, &cuts), Ok((true, Vec::new())))
            } else {
                std::thread::scope(|s| {
                    let storing = s.spawn(|| self.put_chunks(data, &cuts));
                    let read = next
                        .fill(&mut reader)
                        .map(|eof| (eof, chunking::cut(next.filled())));
                    let stored = storing
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (stored, read)
                })
            };
            let stored = stored?;
            size += stored.iter().map(|(_, n, _)| n).sum::<u64>();
            for (h, n, hit) in stored {
                if hit {
                    hits.push(h.clone());
                }
                chunks.push((h, n));
            }
            if eof {
                break;
            }
            (eof, cuts) = read?;
            std::mem::swap(&mut current, &mut next);
        }
        let manifest = Manifest {
            format: "mlops.chunks".into(),
            size,
            chunks,
        };
        let (hash, hit) =
            self.put_blob_tracked(&serde_json::to_vec(&manifest).expect("manifests serialise"))?;
        if hit {
            hits.push(hash.clone());
        }
        hits.sort();
        hits.dedup();
        Ok((hash, size, hits))
    }

    /// The manifest named `hash` (verified).
    pub fn manifest(&self, hash: &str) -> Result<Manifest> {
        let bytes = self.get_blob(hash)?;
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Integrity(format!("blob {hash} is not a chunk manifest: {e}")))?;
        if m.format != "mlops.chunks"
            || m.chunks.iter().map(|c| c.1).sum::<u64>() != m.size
            || m.chunks.iter().any(|(h, _)| check_hash(h).is_err())
        {
            return Err(Error::Integrity(format!(
                "blob {hash}: chunk manifest does not add up"
            )));
        }
        Ok(m)
    }

    /// Writes the content named by a manifest to `out`, chunk by chunk,
    /// each verified against its hash and length before it is written;
    /// returns the bytes written. A cloud store fetches up to
    /// [`TRANSFER_CONCURRENCY`] chunks at once, in order.
    pub fn get_content(&self, hash: &str, mut out: impl std::io::Write) -> Result<u64> {
        let m = self.manifest(hash)?;
        let window = if self.backend.is_remote() {
            TRANSFER_CONCURRENCY
        } else {
            1
        };
        for part in m.chunks.chunks(window) {
            let store = self.inner();
            let part = part.to_vec();
            let got = self.backend.run(async move {
                futures::future::try_join_all(
                    part.into_iter()
                        .map(|(h, len)| get_chunk(store.clone(), h, len)),
                )
                .await
            })?;
            for bytes in got {
                out.write_all(&bytes)
                    .map_err(|e| Error::io("content output", e))?;
            }
        }
        Ok(m.size)
    }
}
