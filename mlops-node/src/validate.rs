//! Validation for Node: `validateIpc` / `validatePath` and `inferSuiteIpc`
//! / `inferSuitePath` on the libuv thread pool (Promises); suite parsing
//! (`suiteFromYaml`, `suiteFromFile`, `suiteToYaml`, `suiteCheck`) and
//! `gate` synchronously. Suites cross the boundary as JSON; the core parses
//! them, so errors name `checks[i]` and the field as in Python and the CLI.

use std::collections::BTreeMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use mlops_core::validate::{self, Suite, ValidationResult};

use crate::error::guard;
use crate::profile::BorrowedBytes;
use crate::task::{job, Job};

/// A validation result (see `validate()` in `lib/validate.js`).
#[napi(js_name = "NativeValidationResult")]
pub struct NativeValidationResult {
    inner: ValidationResult,
}

impl NativeValidationResult {
    /// Wraps a core validation result.
    pub(crate) fn of(inner: ValidationResult) -> Self {
        Self { inner }
    }
}

#[napi]
impl NativeValidationResult {
    /// The result as JSON: the same document as Python's `to_json()`.
    #[napi]
    pub fn to_json(&self) -> crate::error::Result<String> {
        guard(|| Ok(self.inner.to_json()))
    }

    /// One self-contained HTML page of the result.
    #[napi]
    pub fn to_html(&self) -> crate::error::Result<String> {
        guard(|| Ok(mlops_core::report::validation_html(&self.inner)))
    }
}

/// A suite from its JSON, with the folder its relative paths resolve against.
fn suite_of(json: &str, base: Option<&str>) -> mlops_core::Result<Suite> {
    let mut s = Suite::from_json(json)?;
    s.base_dir = base.map(std::path::PathBuf::from);
    Ok(s)
}

/// Validates a data file against a suite (JSON; `base` resolves its relative paths).
#[napi(ts_return_type = "Promise<NativeValidationResult>")]
pub fn validate_path(
    path: String,
    suite: String,
    base: Option<String>,
    options: Option<crate::convert::ValidateOptions>,
) -> AsyncTask<Job<NativeValidationResult>> {
    let opts = crate::convert::validate_options(options);
    job(move || {
        let suite = suite_of(&suite, base.as_deref())?;
        let inner = validate::validate_path(&suite, path, &opts)?;
        Ok(NativeValidationResult { inner })
    })
}

/// Validates Arrow IPC bytes (borrowed, not copied; read batch by batch).
#[napi(ts_return_type = "Promise<NativeValidationResult>")]
pub fn validate_ipc(
    ipc: Buffer,
    suite: String,
    base: Option<String>,
    options: Option<crate::convert::ValidateOptions>,
) -> AsyncTask<Job<NativeValidationResult>> {
    let opts = crate::convert::validate_options(options);
    job(move || {
        let suite = suite_of(&suite, base.as_deref())?;
        let data = mlops_core::io::read_ipc_bytes(BorrowedBytes(ipc))?;
        let inner = validate::validate(&suite, data, &opts)?;
        Ok(NativeValidationResult { inner })
    })
}

/// Infers a suite from a data file; resolves to the suite's JSON.
#[napi(ts_return_type = "Promise<string>")]
pub fn infer_suite_path(
    path: String,
    options: Option<crate::convert::InferOptions>,
) -> AsyncTask<Job<String>> {
    let opts = crate::convert::infer_options(options);
    job(move || Ok(Suite::infer_path(path, &opts)?.to_json()))
}

/// Infers a suite from Arrow IPC bytes; resolves to the suite's JSON.
#[napi(ts_return_type = "Promise<string>")]
pub fn infer_suite_ipc(
    ipc: Buffer,
    options: Option<crate::convert::InferOptions>,
) -> AsyncTask<Job<String>> {
    let opts = crate::convert::infer_options(options);
    job(move || {
        let r = mlops_core::io::read_ipc_bytes(BorrowedBytes(ipc))?;
        let batches = r.collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Suite::infer(&batches, &opts)?.to_json())
    })
}

/// A suite with no checks, named `name` (else the core's default name), as JSON.
#[napi]
pub fn suite_new(name: Option<String>) -> String {
    Suite::new(name.unwrap_or_else(|| Suite::DEFAULT_NAME.to_string())).to_json()
}

/// Parses (and checks) a suite given as JSON; returns its canonical JSON.
#[napi]
pub fn suite_from_json(json: String) -> crate::error::Result<String> {
    guard(|| Ok(Suite::from_json(&json)?.to_json()))
}

/// Parses a suite given as YAML; returns its JSON.
#[napi]
pub fn suite_from_yaml(yaml: String) -> crate::error::Result<String> {
    guard(|| Ok(Suite::from_yaml(&yaml)?.to_json()))
}

/// Reads a suite file (.yaml, .yml, .json); returns its JSON.
#[napi]
pub fn suite_from_file(path: String) -> crate::error::Result<String> {
    guard(|| Ok(Suite::load(&path)?.to_json()))
}

/// The suite (JSON) as YAML.
#[napi]
pub fn suite_to_yaml(json: String) -> crate::error::Result<String> {
    guard(|| Ok(Suite::from_json(&json)?.to_yaml()))
}

/// Evaluates gate rules over candidate (and baseline) metrics.
#[napi]
pub fn gate(
    candidate: BTreeMap<String, f64>,
    rules: Vec<String>,
    baseline: Option<BTreeMap<String, f64>>,
) -> crate::error::Result<crate::convert::GateReport> {
    guard(|| Ok(validate::gate(&candidate, baseline.as_ref(), &rules)?.into()))
}
