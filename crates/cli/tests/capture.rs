//! `vigil capture` and `vigil replay`. Replay needs no kernel: a capture built from synthetic
//! records and a state snapshot is replayed as a user would. The live capture test runs the
//! real probe and Docker (skips without them unless VIGIL_REQUIRE_KERNEL=1).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use vigil_capture::abi::{tag, KIND_PROC_EXEC};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::{CaptureHeader, CaptureWriter, Counters, ProcInfo};
use vigil_state::Tracker;

fn vigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).args(args).output().unwrap()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect()
}

/// A shell in a process known from the snapshot execs cat, which opens a file relative to
/// its cwd; the snapshot carries the parent so `proc.pname`-style context exists in replay.
fn synthetic_capture(path: &Path) {
    let mut tracker = Tracker::new(Default::default());
    let boot = 1_000_000_000u64;
    let exec_sh = RecordBuilder::new(KIND_PROC_EXEC, boot + 10, 100, 100)
        .ppid(1)
        .field(tag::FILENAME, b"/bin/sh")
        .argv(&["sh", "-c", "cd /etc && cat shadow"])
        .path_rev(tag::EXEPATH, "/usr/bin/dash")
        .path_rev(tag::CWD, "/etc")
        .procinfo(&ProcInfo {
            loginuid: 1000,
            ..Default::default()
        })
        .build();
    tracker.apply(&vigil_capture::Event::decode(&exec_sh).unwrap());
    let mut header = CaptureHeader::this_host("test", 1_700_000_000_000_000_000);
    header.state = serde_json::to_value(tracker.snapshot()).unwrap();
    let mut w = CaptureWriter::create(path, &header).unwrap();
    let fork = RecordBuilder::new(vigil_capture::abi::KIND_PROC_FORK, boot + 20, 100, 100)
        .ppid(1)
        .arg(0, 101)
        .arg(1, 101)
        .procinfo(&ProcInfo::default())
        .build();
    let exec_cat = RecordBuilder::new(KIND_PROC_EXEC, boot + 30, 101, 101)
        .ppid(100)
        .field(tag::FILENAME, b"/bin/cat")
        .argv(&["cat", "shadow"])
        .path_rev(tag::EXEPATH, "/usr/bin/cat")
        .path_rev(tag::CWD, "/etc")
        .procinfo(&ProcInfo::default())
        .build();
    let open = RecordBuilder::syscall("openat", boot + 40, 101, 101)
        .ppid(100)
        .comm("cat")
        .arg(0, (-100i64) as u64)
        .str_arg(1, "shadow")
        .res(3)
        .build();
    for r in [&fork, &exec_cat, &open] {
        w.write_record(r).unwrap();
    }
    // A block boundary, as the live capture makes every second: a file cut after it keeps
    // these records.
    w.flush().unwrap();
    for i in 0..50u64 {
        let close = RecordBuilder::syscall("close", boot + 100 + i, 101, 101)
            .arg(0, 3)
            .build();
        w.write_record(&close).unwrap();
    }
    w.finish(
        Counters {
            seen: 3,
            sent: 3,
            ..Default::default()
        },
        0,
    )
    .unwrap();
}

