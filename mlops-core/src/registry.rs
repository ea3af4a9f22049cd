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

mod fold;
mod index;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::governance::Action;
use crate::store::{Event, Hash, Store, Tip};
use fold::{parse_event, Fold, RawMetadata};
pub use index::PACK_EVENTS;
use index::{Index, Segment};

/// The reference to an asset's newest version (`get model churn latest`),
/// the default wherever a version may be named.
pub const LATEST: &str = "latest";

/// How a version is named in a reading: `latest`, its number (`3`, or
/// `v3`), or an alias. One grammar for every front-end; an alias that reads
/// as a number or `latest` cannot be set, so the three never overlap.
///
/// ```
/// use mlops_core::registry::VersionRef;
/// assert_eq!("latest".parse::<VersionRef>().unwrap(), VersionRef::Latest);
/// assert_eq!("v3".parse::<VersionRef>().unwrap(), VersionRef::Number(3));
/// assert_eq!("production".parse::<VersionRef>().unwrap().to_string(), "production");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    /// The newest version.
    Latest,
    /// A version by number.
    Number(u64),
    /// The version an alias points at now.
    Alias(String),
}

impl std::str::FromStr for VersionRef {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(if s == LATEST {
            VersionRef::Latest
        } else if let Ok(n) = s.strip_prefix('v').unwrap_or(s).parse::<u64>() {
            VersionRef::Number(n)
        } else {
            VersionRef::Alias(s.to_string())
        })
    }
}

impl std::fmt::Display for VersionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VersionRef::Latest => f.write_str(LATEST),
            VersionRef::Number(n) => write!(f, "{n}"),
            VersionRef::Alias(a) => f.write_str(a),
        }
    }
}

impl VersionRef {
    /// The version number this names, given how many versions the asset
    /// has and where its aliases point; `NotFound` naming the asset when
    /// there is no such version or alias.
    fn number(
        &self,
        kind: Kind,
        name: &str,
        versions: u64,
        alias: impl FnOnce(&str) -> Option<u64>,
    ) -> Result<u64> {
        let n = match self {
            VersionRef::Latest => versions,
            VersionRef::Number(n) => *n,
            VersionRef::Alias(a) => alias(a).ok_or_else(|| {
                Error::NotFound(format!(
                    "{} '{name}' has no version or alias '{a}'",
                    kind.as_str()
                ))
            })?,
        };
        if n == 0 || n > versions {
            return Err(no_version(kind, name, n, versions));
        }
        Ok(n)
    }
}

/// The error for a version number past an asset's versions.
fn no_version(kind: Kind, name: &str, n: u64, versions: u64) -> Error {
    Error::NotFound(format!(
        "{} '{name}' has no version {n} (it has {versions})",
        kind.as_str()
    ))
}

/// What an asset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A data set.
    Dataset,
    /// A trained model.
    Model,
    /// Anything else.
    Artifact,
}

impl Kind {
    /// `dataset`, `model` or `artifact`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Dataset => "dataset",
            Kind::Model => "model",
            Kind::Artifact => "artifact",
        }
    }

    /// Parses [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "dataset" => Ok(Kind::Dataset),
            "model" => Ok(Kind::Model),
            "artifact" => Ok(Kind::Artifact),
            _ => Err(Error::InvalidInput(format!(
                "unknown asset kind '{s}' (expected dataset, model or artifact)"
            ))),
        }
    }
}

/// One event of an asset's log.
///
/// Read through a flat form (`fold::FlatEvent`): serde's flattened,
/// internally tagged enums buffer every field before deciding, which made
/// folding long logs several times slower.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetEvent {
    /// `mlops.event`.
    pub format: String,
    /// Event format version.
    pub v: u32,
    /// Sequence number in the log, from 1.
    pub seq: u64,
    /// BLAKE3 hash of the previous event's bytes ("" for the first).
    pub prev: Hash,
    /// Unix time in milliseconds.
    pub time: u64,
    /// Who wrote it.
    pub principal: String,
    /// Versions of the asset once this event applies.
    pub versions: u64,
    /// Why, if the writer said ([`Registry::with_reason`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub change: Change,
}

