//! What an asset is: a data set, a model, an artifact or a series of keyed profiles.

use serde::{Deserialize, Serialize};

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

words!(Kind, "asset kind", {
    Dataset => "dataset",
    Model => "model",
    Artifact => "artifact",
    Profile => "profile",
});
