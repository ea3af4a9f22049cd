//! The registry's change feed, without a server: every event of every
//! asset's log (versions, alias moves, tags, archiving, lineage, gates) read
//! after a [`Cursor`], in log order, and an optional dispatcher that posts
//! each one to a webhook signed with HMAC-SHA256 (see [`crate::webhook`]).
//!
//! A cursor is where a reader stands in each log: the last event number
//! it has seen of each asset. The logs are the truth (the feed keeps no
//! state of its own in the store), so a reader that saves its cursor after
//! each event and starts again from it after a crash misses nothing; the
//! events it had taken but not saved come again with the same id
//! (`<kind>/<name>@<seq>`), which a receiver de-duplicates on.
//!
//! Order: each asset's events come in their log's order; events of
//! different assets are merged by their time (then kind and name), which
//! is the order they were written in as far as the writers' clocks agree.
//!
//! Waiting ([`Watch`]): on a local folder the watcher is woken by the
//! operating system's file notifications (inotify, FSEvents, ...) on the
//! store's `assets/` folder and reads only the logs that changed, plus a
//! full pass every [`WATCH_RESCAN_INTERVAL`] in case a notification was
//! lost; on a bucket it reads every asset's log tail every
//! [`WATCH_POLL_INTERVAL`] (one listing per kind and one read per asset).

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Serialize;

use super::fold::parse_event;
use super::{Change, Kind, Registry};
use crate::error::{Error, Result};
use crate::store::{check_link, Event};

/// How often a watch reads a bucket's logs for new events.
pub const WATCH_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How often a watch on a local folder reads every log even without a
/// file notification (a notification can be lost: a folder made just
/// before it was watched, an overflowing kernel queue).
pub const WATCH_RESCAN_INTERVAL: Duration = Duration::from_secs(2);
/// What a saved cursor starts with (the format's version).
pub const CURSOR_PREFIX: &str = "mlops.cursor.1:";
/// The cursor text that means "from the first event of every log".
pub const CURSOR_START: &str = "start";

/// Where a reader of the feed stands: the last event number seen in each
/// asset's log (an asset not named: none seen). Saved and given back as
/// text ([`Cursor::parse`], `to_string`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    positions: BTreeMap<(Kind, String), u64>,
}

impl Cursor {
    /// The cursor before every event of every log.
    pub fn start() -> Self {
        Self::default()
    }

    /// The last event seen of an asset's log (0: none).
    pub fn position(&self, kind: Kind, name: &str) -> u64 {
        self.positions
            .get(&(kind, name.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Marks event `seq` of an asset's log as seen.
    fn advance(&mut self, kind: Kind, name: &str, seq: u64) {
        let p = self.positions.entry((kind, name.to_string())).or_insert(0);
        *p = (*p).max(seq);
    }

    /// Reads a cursor saved as text: [`CURSOR_START`] (or an empty string)
    /// for the start, otherwise what `to_string` wrote.
    ///
    /// ```
    /// use mlops_core::registry::Cursor;
    /// let c = Cursor::parse("start").unwrap();
    /// assert_eq!(Cursor::parse(&c.to_string()).unwrap(), c);
    /// assert!(Cursor::parse("mlops.cursor.1:???").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() || text == CURSOR_START {
            return Ok(Self::start());
        }
        let bad = |why: String| {
            Error::InvalidInput(format!(
                "cursor '{}': {why} (give back a cursor the feed returned, or '{CURSOR_START}')",
                crate::text::clip(text, 40)
            ))
        };
        let body = text
            .strip_prefix(CURSOR_PREFIX)
            .ok_or_else(|| bad(format!("does not start with '{CURSOR_PREFIX}'")))?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|e| bad(format!("not base64url: {e}")))?;
        let map: BTreeMap<String, u64> =
            serde_json::from_slice(&json).map_err(|e| bad(format!("not a cursor: {e}")))?;
        let mut positions = BTreeMap::new();
        for (key, seq) in map {
            let (kind, name) = key
                .split_once('/')
                .ok_or_else(|| bad(format!("entry '{key}' is not <kind>/<name>")))?;
            let kind: Kind = kind.parse().map_err(|_| bad(format!("entry '{key}'")))?;
            super::check_name(name).map_err(|e| bad(e.to_string()))?;
            positions.insert((kind, name.to_string()), seq);
        }
        Ok(Self { positions })
    }
}

