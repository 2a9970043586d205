use super::*;

const ID: &str = "3f9b2c4e1a7d8f6b5c0e9d2a1b4c7e8f0a3d6c9b2e5f8a1d4c7b0e3f6a9c2d5e";

/// A stat line as the kernel writes it, with `comm` and the fields that matter filled in.
fn stat_line(pid: u32, comm: &str, ppid: u32, tty: i64, threads: u32, start: u64) -> String {
    format!(
        "{pid} ({comm}) S {ppid} {pid} {pid} {tty} -1 4194560 1 0 0 0 0 0 0 0 20 0 {threads} 0 {start} 10240000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
    )
}

fn write_proc(root: &Path, pid: u32, comm: &str, ppid: u32, cmdline: &[u8], cgroup: &str) {
    let dir = root.join(pid.to_string());
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("stat"), stat_line(pid, comm, ppid, 34816, 3, 12345)).unwrap();
    fs::write(
        dir.join("status"),
        format!(
            "Name:\t{comm}\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t{pid}\nPPid:\t{ppid}\n\
             Uid:\t1000\t0\t0\t0\nGid:\t100\t101\t101\t101\nThreads:\t3\n\
             CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n\
             CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
        ),
    )
    .unwrap();
    fs::write(dir.join("cmdline"), cmdline).unwrap();
    fs::write(dir.join("cgroup"), cgroup).unwrap();
    fs::write(dir.join("loginuid"), "1000").unwrap();
    std::os::unix::fs::symlink("/usr/bin/my prog", dir.join("exe")).unwrap();
    std::os::unix::fs::symlink("/srv/work", dir.join("cwd")).unwrap();
}

#[test]
fn stat_with_spaces_and_parentheses_in_comm() {
    let p = parse_stat(&stat_line(42, "a) (b) S 9 x", 7, 34816, 5, 250)).unwrap();
    assert_eq!(p.pid, 42);
    assert_eq!(p.comm, "a) (b) S 9 x");
    assert_eq!(p.ppid, 7);
    assert_eq!(p.tty, 34816);
    assert_eq!(p.threads, 5);
    assert_eq!(p.start_ns, 2_500_000_000, "250 ticks at 100 Hz");
    let p = parse_stat(&stat_line(43, "", 1, 0, 1, 0)).unwrap();
    assert_eq!(p.comm, "");
}

#[test]
fn malformed_stat_is_none() {
    for s in [
        "",
        "1 (x",
        "1 x) S 2",
        "1 (x) S",
        "1 (x) S notanumber 1 1 0",
        "x (y) S 1 1 1 0",
    ] {
        assert!(parse_stat(s).is_none(), "{s:?}");
    }
    // Truncated before starttime (field 22).
    assert!(parse_stat("1 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0").is_none());
}

#[test]
fn cmdline_split() {
    assert_eq!(split_cmdline(b"/bin/sh\0-c\0echo a b\0"), ["/bin/sh", "-c", "echo a b"]);
    assert_eq!(split_cmdline(b"nginx: master process"), ["nginx: master process"]);
    assert_eq!(split_cmdline(b"a\0\0b\0"), ["a", "", "b"]);
    assert!(split_cmdline(b"").is_empty());
    let many = "x\0".repeat(MAX_ARGS + 50);
    assert_eq!(split_cmdline(many.as_bytes()).len(), MAX_ARGS);
}

