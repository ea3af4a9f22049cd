//! A single value of a profiled column, as it appears in min / max and
//! frequent-value lists.

use serde::{Deserialize, Serialize};

/// A column value: integers (and temporal values, in their Arrow unit since
/// the epoch) stay exact as `Int`; strings keep their text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// A boolean.
    Bool(bool),
    /// An integer, or a date / time / timestamp / duration in its unit.
    Int(i64),
    /// A floating-point or decimal value.
    Float(f64),
    /// A string.
    Str(String),
}

impl Scalar {
    /// The value as a float, when it is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Bool(b) => Some(*b as u8 as f64),
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Float(f) => Some(*f),
            Scalar::Str(_) => None,
        }
    }

    pub(crate) fn min_of(a: Option<Scalar>, b: Option<Scalar>) -> Option<Scalar> {
        pick(a, b, std::cmp::Ordering::Less)
    }

    pub(crate) fn max_of(a: Option<Scalar>, b: Option<Scalar>) -> Option<Scalar> {
        pick(a, b, std::cmp::Ordering::Greater)
    }
}

fn pick(a: Option<Scalar>, b: Option<Scalar>, want: std::cmp::Ordering) -> Option<Scalar> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => {
            let ord = match (&a, &b) {
                (Scalar::Bool(x), Scalar::Bool(y)) => x.cmp(y),
                (Scalar::Int(x), Scalar::Int(y)) => x.cmp(y),
                (Scalar::Str(x), Scalar::Str(y)) => x.cmp(y),
                _ => a
                    .as_f64()
                    .unwrap_or(f64::NAN)
                    .partial_cmp(&b.as_f64().unwrap_or(f64::NAN))
                    .unwrap_or(std::cmp::Ordering::Equal),
            };
            Some(if ord == want { a } else { b })
        }
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Str(s) => write!(f, "{s}"),
        }
    }
}
