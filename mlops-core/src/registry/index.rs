//! Indexes that open an asset without reading its log event by event.
//!
//! Beside each asset's log (`assets/<kind>/<name>/log/`) writers keep two
//! kinds of object; both are caches of the log, which stays the truth:
//!
//! - `head.json`: the state a reader needs most, after some event `seq`:
//!   that event's hash, the version count, where each alias points, whether
//!   the asset is archived, and the exact bytes of the events since the last
//!   full pack (at most [`PACK_EVENTS`]). Overwritten by the writer of
//!   every [`HEAD_LAG`]-th event, so it may lag (by
//!   design, and with racing writers) but is never ahead: readers step forward
//!   from `seq + 1` while events exist, checking each names the hash before.
//! - `packs/<20-digit first seq>.jsonl`: events `first ..= first + 63`, their
//!   exact bytes one per line, written once (create-only) by the writer that
//!   completes them. Opening an asset of 100,000 events reads ~1,600 packs.
//!
//! Versions need no index of their own: every event carries the version
//! count once it applies, so a version is found in the head's tail or by
//! bisecting the packs ([`Index::version_event`]).
//!
//! A reader that finds an index missing, unreadable or disagreeing with the
//! log falls back to the log itself; the full fold checks the hash chain
//! over packed events exactly as over single ones, and a chain that fails
//! over packs is re-read from the events before anything is reported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fold::parse_event;
use super::{AssetEvent, Change};
use crate::error::{Error, Result};
use crate::store::{check_link, check_link_of, Covered, Event, Hash, Store};

/// Events per pack.
pub const PACK_EVENTS: u64 = 64;

/// The writer of every event whose number is a multiple of this brings
/// `head.json` up to date (and writes the pack it completes: [`PACK_EVENTS`]
/// is a multiple of it); the other writers leave the indexes alone,
/// without even reading the head. Readers step over the events
/// a head lags by (up to 7, more after a writer died between its event and
/// the head). In exchange an append reads nothing back 7 times in 8, and a
/// folder store replaces the file (a new inode, the old one freed) once per
/// 8 appends instead of once per append, which on file systems that avoid
/// reusing recently freed inodes (ext4 without a journal scans past every
/// one of them on each file it creates) is what kept thousands of quick
/// appends from slowing down quadratically.
pub const HEAD_LAG: u64 = 8;

/// A pack's bytes: each event and a newline, then the BLAKE3 hex of all
/// that (the seal: one hash over the pack instead of one per event).
fn seal(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum::<usize>() + 64);
    for l in lines {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    let seal = blake3::hash(&out).to_hex();
    out.extend_from_slice(seal.as_bytes());
    out
}

/// The pack without its seal, if it has [`PACK_EVENTS`] events and, with
/// `check_seal`, the seal holds. Reads do not check the seal: they hash
/// every event they use and check its link (a seal is no key, so it proves
/// nothing those do not), and a damaged pack breaks that chain and is read
/// around. `verify` checks it, to report a damaged pack as such.
fn unseal(mut bytes: Vec<u8>, check_seal: bool) -> Option<Vec<u8>> {
    let body = bytes.len().checked_sub(64)?;
    if check_seal && blake3::hash(&bytes[..body]).to_hex().as_bytes() != &bytes[body..] {
        return None;
    }
    bytes.truncate(body);
    // PACK_EVENTS lines, each ending in a newline.
    (bytes.ends_with(b"\n") && memchr::memchr_iter(b'\n', &bytes).count() as u64 == PACK_EVENTS)
        .then_some(bytes)
}

/// The two fields of an event that place it among versions: its type and
/// the version count once it applies.
#[derive(Deserialize)]
struct Counted<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    versions: u64,
}

/// A pack to write: its first sequence number and its events.
type NewPack = (u64, Vec<String>);

/// A run of events read together.
pub(crate) enum Segment {
    /// Single events.
    Loose(Vec<Event>),
    /// A pack whose seal held: events from `first`, each line's bytes and
    /// a newline, read in place.
    Sealed {
        /// Its first event's number.
        first: u64,
        /// The events, one per line.
        body: Vec<u8>,
    },
}

impl Segment {
    /// `(seq, bytes)` of each event.
    pub(crate) fn events(&self) -> Vec<(u64, &[u8])> {
        match self {
            Segment::Loose(events) => events.iter().map(|e| (e.seq, e.bytes.as_slice())).collect(),
            Segment::Sealed { first, body } => {
                let mut start = 0;
                let mut lines = Vec::with_capacity(PACK_EVENTS as usize);
                for end in memchr::memchr_iter(b'\n', body) {
                    lines.push((first + lines.len() as u64, &body[start..end]));
                    start = end + 1;
                }
                if start < body.len() {
                    lines.push((first + lines.len() as u64, &body[start..]));
                }
                lines
            }
        }
    }
}

