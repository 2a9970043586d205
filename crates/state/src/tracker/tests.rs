use super::*;
use crate::fd::{Fd, Role};
use std::net::Ipv4Addr;
use vigil_capture::abi::{self, tag};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::Tuple;

const ID: &str = "3f9b2c4e1a7d8f6b5c0e9d2a1b4c7e8f0a3d6c9b2e5f8a1d4c7b0e3f6a9c2d5e";

fn exec(pid: u32, ppid: u32, cgroup_id: u64, cgroup: &str, exe: &str, cwd: &str) -> Vec<u8> {
    RecordBuilder::new(abi::KIND_PROC_EXEC, 10, pid, pid)
        .ppid(ppid)
        .cgroup(cgroup_id)
        .comm("sh")
        .args_exec(pid)
        .field(tag::FILENAME, exe.as_bytes())
        .argv(&[exe, "-c", "true"])
        .path_rev(tag::EXEPATH, exe)
        .path_rev(tag::CWD, cwd)
        .path_rev(tag::CGROUP, cgroup)
        .procinfo(&ProcInfo {
            cap_effective: 0x1fff,
            loginuid: 1000,
            tty: 34816,
            vpid: 1,
            flags: abi::P_EXE_UPPER,
            ..ProcInfo::default()
        })
        .build()
}

trait ExecArgs {
    fn args_exec(self, old_pid: u32) -> Self;
}
impl ExecArgs for RecordBuilder {
    fn args_exec(self, old_pid: u32) -> Self {
        self.arg(0, u64::from(old_pid)).arg(1, 59)
    }
}

fn apply(t: &mut Tracker, rec: &[u8]) {
    let ev = vigil_capture::Event::decode(rec).unwrap();
    t.apply(&ev);
}

fn fd_name(t: &Tracker, pid: u32, fd: i32) -> Option<String> {
    t.process(pid)?.fds.get(fd).map(Fd::name)
}

#[test]
fn exec_then_relative_open_resolves_against_cwd() {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(
        &mut t,
        &exec(100, 1, 77, &format!("/docker/{ID}"), "/usr/bin/dash", "/srv/app"),
    );
    let p = t.process(100).unwrap();
    assert_eq!(&*p.exepath, "/usr/bin/dash");
    assert_eq!(&*p.cwd, "/srv/app");
    assert_eq!(p.argv.len(), 3);
    assert_eq!(p.loginuid(), Some(1000));
    assert!(p.info.exe_upper_layer());
    assert_eq!(p.container.as_ref().unwrap().short(), "3f9b2c4e1a7d");
    assert_eq!(t.cgroup(77).unwrap().unwrap().full(), ID);

    let rec = RecordBuilder::syscall("openat", 11, 100, 100)
        .cgroup(77)
        .arg(0, (-100i64) as u64)
        .str_arg(1, "../etc/./passwd")
        .res(3)
        .build();
    let ev = vigil_capture::Event::decode(&rec).unwrap();
    let e = t.apply(&ev);
    let (n, f) = e.fd.unwrap();
    assert_eq!(n, 3);
    assert_eq!(f.path(), Some("/srv/etc/passwd"));
    assert_eq!(f.name_raw(), Some("../etc/./passwd"));
    assert_eq!(f.typechar(), 'f');
    assert_eq!(e.container_short_id(), "3f9b2c4e1a7d");

    // openat relative to a directory fd.
    let dir = RecordBuilder::syscall("openat", 12, 100, 100)
        .arg(0, (-100i64) as u64)
        .arg(2, 0o200000)
        .str_arg(1, "/var/log")
        .res(4)
        .build();
    apply(&mut t, &dir);
    assert_eq!(t.process(100).unwrap().fds.get(4).unwrap().typechar(), 'd');
    let rel = RecordBuilder::syscall("openat", 13, 100, 100)
        .arg(0, 4)
        .str_arg(1, "syslog")
        .res(5)
        .build();
    apply(&mut t, &rel);
    assert_eq!(fd_name(&t, 100, 5).as_deref(), Some("/var/log/syslog"));
    // A failed open creates nothing.
    let fail = RecordBuilder::syscall("open", 14, 100, 100)
        .str_arg(0, "/x")
        .res(-2)
        .build();
    apply(&mut t, &fail);
    assert_eq!(t.process(100).unwrap().fds.len(), 3);
}

