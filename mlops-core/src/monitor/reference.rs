//! What a monitor keeps of its reference when it is created: the profile
//! and schema of the data set version, the window figures of the whole
//! reference (`reference.<field>` in rules), and — when the reference has
//! the timestamp column — the mean and standard deviation of each figure
//! over the reference's own windows (`reference.<field>.mean`, `.std`:
//! NannyML's thresholds of mean ± k·std over reference chunks), the
//! validation suite's fields among them.

use std::collections::BTreeMap;

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::SchemaRef;

use super::config::MonitorConfig;
use super::fold::WindowState;
use super::results::evaluate;
use super::split;
use super::window_suite::WindowSuite;
use super::writer::profiled;
use crate::error::Result;
use crate::profile::Profile;

/// The reference's figures: of the whole, and mean and std over its windows.
pub(crate) struct ReferenceFigures {
    /// The reference's (id, prediction, label) rows, when it has both columns.
    pub pairs: Option<RecordBatch>,
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
    suite: Option<&WindowSuite>,
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
    let (mut whole, _) = evaluate(config, 0, &whole_state, Some(&whole_profile), Some(profile))?;
    if let Some(suite) = suite {
        whole.extend(suite.fields_of(&conformed)?);
    }
    let pairs = match (&config.prediction, &config.target) {
        (Some(p), Some(t)) => match (data.column_by_name(p), data.column_by_name(t)) {
            (Some(p), Some(t)) => Some(pairs_table(p, t)?),
            _ => None,
        },
        _ => None,
    };
    if let Some(pairs) = &pairs {
        let gathered = super::window_quality::gather(std::slice::from_ref(pairs));
        for (k, v) in super::window_quality::realized(config, &gathered)? {
            // `reference.roc_auc` as well as `reference.quality.realized.roc_auc`.
            if let Some(metric) = k.strip_prefix("realized.") {
                whole.insert(metric.to_string(), v);
            }
            whole.insert(format!("quality.{k}"), v);
        }
    }
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
            let (mut f, _) = evaluate(
                config,
                window * config.window_secs as i64,
                &state,
                Some(&p),
                Some(profile),
            )?;
            if let Some(suite) = suite {
                f.extend(suite.fields_of(&part)?);
            }
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
    Ok(ReferenceFigures {
        pairs,
        whole,
        windows,
    })
}

/// The reference's (id = row number, prediction, label) rows, kept as the
/// monitor keeps joined labels.
fn pairs_table(prediction: &ArrayRef, label: &ArrayRef) -> Result<RecordBatch> {
    use arrow::datatypes::{DataType, Field, Schema};
    let value_type = super::writer::value_type;
    let p = arrow::compute::cast(prediction, &value_type(prediction.data_type()))?;
    let l = arrow::compute::cast(label, &value_type(label.data_type()))?;
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..p.len()).map(|i| i.to_string()),
    ));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("prediction", p.data_type().clone(), true),
        Field::new("label", l.data_type().clone(), true),
    ]));
    Ok(RecordBatch::try_new(schema, vec![ids, p, l])?)
}
