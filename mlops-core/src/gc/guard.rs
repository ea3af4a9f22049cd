//! The guard every writer puts between storing content and appending the
//! event that names it (see `docs/store-protocol.md`, "Garbage
//! collection", "Write leases"). Content is stored with put-if-absent: a
//! blob already there (a deduplication hit) may be old garbage that a
//! collector deletes before the event lands, and the grace period does not
//! help because the blob is old. So a writer, after storing and before its
//! event:
//!
//! 1. works out every blob the event will name ([`named`]: the blobs it
//!    stored and what they name in turn, as the collector follows them);
//! 2. writes a lease naming them all;
//! 3. checks that no collector's tombstone names one and that each is
//!    there, else fails with [`Error::Integrity`] and commits nothing;
//! 4. appends its event, then drops the lease.
//!
//! Registry versions (files, data sets, data sets of parts, packages,
//! trees), gate reports, run segments, compactions and artifacts, and
//! monitor events all go through here, so a new writer gets the same
//! protocol by calling [`hold`].

use std::collections::BTreeSet;

use super::{lease, refs, tombstone};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::{Hash, Store};

/// The error of a write whose blob was collected (or is being collected)
/// before its event: nothing was committed, and writing again stores the
/// content again.
pub(crate) fn gone(h: &Hash, what: &str) -> Error {
    Error::Integrity(format!(
        "blob {h} was collected before the {what} naming it was committed; \
         nothing was committed: write the {what} again"
    ))
}

/// Every blob an event naming `roots` names: the roots (the blobs the
/// writer stored), what a chunk manifest lists (its chunks), and, followed
/// the way the collector follows them ([`refs::references`]), the blobs
/// that JSON among them names (a data set's parts, a package's files). A
/// root, or a chunk of a manifest reached, that is not there fails with
/// [`Error::Integrity`]; a 64-hex string in JSON that names no blob is
/// skipped (it may be a user's own digest).
pub(crate) fn named(store: &Store, roots: &[Hash], what: &str) -> Result<Vec<Hash>> {
    let mut out: BTreeSet<Hash> = BTreeSet::new();
    let mut seen: BTreeSet<Hash> = BTreeSet::new();
    // (blob, whether it must be there, whether to read it for what it names)
    let mut stack: Vec<(Hash, bool, bool)> =
        roots.iter().map(|h| (h.clone(), true, true)).collect();
    while let Some((h, required, follow)) = stack.pop() {
        if !follow {
            // A chunk (or a pack): a leaf, which must be there; its
            // existence is checked with the rest after the lease.
            out.insert(h);
            continue;
        }
        if !seen.insert(h.clone()) {
            continue;
        }
        match refs::named_by_blob(store, &h) {
            Ok(more) => {
                out.insert(h);
                stack.extend(more.into_iter().map(|r| (r.hash, !r.follow, r.follow)));
            }
            Err(Error::NotFound(_)) if required => return Err(gone(&h, what)),
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out.into_iter().collect())
}

/// Steps 2 and 3 for the blobs `roots` name ([`named`]): the lease to hold
/// until the event is written (none, and the clock not read, when `roots`
/// is empty).
pub(crate) fn hold(
    store: &Store,
    principal: &str,
    clock: &dyn Clock,
    roots: &[Hash],
    what: &str,
) -> Result<lease::Held> {
    if roots.is_empty() {
        return Ok(lease::Held::none(store));
    }
    let named = named(store, roots, what)?;
    hold_named(store, principal, clock.now_ms(), named, what)
}

/// How many times [`again`] makes a write.
const ATTEMPTS: u32 = 3;

/// Runs `write` (which stores its content, then appends its event behind
/// [`hold`]) again when it fails with [`Error::Integrity`], as the guard
/// fails when a collector removed a blob it had found stored: the next
/// attempt stores the blob anew. For writers that run on their own (a
/// run's flusher, a monitor's), whose caller could not write again.
pub(crate) fn again<T>(mut write: impl FnMut() -> Result<T>) -> Result<T> {
    let mut attempt = 1;
    loop {
        match write() {
            Err(Error::Integrity(_)) if attempt < ATTEMPTS => attempt += 1,
            r => return r,
        }
    }
}

/// Steps 2 and 3 for `named`, every blob the event will name, worked out
/// by the caller (a tree's pages, packs and chunks).
pub(crate) fn hold_named(
    store: &Store,
    principal: &str,
    now_ms: u64,
    named: Vec<Hash>,
    what: &str,
) -> Result<lease::Held> {
    let held = lease::take(store, principal, now_ms, named.clone(), &[])?;
    check(store, &named, what)?;
    Ok(held)
}

/// Step 3, after the lease is written: no tombstone names one of `named`,
/// and each is there. The collector writes its tombstone before its last
/// look at the leases, so either it sees this lease (and keeps or puts
/// back the blob), or this look sees its tombstone, or the blob gone.
pub(crate) fn check(store: &Store, named: &[Hash], what: &str) -> Result<()> {
    if let Some(h) = tombstone::first_doomed(store, named)? {
        return Err(gone(&h, what));
    }
    match store.first_missing_blob(named)? {
        Some(h) => Err(gone(&h, what)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parts_list_names_each_part_and_its_chunks_but_not_a_stray_digest() {
        let s = Store::open("memory://").unwrap();
        let (part, _) = s.put_content(&b"PAR1 part bytes"[..]).unwrap();
        let chunk = s.manifest(&part).unwrap().chunks[0].0.clone();
        let profile = s.put_blob(b"profile bytes").unwrap();
        let stray = "e".repeat(64);
        let list = format!(
            r#"{{"format":"parquet-parts","parts":[{{"content":"{part}","profile":"{profile}"}}],"note":"{stray}"}}"#
        );
        let (outer, _) = s.put_content(list.as_bytes()).unwrap();
        let got = named(&s, std::slice::from_ref(&outer), "version").unwrap();
        let outer_chunk = s.manifest(&outer).unwrap().chunks[0].0.clone();
        let mut want = vec![outer, outer_chunk, part, chunk, profile];
        want.sort();
        want.dedup();
        assert_eq!(got, want);
        // A root that is not there fails closed.
        let missing = Hash::of(b"never stored");
        let err = named(&s, std::slice::from_ref(&missing), "artifact").unwrap_err();
        assert!(
            matches!(&err, Error::Integrity(m) if m.contains(missing.as_str())),
            "{err}"
        );
    }
}
