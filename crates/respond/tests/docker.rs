//! Responses for real: processes killed, containers paused and stopped through the Docker Engine
//! API, a container's connects refused in the kernel, shells killed at exec.
//! Without root or Docker they skip, unless VIGIL_REQUIRE_KERNEL=1 (CI), where they fail.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use vigil_probe::{EnforceAction, EnforceEvent, Enforcer, EnforcerConfig};
use vigil_respond::{ActionKind, Responder, ResponseConfig, Target};
use vigil_state::DockerClient;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
const SOCKET: &str = "/var/run/docker.sock";

fn required() -> bool {
    std::env::var("VIGIL_REQUIRE_KERNEL").as_deref() == Ok("1")
}

fn root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let ok = status
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    if !ok {
        assert!(!required(), "these tests need root");
        eprintln!("skipping: not root");
    }
    ok
}

fn docker_up() -> bool {
    let ok = Command::new("docker")
        .arg("info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(!required(), "these tests need a running Docker daemon");
        eprintln!("skipping: no Docker daemon");
    }
    ok
}

/// A busybox-static image imported from a directory (no registry needed).
fn busybox_image() -> &'static str {
    const IMAGE: &str = "vigil-test-respond:1";
    let have = Command::new("docker")
        .args(["image", "inspect", IMAGE])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if have.is_ok_and(|s| s.success()) {
        return IMAGE;
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("busybox-static is needed to build the test image (apt-get install busybox-static)");
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bin")).unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::copy(busybox, root.path().join("bin/busybox")).unwrap();
    for a in ["sh", "cat", "sleep", "nc", "echo"] {
        std::os::unix::fs::symlink("busybox", root.path().join("bin").join(a)).unwrap();
    }
    let st = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "tar -C {} -c . | docker import - {IMAGE} >/dev/null",
            root.path().display()
        ))
        .status()
        .unwrap();
    assert!(st.success(), "docker import failed");
    IMAGE
}

/// A running container, removed on drop.
struct Container {
    name: String,
    id: String,
}

impl Container {
    fn run(tag: &str) -> Container {
        let name = format!("vigil-respond-{tag}-{}", std::process::id());
        let _ = Command::new("docker").args(["rm", "-f", &name]).output();
        let out = Command::new("docker")
            .args(["run", "-d", "--name", &name, busybox_image(), "sleep", "120"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Container { name, id }
    }

    fn exec(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .arg("exec")
            .arg(&self.name)
            .args(args)
            .output()
            .unwrap()
    }

    fn state(&self, field: &str) -> String {
        let out = Command::new("docker")
            .args(["inspect", "-f", &format!("{{{{.State.{field}}}}}"), &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rm", "-f", &self.name]).output();
    }
}

fn responder(with_enforcer: bool) -> Responder {
    let enforcer = with_enforcer.then(|| Enforcer::start(&EnforcerConfig::default()).unwrap());
    Responder::new(
        Some(DockerClient::new(SOCKET)),
        enforcer,
        vigil_probe::default_cgroup_subsys(),
    )
}

fn enforce_events(r: &mut Responder, until: impl Fn(&[EnforceEvent]) -> bool) -> Vec<EnforceEvent> {
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let enf = r.enforcer_mut().unwrap();
    while Instant::now() < deadline && !until(&out) {
        enf.poll(Duration::from_millis(50), &mut |e| out.push(e.clone()))
            .unwrap();
    }
    out
}

#[test]
fn kill_a_sleeping_process_and_dry_run_leaves_it() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !root() {
        return;
    }
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let r = Responder::new(None, None, None);
    let dry = r.kill(child.id(), true);
    assert!(dry.ok && dry.dry_run, "{dry:?}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(child.try_wait().unwrap().is_none(), "a dry run killed the process");
    let rec = r.kill(child.id(), false);
    assert!(rec.ok, "{rec:?}");
    assert_eq!(rec.target, format!("pid {}", child.id()));
    assert_eq!(child.wait().unwrap().signal(), Some(9));
    // Now it is gone: the record says why the kill failed.
    let again = r.kill(child.id(), false);
    assert!(!again.ok && again.error.unwrap().contains("ESRCH"));
}

#[test]
fn pause_unpause_and_stop_a_container() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !root() || !docker_up() {
        return;
    }
    let c = Container::run("pause");
    let mut r = responder(false);
    r.stop_grace = Duration::from_secs(1);
    let dry = r.pause(&c.id, true);
    assert!(dry.ok && dry.dry_run);
    assert_eq!(c.state("Paused"), "false");
    let rec = r.pause(&c.id, false);
    assert!(rec.ok, "{rec:?}");
    assert_eq!(rec.target, format!("container {}", &c.id[..12]));
    assert_eq!(c.state("Paused"), "true");
    DockerClient::new(SOCKET).unpause(&c.name).unwrap();
    assert_eq!(c.state("Paused"), "false");
    assert_eq!(c.exec(&["echo", "alive"]).stdout, b"alive\n");
    let started = Instant::now();
    let cfg = ResponseConfig {
        rules: vec!["*".into()],
        tags: vec![],
        action: ActionKind::Stop,
        allow: vec![],
        dry_run: false,
        containers: vec![],
        programs: vec![],
    };
    let target = Target {
        container: Some(c.name.clone()),
        ..Target::default()
    };
    let rec = r.respond(&cfg, &target);
    assert!(rec.ok, "{rec:?}");
    assert_eq!(c.state("Running"), "false");
    // sleep ignores SIGTERM as pid 1: the daemon SIGKILLs it after the 1 s grace period.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(c.state("ExitCode"), "137");
    // Stopping a stopped container is not an error (HTTP 304).
    assert!(r.respond(&cfg, &target).ok);
    let gone = r.pause("vigil-respond-no-such-container", false);
    assert!(!gone.ok && gone.error.unwrap().contains("404"));
}

/// The Docker bridge's gateway address: the host as containers reach it.
fn gateway() -> String {
    let out = Command::new("docker")
        .args([
            "network",
            "inspect",
            "bridge",
            "-f",
            "{{(index .IPAM.Config 0).Gateway}}",
        ])
        .output()
        .unwrap();
    let gw = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!gw.is_empty(), "no gateway on the bridge network");
    gw
}

#[test]
fn deny_connect_refuses_one_container_with_eperm() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !root() || !docker_up() {
        return;
    }
    let gw = gateway();
    let listener = TcpListener::bind(format!("{gw}:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut got = Vec::new();
        listener.set_nonblocking(false).unwrap();
        // One connection is expected: the allowed container's.
        if let Ok((mut s, _)) = listener.accept() {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).unwrap_or(0);
            got.extend_from_slice(&buf[..n]);
        }
        got
    });
    let protected = Container::run("denied");
    let free = Container::run("free");
    let mut r = responder(true);
    let rec = r.deny_connect(&protected.id, &[], false);
    assert!(rec.ok, "{rec:?}");

