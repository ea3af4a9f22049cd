//! Model packages for Node: build, load, verify, sign, archives, MLflow
//! folders, signature checks over Arrow IPC, and registry push/pull. A
//! package is passed by its path (a folder or a `.tar.zst` archive);
//! manifests and reports come back as JavaScript objects built from serde's
//! tree; the heavy calls run on the libuv thread pool.

use mlops_core::package::{
    mlflow, onnx, sign, ExportOptions, ExportTarget, KeyPair, Manifest, Package, PublicKey,
    Signature,
};
use mlops_core::Error;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert::{tree, Tree};
use crate::error::guard;
use crate::profile::BorrowedBytes;
use crate::registry::NativeRegistry;
use crate::task::{job, Job};

fn parse<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> mlops_core::Result<T> {
    serde_json::from_str(json).map_err(|e| Error::InvalidInput(format!("{what}: {e}")))
}

/// A package's manifest as a JavaScript object (napi builds it from serde's
/// tree; no JSON text crosses).
fn manifest_of(p: &Package) -> Tree {
    tree(p.manifest())
}

/// Builds a package from `spec` (a manifest without `format`, `v` and
/// `files`) in `dir`, or from `files` copied into the new folder `dir`;
/// resolves to the manifest JSON.
#[napi(ts_return_type = "Promise<PackageManifest>")]
pub fn package_build(
    dir: String,
    spec: String,
    files: Option<Vec<String>>,
) -> AsyncTask<Job<Tree>> {
    job(move || {
        let mut v: serde_json::Value = parse("package spec", &spec)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("format".into(), "mlops.package".into());
            o.insert("v".into(), 1.into());
        }
        let m: Manifest = serde_json::from_value(v)
            .map_err(|e| Error::InvalidInput(format!("package spec: {e}")))?;
        let p = match files {
            Some(f) => Package::build_from_files(&f, &dir, m)?,
            None => Package::build(&dir, m)?,
        };
        Ok(manifest_of(&p))
    })
}

/// Opens a package folder or archive; resolves to the manifest JSON.
#[napi(ts_return_type = "Promise<PackageManifest>")]
pub fn package_load(path: String) -> AsyncTask<Job<Tree>> {
    job(move || Ok(manifest_of(&Package::load(&path)?)))
}

/// Verifies every file of the package at `path`.
#[napi(ts_return_type = "Promise<boolean>")]
pub fn package_verify(path: String) -> AsyncTask<Job<bool>> {
    job(move || Package::load(&path)?.verify().map(|_| true))
}

/// Signs the package at `path` with the secret key file `key` (an archive
/// is rewritten with its signature).
#[napi(ts_return_type = "Promise<string>")]
pub fn package_sign(path: String, key: String) -> AsyncTask<Job<String>> {
    job(move || {
        let key = KeyPair::load(&key)?;
        let p = Package::load(&path)?;
        sign::sign(&p, &key)?;
        if std::path::Path::new(&path).is_file() {
            p.save_archive(&path)?;
        }
        Ok(key.public().id())
    })
}

/// Checks the signature against trusted public key files and every file;
/// resolves to the signing key's id.
#[napi(ts_return_type = "Promise<string>")]
pub fn package_verify_signature(path: String, trusted: Vec<String>) -> AsyncTask<Job<String>> {
    job(move || {
        let keys = PublicKey::load_all(&trusted)?;
        sign::verify_signature(&Package::load(&path)?, &keys)
    })
}

/// Packs the package at `path` into the archive `out`.
#[napi(ts_return_type = "Promise<boolean>")]
pub fn package_save_archive(path: String, out: String) -> AsyncTask<Job<bool>> {
    job(move || Package::load(&path)?.save_archive(&out).map(|_| true))
}

/// Writes the package at `path` as the new MLflow model folder `out`.
#[napi(ts_return_type = "Promise<boolean>")]
pub fn package_to_mlflow(path: String, out: String) -> AsyncTask<Job<bool>> {
    job(move || {
        let p = Package::load(&path)?;
        p.verify()?;
        mlflow::to_mlflow(&p, &out).map(|_| true)
    })
}

