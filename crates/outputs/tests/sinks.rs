//! Each sink for real: files, sockets, a child process and HTTP(S) servers made in the test.
#![allow(clippy::unwrap_used)]
mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use vigil_outputs::{
    AlertSink, FileSink, Format, HttpSink, OutputConfig, ProgramSink, SyslogConfig, SyslogSink, WriterSink,
};
use vigil_rules::Priority;

fn syslog_cfg(v: serde_json::Value) -> SyslogConfig {
    let mut v = v;
    v["type"] = "syslog".into();
    match serde_json::from_value(v).unwrap() {
        OutputConfig::Syslog(c) => c,
        _ => unreachable!(),
    }
}

fn http_cfg(v: serde_json::Value) -> vigil_outputs::HttpConfig {
    let mut v = v;
    v["type"] = "http".into();
    match serde_json::from_value(v).unwrap() {
        OutputConfig::Http(c) => c,
        _ => unreachable!(),
    }
}

#[test]
fn writer_text_and_json() {
    let a = alert("r", "c", Priority::Warning, 7);
    let mut text = WriterSink::new("stdout", Vec::new(), Format::Text);
    text.send(&a).unwrap();
    text.send(&a).unwrap();
    assert_eq!(
        String::from_utf8(text.into_inner()).unwrap(),
        format!("{0}\n{0}\n", a.text)
    );
    let mut json = WriterSink::new("stdout", Vec::new(), Format::Json);
    json.send(&a).unwrap();
    let out = String::from_utf8(json.into_inner()).unwrap();
    let v: serde_json::Value = serde_json::from_str(out.strip_suffix('\n').unwrap()).unwrap();
    assert_eq!(v["n"], 7);
}

#[test]
fn file_appends_and_reopens_after_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.log");
    std::fs::write(&path, "existing\n").unwrap();
    let mut f = FileSink::new("file", path.clone(), Format::Text);
    f.send(&alert("r", "c", Priority::Error, 1)).unwrap();
    f.send(&alert("r", "c", Priority::Error, 2)).unwrap();
    // logrotate: rename away; the next alert goes to a new file at the path.
    let rotated = dir.path().join("alerts.log.1");
    std::fs::rename(&path, &rotated).unwrap();
    f.send(&alert("r", "c", Priority::Error, 3)).unwrap();
    // Deleted: recreated.
    let after_rename = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    f.send(&alert("r", "c", Priority::Error, 4)).unwrap();
    let old = std::fs::read_to_string(&rotated).unwrap();
    assert_eq!(old.lines().count(), 3);
    assert!(old.starts_with("existing\n") && old.contains("alert 1 ") && old.contains("alert 2 "));
    assert_eq!(after_rename, format!("{}\n", alert("r", "c", Priority::Error, 3).text));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{}\n", alert("r", "c", Priority::Error, 4).text)
    );
    assert_eq!(f.retries(), 2);
}

#[test]
fn local_syslog_datagram() {
    let dir = tempfile::tempdir().unwrap();
    let sock_path = dir.path().join("log");
    let server = UnixDatagram::bind(&sock_path).unwrap();
    server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut s = SyslogSink::new(&syslog_cfg(
        serde_json::json!({"path": sock_path, "facility": "local3"}),
    ))
    .unwrap();
    let a = alert("r", "c", Priority::Critical, 5);
    s.send(&a).unwrap();
    let mut buf = [0u8; 4096];
    let n = server.recv(&mut buf).unwrap();
    let msg = std::str::from_utf8(&buf[..n]).unwrap();
    // local3 = 19; Critical = 2 -> 19 * 8 + 2.
    let expected = format!("<154>Nov 14 22:13:20 vigil[{}]: {}", std::process::id(), a.text);
    assert_eq!(msg, expected);
    // Default facility user (1), Debug (7) -> 15.
    let mut s = SyslogSink::new(&syslog_cfg(serde_json::json!({"path": sock_path}))).unwrap();
    s.send(&alert("r", "c", Priority::Debug, 6)).unwrap();
    let n = server.recv(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"<15>Nov 14 "),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    // The daemon restarts: the sink reconnects.
    drop(server);
    std::fs::remove_file(&sock_path).unwrap();
    let server = UnixDatagram::bind(&sock_path).unwrap();
    server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.send(&alert("r", "c", Priority::Debug, 7)).unwrap();
    let n = server.recv(&mut buf).unwrap();
    assert!(std::str::from_utf8(&buf[..n]).unwrap().ends_with("alert 7 from c"));
    assert_eq!(s.retries(), 1);
}

#[test]
fn remote_syslog_udp() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let cfg = syslog_cfg(serde_json::json!({"transport": "udp", "address": addr, "format": "json"}));
    let mut s = SyslogSink::new(&cfg).unwrap();
    let a = alert("r", "c", Priority::Warning, 9);
    s.send(&a).unwrap();
    let mut buf = [0u8; 4096];
    let n = server.recv(&mut buf).unwrap();
    let expected = format!(
        "<12>1 2023-11-14T22:13:20.000000Z node-1 vigil {} - - {}",
        std::process::id(),
        a.json
    );
    assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), expected);
}

