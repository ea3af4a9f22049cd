//! Validation results: per check the verdict, the observed value, the
//! unexpected rows (count, percent, and the first few with their row
//! indices), and the overall verdict. Serialises to JSON with serde.

use serde::{Deserialize, Serialize};

use super::check::Severity;

/// The format name of result JSON.
pub const RESULT_FORMAT: &str = "mlops.validation";
/// The result JSON's format version.
pub const RESULT_VERSION: u32 = 1;

/// One row that broke a row-level check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unexpected {
    /// The row's index in the data (0-based, across all batches), or in its
    /// [`partition`](Self::partition) when it has one.
    pub row: u64,
    /// Its value (for a column pair or compound check, the values as a list).
    pub value: serde_json::Value,
    /// The partition the row is in, when the result was merged from the
    /// partial states of partitions (see [`crate::accumulate`]): `row` then
    /// counts from that partition's first row. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<u64>,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check's index in its suite.
    pub index: usize,
    /// The check's kind (`not_null`, `values_between`, ...).
    pub check: String,
    /// The check's label, if it has one.
    pub name: Option<String>,
    /// The columns it reads.
    pub columns: Vec<String>,
    /// `error` or `warn`.
    pub severity: Severity,
    /// Whether it passed.
    pub success: bool,
    /// The statistic the check tested (mean, row count, the type, ...);
    /// for row-level checks the fraction of non-null rows that passed.
    pub observed_value: serde_json::Value,
    /// Rows seen.
    pub element_count: u64,
    /// Rows with a missing value (null, or NaN in a float column), which
    /// row-level checks other than `not_null` ignore.
    pub missing_count: u64,
    /// Rows that broke a row-level check.
    pub unexpected_count: Option<u64>,
    /// `unexpected_count` over the non-missing rows, in percent (over all
    /// rows for `not_null`), as Great Expectations reports it.
    pub unexpected_percent: Option<f64>,
    /// The first unexpected rows (up to the validation's limit), in row order.
    pub partial_unexpected: Vec<Unexpected>,
    /// The `mostly` fraction the check used.
    pub mostly: Option<f64>,
    /// Why the check failed without a statistic (wrong type, empty column, ...).
    pub reason: Option<String>,
    /// The check as written in the suite.
    pub spec: serde_json::Value,
}

/// Counts over a validation's checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    /// Checks run.
    pub evaluated: usize,
    /// Checks that passed.
    pub successful: usize,
    /// Error-severity checks that failed.
    pub failed_errors: usize,
    /// Warn-severity checks that failed.
    pub failed_warnings: usize,
    /// `successful / evaluated` in percent (100 with no checks).
    pub success_percent: f64,
}

/// The result of validating a data set against a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationResult {
    /// `mlops.validation`.
    pub format: String,
    /// Format version of the JSON.
    pub version: u32,
    /// The suite's name.
    pub suite: String,
    /// Whether no error-severity check failed.
    pub success: bool,
    /// Rows validated.
    pub rows: u64,
    /// Counts over the checks.
    pub statistics: Statistics,
    /// Per check, in suite order.
    pub results: Vec<CheckResult>,
}

impl ValidationResult {
    pub(crate) fn new(suite: &str, rows: u64, results: Vec<CheckResult>) -> Self {
        let failed = |s: Severity| {
            results
                .iter()
                .filter(|r| !r.success && r.severity == s)
                .count()
        };
        let successful = results.iter().filter(|r| r.success).count();
        let statistics = Statistics {
            evaluated: results.len(),
            successful,
            failed_errors: failed(Severity::Error),
            failed_warnings: failed(Severity::Warn),
            success_percent: if results.is_empty() {
                100.0
            } else {
                100.0 * successful as f64 / results.len() as f64
            },
        };
        ValidationResult {
            format: RESULT_FORMAT.into(),
            version: RESULT_VERSION,
            suite: suite.into(),
            success: statistics.failed_errors == 0,
            rows,
            statistics,
            results,
        }
    }

    /// The result as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("results serialise")
    }

    /// The checks that failed, in suite order.
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.results.iter().filter(|r| !r.success)
    }
}
