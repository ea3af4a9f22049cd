//! A tree as stored: its entries, cut into pages at content-defined
//! boundaries, and the root that lists the pages (see
//! `docs/store-protocol.md`, "Trees").

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::store::Hash;

/// A page ends after an entry whose path hashes to 0 modulo this (so pages
/// hold this many entries on average) ...
pub const PAGE_AVG: u64 = 1024;
/// ... or once it holds this many.
pub const PAGE_MAX: usize = 4096;

/// The `format` of a tree's root blob.
pub const ROOT_FORMAT: &str = "mlops.tree";
/// The `format` of a page blob.
pub const PAGE_FORMAT: &str = "mlops.tree.page";

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Mode {
    /// A regular file.
    #[serde(rename = "f")]
    File,
    /// A regular file with the executable bit.
    #[serde(rename = "x")]
    Exec,
    /// A symbolic link (to a path inside the tree).
    #[serde(rename = "l")]
    Link,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::File => "f",
            Mode::Exec => "x",
            Mode::Link => "l",
        }
    }
}

/// Where a path's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loc {
    /// In a pack blob, from `offset`, `size` bytes.
    Pack {
        /// The pack blob.
        pack: Hash,
        /// Where the file starts in it.
        offset: u64,
    },
    /// Chunked content (a chunk manifest, as for a single-file version).
    Content(Hash),
    /// A symbolic link's target (the bytes hashed are its text).
    Link(String),
}

/// One path of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative, `/`-separated.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// BLAKE3 of its bytes (of a link: of its target's text).
    pub hash: blake3::Hash,
    /// File, executable or link.
    pub mode: Mode,
    /// Where its bytes are.
    pub loc: Loc,
}

/// Whether a page ends after `path` (its content-defined boundary).
pub fn is_boundary(path: &str) -> bool {
    let h = blake3::hash(path.as_bytes());
    let first = u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"));
    first.is_multiple_of(PAGE_AVG)
}

/// Cuts sorted entries into pages: after each boundary path, and after
/// [`PAGE_MAX`] entries since the last cut.
pub fn pages(entries: &[Entry]) -> Vec<&[Entry]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, e) in entries.iter().enumerate() {
        if i + 1 - start >= PAGE_MAX || is_boundary(&e.path) {
            out.push(&entries[start..=i]);
            start = i + 1;
        }
    }
    if start < entries.len() {
        out.push(&entries[start..]);
    }
    out
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// A page's bytes: `{"format":"mlops.tree.page","packs":[...],"entries":[...]}`.
pub fn encode_page(entries: &[Entry]) -> Vec<u8> {
    let mut packs: Vec<&Hash> = Vec::new();
    let mut out = String::with_capacity(entries.len() * 140 + 64);
    out.push_str(r#"{"format":"mlops.tree.page","entries":["#);
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let loc = match &e.loc {
            Loc::Pack { pack, offset } => {
                let k = match packs.iter().position(|p| *p == pack) {
                    Some(k) => k,
                    None => {
                        packs.push(pack);
                        packs.len() - 1
                    }
                };
                format!("[{k},{offset}]")
            }
            Loc::Content(h) => format!(r#"{{"content":"{h}"}}"#),
            Loc::Link(target) => json_str(target),
        };
        out.push_str(&format!(
            r#"[{},{},"{}","{}",{loc}]"#,
            json_str(&e.path),
            e.size,
            e.hash.to_hex(),
            e.mode.as_str()
        ));
    }
    out.push_str(r#"],"packs":["#);
    for (i, p) in packs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("\"{p}\""));
    }
    out.push_str("]}");
    out.into_bytes()
}

/// A 64-hex-digit BLAKE3 hash as read.
struct HexHash(blake3::Hash);

impl<'de> Deserialize<'de> for HexHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s: std::borrow::Cow<'de, str> = Deserialize::deserialize(d)?;
        if !Hash::is_valid(&s) {
            return Err(serde::de::Error::custom(format!(
                "'{s}' is not a BLAKE3 hash"
            )));
        }
        blake3::Hash::from_hex(s.as_bytes())
            .map(HexHash)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LocDe {
    Pack(usize, u64),
    Content { content: Hash },
    Link(String),
}

#[derive(Deserialize)]
struct EntryDe(String, u64, HexHash, Mode, LocDe);

#[derive(Deserialize)]
struct PageDe {
    format: String,
    entries: Vec<EntryDe>,
    packs: Vec<Hash>,
}

/// Parses a page (the blob `hash`, already verified).
pub fn decode_page(hash: &Hash, bytes: &[u8]) -> Result<Vec<Entry>> {
    let bad = |why: String| Error::Integrity(format!("tree page {hash}: {why}"));
    let p: PageDe = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if p.format != PAGE_FORMAT {
        return Err(bad(format!("format '{}', not '{PAGE_FORMAT}'", p.format)));
    }
    p.entries
        .into_iter()
        .map(|EntryDe(path, size, HexHash(h), mode, loc)| {
            let loc = match (mode, loc) {
                (Mode::Link, LocDe::Link(t)) => Loc::Link(t),
                (Mode::File | Mode::Exec, LocDe::Pack(k, offset)) => Loc::Pack {
                    pack: p.packs.get(k).cloned().ok_or_else(|| {
                        bad(format!("'{path}' names pack {k} of {}", p.packs.len()))
                    })?,
                    offset,
                },
                (Mode::File | Mode::Exec, LocDe::Content { content }) => Loc::Content(content),
                _ => return Err(bad(format!("'{path}': its mode and location disagree"))),
            };
            Ok(Entry {
                path,
                size,
                hash: h,
                mode,
                loc,
            })
        })
        .collect()
}

