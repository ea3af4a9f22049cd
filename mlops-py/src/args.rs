//! Python arguments that a Rust type cannot take as they are. A Python
//! `int` has no bounds; one that does not fit the engine's integer is an
//! `InvalidInputError` naming the argument (pyo3 would raise a bare
//! `OverflowError`). Whether the value is in the range the engine accepts
//! is the engine's to say.

use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::error::InvalidInputError;

/// A count (`bins`, `k`, ...): an `int` from 0 to 2^64 - 1.
pub fn count(value: &Bound<'_, PyAny>, name: &str) -> PyResult<usize> {
    match value.extract::<usize>() {
        Ok(n) => Ok(n),
        Err(_) if value.is_instance_of::<PyInt>() => Err(InvalidInputError::new_err(format!(
            "invalid input: {name}: {} is not a count (0 to {})",
            value.str()?,
            usize::MAX
        ))),
        Err(e) => Err(e),
    }
}
