//! What a monitor keeps of its reference when it is created: the profile
//! and schema of the data set version, the window figures of the whole
//! reference (`reference.<field>` in rules), and — when the reference has
//! the timestamp column — the mean and standard deviation of each figure
//! over the reference's own windows (`reference.<field>.mean`, `.std`:
//! NannyML's thresholds of mean ± k·std over reference chunks).

use std::collections::BTreeMap;

use arrow::array::{RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::SchemaRef;

use super::config::MonitorConfig;
use super::fold::WindowState;
use super::results::evaluate;
use super::split;
use super::writer::profiled;
use crate::error::Result;
use crate::profile::Profile;

/// The reference's figures: of the whole, and mean and std over its windows.
pub(crate) struct ReferenceFigures {
    /// Each figure of the whole reference.
    pub whole: BTreeMap<String, f64>,
    /// Mean and sample standard deviation of each figure over its windows
    /// (figures present in at least two windows).
    pub windows: BTreeMap<String, (f64, f64)>,
}

/// The figures of the reference data (`schema`, `batches`) and its profile.
pub(crate) fn figures(
    config: &MonitorConfig,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    profile: &Profile,
) -> Result<ReferenceFigures> {
    let data = arrow::compute::concat_batches(schema, batches)?;
    let cols = profiled(config, schema);
    let conformed = split::conform(&data, &cols, &|_| true)?.batch;
    let whole_profile = {
        let mut p = Profile::new(&cols);
        p.update(&conformed)?;
        p
    };
    let whole_state = WindowState {
        rows: data.num_rows() as u64,
        ..Default::default()
    };
    let (whole, _) = evaluate(config, 0, &whole_state, Some(&whole_profile), Some(profile))?;
    let mut windows = BTreeMap::new();
    if data.column_by_name(&config.timestamp).is_some() {
        let times = split::event_times_ms(&data, &config.timestamp)?;
        let w_ms = config.window_secs as i64 * 1000;
        let mut groups: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
        for (row, t) in times.iter().enumerate() {
            if let Some(t) = t {
                groups
                    .entry(t.div_euclid(w_ms))
                    .or_default()
                    .push(row as u32);
            }
        }
        let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (window, rows) in &groups {
            let part = take_record_batch(&conformed, &UInt32Array::from(rows.clone()))?;
            let mut p = Profile::new(&cols);
            p.update(&part)?;
            let state = WindowState {
                rows: rows.len() as u64,
                ..Default::default()
            };
            let (f, _) = evaluate(
                config,
                window * config.window_secs as i64,
                &state,
                Some(&p),
                Some(profile),
            )?;
            for (k, v) in f {
                if v.is_finite() {
                    values.entry(k).or_default().push(v);
                }
            }
        }
        for (k, v) in values {
            if v.len() >= 2 {
                let n = v.len() as f64;
                let mean = v.iter().sum::<f64>() / n;
                let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
                windows.insert(k, (mean, var.sqrt()));
            }
        }
    }
    Ok(ReferenceFigures { whole, windows })
}