/// The root of a tree: how many files, their bytes, and its pages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Root {
    /// `mlops.tree`.
    pub format: String,
    /// Paths in the tree.
    pub files: u64,
    /// Their bytes.
    pub size: u64,
    /// `(page hash, entries)` in path order.
    pub pages: Vec<(Hash, u64)>,
}

impl Root {
    /// The root's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let pages: Vec<String> = self
            .pages
            .iter()
            .map(|(h, n)| format!("[\"{h}\",{n}]"))
            .collect();
        format!(
            r#"{{"format":"{ROOT_FORMAT}","files":{},"size":{},"pages":[{}]}}"#,
            self.files,
            self.size,
            pages.join(",")
        )
        .into_bytes()
    }

    /// Parses a root (the blob `hash`, already verified).
    pub fn decode(hash: &str, bytes: &[u8]) -> Result<Root> {
        let r: Root = serde_json::from_slice(bytes)
            .map_err(|e| Error::Integrity(format!("blob {hash} is not a tree root: {e}")))?;
        if r.format != ROOT_FORMAT || r.pages.iter().map(|p| p.1).sum::<u64>() != r.files {
            return Err(Error::Integrity(format!(
                "blob {hash} is not a tree root that adds up"
            )));
        }
        Ok(r)
    }
}

/// Checks a path as a tree may hold it: relative, `/`-separated, no empty,
/// `.` or `..` part, no NUL or backslash. `what` says where it came from.
pub fn check_path(path: &str, what: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::InvalidInput(format!("{what} '{path}': {why}")));
    if path.is_empty() {
        return bad("an empty path");
    }
    if path.starts_with('/') {
        return bad("an absolute path");
    }
    if path.contains('\0') || path.contains('\\') {
        return bad("a path with NUL or a backslash");
    }
    for part in path.split('/') {
        match part {
            "" => return bad("an empty path component"),
            "." | ".." => return bad("a '.' or '..' component leaves or names the directory"),
            _ => {}
        }
    }
    Ok(())
}

/// Whether a symbolic link at `path` (relative to the tree's top) with
/// `target` stays inside the tree.
pub fn link_stays_inside(path: &str, target: &str) -> bool {
    if target.is_empty() || target.starts_with('/') || target.contains('\\') {
        return false;
    }
    let mut depth: Vec<&str> = path.split('/').collect();
    depth.pop(); // the link's own name
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            p => depth.push(p),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, n: u64) -> Entry {
        Entry {
            path: path.into(),
            size: n,
            hash: blake3::hash(path.as_bytes()),
            mode: if n.is_multiple_of(3) {
                Mode::Exec
            } else {
                Mode::File
            },
            loc: if n.is_multiple_of(5) {
                Loc::Content(Hash::of(b"m"))
            } else {
                Loc::Pack {
                    pack: Hash::of(&[(n % 2) as u8]),
                    offset: n * 10,
                }
            },
        }
    }

    #[test]
    fn pages_round_trip_and_one_change_moves_one_page() {
        let mut es: Vec<Entry> = (0..20_000)
            .map(|i| entry(&format!("d{}/f{i:06}", i % 7), i))
            .collect();
        es.push(Entry {
            path: "zz/link".into(),
            size: 3,
            hash: blake3::hash(b"../d0"),
            mode: Mode::Link,
            loc: Loc::Link("../d0".into()),
        });
        es.sort_by(|a, b| a.path.cmp(&b.path));
        let ps = pages(&es);
        assert_eq!(ps.iter().map(|p| p.len()).sum::<usize>(), es.len());
        assert!(ps.iter().all(|p| p.len() <= PAGE_MAX));
        let mut back = Vec::new();
        for p in &ps {
            let bytes = encode_page(p);
            back.extend(decode_page(&Hash::of(&bytes), &bytes).unwrap());
        }
        assert_eq!(back, es);
        let before: Vec<Vec<u8>> = ps.iter().map(|p| encode_page(p)).collect();
        es[12_345].size += 1;
        let after: Vec<Vec<u8>> = pages(&es).iter().map(|p| encode_page(p)).collect();
        assert_eq!(before.len(), after.len());
        let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        assert_eq!(changed, 1);
    }

    #[test]
    fn paths_and_links_are_checked() {
        for ok in ["a", "a/b.jpg", "x/.hidden", "a..b/c"] {
            check_path(ok, "path").unwrap();
        }
        for bad in ["", "/etc/passwd", "a/../../b", "..", "a//b", "./a", "a\\b"] {
            assert!(
                matches!(check_path(bad, "path"), Err(Error::InvalidInput(m)) if m.contains(bad)),
                "{bad}"
            );
        }
        assert!(link_stays_inside("a/b/l", "../c"));
        assert!(link_stays_inside("a/l", "../c"));
        assert!(!link_stays_inside("a/l", "../../c"));
        assert!(!link_stays_inside("l", "/etc/passwd"));
    }
}