#[test]
fn synthetic_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write_proc(root, 1, "systemd", 0, b"/sbin/init\0", "0::/init.scope\n");
    write_proc(
        root,
        100,
        "containerd-shim",
        1,
        b"shim\0",
        "0::/system.slice/containerd.service\n",
    );
    write_proc(
        root,
        200,
        "sh (x)",
        100,
        b"/bin/sh\0-c\0sleep 60\0",
        &format!("12:pids:/docker/{ID}\n0::/system.slice/docker-{ID}.scope\n"),
    );
    write_proc(
        root,
        300,
        "sleep",
        200,
        b"sleep\x0060\0",
        &format!("0::/system.slice/docker-{ID}.scope\n"),
    );
    // A directory whose files vanished, and non-pid entries.
    fs::create_dir_all(root.join("400")).unwrap();
    fs::create_dir_all(root.join("self")).unwrap();
    fs::write(root.join("uptime"), "1 1").unwrap();

    let t = ProcessTable::bootstrap(root, 100).unwrap();
    assert_eq!(t.len(), 4);
    assert_eq!(t.skipped, 1);
    let sh = t.get(200).unwrap();
    assert_eq!(sh.comm, "sh (x)");
    assert_eq!(sh.ppid, 100);
    assert_eq!(sh.argv, ["/bin/sh", "-c", "sleep 60"]);
    assert_eq!(sh.exe.as_deref(), Some("/usr/bin/my prog"));
    assert_eq!(sh.cwd.as_deref(), Some("/srv/work"));
    assert_eq!((sh.uid, sh.euid, sh.gid, sh.egid), (1000, 0, 100, 101));
    assert_eq!(sh.loginuid, Some(1000));
    assert_eq!(sh.cap_effective, 0xa80425fb);
    assert_eq!(sh.cap_permitted, 0xa80425fb);
    assert_eq!(sh.cap_bounding, 0x1ffffffffff);
    assert_eq!(sh.threads, 3);
    assert_eq!(sh.tty, 34816);
    assert_eq!(sh.start_ns, 123_450_000_000);
    assert_eq!(sh.container.as_ref().map(|c| c.short()), Some("3f9b2c4e1a7d"));
    assert_eq!(t.get(100).unwrap().container, None);

    let names: Vec<&str> = t.ancestors(300).map(|p| p.comm.as_str()).collect();
    assert_eq!(names, ["sleep", "sh (x)", "containerd-shim", "systemd"]);
    assert_eq!(t.ancestors(999).count(), 0);

    let err = read_process(root, 400).unwrap_err();
    assert!(err.is_vanished(), "{err}");
    assert!(read_process(root, 401).unwrap_err().is_vanished());
}

#[test]
fn ancestors_stop_on_loops() {
    let mut t = ProcessTable::new(10);
    t.insert(Process {
        pid: 5,
        ppid: 6,
        comm: "a".into(),
        ..Process::default()
    });
    t.insert(Process {
        pid: 6,
        ppid: 5,
        comm: "b".into(),
        ..Process::default()
    });
    assert_eq!(t.ancestors(5).count(), MAX_ANCESTORS);
    t.insert(Process {
        pid: 7,
        ppid: 7,
        ..Process::default()
    });
    assert_eq!(t.ancestors(7).count(), 1);
}

#[test]
fn table_stays_bounded() {
    let mut t = ProcessTable::new(3);
    for pid in 1..=3 {
        t.insert(Process {
            pid,
            ppid: pid - 1,
            ..Process::default()
        });
    }
    t.insert(Process {
        pid: 4,
        ..Process::default()
    });
    assert_eq!(
        (t.len(), t.dropped),
        (3, 1),
        "full of live processes: dropped and counted"
    );
    t.exit(2, 99);
    assert_eq!(
        t.get(2).unwrap().exited_ns,
        Some(99),
        "an exited process stays until reaped"
    );
    assert_eq!(t.ancestors(3).count(), 3);
    t.insert(Process {
        pid: 5,
        ..Process::default()
    });
    assert_eq!(t.len(), 3, "the exited process was reaped to make room");
    assert!(t.get(2).is_none() && t.get(5).is_some());
    // Replacing an existing pid (exec) never needs room.
    t.insert(Process {
        pid: 5,
        comm: "new".into(),
        ..Process::default()
    });
    assert_eq!(t.get(5).unwrap().comm, "new");
    t.exit(1, 1);
    t.exit(3, 1);
    assert_eq!(t.reap(), 2);
    assert_eq!(t.len(), 1);
}

#[test]
fn bootstrap_real_proc() {
    let t = ProcessTable::bootstrap(Path::new("/proc"), 1_000_000).unwrap();
    let me = t.get(std::process::id()).expect("our own pid");
    let exe = std::env::current_exe().unwrap();
    assert_eq!(me.exe.as_deref(), exe.to_str());
    let args: Vec<String> = std::env::args().collect();
    assert_eq!(me.argv, args);
    assert_eq!(me.cwd.as_deref(), std::env::current_dir().unwrap().to_str());
    assert!(me.threads >= 1);
    assert!(me.start_ns > 0);
    assert!(t.get(1).is_some(), "pid 1");
    // Our ancestor chain reaches pid 1 (or a pid outside our pid namespace view).
    let chain: Vec<u32> = t.ancestors(me.pid).map(|p| p.pid).collect();
    assert_eq!(chain[0], me.pid);
    assert!(chain.len() >= 2, "{chain:?}");
    assert_eq!(
        me.uid,
        fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<u32>()
            .unwrap()
    );
}
