//! Experiment tracking: runs, their parameters, tags and metric series at
//! full resolution, and their links to the registry's data sets and models,
//! in the same serverless store.
//!
//! ```text
//! <root>/runs/<run id>/log/<20-digit seq>.json   the run's events (hash chained)
//! <root>/blobs/...                               metric segments, artifacts
//! ```
//!
//! A run is its own log: ids are UUIDv7 ([`new_run_id`]), so runs written
//! on several machines never share a counter and two stores merge with a
//! plain copy. Its first event names the experiment, the parent run and
//! where it runs; then come parameters (add-only), tags, one `metrics`
//! event per flush of points (a Parquet segment in the content store and
//! the per-series summary of that flush: count, NaNs, first and last step,
//! last, min, max, sum), inputs, outputs, artifacts, and the end. The state
//! of a run is the fold of its log ([`RunInfo`]); a run whose log says it
//! is running but whose process is known to be gone reads as
//! [`RunStatus::Crashed`].
//!
//! Runs come in from MLflow tracking stores
//! ([`import_mlflow`](crate::registry::Registry::import_mlflow),
//! `runs/mlflow.rs`) and TensorBoard event files
//! ([`import_tensorboard`](crate::registry::Registry::import_tensorboard)),
//! and go out as event files
//! ([`export_run_tensorboard`](crate::registry::Registry::export_run_tensorboard),
//! `runs/tensorboard.rs`), with the `interop` feature (on by default).
//!
//! Points are never dropped or sampled when written: any step order and
//! repeated steps are kept, non-finite values too (counted as NaNs or
//! taken into min/max). Reads sort a series by (step, time), and a
//! downsampled view keeps the first, last, smallest and largest point of
//! each step bucket (M4), so it is deterministic and shows every spike.
//!
//! When a run asks for it ([`RunOptions::system_metrics`], off by
//! default), a thread samples the machine's CPU, memory, disk and network
//! into the run every 10 s under MLflow's keys ([`SYSTEM_METRIC_KEYS`]).
//!
//! ```
//! use mlops_core::registry::Registry;
//! use mlops_core::runs::{RunStatus, StartRun};
//! let r = Registry::open("memory://").unwrap();
//! let run = r
//!     .start_run(StartRun {
//!         experiment: Some("churn".into()),
//!         params: Some(serde_json::json!({"lr": 0.1, "model": {"depth": 6}})),
//!         ..Default::default()
//!     })
//!     .unwrap();
//! for step in 0..1000 {
//!     run.log(&[("loss", 1.0 / (step + 1) as f64)], step, None).unwrap();
//! }
//! run.end(RunStatus::Finished, None).unwrap();
//! let info = r.run(run.id()).unwrap();
//! assert_eq!(info.params["model.depth"], "6");
//! assert_eq!(info.metric("loss", None).unwrap().min, 0.001);
//! let loss = r.run_history(run.id(), "loss", &Default::default()).unwrap();
//! assert_eq!(loss.num_rows(), 1000);
//! ```

mod compact;
mod compare;
mod event;
pub(crate) mod exit;
mod fold;
mod history;
mod id;
#[cfg(feature = "interop")]
mod import;
mod index;
#[cfg(feature = "interop")]
mod mlflow;
mod params;
mod read;
mod search;
mod segment;
mod source;
mod summary;
mod system;
mod table;
#[cfg(feature = "interop")]
mod tensorboard;
mod writer;

use serde::{Deserialize, Serialize};

pub use compare::{MetricRow, ParamRow, RunComparison, COMPARE_RUNS, CURVE_BUCKETS};
pub use event::{RunChange, RunEvent, Source, RUN_EVENT_FORMAT, RUN_EVENT_VERSION};
pub use exit::take_over_sigterm;
pub use fold::{RunArtifact, RunInfo};
pub use history::HistoryOptions;
pub use id::{check_run_id, new_run_id};
#[cfg(feature = "interop")]
pub use import::IMPORTED_FROM_TAG;
#[cfg(feature = "interop")]
pub use mlflow::{ImportMlflow, MlflowImport, MLFLOW_EXPERIMENT_TAG};
pub use params::{MAX_KEY_CHARS, MAX_PARAM_CHARS, MAX_TAG_CHARS};
pub use search::{runs_table, RunKeys, RunsPage, METRIC_STATS};
pub use segment::{history_schema, segment_schema};
pub use summary::SeriesSummary;
pub use system::{MIN_SYSTEM_METRICS_INTERVAL, SYSTEM_METRICS_INTERVAL, SYSTEM_METRIC_KEYS};
#[cfg(feature = "interop")]
pub use tensorboard::{
    masked_crc32c, read_tfrecords, write_tfrecord, ImportTensorboard, MAX_TFRECORD_BYTES,
    TENSORBOARD_FILE_VERSION,
};
pub use writer::{Run, RunOptions, StartRun};

/// The variable `mlops run exec` sets to its run's id for the command it
/// runs, so that a run the command starts is that run (see
/// [`Registry::start_run`](crate::registry::Registry::start_run)).
pub const RUN_ID_ENV: &str = "MLOPS_RUN_ID";

/// The experiment of a run started without one.
pub const DEFAULT_EXPERIMENT: &str = "default";

/// How a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Started and not ended.
    Running,
    /// Ended normally.
    Finished,
    /// Ended by an error in the run's code.
    Failed,
    /// Ended by a signal or a person (SIGTERM, Ctrl-C).
    Killed,
    /// Not ended, and its process is gone (never written: read only).
    Crashed,
}

words!(RunStatus, "run status", {
    Running => "running",
    Finished => "finished",
    Failed => "failed",
    Killed => "killed",
    Crashed => "crashed",
});
