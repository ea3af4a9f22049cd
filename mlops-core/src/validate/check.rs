//! Check definitions: typed, serializable specs, one variant per kind of
//! check, with a severity and (for row-level checks) a `mostly` fraction.
//!
//! In a suite file a check is a mapping whose `check` field names its kind;
//! unknown kinds and unknown or mistyped fields are refused by serde with
//! the field's name, and the suite loader adds the check's place in the
//! file (`checks[3]`, line and column).
//!
//! ```
//! use mlops_core::validate::{Check, CheckKind, Severity};
//! let c: Check = serde_json::from_str(
//!     r#"{"check": "values_between", "column": "age", "min": 0, "max": 120, "mostly": 0.99}"#,
//! ).unwrap();
//! assert_eq!(c.severity, Severity::Error);
//! assert!(matches!(c.kind, CheckKind::ValuesBetween { .. }));
//! assert_eq!(c.mostly, Some(0.99));
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a failed check means for the validation's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A failure fails the validation (and the CLI exits 1).
    #[default]
    Error,
    /// A failure is reported but does not fail the validation.
    Warn,
}

impl Severity {
    /// `error` or `warn`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warn => "warn",
        }
    }
}

/// How the two columns of a [`CheckKind::ColumnPair`] compare, row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PairOp {
    /// `a < b`
    #[serde(rename = "<")]
    Lt,
    /// `a <= b`
    #[serde(rename = "<=")]
    Le,
    /// `a > b`
    #[serde(rename = ">")]
    Gt,
    /// `a >= b`
    #[serde(rename = ">=")]
    Ge,
    /// `a == b`
    #[serde(rename = "==")]
    Eq,
    /// `a != b`
    #[serde(rename = "!=")]
    Ne,
}

impl PairOp {
    /// The operator as written.
    pub fn as_str(&self) -> &'static str {
        match self {
            PairOp::Lt => "<",
            PairOp::Le => "<=",
            PairOp::Gt => ">",
            PairOp::Ge => ">=",
            PairOp::Eq => "==",
            PairOp::Ne => "!=",
        }
    }

    /// Whether `a op b` holds for an ordering of `a` against `b`.
    pub fn holds(&self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            PairOp::Lt => ord == Less,
            PairOp::Le => ord != Greater,
            PairOp::Gt => ord == Greater,
            PairOp::Ge => ord != Less,
            PairOp::Eq => ord == Equal,
            PairOp::Ne => ord != Equal,
        }
    }
}

/// A bound of a range: a number, or for date and time columns an ISO 8601
/// text (`2026-01-01` or `2026-01-01T12:00:00`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a number, or an ISO 8601 date or timestamp text"
)]
pub enum Bound {
    /// A number.
    Number(f64),
    /// A date or timestamp, for temporal columns.
    Text(String),
}

