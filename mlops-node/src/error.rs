//! The one place where core errors become JavaScript errors.
//!
//! Every [`mlops_core::Error`] becomes a plain JS `Error` whose `code` is
//! [`mlops_core::Error::code`] (`NOT_FOUND`, `INVALID_INPUT`,
//! `SCHEMA_MISMATCH`, `INTEGRITY`, ...) and whose message is the core
//! message. napi-rs 3 makes the status of an `Error<S: AsRef<str>>` the JS
//! `code`, so synchronous functions return [`Result`] (status = the code
//! string). The async task API carries a fixed `Status` instead; there a
//! coded error is built as a JS object on the JS thread ([`rejection`]) and
//! napi rejects the Promise with that very object.
//!
//! Panics (bugs) are caught by [`guard`] and become `INTERNAL` errors, so
//! nothing unwinds into Node.

use napi::bindgen_prelude::JsError;
use napi::Env;

/// The result of a binding function: its error's status is the JS `code`.
pub type Result<T> = napi::Result<T, String>;

/// A JavaScript error with the given code and message.
pub fn coded(code: &str, message: impl Into<String>) -> napi::Error<String> {
    napi::Error::new(code.to_string(), message.into())
}

/// Converts a core error, keeping its code and message.
pub fn to_napi(e: mlops_core::Error) -> napi::Error<String> {
    coded(e.code(), e.to_string())
}

/// Runs engine work, turning a core error into a coded JS error and a panic
/// into an `INTERNAL` error instead of tearing down the Node process.
pub fn guard<T>(f: impl FnOnce() -> mlops_core::Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(to_napi),
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(coded("INTERNAL", format!("mlops engine bug: {msg}")))
        }
    }
}

/// A coded error as the `Status`-typed error an async task rejects with:
/// the JS `Error` (with its `code`) is created here, on the JS thread, and
/// napi hands that object to the Promise as it is.
pub fn rejection(env: &Env, e: napi::Error<String>) -> napi::Error {
    napi::Error::from(JsError::from(e).into_unknown(*env))
}
