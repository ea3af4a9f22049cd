//! The reports page: the HTML reports the engine makes (a monitor's
//! dashboard, a window's drift, a data set version's profile, the drift
//! between two versions) and the HTML files runs stored, each served in a
//! sandbox (see `reply::report`).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use mlops_core::drift::{drift_profiles, DriftOptions};
use mlops_core::registry::Kind;
use mlops_core::report::{drift_html, profile_html};
use mlops_core::{Error, Result};
use serde_json::{json, Value};

use crate::reply::{json, report, Params};
use crate::routes::SharedState;

/// Runs whose HTML files the list offers: the newest ones.
const RUNS_LISTED: usize = 200;

fn html(page: String) -> Result<(String, Vec<u8>)> {
    Ok(("text/html; charset=utf-8".into(), page.into_bytes()))
}

/// Percent-encodes a path segment for a link.
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /api/reports`: every report there is to open.
pub(crate) async fn list(State(s): State<SharedState>) -> Response {
    json(move || {
        let r = &s.registry;
        let mut out: Vec<Value> = Vec::new();
        for name in r.monitor_names()? {
            out.push(json!({"title": format!("monitor {name}: dashboard"), "kind": "monitor",
                "url": format!("/reports/monitor/{}", segment(&name))}));
        }
        for name in r.list(Kind::Dataset, false)? {
            let a = r.asset(Kind::Dataset, &name)?;
            let tabular: Vec<u64> = a
                .versions
                .iter()
                .filter(|v| v.dataset.is_some())
                .map(|v| v.version)
                .collect();
            if let Some(last) = tabular.last() {
                out.push(json!({"title": format!("dataset {name} v{last}: profile"), "kind": "profile",
                    "url": format!("/reports/profile/{}?version=v{last}", segment(&name))}));
            }
            if let [.., before, last] = tabular.as_slice() {
                out.push(json!({"title": format!("dataset {name}: drift v{before} → v{last}"), "kind": "drift",
                    "url": format!("/reports/drift/{}?from=v{before}&to=v{last}", segment(&name))}));
            }
        }
        for run in r.search_runs_page("", 0, RUNS_LISTED)?.runs {
            for a in run.artifacts.iter().filter(|a| a.path.ends_with(".html")) {
                let label = run.name.clone().unwrap_or_else(|| run.id.clone());
                let path: Vec<String> = a.path.split('/').map(segment).collect();
                out.push(json!({"title": format!("run {label}: {}", a.path), "kind": "run",
                    "url": format!("/reports/run/{}/{}", run.id, path.join("/"))}));
            }
        }
        Ok(json!({ "reports": out }))
    })
    .await
}

/// `GET /reports/monitor/NAME`: its dashboard.
pub(crate) async fn monitor(State(s): State<SharedState>, Path(name): Path<String>) -> Response {
    report(move || html(s.registry.monitor_dashboard(&name, None)?)).await
}

/// `GET /reports/monitor/NAME/WINDOW`: a window's drift report.
pub(crate) async fn window(
    State(s): State<SharedState>,
    Path((name, window)): Path<(String, String)>,
) -> Response {
    report(move || {
        let start: i64 = window.parse().map_err(|_| {
            Error::InvalidInput(format!(
                "window '{}': not a start time in Unix seconds",
                mlops_core::text::clip(&window, 40)
            ))
        })?;
        html(drift_html(
            &s.registry.monitor_window_drift(&name, start, None)?,
        ))
    })
    .await
}

/// `GET /reports/profile/NAME?version=`: a version's profile.
pub(crate) async fn profile(
    State(s): State<SharedState>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    report(move || {
        let version = Params(q).text("version");
        html(profile_html(&s.registry.dataset_profile(
            &name,
            mlops_core::unset::reference(version.as_deref()),
        )?))
    })
    .await
}

/// `GET /reports/drift/NAME?from=&to=`: drift between two versions, from
/// their profiles.
pub(crate) async fn drift(
    State(s): State<SharedState>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    report(move || {
        let p = Params(q);
        let from = s.registry.dataset_profile(&name, &p.required("from")?)?;
        let to = s.registry.dataset_profile(&name, &p.required("to")?)?;
        html(drift_html(&drift_profiles(
            &from,
            &to,
            &DriftOptions::default(),
        )?))
    })
    .await
}

/// The type a run's file is served as: what a browser can show, else bytes.
fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "json" => "application/json",
        "txt" | "log" | "csv" | "md" | "yaml" | "yml" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `GET /reports/run/ID/PATH`: a file a run stored, by its recorded path.
pub(crate) async fn run_file(
    State(s): State<SharedState>,
    Path((id, path)): Path<(String, String)>,
) -> Response {
    report(move || {
        let run = s.registry.run(&id)?;
        let a = run
            .artifacts
            .iter()
            .find(|a| a.path == path)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "run {id} has no file '{}'",
                    mlops_core::text::clip(&path, 120)
                ))
            })?;
        let mut bytes = Vec::new();
        s.registry.store().get_content(&a.content, &mut bytes)?;
        Ok((content_type(&a.path).to_string(), bytes))
    })
    .await
}
