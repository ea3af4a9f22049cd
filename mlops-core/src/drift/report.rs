//! The drift report: per column the method, score, threshold and verdict,
//! the null-rate test, summaries and binned distributions of both sides; and
//! the dataset verdict. Serialises to JSON with serde.

use serde::{Deserialize, Serialize};

use super::method::Method;
use super::options::DriftOptions;
use crate::error::{Error, Result};

/// How a column was treated in a drift report; its JSON form (and the
/// strings the bindings give) is the snake-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Numbers (and datetimes, when included), tested as numbers.
    Numerical,
    /// Labels (strings, booleans), tested by their counts.
    Categorical,
    /// Strings that look like free text (most values distinct): left
    /// untested unless a method was asked for the column.
    Text,
}

words!(ColumnType, "drift column type", {
    Numerical => "numerical",
    Categorical => "categorical",
    Text => "text",
});

/// What a [`Distribution`] holds; its JSON form is the lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DistributionKind {
    /// Nothing binned (the column was not tested: one side has no present
    /// values, or it looks like text). Written as the empty string, as the
    /// reports before this type were.
    #[default]
    #[serde(rename = "")]
    None,
    /// A histogram over `edges`.
    Histogram,
    /// Category counts over `labels`.
    Categories,
}

impl DistributionKind {
    /// Every distribution kind, in the order of their documentation.
    pub const ALL: [DistributionKind; 3] = [
        DistributionKind::None,
        DistributionKind::Histogram,
        DistributionKind::Categories,
    ];

    /// `""` (nothing binned), `histogram` or `categories`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DistributionKind::None => "",
            DistributionKind::Histogram => "histogram",
            DistributionKind::Categories => "categories",
        }
    }
}

display_as_str!(DistributionKind);

impl std::str::FromStr for DistributionKind {
    type Err = Error;

    /// Parses [`as_str`](DistributionKind::as_str); anything else is an
    /// [`Error::InvalidInput`] listing the kinds.
    ///
    /// ```
    /// use mlops_core::drift::DistributionKind;
    /// assert_eq!("histogram".parse::<DistributionKind>().unwrap(), DistributionKind::Histogram);
    /// assert_eq!("".parse::<DistributionKind>().unwrap(), DistributionKind::None);
    /// assert!("bars".parse::<DistributionKind>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        DistributionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::unknown(
                    "distribution kind",
                    s,
                    &["'' (nothing binned)", "histogram", "categories"],
                )
            })
    }
}

/// Summary statistics of one side of a column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Rows, missing ones included.
    pub rows: u64,
    /// Rows that are null, NaN or infinite.
    pub missing: u64,
    /// Distinct present values (exact from data, estimated from a profile).
    pub distinct: Option<f64>,
    /// Mean of the present values (numerical columns).
    pub mean: Option<f64>,
    /// Standard deviation (`ddof = 0`) of the present values (numerical columns).
    pub std: Option<f64>,
    /// Smallest present value (numerical columns).
    pub min: Option<f64>,
    /// First quartile (numerical columns).
    pub q25: Option<f64>,
    /// Median (numerical columns).
    pub median: Option<f64>,
    /// Third quartile (numerical columns).
    pub q75: Option<f64>,
    /// Largest present value (numerical columns).
    pub max: Option<f64>,
    /// The most frequent categories with their counts (categorical columns).
    pub top: Vec<(String, u64)>,
}

/// Both sides' shares over common bins, for charts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// `histogram` (with `edges`) or `categories` (with `labels`); the
    /// empty kind when nothing was binned.
    pub kind: DistributionKind,
    /// Bin edges of a histogram (`len = bins + 1`); the first and last bin
    /// also hold the values beyond them.
    pub edges: Vec<f64>,
    /// Category labels; the last is `(other)` when categories were folded.
    pub labels: Vec<String>,
    /// Reference shares per bin.
    pub reference: Vec<f64>,
    /// Current shares per bin.
    pub current: Vec<f64>,
}

/// The test of a change in the share of missing values (null, NaN, ±inf):
/// a two-proportion Z-test, which drifts when its p-value is below the
/// threshold and the effect (Cohen's h) is at least the minimum effect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NullDrift {
    /// Missing share in the reference.
    pub reference_share: f64,
    /// Missing share in the current data.
    pub current_share: f64,
    /// The Z statistic.
    pub statistic: f64,
    /// The two-sided p-value (after the correction, when there is one).
    pub p_value: f64,
    /// Cohen's h: `|2 asin √p₁ − 2 asin √p₂|`.
    pub effect: f64,
    /// The p-value threshold.
    pub threshold: f64,
    /// The smallest effect that counts.
    pub min_effect: f64,
    /// Whether the missing share drifted.
    pub drifted: bool,
}

