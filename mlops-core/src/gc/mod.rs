//! Garbage collection: `plan` (what would go, how many bytes, why) and
//! `apply` (delete exactly what a plan lists, after checking again), write
//! leases against the deduplication race, and `fsck` (orphans and missing
//! objects). The protocol is in `docs/store-protocol.md`, "Garbage
//! collection"; in short:
//!
//! 1. **Candidates first.** Every blob, with the store's `last_modified`,
//!    is listed before any log is read: a blob written after the listing is
//!    no candidate.
//! 2. **Roots after.** Every event of every log (assets, runs, monitors,
//!    policy, denials, and any log a later release adds: a log is any
//!    `<...>/log/<20 digits>.json`) is read, and every 64-hex string in it
//!    is a root ([`refs::tokens`]), but for version events that retention
//!    expired. Other JSON objects outside `blobs/` (not heads, covers or
//!    packs, which cache events) are roots too. Roots are followed to what
//!    they name ([`refs::references`], the one extension point for new
//!    object types). Blobs named in live write leases ([`lease`]) are kept.
//! 3. **Grace.** An unreferenced blob goes once its `last_modified` is at
//!    least the grace period old (default [`DEFAULT_GRACE`]); one that only
//!    expired versions name once the expiry is that old too. "Now" is the
//!    store's time: the `last_modified` of a marker the collector writes
//!    first ([`store_time`]), not its machine's clock.
//! 4. **Apply checks again.** `apply` lists and reads everything again and
//!    deletes a planned blob only if it is still unreferenced and still old
//!    enough; per batch it first writes a [`tombstone`] naming the blobs,
//!    reads the leases and new events once more, deletes, and puts back any
//!    blob a last look names. Writers read the tombstones after writing
//!    their lease and fail closed on a blob one names.
//!
//! Every writer that stores content and then appends an event naming it
//! (versions, gate reports, runs' segments and artifacts, monitors) leases
//! it through one guard, `gc::guard`.
//!
//! ```
//! use mlops_core::clock::ManualClock;
//! use mlops_core::registry::{Kind, Registry};
//! use std::time::Duration;
//! let clock = ManualClock::starting_now();
//! let r = Registry::open("memory://").unwrap().with_clock(std::sync::Arc::new(clock.clone()));
//! r.store().put_blob(b"never named").unwrap();
//! r.add_version(Kind::Model, "m", b"weights", "", serde_json::json!({})).unwrap();
//! clock.advance(Duration::from_secs(8 * 86_400));
//! let plan = r.gc_plan(mlops_core::gc::DEFAULT_GRACE, false).unwrap();
//! assert_eq!((plan.count, plan.bytes), (1, 11));
//! let done = r.gc_apply(&plan).unwrap();
//! assert_eq!((done.count, done.bytes), (1, 11));
//! assert_eq!(r.fsck().unwrap().orphans.len(), 0);
//! ```

pub(crate) mod guard;
pub mod lease;
pub mod refs;
pub mod store_time;
pub mod tombstone;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::{Hash, ObjectInfo, Store};
pub use lease::{Lease, LEASE_TTL};
pub use refs::{references, Reference};

/// The grace period unless told otherwise: 7 days (as Delta and Lance).
pub const DEFAULT_GRACE: Duration = Duration::from_secs(7 * 86_400);
/// The smallest grace period allowed without the `unsafe` flag.
pub const MIN_SAFE_GRACE: Duration = Duration::from_secs(3_600);
/// Most blobs `apply` deletes under one tombstone. Each batch costs two
/// more looks at every log, so batches are as large as the bytes held
/// allow (small blobs: a store of many small versions is collected in a
/// few looks, not one per thousand blobs), and small enough that the
/// tombstone writers read stays near 1 MiB.
const APPLY_BATCH_BLOBS: usize = 16_384;
/// Most bytes a batch holds: `apply` keeps the bytes of what it deleted
/// until it has looked at the leases and the logs again (to put back what
/// they name).
const APPLY_BATCH_BYTES: u64 = 256 << 20;

