//! Tombstones: `_gc/<id>.json`, naming the blobs a collector is about to
//! delete, written before its last look at the leases and removed once the
//! batch is done. A writer reads them after writing its lease and fails
//! closed if one names a blob its version needs, so a collector killed
//! between its delete and its second look cannot leave a committed version
//! without its blob.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{Hash, Store};

/// The folder of the tombstones.
pub const TOMBSTONES: &str = "_gc";

/// How long a tombstone is honoured: one left by a collector that was
/// killed is removed by the next `apply` once it is this old (in the
/// collector's "now", the store's time: see `gc::store_time`). A batch of
/// deletions must finish within it. A collector's time marker left behind
/// goes after as long.
pub const TOMBSTONE_TTL: std::time::Duration = std::time::Duration::from_secs(3_600);

/// A tombstone as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone {
    /// `mlops.gc_tombstone`.
    pub format: String,
    /// When it was written (Unix milliseconds, the collector's clock).
    pub time: u64,
    /// The blobs about to be deleted.
    pub hashes: Vec<Hash>,
}

/// Writes a tombstone naming `hashes`; returns its path.
pub(crate) fn write(store: &Store, now_ms: u64, hashes: &[Hash]) -> Result<String> {
    let t = Tombstone {
        format: "mlops.gc_tombstone".into(),
        time: now_ms,
        hashes: hashes.to_vec(),
    };
    let path = format!("{TOMBSTONES}/{}.json", uuid::Uuid::now_v7().simple());
    store.write_index(
        &path,
        serde_json::to_vec(&t).expect("tombstones serialise"),
        true,
    )?;
    Ok(path)
}

/// Every tombstone, with its path (one that does not parse names
/// nothing); the collectors' time markers beside them are none.
fn read_all(store: &Store) -> Result<Vec<(String, Option<Tombstone>)>> {
    let mut out = Vec::new();
    for o in store.list_objects(TOMBSTONES)? {
        if super::store_time::is_marker(&o.path) {
            continue;
        }
        let t = store
            .read_index(&o.path)?
            .and_then(|b| serde_json::from_slice::<Tombstone>(&b).ok());
        out.push((o.path, t));
    }
    Ok(out)
}

/// The first of `hashes` a tombstone names, if any.
pub(crate) fn first_doomed(store: &Store, hashes: &[Hash]) -> Result<Option<Hash>> {
    let doomed: std::collections::HashSet<Hash> = read_all(store)?
        .into_iter()
        .flat_map(|(_, t)| t.into_iter().flat_map(|t| t.hashes))
        .collect();
    Ok(hashes.iter().find(|h| doomed.contains(*h)).cloned())
}

/// Removes tombstones older than [`TOMBSTONE_TTL`] and time markers
/// whose `last_modified` is (both left by a collector that was killed).
pub(crate) fn remove_stale(store: &Store, now_ms: u64) -> Result<()> {
    let ttl = TOMBSTONE_TTL.as_millis() as u64;
    for o in store.list_objects(TOMBSTONES)? {
        if super::store_time::is_marker(&o.path) && o.last_modified_ms.saturating_add(ttl) < now_ms
        {
            store.delete_object(&o.path)?;
        }
    }
    for (path, t) in read_all(store)? {
        if t.is_some_and(|t| t.time.saturating_add(ttl) < now_ms) {
            store.delete_object(&path)?;
        }
    }
    Ok(())
}
