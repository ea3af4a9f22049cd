//! Run ids: UUIDv7 written as 32 lowercase hex digits (MLflow's run id
//! shape), so ids made on different machines never collide, sort by start
//! time, and two stores merge with a plain copy: there is no shared counter.

use crate::error::{Error, Result};

/// A new, time-ordered run id.
///
/// ```
/// let a = mlops_core::runs::new_run_id();
/// let b = mlops_core::runs::new_run_id();
/// assert_eq!(a.len(), 32);
/// assert!(a < b, "ids made later sort later");
/// ```
pub fn new_run_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Checks that `id` has the shape of a run id (32 lowercase hex digits):
/// an id names a folder of the store, so nothing else may reach a path.
pub fn check_run_id(id: &str) -> Result<()> {
    if id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "run id '{}' is not 32 lowercase hex digits",
            crate::text::clip(id, 80)
        )))
    }
}

/// The log of run `id` in the store.
pub(crate) fn run_log(id: &str) -> Result<String> {
    check_run_id(id)?;
    Ok(format!("runs/{id}/log"))
}
