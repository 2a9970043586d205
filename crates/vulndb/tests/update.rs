//! `update` against an HTTP server started here on 127.0.0.1 (std `TcpListener` in a thread):
//! downloads, 304s on the ETag, a truncated body, a server error mid-way, a corrupt zip; and a
//! `file://` mirror.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{all_zip, dir_listing, osv, zip_entries};
use sha2::{Digest, Sha256};
use vigil_vulndb::{update, Db, DbError, Ecosystem, Fetched, UpdateOptions};
use zip::CompressionMethod;

const LAST_MODIFIED: &str = "Tue, 12 Nov 2024 06:00:00 GMT";

#[derive(Clone)]
enum Reply {
    /// 200 with the body, an ETag and Last-Modified; 304 when If-None-Match has the ETag.
    Zip {
        body: Vec<u8>,
        etag: &'static str,
    },
    /// Announces the whole body's length, sends half of it, closes.
    Truncated {
        body: Vec<u8>,
    },
    Status(u16, &'static str),
}

#[derive(Debug, Clone)]
struct Request {
    path: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

struct Server {
    base: String,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    log: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let (r, l) = (routes.clone(), log.clone());
        // The thread serves until the test process ends.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &r, &l);
            }
        });
        Server { base, routes, log }
    }

    fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().expect("lock").insert(path.to_string(), reply);
    }

    fn requests(&self) -> Vec<Request> {
        self.log.lock().expect("lock").clone()
    }
}

fn serve(stream: TcpStream, routes: &Mutex<HashMap<String, Reply>>, log: &Mutex<Vec<Request>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut request = Request {
        path: path.clone(),
        if_none_match: None,
        if_modified_since: None,
    };
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = Some(value.trim().to_string());
            match name.to_ascii_lowercase().as_str() {
                "if-none-match" => request.if_none_match = value,
                "if-modified-since" => request.if_modified_since = value,
                _ => {}
            }
        }
    }
    log.lock().expect("lock").push(request.clone());
    let reply = routes
        .lock()
        .expect("lock")
        .get(&path)
        .cloned()
        .unwrap_or(Reply::Status(404, "Not Found"));
    let mut out = stream;
    let head = |status: &str, len: usize, extra: &str| {
        format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\n{extra}Connection: close\r\n\r\n")
    };
    let _ = match reply {
        Reply::Zip { etag, .. } if request.if_none_match.as_deref() == Some(etag) => {
            out.write_all(head("304 Not Modified", 0, &format!("ETag: {etag}\r\n")).as_bytes())
        }
        Reply::Zip { body, etag } => {
            let extra = format!("ETag: {etag}\r\nLast-Modified: {LAST_MODIFIED}\r\nContent-Type: application/zip\r\n");
            out.write_all(head("200 OK", body.len(), &extra).as_bytes())
                .and_then(|()| out.write_all(&body))
        }
        Reply::Truncated { body } => out
            .write_all(head("200 OK", body.len(), "").as_bytes())
            .and_then(|()| out.write_all(&body[..body.len() / 2])),
        Reply::Status(code, text) => {
            let body = format!("{code} {text}\n");
            out.write_all(head(&format!("{code} {text}"), body.len(), "").as_bytes())
                .and_then(|()| out.write_all(body.as_bytes()))
        }
    };
    let _ = out.flush();
    let _ = out.shutdown(Shutdown::Both);
}

fn options(base: &str, ecosystems: &[Ecosystem]) -> UpdateOptions<'static> {
    UpdateOptions {
        base_url: base.to_string(),
        ecosystems: ecosystems.to_vec(),
        ..UpdateOptions::default()
    }
}

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A database updated once from PyPI and Go.
fn first_update(server: &Server, db_path: &Path) -> (Vec<u8>, Vec<u8>) {
    let (pypi, go) = (all_zip(&osv("PyPI")), all_zip(&osv("Go")));
    server.route(
        "/PyPI/all.zip",
        Reply::Zip {
            body: pypi.clone(),
            etag: "\"pypi-1\"",
        },
    );
    server.route(
        "/Go/all.zip",
        Reply::Zip {
            body: go.clone(),
            etag: "\"go-1\"",
        },
    );
    update(db_path, &options(&server.base, &[Ecosystem::PyPI, Ecosystem::Go])).expect("first update");
    (pypi, go)
}

