//! Moving a tree's bytes: files read, hashed and packed into the store
//! (`add`), and read back, checked and written into a folder (`checkout`).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::cache::StatCache;
use super::format::{Entry, Loc, Mode};
use super::walk::{Found, Stat};
use super::{PACK_FILE_MAX, PACK_TARGET};
use crate::error::{Error, Result};
use crate::store::{Hash, Store};

/// A file as added: its entry, and its stat for the cache.
pub struct Built {
    /// Its entry in the tree.
    pub entry: Entry,
    /// What the walk's `stat` said.
    pub stat: Stat,
    /// Whether the bytes read were as many as the stat said (else the file
    /// changed while it was read, and its cache entry is not trusted).
    pub read_size_matched: bool,
}

/// The BLAKE3 hash of a file's bytes, read whole (up to [`PACK_FILE_MAX`])
/// or streamed.
pub fn hash_file(path: &Path) -> Result<blake3::Hash> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize())
}

/// A writer that only hashes and counts what it is given.
#[derive(Default)]
pub struct HashingSink {
    hasher: blake3::Hasher,
    len: u64,
}

impl Write for HashingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl HashingSink {
    /// Checks what was written against `e`.
    pub fn check(&self, e: &Entry) -> Result<()> {
        let got = self.hasher.finalize();
        if got != e.hash || self.len != e.size {
            return Err(Error::Integrity(format!(
                "file '{}': its content reads back as {} bytes hashing to {}, the tree says {} \
                 bytes hashing to {}",
                e.path,
                self.len,
                got.to_hex(),
                e.size,
                e.hash.to_hex()
            )));
        }
        Ok(())
    }
}

/// Checks `bytes` against the entry's hash and size.
pub fn check_hash(e: &Entry, bytes: &[u8]) -> Result<()> {
    let got = blake3::hash(bytes);
    if got != e.hash || bytes.len() as u64 != e.size {
        return Err(Error::Integrity(format!(
            "file '{}': its bytes hash to {}, the tree says {}",
            e.path,
            got.to_hex(),
            e.hash.to_hex()
        )));
    }
    Ok(())
}

/// The entry's bytes within a pack's bytes.
pub fn slice_of<'a>(pack_bytes: &'a [u8], e: &Entry, pack: &Hash) -> Result<&'a [u8]> {
    let Loc::Pack { offset, .. } = &e.loc else {
        unreachable!("only packed entries are sliced")
    };
    let start = *offset as usize;
    pack_bytes
        .get(start..start.saturating_add(e.size as usize))
        .ok_or_else(|| {
            Error::Integrity(format!(
                "file '{}': pack {pack} has no bytes {start}..{}",
                e.path,
                start as u64 + e.size
            ))
        })
}