impl Cursor {
    /// The cursor saved in `path`, or `None` when there is no such file.
    pub fn load(path: &std::path::Path) -> Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text)
                .map(Some)
                .map_err(|e| Error::InvalidInput(format!("cursor file {}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Saves the cursor in `path`, whole or not at all (written beside it,
    /// then renamed over it), so a reader killed while saving starts again
    /// from the cursor saved before.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let tmp = path.with_file_name(format!(".{}.tmp", name.unwrap_or_default()));
        std::fs::write(&tmp, format!("{self}\n")).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let map: BTreeMap<String, u64> = self
            .positions
            .iter()
            .map(|((k, n), s)| (format!("{}/{n}", k.as_str()), *s))
            .collect();
        let json = serde_json::to_vec(&map).expect("cursors serialise");
        write!(
            f,
            "{CURSOR_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        )
    }
}

/// One event of the feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedEvent {
    /// Its stable id, `<kind>/<name>@<seq>`: the same on every delivery.
    pub id: String,
    /// What happened: `version.created`, `alias.set` (first time),
    /// `alias.moved`, `tag.set`, `tag.deleted`, `asset.archived`,
    /// `asset.restored`, `lineage.recorded`, `lineage.used_by`,
    /// `gate.recorded`, or the stored type of a newer kind of event.
    pub event: String,
    /// The asset's kind.
    pub kind: Kind,
    /// The asset's name.
    pub name: String,
    /// The event's number in the asset's log.
    pub seq: u64,
    /// When it was written (Unix milliseconds).
    pub time: u64,
    /// Who wrote it.
    pub principal: String,
    /// Why, if the writer said.
    pub reason: Option<String>,
    /// The version it is about, if any.
    pub version: Option<u64>,
    /// For an alias move: the version the alias pointed at before.
    pub previous: Option<u64>,
    /// The stored change itself (`type` and its fields).
    pub change: serde_json::Value,
}

/// Events read from one asset's log, oldest first, for the merge.
struct AssetEvents {
    events: VecDeque<FeedEvent>,
}

impl PartialEq for AssetEvents {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for AssetEvents {}
impl PartialOrd for AssetEvents {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for AssetEvents {
    /// Reversed (the heap is a max-heap): the earliest head first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |a: &Self| {
            a.events
                .front()
                .map(|e| (e.time, e.kind, e.name.clone(), e.seq))
        };
        key(other).cmp(&key(self))
    }
}

/// The feed's name for a stored change.
fn event_name(change: &Change, previous: Option<u64>) -> String {
    match change {
        Change::Version { .. } => "version.created",
        Change::Alias { .. } if previous.is_some() => "alias.moved",
        Change::Alias { .. } => "alias.set",
        Change::Tag { value: Some(_), .. } => "tag.set",
        Change::Tag { value: None, .. } => "tag.deleted",
        Change::Archive { archived: true } => "asset.archived",
        Change::Archive { archived: false } => "asset.restored",
        Change::Lineage { .. } => "lineage.recorded",
        Change::UsedBy { .. } => "lineage.used_by",
        Change::Gate { .. } => "gate.recorded",
        Change::Expire { .. } => "versions.expired",
        Change::Pin { pinned: true, .. } => "version.pinned",
        Change::Pin { pinned: false, .. } => "version.unpinned",
    }
    .to_string()
}

impl Registry {
    /// The cursor after the last event of every log now: where a reader
    /// that wants only what happens from now on starts.
    pub fn feed_cursor(&self) -> Result<Cursor> {
        let mut c = Cursor::start();
        for (kind, name) in self.asset_names()? {
            let log = Self::log(kind, &name)?;
            if let Some(last) = self.store.tip(&log)?.last {
                c.advance(kind, &name, last.seq);
            }
        }
        Ok(c)
    }

    /// The events written after `since`, in log order (see the module's
    /// doc), at most `limit` of them, and the cursor after the last one
    /// returned (`since` itself when there are none).
    ///
    /// ```
    /// use mlops_core::registry::{Cursor, Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Model, "churn", b"v1", "", serde_json::json!({})).unwrap();
    /// let (events, cursor) = r.changes(&Cursor::start(), None).unwrap();
    /// assert_eq!(events[0].event, "version.created");
    /// assert_eq!(events[0].id, "model/churn@1");
    /// r.set_alias(Kind::Model, "churn", "production", 1).unwrap();
    /// let (events, _) = r.changes(&cursor, None).unwrap();
    /// assert_eq!((events.len(), events[0].event.as_str()), (1, "alias.set"));
    /// ```
    pub fn changes(
        &self,
        since: &Cursor,
        limit: Option<usize>,
    ) -> Result<(Vec<FeedEvent>, Cursor)> {
        let assets = self.asset_names()?;
        let mut events = self.changes_of(assets, since)?;
        let mut cursor = since.clone();
        if let Some(limit) = limit {
            events.truncate(limit);
        }
        for e in &events {
            cursor.advance(e.kind, &e.name, e.seq);
        }
        Ok((events, cursor))
    }

    /// Every asset (kind and name) with a folder in the store.
    fn asset_names(&self) -> Result<Vec<(Kind, String)>> {
        let mut out = Vec::new();
        for kind in Kind::ALL {
            for name in self.folder_names(kind)? {
                out.push((kind, name));
            }
        }
        Ok(out)
    }

    /// The events after `since` of the given assets' logs, merged in log
    /// order.
    fn changes_of(
        &self,
        assets: impl IntoIterator<Item = (Kind, String)>,
        since: &Cursor,
    ) -> Result<Vec<FeedEvent>> {
        let mut heap = BinaryHeap::new();
        for (kind, name) in assets {
            let events = self.events_after(kind, &name, since.position(kind, &name))?;
            if !events.is_empty() {
                heap.push(AssetEvents {
                    events: events.into(),
                });
            }
        }
        let mut out = Vec::new();
        while let Some(mut a) = heap.pop() {
            if let Some(e) = a.events.pop_front() {
                out.push(e);
            }
            if !a.events.is_empty() {
                heap.push(a);
            }
        }
        Ok(out)
    }

    /// The events of one asset's log after event `after`, as feed events.
    /// A folder with no log (see [`Registry::list`]) has none.
    fn events_after(&self, kind: Kind, name: &str, after: u64) -> Result<Vec<FeedEvent>> {
        let log = Self::log(kind, name)?;
        let raw: Vec<Event> = if after == 0 {
            // Catching up from the start: the whole log, read at once.
            self.store.read_log(&log)?
        } else {
            let mut raw: Vec<Event> = Vec::new();
            while let Some(e) = self.store.event(&log, after + raw.len() as u64 + 1)? {
                if let Some(prev) = raw.last() {
                    check_link(&log, &e, &prev.hash())?;
                }
                raw.push(e);
            }
            raw
        };
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        let parsed = raw
            .iter()
            .map(|e| parse_event(&log, e))
            .collect::<Result<Vec<_>>>()?;
        // Alias moves name the version the alias left: read from the
        // asset's alias history, once, when the batch moves an alias.
        let asset = if parsed
            .iter()
            .any(|e| matches!(e.change, Change::Alias { .. }))
        {
            Some(self.asset(kind, name)?)
        } else {
            None
        };
        Ok(parsed
            .into_iter()
            .map(|ev| {
                let previous = match (&ev.change, &asset) {
                    (Change::Alias { alias, .. }, Some(a)) => a.aliases.get(alias).and_then(|m| {
                        let i = m.iter().position(|m| m.seq == ev.seq)?;
                        i.checked_sub(1).map(|j| m[j].version)
                    }),
                    _ => None,
                };
                FeedEvent {
                    id: format!("{}/{name}@{}", kind.as_str(), ev.seq),
                    event: event_name(&ev.change, previous),
                    kind,
                    name: name.to_string(),
                    seq: ev.seq,
                    time: ev.time,
                    principal: ev.principal,
                    reason: ev.reason,
                    version: ev.change.version(),
                    previous,
                    change: serde_json::to_value(&ev.change).expect("changes serialise"),
                }
            })
            .collect())
    }

    /// A watch of the feed from `since` (`None`: from now, see
    /// [`Registry::feed_cursor`]).
    pub fn watch(&self, since: Option<&Cursor>) -> Result<Watch> {
        let cursor = match since {
            Some(c) => c.clone(),
            None => self.feed_cursor()?,
        };
        Watch::new(self.clone(), cursor)
    }

    /// A watch from `since` (a cursor's text, or [`CURSOR_START`]); without
    /// one, from the cursor saved in `cursor_file`; without that, from now.
    /// With `cursor_file`, the watch saves its cursor there each time the
    /// next event is asked for (the one before was then handled: at least
    /// once, never lost; see [`Watch::save_to`]).
    pub fn watch_from(
        &self,
        since: Option<&str>,
        cursor_file: Option<&std::path::Path>,
    ) -> Result<Watch> {
        let saved = match (since, cursor_file) {
            (None, Some(path)) => Cursor::load(path)?,
            _ => None,
        };
        let cursor = match (since, saved) {
            (Some(text), _) => Cursor::parse(text)?,
            (None, Some(c)) => c,
            (None, None) => self.feed_cursor()?,
        };
        let mut w = Watch::new(self.clone(), cursor)?;
        if let Some(path) = cursor_file {
            w.save_to(path);
        }
        Ok(w)
    }

    /// Posts every event `watch` yields to `url`, signed with the secret in
    /// environment variable `secret_env` (see [`crate::webhook`]; header
    /// `X-Mlops-Event` is the event's name, `X-Mlops-Event-Id` its id), until
    /// no event comes for `idle` (`None`: forever). After each delivered
    /// event `saved` is called with the cursor after it (to save it: a
    /// dispatcher started again from that cursor loses nothing and sends at
    /// most the one event that was in flight again). An event that cannot
    /// be delivered after the webhook's attempts stops the dispatch with
    /// [`Error::Storage`] naming it; the cursor before it was saved.
    pub fn dispatch(
        &self,
        watch: &mut Watch,
        url: &str,
        secret_env: &str,
        idle: Option<Duration>,
        mut saved: impl FnMut(&Cursor) -> Result<()>,
    ) -> Result<u64> {
        crate::webhook::check_url(url)?;
        crate::webhook::check_env_name(secret_env)?;
        let mut delivered = 0;
        while let Some(e) = watch.next_event(idle)? {
            let body = serde_json::to_vec(&e).expect("feed events serialise");
            let d = crate::webhook::post(url, secret_env, &e.event, &e.id, &body);
            if !d.delivered {
                return Err(Error::Storage {
                    context: format!("webhook {url}: event {}", e.id),
                    source: std::io::Error::other(d.error.unwrap_or_default()),
                });
            }
            delivered += 1;
            saved(watch.cursor())?;
        }
        Ok(delivered)
    }
}

/// What wakes a watch: file notifications on a local folder, or a timer.
enum Waker {
    /// A local folder's `assets/` watched for changes.
    Files {
        rx: mpsc::Receiver<notify::Result<notify::Event>>,
        /// Kept alive while the watch is.
        _watcher: notify::RecommendedWatcher,
        /// The folder watched.
        assets: std::path::PathBuf,
    },
    /// A bucket (or a folder that cannot be watched): polled.
    Poll,
}

/// A blocking reader of the feed from a cursor: [`Watch::next_event`]
/// waits for the next event (or use it as an [`Iterator`], which waits
/// without end), and [`Watch::cursor`] is the cursor after the last event
/// returned, to save.
pub struct Watch {
    registry: Registry,
    /// After the last event returned.
    delivered: Cursor,
    /// After the last event read (some may wait in `pending`).
    read: Cursor,
    pending: VecDeque<FeedEvent>,
    waker: Waker,
    /// Assets whose logs changed since they were last read.
    dirty: BTreeSet<(Kind, String)>,
    /// Assets whose folders appeared lately: their first events may have
    /// been written before their folders were watched, so they are read on
    /// every wake until the deadline.
    fresh: Vec<((Kind, String), Instant)>,
    /// The last time every log was read.
    full_read: Option<Instant>,
    poll_interval: Duration,
    /// Where the cursor is saved, and the cursor saved there last.
    save: Option<(std::path::PathBuf, Option<Cursor>)>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("store", &self.registry.store().url())
            .field("cursor", &self.delivered.to_string())
            .finish()
    }
}

