//! The stores the registry tests run on: a fresh local folder always, a
//! fresh prefix in an S3 bucket when `MLOPS_TEST_S3_URL` names one
//! (`s3://bucket`), a fresh prefix in an Azure Blob container when
//! `MLOPS_TEST_AZ_URL` names one (`az://container`), and a fresh prefix in
//! a Google Cloud Storage bucket when `MLOPS_TEST_GCS_URL` names one
//! (`gs://bucket`).
//!
//! `scripts/test.sh` starts the three servers on loopback and sets the URLs:
//! moto for S3 (with `AWS_ENDPOINT`, `AWS_ALLOW_HTTP` and test credentials),
//! Azurite for Azure (with `AZURE_STORAGE_USE_EMULATOR=true` and
//! `AZURITE_BLOB_STORAGE_URL`, so object_store uses Azurite's development
//! account), and `scripts/gcs_test_server.py` for GCS (with
//! `GOOGLE_BASE_URL`, `GOOGLE_ALLOW_HTTP=true` and a
//! `GOOGLE_SERVICE_ACCOUNT_KEY` that disables OAuth). Where a cloud is
//! expected (`MLOPS_TEST_S3_REQUIRED=1` / `MLOPS_TEST_AZ_REQUIRED=1` /
//! `MLOPS_TEST_GCS_REQUIRED=1`, or `CI` set), a missing URL or an
//! unreachable server fails the test instead of running without it.
//!
//! [`Raw`] reaches the objects behind the store's back, to corrupt them or
//! to count their bytes, the same way on all.

#![allow(dead_code)] // each test crate uses its own part

use std::path::PathBuf;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

/// A store for one test.
pub struct TestStore {
    /// What `Store::open` gets.
    pub url: String,
    /// The same objects, reached directly.
    pub raw: Raw,
}

/// Objects of a test store, reached without the store.
pub enum Raw {
    /// A folder.
    Folder(PathBuf),
    /// A prefix in a cloud bucket or container (S3, Azure or GCS).
    Cloud {
        store: Arc<dyn ObjectStore>,
        rt: tokio::runtime::Runtime,
    },
}

impl Raw {
    pub fn get(&self, key: &str) -> Vec<u8> {
        match self {
            Raw::Folder(dir) => std::fs::read(dir.join(key)).unwrap(),
            Raw::Cloud { store, rt } => rt.block_on(async {
                store
                    .get(&Path::from(key))
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
                    .to_vec()
            }),
        }
    }

    /// Whether an object exists.
    pub fn exists(&self, key: &str) -> bool {
        match self {
            Raw::Folder(dir) => dir.join(key).is_file(),
            Raw::Cloud { store, rt } => rt.block_on(store.head(&Path::from(key))).is_ok(),
        }
    }

    /// Overwrites an object.
    pub fn put(&self, key: &str, bytes: &[u8]) {
        match self {
            Raw::Folder(dir) => std::fs::write(dir.join(key), bytes).unwrap(),
            Raw::Cloud { store, rt } => {
                rt.block_on(store.put(&Path::from(key), PutPayload::from(bytes.to_vec())))
                    .unwrap();
            }
        }
    }

    /// Deletes an object.
    pub fn delete(&self, key: &str) {
        match self {
            Raw::Folder(dir) => std::fs::remove_file(dir.join(key)).unwrap(),
            Raw::Cloud { store, rt } => rt.block_on(store.delete(&Path::from(key))).unwrap(),
        }
    }

    /// A create-only put, as the store's log makes: `true` if it created
    /// the object, `false` if the store answered "already exists".
    pub fn put_create(&self, key: &str, bytes: &[u8]) -> bool {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        let r = match self {
            Raw::Folder(dir) => {
                let store = object_store::local::LocalFileSystem::new_with_prefix(dir).unwrap();
                futures::executor::block_on(store.put_opts(
                    &Path::from(key),
                    PutPayload::from(bytes.to_vec()),
                    opts,
                ))
            }
            Raw::Cloud { store, rt } => rt.block_on(store.put_opts(
                &Path::from(key),
                PutPayload::from(bytes.to_vec()),
                opts,
            )),
        };
        match r {
            Ok(_) => true,
            Err(object_store::Error::AlreadyExists { .. }) => false,
            Err(e) => panic!("create-only put of {key}: {e}"),
        }
    }

