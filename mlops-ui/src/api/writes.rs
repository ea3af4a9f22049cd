//! The three writes (`--allow-writes`): move an alias, set or remove a
//! tag, archive or restore. Each runs through the engine's policy as the
//! request's principal; the access check has already refused writes when
//! they are off or the CSRF header is wrong.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use mlops_core::registry::Registry;
use mlops_core::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::kind;
use crate::access::Principal;
use crate::reply::json;
use crate::routes::SharedState;

/// The registry writing as the request's principal.
fn as_principal(s: &SharedState, p: &Principal) -> Registry {
    match &p.0 {
        Some(name) => s.registry.clone().with_principal(name),
        None => s.registry.clone(),
    }
}

fn body<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::InvalidInput(format!("{what}: the request body: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasMove {
    version: u64,
}

/// `POST /api/assets/KIND/NAME/aliases/ALIAS` `{"version": N}`.
pub(crate) async fn alias(
    State(s): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((k, name, alias)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Response {
    json(move || {
        let m: AliasMove = body("alias move", &bytes)?;
        as_principal(&s, &p).set_alias(kind(&k)?, &name, &alias, m.version)?;
        Ok(json!({"alias": alias, "version": m.version}))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagSet {
    key: String,
    value: Option<String>,
}

/// `POST /api/assets/KIND/NAME/versions/V/tags` `{"key", "value" or null}`.
pub(crate) async fn tag(
    State(s): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((k, name, version)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Response {
    json(move || {
        let t: TagSet = body("tag", &bytes)?;
        let v: u64 = version.trim_start_matches('v').parse().map_err(|_| {
            Error::InvalidInput(format!(
                "version '{}': not a number",
                mlops_core::text::clip(&version, 40)
            ))
        })?;
        as_principal(&s, &p).set_tag(kind(&k)?, &name, v, &t.key, t.value.as_deref())?;
        Ok(json!({"version": v, "key": t.key, "value": t.value}))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Archive {
    archived: bool,
}

/// `POST /api/assets/KIND/NAME/archive` `{"archived": bool}`.
pub(crate) async fn archive(
    State(s): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((k, name)): Path<(String, String)>,
    bytes: Bytes,
) -> Response {
    json(move || {
        let a: Archive = body("archive", &bytes)?;
        as_principal(&s, &p).set_archived(kind(&k)?, &name, a.archived)?;
        Ok(json!({"archived": a.archived}))
    })
    .await
}