#[test]
fn dup2_then_close() {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(&mut t, &exec(5, 1, 0, "/", "/bin/x", "/"));
    apply(
        &mut t,
        &RecordBuilder::syscall("open", 1, 5, 5)
            .str_arg(0, "/tmp/a")
            .res(3)
            .build(),
    );
    apply(
        &mut t,
        &RecordBuilder::syscall("dup2", 2, 5, 5)
            .arg(0, 3)
            .arg(1, 1)
            .res(1)
            .build(),
    );
    assert_eq!(fd_name(&t, 5, 1).as_deref(), Some("/tmp/a"));
    apply(
        &mut t,
        &RecordBuilder::syscall("fcntl", 2, 5, 5)
            .arg(0, 3)
            .arg(1, 1030)
            .res(9)
            .build(),
    );
    assert_eq!(fd_name(&t, 5, 9).as_deref(), Some("/tmp/a"));
    let close = RecordBuilder::syscall("close", 3, 5, 5).arg(0, 3).res(0).build();
    let ev = vigil_capture::Event::decode(&close).unwrap();
    let e = t.apply(&ev);
    assert_eq!(
        e.fd.map(|(n, f)| (n, f.name())),
        Some((3, "/tmp/a".to_owned())),
        "close still shows the fd"
    );
    assert!(t.process(5).unwrap().fds.get(3).is_none());
    assert_eq!(fd_name(&t, 5, 1).as_deref(), Some("/tmp/a"));
}

#[test]
fn connect_fills_the_tuple() {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(&mut t, &exec(7, 1, 0, "/", "/usr/bin/curl", "/"));
    apply(
        &mut t,
        &RecordBuilder::syscall("socket", 1, 7, 7)
            .arg(0, 2)
            .arg(1, 1)
            .arg(2, 6)
            .res(4)
            .build(),
    );
    let tuple = Tuple {
        family: 2,
        sock_type: 1,
        proto: 6,
        local: (Ipv4Addr::new(10, 0, 0, 2).into(), 40000),
        remote: (Ipv4Addr::new(1, 2, 3, 4).into(), 443),
    };
    let rec = RecordBuilder::syscall("connect", 2, 7, 7)
        .arg(0, 4)
        .sockaddr(Ipv4Addr::new(1, 2, 3, 4).into(), 443)
        .tuple(&tuple)
        .res(0)
        .build();
    let ev = vigil_capture::Event::decode(&rec).unwrap();
    let e = t.apply(&ev);
    let (n, f) = e.fd.unwrap();
    assert_eq!(
        (n, f.name().as_str(), f.typechar()),
        (4, "10.0.0.2:40000->1.2.3.4:443", '4')
    );
    let i = f.inet().unwrap();
    assert_eq!((i.role, i.l4proto(), i.server().1), (Role::Client, "tcp", 443));

    // accept: a new fd, server side.
    let acc = Tuple {
        local: (Ipv4Addr::new(10, 0, 0, 2).into(), 8080),
        remote: (Ipv4Addr::new(9, 9, 9, 9).into(), 5555),
        ..tuple
    };
    apply(
        &mut t,
        &RecordBuilder::syscall("accept4", 3, 7, 7)
            .arg(0, 4)
            .tuple(&acc)
            .res(6)
            .build(),
    );
    assert_eq!(fd_name(&t, 7, 6).as_deref(), Some("9.9.9.9:5555->10.0.0.2:8080"));
    apply(
        &mut t,
        &RecordBuilder::syscall("pipe2", 4, 7, 7)
            .field(tag::FDS, &[8, 0, 0, 0, 9, 0, 0, 0])
            .res(0)
            .build(),
    );
    assert_eq!(t.process(7).unwrap().fds.get(9).unwrap().typechar(), 'p');
    apply(
        &mut t,
        &RecordBuilder::syscall("memfd_create", 5, 7, 7)
            .str_arg(0, "payload")
            .res(10)
            .build(),
    );
    assert_eq!(fd_name(&t, 7, 10).as_deref(), Some("memfd:payload"));
}

