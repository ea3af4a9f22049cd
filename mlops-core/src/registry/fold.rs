//! Folding an asset's events, in order, into its state, checking the hash
//! chain and the version numbering on the way.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    AliasMove, Asset, AssetEvent, AssetRef, Change, DatasetInfo, GateRecord, Kind, LineageEdge,
    Version,
};
use crate::error::{Error, Result};
use crate::store::{Event, Hash};

/// An event as read: the common fields and every change's fields, optional,
/// in one flat object.
#[derive(Deserialize)]
pub(crate) struct FlatEvent {
    format: String,
    v: u32,
    seq: u64,
    prev: Hash,
    time: u64,
    principal: String,
    versions: u64,
    #[serde(rename = "type")]
    kind: String,
    version: Option<u64>,
    content: Option<Hash>,
    size: Option<u64>,
    message: Option<String>,
    metadata: Option<serde_json::Value>,
    dataset: Option<DatasetInfo>,
    alias: Option<String>,
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    inputs: Option<Vec<AssetRef>>,
    run: Option<String>,
    commit: Option<String>,
    by: Option<AssetRef>,
    archived: Option<bool>,
    #[serde(default)]
    reason: Option<String>,
    passed: Option<bool>,
    report: Option<Hash>,
}

impl TryFrom<FlatEvent> for AssetEvent {
    type Error = String;

    fn try_from(f: FlatEvent) -> std::result::Result<Self, String> {
        fn need<T>(v: Option<T>, field: &str, kind: &str) -> std::result::Result<T, String> {
            v.ok_or_else(|| format!("a '{kind}' event needs '{field}'"))
        }
        let k = f.kind.as_str();
        let change = match k {
            "version" => Change::Version {
                version: need(f.version, "version", k)?,
                content: need(f.content, "content", k)?,
                size: need(f.size, "size", k)?,
                message: need(f.message, "message", k)?,
                metadata: need(f.metadata, "metadata", k)?,
                dataset: f.dataset,
            },
            "alias" => Change::Alias {
                alias: need(f.alias, "alias", k)?,
                version: need(f.version, "version", k)?,
            },
            "tag" => Change::Tag {
                version: need(f.version, "version", k)?,
                key: need(f.key, "key", k)?,
                value: f.value,
            },
            "lineage" => Change::Lineage {
                version: need(f.version, "version", k)?,
                inputs: need(f.inputs, "inputs", k)?,
                run: f.run,
                commit: f.commit,
            },
            "used_by" => Change::UsedBy {
                version: need(f.version, "version", k)?,
                by: need(f.by, "by", k)?,
                run: f.run,
            },
            "archive" => Change::Archive {
                archived: need(f.archived, "archived", k)?,
            },
            "gate" => Change::Gate {
                version: need(f.version, "version", k)?,
                passed: need(f.passed, "passed", k)?,
                report: need(f.report, "report", k)?,
            },
            other => return Err(format!("unknown event type '{other}'")),
        };
        Ok(AssetEvent {
            format: f.format,
            v: f.v,
            seq: f.seq,
            prev: f.prev,
            time: f.time,
            principal: f.principal,
            versions: f.versions,
            reason: f.reason,
            change,
        })
    }
}

/// Parses an event's bytes.
pub(crate) fn parse_event(log: &str, e: &Event) -> Result<AssetEvent> {
    serde_json::from_slice(&e.bytes).map_err(|err| {
        Error::Integrity(format!("log {log}: event {} is not an event: {err}", e.seq))
    })
}

/// An asset's state being folded from its events.
pub(crate) struct Fold<'a> {
    log: &'a str,
    asset: Asset,
    /// Hash of the last event applied ("" before the first); `None` inside
    /// a sealed pack, whose seal stands for the links within it.
    hash: Option<Hash>,
}

impl<'a> Fold<'a> {
    /// An empty state, before event 1.
    pub(crate) fn new(kind: Kind, name: &str, log: &'a str) -> Self {
        Fold {
            log,
            asset: Asset {
                kind,
                name: name.to_string(),
                versions: Vec::new(),
                aliases: BTreeMap::new(),
                tags: BTreeMap::new(),
                inputs: Vec::new(),
                used_by: Vec::new(),
                archived: false,
                gates: BTreeMap::new(),
                events: 0,
            },
            hash: Some(Hash::new()),
        }
    }

