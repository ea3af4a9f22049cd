//! Directories of many files as one versioned asset: `add` a folder (the
//! same [`Registry::add_path`] that adds a file), then [`Registry::status`]
//! (what changed in a folder since a version), [`Registry::checkout`]
//! (restore a version into a folder) and [`Registry::diff_files`] (what
//! changed between two versions, per path).
//!
//! A version of a folder is a **tree**: a sorted manifest of its paths
//! (size, BLAKE3 hash, mode, where the bytes are) cut into pages at
//! content-defined boundaries (a page ends after a path whose hash is 0
//! modulo 1,024, or at 4,096 entries), so one changed file rewrites one
//! page and the root that lists the pages. The version's `content` is the
//! root's hash and its event carries `tree` (see `docs/store-protocol.md`,
//! "Trees").
//!
//! Files of at most [`PACK_FILE_MAX`] bytes are packed, in path order, into
//! pack blobs of up to [`PACK_TARGET`] bytes (100,000 images are a few
//! hundred objects, not 100,000); larger files are chunked content, as a
//! single-file version is. A file whose hash the asset's previous version
//! already holds is not stored again (its entry names the old place).
//! Files are read, hashed and stored in parallel, and every file read back
//! is checked against its own hash.
//!
//! The stat cache (`cache.rs`) keeps each file's hash keyed by its stat, so
//! that only files whose stat changed are hashed again.
//!
//! Paths: relative, `/`-separated UTF-8. `..`, absolute paths and symbolic
//! links that leave the folder are refused (an [`Error::InvalidInput`]
//! naming the path) when a folder is added and when a stored tree is
//! checked out. Links that stay inside are stored as links (their target
//! text), not followed, and checked out as links.
//!
//! The parts: `format.rs` (entries, pages and root as stored), `walk.rs`
//! (reading a folder), `cache.rs` (the stat cache), `write.rs` (building
//! packs, writing files).

mod cache;
pub(crate) mod format;
mod walk;
mod write;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::registry::{Kind, Registry};
use crate::store::{Hash, Store};
use cache::{Cached, StatCache};
pub use format::{Entry, Loc, Mode, PAGE_AVG, PAGE_MAX};
use format::{Root, ROOT_FORMAT};

/// Files up to this size are packed; larger ones are chunked content.
pub const PACK_FILE_MAX: u64 = 4 * 1024 * 1024;
/// A pack is closed before a file would take it past this size.
pub const PACK_TARGET: u64 = 64 * 1024 * 1024;

/// What a tree version's event records beside its content (the root).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeInfo {
    /// Paths in the tree (files and links).
    pub files: u64,
}

/// One path that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// Relative, `/`-separated.
    pub path: String,
    /// Its size before (in the older side), if it was there.
    pub size_before: Option<u64>,
    /// Its size after, if it is there.
    pub size_after: Option<u64>,
}

/// What differs between two trees (two versions, or a version and a folder).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TreeDiff {
    /// Paths only in the newer side.
    pub added: Vec<FileChange>,
    /// Paths only in the older side.
    pub removed: Vec<FileChange>,
    /// Paths in both whose bytes or mode differ.
    pub changed: Vec<FileChange>,
    /// Paths in both, the same.
    pub unchanged: u64,
    /// Files read and hashed to find this out (a folder's status: the
    /// files whose stat changed since the stat cache saw them; 0 between
    /// versions).
    pub hashed: u64,
}

impl TreeDiff {
    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// What a checkout did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkout {
    /// Paths in the version.
    pub files: u64,
    /// Paths written (the others were there already, the same).
    pub written: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Threads that read, hash and write files: more than cores, since reads
/// and writes wait for the device.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let n = std::thread::available_parallelism().map_or(2, |n| n.get());
        rayon::ThreadPoolBuilder::new()
            .num_threads((n * 2).clamp(4, 16))
            .thread_name(|i| format!("mlops-tree-{i}"))
            .build()
            .expect("the tree pool starts")
    })
}

