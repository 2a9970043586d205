//! Field extraction on events built as the probe writes them and applied to a real tracker.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::ops::ControlFlow;

use vigil_capture::abi::{self, tag};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::{Event, ProcInfo, Tuple};
use vigil_state::snapshot::{ContainerSnapshot, Snapshot, SNAPSHOT_VERSION};
use vigil_state::{ContainerInfo, Enriched, ImageRef, K8s, Mount, Tracker, TrackerConfig, Users};

use super::*;
use crate::table::{ArgSpec, FieldTable};
use crate::value::{Cardinality, FieldType, Scratch};
use crate::{compile, parse};

const CID: &str = "3f9b2c4e1a7d8f6b5c0e9d2a1b4c7e8f0a3d6c9b2e5f8a1d4c7b0e3f6a9c2d5e";

/// An extracted value, owned, for assertions.
#[derive(Debug, Clone, PartialEq)]
enum V {
    S(String),
    N(i128),
    B(bool),
    Ip(IpAddr),
    Missing,
}

fn own(v: Value<'_>) -> V {
    match v {
        Value::Str(s) => V::S(String::from_utf8_lossy(s).into_owned()),
        Value::Num(n) => V::N(i128::from(n)),
        Value::UNum(n) => V::N(i128::from(n)),
        Value::Bool(b) => V::B(b),
        Value::Ip(i) => V::Ip(i),
        Value::Missing => V::Missing,
    }
}

fn s(v: &str) -> V {
    V::S(v.to_owned())
}

/// Resolves `name` (with an optional `[arg]`) and extracts it from `x`.
fn get(x: &dyn Fields, name: &str) -> V {
    let (base, arg) = match name.split_once('[') {
        Some((b, a)) => (b, Some(a.trim_end_matches(']'))),
        None => (name, None),
    };
    let info = table().resolve(base, arg).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(info.card, Cardinality::One, "{name} is multi-valued; use all()");
    let mut buf = Vec::new();
    own(x.get(&info.field, &mut buf))
}

/// Every value of a multi-valued field.
fn all(x: &dyn Fields, name: &str) -> Vec<V> {
    let info = table().resolve(name, None).unwrap();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    x.for_each(&info.field, &mut buf, &mut |v| {
        out.push(own(v));
        ControlFlow::Continue(())
    });
    out
}

fn holds(x: &dyn Fields, cond: &str) -> bool {
    let c = compile(&parse(cond).unwrap(), &table()).unwrap_or_else(|e| panic!("{cond}: {e}"));
    c.matches(x, &mut Scratch::new())
}

fn exec(pid: u32, ppid: u32, comm_before: &str, exe: &str, argv: &[&str], cwd: &str) -> Vec<u8> {
    exec_in(pid, ppid, comm_before, exe, argv, cwd, 0, "/user.slice")
}

#[allow(clippy::too_many_arguments)]
fn exec_in(pid: u32, ppid: u32, comm: &str, exe: &str, argv: &[&str], cwd: &str, cg: u64, cgpath: &str) -> Vec<u8> {
    RecordBuilder::new(abi::KIND_PROC_EXEC, 1_000 + u64::from(pid), pid, pid)
        .ppid(ppid)
        .ids(1000, 1000)
        .cgroup(cg)
        .comm(comm)
        .arg(0, u64::from(pid))
        .arg(1, 59)
        .field(tag::FILENAME, exe.as_bytes())
        .argv(argv)
        .path_rev(tag::EXEPATH, exe)
        .path_rev(tag::CWD, cwd)
        .path_rev(tag::CGROUP, cgpath)
        .procinfo(&ProcInfo {
            cap_effective: (1 << 0) | (1 << 21),
            loginuid: u32::MAX,
            tty: 34816,
            sid: ppid,
            vpid: pid,
            uid: 1000,
            gid: 1000,
            start_time: 1_000,
            exe_ino: 4242,
            flags: abi::P_EXE_UPPER,
            ..ProcInfo::default()
        })
        .build()
}

fn apply(t: &mut Tracker, rec: &[u8]) {
    let ev = Event::decode(rec).unwrap();
    t.apply(&ev);
}

