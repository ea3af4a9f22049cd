//! `mlops ui`: starts the UI server (the `mlops-ui` crate) on the store,
//! prints its URL on the first line of standard output (scripts and tests
//! read the port from it), and serves until the process is stopped.

use std::io::Write;
use std::process::ExitCode;

use mlops_core::Error;
use mlops_ui::{UiConfig, UiServer};

use super::Context;
use crate::args::UiArgs;

/// Serves until stopped; an error starting (a bad store, a taken port, a
/// public address without a token) is reported before anything is served.
pub fn run(a: UiArgs, cx: &Context) -> Result<ExitCode, Error> {
    let writes = a.allow_writes;
    let server = UiServer::start(UiConfig {
        store: cx.store.clone(),
        host: a.host,
        port: a.port,
        tokens: a.tokens,
        allow_writes: a.allow_writes,
        principal: None,
    })?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "mlops ui: serving {}", server.url());
    let _ = writeln!(
        out,
        "  store {}, {}; stop with Ctrl-C",
        cx.store,
        if writes {
            "writes allowed"
        } else {
            "read-only"
        }
    );
    let _ = out.flush();
    drop(out);
    server.wait()?;
    Ok(ExitCode::SUCCESS)
}
