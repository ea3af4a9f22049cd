//! The registry: assets (datasets, models, artifacts) with immutable,
//! numbered versions and movable aliases, kept as append-only logs in a
//! [`Store`].
//!
//! An asset's log is `assets/<kind>/<name>/log/`. Each event is one JSON
//! object (see [`Registry::add_version`] and [`Registry::set_alias`]) that
//! carries:
//! - `prev`: the BLAKE3 hash of the previous event (empty for the first),
//! - `time` (Unix milliseconds) and `principal` (who wrote it),
//! - `versions`: how many versions the asset has once the event applies,
//! - `reason` (optional): why, as the writer gave it ([`Registry::with_reason`]).
//!
//! The logs are also the audit trail ([`crate::governance`]), and every
//! mutating call is checked against the registry's access policy first.
//!
//! Version numbers come from that count: a new version is `versions + 1` of
//! the event it follows, written with a create-only put, so many writers
//! (processes, machines) get 1, 2, 3, ... with no gap and no duplicate. The
//! asset's state is the fold of its log ([`Registry::asset`]).
//!
//! The parts, one job each: `event.rs` (the events as written),
//! `asset.rs` (an asset's state), `kind.rs` (asset kinds), `version_ref.rs`
//! (naming a version), `fold.rs` (folding a log into state), `index.rs`
//! (packs and head), `search.rs` (search over every version), `feed.rs`
//! (the change feed and its webhook dispatcher); this file
//! holds the [`Registry`] itself, its writes and its other reads.

mod asset;
mod event;
mod feed;
mod fold;
mod index;
mod kind;
mod lineage;
mod profiles;
mod retention;
mod search;
pub use search::{SearchPage, DEFAULT_PAGE_LIMIT};
mod version_ref;

use crate::error::{Error, Result};
use crate::governance::Action;
use crate::store::{Event, Store, Tip};
use asset::version_of;
pub use asset::{AliasMove, Asset, CauseEdge, Expiry, GateRecord, LineageEdge, Version};
pub use event::{AssetEvent, AssetRef, Change, DatasetInfo, Versions};
pub use feed::{
    Cursor, FeedEvent, Watch, CURSOR_PREFIX, CURSOR_START, WATCH_POLL_INTERVAL,
    WATCH_RESCAN_INTERVAL,
};
use fold::{parse_event, Fold, RawMetadata};
pub use index::PACK_EVENTS;
use index::{Index, Segment};
pub use kind::Kind;
pub use lineage::{LineageGraph, LineageLink, LineageNode, MAX_LINEAGE_NODES};
pub use profiles::MAX_PROFILE_KEY_LEN;
pub use retention::{Retention, Staged};
use version_ref::no_version;
pub use version_ref::{VersionRef, LATEST};

/// Checks an asset or alias name.
pub(crate) fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "name '{name}': use 1 to 128 letters, digits, '-', '_' or '.', not starting with '.'"
        )))
    }
}