/// The head index of an asset (`head.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Head {
    /// `mlops.head`.
    pub format: String,
    /// The last event this head has applied.
    pub seq: u64,
    /// Its hash (`None`, written `""`, before the first event).
    #[serde(with = "crate::store::hash_or_empty")]
    pub hash: Option<Hash>,
    /// Versions after it.
    pub versions: u64,
    /// Where each alias points after it.
    pub aliases: BTreeMap<String, u64>,
    /// Whether the asset is archived after it.
    pub archived: bool,
    /// The events after the last full pack, through `seq`, as stored.
    pub tail: Vec<String>,
    /// BLAKE3 hex of the state above ([`Head::state_check`]). The tail is
    /// covered by its hash chain, which ends at `hash`; the state derived
    /// from it (`versions`, `aliases`, `archived`) by this. A head without
    /// it (written by an earlier release) is not used by reads.
    #[serde(default)]
    pub check: String,
    /// Versions retention expired, ascending (absent when none; covered by
    /// `check` when present).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expired: Vec<u64>,
}

impl Head {
    fn empty() -> Self {
        Head {
            format: "mlops.head".into(),
            ..Default::default()
        }
    }

    /// Applies the next event; returns the pack it completes, if any.
    fn apply(&mut self, log: &str, e: &Event, ev: &AssetEvent) -> Result<Option<Vec<String>>> {
        if e.seq != self.seq + 1 || ev.prev != self.hash {
            return Err(Error::Integrity(format!(
                "log {log}: event {} does not follow event {} (hash chain broken)",
                e.seq, self.seq
            )));
        }
        self.seq = e.seq;
        self.hash = Some(e.hash());
        self.versions = ev.state.versions;
        match &ev.change {
            Change::Alias { alias, version } => {
                self.aliases.insert(alias.clone(), *version);
            }
            Change::Archive { archived } => self.archived = *archived,
            Change::Expire { expired, .. } => {
                self.expired.extend(expired.iter().copied());
                self.expired.sort_unstable();
                self.expired.dedup();
            }
            _ => {}
        }
        if e.seq % PACK_EVENTS == 1 {
            self.tail.clear();
        }
        let text = String::from_utf8(e.bytes.clone()).map_err(|_| {
            Error::Integrity(format!("log {log}: event {} is not UTF-8 JSON", e.seq))
        })?;
        self.tail.push(text);
        Ok((e.seq.is_multiple_of(PACK_EVENTS)).then(|| self.tail.clone()))
    }

    /// The hash of the state this head records, for [`Head::check`].
    fn state_check(&self) -> String {
        let mut h = blake3::Hasher::new();
        h.update(
            format!(
                "{}\n{}\n{}\n{}\n{}\n",
                self.format,
                self.seq,
                self.hash.as_deref().unwrap_or(""),
                self.versions,
                self.archived
            )
            .as_bytes(),
        );
        for (alias, v) in &self.aliases {
            h.update(format!("{alias}\t{v}\n").as_bytes());
        }
        // Heads of assets nothing was expired in keep their earlier check.
        if !self.expired.is_empty() {
            let list: Vec<String> = self.expired.iter().map(u64::to_string).collect();
            h.update(format!("expired\t{}\n", list.join(",")).as_bytes());
        }
        h.finalize().to_hex().to_string()
    }

    /// Whether a stored head can be used as it is: its state matches its
    /// check, its tail holds every event since the last full pack, and the
    /// tail's events link up, each naming the hash of the one before and the
    /// last being the event `hash` names.
    fn holds(&self, log: &str) -> bool {
        if self.format != "mlops.head" || !self.tail_complete() || self.check != self.state_check()
        {
            return false;
        }
        let mut prev: Option<Hash> = None;
        for e in self.tail_events() {
            if prev
                .as_ref()
                .is_some_and(|p| check_link(log, &e, p).is_err())
            {
                return false;
            }
            prev = Some(e.hash());
        }
        prev.is_none_or(|h| self.hash.as_ref() == Some(&h))
    }

    /// The hash of event `seq` if this head holds its bytes.
    fn hash_of(&self, seq: u64) -> Option<Hash> {
        if seq == self.seq {
            return self.hash.clone();
        }
        self.tail_events()
            .into_iter()
            .find(|e| e.seq == seq)
            .map(|e| e.hash())
    }

