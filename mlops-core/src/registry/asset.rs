//! An asset's state as the fold of its log gives it: its versions, aliases,
//! tags, lineage and gate reports.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{AssetEvent, AssetRef, Change, DatasetInfo, Kind, VersionRef};
use crate::error::Result;
use crate::store::Hash;

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

/// A version made because of a monitor's retraining request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseEdge {
    /// The version.
    pub version: u64,
    /// The request (`monitor:<name>@<seq>` as text).
    pub cause: crate::monitor::RetrainCause,
    /// The run that made it, if known.
    pub run: Option<String>,
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
    /// For a version added from a folder: `content` names a tree's root
    /// (see [`crate::tree`]); its files are read with
    /// [`Registry::checkout`](super::Registry::checkout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<crate::tree::TreeInfo>,
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
    /// Why, as the writer gave it (`Registry::with_reason`), if it did.
    pub reason: Option<String>,
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
    /// The retraining requests versions were made because of.
    pub causes: Vec<CauseEdge>,
    /// Whether the asset is archived.
    pub archived: bool,
    /// The last gate report recorded for each version (by number).
    pub gates: BTreeMap<u64, GateRecord>,
    /// Events in the log.
    pub events: u64,
    /// Versions retention expired (by number), with the event that did.
    pub expired: BTreeMap<u64, Expiry>,
    /// Pinned versions (kept by every retention rule).
    pub pinned: std::collections::BTreeSet<u64>,
}

/// Who expired a version, when, and by which rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expiry {
    /// Who wrote the `expire` event.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: u64,
    /// The event's sequence number.
    pub seq: u64,
    /// The rule (`keep_last=3 keep_within=30d`).
    pub policy: String,
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
        if let Some(e) = self.expired.get(&n) {
            return Err(expired_error(self.kind, &self.name, n, e));
        }
        Ok(&self.versions[n as usize - 1])
    }
}

/// The version an event adds, if it adds one.
pub(crate) fn version_of(ev: AssetEvent) -> Option<Version> {
    match ev.change {
        Change::Version {
            version,
            content,
            size,
            message,
            metadata,
            dataset,
            tree,
        } => Some(Version {
            version,
            content,
            size,
            message,
            metadata,
            dataset,
            principal: ev.principal,
            time: ev.time,
            tree,
        }),
        _ => None,
    }
}

/// The error for a read of an expired version.
pub(crate) fn expired_error(kind: Kind, name: &str, n: u64, e: &Expiry) -> crate::Error {
    crate::Error::Expired(format!(
        "{} '{name}' v{n} was expired by {} ({}, event {})",
        kind.as_str(),
        e.principal,
        e.policy,
        e.seq
    ))
}

impl super::Registry {
    /// Every move of `alias` of an asset, oldest first: the version it
    /// pointed at from then on, who moved it, when, why (the `reason` the
    /// writer recorded, if any) and the event's number. The last is where
    /// it points now. The registry has no removal of an alias, so every
    /// entry is a move. An alias never set is [`crate::Error::NotFound`]
    /// naming it.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap().with_principal("ana");
    /// r.add_version(Kind::Model, "m", b"1", "", serde_json::json!({})).unwrap();
    /// r.add_version(Kind::Model, "m", b"2", "", serde_json::json!({})).unwrap();
    /// r.set_alias(Kind::Model, "m", "production", 1).unwrap();
    /// r.clone().with_reason("won the A/B test").set_alias(Kind::Model, "m", "production", 2).unwrap();
    /// let h = r.alias_history(Kind::Model, "m", "production").unwrap();
    /// assert_eq!(h.iter().map(|m| m.version).collect::<Vec<_>>(), [1, 2]);
    /// assert_eq!((h[1].principal.as_str(), h[1].reason.as_deref(), h[1].seq), ("ana", Some("won the A/B test"), 4));
    /// ```
    pub fn alias_history(&self, kind: Kind, name: &str, alias: &str) -> Result<Vec<AliasMove>> {
        let mut a = self.asset(kind, name)?;
        a.aliases.remove(alias).ok_or_else(|| {
            crate::Error::NotFound(format!(
                "alias '{alias}' of {} '{name}' (never set)",
                kind.as_str()
            ))
        })
    }
}
