//! Folding an asset's events, in order, into its state, checking the hash
//! chain and the version numbering on the way.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    AliasMove, Asset, AssetEvent, AssetRef, CauseEdge, Change, DatasetInfo, Expiry, GateRecord,
    Kind, LineageEdge, Version, Versions,
};
use crate::error::{Error, Result};
use crate::store::{Event, Hash};

/// An event as read: the common fields and every change's fields, optional,
/// in one flat object. The common strings, which a fold checks and drops,
/// borrow from the bytes read where they can (no escapes); the change's
/// fields are owned, as the asset's state keeps them.
#[derive(Deserialize)]
pub(crate) struct FlatEvent<'a> {
    #[serde(borrow)]
    format: Cow<'a, str>,
    v: u32,
    seq: u64,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    time: u64,
    #[serde(borrow)]
    principal: Cow<'a, str>,
    versions: u64,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    version: Option<u64>,
    content: Option<Hash>,
    size: Option<u64>,
    message: Option<String>,
    /// Kept as text until asked for: a search folds every version of every
    /// asset but reads the metadata of few.
    metadata: Option<Box<serde_json::value::RawValue>>,
    dataset: Option<DatasetInfo>,
    alias: Option<String>,
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    inputs: Option<Vec<AssetRef>>,
    run: Option<String>,
    commit: Option<String>,
    #[serde(default)]
    cause: Option<crate::monitor::RetrainCause>,
    by: Option<AssetRef>,
    archived: Option<bool>,
    #[serde(default)]
    reason: Option<String>,
    passed: Option<bool>,
    report: Option<Hash>,
    #[serde(default)]
    tree: Option<crate::tree::TreeInfo>,
    expired: Option<Vec<u64>>,
    policy: Option<String>,
    pinned: Option<bool>,
}

/// A version event's metadata as read, before it is parsed.
pub(crate) type RawMetadata = Box<serde_json::value::RawValue>;

/// An event's bytes as an [`AssetEvent`], read through [`FlatEvent`].
fn read_asset_event(bytes: &[u8]) -> std::result::Result<AssetEvent, String> {
    let flat: FlatEvent = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let (header, change, _) = split(flat, true)?;
    Ok(AssetEvent {
        format: header.format.into_owned(),
        v: header.v,
        seq: header.seq,
        prev: (!header.prev.is_empty())
            .then(|| Hash::parse_field(&header.prev, "prev"))
            .transpose()
            .map_err(|e| e.to_string())?,
        time: header.time,
        principal: header.principal.into_owned(),
        state: Versions {
            versions: header.versions,
        },
        reason: header.reason,
        change,
    })
}

/// An event's common fields, borrowed where they were read.
struct Header<'a> {
    format: Cow<'a, str>,
    v: u32,
    seq: u64,
    prev: Cow<'a, str>,
    time: u64,
    principal: Cow<'a, str>,
    versions: u64,
    reason: Option<String>,
}

/// The common fields and the change `f` holds. A version event's metadata
/// is parsed when `parse_metadata`; otherwise it is left `null` and its
/// text returned.
fn split(
    f: FlatEvent<'_>,
    parse_metadata: bool,
) -> std::result::Result<(Header<'_>, Change, Option<RawMetadata>), String> {
    fn need<T>(v: Option<T>, field: &str, kind: &str) -> std::result::Result<T, String> {
        v.ok_or_else(|| format!("a '{kind}' event needs '{field}'"))
    }
    let k = f.kind.as_ref();
    let mut raw = None;
    let change = match k {
        "version" => {
            let text = need(f.metadata, "metadata", k)?;
            let metadata = if parse_metadata {
                serde_json::from_str(text.get()).map_err(|e| e.to_string())?
            } else {
                raw = Some(text);
                serde_json::Value::Null
            };
            Change::Version {
                version: need(f.version, "version", k)?,
                content: need(f.content, "content", k)?,
                size: need(f.size, "size", k)?,
                message: need(f.message, "message", k)?,
                metadata,
                dataset: f.dataset,
                tree: f.tree,
            }
        }
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
            cause: f.cause,
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
        "expire" => Change::Expire {
            expired: need(f.expired, "expired", k)?,
            policy: need(f.policy, "policy", k)?,
        },
        "pin" => Change::Pin {
            version: need(f.version, "version", k)?,
            pinned: need(f.pinned, "pinned", k)?,
        },
        other => return Err(format!("unknown event type '{other}'")),
    };
    let header = Header {
        format: f.format,
        v: f.v,
        seq: f.seq,
        prev: f.prev,
        time: f.time,
        principal: f.principal,
        versions: f.versions,
        reason: f.reason,
    };
    Ok((header, change, raw))
}

/// The newest event format this build reads (`v` of an event).
pub(crate) const EVENT_FORMAT: u32 = 1;

/// The error for an event of a newer format than this build reads: its
/// fields may mean more than this build would apply.
fn newer_event(log: &str, seq: u64, v: u32) -> Error {
    Error::Unsupported(format!(
        "log {log}: event {seq} has format version {v}; this build reads up to {EVENT_FORMAT} \
         (upgrade mlops)"
    ))
}

/// Parses an event's bytes.
pub(crate) fn parse_event(log: &str, e: &Event) -> Result<AssetEvent> {
    let ev = read_asset_event(&e.bytes).map_err(|err| {
        Error::Integrity(format!("log {log}: event {} is not an event: {err}", e.seq))
    })?;
    if ev.v > EVENT_FORMAT {
        return Err(newer_event(log, e.seq, ev.v));
    }
    Ok(ev)
}

/// An event parsed for a fold: its common fields, its change, its
/// metadata's text (lazy folds), and its hash.
type Parsed<'a> = (Header<'a>, Change, Option<RawMetadata>, blake3::Hash);

