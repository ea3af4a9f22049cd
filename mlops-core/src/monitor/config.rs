//! What a monitor watches and how: [`MonitorConfig`], written once in the
//! monitor's first event, and [`NewMonitor`], what a caller gives to create
//! one (every field but the timestamp column optional; the defaults live
//! here and only here).

use serde::{Deserialize, Serialize};

use crate::drift::DriftOptions;
use crate::error::{Error, Result};
use crate::store::Hash;
use crate::validate::Suite;

/// The window length when none is given.
pub const DEFAULT_WINDOW: &str = "1h";
/// How long after its end a window still takes late rows, when not given.
pub const DEFAULT_ALLOWED_LATENESS: &str = "48h";
/// How far past the clock an event time may be before its row is refused
/// as future-dated (clocks of the services that log drift a little).
pub const DEFAULT_FUTURE_TOLERANCE: &str = "5m";
/// How long kept predictions wait for their labels, when not given.
pub const DEFAULT_PREDICTION_RETENTION: &str = "30d";
/// The score at or above which a binary prediction counts as positive.
pub const DEFAULT_THRESHOLD: f64 = 0.5;
/// The most distinct segments one monitor keeps apart; rows of further
/// segments are counted under [`OTHER_SEGMENT`] (a segment column with ids
/// in it would otherwise make one window state per row).
pub const DEFAULT_MAX_SEGMENTS: usize = 100;
/// The segment of rows past [`MonitorConfig::max_segments`].
pub const OTHER_SEGMENT: &str = "__other__";
/// The longest duration a monitor takes (ten years), so that window
/// arithmetic on event times never overflows.
const MAX_DURATION_SECS: u64 = 10 * 366 * 86_400;

/// What the model's predictions are, for model quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// A score in [0, 1] for the positive class; labels are 0/1 or booleans.
    Binary,
    /// A predicted class; labels are classes.
    Multiclass,
    /// A number; labels are numbers.
    Regression,
}

impl Task {
    /// `binary`, `multiclass` or `regression`.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
        }
    }
}

impl std::str::FromStr for Task {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "binary" => Ok(Task::Binary),
            "multiclass" => Ok(Task::Multiclass),
            "regression" => Ok(Task::Regression),
            _ => Err(Error::InvalidInput(format!(
                "monitor option 'task': '{s}' is none of binary, multiclass, regression"
            ))),
        }
    }
}

/// The reference a monitor compares each window with: a data set version
/// of the registry, resolved to its number when the monitor is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceRef {
    /// The data set's name.
    pub name: String,
    /// Its version number.
    pub version: u64,
}

/// A monitor's settings, as its first event records them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorConfig {
    /// The reference data set version, if any (without one, windows get
    /// data quality but no drift and no out-of-range counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<ReferenceRef>,
    /// Window length in seconds: windows are tumbling and floored to
    /// multiples of it since the Unix epoch (UTC).
    pub window_secs: u64,
    /// The event-time column.
    pub timestamp: String,
    /// The model's output column (a score for binary tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction: Option<String>,
    /// The label column, in labels given later (and in the reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The column that identifies a prediction, to join its label later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Columns whose values cut each window into segments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<String>,
    /// The most segments kept apart (see [`DEFAULT_MAX_SEGMENTS`]).
    pub max_segments: usize,
    /// Seconds after its end that a window still takes late rows; after
    /// that it is final and late rows are counted as too late.
    pub allowed_lateness_secs: u64,
    /// Seconds past the clock an event time may be.
    pub future_tolerance_secs: u64,
    /// Seconds kept predictions wait for their labels.
    pub prediction_retention_secs: u64,
    /// What the predictions are (model quality needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// The positive-class threshold of binary scores.
    pub threshold: f64,
    /// How windows are compared with the reference.
    pub drift: DriftOptions,
    /// The validation suite every window's rows are checked with: its
    /// JSON in the content store (see `monitor/window_suite.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<Hash>,
}

impl MonitorConfig {
    /// The columns that are not profiled: the event time and the id.
    pub fn is_bookkeeping(&self, column: &str) -> bool {
        column == self.timestamp || self.id.as_deref() == Some(column)
    }
}

