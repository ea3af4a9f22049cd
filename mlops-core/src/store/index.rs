//! Index objects beside the logs: caches that writers keep and readers
//! check against the log they speed up (see `docs/store-protocol.md`,
//! "Indexes").

use object_store::path::Path;
use object_store::{PutOptions, PutPayload};

use super::{check_log_name, local, storage, Store};
use crate::error::{Error, Result};

mod object;

impl Store {
    /// An index object beside the logs (see `docs/store-protocol.md`,
    /// "Indexes"), or `None` if it does not exist. Indexes are caches that
    /// writers keep and readers check against the log they speed up.
    pub fn read_index(&self, path: &str) -> Result<Option<Vec<u8>>> {
        check_log_name(path)?;
        match self.get(&Path::from(path)) {
            Ok(bytes) => Ok(Some(Vec::from(bytes))),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes an index object: replacing what is there, or with
    /// `create_only` only if nothing is (then returns `false` when something
    /// was). The put is atomic: readers see the old or the new object whole.
    pub fn write_index(&self, path: &str, bytes: Vec<u8>, create_only: bool) -> Result<bool> {
        check_log_name(path)?;
        let (store, key) = (self.inner(), Path::from(path));
        if create_only {
            return self.create(&key, bytes);
        }
        if let Some(root) = self.backend.root() {
            local::put_replace(&root.join(key.as_ref()), &bytes)?;
            return Ok(true);
        }
        let context = format!("write {path}");
        self.backend.run(async move {
            store
                .put_opts(&key, PutPayload::from(bytes), PutOptions::default())
                .await
                .map(|_| true)
                .map_err(|e| storage(context, e))
        })
    }
}
