//! The store: immutable objects on an object store, named so that a folder
//! on a laptop and a bucket shared by a team behave the same, with no server
//! and no lock service.
//!
//! ```text
//! <root>/mlops.json                              format marker
//! <root>/blobs/<2 hex>/<64 hex>                  content, named by its BLAKE3 hash
//! <root>/<log>/<20-digit seq>.json               append-only events of one log
//! <root>/<log>/_head                             the cover: the newest event's number and hash
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
//! URLs ([`Store::open`]): a bare path or `file://` (a local folder),
//! `memory://` (a process-local store, for tests), and with the `cloud`
//! feature `s3://bucket/prefix`, `gs://bucket/prefix` and
//! `az://container/prefix`, configured from the usual environment variables
//! (`AWS_*`, `GOOGLE_*`, `AZURE_*`, as object_store's `from_env` builders
//! read them). Everything below the bucket or container is the store's root.
//!
//! Content moves in chunks: a file of any size is read, chunked, hashed and
//! uploaded a batch of chunks at a time (cloud stores upload a batch over
//! up to [`TRANSFER_CONCURRENCY`] requests at once), and read back the same
//! way, so no call holds a whole large file in memory, and every chunk read
//! is checked against its hash before it is used.
//!
//! The object_store API is async; how this synchronous facade drives it is
//! in `store/backend.rs`.

mod backend;
mod chunking;
mod cover;
mod local;

use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore, PutMode, PutOptions, PutPayload};

use crate::error::{Error, Result};
use backend::Backend;
pub(crate) use cover::Covered;

/// Smallest chunk of content-defined chunking.
pub const CHUNK_MIN: usize = 64 * 1024;
/// Average chunk size.
pub const CHUNK_AVG: usize = 256 * 1024;
/// Largest chunk.
pub const CHUNK_MAX: usize = 1024 * 1024;
/// Bytes of content read at a time by [`Store::put_content`] (two such
/// buffers are in memory: one being stored while the next is read).
pub const READ_BATCH: usize = 16 * 1024 * 1024;
/// Requests in flight at once when a cloud store uploads or downloads a
/// batch of chunks or events (at most this many chunks in memory on reads).
pub const TRANSFER_CONCURRENCY: usize = 16;
/// How many times a create-only put is retried when the store answers
/// "already exists" but the object is not there (S3 answers 409 to a
/// conditional put that races another in flight, whichever then wins).
const PHANTOM_CONFLICT_RETRIES: u32 = 20;
/// How many times an event's create-only put is made when the store's
/// answer leaves its outcome unknown (each after object_store's own
/// retries; see [`Store::put_event`]).
const EVENT_PUT_ATTEMPTS: u32 = 5;

/// Whose event a create-only put left at a sequence number.
enum Placed {
    /// This writer's (its bytes are there).
    Ours,
    /// Another writer's: these bytes.
    Theirs(Vec<u8>),
    /// None: the store said "already exists" but has no such object.
    Nothing,
}

/// How many times a log's cover is read before a disagreement with the
/// events is reported (see `store/cover.rs`), and how many times a writer
/// re-covers a log that grew under it.
const COVER_READS: u32 = 3;

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

/// A log read as a hash chain: its events up to the first broken link, and
/// that link (the number of the first event that is missing or does not
/// follow the one before, with the [`Error::Integrity`] saying how).
pub type ChainRead = (Vec<Event>, Option<(u64, Error)>);

/// An opened store.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    url: String,
}

