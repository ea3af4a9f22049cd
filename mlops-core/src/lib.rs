//! # mlops-core
//!
//! The engine of **mlops**: the operational half of machine learning —
//! versioning, validation, profiling and drift, packaging, governance,
//! tracking and monitoring — as one embeddable library over Arrow data.
//! The Python (`import mlops`), Node (`mlops` on npm) and CLI front-ends are
//! thin layers over this crate.
//!
//! Today it profiles data:
//!
//! ```no_run
//! let p = mlops_core::profile_path("data.parquet")?;
//! for c in p.columns() {
//!     println!("{}: mean {:?}, p50 {:?}", c.name(), c.mean(), c.quantile(0.5));
//! }
//! std::fs::write("profile.html", mlops_core::report::profile_html(&p))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]
#[macro_use]
mod words;

pub mod accumulate;
pub mod dataset;
pub mod drift;
pub mod error;
pub mod expr;
pub mod governance;
#[cfg(feature = "package")]
pub mod guard;
pub mod io;
pub mod monitor;
#[cfg(feature = "package")]
pub mod package;
pub mod profile;
pub mod registry;
pub mod report;
pub mod runs;
pub mod search;
pub mod small_file;
pub(crate) mod sort;
pub mod step;
pub mod store;
mod sum;
pub mod table;
pub mod text;
/// Directories of many files as one versioned asset.
pub mod tree;
pub mod unset;
pub mod validate;
pub mod webhook;
pub(crate) mod wire;
// Session 14, lane A: time for retention and GC, and the collector.
pub mod clock;
pub mod gc;

pub use error::{Error, Result};
pub use profile::{profile, profile_path, ColumnProfile, Profile};