    /// Every object's key, sorted (on a folder: every file, staged files
    /// and all).
    pub fn keys(&self) -> Vec<String> {
        match self {
            Raw::Folder(dir) => {
                fn walk(root: &std::path::Path, p: &std::path::Path, out: &mut Vec<String>) {
                    for e in std::fs::read_dir(p).unwrap() {
                        let e = e.unwrap();
                        if e.file_type().unwrap().is_dir() {
                            walk(root, &e.path(), out);
                        } else {
                            let rel = e.path().strip_prefix(root).unwrap().to_owned();
                            out.push(rel.to_str().unwrap().to_string());
                        }
                    }
                }
                let mut out = Vec::new();
                walk(dir, dir, &mut out);
                out.sort();
                out
            }
            Raw::Cloud { store, rt } => rt.block_on(async {
                use futures::TryStreamExt;
                let all: Vec<_> = store.list(None).try_collect().await.unwrap();
                let mut out: Vec<String> = all.iter().map(|m| m.location.to_string()).collect();
                out.sort();
                out
            }),
        }
    }

    /// Total bytes of the objects under `prefix`.
    pub fn bytes_under(&self, prefix: &str) -> u64 {
        match self {
            Raw::Folder(dir) => {
                fn walk(p: &std::path::Path) -> u64 {
                    std::fs::read_dir(p)
                        .unwrap()
                        .map(|e| {
                            let e = e.unwrap();
                            if e.file_type().unwrap().is_dir() {
                                walk(&e.path())
                            } else {
                                e.metadata().unwrap().len()
                            }
                        })
                        .sum()
                }
                walk(&dir.join(prefix))
            }
            Raw::Cloud { store, rt } => rt.block_on(async {
                use futures::TryStreamExt;
                let all: Vec<_> = store
                    .list(Some(&Path::from(prefix)))
                    .try_collect()
                    .await
                    .unwrap();
                all.iter().map(|m| m.size).sum()
            }),
        }
    }
}

/// A unique name for one test's store.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// A fresh folder store.
pub fn folder(name: &str) -> TestStore {
    let dir = std::env::temp_dir().join(format!("mlops-test-{}", unique(name)));
    TestStore {
        url: dir.to_str().unwrap().to_string(),
        raw: Raw::Folder(dir),
    }
}

/// Whether the cloud whose variables start with `MLOPS_TEST_{tag}_` must be
/// tested here: `MLOPS_TEST_{tag}_REQUIRED=1`, or `CI` set.
fn required(tag: &str) -> bool {
    std::env::var(format!("MLOPS_TEST_{tag}_REQUIRED")).is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The URL in `MLOPS_TEST_{tag}_URL`, if set; panics where the cloud is
/// expected but not configured.
fn test_url(tag: &str, what: &str) -> Option<String> {
    match std::env::var(format!("MLOPS_TEST_{tag}_URL")) {
        Ok(u) if !u.is_empty() => Some(u.trim_end_matches('/').to_string()),
        _ if required(tag) => panic!(
            "{what} tests are expected here (CI or MLOPS_TEST_{tag}_REQUIRED=1) but \
             MLOPS_TEST_{tag}_URL is not set: run scripts/test.sh, which starts a loopback \
             {what} server and sets it"
        ),
        _ => None,
    }
}

/// Fails fast, with the reason, when the server at `endpoint` (an
/// `http://host:port` URL, from the variable `var`) does not accept a
/// connection (the object store client would retry for minutes).
fn assert_answers(var: &str, endpoint: &str) {
    let addr = endpoint
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap_or_default();
    let ok = std::net::ToSocketAddrs::to_socket_addrs(addr)
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| {
            std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(5)).is_ok()
        });
    assert!(ok, "the test server at {var}={endpoint} does not answer");
}