#[test]
fn a_download_then_a_304_on_the_etag() {
    let server = Server::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = tmp.path().join("cache").join("vulndb.sqlite");
    let (pypi, go) = (all_zip(&osv("PyPI")), all_zip(&osv("Go")));
    server.route(
        "/PyPI/all.zip",
        Reply::Zip {
            body: pypi.clone(),
            etag: "\"pypi-1\"",
        },
    );
    server.route(
        "/Go/all.zip",
        Reply::Zip {
            body: go.clone(),
            etag: "\"go-1\"",
        },
    );

    let report = update(&db_path, &options(&server.base, &[Ecosystem::PyPI, Ecosystem::Go])).expect("update");
    let pypi_url = format!("{}/PyPI/all.zip", server.base);
    assert_eq!(report.ecosystems[0].url, pypi_url);
    assert_eq!(
        report.ecosystems[0].fetched,
        Fetched::Downloaded {
            bytes: pypi.len() as u64,
            sha256: sha256(&pypi),
            records: 2,
            skipped: 0
        }
    );
    assert_eq!(
        report.ecosystems[1].fetched,
        Fetched::Downloaded {
            bytes: go.len() as u64,
            sha256: sha256(&go),
            records: 2,
            skipped: 0
        }
    );
    assert!(server
        .requests()
        .iter()
        .all(|r| r.if_none_match.is_none() && r.if_modified_since.is_none()));

    let db = Db::open(&db_path).expect("open");
    assert_eq!(
        db.affected(&Ecosystem::PyPI, None, "requests").expect("lookup").len(),
        1
    );
    let status = db.status().expect("status");
    let source = status
        .sources
        .iter()
        .find(|s| s.name == "osv/PyPI")
        .expect("PyPI source");
    assert_eq!(source.location, pypi_url);
    assert_eq!(source.etag.as_deref(), Some("\"pypi-1\""));
    assert_eq!(source.last_modified.as_deref(), Some(LAST_MODIFIED));
    assert_eq!(source.sha256.as_deref(), Some(sha256(&pypi).as_str()));
    drop(db);

    // Second run: PyPI unchanged (304 on its ETag), Go changed.
    let go2 = zip_entries(
        &[(
            "GO-2023-2102.json",
            &std::fs::read(osv("Go").join("GO-2023-2102.json")).expect("read"),
        )],
        CompressionMethod::Deflated,
    );
    server.route(
        "/Go/all.zip",
        Reply::Zip {
            body: go2.clone(),
            etag: "\"go-2\"",
        },
    );
    let report = update(&db_path, &options(&server.base, &[Ecosystem::PyPI, Ecosystem::Go])).expect("update");
    assert_eq!(report.ecosystems[0].fetched, Fetched::NotModified { records: 2 });
    assert!(matches!(
        report.ecosystems[1].fetched,
        Fetched::Downloaded { records: 1, .. }
    ));
    let second: Vec<Request> = server.requests().into_iter().skip(2).collect();
    assert_eq!(second[0].path, "/PyPI/all.zip");
    assert_eq!(second[0].if_none_match.as_deref(), Some("\"pypi-1\""));
    assert_eq!(second[0].if_modified_since.as_deref(), Some(LAST_MODIFIED));
    assert_eq!(second[1].if_none_match.as_deref(), Some("\"go-1\""));

    let db = Db::open(&db_path).expect("open");
    assert_eq!(
        db.affected(&Ecosystem::PyPI, None, "requests").expect("lookup").len(),
        1,
        "carried over"
    );
    assert_eq!(
        db.affected(&Ecosystem::PyPI, None, "PyYAML").expect("lookup").len(),
        1,
        "carried over"
    );
    assert!(
        db.advisory("GO-2022-0646").expect("advisory").is_none(),
        "replaced by the new Go zip"
    );
    assert_eq!(
        db.affected(&Ecosystem::Go, None, "golang.org/x/net")
            .expect("lookup")
            .len(),
        1
    );
    let status = db.status().expect("status");
    let go_source = status.sources.iter().find(|s| s.name == "osv/Go").expect("Go source");
    assert_eq!((go_source.etag.as_deref(), go_source.records), (Some("\"go-2\""), 1));
    drop(db);

    // Forced: no conditional requests.
    let before = server.requests().len();
    let forced = UpdateOptions {
        force: true,
        ..options(&server.base, &[Ecosystem::PyPI])
    };
    let report = update(&db_path, &forced).expect("update");
    assert!(matches!(
        report.ecosystems[0].fetched,
        Fetched::Downloaded { records: 2, .. }
    ));
    assert!(server.requests()[before].if_none_match.is_none());
}

#[test]
fn a_truncated_download_fails_and_keeps_the_previous_database() {
    let server = Server::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = tmp.path().join("vulndb.sqlite");
    let (pypi, _) = first_update(&server, &db_path);
    let before = std::fs::read(&db_path).expect("read");
    let listing = dir_listing(tmp.path());

    server.route("/PyPI/all.zip", Reply::Truncated { body: pypi.clone() });
    let forced = UpdateOptions {
        force: true,
        ..options(&server.base, &[Ecosystem::PyPI, Ecosystem::Go])
    };
    let err = update(&db_path, &forced).expect_err("truncated");
    assert!(err.previous_kept(), "{err}");
    let url = format!("{}/PyPI/all.zip", server.base);
    match err.cause() {
        DbError::Truncated {
            url: u,
            expected,
            received,
        } => {
            assert_eq!(
                (u, *expected, *received),
                (&url, pypi.len() as u64, (pypi.len() / 2) as u64)
            );
        }
        other => panic!("not a truncation: {other}"),
    }
    assert!(
        err.to_string().starts_with(&format!("GET {url}: truncated download")),
        "{err}"
    );
    assert_eq!(std::fs::read(&db_path).expect("read"), before);
    assert_eq!(dir_listing(tmp.path()), listing, "no temporary files are left");
    let db = Db::open(&db_path).expect("open");
    assert_eq!(db.status().expect("status").advisories, 3);
}

