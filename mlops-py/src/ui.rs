//! The web UI for Python: `mlops.ui.serve` starts the same server as
//! `mlops ui` (the `mlops-ui` crate) in this process, on threads of its
//! own, and returns a handle. Unset options are the server's defaults.

use std::sync::Mutex;

use mlops_core::unset;
use mlops_ui::{Token, UiConfig, UiServer};
use pyo3::prelude::*;

use crate::error::to_py;

/// A running UI server; see `mlops.ui.serve`.
#[pyclass(name = "UiServer", module = "mlops", frozen)]
pub struct PyUiServer {
    inner: Mutex<Option<UiServer>>,
    url: String,
    port: u16,
}

#[pymethods]
impl PyUiServer {
    /// Its URL, `http://127.0.0.1:5210/`.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The port it listens on.
    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    /// Whether it still serves.
    #[getter]
    fn running(&self) -> bool {
        self.inner.lock().map(|s| s.is_some()).unwrap_or(false)
    }

    /// Stops it (the requests under way finish); stopping twice is fine.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let server = self.inner.lock().ok().and_then(|mut s| s.take());
        match server {
            Some(s) => py.detach(|| s.stop()).map_err(to_py),
            None => Ok(()),
        }
    }

    fn __repr__(&self) -> String {
        format!("UiServer(url='{}', running={})", self.url, self.running())
    }
}

/// Starts a UI server on `store` (see `mlops.ui.serve`).
#[pyfunction]
#[pyo3(signature = (store = None, host = None, port = None, tokens = Vec::new(), allow_writes = false, principal = None))]
fn _ui_start(
    py: Python<'_>,
    store: Option<&str>,
    host: Option<String>,
    port: Option<u16>,
    tokens: Vec<String>,
    allow_writes: bool,
    principal: Option<String>,
) -> PyResult<PyUiServer> {
    let defaults = UiConfig::default();
    let tokens = tokens
        .iter()
        .map(|t| t.parse::<Token>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(to_py)?;
    let config = UiConfig {
        store: unset::store(store),
        host: host.unwrap_or(defaults.host),
        port: port.unwrap_or(defaults.port),
        tokens,
        allow_writes,
        principal,
    };
    let server = py.detach(|| UiServer::start(config)).map_err(to_py)?;
    Ok(PyUiServer {
        url: server.url(),
        port: server.port(),
        inner: Mutex::new(Some(server)),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyUiServer>()?;
    m.add_function(wrap_pyfunction!(_ui_start, m)?)?;
    Ok(())
}