impl From<f64> for Bound {
    fn from(v: f64) -> Self {
        Bound::Number(v)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The kinds of checks. Row-level kinds (marked *row*) count the rows that
/// break them and honour `mostly`; the others test one aggregate of the
/// column or table. Nulls are ignored by row-level checks, except
/// `not_null`, as in Great Expectations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckKind {
    /// The column exists (GE `expect_column_to_exist`).
    ColumnExists {
        /// The column.
        column: String,
    },
    /// The column has this type: an Arrow type name (`int64`, `float64`,
    /// `utf8` / `string`, `large_utf8`, `bool`, `timestamp[us]`, `date32`, ...)
    /// or a family (`integer`, `float`, `numeric`, `string`, `boolean`,
    /// `temporal`, `binary`).
    ColumnType {
        /// The column.
        column: String,
        /// The expected type or family.
        #[serde(rename = "type")]
        type_: String,
    },
    /// *Row*: values are not null (GE `expect_column_values_to_not_be_null`).
    /// NaN counts as null in float columns, as pandas counts it.
    NotNull {
        /// The column.
        column: String,
    },
    /// At most this fraction of the rows is null.
    MaxNullFraction {
        /// The column.
        column: String,
        /// The largest allowed null fraction, in `[0, 1]`.
        max: f64,
    },
    /// *Row*: each non-null value occurs once; every row of a repeated value
    /// breaks it (GE `expect_column_values_to_be_unique`).
    Unique {
        /// The column.
        column: String,
    },
    /// *Row*: each combination of the columns' values occurs once; rows in
    /// which all the columns are null are ignored (GE
    /// `expect_compound_columns_to_be_unique`).
    CompoundUnique {
        /// The columns.
        columns: Vec<String>,
    },
    /// *Row*: `min <= value <= max` (strict with `strict_min` / `strict_max`;
    /// a missing bound is open) (GE `expect_column_values_to_be_between`).
    ValuesBetween {
        /// The column.
        column: String,
        /// Lower bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<Bound>,
        /// Upper bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<Bound>,
        /// `min < value` instead of `<=`.
        #[serde(default, skip_serializing_if = "is_false")]
        strict_min: bool,
        /// `value < max` instead of `<=`.
        #[serde(default, skip_serializing_if = "is_false")]
        strict_max: bool,
    },
    /// *Row*: values are in the set (GE `expect_column_values_to_be_in_set`).
    InSet {
        /// The column.
        column: String,
        /// The allowed values (strings, numbers or booleans).
        values: Vec<serde_json::Value>,
    },
    /// *Row*: values are not in the set (GE `expect_column_values_to_not_be_in_set`).
    NotInSet {
        /// The column.
        column: String,
        /// The forbidden values.
        values: Vec<serde_json::Value>,
    },
    /// *Row*: string values contain a match of the regular expression
    /// (anchor it with `^...$` to match whole values; GE
    /// `expect_column_values_to_match_regex`, Rust `regex` syntax).
    MatchesRegex {
        /// The column.
        column: String,
        /// The regular expression.
        regex: String,
    },
    /// *Row*: string lengths (in characters) are between `min` and `max`
    /// (GE `expect_column_value_lengths_to_be_between`).
    LengthBetween {
        /// The column.
        column: String,
        /// Shortest allowed length.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u64>,
        /// Longest allowed length.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u64>,
    },
    /// The smallest value is between `min` and `max` (GE `expect_column_min_to_be_between`).
    MinBetween {
        /// The column.
        column: String,
        /// Lower bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// The largest value is between `min` and `max` (GE `expect_column_max_to_be_between`).
    MaxBetween {
        /// The column.
        column: String,
        /// Lower bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// The mean is between `min` and `max` (GE `expect_column_mean_to_be_between`).
    MeanBetween {
        /// The column.
        column: String,
        /// Lower bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// The sample standard deviation (`ddof = 1`, as pandas and GE) is
    /// between `min` and `max` (GE `expect_column_stdev_to_be_between`).
    StdBetween {
        /// The column.
        column: String,
        /// Lower bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// The exact median (the mean of the two middle values for an even
    /// count) is between `min` and `max` (GE `expect_column_median_to_be_between`).
    MedianBetween {
        /// The column.
        column: String,
        /// Lower bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// The exact `quantile` (nearest rank, as GE's pandas backend) is between `min` and `max`.
    QuantileBetween {
        /// The column.
        column: String,
        /// The quantile, in `[0, 1]`.
        quantile: f64,
        /// Lower bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper bound of the statistic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// The number of distinct non-null values is between `min` and `max`
    /// (exact; GE `expect_column_unique_value_count_to_be_between`).
    DistinctCountBetween {
        /// The column.
        column: String,
        /// Fewest distinct values.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u64>,
        /// Most distinct values.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u64>,
    },
    /// The most common value is in the set; with ties, every tied value
    /// must be, unless `ties_okay` (then one is enough) (GE
    /// `expect_column_most_common_value_to_be_in_set`).
    MostCommonInSet {
        /// The column.
        column: String,
        /// The allowed values.
        values: Vec<serde_json::Value>,
        /// Whether a tie with a value outside the set is fine.
        #[serde(default, skip_serializing_if = "is_false")]
        ties_okay: bool,
    },
    /// The table has between `min` and `max` rows (GE `expect_table_row_count_to_be_between`).
    RowCountBetween {
        /// Fewest rows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u64>,
        /// Most rows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u64>,
    },
    /// *Row*: `a op b` in each row where at least one side is present (GE
    /// `expect_column_pair_values_a_to_be_greater_than_b` and
    /// `expect_column_pair_values_to_be_equal`; a null on one side breaks it).
    ColumnPair {
        /// The left column.
        a: String,
        /// The operator.
        op: PairOp,
        /// The right column.
        b: String,
    },
    /// *Row*: each non-null value is at least (`strict`: greater than) the
    /// previous non-null value (GE `expect_column_values_to_be_increasing`).
    Increasing {
        /// The column.
        column: String,
        /// Strictly increasing.
        #[serde(default, skip_serializing_if = "is_false")]
        strict: bool,
    },
    /// *Row*: each non-null value is at most (`strict`: less than) the
    /// previous non-null value (GE `expect_column_values_to_be_decreasing`).
    Decreasing {
        /// The column.
        column: String,
        /// Strictly decreasing.
        #[serde(default, skip_serializing_if = "is_false")]
        strict: bool,
    },
    /// The newest value of a timestamp or date column is no older than
    /// `max_age` (`90s`, `15m`, `6h`, `2d`, `1w`, or a combination like `1d12h`).
    Freshness {
        /// The column.
        column: String,
        /// The largest allowed age of the newest value.
        max_age: String,
    },
    /// The column's distribution is close to a reference profile's: the
    /// drift engine's test (Evidently's default method, or `method`) finds
    /// no drift. `reference` is the path of a profile (`mlops profile
    /// --json` / `--bin`), relative to the suite file.
    Distribution {
        /// The column.
        column: String,
        /// The reference profile's path.
        reference: String,
        /// A drift method (`ks`, `wasserstein`, `psi`, ...) instead of the default choice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method: Option<String>,
        /// A threshold instead of the method's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        threshold: Option<f64>,
    },
}

impl CheckKind {
    /// The check's kind as written in a suite (`not_null`, `values_between`, ...).
    pub fn name(&self) -> &'static str {
        use CheckKind::*;
        match self {
            ColumnExists { .. } => "column_exists",
            ColumnType { .. } => "column_type",
            NotNull { .. } => "not_null",
            MaxNullFraction { .. } => "max_null_fraction",
            Unique { .. } => "unique",
            CompoundUnique { .. } => "compound_unique",
            ValuesBetween { .. } => "values_between",
            InSet { .. } => "in_set",
            NotInSet { .. } => "not_in_set",
            MatchesRegex { .. } => "matches_regex",
            LengthBetween { .. } => "length_between",
            MinBetween { .. } => "min_between",
            MaxBetween { .. } => "max_between",
            MeanBetween { .. } => "mean_between",
            StdBetween { .. } => "std_between",
            MedianBetween { .. } => "median_between",
            QuantileBetween { .. } => "quantile_between",
            DistinctCountBetween { .. } => "distinct_count_between",
            MostCommonInSet { .. } => "most_common_in_set",
            RowCountBetween { .. } => "row_count_between",
            ColumnPair { .. } => "column_pair",
            Increasing { .. } => "increasing",
            Decreasing { .. } => "decreasing",
            Freshness { .. } => "freshness",
            Distribution { .. } => "distribution",
        }
    }

    /// The columns the check reads (none for `row_count_between`).
    pub fn columns(&self) -> Vec<&str> {
        use CheckKind::*;
        match self {
            CompoundUnique { columns } => columns.iter().map(String::as_str).collect(),
            ColumnPair { a, b, .. } => vec![a.as_str(), b.as_str()],
            RowCountBetween { .. } => vec![],
            ColumnExists { column }
            | ColumnType { column, .. }
            | NotNull { column }
            | MaxNullFraction { column, .. }
            | Unique { column }
            | ValuesBetween { column, .. }
            | InSet { column, .. }
            | NotInSet { column, .. }
            | MatchesRegex { column, .. }
            | LengthBetween { column, .. }
            | MinBetween { column, .. }
            | MaxBetween { column, .. }
            | MeanBetween { column, .. }
            | StdBetween { column, .. }
            | MedianBetween { column, .. }
            | QuantileBetween { column, .. }
            | DistinctCountBetween { column, .. }
            | MostCommonInSet { column, .. }
            | Increasing { column, .. }
            | Decreasing { column, .. }
            | Freshness { column, .. }
            | Distribution { column, .. } => vec![column.as_str()],
        }
    }

    /// Whether the check is row-level: it counts the rows that break it and
    /// honours `mostly`.
    pub fn is_row_level(&self) -> bool {
        use CheckKind::*;
        matches!(
            self,
            NotNull { .. }
                | Unique { .. }
                | CompoundUnique { .. }
                | ValuesBetween { .. }
                | InSet { .. }
                | NotInSet { .. }
                | MatchesRegex { .. }
                | LengthBetween { .. }
                | ColumnPair { .. }
                | Increasing { .. }
                | Decreasing { .. }
        )
    }
}

/// One check of a suite: what to check, how bad a failure is, and for
/// row-level checks the fraction of rows that must pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// What is checked.
    pub kind: CheckKind,
    /// Whether a failure fails the validation (`error`, the default) or only warns.
    pub severity: Severity,
    /// Row-level checks pass when at least this fraction of the non-null
    /// rows pass (Great Expectations' `mostly`); `None` means all of them.
    pub mostly: Option<f64>,
    /// An optional label shown in reports.
    pub name: Option<String>,
}

impl From<CheckKind> for Check {
    fn from(kind: CheckKind) -> Self {
        Check {
            kind,
            severity: Severity::Error,
            mostly: None,
            name: None,
        }
    }
}

impl Check {
    /// This check with a severity.
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    /// This check with a `mostly` fraction.
    pub fn mostly(mut self, m: f64) -> Self {
        self.mostly = Some(m);
        self
    }

    /// This check with a label.
    pub fn named(mut self, n: impl Into<String>) -> Self {
        self.name = Some(n.into());
        self
    }

    /// Checks the arguments that serde cannot (ranges, fractions, regexes,
    /// durations); the error names the field.
    pub fn validate(&self) -> Result<()> {
        use CheckKind::*;
        let bad = |m: String| Err(Error::InvalidInput(m));
        if let Some(m) = self.mostly {
            if !self.kind.is_row_level() {
                return bad(format!(
                    "field `mostly`: {} is not a row-level check, mostly does not apply",
                    self.kind.name()
                ));
            }
            if !(0.0..=1.0).contains(&m) {
                return bad(format!("field `mostly`: {m} is not between 0 and 1"));
            }
        }
        match &self.kind {
            MaxNullFraction { max, .. } if !(0.0..=1.0).contains(max) => {
                bad(format!("field `max`: {max} is not between 0 and 1"))
            }
            QuantileBetween { quantile, .. } if !(0.0..=1.0).contains(quantile) => bad(format!(
                "field `quantile`: {quantile} is not between 0 and 1"
            )),
            MatchesRegex { regex, .. } => match regex::Regex::new(regex) {
                Ok(_) => Ok(()),
                Err(e) => bad(format!("field `regex`: {e}")),
            },
            Freshness { max_age, .. } => parse_duration(max_age)
                .map(|_| ())
                .map_err(|e| Error::InvalidInput(format!("field `max_age`: {e}"))),
            CompoundUnique { columns } if columns.is_empty() => {
                bad("field `columns`: name at least one column".into())
            }
            InSet { values, .. } | NotInSet { values, .. } | MostCommonInSet { values, .. } => {
                match values.iter().find(|v| v.is_array() || v.is_object()) {
                    Some(v) => bad(format!(
                        "field `values`: {v} is not a string, number, boolean or null"
                    )),
                    None => Ok(()),
                }
            }
            Distribution {
                method: Some(m), ..
            } => m
                .parse::<crate::drift::Method>()
                .map(|_| ())
                .map_err(|e| Error::InvalidInput(format!("field `method`: {e}"))),
            _ => Ok(()),
        }
    }
}

/// Parses a duration like `90s`, `15m`, `6h`, `2d`, `1w` or `1d12h` into seconds.
///
/// ```
/// use mlops_core::validate::parse_duration;
/// assert_eq!(parse_duration("1d12h").unwrap(), 129_600.0);
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<f64> {
    let bad = || {
        Error::InvalidInput(format!(
            "'{s}' is not a duration (write e.g. 90s, 15m, 6h, 2d, 1w or 1d12h)"
        ))
    };
    let mut total = 0.0;
    let mut num = String::new();
    let mut any = false;
    for ch in s.trim().chars() {
        if ch.is_ascii_digit() || ch == '.' {
            num.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86_400.0,
            'w' => 604_800.0,
            _ => return Err(bad()),
        };
        let n: f64 = num.parse().map_err(|_| bad())?;
        total += n * unit;
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any {
        return Err(bad());
    }
    Ok(total)
}

/// The field a type error is about: serde's message for internally tagged
/// enums does not name it, so each field is left out in turn; the one whose
/// absence ends the type error is the culprit.
fn culprit(map: &serde_json::Map<String, serde_json::Value>, msg: &str) -> Option<String> {
    let typed = |m: &str| {
        !(m.starts_with("unknown field")
            || m.starts_with("unknown variant")
            || m.starts_with("missing field"))
    };
    if !typed(msg) {
        return None;
    }
    let parses = |m: serde_json::Map<String, serde_json::Value>| {
        serde_json::from_value::<CheckKind>(serde_json::Value::Object(m)).is_ok()
    };
    let keys = || map.keys().filter(|k| *k != "check");
    // An optional field: the check parses without it. A required one: it
    // parses with a text or a list in its place.
    keys()
        .find(|k| {
            let mut m = map.clone();
            m.remove(*k);
            parses(m)
        })
        .or_else(|| {
            keys().find(|k| {
                [serde_json::json!("x"), serde_json::json!([])]
                    .into_iter()
                    .any(|v| {
                        let mut m = map.clone();
                        m.insert((*k).clone(), v);
                        parses(m)
                    })
            })
        })
        .cloned()
}

/// The fields every check may carry besides its kind's.
const COMMON: [&str; 3] = ["severity", "mostly", "name"];

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(&self.kind).map_err(serde::ser::Error::custom)?;
        let map = v.as_object_mut().expect("check kinds serialise as maps");
        if self.severity != Severity::Error {
            map.insert("severity".into(), self.severity.as_str().into());
        }
        if let Some(m) = self.mostly {
            map.insert("mostly".into(), m.into());
        }
        if let Some(n) = &self.name {
            map.insert("name".into(), n.clone().into());
        }
        v.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let label = map
            .get("check")
            .and_then(|v| v.as_str())
            .map(|s| format!("check `{s}`: "))
            .unwrap_or_default();
        let err = |m: String| D::Error::custom(format!("{label}{m}"));
        let severity = match map.remove(COMMON[0]) {
            None => Severity::Error,
            Some(v) => {
                serde_json::from_value(v).map_err(|e| err(format!("field `severity`: {e}")))?
            }
        };
        let mostly = match map.remove(COMMON[1]) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .ok_or_else(|| err(format!("field `mostly`: {v} is not a number")))?,
            ),
        };
        let name = match map.remove(COMMON[2]) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(v) => return Err(err(format!("field `name`: {v} is not a string"))),
        };
        if !map.contains_key("check") {
            return Err(err(
                "missing field `check` (the kind of check, e.g. not_null)".into(),
            ));
        }
        let kind: CheckKind = match serde_json::from_value(serde_json::Value::Object(map.clone())) {
            Ok(k) => k,
            Err(e) => {
                let m = e.to_string();
                return Err(err(match culprit(&map, &m) {
                    Some(f) => format!("field `{f}`: {m}"),
                    None => m,
                }));
            }
        };
        let c = Check {
            kind,
            severity,
            mostly,
            name,
        };
        c.validate().map_err(|e| match e {
            Error::InvalidInput(m) => err(m),
            other => err(other.to_string()),
        })?;
        Ok(c)
    }
}
