//! The one place where the engine's results become Python objects: plain
//! values from their JSON form (`to_python`, `loads`) and the typed classes
//! `Version`, `Asset`, `SearchHit`, `DatasetDiff`, `AuditRecord`,
//! `AuditReport` and `PolicyState`, frozen classes whose attributes are the
//! core type's fields (nested values as plain dicts and lists; an asset's
//! versions as `Version`s). Each keeps the core value's JSON, so
//! `to_dict()` returns exactly the dict these calls returned before they
//! were typed, and `obj["field"]` still reads it for code written then.

use arrow_pyarrow::IntoPyArrow;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// JSON text as plain Python values (`dict`, `list`, `str`, numbers, `None`).
pub fn loads<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (json,))
}

/// A core value as plain Python values, through its JSON form: what the
/// bindings' `to_dict()` methods and dict-valued attributes return.
pub fn to_python<'py>(py: Python<'py>, v: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    let s = serde_json::to_string(v).expect("results serialise");
    loads(py, &s)
}

/// Declares a frozen result class with one read-only attribute per field
/// (`attribute: "json key"`), `to_dict()`, `__getitem__` and `__repr__`
/// (showing the `repr` fields).
macro_rules! record {
    ($(#[$doc:meta])* $rust:ident, $py:literal, { $($field:ident : $key:literal),* $(,)? }, repr: [$($rf:ident),*]) => {
        $(#[$doc])*
        #[pyclass(name = $py, module = "mlops", frozen)]
        pub struct $rust {
            json: String,
            text: Option<String>,
            $(#[pyo3(get)] $field: Py<PyAny>,)*
        }

        impl $rust {
            /// The object for a core value serialised as `json`, its
            /// attributes read from `dict` (that JSON, loaded, possibly with
            /// some items replaced by typed objects).
            fn from_parts(json: String, dict: &Bound<'_, PyDict>, text: Option<String>) -> PyResult<Self> {
                Ok(Self {
                    $($field: match dict.get_item($key)? {
                        Some(v) => v.unbind(),
                        None => dict.py().None(),
                    },)*
                    json,
                    text,
                })
            }

            /// The object for a core value.
            #[allow(dead_code)]
            pub fn of<T: serde::Serialize>(py: Python<'_>, v: &T) -> PyResult<Self> {
                let json = serde_json::to_string(v).expect("results serialise");
                let dict = loads(py, &json)?.cast_into::<PyDict>()?;
                Self::from_parts(json, &dict, None)
            }
        }

        #[pymethods]
        impl $rust {
            /// The value as a dict of plain Python values (what this call
            /// returned before results were typed).
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                loads(py, &self.json)
            }

            /// `obj[key]`: the item of `to_dict()`.
            fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
                self.to_dict(py)?.get_item(key)
            }

            fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
                match other.cast::<$rust>() {
                    Ok(o) => Ok(o.get().json == self.json),
                    Err(_) => self.to_dict(py)?.eq(other),
                }
            }

            fn __str__(&self, py: Python<'_>) -> PyResult<String> {
                match &self.text {
                    Some(t) => Ok(t.clone()),
                    None => self.__repr__(py),
                }
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let parts: Vec<String> = vec![$(
                    format!("{}={}", stringify!($rf), self.$rf.bind(py).repr()?),
                )*];
                Ok(format!("{}({})", $py, parts.join(", ")))
            }
        }
    };
}

pub(crate) use record;

record!(
    /// A version of an asset (`mlops_core::registry::Version`).
    Version, "Version",
    { version: "version", content: "content", size: "size", message: "message",
      metadata: "metadata", dataset: "dataset", principal: "principal", time: "time", tree: "tree" },
    repr: [version, message, principal]
);

record!(
    /// An asset's state (`mlops_core::registry::Asset`); `versions` are
    /// `Version`s, `expired` maps each expired version (its number as text,
    /// as `tags` and `gates`) to its `Expiry`'s fields as a dict.
    Asset, "Asset",
    { kind: "kind", name: "name", versions: "versions", aliases: "aliases", tags: "tags",
      inputs: "inputs", used_by: "used_by", causes: "causes", archived: "archived", gates: "gates", events: "events",
      expired: "expired", pinned: "pinned" },
    repr: [kind, name, events]
);