/// The change an event records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// A new version.
    Version {
        /// Its number.
        version: u64,
        /// BLAKE3 hash of its content's chunk manifest (see [`crate::store::Manifest`]).
        content: Hash,
        /// Content size in bytes.
        size: u64,
        /// What changed and why.
        message: String,
        /// Free-form metadata.
        metadata: serde_json::Value,
        /// For a data set version: its schema, rows and profile.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dataset: Option<DatasetInfo>,
    },
    /// An alias now points at a version.
    Alias {
        /// The alias (`production`, `champion`, ...).
        alias: String,
        /// The version it points at.
        version: u64,
    },
    /// A tag of a version is set (`value: Some`) or removed (`None`).
    Tag {
        /// The version.
        version: u64,
        /// The tag's key.
        key: String,
        /// Its value.
        value: Option<String>,
    },
    /// A version was made from other assets' versions (recorded in the
    /// product's log; each input's log gets a matching [`Change::UsedBy`]).
    Lineage {
        /// The version made.
        version: u64,
        /// What it was made from.
        inputs: Vec<AssetRef>,
        /// The run that made it, if known.
        run: Option<String>,
        /// The source commit, if known.
        commit: Option<String>,
    },
    /// A version of this asset was used to make another asset's version.
    UsedBy {
        /// This asset's version.
        version: u64,
        /// The version made from it.
        by: AssetRef,
        /// The run, if known.
        run: Option<String>,
    },
    /// The asset is archived (soft-deleted: hidden from listings, history kept)
    /// or restored.
    Archive {
        /// `true` to archive, `false` to restore.
        archived: bool,
    },
    /// A model gate report (see [`crate::validate::gate`]) was recorded for
    /// a version; an access policy may require a passed one before an alias
    /// moves to it.
    Gate {
        /// The version judged.
        version: u64,
        /// Whether every rule held (read from the report itself).
        passed: bool,
        /// BLAKE3 hash of the blob holding the report's JSON.
        report: Hash,
    },
}

impl Change {
    /// The event's type as stored (`version`, `alias`, `tag`, `lineage`,
    /// `used_by`, `archive`, `gate`): the action of an audit record.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Version { .. } => "version",
            Change::Alias { .. } => "alias",
            Change::Tag { .. } => "tag",
            Change::Lineage { .. } => "lineage",
            Change::UsedBy { .. } => "used_by",
            Change::Archive { .. } => "archive",
            Change::Gate { .. } => "gate",
        }
    }

    /// The version the change is about, if any.
    pub fn version(&self) -> Option<u64> {
        match self {
            Change::Version { version, .. }
            | Change::Alias { version, .. }
            | Change::Tag { version, .. }
            | Change::Lineage { version, .. }
            | Change::UsedBy { version, .. }
            | Change::Gate { version, .. } => Some(*version),
            Change::Archive { .. } => None,
        }
    }
}

/// The last gate report recorded for a version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateRecord {
    /// Whether it passed.
    pub passed: bool,
    /// BLAKE3 hash of the report's JSON blob.
    pub report: Hash,
    /// Who recorded it.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: u64,
}

/// What the registry knows about a data set version beyond its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// The content's format (`parquet`).
    pub format: String,
    /// Rows.
    pub rows: u64,
    /// Columns, as `(name, Arrow type)`.
    pub schema: Vec<(String, String)>,
    /// BLAKE3 hash of the blob holding its profile (`Profile::to_bytes`).
    pub profile: Hash,
}

/// A version of an asset, by kind, name and number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AssetRef {
    /// The asset's kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// The version.
    pub version: u64,
}

/// A lineage edge as the fold of a log sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineageEdge {
    /// The version of this asset the edge is about.
    pub version: u64,
    /// The other end: an input (in `inputs`) or a product (in `used_by`).
    pub other: AssetRef,
    /// The run, if known.
    pub run: Option<String>,
    /// The source commit, if known (inputs only).
    pub commit: Option<String>,
}

/// A version of an asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    /// Its number, from 1.
    pub version: u64,
    /// BLAKE3 hash of its content's chunk manifest.
    pub content: Hash,
    /// Content size in bytes.
    pub size: u64,
    /// Its message.
    pub message: String,
    /// Its metadata.
    pub metadata: serde_json::Value,
    /// Schema, rows and profile of a data set version.
    pub dataset: Option<DatasetInfo>,
    /// Who created it.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: u64,
}