/// The root of a tree version's content.
fn read_root(store: &Store, root: &str) -> Result<Root> {
    Root::decode(root, &store.get_blob(root)?)
}

/// Every entry of the tree `root`, in path order, each page verified;
/// entries out of order or repeated are an [`Error::Integrity`].
pub(crate) fn load_entries(store: &Store, root: &str) -> Result<Vec<Entry>> {
    let r = read_root(store, root)?;
    let hashes: Vec<Hash> = r.pages.iter().map(|p| p.0.clone()).collect();
    let blobs = store.get_blobs(&hashes)?;
    let pages: Vec<Vec<Entry>> = pool().install(|| {
        blobs
            .par_iter()
            .zip(&hashes)
            .map(|(b, h)| format::decode_page(h, b))
            .collect::<Result<_>>()
    })?;
    let mut out = Vec::with_capacity(r.files as usize);
    for ((page, (h, n)), _) in pages.into_iter().zip(&r.pages).zip(&hashes) {
        if page.len() as u64 != *n {
            return Err(Error::Integrity(format!(
                "tree {root}: page {h} has {} entries, the root says {n}",
                page.len()
            )));
        }
        out.extend(page);
    }
    for w in out.windows(2) {
        if w[0].path >= w[1].path {
            return Err(Error::Integrity(format!(
                "tree {root}: '{}' and '{}' are out of order or repeated",
                w[0].path, w[1].path
            )));
        }
    }
    Ok(out)
}

/// Every object the tree `root` names, each once: the root, its pages,
/// its packs, and for chunked files their manifests and chunks. This is
/// what a garbage collector must keep for a tree version (a version's
/// `content` with `tree` set; see [`crate::registry::Version::tree`]).
pub fn referenced_objects(store: &Store, root: &Hash) -> Result<Vec<Hash>> {
    let r = read_root(store, root.as_str())?;
    let mut out: BTreeSet<Hash> = BTreeSet::new();
    out.insert(root.clone());
    out.extend(r.pages.iter().map(|p| p.0.clone()));
    for e in load_entries(store, root.as_str())? {
        match e.loc {
            Loc::Pack { pack, .. } => {
                out.insert(pack);
            }
            Loc::Content(m) => {
                if out.insert(m.clone()) {
                    out.extend(store.manifest(m.as_str())?.chunks.into_iter().map(|c| c.0));
                }
            }
            Loc::Link(_) => {}
        }
    }
    Ok(out.into_iter().collect())
}

/// Reads every byte of the tree `root` back and checks it: pages, packs
/// (each file against its own hash), chunked files (chunks and the whole
/// file's hash), paths. Returns the number of paths.
pub(crate) fn verify(store: &Store, root: &str) -> Result<u64> {
    let entries = load_entries(store, root)?;
    check_tree_paths(&entries)?;
    let mut by_pack: HashMap<&Hash, Vec<&Entry>> = HashMap::new();
    for e in &entries {
        match &e.loc {
            Loc::Pack { pack, .. } => by_pack.entry(pack).or_default().push(e),
            Loc::Content(m) => {
                let mut w = write::HashingSink::default();
                store.get_content(m.as_str(), &mut w)?;
                w.check(e)?;
            }
            Loc::Link(t) => write::check_hash(e, t.as_bytes())?,
        }
    }
    pool().install(|| {
        by_pack.par_iter().try_for_each(|(pack, es)| {
            let bytes = store.get_blob(pack.as_str())?;
            for e in es {
                write::check_hash(e, write::slice_of(&bytes, e, pack)?)?;
            }
            Ok::<(), Error>(())
        })
    })?;
    Ok(entries.len() as u64)
}

