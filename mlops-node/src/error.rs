//! The one place where core errors become JavaScript errors.
//!
//! napi's task API carries a fixed `Status`, so the variant travels as a
//! `[CODE] ` prefix of the message; `lib/index.js` moves it into the error's
//! `code` property (`NOT_FOUND`, `INVALID_INPUT`, `SCHEMA_MISMATCH`, ...).

/// Converts a core error, keeping its code and message.
pub fn to_napi(e: mlops_core::Error) -> napi::Error {
    coded(e.code(), &e.to_string())
}

/// A JavaScript error with the given code and message.
pub fn coded(code: &str, message: &str) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("[{code}] {message}"))
}

/// Runs engine work, turning a panic (a bug) into an `INTERNAL` error
/// instead of tearing down the Node process.
pub fn guard<T>(f: impl FnOnce() -> mlops_core::Result<T>) -> napi::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(to_napi),
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(coded("INTERNAL", &format!("mlops engine bug: {msg}")))
        }
    }
}
