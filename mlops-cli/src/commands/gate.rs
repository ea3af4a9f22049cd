//! `mlops gate`: judge a version's metrics by rules and record the report.

use std::collections::BTreeMap;
use std::process::ExitCode;

use mlops_core::step::StepVerdict;
use mlops_core::Error;

use super::{finish_step, write_file, Context};
use crate::args::GateArgs;

/// Judges, records the report on the version and exits 1 when it failed.
pub fn run(a: GateArgs, cx: &Context) -> Result<ExitCode, Error> {
    let candidate = metrics_arg("--metrics", &a.metrics)?;
    let baseline = a
        .baseline
        .map(|b| metrics_arg("--baseline", &b))
        .transpose()?;
    let report = mlops_core::validate::gate(&candidate, baseline.as_ref(), &a.rules)?;
    cx.open()?
        .record_gate(a.kind, &a.name, a.version, &report)?;
    let mut v = StepVerdict::gate(&report);
    if let Some(out) = &a.report_json {
        write_file(out, report.to_json().as_bytes())?;
        v.outputs.insert("json".into(), out.display().to_string());
    }
    let human = if a.json {
        format!("{}\n", report.to_json())
    } else {
        format!(
            "gate {} for {} '{}' v{}\n",
            if report.passed { "PASSED" } else { "FAILED" },
            a.kind.as_str(),
            a.name,
            a.version
        )
    };
    finish_step(v, &a.step, true, Some(human))
}

/// A JSON object of numbers given as `flag`.
fn metrics_arg(flag: &str, text: &str) -> Result<BTreeMap<String, f64>, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::InvalidInput(format!("{flag} is not a JSON object of numbers: {e}")))
}
