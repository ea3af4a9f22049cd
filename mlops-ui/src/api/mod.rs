//! The JSON API, one module per page family (see `docs/ui.md`).

pub(crate) mod assets;
pub(crate) mod governance;
pub(crate) mod monitors;
pub(crate) mod reports;
pub(crate) mod runs;
pub(crate) mod writes;

use mlops_core::registry::Kind;
use mlops_core::Result;

/// A kind from a path segment.
pub(crate) fn kind(text: &str) -> Result<Kind> {
    text.parse()
}
