//! What an asset is: a data set, a model, an artifact or a series of keyed profiles.

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
    /// Profiles of a data set saved under keys (a partition date, a
    /// batch id), merged later without rescanning: see
    /// [`Registry::save_profile`](super::Registry::save_profile).
    Profile,
}

impl Kind {
    /// Every kind, in the order listings show them.
    pub const ALL: [Kind; 4] = [Kind::Dataset, Kind::Model, Kind::Artifact, Kind::Profile];

    /// `dataset`, `model`, `artifact` or `profile`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Dataset => "dataset",
            Kind::Model => "model",
            Kind::Artifact => "artifact",
            Kind::Profile => "profile",
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
            "profile" => Ok(Kind::Profile),
            _ => Err(Error::InvalidInput(format!(
                "unknown asset kind '{s}' (expected dataset, model, artifact or profile)"
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