fn storage(context: impl Into<String>, e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { path, .. } => Error::NotFound(format!("object {path}")),
        object_store::Error::AlreadyExists { path, .. } => {
            Error::AlreadyExists(format!("object {path}"))
        }
        object_store::Error::PermissionDenied { path, source }
        | object_store::Error::Unauthenticated { path, source } => {
            Error::PermissionDenied(format!("{}: object {path}: {source}", context.into()))
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

/// The path of a log's head hint.
fn head_path(log: &str) -> Path {
    Path::from(format!("{log}/_head"))
}

fn create_only() -> PutOptions {
    PutOptions {
        mode: PutMode::Create,
        ..Default::default()
    }
}

/// The bytes of an object.
async fn get_bytes(store: Arc<dyn ObjectStore>, path: Path) -> Result<Bytes> {
    let r = store
        .get_opts(&path, GetOptions::default())
        .await
        .map_err(|e| storage(format!("read {path}"), e))?;
    r.bytes()
        .await
        .map_err(|e| storage(format!("read {path}"), e))
}

/// Whether an object exists (a failed probe counts as absent: the caller
/// then writes, and the write reports any real failure).
async fn exists(store: Arc<dyn ObjectStore>, path: Path) -> bool {
    store
        .get_opts(&path, GetOptions::new().with_head(true))
        .await
        .is_ok()
}

/// A create-only put: `Ok(true)` when this call created the object,
/// `Ok(false)` when the store says it already exists.
async fn put_create(store: Arc<dyn ObjectStore>, path: Path, bytes: Bytes) -> Result<bool> {
    match store
        .put_opts(&path, PutPayload::from(bytes), create_only())
        .await
    {
        Ok(_) => Ok(true),
        Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
        Err(e) => Err(storage(format!("write {path}"), e)),
    }
}

/// Stores a blob unless it is there. "Already exists" is success only once
/// the blob can be seen, so a conflict reported while another writer's put
/// was in flight (and then failed) does not leave the blob missing. A
/// storage error of a cloud store (a timeout or a reset after object_store's
/// own retries) leaves the put's outcome unknown: the blob is looked for
/// and, if absent, put again (same name, same bytes, so any attempt that
/// lands will do).
async fn put_blob_if_absent(
    store: Arc<dyn ObjectStore>,
    remote: bool,
    hash: Hash,
    bytes: Bytes,
    probe_first: bool,
) -> Result<()> {
    let path = blob_path(&hash);
    if probe_first && exists(store.clone(), path.clone()).await {
        return Ok(());
    }
    let mut failures = 0;
    for attempt in 1..=PHANTOM_CONFLICT_RETRIES {
        match put_create(store.clone(), path.clone(), bytes.clone()).await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e @ Error::Storage { .. }) if remote => {
                failures += 1;
                if failures >= EVENT_PUT_ATTEMPTS && !exists(store.clone(), path.clone()).await {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        if exists(store.clone(), path.clone()).await {
            return Ok(());
        }
        backend::backoff(remote, attempt).await;
    }
    Err(Error::Conflict(format!(
        "blob {hash}: the store keeps answering 'already exists' but has no such object"
    )))
}

/// Reads a chunk and checks its hash and length.
async fn get_chunk(store: Arc<dyn ObjectStore>, hash: Hash, len: u64) -> Result<Bytes> {
    let bytes = get_blob_bytes(store, &hash).await?;
    if bytes.len() as u64 != len {
        return Err(Error::Integrity(format!(
            "chunk {hash} has {} bytes, the manifest says {len}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// Reads a blob and checks that its bytes hash to its name.
async fn get_blob_bytes(store: Arc<dyn ObjectStore>, hash: &str) -> Result<Bytes> {
    let bytes = get_bytes(store, blob_path(hash))
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(format!("blob {hash}")),
            e => e,
        })?;
    let got = blake3::hash(&bytes).to_hex();
    if got.as_str() != hash {
        return Err(Error::Integrity(format!(
            "blob {hash} holds bytes that hash to {got}"
        )));
    }
    Ok(bytes)
}

/// A buffer [`Store::put_content`] reads content into; it grows as content
/// arrives (a small file costs a small buffer) and keeps its capacity when
/// refilled.
struct ReadBuffer {
    data: Vec<u8>,
}

impl ReadBuffer {
    fn new() -> Self {
        ReadBuffer { data: Vec::new() }
    }

    /// The bytes read so far.
    fn filled(&self) -> &[u8] {
        &self.data
    }

    /// Empties the buffer but for `carried` (at most [`CHUNK_MAX`] bytes).
    fn start_with(&mut self, carried: &[u8]) {
        self.data.clear();
        self.data.extend_from_slice(carried);
    }

    /// Reads from `reader` until the buffer holds [`READ_BATCH`] bytes or
    /// the reader ends; returns whether it ended (it may also have ended
    /// exactly at [`READ_BATCH`]: the next fill then reads nothing).
    fn fill(&mut self, reader: &mut impl std::io::Read) -> Result<bool> {
        use std::io::Read;
        let want = READ_BATCH.saturating_sub(self.data.len());
        let got = reader
            .take(want as u64)
            .read_to_end(&mut self.data)
            .map_err(|e| Error::Storage {
                context: "reading content to store".into(),
                source: e,
            })?;
        Ok(got < want)
    }
}

fn check_hash(hash: &str) -> Result<()> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::InvalidInput(format!(
            "blob hash '{hash}' is not 64 hex digits"
        )));
    }
    Ok(())
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
    /// is created if missing), `memory://`, or (with the `cloud` feature)
    /// `s3://bucket/prefix`, `gs://bucket/prefix` or `az://container/prefix`,
    /// with credentials, region and endpoint from the environment
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`; `GOOGLE_SERVICE_ACCOUNT`, ...;
    /// `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`, ...). The
    /// bucket must exist. A new store gets its format marker; a store of a
    /// newer format is refused with [`Error::Integrity`], and a URL of an
    /// unknown scheme with [`Error::Unsupported`], before anything is written.
    ///
    /// ```
    /// let store = mlops_core::store::Store::open("memory://").unwrap();
    /// let h = store.put_blob(b"hello").unwrap();
    /// assert_eq!(store.get_blob(&h).unwrap(), b"hello");
    /// assert!(matches!(
    ///     mlops_core::store::Store::open("ftp://host/x"),
    ///     Err(mlops_core::Error::Unsupported(_))
    /// ));
    /// ```
    pub fn open(url: &str) -> Result<Self> {
        let url = if url.is_empty() { DEFAULT_STORE } else { url };
        let store = Store {
            backend: backend::open(url)?,
            url: url.to_string(),
        };
        store.init()?;
        Ok(store)
    }

    /// The URL the store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn inner(&self) -> Arc<dyn ObjectStore> {
        self.backend.inner.clone()
    }

    fn init(&self) -> Result<()> {
        let marker = Path::from("mlops.json");
        let body = format!(r#"{{"format":"mlops.store","version":{STORE_FORMAT_VERSION}}}"#);
        // Read first: most opens find the marker, and a create-only put that
        // loses still stages (and on a folder, creates and frees) a file.
        let created = match self.get(&marker) {
            Ok(_) => Ok(false),
            Err(_) => self.create(&marker, body.into_bytes()),
        };
        match created {
            Ok(_) => {}
            // On an object store, a put that finds no container means the
            // bucket is missing.
            Err(Error::NotFound(_)) if self.backend.is_remote() => {
                return Err(Error::NotFound(format!(
                    "store {}: no such bucket or container",
                    self.url
                )))
            }
            Err(e) => return Err(e),
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

    fn get(&self, path: &Path) -> Result<Bytes> {
        if let Some(root) = self.backend.root() {
            // Names are `[A-Za-z0-9._-]` segments (checked on the way in),
            // which object_store's local store maps to the same file names.
            return match std::fs::read(root.join(path.as_ref())) {
                Ok(b) => Ok(Bytes::from(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(Error::NotFound(format!("object {path}")))
                }
                Err(e) => Err(Error::Storage {
                    context: format!("read {path}"),
                    source: e,
                }),
            };
        }
        self.backend.run(get_bytes(self.inner(), path.clone()))
    }

    /// A create-only put: `Ok(true)` when this call created the object,
    /// `Ok(false)` when it was there. A folder's objects are written by
    /// `store/local.rs` (whose tries are bounded), others through the object
    /// store.
    fn create(&self, path: &Path, bytes: Vec<u8>) -> Result<bool> {
        if let Some(root) = self.backend.root() {
            return local::put_create(&root.join(path.as_ref()), &bytes);
        }
        self.backend
            .run(put_create(self.inner(), path.clone(), Bytes::from(bytes)))
    }

    fn exists(&self, path: &Path) -> bool {
        if let Some(root) = self.backend.root() {
            // One `stat`, where object_store's head opens the file as well.
            return std::fs::metadata(root.join(path.as_ref())).is_ok_and(|m| m.is_file());
        }
        self.backend
            .run(async_ok(exists(self.inner(), path.clone())))
            .unwrap_or(false)
    }

    /// Stores `bytes` under their BLAKE3 hash and returns it. Storing the
    /// same bytes again is a no-op.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<Hash> {
        let hash = blake3::hash(bytes).to_hex().to_string();
        if let Some(root) = self.backend.root() {
            local::put_blob(&root.join(blob_path(&hash).as_ref()), bytes)?;
            return Ok(hash);
        }
        self.backend.run(put_blob_if_absent(
            self.inner(),
            self.backend.is_remote(),
            hash.clone(),
            Bytes::copy_from_slice(bytes),
            false,
        ))?;
        Ok(hash)
    }

    /// The bytes named `hash`, verified: bytes that do not hash to their
    /// name are an [`Error::Integrity`].
    pub fn get_blob(&self, hash: &str) -> Result<Vec<u8>> {
        check_hash(hash)?;
        let hash = hash.to_string();
        let store = self.inner();
        let bytes = self
            .backend
            .run(async move { get_blob_bytes(store, &hash).await })?;
        Ok(Vec::from(bytes))
    }

    /// Stores the chunks `cuts` of `data` not yet present and returns their
    /// `(hash, length)`: hashed and written on the rayon pool for a local
    /// folder (straight from `data`), uploaded over many requests at once
    /// for a cloud store.
    fn put_chunks(&self, data: &[u8], cuts: &[chunking::Cut]) -> Result<Vec<(Hash, u64)>> {
        use rayon::prelude::*;
        let piece = |&(offset, length): &chunking::Cut| &data[offset..offset + length];
        let hash = |c: &chunking::Cut| blake3::hash(piece(c)).to_hex().to_string();
        if let Some(root) = self.backend.root() {
            let put = |c: &chunking::Cut| -> Result<(Hash, u64)> {
                let h = hash(c);
                local::put_blob(&root.join(blob_path(&h).as_ref()), piece(c))?;
                Ok((h, c.1 as u64))
            };
            if cuts.len() == 1 {
                // Small content (a model's metadata file, an event-sized
                // blob): waking pool threads would cost more than the write.
                return cuts.iter().map(put).collect();
            }
            return local::io_pool().install(|| cuts.par_iter().map(put).collect());
        }
        let hashed: Vec<(Hash, Bytes)> = cuts
            .par_iter()
            .map(|c| (hash(c), Bytes::copy_from_slice(piece(c))))
            .collect();
        let listed = hashed
            .iter()
            .map(|(h, b)| (h.clone(), b.len() as u64))
            .collect();
        let store = self.inner();
        let remote = self.backend.is_remote();
        self.backend.run(async move {
            futures::stream::iter(hashed)
                .map(|(h, b)| put_blob_if_absent(store.clone(), remote, h, b, true))
                .buffer_unordered(TRANSFER_CONCURRENCY)
                .try_collect::<()>()
                .await
        })?;
        Ok(listed)
    }

    /// Stores content of any size from `reader` without holding it in
    /// memory: content-defined chunks (hashed in parallel, written in
    /// parallel, those already present skipped) and a manifest listing
    /// them. Returns the manifest's hash, which names the content, and the
    /// size.
    ///
    /// The content is read [`READ_BATCH`] bytes at a time into one of two
    /// buffers: while the chunks of one are hashed and written, the next is
    /// read and cut (on every core, with the cuts of one pass: see
    /// `store/chunking.rs`). A cut depends only on the bytes from the
    /// previous cut, at most [`CHUNK_MAX`] of them, and the last, possibly
    /// short, chunk of a buffer is carried over to the start of the next
    /// one, so the chunks are those of one FastCDC pass over the whole
    /// content, and no chunk is copied on its way to a local store.
    pub fn put_content(&self, mut reader: impl std::io::Read) -> Result<(Hash, u64)> {
        let mut chunks: Vec<(Hash, u64)> = Vec::new();
        let mut size = 0u64;
        let mut current = ReadBuffer::new();
        let mut next = ReadBuffer::new();
        let mut eof = current.fill(&mut reader)?;
        let mut cuts = chunking::cut(current.filled());
        loop {
            let data = current.filled();
            let carried = if eof { None } else { cuts.pop() };
            next.start_with(carried.map_or(&[][..], |(offset, _)| &data[offset..]));
            // Store this buffer's chunks while the next one is read and cut.
            let (stored, read) = if eof {
                (self.put_chunks(data, &cuts), Ok((true, Vec::new())))
            } else {
                std::thread::scope(|s| {
                    let storing = s.spawn(|| self.put_chunks(data, &cuts));
                    let read = next
                        .fill(&mut reader)
                        .map(|eof| (eof, chunking::cut(next.filled())));
                    let stored = storing
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (stored, read)
                })
            };
            let stored = stored?;
            size += stored.iter().map(|(_, n)| n).sum::<u64>();
            chunks.extend(stored);
            if eof {
                break;
            }
            (eof, cuts) = read?;
            std::mem::swap(&mut current, &mut next);
        }
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
        if m.format != "mlops.chunks"
            || m.chunks.iter().map(|c| c.1).sum::<u64>() != m.size
            || m.chunks.iter().any(|(h, _)| check_hash(h).is_err())
        {
            return Err(Error::Integrity(format!(
                "blob {hash}: chunk manifest does not add up"
            )));
        }
        Ok(m)
    }

    /// Writes the content named by a manifest to `out`, chunk by chunk,
    /// each verified against its hash and length before it is written;
    /// returns the bytes written. A cloud store fetches up to
    /// [`TRANSFER_CONCURRENCY`] chunks at once, in order.
    pub fn get_content(&self, hash: &str, mut out: impl std::io::Write) -> Result<u64> {
        let m = self.manifest(hash)?;
        let window = if self.backend.is_remote() {
            TRANSFER_CONCURRENCY
        } else {
            1
        };
        for part in m.chunks.chunks(window) {
            let store = self.inner();
            let part = part.to_vec();
            let got = self.backend.run(async move {
                futures::future::try_join_all(
                    part.into_iter()
                        .map(|(h, len)| get_chunk(store.clone(), h, len)),
                )
                .await
            })?;
            for bytes in got {
                out.write_all(&bytes)
                    .map_err(|e| Error::io("content output", e))?;
            }
        }
        Ok(m.size)
    }

    /// The sequence numbers present in `log`, ascending. Only
    /// `<log>/<20 digits>.json` counts: the head hint, deeper objects and
    /// anything a killed writer left half-made (object_store's local store
    /// stages files as `<name>#<n>` and does not list those) are ignored.
    fn seqs(&self, log: &str) -> Result<Vec<u64>> {
        if let Some(root) = self.backend.root() {
            // A directory read: names only, where object_store's listing
            // also stats every file.
            let dir = root.join(log);
            let entries = match std::fs::read_dir(&dir) {
                Ok(d) => d,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(Error::io(&dir, e)),
            };
            let mut seqs = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(&dir, e))?;
                let name = entry.file_name();
                let Some(n) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                    continue;
                };
                if n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit()) {
                    if let Ok(seq) = n.parse() {
                        seqs.push(seq);
                    }
                }
            }
            seqs.sort_unstable();
            return Ok(seqs);
        }
        let prefix = Path::from(log);
        let store = self.inner();
        let context = format!("list {log}");
        let metas: Vec<_> = self.backend.run(async move {
            store
                .list(Some(&prefix))
                .try_collect::<Vec<_>>()
                .await
                .map_err(|e| storage(context, e))
        })?;
        let mut seqs: Vec<u64> = metas
            .iter()
            .filter_map(|m| {
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
        let store = self.inner();
        let context = format!("list {prefix}");
        let listing = self.backend.run(async move {
            store
                .list_with_delimiter(Some(&p))
                .await
                .map_err(|e| storage(context, e))
        })?;
        Ok(listing
            .common_prefixes
            .iter()
            .filter_map(|c| c.filename().map(str::to_string))
            .collect())
    }

    /// The log's last event, checked against the log's cover (see
    /// `store/cover.rs`): a writer must not build on an event that was
    /// changed, nor on a log whose newest events were deleted, since its
    /// own event would then cover the damage ([`Error::Integrity`]).
    pub fn tip(&self, log: &str) -> Result<Tip> {
        check_log_name(log)?;
        // Start from the cover (never ahead of the log: it is written after
        // the event it names) and step forward while events exist, each
        // linked to the one before; without a usable cover, list the log.
        let start = self
            .cover(log)
            .filter(|c| c.seq > 0)
            .and_then(|c| self.event(log, c.seq).ok().flatten());
        let mut last = match start {
            Some(e) => e,
            None => match self.seqs(log)?.last() {
                Some(&n) => Event {
                    seq: n,
                    bytes: Vec::from(self.get(&event_path(log, n))?),
                },
                None => {
                    self.check_cover(log, 0, |_| None)?;
                    return Ok(Tip::default());
                }
            },
        };
        let first = last.clone();
        for _ in 0..COVER_READS {
            while let Some(next) = self.event(log, last.seq + 1)? {
                check_link(log, &next, &last.hash())?;
                last = next;
            }
            let hash_of = |k: u64| {
                (k == last.seq)
                    .then(|| last.hash())
                    .or_else(|| (k == first.seq).then(|| first.hash()))
            };
            if self.check_cover(log, last.seq, hash_of)? == Covered::Holds {
                break;
            }
        }
        // A log that keeps growing: the append's create-only put decides.
        Ok(Tip { last: Some(last) })
    }

    /// The cover of a log, if it has a readable one (see `store/cover.rs`).
    fn cover(&self, log: &str) -> Option<cover::Cover> {
        let bytes = self.get(&head_path(log)).ok()?;
        cover::decode(&bytes)
    }

    /// Checks a log's cover against `newest`, the number of the last event a
    /// reader found (0: none)
    /// (`hash_of(k)` gives the hash of event `k` where the reader has it):
    /// [`Covered::Grown`] when the log grew while it was read (event
    /// `newest + 1` now exists), [`Error::Integrity`] when the cover names
    /// an event past the log's end that is not there (deleted events) or
    /// other bytes than the event's (a changed event). A disagreement is
    /// read again before it is reported: a folder store rewrites the cover
    /// in place, and a reader may catch that half done.
    pub(crate) fn check_cover(
        &self,
        log: &str,
        newest: u64,
        hash_of: impl Fn(u64) -> Option<Hash>,
    ) -> Result<Covered> {
        let n = newest;
        let mut problem = String::new();
        for attempt in 0..COVER_READS {
            if attempt > 0 {
                std::thread::sleep(std::time::Duration::from_millis(attempt as u64));
            }
            let Some(c) = self.cover(log) else {
                return Ok(Covered::Holds);
            };
            if c.seq > n {
                if self.exists(&event_path(log, n + 1)) {
                    return Ok(Covered::Grown);
                }
                problem = format!(
                    "log {log}: its cover (_head) names event {} but the log ends at event {n} \
                     (events deleted)",
                    c.seq
                );
                continue;
            }
            match (c.hash, hash_of(c.seq)) {
                (Some(want), Some(got)) if c.seq > 0 && want != got => {
                    problem = format!(
                        "log {log}: event {} is not the event its cover (_head) names (changed)",
                        c.seq
                    );
                }
                _ => return Ok(Covered::Holds),
            }
        }
        Err(Error::Integrity(problem))
    }

    /// Writes the cover of `log` after event `e` was appended (best effort:
    /// a lost cover only weakens the checks until the next append), then,
    /// while a later event exists, the cover of the newest: so a writer
    /// whose cover lands after a later writer's does not leave it behind.
    fn set_cover(&self, log: &str, e: &Event) {
        let mut covered = e.seq;
        let mut text = cover::encode(e.seq, &e.hash());
        for _ in 0..COVER_READS {
            if let Some(root) = self.backend.root() {
                local::overwrite_hint(&root.join(head_path(log).as_ref()), &text);
            } else {
                let store = self.inner();
                let path = head_path(log);
                let payload = PutPayload::from(text.clone().into_bytes());
                let _ = self.backend.run(async move {
                    store
                        .put_opts(&path, payload, PutOptions::default())
                        .await
                        .map_err(|e| storage("head hint", e))
                });
            }
            if !self.exists(&event_path(log, covered + 1)) {
                return;
            }
            let mut n = covered + 1;
            while self.exists(&event_path(log, n + 1)) {
                n += 1;
            }
            let Ok(Some(newest)) = self.event(log, n) else {
                return;
            };
            covered = n;
            text = cover::encode(n, &newest.hash());
        }
    }

    /// Reads events `events.len() + 1 ..= upto` of `log` onto `events`
    /// (which hold the log from its first event), each linked to the one
    /// before: for checks that read an index written after they listed the
    /// log. An event that is not there is an [`Error::Integrity`].
    pub(crate) fn extend_log(&self, log: &str, events: &mut Vec<Event>, upto: u64) -> Result<()> {
        while (events.len() as u64) < upto {
            let seq = events.len() as u64 + 1;
            let e = self
                .event(log, seq)?
                .ok_or_else(|| Error::Integrity(format!("log {log}: event {seq} is missing")))?;
            check_link(log, &e, &events.last().map(Event::hash).unwrap_or_default())?;
            events.push(e);
        }
        Ok(())
    }

    /// Appends the next event of `log`. `build` gets the log's tip and
    /// returns the event's bytes, or an error when its precondition no longer
    /// holds; if another writer takes the sequence number first, `build` is
    /// called again on the new tip. Returns the event written.
    ///
    /// A put that fails or is refused is read back before anything else is
    /// decided, so a retried put whose first attempt landed counts once: see
    /// [`put_event`](Self::put_event).
    pub fn append(
        &self,
        log: &str,
        mut build: impl FnMut(&Tip) -> Result<Vec<u8>>,
    ) -> Result<Event> {
        check_log_name(log)?;
        let mut tip = self.tip(log)?;
        let mut phantoms = 0;
        loop {
            let bytes = build(&tip)?;
            let seq = tip.next_seq();
            match self.put_event(log, seq, &bytes)? {
                Placed::Ours => {
                    let e = Event { seq, bytes };
                    self.set_cover(log, &e);
                    return Ok(e);
                }
                Placed::Theirs(theirs) => {
                    // Someone else wrote `seq`: build on what they wrote (or
                    // on a later tip, if the log has moved on since).
                    tip = self.tip(log)?;
                    if tip.next_seq() <= seq {
                        tip = Tip {
                            last: Some(Event { seq, bytes: theirs }),
                        };
                    }
                }
                Placed::Nothing if phantoms < PHANTOM_CONFLICT_RETRIES => {
                    // The store reported a conflict with a put that then
                    // failed (S3's 409): try `seq` again.
                    phantoms += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10 * u64::from(phantoms)));
                }
                Placed::Nothing => {
                    return Err(Error::Conflict(format!(
                        "{}: the store keeps answering 'already exists' but has no such object",
                        event_path(log, seq)
                    )))
                }
            }
        }
    }

    /// Puts event `seq` of `log` create-only and finds out whose event is
    /// there afterwards, reading it back whenever the answer leaves a doubt:
    ///
    /// - "already exists" is another writer's event, or this writer's own:
    ///   object_store retries a create-only put after a 5xx answer or a
    ///   connection lost before the answer, and when the first attempt had
    ///   landed the retry is refused. The same bytes there mean it was ours
    ///   (taking it for another writer's would build the event again on top
    ///   of it, committing the change twice).
    /// - A cloud store's storage error (timeout, reset, 5xx after the
    ///   client's retries) leaves the outcome unknown: the event is read back, and if it is
    ///   not there the same bytes are put again. Create-only, so they land
    ///   at most once, whichever attempt lands them.
    fn put_event(&self, log: &str, seq: u64, bytes: &[u8]) -> Result<Placed> {
        let path = event_path(log, seq);
        // Set once an attempt may have landed unseen: from then on only
        // these bytes are ever put at `seq` (a late landing of that attempt
        // must find nothing else there, or be found by a later read).
        let mut uncertain = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let put = self.create(&path, bytes.to_vec());
            let failure = match put {
                Ok(true) => return Ok(Placed::Ours),
                Ok(false) => None,
                // A local file system's errors are definite.
                Err(e @ Error::Storage { .. }) if self.backend.is_remote() => Some(e),
                Err(e) => return Err(e),
            };
            uncertain |= failure.is_some();
            let last = match self.get(&path) {
                Ok(there) if there.as_ref() == bytes => return Ok(Placed::Ours),
                Ok(there) => return Ok(Placed::Theirs(Vec::from(there))),
                Err(Error::NotFound(_)) if !uncertain => return Ok(Placed::Nothing),
                Err(e) => failure.unwrap_or(e),
            };
            if attempt >= EVENT_PUT_ATTEMPTS {
                return Err(Error::Storage {
                    context: format!(
                        "write {path} ({attempt} attempts; one may still land, and then \
                         holds this change)"
                    ),
                    source: std::io::Error::other(last.to_string()),
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(100 * u64::from(attempt)));
        }
    }

    /// Event `seq` of `log`, or `None` if it does not exist (yet).
    pub fn event(&self, log: &str, seq: u64) -> Result<Option<Event>> {
        check_log_name(log)?;
        match self.get(&event_path(log, seq)) {
            Ok(bytes) => Ok(Some(Event {
                seq,
                bytes: Vec::from(bytes),
            })),
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
            Ok(bytes) => Ok(Some(Vec::from(bytes))),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes an index object: replacing what is there, or with
    /// `create_only` only if nothing is (then returns `false` when something
    /// was). The put is atomic: readers see the old or the new object whole.
    pub fn write_index(&self, path: &str, bytes: Vec<u8>, create_only: bool) -> Result<bool> {
        check_log_name(path)?;
        let (store, key) = (self.inner(), Path::from(path));
        if create_only {
            return self.create(&key, bytes);
        }
        if let Some(root) = self.backend.root() {
            local::put_replace(&root.join(key.as_ref()), &bytes)?;
            return Ok(true);
        }
        let context = format!("write {path}");
        self.backend.run(async move {
            store
                .put_opts(&key, PutPayload::from(bytes), PutOptions::default())
                .await
                .map(|_| true)
                .map_err(|e| storage(context, e))
        })
    }

    /// Every event of `log`, in order. Checks that the sequence has no gap
    /// and that each event's `prev` names the hash of the one before
    /// ([`Error::Integrity`] otherwise).
    pub fn read_log(&self, log: &str) -> Result<Vec<Event>> {
        match self.read_log_until_broken(log)? {
            (events, None) => Ok(events),
            (_, Some((_, e))) => Err(e),
        }
    }

    /// The events of `log` up to its first broken link, and that link: the
    /// sequence number of the first event that is missing or does not follow
    /// the one before, with the [`Error::Integrity`] saying how. Storage
    /// failures are errors.
    pub fn read_log_until_broken(&self, log: &str) -> Result<ChainRead> {
        check_log_name(log)?;
        let mut seqs = self.seqs(log)?;
        let mut broken = None;
        if let Some(i) = seqs
            .iter()
            .enumerate()
            .position(|(i, &s)| s != i as u64 + 1)
        {
            let seq = i as u64 + 1;
            // A listing is no snapshot: events written while it ran may show
            // without the one before them. If the missing event is there
            // now, the events before it are a state the log passed through.
            if !self.exists(&event_path(log, seq)) {
                broken = Some((
                    seq,
                    Error::Integrity(format!("log {log}: event {seq} is missing")),
                ));
            }
            seqs.truncate(i);
        }
        let (mut events, link) = self.read_events(log, &seqs)?;
        if let Some(l) = link {
            broken = Some(l);
        }
        if let Some((seq, _)) = &broken {
            events.truncate(*seq as usize - 1);
            return Ok((events, broken));
        }
        // The newest event, which no later event covers, against the cover.
        let covered = self.check_cover(log, events.len() as u64, |k| {
            events.get(k as usize - 1).map(Event::hash)
        });
        match covered {
            Ok(Covered::Holds) => {}
            // Written after the listing: the last event read must be the
            // one the next names (the events after it are a later state).
            Ok(Covered::Grown) => {
                let n = events.len() as u64;
                let mut next = events.clone();
                if let Err(e) = self.extend_log(log, &mut next, n + 1) {
                    broken = Some((n + 1, e));
                }
            }
            Err(e) => {
                let seq = self
                    .cover(log)
                    .map_or(1, |c| c.seq.min(events.len() as u64 + 1));
                broken = Some((seq.max(1), e));
            }
        }
        Ok((events, broken))
    }

    /// The events `seqs` (1, 2, ... n) of `log`, checked as a chain up to the
    /// first broken link.
    fn read_events(&self, log: &str, seqs: &[u64]) -> Result<ChainRead> {
        if !self.backend.is_remote() {
            // Local reads complete on the calling thread: spread them over
            // rayon's threads, then check the chain in order.
            use rayon::prelude::*;
            let got: Vec<Result<Bytes>> = seqs
                .par_iter()
                .with_min_len(64)
                .map(|&s| self.get(&event_path(log, s)))
                .collect();
            let mut out = Vec::with_capacity(seqs.len());
            let mut prev = String::new();
            for (&seq, bytes) in seqs.iter().zip(got) {
                let e = Event {
                    seq,
                    bytes: Vec::from(bytes?),
                };
                if let Err(err) = check_link(log, &e, &prev) {
                    return Ok((out, Some((seq, err))));
                }
                prev = e.hash();
                out.push(e);
            }
            return Ok((out, None));
        }
        let window = if self.backend.is_remote() {
            TRANSFER_CONCURRENCY * 4
        } else {
            seqs.len().max(1)
        };
        let mut out = Vec::with_capacity(seqs.len());
        let mut prev = String::new();
        for part in seqs.chunks(window) {
            let store = self.inner();
            let paths: Vec<Path> = part.iter().map(|&s| event_path(log, s)).collect();
            let got = self.backend.run(async move {
                futures::stream::iter(paths)
                    .map(|p| get_bytes(store.clone(), p))
                    .buffered(TRANSFER_CONCURRENCY)
                    .try_collect::<Vec<_>>()
                    .await
            })?;
            for (&seq, bytes) in part.iter().zip(got) {
                let e = Event {
                    seq,
                    bytes: Vec::from(bytes),
                };
                if let Err(err) = check_link(log, &e, &prev) {
                    return Ok((out, Some((seq, err))));
                }
                prev = e.hash();
                out.push(e);
            }
        }
        Ok((out, None))
    }
}

/// Checks that event `e` of `log` carries its own sequence number and names
/// `prev`, the hash of the event before it, so that an event moved to
/// another place in the log (or into another log) breaks the chain.
pub(crate) fn check_link(log: &str, e: &Event, prev: &str) -> Result<()> {
    check_link_of(log, e.seq, &e.bytes, prev)
}

/// [`check_link`] for the bytes of event `seq`, read in place.
pub(crate) fn check_link_of(log: &str, seq: u64, bytes: &[u8], prev: &str) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Link<'a> {
        seq: Option<u64>,
        #[serde(borrow)]
        prev: Option<std::borrow::Cow<'a, str>>,
    }
    let link: Link = serde_json::from_slice(bytes)
        .map_err(|err| Error::Integrity(format!("log {log}: event {seq} is not JSON: {err}")))?;
    if link.prev.as_deref().unwrap_or("") != prev || link.seq.is_some_and(|s| s != seq) {
        return Err(Error::Integrity(format!(
            "log {log}: event {seq} does not follow event {} (hash chain broken)",
            seq - 1
        )));
    }
    Ok(())
}

/// Wraps an infallible future for [`Backend::run`].
async fn async_ok<T>(fut: impl std::future::Future<Output = T>) -> Result<T> {
    Ok(fut.await)
}