/// Checks every path of a stored tree before anything is written: each a
/// safe relative path, links staying inside, and no path inside another
/// (a file `a` and a file `a/b`).
fn check_tree_paths(entries: &[Entry]) -> Result<()> {
    for e in entries {
        format::check_path(&e.path, "stored path")?;
        if let Loc::Link(t) = &e.loc {
            if !format::link_stays_inside(&e.path, t) {
                return Err(Error::InvalidInput(format!(
                    "stored link '{}' points at '{t}', outside the directory",
                    e.path
                )));
            }
        }
    }
    let paths: std::collections::HashSet<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    for e in entries {
        let mut p = e.path.as_str();
        while let Some((parent, _)) = p.rsplit_once('/') {
            if paths.contains(parent) {
                return Err(Error::Integrity(format!(
                    "stored tree holds '{parent}' both as a file and as the folder of '{}'",
                    e.path
                )));
            }
            p = parent;
        }
    }
    Ok(())
}

/// The differences between `old` and `new` entries (both in path order).
fn diff_entries<'a>(
    old: impl IntoIterator<Item = (&'a str, u64, blake3::Hash, Mode)>,
    new: impl IntoIterator<Item = (&'a str, u64, blake3::Hash, Mode)>,
) -> TreeDiff {
    let mut d = TreeDiff::default();
    let mut a = old.into_iter().peekable();
    let mut b = new.into_iter().peekable();
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.0.cmp(y.0),
        };
        match order {
            std::cmp::Ordering::Less => {
                let x = a.next().expect("peeked");
                d.removed.push(FileChange {
                    path: x.0.to_string(),
                    size_before: Some(x.1),
                    size_after: None,
                });
            }
            std::cmp::Ordering::Greater => {
                let y = b.next().expect("peeked");
                d.added.push(FileChange {
                    path: y.0.to_string(),
                    size_before: None,
                    size_after: Some(y.1),
                });
            }
            std::cmp::Ordering::Equal => {
                let (x, y) = (a.next().expect("peeked"), b.next().expect("peeked"));
                if x.2 == y.2 && x.3 == y.3 {
                    d.unchanged += 1;
                } else {
                    d.changed.push(FileChange {
                        path: x.0.to_string(),
                        size_before: Some(x.1),
                        size_after: Some(y.1),
                    });
                }
            }
        }
    }
    d
}

fn entry_key(e: &Entry) -> (&str, u64, blake3::Hash, Mode) {
    (e.path.as_str(), e.size, e.hash, e.mode)
}

impl Registry {
    /// The tree version `reference` of an asset: its root and entries. A
    /// version added from a single file is an [`Error::InvalidInput`].
    fn tree_version(
        &self,
        kind: Kind,
        name: &str,
        reference: &str,
    ) -> Result<(crate::registry::Version, Vec<Entry>)> {
        let v = self.version(kind, name, reference)?;
        if v.tree.is_none() {
            return Err(Error::InvalidInput(format!(
                "{} '{name}' version {} was added from a file, not a directory",
                kind.as_str(),
                v.version
            )));
        }
        let entries = load_entries(self.store(), &v.content)?;
        Ok((v, entries))
    }

