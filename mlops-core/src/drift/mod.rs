//! Two-sample drift statistics.
//!
//! [`stats`] holds the statistical tests and distances on raw samples or on
//! category shares, [`cvm`] the two-sample Cramér–von Mises test, each defined as SciPy (or, where noted, Evidently or
//! TFDV) defines it and checked against SciPy's values in
//! `mlops-core/tests/drift_stats.rs`. Column and dataset drift reports build
//! on them.

pub mod anderson;
pub mod cvm;
pub mod stats;
