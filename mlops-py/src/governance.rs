//! `Registry.audit` and `Registry.policy` for Python: the audit trail and
//! the access policy of a registry (see `mlops_core::governance`). Results
//! are typed (`AuditReport`, `AuditRecord`, `PolicyState`; see `convert`);
//! every change takes `reason`, recorded by the engine. The GIL is released
//! while the engine works.

use mlops_core::governance::{AuditFilter, Role};
use mlops_core::registry::Registry;
use mlops_core::unset;
use pyo3::prelude::*;

use crate::convert;
use crate::error::to_py;
use crate::registry::why;

fn role(s: &str) -> PyResult<Role> {
    s.parse::<Role>().map_err(to_py)
}

/// The audit trail of a registry (`Registry.audit`).
#[pyclass(name = "Audit", module = "mlops", frozen)]
pub struct PyAudit {
    pub(crate) inner: Registry,
}

#[pymethods]
impl PyAudit {
    /// Walks every log's hash chain; returns an `AuditReport` (`ok`,
    /// `logs`, `events`, `broken`, `digest`) where `broken` is None or
    /// `{"log", "seq", "problem"}`.
    fn verify(&self, py: Python<'_>) -> PyResult<convert::AuditReport> {
        let r = py.detach(|| self.inner.audit_verify()).map_err(to_py)?;
        convert::AuditReport::of_report(py, &r)
    }

    /// Events, oldest first, as `AuditRecord`s (`log`, `seq`, `hash`, `time`,
    /// `principal`, `action`, `target`, `reason`, `event`), filtered.
    #[pyo3(signature = (principal = None, action = None, target = None, since = None, until = None))]
    fn log<'py>(
        &self,
        py: Python<'py>,
        principal: Option<String>,
        action: Option<String>,
        target: Option<String>,
        since: Option<u64>,
        until: Option<u64>,
    ) -> PyResult<Bound<'py, pyo3::types::PyList>> {
        let filter = AuditFilter {
            principal,
            action: action.as_deref().map(convert::audit_action),
            target,
            since,
            until,
        };
        let r = py.detach(|| self.inner.audit_log(&filter)).map_err(to_py)?;
        convert::AuditRecord::list(py, &r)
    }
}

/// The access policy of a registry (`Registry.policy`).
#[pyclass(name = "Policy", module = "mlops", frozen)]
pub struct PyPolicy {
    pub(crate) inner: Registry,
}

impl PyPolicy {
    /// The policy's registry, recording `reason` in the events it writes.
    fn why(&self, reason: Option<&str>) -> Registry {
        why(&self.inner, reason)
    }
}

#[pymethods]
impl PyPolicy {
    /// The policy as it stands, a `PolicyState` (`grants`, `protections`, `events`).
    fn show(&self, py: Python<'_>) -> PyResult<convert::PolicyState> {
        let p = py.detach(|| self.inner.policy()).map_err(to_py)?;
        convert::PolicyState::of(py, &p)
    }

    /// Grants `role` (reader, writer, approver, admin) to `principal` over
    /// the assets matching `scope`.
    #[pyo3(signature = (principal, role, scope = None, reason = None))]
    fn grant(
        &self,
        py: Python<'_>,
        principal: &str,
        role: &str,
        scope: Option<&str>,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let (r, reg) = (self::role(role)?, self.why(reason));
        py.detach(|| reg.grant(principal, r, unset::scope(scope)))
            .map_err(to_py)
    }

    /// Revokes a grant.
    #[pyo3(signature = (principal, role, scope = None, reason = None))]
    fn revoke(
        &self,
        py: Python<'_>,
        principal: &str,
        role: &str,
        scope: Option<&str>,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let (r, reg) = (self::role(role)?, self.why(reason));
        py.detach(|| reg.revoke(principal, r, unset::scope(scope)))
            .map_err(to_py)
    }

    /// Protects an alias: only `role` may move it, and with `require_gate`
    /// only to a version with a passed gate report.
    #[pyo3(signature = (alias, scope = None, role = None, require_gate = false, reason = None))]
    fn protect(
        &self,
        py: Python<'_>,
        alias: &str,
        scope: Option<&str>,
        role: Option<&str>,
        require_gate: bool,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let r = match role {
            Some(role) => self::role(role)?,
            None => Role::PROTECT_DEFAULT,
        };
        let reg = self.why(reason);
        py.detach(|| reg.protect_alias(alias, unset::scope(scope), r, require_gate))
            .map_err(to_py)
    }

    /// Removes a protection.
    #[pyo3(signature = (alias, scope = None, reason = None))]
    fn unprotect(
        &self,
        py: Python<'_>,
        alias: &str,
        scope: Option<&str>,
        reason: Option<&str>,
    ) -> PyResult<()> {
        let reg = self.why(reason);
        py.detach(|| reg.unprotect_alias(alias, unset::scope(scope)))
            .map_err(to_py)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAudit>()?;
    m.add_class::<PyPolicy>()
}
