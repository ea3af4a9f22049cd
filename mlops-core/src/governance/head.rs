//! The head of the policy and denial logs: `<base>/head.json`, naming the
//! last event's number and hash, written after each append, as an asset's
//! head index does for its log. It lets the audit tell when the newest
//! event was changed or deleted (no later event names its hash).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{Event, Hash, Store};

#[derive(Serialize, Deserialize)]
struct LogHead {
    format: String,
    seq: u64,
    hash: Hash,
}

fn head_path(log: &str) -> String {
    let base = log.strip_suffix("/log").unwrap_or(log);
    format!("{base}/head.json")
}

/// Records `e` as the newest event of `log` unless the head already names a
/// later one (best effort: the head only strengthens the audit).
pub(crate) fn advance(store: &Store, log: &str, e: &Event) {
    let path = head_path(log);
    if let Ok(Some(bytes)) = store.read_index(&path) {
        if serde_json::from_slice::<LogHead>(&bytes).is_ok_and(|h| h.seq >= e.seq) {
            return;
        }
    }
    let head = LogHead {
        format: "mlops.log_head".into(),
        seq: e.seq,
        hash: e.hash(),
    };
    let _ = store.write_index(
        &path,
        serde_json::to_vec(&head).expect("heads serialise"),
        false,
    );
}

/// Checks `events` (the whole log, a chain) against the head: `Err` with the
/// sequence number to blame when the head names an event that is gone or
/// different.
pub(crate) fn check(store: &Store, log: &str, events: &[Event]) -> Result<(), (u64, Error)> {
    let path = head_path(log);
    let Ok(Some(bytes)) = store.read_index(&path) else {
        return Ok(());
    };
    let Ok(head) = serde_json::from_slice::<LogHead>(&bytes) else {
        return Err((
            events.len() as u64,
            Error::Integrity(format!("{path} is damaged")),
        ));
    };
    let n = events.len() as u64;
    let mut later = Vec::new();
    if head.seq > n {
        // Written after the log was listed (a writer at work), or naming
        // events that are gone: read on up to it.
        let mut read = events.to_vec();
        if let Err(e) = store.extend_log(log, &mut read, head.seq) {
            let e = Error::Integrity(format!(
                "log {log}: its head names event {} but the log ends at event {n} ({e})",
                head.seq
            ));
            return Err((n + 1, e));
        }
        later = read;
    }
    let events = if later.is_empty() { events } else { &later };
    if head.seq > 0 && events[head.seq as usize - 1].hash() != head.hash {
        return Err((
            head.seq,
            Error::Integrity(format!(
                "log {log}: event {} is not the event its head names (changed)",
                head.seq
            )),
        ));
    }
    Ok(())
}