/// `go` cut into batches of at most [`APPLY_BATCH_BLOBS`] blobs and
/// [`APPLY_BATCH_BYTES`] bytes (a batch holds at least one blob).
fn batches<'a>(go: &'a [Hash], listing: &Listing) -> Vec<&'a [Hash]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, h) in go.iter().enumerate() {
        let size = listing.get(h).map_or(0, |&(s, _)| s);
        if i > start && (i - start >= APPLY_BATCH_BLOBS || bytes + size > APPLY_BATCH_BYTES) {
            out.push(&go[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < go.len() {
        out.push(&go[start..]);
    }
    out
}

/// Why a blob is in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GcReason {
    /// No event ever named it (an upload whose writer died or lost a race).
    NeverReferenced,
    /// Only versions retention expired name it.
    ExpiredOnly,
}

impl GcReason {
    /// `never_referenced` or `expired_only`.
    pub fn as_str(&self) -> &'static str {
        match self {
            GcReason::NeverReferenced => "never_referenced",
            GcReason::ExpiredOnly => "expired_only",
        }
    }
}

/// One blob a plan would delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcItem {
    /// The blob.
    pub hash: Hash,
    /// Its size.
    pub bytes: u64,
    /// Why it would go.
    pub reason: GcReason,
    /// The store's `last_modified` of it (Unix milliseconds).
    pub last_modified: u64,
    /// For `expired_only`: when the newest expiry that made it garbage was
    /// recorded (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<u64>,
}

/// A dry run: what `apply` would delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcPlan {
    /// `mlops.gc_plan`.
    pub format: String,
    /// The store it was made for.
    pub store: String,
    /// When (Unix milliseconds).
    pub created: u64,
    /// The grace period, in milliseconds.
    pub grace_ms: u64,
    /// Whether a grace period below [`MIN_SAFE_GRACE`] was allowed.
    #[serde(rename = "unsafe")]
    pub unsafe_grace: bool,
    /// The blobs, by hash.
    pub items: Vec<GcItem>,
    /// How many.
    pub count: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl GcPlan {
    /// The plan as JSON (what `mlops gc plan --out` writes).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plans serialise")
    }

    /// A plan read back from [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self> {
        let p: GcPlan = serde_json::from_str(text)
            .map_err(|e| Error::InvalidInput(format!("gc plan: not a plan: {e}")))?;
        if p.format != "mlops.gc_plan" {
            return Err(Error::InvalidInput(format!(
                "gc plan: format '{}', expected mlops.gc_plan",
                p.format
            )));
        }
        Ok(p)
    }
}

/// What `apply` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcApplied {
    /// Blobs deleted (and not put back).
    pub count: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Planned blobs kept, with why (`referenced`, `leased`, `too_young`,
    /// `gone`, `restored`).
    pub skipped: Vec<(Hash, String)>,
}

/// A referenced blob that is not in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    /// The blob.
    pub hash: Hash,
    /// What names it: a log's event (`assets/model/m/log#3`) or a blob.
    pub referenced_by: String,
}

/// What `fsck` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fsck {
    /// Blobs in the store.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Blobs nothing names (not even an expired version or a lease), with
    /// their bytes.
    pub orphans: Vec<(Hash, u64)>,
    /// Bytes of the orphans.
    pub orphan_bytes: u64,
    /// Blobs an event or a live object names that are not there.
    pub missing: Vec<Missing>,
    /// Logs read.
    pub logs: u64,
}

impl Fsck {
    /// Whether nothing is missing.
    pub fn ok(&self) -> bool {
        self.missing.is_empty()
    }
}

/// The path of blob `h`.
fn blob_path(h: &str) -> String {
    format!("blobs/{}/{h}", &h[..2])
}

/// The blobs in the store: hash to (size, last_modified).
type Listing = HashMap<Hash, (u64, u64)>;

