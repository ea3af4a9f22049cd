//! The native addon behind the npm package `mlops`.
//!
//! Thin by design: input and output conversion and error mapping; every
//! behaviour lives in `mlops-core`. Module names mirror the core's and the
//! Python binding's (`profile`, `error`). Registry and governance results
//! and option objects cross as typed objects built in one place
//! (`convert.rs`). The JavaScript layer in `lib/` turns apache-arrow tables
//! into IPC bytes and gives results their classes; errors reach JavaScript
//! with their `code` already set (`error.rs`).

// A test build (`cargo clippy --all-targets`) compiles the `#[napi]` exports
// without napi's registration, so nothing in Rust calls them.
#![cfg_attr(test, allow(dead_code))]

mod accumulate;
mod convert;
mod drift;
mod error;
mod feed;
mod gc;
mod guard;
mod monitor;
mod package;
mod profile;
mod registry;
mod runs;
mod stats;
mod task;
// Versions added from folders: status, checkout, per-file diff.
mod tree;
mod ui;
mod validate;