/// Read octet-counted frames (`LEN SP MSG`).
fn read_frames<R: Read>(r: R, count: usize) -> Vec<String> {
    let mut r = BufReader::new(r);
    let mut out = Vec::new();
    for _ in 0..count {
        let mut len = Vec::new();
        r.read_until(b' ', &mut len).unwrap();
        let len: usize = std::str::from_utf8(&len[..len.len() - 1]).unwrap().parse().unwrap();
        let mut msg = vec![0; len];
        r.read_exact(&mut msg).unwrap();
        out.push(String::from_utf8(msg).unwrap());
    }
    out
}

#[test]
fn remote_syslog_tcp_octet_counted() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (c, _) = l.accept().unwrap();
        read_frames(c, 3)
    });
    let cfg = syslog_cfg(serde_json::json!({"transport": "tcp", "address": addr, "facility": "daemon"}));
    let mut s = SyslogSink::new(&cfg).unwrap();
    for i in 0..3 {
        s.send(&alert("r", "c", Priority::ALL[i], i as u64)).unwrap();
    }
    let frames = server.join().unwrap();
    for (i, f) in frames.iter().enumerate() {
        // daemon = 3 -> 24 + severity.
        assert!(
            f.starts_with(&format!("<{}>1 2023-11-14T22:13:20.000000Z node-1 vigil ", 24 + i)),
            "{f}"
        );
        assert!(f.ends_with(&format!("alert {i} from c")), "{f}");
    }
}

/// A CA, and a server and a client certificate signed by it (PEM).
struct Pki {
    ca: String,
    server_cert: rcgen::Certificate,
    server_key: rcgen::KeyPair,
    client_cert: String,
    client_key: String,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut cp = CertificateParams::new(vec!["vigil-client".into()]).unwrap();
    cp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = cp.signed_by(&client_key, &ca, &ca_key).unwrap();
    Pki {
        ca: ca.pem(),
        server_cert,
        server_key,
        client_cert: client_cert.pem(),
        client_key: client_key.serialize_pem(),
    }
}

fn server_config(pki: &Pki, require_client: bool) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(pki.ca.as_bytes()).unwrap())
            .unwrap();
        let v = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder.with_client_cert_verifier(v)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.serialize_der()));
    Arc::new(
        builder
            .with_single_cert(vec![pki.server_cert.der().clone()], key)
            .unwrap(),
    )
}

#[test]
fn remote_syslog_tls() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca).unwrap();
    let config = server_config(&pki, false);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (c, _) = l.accept().unwrap();
        let conn = rustls::ServerConnection::new(config).unwrap();
        read_frames(rustls::StreamOwned::new(conn, c), 2)
    });
    let cfg = syslog_cfg(serde_json::json!({
        "transport": "tls", "address": addr, "server_name": "localhost", "ca_file": ca_file, "format": "json"
    }));
    let mut s = SyslogSink::new(&cfg).unwrap();
    let (a, b) = (
        alert("r", "c", Priority::Alert, 1),
        alert("r", "c", Priority::Notice, 2),
    );
    s.send(&a).unwrap();
    s.send(&b).unwrap();
    let frames = server.join().unwrap();
    assert!(
        frames[0].starts_with("<9>1 ") && frames[0].ends_with(&*a.json),
        "{}",
        frames[0]
    );
    assert!(
        frames[1].starts_with("<13>1 ") && frames[1].ends_with(&*b.json),
        "{}",
        frames[1]
    );

    // Without the CA the server's certificate is refused.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let config = server_config(&pki, false);
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let _ = read_frames_lossy(rustls::StreamOwned::new(conn, c));
        }
    });
    let cfg = syslog_cfg(serde_json::json!({"transport": "tls", "address": addr, "server_name": "localhost"}));
    let mut s = SyslogSink::new(&cfg).unwrap();
    let e = s.send(&a).unwrap_err();
    assert!(e.to_string().contains("certificate"), "{e}");
}

fn read_frames_lossy<R: Read>(mut r: R) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    while r.read(&mut buf)? > 0 {}
    Ok(())
}

#[test]
fn program_is_restarted_after_it_dies() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    let pidfile = dir.path().join("pid");
    let cmd = format!("echo $$ > '{}'; exec cat >> '{}'", pidfile.display(), out.display());
    let mut p = ProgramSink::new("program", cmd, Format::Json);
    for i in 0..3 {
        p.send(&alert("r", "c", Priority::Warning, i)).unwrap();
    }
    p.flush().unwrap();
    let lines = |n: usize| {
        wait_until(Duration::from_secs(5), || {
            std::fs::read_to_string(&out).unwrap_or_default().lines().count() == n
        })
    };
    assert!(lines(3));
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    std::fs::remove_file(&pidfile).unwrap();
    assert!(std::process::Command::new("kill")
        .args(["-9", &pid])
        .status()
        .unwrap()
        .success());
    // Wait until it is dead (a zombie, until the sink reaps it).
    assert!(wait_until(Duration::from_secs(5), || std::fs::read_to_string(format!(
        "/proc/{pid}/stat"
    ))
    .map_or(true, |s| s
        .rsplit(')')
        .next()
        .unwrap_or("")
        .trim_start()
        .starts_with('Z'))));
    for i in 3..6 {
        p.send(&alert("r", "c", Priority::Warning, i)).unwrap();
    }
    assert!(lines(6));
    let text = std::fs::read_to_string(&out).unwrap();
    for (i, l) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["n"], i as u64);
    }
    let new_pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    assert_ne!(new_pid, pid);
    assert_eq!(p.retries(), 1);
}

