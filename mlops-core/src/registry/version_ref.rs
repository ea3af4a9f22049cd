//! How a version is named in a reading (`latest`, `3`/`v3`, or an alias),
//! and the errors for a version that is not there.

use super::Kind;
use crate::error::{Error, Result};

/// The reference to an asset's newest version (`get model churn latest`),
/// the default wherever a version may be named.
pub const LATEST: &str = "latest";

/// How a version is named in a reading: `latest`, its number (`3`, or
/// `v3`), or an alias. One grammar for every front-end; an alias that reads
/// as a number or `latest` cannot be set, so the three never overlap.
///
/// ```
/// use mlops_core::registry::VersionRef;
/// assert_eq!("latest".parse::<VersionRef>().unwrap(), VersionRef::Latest);
/// assert_eq!("v3".parse::<VersionRef>().unwrap(), VersionRef::Number(3));
/// assert_eq!("production".parse::<VersionRef>().unwrap().to_string(), "production");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    /// The newest version.
    Latest,
    /// A version by number.
    Number(u64),
    /// The version an alias points at now.
    Alias(String),
}

impl std::str::FromStr for VersionRef {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(if s == LATEST {
            VersionRef::Latest
        } else if let Ok(n) = s.strip_prefix('v').unwrap_or(s).parse::<u64>() {
            VersionRef::Number(n)
        } else {
            VersionRef::Alias(s.to_string())
        })
    }
}

impl std::fmt::Display for VersionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VersionRef::Latest => f.write_str(LATEST),
            VersionRef::Number(n) => write!(f, "{n}"),
            VersionRef::Alias(a) => f.write_str(a),
        }
    }
}

impl VersionRef {
    /// The version number this names, given how many versions the asset
    /// has and where its aliases point; `NotFound` naming the asset when
    /// there is no such version or alias.
    pub(crate) fn number(
        &self,
        kind: Kind,
        name: &str,
        versions: u64,
        alias: impl FnOnce(&str) -> Option<u64>,
    ) -> Result<u64> {
        let n = match self {
            VersionRef::Latest => versions,
            VersionRef::Number(n) => *n,
            VersionRef::Alias(a) => alias(a).ok_or_else(|| {
                Error::NotFound(format!(
                    "{} '{name}' has no version or alias '{a}'",
                    kind.as_str()
                ))
            })?,
        };
        if n == 0 || n > versions {
            return Err(no_version(kind, name, n, versions));
        }
        Ok(n)
    }
}

/// The error for a version number past an asset's versions.
pub(crate) fn no_version(kind: Kind, name: &str, n: u64, versions: u64) -> Error {
    Error::NotFound(format!(
        "{} '{name}' has no version {n} (it has {versions})",
        kind.as_str()
    ))
}