fn list_blobs(store: &Store) -> Result<Listing> {
    let mut out = HashMap::new();
    for ObjectInfo {
        path,
        size,
        last_modified_ms,
    } in store.list_objects("blobs")?
    {
        if let Some(h) = path.rsplit('/').next().filter(|h| refs::is_hash(h)) {
            out.insert(Hash::parse_field(h, "blob")?, (size, last_modified_ms));
        }
    }
    Ok(out)
}

/// The roots and what they reach.
#[derive(Default)]
struct Reach {
    /// Reached from live roots.
    live: BTreeSet<Hash>,
    /// Reached only from expired versions: the newest expiry time.
    expired: HashMap<Hash, u64>,
    /// Named in leases: hash to the lease's expiry.
    leased: HashMap<Hash, u64>,
    /// Typed references not in the store.
    missing: BTreeMap<Hash, String>,
    /// Event objects read (`<log>/<seq>`), so that a later look finds new ones.
    events_seen: BTreeSet<String>,
    /// Logs read.
    logs: u64,
}

/// Whether a path is an event of a log (`<...>/log/<20 digits>.json`):
/// the log and the event's number.
fn event_of(path: &str) -> Option<(&str, u64)> {
    let (log, file) = path.rsplit_once('/')?;
    if log != "log" && !log.ends_with("/log") {
        return None;
    }
    let seq = file.strip_suffix(".json")?;
    if seq.len() != 20 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((log, seq.parse().ok()?))
}

/// Whether an object outside `blobs/` and the logs is a cache of events
/// (heads, covers, packs, the run table) or a lease, rather than a root.
fn is_cache(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "head.json"
        || name == "_head"
        || path.contains("/packs/")
        || path.starts_with("indexes/")
        || path.starts_with(lease::LEASES)
        || path.starts_with(tombstone::TOMBSTONES)
        || path == "mlops.json"
        || !name.ends_with(".json")
}

/// The versions retention expired in an asset's events: version to the
/// expiry's time.
fn expiries(events: &[(u64, serde_json::Value)]) -> HashMap<u64, u64> {
    let mut out = HashMap::new();
    for (_, e) in events {
        if e.get("type").and_then(|t| t.as_str()) == Some("expire") {
            let time = e.get("time").and_then(|t| t.as_u64()).unwrap_or(0);
            for v in e
                .get("expired")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(v) = v.as_u64() {
                    out.entry(v).or_insert(time);
                }
            }
        }
    }
    out
}

/// Reads every root (after the blobs were listed) and follows them.
fn reach(store: &Store, listing: &Listing) -> Result<Reach> {
    let mut r = Reach::default();
    // Roots: (reference, who names it, expiry time if only an expired
    // version names it).
    let mut roots: Vec<(Reference, String, Option<u64>)> = Vec::new();
    let mut logs: BTreeSet<String> = BTreeSet::new();
    for top in store.top_level()? {
        let top = top.trim_end_matches('/');
        if top == "blobs"
            || top == lease::LEASES
            || top == tombstone::TOMBSTONES
            || top.contains('#')
        {
            continue;
        }
        for o in store.list_objects(top)? {
            if let Some((log, _)) = event_of(&o.path) {
                logs.insert(log.to_string());
            } else if !is_cache(&o.path) {
                if let Some(bytes) = store.read_index(&o.path)? {
                    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                        roots.extend(
                            refs::tokens(&v)
                                .into_iter()
                                .map(|t| (t, o.path.clone(), None)),
                        );
                    }
                }
            }
        }
    }
    for log in &logs {
        let events = store.read_log(log)?;
        r.logs += 1;
        let parsed: Vec<(u64, serde_json::Value)> = events
            .iter()
            .map(|e| {
                serde_json::from_slice(&e.bytes)
                    .map(|v| (e.seq, v))
                    .map_err(|err| {
                        Error::Integrity(format!("log {log}: event {} is not JSON: {err}", e.seq))
                    })
            })
            .collect::<Result<_>>()?;
        let expired = if log.starts_with("assets/") {
            expiries(&parsed)
        } else {
            HashMap::new()
        };
        for (seq, v) in &parsed {
            r.events_seen.insert(format!("{log}/{seq}"));
            let at = if v.get("type").and_then(|t| t.as_str()) == Some("version") {
                v.get("version")
                    .and_then(|n| n.as_u64())
                    .and_then(|n| expired.get(&n).copied())
            } else {
                None
            };
            let by = format!("{log}#{seq}");
            roots.extend(refs::tokens(v).into_iter().map(|t| (t, by.clone(), at)));
        }
    }
    for (_, lease) in lease::read_all(store)? {
        for h in lease.iter().flat_map(|l| l.hashes.iter()) {
            let until = lease.as_ref().map_or(0, |l| l.expires);
            let e = r.leased.entry(h.clone()).or_insert(until);
            *e = (*e).max(until);
        }
    }
    // Live roots first, so what they reach is never counted as expired.
    roots.sort_by_key(|(_, _, at)| at.is_some());
    follow(store, listing, &HashMap::new(), roots, &mut r)?;
    Ok(r)
}