    /// The tail's events, numbered.
    pub(crate) fn tail_events(&self) -> Vec<Event> {
        let first = self.seq + 1 - self.tail.len() as u64;
        self.tail
            .iter()
            .enumerate()
            .map(|(i, t)| Event {
                seq: first + i as u64,
                bytes: t.as_bytes().to_vec(),
            })
            .collect()
    }

    /// Whether the tail holds every event since the last full pack.
    fn tail_complete(&self) -> bool {
        let since_pack = if self.seq == 0 {
            0
        } else {
            (self.seq - 1) % PACK_EVENTS + 1
        };
        self.tail.len() as u64 == since_pack
    }
}

/// The indexes of one asset.
pub(crate) struct Index<'a> {
    store: &'a Store,
    log: &'a str,
    base: &'a str,
}

/// What [`Index::head`] found.
pub(crate) struct Loaded {
    /// The head, caught up with the log.
    pub head: Head,
    /// Packs completed while catching up (writers store them).
    pub packs: Vec<NewPack>,
    /// How many events the stored head was behind the log's end.
    pub behind: u64,
}

impl<'a> Index<'a> {
    /// The indexes of the asset whose log is `<base>/log`.
    pub(crate) fn new(store: &'a Store, log: &'a str) -> Self {
        let base = log.strip_suffix("/log").unwrap_or(log);
        Index { store, log, base }
    }

    fn head_path(&self) -> String {
        format!("{}/head.json", self.base)
    }

    fn pack_path(&self, first: u64) -> String {
        format!("{}/packs/{first:020}.jsonl", self.base)
    }

    /// The stored head caught up with the log, or `None` when there is no
    /// usable head (none yet, unreadable, or not on the log's hash chain).
    pub(crate) fn head(&self) -> Result<Option<Loaded>> {
        let Some(bytes) = self.store.read_index(&self.head_path())? else {
            return Ok(None);
        };
        let Ok(mut head) = serde_json::from_slice::<Head>(&bytes) else {
            return Ok(None);
        };
        if !head.holds(self.log) {
            return Ok(None);
        }
        let mut packs = Vec::new();
        let mut behind = 0;
        // Steps forward; again if the log grew while the cover was read.
        for _ in 0..3 {
            while let Some(e) = self.store.event(self.log, head.seq + 1)? {
                behind += 1;
                let ev = parse_event(self.log, &e)?;
                if ev.prev != head.hash {
                    return Ok(None);
                }
                if let Some(p) = head.apply(self.log, &e, &ev)? {
                    packs.push((e.seq + 1 - PACK_EVENTS, p));
                }
            }
            // The newest event found, against the log's cover: a head
            // ahead of the events found is an error, not an older state.
            if self
                .store
                .check_cover(self.log, head.seq, |k| head.hash_of(k))?
                == Covered::Holds
            {
                break;
            }
        }
        Ok(Some(Loaded {
            head,
            packs,
            behind,
        }))
    }

    /// The head built from the whole log (which [`Store::read_log`] checks),
    /// with every full pack.
    fn head_from_log(&self) -> Result<(Head, Vec<NewPack>)> {
        let mut head = Head::empty();
        let mut packs = Vec::new();
        for e in self.store.read_log(self.log)? {
            let ev = parse_event(self.log, &e)?;
            if let Some(p) = head.apply(self.log, &e, &ev)? {
                packs.push((e.seq + 1 - PACK_EVENTS, p));
            }
        }
        Ok((head, packs))
    }

    /// Every event, in runs that are sealed packs (`true`) or loose events:
    /// from packs where they exist, single events where not, then the
    /// head's tail; `None` without a usable head.
    pub(crate) fn events(&self) -> Result<Option<Vec<Segment>>> {
        use rayon::prelude::*;
        let Some(Loaded { head, .. }) = self.head()? else {
            return Ok(None);
        };
        let packed = head.seq - head.tail.len() as u64;
        let firsts: Vec<u64> = (0..packed / PACK_EVENTS)
            .map(|k| k * PACK_EVENTS + 1)
            .collect();
        let parts: Vec<Result<Segment>> =
            firsts.par_iter().map(|&first| self.pack(first)).collect();
        let mut out = Vec::with_capacity(parts.len() + 1);
        for p in parts {
            out.push(p?);
        }
        out.push(Segment::Loose(head.tail_events()));
        Ok(Some(out))
    }