/// Now, in Unix milliseconds (the `time` of an event).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A registry over a store, writing as one principal.
#[derive(Debug, Clone)]
pub struct Registry {
    store: Store,
    principal: String,
    reason: Option<String>,
    /// "Now" for events, retention and the collector ([`Registry::with_clock`]).
    clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl Registry {
    /// Opens the registry in the store at `url` (see [`Store::open`]),
    /// writing as `MLOPS_PRINCIPAL`, else `USER` (the first set and not
    /// empty), else `unknown`; one that is not 1 to 256 printable
    /// characters is an [`Error::InvalidInput`] naming the variable.
    pub fn open(url: &str) -> Result<Self> {
        let principal = crate::governance::principal_from_env()?;
        Ok(Self {
            store: Store::open(url)?,
            principal,
            reason: None,
            clock: crate::clock::system(),
        })
    }

    /// The same registry writing as another principal.
    pub fn with_principal(mut self, principal: &str) -> Self {
        self.principal = principal.to_string();
        self
    }

    /// The same registry recording `reason` (why) in the events it writes,
    /// for the audit trail.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap().with_principal("ana");
    /// r.add_version(Kind::Model, "m", b"w", "", serde_json::json!({})).unwrap();
    /// r.clone().with_reason("passed review #12").set_alias(Kind::Model, "m", "production", 1).unwrap();
    /// let log = r.audit_log(&Default::default()).unwrap();
    /// assert_eq!(log[1].reason.as_deref(), Some("passed review #12"));
    /// ```
    pub fn with_reason(mut self, reason: &str) -> Self {
        self.reason = (!reason.is_empty()).then(|| reason.to_string());
        self
    }

    /// The principal this registry writes as.
    pub fn principal(&self) -> &str {
        &self.principal
    }

    /// The reason this registry records, if any.
    pub(crate) fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The store below.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn log(kind: Kind, name: &str) -> Result<String> {
        check_name(name)?;
        Ok(format!("assets/{}/{name}/log", kind.as_str()))
    }

    fn versions_at(log: &str, tip: &Tip) -> Result<u64> {
        tip.last
            .as_ref()
            .map(|e| parse_event(log, e).map(|ev| ev.state.versions))
            .transpose()
            .map(|v| v.unwrap_or(0))
    }

    fn event(&self, tip: &Tip, versions: u64, change: Change) -> Result<Vec<u8>> {
        let ev = AssetEvent {
            format: "mlops.event".into(),
            v: fold::EVENT_FORMAT,
            seq: tip.next_seq(),
            prev: tip.prev_hash(),
            time: self.clock.now_ms(),
            principal: self.principal.clone(),
            state: Versions { versions },
            reason: self.reason.clone(),
            change,
        };
        Ok(serde_json::to_vec(&ev).expect("events serialise"))
    }

    /// Adds `content` as the next version of an asset (created with its
    /// first version) and returns its number. Safe with many concurrent
    /// writers: each gets its own number, with no gap.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// assert_eq!(r.add_version(Kind::Model, "churn", b"weights v1", "first", serde_json::json!({})).unwrap(), 1);
    /// assert_eq!(r.add_version(Kind::Model, "churn", b"weights v2", "retrained", serde_json::json!({"auc": 0.91})).unwrap(), 2);
    /// r.set_alias(Kind::Model, "churn", "production", 1).unwrap();
    /// let a = r.asset(Kind::Model, "churn").unwrap();
    /// assert_eq!(a.alias("production"), Some(1));
    /// assert_eq!(r.get(Kind::Model, "churn", "latest").unwrap(), b"weights v2");
    /// ```
    pub fn add_version(
        &self,
        kind: Kind,
        name: &str,
        content: &[u8],
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        self.add_version_from(kind, name, content, message, metadata, None)
    }

    /// [`add_version`](Self::add_version) with the content of a file,
    /// streamed (never held whole in memory) through content-defined
    /// chunking: re-adding a file with a small change stores only the
    /// chunks around the change.
    pub fn add_file(
        &self,
        kind: Kind,
        name: &str,
        path: impl AsRef<std::path::Path>,
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        let path = path.as_ref();
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        self.add_version_from(
            kind,
            name,
            std::io::BufReader::with_capacity(1 << 20, f),
            message,
            metadata,
            None,
        )
    }

    pub(crate) fn add_version_from(
        &self,
        kind: Kind,
        name: &str,
        content: impl std::io::Read,
        message: &str,
        metadata: serde_json::Value,
        dataset: Option<DatasetInfo>,
    ) -> Result<u64> {
        let log = Self::log(kind, name)?;
        if !metadata.is_object() {
            return Err(Error::InvalidInput("metadata must be a JSON object".into()));
        }
        self.authorize(Action::AddVersion, kind, name)?;
        // The content first: an event never names a blob that is not there
        // (and a lease names what was deduplicated until the event is in).
        let mut staged = self.stage_content_with(content, dataset.as_ref().map(|d| &d.profile))?;
        staged.check(self)?;
        let (hash, size) = (staged.hash.clone(), staged.size);
        let mut version = 0;
        self.append(&log, |tip| {
            version = Self::versions_at(&log, tip)? + 1;
            self.event(
                tip,
                version,
                Change::Version {
                    version,
                    content: hash.clone(),
                    size,
                    message: message.to_string(),
                    metadata: metadata.clone(),
                    dataset: dataset.clone(),
                    tree: None,
                },
            )
        })?;
        drop(staged);
        Ok(version)
    }

    /// Points `alias` at `version` (which must exist when the move is written).
    pub fn set_alias(&self, kind: Kind, name: &str, alias: &str, version: u64) -> Result<()> {
        let log = Self::log(kind, name)?;
        check_name(alias)?;
        if !matches!(alias.parse::<VersionRef>(), Ok(VersionRef::Alias(_))) {
            return Err(Error::InvalidInput(format!(
                "alias '{alias}' would read as a version; choose another name"
            )));
        }
        self.authorize(Action::MoveAlias { alias, version }, kind, name)?;
        self.refuse_expired(kind, name, version)?;
        self.append(&log, |tip| {
            let versions = Self::versions_at(&log, tip)?;
            if version == 0 || version > versions {
                return Err(no_version(kind, name, version, versions));
            }
            self.event(
                tip,
                versions,
                Change::Alias {
                    alias: alias.to_string(),
                    version,
                },
            )
        })?;
        Ok(())
    }

    /// The asset's state, folded from its whole log with the hash chain
    /// checked, reading packs of events where writers left them (see
    /// `docs/store-protocol.md`, "Indexes").
    pub fn asset(&self, kind: Kind, name: &str) -> Result<Asset> {
        self.fold(kind, name, false).map(|(a, _)| a)
    }

    /// An asset's state; when `lazy`, with every version's metadata left
    /// `null` and returned as text beside it (see [`Fold::lazy`]).
    pub(crate) fn fold(
        &self,
        kind: Kind,
        name: &str,
        lazy: bool,
    ) -> Result<(Asset, Vec<RawMetadata>)> {
        let log = Self::log(kind, name)?;
        let fold_all = |segments: &[Segment]| -> Result<(Asset, Vec<RawMetadata>)> {
            let mut f = if lazy {
                Fold::lazy(kind, name, &log)
            } else {
                Fold::new(kind, name, &log)
            };
            // One run of events, so that hashing and parsing spread over
            // every core whatever the packs.
            let events: Vec<(u64, &[u8])> = segments.iter().flat_map(Segment::events).collect();
            f.apply_segment(&events)?;
            let (a, raw) = f.finish();
            if a.events == 0 {
                return Err(Error::NotFound(format!("{} '{name}'", kind.as_str())));
            }
            Ok((a, raw))
        };
        if let Some(segments) = Index::new(&self.store, &log).events()? {
            match fold_all(&segments) {
                // A pack or head that disagrees with the log is a stale or
                // damaged cache: the log's own events decide.
                Err(Error::Integrity(_)) => {}
                done => return done,
            }
        }
        fold_all(&[Segment::Loose(self.store.read_log(&log)?)])
    }

    /// Checks an asset from its log's own events: the hash chain up to the
    /// log's cover, the version numbering, every index (packs, head)
    /// against the events, and every version's content against its
    /// hashes. Reads go through the indexes, so this is the check that a
    /// changed byte anywhere in the log is found; returns the number of
    /// events checked.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Model, "m", b"w", "", serde_json::json!({})).unwrap();
    /// r.set_alias(Kind::Model, "m", "production", 1).unwrap();
    /// assert_eq!(r.verify(Kind::Model, "m").unwrap(), 2);
    /// ```
    pub fn verify(&self, kind: Kind, name: &str) -> Result<u64> {
        let log = Self::log(kind, name)?;
        let events = self.store.read_log(&log)?;
        if events.is_empty() {
            return Err(Error::NotFound(format!("{} '{name}'", kind.as_str())));
        }
        let mut fold = Fold::new(kind, name, &log);
        fold.apply_all(&events)?;
        Index::new(&self.store, &log).verify(&events)?;
        // Every version's content: its manifest and chunks, each hashed
        // (content several versions share is read once).
        let (asset, _) = fold.finish();
        let mut seen = std::collections::BTreeSet::new();
        for v in &asset.versions {
            // Retention expired it: its content may be collected.
            if asset.expired.contains_key(&v.version) {
                continue;
            }
            if seen.insert(v.content.as_str()) {
                match &v.tree {
                    Some(_) => crate::tree::verify(&self.store, &v.content).map(drop)?,
                    None => self
                        .store
                        .get_content(&v.content, std::io::sink())
                        .map(drop)?,
                }
            }
            // A data set version's profile, and the parts a version made
            // of parts names (each part's content and profile).
            if let Some(info) = &v.dataset {
                self.store.get_blob(&info.profile)?;
                if info.format == crate::dataset::PARTS_FORMAT {
                    self.verify_parts(v)?;
                }
            }
        }
        Ok(events.len() as u64)
    }

    /// The audit's check of an asset's events (already read as a chain):
    /// the fold, and the packs and head against them.
    pub(crate) fn verify_asset_events(
        &self,
        kind: Kind,
        name: &str,
        events: &[Event],
    ) -> Result<()> {
        let log = Self::log(kind, name)?;
        Fold::new(kind, name, &log).apply_all(events)?;
        Index::new(&self.store, &log).verify(events)
    }

    /// A version by number (`"3"`), alias (`"production"`) or `"latest"`,
    /// read through the head and the packs: a few small reads however long
    /// the log, falling back to [`asset`](Self::asset) when an index is
    /// missing.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// for i in 0..3 {
    ///     r.add_version(Kind::Model, "m", format!("w{i}").as_bytes(), "", serde_json::json!({})).unwrap();
    /// }
    /// r.set_alias(Kind::Model, "m", "production", 2).unwrap();
    /// assert_eq!(r.version(Kind::Model, "m", "production").unwrap().version, 2);
    /// assert_eq!(r.version(Kind::Model, "m", "latest").unwrap().version, 3);
    /// ```
    pub fn version(&self, kind: Kind, name: &str, reference: &str) -> Result<Version> {
        let log = Self::log(kind, name)?;
        let index = Index::new(&self.store, &log);
        let Some(loaded) = index.head()? else {
            return self.asset(kind, name)?.resolve(reference).cloned();
        };
        let head = &loaded.head;
        let Ok(r) = reference.parse::<VersionRef>();
        let n = r.number(kind, name, head.versions, |a| head.aliases.get(a).copied())?;
        if head.expired.binary_search(&n).is_ok() {
            // The full fold names who expired it, and when.
            return self.asset(kind, name)?.resolve(&n.to_string()).cloned();
        }
        let in_tail = head
            .tail_events()
            .iter()
            .map(|e| parse_event(&log, e).map(version_of))
            .find(|v| matches!(v, Ok(Some(v)) if v.version == n))
            .transpose()?
            .flatten();
        if let Some(v) = in_tail {
            return Ok(v);
        }
        match index.version_event(&loaded, n)?.and_then(version_of) {
            Some(v) => Ok(v),
            None => self.asset(kind, name)?.resolve(&n.to_string()).cloned(),
        }
    }

    /// Whether an asset is archived, from its head index.
    fn archived(&self, kind: Kind, name: &str) -> Result<bool> {
        let log = Self::log(kind, name)?;
        match Index::new(&self.store, &log).head()? {
            Some(l) => Ok(l.head.archived),
            None => Ok(self.asset(kind, name)?.archived),
        }
    }

    /// Appends to an asset's log and brings its indexes up to date.
    fn append(&self, log: &str, build: impl FnMut(&Tip) -> Result<Vec<u8>>) -> Result<Event> {
        let e = self.store.append(log, build)?;
        Index::new(&self.store, log).after_append(&e);
        Ok(e)
    }

    /// Appends a change that needs `version` to exist.
    fn append_about(&self, kind: Kind, name: &str, version: u64, change: Change) -> Result<()> {
        let log = Self::log(kind, name)?;
        self.append(&log, |tip| {
            let versions = Self::versions_at(&log, tip)?;
            if tip.last.is_none() {
                return Err(Error::NotFound(format!("{} '{name}'", kind.as_str())));
            }
            if version == 0 || version > versions {
                return Err(no_version(kind, name, version, versions));
            }
            self.event(tip, versions, change.clone())
        })?;
        Ok(())
    }

    /// Sets (or with `None` removes) a tag of a version.
    pub fn set_tag(
        &self,
        kind: Kind,
        name: &str,
        version: u64,
        key: &str,
        value: Option<&str>,
    ) -> Result<()> {
        check_name(key)?;
        self.authorize(Action::Tag, kind, name)?;
        self.append_about(
            kind,
            name,
            version,
            Change::Tag {
                version,
                key: key.to_string(),
                value: value.map(str::to_string),
            },
        )
    }

    /// Records that `product` was made from `inputs` (by `run`, from source
    /// `commit`): an edge in the product's log and a back-reference in each
    /// input's log, so lineage reads in both directions. Every version named
    /// must exist.
    pub fn record_lineage(
        &self,
        product: &AssetRef,
        inputs: &[AssetRef],
        run: Option<&str>,
        commit: Option<&str>,
    ) -> Result<()> {
        self.record_lineage_caused(product, inputs, run, commit, None)
    }

    /// [`record_lineage`](Self::record_lineage), naming as well the
    /// monitor's retraining request the product was made because of, if
    /// any: it must exist ([`Error::NotFound`] naming it, nothing written),
    /// and the monitor's log gets a `retrained` event naming the product
    /// (see `monitor/cause.rs`).
    pub fn record_lineage_caused(
        &self,
        product: &AssetRef,
        inputs: &[AssetRef],
        run: Option<&str>,
        commit: Option<&str>,
        cause: Option<&crate::monitor::RetrainCause>,
    ) -> Result<()> {
        self.authorize(Action::Lineage, product.kind, &product.name)?;
        if let Some(cause) = cause {
            self.check_retrain_cause(cause)?;
        }
        // Check the inputs first, so a bad reference writes nothing.
        for i in inputs {
            let a = self.asset(i.kind, &i.name)?;
            a.resolve(&i.version.to_string())?;
        }
        self.append_about(
            product.kind,
            &product.name,
            product.version,
            Change::Lineage {
                version: product.version,
                inputs: inputs.to_vec(),
                run: run.map(str::to_string),
                commit: commit.map(str::to_string),
                cause: cause.cloned(),
            },
        )?;
        for i in inputs {
            self.append_about(
                i.kind,
                &i.name,
                i.version,
                Change::UsedBy {
                    version: i.version,
                    by: product.clone(),
                    run: run.map(str::to_string),
                },
            )?;
        }
        if let Some(cause) = cause {
            self.record_retrained(cause, run, Some(product))?;
        }
        Ok(())
    }

    /// Archives (soft-deletes) or restores an asset; its history stays.
    pub fn set_archived(&self, kind: Kind, name: &str, archived: bool) -> Result<()> {
        let log = Self::log(kind, name)?;
        self.authorize(Action::Archive, kind, name)?;
        self.append(&log, |tip| {
            if tip.last.is_none() {
                return Err(Error::NotFound(format!("{} '{name}'", kind.as_str())));
            }
            let versions = Self::versions_at(&log, tip)?;
            self.event(tip, versions, Change::Archive { archived })
        })?;
        Ok(())
    }

    /// Records a model gate report ([`crate::validate::gate`]) for a
    /// version. An access policy can require a passed report before a
    /// protected alias moves to the version ([`crate::governance`]).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use mlops_core::registry::{Kind, Registry};
    /// use mlops_core::validate::gate;
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Model, "m", b"w", "", serde_json::json!({})).unwrap();
    /// let auc = BTreeMap::from([("auc".to_string(), 0.91)]);
    /// let report = gate(&auc, None, &["auc >= 0.9"]).unwrap();
    /// r.record_gate(Kind::Model, "m", 1, &report).unwrap();
    /// assert!(r.asset(Kind::Model, "m").unwrap().gates[&1].passed);
    /// ```
    pub fn record_gate(
        &self,
        kind: Kind,
        name: &str,
        version: u64,
        report: &crate::validate::GateReport,
    ) -> Result<()> {
        Self::log(kind, name)?;
        if report.rules.is_empty() || report.passed != report.rules.iter().all(|r| r.passed) {
            return Err(Error::InvalidInput(
                "a gate report needs at least one rule, and passes exactly when every rule does"
                    .into(),
            ));
        }
        self.authorize(Action::Gate, kind, name)?;
        let hash = self.store.put_blob(report.to_json().as_bytes())?;
        // The same report recorded before is a deduplication hit: guarded
        // like a version's content until the event is in.
        let _lease = crate::gc::guard::hold(
            &self.store,
            &self.principal,
            self.clock.as_ref(),
            std::slice::from_ref(&hash),
            "gate report",
        )?;
        self.append_about(
            kind,
            name,
            version,
            Change::Gate {
                version,
                passed: report.passed,
                report: hash,
            },
        )
    }

