//! `fd.*`: the fd the event is about (for opens the new one, for connect and accept the
//! socket), and `fs.path.*`: the paths of file syscalls, made absolute as opens' are.

use std::net::IpAddr;
use std::ops::ControlFlow;

use vigil_capture::Event;
use vigil_state::fd::resolve_path;
use vigil_state::{Fd, Inet, Role};

use super::table::id;
use super::{build, EventFields, W};
use crate::value::{FieldRef, Value};

const AT_FDCWD: i32 = -100;

/// One end of a socket.
#[derive(Clone, Copy)]
enum End {
    Client,
    Server,
    Local,
    Remote,
}

fn end(i: &Inet, e: End) -> (IpAddr, u16) {
    match e {
        End::Client => i.client(),
        End::Server => i.server(),
        End::Local => i.local,
        End::Remote => i.remote,
    }
}

fn connected(i: &Inet) -> bool {
    i.remote.1 != 0 || !i.remote.0.is_unspecified()
}

/// The path of a file or directory fd split at its last `/`: (directory, file name).
fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", path.get(1..).unwrap_or("")),
        Some(i) => (path.get(..i).unwrap_or(""), path.get(i + 1..).unwrap_or("")),
        None => ("", path),
    }
}

pub(super) fn get<'s>(x: EventFields<'s, '_>, f: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s> {
    match f.id {
        id::FS_PATH_NAME => return fs_path(x, Which::Name, false, true, buf),
        id::FS_PATH_NAMERAW => return fs_path(x, Which::Name, true, true, buf),
        id::FS_PATH_SOURCE => return fs_path(x, Which::Source, false, true, buf),
        id::FS_PATH_SOURCERAW => return fs_path(x, Which::Source, true, true, buf),
        id::FS_PATH_TARGET => return fs_path(x, Which::Target, false, true, buf),
        id::FS_PATH_TARGETRAW => return fs_path(x, Which::Target, true, true, buf),
        _ => {}
    }
    let ev = x.enriched.event;
    let Some((num, fd)) = x.enriched.fd else {
        return null_fd(x, f.id, buf);
    };
    let inet = fd.inet();
    let ip = |e: End| inet.map_or(Value::Missing, |i| Value::Ip(end(i, e).0));
    let port = |e: End| inet.map_or(Value::Missing, |i| Value::UNum(u64::from(end(i, e).1)));
    match f.id {
        id::FD_NUM => Value::Num(i64::from(num)),
        id::FD_TYPE => Value::Str(fd.type_name().as_bytes()),
        id::FD_TYPECHAR => build(buf, |b| {
            let mut tmp = [0u8; 4];
            b.extend_from_slice(fd.typechar().encode_utf8(&mut tmp).as_bytes());
        }),
        id::FD_NAME => name(fd, buf),
        id::FD_NAMERAW => match fd.name_raw() {
            Some(r) => Value::Str(r.as_bytes()),
            None => name(fd, buf),
        },
        id::FD_DIRECTORY => match fd {
            Fd::File { path, .. } => Value::Str(split(path).0.as_bytes()),
            Fd::Directory { path, .. } => Value::Str(path.as_bytes()),
            _ => Value::Missing,
        },
        id::FD_FILENAME => match fd {
            Fd::File { path, .. } => Value::Str(split(path).1.as_bytes()),
            _ => Value::Missing,
        },
        id::FD_CIP | id::FD_CNET => ip(End::Client),
        id::FD_SIP | id::FD_SNET => ip(End::Server),
        id::FD_LIP | id::FD_LNET => ip(End::Local),
        id::FD_RIP | id::FD_RNET => ip(End::Remote),
        id::FD_CPORT => port(End::Client),
        id::FD_SPORT => port(End::Server),
        id::FD_LPORT => port(End::Local),
        id::FD_RPORT => port(End::Remote),
        id::FD_L4PROTO => inet.map_or(Value::Missing, |i| Value::Str(i.l4proto().as_bytes())),
        id::FD_SOCKFAMILY => match fd {
            Fd::Ipv4(_) | Fd::Ipv6(_) => Value::Str(b"ip"),
            Fd::Unix { .. } => Value::Str(b"unix"),
            _ => Value::Missing,
        },
        id::FD_IS_SERVER => inet.map_or(Value::Missing, |i| Value::Bool(i.role == Role::Server)),
        id::FD_CONNECTED => inet.map_or(Value::Missing, |i| Value::Bool(connected(i))),
        id::FD_UID => build(buf, |b| {
            super::write_num(b, ev.tid);
            super::write_num(b, num);
        }),
        id::FD_CONTAINERNAME => build(buf, |b| {
            b.extend_from_slice(x.enriched.container_short_id().as_bytes());
            b.push(b':');
            let _ = fd.write_name(&mut W(b));
        }),
        id::FD_CONTAINERDIRECTORY => {
            let dir = match fd {
                Fd::File { path, .. } => split(path).0,
                Fd::Directory { path, .. } => path,
                _ => return Value::Missing,
            };
            build(buf, |b| {
                b.extend_from_slice(x.enriched.container_short_id().as_bytes());
                b.push(b':');
                b.extend_from_slice(dir.as_bytes());
            })
        }
        _ => Value::Missing,
    }
}

