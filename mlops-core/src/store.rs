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
//!
//! The parts, one job each: `store/blob.rs` (blobs), `store/content.rs`
//! (chunked content and its manifest), `store/log.rs` (reading a log as a
//! hash chain), `store/append.rs` (appending to a log), `store/cover.rs`
//! (a log's cover), `store/index.rs` (index objects beside the logs);
//! `store/chunking.rs` cuts content, `store/local.rs` writes a folder's
//! objects.

mod append;
mod backend;
mod blob;
mod chunking;
mod content;
mod cover;
mod envelope;
mod hash;
mod index;
mod local;
mod log;
// Several blobs at once and ranges of blobs, for directory trees (`crate::tree`).
mod objects;
mod ranges;

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore, PutMode, PutOptions, PutPayload};

use crate::error::{Error, Result};
use backend::Backend;
pub use content::Manifest;
pub(crate) use cover::Covered;
pub use envelope::Envelope;
pub(crate) use hash::or_empty as hash_or_empty;
pub use hash::Hash;
pub(crate) use log::{check_link, check_link_of};
pub use log::{ChainRead, Event, Tip};
pub use objects::ObjectInfo;

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

/// The store format this code writes and reads.
pub const STORE_FORMAT_VERSION: u32 = 1;

/// The default store of a process: a folder in the working directory.
pub const DEFAULT_STORE: &str = ".mlops";

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

    /// The folder of a local store (`None` for memory and cloud stores).
    pub(crate) fn local_root(&self) -> Option<&std::path::Path> {
        self.backend.root()
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

    /// The names one level below `prefix` (like the folders in a folder).
    pub fn children(&self, prefix: &str) -> Result<Vec<String>> {
        check_log_name(prefix)?;
        if let Some(root) = self.backend.root() {
            // A folder: one directory read, without the object store's
            // open and stat of every entry (100,000 runs list in a few ms).
            return local_children(&root.join(prefix));
        }
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
}

/// The names of the folders in `dir` (none when it does not exist).
fn local_children(dir: &std::path::Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let is_dir = entry.file_type().map_err(|e| Error::io(dir, e))?.is_dir();
        if let (true, Some(name)) = (is_dir, entry.file_name().to_str()) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// Wraps an infallible future for [`Backend::run`].
async fn async_ok<T>(fut: impl std::future::Future<Output = T>) -> Result<T> {
    Ok(fut.await)
}
