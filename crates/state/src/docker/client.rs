//! A minimal blocking HTTP/1.1 client for the Docker Engine API over its Unix socket:
//! one request per connection (`Connection: close`), bodies by `Content-Length`, chunked
//! transfer coding, or until close. Every read is capped.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::{ContainerInfo, DockerError};

pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";
/// Largest inspect body read.
const MAX_BODY: usize = 8 << 20;
/// Longest status line, header line, chunk-size line or event line.
const MAX_LINE: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;

/// A blocking client for one daemon socket.
#[derive(Debug, Clone)]
pub struct DockerClient {
    socket: PathBuf,
    timeout: Option<Duration>,
}

impl DockerClient {
    pub fn new(socket: impl AsRef<Path>) -> Self {
        DockerClient {
            socket: socket.as_ref().to_owned(),
            timeout: Some(Duration::from_secs(10)),
        }
    }

    /// Read timeout for inspect and for each read of the event stream (None: wait forever).
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// `GET /containers/{id}/json`.
    pub fn inspect(&self, id: &str) -> Result<ContainerInfo, DockerError> {
        let id = checked_id(id)?;
        let path = format!("/containers/{id}/json");
        let mut body = self.get(&path)?;
        let mut buf = Vec::new();
        (&mut body)
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| self.io(e))?;
        if buf.len() > MAX_BODY {
            return Err(DockerError::TooLarge { path, limit: MAX_BODY });
        }
        ContainerInfo::from_inspect_json(&buf)
    }

    /// `GET /events?filters={"type":["container"]}`: container lifecycle events as they happen.
    pub fn events(&self) -> Result<Events, DockerError> {
        // filters={"type":["container"]}, percent-encoded.
        let path = "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D";
        Ok(Events {
            body: BufReader::new(self.get(path)?),
            socket: self.socket.display().to_string(),
            failed: false,
        })
    }

    /// `POST /containers/{id}/pause`: freezes every process of the container.
    pub fn pause(&self, id: &str) -> Result<(), DockerError> {
        self.post_empty(&format!("/containers/{}/pause", checked_id(id)?))
    }

    /// `POST /containers/{id}/unpause`.
    pub fn unpause(&self, id: &str) -> Result<(), DockerError> {
        self.post_empty(&format!("/containers/{}/unpause", checked_id(id)?))
    }

    /// `POST /containers/{id}/stop?t=SECS`: SIGTERM (or the image's stop signal), then SIGKILL
    /// after `grace`. A container already stopped (HTTP 304) is not an error.
    pub fn stop(&self, id: &str, grace: Duration) -> Result<(), DockerError> {
        // The daemon answers once the container has stopped: wait out the grace period too.
        let client = self.clone().with_timeout(self.timeout.map(|t| t + grace));
        client.post_empty(&format!("/containers/{}/stop?t={}", checked_id(id)?, grace.as_secs()))
    }

    /// Sends a POST without a body and drains the (small) reply.
    fn post_empty(&self, path: &str) -> Result<(), DockerError> {
        let mut body = self.request("POST", path)?;
        let _ = (&mut body).take(64 * 1024).read_to_end(&mut Vec::new());
        Ok(())
    }

    fn io(&self, source: io::Error) -> DockerError {
        DockerError::Io {
            socket: self.socket.display().to_string(),
            source,
        }
    }

    /// Sends a GET and returns the body reader once the status is 2xx.
    fn get(&self, path: &str) -> Result<Body, DockerError> {
        self.request("GET", path)
    }

    /// Sends a request without a body; returns the body reader once the status is 2xx or 304.
    fn request(&self, method: &str, path: &str) -> Result<Body, DockerError> {
        let stream = UnixStream::connect(&self.socket).map_err(|e| self.io(e))?;
        stream.set_read_timeout(self.timeout).map_err(|e| self.io(e))?;
        stream.set_write_timeout(self.timeout).map_err(|e| self.io(e))?;
        let length = if method == "GET" { "" } else { "Content-Length: 0\r\n" };
        (&stream)
            .write_all(
                format!("{method} {path} HTTP/1.1\r\nHost: docker\r\n{length}Connection: close\r\n\r\n").as_bytes(),
            )
            .map_err(|e| self.io(e))?;
        let mut reader = BufReader::new(stream);
        let malformed = |what: &str| DockerError::Malformed {
            path: path.to_owned(),
            what: what.to_owned(),
        };
        let status_line = read_line(&mut reader)
            .map_err(|e| self.io(e))?
            .ok_or_else(|| malformed("no status line"))?;
        let status = std::str::from_utf8(&status_line)
            .ok()
            .and_then(|l| l.strip_prefix("HTTP/1."))
            .and_then(|l| l.get(2..5))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| malformed("status line"))?;
        let mut chunked = false;
        let mut length = None;
        for n in 0.. {
            let line = read_line(&mut reader)
                .map_err(|e| self.io(e))?
                .ok_or_else(|| malformed("headers cut short"))?;
            if line.is_empty() {
                break;
            }
            if n >= MAX_HEADERS {
                return Err(malformed("too many headers"));
            }
            let line = String::from_utf8_lossy(&line);
            let Some((name, value)) = line.split_once(':') else {
                return Err(malformed("header line"));
            };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
                chunked = true;
            } else if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<u64>().map_err(|_| malformed("content-length"))?);
            }
        }
        let body = if chunked {
            Body::Chunked(Chunked {
                inner: reader,
                left: 0,
                done: false,
            })
        } else if let Some(len) = length {
            Body::Plain(reader.take(len))
        } else {
            Body::Plain(reader.take(u64::MAX))
        };
        let ok = (200..300).contains(&status) || (status == 304 && method != "GET");
        if !ok {
            let mut msg = Vec::new();
            let mut body = body;
            // The daemon's error body is `{"message":"..."}`; keep it short.
            let _ = (&mut body).take(4096).read_to_end(&mut msg);
            #[derive(Deserialize)]
            struct Msg {
                message: String,
            }
            let message = serde_json::from_slice::<Msg>(&msg)
                .map(|m| m.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&msg).trim().to_owned());
            return Err(DockerError::Http {
                path: path.to_owned(),
                status,
                message,
            });
        }
        Ok(body)
    }
}

