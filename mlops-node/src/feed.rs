//! The registry's change feed for Node: `changes`, `feedCursor`, `watch`
//! (a `NativeWatch` whose `next` runs on the libuv thread pool) and
//! `dispatch`. The engine decides everything; this converts seconds and
//! hands the events to JavaScript as objects (`convert::Tree`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mlops_core::registry::{Cursor, Watch};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert::Tree;
use crate::error::guard;
use crate::registry::NativeRegistry;
use crate::task::{job, Job};

/// Seconds from JavaScript as a duration; negative or not finite is
/// `INVALID_INPUT` naming the option.
fn seconds(name: &str, s: Option<f64>) -> mlops_core::Result<Option<Duration>> {
    s.map(|s| {
        Duration::try_from_secs_f64(s).map_err(|_| {
            mlops_core::Error::InvalidInput(format!(
                "option '{name}': {s} is not a number of seconds >= 0"
            ))
        })
    })
    .transpose()
}

/// A watch from `since`, else the cursor saved in `cursor_file`, else now,
/// polling every `poll_interval` seconds where it polls.
fn open_watch(
    r: &mlops_core::registry::Registry,
    since: Option<&str>,
    cursor_file: Option<&str>,
    poll_interval: Option<f64>,
) -> mlops_core::Result<Watch> {
    let poll = seconds("pollInterval", poll_interval)?;
    let mut w = r.watch_from(since, cursor_file.map(std::path::Path::new))?;
    if let Some(p) = poll {
        w.set_poll_interval(p)?;
    }
    Ok(w)
}

#[napi]
impl NativeRegistry {
    /// The change feed's events after cursor `since` (`'start'` for all),
    /// at most `limit`: `{events, cursor}`.
    #[napi(ts_return_type = "Promise<{ events: object[]; cursor: string }>")]
    pub fn changes(&self, since: String, limit: Option<f64>) -> AsyncTask<Job<Tree>> {
        let r = self.inner.clone();
        job(move || {
            let since = Cursor::parse(&since)?;
            let limit = limit.map(|l| l.max(0.0) as usize);
            let (events, cursor) = r.changes(&since, limit)?;
            Ok(Tree(serde_json::json!({
                "events": events,
                "cursor": cursor.to_string(),
            })))
        })
    }

    /// The cursor after the last event of every log now.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn feed_cursor(&self) -> AsyncTask<Job<String>> {
        let r = self.inner.clone();
        job(move || Ok(r.feed_cursor()?.to_string()))
    }

    /// A watch of the change feed (see `Registry.watch` in `lib/registry.js`).
    #[napi]
    pub fn watch(
        &self,
        since: Option<String>,
        cursor_file: Option<String>,
        poll_interval: Option<f64>,
    ) -> crate::error::Result<NativeWatch> {
        guard(|| {
            let w = open_watch(
                &self.inner,
                since.as_deref(),
                cursor_file.as_deref(),
                poll_interval,
            )?;
            Ok(NativeWatch {
                inner: Arc::new(Mutex::new(w)),
            })
        })
    }

    /// Posts each feed event to webhook `url` (HMAC-SHA256 under the secret
    /// in environment variable `secret_env`) until none comes for `timeout`
    /// seconds (none: never); resolves to how many were delivered.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn dispatch(
        &self,
        url: String,
        secret_env: String,
        since: Option<String>,
        cursor_file: Option<String>,
        timeout: Option<f64>,
        poll_interval: Option<f64>,
    ) -> AsyncTask<Job<f64>> {
        let r = self.inner.clone();
        job(move || {
            let idle = seconds("timeout", timeout)?;
            let mut w = open_watch(&r, since.as_deref(), cursor_file.as_deref(), poll_interval)?;
            Ok(r.dispatch(&mut w, &url, &secret_env, idle, |_| Ok(()))? as f64)
        })
    }
}

/// A watch of a registry's change feed (see `Watch` in `lib/registry.js`).
#[napi(js_name = "NativeWatch")]
pub struct NativeWatch {
    inner: Arc<Mutex<Watch>>,
}

#[napi]
impl NativeWatch {
    /// The next event, waiting up to `timeout` seconds: the event, or
    /// `null` when none came in time.
    #[napi(ts_return_type = "Promise<object | null>")]
    pub fn next(&self, timeout: f64) -> AsyncTask<Job<Tree>> {
        let w = self.inner.clone();
        job(move || {
            let t = seconds("timeout", Some(timeout))?;
            let mut w = w.lock().unwrap_or_else(|p| p.into_inner());
            Ok(Tree(match w.next_event(t)? {
                Some(e) => serde_json::to_value(e).expect("feed events serialise"),
                None => serde_json::Value::Null,
            }))
        })
    }

    /// The cursor after the last event returned.
    #[napi(getter)]
    pub fn cursor(&self) -> String {
        let w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        w.cursor().to_string()
    }

    /// Whether file notifications (a local folder) wake it rather than
    /// polling.
    #[napi(getter)]
    pub fn notified(&self) -> bool {
        let w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        w.notified()
    }
}
