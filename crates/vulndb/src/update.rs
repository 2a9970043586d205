//! `vigil db update`: each ecosystem's `all.zip` from the OSV bucket (or a mirror) into the database.
//!
//! For each ecosystem, `GET <base>/<Ecosystem>/all.zip`, conditional on the ETag and
//! Last-Modified the previous database recorded for it. The body is streamed to an anonymous
//! temporary file beside the database while its SHA-256 is computed, within a size cap, and must
//! have exactly the announced Content-Length. Only when every download has succeeded is the new
//! database built: the zips are read (the central directory must be readable and every entry's
//! CRC must match) and imported; an ecosystem that answered 304 Not Modified keeps the records it
//! has in the previous database, which are carried over into the new one (no zip is cached).
//! Sources not in the list (other ecosystems, imported files) are carried over as well.
//!
//! Any failure — a connection error, a status other than 200 or 304, a truncated body, a corrupt
//! zip — fails the whole update, names the URL, and leaves the previous database in use.
//!
//! A `file://` base reads `<dir>/<Ecosystem>/all.zip` from disk (an air-gapped copy of the
//! bucket); such a source is "not modified" when its SHA-256 is the one recorded last time.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::ecosystem::{Ecosystem, SUPPORTED};
use crate::import::{self, ImportOptions, ImportReport, Progress};
use crate::store::build::{self, Builder, Previous, PreviousSource};
use crate::store::write::SourceMeta;
use crate::DbError;

/// The OSV project's public bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// How an update runs.
#[derive(Debug, Clone)]
pub struct UpdateOptions<'a> {
    /// Where `<Ecosystem>/all.zip` files are: the OSV bucket, an HTTP mirror, or `file:///dir`.
    pub base_url: String,
    /// The ecosystems to fetch (others already in the database are kept as they are).
    pub ecosystems: Vec<Ecosystem>,
    /// Download even what the previous database says is current (no conditional requests).
    pub force: bool,
    /// Time allowed to connect, and to wait for each read of a response.
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Caps, the version check and the progress callback of the import that follows.
    pub import: ImportOptions<'a>,
}

impl Default for UpdateOptions<'_> {
    fn default() -> Self {
        UpdateOptions {
            base_url: DEFAULT_BASE_URL.to_string(),
            ecosystems: SUPPORTED.to_vec(),
            force: false,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            import: ImportOptions::default(),
        }
    }
}

/// What an update did.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateReport {
    pub ecosystems: Vec<EcosystemUpdate>,
    /// The build: sources read (the downloaded ones), the new database's size and advisories.
    pub import: ImportReport,
}

/// What happened to one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcosystemUpdate {
    pub ecosystem: Ecosystem,
    pub url: String,
    pub fetched: Fetched,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// Downloaded and imported.
    Downloaded {
        bytes: u64,
        sha256: String,
        records: u64,
        skipped: u64,
    },
    /// Unchanged since the previous update: its records were carried over.
    NotModified { records: u64 },
}

