//! `mlops run exec` (a command as a tracked run) and `mlops runs list`,
//! `show`, `history`, `verify`, `export` and `import`.

use std::process::ExitCode;
use std::time::Duration;

use mlops_core::runs::{
    HistoryOptions, ImportMlflow, ImportTensorboard, RunOptions, RunStatus, StartRun, RUN_ID_ENV,
};
use mlops_core::Error;

use super::Context;
use crate::args::{RunCommand, RunsCommand};
use crate::render;

/// Runs `mlops run exec`: starts the run, runs the command with the run's
/// id in its environment, and ends the run with how the command ended.
pub fn exec(cmd: RunCommand, cx: &Context) -> Result<ExitCode, Error> {
    let RunCommand::Exec {
        experiment,
        name,
        params,
        tags,
        system_metrics,
        system_metrics_interval,
        cause,
        command,
    } = cmd;
    let cause = cause.as_deref().map(str::parse).transpose()?;
    let mut options = RunOptions {
        system_metrics,
        ..Default::default()
    };
    if let Some(s) = system_metrics_interval {
        options.system_metrics_interval = Duration::try_from_secs_f64(s).map_err(|_| {
            Error::InvalidInput(format!(
                "--system-metrics-interval: {s} is not a number of seconds"
            ))
        })?;
    }
    let registry = cx.open()?;
    let params = serde_json::Value::Object(
        params
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect(),
    );
    // Under another `mlops run exec`, this run is nested in that one.
    let parent = std::env::var(RUN_ID_ENV).ok().filter(|v| !v.is_empty());
    let run = registry.start_run(StartRun {
        experiment,
        name,
        parent,
        params: Some(params),
        tags: tags.into_iter().collect(),
        command: Some(command.clone()),
        options,
        cause,
    })?;
    eprintln!("mlops: run {}", run.id());
    let child = std::process::Command::new(&command[0])
        .args(&command[1..])
        .env(RUN_ID_ENV, run.id())
        .env("MLOPS_STORE", &cx.store)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            run.end(RunStatus::Failed, None)?;
            return Err(Error::io(&command[0], e));
        }
    };
    let status = {
        let _forward = signals::Forward::to(child.id());
        child.wait().map_err(|e| Error::io(&command[0], e))?
    };
    let (run_status, code) = match status.code() {
        Some(0) => (RunStatus::Finished, 0),
        Some(c) => (RunStatus::Failed, c),
        None => (RunStatus::Killed, 128 + signals::number(&status)),
    };
    run.end(run_status, status.code())?;
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}

