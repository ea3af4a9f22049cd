//! Production monitoring: what a deployed model sees and predicts, cut into
//! event-time windows, with data quality, drift and model quality per
//! window, alert rules over the window results, the Prometheus text format
//! and a retraining trigger (issue #18).
//!
//! ```text
//! <root>/monitors/<name>/log/<20-digit seq>.json   the monitor's events (hash chained)
//! <root>/blobs/...                                  window profiles, kept predictions, joined labels
//! ```

pub mod quality;
