//! The pages, compiled into the binary: a fixed table of files, so no
//! request path ever reaches the file system.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::reply::error;

/// Each page file: its name under `/assets/`, its type, its bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/api.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "chart.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/chart.js"),
    ),
    (
        "dataset.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/dataset.js"),
    ),
    (
        "dom.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/dom.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
    (
        "heatmap.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/heatmap.js"),
    ),
    (
        "lineage.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/lineage.js"),
    ),
    (
        "page-asset.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-asset.js"),
    ),
    (
        "page-catalogue.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-catalogue.js"),
    ),
    (
        "page-compare.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-compare.js"),
    ),
    (
        "page-governance.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-governance.js"),
    ),
    (
        "page-monitor.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-monitor.js"),
    ),
    (
        "page-monitors.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-monitors.js"),
    ),
    (
        "page-reports.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-reports.js"),
    ),
    (
        "page-run.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-run.js"),
    ),
    (
        "page-runs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/page-runs.js"),
    ),
    (
        "series.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/series.js"),
    ),
    (
        "table.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/table.js"),
    ),
];

/// What the page may load: only its own files and answers.
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `/`: the one HTML document all routes share.
pub(crate) async fn index() -> Response {
    let mut r = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("../assets/index.html"),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    r
}

/// `/assets/FILE`: a file of the table, or 404.
pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => {
            ([(header::CONTENT_TYPE, *content_type)], *bytes).into_response()
        }
        None => not_found().await,
    }
}

/// Anything else.
pub(crate) async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such page")
}