#[test]
fn http_posts_json_with_headers() {
    let (addr, seen) = http_server(200);
    let cfg = http_cfg(serde_json::json!({
        "url": format!("http://{addr}/hooks/vigil"), "headers": {"Authorization": "Bearer t0ken", "X-Team": "sec"}
    }));
    let mut h = HttpSink::new(&cfg).unwrap();
    let a = alert("r", "c", Priority::Error, 3);
    h.send(&a).unwrap();
    let reqs = seen.lock().unwrap().clone();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hooks/vigil"));
    assert_eq!(r.header("authorization"), Some("Bearer t0ken"));
    assert_eq!(r.header("x-team"), Some("sec"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body, *a.json);
    assert_eq!(h.retries(), 0);
}

#[test]
fn http_retries_5xx_not_4xx() {
    let (addr, seen) = http_server(503);
    let cfg = http_cfg(serde_json::json!({"url": format!("http://{addr}/"), "max_retries": 3, "retry_backoff_ms": 5}));
    let mut h = HttpSink::new(&cfg).unwrap();
    let e = h.send(&alert("r", "c", Priority::Error, 1)).unwrap_err();
    assert!(e.to_string().contains("503"), "{e}");
    assert_eq!(seen.lock().unwrap().len(), 4);
    assert_eq!(h.retries(), 3);

    let (addr, seen) = http_server(404);
    let cfg = http_cfg(serde_json::json!({"url": format!("http://{addr}/"), "max_retries": 3, "retry_backoff_ms": 5}));
    let mut h = HttpSink::new(&cfg).unwrap();
    assert!(h.send(&alert("r", "c", Priority::Error, 1)).is_err());
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(h.retries(), 0);
}

#[test]
fn http_times_out_on_a_stalled_server() {
    let (addr, held) = stalling_server();
    let cfg = http_cfg(serde_json::json!({
        "url": format!("http://{addr}/"), "timeout_ms": 200, "max_retries": 1, "retry_backoff_ms": 10
    }));
    let mut h = HttpSink::new(&cfg).unwrap();
    let t = std::time::Instant::now();
    let e = h.send(&alert("r", "c", Priority::Error, 1)).unwrap_err();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(e.to_string().contains("timeout"), "{e}");
    assert_eq!(held.lock().unwrap().len(), 2);
    assert_eq!(h.retries(), 1);
}

#[test]
fn https_with_ca_and_client_certificate() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    for (name, pem) in [
        ("ca.pem", &pki.ca),
        ("client.pem", &pki.client_cert),
        ("client.key", &pki.client_key),
    ] {
        std::fs::write(dir.path().join(name), pem).unwrap();
    }
    let config = server_config(&pki, true);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut results = Vec::new();
        for _ in 0..2 {
            let (c, _) = l.accept().unwrap();
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, c);
            let req = read_request(&mut tls);
            if req.is_some() {
                respond(&mut tls, 200);
            }
            results.push(req);
        }
        results
    });
    let url = format!("https://localhost:{port}/hook");
    let with_client = http_cfg(serde_json::json!({
        "url": url, "ca_file": dir.path().join("ca.pem"), "client_cert": dir.path().join("client.pem"),
        "client_key": dir.path().join("client.key"), "max_retries": 0
    }));
    let a = alert("r", "c", Priority::Error, 1);
    HttpSink::new(&with_client).unwrap().send(&a).unwrap();
    // Without the client certificate the server refuses the handshake.
    let without = http_cfg(serde_json::json!({"url": url, "ca_file": dir.path().join("ca.pem"), "max_retries": 0}));
    assert!(HttpSink::new(&without).unwrap().send(&a).is_err());
    let results = server.join().unwrap();
    assert_eq!(results[0].as_ref().unwrap().body, *a.json);
    assert!(results[1].is_none());
}

#[test]
fn bad_configs_are_errors() {
    let e = HttpSink::new(&http_cfg(serde_json::json!({"url": "ftp://x/"})))
        .err()
        .unwrap();
    assert!(e.to_string().contains("ftp://x/"), "{e}");
    let e = SyslogSink::new(&syslog_cfg(serde_json::json!({"transport": "tcp"})))
        .err()
        .unwrap();
    assert!(e.to_string().contains("address"), "{e}");
    let e = SyslogSink::new(&syslog_cfg(serde_json::json!({
        "transport": "tls", "address": "h:1", "ca_file": "/nonexistent/ca.pem"
    })))
    .err()
    .unwrap();
    assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
}