    /// Applies events in order (parsed and hashed in parallel, applied in
    /// turn): each must be number `events + 1` and name the hash of the one
    /// before.
    pub(crate) fn apply_all(&mut self, events: &[Event]) -> Result<()> {
        let events: Vec<(u64, &[u8])> =
            events.iter().map(|e| (e.seq, e.bytes.as_slice())).collect();
        self.apply_segment(&events, false)
    }

    /// [`apply_all`](Self::apply_all) for a run of events that is either
    /// loose or `sealed`: a pack whose checksum held, in which only the last
    /// event is hashed (for the link to what follows) and the first's link
    /// to what came before is checked.
    pub(crate) fn apply_segment(&mut self, events: &[(u64, &[u8])], sealed: bool) -> Result<()> {
        use rayon::prelude::*;
        let log = self.log;
        let last = events.len().saturating_sub(1);
        let parsed: Vec<Result<(AssetEvent, Option<Hash>)>> = events
            .par_iter()
            .enumerate()
            .with_min_len(256)
            .map(|(i, &(seq, bytes))| {
                let hash = (!sealed || i == last).then(|| blake3::hash(bytes).to_hex().to_string());
                let ev = serde_json::from_slice(bytes).map_err(|err| {
                    Error::Integrity(format!("log {log}: event {seq} is not an event: {err}"))
                })?;
                Ok((ev, hash))
            })
            .collect();
        for (&(seq, _), p) in events.iter().zip(parsed) {
            let (ev, hash) = p?;
            self.apply_parsed(seq, ev, hash)?;
        }
        Ok(())
    }

    fn apply_parsed(&mut self, seq: u64, ev: AssetEvent, hash: Option<Hash>) -> Result<()> {
        let log = self.log;
        let a = &mut self.asset;
        if seq != a.events + 1 {
            return Err(Error::Integrity(format!(
                "log {log}: event {} is missing",
                a.events + 1
            )));
        }
        if ev.seq != seq || self.hash.as_ref().is_some_and(|h| *h != ev.prev) {
            return Err(Error::Integrity(format!(
                "log {log}: event {seq} does not follow event {} (hash chain broken)",
                a.events
            )));
        }
        self.hash = hash;
        a.events = seq;
        match ev.change {
            Change::Version {
                version,
                content,
                size,
                message,
                metadata,
                dataset,
            } => {
                if version != a.versions.len() as u64 + 1 {
                    return Err(Error::Integrity(format!(
                        "log {log}: event {} adds version {version} after {}",
                        seq,
                        a.versions.len()
                    )));
                }
                a.versions.push(Version {
                    version,
                    content,
                    size,
                    message,
                    metadata,
                    dataset,
                    principal: ev.principal,
                    time: ev.time,
                });
            }
            Change::Alias { alias, version } => {
                a.aliases.entry(alias).or_default().push(AliasMove {
                    version,
                    principal: ev.principal,
                    time: ev.time,
                    seq,
                });
            }
            Change::Tag {
                version,
                key,
                value,
            } => {
                let tags = a.tags.entry(version).or_default();
                match value {
                    Some(v) => {
                        tags.insert(key, v);
                    }
                    None => {
                        tags.remove(&key);
                    }
                }
            }
            Change::Lineage {
                version,
                inputs,
                run,
                commit,
            } => a.inputs.extend(inputs.into_iter().map(|other| LineageEdge {
                version,
                other,
                run: run.clone(),
                commit: commit.clone(),
            })),
            Change::UsedBy { version, by, run } => a.used_by.push(LineageEdge {
                version,
                other: by,
                run,
                commit: None,
            }),
            Change::Archive { archived } => a.archived = archived,
            Change::Gate {
                version,
                passed,
                report,
            } => {
                a.gates.insert(
                    version,
                    GateRecord {
                        passed,
                        report,
                        principal: ev.principal,
                        time: ev.time,
                    },
                );
            }
        }
        Ok(())
    }

    /// The state after the events applied.
    pub(crate) fn finish(self) -> Asset {
        self.asset
    }
}