/// `fd.name`: files and directories borrow their path; sockets and pipes are written.
fn name<'s>(fd: &'s Fd, buf: &'s mut Vec<u8>) -> Value<'s> {
    match fd.path() {
        Some(p) => Value::Str(p.as_bytes()),
        None => build(buf, |b| {
            let _ = fd.write_name(&mut W(b));
        }),
    }
}

/// Fields of an event without a tracked fd: a failed open still has a name (from its
/// arguments, resolved) and its negative result as `fd.num`, as Falco shows them.
fn null_fd<'s>(x: EventFields<'s, '_>, id: u32, buf: &'s mut Vec<u8>) -> Value<'s> {
    let ev = x.enriched.event;
    let Some(spec) = ev.syscall().and_then(|s| open_spec(s.name)) else {
        return Value::Missing;
    };
    match id {
        id::FD_NUM => Value::Num(ev.res),
        id::FD_NAME | id::FD_DIRECTORY | id::FD_FILENAME | id::FD_NAMERAW => {
            let Some(raw) = ev.str_arg(spec.0) else {
                return Value::Missing;
            };
            if id == id::FD_NAMERAW {
                return Value::Str(raw);
            }
            resolve(x, raw, spec.1, buf);
            if id == id::FD_NAME {
                return Value::Str(buf);
            }
            let cut = match buf.iter().rposition(|&c| c == b'/') {
                Some(i) if id == id::FD_FILENAME => i + 1,
                Some(0) => 1,
                Some(i) => i,
                None => 0,
            };
            if id == id::FD_FILENAME {
                Value::Str(buf.get(cut..).unwrap_or_default())
            } else {
                Value::Str(buf.get(..cut).unwrap_or_default())
            }
        }
        _ => Value::Missing,
    }
}

/// (name argument, dirfd argument) of the open family.
fn open_spec(name: &str) -> Option<(usize, Option<usize>)> {
    match name {
        "open" | "creat" => Some((0, None)),
        "openat" | "openat2" => Some((1, Some(0))),
        _ => None,
    }
}

/// Resolves `raw` against the dirfd argument's directory (or the working directory) into `buf`.
fn resolve(x: EventFields<'_, '_>, raw: &[u8], dirfd: Option<usize>, buf: &mut Vec<u8>) {
    let ev = x.enriched.event;
    let p = x.enriched.process;
    let dirfd = dirfd.map_or(AT_FDCWD, |i| ev.args.get(i).map_or(AT_FDCWD, |v| *v as i32));
    let base = if dirfd == AT_FDCWD {
        p.map_or("", |p| &p.cwd)
    } else {
        p.and_then(|p| p.fds.get(dirfd)).and_then(Fd::path).unwrap_or("")
    };
    let base = if base.is_empty() { "/" } else { base };
    resolve_path(base.as_bytes(), raw, buf);
}

/// Which path of a file syscall.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    Name,
    Source,
    Target,
}

/// Where a file syscall's paths are: (path argument, its dirfd argument), or the fd argument
/// whose name is the path (fchmod, fchown).
#[derive(Clone, Copy)]
enum PathArg {
    Str(usize, Option<usize>),
    Fd,
}