#[test]
fn replay_needs_no_live_system() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("synthetic.vcap");
    synthetic_capture(&cap);
    let out = vigil(&["replay", cap.to_str().unwrap(), "--print", "--json", "--no-rules"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ev = lines(&out);
    assert_eq!(ev.len(), 53);
    assert_eq!(ev[1]["evt.type"], "execve");
    assert_eq!(ev[1]["proc.name"], "cat");
    let open = &ev[2];
    assert_eq!(open["evt.type"], "openat");
    // the relative name is resolved against the cwd the exec record carried
    assert_eq!(open["fd.name"], "/etc/shadow");
    assert_eq!(open["proc.exepath"], "/usr/bin/cat");
    assert_eq!(open["evt.time"], "2023-11-14T22:13:21.000000040Z");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("replayed 53 of 53 events"), "{err}");

    let text = vigil(&["replay", cap.to_str().unwrap(), "--print", "--no-rules"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("cat (101) < openat dirfd=AT_FDCWD name=shadow"), "{text}");
}

#[test]
fn replay_filters_with_the_condition_language() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("synthetic.vcap");
    synthetic_capture(&cap);
    let c = cap.to_str().unwrap();
    let only = vigil(&[
        "replay",
        c,
        "--print",
        "--json",
        "--no-rules",
        "--filter",
        "evt.type=openat and fd.name pmatch (/etc) and proc.aname[1]=sh",
    ]);
    assert!(only.status.success(), "{}", String::from_utf8_lossy(&only.stderr));
    let ev = lines(&only);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["evt.type"], "openat");
    assert_eq!(
        ev[0]["evt.num"], 3,
        "evt.num is the place in the stream, not among printed events"
    );
    let none = vigil(&[
        "replay",
        c,
        "--print",
        "--json",
        "--no-rules",
        "--filter",
        "evt.type=openat and not fd.name startswith /etc",
    ]);
    assert!(lines(&none).is_empty());
    let bad = vigil(&["replay", c, "--filter", "evt.type=openat and proc.nmae=cat"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--filter:1:21") && err.contains("did you mean `proc.name`"),
        "{err}"
    );
    let unbalanced = vigil(&["replay", c, "--filter", "(evt.type=openat"]);
    assert_eq!(unbalanced.status.code(), Some(2));
}