    /// Adds the folder `dir` as the next version of an asset (what
    /// [`Registry::add_path`] does with a directory): every file below it,
    /// packed or chunked, and its tree. Files the stat cache knows and the
    /// asset's previous version holds are neither read nor stored again.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::create_dir(dir.path().join("cats")).unwrap();
    /// std::fs::write(dir.path().join("cats/1.jpg"), b"meow").unwrap();
    /// std::fs::write(dir.path().join("labels.csv"), b"cats/1.jpg,cat\n").unwrap();
    /// let r = Registry::open("memory://").unwrap();
    /// assert_eq!(r.add_dir(Kind::Dataset, "images", dir.path(), "first", serde_json::json!({})).unwrap(), 1);
    /// assert!(r.status(Kind::Dataset, "images", "latest", dir.path()).unwrap().is_empty());
    /// std::fs::write(dir.path().join("cats/2.jpg"), b"purr").unwrap();
    /// let s = r.status(Kind::Dataset, "images", "latest", dir.path()).unwrap();
    /// assert_eq!(s.added[0].path, "cats/2.jpg");
    /// ```
    pub fn add_dir(
        &self,
        kind: Kind,
        name: &str,
        dir: impl AsRef<Path>,
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        let dir = dir.as_ref();
        self.authorize_add_version(kind, name)?;
        if !metadata.is_object() {
            return Err(Error::InvalidInput("metadata must be a JSON object".into()));
        }
        let started = cache::now_ns();
        let found = walk::walk(dir)?;
        let mut stat_cache = StatCache::load(dir);
        // The previous version's files by hash: what need not be stored again.
        let parent: HashMap<blake3::Hash, Loc> = match self.version(kind, name, "latest") {
            Ok(v) if v.tree.is_some() => load_entries(self.store(), &v.content)?
                .into_iter()
                .filter(|e| e.mode != Mode::Link)
                .map(|e| (e.hash, e.loc))
                .collect(),
            Ok(_) | Err(Error::NotFound(_)) => HashMap::new(),
            Err(e) => return Err(e),
        };
        let built = write::store_files(self.store(), dir, &found, &stat_cache, &parent, pool())?;
        let entries: Vec<Entry> = built.iter().map(|b| b.entry.clone()).collect();
        let size = entries.iter().map(|e| e.size).sum::<u64>();
        let root = store_tree(self.store(), &entries)?;
        let version = self.commit_tree_version(
            kind,
            name,
            root.clone(),
            size,
            TreeInfo {
                files: entries.len() as u64,
            },
            message,
            metadata,
        )?;
        stat_cache.files = built
            .into_iter()
            .zip(&found)
            .map(|(b, f)| {
                let c = Cached {
                    stat: b.stat,
                    hash: b.entry.hash,
                    trusted: b.read_size_matched && cache::trusted(f.stat.mtime_ns, started),
                };
                (b.entry.path, c)
            })
            .collect();
        stat_cache.root = Some(root.to_string());
        stat_cache.save(dir);
        Ok(version)
    }

    /// What changed in the folder `dir` since version `reference` of an
    /// asset added from a folder: paths added, removed and changed (bytes
    /// or executable bit), with sizes. Only files whose stat changed since
    /// the stat cache last saw them are read and hashed (`hashed` says
    /// how many); the cache is then brought up to date.
    pub fn status(
        &self,
        kind: Kind,
        name: &str,
        reference: &str,
        dir: impl AsRef<Path>,
    ) -> Result<TreeDiff> {
        let dir = dir.as_ref();
        let v = self.version(kind, name, reference)?;
        if v.tree.is_none() {
            return Err(Error::InvalidInput(format!(
                "{} '{name}' version {} was added from a file, not a directory",
                kind.as_str(),
                v.version
            )));
        }
        let started = cache::now_ns();
        let found = walk::walk(dir)?;
        let mut stat_cache = StatCache::load(dir);
        // Per path: its hash, whether it was read to get it, and whether
        // the cache had that hash for it.
        let hashed: Vec<(blake3::Hash, bool, bool)> = pool().install(|| {
            found
                .par_iter()
                .map(|f| {
                    let cached = stat_cache.files.get(&f.path);
                    let hit = match &f.target {
                        Some(t) => Some(blake3::hash(t.as_bytes())),
                        None => StatCache::trusted_hit(cached, &f.stat),
                    };
                    let (h, read) = match hit {
                        Some(h) => (h, false),
                        None => (write::hash_file(&dir.join(&f.path))?, true),
                    };
                    Ok((h, read, cached.is_some_and(|c| c.hash == h)))
                })
                .collect::<Result<_>>()
        })?;
        let n_hashed = hashed.iter().filter(|h| h.1).count() as u64;
        let same_as_cached = found.len() == stat_cache.files.len() && hashed.iter().all(|h| h.2);
        let mut d = if same_as_cached && stat_cache.root.as_deref() == Some(v.content.as_str()) {
            // The folder is as the cache saw it, and then it was this version.
            TreeDiff {
                unchanged: found.len() as u64,
                ..Default::default()
            }
        } else {
            let entries = load_entries(self.store(), &v.content)?;
            diff_entries(
                entries.iter().map(entry_key),
                found
                    .iter()
                    .zip(&hashed)
                    .map(|(f, (h, _, _))| (f.path.as_str(), f.stat.size, *h, f.mode)),
            )
        };
        d.hashed = n_hashed;
        let root = if d.is_empty() {
            Some(v.content.to_string())
        } else if same_as_cached {
            stat_cache.root.clone()
        } else {
            None
        };
        if n_hashed > 0 || root != stat_cache.root || !same_as_cached {
            stat_cache.files = found
                .iter()
                .zip(&hashed)
                .map(|(f, (h, _, _))| {
                    let c = Cached {
                        stat: f.stat,
                        hash: *h,
                        trusted: cache::trusted(f.stat.mtime_ns, started),
                    };
                    (f.path.clone(), c)
                })
                .collect();
            stat_cache.root = root;
            stat_cache.save(dir);
        }
        Ok(d)
    }