    /// Events `first ..= first + 63`: the pack if it is there and its seal
    /// holds (`true`), else the single events (`false`).
    fn pack(&self, first: u64) -> Result<Segment> {
        if let Some(body) = self
            .store
            .read_index(&self.pack_path(first))?
            .and_then(|b| unseal(b, false))
        {
            return Ok(Segment::Sealed { first, body });
        }
        let events = (first..first + PACK_EVENTS)
            .map(|seq| {
                self.store.event(self.log, seq)?.ok_or_else(|| {
                    Error::Integrity(format!("log {}: event {seq} is missing", self.log))
                })
            })
            .collect::<Result<_>>()?;
        Ok(Segment::Loose(events))
    }

    /// Whether a full pack's events, read to answer a version reading, link
    /// up: each names the hash of the one before (a pack's seal is no
    /// key: whoever changes an event can seal the pack again), and the last
    /// is the event the next one names (the next pack's first, the head's
    /// tail, or the head itself).
    fn linked(&self, loaded: &Loaded, lines: &[(u64, &[u8])]) -> Result<bool> {
        let mut prev: Option<Hash> = None;
        for &(seq, bytes) in lines {
            if prev
                .as_ref()
                .is_some_and(|p| check_link_of(self.log, seq, bytes, p).is_err())
            {
                return Ok(false);
            }
            prev = Some(Hash::of(bytes));
        }
        let (Some(last), Some(&(last_seq, _))) = (prev, lines.last()) else {
            return Ok(false);
        };
        let head = &loaded.head;
        if last_seq >= head.seq {
            return Ok(last_seq == head.seq && head.hash.as_ref() == Some(&last));
        }
        let next = last_seq + 1;
        if let Some(e) = head.tail_events().into_iter().find(|e| e.seq == next) {
            return Ok(check_link(self.log, &e, &last).is_ok());
        }
        if let Some((_, lines)) = loaded.packs.iter().find(|(f, _)| *f == next) {
            return Ok(check_link_of(self.log, next, lines[0].as_bytes(), &last).is_ok());
        }
        let segment = self.pack(next)?;
        Ok(segment
            .events()
            .first()
            .is_some_and(|&(seq, bytes)| check_link_of(self.log, seq, bytes, &last).is_ok()))
    }