/// An asset's state being folded from its events.
pub(crate) struct Fold<'a> {
    log: &'a str,
    asset: Asset,
    /// Hash of the last event applied (`None` before the first), as bytes:
    /// a fold hashes every event, and no hex string need be kept per event.
    hash: Option<blake3::Hash>,
    /// With [`Fold::lazy`], each version's metadata as read (its
    /// `Version::metadata` is left `null`).
    raw_metadata: Option<Vec<RawMetadata>>,
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
                causes: Vec::new(),
                archived: false,
                gates: BTreeMap::new(),
                events: 0,
                expired: BTreeMap::new(),
                pinned: std::collections::BTreeSet::new(),
            },
            hash: None,
            raw_metadata: None,
        }
    }

    /// Like [`Fold::new`], but versions' metadata is kept as text (see
    /// [`Fold::finish`]), for readers that look at few of them.
    pub(crate) fn lazy(kind: Kind, name: &str, log: &'a str) -> Self {
        Fold {
            raw_metadata: Some(Vec::new()),
            ..Fold::new(kind, name, log)
        }
    }

    /// Applies events in order (parsed and hashed in parallel, applied in
    /// turn): each must be number `events + 1` and name the hash of the one
    /// before.
    pub(crate) fn apply_all(&mut self, events: &[Event]) -> Result<()> {
        let events: Vec<(u64, &[u8])> =
            events.iter().map(|e| (e.seq, e.bytes.as_slice())).collect();
        self.apply_segment(&events)
    }

    /// [`apply_all`](Self::apply_all) for events read in place (from single
    /// objects or from packs: every event is hashed either way, since a
    /// pack's seal is no key and the chain is what covers each event).
    pub(crate) fn apply_segment(&mut self, events: &[(u64, &[u8])]) -> Result<()> {
        use rayon::prelude::*;
        let log = self.log;
        let parse_metadata = self.raw_metadata.is_none();
        let parsed: Vec<Result<Parsed>> = events
            .par_iter()
            .with_min_len(256)
            .map(|&(seq, bytes)| {
                let hash = blake3::hash(bytes);
                let not_event = |err: String| {
                    Error::Integrity(format!("log {log}: event {seq} is not an event: {err}"))
                };
                // One UTF-8 check of the whole event (fast on ASCII), so
                // the parser need not check each string again.
                let text = std::str::from_utf8(bytes).map_err(|e| not_event(e.to_string()))?;
                let flat: FlatEvent =
                    serde_json::from_str(text).map_err(|e| not_event(e.to_string()))?;
                let (header, change, raw) = split(flat, parse_metadata).map_err(not_event)?;
                Ok((header, change, raw, hash))
            })
            .collect();
        for (&(seq, _), p) in events.iter().zip(parsed) {
            let (header, change, raw, hash) = p?;
            self.apply_parsed(seq, header, change, hash)?;
            if let (Some(all), Some(raw)) = (self.raw_metadata.as_mut(), raw) {
                all.push(raw);
            }
        }
        Ok(())
    }

    fn apply_parsed(
        &mut self,
        seq: u64,
        ev: Header<'_>,
        change: Change,
        hash: blake3::Hash,
    ) -> Result<()> {
        let log = self.log;
        let a = &mut self.asset;
        if seq != a.events + 1 {
            return Err(Error::Integrity(format!(
                "log {log}: event {} is missing",
                a.events + 1
            )));
        }
        if ev.v > EVENT_FORMAT {
            return Err(newer_event(log, seq, ev.v));
        }
        let follows = match &self.hash {
            // The hex digits on the stack: no allocation per event.
            Some(h) => h.to_hex().as_str() == ev.prev,
            None => ev.prev.is_empty(),
        };
        if ev.seq != seq || !follows {
            return Err(Error::Integrity(format!(
                "log {log}: event {seq} does not follow event {} (hash chain broken)",
                a.events
            )));
        }
        self.hash = Some(hash);
        a.events = seq;
        let principal = || ev.principal.to_string();
        match change {
            Change::Version {
                version,
                content,
                size,
                message,
                metadata,
                dataset,
                tree,
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
                    principal: principal(),
                    time: ev.time,
                    tree,
                });
            }
            Change::Alias { alias, version } => {
                a.aliases.entry(alias).or_default().push(AliasMove {
                    version,
                    principal: principal(),
                    time: ev.time,
                    seq,
                    reason: ev.reason.clone(),
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
                cause,
            } => {
                if let Some(cause) = cause {
                    a.causes.push(CauseEdge {
                        version,
                        cause,
                        run: run.clone(),
                    });
                }
                a.inputs.extend(inputs.into_iter().map(|other| LineageEdge {
                    version,
                    other,
                    run: run.clone(),
                    commit: commit.clone(),
                }))
            }
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
                        principal: principal(),
                        time: ev.time,
                    },
                );
            }
            Change::Expire { expired, policy } => {
                for version in expired {
                    a.expired.entry(version).or_insert_with(|| Expiry {
                        principal: principal(),
                        time: ev.time,
                        seq,
                        policy: policy.clone(),
                    });
                }
            }
            Change::Pin { version, pinned } => {
                if pinned {
                    a.pinned.insert(version);
                } else {
                    a.pinned.remove(&version);
                }
            }
        }
        Ok(())
    }

    /// The state after the events applied and, for a [`Fold::lazy`] fold,
    /// each version's metadata as text (`raw[i]` is version `i + 1`'s).
    pub(crate) fn finish(self) -> (Asset, Vec<RawMetadata>) {
        (self.asset, self.raw_metadata.unwrap_or_default())
    }
}
