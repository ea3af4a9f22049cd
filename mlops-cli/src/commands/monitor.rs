//! `mlops monitor create`, `log`, `labels`, `results` and `list`: a
//! deployed model's traffic in event-time windows (`mlops_core::monitor`).

use std::process::ExitCode;

use mlops_core::drift::DriftOptions;
use mlops_core::monitor::prometheus::Format;
use mlops_core::monitor::rules::Severity;
use mlops_core::monitor::{LabelsLogged, NewMonitor};
use mlops_core::step::StepVerdict;
use mlops_core::Error;

use super::{finish_step, Context};
use crate::args::{MonitorCommand, StepArgs};
use crate::render;

/// Runs one `mlops monitor` command.
pub fn run(cmd: MonitorCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        MonitorCommand::Create {
            name,
            timestamp,
            reference,
            window,
            prediction,
            target,
            id,
            segments,
            max_segments,
            allowed_lateness,
            future_tolerance,
            prediction_retention,
            task,
            threshold,
            drift,
            suite,
            json,
        } => {
            let new = NewMonitor {
                reference,
                window,
                timestamp,
                prediction,
                target,
                id,
                segments,
                max_segments,
                allowed_lateness,
                future_tolerance,
                prediction_retention,
                task: task.map(|t| t.as_str().to_string()),
                threshold,
                drift: drift.as_deref().map(DriftOptions::from_json).transpose()?,
                suite: suite.map(mlops_core::validate::Suite::load).transpose()?,
            };
            let m = cx.open()?.create_monitor(&name, &new)?;
            if json {
                print!("{}", render::json_line(m.config()));
            } else {
                print!("{}", render::monitor_config(&name, m.config()));
            }
        }
        MonitorCommand::Log { name, file, now } => {
            let m = cx.open()?.monitor(&name)?;
            m.set_clock(now);
            let (mut rows, mut placed) = (0u64, 0u64);
            for batch in mlops_core::io::read_path(&file)? {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                placed += m.log(&batch)?;
            }
            m.flush()?;
            println!("{rows} rows read, {placed} placed in windows");
        }
        MonitorCommand::Labels {
            name,
            file,
            now,
            json,
        } => {
            let m = cx.open()?.monitor(&name)?;
            m.set_clock(now);
            let mut sum = LabelsLogged::default();
            for batch in mlops_core::io::read_path(&file)? {
                sum += m.log_labels(&batch?)?;
            }
            let counts = serde_json::json!({
                "joined": sum.joined,
                "unknown_ids": sum.unknown_ids,
                "duplicates": sum.duplicates,
                "nulls": sum.nulls,
            });
            print!("{}", render::json_or(json, &counts, render::labels_logged));
        }
        MonitorCommand::Results { name, now, json } => {
            let results = cx.open()?.monitor_results(&name, now)?;
            if json {
                results
                    .iter()
                    .for_each(|r| print!("{}", render::json_line(r)));
            } else {
                print!("{}", render::monitor_results(&results));
            }
        }
        MonitorCommand::List { json } => {
            let names = cx.open()?.monitor_names()?;
            print!("{}", render::json_or(json, names.as_slice(), render::lines));
        }
        MonitorCommand::Rule {
            name,
            rule,
            rule_name,
            severity,
            cooldown,
        } => {
            let added = cx.open()?.add_monitor_rule(
                &name,
                &rule,
                rule_name.as_deref(),
                severity.as_deref(),
                cooldown,
            )?;
            println!("rule {added} added to monitor {name}");
        }
        MonitorCommand::Webhook {
            name,
            url,
            secret_env,
            remove: _,
        } => {
            cx.open()?
                .set_monitor_webhook(&name, url.as_deref(), secret_env.as_deref())?;
            match url {
                Some(u) => println!("monitor {name} posts retrain requests to {u}"),
                None => println!("monitor {name} has no webhook"),
            }
        }
        MonitorCommand::Check {
            name,
            fail_on,
            retrain_on,
            now,
            step,
        } => {
            let fail_on: Option<Severity> = fail_on.as_deref().map(str::parse).transpose()?;
            let report = cx
                .open()?
                .check_monitor(&name, now, retrain_on.as_deref())?;
            // The verdict is a JSON line whether or not --json-line is given.
            let step = StepArgs {
                json_line: true,
                ..step
            };
            let v = StepVerdict::monitor_check(&name, &report, fail_on);
            return finish_step(v, &step, true, None);
        }
        MonitorCommand::Prometheus {
            name,
            openmetrics,
            now,
        } => {
            let format = if openmetrics {
                Format::OpenMetrics100
            } else {
                Format::Text004
            };
            print!("{}", cx.open()?.monitor_prometheus(&name, format, now)?);
        }
        MonitorCommand::Report { name, file, now } => {
            let n = cx.open()?.write_monitor_report(&name, &file, now)?;
            println!("wrote {} ({n} window reports beside it)", file.display());
        }
        MonitorCommand::Serve { name, port, host } => {
            let registry = cx.open()?;
            registry.monitor_state(&name)?;
            serve(&registry, &name, &host, port)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How long a scrape may take to send its request before it is dropped:
/// one connection at a time, so a client that never finishes its request
/// must not hold the others off.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Answers `GET /metrics` with the monitor's Prometheus text (OpenMetrics
/// when the `Accept` header asks for it), computed afresh for each scrape,
/// until the process is stopped. One request at a time: a scraper asks
/// every few seconds. Another method on `/metrics` is 405, another path
/// 404. Prints the address it listens on (the port chosen when `port` is
/// 0) to stderr.
fn serve(
    registry: &mlops_core::registry::Registry,
    name: &str,
    host: &str,
    port: u16,
) -> Result<(), Error> {
    let listener = std::net::TcpListener::bind((host, port))
        .map_err(|e| Error::io(format!("binding {host}:{port}"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io(format!("binding {host}:{port}"), e))?;
    eprintln!("serving monitor {name} at http://{addr}/metrics");
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // A scrape that fails (the client went away) is the client's loss.
        let _ = answer(registry, name, stream);
    }
    Ok(())
}

/// Reads one request from `stream` and answers it.
fn answer(
    registry: &mlops_core::registry::Registry,
    name: &str,
    mut stream: std::net::TcpStream,
) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Read, Write};
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    // The request line and headers, at most 64 KiB of them.
    let mut reader = BufReader::new(stream.try_clone()?.take(64 * 1024));
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut accept = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("accept") {
                accept = Some(v.trim().to_string());
            }
        }
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let text = |s: &str| ("text/plain; charset=utf-8", s.to_string());
    let (status, (content_type, body)) = match (method, path) {
        ("GET", "/metrics") => {
            let format = Format::negotiate(accept.as_deref());
            match registry.monitor_prometheus(name, format, None) {
                Ok(metrics) => ("200 OK", (format.content_type(), metrics)),
                Err(e) => ("500 Internal Server Error", text(&format!("{e}\n"))),
            }
        }
        (_, "/metrics") => (
            "405 Method Not Allowed",
            text("method not allowed: GET /metrics\n"),
        ),
        _ => (
            "404 Not Found",
            text("not found: the metrics are at /metrics\n"),
        ),
    };
    let allow = if status.starts_with("405") {
        "Allow: GET\r\n"
    } else {
        ""
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
