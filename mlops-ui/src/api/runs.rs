//! The runs pages: the table a page at a time with chosen columns, the
//! names a column can be, one run, one series downsampled, a comparison.

use std::collections::HashMap;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int64Type, TimestampMicrosecondType};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use mlops_core::runs::HistoryOptions;
use mlops_core::search::Fields;
use mlops_core::{Error, Result};
use serde_json::{json, Value};

use crate::reply::{json, Params};
use crate::routes::SharedState;

/// Most columns a table page may ask for.
const MAX_COLUMNS: usize = 200;
/// Buckets of a chart unless asked (each gives up to 4 points), and most.
const CHART_BUCKETS: usize = 1000;
const MAX_CHART_BUCKETS: usize = 20_000;

/// The query the table's filter box, sort column and direction make.
fn table_query(p: &Params) -> Result<String> {
    let mut q = p.text("q").unwrap_or_default();
    if let Some(field) = p.text("order") {
        if field.chars().any(|c| c.is_whitespace()) {
            return Err(Error::InvalidInput(format!(
                "query parameter 'order': '{}' is not a field",
                mlops_core::text::clip(&field, 80)
            )));
        }
        let dir = if p.flag("desc")? { "desc" } else { "asc" };
        q = format!("{q} order by {field} {dir}");
    }
    Ok(q)
}

/// `GET /api/runs?q=&order=&desc=&offset=&limit=&columns=`.
pub(crate) async fn list(
    State(s): State<SharedState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let p = Params(q);
        let query = table_query(&p)?;
        let offset = p.count("offset", 0, usize::MAX)?;
        let limit = p.count("limit", 100, 500)?;
        let columns: Vec<String> = p
            .text("columns")
            .map(|c| c.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        if columns.len() > MAX_COLUMNS {
            return Err(Error::InvalidInput(format!(
                "query parameter 'columns': {} columns, at most {MAX_COLUMNS}",
                columns.len()
            )));
        }
        let page = s.registry.search_runs_page(&query, offset, limit)?;
        let runs: Vec<Value> = page
            .runs
            .iter()
            .map(|r| {
                let cells: serde_json::Map<String, Value> = columns
                    .iter()
                    .map(|c| (c.clone(), r.field(c).into_owned()))
                    .collect();
                json!({
                    "id": r.id,
                    "experiment": r.experiment,
                    "name": r.name,
                    "status": r.status,
                    "start_time": r.start_time,
                    "end_time": r.end_time,
                    "principal": r.principal,
                    "cells": cells,
                })
            })
            .collect();
        Ok(json!({"total": page.total, "offset": offset, "runs": runs}))
    })
    .await
}

/// `GET /api/runs/keys`: every param, tag and metric name.
pub(crate) async fn keys(State(s): State<SharedState>) -> Response {
    json(move || s.registry.run_keys()).await
}

/// `GET /api/runs/ID`.
pub(crate) async fn run(State(s): State<SharedState>, Path(id): Path<String>) -> Response {
    json(move || s.registry.run(&id)).await
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// `GET /api/runs/ID/metrics/KEY?points=&context=`: the series as columns
/// (`step`, `time` in ms, `value`, `context`), downsampled (M4).
pub(crate) async fn metric(
    State(s): State<SharedState>,
    Path((id, key)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let p = Params(q);
        let buckets = p.count("points", CHART_BUCKETS, MAX_CHART_BUCKETS)?.max(1);
        let options = HistoryOptions {
            context: p.text("context"),
            downsample: Some(buckets),
        };
        let h = s.registry.run_history(&id, &key, &options)?;
        let steps = h.column(0).as_primitive::<Int64Type>().values();
        let times = h
            .column(1)
            .as_primitive::<TimestampMicrosecondType>()
            .values();
        let values = h.column(2).as_primitive::<Float64Type>().values();
        let contexts = h.column(3).as_string::<i32>();
        let context: Vec<Value> = (0..h.num_rows())
            .map(|i| {
                if contexts.is_null(i) {
                    Value::Null
                } else {
                    contexts.value(i).into()
                }
            })
            .collect();
        let summary = s
            .registry
            .run(&id)?
            .metrics
            .iter()
            .filter(|m| m.key == key)
            .map(|m| m.count)
            .sum::<u64>();
        Ok(json!({
            "key": key,
            "total": summary,
            "step": steps.to_vec(),
            "time": times.iter().map(|t| t / 1000).collect::<Vec<i64>>(),
            "value": values.iter().map(|v| number(*v)).collect::<Vec<Value>>(),
            "context": context,
        }))
    })
    .await
}

/// `GET /api/compare?ids=A,B,…`.
pub(crate) async fn compare(
    State(s): State<SharedState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let ids: Vec<String> = Params(q)
            .required("ids")?
            .split(',')
            .map(str::to_string)
            .collect();
        s.registry.compare_runs(&ids)
    })
    .await
}
