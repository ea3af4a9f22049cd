//! The retraining webhook: each `retrain_requested` event a check appends
//! is posted as JSON to the monitor's webhook, signed with HMAC-SHA256 the
//! way GitHub and Stripe sign theirs, so the receiver (a CI pipeline, an
//! orchestrator) can tell it came from whoever holds the secret.
//!
//! ```text
//! POST <url>
//! Content-Type: application/json
//! X-Mlops-Event: retrain_requested
//! X-Mlops-Event-Id: <monitor>:<retrain seq>      stable: de-duplicate redeliveries on it
//! X-Mlops-Timestamp: <Unix seconds of the post>
//! X-Mlops-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
//!
//! {"type":"retrain_requested","monitor":...,"retrain":17,"alert":16,"rule":...,
//!  "severity":"critical","windows":[...],"reference":{...},"cause":"monitor:<name>@17",
//!  "time":<Unix ms of the request>}
//! ```
//!
//! The signature covers the raw body, which holds the request's own time
//! and id, so a receiver that checks it can refuse replays of old bodies.
//! The webhook is set by a `webhook` event on the monitor's log (audited,
//! changeable later): its URL and the **name** of the environment variable
//! holding the secret, never the secret. The variable is read when a
//! request is posted, in the process that checks (a service or a cron job,
//! which is where secrets live; the process that sets the webhook may not
//! have it); when it is unset, nothing is sent unsigned: the delivery is
//! reported as failed.
//!
//! Delivery never fails the check: short timeouts, [`WEBHOOK_ATTEMPTS`]
//! attempts with doubling backoff on a connection error, a 5xx or a 429
//! (a 4xx other than 429 is final), and the outcome goes into the
//! [`CheckReport`](super::CheckReport) and into a `webhook_delivery` event
//! on the log (delivered or not: the log says whether the pipeline was
//! told, and a failed request can be found and acted on by its number).

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::event::MonitorChange;
use crate::error::{Error, Result};
use crate::registry::Registry;

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
/// The header with the request's stable id (`<monitor>:<retrain seq>`).
pub const EVENT_ID_HEADER: &str = "X-Mlops-Event-Id";
/// The header with the post's time (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Mlops-Timestamp";
/// The header with the event's type (`retrain_requested`).
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
    /// The `webhook_delivery` event that records it (0 when it could not
    /// be recorded).
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
fn check_env_name(name: &str) -> Result<()> {
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
fn check_url(url: &str) -> Result<()> {
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

/// Posts `body` to `url`, signed with the secret in `secret_env`.
pub(crate) fn deliver(url: &str, secret_env: &str, event_id: &str, body: &[u8]) -> WebhookDelivery {
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
            .header(EVENT_HEADER, "retrain_requested")
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

impl Registry {
    /// Sets monitor `monitor`'s webhook: each retraining request a check
    /// appends is posted to `url` (`http://` or `https://`), signed with
    /// the secret held in environment variable `secret_env` (its name is
    /// logged, never its value; it is read when a request is posted, see
    /// `monitor/webhook.rs`). `url: None` removes the webhook. A bad URL or
    /// variable name is [`Error::InvalidInput`] naming the option.
    pub fn set_monitor_webhook(
        &self,
        monitor: &str,
        url: Option<&str>,
        secret_env: Option<&str>,
    ) -> Result<()> {
        let (url, secret_env) = match url {
            Some(u) => {
                check_url(u)?;
                let env = secret_env.ok_or_else(|| {
                    Error::InvalidInput(
                        "webhook option 'secret_env': a webhook needs the name of the environment variable holding its secret".into(),
                    )
                })?;
                check_env_name(env)?;
                (Some(u.to_string()), Some(env.to_string()))
            }
            None => (None, None),
        };
        self.monitor_state(monitor)?;
        super::append(self, monitor, MonitorChange::Webhook { url, secret_env })?;
        Ok(())
    }
}

impl super::Monitor {
    /// Sets this monitor's webhook (see [`Registry::set_monitor_webhook`]).
    pub fn webhook(&self, url: Option<&str>, secret_env: Option<&str>) -> Result<()> {
        self.registry()
            .set_monitor_webhook(self.name(), url, secret_env)
    }
}
