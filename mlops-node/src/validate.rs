//! Validation for Node: `validateIpc` / `validatePath` and `inferSuiteIpc`
//! / `inferSuitePath` on the libuv thread pool (Promises); suite parsing
//! (`suiteFromYaml`, `suiteFromFile`, `suiteToYaml`, `suiteCheck`) and
//! `gate` synchronously. Suites cross the boundary as JSON; the core parses
//! them, so errors name `checks[i]` and the field as in Python and the CLI.

use std::collections::BTreeMap;

use napi::bindgen_prelude::*;
use napi::{Env, Task};
use napi_derive::napi;

use mlops_core::validate::{self, InferOptions, Suite, ValidateOptions, ValidationResult};

use crate::error::{guard, rejection};
use crate::profile::BorrowedBytes;

/// A validation result (see `validate()` in `lib/validate.js`).
#[napi(js_name = "NativeValidationResult")]
pub struct NativeValidationResult {
    inner: ValidationResult,
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

enum Input {
    Path(String),
    Ipc(Buffer),
    Taken,
}

impl Input {
    fn take(&mut self) -> Input {
        std::mem::replace(self, Input::Taken)
    }
}

/// Validates one input on the libuv thread pool.
pub struct ValidateTask {
    input: Input,
    suite: String,
    base: Option<String>,
    opts: ValidateOptions,
}

impl Task for ValidateTask {
    type Output = crate::error::Result<ValidationResult>;
    type JsValue = NativeValidationResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let input = self.input.take();
        Ok(guard(|| {
            let suite = suite_of(&self.suite, self.base.as_deref())?;
            match input {
                Input::Path(p) => validate::validate_path(&suite, p, &self.opts),
                Input::Ipc(b) => validate::validate(
                    &suite,
                    mlops_core::io::read_ipc_bytes(BorrowedBytes(b))?,
                    &self.opts,
                ),
                Input::Taken => Err(mlops_core::Error::InvalidInput(
                    "validate task ran twice".into(),
                )),
            }
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        match output {
            Ok(inner) => Ok(NativeValidationResult { inner }),
            Err(e) => Err(rejection(&env, e)),
        }
    }
}

/// Validates a data file against a suite (JSON; `base` resolves its relative paths).
#[napi(ts_return_type = "Promise<NativeValidationResult>")]
pub fn validate_path(
    path: String,
    suite: String,
    base: Option<String>,
    options: Option<crate::convert::ValidateOptions>,
) -> AsyncTask<ValidateTask> {
    AsyncTask::new(ValidateTask {
        input: Input::Path(path),
        suite,
        base,
        opts: crate::convert::validate_options(options),
    })
}

/// Validates Arrow IPC bytes (borrowed, not copied; read batch by batch).
#[napi(ts_return_type = "Promise<NativeValidationResult>")]
pub fn validate_ipc(
    ipc: Buffer,
    suite: String,
    base: Option<String>,
    options: Option<crate::convert::ValidateOptions>,
) -> AsyncTask<ValidateTask> {
    AsyncTask::new(ValidateTask {
        input: Input::Ipc(ipc),
        suite,
        base,
        opts: crate::convert::validate_options(options),
    })
}

/// Infers a suite on the libuv thread pool; resolves to its JSON.
pub struct InferTask {
    input: Input,
    opts: InferOptions,
}

impl Task for InferTask {
    type Output = crate::error::Result<String>;
    type JsValue = String;

    fn compute(&mut self) -> Result<Self::Output> {
        let input = self.input.take();
        Ok(guard(|| {
            let s = match input {
                Input::Path(p) => Suite::infer_path(p, &self.opts)?,
                Input::Ipc(b) => {
                    let r = mlops_core::io::read_ipc_bytes(BorrowedBytes(b))?;
                    let batches = r.collect::<std::result::Result<Vec<_>, _>>()?;
                    Suite::infer(&batches, &self.opts)?
                }
                Input::Taken => {
                    return Err(mlops_core::Error::InvalidInput(
                        "infer task ran twice".into(),
                    ))
                }
            };
            Ok(s.to_json())
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map_err(|e| rejection(&env, e))
    }
}

/// Infers a suite from a data file; resolves to the suite's JSON.
#[napi(ts_return_type = "Promise<string>")]
pub fn infer_suite_path(
    path: String,
    options: Option<crate::convert::InferOptions>,
) -> AsyncTask<InferTask> {
    AsyncTask::new(InferTask {
        input: Input::Path(path),
        opts: crate::convert::infer_options(options),
    })
}

/// Infers a suite from Arrow IPC bytes; resolves to the suite's JSON.
#[napi(ts_return_type = "Promise<string>")]
pub fn infer_suite_ipc(
    ipc: Buffer,
    options: Option<crate::convert::InferOptions>,
) -> AsyncTask<InferTask> {
    AsyncTask::new(InferTask {
        input: Input::Ipc(ipc),
        opts: crate::convert::infer_options(options),
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