#[test]
fn fork_inherits_fds_and_container_and_threads_map_only() {
    let mut t = Tracker::new(TrackerConfig::default());
    let cg = format!("/system.slice/docker-{ID}.scope");
    apply(&mut t, &exec(10, 1, 55, &cg, "/bin/sh", "/work"));
    apply(
        &mut t,
        &RecordBuilder::syscall("open", 1, 10, 10)
            .str_arg(0, "log")
            .res(3)
            .build(),
    );
    let fork = RecordBuilder::new(abi::KIND_PROC_FORK, 2, 10, 10)
        .cgroup(55)
        .arg(0, 11)
        .arg(1, 11)
        .res(11)
        .path_rev(tag::CGROUP, &cg)
        .procinfo(&ProcInfo {
            start_time: 99,
            ..ProcInfo::default()
        })
        .build();
    apply(&mut t, &fork);
    let c = t.process(11).unwrap();
    assert_eq!((c.ppid, &*c.exepath, &*c.cwd), (10, "/bin/sh", "/work"));
    assert_eq!(c.fds.get(3).and_then(Fd::path), Some("/work/log"));
    assert_eq!(c.container.as_ref().unwrap().full(), ID);
    assert_eq!(c.info.start_time, 99);
    // A thread: only the tid map.
    let th = RecordBuilder::new(abi::KIND_PROC_FORK, 3, 10, 10)
        .arg(0, 12)
        .arg(1, 10)
        .procinfo(&ProcInfo {
            flags: abi::P_THREAD,
            ..ProcInfo::default()
        })
        .build();
    apply(&mut t, &th);
    assert!(t.process(12).is_none());
    assert_eq!(t.thread(12).unwrap().pid, 10);
    let names: Vec<u32> = t.ancestors(11).map(|p| p.pid).collect();
    assert_eq!(names, [11, 10]);
}

#[test]
fn exit_then_reap() {
    let cfg = TrackerConfig {
        keep_exited: 2,
        ..TrackerConfig::default()
    };
    let mut t = Tracker::new(cfg);
    for pid in 100..104 {
        apply(&mut t, &exec(pid, 1, 0, "/", "/bin/true", "/"));
    }
    let exit = |pid: u32| RecordBuilder::new(abi::KIND_PROC_EXIT, 50, pid, pid).arg(0, 1).build();
    apply(&mut t, &exit(100));
    assert!(t.process(100).unwrap().exited_ns.is_some(), "kept for late events");
    apply(&mut t, &exit(101));
    apply(&mut t, &exit(102));
    assert!(t.process(100).is_none(), "oldest exited reaped");
    assert!(t.process(101).is_some() && t.process(103).unwrap().exited_ns.is_none());
    assert_eq!(t.stats().reaped, 1);
}

#[test]
fn ten_thousand_processes_churning_stay_bounded() {
    let cfg = TrackerConfig {
        max_processes: 10_000,
        keep_exited: 512,
        ..TrackerConfig::default()
    };
    let mut t = Tracker::new(cfg);
    for i in 0..10_000u32 {
        apply(&mut t, &exec(1000 + i, 1, 0, "/", "/bin/sleep", "/"));
        apply(
            &mut t,
            &RecordBuilder::syscall("open", 1, 1000 + i, 1000 + i)
                .str_arg(0, "/etc/hosts")
                .res(3)
                .build(),
        );
    }
    assert_eq!(t.stats().processes, 10_000);
    // Churn: 30,000 short-lived children, half of whose exits are lost.
    for i in 0..30_000u32 {
        let pid = 100_000 + i;
        let fork = RecordBuilder::new(abi::KIND_PROC_FORK, u64::from(i), 1000, 1000)
            .arg(0, u64::from(pid))
            .arg(1, u64::from(pid))
            .build();
        apply(&mut t, &fork);
        if i % 2 == 0 {
            apply(
                &mut t,
                &RecordBuilder::new(abi::KIND_PROC_EXIT, u64::from(i), pid, pid)
                    .arg(0, 1)
                    .build(),
            );
        }
    }
    let s = t.stats();
    assert!(s.processes <= 10_000, "{s:?}");
    assert!(s.reaped > 10_000 && s.process_evictions > 0, "{s:?}");
}

