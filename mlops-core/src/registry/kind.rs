//! What an asset is: a data set, a model or an artifact.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What an asset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A data set.
    Dataset,
    /// A trained model.
    Model,
    /// Anything else.
    Artifact,
}

impl Kind {
    /// `dataset`, `model` or `artifact`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Dataset => "dataset",
            Kind::Model => "model",
            Kind::Artifact => "artifact",
        }
    }
}

/// Parses [`Kind::as_str`]; anything else is an [`Error::InvalidInput`]
/// naming the kinds.
///
/// ```
/// use mlops_core::registry::Kind;
/// assert_eq!("model".parse::<Kind>().unwrap(), Kind::Model);
/// assert!("table".parse::<Kind>().is_err());
/// ```
impl std::str::FromStr for Kind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "dataset" => Ok(Kind::Dataset),
            "model" => Ok(Kind::Model),
            "artifact" => Ok(Kind::Artifact),
            _ => Err(Error::InvalidInput(format!(
                "unknown asset kind '{s}' (expected dataset, model or artifact)"
            ))),
        }
    }
}

/// Writes [`Kind::as_str`].
impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
