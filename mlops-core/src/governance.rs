//! Governance: the audit trail and the access policy of a registry.
//!
//! **Audit trail.** Every change to a registry is an event in an
//! append-only log (see [`crate::registry`]): who (`principal`), when
//! (`time`), what (`type` and its fields: the action and its target) and why
//! (`reason`), and the BLAKE3 hash of the event before it. Besides the
//! assets' logs there are two more: `policy/log` (grants, revocations and
//! alias protections) and `audit/denied/log` (every call the policy
//! refused). [`Registry::audit_verify`] walks every chain and reports the
//! first broken link (a changed byte, a deleted, reordered or moved event);
//! [`Registry::audit_log`] lists events by principal, action, target and
//! time.
//!
//! **Access policy.** Roles `reader` < `writer` < `approver` < `admin`, granted
//! to a principal (or `*`, anyone) over assets matching a pattern
//! (`model/churn`, `model/*`, `*`). While the policy has no grant the
//! registry is open: anyone may do anything (a new registry is usable at
//! once). From the first grant on, the engine checks every mutating call:
//!
//! | call | role needed |
//! |---|---|
//! | add a version, commit a data set, tag, record lineage or a gate report | writer |
//! | move an alias | writer, or the role its protection names (approver by default) |
//! | archive or restore an asset | approver |
//! | change the policy | admin over `*` |
//!
//! A protected alias can also require that the version it moves to has a
//! passed gate report ([`Registry::record_gate`]). A refusal is an
//! [`Error::PermissionDenied`] naming the principal, the action, the target
//! and the role needed, and is itself logged. The policy refuses a change
//! that would leave it without an admin over `*`.
//!
//! **What this protects against, honestly.** mlops is a library, not a
//! server: the policy is enforced by every cooperating client (each front-end
//! runs the same engine), and the principal is what the client says it is
//! (`MLOPS_PRINCIPAL`, else `USER`). It stops mistakes and unreviewed
//! promotions by people using the tools, and the hash chains make a quiet
//! rewrite of history evident. It cannot stop someone with write access to
//! the store's storage from writing objects by hand; keeping them out is the
//! job of the storage's own access control (IAM on the bucket, file
//! permissions on the folder), for example read-only credentials for
//! consumers and write access only for the service accounts that publish.

mod audit;
mod head;

/// Records `e` as the newest event of a log that is not an asset's (see `governance/head.rs`).
pub(crate) fn advance_head(store: &crate::store::Store, log: &str, e: &crate::store::Event) {
    head::advance(store, log, e);
}
mod pattern;
mod policy;

pub use audit::{AuditAction, AuditFilter, AuditRecord, AuditReport, BrokenLink};
pub use pattern::matches as pattern_matches;
pub(crate) use policy::principal_from_env;
pub use policy::{Action, Grant, Policy, Protection, Role, EVERY_ASSET};

#[allow(unused_imports)]
use crate::{error::Error, registry::Registry};