/// A container id or name as the API accepts it in a path.
fn checked_id(id: &str) -> Result<&str, DockerError> {
    if id.is_empty() || id.len() > 256 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
        return Err(DockerError::InvalidId(id.to_owned()));
    }
    Ok(id)
}

/// Reads one CRLF- or LF-terminated line of at most [`MAX_LINE`] bytes, without the
/// terminator. None at end of stream before any byte.
fn read_line(r: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = r.take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        if line.len() > MAX_LINE {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
    } else {
        line.pop();
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

enum Body {
    Plain(io::Take<BufReader<UnixStream>>),
    Chunked(Chunked<BufReader<UnixStream>>),
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Body::Plain(r) => r.read(buf),
            Body::Chunked(r) => r.read(buf),
        }
    }
}

/// Decodes the chunked transfer coding: `<hex size>[;ext]\r\n<data>\r\n` ... `0\r\n\r\n`.
struct Chunked<R> {
    inner: R,
    left: u64,
    done: bool,
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("chunked body: {what}"));
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = read_line(&mut self.inner)?.ok_or_else(|| bad("cut short"))?;
            let size = line.split(|&b| b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(size)
                .ok()
                .map(str::trim)
                .ok_or_else(|| bad("size"))?;
            self.left = u64::from_str_radix(size, 16).map_err(|_| bad("size"))?;
            if self.left == 0 {
                // Trailers (rare) end with an empty line; stop at it or at end of stream.
                while read_line(&mut self.inner)?.is_some_and(|l| !l.is_empty()) {}
                self.done = true;
                return Ok(0);
            }
        }
        let want = usize::try_from(self.left).unwrap_or(usize::MAX).min(buf.len());
        let n = self.inner.read(buf.get_mut(..want).unwrap_or_default())?;
        if n == 0 {
            return Err(bad("cut short"));
        }
        self.left -= n as u64;
        if self.left == 0 && read_line(&mut self.inner)?.is_none_or(|l| !l.is_empty()) {
            return Err(bad("missing CRLF after chunk"));
        }
        Ok(n)
    }
}

/// One event of the stream (`Type` is always `container` with our filter).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContainerEvent {
    /// `create`, `start`, `die`, `destroy`, `exec_start: sh`, ...
    #[serde(rename = "Action", default)]
    pub action: String,
    /// The container's full id (`Actor.ID`).
    #[serde(skip)]
    pub id: String,
    /// Labels plus `name` and `image` (`Actor.Attributes`).
    #[serde(skip)]
    pub attributes: BTreeMap<String, String>,
    #[serde(rename = "timeNano", default)]
    pub time_nano: i64,
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(flatten)]
    event: ContainerEvent,
    #[serde(rename = "Actor", default)]
    actor: RawActor,
}

#[derive(Deserialize, Default)]
struct RawActor {
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(rename = "Attributes", default)]
    attributes: BTreeMap<String, String>,
}

/// The event stream: newline-delimited JSON inside a chunked body. Blocks until the next event
/// (or the client's timeout, reported as an `Io` error). After a read error the stream may
/// have lost part of a line, so the iterator ends; open a new stream to go on. A line that is
/// not a valid event is an error item and the stream goes on.
pub struct Events {
    body: BufReader<Body>,
    socket: String,
    failed: bool,
}

impl Iterator for Events {
    type Item = Result<ContainerEvent, DockerError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.failed {
            let line = match read_line(&mut self.body) {
                Ok(Some(l)) => l,
                Ok(None) => return None,
                Err(source) => {
                    self.failed = true;
                    return Some(Err(DockerError::Io {
                        socket: self.socket.clone(),
                        source,
                    }));
                }
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(parse_event(&line));
        }
        None
    }
}