/// Follows roots to everything they name.
fn follow(
    store: &Store,
    listing: &Listing,
    deleted: &HashMap<Hash, Vec<u8>>,
    roots: Vec<(Reference, String, Option<u64>)>,
    r: &mut Reach,
) -> Result<()> {
    let mut read: HashMap<Hash, Vec<Reference>> = HashMap::new();
    for (root, by, at) in roots {
        let mut stack = vec![(root, by)];
        while let Some((x, by)) = stack.pop() {
            match at {
                None => {
                    if !r.live.insert(x.hash.clone()) {
                        continue;
                    }
                    r.expired.remove(&x.hash);
                }
                Some(t) => {
                    if r.live.contains(&x.hash) {
                        continue;
                    }
                    match r.expired.get_mut(&x.hash) {
                        Some(prev) if *prev >= t => continue,
                        Some(prev) => *prev = t,
                        None => {
                            r.expired.insert(x.hash.clone(), t);
                        }
                    }
                }
            }
            if !listing.contains_key(&x.hash) && !store.has_blob(&x.hash)? {
                if x.typed && at.is_none() {
                    r.missing.entry(x.hash.clone()).or_insert(by);
                }
                continue;
            }
            if !x.follow {
                continue;
            }
            let named = match read.get(&x.hash) {
                Some(n) => n.clone(),
                None => {
                    let n = match deleted.get(&x.hash) {
                        Some(bytes) => references(store, bytes)?,
                        None => match store.read_index(&blob_path(&x.hash))? {
                            Some(bytes) => references(store, &bytes)?,
                            None => Vec::new(),
                        },
                    };
                    read.insert(x.hash.clone(), n.clone());
                    n
                }
            };
            let parent = format!("blob {}", x.hash);
            stack.extend(named.into_iter().map(|n| (n, parent.clone())));
        }
    }
    Ok(())
}

fn check_grace(grace: Duration, unsafe_grace: bool) -> Result<()> {
    if grace < MIN_SAFE_GRACE && !unsafe_grace {
        return Err(Error::InvalidInput(format!(
            "grace period {}s is below {}s: a writer still uploading could lose its content; \
             pass the unsafe flag to allow it",
            grace.as_secs(),
            MIN_SAFE_GRACE.as_secs()
        )));
    }
    Ok(())
}

/// Whether blob `h` may go now, and why; `Err` says why not.
fn eligible(
    h: &Hash,
    (_, modified): (u64, u64),
    r: &Reach,
    now: u64,
    grace: u64,
) -> std::result::Result<(GcReason, Option<u64>), &'static str> {
    if r.live.contains(h) {
        return Err("referenced");
    }
    if r.leased.get(h).is_some_and(|&until| until > now) {
        return Err("leased");
    }
    if modified.saturating_add(grace) > now {
        return Err("too_young");
    }
    match r.expired.get(h) {
        Some(&at) if at.saturating_add(grace) > now => Err("too_young"),
        Some(&at) => Ok((GcReason::ExpiredOnly, Some(at))),
        None => Ok((GcReason::NeverReferenced, None)),
    }
}

