//! `evt.*`: the event's type, time, result and arguments.

use std::fmt::Write;

use vigil_capture::render::{
    open_reads, open_writes, res_name, write_args, write_named_arg, write_open_flags, write_sockaddr,
};
use vigil_capture::syscalls::Syscall;
use vigil_capture::{Event, Kind};
use vigil_state::Fd;

use super::table::id;
use super::time::civil;
use super::{build, build_string, fd, EventFields, W};
use crate::value::{FieldArg, FieldRef, Value};

const O_CREAT: u64 = 0o100;
const O_WRONLY_CREAT_TRUNC: u64 = 0o1101;
const S_IXUGO: u64 = 0o111;

pub(super) fn get<'s>(x: EventFields<'s, '_>, f: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s> {
    let ev = x.enriched.event;
    let syscall = ev.syscall();
    let is_syscall = |names: &[&str]| syscall.is_some_and(|s| names.contains(&s.name));
    match f.id {
        id::EVT_NUM => x.num.map_or(Value::Missing, Value::UNum),
        id::EVT_TIME | id::EVT_TIME_S | id::EVT_TIME_ISO8601 | id::EVT_DATETIME | id::EVT_DATETIME_S => {
            let Some(t) = x.epoch_ns() else { return Value::Missing };
            let c = civil(t);
            build(buf, |b| {
                let mut w = W(b);
                let _ = match f.id {
                    id::EVT_TIME => write!(w, "{:02}:{:02}:{:02}.{:09}", c.h, c.mi, c.s, c.ns),
                    id::EVT_TIME_S => write!(w, "{:02}:{:02}:{:02}", c.h, c.mi, c.s),
                    id::EVT_TIME_ISO8601 => write!(
                        w,
                        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
                        c.y, c.mo, c.d, c.h, c.mi, c.s, c.ns
                    ),
                    id::EVT_DATETIME => write!(
                        w,
                        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:09}",
                        c.y, c.mo, c.d, c.h, c.mi, c.s, c.ns
                    ),
                    _ => write!(w, "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", c.y, c.mo, c.d, c.h, c.mi, c.s),
                };
            })
        }
        id::EVT_RAWTIME => x.epoch_ns().map_or(Value::Missing, Value::UNum),
        id::EVT_RAWTIME_S => x.epoch_ns().map_or(Value::Missing, |t| Value::UNum(t / 1_000_000_000)),
        id::EVT_RAWTIME_NS => x.epoch_ns().map_or(Value::Missing, |t| Value::UNum(t % 1_000_000_000)),
        id::EVT_DIR => Value::Str(b"<"),
        id::EVT_TYPE => Value::Str(ev.name().as_bytes()),
        id::EVT_TYPE_IS => match &f.arg {
            FieldArg::Key(k) => Value::UNum(u64::from(ev.name() == &**k)),
            FieldArg::Index(n) => Value::UNum(u64::from(u32::from(ev.kind.raw()) == *n)),
            FieldArg::None => Value::Missing,
        },
        id::SYSCALL_TYPE => match ev.kind {
            Kind::Syscall(s) => Value::Str(s.name.as_bytes()),
            Kind::Exec => Value::Str(ev.name().as_bytes()),
            Kind::Fork | Kind::Exit => Value::Missing,
        },
        id::EVT_CATEGORY => Value::Str(category(ev).as_bytes()),
        id::EVT_CPU => Value::Num(i64::from(ev.cpu)),
        id::EVT_ARGS | id::EVT_INFO => build_string(buf, |s| write_args(ev, s)),
        id::EVT_ARG => {
            let Some(key) = arg_key(ev, &f.arg) else {
                return Value::Missing;
            };
            let mut found = false;
            let v = build_string(buf, |s| found = write_arg(x, key, s));
            if found {
                v
            } else {
                Value::Missing
            }
        }
        id::EVT_RAWARG => match arg_key(ev, &f.arg) {
            Some(key) => raw_arg(ev, key),
            None => Value::Missing,
        },
        id::EVT_RES => match result(ev) {
            Some(r) => Value::Str(res_name(r).as_bytes()),
            None => Value::Missing,
        },
        id::EVT_RAWRES => result(ev).map_or(Value::Missing, Value::Num),
        id::EVT_FAILED => Value::Bool(result(ev).is_some_and(|r| r < 0)),
        id::EVT_IS_IO | id::EVT_IS_IO_WRITE => Value::Bool(is_syscall(IO_WRITE)),
        id::EVT_IS_IO_READ => Value::Bool(false),
        id::EVT_IO_DIR => {
            if is_syscall(IO_WRITE) {
                Value::Str(b"w")
            } else {
                Value::Missing
            }
        }
        id::EVT_IS_WAIT | id::EVT_IS_ASYNC => Value::Bool(false),
        id::EVT_IS_SYSLOG => Value::Bool(
            is_syscall(IO_WRITE) && matches!(x.enriched.fd, Some((_, Fd::Unix { path })) if &**path == "/dev/log"),
        ),
        id::EVT_COUNT | id::EVT_COUNT_EXIT => Value::UNum(1),
        id::EVT_COUNT_ERROR
        | id::EVT_COUNT_ERROR_FILE
        | id::EVT_COUNT_ERROR_NET
        | id::EVT_COUNT_ERROR_MEMORY
        | id::EVT_COUNT_ERROR_OTHER => {
            let failed = result(ev).is_some_and(|r| r < 0);
            let cat = category(ev);
            let this = match f.id {
                id::EVT_COUNT_ERROR => true,
                id::EVT_COUNT_ERROR_FILE => cat == "file",
                id::EVT_COUNT_ERROR_NET => cat == "net",
                id::EVT_COUNT_ERROR_MEMORY => cat == "memory",
                _ => !matches!(cat, "file" | "net" | "memory"),
            };
            Value::UNum(u64::from(failed && this))
        }
        id::EVT_ABSPATH => fd::fs_path(x, fd::Which::Name, false, false, buf),
        id::EVT_ABSPATH_SRC => fd::fs_path(x, fd::Which::Source, false, false, buf),
        id::EVT_ABSPATH_DST => fd::fs_path(x, fd::Which::Target, false, false, buf),
        id::EVT_IS_OPEN_READ | id::EVT_IS_OPEN_WRITE | id::EVT_IS_OPEN_EXEC | id::EVT_IS_OPEN_CREATE => {
            let Some((flags, mode)) = open_flags(ev) else {
                return Value::Bool(false);
            };
            Value::Bool(match f.id {
                id::EVT_IS_OPEN_READ => open_reads(flags),
                id::EVT_IS_OPEN_WRITE => open_writes(flags),
                id::EVT_IS_OPEN_EXEC => flags & O_CREAT != 0 && mode & S_IXUGO != 0,
                _ => flags & O_CREAT != 0,
            })
        }
        id::EVT_HOSTNAME => x
            .host
            .hostname
            .as_deref()
            .map_or(Value::Missing, |h| Value::Str(h.as_bytes())),
        id::EVT_SOURCE => Value::Str(b"syscall"),
        _ => Value::Missing,
    }
}

