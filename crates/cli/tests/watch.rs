//! `vigil watch` end to end, as a user runs it: the real probe, real commands, real Docker
//! containers. Without root, BTF or Docker these skip, unless VIGIL_REQUIRE_KERNEL=1 (CI),
//! where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The probe is a machine-wide resource; these tests take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn required() -> bool {
    std::env::var("VIGIL_REQUIRE_KERNEL").as_deref() == Ok("1")
}

fn can_probe() -> bool {
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    let ok = root && std::path::Path::new("/sys/kernel/btf/vmlinux").exists();
    if !ok {
        assert!(
            !required(),
            "VIGIL_REQUIRE_KERNEL=1 but this test cannot load the probe (needs root and BTF)"
        );
        eprintln!("skipping: needs root and /sys/kernel/btf/vmlinux");
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
        assert!(
            !required(),
            "VIGIL_REQUIRE_KERNEL=1 but Docker is unreachable (start dockerd)"
        );
        eprintln!("skipping: Docker is unreachable");
    }
    ok
}

struct Watch {
    child: Child,
    stderr: std::sync::Arc<Mutex<String>>,
}

impl Watch {
    fn start(extra: &[&str]) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args(["watch", "--print", "--json", "--no-rules"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut line = String::new();
        let stderr = std::sync::Arc::new(Mutex::new(String::new()));
        loop {
            if !line.is_empty() {
                stderr.lock().unwrap().push_str(&line);
            }
            line.clear();
            assert!(Instant::now() < deadline, "vigil watch did not start");
            if err.read_line(&mut line).unwrap() == 0 {
                let out = child.wait_with_output().unwrap();
                panic!("vigil watch exited: {}", String::from_utf8_lossy(&out.stderr));
            }
            if line.contains("vigil: watching") {
                break;
            }
        }
        stderr.lock().unwrap().push_str(&line);
        // Keep draining stderr so the child never blocks on it.
        let sink = std::sync::Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = err.read_to_string(&mut rest);
            sink.lock().unwrap().push_str(&rest);
        });
        Watch { child, stderr }
    }

    /// Stops the sensor with SIGINT (as Ctrl-C) and returns its events.
    fn stop(self) -> Vec<Value> {
        self.stop_with_stderr().0
    }

    fn stop_with_stderr(self) -> (Vec<Value>, String) {
        std::thread::sleep(Duration::from_millis(300));
        let st = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let out = self.child.wait_with_output().unwrap();
        assert!(out.status.success(), "vigil watch failed: {:?}", out.status);
        std::thread::sleep(Duration::from_millis(100));
        let err = self.stderr.lock().unwrap().clone();
        let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect(l))
            .collect();
        (events, err)
    }
}

fn s<'a>(e: &'a Value, k: &str) -> &'a str {
    e[k].as_str().unwrap_or("")
}

fn find<'a>(events: &'a [Value], what: &str, f: impl Fn(&Value) -> bool) -> &'a Value {
    events
        .iter()
        .find(|e| f(e))
        .unwrap_or_else(|| panic!("no event: {what} among {} events", events.len()))
}

