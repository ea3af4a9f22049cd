//! The store: immutable objects on an object store, named so that a folder
//! on a laptop and a bucket shared by a team behave the same, with no server
//! and no lock service.
//!
//! ```text
//! <root>/mlops.json                              format marker
//! <root>/blobs/<2 hex>/<64 hex>                  content, named by its BLAKE3 hash
//! <root>/<log>/<20-digit seq>.json               append-only events of one log
//! <root>/<log>/_head                             advisory: a recent sequence number
//! ```
//!
//! Two primitives carry everything:
//! - [`Store::put_blob`] / [`Store::get_blob`]: content-addressed bytes; a
//!   read is verified against its name, so corruption is an
//!   [`Error::Integrity`], never wrong data.
//! - [`Store::put_content`] / [`Store::get_content`]: a file of any size,
//!   streamed through content-defined chunking (FastCDC, 64 KiB to 1 MiB
//!   chunks, 256 KiB on average) into chunk blobs plus a manifest blob that
//!   lists them; a change in the middle of a large file stores only the
//!   chunks around it, and chunks already present are not written again.
//! - [`Store::append`]: the next event of a log, written with a create-only
//!   put (`PutMode::Create`). Two writers racing for one sequence number:
//!   one wins; the other gets `AlreadyExists`, reads what won, re-checks its
//!   precondition on the new state and tries the next number. No event is
//!   lost, doubled or half-written, and readers never see a partial state.
//!   Each event names the BLAKE3 hash of the one before, so the log is a
//!   hash chain ([`Store::read_log`] checks it).
//!
//! URLs: a bare path or `file://` (a local folder, created if missing) and
//! `memory://` (a process-local store, for tests). Cloud URLs (`s3://`,
//! `gs://`, `az://`) are refused with [`Error::Unsupported`] until the cloud
//! features are built in.
//!
//! The object_store API is async; local and in-memory stores complete on the
//! calling thread, so this facade drives them with a minimal executor.

use std::sync::Arc;

use futures::executor::block_on;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::error::{Error, Result};

/// Smallest chunk of content-defined chunking.
pub const CHUNK_MIN: usize = 64 * 1024;
/// Average chunk size.
pub const CHUNK_AVG: usize = 256 * 1024;
/// Largest chunk.
pub const CHUNK_MAX: usize = 1024 * 1024;
/// Chunks hashed and written in parallel at a time.
const CHUNK_BATCH: usize = 32;

/// The chunks of one piece of content, in order, as stored in its manifest blob.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// `mlops.chunks`.
    pub format: String,
    /// Total size in bytes.
    pub size: u64,
    /// `(BLAKE3 hash, length)` of each chunk.
    pub chunks: Vec<(Hash, u64)>,
}

/// The store format this code writes and reads.
pub const STORE_FORMAT_VERSION: u32 = 1;

/// The default store of a process: a folder in the working directory.
pub const DEFAULT_STORE: &str = ".mlops";

/// A BLAKE3 hash, as 64 lower-case hex digits.
pub type Hash = String;

/// An opened store.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    url: String,
}

fn storage(context: impl Into<String>, e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { path, .. } => Error::NotFound(format!("object {path}")),
        object_store::Error::AlreadyExists { path, .. } => {
            Error::AlreadyExists(format!("object {path}"))
        }
        e => Error::Storage {
            context: context.into(),
            source: std::io::Error::other(e.to_string()),
        },
    }
}

/// The path of a blob.
fn blob_path(hash: &str) -> Path {
    Path::from(format!("blobs/{}/{}", &hash[..2], hash))
}

/// The path of event `seq` of `log`.
fn event_path(log: &str, seq: u64) -> Path {
    Path::from(format!("{log}/{seq:020}.json"))
}

/// One event of a log, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its sequence number, from 1.
    pub seq: u64,
    /// Its bytes (JSON).
    pub bytes: Vec<u8>,
}

impl Event {
    /// The BLAKE3 hash of its bytes, which the next event names.
    pub fn hash(&self) -> Hash {
        blake3::hash(&self.bytes).to_hex().to_string()
    }
}

/// What [`Store::append`] asks the caller to build on: the log's last event.
#[derive(Debug, Clone, Default)]
pub struct Tip {
    /// The last event, if the log has one.
    pub last: Option<Event>,
}

impl Tip {
    /// The sequence number the next event gets.
    pub fn next_seq(&self) -> u64 {
        self.last.as_ref().map_or(1, |e| e.seq + 1)
    }
    /// The hash the next event must name (empty for the first).
    pub fn prev_hash(&self) -> Hash {
        self.last.as_ref().map(Event::hash).unwrap_or_default()
    }
}

