//! `Registry` for Python: assets with numbered versions and aliases in a
//! store (a folder, `file://` or `memory://`). The GIL is released while the
//! engine reads and writes.

use mlops_core::registry::{Kind, Registry};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::error::to_py;

/// A registry of datasets, models and artifacts; see `mlops.Registry`.
#[pyclass(name = "Registry", module = "mlops", frozen)]
pub struct PyRegistry {
    inner: Registry,
}

fn kind(s: &str) -> PyResult<Kind> {
    Kind::parse(s).map_err(to_py)
}

fn metadata(py: Python<'_>, m: Option<&Bound<'_, PyAny>>) -> PyResult<serde_json::Value> {
    match m {
        None => Ok(serde_json::json!({})),
        Some(m) => {
            let s: String = py.import("json")?.call_method1("dumps", (m,))?.extract()?;
            serde_json::from_str(&s)
                .map_err(|e| crate::error::InvalidInputError::new_err(format!("metadata: {e}")))
        }
    }
}

#[pymethods]
impl PyRegistry {
    #[new]
    #[pyo3(signature = (url = ".mlops"))]
    fn new(py: Python<'_>, url: &str) -> PyResult<Self> {
        let inner = py.detach(|| Registry::open(url)).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Adds `data` (bytes) as the next version; returns its number.
    #[pyo3(signature = (kind, name, data, message = "", metadata = None))]
    fn add(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        data: &[u8],
        message: &str,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let (k, meta) = (self::kind(kind)?, self::metadata(py, metadata)?);
        py.detach(|| self.inner.add_version(k, name, data, message, meta))
            .map_err(to_py)
    }

    /// Adds a file (streamed, chunked) as the next version; returns its number.
    #[pyo3(signature = (kind, name, path, message = "", metadata = None))]
    fn add_file(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        path: std::path::PathBuf,
        message: &str,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let (k, meta) = (self::kind(kind)?, self::metadata(py, metadata)?);
        py.detach(|| self.inner.add_file(k, name, &path, message, meta))
            .map_err(to_py)
    }

    /// Points `alias` at `version`.
    fn alias(
        &self,
        py: Python<'_>,
        kind: &str,
        name: &str,
        alias: &str,
        version: u64,
    ) -> PyResult<()> {
        let k = self::kind(kind)?;
        py.detach(|| self.inner.set_alias(k, name, alias, version))
            .map_err(to_py)
    }

    /// The asset's state as a dict: versions, aliases with their history.
    fn asset<'py>(&self, py: Python<'py>, kind: &str, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let k = self::kind(kind)?;
        let a = py.detach(|| self.inner.asset(k, name)).map_err(to_py)?;
        let s = serde_json::to_string(&a).expect("assets serialise");
        py.import("json")?.call_method1("loads", (s,))
    }

    /// A version's content (by number, alias or "latest"), verified.
    #[pyo3(signature = (kind, name, reference = "latest"))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        name: &str,
        reference: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let k = self::kind(kind)?;
        let b = py
            .detach(|| self.inner.get(k, name, reference))
            .map_err(to_py)?;
        Ok(PyBytes::new(py, &b))
    }

    fn __repr__(&self) -> String {
        format!("<mlops.Registry {}>", self.inner.store().url())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRegistry>()
}