fn parse_event(line: &[u8]) -> Result<ContainerEvent, DockerError> {
    let raw: RawEvent = serde_json::from_slice(line)?;
    Ok(ContainerEvent {
        id: raw.actor.id,
        attributes: raw.actor.attributes,
        ..raw.event
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dechunk(input: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Chunked {
            inner: input,
            left: 0,
            done: false,
        }
        .read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn chunked_decoding() {
        assert_eq!(
            dechunk(b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n").unwrap(),
            b"hello, world"
        );
        assert_eq!(dechunk(b"3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n").unwrap(), b"abc");
        assert_eq!(dechunk(b"0\r\n\r\n").unwrap(), b"");
        for bad in [
            &b"5\r\nhel"[..],
            b"zz\r\nabc\r\n",
            b"3\r\nabcXX0\r\n\r\n",
            b"",
            b"ffffffffffffffffff\r\n",
        ] {
            assert!(dechunk(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn event_lines() {
        // An event as Docker 20.10 sends it.
        let line = br#"{"status":"start","id":"9efc354b48e454b8c2a02e86853c5814a7a3866d8e71c1d801d077e3ab9ef5b9","from":"vigil-state-test/busybox:1","Type":"container","Action":"start","Actor":{"ID":"9efc354b48e454b8c2a02e86853c5814a7a3866d8e71c1d801d077e3ab9ef5b9","Attributes":{"app":"test","image":"vigil-state-test/busybox:1","name":"vigil-state-fixture"}},"scope":"local","time":1795786055,"timeNano":1795786055566108036}"#;
        let e = parse_event(line).unwrap();
        assert_eq!(e.action, "start");
        assert_eq!(e.id, "9efc354b48e454b8c2a02e86853c5814a7a3866d8e71c1d801d077e3ab9ef5b9");
        assert_eq!(
            e.attributes.get("name").map(String::as_str),
            Some("vigil-state-fixture")
        );
        assert_eq!(e.time_nano, 1795786055566108036);
        assert!(parse_event(b"{not json").is_err());
    }

    #[test]
    fn lines_are_capped() {
        let long = vec![b'a'; MAX_LINE + 10];
        assert!(read_line(&mut &long[..]).is_err());
        assert_eq!(read_line(&mut &b"ab\r\ncd"[..]).unwrap().unwrap(), b"ab");
        assert_eq!(read_line(&mut &b""[..]).unwrap(), None);
    }

    #[test]
    fn invalid_ids_are_refused_before_any_request() {
        let c = DockerClient::new("/nonexistent/docker.sock");
        for id in ["", "a/b", "x y", "../../info", "a?b"] {
            assert!(matches!(c.inspect(id), Err(DockerError::InvalidId(_))), "{id}");
        }
        assert!(matches!(c.inspect("abc"), Err(DockerError::Io { .. })));
    }

    /// Serves one canned reply per connection on a socket in a temporary directory and
    /// returns the requests it read.
    fn fake_daemon(replies: Vec<&'static str>) -> (tempfile::TempDir, std::thread::JoinHandle<Vec<String>>) {
        let dir = tempfile::tempdir().unwrap();
        let listener = std::os::unix::net::UnixListener::bind(dir.path().join("d.sock")).unwrap();
        let h = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for reply in replies {
                let (mut s, _) = listener.accept().unwrap();
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut req = String::new();
                while let Some(l) = read_line(&mut r).unwrap() {
                    if l.is_empty() {
                        break;
                    }
                    req.push_str(&String::from_utf8_lossy(&l));
                    req.push('\n');
                }
                s.write_all(reply.as_bytes()).unwrap();
                seen.push(req);
            }
            seen
        });
        (dir, h)
    }

    #[test]
    fn pause_unpause_stop_requests() {
        let (dir, h) = fake_daemon(vec![
            "HTTP/1.1 204 No Content\r\n\r\n",
            "HTTP/1.1 204 No Content\r\n\r\n",
            "HTTP/1.1 304 Not Modified\r\n\r\n",
            "HTTP/1.1 409 Conflict\r\nContent-Length: 44\r\n\r\n{\"message\":\"Container abc is not running\"}",
        ]);
        let c = DockerClient::new(dir.path().join("d.sock"));
        c.pause("abc").unwrap();
        c.unpause("abc").unwrap();
        c.stop("abc", Duration::from_secs(3)).unwrap();
        match c.pause("abc") {
            Err(DockerError::Http {
                status: 409, message, ..
            }) => assert_eq!(message, "Container abc is not running"),
            other => panic!("{other:?}"),
        }
        let seen = h.join().unwrap();
        assert!(seen[0].starts_with("POST /containers/abc/pause HTTP/1.1\n"), "{seen:?}");
        assert!(seen[0].contains("Content-Length: 0\n"));
        assert!(seen[1].starts_with("POST /containers/abc/unpause HTTP/1.1\n"));
        assert!(seen[2].starts_with("POST /containers/abc/stop?t=3 HTTP/1.1\n"));
        assert!(matches!(c.stop("a/b", Duration::ZERO), Err(DockerError::InvalidId(_))));
    }
}