    let connect = format!("echo hello | nc -w 3 {gw} {port}");
    let out = protected.exec(&["sh", "-c", &connect]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{out:?}");
    assert!(err.contains("Operation not permitted"), "{err}");
    let out = free.exec(&["sh", "-c", &connect]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(server.join().unwrap(), b"hello\n");

    let seen = enforce_events(&mut r, |s| !s.is_empty());
    let want = format!("{gw}:{port}");
    let denial = seen
        .iter()
        .find(|e| matches!(&e.action, EnforceAction::DenyConnect { dest, protocol: 6 } if dest.to_string() == want))
        .unwrap_or_else(|| panic!("no denial event: {seen:?}"));
    assert_eq!(denial.comm, "nc");
    let cg = vigil_probe::ProcessCgroups::of_pid(
        DockerClient::new(SOCKET).inspect(&protected.id).unwrap().pid.unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(Some(denial.cgroup), cg.v2_id);
    r.release(&protected.id, &[]).unwrap();
    let out = protected.exec(&["sh", "-c", &format!("nc -w 1 {gw} {port} </dev/null")]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("Operation not permitted"),
        "{out:?}"
    );
}

#[test]
fn kill_on_exec_kills_a_shell_before_it_prints() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !root() || !docker_up() {
        return;
    }
    let c = Container::run("exec");
    let other = Container::run("exec-other");
    let mut r = responder(true);
    let rec = r.kill_on_exec_in(&c.id, &["sh", "bash", "dash", "ash"], false);
    assert!(rec.ok, "{rec:?}");
    assert_eq!(rec.target, format!("container {}: sh, bash, dash, ash", &c.id[..12]));

    let out = c.exec(&["sh", "-c", "echo hi"]);
    assert_eq!(out.status.code(), Some(137), "{out:?}");
    assert!(out.stdout.is_empty(), "the shell printed {:?}", out.stdout);
    let out = c.exec(&["cat", "/etc/hostname"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), &c.id[..12]);
    // The rule is the container's alone.
    assert_eq!(other.exec(&["sh", "-c", "echo hi"]).stdout, b"hi\n");

    let seen = enforce_events(&mut r, |s| !s.is_empty());
    assert!(
        seen.iter()
            .any(|e| matches!(&e.action, EnforceAction::KillExec { name, result: 0 } if name == "sh")),
        "{seen:?}"
    );
    r.release(&c.id, &["sh", "bash", "dash", "ash"]).unwrap();
    assert_eq!(c.exec(&["sh", "-c", "echo hi"]).stdout, b"hi\n");
}
