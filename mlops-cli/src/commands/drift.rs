//! `mlops drift`: compare two data sets (or two profiles) column by column.

use std::process::ExitCode;

use mlops_core::drift::{drift_paths, drift_profiles, DriftOptions};
use mlops_core::step::StepVerdict;
use mlops_core::{report, Error};

use super::{finish_step, read_profile, write_file};
use crate::args::DriftArgs;
use crate::render;

/// Runs the comparison; with `--fail-on-drift`, exits 1 on drift and when
/// no column could be tested (the verdict `not_tested` does not pass).
pub fn run(a: DriftArgs) -> Result<ExitCode, Error> {
    let opts = options(&a);
    let r = match (read_profile(&a.reference)?, read_profile(&a.current)?) {
        (Some(x), Some(y)) => drift_profiles(&x, &y, &opts)?,
        (None, None) => drift_paths(&a.reference, &a.current, &opts)?,
        _ => {
            return Err(Error::InvalidInput(
                "compare two data files or two profiles, not one of each".into(),
            ))
        }
    };
    let mut v = StepVerdict::drift(&r);
    if let Some(out) = &a.json {
        write_file(out, r.to_json().as_bytes())?;
        v.outputs.insert("json".into(), out.display().to_string());
    }
    if let Some(out) = &a.html {
        write_file(out, report::drift_html(&r).as_bytes())?;
        v.outputs.insert("html".into(), out.display().to_string());
    }
    let human = (!a.quiet).then(|| render::drift_summary(&r));
    finish_step(v, &a.step, a.fail_on_drift, human)
}

/// The engine's options for the flags given: the core's defaults, and
/// each flag given over its own option.
fn options(a: &DriftArgs) -> DriftOptions {
    let defaults = DriftOptions::default();
    let mut opts = DriftOptions {
        columns: a.columns.clone(),
        method: a.method,
        threshold: a.threshold,
        drift_share: a.drift_share,
        correction: a.correction,
        null_test: defaults.null_test && !a.no_null_test,
        include_datetime: defaults.include_datetime || a.include_datetime,
        ..defaults
    };
    for spec in &a.per_column {
        opts.per_column
            .insert(spec.column.clone(), spec.options.clone());
    }
    opts
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use mlops_core::drift::{ColumnOptions, Correction, DriftOptions, Method};

    use super::options;
    use crate::args::{Cli, Command, DriftArgs};

    fn parse(flags: &[&str]) -> DriftArgs {
        let args = ["mlops", "drift", "ref.parquet", "cur.parquet"];
        match Cli::try_parse_from(args.iter().chain(flags))
            .unwrap()
            .command
        {
            Command::Drift(a) => a,
            _ => unreachable!("a drift command"),
        }
    }

    #[test]
    fn without_flags_the_options_are_the_cores_defaults() {
        assert_eq!(options(&parse(&[])), DriftOptions::default());
    }

    #[test]
    fn each_flag_sets_its_option_and_only_it() {
        let o = options(&parse(&[
            "--method",
            "psi",
            "--threshold",
            "0.2",
            "--drift-share",
            "0.3",
            "--correction",
            "bh",
            "--columns",
            "a,b",
            "--column-method",
            "a=ks:0.01",
            "--no-null-test",
            "--include-datetime",
        ]));
        let mut want = DriftOptions {
            method: Some(Method::Psi),
            threshold: Some(0.2),
            drift_share: 0.3,
            correction: Correction::BenjaminiHochberg,
            columns: Some(vec!["a".into(), "b".into()]),
            null_test: false,
            include_datetime: true,
            ..DriftOptions::default()
        };
        want.per_column.insert(
            "a".into(),
            ColumnOptions {
                method: Some(Method::Ks),
                threshold: Some(0.01),
            },
        );
        assert_eq!(o, want);
    }
}
