//! `mlops profiles save`, `keys`, `load` and `merge`: keyed profiles of a
//! data set's slices in the registry, merged without the data.

use std::path::Path;
use std::process::ExitCode;

use mlops_core::{Error, Profile};

use super::{read_profile, write_file, Context};
use crate::args::ProfilesCommand;
use crate::render;

/// Runs one profiles command.
pub fn run(cmd: ProfilesCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        ProfilesCommand::Save { name, key, file } => {
            let p = match read_profile(&file)? {
                Some(p) => p,
                None => mlops_core::profile_path(&file)?,
            };
            println!("{}", cx.open()?.save_profile(&name, &key, &p)?);
        }
        ProfilesCommand::Keys { name, json } => {
            let keys = cx.open()?.profile_keys(&name)?;
            print!("{}", render::json_or(json, keys.as_slice(), render::lines));
        }
        ProfilesCommand::Load { name, key, out } => {
            show(&cx.open()?.load_profile(&name, &key)?, out.as_deref())?;
        }
        ProfilesCommand::Merge { name, keys, out } => {
            show(&cx.open()?.merge_profiles(&name, &keys)?, out.as_deref())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the profile to `out` (JSON for a `.json` file, else the binary
/// format), or prints its summary when there is no `out`.
fn show(p: &Profile, out: Option<&Path>) -> Result<(), Error> {
    match out {
        Some(out) if out.extension().and_then(|e| e.to_str()) == Some("json") => {
            write_file(out, p.to_json().as_bytes())
        }
        Some(out) => write_file(out, &p.to_bytes()),
        None => {
            print!("{}", render::profile_summary(p));
            Ok(())
        }
    }
}