/// Syscalls that write data to an fd, among the captured ones.
const IO_WRITE: &[&str] = &["sendto", "sendmsg"];

/// Syscalls whose return value is a new fd: Falco names it `fd` in the exit event.
const FD_RETURNING: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "creat",
    "socket",
    "accept",
    "accept4",
    "dup",
    "dup2",
    "dup3",
    "memfd_create",
    "userfaultfd",
];

/// The result, for events that have one: syscalls, exec (0) and fork (the child's pid).
pub(super) fn result(ev: &Event<'_>) -> Option<i64> {
    match ev.kind {
        Kind::Syscall(_) => Some(ev.res),
        Kind::Exec => Some(0),
        Kind::Fork => ev.child().map(|(tid, _)| i64::from(tid)),
        Kind::Exit => None,
    }
}

/// Open flags and mode of an open-family event (creat's are implied).
pub(super) fn open_flags(ev: &Event<'_>) -> Option<(u64, u64)> {
    let s = ev.syscall()?;
    match s.name {
        "open" => Some((ev.args[1], ev.args[2])),
        "openat" => Some((ev.args[2], ev.args[3])),
        "openat2" => ev.open_how().map(|(f, m, _)| (f, m)),
        "creat" => Some((O_WRONLY_CREAT_TRUNC, ev.args[1])),
        _ => None,
    }
}

