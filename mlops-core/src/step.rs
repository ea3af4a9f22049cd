//! The pipeline-step contract: what a check run as a step of a pipeline
//! (Argo, Kubeflow, Airflow, any CI) reports, whichever front-end runs it.
//!
//! A step is one of `validate`, `drift`, `gate`, `package verify` and
//! `monitor check`. It ends in one of three ways, each with its exit status:
//!
//! | status | meaning |
//! | --- | --- |
//! | [`EXIT_PASSED`] (0) | the check ran and passed |
//! | [`EXIT_FAILED`] (1) | the check ran and the data or model failed it (a `--exit-zero` run exits 0 instead) |
//! | [`EXIT_ERROR`] (2) | no verdict: bad input (a missing file, a bad suite, a column not in the data) or another error |
//!
//! A step that ran has a [`StepVerdict`]: `passed`, and the figures an
//! orchestrator branches on (`drifted`, `share_drifted`, `failed_errors`,
//! ...), printed as one JSON line and written one file per figure for
//! Argo's `valueFrom.path` and Kubeflow's container outputs. A drift report
//! with no testable column (`verdict: not_tested`) is a verdict, not an
//! error: the gate did not pass, so it is a failed check (status 1).
//!
//! ```
//! use mlops_core::step::StepVerdict;
//! use mlops_core::validate::gate;
//! let metrics = [("auc".to_string(), 0.91)].into_iter().collect();
//! let v = StepVerdict::gate(&gate(&metrics, None, &["auc >= 0.8"])?);
//! assert!(v.passed);
//! assert_eq!(v.exit_status(true, false), mlops_core::step::EXIT_PASSED);
//! assert!(v.to_json_line().starts_with(r#"{"step":"gate","passed":true,"rules":1"#));
//! # Ok::<(), mlops_core::Error>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::drift::{DriftReport, Verdict};
use crate::monitor::rules::Severity;
use crate::monitor::CheckReport;
use crate::validate::{GateReport, ValidationResult};
use crate::Error;

/// The exit status of a step whose check passed.
pub const EXIT_PASSED: u8 = 0;
/// The exit status of a step whose data or model failed the check.
pub const EXIT_FAILED: u8 = 1;
/// The exit status of a step that gave no verdict: bad input or an error.
pub const EXIT_ERROR: u8 = 2;

/// The verdict of one step: whether it passed, its figures in a fixed
/// order, and the files it wrote (`outputs`, by kind: `json`, `html`, `dir`).
#[derive(Debug, Clone, PartialEq)]
pub struct StepVerdict {
    /// The step: `validate`, `drift`, `gate`, `package verify` or `monitor check`.
    pub step: String,
    /// Whether the check passed.
    pub passed: bool,
    /// The step's figures, in the order they are printed.
    pub values: Vec<(String, Value)>,
    /// The files written, by kind (`json`, `html`, `dir`).
    pub outputs: BTreeMap<String, String>,
}

impl StepVerdict {
    fn new(step: &str, passed: bool, values: Vec<(&str, Value)>) -> Self {
        StepVerdict {
            step: step.into(),
            passed,
            values: values.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            outputs: BTreeMap::new(),
        }
    }

    /// A validation's verdict: passed when no error-severity check failed;
    /// `rows`, `evaluated`, `successful`, `failed_errors`,
    /// `failed_warnings`, `success_percent`.
    pub fn validation(r: &ValidationResult) -> Self {
        let s = &r.statistics;
        Self::new(
            "validate",
            r.success,
            vec![
                ("suite", json!(r.suite)),
                ("rows", json!(r.rows)),
                ("evaluated", json!(s.evaluated)),
                ("successful", json!(s.successful)),
                ("failed_errors", json!(s.failed_errors)),
                ("failed_warnings", json!(s.failed_warnings)),
                ("success_percent", json!(s.success_percent)),
            ],
        )
    }

    /// A drift report's verdict: passed only when the data set was tested
    /// and did not drift (`not_tested` does not pass); `drifted`, `verdict`,
    /// `share_drifted`, `drifted_columns`, `tested_columns`, `skipped_columns`.
    pub fn drift(r: &DriftReport) -> Self {
        Self::new(
            "drift",
            r.verdict == Verdict::NoDrift,
            vec![
                ("drifted", json!(r.dataset_drift)),
                ("verdict", json!(r.verdict.as_str())),
                ("share_drifted", json!(r.share_of_drifted_columns)),
                ("drifted_columns", json!(r.number_of_drifted_columns)),
                ("tested_columns", json!(r.number_of_columns)),
                ("skipped_columns", json!(r.skipped_columns.len())),
            ],
        )
    }

    /// A gate's verdict: passed when every rule held; `rules`, `failed_rules`.
    pub fn gate(r: &GateReport) -> Self {
        let failed = r.rules.iter().filter(|x| !x.passed).count();
        Self::new(
            "gate",
            r.passed,
            vec![
                ("rules", json!(r.rules.len())),
                ("failed_rules", json!(failed)),
            ],
        )
    }

    /// A monitor check's verdict: passed unless a rule of `fail_on`
    /// severity or worse is firing (always passed without `fail_on`);
    /// `monitor`, `firing` (rule and severity pairs), `worst`,
    /// `new_alerts`, `retrain_requests`.
    pub fn monitor_check(name: &str, r: &CheckReport, fail_on: Option<Severity>) -> Self {
        Self::new(
            "monitor check",
            !fail_on.is_some_and(|s| r.fails(s)),
            vec![
                ("monitor", json!(name)),
                ("firing", json!(r.firing)),
                ("worst", json!(r.worst)),
                ("new_alerts", json!(r.new_alerts)),
                ("retrain_requests", json!(r.retrain_requests)),
            ],
        )
    }

