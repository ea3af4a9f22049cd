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

words!(SemanticType, "semantic type", {
    Numeric => "numeric",
    Categorical => "categorical",
    Boolean => "boolean",
    Datetime => "datetime",
    Text => "text",
    Identifier => "identifier",
    Other => "other",
});

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
    fn an_unknown_semantic_type_lists_the_types() {
        let e = "number".parse::<SemanticType>().unwrap_err().to_string();
        assert!(e.contains("unknown semantic type 'number' (expected numeric, categorical, boolean, datetime, text, identifier or other)"), "{e}");
    }
}