/// What a caller gives to create a monitor: everything but the timestamp
/// column may be left out and takes the defaults above. Durations are text
/// (`"90s"`, `"15m"`, `"1h"`, `"2d"`, `"1w"`; see [`parse_duration`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewMonitor {
    /// The reference data set and version (number, alias or `latest`).
    pub reference: Option<(String, String)>,
    /// Window length ([`DEFAULT_WINDOW`]).
    pub window: Option<String>,
    /// The event-time column (required).
    pub timestamp: String,
    /// The prediction column.
    pub prediction: Option<String>,
    /// The label column.
    pub target: Option<String>,
    /// The prediction id column.
    pub id: Option<String>,
    /// Segment columns.
    pub segments: Vec<String>,
    /// The most segments kept apart ([`DEFAULT_MAX_SEGMENTS`]).
    pub max_segments: Option<usize>,
    /// Lateness allowed ([`DEFAULT_ALLOWED_LATENESS`]).
    pub allowed_lateness: Option<String>,
    /// Future tolerance ([`DEFAULT_FUTURE_TOLERANCE`]).
    pub future_tolerance: Option<String>,
    /// Prediction retention ([`DEFAULT_PREDICTION_RETENTION`]).
    pub prediction_retention: Option<String>,
    /// The task (`binary`, `multiclass`, `regression`); inferred as binary
    /// when a prediction and a target are named and the reference's
    /// prediction column is a float between 0 and 1 — otherwise left unset.
    pub task: Option<String>,
    /// Binary threshold ([`DEFAULT_THRESHOLD`]).
    pub threshold: Option<f64>,
    /// Drift options (the drift report's defaults).
    pub drift: Option<DriftOptions>,
    /// A validation suite whose verdicts every window (and segment)
    /// reports (`suite.*` fields); stored in the content store when the
    /// monitor is created. Not read from serialised settings: give the
    /// suite itself.
    #[serde(skip)]
    pub suite: Option<Suite>,
}

impl NewMonitor {
    /// The settings with every default filled in and every value checked;
    /// errors name the option. The reference is resolved by the caller.
    pub(crate) fn config(&self, reference: Option<ReferenceRef>) -> Result<MonitorConfig> {
        let column = |what: &str, c: &str| -> Result<()> {
            if c.is_empty() || c.len() > 1024 {
                return Err(Error::InvalidInput(format!(
                    "monitor option '{what}': a column name of 1 to 1024 bytes, got {c:?}"
                )));
            }
            Ok(())
        };
        column("timestamp", &self.timestamp)?;
        for (what, c) in [
            ("prediction", &self.prediction),
            ("target", &self.target),
            ("id", &self.id),
        ] {
            if let Some(c) = c {
                column(what, c)?;
                if *c == self.timestamp {
                    return Err(Error::InvalidInput(format!(
                        "monitor option '{what}': '{c}' is already the timestamp column"
                    )));
                }
            }
        }
        for s in &self.segments {
            column("segments", s)?;
            if self.is_bookkeeping(s) {
                return Err(Error::InvalidInput(format!(
                    "monitor option 'segments': '{s}' is the timestamp or id column"
                )));
            }
        }
        let window_secs = duration("window", self.window.as_deref(), DEFAULT_WINDOW)?;
        if window_secs == 0 {
            return Err(Error::InvalidInput(
                "monitor option 'window': must be at least 1s".into(),
            ));
        }
        let threshold = self.threshold.unwrap_or(DEFAULT_THRESHOLD);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::InvalidInput(format!(
                "monitor option 'threshold': a number between 0 and 1, got {threshold}"
            )));
        }
        let max_segments = self.max_segments.unwrap_or(DEFAULT_MAX_SEGMENTS);
        if max_segments == 0 || max_segments > 100_000 {
            return Err(Error::InvalidInput(format!(
                "monitor option 'max_segments': 1 to 100000, got {max_segments}"
            )));
        }
        let drift = self.drift.clone().unwrap_or_default();
        drift.validate()?;
        Ok(MonitorConfig {
            reference,
            window_secs,
            timestamp: self.timestamp.clone(),
            prediction: self.prediction.clone(),
            target: self.target.clone(),
            id: self.id.clone(),
            segments: self.segments.clone(),
            max_segments,
            allowed_lateness_secs: duration(
                "allowed_lateness",
                self.allowed_lateness.as_deref(),
                DEFAULT_ALLOWED_LATENESS,
            )?,
            future_tolerance_secs: duration(
                "future_tolerance",
                self.future_tolerance.as_deref(),
                DEFAULT_FUTURE_TOLERANCE,
            )?,
            prediction_retention_secs: duration(
                "prediction_retention",
                self.prediction_retention.as_deref(),
                DEFAULT_PREDICTION_RETENTION,
            )?,
            task: self.task.as_deref().map(str::parse).transpose()?,
            threshold,
            drift,
            suite: self
                .suite
                .as_ref()
                .map(|s| Hash::of(&super::window_suite::WindowSuite::bytes(s))),
        })
    }

    fn is_bookkeeping(&self, column: &str) -> bool {
        column == self.timestamp || self.id.as_deref() == Some(column)
    }
}