#[test]
fn damaged_captures_are_named_and_partial_ones_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("c.vcap");
    synthetic_capture(&cap);
    let bytes = std::fs::read(&cap).unwrap();

    let bad = dir.path().join("bad-magic.vcap");
    let mut b = bytes.clone();
    b[0] = b'X';
    std::fs::write(&bad, &b).unwrap();
    let out = vigil(&["replay", bad.to_str().unwrap(), "--print"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad-magic.vcap"), "{err}");

    let cut = dir.path().join("cut.vcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 40]).unwrap();
    let out = vigil(&["replay", cut.to_str().unwrap(), "--print", "--json", "--no-rules"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cut.vcap") && err.contains("truncated at record"), "{err}");
    // the events before the cut are replayed
    assert!(lines(&out).len() >= 3, "{err}");

    let empty = dir.path().join("empty.vcap");
    std::fs::write(&empty, b"").unwrap();
    let out = vigil(&["replay", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn live_capture_then_replay_with_container_context() {
    let required = std::env::var("VIGIL_REQUIRE_KERNEL").as_deref() == Ok("1");
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    let docker = Command::new("docker")
        .arg("info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let docker = docker.is_ok_and(|s| s.success());
    if !(root && docker && Path::new("/sys/kernel/btf/vmlinux").exists()) {
        assert!(!required, "VIGIL_REQUIRE_KERNEL=1 but root, BTF or Docker is missing");
        eprintln!("skipping: needs root, BTF and Docker");
        return;
    }
    let image = "vigil-test-capture:1";
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("busybox");
    let rootfs = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(rootfs.path().join("bin")).unwrap();
    std::fs::copy(busybox, rootfs.path().join("bin/busybox")).unwrap();
    for a in ["sh", "cat", "sleep"] {
        std::os::unix::fs::symlink("busybox", rootfs.path().join("bin").join(a)).unwrap();
    }
    let st = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "tar -C {} -c . | docker import - {image} >/dev/null",
            rootfs.path().display()
        ))
        .status()
        .unwrap();
    assert!(st.success());

    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("live.vcap");
    let name = format!("vigil-capture-{}", std::process::id());
    let child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["capture", "-w", cap.to_str().unwrap(), "--duration", "6s"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let run = Command::new("docker")
        .args([
            "run",
            "--rm",
            "--name",
            &name,
            image,
            "sh",
            "-c",
            "sleep 1; cat /bin/sh > /dev/null",
        ])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!dir
        .path()
        .read_dir()
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));

    let out = vigil(&["replay", cap.to_str().unwrap(), "--print", "--json", "--no-rules"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ev = lines(&out);
    let cat = ev
        .iter()
        // busybox's sh runs applets through /proc/self/exe, so the kernel names the process `exe`
        .find(|e| {
            e["evt.type"] == "execve"
                && e["evt.args"].as_str().is_some_and(|a| a.contains("args=cat /bin/sh"))
                && e["container.name"] == name.as_str()
        })
        .unwrap_or_else(|| panic!("no exec of cat in container {name} among {} replayed events", ev.len()));
    assert_eq!(cat["container.image"], image);
    assert_eq!(cat["container.id"].as_str().unwrap().len(), 12);
}

#[test]
fn replay_runs_the_rules_with_selection_from_config_and_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("synthetic.vcap");
    synthetic_capture(&cap);
    let c = cap.to_str().unwrap();
    let alerts = |extra: &[&str]| -> Vec<Value> {
        let mut args = vec!["replay", c, "--json"];
        args.extend_from_slice(extra);
        let out = vigil(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        lines(&out)
    };
    // Vigil's default rules: cat reading /etc/shadow is an alert, with Falco's JSON keys
    let all = alerts(&[]);
    let shadow = all
        .iter()
        .find(|a| a["output_fields"]["fd.name"] == "/etc/shadow")
        .unwrap_or_else(|| panic!("an alert on /etc/shadow among {all:?}"));
    for key in [
        "time",
        "rule",
        "priority",
        "source",
        "hostname",
        "output",
        "output_fields",
        "tags",
    ] {
        assert!(shadow.get(key).is_some(), "key {key} missing: {shadow}");
    }
    assert_eq!(shadow["source"], "syscall");
    let rule = shadow["rule"].as_str().unwrap().to_string();

    // disabled by name on the command line, by tag, by the config file, below the priority
    assert!(alerts(&["--disable", &rule]).iter().all(|a| a["rule"] != rule.as_str()));
    let tag = shadow["tags"][0].as_str().unwrap().to_string();
    assert!(alerts(&["--disable-tag", &tag])
        .iter()
        .all(|a| a["rule"] != rule.as_str()));
    let cfg = dir.path().join("vigil.yaml");
    std::fs::write(&cfg, format!("rules:\n  - disable: {{rule: \"{rule}\"}}\n")).unwrap();
    assert!(alerts(&["--config", cfg.to_str().unwrap()])
        .iter()
        .all(|a| a["rule"] != rule.as_str()));
    std::fs::write(
        &cfg,
        format!("rules:\n  - disable: {{rule: \"*\"}}\n  - enable: {{rule: \"{rule}\"}}\n"),
    )
    .unwrap();
    let only = alerts(&["--config", cfg.to_str().unwrap()]);
    assert!(
        !only.is_empty() && only.iter().all(|a| a["rule"] == rule.as_str()),
        "the later entry wins: {only:?}"
    );
    assert!(alerts(&["--priority", "critical"])
        .iter()
        .all(|a| a["rule"] != rule.as_str()));

    // a user's own rule file instead of the defaults
    let rules = dir.path().join("mine.yaml");
    std::fs::write(
        &rules,
        "- rule: Cat in etc\n  desc: t\n  condition: evt.type=openat and proc.name=cat and fd.directory=/etc\n  output: \"cat opened %fd.name (parent %proc.pname)\"\n  priority: NOTICE\n",
    )
    .unwrap();
    let mine = alerts(&["-r", rules.to_str().unwrap()]);
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["rule"], "Cat in etc");
    assert_eq!(mine[0]["priority"], "Notice");
    assert!(
        mine[0]["output"]
            .as_str()
            .unwrap()
            .contains("cat opened /etc/shadow (parent sh)"),
        "{}",
        mine[0]
    );

    // a bad config key is an error naming file:line:col
    std::fs::write(&cfg, "priorty: warning\n").unwrap();
    let bad = vigil(&["replay", c, "--config", cfg.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("vigil.yaml:1:1: unknown key \"priorty\""));
}