/// A fetched `all.zip`.
enum Fetch {
    Fresh {
        file: File,
        sha256: String,
        bytes: u64,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    NotModified,
}

/// Updates the database at `db_path` (created if missing) from the OSV bucket or a mirror.
pub fn update(db_path: &Path, options: &UpdateOptions<'_>) -> Result<UpdateReport, DbError> {
    let started = Instant::now();
    let previous = build::previous(db_path)?;
    run(db_path, &previous, options, started).map_err(|e| build::failed(db_path, &previous, e))
}

fn run(
    db_path: &Path,
    previous: &Previous,
    options: &UpdateOptions<'_>,
    started: Instant,
) -> Result<UpdateReport, DbError> {
    let dir = match db_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(DbError::io(&dir))?;
    let base = options.base_url.trim_end_matches('/');
    let agent = agent(options);
    let progress = options.import.progress;

    let mut ecosystems: Vec<&Ecosystem> = Vec::new();
    for e in &options.ecosystems {
        if !ecosystems.contains(&e) {
            ecosystems.push(e);
        }
    }
    let mut fetched = Vec::with_capacity(ecosystems.len());
    for ecosystem in ecosystems {
        let url = format!("{base}/{}/all.zip", encode_segment(ecosystem.as_str()));
        let name = format!("osv/{}", ecosystem.as_str());
        let before = if options.force { None } else { previous.source(&name) };
        if let Some(p) = progress {
            p(&Progress::Downloading { url: &url });
        }
        let fetch = match base.strip_prefix("file://") {
            Some(root) => fetch_file(Path::new(root), ecosystem, &url, before, options)?,
            None => fetch_http(&agent, &url, before, &dir, options)?,
        };
        if let Some(p) = progress {
            match &fetch {
                Fetch::Fresh { bytes, .. } => p(&Progress::Downloaded {
                    url: &url,
                    bytes: *bytes,
                }),
                Fetch::NotModified => p(&Progress::NotModified { url: &url }),
            }
        }
        fetched.push((ecosystem.clone(), url, name, fetch));
    }

    let replaced: Vec<String> = fetched
        .iter()
        .filter(|f| matches!(f.3, Fetch::Fresh { .. }))
        .map(|f| f.2.clone())
        .collect();
    let mut builder = Builder::begin(db_path, previous, &|name| !replaced.iter().any(|r| r == name))?;
    let mut reports = Vec::new();
    let mut outcomes = Vec::new();
    for (ecosystem, url, name, fetch) in fetched {
        let outcome = match fetch {
            Fetch::NotModified => {
                if !builder.touch_source(&name)? {
                    return Err(DbError::Http {
                        url,
                        reason: "the server answered 304 Not Modified but the previous database has no copy".into(),
                    });
                }
                Fetched::NotModified {
                    records: previous.source(&name).map_or(0, |s| s.records),
                }
            }
            Fetch::Fresh {
                file,
                sha256,
                bytes,
                etag,
                last_modified,
            } => {
                let meta = SourceMeta {
                    name,
                    kind: "zip".into(),
                    location: url.clone(),
                    etag,
                    last_modified,
                    sha256: Some(sha256.clone()),
                    size: Some(bytes),
                };
                let report = import::import_zip(&mut builder, meta, file, &options.import)?;
                let outcome = Fetched::Downloaded {
                    bytes,
                    sha256,
                    records: report.records,
                    skipped: report.skipped,
                };
                reports.push(report);
                outcome
            }
        };
        outcomes.push(EcosystemUpdate {
            ecosystem,
            url,
            fetched: outcome,
        });
    }
    let import = import::finish(builder, reports, &options.import, previous, started)?;
    Ok(UpdateReport {
        ecosystems: outcomes,
        import,
    })
}

fn agent(options: &UpdateOptions<'_>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(options.connect_timeout))
        .timeout_recv_response(Some(options.read_timeout))
        .timeout_per_read(Some(options.read_timeout))
        .user_agent(concat!("vigil/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn fetch_http(
    agent: &ureq::Agent,
    url: &str,
    before: Option<&PreviousSource>,
    dir: &Path,
    options: &UpdateOptions<'_>,
) -> Result<Fetch, DbError> {
    let http = |reason: String| DbError::Http {
        url: url.to_string(),
        reason,
    };
    let mut request = agent.get(url);
    let mut conditional = false;
    if let Some(etag) = before.and_then(|b| b.etag.as_deref()) {
        request = request.header("If-None-Match", etag);
        conditional = true;
    }
    if let Some(since) = before.and_then(|b| b.last_modified.as_deref()) {
        request = request.header("If-Modified-Since", since);
        conditional = true;
    }
    let response = request.call().map_err(|e| http(e.to_string()))?;
    let status = response.status();
    match status.as_u16() {
        200 => {}
        304 if conditional => return Ok(Fetch::NotModified),
        _ => {
            let reason = status.canonical_reason().unwrap_or("");
            return Err(http(
                format!("HTTP {} {reason}", status.as_u16()).trim_end().to_string(),
            ));
        }
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .filter(|v| !v.is_empty())
    };
    let etag = header("etag");
    let last_modified = header("last-modified");
    let expected = match header("content-length") {
        Some(v) => Some(
            v.trim()
                .parse::<u64>()
                .map_err(|_| http(format!("bad Content-Length {v:?}")))?,
        ),
        None => None,
    };
    let cap = options.import.limits.max_download_bytes;
    if let Some(len) = expected.filter(|&len| len > cap) {
        return Err(http(format!("{len} bytes announced, more than the cap of {cap}")));
    }
    let mut body = response.into_body().into_reader();
    let mut file = tempfile::tempfile_in(dir).map_err(DbError::io(dir))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut received: u64 = 0;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(match expected {
                    Some(expected) if received < expected => DbError::Truncated {
                        url: url.to_string(),
                        expected,
                        received,
                    },
                    _ => http(format!("reading the body: {e}")),
                })
            }
        };
        received += n as u64;
        if received > cap {
            return Err(http(format!("more than the cap of {cap} bytes")));
        }
        // `read` returns at most `buf.len()`.
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(DbError::io(dir))?;
    }
    if let Some(expected) = expected {
        if received != expected {
            return Err(DbError::Truncated {
                url: url.to_string(),
                expected,
                received,
            });
        }
    }
    file.flush()
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .map_err(DbError::io(dir))?;
    Ok(Fetch::Fresh {
        file,
        sha256: hex::encode(hasher.finalize()),
        bytes: received,
        etag,
        last_modified,
    })
}

/// A `file://` mirror: `<root>/<Ecosystem>/all.zip`.
fn fetch_file(
    root: &Path,
    ecosystem: &Ecosystem,
    url: &str,
    before: Option<&PreviousSource>,
    options: &UpdateOptions<'_>,
) -> Result<Fetch, DbError> {
    let path = root.join(ecosystem.as_str()).join("all.zip");
    let mut file = File::open(&path).map_err(DbError::io(&path))?;
    let bytes = file.metadata().map_err(DbError::io(&path))?.len();
    let cap = options.import.limits.max_download_bytes;
    if bytes > cap {
        return Err(DbError::input(
            url,
            format!("{bytes} bytes, more than the cap of {cap}"),
        ));
    }
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(DbError::io(&path))?;
    let sha256 = hex::encode(hasher.finalize());
    if before.and_then(|b| b.sha256.as_deref()) == Some(sha256.as_str()) {
        return Ok(Fetch::NotModified);
    }
    file.seek(SeekFrom::Start(0)).map_err(DbError::io(&path))?;
    Ok(Fetch::Fresh {
        file,
        sha256,
        bytes,
        etag: None,
        last_modified: None,
    })
}

/// Percent-encodes a URL path segment (`Rocky Linux` → `Rocky%20Linux`).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("crates.io"), "crates.io");
        assert_eq!(encode_segment("Rocky Linux"), "Rocky%20Linux");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
    }
}
