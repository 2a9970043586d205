#![allow(clippy::unwrap_used)]
#![allow(dead_code)]
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vigil_outputs::{Alert, AlertSink, SinkError};
use vigil_rules::Priority;

pub fn alert(rule: &str, container: &str, priority: Priority, n: u64) -> Alert {
    let output = format!("alert {n} from {container}");
    Alert {
        priority,
        rule: rule.into(),
        time_ns: 1_700_000_000_000_000_000 + n,
        hostname: "node-1".into(),
        container_id: container.into(),
        tags: Arc::from(vec![Arc::<str>::from("test")]),
        text: format!("22:13:20.{n:09}: {priority} {output}").into(),
        json: serde_json::json!({"rule": rule, "priority": priority.as_str(), "output": output, "n": n})
            .to_string()
            .into(),
        output: output.into(),
    }
}

/// A sink keeping the text lines in memory, shared with the test.
pub struct MemSink(pub Arc<Mutex<Vec<String>>>);

impl AlertSink for MemSink {
    fn name(&self) -> &str {
        "mem"
    }
    fn send(&mut self, a: &Alert) -> Result<(), SinkError> {
        self.0.lock().unwrap().push(a.text.to_string());
        Ok(())
    }
}

pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    f()
}

/// One HTTP request as the test server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Read one HTTP/1.1 request from a stream.
pub fn read_request<S: Read>(s: S) -> Option<Request> {
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

pub fn respond<S: Write>(mut s: S, status: u16) {
    let _ = write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    );
    let _ = s.flush();
}

/// An HTTP server answering every request with `status`; returns its address and the requests seen.
pub fn http_server(status: u16) -> (String, Arc<Mutex<Vec<Request>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(c) = c else { continue };
            let seen = s2.clone();
            std::thread::spawn(move || {
                if let Some(req) = read_request(&c) {
                    seen.lock().unwrap().push(req);
                    respond(&c, status);
                }
            });
        }
    });
    (addr, seen)
}

/// A server that accepts connections and never answers; returns its address and the count of connections.
pub fn stalling_server() -> (String, Arc<Mutex<Vec<TcpStream>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h2 = held.clone();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            h2.lock().unwrap().push(c);
        }
    });
    (addr, held)
}
