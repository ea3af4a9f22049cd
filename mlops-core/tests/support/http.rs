//! A loopback HTTP server for the webhook tests: it answers each of a list
//! of statuses in turn, one request per connection, and its thread returns
//! what it received, so a test checks the signature with its own HMAC.

#![allow(dead_code)] // each test crate uses its own part

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

/// One HTTP request as the server received it.
pub struct Received {
    /// `POST /path HTTP/1.1`.
    pub request_line: String,
    /// Headers, names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The raw body.
    pub body: Vec<u8>,
}

/// A server on a free loopback port at `path`, answering each of
/// `statuses` in turn; returns its URL and the thread.
pub fn server(path: &str, statuses: Vec<u16>) -> (String, std::thread::JoinHandle<Vec<Received>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut got = Vec::new();
        for status in statuses {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut headers = BTreeMap::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (k, v) = line.split_once(':').unwrap();
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
            let mut body = vec![0; headers["content-length"].parse().unwrap()];
            reader.read_exact(&mut body).unwrap();
            write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            got.push(Received {
                request_line: request_line.trim_end().to_string(),
                headers,
                body,
            });
        }
        got
    });
    (url, handle)
}
