//! The server's shared state and its table of routes (see `docs/ui.md`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use mlops_core::registry::Registry;
use mlops_core::{Error, Result};

use crate::api::{assets, governance, monitors, reports, runs, writes};
use crate::config::{Token, UiConfig};
use crate::{access, static_files};

/// What every request sees.
pub(crate) struct State {
    /// The store, opened once.
    pub registry: Registry,
    /// The store's URL as shown to the browser: no user, password or query.
    pub store_shown: String,
    /// The secrets a request may carry (none: loopback only).
    pub tokens: Vec<Token>,
    /// Whether writes are on.
    pub allow_writes: bool,
    /// This server's CSRF secret (random, per start).
    pub csrf: String,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// The state as handlers receive it.
pub(crate) type SharedState = Arc<State>;

/// A URL without the parts that may hold credentials (`user:password@`,
/// `?query`, `#fragment`).
pub(crate) fn shown(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or("");
    match no_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if path.is_empty() && !rest.contains('/') {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => no_query.to_string(),
    }
}

impl State {
    pub(crate) fn new(registry: Registry, config: &UiConfig, addr: SocketAddr) -> Result<State> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| {
            Error::InvalidInput(format!("ui: no random bytes for a CSRF secret: {e}"))
        })?;
        Ok(State {
            registry,
            store_shown: shown(&config.store),
            tokens: config.tokens.clone(),
            allow_writes: config.allow_writes,
            csrf: secret.iter().map(|b| format!("{b:02x}")).collect(),
            addr,
        })
    }
}

/// Every route, behind the access check.
pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/", get(static_files::index))
        .route("/assets/{file}", get(static_files::asset))
        .route("/api/info", get(assets::info))
        .route("/api/assets", get(assets::search))
        .route("/api/assets/{kind}/{name}", get(assets::asset))
        .route("/api/assets/{kind}/{name}/history", get(assets::history))
        .route("/api/assets/{kind}/{name}/lineage", get(assets::lineage))
        .route(
            "/api/assets/{kind}/{name}/aliases/{alias}",
            post(writes::alias),
        )
        .route(
            "/api/assets/{kind}/{name}/versions/{version}/tags",
            post(writes::tag),
        )
        .route("/api/assets/{kind}/{name}/archive", post(writes::archive))
        .route("/api/datasets/{name}/profile", get(assets::profile))
        .route("/api/datasets/{name}/diff", get(assets::diff))
        .route("/api/datasets/{name}/rows", get(assets::rows))
        .route("/api/runs", get(runs::list))
        .route("/api/runs/keys", get(runs::keys))
        .route("/api/runs/{id}", get(runs::run))
        .route("/api/runs/{id}/metrics/{*key}", get(runs::metric))
        .route("/api/compare", get(runs::compare))
        .route("/api/monitors", get(monitors::list))
        .route("/api/monitors/{name}", get(monitors::monitor))
        .route("/api/reports", get(reports::list))
        .route("/reports/monitor/{name}", get(reports::monitor))
        .route("/reports/monitor/{name}/{window}", get(reports::window))
        .route("/reports/profile/{name}", get(reports::profile))
        .route("/reports/drift/{name}", get(reports::drift))
        .route("/reports/run/{id}/{*path}", get(reports::run_file))
        .route("/api/governance", get(governance::overview))
        .route("/api/governance/verify", get(governance::verify))
        .fallback(static_files::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access::check,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn credentials_never_shown() {
        assert_eq!(
            shown("s3://key:secret@bucket/prefix?region=x"),
            "s3://bucket/prefix"
        );
        assert_eq!(shown("out/registry"), "out/registry");
        assert_eq!(shown("az://acct?sas=abc"), "az://acct");
        assert_eq!(shown("file:///tmp/store"), "file:///tmp/store");
    }
}
