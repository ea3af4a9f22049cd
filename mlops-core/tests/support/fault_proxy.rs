//! A loopback HTTP proxy that injects faults between an object store client
//! and an S3-compatible server (moto, started by `scripts/test.sh`).
//!
//! Each connection carries one request (the proxy answers with
//! `Connection: close`). While faults are on, requests are counted and a
//! fixed share of them, picked by a seeded schedule, meets a fault: the
//! server answers 500 or 503 (throttling), the connection is reset, or
//! nothing is answered until the client times out (before the request
//! reaches the server, or after), a create-only put is answered 409 as S3
//! answers a conditional put that races another, a response body arrives
//! slowly in pieces, or the request reaches the server and commits but its
//! answer is replaced by a 500, a reset or silence. The number of faults is
//! bounded, and a request is never faulted twice in a row (the next attempt
//! of the same request passes), so every client that retries gets through.
//! Only loopback is ever reached.

#![allow(dead_code)] // each test crate uses its own part

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fault the proxy injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 SlowDown, without reaching the server.
    Throttle503,
    /// 500 InternalError, without reaching the server.
    Error500,
    /// A connection reset, without reaching the server.
    ResetBefore,
    /// No answer until the client gives up, without reaching the server.
    TimeoutBefore,
    /// 409 ConditionalRequestConflict to a create-only put, without
    /// reaching the server.
    Conflict409,
    /// The server's answer, sent in small pieces with pauses.
    SlowBody,
    /// The server commits the request; the client gets a 500.
    CommitThen500,
    /// The server commits the request; the client's connection is reset.
    CommitThenReset,
    /// The server commits the request; the client gets no answer.
    CommitThenTimeout,
}

/// Every fault, in the order of [`Stats::counts`].
pub const FAULTS: [Fault; 9] = [
    Fault::Throttle503,
    Fault::Error500,
    Fault::ResetBefore,
    Fault::TimeoutBefore,
    Fault::Conflict409,
    Fault::SlowBody,
    Fault::CommitThen500,
    Fault::CommitThenReset,
    Fault::CommitThenTimeout,
];

/// Faults for a create-only put of a log event (`If-None-Match: *` on a
/// `.../log/<seq>.json` key): the ones whose outcome a writer can misread.
const EVENT_PUT_FAULTS: [Fault; 6] = [
    Fault::CommitThen500,
    Fault::CommitThenReset,
    Fault::CommitThenTimeout,
    Fault::Conflict409,
    Fault::ResetBefore,
    Fault::Throttle503,
];

/// Faults for any other request.
const OTHER_FAULTS: [Fault; 5] = [
    Fault::Throttle503,
    Fault::Error500,
    Fault::ResetBefore,
    Fault::SlowBody,
    Fault::TimeoutBefore,
];

/// What the proxy did.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests seen while faults were on.
    pub requests: AtomicU64,
    /// Faults injected, by kind (in the order of [`FAULTS`]).
    pub counts: [AtomicU64; 9],
}

impl Stats {
    /// How many faults of `kind` were injected.
    pub fn count(&self, kind: Fault) -> u64 {
        let i = FAULTS.iter().position(|&f| f == kind).unwrap();
        self.counts[i].load(Ordering::SeqCst)
    }
    /// How many faults were injected.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::SeqCst)).sum()
    }
}

/// How the proxy picks its faults.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Seeds the schedule: which requests of each period are faulted.
    pub seed: u64,
    /// One event put in this many is faulted.
    pub event_put_period: u64,
    /// One other request in this many is faulted.
    pub other_period: u64,
    /// At most this many faults of requests other than event puts (the
    /// event puts' faults are bounded by their period).
    pub max_other_faults: u64,
    /// At most this many faults that leave the client waiting, for event
    /// puts and for the other requests each.
    pub max_silences: u64,
    /// How long a silent fault holds the connection (longer than the
    /// client's timeout).
    pub hold: Duration,
}