fn check_log_name(log: &str) -> Result<()> {
    let ok = !log.is_empty()
        && log.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "log name '{log}': use letters, digits, '-', '_' and '.' between '/'"
        )))
    }
}

impl Store {
    /// Opens the store at `url`: a bare path or `file://` URL (the folder
    /// is created if missing), or `memory://`. A new store gets its format
    /// marker; a store of a newer format is refused with [`Error::Integrity`].
    ///
    /// ```
    /// let store = mlops_core::store::Store::open("memory://").unwrap();
    /// let h = store.put_blob(b"hello").unwrap();
    /// assert_eq!(store.get_blob(&h).unwrap(), b"hello");
    /// ```
    pub fn open(url: &str) -> Result<Self> {
        let url = if url.is_empty() { DEFAULT_STORE } else { url };
        let inner: Arc<dyn ObjectStore> = if url == "memory://" || url.starts_with("memory://") {
            Arc::new(InMemory::new())
        } else if let Some(scheme) = ["s3://", "gs://", "az://", "abfs://", "http://", "https://"]
            .iter()
            .find(|s| url.starts_with(**s))
        {
            return Err(Error::Unsupported(format!(
                "store URL {url}: {scheme} stores need a build with the cloud features; \
                 this build reads local folders (a path or file://) and memory://"
            )));
        } else {
            let path = url.strip_prefix("file://").unwrap_or(url);
            std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
            Arc::new(LocalFileSystem::new_with_prefix(path).map_err(|e| storage(url, e))?)
        };
        let store = Store {
            inner,
            url: url.to_string(),
        };
        store.init()?;
        Ok(store)
    }

