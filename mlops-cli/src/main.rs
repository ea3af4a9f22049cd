//! `mlops`: the command line over mlops-core. Each subcommand is a thin
//! wrapper over one engine call; errors print their kind and message and
//! exit with status 2 (status 1 is kept for "the check failed", e.g. drift;
//! the pipeline steps' contract is `mlops_core::step`'s).
//!
//! Layout: [`args`] is the grammar, [`commands`] runs each group,
//! [`render`] writes the human outputs; this file parses, dispatches and
//! maps errors to exit codes.

mod args;
mod commands;
mod render;

use std::error::Error as _;
use std::process::ExitCode;

use args::{Cli, Command};
use clap::Parser;
use commands::Context;
use mlops_core::Error;

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let cx = Context {
        store: cli.store,
        reason: cli.reason,
    };
    match cli.command {
        Command::Registry(cmd) => commands::registry::run(cmd, &cx),
        Command::Data(cmd) => commands::data::run(cmd, &cx),
        Command::Audit { command } => commands::governance::audit(command, &cx),
        Command::Policy { command } => commands::governance::policy(command, &cx),
        Command::Gate(a) => commands::gate::run(a, &cx),
        Command::Drift(a) => commands::drift::run(a),
        Command::Feed { command } => commands::feed::run(command, &cx),
        Command::Package { command } => commands::package::run(command, &cx),
        Command::Profiles { command } => commands::profiles::run(command, &cx),
        Command::Run { command } => commands::runs::exec(command, &cx),
        Command::Runs { command } => commands::runs::run(command, &cx),
        Command::Monitor { command } => commands::monitor::run(command, &cx),
        Command::Ui(a) => commands::ui::run(a, &cx),
        Command::Gc { .. }
        | Command::Expire { .. }
        | Command::Pin { .. }
        | Command::Fsck { .. } => commands::gc::run(cli.command, &cx),
    }
}

/// An engine error: its kind and message on standard error, status 2.
fn fail(e: &Error) -> ExitCode {
    eprintln!("mlops: error [{}]: {e}", e.code());
    ExitCode::from(mlops_core::step::EXIT_ERROR)
}

/// The pipeline step `command` runs, when it was asked for a JSON line
/// (`monitor check` always prints one): its error is then a JSON line too.
fn json_line_step(command: &Command) -> Option<&'static str> {
    use args::{DataCommand, MonitorCommand, PackageCommand};
    match command {
        Command::Data(DataCommand::Validate { step, .. }) => step.json_line.then_some("validate"),
        Command::Drift(a) => a.step.json_line.then_some("drift"),
        Command::Gate(a) => a.step.json_line.then_some("gate"),
        Command::Package {
            command: PackageCommand::Verify { step, .. },
        } => step.json_line.then_some("package verify"),
        Command::Monitor {
            command: MonitorCommand::Check { .. },
        } => Some("monitor check"),
        _ => None,
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A value the engine's own parser refused (a kind, a role, a
        // method, KIND/NAME@VERSION) is reported as the engine's error.
        Err(e) => match e.source().and_then(|s| s.downcast_ref::<Error>()) {
            Some(core) => return fail(core),
            // Usage errors exit 2, --help and --version 0.
            None => e.exit(),
        },
    };
    let step = json_line_step(&cli.command);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if let Some(step) = step {
                println!("{}", mlops_core::step::error_line(step, &e));
            }
            fail(&e)
        }
    }
}