/// The S3 bucket URL to test against, if any; panics where S3 is expected
/// but not configured or not reachable.
pub fn s3_url() -> Option<String> {
    let url = test_url("S3", "S3")?;
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT") {
        assert_answers("AWS_ENDPOINT", &endpoint);
    }
    Some(url)
}

/// The Azure container URL to test against, if any; panics where Azure is
/// expected but not configured or not reachable.
pub fn az_url() -> Option<String> {
    let url = test_url("AZ", "Azure Blob")?;
    if let Ok(endpoint) = std::env::var("AZURITE_BLOB_STORAGE_URL") {
        assert_answers("AZURITE_BLOB_STORAGE_URL", &endpoint);
    }
    Some(url)
}

/// The GCS bucket URL to test against, if any; panics where GCS is expected
/// but not configured or not reachable.
pub fn gcs_url() -> Option<String> {
    let url = test_url("GCS", "Google Cloud Storage")?;
    if let Ok(endpoint) = std::env::var("GOOGLE_BASE_URL") {
        assert_answers("GOOGLE_BASE_URL", &endpoint);
    }
    Some(url)
}

/// A runtime for the direct (raw) object store calls of one test store.
fn raw_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh prefix in the test bucket.
pub fn s3(name: &str, bucket_url: &str) -> TestStore {
    let prefix = format!("tests/{}", unique(name));
    let bucket = bucket_url
        .strip_prefix("s3://")
        .expect("MLOPS_TEST_S3_URL is s3://bucket")
        .split('/')
        .next()
        .unwrap();
    let store = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .unwrap();
    TestStore {
        url: format!("s3://{bucket}/{prefix}"),
        raw: Raw::Cloud {
            store: Arc::new(PrefixStore::new(store, prefix.as_str())),
            rt: raw_runtime(),
        },
    }
}

/// A fresh prefix in the test container (`az://container`).
pub fn az(name: &str, container_url: &str) -> TestStore {
    let prefix = format!("tests/{}", unique(name));
    let container = container_url
        .strip_prefix("az://")
        .expect("MLOPS_TEST_AZ_URL is az://container")
        .split('/')
        .next()
        .unwrap();
    let store = MicrosoftAzureBuilder::from_env()
        .with_container_name(container)
        .build()
        .unwrap();
    TestStore {
        url: format!("az://{container}/{prefix}"),
        raw: Raw::Cloud {
            store: Arc::new(PrefixStore::new(store, prefix.as_str())),
            rt: raw_runtime(),
        },
    }
}

/// A fresh prefix in the test bucket (`gs://bucket`).
pub fn gcs(name: &str, bucket_url: &str) -> TestStore {
    let prefix = format!("tests/{}", unique(name));
    let bucket = bucket_url
        .strip_prefix("gs://")
        .expect("MLOPS_TEST_GCS_URL is gs://bucket")
        .split('/')
        .next()
        .unwrap();
    let store = GoogleCloudStorageBuilder::from_env()
        .with_bucket_name(bucket)
        .build()
        .unwrap();
    TestStore {
        url: format!("gs://{bucket}/{prefix}"),
        raw: Raw::Cloud {
            store: Arc::new(PrefixStore::new(store, prefix.as_str())),
            rt: raw_runtime(),
        },
    }
}

/// The stores a registry test runs on: a folder, and S3, Azure and GCS when
/// configured.
pub fn stores(name: &str) -> Vec<TestStore> {
    let mut out = vec![folder(name)];
    if let Some(url) = s3_url() {
        out.push(s3(name, &url));
    }
    if let Some(url) = az_url() {
        out.push(az(name, &url));
    }
    if let Some(url) = gcs_url() {
        out.push(gcs(name, &url));
    }
    out
}