impl Asset {
    /// The object for a core asset, its versions as `Version` objects.
    pub fn of_asset(py: Python<'_>, a: &mlops_core::registry::Asset) -> PyResult<Self> {
        let json = serde_json::to_string(a).expect("assets serialise");
        let dict = loads(py, &json)?.cast_into::<PyDict>()?;
        let versions = a
            .versions
            .iter()
            .map(|v| Version::of(py, v))
            .collect::<PyResult<Vec<_>>>()?;
        dict.set_item("versions", PyList::new(py, versions)?)?;
        Self::from_parts(json, &dict, None)
    }
}

record!(
    /// A version found by `Registry.search`: the asset's kind and name, the
    /// version's fields, its aliases (`aliases`; `alias` is the older name),
    /// whether retention expired it, and tags.
    SearchHit, "SearchHit",
    { kind: "kind", name: "name", version: "version", message: "message", principal: "principal",
      time: "time", size: "size", alias: "alias", aliases: "aliases", archived: "archived", expired: "expired", tags: "tags",
      metadata: "metadata" },
    repr: [kind, name, version]
);

record!(
    /// One event of the registry's change feed (`mlops_core::registry::FeedEvent`):
    /// its stable `id` (`<kind>/<name>@<seq>`), its name (`event`:
    /// `version.created`, `alias.moved`, ...), the asset, who, when and why,
    /// and the stored change.
    FeedEvent, "FeedEvent",
    { id: "id", event: "event", kind: "kind", name: "name", seq: "seq", time: "time",
      principal: "principal", reason: "reason", version: "version", previous: "previous",
      change: "change" },
    repr: [id, event]
);

record!(
    /// What changed between two data set versions (`mlops_core::dataset::DatasetDiff`);
    /// `from_version` and `to_version` are the dict's `from` and `to`.
    DatasetDiff, "DatasetDiff",
    { from_version: "from", to_version: "to", rows: "rows", added: "added", removed: "removed",
      retyped: "retyped", columns: "columns" },
    repr: [from_version, to_version, rows]
);

record!(
    /// One event of the audit trail or an asset's log
    /// (`mlops_core::governance::AuditRecord`). `str()` is its line in
    /// `mlops audit log`.
    AuditRecord, "AuditRecord",
    { log: "log", seq: "seq", hash: "hash", time: "time", principal: "principal", action: "action",
      target: "target", reason: "reason", event: "event" },
    repr: [action, target, principal, reason]
);

/// An audit action given as a string (a filter's `action`): a known name or
/// any other, which matches only events of that unknown type (see
/// `mlops_core::governance::AuditAction::named`).
pub fn audit_action(s: &str) -> mlops_core::governance::AuditAction {
    mlops_core::governance::AuditAction::named(s)
}

impl AuditRecord {
    /// The object for a core record; `str()` gives its one-line form.
    pub fn of_record(py: Python<'_>, r: &mlops_core::governance::AuditRecord) -> PyResult<Self> {
        let json = serde_json::to_string(r).expect("records serialise");
        let dict = loads(py, &json)?.cast_into::<PyDict>()?;
        Self::from_parts(json, &dict, Some(r.to_string()))
    }

    /// A list of records.
    pub fn list<'py>(
        py: Python<'py>,
        rs: &[mlops_core::governance::AuditRecord],
    ) -> PyResult<Bound<'py, PyList>> {
        let v = rs
            .iter()
            .map(|r| Self::of_record(py, r))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, v)
    }
}

record!(
    /// What `Registry.audit.verify()` found (`mlops_core::governance::AuditReport`);
    /// `ok` is whether every chain holds.
    AuditReport, "AuditReport",
    { logs: "logs", events: "events", broken: "broken", digest: "digest", ok: "ok" },
    repr: [ok, logs, events]
);

impl AuditReport {
    /// The object for a core report.
    pub fn of_report(py: Python<'_>, r: &mlops_core::governance::AuditReport) -> PyResult<Self> {
        let json = serde_json::to_string(r).expect("reports serialise");
        let dict = loads(py, &json)?.cast_into::<PyDict>()?;
        dict.set_item("ok", r.ok())?;
        Self::from_parts(json, &dict, None)
    }
}

record!(
    /// A registry's access policy as it stands (`mlops_core::governance::Policy`):
    /// grants and protected aliases as dicts, and the number of policy events.
    PolicyState, "PolicyState",
    { grants: "grants", protections: "protections", events: "events" },
    repr: [grants, protections]
);

