//! What a parameter the caller left unset means, for the three words a
//! front-end would otherwise restate: the version reference, the policy
//! scope and the version message. The Python, Node and CLI front-ends pass
//! `None` through these, so the engine alone decides.
//!
//! ```
//! use mlops_core::unset;
//! assert_eq!(unset::reference(None), mlops_core::registry::LATEST);
//! assert_eq!(unset::reference(Some("production")), "production");
//! assert_eq!(unset::scope(None), mlops_core::governance::EVERY_ASSET);
//! assert_eq!(unset::message(None), "");
//! ```

use crate::governance::EVERY_ASSET;
use crate::registry::LATEST;

/// The version named, or the newest one (`latest`) when none is.
pub fn reference(reference: Option<&str>) -> &str {
    reference.unwrap_or(LATEST)
}

/// The scope pattern given, or every asset (`*`) when none is.
pub fn scope(scope: Option<&str>) -> &str {
    scope.unwrap_or(EVERY_ASSET)
}

/// The message given, or no message (the empty text) when none is.
pub fn message(message: Option<&str>) -> &str {
    message.unwrap_or_default()
}

/// The variable naming the store when a call names none (the CLI's
/// `--store` reads it too, and `mlops run exec` sets it for its command).
pub const STORE_ENV: &str = "MLOPS_STORE";

/// The store named, else `$MLOPS_STORE` (when set and not empty), else the
/// local folder [`DEFAULT_STORE`](crate::store::DEFAULT_STORE).
pub fn store(url: Option<&str>) -> String {
    match url {
        Some(u) => u.to_string(),
        None => std::env::var(STORE_ENV)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| crate::store::DEFAULT_STORE.to_string()),
    }
}
