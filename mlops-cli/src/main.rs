//! `mlops`: the command line over mlops-core. Each subcommand is a thin
//! wrapper over one engine call; errors print their kind and message and
//! exit with status 2 (status 1 is kept for "the check failed", e.g. drift).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mlops_core::{report, Error, Profile};

/// mlops: versioning, validation, profiling and drift for ML data.
#[derive(Parser)]
#[command(name = "mlops", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Profile a data file (.parquet, .csv, .arrow, .feather, .arrows).
    Profile {
        /// The data file.
        file: PathBuf,
        /// Write the profile as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Write the profile as a self-contained HTML page here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Write the profile in the compact binary format here.
        #[arg(long)]
        bin: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
}

fn write(path: &PathBuf, bytes: &[u8]) -> Result<(), Error> {
    // Write to a sibling temporary file and rename, so a failure never leaves
    // a half-written output behind.
    let tmp = path.with_extension(format!(
        "{}.tmp{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or(""),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

fn summary(p: &Profile) -> String {
    let mut s = format!("{} rows, {} columns\n", p.row_count(), p.columns().len());
    s.push_str(&format!(
        "{:<16} {:<12} {:>8} {:>12} {:>12} {:>12} {:>12}\n",
        "column", "semantic", "nulls", "distinct", "mean", "p50", "max"
    ));
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.4}"));
    for c in p.columns() {
        s.push_str(&format!(
            "{:<16} {:<12} {:>8} {:>12.0} {:>12} {:>12} {:>12}\n",
            c.name(),
            c.semantic_type().as_str(),
            c.null_count(),
            c.distinct_estimate().unwrap_or(0.0),
            f(c.mean()),
            f(c.quantile(0.5)),
            c.max().map_or("-".into(), |m| {
                let t = m.to_string();
                if t.chars().count() > 12 {
                    t.chars().take(11).collect::<String>() + "…"
                } else {
                    t
                }
            }),
        ));
    }
    s
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Profile {
            file,
            json,
            html,
            bin,
            quiet,
        } => {
            let p = mlops_core::profile_path(&file)?;
            if let Some(out) = json {
                write(&out, p.to_json().as_bytes())?;
            }
            if let Some(out) = html {
                write(&out, report::profile_html(&p).as_bytes())?;
            }
            if let Some(out) = bin {
                write(&out, &p.to_bytes())?;
            }
            if !quiet {
                print!("{}", summary(&p));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mlops: error [{}]: {e}", e.code());
            ExitCode::from(2)
        }
    }
}
