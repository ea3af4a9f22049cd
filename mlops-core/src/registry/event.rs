//! The events of an asset's log: their common fields ([`AssetEvent`]) and
//! the change each records ([`Change`]), as they are written. They are read
//! through `fold::FlatEvent` (see `fold.rs`).

use serde::{Deserialize, Serialize};

use super::Kind;
use crate::store::{Envelope, Hash};

/// One event of an asset's log: the [`Envelope`] every log's events share,
/// with the asset's count of versions and the [`Change`].
///
/// Read through a flat form (`fold::FlatEvent`): serde's flattened,
/// internally tagged enums buffer every field before deciding, which made
/// folding long logs several times slower.
pub type AssetEvent = Envelope<Change, Versions>;

/// The running state an asset's log writes in each event (before its
/// `reason`, see [`Envelope`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// Versions of the asset once the event applies.
    pub versions: u64,
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
        /// For a version added from a folder: `content` is a tree's root
        /// (see [`crate::tree`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tree: Option<crate::tree::TreeInfo>,
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
        /// The monitor's retraining request it answers, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<crate::monitor::RetrainCause>,
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
    /// Retention expired these versions (`Registry::expire`): they stay in
    /// the history, reads of them answer [`crate::Error::Expired`], and the
    /// collector may remove content only they name once the event is older
    /// than its grace period.
    Expire {
        /// The versions expired, ascending.
        expired: Vec<u64>,
        /// The rule that chose them (`keep_last=3 keep_within=30d`).
        policy: String,
    },
    /// A version is pinned (kept by every retention rule) or unpinned.
    Pin {
        /// The version.
        version: u64,
        /// `true` to pin, `false` to unpin.
        pinned: bool,
    },
}

impl Change {
    /// The event's type as stored (`version`, `alias`, `tag`, `lineage`,
    /// `used_by`, `archive`, `gate`, `expire`, `pin`): the action of an audit record.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Version { .. } => "version",
            Change::Alias { .. } => "alias",
            Change::Tag { .. } => "tag",
            Change::Lineage { .. } => "lineage",
            Change::UsedBy { .. } => "used_by",
            Change::Archive { .. } => "archive",
            Change::Gate { .. } => "gate",
            Change::Expire { .. } => "expire",
            Change::Pin { .. } => "pin",
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
            | Change::Gate { version, .. }
            | Change::Pin { version, .. } => Some(*version),
            Change::Archive { .. } | Change::Expire { .. } => None,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The envelope writes an asset event's fields in the order every
    /// stored event has them, and reads them back.
    #[test]
    fn an_asset_event_keeps_its_bytes() {
        let prev = Hash::of(b"event 1");
        let e = AssetEvent {
            format: "mlops.event".into(),
            v: 1,
            seq: 2,
            prev: Some(prev.clone()),
            time: 5,
            principal: "ana".into(),
            state: Versions { versions: 1 },
            reason: Some("review #12".into()),
            change: Change::Alias {
                alias: "production".into(),
                version: 1,
            },
        };
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"format":"mlops.event","v":1,"seq":2,"prev":"{prev}","time":5,"principal":"ana","versions":1,"reason":"review #12","type":"alias","alias":"production","version":1}}"#
            )
        );
        assert_eq!(serde_json::from_str::<AssetEvent>(&text).unwrap(), e);
        let first = AssetEvent {
            seq: 1,
            prev: None,
            reason: None,
            ..e
        };
        let text = serde_json::to_string(&first).unwrap();
        assert!(text.contains(r#""prev":"","#) && !text.contains("reason"));
        assert_eq!(serde_json::from_str::<AssetEvent>(&text).unwrap(), first);
    }
}
