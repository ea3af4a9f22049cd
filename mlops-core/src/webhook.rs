//! Signed webhooks: a JSON body posted over HTTP(S), signed with
//! HMAC-SHA256 the way GitHub and Stripe sign theirs, so the receiver can
//! tell it came from whoever holds the secret, with a stable event id to
//! de-duplicate redeliveries on.
//!
//! ```text
//! POST <url>
//! Content-Type: application/json
//! X-Mlops-Event: <event name>
//! X-Mlops-Event-Id: <stable id>
//! X-Mlops-Timestamp: <Unix seconds of the post>
//! X-Mlops-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
//! ```
//!
//! The secret is read from an environment variable named by the caller
//! when a request is posted; when it is unset nothing is sent unsigned.
//! Short timeouts, [`WEBHOOK_ATTEMPTS`] attempts with doubling backoff on a
//! connection error, a 5xx or a 429 (any other 4xx is final). Two senders
//! use it: a monitor's retraining requests (`monitor/webhook.rs`) and the
//! registry's change feed (`registry/feed.rs`).

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::error::{Error, Result};

/// Attempts to post one request before it is reported as not delivered.
pub const WEBHOOK_ATTEMPTS: u32 = 3;
/// The wait before the second attempt; it doubles for each further one.
pub const WEBHOOK_BACKOFF: Duration = Duration::from_millis(200);
/// How long connecting may take.
pub const WEBHOOK_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one attempt may take in all.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
/// The header with the body's signature (`sha256=<hex>`).
pub const SIGNATURE_HEADER: &str = "X-Mlops-Signature";
/// The header with the request's stable id (a monitor's `<monitor>:<retrain seq>`,
/// the change feed's `<kind>/<name>@<seq>`).
pub const EVENT_ID_HEADER: &str = "X-Mlops-Event-Id";
/// The header with the post's time (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Mlops-Timestamp";
/// The header with the event's name (`retrain_requested`, `version.created`, ...).
pub const EVENT_HEADER: &str = "X-Mlops-Event";

/// The outcome of posting one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookDelivery {
    /// Whether the receiver answered 2xx.
    pub delivered: bool,
    /// The last HTTP status received, if any.
    pub status: Option<u16>,
    /// Attempts made (0 when nothing could be sent).
    pub attempts: u32,
    /// Why it was not delivered.
    pub error: Option<String>,
    /// The log event that records it, for senders that record deliveries
    /// (a monitor's `webhook_delivery` event; 0 when none does).
    pub seq: u64,
}

/// `sha256=<hex HMAC-SHA256(secret, body)>`, the signature header's value.
///
/// ```
/// use mlops_core::monitor::webhook::sign;
/// // RFC 4231 test case 2.
/// assert_eq!(
///     sign(b"Jefe", b"what do ya want for nothing?"),
///     "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
/// );
/// ```
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256=");
    for b in tag {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Whether `name` can name an environment variable: letters, digits and
/// `_`, not starting with a digit.
pub(crate) fn check_env_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "webhook option 'secret_env': '{name}' is not an environment variable's name (letters, digits, _)"
        )))
    }
}

/// Checks a webhook URL: `http://` or `https://` with a host.
pub(crate) fn check_url(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Ok(())
        }
        _ => Err(Error::InvalidInput(format!(
            "webhook option 'url': '{url}' is not an http:// or https:// URL with a host"
        ))),
    }
}

/// Whether a status is worth another attempt.
fn retryable(status: u16) -> bool {
    status >= 500 || status == 429
}

/// Posts `body` to `url` as event `event` with id `event_id`, signed with
/// the secret in environment variable `secret_env`.
pub(crate) fn post(
    url: &str,
    secret_env: &str,
    event: &str,
    event_id: &str,
    body: &[u8],
) -> WebhookDelivery {
    let failed = |attempts, status, error: String| WebhookDelivery {
        delivered: false,
        status,
        attempts,
        error: Some(error),
        seq: 0,
    };
    let secret = match std::env::var(secret_env) {
        Ok(s) if !s.is_empty() => s,
        _ => {
            return failed(
                0,
                None,
                format!("environment variable '{secret_env}' (the webhook's secret) is not set: nothing sent unsigned"),
            )
        }
    };
    let signature = sign(secret.as_bytes(), body);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(WEBHOOK_CONNECT_TIMEOUT))
        .timeout_global(Some(WEBHOOK_TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(format!("mlops/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut status = None;
    let mut error = String::new();
    let mut backoff = WEBHOOK_BACKOFF;
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        if attempt > 1 {
            std::thread::sleep(backoff);
            backoff *= 2;
        }
        let timestamp = crate::registry::now_ms() / 1000;
        let sent = agent
            .post(url)
            .header("Content-Type", "application/json")
            .header(EVENT_HEADER, event)
            .header(EVENT_ID_HEADER, event_id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature.as_str())
            .send(body);
        match sent {
            Ok(resp) => {
                let s = resp.status().as_u16();
                status = Some(s);
                if (200..300).contains(&s) {
                    return WebhookDelivery {
                        delivered: true,
                        status,
                        attempts: attempt,
                        error: None,
                        seq: 0,
                    };
                }
                error = format!("{url} answered HTTP {s}");
                if !retryable(s) {
                    return failed(attempt, status, error);
                }
            }
            Err(e) => error = format!("posting to {url}: {e}"),
        }
    }
    failed(WEBHOOK_ATTEMPTS, status, error)
}
