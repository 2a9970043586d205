//! Images in the local Docker daemon, through the Engine API on its Unix socket: the export
//! (`GET /images/{name}/get`) is streamed to a temporary file that is deleted when the scan ends,
//! then read as a `docker save` archive. No `docker` CLI is needed.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use crate::docker_archive;
use crate::store::TarStore;
use crate::{Image, ImageError, Options, Selector};

/// The daemon's socket: `options.docker_socket`, else `DOCKER_HOST=unix://…`, else the default.
pub fn socket_path(options: &Options) -> PathBuf {
    if let Some(p) = &options.docker_socket {
        return p.clone();
    }
    if let Ok(host) = std::env::var("DOCKER_HOST") {
        if let Some(p) = host.strip_prefix("unix://") {
            return PathBuf::from(p);
        }
    }
    PathBuf::from("/var/run/docker.sock")
}

fn daemon_err(input: &str, reason: impl ToString) -> ImageError {
    ImageError::Daemon {
        input: input.to_string(),
        reason: reason.to_string(),
    }
}

pub(crate) fn open(input: &str, name: &str, options: &Options, selector: &dyn Selector) -> Result<Image, ImageError> {
    let sock = socket_path(options);
    let mut tmp = tempfile::Builder::new()
        .prefix("vigil-export-")
        .suffix(".tar")
        .tempfile()
        .map_err(|e| ImageError::io(input, e))?;
    export(input, &sock, name, tmp.as_file_mut())?;
    let store = TarStore::index(input, tmp.path())?;
    let mut image = docker_archive::open_store(input, "docker", &store, options, selector)?;
    if image.source.tags.is_empty() {
        image.source.name = name.to_string();
    }
    Ok(image)
}

/// Percent-encodes an image reference for the API path (slashes and colons are kept).
fn encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Streams the export of `name` into `out`.
pub(crate) fn export(input: &str, sock: &Path, name: &str, out: &mut impl Write) -> Result<u64, ImageError> {
    let stream = UnixStream::connect(sock).map_err(|e| {
        daemon_err(
            input,
            format!("cannot connect to {}: {e} (is dockerd running?)", sock.display()),
        )
    })?;
    let mut w = stream.try_clone().map_err(|e| daemon_err(input, e))?;
    write!(
        w,
        "GET /images/{}/get HTTP/1.1\r\nHost: docker\r\nUser-Agent: vigil\r\nConnection: close\r\n\r\n",
        encode(name)
    )
    .map_err(|e| daemon_err(input, e))?;
    let mut r = BufReader::with_capacity(256 << 10, stream);
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| daemon_err(input, e))?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| daemon_err(input, format!("not an HTTP response: {line:?}")))?;
    let mut chunked = false;
    loop {
        line.clear();
        r.read_line(&mut line).map_err(|e| daemon_err(input, e))?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("transfer-encoding") && v.trim().eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    let mut body: Box<dyn Read> = if chunked {
        Box::new(Chunked {
            inner: r,
            left: 0,
            done: false,
        })
    } else {
        Box::new(r)
    };
    if status != 200 {
        let mut msg = String::new();
        let _ = body.take(4096).read_to_string(&mut msg);
        let msg = serde_json::from_str::<serde_json::Value>(&msg)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
            .unwrap_or(msg);
        return Err(daemon_err(
            input,
            format!("image {name:?}: HTTP {status}: {}", msg.trim()),
        ));
    }
    io::copy(&mut body, out).map_err(|e| daemon_err(input, format!("export of {name:?} failed: {e}")))
}

/// HTTP/1.1 chunked transfer decoding.
struct Chunked<R> {
    inner: R,
    left: u64,
    done: bool,
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        if self.left == 0 {
            let mut line = String::new();
            self.inner.read_line(&mut line)?;
            if line.trim().is_empty() {
                line.clear();
                self.inner.read_line(&mut line)?;
            }
            let size = line.trim().split(';').next().unwrap_or("");
            let size = u64::from_str_radix(size, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("bad chunk size {size:?}")))?;
            if size == 0 {
                self.done = true;
                return Ok(0);
            }
            self.left = size;
        }
        let want = buf.len().min(self.left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed mid-chunk",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_chunks() {
        let body = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
        let mut c = Chunked {
            inner: &body[..],
            left: 0,
            done: false,
        };
        let mut s = String::new();
        c.read_to_string(&mut s).expect("decodes");
        assert_eq!(s, "hello world");
    }

    #[test]
    fn encodes_names() {
        assert_eq!(encode("library/nginx:1.25"), "library/nginx:1.25");
        assert_eq!(encode("a b"), "a%20b");
    }

    #[test]
    fn missing_socket_names_it() {
        let err =
            export("docker:x", Path::new("/nonexistent/docker.sock"), "x", &mut io::sink()).expect_err("no daemon");
        assert!(err.to_string().contains("/nonexistent/docker.sock"), "{err}");
    }
}
