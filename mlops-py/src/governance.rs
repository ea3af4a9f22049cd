//! `Registry.audit` and `Registry.policy` for Python: the audit trail and
//! the access policy of a registry (see `mlops_core::governance`). Results
//! are plain dicts and lists; the GIL is released while the engine works.

use mlops_core::governance::{AuditFilter, Role};
use mlops_core::registry::Registry;
use pyo3::prelude::*;

use crate::error::to_py;

fn to_python<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let s = serde_json::to_string(v).expect("governance values serialise");
    py.import("json")?.call_method1("loads", (s,))
}

fn role(s: &str) -> PyResult<Role> {
    Role::parse(s).map_err(to_py)
}

/// The audit trail of a registry (`Registry.audit`).
#[pyclass(name = "Audit", module = "mlops", frozen)]
pub struct PyAudit {
    pub(crate) inner: Registry,
}

#[pymethods]
impl PyAudit {
    /// Walks every log's hash chain; returns `{"logs", "events", "broken",
    /// "digest"}` where `broken` is None or `{"log", "seq", "problem"}`.
    fn verify<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = py.detach(|| self.inner.audit_verify()).map_err(to_py)?;
        to_python(py, &r)
    }

    /// Events, oldest first, as dicts (`log`, `seq`, `hash`, `time`,
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
    ) -> PyResult<Bound<'py, PyAny>> {
        let filter = AuditFilter {
            principal,
            action,
            target,
            since,
            until,
        };
        let r = py.detach(|| self.inner.audit_log(&filter)).map_err(to_py)?;
        to_python(py, &r)
    }
}

/// The access policy of a registry (`Registry.policy`).
#[pyclass(name = "Policy", module = "mlops", frozen)]
pub struct PyPolicy {
    pub(crate) inner: Registry,
}

#[pymethods]
impl PyPolicy {
    /// `{"grants": [...], "protections": [...], "events": n}`.
    fn show<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = py.detach(|| self.inner.policy()).map_err(to_py)?;
        to_python(py, &p)
    }

    /// Grants `role` (reader, writer, approver, admin) to `principal` over
    /// the assets matching `scope`.
    #[pyo3(signature = (principal, role, scope = "*"))]
    fn grant(&self, py: Python<'_>, principal: &str, role: &str, scope: &str) -> PyResult<()> {
        let r = self::role(role)?;
        py.detach(|| self.inner.grant(principal, r, scope))
            .map_err(to_py)
    }

    /// Revokes a grant.
    #[pyo3(signature = (principal, role, scope = "*"))]
    fn revoke(&self, py: Python<'_>, principal: &str, role: &str, scope: &str) -> PyResult<()> {
        let r = self::role(role)?;
        py.detach(|| self.inner.revoke(principal, r, scope))
            .map_err(to_py)
    }

    /// Protects an alias: only `role` may move it, and with `require_gate`
    /// only to a version with a passed gate report.
    #[pyo3(signature = (alias, scope = "*", role = "approver", require_gate = false))]
    fn protect(
        &self,
        py: Python<'_>,
        alias: &str,
        scope: &str,
        role: &str,
        require_gate: bool,
    ) -> PyResult<()> {
        let r = self::role(role)?;
        py.detach(|| self.inner.protect_alias(alias, scope, r, require_gate))
            .map_err(to_py)
    }

    /// Removes a protection.
    #[pyo3(signature = (alias, scope = "*"))]
    fn unprotect(&self, py: Python<'_>, alias: &str, scope: &str) -> PyResult<()> {
        py.detach(|| self.inner.unprotect_alias(alias, scope))
            .map_err(to_py)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAudit>()?;
    m.add_class::<PyPolicy>()
}