#[test]
fn host_commands_with_their_process_context() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_probe() {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("execs.sh");
    std::fs::write(&script, "#!/bin/sh\nexec /bin/true from-script\n").unwrap();
    Command::new("chmod").arg("+x").arg(&script).status().unwrap();

    let w = Watch::start(&[]);
    let cat = Command::new("cat")
        .arg("/etc/shadow")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(cat.success());
    let bash = Command::new("bash")
        .arg("-c")
        .arg(format!("exec 3<>/dev/tcp/127.0.0.1/{port}; echo hi >&3"))
        .spawn()
        .unwrap();
    let (_conn, peer) = listener.accept().unwrap();
    let bash_pid = bash.id();
    let _ = bash.wait_with_output();
    let sh = Command::new(&script).spawn().unwrap();
    let sh_pid = sh.id();
    assert!(sh.wait_with_output().unwrap().status.success());
    let events = w.stop();

    // cat /etc/shadow: its exec, its open, with the process's fields
    let exec = find(&events, "exec of cat", |e| {
        s(e, "evt.type") == "execve" && s(e, "proc.name") == "cat" && s(e, "evt.args").contains("/etc/shadow")
    });
    assert!(s(exec, "proc.exepath").ends_with("/bin/cat"), "{exec}");
    assert_eq!(exec["proc.ppid"], std::process::id());
    assert_eq!(s(exec, "container.id"), "host");
    assert_eq!(s(exec, "user.name"), "root");
    let pid = exec["proc.pid"].clone();
    let open = find(&events, "open of /etc/shadow", |e| {
        e["proc.pid"] == pid && s(e, "fd.name") == "/etc/shadow"
    });
    assert!(s(open, "evt.type").starts_with("open"), "{open}");
    assert!(open["evt.res"].as_i64().unwrap() >= 0);

    // the connect to our listener, from bash, with both ends
    // (bash may first connect to other sockets, e.g. nscd's, when it looks up names)
    let connect = find(&events, "connect to the listener", |e| {
        s(e, "evt.type") == "connect"
            && e["proc.pid"] == bash_pid
            && s(e, "evt.args").contains(&format!("addr=127.0.0.1:{port}"))
    });
    let tuple = format!("127.0.0.1:{}->127.0.0.1:{port}", peer.port());
    assert_eq!(s(connect, "fd.name"), tuple, "{connect}");
    assert!(
        s(connect, "evt.args").contains(&format!("addr=127.0.0.1:{port}")),
        "{connect}"
    );
    assert_eq!(s(connect, "proc.name"), "bash");

    // the script: sh runs it, then execs /bin/true in the same process
    let sh_exec = find(&events, "exec of the script", |e| {
        s(e, "evt.type") == "execve" && e["proc.pid"] == sh_pid && s(e, "evt.args").contains("execs.sh")
    });
    assert!(
        s(sh_exec, "proc.exepath").ends_with("sh") || s(sh_exec, "proc.exepath").ends_with("dash"),
        "{sh_exec}"
    );
    let true_exec = find(&events, "exec of true", |e| {
        s(e, "evt.type") == "execve" && e["proc.pid"] == sh_pid && s(e, "proc.name") == "true"
    });
    assert!(
        s(true_exec, "evt.args").contains("args=/bin/true from-script"),
        "{true_exec}"
    );
    assert!(s(true_exec, "proc.exepath").ends_with("/bin/true"));
}