fn path_arg(syscall: &str, which: Which) -> Option<PathArg> {
    use PathArg::{Fd as F, Str as S};
    Some(match (syscall, which) {
        ("open" | "creat" | "unlink" | "mkdir" | "rmdir" | "chmod" | "chown" | "lchown" | "umount2", Which::Name) => {
            S(0, None)
        }
        ("openat" | "openat2" | "unlinkat" | "mkdirat" | "fchmodat" | "fchmodat2" | "fchownat", Which::Name) => {
            S(1, Some(0))
        }
        ("fchmod" | "fchown", Which::Name) => F,
        ("rename", Which::Source) => S(0, None),
        ("rename", Which::Target) => S(1, None),
        ("renameat" | "renameat2", Which::Source) => S(1, Some(0)),
        ("renameat" | "renameat2", Which::Target) => S(3, Some(2)),
        // Falco's convention for links: the source is the new link, the target what it names.
        ("link", Which::Source) => S(1, None),
        ("link", Which::Target) => S(0, None),
        ("linkat", Which::Source) => S(3, Some(2)),
        ("linkat", Which::Target) => S(1, Some(0)),
        ("symlink", Which::Source) => S(1, None),
        ("symlink", Which::Target) => S(0, None),
        ("symlinkat", Which::Source) => S(2, Some(1)),
        ("symlinkat", Which::Target) => S(0, None),
        ("mount", Which::Source) => S(0, None),
        ("mount", Which::Target) => S(1, None),
        _ => return None,
    })
}

/// `fs.path.*` (`success`: only when the syscall succeeded, as Falco has it) and
/// `evt.abspath*` (whatever the result).
pub(super) fn fs_path<'s>(
    x: EventFields<'s, '_>,
    which: Which,
    raw: bool,
    success: bool,
    buf: &'s mut Vec<u8>,
) -> Value<'s> {
    let ev: &'s Event<'_> = x.enriched.event;
    let Some(sc) = ev.syscall() else { return Value::Missing };
    let Some(arg) = path_arg(sc.name, which) else {
        return Value::Missing;
    };
    if success {
        let ok = if open_spec(sc.name).is_some() {
            ev.res >= 0
        } else {
            ev.res == 0
        };
        if !ok {
            return Value::Missing;
        }
    }
    match arg {
        PathArg::Fd => match x.enriched.fd {
            Some((_, fd)) => match fd.path() {
                Some(p) => Value::Str(p.as_bytes()),
                None => Value::Missing,
            },
            None => Value::Missing,
        },
        PathArg::Str(i, dirfd) => {
            let Some(s) = ev.str_arg(i) else { return Value::Missing };
            if raw {
                return Value::Str(s);
            }
            resolve(x, s, dirfd, buf);
            Value::Str(buf)
        }
    }
}

/// Every `fd.type` name.
const FD_KINDS: &[&str] = &[
    "file",
    "directory",
    "ipv4",
    "ipv6",
    "unix",
    "netlink",
    "pipe",
    "memfd",
    "event",
    "signalfd",
    "eventpoll",
    "inotify",
    "timerfd",
    "bpf",
    "userfaultfd",
    "io_uring",
    "unknown",
];

/// The several values of `fd.ip`, `fd.port`, `fd.net` (client and server) and `fd.types`.
pub(super) fn each(x: EventFields<'_, '_>, id: u32, each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>) {
    if id == id::FD_TYPES {
        let Some(p) = x.enriched.process else { return };
        // Each kind once, in a fixed order.
        for kind in FD_KINDS {
            if p.fds.iter().any(|(_, fd)| fd.type_name() == *kind) && each(Value::Str(kind.as_bytes())).is_break() {
                return;
            }
        }
        return;
    }
    let Some(i) = x.enriched.fd.and_then(|(_, fd)| fd.inet()) else {
        return;
    };
    for e in [End::Client, End::Server] {
        let (addr, port) = end(i, e);
        let v = if id == id::FD_PORT {
            Value::UNum(u64::from(port))
        } else {
            Value::Ip(addr)
        };
        if each(v).is_break() {
            return;
        }
    }
}
