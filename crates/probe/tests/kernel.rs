//! Kernel tests: load the real probe, run real commands, check what it saw.
//! Without root/BTF they skip, unless VIGIL_REQUIRE_KERNEL=1 (CI), where they fail.

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};
use vigil_capture::{CaptureSource, Event, Flow, Kind};
use vigil_probe::{Probe, ProbeConfig};

fn probe() -> Option<Probe> {
    probe_with(&ProbeConfig::default())
}

fn probe_with(cfg: &ProbeConfig) -> Option<Probe> {
    match Probe::start(cfg) {
        Ok(p) => Some(p),
        Err(e @ vigil_probe::ProbeError::Env(_)) if std::env::var("VIGIL_REQUIRE_KERNEL").as_deref() != Ok("1") => {
            eprintln!("skipping: {e}");
            None
        }
        Err(e) => panic!("the probe cannot start: {e}"),
    }
}

/// Owned copy of what a test checks.
#[derive(Debug, Clone)]
struct Seen {
    name: &'static str,
    pid: u32,
    ppid: u32,
    comm: String,
    res: i64,
    strs: Vec<String>,
    exe: Option<String>,
    argv: Vec<String>,
    cgroup: Option<String>,
}

fn collect(p: &mut Probe, until: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && !until(&out) {
        p.next_batch(Duration::from_millis(50), &mut |r| {
            let e = Event::decode(r).unwrap();
            out.push(Seen {
                name: e.name(),
                pid: e.pid,
                ppid: e.ppid,
                comm: String::from_utf8_lossy(e.comm()).into_owned(),
                res: e.res,
                strs: (0..6)
                    .filter_map(|i| e.str_arg(i))
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect(),
                exe: e.exe_path_rev().map(|p| p.to_path()),
                argv: e.argv().map(|a| String::from_utf8_lossy(a).into_owned()).collect(),
                cgroup: e.cgroup_rev().map(|p| p.to_path()),
            });
            Flow::Continue
        })
        .unwrap();
    }
    out
}

#[test]
fn cat_etc_shadow_is_seen_with_its_process() {
    let Some(mut p) = probe() else { return };
    let child = Command::new("cat")
        .arg("/etc/shadow")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let seen = collect(&mut p, |s| {
        s.iter()
            .any(|e| e.pid == pid && e.strs.iter().any(|x| x == "/etc/shadow"))
    });
    let exec = seen
        .iter()
        .find(|e| e.pid == pid && e.name == "execve" && e.exe.is_some())
        .expect("exec of cat");
    assert_eq!(exec.comm, "cat");
    assert_eq!(exec.argv, vec!["cat", "/etc/shadow"]);
    assert!(exec.exe.as_deref().is_some_and(|x| x.ends_with("/bin/cat")), "{exec:?}");
    assert_eq!(exec.ppid, std::process::id());
    // The cgroup path is read in the kernel; this test's own, as /proc shows it, must match.
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let want = match vigil_probe::default_cgroup_subsys() {
        Some(_) => own
            .lines()
            .find(|l| l.split(':').nth(1).is_some_and(|c| c.split(',').any(|c| c == "memory"))),
        None => own.lines().find(|l| l.starts_with("0::")),
    };
    let want = want.and_then(|l| l.splitn(3, ':').nth(2)).unwrap();
    assert_eq!(exec.cgroup.as_deref(), Some(want), "{exec:?}");
    let open = seen
        .iter()
        .find(|e| e.pid == pid && e.name == "openat" && e.strs.iter().any(|x| x == "/etc/shadow"))
        .expect("openat of /etc/shadow");
    assert!(open.res >= 0, "{open:?}");
    assert!(seen.iter().any(|e| e.pid == pid && e.name == "procexit"));
    let c = p.counters();
    assert!(c.sent > 0 && c.received > 0, "{c:?}");
}

/// A connect to a local port, with the address read at entry (default) and at exit.
fn connect_seen(cfg: &ProbeConfig) {
    let Some(mut p) = probe_with(cfg) else { return };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let local = client.local_addr().unwrap();
    let me = std::process::id();
    let mut found = None;
    let deadline = Instant::now() + Duration::from_secs(10);
    while found.is_none() && Instant::now() < deadline {
        p.next_batch(Duration::from_millis(50), &mut |r| {
            let e = Event::decode(r).unwrap();
            // only our connect: the process may connect elsewhere meanwhile (name lookups, other tests)
            let ours = e.tuple().is_some_and(|t| t.remote.1 == port)
                || matches!(e.sockaddr(), Some(vigil_capture::SockAddr::Inet(_, p)) if p == port);
            if e.pid == me && e.name() == "connect" && ours {
                let sa = match e.sockaddr() {
                    Some(vigil_capture::SockAddr::Inet(ip, port)) => Some((ip, port)),
                    _ => None,
                };
                found = Some((sa, e.tuple(), e.res, e.flags));
            }
            Flow::Continue
        })
        .unwrap();
    }
    let (sa, tuple, res, flags) = found.expect("the connect event");
    assert_eq!(res, 0);
    assert_eq!(sa, Some(([127, 0, 0, 1].into(), port)));
    let t = tuple.expect("the socket's tuple");
    assert_eq!(t.l4proto(), Some("tcp"));
    assert_eq!(t.remote, ([127, 0, 0, 1].into(), port));
    assert_eq!(t.local, (local.ip(), local.port()));
    assert_eq!(
        flags & vigil_capture::abi::F_STASHED != 0,
        cfg.entry_args,
        "read at entry iff entry_args"
    );
}

#[test]
fn connect_with_address_and_tuple() {
    // the test process makes the connect itself: do not exclude it
    connect_seen(&ProbeConfig {
        exclude_pid: None,
        ..Default::default()
    });
    connect_seen(&ProbeConfig {
        exclude_pid: None,
        entry_args: false,
        ..Default::default()
    });
}

#[test]
fn kinds_round_trip() {
    assert_eq!(Kind::from_raw(1), Some(Kind::Exec));
}
