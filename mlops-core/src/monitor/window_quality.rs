//! Model quality of a window, from what the monitor stored: **realized**
//! from the (prediction, label) pairs its labels made (`quality.realized.*`
//! figures), and, for binary tasks, **estimated** before labels arrive
//! with NannyML's CBPE fitted on the reference's pairs
//! (`quality.estimated.*`), from the window's kept scores.
//!
//! A monitor without a `task` setting infers it from the values: scores
//! between 0 and 1 with 0/1 labels are binary; other numbers regression;
//! text multiclass.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};

use super::config::{MonitorConfig, Task};
use super::quality::{binary_quality, multiclass_quality, regression_quality, Cbpe};
use crate::error::Result;

/// The numbers of a kept column (`Float64`, nulls left out with their row).
fn numbers(batch: &RecordBatch, column: usize) -> Option<Vec<Option<f64>>> {
    let a = batch.column(column);
    (a.data_type() == &DataType::Float64).then(|| a.as_primitive::<Float64Type>().iter().collect())
}

/// The task of `pairs` (prediction, label columns at 1 and 2).
fn task_of(config: &MonitorConfig, preds: &[f64], labels: &[f64]) -> Task {
    if let Some(t) = config.task {
        return t;
    }
    let scores = preds.iter().all(|p| (0.0..=1.0).contains(p));
    let binary = labels.iter().all(|l| *l == 0.0 || *l == 1.0);
    if scores && binary {
        Task::Binary
    } else {
        Task::Regression
    }
}

/// The (prediction, label) rows of `pairs` tables where both are present:
/// numbers, or text.
pub(crate) enum Pairs {
    /// Both numeric.
    Numbers(Vec<f64>, Vec<f64>),
    /// Text (multiclass).
    Text(Vec<String>, Vec<String>),
}

/// Gathers the pairs of several tables (id, prediction, label).
pub(crate) fn gather(tables: &[RecordBatch]) -> Pairs {
    let numeric = tables.iter().all(|t| {
        t.column(1).data_type() == &DataType::Float64
            && t.column(2).data_type() == &DataType::Float64
    });
    if numeric {
        let (mut p, mut l) = (Vec::new(), Vec::new());
        for t in tables {
            let (Some(ps), Some(ls)) = (numbers(t, 1), numbers(t, 2)) else {
                continue;
            };
            for (a, b) in ps.into_iter().zip(ls) {
                if let (Some(a), Some(b)) = (a, b) {
                    if a.is_finite() && b.is_finite() {
                        p.push(a);
                        l.push(b);
                    }
                }
            }
        }
        Pairs::Numbers(p, l)
    } else {
        let (mut p, mut l) = (Vec::new(), Vec::new());
        for t in tables {
            let text = |c: usize| arrow::compute::cast(t.column(c), &DataType::Utf8);
            let (Ok(ps), Ok(ls)) = (text(1), text(2)) else {
                continue;
            };
            for (a, b) in ps
                .as_string::<i32>()
                .iter()
                .zip(ls.as_string::<i32>().iter())
            {
                if let (Some(a), Some(b)) = (a, b) {
                    p.push(a.to_string());
                    l.push(b.to_string());
                }
            }
        }
        Pairs::Text(p, l)
    }
}

/// The realized quality figures of `pairs`, by name (`realized.<metric>`
/// without the `quality.` prefix).
pub(crate) fn realized(config: &MonitorConfig, pairs: &Pairs) -> Result<BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    let mut put = |metrics: Vec<(&'static str, f64)>| {
        for (k, v) in metrics {
            out.insert(format!("realized.{k}"), v);
        }
    };
    match pairs {
        Pairs::Numbers(p, l) if p.is_empty() || l.is_empty() => {}
        Pairs::Numbers(p, l) => match task_of(config, p, l) {
            Task::Binary => {
                let labels: Vec<bool> = l.iter().map(|v| *v != 0.0).collect();
                put(binary_quality(p, &labels, config.threshold)?.metrics());
            }
            Task::Regression => put(regression_quality(p, l)?.metrics()),
            Task::Multiclass => {
                let (p, l): (Vec<String>, Vec<String>) = (
                    p.iter().map(|v| v.to_string()).collect(),
                    l.iter().map(|v| v.to_string()).collect(),
                );
                let (p, l): (Vec<&str>, Vec<&str>) = (
                    p.iter().map(String::as_str).collect(),
                    l.iter().map(String::as_str).collect(),
                );
                put(multiclass_quality(&p, &l)?.metrics());
            }
        },
        Pairs::Text(p, l) if p.is_empty() => {}
        Pairs::Text(p, l) => {
            let (p, l): (Vec<&str>, Vec<&str>) = (
                p.iter().map(String::as_str).collect(),
                l.iter().map(String::as_str).collect(),
            );
            put(multiclass_quality(&p, &l)?.metrics());
        }
    }
    Ok(out)
}

/// CBPE fitted on the reference's pairs, when the task is binary (given
/// or inferred) and the reference has both classes.
pub(crate) fn fit_cbpe(config: &MonitorConfig, reference: &Pairs) -> Option<Cbpe> {
    let Pairs::Numbers(p, l) = reference else {
        return None;
    };
    if p.is_empty() || task_of(config, p, l) != Task::Binary {
        return None;
    }
    let labels: Vec<bool> = l.iter().map(|v| *v != 0.0).collect();
    super::quality::cbpe_fit(p, &labels, config.threshold).ok()
}

/// The estimated quality figures (`estimated.<metric>`) of a window's scores.
pub(crate) fn estimated(cbpe: &Cbpe, scores: &[f64]) -> Result<BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    if scores.is_empty() {
        return Ok(out);
    }
    for (k, v) in cbpe.estimate(scores)?.metrics() {
        out.insert(format!("estimated.{k}"), v);
    }
    Ok(out)
}