struct Schedule {
    plan: Plan,
    event_puts: u64,
    others: u64,
    other_faults: u64,
    /// Silent faults so far, of event puts and of the others.
    silences: [u64; 2],
    /// Requests (method and path) faulted and not tried again since, so
    /// that their next attempt passes.
    faulted: HashSet<String>,
}

impl Schedule {
    fn pick(&mut self, key: &str, event_put: bool) -> Option<Fault> {
        let p = &self.plan;
        let (n, period, kinds): (u64, u64, &[Fault]) = if event_put {
            self.event_puts += 1;
            (self.event_puts, p.event_put_period, &EVENT_PUT_FAULTS)
        } else {
            self.others += 1;
            (self.others, p.other_period, &OTHER_FAULTS)
        };
        // The next attempt of a faulted request passes.
        if self.faulted.remove(key)
            || n % period != p.seed % period
            || (!event_put && self.other_faults >= p.max_other_faults)
        {
            return None;
        }
        if !event_put {
            self.other_faults += 1;
        }
        let turn = n / period + p.seed / period;
        let mut fault = kinds[(turn % kinds.len() as u64) as usize];
        if matches!(fault, Fault::TimeoutBefore | Fault::CommitThenTimeout) {
            let silences = &mut self.silences[usize::from(!event_put)];
            if *silences >= p.max_silences {
                fault = if event_put {
                    Fault::CommitThen500
                } else {
                    Fault::Error500
                };
            } else {
                *silences += 1;
            }
        }
        self.faulted.insert(key.to_string());
        Some(fault)
    }
}