/// A plan: every blob that may go now.
pub fn plan(
    store: &Store,
    clock: &dyn Clock,
    grace: Duration,
    unsafe_grace: bool,
) -> Result<GcPlan> {
    check_grace(grace, unsafe_grace)?;
    // The store's time, before the listing: a blob listed was written
    // before the marker, so its age is never overstated.
    let t0 = store_time::now(store, clock)?;
    let now = t0.now;
    let grace_ms = grace.as_millis() as u64;
    let listing = list_blobs(store)?;
    let r = reach(store, &listing)?;
    let mut items: Vec<GcItem> = listing
        .iter()
        .filter_map(|(h, &meta)| {
            eligible(h, meta, &r, now, grace_ms)
                .ok()
                .map(|(reason, expired_at)| GcItem {
                    hash: h.clone(),
                    bytes: meta.0,
                    reason,
                    last_modified: meta.1,
                    expired_at,
                })
        })
        .collect();
    items.sort_by(|a, b| a.hash.cmp(&b.hash));
    Ok(GcPlan {
        format: "mlops.gc_plan".into(),
        store: store.url().to_string(),
        created: now,
        grace_ms,
        unsafe_grace,
        count: items.len() as u64,
        bytes: items.iter().map(|i| i.bytes).sum(),
        items,
    })
}

/// Deletes what `plan` lists that may still go (see the module docs); with
/// `killed_after`, stops after that many deletions as a collector killed
/// there would (no second look, its tombstone left behind), for tests.
pub fn apply(
    store: &Store,
    clock: &dyn Clock,
    plan: &GcPlan,
    killed_after: Option<usize>,
) -> Result<GcApplied> {
    check_grace(Duration::from_millis(plan.grace_ms), plan.unsafe_grace)?;
    let t0 = store_time::now(store, clock)?;
    let now = t0.now;
    let listing = list_blobs(store)?;
    let r = reach(store, &listing)?;
    let mut out = GcApplied {
        count: 0,
        bytes: 0,
        skipped: Vec::new(),
    };
    let mut go: Vec<Hash> = Vec::new();
    for item in &plan.items {
        let Some(&meta) = listing.get(&item.hash) else {
            out.skipped.push((item.hash.clone(), "gone".into()));
            continue;
        };
        match eligible(&item.hash, meta, &r, now, plan.grace_ms) {
            Ok(_) => go.push(item.hash.clone()),
            Err(why) => out.skipped.push((item.hash.clone(), why.into())),
        }
    }
    let mut deleted = 0usize;
    for part in batches(&go, &listing) {
        // The tombstone first, then one more look at the leases and new
        // events: a writer that leased a blob before this look is seen; one
        // that leases it later sees the tombstone and fails closed.
        let tomb = tombstone::write(store, now, part)?;
        let named = named_now(store, &listing, &r, &HashMap::new())?;
        let mut batch: Vec<(Hash, Vec<u8>)> = Vec::new();
        for h in part {
            if named.contains(h) {
                out.skipped.push((h.clone(), "referenced".into()));
                continue;
            }
            if killed_after.is_some_and(|k| deleted >= k) {
                // Killed: the tombstone (and the time marker) stay, nothing
                // is put back.
                std::mem::forget(t0);
                out.count += batch.len() as u64;
                out.bytes += batch.iter().map(|(_, b)| b.len() as u64).sum::<u64>();
                return Ok(out);
            }
            let Some(bytes) = store.read_index(&blob_path(h))? else {
                out.skipped.push((h.clone(), "gone".into()));
                continue;
            };
            store.delete_blob(h)?;
            deleted += 1;
            batch.push((h.clone(), bytes));
        }
        settle(store, &listing, &r, batch, &mut out)?;
        store.delete_object(&tomb)?;
    }
    // Leases of writers that died (or stalled) long ago: a lease past its
    // expiry by more than the grace period is removed; such a writer renews
    // its lease before it commits, and fails closed if a blob is gone.
    for (path, lease) in lease::read_all(store)? {
        if lease.is_some_and(|l| l.expires.saturating_add(plan.grace_ms) < now) {
            store.delete_object(&path)?;
        }
    }
    tombstone::remove_stale(store, now)?;
    Ok(out)
}