impl Watch {
    fn new(registry: Registry, cursor: Cursor) -> Result<Self> {
        let waker = match registry.store().local_root() {
            Some(root) => files_waker(&root.join("assets")).unwrap_or(Waker::Poll),
            None => Waker::Poll,
        };
        Ok(Self {
            registry,
            delivered: cursor.clone(),
            read: cursor,
            pending: VecDeque::new(),
            waker,
            dirty: BTreeSet::new(),
            fresh: Vec::new(),
            full_read: None,
            poll_interval: WATCH_POLL_INTERVAL,
            save: None,
        })
    }

    /// The cursor after the last event returned.
    pub fn cursor(&self) -> &Cursor {
        &self.delivered
    }

    /// Saves the cursor in `path` ([`Cursor::save`]) each time
    /// [`Watch::next_event`] is called and events were returned since the
    /// last save: the caller asks for the next event once it has handled
    /// the last, so a reader started again from the file loses nothing.
    pub fn save_to(&mut self, path: &std::path::Path) {
        self.save = Some((path.to_path_buf(), None));
    }

    /// Saves the cursor where [`Watch::save_to`] said, if it moved.
    fn save_cursor(&mut self) -> Result<()> {
        if let Some((path, last)) = &mut self.save {
            if last.as_ref() != Some(&self.delivered) {
                self.delivered.save(path)?;
                *last = Some(self.delivered.clone());
            }
        }
        Ok(())
    }

