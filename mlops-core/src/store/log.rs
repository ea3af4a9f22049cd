//! Reading a log: its events, each named by a sequence number and linked
//! to the one before by its hash, read and checked as a hash chain (and its
//! newest event against the log's cover).

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;

use super::cover::{Covered, COVER_READS};
use super::{check_log_name, get_bytes, storage, Hash, Store, TRANSFER_CONCURRENCY};
use crate::error::{Error, Result};

/// One event of a log, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its sequence number, from 1.
    pub seq: u64,
    /// Its bytes (JSON).
    pub bytes: Vec<u8>,
}

impl Event {
    /// The BLAKE3 hash of its bytes, which the next event names.
    pub fn hash(&self) -> Hash {
        Hash::of(&self.bytes)
    }
}

/// What [`Store::append`] asks the caller to build on: the log's last event.
#[derive(Debug, Clone, Default)]
pub struct Tip {
    /// The last event, if the log has one.
    pub last: Option<Event>,
}

impl Tip {
    /// The sequence number the next event gets.
    pub fn next_seq(&self) -> u64 {
        self.last.as_ref().map_or(1, |e| e.seq + 1)
    }
    /// The hash the next event must name (`None` for the first).
    pub fn prev_hash(&self) -> Option<Hash> {
        self.last.as_ref().map(Event::hash)
    }
}

/// A log read as a hash chain: its events up to the first broken link, and
/// that link (the number of the first event that is missing or does not
/// follow the one before, with the [`Error::Integrity`] saying how).
pub type ChainRead = (Vec<Event>, Option<(u64, Error)>);

/// The path of event `seq` of `log`.
pub(super) fn event_path(log: &str, seq: u64) -> Path {
    Path::from(format!("{log}/{seq:020}.json"))
}