    /// Names of the assets of a kind, sorted (archived ones only when asked).
    /// A folder under `assets/<kind>/` that is no asset (a name no writer
    /// would make, or no log; a reader cannot tell a stray folder from an
    /// asset whose first writer died before its event) is left out rather
    /// than failing the whole listing.
    pub fn list(&self, kind: Kind, include_archived: bool) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for n in self.folder_names(kind)? {
            let archived = match self.archived(kind, &n) {
                Err(Error::NotFound(_)) => continue,
                a => a?,
            };
            if include_archived || !archived {
                out.push(n);
            }
        }
        Ok(out)
    }

    /// The folders under `assets/<kind>/` whose names a writer could have
    /// made, sorted: the assets, and any stray folder without a log.
    pub(crate) fn folder_names(&self, kind: Kind) -> Result<Vec<String>> {
        let mut names = self.store.children(&format!("assets/{}", kind.as_str()))?;
        names.retain(|n| check_name(n).is_ok());
        names.sort();
        Ok(names)
    }

    /// The content of a version (by number, alias or `latest`), verified
    /// against its hashes.
    pub fn get(&self, kind: Kind, name: &str, reference: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.get_to(kind, name, reference, &mut out)?;
        Ok(out)
    }

    /// Streams a version's content to `out`, chunk by chunk, each verified;
    /// returns the bytes written.
    pub fn get_to(
        &self,
        kind: Kind,
        name: &str,
        reference: &str,
        out: impl std::io::Write,
    ) -> Result<u64> {
        let v = self.version(kind, name, reference)?;
        if let Some(t) = &v.tree {
            return Err(Error::InvalidInput(format!(
                "{} '{name}' version {} is a directory of {} files: check it out (checkout) \
                 instead",
                kind.as_str(),
                v.version,
                t.files
            )));
        }
        self.store.get_content(&v.content, out)
    }

    /// Appends a version whose content is the tree `root` (already stored,
    /// with every page and pack it names): see [`Registry::add_dir`].
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn commit_tree_version(
        &self,
        kind: Kind,
        name: &str,
        root: crate::store::Hash,
        size: u64,
        tree: crate::tree::TreeInfo,
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        let log = Self::log(kind, name)?;
        // The dedup-race guard (docs/store-protocol.md, "Garbage
        // collection"): a tree reuses the packs and pages of the version
        // before it, so before its event it leases every object it names,
        // then checks that none is gone or named by a collector's tombstone.
        // The lease is held until the event is written.
        let named = crate::tree::referenced_objects(&self.store, &root)?;
        let now = self.clock.now_ms();
        let _lease =
            crate::gc::guard::hold_named(&self.store, &self.principal, now, named, "folder")?;
        let mut version = 0;
        self.append(&log, |tip| {
            version = Self::versions_at(&log, tip)? + 1;
            self.event(
                tip,
                version,
                Change::Version {
                    version,
                    content: root.clone(),
                    size,
                    message: message.to_string(),
                    metadata: metadata.clone(),
                    dataset: None,
                    tree: Some(tree.clone()),
                },
            )
        })?;
        Ok(version)
    }
}