/// A running proxy. Stops accepting when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    enabled: Arc<AtomicBool>,
    stopped: Arc<AtomicBool>,
    /// What it did.
    pub stats: Arc<Stats>,
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 (a free port) in front of `upstream`
    /// (a loopback address), with faults off.
    pub fn start(upstream: SocketAddr, plan: Plan) -> FaultProxy {
        assert!(
            upstream.ip().is_loopback(),
            "the proxy only reaches loopback"
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let enabled = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Stats::default());
        let schedule = Arc::new(Mutex::new(Schedule {
            plan,
            event_puts: 0,
            others: 0,
            other_faults: 0,
            silences: [0, 0],
            faulted: HashSet::new(),
        }));
        {
            let (enabled, stopped, stats) = (enabled.clone(), stopped.clone(), stats.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (enabled, stats, schedule) =
                        (enabled.clone(), stats.clone(), schedule.clone());
                    std::thread::spawn(move || {
                        let _ = serve(conn, upstream, &enabled, &stats, &schedule);
                    });
                }
            });
        }
        FaultProxy {
            addr,
            enabled,
            stopped,
            stats,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Turns faults on or off.
    pub fn set_faults(&self, on: bool) {
        self.enabled.store(on, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

/// One request: its head (as received) and body.
struct Request {
    method: String,
    path: String,
    head: Vec<String>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head[1..].iter().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads up to the end of the head (`\r\n\r\n`); returns the head's lines
/// and whatever of the body came with it.
fn read_head(conn: &mut TcpStream) -> std::io::Result<Option<(Vec<String>, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let rest = buf[end + 4..].to_vec();
            return Ok(Some((
                head.split("\r\n").map(str::to_string).collect(),
                rest,
            )));
        }
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 1 << 20 {
            return Err(std::io::Error::other("request head over 1 MiB"));
        }
    }
}

fn read_request(conn: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let Some((head, mut body)) = read_head(conn)? else {
        return Ok(None);
    };
    let mut first = head[0].split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let mut req = Request {
        method,
        path,
        head,
        body: Vec::new(),
    };
    if req
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        return Err(std::io::Error::other(
            "chunked request bodies are not proxied",
        ));
    }
    let len: usize = req
        .header("content-length")
        .map_or(Ok(0), str::parse)
        .map_err(std::io::Error::other)?;
    let mut chunk = [0u8; 65536];
    while body.len() < len {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    req.body = body;
    Ok(Some(req))
}

/// Sends the request to the server with `Connection: close` and reads its
/// whole answer, with the answer's `Connection` header set to `close`.
fn forward(req: &Request, upstream: SocketAddr) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect_timeout(&upstream, Duration::from_secs(10))?;
    up.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut out = format!("{}\r\n", req.head[0]);
    for line in &req.head[1..] {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    up.write_all(out.as_bytes())?;
    up.write_all(&req.body)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("the server's answer has no head"))?;
    let head = String::from_utf8_lossy(&answer[..end]).into_owned();
    let mut out = String::new();
    for line in head.split("\r\n") {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&answer[end + 4..]);
    Ok(bytes)
}

/// An S3-style error answer.
fn error_answer(status: u16, reason: &str, code: &str) -> Vec<u8> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>\
         <Message>injected by the test proxy</Message></Error>"
    );
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Closes the connection with a reset (RST) rather than an orderly close.
fn reset(conn: TcpStream) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: a valid socket descriptor and a correctly sized option.
        unsafe {
            libc::setsockopt(
                conn.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                std::ptr::addr_of!(linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
    drop(conn);
}

fn serve(
    mut conn: TcpStream,
    upstream: SocketAddr,
    enabled: &AtomicBool,
    stats: &Stats,
    schedule: &Mutex<Schedule>,
) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(60)))?;
    let Some(req) = read_request(&mut conn)? else {
        return Ok(());
    };
    let (fault, hold) = if enabled.load(Ordering::SeqCst) {
        stats.requests.fetch_add(1, Ordering::SeqCst);
        let create_only = req.header("if-none-match") == Some("*");
        let event_put = req.method == "PUT" && create_only && req.path.contains("/log/");
        let key = format!("{} {}", req.method, req.path);
        let mut s = schedule.lock().unwrap();
        let mut fault = s.pick(&key, event_put);
        if fault == Some(Fault::Conflict409) && !create_only {
            fault = Some(Fault::Throttle503);
        }
        (fault, s.plan.hold)
    } else {
        (None, Duration::ZERO)
    };
    if let Some(f) = fault {
        let i = FAULTS.iter().position(|&k| k == f).unwrap();
        stats.counts[i].fetch_add(1, Ordering::SeqCst);
    }
    let answer = match fault {
        None | Some(Fault::SlowBody) => forward(&req, upstream)?,
        Some(Fault::Throttle503) => error_answer(503, "Slow Down", "SlowDown"),
        Some(Fault::Error500) => error_answer(500, "Internal Server Error", "InternalError"),
        Some(Fault::Conflict409) => error_answer(409, "Conflict", "ConditionalRequestConflict"),
        Some(Fault::ResetBefore) => {
            reset(conn);
            return Ok(());
        }
        Some(Fault::TimeoutBefore) => {
            std::thread::sleep(hold);
            reset(conn);
            return Ok(());
        }
        Some(Fault::CommitThen500) => {
            forward(&req, upstream)?;
            error_answer(500, "Internal Server Error", "InternalError")
        }
        Some(Fault::CommitThenReset) => {
            forward(&req, upstream)?;
            reset(conn);
            return Ok(());
        }
        Some(Fault::CommitThenTimeout) => {
            forward(&req, upstream)?;
            std::thread::sleep(hold);
            reset(conn);
            return Ok(());
        }
    };
    if fault == Some(Fault::SlowBody) {
        // Twenty pieces, 20 ms apart: slow, but well within the timeout.
        let piece = answer.len().div_ceil(20).max(1);
        for part in answer.chunks(piece) {
            conn.write_all(part)?;
            conn.flush()?;
            std::thread::sleep(Duration::from_millis(20));
        }
    } else {
        conn.write_all(&answer)?;
    }
    let _ = conn.shutdown(Shutdown::Write);
    // Let the client read the answer before the socket goes away.
    let mut sink = [0u8; 1024];
    while matches!(conn.read(&mut sink), Ok(n) if n > 0) {}
    Ok(())
}