/// What the leases and the events not read before name now (followed).
fn named_now(
    store: &Store,
    listing: &Listing,
    before: &Reach,
    deleted: &HashMap<Hash, Vec<u8>>,
) -> Result<BTreeSet<Hash>> {
    let mut roots: Vec<(Reference, String, Option<u64>)> = Vec::new();
    for (path, lease) in lease::read_all(store)? {
        for hash in lease.into_iter().flat_map(|l| l.hashes) {
            let r = Reference {
                hash,
                follow: true,
                typed: false,
            };
            roots.push((r, path.clone(), None));
        }
    }
    for top in store.top_level()? {
        let top = top.trim_end_matches('/');
        if top == "blobs" || top == lease::LEASES || top == tombstone::TOMBSTONES {
            continue;
        }
        for o in store.list_objects(top)? {
            let new_event = event_of(&o.path)
                .is_some_and(|(log, seq)| !before.events_seen.contains(&format!("{log}/{seq}")));
            if new_event {
                if let Some(bytes) = store.read_index(&o.path)? {
                    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                        roots.extend(
                            refs::tokens(&v)
                                .into_iter()
                                .map(|t| (t, o.path.clone(), None)),
                        );
                    }
                }
            }
        }
    }
    let mut again = Reach::default();
    follow(store, listing, deleted, roots, &mut again)?;
    Ok(again.live)
}

/// After deleting `batch`: reads the leases and any event not read before
/// once more, puts back every deleted blob they name, and counts the rest
/// as freed.
fn settle(
    store: &Store,
    listing: &Listing,
    before: &Reach,
    batch: Vec<(Hash, Vec<u8>)>,
    out: &mut GcApplied,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let deleted: HashMap<Hash, Vec<u8>> = batch.iter().cloned().collect();
    let named = named_now(store, listing, before, &deleted)?;
    for (h, bytes) in batch {
        if named.contains(&h) {
            store.put_blob(&bytes)?;
            out.skipped.push((h, "restored".into()));
        } else {
            out.count += 1;
            out.bytes += bytes.len() as u64;
        }
    }
    Ok(())
}

/// Orphans and missing blobs.
pub fn fsck(store: &Store) -> Result<Fsck> {
    let listing = list_blobs(store)?;
    let r = reach(store, &listing)?;
    let mut orphans: Vec<(Hash, u64)> = listing
        .iter()
        .filter(|(h, _)| {
            !r.live.contains(*h) && !r.expired.contains_key(*h) && !r.leased.contains_key(*h)
        })
        .map(|(h, &(size, _))| (h.clone(), size))
        .collect();
    orphans.sort();
    Ok(Fsck {
        objects: listing.len() as u64,
        bytes: listing.values().map(|(s, _)| s).sum(),
        orphan_bytes: orphans.iter().map(|(_, s)| s).sum(),
        orphans,
        missing: r
            .missing
            .into_iter()
            .map(|(hash, referenced_by)| Missing {
                hash,
                referenced_by,
            })
            .collect(),
        logs: r.logs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_cut_by_count_and_by_bytes() {
        let hashes: Vec<Hash> = (0..40_000u32).map(|i| Hash::of(&i.to_le_bytes())).collect();
        let mut listing: Listing = hashes.iter().map(|h| (h.clone(), (1_000, 0))).collect();
        let b = batches(&hashes, &listing);
        assert_eq!(
            b.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![16_384, 16_384, 7_232]
        );
        // 1 MiB blobs: 256 to a batch; one larger than a batch goes alone.
        for h in &hashes[..600] {
            listing.insert(h.clone(), (1 << 20, 0));
        }
        listing.insert(hashes[600].clone(), (300 << 20, 0));
        let b = batches(&hashes[..602], &listing);
        assert_eq!(
            b.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![256, 256, 88, 1, 1]
        );
        assert!(batches(&[], &listing).is_empty());
    }
}