fn duration(what: &str, given: Option<&str>, default: &str) -> Result<u64> {
    parse_duration(given.unwrap_or(default)).map_err(|e| match e {
        Error::InvalidInput(m) => Error::InvalidInput(format!("monitor option '{what}': {m}")),
        e => e,
    })
}

/// Seconds in a duration written as a whole number and a unit: `s`, `m`,
/// `h`, `d` or `w` (`"90s"`, `"15m"`, `"48h"`, `"7d"`), up to ten years.
///
/// ```
/// use mlops_core::monitor::parse_duration;
/// assert_eq!(parse_duration("1h").unwrap(), 3600);
/// assert_eq!(parse_duration("2d").unwrap(), 172_800);
/// assert!(parse_duration("1.5h").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<u64> {
    let bad = || {
        Error::InvalidInput(format!(
            "duration {text:?}: a whole number and a unit s, m, h, d or w (\"1h\", \"48h\", \"7d\")"
        ))
    };
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    let secs = n.checked_mul(scale).ok_or_else(bad)?;
    if secs > MAX_DURATION_SECS {
        return Err(Error::InvalidInput(format!(
            "duration {text:?}: longer than ten years"
        )));
    }
    Ok(secs)
}

/// A duration as the shortest text [`parse_duration`] reads back.
pub fn format_duration(secs: u64) -> String {
    for (unit, scale) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs >= scale && secs.is_multiple_of(scale) {
            return format!("{}{unit}", secs / scale);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_print_back() {
        for (t, s) in [
            ("90s", 90),
            ("15m", 900),
            ("1h", 3600),
            ("48h", 172_800),
            ("1w", 604_800),
        ] {
            assert_eq!(parse_duration(t).unwrap(), s);
        }
        assert_eq!(format_duration(172_800), "2d");
        assert_eq!(format_duration(90), "90s");
        for bad in [
            "",
            "h",
            "1",
            "1.5h",
            "-1h",
            "1y",
            "99999999999999999999h",
            "5000w",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_fill_in_and_bad_options_are_named() {
        let c = NewMonitor {
            timestamp: "t".into(),
            ..Default::default()
        }
        .config(None)
        .unwrap();
        assert_eq!((c.window_secs, c.allowed_lateness_secs), (3600, 172_800));
        assert_eq!(c.threshold, DEFAULT_THRESHOLD);
        let err = |m: NewMonitor| m.config(None).unwrap_err().to_string();
        assert!(err(NewMonitor::default()).contains("'timestamp'"));
        let e = err(NewMonitor {
            timestamp: "t".into(),
            window: Some("0s".into()),
            ..Default::default()
        });
        assert!(e.contains("'window'"), "{e}");
        let e = err(NewMonitor {
            timestamp: "t".into(),
            id: Some("t".into()),
            ..Default::default()
        });
        assert!(e.contains("'id'"), "{e}");
        let e = err(NewMonitor {
            timestamp: "t".into(),
            task: Some("ranking".into()),
            ..Default::default()
        });
        assert!(e.contains("'task'"), "{e}");
    }
}
