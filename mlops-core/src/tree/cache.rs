//! The stat cache: what a folder's files hashed to, keyed by what `stat`
//! said of them then (size, mtime, ctime, inode), like git's index, so that
//! `status`, `add` and `checkout` hash only files whose stat changed.
//!
//! One file per folder, in the user's cache folder (`MLOPS_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/mlops`, else `~/.cache/mlops`), at
//! `trees/<BLAKE3 of the folder's canonical path, 32 hex digits>`, never
//! inside the folder itself (it would become part of the tree). It is
//! only a cache: missing, unreadable or from another build, it reads as
//! empty and every file is hashed; it is replaced whole (a staged file
//! renamed into place), so racing writers leave one or the other.
//!
//! A file changed within the same clock tick as its recorded mtime, after
//! it was stat-ed, would keep its stat: an entry is trusted only when its
//! mtime was at least [`RACY_NS`] older than the moment it was stat-ed
//! (2 s on file systems with whole-second times); others ("racily clean",
//! as git calls them) are hashed again next time, and then trusted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Cached hashes by relative path (hashed with foldhash: a status looks
/// up every path of the folder).
pub type Files = HashMap<String, Cached, foldhash::fast::RandomState>;

use super::walk::Stat;

/// How much older than its stat an mtime must be for its entry to be trusted.
pub const RACY_NS: i64 = 100_000_000;
/// The same, for mtimes with no sub-second part (coarse file systems).
const RACY_COARSE_NS: i64 = 2_000_000_000;

const MAGIC: &[u8; 16] = b"mlops.statcache1";

/// One file's cached hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cached {
    /// Its stat when hashed.
    pub stat: Stat,
    /// Its BLAKE3 hash.
    pub hash: blake3::Hash,
    /// Whether it may be trusted (not racily clean).
    pub trusted: bool,
}

/// A folder's stat cache.
#[derive(Debug, Default)]
pub struct StatCache {
    /// The tree root the folder matched exactly when the cache was written, if known.
    pub root: Option<String>,
    /// By relative path.
    pub files: Files,
}

/// Whether an entry with mtime `mtime_ns`, stat-ed at `statted_ns`, may be trusted.
pub fn trusted(mtime_ns: i64, statted_ns: i64) -> bool {
    let margin = if mtime_ns % 1_000_000_000 == 0 {
        RACY_COARSE_NS
    } else {
        RACY_NS
    };
    mtime_ns.saturating_add(margin) < statted_ns
}

/// Now, in ns since the epoch.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// The cache folder: `MLOPS_CACHE_DIR`, `$XDG_CACHE_HOME/mlops`, `~/.cache/mlops`.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("MLOPS_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("mlops")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("mlops")))
        .or_else(|| var("LOCALAPPDATA").map(|d| d.join("mlops")))
}

/// The cache file of the folder `dir`, if there is a cache folder.
pub fn cache_file(dir: &Path) -> Option<PathBuf> {
    let canon = std::fs::canonicalize(dir).ok()?;
    let key = blake3::hash(canon.to_string_lossy().as_bytes()).to_hex();
    Some(cache_dir()?.join("trees").join(&key[..32]))
}

impl StatCache {
    /// The cache of `dir` (empty when there is none or it does not read).
    pub fn load(dir: &Path) -> StatCache {
        cache_file(dir)
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|b| Self::decode(&b))
            .unwrap_or_default()
    }

    /// The cached hash of `path` if its stat is still `stat` and it is trusted.
    pub fn hit(&self, path: &str, stat: &Stat) -> Option<blake3::Hash> {
        Self::trusted_hit(self.files.get(path), stat)
    }

    /// The hash of an entry (`cached`) if its stat is still `stat` and it is trusted.
    pub fn trusted_hit(cached: Option<&Cached>, stat: &Stat) -> Option<blake3::Hash> {
        cached
            .filter(|c| c.trusted && c.stat == *stat)
            .map(|c| c.hash)
    }

    /// Writes the cache of `dir` (best effort: a cache that cannot be
    /// written only makes the next call hash again).
    pub fn save(&self, dir: &Path) {
        let Some(file) = cache_file(dir) else { return };
        let Some(parent) = file.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let tmp = parent.join(format!(
            ".{}.{}-{}",
            file.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id(),
            now_ns()
        ));
        if std::fs::write(&tmp, self.encode()).is_ok() && std::fs::rename(&tmp, &file).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.files.len() * 100);
        out.extend_from_slice(MAGIC);
        let root = self.root.as_deref().unwrap_or("");
        out.extend_from_slice(&(root.len() as u32).to_le_bytes());
        out.extend_from_slice(root.as_bytes());
        out.extend_from_slice(&(self.files.len() as u64).to_le_bytes());
        for (path, c) in &self.files {
            out.extend_from_slice(&(path.len() as u32).to_le_bytes());
            out.extend_from_slice(path.as_bytes());
            out.extend_from_slice(&c.stat.size.to_le_bytes());
            out.extend_from_slice(&c.stat.mtime_ns.to_le_bytes());
            out.extend_from_slice(&c.stat.ctime_ns.to_le_bytes());
            out.extend_from_slice(&c.stat.ino.to_le_bytes());
            out.push(u8::from(c.trusted));
            out.extend_from_slice(c.hash.as_bytes());
        }
        let check = blake3::hash(&out);
        out.extend_from_slice(check.as_bytes());
        out
    }

    fn decode(b: &[u8]) -> Option<StatCache> {
        if b.len() < MAGIC.len() + 32 || &b[..MAGIC.len()] != MAGIC {
            return None;
        }
        let (body, check) = b.split_at(b.len() - 32);
        if blake3::hash(body).as_bytes() != check {
            return None;
        }
        let mut r = Reader { b: body, at: 16 };
        let root_len = r.u32()? as usize;
        let root = std::str::from_utf8(r.take(root_len)?).ok()?.to_string();
        let n = r.u64()? as usize;
        let mut files = Files::with_capacity_and_hasher(n.min(1 << 24), Default::default());
        for _ in 0..n {
            let len = r.u32()? as usize;
            let path = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            let stat = Stat {
                size: r.u64()?,
                mtime_ns: r.u64()? as i64,
                ctime_ns: r.u64()? as i64,
                ino: r.u64()?,
            };
            let trusted = r.take(1)?[0] == 1;
            let hash = blake3::Hash::from_bytes(r.take(32)?.try_into().ok()?);
            files.insert(
                path,
                Cached {
                    stat,
                    hash,
                    trusted,
                },
            );
        }
        Some(StatCache {
            root: (!root.is_empty()).then_some(root),
            files,
        })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}