    /// The URL the store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn init(&self) -> Result<()> {
        let marker = Path::from("mlops.json");
        let body = format!(r#"{{"format":"mlops.store","version":{STORE_FORMAT_VERSION}}}"#);
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match block_on(
            self.inner
                .put_opts(&marker, PutPayload::from(body.into_bytes()), opts),
        ) {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(storage(format!("store {}", self.url), e)),
        }
        let bytes = self.get(&marker)?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Integrity(format!("store {}: mlops.json is not JSON: {e}", self.url))
        })?;
        match v.get("version").and_then(|v| v.as_u64()) {
            Some(n) if n <= STORE_FORMAT_VERSION as u64 => Ok(()),
            Some(n) => Err(Error::Integrity(format!(
                "store {} has format version {n}; this build reads up to {STORE_FORMAT_VERSION}",
                self.url
            ))),
            None => Err(Error::Integrity(format!(
                "store {}: mlops.json has no format version",
                self.url
            ))),
        }
    }

    fn get(&self, path: &Path) -> Result<Vec<u8>> {
        let r = block_on(self.inner.get(path)).map_err(|e| storage(format!("read {path}"), e))?;
        let b = block_on(r.bytes()).map_err(|e| storage(format!("read {path}"), e))?;
        Ok(b.to_vec())
    }

    /// Stores `bytes` under their BLAKE3 hash and returns it. Storing the
    /// same bytes again is a no-op.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<Hash> {
        let hash = blake3::hash(bytes).to_hex().to_string();
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match block_on(self.inner.put_opts(
            &blob_path(&hash),
            PutPayload::from(bytes.to_vec()),
            opts,
        )) {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(hash),
            Err(e) => Err(storage(format!("write blob {hash}"), e)),
        }
    }

    /// The bytes named `hash`, verified: bytes that do not hash to their
    /// name are an [`Error::Integrity`].
    pub fn get_blob(&self, hash: &str) -> Result<Vec<u8>> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidInput(format!(
                "blob hash '{hash}' is not 64 hex digits"
            )));
        }
        let bytes = self.get(&blob_path(hash)).map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(format!("blob {hash}")),
            e => e,
        })?;
        let got = blake3::hash(&bytes).to_hex().to_string();
        if got != hash {
            return Err(Error::Integrity(format!(
                "blob {hash} holds bytes that hash to {got}"
            )));
        }
        Ok(bytes)
    }

    /// Whether a blob exists (without reading it).
    fn has_blob(&self, hash: &str) -> bool {
        block_on(self.inner.head(&blob_path(hash))).is_ok()
    }

    /// Stores content of any size from `reader` without holding it in
    /// memory: content-defined chunks (hashed and written in parallel, those
    /// already present skipped) and a manifest listing them. Returns the
    /// manifest's hash, which names the content, and the size.
    pub fn put_content(&self, reader: impl std::io::Read) -> Result<(Hash, u64)> {
        use rayon::prelude::*;
        let mut chunks: Vec<(Hash, u64)> = Vec::new();
        let mut size = 0u64;
        let mut batch: Vec<Vec<u8>> = Vec::with_capacity(CHUNK_BATCH);
        let flush = |batch: &mut Vec<Vec<u8>>, chunks: &mut Vec<(Hash, u64)>| -> Result<()> {
            let done: Vec<Result<(Hash, u64)>> = batch
                .par_iter()
                .map(|data| {
                    let hash = blake3::hash(data).to_hex().to_string();
                    if !self.has_blob(&hash) {
                        self.put_blob_named(&hash, data)?;
                    }
                    Ok((hash, data.len() as u64))
                })
                .collect();
            for d in done {
                chunks.push(d?);
            }
            batch.clear();
            Ok(())
        };
        for chunk in fastcdc::v2020::StreamCDC::new(reader, CHUNK_MIN, CHUNK_AVG, CHUNK_MAX) {
            let chunk = chunk.map_err(|e| Error::Storage {
                context: "reading content to store".into(),
                source: std::io::Error::other(e.to_string()),
            })?;
            size += chunk.length as u64;
            batch.push(chunk.data);
            if batch.len() == CHUNK_BATCH {
                flush(&mut batch, &mut chunks)?;
            }
        }
        flush(&mut batch, &mut chunks)?;
        let manifest = Manifest {
            format: "mlops.chunks".into(),
            size,
            chunks,
        };
        let hash = self.put_blob(&serde_json::to_vec(&manifest).expect("manifests serialise"))?;
        Ok((hash, size))
    }

    /// The manifest named `hash` (verified).
    pub fn manifest(&self, hash: &str) -> Result<Manifest> {
        let bytes = self.get_blob(hash)?;
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Integrity(format!("blob {hash} is not a chunk manifest: {e}")))?;
        if m.format != "mlops.chunks" || m.chunks.iter().map(|c| c.1).sum::<u64>() != m.size {
            return Err(Error::Integrity(format!(
                "blob {hash}: chunk manifest does not add up"
            )));
        }
        Ok(m)
    }

    /// Writes the content named by a manifest to `out`, chunk by chunk,
    /// each verified against its hash; returns the bytes written.
    pub fn get_content(&self, hash: &str, mut out: impl std::io::Write) -> Result<u64> {
        let m = self.manifest(hash)?;
        for (h, len) in &m.chunks {
            let bytes = self.get_blob(h)?;
            if bytes.len() as u64 != *len {
                return Err(Error::Integrity(format!(
                    "chunk {h} has {} bytes, the manifest says {len}",
                    bytes.len()
                )));
            }
            out.write_all(&bytes)
                .map_err(|e| Error::io("content output", e))?;
        }
        Ok(m.size)
    }

    fn put_blob_named(&self, hash: &str, bytes: &[u8]) -> Result<()> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match block_on(self.inner.put_opts(
            &blob_path(hash),
            PutPayload::from(bytes.to_vec()),
            opts,
        )) {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(storage(format!("write blob {hash}"), e)),
        }
    }

    /// The sequence numbers present in `log`, ascending.
    fn seqs(&self, log: &str) -> Result<Vec<u64>> {
        let prefix = Path::from(log);
        let metas: Vec<_> = block_on(self.inner.list(Some(&prefix)).try_collect())
            .map_err(|e| storage(format!("list {log}"), e))?;
        let mut seqs: Vec<u64> = metas
            .iter()
            .filter_map(|m| {
                // Only `<log>/<20 digits>.json`, not deeper objects.
                let rest = m.location.as_ref().strip_prefix(log)?.strip_prefix('/')?;
                let n = rest.strip_suffix(".json")?;
                (n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| n.parse().ok())
                    .flatten()
            })
            .collect();
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// The names one level below `prefix` (like the folders in a folder).
    pub fn children(&self, prefix: &str) -> Result<Vec<String>> {
        check_log_name(prefix)?;
        let p = Path::from(prefix);
        let listing = block_on(self.inner.list_with_delimiter(Some(&p)))
            .map_err(|e| storage(format!("list {prefix}"), e))?;
        Ok(listing
            .common_prefixes
            .iter()
            .filter_map(|c| c.filename().map(str::to_string))
            .collect())
    }

    /// The log's last event.
    pub fn tip(&self, log: &str) -> Result<Tip> {
        check_log_name(log)?;
        // Start from the head hint (never ahead of the log: it is written
        // after the event it names) and step forward while events exist;
        // without a hint, list the log.
        let seq = match self.head_hint(log) {
            Some(mut n) => {
                while block_on(self.inner.head(&event_path(log, n + 1))).is_ok() {
                    n += 1;
                }
                n
            }
            None => match self.seqs(log)?.last() {
                Some(&n) => n,
                None => return Ok(Tip::default()),
            },
        };
        if seq == 0 {
            return Ok(Tip::default());
        }
        let bytes = self.get(&event_path(log, seq))?;
        Ok(Tip {
            last: Some(Event { seq, bytes }),
        })
    }

    /// The head hint of a log: the sequence number of an event known to
    /// exist (usually the last). Advisory: overwritten by every writer,
    /// possibly out of order, so readers step forward from it.
    fn head_hint(&self, log: &str) -> Option<u64> {
        let bytes = self.get(&Path::from(format!("{log}/_head"))).ok()?;
        std::str::from_utf8(&bytes).ok()?.trim().parse().ok()
    }

    fn set_head_hint(&self, log: &str, seq: u64) {
        // Best effort: a lost or stale hint only costs a few more probes.
        let _ = block_on(self.inner.put(
            &Path::from(format!("{log}/_head")),
            PutPayload::from(seq.to_string().into_bytes()),
        ));
    }

    /// Appends the next event of `log`. `build` gets the log's tip and
    /// returns the event's bytes, or an error when its precondition no longer
    /// holds; if another writer takes the sequence number first, `build` is
    /// called again on the new tip. Returns the event written.
    pub fn append(
        &self,
        log: &str,
        mut build: impl FnMut(&Tip) -> Result<Vec<u8>>,
    ) -> Result<Event> {
        check_log_name(log)?;
        let mut tip = self.tip(log)?;
        loop {
            let bytes = build(&tip)?;
            let seq = tip.next_seq();
            let opts = PutOptions {
                mode: PutMode::Create,
                ..Default::default()
            };
            match block_on(self.inner.put_opts(
                &event_path(log, seq),
                PutPayload::from(bytes.clone()),
                opts,
            )) {
                Ok(_) => {
                    self.set_head_hint(log, seq);
                    return Ok(Event { seq, bytes });
                }
                Err(object_store::Error::AlreadyExists { .. }) => {
                    // Someone else wrote `seq`: build on what they wrote.
                    tip = self.tip(log)?;
                    if tip.next_seq() <= seq {
                        // Listed before their write became visible: read it directly.
                        let bytes = self.get(&event_path(log, seq))?;
                        tip = Tip {
                            last: Some(Event { seq, bytes }),
                        };
                    }
                }
                Err(e) => return Err(storage(format!("append to {log}"), e)),
            }
        }
    }

    /// Event `seq` of `log`, or `None` if it does not exist (yet).
    pub fn event(&self, log: &str, seq: u64) -> Result<Option<Event>> {
        check_log_name(log)?;
        match self.get(&event_path(log, seq)) {
            Ok(bytes) => Ok(Some(Event { seq, bytes })),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// An index object beside the logs (see `docs/store-protocol.md`,
    /// "Indexes"), or `None` if it does not exist. Indexes are caches that
    /// writers keep and readers check against the log they speed up.
    pub fn read_index(&self, path: &str) -> Result<Option<Vec<u8>>> {
        check_log_name(path)?;
        match self.get(&Path::from(path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes an index object: replacing what is there, or with
    /// `create_only` only if nothing is (then returns `false` when something
    /// was). The put is atomic: readers see the old or the new object whole.
    pub fn write_index(&self, path: &str, bytes: Vec<u8>, create_only: bool) -> Result<bool> {
        check_log_name(path)?;
        let opts = PutOptions {
            mode: if create_only {
                PutMode::Create
            } else {
                PutMode::Overwrite
            },
            ..Default::default()
        };
        match block_on(
            self.inner
                .put_opts(&Path::from(path), PutPayload::from(bytes), opts),
        ) {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(storage(format!("write {path}"), e)),
        }
    }

    /// Every event of `log`, in order. Checks that the sequence has no gap
    /// and that each event's `prev` names the hash of the one before
    /// ([`Error::Integrity`] otherwise).
    pub fn read_log(&self, log: &str) -> Result<Vec<Event>> {
        check_log_name(log)?;
        let seqs = self.seqs(log)?;
        let mut out = Vec::with_capacity(seqs.len());
        let mut prev = String::new();
        for (i, seq) in seqs.into_iter().enumerate() {
            if seq != i as u64 + 1 {
                return Err(Error::Integrity(format!(
                    "log {log}: event {} is missing",
                    i + 1
                )));
            }
            let bytes = self.get(&event_path(log, seq))?;
            let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Integrity(format!("log {log}: event {seq} is not JSON: {e}"))
            })?;
            if v.get("prev").and_then(|p| p.as_str()).unwrap_or("") != prev {
                return Err(Error::Integrity(format!(
                    "log {log}: event {seq} does not follow event {} (hash chain broken)",
                    seq - 1
                )));
            }
            let e = Event { seq, bytes };
            prev = e.hash();
            out.push(e);
        }
        Ok(out)
    }
}
