//! Which objects an object names: the one place the collector and `fsck`
//! learn the reference graph (see `docs/store-protocol.md`, "Garbage
//! collection").
//!
//! Roots are the 64-hex strings in every event of every log (read as JSON,
//! see [`tokens`]). From each root blob the collector follows
//! [`references`]:
//!
//! - a chunk manifest (`mlops.chunks`) names its chunks, which are leaves
//!   (never read); when its content is a JSON object (the first byte of the
//!   first chunk is `{`, and the content is at most [`MAX_SCANNED`] bytes),
//!   the content is read and its 64-hex strings are references too: the
//!   `parquet-parts` list of a data set made of parts, a package's file list;
//! - any other blob that is a JSON object or array names the 64-hex strings
//!   in it (gate reports, monitor suites);
//! - anything else (Parquet, profiles, chunks) names nothing.
//!
//! A new object type that names blobs (a directory's tree manifest, a pack
//! object) is added here, as one more arm of [`references`]; JSON ones are
//! followed already by the generic rule.

use std::collections::BTreeSet;

use crate::error::Result;
use crate::store::{Hash, Store};

/// Content larger than this is not read to look for references in it
/// (its chunks are still followed).
pub const MAX_SCANNED: u64 = 64 * 1024 * 1024;

/// Keys whose 64-hex values are hashes of events, not of blobs: not
/// references.
const NOT_BLOBS: [&str; 3] = ["prev", "hash", "check"];

/// Keys whose values are the users' own (metadata, params, tags, messages):
/// a 64-hex string in them is kept alive (it may name a blob), but its
/// absence is no damage that `fsck` reports.
const USER_VALUES: [&str; 9] = [
    "metadata", "params", "tags", "message", "reason", "value", "source", "commit", "key",
];

/// One reference from an object to a blob.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    /// The blob named.
    pub hash: Hash,
    /// Whether the blob is read in turn to find what it names (chunks,
    /// which name nothing, are not).
    pub follow: bool,
    /// Whether the reference is part of the format (its absence is damage
    /// that `fsck` reports), not a string in the users' own values.
    pub typed: bool,
}