    /// Restores version `reference` of an asset added from a folder into
    /// `dest` (created if missing): every file byte-identical (each checked
    /// against its hash: a packed file before it is written, a chunked one
    /// as it streams, removed if it does not match; a path that is free is
    /// written in place, one that holds a file is replaced by a rename, so
    /// it is never half old, half new), executable bits
    /// and links as stored, in parallel. Files already there with the
    /// right bytes (by the stat cache) are left alone, and files the
    /// version does not have are not removed. A stored path that would
    /// leave `dest` (`..`, absolute, a link pointing outside), or a folder
    /// of `dest` that is a link, is an [`Error::InvalidInput`] and nothing
    /// is written.
    pub fn checkout(
        &self,
        kind: Kind,
        name: &str,
        reference: &str,
        dest: impl AsRef<Path>,
    ) -> Result<Checkout> {
        let dest = dest.as_ref();
        let (v, entries) = self.tree_version(kind, name, reference)?;
        check_tree_paths(&entries)?;
        let fresh = match std::fs::read_dir(dest) {
            Ok(mut rd) => rd.next().is_none(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(Error::io(dest, e)),
        };
        std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
        let mut stat_cache = if fresh {
            StatCache::default()
        } else {
            StatCache::load(dest)
        };
        write::make_folders(dest, &entries)?;
        let done = write::write_entries(self.store(), dest, &entries, &stat_cache, fresh, pool())?;
        let now = cache::now_ns();
        let mut written = 0;
        let mut bytes = 0;
        for (e, w) in entries.iter().zip(done) {
            if let Some(stat) = w {
                written += 1;
                bytes += e.size;
                stat_cache.files.insert(
                    e.path.clone(),
                    Cached {
                        stat,
                        hash: e.hash,
                        trusted: cache::trusted(stat.mtime_ns, now),
                    },
                );
            }
        }
        stat_cache.root = fresh.then(|| v.content.to_string());
        stat_cache.save(dest);
        Ok(Checkout {
            files: entries.len() as u64,
            written,
            bytes,
        })
    }

    /// What changed between two versions of an asset added from folders,
    /// per path (added, removed, changed, with sizes), from their trees
    /// alone (no file is read).
    pub fn diff_files(&self, kind: Kind, name: &str, from: &str, to: &str) -> Result<TreeDiff> {
        let (_, a) = self.tree_version(kind, name, from)?;
        let (_, b) = self.tree_version(kind, name, to)?;
        Ok(diff_entries(
            a.iter().map(entry_key),
            b.iter().map(entry_key),
        ))
    }
}

/// Writes a tree's pages (those not stored yet) and its root; returns the
/// root's hash.
fn store_tree(store: &Store, entries: &[Entry]) -> Result<Hash> {
    let pages = format::pages(entries);
    let blobs: Vec<Vec<u8>> =
        pool().install(|| pages.par_iter().map(|p| format::encode_page(p)).collect());
    let counts: Vec<u64> = pages.iter().map(|p| p.len() as u64).collect();
    let hashes = store.put_blobs(blobs)?;
    let root = Root {
        format: ROOT_FORMAT.into(),
        files: entries.len() as u64,
        size: entries.iter().map(|e| e.size).sum(),
        pages: hashes.into_iter().zip(counts).collect(),
    };
    store.put_blob(&root.encode())
}
