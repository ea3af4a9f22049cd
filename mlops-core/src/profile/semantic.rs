//! Inference of what a column's values mean, from its type and profile.
//!
//! The rules, in order (`n` = non-null values, `d` = distinct estimate):
//! 1. booleans are `boolean`; dates, times, timestamps and durations `datetime`;
//!    binary and nested columns `other`;
//! 2. integers with `d <= 20` are `categorical`; integers with `n >= 50` and
//!    `d >= 0.95 n` are `identifier`; other numbers are `numeric`;
//! 3. strings with `n >= 50` and `d >= 0.95 n` are `identifier` when their
//!    mean length is under 40 characters, else `text`; strings whose mean length
//!    is 40 or more, or with `d > 0.5 n` and `d > 50`, are `text`; other strings
//!    are `categorical`.
//!
//! An empty or all-null column takes the type its Arrow type suggests.

use serde::{Deserialize, Serialize};

use super::column::{ColumnProfile, ValueKind};
use crate::error::{Error, Result};

/// What a column's values mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticType {
    /// Quantities.
    Numeric,
    /// A small set of labels.
    Categorical,
    /// True / false.
    Boolean,
    /// Points or spans in time.
    Datetime,
    /// Free text.
    Text,
    /// Keys: (almost) every value distinct.
    Identifier,
    /// Binary or nested values.
    Other,
}

impl SemanticType {
    /// The snake-case name used in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            SemanticType::Numeric => "numeric",
            SemanticType::Categorical => "categorical",
            SemanticType::Boolean => "boolean",
            SemanticType::Datetime => "datetime",
            SemanticType::Text => "text",
            SemanticType::Identifier => "identifier",
            SemanticType::Other => "other",
        }
    }

    /// Every semantic type, in the order of their documentation.
    pub const ALL: [SemanticType; 7] = [
        SemanticType::Numeric,
        SemanticType::Categorical,
        SemanticType::Boolean,
        SemanticType::Datetime,
        SemanticType::Text,
        SemanticType::Identifier,
        SemanticType::Other,
    ];
}

impl std::fmt::Display for SemanticType {
    /// [`as_str`](SemanticType::as_str).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SemanticType {
    type Err = Error;

    /// Parses [`as_str`](SemanticType::as_str); anything else is an
    /// [`Error::InvalidInput`] listing the types.
    ///
    /// ```
    /// use mlops_core::profile::SemanticType;
    /// assert_eq!("identifier".parse::<SemanticType>().unwrap(), SemanticType::Identifier);
    /// assert!("date".parse::<SemanticType>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        SemanticType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                Error::unknown("semantic type", s, &SemanticType::ALL.map(|t| t.as_str()))
            })
    }
}

pub(crate) fn infer(c: &ColumnProfile) -> SemanticType {
    let n = (c.count - c.null_count) as f64;
    let d = c.distinct_estimate().unwrap_or(0.0);
    let unique = n >= 50.0 && d >= 0.95 * n;
    match c.kind {
        ValueKind::Boolean => SemanticType::Boolean,
        ValueKind::Temporal => SemanticType::Datetime,
        ValueKind::Binary | ValueKind::Nested => SemanticType::Other,
        ValueKind::Numeric if c.is_float() || n == 0.0 => SemanticType::Numeric,
        ValueKind::Numeric if d <= 20.0 => SemanticType::Categorical,
        ValueKind::Numeric if unique => SemanticType::Identifier,
        ValueKind::Numeric => SemanticType::Numeric,
        ValueKind::String => {
            let mean_len = c.length_mean().unwrap_or(0.0);
            if n == 0.0 {
                SemanticType::Categorical
            } else if unique {
                if mean_len < 40.0 {
                    SemanticType::Identifier
                } else {
                    SemanticType::Text
                }
            } else if mean_len >= 40.0 || (d > 0.5 * n && d > 50.0) {
                SemanticType::Text
            } else {
                SemanticType::Categorical
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SemanticType;

    #[test]
    fn semantic_types_round_trip_through_their_names_and_serde() {
        for t in SemanticType::ALL {
            assert_eq!(t.to_string().parse::<SemanticType>().unwrap(), t);
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        let e = "number".parse::<SemanticType>().unwrap_err().to_string();
        assert!(e.contains("unknown semantic type 'number' (expected numeric, categorical, boolean, datetime, text, identifier or other)"), "{e}");
    }
}
