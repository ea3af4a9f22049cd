//! Drift: two-sample statistics, and column and dataset drift reports.
//!
//! - [`stats`], [`ks`], [`cvm`], [`anderson`]: the statistical tests and
//!   distances on raw samples or category shares, each defined as SciPy (or,
//!   where noted, Evidently or TFDV) defines it and checked against SciPy's
//!   values in `mlops-core/tests/drift_stats.rs`.
//! - [`drift`], [`drift_readers`], [`drift_paths`]: a [`DriftReport`]
//!   between two data sets, with Evidently's default choice of method per
//!   column ([`default_method`]), its thresholds and binning (`binning.rs`),
//!   plus a test of the share of missing values, an optional
//!   multiple-testing [`Correction`] and the dataset verdict.
//! - [`drift_profiles`]: the same report from two stored profiles, without
//!   the data (approximate; the module docs of `profiles` say how).
//!
//! Missing values (null, NaN, ±inf) take no part in the value tests, as in
//! Evidently; the null-rate test compares their share instead. A side with
//! no present values has no value test (`skipped` says why); its null-rate
//! test still runs.

pub mod anderson;
pub(crate) mod binning;
mod column;
pub mod cvm;
mod dataset;
pub(crate) mod ecdf;
pub mod ks;
mod method;
mod options;
mod profiles;
mod report;
pub(crate) mod sample;
pub mod stats;

pub use dataset::{drift, drift_paths, drift_readers};
pub use method::{default_method, Method, ALL_METHODS};
pub use options::{ColumnOptions, Correction, DriftOptions};
pub use profiles::drift_profiles;
pub use report::{
    ColumnDrift, ColumnType, Distribution, DistributionKind, DriftReport, NullDrift, SkippedColumn,
    Summary, Verdict, REPORT_VERSION,
};