/// The drift of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    /// Column name.
    pub column: String,
    /// `numerical` or `categorical` (datetime columns, when included, are
    /// numerical); `text` for strings left untested as free text.
    pub column_type: ColumnType,
    /// The value test, or `None` when one side has no present values.
    pub method: Option<Method>,
    /// Evidently's drift score: the p-value of a test, or the distance.
    pub score: Option<f64>,
    /// The test statistic (KS D, chi-square, Z, ...); the distance itself for distances.
    pub statistic: Option<f64>,
    /// The p-value of a test before any correction; `None` for distances.
    pub p_value: Option<f64>,
    /// The threshold the score is compared with.
    pub threshold: f64,
    /// The p-value of the significance guard of a distance (chi-square on
    /// the counts, or KS), when it ran.
    pub guard_p_value: Option<f64>,
    /// Whether the value test found drift (for a distance: at or above its
    /// threshold and, with the guard, significant).
    pub value_drifted: bool,
    /// Why the value test did not run, if it did not.
    pub skipped: Option<String>,
    /// Distinct values in both sides together, as the method choice counted
    /// them: exact for categories; for numbers counting stops past 5 (the
    /// choice only asks "at most 5?"), so 6 means "more than 5"; estimated
    /// (HLL) from profiles.
    pub distinct: Option<f64>,
    /// The null-rate test, when enabled.
    pub nulls: Option<NullDrift>,
    /// Whether the column drifted: its values or its share of missing values.
    pub drifted: bool,
    /// Whether the figures come from sketches (a report from profiles).
    pub approximate: bool,
    /// The reference side.
    pub reference: Summary,
    /// The current side.
    pub current: Summary,
    /// Both sides binned alike.
    pub distribution: Distribution,
}

impl ColumnDrift {
    /// A column's entry before any test ran: its name, type, the asked
    /// threshold (NaN until a method sets one) and both sides' summaries;
    /// nothing tested, nothing drifted, not approximate.
    pub(crate) fn untested(
        column: &str,
        numerical: bool,
        threshold: f64,
        reference: Summary,
        current: Summary,
    ) -> Self {
        ColumnDrift {
            column: column.to_string(),
            column_type: if numerical {
                ColumnType::Numerical
            } else {
                ColumnType::Categorical
            },
            method: None,
            score: None,
            statistic: None,
            p_value: None,
            threshold,
            guard_p_value: None,
            value_drifted: false,
            skipped: None,
            distinct: None,
            nulls: None,
            drifted: false,
            approximate: false,
            reference,
            current,
            distribution: Distribution::default(),
        }
    }
}

/// A column left out of the report, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedColumn {
    /// Column name.
    pub column: String,
    /// Why (its type, usually).
    pub reason: String,
}

/// The data set's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// At least `drift_share` of the tested columns drifted.
    Drift,
    /// Some columns were tested, and too few of them drifted.
    NoDrift,
    /// No column could be tested (every one is in `skipped_columns`, e.g.
    /// because one side has no rows): there is no evidence either way, and
    /// a drift gate must not pass.
    #[default]
    NotTested,
}

impl Verdict {
    /// `drift`, `no_drift` or `not_tested`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Drift => "drift",
            Verdict::NoDrift => "no_drift",
            Verdict::NotTested => "not_tested",
        }
    }
}

/// A drift report between a reference and a current data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// `mlops.drift`.
    pub format: String,
    /// Format version of the JSON.
    pub version: u32,
    /// `data` (raw data, exact) or `profiles` (from sketches, approximate).
    pub source: String,
    /// Reference rows.
    pub reference_rows: u64,
    /// Current rows.
    pub current_rows: u64,
    /// Columns tested (by their value test or their null-rate test).
    pub number_of_columns: usize,
    /// Columns that drifted.
    pub number_of_drifted_columns: usize,
    /// `number_of_drifted_columns / number_of_columns` (0 with no columns).
    pub share_of_drifted_columns: f64,
    /// Whether the data set drifted: the share is at least `options.drift_share`.
    pub dataset_drift: bool,
    /// `drift`, `no_drift`, or `not_tested` when no column could be tested
    /// (then `dataset_drift` is false, and a gate should fail).
    pub verdict: Verdict,
    /// The options used.
    pub options: DriftOptions,
    /// Per tested column, in schema order.
    pub columns: Vec<ColumnDrift>,
    /// Columns not tested, with the reason: a type without a test, or
    /// neither a value test nor a null-rate test could run (e.g. a side
    /// without rows).
    pub skipped_columns: Vec<SkippedColumn>,
}

/// Version of the report JSON (2 added `verdict`, and moved columns that no
/// test could run on to `skipped_columns`).
pub const REPORT_VERSION: u32 = 2;

impl DriftReport {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("reports serialise")
    }

    /// The report of one column, by name.
    pub fn column(&self, name: &str) -> Option<&ColumnDrift> {
        self.columns.iter().find(|c| c.column == name)
    }

    /// Names of the drifted columns, in schema order.
    pub fn drifted_columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.drifted)
            .map(|c| c.column.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{ColumnType, DistributionKind};

    #[test]
    fn unknown_column_types_and_distribution_kinds_list_the_words() {
        let e = "numeric".parse::<ColumnType>().unwrap_err().to_string();
        assert!(
            e.ends_with(
                "unknown drift column type 'numeric' (expected numerical, categorical or text)"
            ),
            "{e}"
        );
        let e = "bars".parse::<DistributionKind>().unwrap_err().to_string();
        assert!(e.ends_with("unknown distribution kind 'bars' (expected '' (nothing binned), histogram or categories)"), "{e}");
    }
}
