//! The web UI for Node: `mlops.ui.serve` starts the same server as
//! `mlops ui` (the `mlops-ui` crate) in this process, on threads of its
//! own, and returns a handle. Unset options are the server's defaults.

use std::sync::Mutex;

use mlops_ui::{Token, UiConfig, UiServer};
use napi_derive::napi;

use crate::error::guard;

/// A running UI server (see `serve` in `lib/ui.js`).
#[napi(js_name = "NativeUiServer")]
pub struct NativeUiServer {
    inner: Mutex<Option<UiServer>>,
    url: String,
    port: u16,
}

/// What `uiStart` is given (unset: the server's defaults).
#[napi(object)]
pub struct UiOptions {
    /// The store's URL or folder (unset: $MLOPS_STORE, else `.mlops`).
    pub store: Option<String>,
    /// The address to bind.
    pub host: Option<String>,
    /// The port (0 picks a free one).
    pub port: Option<u32>,
    /// Secrets a request must carry, `PRINCIPAL=SECRET` or `SECRET`.
    pub tokens: Option<Vec<String>>,
    /// Whether alias moves, tags and archiving are allowed.
    pub allow_writes: Option<bool>,
    /// The principal writes are made as without a token's.
    pub principal: Option<String>,
}

/// Starts a UI server.
#[napi]
pub fn ui_start(options: UiOptions) -> crate::error::Result<NativeUiServer> {
    guard(|| {
        let defaults = UiConfig::default();
        let tokens = options
            .tokens
            .unwrap_or_default()
            .iter()
            .map(|t| t.parse::<Token>())
            .collect::<mlops_core::Result<Vec<_>>>()?;
        let port = match options.port {
            None => defaults.port,
            Some(p) => u16::try_from(p).map_err(|_| {
                mlops_core::Error::InvalidInput(format!(
                    "option 'port': {p} is not a port (0 to 65535)"
                ))
            })?,
        };
        let server = UiServer::start(UiConfig {
            store: mlops_core::unset::store(options.store.as_deref()),
            host: options.host.unwrap_or(defaults.host),
            port,
            tokens,
            allow_writes: options.allow_writes.unwrap_or(false),
            principal: options.principal,
        })?;
        Ok(NativeUiServer {
            url: server.url(),
            port: server.port(),
            inner: Mutex::new(Some(server)),
        })
    })
}

#[napi]
impl NativeUiServer {
    /// Its URL, `http://127.0.0.1:5210/`.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The port it listens on.
    #[napi(getter)]
    pub fn port(&self) -> u32 {
        u32::from(self.port)
    }

    /// Whether it still serves.
    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.inner.lock().map(|s| s.is_some()).unwrap_or(false)
    }

    /// Stops it (the requests under way finish); stopping twice is fine.
    #[napi]
    pub fn stop(&self) -> crate::error::Result<()> {
        let server = self.inner.lock().ok().and_then(|mut s| s.take());
        guard(|| match server {
            Some(s) => s.stop(),
            None => Ok(()),
        })
    }
}