/// A reader that hashes what passes through it.
struct HashingReader<R> {
    inner: R,
    hasher: blake3::Hasher,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// What becomes of a found file before its bytes are read.
enum Plan {
    /// Known: its hash and where its bytes already are.
    Done(Entry),
    /// To be packed (index into the packing list).
    Pack,
    /// To be stored as chunked content.
    Large,
}

/// Stores the files of `found` (below `dir`) that the previous version
/// (`parent`, by hash) does not hold: small ones packed (packs built and
/// stored in parallel on `pool`), large ones as chunked content. Returns
/// one [`Built`] per found path, in order.
pub fn store_files(
    store: &Store,
    dir: &Path,
    found: &[Found],
    stat_cache: &StatCache,
    parent: &HashMap<blake3::Hash, Loc>,
    pool: &rayon::ThreadPool,
) -> Result<Vec<Built>> {
    let plans: Vec<Plan> = found
        .iter()
        .map(|f| {
            let entry = |hash: blake3::Hash, loc: Loc| {
                Plan::Done(Entry {
                    path: f.path.clone(),
                    size: f.stat.size,
                    hash,
                    mode: f.mode,
                    loc,
                })
            };
            if let Some(t) = &f.target {
                return entry(blake3::hash(t.as_bytes()), Loc::Link(t.clone()));
            }
            if let Some(h) = stat_cache.hit(&f.path, &f.stat) {
                if let Some(loc) = parent.get(&h) {
                    return entry(h, loc.clone());
                }
            }
            if f.stat.size > PACK_FILE_MAX {
                Plan::Large
            } else {
                Plan::Pack
            }
        })
        .collect();
    // Small files in path order, cut into packs by their stat sizes.
    let small: Vec<usize> = (0..found.len())
        .filter(|&i| matches!(plans[i], Plan::Pack))
        .collect();
    let mut jobs: Vec<&[usize]> = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (k, &i) in small.iter().enumerate() {
        let size = found[i].stat.size;
        if k > start && bytes + size > PACK_TARGET {
            jobs.push(&small[start..k]);
            (start, bytes) = (k, 0);
        }
        bytes += size;
    }
    if start < small.len() {
        jobs.push(&small[start..]);
    }
    let packed: Vec<Vec<(usize, Entry, bool)>> = pool.install(|| {
        jobs.par_iter()
            .map(|job| build_pack(store, dir, found, job, parent))
            .collect::<Result<_>>()
    })?;
    let mut out: Vec<Option<Built>> = found.iter().map(|_| None).collect();
    for (i, e, matched) in packed.into_iter().flatten() {
        out[i] = Some(Built {
            entry: e,
            stat: found[i].stat,
            read_size_matched: matched,
        });
    }
    for (i, (f, plan)) in found.iter().zip(plans).enumerate() {
        match plan {
            Plan::Done(e) => {
                out[i] = Some(Built {
                    entry: e,
                    stat: f.stat,
                    read_size_matched: true,
                })
            }
            Plan::Large => {
                let path = dir.join(&f.path);
                let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
                let mut reader = HashingReader {
                    inner: std::io::BufReader::with_capacity(1 << 20, file),
                    hasher: blake3::Hasher::new(),
                };
                let (content, size) = store.put_content(&mut reader)?;
                let hash = reader.hasher.finalize();
                let loc = parent.get(&hash).cloned().unwrap_or(Loc::Content(content));
                out[i] = Some(Built {
                    entry: Entry {
                        path: f.path.clone(),
                        size,
                        hash,
                        mode: f.mode,
                        loc,
                    },
                    stat: f.stat,
                    read_size_matched: size == f.stat.size,
                });
            }
            Plan::Pack => {}
        }
    }
    Ok(out
        .into_iter()
        .map(|b| b.expect("every path is planned"))
        .collect())
}

/// Reads the files `job` (indexes into `found`) into one pack, each hashed;
/// files the previous version or this pack already holds are dropped from
/// it again. Stores the pack; returns each file's entry.
fn build_pack(
    store: &Store,
    dir: &Path,
    found: &[Found],
    job: &[usize],
    parent: &HashMap<blake3::Hash, Loc>,
) -> Result<Vec<(usize, Entry, bool)>> {
    let want: u64 = job.iter().map(|&i| found[i].stat.size).sum();
    let mut buf: Vec<u8> = Vec::with_capacity(want as usize);
    let mut here: HashMap<blake3::Hash, u64> = HashMap::new();
    // (index, hash, size, offset in this pack or a known place)
    let mut placed: Vec<(usize, blake3::Hash, u64, std::result::Result<u64, Loc>)> =
        Vec::with_capacity(job.len());
    for &i in job {
        let f = &found[i];
        let path = dir.join(&f.path);
        let start = buf.len();
        let mut file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        file.read_to_end(&mut buf)
            .map_err(|e| Error::io(&path, e))?;
        let size = (buf.len() - start) as u64;
        let hash = blake3::hash(&buf[start..]);
        let at = if let Some(loc) = parent.get(&hash) {
            buf.truncate(start);
            Err(loc.clone())
        } else if let Some(&offset) = here.get(&hash) {
            buf.truncate(start);
            Ok(offset)
        } else {
            here.insert(hash, start as u64);
            Ok(start as u64)
        };
        placed.push((i, hash, size, at));
    }
    let pack = if buf.is_empty() {
        None
    } else {
        let h = Hash::from(blake3::hash(&buf));
        store.put_blob_hashed(&h, &buf)?;
        Some(h)
    };
    Ok(placed
        .into_iter()
        .map(|(i, hash, size, at)| {
            let f = &found[i];
            let loc = match at {
                Ok(offset) => Loc::Pack {
                    pack: pack.clone().expect("a file was packed"),
                    offset,
                },
                Err(loc) => loc,
            };
            let e = Entry {
                path: f.path.clone(),
                size,
                hash,
                mode: f.mode,
                loc,
            };
            (i, e, size == f.stat.size)
        })
        .collect())
}

/// Creates the folders of `entries` below `dest`, refusing to go through a
/// link (a folder of `dest` that is a link could lead outside it).
pub fn make_folders(dest: &Path, entries: &[Entry]) -> Result<()> {
    let mut dirs: Vec<&str> = Vec::new();
    for e in entries {
        let mut p = e.path.as_str();
        while let Some((parent, _)) = p.rsplit_once('/') {
            dirs.push(parent);
            p = parent;
        }
    }
    dirs.sort_unstable();
    dirs.dedup();
    for d in dirs {
        let p = dest.join(d);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::InvalidInput(format!(
                    "'{d}' in {} is a link; checkout does not write through links",
                    dest.display()
                )))
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::InvalidInput(format!(
                    "'{d}' in {} is a file, and the version has it as a folder",
                    dest.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&p).map_err(|e| Error::io(&p, e))?
            }
            Err(e) => return Err(Error::io(&p, e)),
        }
    }
    Ok(())
}