/// Whether `s` is a blob name: 64 lower-case hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The 64-hex strings of a JSON value, as references to follow: the roots
/// an event names, or what a JSON blob names.
pub fn tokens(value: &serde_json::Value) -> Vec<Reference> {
    fn walk(v: &serde_json::Value, typed: bool, out: &mut BTreeSet<Reference>) {
        match v {
            serde_json::Value::String(s) if is_hash(s) => {
                if let Ok(hash) = Hash::parse_field(s, "reference") {
                    out.insert(Reference {
                        hash,
                        follow: true,
                        typed,
                    });
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, typed, out)),
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if NOT_BLOBS.contains(&k.as_str()) {
                        continue;
                    }
                    walk(v, typed && !USER_VALUES.contains(&k.as_str()), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(value, true, &mut out);
    out.into_iter().collect()
}

/// The blobs the blob `bytes` (read from the store, verified) names. The
/// extension point for new object types: see the module docs.
pub fn references(store: &Store, bytes: &[u8]) -> Result<Vec<Reference>> {
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    if !matches!(first, Some(b'{') | Some(b'[')) || bytes.len() as u64 > MAX_SCANNED {
        return Ok(Vec::new());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(Vec::new());
    };
    let format = value.get("format").and_then(|f| f.as_str());
    if format == Some(crate::tree::format::ROOT_FORMAT)
        || format == Some(crate::tree::format::PAGE_FORMAT)
    {
        return tree_references(format == Some(crate::tree::format::ROOT_FORMAT), &value);
    }
    if value.get("format").and_then(|f| f.as_str()) == Some("mlops.chunks") {
        let Ok(m) = serde_json::from_value::<crate::store::Manifest>(value) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<Reference> = m
            .chunks
            .iter()
            .map(|(h, _)| Reference {
                hash: h.clone(),
                follow: false,
                typed: true,
            })
            .collect();
        out.extend(content_references(store, &m)?);
        return Ok(out);
    }
    Ok(tokens(&value))
}

/// What a directory tree's root or page names (see `docs/store-protocol.md`,
/// "Trees"): a root its pages (followed); a page its packs (leaves) and the
/// chunk manifests of its large files (followed). The other 64-hex strings
/// of a page are the files' own BLAKE3 hashes, not blob names.
fn tree_references(root: bool, value: &serde_json::Value) -> Result<Vec<Reference>> {
    let hash = |v: &serde_json::Value, follow| {
        let s = v.as_str().filter(|s| is_hash(s))?;
        Hash::parse_field(s, "reference")
            .ok()
            .map(|hash| Reference {
                hash,
                follow,
                typed: true,
            })
    };
    let list = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default()
    };
    let mut out = BTreeSet::new();
    if root {
        // `pages`: [[hash, entries], ...]
        out.extend(list("pages").iter().filter_map(|p| hash(p.get(0)?, true)));
    } else {
        out.extend(list("packs").iter().filter_map(|p| hash(p, false)));
        // An entry's `where` (its fifth item) is `{"content": manifest}` for
        // a large file.
        out.extend(
            list("entries")
                .iter()
                .filter_map(|e| hash(e.get(4)?.get("content")?, true)),
        );
    }
    Ok(out.into_iter().collect())
}

/// What the content a manifest lists names, when it is a JSON object of at
/// most [`MAX_SCANNED`] bytes. A chunk that cannot be read names nothing
/// here (`fsck` reports it as missing through the manifest).
fn content_references(store: &Store, m: &crate::store::Manifest) -> Result<Vec<Reference>> {
    let Some((first, _)) = m.chunks.first() else {
        return Ok(Vec::new());
    };
    if m.size > MAX_SCANNED {
        return Ok(Vec::new());
    }
    // The first bytes decide: most content (Parquet, weights) is not JSON,
    // and its first chunk (up to 1 MiB) is not read for nothing.
    match first_byte(store, first) {
        Some(b'{') => {}
        _ => return Ok(Vec::new()),
    }
    let mut content = Vec::with_capacity(m.size as usize);
    for (h, _) in &m.chunks {
        match store.get_blob(h) {
            Ok(b) => content.extend_from_slice(&b),
            Err(_) => return Ok(Vec::new()),
        }
    }
    match serde_json::from_slice::<serde_json::Value>(&content) {
        Ok(v) => Ok(tokens(&v)),
        Err(_) => Ok(Vec::new()),
    }
}

/// Bytes read to find a blob's first byte that is not white space.
const SNIFFED: u64 = 256;

/// The first byte of blob `h` that is not white space (`None` when it is
/// all white space, or cannot be read: it names nothing then).
fn first_byte(store: &Store, h: &Hash) -> Option<u8> {
    let head = store.blob_prefix(h, SNIFFED).ok()?;
    match head.iter().copied().find(|b| !b.is_ascii_whitespace()) {
        Some(b) => Some(b),
        // White space all the way through the bytes read: read it all.
        None if head.len() as u64 == SNIFFED => store
            .get_blob(h)
            .ok()?
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace()),
        None => None,
    }
}

/// What the stored blob `h` names ([`references`]), reading it whole only
/// when its first byte says it is JSON: a writer's guard follows what its
/// event will name this way (see `gc::guard`). A missing blob is
/// [`crate::Error::NotFound`].
pub(crate) fn named_by_blob(store: &Store, h: &Hash) -> Result<Vec<Reference>> {
    let head = store.blob_prefix(h, SNIFFED)?;
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'{') | Some(b'[') => references(store, &store.get_blob(h)?),
        Some(_) => Ok(Vec::new()),
        None if head.len() as u64 == SNIFFED => references(store, &store.get_blob(h)?),
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_skip_event_hashes_and_mark_user_values() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let c = "c".repeat(64);
        let v = serde_json::json!({"prev": a, "content": b, "metadata": {"sha": c}, "n": 3});
        let t = tokens(&v);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].hash.as_str(), t[0].typed), (b.as_str(), true));
        assert_eq!((t[1].hash.as_str(), t[1].typed), (c.as_str(), false));
    }

    #[test]
    fn a_manifest_names_its_chunks_and_a_json_content_what_it_lists() {
        let s = Store::open("memory://").unwrap();
        let (inner, _) = s.put_content(&b"parquet bytes"[..]).unwrap();
        let listing = format!(r#"{{"format":"parquet-parts","parts":[{{"content":"{inner}"}}]}}"#);
        let (outer, _) = s.put_content(listing.as_bytes()).unwrap();
        let refs = references(&s, &s.get_blob(&outer).unwrap()).unwrap();
        assert_eq!(refs.len(), 2);
        assert!(!refs[0].follow, "the chunk is a leaf");
        assert_eq!(refs[1].hash, inner);
        assert!(refs[1].follow && refs[1].typed);
        assert!(references(&s, b"PAR1....").unwrap().is_empty());
    }
}