/// One move of an alias.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasMove {
    /// The version the alias pointed at from then on.
    pub version: u64,
    /// Who moved it.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: u64,
    /// The event's sequence number.
    pub seq: u64,
}

/// An asset's state: the fold of its log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Asset {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Every version, in order (`versions[i].version == i + 1`).
    pub versions: Vec<Version>,
    /// Each alias's moves, oldest first; the last is where it points now.
    pub aliases: BTreeMap<String, Vec<AliasMove>>,
    /// Tags of each version (by version number), as they are now.
    pub tags: BTreeMap<u64, BTreeMap<String, String>>,
    /// What each version was made from.
    pub inputs: Vec<LineageEdge>,
    /// What was made from each version.
    pub used_by: Vec<LineageEdge>,
    /// Whether the asset is archived.
    pub archived: bool,
    /// The last gate report recorded for each version (by number).
    pub gates: BTreeMap<u64, GateRecord>,
    /// Events in the log.
    pub events: u64,
}

impl Asset {
    /// The version an alias points at now.
    pub fn alias(&self, alias: &str) -> Option<u64> {
        self.aliases.get(alias)?.last().map(|m| m.version)
    }

    /// A version by number (`"3"`), by alias (`"production"`) or `"latest"`.
    pub fn resolve(&self, reference: &str) -> Result<&Version> {
        let Ok(r) = reference.parse::<VersionRef>();
        let n = r.number(self.kind, &self.name, self.versions.len() as u64, |a| {
            self.alias(a)
        })?;
        Ok(&self.versions[n as usize - 1])
    }
}

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

/// The version an event adds, if it adds one.
fn version_of(ev: AssetEvent) -> Option<Version> {
    match ev.change {
        Change::Version {
            version,
            content,
            size,
            message,
            metadata,
            dataset,
        } => Some(Version {
            version,
            content,
            size,
            message,
            metadata,
            dataset,
            principal: ev.principal,
            time: ev.time,
        }),
        _ => None,
    }
}

/// A version as the filter language sees it (see [`crate::search`]).
struct SearchView<'a> {
    asset: &'a Asset,
    version: &'a Version,
    aliases: &'a [&'a str],
    /// The version's metadata as stored, parsed on first use: most
    /// versions a search rejects are rejected before it is read.
    raw_metadata: &'a serde_json::value::RawValue,
    metadata: std::cell::OnceCell<serde_json::Value>,
}

impl SearchView<'_> {
    fn metadata(&self) -> &serde_json::Value {
        self.metadata.get_or_init(|| {
            // The fold read it as JSON already, so it parses.
            serde_json::from_str(self.raw_metadata.get()).unwrap_or(serde_json::Value::Null)
        })
    }

    fn tags(&self) -> BTreeMap<String, String> {
        self.asset
            .tags
            .get(&self.version.version)
            .cloned()
            .unwrap_or_default()
    }

    /// The whole document, for a hit.
    fn document(&self) -> serde_json::Value {
        let (a, v) = (self.asset, self.version);
        serde_json::json!({
            "kind": a.kind.as_str(),
            "name": a.name,
            "version": v.version,
            "message": v.message,
            "principal": v.principal,
            "time": v.time,
            "size": v.size,
            "alias": self.aliases,
            "archived": a.archived,
            "tags": self.tags(),
            "metadata": self.metadata(),
        })
    }
}

impl crate::search::Fields for SearchView<'_> {
    fn field(&self, path: &str) -> std::borrow::Cow<'_, serde_json::Value> {
        use crate::search::{metric, walk};
        use serde_json::Value;
        use std::borrow::Cow;
        let (a, v) = (self.asset, self.version);
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (path, None),
        };
        let owned = |x: Value| Cow::Owned(x);
        match (head, rest) {
            ("metadata", None) => Cow::Borrowed(self.metadata()),
            ("metadata", Some(r)) => Cow::Borrowed(walk(self.metadata(), r.split('.'))),
            ("metrics", Some(r)) => Cow::Borrowed(metric(self.metadata(), r)),
            ("tags", Some(k)) => owned(
                a.tags
                    .get(&v.version)
                    .and_then(|t| t.get(k))
                    .map_or(Value::Null, |s| Value::String(s.clone())),
            ),
            ("tags", None) => owned(serde_json::json!(self.tags())),
            ("kind", None) => owned(a.kind.as_str().into()),
            ("name", None) => owned(a.name.as_str().into()),
            ("version", None) => owned(v.version.into()),
            ("message", None) => owned(v.message.as_str().into()),
            ("principal", None) => owned(v.principal.as_str().into()),
            ("time", None) => owned(v.time.into()),
            ("size", None) => owned(v.size.into()),
            ("alias", None) => owned(serde_json::json!(self.aliases)),
            ("archived", None) => owned(a.archived.into()),
            _ => owned(Value::Null),
        }
    }
}