impl Store {
    /// Event `seq` of `log`, or `None` if it does not exist (yet).
    pub fn event(&self, log: &str, seq: u64) -> Result<Option<Event>> {
        check_log_name(log)?;
        match self.get(&event_path(log, seq)) {
            Ok(bytes) => Ok(Some(Event {
                seq,
                bytes: Vec::from(bytes),
            })),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The sequence numbers present in `log`, ascending. Only
    /// `<log>/<20 digits>.json` counts: the head hint, deeper objects and
    /// anything a killed writer left half-made (object_store's local store
    /// stages files as `<name>#<n>` and does not list those) are ignored.
    fn seqs(&self, log: &str) -> Result<Vec<u64>> {
        if let Some(root) = self.backend.root() {
            // A directory read: names only, where object_store's listing
            // also stats every file.
            let dir = root.join(log);
            let entries = match std::fs::read_dir(&dir) {
                Ok(d) => d,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(Error::io(&dir, e)),
            };
            let mut seqs = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(&dir, e))?;
                let name = entry.file_name();
                let Some(n) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                    continue;
                };
                if n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit()) {
                    if let Ok(seq) = n.parse() {
                        seqs.push(seq);
                    }
                }
            }
            seqs.sort_unstable();
            return Ok(seqs);
        }
        let prefix = Path::from(log);
        let store = self.inner();
        let context = format!("list {log}");
        let metas: Vec<_> = self.backend.run(async move {
            store
                .list(Some(&prefix))
                .try_collect::<Vec<_>>()
                .await
                .map_err(|e| storage(context, e))
        })?;
        let mut seqs: Vec<u64> = metas
            .iter()
            .filter_map(|m| {
                let rest = m.location.as_ref().strip_prefix(log)?.strip_prefix('/')?;
                let n = rest.strip_suffix(".json")?;
                (n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| n.parse().ok())
                    .flatten()
            })
            .collect();
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// The log's last event, checked against the log's cover (see
    /// `store/cover.rs`): a writer must not build on an event that was
    /// changed, nor on a log whose newest events were deleted, since its
    /// own event would then cover the damage ([`Error::Integrity`]).
    pub fn tip(&self, log: &str) -> Result<Tip> {
        check_log_name(log)?;
        // Start from the cover (never ahead of the log: it is written after
        // the event it names) and step forward while events exist, each
        // linked to the one before; without a usable cover, list the log.
        let start = self
            .cover(log)
            .filter(|c| c.seq > 0)
            .and_then(|c| self.event(log, c.seq).ok().flatten());
        let mut last = match start {
            Some(e) => e,
            None => match self.seqs(log)?.last() {
                Some(&n) => Event {
                    seq: n,
                    bytes: Vec::from(self.get(&event_path(log, n))?),
                },
                None => {
                    self.check_cover(log, 0, |_| None)?;
                    return Ok(Tip::default());
                }
            },
        };
        let first = last.clone();
        for _ in 0..COVER_READS {
            while let Some(next) = self.event(log, last.seq + 1)? {
                check_link(log, &next, &last.hash())?;
                last = next;
            }
            let hash_of = |k: u64| {
                (k == last.seq)
                    .then(|| last.hash())
                    .or_else(|| (k == first.seq).then(|| first.hash()))
            };
            if self.check_cover(log, last.seq, hash_of)? == Covered::Holds {
                break;
            }
        }
        // A log that keeps growing: the append's create-only put decides.
        Ok(Tip { last: Some(last) })
    }

    /// Reads events `events.len() + 1 ..= upto` of `log` onto `events`
    /// (which hold the log from its first event), each linked to the one
    /// before: for checks that read an index written after they listed the
    /// log. An event that is not there is an [`Error::Integrity`].
    pub(crate) fn extend_log(&self, log: &str, events: &mut Vec<Event>, upto: u64) -> Result<()> {
        while (events.len() as u64) < upto {
            let seq = events.len() as u64 + 1;
            let e = self
                .event(log, seq)?
                .ok_or_else(|| Error::Integrity(format!("log {log}: event {seq} is missing")))?;
            check_link(
                log,
                &e,
                events.last().map(Event::hash).as_deref().unwrap_or(""),
            )?;
            events.push(e);
        }
        Ok(())
    }

    /// Every event of `log`, in order. Checks that the sequence has no gap
    /// and that each event's `prev` names the hash of the one before
    /// ([`Error::Integrity`] otherwise).
    pub fn read_log(&self, log: &str) -> Result<Vec<Event>> {
        match self.read_log_until_broken(log)? {
            (events, None) => Ok(events),
            (_, Some((_, e))) => Err(e),
        }
    }

    /// The events of `log` up to its first broken link, and that link: the
    /// sequence number of the first event that is missing or does not follow
    /// the one before, with the [`Error::Integrity`] saying how. Storage
    /// failures are errors.
    pub fn read_log_until_broken(&self, log: &str) -> Result<ChainRead> {
        check_log_name(log)?;
        let mut seqs = self.seqs(log)?;
        let mut broken = None;
        if let Some(i) = seqs
            .iter()
            .enumerate()
            .position(|(i, &s)| s != i as u64 + 1)
        {
            let seq = i as u64 + 1;
            // A listing is no snapshot: events written while it ran may show
            // without the one before them. If the missing event is there
            // now, the events before it are a state the log passed through.
            if !self.exists(&event_path(log, seq)) {
                broken = Some((
                    seq,
                    Error::Integrity(format!("log {log}: event {seq} is missing")),
                ));
            }
            seqs.truncate(i);
        }
        let (mut events, link) = self.read_events(log, &seqs)?;
        if let Some(l) = link {
            broken = Some(l);
        }
        if let Some((seq, _)) = &broken {
            events.truncate(*seq as usize - 1);
            return Ok((events, broken));
        }
        // The newest event, which no later event covers, against the cover.
        let covered = self.check_cover(log, events.len() as u64, |k| {
            events.get(k as usize - 1).map(Event::hash)
        });
        match covered {
            Ok(Covered::Holds) => {}
            // Written after the listing: the last event read must be the
            // one the next names (the events after it are a later state).
            Ok(Covered::Grown) => {
                let n = events.len() as u64;
                let mut next = events.clone();
                if let Err(e) = self.extend_log(log, &mut next, n + 1) {
                    broken = Some((n + 1, e));
                }
            }
            Err(e) => {
                let seq = self
                    .cover(log)
                    .map_or(1, |c| c.seq.min(events.len() as u64 + 1));
                broken = Some((seq.max(1), e));
            }
        }
        Ok((events, broken))
    }

    /// The events `seqs` (1, 2, ... n) of `log`, checked as a chain up to the
    /// first broken link.
    fn read_events(&self, log: &str, seqs: &[u64]) -> Result<ChainRead> {
        let mut out = Vec::with_capacity(seqs.len());
        if !self.backend.is_remote() {
            // Local reads complete on the calling thread: spread them over
            // rayon's threads, then check the chain in order.
            use rayon::prelude::*;
            let got: Vec<Result<Bytes>> = seqs
                .par_iter()
                .with_min_len(64)
                .map(|&s| self.get(&event_path(log, s)))
                .collect();
            for (&seq, bytes) in seqs.iter().zip(got) {
                if let Some(broken) = push_linked(log, &mut out, seq, bytes?) {
                    return Ok((out, Some(broken)));
                }
            }
            return Ok((out, None));
        }
        for part in seqs.chunks(TRANSFER_CONCURRENCY * 4) {
            let store = self.inner();
            let paths: Vec<Path> = part.iter().map(|&s| event_path(log, s)).collect();
            let got = self.backend.run(async move {
                futures::stream::iter(paths)
                    .map(|p| get_bytes(store.clone(), p))
                    .buffered(TRANSFER_CONCURRENCY)
                    .try_collect::<Vec<_>>()
                    .await
            })?;
            for (&seq, bytes) in part.iter().zip(got) {
                if let Some(broken) = push_linked(log, &mut out, seq, bytes) {
                    return Ok((out, Some(broken)));
                }
            }
        }
        Ok((out, None))
    }
}

