//! `mlops feed changes`, `cursor`, `watch`, `dispatch`: the registry's
//! change feed as JSON lines, and its webhook dispatcher.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use mlops_core::registry::{Cursor, Watch};
use mlops_core::Error;

use super::Context;
use crate::args::{FeedCommand, WatchArgs};

/// Seconds from the command line as a duration.
fn seconds(flag: &str, s: Option<f64>) -> Result<Option<Duration>, Error> {
    s.map(|s| {
        Duration::try_from_secs_f64(s).map_err(|_| {
            Error::InvalidInput(format!("--{flag}: {s} is not a number of seconds >= 0"))
        })
    })
    .transpose()
}

/// The watch `a` describes.
fn watch(cx: &Context, a: &WatchArgs) -> Result<Watch, Error> {
    let poll = seconds("poll-interval", a.poll_interval)?;
    let mut w = cx
        .open()?
        .watch_from(a.since.as_deref(), a.cursor_file.as_deref())?;
    if let Some(p) = poll {
        w.set_poll_interval(p)?;
    }
    Ok(w)
}

/// Runs one feed command.
pub fn run(cmd: FeedCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        FeedCommand::Changes { since, limit } => {
            let (events, cursor) = cx.open()?.changes(&Cursor::parse(&since)?, limit)?;
            let out = serde_json::json!({"events": events, "cursor": cursor.to_string()});
            println!("{out}");
        }
        FeedCommand::Cursor => println!("{}", cx.open()?.feed_cursor()?),
        FeedCommand::Watch(a) => {
            let timeout = seconds("timeout", a.timeout)?;
            let mut w = watch(cx, &a)?;
            let mut out = std::io::stdout().lock();
            while let Some(e) = w.next_event(timeout)? {
                let line = serde_json::to_string(&e).expect("feed events serialise");
                // A closed pipe (`| head`) ends the watch quietly.
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    break;
                }
            }
        }
        FeedCommand::Dispatch {
            url,
            secret_env,
            watch: a,
        } => {
            let timeout = seconds("timeout", a.timeout)?;
            let r = cx.open()?;
            let mut w = watch(cx, &a)?;
            let delivered = r.dispatch(&mut w, &url, &secret_env, timeout, |_| Ok(()))?;
            let out = serde_json::json!({"delivered": delivered, "cursor": w.cursor().to_string()});
            println!("{out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
