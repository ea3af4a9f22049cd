//! The governance page: the policy (grants and protected aliases), the
//! denials the audit trail recorded, and the trail's verification.

use axum::extract::State;
use axum::response::Response;
use mlops_core::governance::{AuditAction, AuditFilter};
use serde_json::json;

use crate::reply::json;
use crate::routes::SharedState;

/// Denials shown, newest first.
const DENIALS: usize = 200;

/// `GET /api/governance`.
pub(crate) async fn overview(State(s): State<SharedState>) -> Response {
    json(move || {
        let policy = s.registry.policy()?;
        let mut denials = s.registry.audit_log(&AuditFilter {
            action: Some(AuditAction::Denied),
            ..Default::default()
        })?;
        denials.reverse();
        denials.truncate(DENIALS);
        Ok(json!({
            "principal": s.registry.principal(),
            "enforced": policy.enforced(),
            "policy": policy,
            "protected": policy.protections,
            "denials": denials,
        }))
    })
    .await
}

/// `GET /api/governance/verify`: every log's hash chain checked.
pub(crate) async fn verify(State(s): State<SharedState>) -> Response {
    json(move || {
        let report = s.registry.audit_verify()?;
        Ok(json!({"ok": report.ok(), "report": report}))
    })
    .await
}
