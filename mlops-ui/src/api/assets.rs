//! The catalogue and asset pages: search hits a page at a time, one
//! asset's versions a page at a time, its history and lineage, and a data
//! set's profile and diff.

use std::collections::HashMap;

use arrow::util::display::{ArrayFormatter, FormatOptions};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use mlops_core::dataset::RowTable;
use serde_json::json;

use super::kind;
use crate::reply::{json, Params};
use crate::routes::SharedState;

/// Hits or versions per page unless asked: a screenful (the engine's
/// own default, sized for scripts, is larger).
const PAGE: usize = 50;
/// Most hits or versions one answer carries.
const MAX_PAGE: usize = 500;

/// `GET /api/info`: what the page needs to know of the server.
pub(crate) async fn info(State(s): State<SharedState>) -> Response {
    json(move || {
        Ok(json!({
            "store": s.store_shown,
            "principal": s.registry.principal(),
            "writes": s.allow_writes,
            "csrf": s.csrf,
            "version": env!("CARGO_PKG_VERSION"),
        }))
    })
    .await
}

/// `GET /api/assets?q=&archived=&limit=&page=`: one page of search hits.
pub(crate) async fn search(
    State(s): State<SharedState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let p = Params(q);
        let limit = p.count("limit", PAGE, MAX_PAGE)?.max(1);
        let page = s.registry.search_page(
            &p.text("q").unwrap_or_default(),
            p.flag("archived")?,
            limit,
            p.text("page").as_deref(),
        )?;
        Ok(json!({"hits": page.hits, "next": page.next_page_token}))
    })
    .await
}

/// `GET /api/assets/KIND/NAME?offset=&limit=`: the asset, its versions
/// newest first, a page of them.
pub(crate) async fn asset(
    State(s): State<SharedState>,
    Path((k, name)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let p = Params(q);
        let (offset, limit) = (
            p.count("offset", 0, usize::MAX)?,
            p.count("limit", PAGE, MAX_PAGE)?,
        );
        let a = s.registry.asset(kind(&k)?, &name)?;
        let total = a.versions.len();
        let versions: Vec<_> = a.versions.iter().rev().skip(offset).take(limit).collect();
        let latest = a.versions.last().map(|v| v.version);
        Ok(json!({
            "kind": a.kind,
            "name": a.name,
            "archived": a.archived,
            "latest": latest,
            "versions_total": total,
            "versions": versions,
            "aliases": a.aliases,
            "tags": a.tags,
            "inputs": a.inputs,
            "used_by": a.used_by,
            "causes": a.causes,
            "gates": a.gates,
            "pinned": a.pinned,
            "expired": a.expired,
        }))
    })
    .await
}

/// `GET /api/assets/KIND/NAME/history?limit=`: its log, newest first.
pub(crate) async fn history(
    State(s): State<SharedState>,
    Path((k, name)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let limit = Params(q).count("limit", 200, 5000)?;
        let mut events = s.registry.history(kind(&k)?, &name)?;
        events.reverse();
        events.truncate(limit);
        Ok(json!({ "events": events }))
    })
    .await
}

/// `GET /api/assets/KIND/NAME/lineage?depth=`: the graph around it.
pub(crate) async fn lineage(
    State(s): State<SharedState>,
    Path((k, name)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let depth = Params(q).count("depth", 3, 10)?;
        s.registry.lineage(kind(&k)?, &name, depth as u32)
    })
    .await
}

/// `GET /api/datasets/NAME/profile?version=`: a version's profile.
pub(crate) async fn profile(
    State(s): State<SharedState>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let version = Params(q).text("version");
        Ok(s.registry
            .dataset_profile(&name, mlops_core::unset::reference(version.as_deref()))?
            .to_json_value())
    })
    .await
}

/// `GET /api/datasets/NAME/diff?from=&to=`: two versions side by side.
pub(crate) async fn diff(
    State(s): State<SharedState>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let p = Params(q);
        s.registry
            .diff_datasets(&name, &p.required("from")?, &p.required("to")?)
    })
    .await
}

/// Rows of a row diff's table shown per page section.
const ROWS_SHOWN: usize = 20;

/// The first `limit` rows of `t` as text cells, with its column names
/// and its row count.
fn rows_json(t: &RowTable, limit: usize) -> mlops_core::Result<serde_json::Value> {
    let columns: Vec<&str> = t
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    let options = FormatOptions::default().with_null("");
    let mut rows: Vec<Vec<String>> = Vec::new();
    'batches: for b in &t.batches {
        let cells: Vec<ArrayFormatter<'_>> = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<_, _>>()?;
        for i in 0..b.num_rows() {
            if rows.len() >= limit {
                break 'batches;
            }
            rows.push(cells.iter().map(|f| f.value(i).to_string()).collect());
        }
    }
    Ok(json!({"columns": columns, "total": t.num_rows(), "rows": rows}))
}

/// `GET /api/datasets/NAME/rows?from=&to=&key=a,b&limit=`: the row diff
/// by key (`Registry::diff_rows`): its counts, and the first rows added,
/// removed and changed.
pub(crate) async fn rows(
    State(s): State<SharedState>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    json(move || {
        let p = Params(q);
        let key = p.required("key")?;
        let key: Vec<&str> = key.split(',').map(str::trim).collect();
        let limit = p.count("limit", ROWS_SHOWN, MAX_PAGE)?;
        let d = s
            .registry
            .diff_rows(&name, &p.required("from")?, &p.required("to")?, &key)?;
        Ok(json!({
            "summary": d.summary,
            "added": rows_json(&d.added, limit)?,
            "removed": rows_json(&d.removed, limit)?,
            "changed": rows_json(&d.changed, limit)?,
        }))
    })
    .await
}
