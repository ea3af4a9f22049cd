//! Starting and stopping a server: the store is opened and the port bound
//! before `start` returns (so a bad store or a taken port is the caller's
//! error, not a log line), then a thread of its own runs a small tokio
//! runtime until [`UiServer::stop`].

use std::net::SocketAddr;
use std::sync::Arc;

use mlops_core::registry::Registry;
use mlops_core::{Error, Result};
use tokio::sync::oneshot;

use crate::config::UiConfig;
use crate::routes::{self, State};

/// A running UI server. Dropping it stops it.
#[derive(Debug)]
pub struct UiServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// A local store path that does not exist: the UI browses, it never makes
/// an empty store.
fn check_local_store(url: &str) -> Result<()> {
    let path = url.strip_prefix("file://").unwrap_or(url);
    if (url.starts_with("file://") || !url.contains("://")) && !std::path::Path::new(path).is_dir()
    {
        return Err(Error::NotFound(format!(
            "store {url}: no such folder (run the main job first, or give --store)"
        )));
    }
    Ok(())
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => Error::Conflict(format!("{what}: {e}")),
        _ => Error::InvalidInput(format!("{what}: {e}")),
    }
}

impl UiServer {
    /// Opens the store, binds the address and starts serving. A host that
    /// is not loopback without a token, a store that is not there, or a
    /// port taken is an error and nothing is left running.
    pub fn start(config: UiConfig) -> Result<UiServer> {
        let ip = config.address()?;
        check_local_store(&config.store)?;
        let mut registry = Registry::open(&config.store)?;
        if let Some(p) = &config.principal {
            registry = registry.with_principal(p);
        }
        let what = format!("ui: listening on {}", SocketAddr::new(ip, config.port));
        let listener =
            std::net::TcpListener::bind((ip, config.port)).map_err(|e| io_error(&what, e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| io_error(&what, e))?;
        let addr = listener.local_addr().map_err(|e| io_error(&what, e))?;
        let state = Arc::new(State::new(registry, &config, addr)?);
        let app = routes::router(state);
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("mlops-ui".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("mlops-ui")
                    .enable_io()
                    .enable_time()
                    .build()?;
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await
                })
            })
            .map_err(|e| io_error("ui: starting the server thread", e))?;
        Ok(UiServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on (the one picked when started with port 0).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Its URL, `http://127.0.0.1:5210/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops it: no new connections, the requests under way finish.
    pub fn stop(mut self) -> Result<()> {
        self.shut_down()
    }

    /// Blocks until it stops (another thread's [`stop`](Self::stop), or an
    /// error of the listener).
    pub fn wait(mut self) -> Result<()> {
        match self.thread.take() {
            Some(t) => join(t),
            None => Ok(()),
        }
    }

    fn shut_down(&mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(t) => join(t),
            None => Ok(()),
        }
    }
}

fn join(t: std::thread::JoinHandle<std::io::Result<()>>) -> Result<()> {
    match t.join() {
        Ok(r) => r.map_err(|e| io_error("ui: serving", e)),
        Err(_) => Err(Error::Storage {
            context: "ui: serving".into(),
            source: std::io::Error::other("the server thread panicked"),
        }),
    }
}

impl Drop for UiServer {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}