record!(
    /// What differs between a folder and a version, or two versions, of an
    /// asset added from folders (`mlops_core::tree::TreeDiff`): `added`,
    /// `removed`, `changed` as dicts (`path`, `size_before`, `size_after`),
    /// `unchanged` and `hashed` counts.
    TreeDiff, "TreeDiff",
    { added: "added", removed: "removed", changed: "changed", unchanged: "unchanged", hashed: "hashed" },
    repr: [added, removed, changed]
);

record!(
    /// What a checkout did (`mlops_core::tree::Checkout`).
    Checkout, "Checkout",
    { files: "files", written: "written", bytes: "bytes" },
    repr: [files, written, bytes]
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TreeDiff>()?;
    m.add_class::<Checkout>()?;
    m.add_class::<Version>()?;
    m.add_class::<Asset>()?;
    m.add_class::<SearchHit>()?;
    m.add_class::<FeedEvent>()?;
    m.add_class::<DatasetDiff>()?;
    m.add_class::<AuditRecord>()?;
    m.add_class::<AuditReport>()?;
    m.add_class::<PolicyState>()?;
    m.add_class::<AliasMove>()?;
    m.add_class::<RowDiffSummary>()?;
    m.add_class::<RowDiff>()
}

record!(
    /// One move of an alias (`mlops_core::registry::AliasMove`): the version
    /// it pointed at from then on, who moved it, when, why and the event's number.
    AliasMove, "AliasMove",
    { version: "version", principal: "principal", time: "time", seq: "seq", reason: "reason" },
    repr: [version, principal, reason]
);

record!(
    /// The counts of a row diff (`mlops_core::dataset::RowDiffSummary`);
    /// `from_version` and `to_version` are the dict's `from` and `to`.
    RowDiffSummary, "RowDiffSummary",
    { from_version: "from", to_version: "to", key: "key", rows: "rows", added: "added",
      removed: "removed", changed: "changed", unchanged: "unchanged", changed_cells: "changed_cells",
      columns_added: "columns_added", columns_removed: "columns_removed",
      columns_retyped: "columns_retyped", row_groups: "row_groups", row_groups_skipped: "row_groups_skipped" },
    repr: [from_version, to_version, added, removed, changed]
);

/// What changed between two data set versions row by row, by key
/// (`mlops_core::dataset::RowDiff`): `added`, `removed` and `changed` as
/// pyarrow Tables (handed over through the Arrow C interface, not copied),
/// and `summary`, the counts.
#[pyclass(name = "RowDiff", module = "mlops", frozen)]
pub struct RowDiff {
    /// Rows of the second version whose key the first lacks (all its columns).
    #[pyo3(get)]
    added: Py<PyAny>,
    /// Rows of the first version whose key the second lacks (all its columns).
    #[pyo3(get)]
    removed: Py<PyAny>,
    /// Rows in both that differ: the key columns and `changed_columns`.
    #[pyo3(get)]
    changed: Py<PyAny>,
    /// The counts (a `RowDiffSummary`).
    #[pyo3(get)]
    summary: Py<RowDiffSummary>,
}

impl RowDiff {
    /// The object for a core row diff.
    pub fn of(py: Python<'_>, d: mlops_core::dataset::RowDiff) -> PyResult<Self> {
        let table = |t: mlops_core::dataset::RowTable| -> PyResult<Py<PyAny>> {
            Ok(arrow_pyarrow::Table::try_new(t.batches, t.schema)
                .map_err(|e| crate::error::InvalidInputError::new_err(e.to_string()))?
                .into_pyarrow(py)?
                .unbind())
        };
        let summary = Py::new(py, RowDiffSummary::of(py, &d.summary)?)?;
        Ok(Self {
            added: table(d.added)?,
            removed: table(d.removed)?,
            changed: table(d.changed)?,
            summary,
        })
    }
}

#[pymethods]
impl RowDiff {
    /// Changed cells per compared column (`summary.changed_cells`).
    #[getter]
    fn changed_cells(&self, py: Python<'_>) -> Py<PyAny> {
        self.summary.get().changed_cells.clone_ref(py)
    }

    /// The summary as a dict of plain values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.summary.get().to_dict(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let s = self.summary.get();
        Ok(format!(
            "RowDiff(from_version={}, to_version={}, added={}, removed={}, changed={})",
            s.from_version.bind(py).repr()?,
            s.to_version.bind(py).repr()?,
            s.added.bind(py).repr()?,
            s.removed.bind(py).repr()?,
            s.changed.bind(py).repr()?
        ))
    }
}
