//! `mlops gc plan|apply`, `mlops expire`, `mlops pin`, `mlops fsck`.

use std::process::ExitCode;

use mlops_core::gc::{GcPlan, DEFAULT_GRACE};
use mlops_core::registry::Retention;
use mlops_core::Error;

use super::{write_file, Context};
use crate::args::{Command, GcCommand};
use crate::render;

/// Runs one of the commands above.
pub fn run(cmd: Command, cx: &Context) -> Result<ExitCode, Error> {
    let r = cx.open()?;
    match cmd {
        Command::Gc {
            command:
                GcCommand::Plan {
                    grace,
                    unsafe_grace,
                    json,
                    out,
                },
        } => {
            let grace = match grace {
                Some(g) => mlops_core::clock::parse_duration(&g)?,
                None => DEFAULT_GRACE,
            };
            let plan = r.gc_plan(grace, unsafe_grace)?;
            if let Some(path) = &out {
                write_file(path, plan.to_json().as_bytes())?;
            }
            if json {
                println!("{}", render::json_pretty(&plan));
            } else {
                for i in &plan.items {
                    println!("{}  {:>12}  {}", i.hash, i.bytes, i.reason.as_str());
                }
                println!(
                    "{} blobs, {} bytes would be deleted (grace {}s){}",
                    plan.count,
                    plan.bytes,
                    plan.grace_ms / 1000,
                    out.map(|p| format!("; plan written to {}", p.display()))
                        .unwrap_or_default()
                );
            }
        }
        Command::Gc {
            command: GcCommand::Apply { plan, json },
        } => {
            let text = std::fs::read_to_string(&plan).map_err(|e| Error::io(&plan, e))?;
            let done = r.gc_apply(&GcPlan::from_json(&text)?)?;
            if json {
                println!("{}", render::json_pretty(&done));
            } else {
                for (h, why) in &done.skipped {
                    println!("kept {h}: {why}");
                }
                println!("deleted {} blobs, {} bytes", done.count, done.bytes);
            }
        }
        Command::Expire {
            kind,
            name,
            keep_last,
            keep_within,
        } => {
            let rule = Retention {
                keep_last,
                keep_within: keep_within
                    .as_deref()
                    .map(mlops_core::clock::parse_duration)
                    .transpose()?,
            };
            let expired = r.expire(kind, &name, &rule)?;
            if expired.is_empty() {
                println!("{} '{name}': nothing to expire", kind.as_str());
            } else {
                let list: Vec<String> = expired.iter().map(|v| format!("v{v}")).collect();
                println!("{} '{name}': expired {}", kind.as_str(), list.join(", "));
            }
        }
        Command::Pin {
            kind,
            name,
            version,
            unpin,
        } => {
            r.pin(kind, &name, version, !unpin)?;
            let what = if unpin { "unpinned" } else { "pinned" };
            println!("{} '{name}' v{version} {what}", kind.as_str());
        }
        Command::Fsck { json } => {
            let f = r.fsck()?;
            if json {
                let mut v = serde_json::to_value(&f).expect("fsck serialises");
                v["ok"] = serde_json::Value::Bool(f.ok());
                println!("{}", render::json_pretty(&v));
            } else {
                for (h, bytes) in &f.orphans {
                    println!("orphan {h}  {bytes} bytes");
                }
                for m in &f.missing {
                    println!("missing {}  named by {}", m.hash, m.referenced_by);
                }
                println!(
                    "{} blobs ({} bytes), {} logs: {} orphans ({} bytes), {} missing",
                    f.objects,
                    f.bytes,
                    f.logs,
                    f.orphans.len(),
                    f.orphan_bytes,
                    f.missing.len()
                );
            }
            if !f.ok() {
                return Ok(ExitCode::from(1));
            }
        }
        _ => {
            return Err(Error::InvalidInput(
                "not a gc, expire, pin or fsck command".into(),
            ))
        }
    }
    Ok(ExitCode::SUCCESS)
}
