//! The collector's "now", in the store's own time (research on versioning,
//! §3.2): the grace period compares blobs' `last_modified`, which the store
//! stamps with its clock, so "now" is stamped by the same clock. At the
//! start of a plan or an apply the collector writes a marker object
//! `_gc/t0-<uuid>`, reads back its `last_modified` from a listing (the same
//! source as the blobs'), and removes the marker when done (see
//! `docs/store-protocol.md`, "Garbage collection"). A collector whose
//! machine clock is a day fast then deletes nothing a day early.
//!
//! A clock a test moves ([`crate::clock::ManualClock`]) shifts that time by
//! as much as it stands ahead of the system's
//! ([`Clock::ahead_of_store_ms`]), so tests still add days at will.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::Store;

use super::tombstone::TOMBSTONES;

/// The name every marker starts with, under [`TOMBSTONES`].
pub const MARKER_PREFIX: &str = "t0-";

/// A marker written by this collector: its time, and its removal when
/// dropped (a collector killed before leaves it; the next `apply` removes
/// markers older than a tombstone's lifetime).
#[derive(Debug)]
pub(crate) struct StoreNow {
    /// The collector's "now": the marker's `last_modified` plus the clock's
    /// lead (Unix milliseconds).
    pub now: u64,
    store: Store,
    path: String,
}

impl Drop for StoreNow {
    fn drop(&mut self) {
        let _ = self.store.delete_object(&self.path);
    }
}

/// Whether `path` (below the store's root) is a marker.
pub(crate) fn is_marker(path: &str) -> bool {
    path.strip_prefix(TOMBSTONES)
        .and_then(|p| p.strip_prefix('/'))
        .is_some_and(|name| name.starts_with(MARKER_PREFIX))
}

/// Writes a marker and reads back the store's time of it.
pub(crate) fn now(store: &Store, clock: &dyn Clock) -> Result<StoreNow> {
    let path = format!(
        "{TOMBSTONES}/{MARKER_PREFIX}{}",
        uuid::Uuid::now_v7().simple()
    );
    let body = format!(r#"{{"format":"mlops.gc_t0","clock":{}}}"#, clock.now_ms());
    store.write_index(&path, body.into_bytes(), true)?;
    let mut marker = StoreNow {
        now: 0,
        store: store.clone(),
        path,
    };
    let stamped = store
        .list_objects(TOMBSTONES)?
        .into_iter()
        .find(|o| o.path == marker.path)
        .map(|o| o.last_modified_ms)
        .ok_or_else(|| {
            Error::Integrity(format!(
                "the collector's time marker {} was written but is not listed",
                marker.path
            ))
        })?;
    let now = (stamped as i64).saturating_add(clock.ahead_of_store_ms());
    marker.now = now.max(0) as u64;
    Ok(marker)
}
