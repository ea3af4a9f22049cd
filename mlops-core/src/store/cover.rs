//! The cover of a log: `<log>/_head`, naming the log's newest event and
//! the BLAKE3 hash of its bytes.
//!
//! Every event but the newest is covered by the next event's `prev`; the
//! newest is covered by nothing else, so without this object an edit of
//! an asset's newest events (up to 7 of them after `head.json`, or all of
//! an asset with fewer than 8) would go unseen. Each writer rewrites it
//! after its append, then checks that no later event appeared meanwhile
//! (if one did, it writes that one's cover), so once writers are done it
//! names the newest event.
//!
//! Text: the sequence number as 20 zero-padded digits, a space and 64
//! lower-case hex digits (always 85 bytes, so a folder store rewrites it in
//! place). Earlier releases wrote the number alone; such a cover is still
//! read, as a number that must not be past the log's end, with nothing to
//! compare the event's bytes with.
//!
//! Checking (see [`Store::check_cover`](super::Store)): the cover may lag
//! the log (a writer died after its event, or is between the two puts),
//! but it is never ahead of it and never names other bytes. A cover past
//! the last event found means events were deleted, unless the log grew
//! while it was being read (then the next event must link to the last one
//! read); a cover whose hash is not the event's means the event, or the
//! cover, was changed. A reader may catch a folder store's in-place
//! rewrite half done, so a disagreement is read again before it is
//! reported.

use object_store::path::Path;
use object_store::{PutOptions, PutPayload};

use super::log::event_path;
use super::{local, storage, Event, Hash, Store};
use crate::error::{Error, Result};

/// What a log's cover names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cover {
    /// The newest event when it was written.
    pub seq: u64,
    /// Its hash (`None` in a cover of the earlier format).
    pub hash: Option<Hash>,
}

/// The cover's text for event `seq` with hash `hash`.
pub(crate) fn encode(seq: u64, hash: &str) -> String {
    format!("{seq:020} {hash}")
}

/// Reads a cover's text; `None` for anything that is not one (a cover is
/// advisory where it cannot be read: it only strengthens the checks).
pub(crate) fn decode(bytes: &[u8]) -> Option<Cover> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    let (seq, hash) = match text.split_once(' ') {
        Some((seq, hash)) => (seq, Some(hash.parse::<Hash>().ok()?)),
        None => (text, None),
    };
    if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Cover {
        seq: seq.parse().ok()?,
        hash,
    })
}

/// What a cover said of the events a reader found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Covered {
    /// It agrees with them (or there is nothing to compare).
    Holds,
    /// It names a later event, which exists: the log grew while it was
    /// read.
    Grown,
}

/// How many times a log's cover is read before a disagreement with the
/// events is reported (see `store/cover.rs`), and how many times a writer
/// re-covers a log that grew under it.
pub(super) const COVER_READS: u32 = 3;

/// The path of a log's head hint.
fn head_path(log: &str) -> Path {
    Path::from(format!("{log}/_head"))
}

impl Store {
    /// The cover of a log, if it has a readable one (see `store/cover.rs`).
    pub(super) fn cover(&self, log: &str) -> Option<Cover> {
        let bytes = self.get(&head_path(log)).ok()?;
        decode(&bytes)
    }

    /// Checks a log's cover against `newest`, the number of the last event a
    /// reader found (0: none)
    /// (`hash_of(k)` gives the hash of event `k` where the reader has it):
    /// [`Covered::Grown`] when the log grew while it was read (event
    /// `newest + 1` now exists), [`Error::Integrity`] when the cover names
    /// an event past the log's end that is not there (deleted events) or
    /// other bytes than the event's (a changed event). A disagreement is
    /// read again before it is reported: a folder store rewrites the cover
    /// in place, and a reader may catch that half done.
    pub(crate) fn check_cover(
        &self,
        log: &str,
        newest: u64,
        hash_of: impl Fn(u64) -> Option<Hash>,
    ) -> Result<Covered> {
        let n = newest;
        let mut problem = String::new();
        for attempt in 0..COVER_READS {
            if attempt > 0 {
                std::thread::sleep(std::time::Duration::from_millis(attempt as u64));
            }
            let Some(c) = self.cover(log) else {
                return Ok(Covered::Holds);
            };
            if c.seq > n {
                if self.exists(&event_path(log, n + 1)) {
                    return Ok(Covered::Grown);
                }
                problem = format!(
                    "log {log}: its cover (_head) names event {} but the log ends at event {n} \
                     (events deleted)",
                    c.seq
                );
                continue;
            }
            match (c.hash, hash_of(c.seq)) {
                (Some(want), Some(got)) if c.seq > 0 && want != got => {
                    problem = format!(
                        "log {log}: event {} is not the event its cover (_head) names (changed)",
                        c.seq
                    );
                }
                _ => return Ok(Covered::Holds),
            }
        }
        Err(Error::Integrity(problem))
    }

    /// Writes the cover of `log` after event `e` was appended (best effort:
    /// a lost cover only weakens the checks until the next append), then,
    /// while a later event exists, the cover of the newest: so a writer
    /// whose cover lands after a later writer's does not leave it behind.
    pub(super) fn set_cover(&self, log: &str, e: &Event) {
        let mut covered = e.seq;
        let mut text = encode(e.seq, &e.hash());
        for _ in 0..COVER_READS {
            if let Some(root) = self.backend.root() {
                local::overwrite_hint(&root.join(head_path(log).as_ref()), &text);
            } else {
                let store = self.inner();
                let path = head_path(log);
                let payload = PutPayload::from(text.clone().into_bytes());
                let _ = self.backend.run(async move {
                    store
                        .put_opts(&path, payload, PutOptions::default())
                        .await
                        .map_err(|e| storage("head hint", e))
                });
            }
            if !self.exists(&event_path(log, covered + 1)) {
                return;
            }
            let mut n = covered + 1;
            while self.exists(&event_path(log, n + 1)) {
                n += 1;
            }
            let Ok(Some(newest)) = self.event(log, n) else {
                return;
            };
            covered = n;
            text = encode(n, &newest.hash());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_round_trip_and_old_covers_read_as_numbers() {
        let h = Hash::of(b"e");
        let text = encode(42, &h);
        assert_eq!(text.len(), 85);
        assert_eq!(
            decode(text.as_bytes()),
            Some(Cover {
                seq: 42,
                hash: Some(h.clone())
            })
        );
        assert_eq!(
            decode(b"00000000000000000007"),
            Some(Cover { seq: 7, hash: None })
        );
        assert_eq!(decode(b"7"), Some(Cover { seq: 7, hash: None }));
        for bad in [
            &b""[..],
            b"garbage",
            b"-1",
            b"7 abc",
            format!("7 {}", h.to_uppercase()).as_bytes(),
            b"\xff",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