#[test]
fn unknown_cgroup_falls_back_to_the_process_container() {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(&mut t, &exec(20, 1, 300, &format!("/docker/{ID}"), "/bin/sh", "/"));
    let rec = RecordBuilder::syscall("unlink", 1, 20, 20)
        .cgroup(999)
        .str_arg(0, "/x")
        .build();
    let ev = vigil_capture::Event::decode(&rec).unwrap();
    assert_eq!(t.apply(&ev).container_short_id(), "3f9b2c4e1a7d");
    assert_eq!(t.stats().unknown_cgroups, 1);
    // A process seen only in a header, with an unknown cgroup and no mount to rescan: host view.
    let rec = RecordBuilder::syscall("unlink", 1, 21, 21)
        .cgroup(998)
        .comm("x")
        .str_arg(0, "/x")
        .build();
    let ev = vigil_capture::Event::decode(&rec).unwrap();
    let e = t.apply(&ev);
    assert!(e.container_id.is_none());
    assert_eq!(&*e.process.unwrap().comm, "x");
    assert_eq!(t.stats().partial_processes, 1);
}

#[test]
fn unknown_cgroup_rescans_the_mount() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(format!("system.slice/docker-{ID}.scope"));
    std::fs::create_dir_all(&dir).unwrap();
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&dir).unwrap());
    let cfg = TrackerConfig {
        cgroup: Some(Hierarchy {
            subsys_index: None,
            mount: tmp.path().to_owned(),
            root: "/".into(),
            controller: None,
        }),
        ..TrackerConfig::default()
    };
    let mut t = Tracker::new(cfg);
    let rec = RecordBuilder::syscall("unlink", 1, 30, 30)
        .cgroup(ino)
        .str_arg(0, "/x")
        .build();
    let ev = vigil_capture::Event::decode(&rec).unwrap();
    assert_eq!(t.apply(&ev).container_short_id(), "3f9b2c4e1a7d");
    assert_eq!(t.stats().cgroup_rescans, 1);
}

#[test]
fn setuid_chdir_setsid() {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(&mut t, &exec(40, 1, 0, "/", "/bin/sh", "/home"));
    apply(
        &mut t,
        &RecordBuilder::syscall("chdir", 1, 40, 40)
            .str_arg(0, "u/../v")
            .res(0)
            .build(),
    );
    assert_eq!(&*t.process(40).unwrap().cwd, "/home/v");
    apply(
        &mut t,
        &RecordBuilder::syscall("setresuid", 2, 40, 40)
            .arg(0, 0)
            .arg(1, 0)
            .arg(2, 0)
            .res(0)
            .build(),
    );
    apply(
        &mut t,
        &RecordBuilder::syscall("setuid", 2, 40, 40).arg(0, 1000).res(-1).build(),
    );
    assert_eq!(t.process(40).unwrap().euid, 0, "failed setuid changes nothing");
    apply(&mut t, &RecordBuilder::syscall("setsid", 3, 40, 40).res(40).build());
    assert_eq!(t.process(40).unwrap().info.sid, 40);
}