/// Applies `rec` and runs `f` on its view.
fn on<R>(t: &mut Tracker, rec: &[u8], f: impl FnOnce(&Enriched<'_>) -> R) -> R {
    let ev = Event::decode(rec).unwrap();
    let e = t.apply(&ev);
    f(&e)
}

/// A shell (pid 10) that ran `cat` (pid 20) with cwd /home/u.
fn shell_and_cat() -> Tracker {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(&mut t, &exec(10, 1, "sshd", "/usr/bin/bash", &["-bash"], "/home/u"));
    apply(
        &mut t,
        &exec(
            20,
            10,
            "bash",
            "/usr/bin/cat",
            &["cat", "-n", "../u/notes.txt"],
            "/home/u",
        ),
    );
    t
}

#[test]
fn ids_name_their_rows() {
    assert_eq!(table::ID_NAMES.len(), TABLE.len());
    for (i, (cname, id)) in table::ID_NAMES.iter().enumerate() {
        assert_eq!(*id as usize, i);
        let derived = TABLE[i].name.to_ascii_uppercase().replace('.', "_");
        assert_eq!(&derived, cname, "row {i}");
    }
}

#[test]
fn table_is_well_formed() {
    let mut names = HashSet::new();
    for spec in TABLE {
        assert!(names.insert(spec.name), "duplicate {}", spec.name);
        assert!(!spec.desc.trim().is_empty(), "{} has no description", spec.name);
    }
    let mut unsupported = HashSet::new();
    for n in UNSUPPORTED {
        assert!(names.contains(n), "{n} is listed unsupported but not in the table");
        assert!(unsupported.insert(n), "{n} listed twice");
    }
    // Classes are contiguous, in the order the dispatcher relies on.
    let class_at = |i: u32| class_of(TABLE[i as usize].name);
    for (i, spec) in TABLE.iter().enumerate() {
        let i = i as u32;
        let want = if i < id::PROC_EXE {
            "evt"
        } else if i < id::USER_UID {
            "proc"
        } else if i < id::FD_NUM {
            if class_of(spec.name) == "group" {
                "group"
            } else {
                "user"
            }
        } else if i < id::FS_PATH_NAME {
            "fd"
        } else if i < id::CONTAINER_ID {
            "fs.path"
        } else if i < id::K8S_NS_NAME {
            "container"
        } else {
            "k8s"
        };
        assert_eq!(class_at(i), want, "{}", spec.name);
    }
    // The minimum list of the runtime doc.
    for n in [
        "evt.type",
        "evt.num",
        "evt.time",
        "evt.time.iso8601",
        "evt.res",
        "evt.rawres",
        "evt.args",
        "evt.arg",
        "evt.rawarg",
        "evt.is_open_read",
        "evt.is_open_write",
        "evt.is_open_exec",
        "evt.dir",
        "evt.hostname",
        "evt.source",
        "proc.name",
        "proc.exe",
        "proc.exepath",
        "proc.args",
        "proc.cmdline",
        "proc.cwd",
        "proc.pid",
        "proc.ppid",
        "proc.tty",
        "proc.duration",
        "proc.sname",
        "proc.vpid",
        "proc.pname",
        "proc.pexe",
        "proc.pexepath",
        "proc.pcmdline",
        "proc.aname",
        "proc.aexepath",
        "proc.apid",
        "proc.is_exe_upper_layer",
        "proc.is_exe_from_memfd",
        "proc.exe_ino.ctime",
        "proc.exe_ino.mtime",
        "proc.is_container_healthcheck",
        "thread.cap_effective",
        "thread.tid",
        "user.uid",
        "user.name",
        "user.loginuid",
        "user.loginname",
        "group.gid",
        "group.name",
        "fd.name",
        "fd.nameraw",
        "fd.directory",
        "fd.filename",
        "fd.num",
        "fd.type",
        "fd.typechar",
        "fd.l4proto",
        "fd.sip",
        "fd.cip",
        "fd.lip",
        "fd.rip",
        "fd.sport",
        "fd.cport",
        "fd.lport",
        "fd.rport",
        "fd.ip",
        "fd.port",
        "fd.net",
        "fd.snet",
        "fd.sip.name",
        "fd.connected",
        "fd.name_changed",
        "container.id",
        "container.full_id",
        "container.name",
        "container.image",
        "container.image.repository",
        "container.image.tag",
        "container.image.digest",
        "container.privileged",
        "container.start_ts",
        "container.label",
        "container.mount",
        "k8s.ns.name",
        "k8s.pod.name",
        "k8s.pod.uid",
        "k8s.pod.label",
        "proc.env",
        "proc.sid",
        "proc.loginshellid",
        "fd.cnet",
        "fd.rnet",
        "fd.lnet",
        "fd.sockfamily",
        "fd.cip.name",
        "fd.rip.name",
        "fd.lip.name",
        "fd.containername",
        "container.mounts",
        "container.mount.dest",
        "container.mount.source",
        "evt.buffer",
        "thread.cap_permitted",
        "fs.path.name",
    ] {
        assert!(names.contains(n), "{n} missing from the table");
    }
    assert!(TABLE.len() > 230, "{} fields", TABLE.len());
}

#[test]
fn every_field_compiles_in_a_condition() {
    let t = table();
    for spec in TABLE {
        let forms: Vec<String> = match spec.arg {
            ArgSpec::None => vec![spec.name.to_owned()],
            ArgSpec::Index => vec![format!("{}[0]", spec.name)],
            ArgSpec::IndexOrAny => vec![spec.name.to_owned(), format!("{}[1]", spec.name)],
            ArgSpec::Key => vec![format!("{}[k]", spec.name)],
            ArgSpec::KeyOrIndex => vec![format!("{}.flags", spec.name), format!("{}[0]", spec.name)],
        };
        for f in forms {
            let cond = format!("{f} exists");
            let expr = parse(&cond).unwrap_or_else(|e| panic!("{cond}: {e}"));
            compile(&expr, &t).unwrap_or_else(|e| panic!("{cond}: {e}"));
        }
    }
    // Types are checked: an IP field refuses `contains`, a bool refuses `>`.
    assert!(compile(&parse("fd.sip contains 1").unwrap(), &t).is_err());
    assert!(compile(&parse("evt.failed > 1").unwrap(), &t).is_err());
    assert!(compile(&parse("proc.name[1] exists").unwrap(), &t).is_err());
    assert!(compile(&parse("container.label exists").unwrap(), &t).is_err());
    assert_eq!(
        t.resolve("fd.ip", None).unwrap().ty,
        FieldType::Ip,
        "fd.ip compares with addresses and networks"
    );
}

#[test]
fn proc_and_open_fields() {
    let mut t = shell_and_cat();
    let open = RecordBuilder::syscall("openat", 5_000, 20, 20)
        .ids(1000, 1000)
        .arg(0, (-100i64) as u64)
        .str_arg(1, "../u/notes.txt")
        .arg(2, 0o2000000)
        .res(3)
        .build();
    on(&mut t, &open, |e| {
        assert_eq!(get(e, "proc.name"), s("cat"));
        assert_eq!(get(e, "proc.exe"), s("cat"));
        assert_eq!(get(e, "proc.exepath"), s("/usr/bin/cat"));
        assert_eq!(get(e, "proc.args"), s("-n ../u/notes.txt"));
        assert_eq!(get(e, "proc.cmdline"), s("cat -n ../u/notes.txt"));
        assert_eq!(get(e, "proc.exeline"), s("cat -n ../u/notes.txt"));
        assert_eq!(get(e, "proc.cmdnargs"), V::N(2));
        assert_eq!(get(e, "proc.cmdlenargs"), V::N(16));
        assert_eq!(get(e, "proc.cwd"), s("/home/u"));
        assert_eq!(get(e, "proc.pid"), V::N(20));
        assert_eq!(get(e, "proc.ppid"), V::N(10));
        assert_eq!(get(e, "proc.pname"), s("bash"));
        assert_eq!(get(e, "proc.pexe"), s("-bash"));
        assert_eq!(get(e, "proc.pexepath"), s("/usr/bin/bash"));
        assert_eq!(get(e, "proc.pcmdline"), s("bash"));
        assert_eq!(get(e, "proc.aname[0]"), s("cat"));
        assert_eq!(get(e, "proc.aname[1]"), s("bash"));
        assert_eq!(get(e, "proc.apid[1]"), V::N(10));
        assert_eq!(get(e, "proc.aexepath[1]"), s("/usr/bin/bash"));
        assert_eq!(get(e, "proc.aname[2]"), V::Missing, "pid 1 was never seen");
        assert_eq!(
            all(e, "proc.aname"),
            vec![s("bash")],
            "any ancestor: not the process itself"
        );
        assert_eq!(get(e, "proc.loginshellid"), V::N(10));
        assert_eq!(get(e, "proc.tty"), V::N(34816));
        assert_eq!(get(e, "proc.vpid"), V::N(20));
        assert_eq!(get(e, "proc.sid"), V::N(10));
        assert_eq!(get(e, "proc.sname"), s("bash"));
        assert_eq!(get(e, "proc.duration"), V::N(4_000));
        assert_eq!(get(e, "proc.is_exe_upper_layer"), V::B(true));
        assert_eq!(get(e, "proc.is_exe_from_memfd"), V::B(false));
        assert_eq!(get(e, "proc.exe_ino"), V::N(4242));
        assert_eq!(get(e, "thread.cap_effective"), s("CAP_CHOWN CAP_SYS_ADMIN"));
        assert_eq!(get(e, "thread.tid"), V::N(20));
        assert_eq!(get(e, "thread.ismain"), V::B(true));
        assert_eq!(get(e, "thread.nametid"), s("cat20"));
        assert_eq!(get(e, "user.uid"), V::N(1000));
        assert_eq!(get(e, "user.loginuid"), V::N(-1));
        assert_eq!(get(e, "user.loginname"), V::Missing);
        assert_eq!(get(e, "group.gid"), V::N(1000));

        assert_eq!(get(e, "evt.type"), s("openat"));
        assert_eq!(get(e, "evt.dir"), s("<"));
        assert_eq!(get(e, "evt.res"), s("SUCCESS"));
        assert_eq!(get(e, "evt.rawres"), V::N(3));
        assert_eq!(get(e, "evt.failed"), V::B(false));
        assert_eq!(get(e, "evt.is_open_read"), V::B(true));
        assert_eq!(get(e, "evt.is_open_write"), V::B(false));
        assert_eq!(get(e, "evt.is_open_create"), V::B(false));
        assert_eq!(get(e, "evt.arg[flags]"), s("O_RDONLY|O_CLOEXEC"));
        assert_eq!(get(e, "evt.arg[name]"), s("../u/notes.txt"));
        assert_eq!(get(e, "evt.arg[dirfd]"), s("AT_FDCWD"));
        assert_eq!(get(e, "evt.arg[fd]"), s("3"));
        assert_eq!(get(e, "evt.arg[1]"), s("../u/notes.txt"));
        assert_eq!(get(e, "evt.arg[nosuch]"), V::Missing);
        assert_eq!(get(e, "evt.rawarg[flags]"), V::N(0o2000000));
        assert_eq!(get(e, "evt.rawarg[dirfd]"), V::N(-100));
        assert_eq!(get(e, "evt.category"), s("file"));
        assert_eq!(get(e, "evt.source"), s("syscall"));
        assert_eq!(get(e, "evt.count.error"), V::N(0));
        assert_eq!(get(e, "evt.time"), V::Missing, "no boot time without a Host");
        assert_eq!(
            get(e, "evt.args"),
            s("dirfd=AT_FDCWD name=../u/notes.txt flags=O_RDONLY|O_CLOEXEC mode=00 res=3")
        );

        assert_eq!(get(e, "fd.num"), V::N(3));
        assert_eq!(get(e, "fd.type"), s("file"));
        assert_eq!(get(e, "fd.typechar"), s("f"));
        assert_eq!(get(e, "fd.name"), s("/home/u/notes.txt"));
        assert_eq!(get(e, "fd.nameraw"), s("../u/notes.txt"));
        assert_eq!(get(e, "fd.directory"), s("/home/u"));
        assert_eq!(get(e, "fd.filename"), s("notes.txt"));
        assert_eq!(get(e, "fd.containername"), s("host:/home/u/notes.txt"));
        assert_eq!(get(e, "fd.sip"), V::Missing);
        assert_eq!(get(e, "fs.path.name"), s("/home/u/notes.txt"));
        assert_eq!(get(e, "fs.path.nameraw"), s("../u/notes.txt"));
        assert_eq!(get(e, "fs.path.source"), V::Missing);

        assert!(holds(
            e,
            "evt.type in (open, openat, openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0 \
             and fd.directory pmatch (/home) and proc.aname[1]=bash and proc.cmdline contains notes"
        ));
        assert!(holds(e, "proc.aname in (bash, zsh) and not proc.aname=cat"));
        assert!(holds(e, "evt.arg.flags contains O_CLOEXEC and evt.rawres >= 0"));
        assert!(!holds(e, "evt.is_open_write=true or evt.res != SUCCESS"));
    });

    // A failed open: no fd is tracked, but the name comes from the arguments.
    let fail = RecordBuilder::syscall("open", 6_000, 20, 20)
        .str_arg(0, "/etc/shadow")
        .arg(1, 0o1101)
        .arg(2, 0o755)
        .res(-13)
        .build();
    on(&mut t, &fail, |e| {
        assert_eq!(get(e, "evt.res"), s("EACCES"));
        assert_eq!(get(e, "evt.rawres"), V::N(-13));
        assert_eq!(get(e, "evt.failed"), V::B(true));
        assert_eq!(get(e, "evt.is_open_write"), V::B(true));
        assert_eq!(get(e, "evt.is_open_create"), V::B(true));
        assert_eq!(get(e, "evt.is_open_exec"), V::B(true));
        assert_eq!(get(e, "evt.arg[res]"), s("-13(EACCES)"));
        assert_eq!(get(e, "fd.num"), V::N(-13));
        assert_eq!(get(e, "fd.name"), s("/etc/shadow"));
        assert_eq!(get(e, "fd.directory"), s("/etc"));
        assert_eq!(get(e, "fd.filename"), s("shadow"));
        assert_eq!(get(e, "fd.typechar"), V::Missing);
        assert_eq!(get(e, "fs.path.name"), V::Missing, "fs.path only for successful calls");
        assert_eq!(get(e, "evt.abspath"), s("/etc/shadow"));
        assert_eq!(get(e, "evt.count.error.file"), V::N(1));
        assert!(holds(e, "evt.res = EACCES and fd.name = /etc/shadow and fd.num < 0"));
    });
}

#[test]
fn exec_event_fields() {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(&mut t, &exec(10, 1, "sshd", "/usr/bin/bash", &["-bash"], "/"));
    let rec = exec(30, 10, "bash", "/usr/bin/curl", &["curl", "-s", "http://x"], "/tmp");
    on(&mut t, &rec, |e| {
        assert_eq!(get(e, "evt.type"), s("execve"));
        assert_eq!(get(e, "syscall.type"), s("execve"));
        assert_eq!(get(e, "evt.res"), s("SUCCESS"));
        assert_eq!(get(e, "evt.arg[exe]"), s("/usr/bin/curl"));
        assert_eq!(get(e, "evt.arg[args]"), s("-s http://x"));
        assert_eq!(get(e, "evt.arg[cwd]"), s("/tmp"));
        assert_eq!(get(e, "evt.category"), s("process"));
        assert_eq!(get(e, "evt.is_open_read"), V::B(false));
        assert_eq!(get(e, "fd.name"), V::Missing);
        assert!(holds(
            e,
            "evt.type in (execve, execveat) and evt.dir=< and proc.name=curl and proc.pname=bash and proc.args contains http"
        ));
    });
}

#[test]
fn connect_and_accept_sockets() {
    let mut t = Tracker::new(TrackerConfig::default());
    apply(&mut t, &exec(7, 1, "sh", "/usr/bin/curl", &["curl", "1.2.3.4"], "/"));
    apply(
        &mut t,
        &RecordBuilder::syscall("socket", 2, 7, 7)
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
    let conn = RecordBuilder::syscall("connect", 3, 7, 7)
        .arg(0, 4)
        .sockaddr(Ipv4Addr::new(1, 2, 3, 4).into(), 443)
        .tuple(&tuple)
        .res(0)
        .build();
    let ip = |a, b, c, d| V::Ip(IpAddr::V4(Ipv4Addr::new(a, b, c, d)));
    on(&mut t, &conn, |e| {
        assert_eq!(get(e, "fd.num"), V::N(4));
        assert_eq!(get(e, "fd.type"), s("ipv4"));
        assert_eq!(get(e, "fd.name"), s("10.0.0.2:40000->1.2.3.4:443"));
        assert_eq!(get(e, "fd.sip"), ip(1, 2, 3, 4));
        assert_eq!(get(e, "fd.sport"), V::N(443));
        assert_eq!(get(e, "fd.cip"), ip(10, 0, 0, 2));
        assert_eq!(get(e, "fd.cport"), V::N(40000));
        assert_eq!(get(e, "fd.lip"), ip(10, 0, 0, 2));
        assert_eq!(get(e, "fd.rip"), ip(1, 2, 3, 4));
        assert_eq!(get(e, "fd.rport"), V::N(443));
        assert_eq!(get(e, "fd.l4proto"), s("tcp"));
        assert_eq!(get(e, "fd.sockfamily"), s("ip"));
        assert_eq!(get(e, "fd.is_server"), V::B(false));
        assert_eq!(get(e, "fd.connected"), V::B(true));
        assert_eq!(all(e, "fd.ip"), vec![ip(10, 0, 0, 2), ip(1, 2, 3, 4)]);
        assert_eq!(all(e, "fd.port"), vec![V::N(40000), V::N(443)]);
        assert_eq!(get(e, "evt.arg[addr]"), s("1.2.3.4:443"));
        assert_eq!(get(e, "evt.arg[fd]"), s("4"));
        assert_eq!(get(e, "evt.category"), s("net"));
        assert_eq!(get(e, "fd.filename"), V::Missing);
        assert!(holds(
            e,
            "fd.net = 1.2.0.0/16 and fd.snet = 1.2.3.0/24 and fd.sport = 443"
        ));
        assert!(holds(
            e,
            "fd.l4proto = tcp and fd.ip = 10.0.0.2 and fd.port in (443, 8443)"
        ));
        assert!(holds(
            e,
            "fd.rnet in (1.0.0.0/8, 192.168.0.0/16) and not fd.lnet = 1.0.0.0/8"
        ));
        assert!(!holds(e, "fd.net = 192.168.0.0/16"));
        assert!(!holds(e, "fd.sip = 10.0.0.2"));
    });

    let acc_tuple = Tuple {
        local: (Ipv4Addr::new(10, 0, 0, 2).into(), 8080),
        remote: (Ipv4Addr::new(9, 9, 9, 9).into(), 5555),
        ..tuple
    };
    let acc = RecordBuilder::syscall("accept4", 4, 7, 7)
        .arg(0, 4)
        .tuple(&acc_tuple)
        .res(6)
        .build();
    on(&mut t, &acc, |e| {
        assert_eq!(get(e, "fd.num"), V::N(6));
        assert_eq!(get(e, "fd.is_server"), V::B(true));
        assert_eq!(get(e, "fd.sip"), ip(10, 0, 0, 2));
        assert_eq!(get(e, "fd.sport"), V::N(8080));
        assert_eq!(get(e, "fd.cip"), ip(9, 9, 9, 9));
        assert_eq!(get(e, "fd.name"), s("9.9.9.9:5555->10.0.0.2:8080"));
        assert_eq!(get(e, "evt.arg[fd]"), s("6"), "accept's fd is the new one");
        assert!(holds(e, "fd.cnet = 9.0.0.0/8 and fd.is_server = true"));
    });
    let types = on(&mut t, &acc, |e| all(e, "fd.types"));
    assert_eq!(types, vec![s("ipv4")]);
}

#[test]
fn fs_path_of_file_syscalls() {
    let mut t = shell_and_cat();
    // A directory fd, then paths relative to it.
    apply(
        &mut t,
        &RecordBuilder::syscall("openat", 2, 20, 20)
            .arg(0, (-100i64) as u64)
            .str_arg(1, "/var/lib")
            .arg(2, 0o200000)
            .res(5)
            .build(),
    );
    let unlinkat = RecordBuilder::syscall("unlinkat", 3, 20, 20)
        .arg(0, 5)
        .str_arg(1, "x/../db.sqlite")
        .res(0)
        .build();
    on(&mut t, &unlinkat, |e| {
        assert_eq!(get(e, "fs.path.name"), s("/var/lib/db.sqlite"));
        assert_eq!(get(e, "fs.path.nameraw"), s("x/../db.sqlite"));
        assert_eq!(get(e, "evt.arg[dirfd]"), s("5"));
        assert!(holds(e, "evt.type = unlinkat and fs.path.name startswith /var/lib/"));
    });
    let rename = RecordBuilder::syscall("rename", 4, 20, 20)
        .str_arg(0, "a.txt")
        .str_arg(1, "/tmp/b.txt")
        .res(0)
        .build();
    on(&mut t, &rename, |e| {
        assert_eq!(get(e, "fs.path.source"), s("/home/u/a.txt"));
        assert_eq!(get(e, "fs.path.sourceraw"), s("a.txt"));
        assert_eq!(get(e, "fs.path.target"), s("/tmp/b.txt"));
        assert_eq!(get(e, "fs.path.name"), V::Missing);
        assert_eq!(get(e, "evt.arg[oldpath]"), s("a.txt"));
    });
    let symlink = RecordBuilder::syscall("symlinkat", 5, 20, 20)
        .str_arg(0, "/etc/shadow")
        .arg(1, (-100i64) as u64)
        .str_arg(2, "s")
        .res(0)
        .build();
    on(&mut t, &symlink, |e| {
        assert_eq!(get(e, "fs.path.source"), s("/home/u/s"));
        assert_eq!(get(e, "fs.path.target"), s("/etc/shadow"));
        assert_eq!(get(e, "evt.arg[target]"), s("/etc/shadow"));
        assert_eq!(get(e, "evt.arg[linkpath]"), s("s"));
    });
    let failed = RecordBuilder::syscall("mkdir", 6, 20, 20)
        .str_arg(0, "/root/x")
        .res(-13)
        .build();
    on(&mut t, &failed, |e| {
        assert_eq!(get(e, "fs.path.name"), V::Missing);
        assert_eq!(get(e, "evt.abspath"), s("/root/x"));
    });
}

fn container_info() -> ContainerInfo {
    let labels: BTreeMap<String, String> = [
        ("app", "web"),
        ("io.kubernetes.pod.name", "web-0"),
        ("io.kubernetes.pod.namespace", "prod"),
        ("io.kubernetes.pod.uid", "8b0a7d3e-5c1f-4e2a-9b6d-0f1e2d3c4b5a"),
        (
            "io.kubernetes.sandbox.id",
            "aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    ContainerInfo {
        id: CID.to_owned(),
        name: "k8s_web_web-0_prod".to_owned(),
        image: "ghcr.io/acme/web:1.4@sha256:abcd".to_owned(),
        image_ref: ImageRef::parse("ghcr.io/acme/web:1.4@sha256:abcd"),
        image_id: "sha256:51561226eba628096f078ff31d386f6ce7de84d7dfb6b499518cd3998c898da5".to_owned(),
        labels,
        privileged: true,
        mounts: vec![
            Mount {
                source: "/var/run/docker.sock".to_owned(),
                destination: "/var/run/docker.sock".to_owned(),
                rw: true,
            },
            Mount {
                source: "/etc/app".to_owned(),
                destination: "/config".to_owned(),
                rw: false,
            },
        ],
        started_at: Some("2024-02-29T23:59:59.5Z".to_owned()),
        pid: Some(4000),
        k8s: Some(K8s {
            pod_name: "web-0".to_owned(),
            namespace: "prod".to_owned(),
            pod_uid: Some("8b0a7d3e-5c1f-4e2a-9b6d-0f1e2d3c4b5a".to_owned()),
            container_name: Some("web".to_owned()),
        }),
    }
}

#[test]
fn container_and_k8s_fields() {
    let cgpath = format!("/kubepods/besteffort/pod8b0a7d3e-5c1f-4e2a-9b6d-0f1e2d3c4b5a/{CID}");
    let id = vigil_state::container_id(&cgpath).unwrap();
    let users = Users {
        users: vigil_state::parse_passwd(b"root:x:0:0::/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\n"),
        groups: vigil_state::parse_group(b"root:x:0:\nwww:x:33:\n"),
    };
    let snap = Snapshot {
        version: SNAPSHOT_VERSION,
        processes: vec![],
        threads: vec![],
        containers: vec![ContainerSnapshot {
            id,
            info: Some(container_info()),
            users: Some(users),
            dead: false,
        }],
        cgroups: vec![(77, Some(CID.to_owned()))],
        host_users: Users::default(),
    };
    let mut t = Tracker::from_snapshot(snap);
    let rec = RecordBuilder::new(abi::KIND_PROC_EXEC, 10, 500, 500)
        .ppid(400)
        .ids(33, 33)
        .cgroup(77)
        .arg(0, 500)
        .arg(1, 59)
        .field(tag::FILENAME, b"/bin/sh")
        .argv(&["sh", "-c", "id"])
        .path_rev(tag::EXEPATH, "/bin/dash")
        .path_rev(tag::CWD, "/")
        .path_rev(tag::CGROUP, &cgpath)
        .build();
    let host = Host {
        hostname: Some("node-1".into()),
        boot_epoch_ns: Some(1_709_251_199_500_000_000),
    };
    let ev = Event::decode(&rec).unwrap();
    let e = t.apply(&ev);
    let x = EventFields::new(&e, &host, Some(7));
    assert_eq!(get(&x, "container.id"), s("3f9b2c4e1a7d"));
    assert_eq!(get(&x, "container.full_id"), s(CID));
    assert_eq!(get(&x, "container.name"), s("k8s_web_web-0_prod"));
    assert_eq!(get(&x, "container.image"), s("ghcr.io/acme/web:1.4@sha256:abcd"));
    assert_eq!(get(&x, "container.image.repository"), s("ghcr.io/acme/web"));
    assert_eq!(get(&x, "container.image.tag"), s("1.4"));
    assert_eq!(get(&x, "container.image.digest"), s("sha256:abcd"));
    assert_eq!(get(&x, "container.image.id"), s("51561226eba6"));
    assert_eq!(get(&x, "container.type"), s("containerd"), "a bare id under kubepods");
    assert_eq!(get(&x, "container.privileged"), V::B(true));
    assert_eq!(get(&x, "container.label[app]"), s("web"));
    assert_eq!(get(&x, "container.label[nope]"), V::Missing);
    assert_eq!(get(&x, "container.mount[1]"), s("/etc/app:/config::false:"));
    assert_eq!(get(&x, "container.mount[/etc/*]"), s("/etc/app:/config::false:"));
    assert_eq!(get(&x, "container.mount[/nope]"), s("none"));
    assert_eq!(
        get(&x, "container.mount.dest[/var/run/docker.sock]"),
        s("/var/run/docker.sock")
    );
    assert_eq!(get(&x, "container.mount.source[/config]"), s("/etc/app"));
    assert_eq!(get(&x, "container.mount.rdwr[0]"), s("true"));
    assert_eq!(
        get(&x, "container.mounts"),
        s("/var/run/docker.sock:/var/run/docker.sock::true: /etc/app:/config::false:")
    );
    assert_eq!(get(&x, "container.start_ts"), V::N(1_709_251_199_500_000_000));
    assert_eq!(
        get(&x, "container.duration"),
        V::N(10),
        "event ts 10 ns after boot, boot = start"
    );
    assert_eq!(get(&x, "k8s.pod.name"), s("web-0"));
    assert_eq!(get(&x, "k8s.ns.name"), s("prod"));
    assert_eq!(get(&x, "k8s.pod.uid"), s("8b0a7d3e-5c1f-4e2a-9b6d-0f1e2d3c4b5a"));
    assert_eq!(get(&x, "k8s.pod.sandbox_id"), s("aa11bb22cc33"));
    assert_eq!(get(&x, "k8s.pod.label[app]"), V::Missing, "unsupported");
    assert_eq!(get(&x, "user.name"), s("www"));
    assert_eq!(get(&x, "group.name"), s("www"));
    assert_eq!(get(&x, "evt.hostname"), s("node-1"));
    assert_eq!(get(&x, "evt.num"), V::N(7));
    assert_eq!(get(&x, "evt.rawtime"), V::N(1_709_251_199_500_000_010));
    assert_eq!(get(&x, "evt.time"), s("23:59:59.500000010"));
    assert_eq!(get(&x, "evt.time.s"), s("23:59:59"));
    assert_eq!(get(&x, "evt.time.iso8601"), s("2024-02-29T23:59:59.500000010Z"));
    assert_eq!(get(&x, "evt.datetime"), s("2024-02-29 23:59:59.500000010"));
    assert!(holds(
        &x,
        "container.id != host and container.image.repository endswith /web and container.label[app] = web \
         and k8s.ns.name = prod and container.mount.dest[/var/run/docker.sock] exists and user.name = www"
    ));
    assert!(holds(&x, "container.privileged = true and evt.hostname = node-1"));
}

#[test]
fn host_processes_and_missing_fields() {
    let mut t = shell_and_cat();
    let rec = RecordBuilder::syscall("setuid", 9, 20, 20).arg(0, 0).res(-1).build();
    on(&mut t, &rec, |e| {
        assert_eq!(get(e, "container.id"), s("host"));
        assert_eq!(get(e, "container.name"), s("host"));
        assert_eq!(get(e, "container.full_id"), s("host"));
        assert_eq!(get(e, "container.image"), V::Missing);
        assert_eq!(get(e, "k8s.pod.name"), V::Missing);
        assert_eq!(get(e, "evt.res"), s("EPERM"));
        assert_eq!(get(e, "evt.category"), s("user"));
        assert_eq!(get(e, "fd.num"), V::Missing);
        assert_eq!(get(e, "proc.env"), V::Missing);
        // Missing compares false both ways; `exists` is false.
        assert!(!holds(e, "proc.env contains PATH"));
        assert!(!holds(e, "proc.env exists"));
        assert!(holds(e, "not proc.env contains PATH"));
        assert!(!holds(e, "container.image = nginx or container.image != nginx"));
        assert!(!holds(e, "container.image exists"));
        assert!(holds(
            e,
            "container.id = host and container.name = host and proc.name exists"
        ));
        assert!(!holds(e, "fd.name exists"));
        assert!(!holds(e, "fd.sip = 1.2.3.4 or fd.sip != 1.2.3.4"));
        assert!(!holds(e, "proc.aname[5] exists"));
        assert!(!holds(e, "k8s.pod.label[app] exists"));
    });
    // Every unsupported field is missing on a rich event.
    let rec = RecordBuilder::syscall("openat", 10, 20, 20)
        .arg(0, (-100i64) as u64)
        .str_arg(1, "x")
        .res(3)
        .build();
    let host = Host {
        hostname: Some("h".into()),
        boot_epoch_ns: Some(1),
    };
    let ev = Event::decode(&rec).unwrap();
    let e = t.apply(&ev);
    let x = EventFields::new(&e, &host, Some(1));
    let tbl = table();
    for name in UNSUPPORTED {
        let spec = TABLE.iter().find(|s| s.name == *name).unwrap();
        let arg = match spec.arg {
            ArgSpec::None | ArgSpec::IndexOrAny => None,
            _ => Some("0"),
        };
        let info = tbl.resolve(name, arg).unwrap();
        let mut buf = Vec::new();
        assert!(x.get(&info.field, &mut buf).is_missing(), "{name}");
        let mut n = 0;
        x.for_each(&info.field, &mut buf, &mut |_| {
            n += 1;
            ControlFlow::Continue(())
        });
        assert_eq!(n, 0, "{name}");
    }
}

#[test]
fn markdown_lists_every_field() {
    let md = markdown();
    assert!(md.starts_with("# Fields"));
    for c in ["evt", "proc", "user", "group", "fd", "fs.path", "container", "k8s"] {
        assert!(md.contains(&format!("\n## {c}\n")), "{c}");
    }
    for spec in TABLE {
        assert!(md.contains(&format!("| `{}` |", spec.name)), "{}", spec.name);
    }
    assert!(md.contains("| `proc.env` | string |  | Environment variables of the process *(unsupported)* |"));
    assert!(md.contains("| `fd.types` | list of string |"));
    assert_eq!(md.matches("*(unsupported)*").count(), UNSUPPORTED.len());
}

#[test]
fn uptime_parsing() {
    assert_eq!(parse_uptime_ns("12345.67 54321.00\n"), Some(12_345_670_000_000));
    assert_eq!(parse_uptime_ns("5 1"), Some(5_000_000_000));
    assert_eq!(parse_uptime_ns("x"), None);
    assert_eq!(parse_uptime_ns("1.2x"), None);
}

#[test]
fn symbolic_arguments_render_by_name_and_stay_numbers_raw() {
    let mut t = shell_and_cat();
    let unshare = RecordBuilder::syscall("unshare", 7_000, 20, 20)
        .arg(0, 0x1002_0000)
        .res(0)
        .build();
    on(&mut t, &unshare, |e| {
        let e = &EventFields::new(e, &Host::UNKNOWN, None);
        assert_eq!(get(e, "evt.arg[flags]"), s("CLONE_NEWNS|CLONE_NEWUSER"));
        assert_eq!(get(e, "evt.arg[0]"), s("CLONE_NEWNS|CLONE_NEWUSER"));
        assert_eq!(get(e, "evt.rawarg[flags]"), V::N(0x1002_0000));
        assert!(holds(e, "evt.arg.flags contains CLONE_NEWUSER"));
        assert!(!holds(e, "evt.arg.flags contains CLONE_NEWNET"));
    });
    let setns = RecordBuilder::syscall("setns", 7_001, 20, 20)
        .arg(0, 3)
        .arg(1, 0x4000_0000)
        .res(0)
        .build();
    on(&mut t, &setns, |e| {
        let e = &EventFields::new(e, &Host::UNKNOWN, None);
        assert_eq!(get(e, "evt.arg[nstype]"), s("CLONE_NEWNET"));
    });
    for (req, name) in [
        (16u64, "PTRACE_ATTACH"),
        (0x4206, "PTRACE_SEIZE"),
        (0, "PTRACE_TRACEME"),
    ] {
        let ptrace = RecordBuilder::syscall("ptrace", 7_002, 20, 20)
            .arg(0, req)
            .arg(1, 42)
            .res(0)
            .build();
        on(&mut t, &ptrace, |e| {
            let e = &EventFields::new(e, &Host::UNKNOWN, None);
            assert_eq!(get(e, "evt.arg[request]"), s(name));
            assert_eq!(get(e, "evt.rawarg[request]"), V::N(i128::from(req)));
            assert_eq!(
                holds(e, "evt.arg.request in (PTRACE_ATTACH, PTRACE_SEIZE)"),
                name != "PTRACE_TRACEME"
            );
        });
    }
    let kill = RecordBuilder::syscall("kill", 7_003, 20, 20)
        .arg(0, 42)
        .arg(1, 9)
        .res(0)
        .build();
    on(&mut t, &kill, |e| {
        let e = &EventFields::new(e, &Host::UNKNOWN, None);
        assert_eq!(get(e, "evt.arg[sig]"), s("SIGKILL"));
        assert_eq!(get(e, "evt.arg[pid]"), s("42"));
        assert_eq!(get(e, "evt.rawarg[sig]"), V::N(9));
    });
    let socket = RecordBuilder::syscall("socket", 7_004, 20, 20)
        .arg(0, 17)
        .arg(1, 3 | 0o2000000)
        .arg(2, 0)
        .res(5)
        .build();
    on(&mut t, &socket, |e| {
        let e = &EventFields::new(e, &Host::UNKNOWN, None);
        assert_eq!(get(e, "evt.arg[domain]"), s("AF_PACKET"));
        assert_eq!(get(e, "evt.arg[type]"), s("SOCK_RAW|SOCK_CLOEXEC"));
        assert!(holds(
            e,
            "evt.arg.domain = AF_PACKET and evt.arg.type startswith SOCK_RAW"
        ));
    });
}
