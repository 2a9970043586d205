//! Kernel tests of the enforcer on the host: processes are moved into scratch cgroups the test
//! creates (in the probe's hierarchy and in cgroup v2), then killed at exec or refused connects.
//! Without root/BTF they skip, unless VIGIL_REQUIRE_KERNEL=1 (CI), where they fail.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use vigil_probe::{EnforceAction, EnforceEvent, Enforcer, EnforcerConfig, ProbeError, ProcessCgroups};

fn enforcer() -> Option<Enforcer> {
    match Enforcer::start(&EnforcerConfig::default()) {
        Ok(e) => Some(e),
        Err(e @ ProbeError::Env(_)) if std::env::var("VIGIL_REQUIRE_KERNEL").as_deref() != Ok("1") => {
            eprintln!("skipping: {e}");
            None
        }
        Err(e) => panic!("the enforcer cannot start: {e}"),
    }
}

/// A scratch cgroup directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(parent: &Path, tag: &str) -> Scratch {
        let d = parent.join(format!("vigil-enforce-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir(&d);
        std::fs::create_dir(&d).unwrap();
        Scratch(d)
    }
    fn id(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&self.0).unwrap().ino()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The test's own cgroups: scratch cgroups are made below them.
fn own() -> ProcessCgroups {
    ProcessCgroups::of_pid(std::process::id(), vigil_probe::default_cgroup_subsys()).unwrap()
}

/// Runs `script` with bash after moving the shell into each of `dirs`.
fn run_in(dirs: &[&Path], script: &str) -> Output {
    let mut s = String::new();
    for d in dirs {
        s.push_str(&format!("echo $$ > '{}/cgroup.procs' || exit 99; ", d.display()));
    }
    s.push_str(script);
    Command::new("bash").arg("-c").arg(s).output().unwrap()
}

fn events(e: &mut Enforcer, until: impl Fn(&[EnforceEvent]) -> bool) -> Vec<EnforceEvent> {
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && !until(&out) {
        e.poll(Duration::from_millis(50), &mut |ev| out.push(ev.clone()))
            .unwrap();
    }
    out
}

/// A local, non-loopback IPv4 address (loopback is always allowed by design).
fn local_addr() -> String {
    let out = Command::new("ip")
        .args(["-4", "-o", "addr", "show", "scope", "global"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let inet = text
        .split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)
        .expect("a global IPv4 address");
    inet.split('/').next().unwrap().to_owned()
}

#[test]
fn kill_on_exec_kills_listed_names_only_in_that_cgroup() {
    let Some(mut enf) = enforcer() else { return };
    let cg = Scratch::new(&own().exec_dir, "exec");
    // A symlink under another name still runs a file called "echo".
    let tmp = std::env::temp_dir().join(format!("vigil-enforce-{}", std::process::id()));
    let _ = std::fs::create_dir(&tmp);
    let alias = tmp.join("innocent");
    let _ = std::fs::remove_file(&alias);
    std::os::unix::fs::symlink("/bin/echo", &alias).unwrap();
    enf.kill_on_exec(cg.id(), &["echo"]).unwrap();

    let out = run_in(&[&cg.0], "exec /bin/echo hi");
    assert_eq!(out.status.signal(), Some(9), "{out:?}");
    assert!(out.stdout.is_empty(), "echo printed: {:?}", out.stdout);
    let out = run_in(&[&cg.0], &format!("exec {} hi", alias.display()));
    assert_eq!(out.status.signal(), Some(9), "{out:?}");
    assert!(out.stdout.is_empty());
    // Another program in the same cgroup runs; echo outside the cgroup runs.
    let out = run_in(&[&cg.0], "exec /bin/cat /proc/self/comm");
    assert_eq!(out.stdout, b"cat\n", "{out:?}");
    let out = Command::new("/bin/echo").arg("hi").output().unwrap();
    assert_eq!(out.stdout, b"hi\n");

    let seen = events(&mut enf, |s| s.len() >= 2);
    let kills: Vec<_> = seen
        .iter()
        .filter(|e| matches!(&e.action, EnforceAction::KillExec { name, result: 0 } if name == "echo"))
        .collect();
    assert_eq!(kills.len(), 2, "{seen:?}");
    assert!(kills.iter().all(|e| e.cgroup == cg.id()));
    assert_eq!(kills[1].comm, "innocent");
    assert_eq!(enf.counters().killed, 2);

    enf.remove_kill_on_exec(cg.id(), &["echo"]).unwrap();
    let out = run_in(&[&cg.0], "exec /bin/echo hi");
    assert_eq!(out.stdout, b"hi\n", "{out:?}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn deny_connect_refuses_with_eperm_except_allowed() {
    let Some(mut enf) = enforcer() else { return };
    let Some(v2) = own().v2_dir else {
        panic!("no cgroup v2 hierarchy is mounted: deny-connect needs one");
    };
    let cg = Scratch::new(&v2, "connect");
    let listener = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let addr = local_addr();
    let connect = format!("exec 3<>/dev/tcp/{addr}/{port} && echo connected");
    let id = enf.deny_connect(&cg.0, &[]).unwrap();
    assert_eq!(id, cg.id());

    let out = run_in(&[&cg.0], &connect);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("Operation not permitted"),
        "{out:?}"
    );
    // Outside the cgroup, and to loopback inside it, connects go through.
    let out = run_in(&[], &connect);
    assert_eq!(out.stdout, b"connected\n", "{out:?}");
    let out = run_in(
        &[&cg.0],
        &format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected"),
    );
    assert_eq!(out.stdout, b"connected\n", "{out:?}");

    let seen = events(&mut enf, |s| !s.is_empty());
    let want = format!("{addr}:{port}");
    assert!(
        seen.iter().any(|e| e.cgroup == id
            && matches!(&e.action, EnforceAction::DenyConnect { dest, protocol: 6 } if dest.to_string() == want)),
        "{seen:?}"
    );
    assert_eq!(enf.counters().denied, 1);

    // Allowing the destination's port lets it through; another port stays refused.
    let allow = format!("{addr}/32:{port}").parse().unwrap();
    enf.deny_connect(&cg.0, &[allow]).unwrap();
    let out = run_in(&[&cg.0], &connect);
    assert_eq!(out.stdout, b"connected\n", "{out:?}");
    let other = format!(
        "exec 3<>/dev/tcp/{addr}/{} && echo connected",
        port.wrapping_add(1).max(1)
    );
    let out = run_in(&[&cg.0], &other);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Operation not permitted"),
        "{out:?}"
    );

    assert!(enf.remove_deny_connect(id).unwrap());
    let out = run_in(&[&cg.0], &other.replace("&& echo connected", "; echo rc=$?"));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("Operation not permitted"),
        "{out:?}"
    );
    // Drain what the listener accepted so the sockets close.
    while let Ok((mut s, _)) = listener.accept() {
        let _ = s.read(&mut [0u8; 1]);
    }
}