/// Runs one `mlops runs` command.
pub fn run(cmd: RunsCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        RunsCommand::List { experiment, json } => {
            let runs = cx.open()?.runs(experiment.as_deref())?;
            if json {
                runs.iter().for_each(|r| print!("{}", render::json_line(r)));
            } else {
                print!("{}", render::run_list(&runs));
            }
        }
        RunsCommand::Search { query, json } => {
            let runs = cx.open()?.search_runs(&query)?;
            if json {
                runs.iter().for_each(|r| print!("{}", render::json_line(r)));
            } else {
                print!("{}", render::run_list(&runs));
            }
        }
        RunsCommand::Compare { ids, html, json } => {
            let registry = cx.open()?;
            if let Some(path) = html {
                let page = registry.compare_runs_html(&ids)?;
                super::write_file(&path, page.as_bytes())?;
            }
            let c = registry.compare_runs(&ids)?;
            print!(
                "{}",
                render::pretty_json_or(json, &c, render::run_comparison)
            );
        }
        RunsCommand::Show { id, json } => {
            let r = cx.open()?.run(&id)?;
            print!("{}", render::pretty_json_or(json, &r, render::run_info));
        }
        RunsCommand::History {
            id,
            key,
            context,
            downsample,
        } => {
            let h = cx.open()?.run_history(
                &id,
                &key,
                &HistoryOptions {
                    context,
                    downsample,
                },
            )?;
            // Times are UTC: written as naive timestamps with a `Z`
            // (arrow's CSV writer needs chrono-tz to name a zone).
            let naive = arrow::datatypes::DataType::Timestamp(
                arrow::datatypes::TimeUnit::Microsecond,
                None,
            );
            let mut cols = h.columns().to_vec();
            cols[1] = arrow::compute::cast(&cols[1], &naive)?;
            let fields: Vec<arrow::datatypes::Field> = h
                .schema()
                .fields()
                .iter()
                .zip(&cols)
                .map(|(f, c)| f.as_ref().clone().with_data_type(c.data_type().clone()))
                .collect();
            let h = arrow::array::RecordBatch::try_new(
                std::sync::Arc::new(arrow::datatypes::Schema::new(fields)),
                cols,
            )?;
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .with_timestamp_format("%Y-%m-%dT%H:%M:%S%.6fZ".to_string())
                .build(std::io::stdout().lock());
            w.write(&h)?;
        }
        RunsCommand::Verify { id } => {
            let points = cx.open()?.verify_run(&id)?;
            println!("run {id}: {points} points, hash chain, segments and artifacts intact");
        }
        RunsCommand::ExportParquet { path, query } => {
            let n = cx.open()?.export_runs_parquet(query.as_deref(), &path)?;
            println!("{n} runs written to {}", path.display());
        }
        RunsCommand::Reindex => {
            let n = cx.open()?.rebuild_run_table()?;
            println!("run table rebuilt: {n} ended runs");
        }
        RunsCommand::Export { tensorboard, id } => {
            let dir = tensorboard.expect("clap requires one format");
            for f in cx.open()?.export_run_tensorboard(&id, &dir)? {
                println!("{}", f.display());
            }
        }
        RunsCommand::Import {
            mlflow,
            tensorboard,
            experiment,
            name,
            json,
        } => {
            let registry = cx.open()?;
            if let Some(source) = mlflow {
                let report = registry.import_mlflow(&source, &ImportMlflow { experiment })?;
                if json {
                    print!("{}", render::json_line(&report));
                } else {
                    print!("{}", render::mlflow_import(&report));
                }
            } else if let Some(path) = tensorboard {
                let id = registry.import_tensorboard(
                    &path,
                    &ImportTensorboard {
                        experiment,
                        name,
                        ..Default::default()
                    },
                )?;
                if json {
                    print!("{}", render::json_line(&serde_json::json!({ "run": id })));
                } else {
                    println!("run {id}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// While a command runs under `mlops run exec`: Ctrl-C reaches the command
/// (the terminal sends it to the whole process group) and not this process,
/// and a SIGTERM sent to this process is passed on to the command, so the
/// run ends `killed` instead of being left behind.
#[cfg(unix)]
mod signals {
    use std::os::unix::process::ExitStatusExt;
    use std::sync::atomic::{AtomicI32, Ordering};

    static CHILD: AtomicI32 = AtomicI32::new(0);

    extern "C" fn pass_on(sig: libc::c_int) {
        let pid = CHILD.load(Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: kill(2) is async-signal-safe.
            unsafe { libc::kill(pid, sig) };
        }
    }

    /// Signal handling for the life of a child.
    pub struct Forward {
        saved: [libc::sighandler_t; 2],
    }

    impl Forward {
        /// Ignores SIGINT and passes SIGTERM on to `pid`.
        pub fn to(pid: u32) -> Forward {
            CHILD.store(pid as i32, Ordering::SeqCst);
            // SAFETY: installs plain handlers; `pass_on` only calls kill(2).
            let saved = unsafe {
                [
                    libc::signal(libc::SIGINT, libc::SIG_IGN),
                    libc::signal(libc::SIGTERM, pass_on as *const () as libc::sighandler_t),
                ]
            };
            Forward { saved }
        }
    }

    impl Drop for Forward {
        fn drop(&mut self) {
            // SAFETY: restores the handlers saved above.
            unsafe {
                libc::signal(libc::SIGINT, self.saved[0]);
                libc::signal(libc::SIGTERM, self.saved[1]);
            }
            CHILD.store(0, Ordering::SeqCst);
        }
    }

    /// The signal that ended a process.
    pub fn number(status: &std::process::ExitStatus) -> i32 {
        status.signal().unwrap_or(0)
    }
}

#[cfg(not(unix))]
mod signals {
    /// No signals to pass on.
    pub struct Forward;

    impl Forward {
        /// Nothing to install.
        pub fn to(_pid: u32) -> Forward {
            Forward
        }
    }

    /// No signal ended it.
    pub fn number(_status: &std::process::ExitStatus) -> i32 {
        0
    }
}
