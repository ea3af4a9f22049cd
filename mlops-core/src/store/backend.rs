//! Which object store a URL names, and how synchronous callers drive it.
//!
//! Local folders and `memory://` complete every call on the calling thread,
//! so they are driven by a minimal executor and start no thread (a process
//! that only uses local stores stays fork-safe). Cloud stores speak HTTP
//! through reqwest and hyper, which need a tokio reactor: their calls run on
//! one multi-thread runtime per process, created on first use, and the caller
//! waits for the result. Spawning onto that runtime (rather than entering it
//! with `block_on`) works from any thread, including one that already runs
//! inside another tokio runtime, where entering a second one would panic.

use std::future::Future;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::ObjectStore;

use crate::error::{Error, Result};

/// Schemes of the cloud stores, as users write them.
const CLOUD_SCHEMES: [&str; 7] = ["s3", "s3a", "gs", "az", "adl", "abfs", "abfss"];

/// An opened object store and how to drive it.
#[derive(Debug, Clone)]
pub(super) struct Backend {
    pub(super) inner: Arc<dyn ObjectStore>,
    /// Whether calls go over the network (and so through the runtime).
    remote: bool,
    /// For a local folder, its path: whole-object reads go straight to the
    /// file system (one `read` call instead of object_store's open, stat
    /// and chunked read), which is most of the cost of walking long logs.
    root: Option<std::path::PathBuf>,
}

impl Backend {
    /// Runs one store operation to completion on behalf of a synchronous
    /// caller.
    pub(super) fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        if !self.remote {
            return futures::executor::block_on(fut);
        }
        remote_run(fut)
    }

    /// Whether calls go over the network.
    pub(super) fn is_remote(&self) -> bool {
        self.remote
    }

    /// The folder of a local store.
    pub(super) fn root(&self) -> Option<&std::path::Path> {
        self.root.as_deref()
    }
}

/// Waits a little before retry `attempt` (from 1): 10 ms more each time.
/// Inside a future run by [`Backend::run`]: a timer on the runtime for cloud
/// stores, a plain sleep on the calling thread for local ones (which never
/// retry in practice: their "already exists" is always true).
pub(super) async fn backoff(remote: bool, attempt: u32) {
    let pause = std::time::Duration::from_millis(10 * u64::from(attempt));
    #[cfg(feature = "cloud")]
    if remote {
        tokio::time::sleep(pause).await;
        return;
    }
    let _ = remote;
    std::thread::sleep(pause);
}

#[cfg(feature = "cloud")]
fn remote_run<T: Send + 'static>(
    fut: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    let task = runtime()?.spawn(fut);
    futures::executor::block_on(task).map_err(|e| Error::Storage {
        context: "store task".into(),
        source: std::io::Error::other(e.to_string()),
    })?
}

#[cfg(not(feature = "cloud"))]
fn remote_run<T: Send + 'static>(
    fut: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    // Without the cloud features no store is remote.
    futures::executor::block_on(fut)
}

/// The process's runtime for cloud stores: two workers are plenty, since
/// they only wait on sockets (hashing runs on the caller's threads).
#[cfg(feature = "cloud")]
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    use std::sync::OnceLock;
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> =
        OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("mlops-store")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::Storage {
            context: "starting the runtime for cloud stores".into(),
            source: std::io::Error::other(e.clone()),
        })
}

/// Opens the object store `url` names: a bare path or `file://` (the folder
/// is created if missing), `memory://`, or with the `cloud` feature
/// `s3://`, `gs://`, `az://` (and `s3a`, `abfs`, `abfss`, `adl`), configured
/// from the environment, with the URL's path as a prefix inside the bucket.
pub(super) fn open(url: &str) -> Result<Backend> {
    if url.starts_with("memory://") {
        return Ok(Backend {
            inner: Arc::new(InMemory::new()),
            remote: false,
            root: None,
        });
    }
    if let Some(path) = url.strip_prefix("file://") {
        return local(url, path);
    }
    match url.split_once("://") {
        Some((scheme, _)) if CLOUD_SCHEMES.contains(&scheme) => cloud(url, scheme),
        Some((scheme, _)) => Err(Error::Unsupported(format!(
            "store URL {url}: unknown scheme '{scheme}://' (use a path, file://, memory://, \
             s3://, gs:// or az://)"
        ))),
        None => local(url, url),
    }
}

fn local(url: &str, path: &str) -> Result<Backend> {
    std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
    let fs = LocalFileSystem::new_with_prefix(path).map_err(|e| Error::Storage {
        context: format!("store {url}"),
        source: std::io::Error::other(e.to_string()),
    })?;
    let root = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
    Ok(Backend {
        inner: Arc::new(fs),
        remote: false,
        root: Some(root),
    })
}

#[cfg(not(feature = "cloud"))]
fn cloud(url: &str, scheme: &str) -> Result<Backend> {
    Err(Error::Unsupported(format!(
        "store URL {url}: {scheme}:// stores need mlops-core's `cloud` feature; this build \
         reads local folders (a path or file://) and memory://"
    )))
}

#[cfg(feature = "cloud")]
fn cloud(url: &str, scheme: &str) -> Result<Backend> {
    use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
    use object_store::azure::MicrosoftAzureBuilder;
    use object_store::gcp::GoogleCloudStorageBuilder;
    use object_store::path::Path;
    use object_store::prefix::PrefixStore;

    let invalid = |why: String| Error::InvalidInput(format!("store URL {url}: {why}"));
    let parsed = url::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    let bucket = match parsed.host_str() {
        Some(h) if !h.is_empty() => h,
        _ => return Err(invalid("no bucket or container after the scheme".into())),
    };
    // The builders take the bucket from `scheme://bucket`; the path below
    // it is the store's prefix.
    let root = match parsed.username() {
        "" => format!("{scheme}://{bucket}"),
        user => format!("{scheme}://{user}@{bucket}"),
    };
    let prefix =
        Path::from_url_path(parsed.path()).map_err(|e| invalid(format!("bad prefix: {e}")))?;
    let config = |e: object_store::Error| Error::InvalidInput(format!("store URL {url}: {e}"));
    let store: Arc<dyn ObjectStore> = match scheme {
        "s3" | "s3a" => {
            let b = AmazonS3Builder::from_env().with_url(&root);
            // The log needs create-only puts (`If-None-Match: *`), object_store's
            // default for S3; refuse a configuration that turns them off.
            if b.get_config_value(&AmazonS3ConfigKey::ConditionalPut)
                .is_some_and(|v| v.trim() == "disabled")
            {
                return Err(Error::Unsupported(format!(
                    "store URL {url}: AWS_CONDITIONAL_PUT=disabled turns off the create-only \
                     puts that the registry's log needs"
                )));
            }
            Arc::new(b.build().map_err(config)?)
        }
        "gs" => Arc::new(
            GoogleCloudStorageBuilder::from_env()
                .with_url(&root)
                .build()
                .map_err(config)?,
        ),
        _ => Arc::new(
            MicrosoftAzureBuilder::from_env()
                .with_url(&root)
                .build()
                .map_err(config)?,
        ),
    };
    let inner: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
        store
    } else {
        Arc::new(PrefixStore::new(store, prefix))
    };
    Ok(Backend {
        inner,
        remote: true,
        root: None,
    })
}