/// Exports the package at `path` for a model server (`target`: mlserver,
/// kserve, triton or tfserving) into the new (or empty) folder `out`, after
/// checking its files and its signature against the `trusted` public key
/// files; resolves to the sidecar (`mlops.json`).
#[napi(ts_return_type = "Promise<ExportSidecar>")]
pub fn package_export(
    path: String,
    out: String,
    target: String,
    trusted: Vec<String>,
    allow_unsigned: bool,
    version: Option<i64>,
) -> AsyncTask<Job<Tree>> {
    job(move || {
        let target = target.parse::<ExportTarget>()?;
        let version = version
            .map(|v| {
                u64::try_from(v).map_err(|_| {
                    Error::InvalidInput(format!(
                        "export version must be a positive integer, not {v}"
                    ))
                })
            })
            .transpose()?;
        let trusted = PublicKey::load_all(&trusted)?;
        let options = ExportOptions {
            trusted,
            allow_unsigned,
            version,
        };
        let sidecar = Package::load(&path)?.export(target, &out, &options)?;
        Ok(tree(&sidecar))
    })
}

/// Reads an MLflow model folder into the new package folder `out`;
/// resolves to the manifest JSON.
#[napi(ts_return_type = "Promise<PackageManifest>")]
pub fn package_from_mlflow(
    dir: String,
    out: String,
    name: Option<String>,
    version: Option<String>,
) -> AsyncTask<Job<Tree>> {
    job(move || {
        let p = mlflow::from_mlflow(&dir, &out, name.as_deref(), version.as_deref())?;
        Ok(manifest_of(&p))
    })
}

/// Generates an Ed25519 key pair (`path`, mode 0600, and `path.pub`);
/// returns the key id.
#[napi]
pub fn generate_key(path: String) -> crate::error::Result<String> {
    guard(|| {
        let k = KeyPair::generate()?;
        k.save(&path)?;
        Ok(k.public().id())
    })
}

/// Infers a signature (JSON) from an ONNX model file.
#[napi(ts_return_type = "Promise<object>")]
pub fn signature_from_onnx(path: String) -> AsyncTask<Job<Tree>> {
    job(move || {
        let s = onnx::infer_signature_file(&path)?;
        Ok(tree(&s))
    })
}

/// Checks Arrow IPC stream bytes against a signature (JSON); resolves to
/// the report JSON `{"ok", "problems", "messages"}`.
#[napi(ts_return_type = "Promise<SignatureReport>")]
pub fn signature_validate_ipc(signature: String, ipc: Buffer) -> AsyncTask<Job<Tree>> {
    job(move || {
        let sig: Signature = parse("signature", &signature)?;
        sig.check()?;
        let reader = mlops_core::io::read_ipc_bytes(BorrowedBytes(ipc))?;
        let schema = reader.schema();
        let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
        let r = sig.validate_batches(&schema, &batches);
        let messages: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
        Ok(Tree(
            serde_json::json!({"ok": r.ok(), "problems": r.problems, "messages": messages}),
        ))
    })
}

/// Verifies and pushes the package at `path` as the next version of model
/// `name`; resolves to the version number.
#[napi(ts_return_type = "Promise<number>")]
pub fn package_push(
    registry: &NativeRegistry,
    path: String,
    name: String,
    message: Option<String>,
    reason: Option<String>,
) -> AsyncTask<Job<f64>> {
    let r = registry.why(reason);
    job(move || {
        let p = Package::load(&path)?;
        r.push_package(&p, &name, mlops_core::unset::message(message.as_deref()))
            .map(|v| v as f64)
    })
}

/// Pulls a model version into the new folder `dest`, verified; resolves to
/// the manifest JSON.
#[napi(ts_return_type = "Promise<PackageManifest>")]
pub fn package_pull(
    registry: &NativeRegistry,
    name: String,
    reference: String,
    dest: String,
) -> AsyncTask<Job<Tree>> {
    let r = registry.inner.clone();
    job(move || Ok(manifest_of(&r.pull_package(&name, &reference, &dest)?)))
}