    /// The event that added version `n`, if it is in a full pack (`loaded`
    /// is the head caught up with the log; its tail and the events after it
    /// hold the rest). No index is needed: an event adds at most one
    /// version, so version `n` is event `n` or later, in pack `(n - 1) / 64`
    /// or after it. That pack is read first (the answer unless events other
    /// than versions came before); then the next pack to read is guessed
    /// from the events per version seen so far, and after a few guesses
    /// the remaining packs are bisected. Each read parses the version count
    /// of a pack's first and last events only.
    pub(crate) fn version_event(&self, loaded: &Loaded, n: u64) -> Result<Option<AssetEvent>> {
        let head = &loaded.head;
        let packs = (head.seq - head.tail.len() as u64) / PACK_EVENTS;
        let (mut lo, mut hi) = ((n.max(1) - 1) / PACK_EVENTS, packs);
        let mut k = lo;
        let mut guesses = 0;
        while lo < hi {
            let first = k * PACK_EVENTS + 1;
            let segment = match loaded.packs.iter().find(|(f, _)| *f == first) {
                // Completed while the head caught up: not stored yet.
                Some((_, lines)) => Segment::Loose(
                    (first..)
                        .zip(lines)
                        .map(|(seq, l)| Event {
                            seq,
                            bytes: l.as_bytes().to_vec(),
                        })
                        .collect(),
                ),
                None => self.pack(first)?,
            };
            let lines = segment.events();
            let count = |i: usize| -> Result<Counted<'_>> {
                let (seq, bytes) = &lines[i];
                serde_json::from_slice(bytes).map_err(|e| {
                    Error::Integrity(format!(
                        "log {}: event {seq} is not an event: {e}",
                        self.log
                    ))
                })
            };
            if lines.is_empty() {
                return Ok(None);
            }
            let (f, l) = (count(0)?, count(lines.len() - 1)?);
            let before = f.versions - u64::from(f.kind == "version");
            // Events per version up to the side of this pack that `n` lies past.
            let (seen, at) = if n <= before {
                hi = k;
                (before, first - 1)
            } else if n > l.versions {
                lo = k + 1;
                (l.versions, first - 1 + PACK_EVENTS)
            } else {
                // The answer rests on these events: they must link up.
                if !self.linked(loaded, &lines)? {
                    return Ok(None);
                }
                for (i, &(seq, bytes)) in lines.iter().enumerate() {
                    let c = count(i)?;
                    if c.kind == "version" && c.versions == n {
                        let e = Event {
                            seq,
                            bytes: bytes.to_vec(),
                        };
                        let ev = parse_event(self.log, &e)?;
                        let found =
                            matches!(&ev.change, Change::Version { version, .. } if *version == n);
                        return Ok((found && ev.seq == seq).then_some(ev));
                    }
                }
                return Ok(None);
            };
            if lo >= hi {
                break;
            }
            guesses += 1;
            k = if guesses <= 3 && seen > 0 {
                let seq = (n as f64 * at as f64 / seen as f64) as u64;
                (seq.max(1) - 1) / PACK_EVENTS
            } else {
                lo + (hi - lo) / 2
            }
            .clamp(lo, hi - 1);
        }
        Ok(None)
    }

    /// Checks every index of the asset against its log's `events` (already
    /// checked as a chain): each pack holds exactly the events it names, and
    /// the head's hash, tail and state are the log's. A head or pack
    /// written after the events were listed (a writer at work) is checked
    /// against the events read on up to it, not reported as a break.
    pub(crate) fn verify(&self, events: &[Event]) -> Result<()> {
        let damaged = |what: String| {
            Err(Error::Integrity(format!(
                "{what} disagrees with log {}",
                self.log
            )))
        };
        let mut events = std::borrow::Cow::Borrowed(events);
        let head = match self.store.read_index(&self.head_path())? {
            Some(bytes) => match serde_json::from_slice::<Head>(&bytes) {
                Ok(h) => Some(h),
                Err(_) => return damaged(self.head_path()),
            },
            None => None,
        };
        if let Some(h) = &head {
            if h.seq > events.len() as u64 {
                self.store.extend_log(self.log, events.to_mut(), h.seq)?;
            }
        }
        let mut first = 1;
        while first <= events.len() as u64 {
            let path = self.pack_path(first);
            if let Some(bytes) = self.store.read_index(&path)? {
                let end = first - 1 + PACK_EVENTS;
                if end > events.len() as u64 {
                    self.store.extend_log(self.log, events.to_mut(), end)?;
                }
                let want: Vec<&[u8]> = events[first as usize - 1..end as usize]
                    .iter()
                    .map(|e| e.bytes.as_slice())
                    .collect();
                let got = unseal(bytes, true).unwrap_or_default();
                let got = got.strip_suffix(b"\n").unwrap_or(&got);
                if got.split(|&b| b == b'\n').ne(want.iter().copied()) {
                    return damaged(path);
                }
            }
            first += PACK_EVENTS;
        }
        if let Some(head) = head {
            // The state after event `seq`, from the events themselves.
            let mut want = Head::empty();
            for e in &events[..head.seq as usize] {
                want.apply(self.log, e, &parse_event(self.log, e)?)?;
            }
            want.check = want.state_check();
            // A head of an earlier release has no check; its state must
            // still be the log's.
            let check_ok = head.check.is_empty() || head.check == want.check;
            let ok = check_ok
                && head.format == want.format
                && head.hash == want.hash
                && head.versions == want.versions
                && head.aliases == want.aliases
                && head.archived == want.archived
                && head.expired == want.expired
                && head.tail == want.tail;
            if !ok {
                return damaged(self.head_path());
            }
        }
        Ok(())
    }

    /// Brings the indexes up to date after `e` was appended: the head and
    /// any pack completed. Best effort: indexes are caches, so a failure
    /// here never fails the append that succeeded.
    pub(crate) fn after_append(&self, e: &Event) {
        let _ = self.update(e);
    }

    fn update(&self, e: &Event) -> Result<()> {
        if e.seq.is_multiple_of(HEAD_LAG) {
            let (head, packs, behind) = match self.head()? {
                Some(l) if l.head.seq >= e.seq => (l.head, l.packs, l.behind),
                _ => {
                    let (h, p) = self.head_from_log()?;
                    (h, p, u64::MAX)
                }
            };
            for (first, lines) in packs {
                self.store
                    .write_index(&self.pack_path(first), seal(&lines), true)?;
            }
            if behind > 0 {
                let mut head = head;
                head.check = head.state_check();
                let bytes = serde_json::to_vec(&head).expect("heads serialise");
                self.store.write_index(&self.head_path(), bytes, false)?;
            }
        }
        Ok(())
    }
}
