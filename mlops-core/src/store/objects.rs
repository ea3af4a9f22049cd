//! Listing and deleting objects, for the collector (`crate::gc`): the only
//! code that removes anything from a store besides a log's cover.

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::ObjectStoreExt;

use super::blob::{blob_path, check_hash};
use super::{storage, Store};
use crate::error::{Error, Result};

/// One object as a listing gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its path below the store's root (`blobs/ab/ab12...`).
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// When the store last wrote it (the store's clock), Unix milliseconds.
    pub last_modified_ms: u64,
}

impl Store {
    /// Every object below `prefix` (`""`: the whole store), with its size
    /// and the store's `last_modified`, in no particular order. A folder's
    /// staging files (names holding `#`) are not objects and are left out.
    pub fn list_objects(&self, prefix: &str) -> Result<Vec<ObjectInfo>> {
        let p = (!prefix.is_empty()).then(|| Path::from(prefix));
        let store = self.inner();
        let context = format!("list {prefix}");
        let metas = self.backend.run(async move {
            store
                .list(p.as_ref())
                .try_collect::<Vec<_>>()
                .await
                .map_err(|e| storage(context, e))
        });
        let metas = match metas {
            Ok(m) => m,
            // A folder store with no such folder yet lists nothing.
            Err(Error::NotFound(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(metas
            .into_iter()
            .filter(|m| !m.location.as_ref().contains('#'))
            .map(|m| ObjectInfo {
                path: m.location.to_string(),
                size: m.size,
                last_modified_ms: m.last_modified.timestamp_millis().max(0) as u64,
            })
            .collect())
    }

    /// Whether the blob `hash` exists (one `HEAD`, no read).
    pub fn has_blob(&self, hash: &str) -> Result<bool> {
        check_hash(hash)?;
        Ok(self.exists(&blob_path(hash)))
    }

    /// Deletes the blob `hash`; deleting one that is not there is no error.
    /// Only the collector calls this, after proving the blob unreferenced.
    pub fn delete_blob(&self, hash: &str) -> Result<()> {
        check_hash(hash)?;
        self.delete_object(blob_path(hash).as_ref())
    }

    /// Deletes the object at `path` (absent: no error).
    pub(crate) fn delete_object(&self, path: &str) -> Result<()> {
        if let Some(root) = self.backend.root() {
            return match std::fs::remove_file(root.join(path)) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(Error::io(root.join(path), e)),
            };
        }
        let (store, key) = (self.inner(), Path::from(path));
        let context = format!("delete {path}");
        match self
            .backend
            .run(async move { store.delete(&key).await.map_err(|e| storage(context, e)) })
        {
            Ok(()) | Err(Error::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl Store {
    /// The names at the top of the store (`assets`, `blobs`, `runs`, ...):
    /// folders and objects alike.
    pub fn top_level(&self) -> Result<Vec<String>> {
        if let Some(root) = self.backend.root() {
            let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
            let mut out = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(root, e))?;
                if let Some(name) = entry.file_name().to_str() {
                    if !name.contains('#') {
                        out.push(name.to_string());
                    }
                }
            }
            out.sort();
            return Ok(out);
        }
        let store = self.inner();
        let listing = self.backend.run(async move {
            store
                .list_with_delimiter(None)
                .await
                .map_err(|e| storage("list the store", e))
        })?;
        let mut out: Vec<String> = listing
            .common_prefixes
            .iter()
            .map(|p| p.to_string())
            .chain(listing.objects.iter().map(|o| o.location.to_string()))
            .collect();
        out.sort();
        Ok(out)
    }
}

impl Store {
    /// The first of `hashes` that is not in the store, if any: one `stat`
    /// each on a folder, [`super::TRANSFER_CONCURRENCY`] `HEAD`s at once on
    /// a cloud store.
    pub fn first_missing_blob(&self, hashes: &[super::Hash]) -> Result<Option<super::Hash>> {
        use futures::StreamExt;
        for h in hashes {
            check_hash(h)?;
        }
        if !self.backend.is_remote() {
            return Ok(hashes.iter().find(|h| !self.exists(&blob_path(h))).cloned());
        }
        let store = self.inner();
        let hashes = hashes.to_vec();
        self.backend.run(async move {
            let found: Vec<(super::Hash, bool)> = futures::stream::iter(hashes)
                .map(|h| {
                    let store = store.clone();
                    async move {
                        let there = super::exists(store, blob_path(&h)).await;
                        (h, there)
                    }
                })
                .buffered(super::TRANSFER_CONCURRENCY)
                .collect()
                .await;
            Ok(found.into_iter().find(|(_, there)| !there).map(|(h, _)| h))
        })
    }
}