/// Falco's event categories, by syscall.
fn category(ev: &Event<'_>) -> &'static str {
    let Some(s) = ev.syscall() else { return "process" };
    match s.name {
        "open" | "openat" | "openat2" | "creat" | "close" | "dup" | "dup2" | "dup3" | "fcntl" | "unlink"
        | "unlinkat" | "rename" | "renameat" | "renameat2" | "mkdir" | "mkdirat" | "rmdir" | "chmod" | "fchmod"
        | "fchmodat" | "fchmodat2" | "chown" | "lchown" | "fchown" | "fchownat" | "link" | "linkat" | "symlink"
        | "symlinkat" | "mount" | "umount2" | "chdir" | "fchdir" => "file",
        "socket" | "connect" | "accept" | "accept4" | "bind" | "listen" | "sendto" | "sendmsg" | "socketpair" => "net",
        "pipe" | "pipe2" => "IPC",
        "memfd_create" | "userfaultfd" => "memory",
        "kill" | "tkill" | "tgkill" => "signal",
        "setuid" | "setgid" | "setreuid" | "setregid" | "setresuid" | "setresgid" => "user",
        "init_module" | "finit_module" => "system",
        "bpf" => "other",
        _ => "process",
    }
}

/// The argument name `evt.arg` / `evt.rawarg` asks for (by name, or by position).
fn arg_key<'k>(ev: &Event<'_>, arg: &'k FieldArg) -> Option<&'k str> {
    match arg {
        FieldArg::Key(k) => Some(k),
        FieldArg::Index(i) => {
            let i = usize::try_from(*i).ok()?;
            let name = match ev.kind {
                Kind::Syscall(s) => *s.args.get(i)?,
                Kind::Exec => *EXEC_ARGS.get(i)?,
                Kind::Fork => *FORK_ARGS.get(i)?,
                Kind::Exit => *EXIT_ARGS.get(i)?,
            };
            Some(name)
        }
        FieldArg::None => None,
    }
}

/// Argument names of the lifecycle events, in Falco's order where Falco has them.
const EXEC_ARGS: &[&str] = &[
    "res",
    "exe",
    "args",
    "tid",
    "pid",
    "ptid",
    "cwd",
    "comm",
    "tty",
    "loginuid",
    "uid",
    "trusted_exepath",
];
const FORK_ARGS: &[&str] = &["res", "child_tid", "child_pid"];
const EXIT_ARGS: &[&str] = &["status", "sig"];

/// Names of arguments that hold an fd, a pid or an id: signed 32-bit.
fn is_int32(name: &str) -> bool {
    matches!(
        name,
        "fd" | "oldfd"
            | "newfd"
            | "dirfd"
            | "olddirfd"
            | "newdirfd"
            | "olddir"
            | "newdir"
            | "linkdirfd"
            | "pid"
            | "tid"
            | "sig"
            | "uid"
            | "gid"
            | "ruid"
            | "euid"
            | "suid"
            | "rgid"
            | "egid"
            | "sgid"
            | "pgid"
    )
}

fn is_dirfd(name: &str) -> bool {
    matches!(
        name,
        "dirfd" | "olddirfd" | "newdirfd" | "olddir" | "newdir" | "linkdirfd"
    )
}

/// Writes one argument as Falco shows it; false when the event has no such argument.
fn write_arg(x: EventFields<'_, '_>, name: &str, out: &mut String) -> bool {
    let ev = x.enriched.event;
    let res = |out: &mut String| {
        if ev.res < 0 {
            let _ = write!(out, "{}({})", ev.res, res_name(ev.res));
        } else {
            let _ = write!(out, "{}", ev.res);
        }
    };
    match ev.kind {
        Kind::Syscall(sc) => write_syscall_arg(ev, sc, name, out, res),
        Kind::Exec => {
            let p = x.enriched.process;
            let info = ev.procinfo();
            match name {
                "res" => out.push('0'),
                "exe" | "filename" => match ev.filename() {
                    Some(f) => out.push_str(&String::from_utf8_lossy(f)),
                    None => return false,
                },
                "args" => {
                    for (i, a) in ev.argv().skip(1).enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        out.push_str(&String::from_utf8_lossy(a));
                    }
                }
                "tid" => {
                    let _ = write!(out, "{}", ev.tid);
                }
                "pid" => {
                    let _ = write!(out, "{}", ev.pid);
                }
                "ptid" => {
                    let _ = write!(out, "{}", ev.ppid);
                }
                "cwd" => match p {
                    Some(p) => out.push_str(&p.cwd),
                    None => return false,
                },
                "comm" => out.push_str(&String::from_utf8_lossy(ev.comm())),
                "trusted_exepath" | "exepath" => match p {
                    Some(p) if !p.exepath.is_empty() => out.push_str(&p.exepath),
                    _ => return false,
                },
                "tty" | "loginuid" | "uid" => {
                    let Some(i) = info else { return false };
                    let _ = match name {
                        "tty" => write!(out, "{}", i.tty),
                        "loginuid" => write!(out, "{}", i.loginuid as i32),
                        _ => write!(out, "{}", i.uid),
                    };
                }
                _ => return false,
            }
            true
        }
        Kind::Fork => {
            let Some((tid, pid)) = ev.child() else { return false };
            let _ = match name {
                "res" | "child_tid" => write!(out, "{tid}"),
                "child_pid" => write!(out, "{pid}"),
                _ => return false,
            };
            true
        }
        Kind::Exit => {
            let status = ev.res as i32;
            let _ = match name {
                "status" => write!(out, "{}", (status >> 8) & 0xff),
                "sig" => write!(out, "{}", status & 0x7f),
                _ => return false,
            };
            true
        }
    }
}