/// A registry over a store, writing as one principal.
#[derive(Debug, Clone)]
pub struct Registry {
    store: Store,
    principal: String,
    reason: Option<String>,
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
            .map(|e| parse_event(log, e).map(|ev| ev.versions))
            .transpose()
            .map(|v| v.unwrap_or(0))
    }

    fn event(&self, tip: &Tip, versions: u64, change: Change) -> Result<Vec<u8>> {
        let ev = AssetEvent {
            format: "mlops.event".into(),
            v: fold::EVENT_FORMAT,
            seq: tip.next_seq(),
            prev: tip.prev_hash(),
            time: now_ms(),
            principal: self.principal.clone(),
            versions,
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
        // The content first: an event never names a blob that is not there.
        let (hash, size) = self.store.put_content(content)?;
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
                },
            )
        })?;
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
    fn fold(&self, kind: Kind, name: &str, lazy: bool) -> Result<(Asset, Vec<RawMetadata>)> {
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
            if seen.insert(v.content.as_str()) {
                self.store.get_content(&v.content, std::io::sink())?;
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
        self.authorize(Action::Lineage, product.kind, &product.name)?;
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

    /// Every version of every asset that matches a filter (see
    /// [`crate::search`]), as documents of the fields the filter sees, in
    /// kind, name and version order. Archived assets only when asked.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Model, "a", b"1", "", serde_json::json!({"metrics": {"auc": 0.8}})).unwrap();
    /// r.add_version(Kind::Model, "a", b"2", "", serde_json::json!({"metrics": {"auc": 0.93}})).unwrap();
    /// r.set_tag(Kind::Model, "a", 2, "team", Some("risk")).unwrap();
    /// let hits = r.search("kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9", false).unwrap();
    /// assert_eq!(hits.len(), 1);
    /// assert_eq!(hits[0]["version"], 2);
    /// ```
    pub fn search(&self, query: &str, include_archived: bool) -> Result<Vec<serde_json::Value>> {
        use rayon::prelude::*;
        let filter = crate::search::Filter::parse(query)?;
        // Every asset folder; a folder that is no asset (no log) folds to
        // `NotFound` below, so `list`'s read of each head is not needed.
        let mut names = Vec::new();
        for kind in [Kind::Dataset, Kind::Model, Kind::Artifact] {
            for name in self.folder_names(kind)? {
                names.push((kind, name));
            }
        }
        // Assets are read and matched in parallel; only hits become documents.
        let per_asset: Vec<Result<Vec<serde_json::Value>>> = names
            .par_iter()
            .map(|(kind, name)| {
                let (a, raw) = match self.fold(*kind, name, true) {
                    // A folder with no log (see `list`): no asset.
                    Err(Error::NotFound(_)) => return Ok(Vec::new()),
                    folded => folded?,
                };
                if a.archived && !include_archived {
                    return Ok(Vec::new());
                }
                let mut aliases: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
                for (alias, moves) in &a.aliases {
                    if let Some(m) = moves.last() {
                        aliases.entry(m.version).or_default().push(alias);
                    }
                }
                Ok(a.versions
                    .iter()
                    .zip(&raw)
                    .map(|(v, raw)| SearchView {
                        asset: &a,
                        version: v,
                        aliases: aliases.get(&v.version).map_or(&[][..], Vec::as_slice),
                        raw_metadata: raw,
                        metadata: std::cell::OnceCell::new(),
                    })
                    .filter(|view| filter.matches(view))
                    .map(|view| view.document())
                    .collect())
            })
            .collect();
        let mut hits = Vec::new();
        for h in per_asset {
            hits.extend(h?);
        }
        Ok(hits)
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
    fn folder_names(&self, kind: Kind) -> Result<Vec<String>> {
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
        self.store.get_content(&v.content, out)
    }
}