/// Pushes event `seq` of `log` (its `bytes`) onto `chain` if it follows the
/// last event there; else returns the broken link, as [`ChainRead`] holds it.
fn push_linked(log: &str, chain: &mut Vec<Event>, seq: u64, bytes: Bytes) -> Option<(u64, Error)> {
    let e = Event {
        seq,
        bytes: Vec::from(bytes),
    };
    let prev = chain.last().map(Event::hash);
    if let Err(err) = check_link(log, &e, prev.as_deref().unwrap_or("")) {
        return Some((seq, err));
    }
    chain.push(e);
    None
}

/// Checks that event `e` of `log` carries its own sequence number and names
/// `prev`, the hash of the event before it, so that an event moved to
/// another place in the log (or into another log) breaks the chain.
pub(crate) fn check_link(log: &str, e: &Event, prev: &str) -> Result<()> {
    check_link_of(log, e.seq, &e.bytes, prev)
}

/// [`check_link`] for the bytes of event `seq`, read in place.
pub(crate) fn check_link_of(log: &str, seq: u64, bytes: &[u8], prev: &str) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Link<'a> {
        seq: Option<u64>,
        #[serde(borrow)]
        prev: Option<std::borrow::Cow<'a, str>>,
    }
    let link: Link = serde_json::from_slice(bytes)
        .map_err(|err| Error::Integrity(format!("log {log}: event {seq} is not JSON: {err}")))?;
    if link.prev.as_deref().unwrap_or("") != prev || link.seq.is_some_and(|s| s != seq) {
        return Err(Error::Integrity(format!(
            "log {log}: event {seq} does not follow event {} (hash chain broken)",
            seq - 1
        )));
    }
    Ok(())
}
