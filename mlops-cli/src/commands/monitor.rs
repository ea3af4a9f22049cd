//! `mlops monitor create`, `log`, `labels`, `results` and `list`: a
//! deployed model's traffic in event-time windows (`mlops_core::monitor`).

use std::process::ExitCode;

use mlops_core::drift::DriftOptions;
use mlops_core::monitor::{LabelsLogged, NewMonitor};
use mlops_core::Error;

use super::Context;
use crate::args::MonitorCommand;
use crate::render;

/// Runs one `mlops monitor` command.
pub fn run(cmd: MonitorCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        MonitorCommand::Create {
            name,
            timestamp,
            reference,
            window,
            prediction,
            target,
            id,
            segments,
            max_segments,
            allowed_lateness,
            future_tolerance,
            prediction_retention,
            task,
            threshold,
            drift,
            json,
        } => {
            let new = NewMonitor {
                reference,
                window,
                timestamp,
                prediction,
                target,
                id,
                segments,
                max_segments,
                allowed_lateness,
                future_tolerance,
                prediction_retention,
                task: task.map(|t| t.as_str().to_string()),
                threshold,
                drift: drift.as_deref().map(DriftOptions::from_json).transpose()?,
            };
            let m = cx.open()?.create_monitor(&name, &new)?;
            if json {
                print!("{}", render::json_line(m.config()));
            } else {
                print!("{}", render::monitor_config(&name, m.config()));
            }
        }
        MonitorCommand::Log { name, file, now } => {
            let m = cx.open()?.monitor(&name)?;
            m.set_clock(now);
            let (mut rows, mut placed) = (0u64, 0u64);
            for batch in mlops_core::io::read_path(&file)? {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                placed += m.log(&batch)?;
            }
            m.flush()?;
            println!("{rows} rows read, {placed} placed in windows");
        }
        MonitorCommand::Labels {
            name,
            file,
            now,
            json,
        } => {
            let m = cx.open()?.monitor(&name)?;
            m.set_clock(now);
            let mut sum = LabelsLogged::default();
            for batch in mlops_core::io::read_path(&file)? {
                let l = m.log_labels(&batch?)?;
                sum.joined += l.joined;
                sum.unknown_ids += l.unknown_ids;
                sum.duplicates += l.duplicates;
                sum.nulls += l.nulls;
            }
            let counts = serde_json::json!({
                "joined": sum.joined,
                "unknown_ids": sum.unknown_ids,
                "duplicates": sum.duplicates,
                "nulls": sum.nulls,
            });
            print!("{}", render::json_or(json, &counts, render::labels_logged));
        }
        MonitorCommand::Results { name, now, json } => {
            let results = cx.open()?.monitor_results(&name, now)?;
            if json {
                results
                    .iter()
                    .for_each(|r| print!("{}", render::json_line(r)));
            } else {
                print!("{}", render::monitor_results(&results));
            }
        }
        MonitorCommand::List { json } => {
            let names = cx.open()?.monitor_names()?;
            print!("{}", render::json_or(json, names.as_slice(), render::lines));
        }
    }
    Ok(ExitCode::SUCCESS)
}
