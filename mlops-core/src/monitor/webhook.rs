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

use super::event::MonitorChange;
use crate::error::{Error, Result};
use crate::registry::Registry;
pub(crate) use crate::webhook::{check_env_name, check_url};
pub use crate::webhook::{
    sign, WebhookDelivery, EVENT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF, WEBHOOK_CONNECT_TIMEOUT, WEBHOOK_TIMEOUT,
};

/// Posts a retraining request's `body` to `url`, signed with the secret in
/// `secret_env` (see [`crate::webhook::post`]).
pub(crate) fn deliver(url: &str, secret_env: &str, event_id: &str, body: &[u8]) -> WebhookDelivery {
    crate::webhook::post(url, secret_env, "retrain_requested", event_id, body)
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
