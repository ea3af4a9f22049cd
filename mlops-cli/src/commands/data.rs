//! `mlops profile`, `validate`, `suite` and `diff`: data files and
//! dataset versions.

use std::process::ExitCode;

use mlops_core::report;
use mlops_core::step::StepVerdict;
use mlops_core::validate::{validate_path, InferOptions, Suite, ValidateOptions};
use mlops_core::Error;

use super::{finish_step, write_file, Context};
use crate::args::{DataCommand, SuiteCommand};
use crate::render;

/// Runs one data command; `validate` exits 1 when an error-severity check failed.
pub fn run(cmd: DataCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        DataCommand::Profile {
            file,
            json,
            html,
            bin,
            quiet,
        } => {
            let p = mlops_core::profile_path(&file)?;
            if let Some(out) = json {
                write_file(&out, p.to_json().as_bytes())?;
            }
            if let Some(out) = html {
                write_file(&out, report::profile_html(&p).as_bytes())?;
            }
            if let Some(out) = bin {
                write_file(&out, &p.to_bytes())?;
            }
            if !quiet {
                print!("{}", render::profile_summary(&p));
            }
        }
        DataCommand::Diff {
            name,
            from,
            to,
            key,
            out,
            json,
        } => {
            if key.is_empty() {
                let d = cx.open()?.diff_datasets(&name, &from, &to)?;
                print!("{}", render::dataset_diff(&name, &d));
            } else {
                let key: Vec<&str> = key.iter().map(String::as_str).collect();
                let d = cx.open()?.diff_rows(&name, &from, &to, &key)?;
                if let Some(dir) = out {
                    d.write_to(dir)?;
                }
                if json {
                    print!("{}", render::json_pretty(d.summary()));
                } else {
                    print!("{}", render::row_diff(&name, d.summary()));
                }
            }
        }
        DataCommand::Validate {
            data,
            suite,
            html,
            json,
            unexpected_limit,
            quiet,
            step,
        } => {
            let suite = Suite::load(&suite)?;
            let opts = ValidateOptions {
                unexpected_limit,
                ..ValidateOptions::default()
            };
            let r = validate_path(&suite, &data, &opts)?;
            let mut v = StepVerdict::validation(&r);
            if let Some(out) = json {
                write_file(&out, r.to_json().as_bytes())?;
                v.outputs.insert("json".into(), out.display().to_string());
            }
            if let Some(out) = html {
                write_file(&out, report::validation_html(&r).as_bytes())?;
                v.outputs.insert("html".into(), out.display().to_string());
            }
            let human = (!quiet).then(|| render::validation_summary(&r));
            return finish_step(v, &step, true, human);
        }
        DataCommand::Suite {
            command:
                SuiteCommand::Infer {
                    data,
                    output,
                    name,
                    margin,
                    max_categories,
                },
        } => {
            let opts = InferOptions {
                name,
                margin,
                max_categories,
            };
            let s = Suite::infer_path(&data, &opts)?;
            match output {
                Some(out) => {
                    let text = if out.extension().and_then(|e| e.to_str()) == Some("json") {
                        s.to_json()
                    } else {
                        s.to_yaml()
                    };
                    write_file(&out, text.as_bytes())?;
                    eprintln!("{} checks written to {}", s.checks.len(), out.display());
                }
                None => print!("{}", s.to_yaml()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