fn busybox_image() -> &'static str {
    const IMAGE: &str = "vigil-test-watch:1";
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
        .find(|p| std::path::Path::new(p).exists());
    let busybox = busybox.expect("busybox-static is needed to build the test image (apt-get install busybox-static)");
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bin")).unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::copy(busybox, root.path().join("bin/busybox")).unwrap();
    for a in ["sh", "cat", "sleep", "id"] {
        std::os::unix::fs::symlink("busybox", root.path().join("bin").join(a)).unwrap();
    }
    std::fs::write(
        root.path().join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nweb:x:101:101::/:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(root.path().join("etc/group"), "root:x:0:\nweb:x:101:\n").unwrap();
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

#[test]
fn docker_run_and_exec_carry_the_container() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_probe() || !docker_up() {
        return;
    }
    let image = busybox_image();
    let name = format!("vigil-watch-{}", std::process::id());
    let w = Watch::start(&[]);
    let run = Command::new("docker")
        .args(["run", "-d", "--name", &name, image, "sleep", "30"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let id = String::from_utf8_lossy(&run.stdout).trim().to_string();
    std::thread::sleep(Duration::from_millis(500));
    let exec = Command::new("docker")
        .args(["exec", "-u", "101", &name, "cat", "/etc/passwd"])
        .output()
        .unwrap();
    assert!(exec.status.success());
    let events = w.stop();
    let _ = Command::new("docker").args(["rm", "-f", &name]).output();

    let short = &id[..12];
    let sleep = find(&events, "exec of sleep in the container", |e| {
        s(e, "evt.type") == "execve" && s(e, "proc.name") == "sleep" && s(e, "container.id") == short
    });
    assert_eq!(s(sleep, "proc.exepath"), "/bin/busybox", "{sleep}");
    // metadata arrives asynchronously: the exec'd command, a second later, has it
    let cat = find(&events, "exec of cat via docker exec", |e| {
        s(e, "evt.type") == "execve" && s(e, "proc.name") == "cat" && s(e, "container.id") == short
    });
    assert_eq!(s(cat, "container.name"), name, "{cat}");
    assert_eq!(s(cat, "container.image"), image, "{cat}");
    assert_eq!(cat["user.uid"], 101);
    assert_eq!(
        s(cat, "user.name"),
        "web",
        "names come from the container's own /etc/passwd: {cat}"
    );
    let pid = cat["proc.pid"].clone();
    let open = find(&events, "open of /etc/passwd in the container", |e| {
        e["proc.pid"] == pid && s(e, "fd.name") == "/etc/passwd"
    });
    assert_eq!(s(open, "container.id"), short);
    assert_eq!(s(open, "container.name"), name);
}

#[test]
fn without_privileges_the_error_names_what_is_missing() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_probe() {
        return;
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"])
        .arg(env!("CARGO_BIN_EXE_vigil"))
        .args(["watch", "--print", "--no-rules"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs root, or CAP_BPF and CAP_PERFMON"), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
}

#[test]
fn without_docker_events_still_carry_the_container_id() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_probe() || !docker_up() {
        return;
    }
    let image = busybox_image();
    let w = Watch::start(&["--docker-socket", "/nonexistent/docker.sock"]);
    let run = Command::new("docker")
        .args(["run", "--rm", image, "cat", "/etc/group"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let (events, err) = w.stop_with_stderr();
    assert_eq!(err.matches("no Docker socket").count(), 1, "exactly one warning: {err}");
    let cat = find(&events, "exec of cat in a container", |e| {
        s(e, "evt.type") == "execve" && s(e, "proc.name") == "cat" && s(e, "container.id") != "host"
    });
    assert_eq!(s(cat, "container.id").len(), 12, "{cat}");
    assert!(
        cat["container.name"].is_null(),
        "metadata is unknown without Docker: {cat}"
    );
}

#[test]
fn drift_and_memfd_executables_are_flagged_at_exec() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_probe() || !docker_up() {
        return;
    }
    let image = busybox_image();
    let w = Watch::start(&[]);
    // a binary written after the container started lives on the overlay's upper layer
    let run = Command::new("docker")
        .args([
            "run",
            "--rm",
            image,
            "sh",
            "-c",
            "cp /bin/busybox /true && /true && /bin/busybox true",
        ])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    // a program run from an anonymous memory file
    let memfd = Command::new("python3")
        .arg("-c")
        .arg("import os; fd = os.memfd_create('payload'); os.write(fd, open('/bin/true', 'rb').read()); os.execv(f'/proc/self/fd/{fd}', ['payload'])")
        .status()
        .unwrap();
    assert!(memfd.success());
    let events = w.stop();
    let dropped = find(&events, "exec of the dropped /true", |e| {
        s(e, "evt.type") == "execve" && s(e, "evt.args").contains("filename=/true ")
    });
    assert!(s(dropped, "evt.args").contains("exe_upper_layer=true"), "{dropped}");
    let from_image = find(&events, "exec of /bin/busybox", |e| {
        s(e, "evt.type") == "execve"
            && s(e, "evt.args").contains("filename=/bin/busybox")
            && s(e, "container.id") != "host"
    });
    assert!(!s(from_image, "evt.args").contains("exe_upper_layer"), "{from_image}");
    let mem = find(&events, "exec from a memfd", |e| {
        s(e, "evt.type") == "execve" && s(e, "evt.args").contains("args=payload")
    });
    assert!(s(mem, "evt.args").contains("exe_from_memfd=true"), "{mem}");
}

#[test]
fn sigusr1_prints_the_counters_and_ctrl_c_prints_them_again() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_probe() {
        return;
    }
    let w = Watch::start(&["--filter", "evt.type=openat and fd.name=/etc/hostname"]);
    let cat = Command::new("cat")
        .arg("/etc/hostname")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(cat.success());
    let st = Command::new("kill")
        .args(["-USR1", &w.child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    std::thread::sleep(Duration::from_millis(500));
    let (events, err) = w.stop_with_stderr();
    let counters: Vec<&str> = err.lines().filter(|l| l.starts_with("vigil: counters seen=")).collect();
    assert_eq!(counters.len(), 2, "one line on SIGUSR1, one at exit: {err}");
    // at exit: everything sent was received (the probe is detached before the last drain)
    let last = counters[1];
    let field = |name: &str| -> u64 {
        last.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    assert!(field("sent") > 0);
    assert_eq!(field("sent"), field("received"), "{last}");
    assert_eq!(field("drop_full"), 0, "{last}");
    // the filter kept only the open of /etc/hostname
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| s(e, "evt.type") == "openat" && s(e, "fd.name") == "/etc/hostname"),
        "{events:?}"
    );
}

#[test]
fn containers_running_before_the_sensor_have_their_metadata() {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !can_probe() || !docker_up() {
        return;
    }
    let image = busybox_image();
    let name = format!("vigil-watch-pre-{}", std::process::id());
    let run = Command::new("docker")
        .args(["run", "-d", "--name", &name, image, "sleep", "30"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let w = Watch::start(&[]);
    std::thread::sleep(Duration::from_millis(500));
    let exec = Command::new("docker")
        .args(["exec", &name, "cat", "/etc/group"])
        .output()
        .unwrap();
    let events = w.stop();
    let _ = Command::new("docker").args(["rm", "-f", &name]).output();
    assert!(exec.status.success());
    let cat = find(&events, "exec of cat in the pre-existing container", |e| {
        s(e, "evt.type") == "execve" && s(e, "proc.name") == "cat" && s(e, "container.id") != "host"
    });
    assert_eq!(
        s(cat, "container.name"),
        name,
        "found at bootstrap, looked up in Docker: {cat}"
    );
    assert_eq!(s(cat, "container.image"), image);
}