#[test]
fn snapshot_round_trip() {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(&mut t, &exec(50, 1, 88, &format!("/docker/{ID}"), "/bin/sh", "/w"));
    apply(
        &mut t,
        &RecordBuilder::syscall("open", 1, 50, 50).str_arg(0, "f").res(3).build(),
    );
    let mut users = Users::default();
    users.users = crate::users::parse_passwd(b"root:x:0:0::/root:/bin/sh\n");
    t.containers_mut().set_users(ID, users);
    let snap = t.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    let back: crate::Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snap);
    let mut r = Tracker::from_snapshot(back);
    assert_eq!(fd_name(&r, 50, 3).as_deref(), Some("/w/f"));
    assert_eq!(r.snapshot(), snap);
    // Replay resolves as live did: container by cgroup id, user names from the container.
    let rec = RecordBuilder::syscall("unlink", 2, 50, 50)
        .cgroup(88)
        .str_arg(0, "/x")
        .build();
    let ev = vigil_capture::Event::decode(&rec).unwrap();
    let e = r.apply(&ev);
    assert_eq!(e.container_id.as_ref().unwrap().full(), ID);
    assert_eq!(e.user_name(), Some("root"));
    // A hostile snapshot: a bad container id is refused.
    let bad = json.replace(ID, "not-an-id");
    assert!(serde_json::from_str::<crate::Snapshot>(&bad).is_err());
}

#[test]
fn bootstrap_real_proc_finds_this_process() {
    let mut t = Tracker::new(TrackerConfig::default());
    let file = std::fs::File::open("/proc/self/stat").unwrap();
    let r = t.bootstrap_proc(std::path::Path::new("/proc"), None);
    assert!(r.processes > 1, "{r:?}");
    let me = t.process(std::process::id()).unwrap();
    let exe = std::env::current_exe().unwrap();
    assert_eq!(&*me.exepath, exe.to_str().unwrap());
    assert!(me.info.exe_ino != 0);
    assert!(
        me.fds
            .iter()
            .any(|(_, f)| f.path() == Some(&*format!("/proc/{}/stat", std::process::id()))),
        "the open file is listed"
    );
    drop(file);
}

#[test]
fn bootstrap_synthetic_proc_with_fds_and_cgroup_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("proc");
    let cgmount = tmp.path().join("cgroup");
    let cgdir = cgmount.join(format!("system.slice/docker-{ID}.scope"));
    std::fs::create_dir_all(&cgdir).unwrap();
    let dir = root.join("200");
    std::fs::create_dir_all(dir.join("fd")).unwrap();
    std::fs::create_dir_all(dir.join("task/201")).unwrap();
    std::fs::write(
        dir.join("stat"),
        "200 (sh) S 1 200 200 34816 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 500 0 0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("status"),
        "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t200\t1\nCapInh:\t0000000000000010\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n",
    )
    .unwrap();
    std::fs::write(dir.join("cmdline"), b"/bin/sh\0-c\0x\0").unwrap();
    std::fs::write(dir.join("cgroup"), format!("0::/system.slice/docker-{ID}.scope\n")).unwrap();
    std::os::unix::fs::symlink("/bin/sh", dir.join("exe")).unwrap();
    std::os::unix::fs::symlink("/", dir.join("cwd")).unwrap();
    std::os::unix::fs::symlink("socket:[123]", dir.join("fd/3")).unwrap();
    std::os::unix::fs::symlink("pipe:[456]", dir.join("fd/4")).unwrap();
    std::os::unix::fs::symlink("/var/log/x", dir.join("fd/5")).unwrap();
    let mut t = Tracker::new(TrackerConfig::default());
    let r = t.bootstrap_proc(&root, Some(&cgmount));
    assert_eq!((r.processes, r.threads, r.fds, r.containers), (1, 1, 3, 1));
    let p = t.process(200).unwrap();
    assert_eq!(
        (p.info.tty, p.info.sid, p.info.vpid, p.info.cap_inheritable),
        (34816, 200, 1, 0x10)
    );
    assert_eq!(p.fds.get(4).unwrap().name(), "pipe:[456]");
    assert_eq!(p.fds.get(3).unwrap().name(), "socket:[123]");
    assert_eq!(t.thread(201).unwrap().pid, 200);
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&cgdir).unwrap());
    assert_eq!(t.cgroup(ino).unwrap().unwrap().full(), ID);
}