#[test]
fn a_server_error_mid_way_names_the_url_and_keeps_the_previous_database() {
    let server = Server::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = tmp.path().join("vulndb.sqlite");
    first_update(&server, &db_path);
    let before = std::fs::read(&db_path).expect("read");

    server.route("/Go/all.zip", Reply::Status(500, "Internal Server Error"));
    server.route(
        "/npm/all.zip",
        Reply::Zip {
            body: all_zip(&osv("npm")),
            etag: "\"npm-1\"",
        },
    );
    let asked = server.requests().len();
    let ecosystems = [Ecosystem::PyPI, Ecosystem::Go, Ecosystem::Npm];
    let forced = UpdateOptions {
        force: true,
        ..options(&server.base, &ecosystems)
    };
    let err = update(&db_path, &forced).expect_err("server error");
    let url = format!("{}/Go/all.zip", server.base);
    assert!(
        matches!(err.cause(), DbError::Http { url: u, reason } if *u == url && reason == "HTTP 500 Internal Server Error"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "GET {url}: HTTP 500 Internal Server Error; the previous database at {} is unchanged and still in use",
            db_path.display()
        )
    );
    let paths: Vec<String> = server.requests().into_iter().skip(asked).map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/PyPI/all.zip", "/Go/all.zip"],
        "the update stops at the failure"
    );
    assert_eq!(std::fs::read(&db_path).expect("read"), before);
    let db = Db::open(&db_path).expect("open");
    assert_eq!(db.affected(&Ecosystem::Go, None, "stdlib").expect("lookup").len(), 1);
    assert!(db.affected(&Ecosystem::Npm, None, "semver").expect("lookup").is_empty());
}

#[test]
fn without_a_previous_database_a_failed_update_writes_nothing() {
    let server = Server::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = tmp.path().join("vulndb.sqlite");
    server.route("/PyPI/all.zip", Reply::Status(503, "Service Unavailable"));
    let err = update(&db_path, &options(&server.base, &[Ecosystem::PyPI])).expect_err("unavailable");
    assert!(matches!(err, DbError::NotWritten { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("HTTP 503 Service Unavailable; no database was written"),
        "{err}"
    );
    assert!(dir_listing(tmp.path()).is_empty());
}

#[test]
fn a_corrupt_zip_download_is_refused() {
    let server = Server::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = tmp.path().join("vulndb.sqlite");
    first_update(&server, &db_path);
    let record = std::fs::read(osv("PyPI").join("GHSA-j8r2-6x86-q33q.json")).expect("read");
    let mut corrupt = zip_entries(&[("GHSA-j8r2-6x86-q33q.json", &record)], CompressionMethod::Stored);
    let at = corrupt.windows(8).position(|w| w == b"Requests").expect("entry data");
    corrupt[at] = b'r';
    server.route(
        "/PyPI/all.zip",
        Reply::Zip {
            body: corrupt,
            etag: "\"pypi-2\"",
        },
    );
    let err = update(&db_path, &options(&server.base, &[Ecosystem::PyPI])).expect_err("corrupt");
    assert!(err.previous_kept());
    assert!(
        err.to_string()
            .contains("/PyPI/all.zip: GHSA-j8r2-6x86-q33q.json: Invalid checksum"),
        "{err}"
    );
    let db = Db::open(&db_path).expect("open");
    let status = db.status().expect("status");
    let source = status
        .sources
        .iter()
        .find(|s| s.name == "osv/PyPI")
        .expect("PyPI source");
    assert_eq!(
        source.etag.as_deref(),
        Some("\"pypi-1\""),
        "the previous source is still the one in use"
    );
}

#[test]
fn a_file_mirror_of_the_bucket() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mirror = tmp.path().join("mirror");
    for eco in ["PyPI", "crates.io"] {
        std::fs::create_dir_all(mirror.join(eco)).expect("mkdir");
        std::fs::write(mirror.join(eco).join("all.zip"), all_zip(&osv(eco))).expect("write");
    }
    let db_path = tmp.path().join("vulndb.sqlite");
    let base = format!("file://{}", mirror.display());
    let ecosystems = [Ecosystem::PyPI, Ecosystem::CratesIo];
    let report = update(&db_path, &options(&base, &ecosystems)).expect("update");
    assert!(report
        .ecosystems
        .iter()
        .all(|e| matches!(e.fetched, Fetched::Downloaded { .. })));
    assert_eq!(report.ecosystems[1].url, format!("{base}/crates.io/all.zip"));
    let report = update(&db_path, &options(&base, &ecosystems)).expect("update");
    assert_eq!(report.ecosystems[1].fetched, Fetched::NotModified { records: 1 });
    let db = Db::open(&db_path).expect("open");
    assert_eq!(
        db.affected(&Ecosystem::CratesIo, None, "rustls-webpki")
            .expect("lookup")
            .len(),
        1
    );
}
