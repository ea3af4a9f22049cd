//! Answers: engine work run off the async threads, its result as JSON or
//! HTML, and engine errors as JSON with their code and an HTTP status.
//! A panic in the engine is a 500, never a dead server.

use std::collections::HashMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use mlops_core::{Error, Result};
use serde::Serialize;

/// The HTTP status of an engine error.
pub(crate) fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::InvalidInput(_) | Error::SchemaMismatch(_) | Error::Unsupported(_) => {
            StatusCode::BAD_REQUEST
        }
        Error::PermissionDenied(_) => StatusCode::FORBIDDEN,
        Error::AlreadyExists(_) | Error::Conflict(_) => StatusCode::CONFLICT,
        Error::Expired(_) => StatusCode::GONE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The character offset a filter error names (`at position N`), if any.
fn position(message: &str) -> Option<usize> {
    let (_, rest) = message.split_once("at position ")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// An error answer: `{"error": {"code", "message", "position"?}}`.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut body = serde_json::json!({"error": {"code": code, "message": message}});
    if let Some(p) = position(message) {
        body["error"]["position"] = p.into();
    }
    (status, axum::Json(body)).into_response()
}

/// The answer for an engine error.
pub(crate) fn engine_error(e: &Error) -> Response {
    error(status_of(e), e.code(), &e.to_string())
}

/// Runs `f` (engine work: blocking reads of the store) on the blocking
/// pool and answers its value as JSON.
pub(crate) async fn json<T, F>(f: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    respond(f, |v| axum::Json(v).into_response()).await
}

/// Runs `f` on the blocking pool and answers the page it makes as HTML,
/// in a sandbox: a report (or a run's HTML file) runs no script with the
/// UI's origin, so it cannot call the API.
pub(crate) async fn report<F>(f: F) -> Response
where
    F: FnOnce() -> Result<(String, Vec<u8>)> + Send + 'static,
{
    respond(f, |(content_type, body)| {
        let mut r = body.into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"),
        );
        h.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        r
    })
    .await
}

async fn respond<T, F>(f: F, make: impl FnOnce(T) -> Response) -> Response
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => make(v),
        Ok(Err(e)) => engine_error(&e),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "the engine failed on this request (a bug: please report it)",
        ),
    }
}

/// A request's query string, read field by field with errors that name
/// the field.
pub(crate) struct Params(pub HashMap<String, String>);

impl Params {
    /// The text of `name`, if given and not empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }

    /// `name` as a count, `default` when not given, at most `max`.
    pub fn count(&self, name: &str, default: usize, max: usize) -> Result<usize> {
        match self.0.get(name).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse::<usize>().map(|n| n.min(max)).map_err(|_| {
                Error::InvalidInput(format!(
                    "query parameter '{name}': '{}' is not a count",
                    clip(v)
                ))
            }),
        }
    }

    /// `name` as a switch: `1`/`true` on, absent/`0`/`false` off.
    pub fn flag(&self, name: &str) -> Result<bool> {
        match self.0.get(name).map(String::as_str) {
            None | Some("" | "0" | "false") => Ok(false),
            Some("1" | "true") => Ok(true),
            Some(v) => Err(Error::InvalidInput(format!(
                "query parameter '{name}': '{}' is not 0 or 1",
                clip(v)
            ))),
        }
    }

    /// The text of `name`, which must be given.
    pub fn required(&self, name: &str) -> Result<String> {
        self.text(name)
            .ok_or_else(|| Error::InvalidInput(format!("query parameter '{name}' is missing")))
    }
}

fn clip(s: &str) -> String {
    mlops_core::text::clip(s, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_errors_carry_their_position() {
        assert_eq!(
            position("search: expected a value at position 7 (near 'x')"),
            Some(7)
        );
        assert_eq!(position("not found"), None);
    }

    #[test]
    fn params_name_the_field_they_refuse() {
        let p = Params([("limit".to_string(), "ten".to_string())].into());
        let e = p.count("limit", 50, 500).unwrap_err().to_string();
        assert!(e.contains("'limit'") && e.contains("ten"), "{e}");
        let p = Params([("limit".to_string(), "9999".to_string())].into());
        assert_eq!(p.count("limit", 50, 500).unwrap(), 500);
        assert!(Params(Default::default()).required("from").is_err());
    }
}
