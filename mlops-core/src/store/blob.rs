//! Blobs: bytes named by their BLAKE3 hash, stored once and verified on
//! every read.

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::ObjectStore;

use super::{
    backend, exists, get_bytes, local, put_create, Hash, Store, EVENT_PUT_ATTEMPTS,
    PHANTOM_CONFLICT_RETRIES,
};
use crate::error::{Error, Result};

/// The path of a blob.
pub(super) fn blob_path(hash: &str) -> Path {
    Path::from(format!("blobs/{}/{}", &hash[..2], hash))
}

/// Stores a blob unless it is there. "Already exists" is success only once
/// the blob can be seen, so a conflict reported while another writer's put
/// was in flight (and then failed) does not leave the blob missing. A
/// storage error of a cloud store (a timeout or a reset after object_store's
/// own retries) leaves the put's outcome unknown: the blob is looked for
/// and, if absent, put again (same name, same bytes, so any attempt that
/// lands will do). `Ok(true)` when this call wrote it, `Ok(false)` when it
/// was there (a deduplication hit).
pub(super) async fn put_blob_if_absent(
    store: Arc<dyn ObjectStore>,
    remote: bool,
    hash: Hash,
    bytes: Bytes,
    probe_first: bool,
) -> Result<bool> {
    let path = blob_path(&hash);
    if probe_first && exists(store.clone(), path.clone()).await {
        return Ok(false);
    }
    let mut failures = 0;
    for attempt in 1..=PHANTOM_CONFLICT_RETRIES {
        match put_create(store.clone(), path.clone(), bytes.clone()).await {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(e @ Error::Storage { .. }) if remote => {
                failures += 1;
                if failures >= EVENT_PUT_ATTEMPTS && !exists(store.clone(), path.clone()).await {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        if exists(store.clone(), path.clone()).await {
            return Ok(false);
        }
        backend::backoff(remote, attempt).await;
    }
    Err(Error::Conflict(format!(
        "blob {hash}: the store keeps answering 'already exists' but has no such object"
    )))
}

/// Reads a blob and checks that its bytes hash to its name.
pub(super) async fn get_blob_bytes(store: Arc<dyn ObjectStore>, hash: &str) -> Result<Bytes> {
    let bytes = get_bytes(store, blob_path(hash))
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(format!("blob {hash}")),
            e => e,
        })?;
    let got = blake3::hash(&bytes).to_hex();
    if got.as_str() != hash {
        return Err(Error::Integrity(format!(
            "blob {hash} holds bytes that hash to {got}"
        )));
    }
    Ok(bytes)
}

pub(super) fn check_hash(hash: &str) -> Result<()> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::InvalidInput(format!(
            "blob hash '{hash}' is not 64 hex digits"
        )));
    }
    Ok(())
}

impl Store {
    /// Stores `bytes` under their BLAKE3 hash and returns it. Storing the
    /// same bytes again is a no-op.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<Hash> {
        self.put_blob_tracked(bytes).map(|(h, _)| h)
    }

    /// [`put_blob`](Self::put_blob), saying whether the blob was already
    /// there (`true`: a deduplication hit).
    pub fn put_blob_tracked(&self, bytes: &[u8]) -> Result<(Hash, bool)> {
        let hash = Hash::of(bytes);
        if let Some(root) = self.backend.root() {
            let wrote = local::put_blob(&root.join(blob_path(&hash).as_ref()), bytes)?;
            return Ok((hash, !wrote));
        }
        let wrote = self.backend.run(put_blob_if_absent(
            self.inner(),
            self.backend.is_remote(),
            hash.clone(),
            Bytes::copy_from_slice(bytes),
            false,
        ))?;
        Ok((hash, !wrote))
    }

    /// The bytes named `hash`, verified: bytes that do not hash to their
    /// name are an [`Error::Integrity`].
    pub fn get_blob(&self, hash: &str) -> Result<Vec<u8>> {
        check_hash(hash)?;
        let hash = hash.to_string();
        let store = self.inner();
        let bytes = self
            .backend
            .run(async move { get_blob_bytes(store, &hash).await })?;
        Ok(Vec::from(bytes))
    }
}
