//! Appending to a log: the next event, written with a create-only put, so
//! that of two writers racing for one sequence number one wins and the
//! other builds again on what won.

use super::log::event_path;
use super::{check_log_name, Event, Store, Tip, EVENT_PUT_ATTEMPTS, PHANTOM_CONFLICT_RETRIES};
use crate::error::{Error, Result};

/// Whose event a create-only put left at a sequence number.
enum Placed {
    /// This writer's (its bytes are there).
    Ours,
    /// Another writer's: these bytes.
    Theirs(Vec<u8>),
    /// None: the store said "already exists" but has no such object.
    Nothing,
}

impl Store {
    /// Appends the next event of `log`. `build` gets the log's tip and
    /// returns the event's bytes, or an error when its precondition no longer
    /// holds; if another writer takes the sequence number first, `build` is
    /// called again on the new tip. Returns the event written.
    ///
    /// A put that fails or is refused is read back before anything else is
    /// decided, so a retried put whose first attempt landed counts once: see
    /// `put_event` in `store/append.rs`.
    pub fn append(
        &self,
        log: &str,
        mut build: impl FnMut(&Tip) -> Result<Vec<u8>>,
    ) -> Result<Event> {
        check_log_name(log)?;
        let mut tip = self.tip(log)?;
        let mut phantoms = 0;
        loop {
            let bytes = build(&tip)?;
            let seq = tip.next_seq();
            match self.put_event(log, seq, &bytes)? {
                Placed::Ours => {
                    let e = Event { seq, bytes };
                    self.set_cover(log, &e);
                    return Ok(e);
                }
                Placed::Theirs(theirs) => {
                    // Someone else wrote `seq`: build on what they wrote (or
                    // on a later tip, if the log has moved on since).
                    tip = self.tip(log)?;
                    if tip.next_seq() <= seq {
                        tip = Tip {
                            last: Some(Event { seq, bytes: theirs }),
                        };
                    }
                }
                Placed::Nothing if phantoms < PHANTOM_CONFLICT_RETRIES => {
                    // The store reported a conflict with a put that then
                    // failed (S3's 409): try `seq` again.
                    phantoms += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10 * u64::from(phantoms)));
                }
                Placed::Nothing => {
                    return Err(Error::Conflict(format!(
                        "{}: the store keeps answering 'already exists' but has no such object",
                        event_path(log, seq)
                    )))
                }
            }
        }
    }

    /// Puts event `seq` of `log` create-only and finds out whose event is
    /// there afterwards, reading it back whenever the answer leaves a doubt:
    ///
    /// - "already exists" is another writer's event, or this writer's own:
    ///   object_store retries a create-only put after a 5xx answer or a
    ///   connection lost before the answer, and when the first attempt had
    ///   landed the retry is refused. The same bytes there mean it was ours
    ///   (taking it for another writer's would build the event again on top
    ///   of it, committing the change twice).
    /// - A cloud store's storage error (timeout, reset, 5xx after the
    ///   client's retries) leaves the outcome unknown: the event is read back, and if it is
    ///   not there the same bytes are put again. Create-only, so they land
    ///   at most once, whichever attempt lands them.
    fn put_event(&self, log: &str, seq: u64, bytes: &[u8]) -> Result<Placed> {
        let path = event_path(log, seq);
        // Set once an attempt may have landed unseen: from then on only
        // these bytes are ever put at `seq` (a late landing of that attempt
        // must find nothing else there, or be found by a later read).
        let mut uncertain = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let put = self.create(&path, bytes.to_vec());
            let failure = match put {
                Ok(true) => return Ok(Placed::Ours),
                Ok(false) => None,
                // A local file system's errors are definite.
                Err(e @ Error::Storage { .. }) if self.backend.is_remote() => Some(e),
                Err(e) => return Err(e),
            };
            uncertain |= failure.is_some();
            let last = match self.get(&path) {
                Ok(there) if there.as_ref() == bytes => return Ok(Placed::Ours),
                Ok(there) => return Ok(Placed::Theirs(Vec::from(there))),
                Err(Error::NotFound(_)) if !uncertain => return Ok(Placed::Nothing),
                Err(e) => failure.unwrap_or(e),
            };
            if attempt >= EVENT_PUT_ATTEMPTS {
                return Err(Error::Storage {
                    context: format!(
                        "write {path} ({attempt} attempts; one may still land, and then \
                         holds this change)"
                    ),
                    source: std::io::Error::other(last.to_string()),
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(100 * u64::from(attempt)));
        }
    }
}
