//! Retention and the collector, as the registry offers them: versions
//! expired by rule ([`Registry::expire`], an `expire` event in the asset's
//! log), pins, content stored ahead of its version under a write lease
//! ([`Registry::stage_content`]), and the collector's plan, apply and fsck
//! (see [`crate::gc`]).

use std::sync::Arc;
use std::time::Duration;

use super::{Kind, Registry};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gc::{self, lease, Fsck, GcApplied, GcPlan};
use crate::governance::Action;
use crate::store::Hash;

/// Which versions retention keeps. A version is kept when any rule keeps
/// it; the newest version, versions an alias points at now, tagged ones,
/// ones lineage names (either direction) and pinned ones are always kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Keep the newest `n` versions.
    pub keep_last: Option<u64>,
    /// Keep versions made within this long before now.
    pub keep_within: Option<Duration>,
}

impl Retention {
    /// The rule as recorded in the event (`keep_last=3 keep_within=30d`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.keep_last {
            parts.push(format!("keep_last={n}"));
        }
        if let Some(d) = self.keep_within {
            parts.push(format!("keep_within={}", duration_text(d)));
        }
        parts.join(" ")
    }
}

/// A duration in its largest whole unit (`30d`, `90m`, `1500ms`).
fn duration_text(d: Duration) -> String {
    let ms = d.as_millis() as u64;
    for (unit, size) in [
        ("w", 604_800_000u64),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// Content stored ahead of the version that will name it, with the write
/// lease that keeps what it deduplicated from the collector until then
/// (released when this is dropped).
#[derive(Debug)]
pub struct Staged {
    /// The content's manifest hash.
    pub hash: Hash,
    /// Its size in bytes.
    pub size: u64,
    /// The blobs found already stored (deduplication hits), which the
    /// lease names.
    pub deduplicated: Vec<Hash>,
    /// Every blob the version will name, which the lease names.
    named: Vec<Hash>,
    /// When it was stored, or its lease last renewed (Unix milliseconds).
    staged_at: u64,
    lease: lease::Held,
    store: crate::store::Store,
}

impl Staged {
    /// Checks, just before the commit, that every blob the version will
    /// name (the manifest, its chunks, a data set's profile) is still
    /// there: [`Error::Integrity`] naming one that is not (the version is
    /// then not committed). The lease names them all and was written before
    /// this look, so a collector deleting one either sees the lease
    /// afterwards and puts the blob back, or the look here finds it gone. A
    /// lease older than [`lease::LEASE_TTL`] (which a collector removes once
    /// it is a grace period past that) is renewed first.
    pub(crate) fn check(&mut self, r: &Registry) -> Result<()> {
        let now = r.clock.now_ms();
        if now.saturating_sub(self.staged_at) >= lease::LEASE_TTL.as_millis() as u64 {
            self.lease = lease::take(&self.store, &r.principal, now, self.named.clone(), &[])?;
            self.staged_at = now;
        }
        gc::guard::check(&self.store, &self.named, "version")
    }
}

impl Registry {
    /// The same registry reading "now" from `clock` (events' times,
    /// retention, leases, the collector): tests move time with a
    /// [`crate::clock::ManualClock`].
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The registry's clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Stores content for a version to be committed later by
    /// [`commit_staged`](Self::commit_staged), under a write lease naming
    /// the blobs that were already stored (see `docs/store-protocol.md`,
    /// "Garbage collection"). [`add_version`](Self::add_version) is these
    /// two steps in one.
    pub fn stage_content(&self, content: impl std::io::Read) -> Result<Staged> {
        self.stage_content_with(content, None)
    }

    pub(crate) fn stage_content_with(
        &self,
        content: impl std::io::Read,
        also: Option<&Hash>,
    ) -> Result<Staged> {
        let (hash, size, hits) = self.store.put_content_tracked(content)?;
        // The manifest, its chunks and what JSON content names (a data
        // set's parts, a package's files); a data set's profile blob was
        // stored before its content.
        let mut roots = vec![hash.clone()];
        roots.extend(also.cloned());
        let named = gc::guard::named(&self.store, &roots, "version")?;
        let now = self.clock.now_ms();
        let lease = lease::take(&self.store, &self.principal, now, named.clone(), &hits)?;
        Ok(Staged {
            hash,
            size,
            deduplicated: hits,
            named,
            staged_at: now,
            lease,
            store: self.store.clone(),
        })
    }

    /// Commits staged content as the next version; [`Error::Integrity`]
    /// (nothing committed) if a blob it deduplicated was collected since.
    pub fn commit_staged(
        &self,
        kind: Kind,
        name: &str,
        mut staged: Staged,
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        let log = Self::log(kind, name)?;
        if !metadata.is_object() {
            return Err(Error::InvalidInput("metadata must be a JSON object".into()));
        }
        self.authorize(Action::AddVersion, kind, name)?;
        staged.check(self)?;
        let mut version = 0;
        self.append(&log, |tip| {
            version = Self::versions_at(&log, tip)? + 1;
            self.event(
                tip,
                version,
                super::Change::Version {
                    version,
                    content: staged.hash.clone(),
                    size: staged.size,
                    message: message.to_string(),
                    metadata: metadata.clone(),
                    dataset: None,
                    tree: None,
                },
            )
        })?;
        drop(staged);
        Ok(version)
    }

    /// [`Error::Expired`] if retention expired `version`.
    pub(crate) fn refuse_expired(&self, kind: Kind, name: &str, version: u64) -> Result<()> {
        match self.version(kind, name, &version.to_string()) {
            Err(e @ Error::Expired(_)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Expires the versions `rule` does not keep (see [`Retention`]): one
    /// `expire` event in the asset's log naming them, with the principal,
    /// time and reason of every event. Reads of them then answer
    /// [`Error::Expired`]; the collector may remove content only they name
    /// once the event is older than its grace period. Returns the versions
    /// expired now (none: nothing is written).
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry, Retention};
    /// let r = Registry::open("memory://").unwrap();
    /// for i in 0..4 {
    ///     r.add_version(Kind::Model, "m", format!("w{i}").as_bytes(), "", serde_json::json!({})).unwrap();
    /// }
    /// r.set_alias(Kind::Model, "m", "production", 1).unwrap();
    /// let rule = Retention { keep_last: Some(2), keep_within: None };
    /// assert_eq!(r.expire(Kind::Model, "m", &rule).unwrap(), vec![2]);
    /// assert!(matches!(r.get(Kind::Model, "m", "2"), Err(mlops_core::Error::Expired(_))));
    /// assert_eq!(r.get(Kind::Model, "m", "production").unwrap(), b"w0");
    /// ```
    pub fn expire(&self, kind: Kind, name: &str, rule: &Retention) -> Result<Vec<u64>> {
        let log = Self::log(kind, name)?;
        if rule.keep_last.is_none() && rule.keep_within.is_none() {
            return Err(Error::InvalidInput(
                "expire needs keep_last, keep_within or both".into(),
            ));
        }
        if rule.keep_last == Some(0) {
            return Err(Error::InvalidInput(
                "keep_last must be at least 1 (the newest version is always kept)".into(),
            ));
        }
        self.authorize(Action::Expire, kind, name)?;
        for _ in 0..8 {
            let a = self.asset(kind, name)?;
            let now = self.clock.now_ms();
            let n = a.versions.len() as u64;
            let aliased: std::collections::BTreeSet<u64> = a
                .aliases
                .values()
                .filter_map(|m| m.last().map(|m| m.version))
                .collect();
            let expired: Vec<u64> = a
                .versions
                .iter()
                .filter(|v| {
                    let x = v.version;
                    let kept = x == n
                        || a.expired.contains_key(&x)
                        || rule.keep_last.is_some_and(|k| x + k > n)
                        || rule
                            .keep_within
                            .is_some_and(|d| v.time.saturating_add(d.as_millis() as u64) >= now)
                        || aliased.contains(&x)
                        || a.tags.get(&x).is_some_and(|t| !t.is_empty())
                        || a.inputs.iter().any(|e| e.version == x)
                        || a.used_by.iter().any(|e| e.version == x)
                        || a.pinned.contains(&x);
                    !kept
                })
                .map(|v| v.version)
                .collect();
            if expired.is_empty() {
                return Ok(expired);
            }
            let change = super::Change::Expire {
                expired: expired.clone(),
                policy: rule.describe(),
            };
            let written = self.append(&log, |tip| {
                // Decided on the state after event `a.events`: a later event
                // (an alias moved, a tag set) may keep a version now.
                if tip.next_seq() != a.events + 1 {
                    return Err(Error::Conflict(format!("log {log} moved on")));
                }
                self.event(tip, n, change.clone())
            });
            match written {
                Ok(_) => return Ok(expired),
                Err(Error::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict(format!(
            "{} '{name}': the log kept moving while retention was decided; try again",
            kind.as_str()
        )))
    }

    /// Pins (or with `pinned = false` unpins) a version: retention keeps a
    /// pinned version whatever the rule.
    pub fn pin(&self, kind: Kind, name: &str, version: u64, pinned: bool) -> Result<()> {
        self.authorize(Action::Pin, kind, name)?;
        if pinned {
            self.refuse_expired(kind, name, version)?;
        }
        self.append_about(kind, name, version, super::Change::Pin { version, pinned })
    }

    /// A garbage collection plan (a dry run; see [`crate::gc`]): every blob
    /// no event names (or only expired versions name) that is at least
    /// `grace` old. A grace below an hour is [`Error::InvalidInput`] unless
    /// `unsafe_grace`.
    pub fn gc_plan(&self, grace: Duration, unsafe_grace: bool) -> Result<GcPlan> {
        gc::plan(&self.store, self.clock.as_ref(), grace, unsafe_grace)
    }

    /// Deletes what `plan` lists that is still unreferenced and still old
    /// enough (see [`crate::gc`]); returns what was freed, which equals the
    /// plan when nothing changed in between.
    pub fn gc_apply(&self, plan: &GcPlan) -> Result<GcApplied> {
        if plan.store != self.store.url() {
            return Err(Error::InvalidInput(format!(
                "gc plan was made for store {}, not {}",
                plan.store,
                self.store.url()
            )));
        }
        gc::apply(&self.store, self.clock.as_ref(), plan, None)
    }

    /// [`gc_apply`](Self::gc_apply) stopping after `deletions` deletions,
    /// as a collector killed midway would (for tests of that case).
    #[doc(hidden)]
    pub fn gc_apply_stopping_after(&self, plan: &GcPlan, deletions: usize) -> Result<GcApplied> {
        gc::apply(&self.store, self.clock.as_ref(), plan, Some(deletions))
    }

    /// Orphans (blobs nothing names) and missing blobs (named but absent).
    pub fn fsck(&self) -> Result<Fsck> {
        gc::fsck(&self.store)
    }
}
