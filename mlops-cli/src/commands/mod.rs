//! One module per command group, each with one `run`: it calls the engine,
//! prints through [`crate::render`] and returns the exit code. Errors are
//! the engine's; `main` reports them.

pub mod data;
pub mod drift;
pub mod feed;
pub mod gate;
pub mod gc;
pub mod governance;
pub mod monitor;
pub mod package;
pub mod profiles;
pub mod registry;
pub mod runs;
pub mod ui;

use std::path::Path;

use std::process::ExitCode;

use mlops_core::registry::Registry;
use mlops_core::step::StepVerdict;
use mlops_core::{Error, Profile};

use crate::args::StepArgs;

/// What every command shares: the store and the reason for its changes.
pub struct Context {
    /// The store's URL or folder (`--store`).
    pub store: String,
    /// Why (`--reason`), recorded with every registry change.
    pub reason: Option<String>,
}

impl Context {
    /// The registry in the store, recording the reason with each change.
    pub fn open(&self) -> Result<Registry, Error> {
        let r = Registry::open(&self.store)?;
        Ok(match &self.reason {
            Some(why) => r.with_reason(why),
            None => r,
        })
    }
}

/// Ends a pipeline step: writes the verdict's figures to `--outputs-dir`,
/// prints the verdict as one JSON line (`--json-line`) or else `human`,
/// and returns the contract's exit status (1 for a failed check only when
/// the command gates on it, `gating`, and `--exit-zero` is not given).
pub fn finish_step(
    mut v: StepVerdict,
    a: &StepArgs,
    gating: bool,
    human: Option<String>,
) -> Result<ExitCode, Error> {
    if let Some(dir) = &a.outputs_dir {
        v.outputs.insert("dir".into(), dir.display().to_string());
        v.write_outputs(dir)?;
    }
    if a.json_line {
        println!("{}", v.to_json_line());
    } else if let Some(text) = human {
        print!("{text}");
    }
    Ok(ExitCode::from(v.exit_status(gating, a.exit_zero)))
}

/// Writes `bytes` to `path` through a sibling temporary file renamed into
/// place, so a failure never leaves a half-written output behind.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
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

/// A profile file written by `mlops profile` (`--bin` or `--json`), if
/// `path` is one (by its extension); `None` for a data file.
pub fn read_profile(path: &Path) -> Result<Option<Profile>, Error> {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "json" | "bin" | "mlprof" => Profile::read_path(path).map(Some),
        _ => Ok(None),
    }
}