    /// Whether new events are found by file notifications (a local
    /// folder) rather than by polling.
    pub fn notified(&self) -> bool {
        matches!(self.waker, Waker::Files { .. })
    }

    /// Sets how often a polled watch reads the logs (default
    /// [`WATCH_POLL_INTERVAL`]); a zero interval is `InvalidInput`.
    pub fn set_poll_interval(&mut self, interval: Duration) -> Result<()> {
        if interval.is_zero() {
            return Err(Error::InvalidInput(
                "watch option 'poll_interval': must be more than 0".into(),
            ));
        }
        self.poll_interval = interval;
        Ok(())
    }

    /// The next event, waiting up to `timeout` for one (`None`: without
    /// end); `Ok(None)` when none came in time.
    pub fn next_event(&mut self, timeout: Option<Duration>) -> Result<Option<FeedEvent>> {
        self.save_cursor()?;
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(e) = self.pending.pop_front() {
                self.delivered.advance(e.kind, &e.name, e.seq);
                return Ok(Some(e));
            }
            self.read_new()?;
            if !self.pending.is_empty() {
                continue;
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Ok(None);
            }
            let mut wait = match self.waker {
                Waker::Poll => self.poll_interval,
                Waker::Files { .. } if !self.fresh.is_empty() => Duration::from_millis(50),
                Waker::Files { .. } => WATCH_RESCAN_INTERVAL,
            };
            if let Some(d) = deadline {
                wait = wait.min(d - now);
            }
            self.wait(wait);
        }
    }

    /// Reads what changed into `pending`.
    fn read_new(&mut self) -> Result<()> {
        let now = Instant::now();
        let full = match self.waker {
            Waker::Poll => true,
            Waker::Files { .. } => self
                .full_read
                .is_none_or(|t| now.duration_since(t) >= WATCH_RESCAN_INTERVAL),
        };
        self.fresh.retain(|(_, until)| *until > now);
        let assets: Vec<(Kind, String)> = if full {
            self.full_read = Some(now);
            self.dirty.clear();
            self.registry.asset_names()?
        } else {
            let mut a: BTreeSet<_> = std::mem::take(&mut self.dirty);
            a.extend(self.fresh.iter().map(|(k, _)| k.clone()));
            a.into_iter().collect()
        };
        let events = self.registry.changes_of(assets, &self.read)?;
        for e in &events {
            self.read.advance(e.kind, &e.name, e.seq);
        }
        self.pending.extend(events);
        Ok(())
    }

    /// Waits up to `wait` for a file notification (or sleeps, when polled),
    /// noting which assets changed.
    fn wait(&mut self, wait: Duration) {
        let Waker::Files { rx, assets, .. } = &self.waker else {
            std::thread::sleep(wait);
            return;
        };
        let mut first = match rx.recv_timeout(wait) {
            Ok(ev) => Some(ev),
            Err(mpsc::RecvTimeoutError::Timeout) => return,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // The watcher stopped: poll from now on.
                self.waker = Waker::Poll;
                return;
            }
        };
        let mut lost = false;
        let mut notes = Vec::new();
        while let Some(ev) = first.take().or_else(|| rx.try_recv().ok()) {
            match ev {
                Ok(ev) => {
                    let created_folder = matches!(
                        ev.kind,
                        notify::EventKind::Create(notify::event::CreateKind::Folder)
                    );
                    for p in &ev.paths {
                        match asset_of(assets, p) {
                            Some(a) => notes.push((a, created_folder)),
                            None => lost |= ev.need_rescan(),
                        }
                    }
                    lost |= ev.need_rescan();
                }
                Err(_) => lost = true,
            }
        }
        let until = Instant::now() + WATCH_RESCAN_INTERVAL;
        for (a, created_folder) in notes {
            if created_folder {
                self.fresh.push((a.clone(), until));
            }
            self.dirty.insert(a);
        }
        if lost {
            self.full_read = None;
        }
    }
}