static TEMP: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` at `dest/path`; returns the new file's stat.
///
/// A path where nothing is yet (the common case: a checkout into a new
/// folder) is written in place, opened with `create_new` so that nothing
/// can be overwritten: that saves the temporary file's rename and a stat
/// per file, most of a small file's cost. A path that holds something is
/// replaced through a temporary file beside it, renamed into place, so a
/// reader sees the old bytes or the new, never a mix. Either way the bytes
/// were checked against the entry's hash before this is called, and a
/// failed write removes what it began.
fn put_file(dest: &Path, e: &Entry, bytes: &[u8]) -> Result<Stat> {
    let target = dest.join(&e.path);
    match write_new(&target, e.mode, bytes) {
        Ok(stat) => return Ok(stat),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(err) => return Err(Error::io(&target, err)),
    }
    let tmp = temp_beside(&target);
    let written = write_new(&tmp, e.mode, bytes).map(|_| ());
    finish_temp(&tmp, &target, written)
}

/// Opens the new file `path` for writing, with the mode's permission
/// bits; `AlreadyExists` if anything is there.
fn open_new(path: &Path, mode: Mode) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(if mode == Mode::Exec { 0o777 } else { 0o666 });
    }
    #[cfg(not(unix))]
    let _ = mode;
    o.open(path)
}

/// Creates the new file `path` (`AlreadyExists` if anything is there),
/// writes `bytes` and returns its stat, read from the open file; on a
/// failed write the partial file is removed.
fn write_new(path: &Path, mode: Mode, bytes: &[u8]) -> std::io::Result<Stat> {
    let mut f = open_new(path, mode)?;
    match f.write_all(bytes).and_then(|()| f.metadata()) {
        Ok(m) => Ok(Stat::of(&m)),
        Err(err) => {
            drop(f);
            let _ = std::fs::remove_file(path);
            Err(err)
        }
    }
}

fn temp_beside(target: &Path) -> std::path::PathBuf {
    target.with_file_name(format!(
        ".{}.mlops-{}-{}",
        target.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        TEMP.fetch_add(1, Ordering::Relaxed)
    ))
}

fn finish_temp(tmp: &Path, target: &Path, written: std::io::Result<()>) -> Result<Stat> {
    let renamed = written.and_then(|()| {
        if std::fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
            return Err(std::io::Error::other("a folder is in the way"));
        }
        std::fs::rename(tmp, target)
    });
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(tmp);
        return Err(Error::io(target, e));
    }
    let m = std::fs::symlink_metadata(target).map_err(|e| Error::io(target, e))?;
    Ok(Stat::of(&m))
}

/// Whether `dest/path` already holds the entry (by the stat cache).
fn already_there(dest: &Path, e: &Entry, stat_cache: &StatCache) -> bool {
    let Ok(m) = std::fs::symlink_metadata(dest.join(&e.path)) else {
        return false;
    };
    match &e.loc {
        Loc::Link(t) => {
            m.file_type().is_symlink()
                && std::fs::read_link(dest.join(&e.path))
                    .is_ok_and(|l| l.to_str() == Some(t.as_str()))
        }
        _ => {
            m.is_file()
                && stat_cache.hit(&e.path, &Stat::of(&m)) == Some(e.hash)
                && exec_bit(&m) == (e.mode == Mode::Exec)
        }
    }
}

fn exec_bit(m: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        false
    }
}

/// Writes the entries into `dest` (folders made), each checked against
/// its hash first; those already there are skipped unless `fresh` says
/// nothing is. Returns, per entry, the stat of what was written (`None`:
/// skipped).
pub fn write_entries(
    store: &Store,
    dest: &Path,
    entries: &[Entry],
    stat_cache: &StatCache,
    fresh: bool,
    pool: &rayon::ThreadPool,
) -> Result<Vec<Option<Stat>>> {
    let todo: Vec<usize> = pool.install(|| {
        (0..entries.len())
            .into_par_iter()
            .filter(|&i| fresh || !already_there(dest, &entries[i], stat_cache))
            .collect()
    });
    let mut by_pack: HashMap<&Hash, Vec<usize>> = HashMap::new();
    let mut others: Vec<usize> = Vec::new();
    for &i in &todo {
        match &entries[i].loc {
            Loc::Pack { pack, .. } => by_pack.entry(pack).or_default().push(i),
            _ => others.push(i),
        }
    }
    let groups: Vec<(&Hash, Vec<usize>)> = by_pack.into_iter().collect();
    let from_packs: Vec<Vec<(usize, Stat)>> = pool.install(|| {
        groups
            .par_iter()
            .map_init(Vec::new, |buf, (pack, idx)| {
                write_from_pack(store, dest, entries, pack, idx, buf)
            })
            .collect::<Result<_>>()
    })?;
    let mut out: Vec<Option<Stat>> = vec![None; entries.len()];
    for (i, s) in from_packs.into_iter().flatten() {
        out[i] = Some(s);
    }
    for i in others {
        let e = &entries[i];
        let target = dest.join(&e.path);
        match &e.loc {
            Loc::Link(t) => {
                if std::fs::symlink_metadata(&target).is_ok_and(|m| !m.is_dir()) {
                    std::fs::remove_file(&target).map_err(|err| Error::io(&target, err))?;
                }
                make_link(t, &target)?;
                let m =
                    std::fs::symlink_metadata(&target).map_err(|err| Error::io(&target, err))?;
                out[i] = Some(Stat::of(&m));
            }
            Loc::Content(m) => {
                // As `put_file`: in place when nothing is there, else
                // through a temporary file renamed over the old one.
                let (file, path, in_place) = match open_new(&target, e.mode) {
                    Ok(f) => (f, target.clone(), true),
                    Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                        let tmp = temp_beside(&target);
                        let f = open_new(&tmp, e.mode).map_err(|err| Error::io(&tmp, err))?;
                        (f, tmp, false)
                    }
                    Err(err) => return Err(Error::io(&target, err)),
                };
                let mut sink = HashingSink::default();
                let written = (|| -> Result<std::fs::Metadata> {
                    let mut w = Tee {
                        file: std::io::BufWriter::with_capacity(1 << 20, file),
                        sink: &mut sink,
                    };
                    store.get_content(m.as_str(), &mut w)?;
                    let file = w
                        .file
                        .into_inner()
                        .map_err(|err| Error::io(&path, err.into_error()))?;
                    file.metadata().map_err(|err| Error::io(&path, err))
                })();
                let checked = written.and_then(|meta| sink.check(e).map(|()| meta));
                match checked {
                    Err(err) => {
                        let _ = std::fs::remove_file(&path);
                        return Err(err);
                    }
                    Ok(meta) if in_place => out[i] = Some(Stat::of(&meta)),
                    Ok(_) => out[i] = Some(finish_temp(&path, &target, Ok(()))?),
                }
            }
            Loc::Pack { .. } => unreachable!("packed entries are written above"),
        }
    }
    Ok(out)
}

/// Bytes read from a pack at once: a few files, small enough to stay in
/// the core's cache between the read, the hash check and the write.
const WINDOW: u64 = 1 << 20;

/// Writes the entries `idx` (all in `pack`) into `dest`, each checked
/// against its hash first; returns their stats. The pack is read in
/// windows of neighbouring files (see [`Store::open_blob_range`]) into
/// `buf`, the thread's buffer, used again window after window.
///
/// One pack's files are written in turn, on this thread: a pack holds
/// neighbouring paths, mostly of one folder, and creating files in one
/// folder from many threads only queues them on the folder's lock; the
/// packs in parallel spread the threads over folders.
fn write_from_pack(
    store: &Store,
    dest: &Path,
    entries: &[Entry],
    pack: &Hash,
    idx: &[usize],
    buf: &mut Vec<u8>,
) -> Result<Vec<(usize, Stat)>> {
    let offset = |i: usize| match &entries[i].loc {
        Loc::Pack { offset, .. } => *offset,
        _ => unreachable!("grouped by pack"),
    };
    let end_of = |i: usize| offset(i).saturating_add(entries[i].size);
    let mut idx = idx.to_vec();
    idx.sort_unstable_by_key(|&i| offset(i));
    let lo = idx.first().map_or(0, |&i| offset(i));
    let hi = idx.iter().map(|&i| end_of(i)).max().unwrap_or(0);
    let range = store.open_blob_range(pack, lo, hi)?;
    let mut out = Vec::with_capacity(idx.len());
    let mut k = 0;
    while k < idx.len() {
        // The window: this file and the ones after it while they fit.
        let start = offset(idx[k]);
        let mut end = end_of(idx[k]);
        let mut next = k + 1;
        while next < idx.len() && end_of(idx[next]).max(end) - start <= WINDOW {
            end = end.max(end_of(idx[next]));
            next += 1;
        }
        let bytes = range.read(start, end, buf)?;
        for &i in &idx[k..next] {
            let e = &entries[i];
            let from = (offset(i) - start) as usize;
            let piece = &bytes[from..from + e.size as usize];
            check_hash(e, piece)?;
            out.push((i, put_file(dest, e, piece)?));
        }
        k = next;
    }
    Ok(out)
}

/// Writes to a file and hashes on the way.
struct Tee<'a, W: Write> {
    file: W,
    sink: &'a mut HashingSink,
}

impl<W: Write> Write for Tee<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write_all(buf)?;
        self.sink.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(unix)]
fn make_link(target: &str, at: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, at).map_err(|e| Error::io(at, e))
}

#[cfg(not(unix))]
fn make_link(target: &str, at: &Path) -> Result<()> {
    Err(Error::Unsupported(format!(
        "{}: links to '{target}' are checked out on Unix only",
        at.display()
    )))
}
