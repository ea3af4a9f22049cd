//! Write leases: `_leases/<id>.json`, naming the blobs a writer found
//! already stored (deduplication hits) between storing its content and
//! committing the event that names it. The collector keeps every blob a
//! lease names, and after deleting it looks at the leases again and puts
//! back any blob a lease now names (see `docs/store-protocol.md`, "Garbage
//! collection").

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{Hash, Store};

/// The folder of the leases.
pub const LEASES: &str = "_leases";

/// How long a lease is trusted after it is written; the collector's
/// smallest safe grace period is twice this.
pub const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    /// `mlops.lease`.
    pub format: String,
    /// Who wrote it.
    pub principal: String,
    /// When (Unix milliseconds, the writer's clock).
    pub time: u64,
    /// Until when the collector must keep what it names.
    pub expires: u64,
    /// The blobs the writer found already stored.
    pub hashes: Vec<Hash>,
}

/// A lease written by this process, released (deleted) when dropped.
#[derive(Debug)]
pub struct Held {
    store: Store,
    path: Option<String>,
}

impl Held {
    /// No lease (nothing was deduplicated).
    pub(crate) fn none(store: &Store) -> Self {
        Held {
            store: store.clone(),
            path: None,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = self.store.delete_object(&p);
        }
    }
}

/// How many times a lease's put is made when the store's answer is lost.
const LEASE_PUT_ATTEMPTS: u32 = 5;

/// Writes a lease naming `hashes`, then checks that each of `check` (the
/// blobs the writer found already stored) still exists: one gone between
/// the writer's probe and its lease was collected, and the write fails
/// closed with [`Error::Integrity`] naming it (nothing is committed).
/// Then, either the collector sees the lease after its delete and puts the
/// blob back, or a check after the lease sees the blob gone.
pub(crate) fn take(
    store: &Store,
    principal: &str,
    now_ms: u64,
    hashes: Vec<Hash>,
    check: &[Hash],
) -> Result<Held> {
    if hashes.is_empty() {
        return Ok(Held::none(store));
    }
    let lease = Lease {
        format: "mlops.lease".into(),
        principal: principal.to_string(),
        time: now_ms,
        expires: now_ms + LEASE_TTL.as_millis() as u64,
        hashes,
    };
    let id = uuid::Uuid::now_v7().simple().to_string();
    let path = format!("{LEASES}/{id}.json");
    // The name is new (a UUID), so writing it again is harmless: a put whose
    // answer was lost (a reset, a timeout) is simply made again, as an
    // event's put is (`EVENT_PUT_ATTEMPTS`), rather than failing the write.
    let bytes = serde_json::to_vec(&lease).expect("leases serialise");
    let mut attempt = 1;
    loop {
        match store.write_index(&path, bytes.clone(), false) {
            Ok(_) => break,
            Err(Error::Storage { .. }) if attempt < LEASE_PUT_ATTEMPTS => attempt += 1,
            Err(e) => return Err(e),
        }
    }
    let held = Held {
        store: store.clone(),
        path: Some(path),
    };
    if let Some(h) = store.first_missing_blob(check)? {
        return Err(super::guard::gone(&h, "version"));
    }
    Ok(held)
}

/// Every lease in the store, with its path (one that does not parse is
/// read as naming nothing).
pub(crate) fn read_all(store: &Store) -> Result<Vec<(String, Option<Lease>)>> {
    let mut out = Vec::new();
    for o in store.list_objects(LEASES)? {
        let lease = store
            .read_index(&o.path)?
            .and_then(|b| serde_json::from_slice::<Lease>(&b).ok());
        out.push((o.path, lease));
    }
    Ok(out)
}