impl Iterator for Watch {
    type Item = Result<FeedEvent>;

    /// The next event, waiting for it without end.
    fn next(&mut self) -> Option<Self::Item> {
        self.next_event(None).transpose()
    }
}

/// A file-notification waker on `assets` (made if missing: a store with no
/// asset yet), or `None` when the platform cannot watch it.
fn files_waker(assets: &std::path::Path) -> Option<Waker> {
    use notify::Watcher as _;
    std::fs::create_dir_all(assets).ok()?;
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |ev| {
        let _ = tx.send(ev);
    })
    .ok()?;
    watcher
        .watch(assets, notify::RecursiveMode::Recursive)
        .ok()?;
    Some(Waker::Files {
        rx,
        _watcher: watcher,
        assets: assets.to_path_buf(),
    })
}

/// The asset a path under `assets/` belongs to (`<kind>/<name>/...`).
fn asset_of(assets: &std::path::Path, path: &std::path::Path) -> Option<(Kind, String)> {
    let mut parts = path.strip_prefix(assets).ok()?.components();
    let kind: Kind = parts.next()?.as_os_str().to_str()?.parse().ok()?;
    let name = parts.next()?.as_os_str().to_str()?;
    super::check_name(name).ok()?;
    Some((kind, name.to_string()))
}
