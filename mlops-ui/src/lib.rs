//! The mlops web UI (`mlops ui`, `mlops.ui.serve`): a JSON API over the
//! engine and the pages that read it, served by one in-process HTTP server.
//!
//! The pages (`assets/`: HTML, CSS and JavaScript, no build step) are
//! compiled into the binary. Each page asks the API for what it shows and
//! nothing more, and each answer reads only what it needs from the store
//! (a page of search hits, a page of runs, a downsampled series), so the
//! UI stays fast on large stores. See `docs/ui.md` for the routes, the API
//! and the safety rules.
//!
//! ```no_run
//! use mlops_ui::{UiConfig, UiServer};
//! let server = UiServer::start(UiConfig { store: "out/registry".into(), port: 0, ..Default::default() })?;
//! println!("{}", server.url());
//! server.wait()?;
//! # Ok::<(), mlops_core::Error>(())
//! ```

mod access;
mod api;
mod config;
mod reply;
mod routes;
mod server;
mod static_files;

pub use config::{Token, UiConfig, DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV};
pub use server::UiServer;
