//! Who may ask what: the token check, the Host check that stops DNS
//! rebinding, the CSRF check on writes, and the security headers every
//! answer carries. One middleware in front of every route.

use std::net::SocketAddr;

use axum::extract::{Request, State as Extract};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::reply::error;
use crate::routes::SharedState;

/// The cookie a browser keeps the token in after opening `/?token=…`.
pub(crate) const TOKEN_COOKIE: &str = "mlops_ui_token";

/// The header a write must carry, equal to `/api/info`'s `csrf`.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// The principal a request's token speaks for (`None`: the registry's).
#[derive(Debug, Clone)]
pub(crate) struct Principal(pub Option<String>);

/// Equal in time independent of where the two differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn query_token(uri: &axum::http::Uri) -> Option<String> {
    uri.query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v.to_string())
}

/// The names a loopback server answers to: its own address, `localhost`.
fn loopback_host(host: &str, addr: SocketAddr) -> bool {
    let port = addr.port();
    [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        addr.to_string(),
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(host))
}

/// Checks a request, then adds the security headers to its answer.
pub(crate) async fn check(
    Extract(s): Extract<SharedState>,
    mut req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let principal = if s.tokens.is_empty() {
        // No token: only a page of this machine, asking by a loopback
        // name, is answered (a rebound DNS name is not one).
        if !loopback_host(&host, s.addr) {
            return error(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "this server answers only to its loopback address (127.0.0.1 or localhost)",
            );
        }
        Principal(None)
    } else {
        // A token in the URL is swapped for a cookie, and the URL
        // without it, so it stays out of history and logs.
        if let Some(t) = query_token(req.uri()) {
            let Some(tok) = s
                .tokens
                .iter()
                .find(|k| same(k.secret.as_bytes(), t.as_bytes()))
            else {
                return error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "wrong token");
            };
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{TOKEN_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                tok.secret
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            return r;
        }
        let given = bearer(headers).or_else(|| cookie(headers, TOKEN_COOKIE));
        match given.and_then(|g| s.tokens.iter().find(|k| same(k.secret.as_bytes(), g.as_bytes()))) {
            Some(t) => Principal(t.principal.clone()),
            None => {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHORIZED",
                    "this server needs a token: open /?token=SECRET once, or send 'Authorization: Bearer SECRET'",
                )
            }
        }
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        if !s.allow_writes {
            return error(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "this server is read-only (start it with --allow-writes)",
            );
        }
        let csrf = headers
            .get(CSRF_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or(b"");
        if !same(csrf, s.csrf.as_bytes()) {
            return error(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "a write needs the X-CSRF-Token header from /api/info",
            );
        }
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            if origin != format!("http://{host}") {
                return error(
                    StatusCode::FORBIDDEN,
                    "PERMISSION_DENIED",
                    "a write must come from this server's own pages (Origin differs)",
                );
            }
        }
    }
    req.extensions_mut().insert(principal);
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_only() {
        let addr: SocketAddr = "127.0.0.1:5210".parse().unwrap();
        assert!(loopback_host("127.0.0.1:5210", addr));
        assert!(loopback_host("LOCALHOST:5210", addr));
        assert!(!loopback_host("evil.example:5210", addr));
        assert!(!loopback_host("127.0.0.1:80", addr));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
