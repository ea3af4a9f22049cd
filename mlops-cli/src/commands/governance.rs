//! `mlops audit` and `mlops policy`: the audit trail and the access policy.

use std::process::ExitCode;

use mlops_core::governance::{AuditAction, AuditFilter};
use mlops_core::Error;

use super::Context;
use crate::args::{AuditCommand, PolicyCommand};
use crate::render;

/// Runs one audit command; a broken chain is an integrity error (exit 2).
pub fn audit(cmd: AuditCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        AuditCommand::Verify { json } => {
            let r = cx.open()?.audit_verify()?;
            if json {
                print!("{}", render::json_pretty(&r));
            }
            if let Some(b) = &r.broken {
                return Err(Error::Integrity(format!(
                    "audit trail broken in {}{}: {}",
                    b.log,
                    b.seq.map_or(String::new(), |s| format!(" at event {s}")),
                    b.problem
                )));
            }
            if !json {
                println!(
                    "audit trail intact: {} events in {} logs\ndigest {}",
                    r.events, r.logs, r.digest
                );
            }
        }
        AuditCommand::Log {
            principal,
            action,
            target,
            since,
            until,
            json,
        } => {
            let filter = AuditFilter {
                principal,
                action: action.as_deref().map(AuditAction::named),
                target,
                since,
                until,
            };
            for e in cx.open()?.audit_log(&filter)? {
                print!("{}", render::json_or(json, &e, render::audit_line));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one policy command.
pub fn policy(cmd: PolicyCommand, cx: &Context) -> Result<ExitCode, Error> {
    let r = cx.open()?;
    match cmd {
        PolicyCommand::Show { json } => {
            let p = r.policy()?;
            print!("{}", render::pretty_json_or(json, &p, render::policy));
        }
        PolicyCommand::Grant {
            principal,
            role,
            scope,
        } => r.grant(&principal, role, &scope)?,
        PolicyCommand::Revoke {
            principal,
            role,
            scope,
        } => r.revoke(&principal, role, &scope)?,
        PolicyCommand::Protect {
            alias,
            scope,
            role,
            require_gate,
        } => r.protect_alias(&alias, &scope, role, require_gate)?,
        PolicyCommand::Unprotect { alias, scope } => r.unprotect_alias(&alias, &scope)?,
    }
    Ok(ExitCode::SUCCESS)
}
