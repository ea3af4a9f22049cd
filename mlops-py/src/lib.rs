//! `mlops._mlops`: the native module behind the Python package `mlops`.
//!
//! Thin by design: conversion of inputs and outputs and error mapping; every
//! behaviour lives in `mlops-core`. Module names mirror the core's
//! (`profile`, `error`) and the Node binding's.

use pyo3::prelude::*;

mod accumulate;
mod args;
mod convert;
mod drift;
mod error;
mod feed;
mod governance;
mod guard;
mod monitor;
mod package;
mod profile;
mod registry;
mod runs;
mod source;
mod stats;
mod ui;
mod validate;

#[pymodule]
fn _mlops(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    accumulate::register(m)?;
    convert::register(m)?;
    governance::register(m)?;
    guard::register(m)?;
    feed::register(m)?;
    monitor::register(m)?;
    drift::register(m)?;
    package::register(m)?;
    profile::register(m)?;
    registry::register(m)?;
    runs::register(m)?;
    stats::register(m)?;
    validate::register(m)?;
    ui::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