    /// A package verification's verdict from its outcome: the key id that
    /// signed it (`Some` when signatures were checked), or the failure. A
    /// file that changed, is missing or is unlisted
    /// ([`Error::Integrity`]), a package not signed ([`Error::NotFound`])
    /// or signed by an untrusted key ([`Error::PermissionDenied`]) is a
    /// failed check with its `reason`; any other error is returned.
    /// `name`, `version`, `files`, `signed_by`, `reason`.
    #[cfg(feature = "package")]
    pub fn package_verify(
        pkg: &crate::package::Package,
        outcome: Result<Option<String>, Error>,
    ) -> Result<Self, Error> {
        let (passed, signed_by, reason) = match outcome {
            Ok(key) => (true, key, None),
            Err(e @ (Error::Integrity(_) | Error::NotFound(_) | Error::PermissionDenied(_))) => {
                (false, None, Some(e.to_string()))
            }
            Err(e) => return Err(e),
        };
        let m = pkg.manifest();
        Ok(Self::new(
            "package verify",
            passed,
            vec![
                ("name", json!(m.name)),
                ("version", json!(m.version)),
                ("files", json!(m.files.len())),
                ("signed_by", json!(signed_by)),
                ("reason", json!(reason)),
            ],
        ))
    }

    /// One of the step's figures, by name (`passed` included).
    pub fn value(&self, key: &str) -> Option<Value> {
        if key == "passed" {
            return Some(json!(self.passed));
        }
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// The exit status: [`EXIT_FAILED`] when the check failed and the
    /// caller gates on it (`gating`) without `exit_zero`, else
    /// [`EXIT_PASSED`].
    pub fn exit_status(&self, gating: bool, exit_zero: bool) -> u8 {
        if self.passed || !gating || exit_zero {
            EXIT_PASSED
        } else {
            EXIT_FAILED
        }
    }

    /// The verdict as one line of JSON (no newline): `step`, `passed`, the
    /// figures in order, then `outputs`.
    pub fn to_json_line(&self) -> String {
        let mut line = format!("{{\"step\":{},\"passed\":{}", json!(self.step), self.passed);
        for (k, v) in &self.values {
            line.push_str(&format!(",{}:{v}", json!(k)));
        }
        line.push_str(&format!(",\"outputs\":{}}}", json!(self.outputs)));
        line
    }

    /// Writes `passed` and each figure to a file of its name in `dir`
    /// (created if missing): a string as its text, `null` as an empty
    /// file, anything else as JSON (`true`, `0.31`, `[["psi","critical"]]`),
    /// with no newline, as Argo's `valueFrom.path` and Kubeflow's outputs
    /// read them. Each file is written whole or not at all.
    pub fn write_outputs(&self, dir: &Path) -> Result<(), Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let passed = ("passed".to_string(), json!(self.passed));
        for (k, v) in std::iter::once(&passed).chain(&self.values) {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                v => v.to_string(),
            };
            let path = dir.join(k);
            let tmp = dir.join(format!(".{k}.tmp{}", std::process::id()));
            std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }
}

/// The JSON line of a step that gave no verdict ([`EXIT_ERROR`]):
/// `{"step": ..., "passed": false, "error": {"kind": ..., "message": ...}}`,
/// the kind being the error's code (`INVALID_INPUT`, `NOT_FOUND`, ...).
pub fn error_line(step: &str, e: &Error) -> String {
    format!(
        "{{\"step\":{},\"passed\":false,\"error\":{{\"kind\":{},\"message\":{}}}}}",
        json!(step),
        json!(e.code()),
        json!(e.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_exits_1_only_when_gating_without_exit_zero() {
        let metrics = [("auc".to_string(), 0.7)].into_iter().collect();
        let g = crate::validate::gate(&metrics, None, &["auc >= 0.8"]).unwrap();
        let v = StepVerdict::gate(&g);
        assert!(!v.passed);
        assert_eq!(v.exit_status(true, false), EXIT_FAILED);
        assert_eq!(v.exit_status(true, true), EXIT_PASSED);
        assert_eq!(v.exit_status(false, false), EXIT_PASSED);
        assert_eq!(v.value("failed_rules"), Some(json!(1)));
        assert_eq!(
            v.to_json_line(),
            r#"{"step":"gate","passed":false,"rules":1,"failed_rules":1,"outputs":{}}"#
        );
    }

    #[test]
    fn outputs_are_one_file_per_figure() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = StepVerdict::new(
            "drift",
            false,
            vec![
                ("verdict", json!("drift")),
                ("share_drifted", json!(0.5)),
                ("worst", Value::Null),
            ],
        );
        v.outputs.insert("dir".into(), "out".into());
        v.write_outputs(dir.path()).unwrap();
        let read = |k: &str| std::fs::read_to_string(dir.path().join(k)).unwrap();
        assert_eq!(read("passed"), "false");
        assert_eq!(read("verdict"), "drift");
        assert_eq!(read("share_drifted"), "0.5");
        assert_eq!(read("worst"), "");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
    }

    #[test]
    fn an_error_line_names_the_kind() {
        let line = error_line("validate", &Error::InvalidInput("no column x".into()));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["passed"], json!(false));
        assert_eq!(v["error"]["kind"], json!("INVALID_INPUT"));
        assert!(line.starts_with(r#"{"step":"validate","passed":false,"error":"#));
        assert_eq!(v["step"], json!("validate"));
    }
}