fn write_syscall_arg(ev: &Event<'_>, sc: &Syscall, name: &str, out: &mut String, res: impl Fn(&mut String)) -> bool {
    if name == "res" {
        res(out);
        return true;
    }
    if name == "fd" && FD_RETURNING.contains(&sc.name) {
        let _ = write!(out, "{}", ev.res);
        return true;
    }
    if sc.name == "openat2" {
        if let Some((flags, mode, resolve)) = ev.open_how() {
            match name {
                "flags" => {
                    write_open_flags(flags, out);
                    return true;
                }
                "mode" => {
                    let _ = write!(out, "0{:o}", mode & 0o7777);
                    return true;
                }
                "resolve" => {
                    let _ = write!(out, "{resolve:#x}");
                    return true;
                }
                _ => {}
            }
        }
    }
    if name == "addr" || name == "tuple" {
        if name == "addr" {
            if let Some(sa) = ev.sockaddr() {
                write_sockaddr(&sa, out);
                return true;
            }
        }
        if let Some(t) = ev.tuple() {
            vigil_capture::render::write_tuple(&t, out);
            return true;
        }
        if name == "tuple" {
            return false;
        }
    }
    let Some(i) = sc.args.iter().position(|a| *a == name) else {
        return false;
    };
    if let Some(s) = ev.str_arg(i) {
        out.push_str(&String::from_utf8_lossy(s));
        return true;
    }
    let v = ev.args.get(i).copied().unwrap_or(0);
    if write_named_arg(sc.name, name, v, out) {
        return true;
    }
    match name {
        n if is_dirfd(n) && v as i32 == -100 => out.push_str("AT_FDCWD"),
        "flags" if matches!(sc.name, "open" | "openat") => write_open_flags(v, out),
        "mode" => {
            let _ = write!(out, "0{:o}", v & 0o7777);
        }
        "fds" => match ev.fds() {
            Some((a, b)) => {
                let _ = write!(out, "{a},{b}");
            }
            None => return false,
        },
        n if is_int32(n) => {
            let _ = write!(out, "{}", v as i32);
        }
        _ => {
            let _ = write!(out, "{v:#x}");
        }
    }
    true
}

/// `evt.rawarg.<name>`: numbers as numbers, strings as strings.
fn raw_arg<'s>(ev: &'s Event<'_>, name: &str) -> Value<'s> {
    match ev.kind {
        Kind::Syscall(sc) => {
            if name == "res" || (name == "fd" && FD_RETURNING.contains(&sc.name)) {
                return Value::Num(ev.res);
            }
            if sc.name == "openat2" {
                if let Some((flags, mode, resolve)) = ev.open_how() {
                    match name {
                        "flags" => return Value::Num(flags as i64),
                        "mode" => return Value::Num(mode as i64),
                        "resolve" => return Value::Num(resolve as i64),
                        _ => {}
                    }
                }
            }
            let Some(i) = sc.args.iter().position(|a| *a == name) else {
                return Value::Missing;
            };
            if let Some(s) = ev.str_arg(i) {
                return Value::Str(s);
            }
            let v = ev.args.get(i).copied().unwrap_or(0);
            if is_int32(name) {
                Value::Num(i64::from(v as i32))
            } else {
                Value::Num(v as i64)
            }
        }
        Kind::Exec => match name {
            "res" => Value::Num(0),
            "exe" | "filename" => ev.filename().map_or(Value::Missing, Value::Str),
            "tid" => Value::Num(i64::from(ev.tid)),
            "pid" => Value::Num(i64::from(ev.pid)),
            "ptid" => Value::Num(i64::from(ev.ppid)),
            "comm" => Value::Str(ev.comm()),
            "tty" => ev.procinfo().map_or(Value::Missing, |i| Value::Num(i64::from(i.tty))),
            "loginuid" => ev
                .procinfo()
                .map_or(Value::Missing, |i| Value::Num(i64::from(i.loginuid as i32))),
            "uid" => ev.procinfo().map_or(Value::Missing, |i| Value::Num(i64::from(i.uid))),
            _ => Value::Missing,
        },
        Kind::Fork => match (name, ev.child()) {
            ("res" | "child_tid", Some((tid, _))) => Value::Num(i64::from(tid)),
            ("child_pid", Some((_, pid))) => Value::Num(i64::from(pid)),
            _ => Value::Missing,
        },
        Kind::Exit => {
            let status = ev.res as i32;
            match name {
                "status" => Value::Num(i64::from((status >> 8) & 0xff)),
                "sig" => Value::Num(i64::from(status & 0x7f)),
                _ => Value::Missing,
            }
        }
    }
}
