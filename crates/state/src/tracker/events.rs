//! The per-event state changes: exec, fork, exit, and the syscalls that open, close, duplicate
//! or describe fds, change the working directory or credentials.

use std::sync::Arc;

use vigil_capture::syscalls::SYSCALLS;
use vigil_capture::{Event, SockAddr};

use super::{arc_str, Process, Tracker};
use crate::fd::{resolve_path, Fd, Inet, Role};

const AT_FDCWD: i32 = -100;
const O_DIRECTORY: u64 = 0o200000;
const O_CREAT_WRONLY_TRUNC: u64 = 0o1101;
const F_DUPFD: u64 = 0;
const F_DUPFD_CLOEXEC: u64 = 1030;
const EINPROGRESS: i64 = -115;

/// Which event's fd the view is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FdRef {
    /// This fd of the event's process.
    Fd(i32),
    /// The fd the event closed (held in `Tracker::closed`).
    Closed,
}

/// What a syscall does to the state; one per row of the syscall table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    None,
    /// name arg, dirfd arg, flags source.
    Open {
        name: u8,
        dirfd: Option<u8>,
        flags: Flags,
    },
    Close,
    Dup,
    Fcntl,
    Socket,
    Connect,
    Accept,
    Bind,
    Listen,
    /// sendto, sendmsg, fchmod, fchown, finit_module, setns: about args[0], no change.
    Arg0,
    Pipe,
    SocketPair,
    Memfd,
    Chdir,
    Fchdir,
    SetUid(u8),
    SetGid(u8),
    Setsid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flags {
    Arg(u8),
    OpenHow,
    Creat,
}

fn op_for(name: &str) -> Op {
    match name {
        "open" => Op::Open {
            name: 0,
            dirfd: None,
            flags: Flags::Arg(1),
        },
        "openat" => Op::Open {
            name: 1,
            dirfd: Some(0),
            flags: Flags::Arg(2),
        },
        "openat2" => Op::Open {
            name: 1,
            dirfd: Some(0),
            flags: Flags::OpenHow,
        },
        "creat" => Op::Open {
            name: 0,
            dirfd: None,
            flags: Flags::Creat,
        },
        "close" => Op::Close,
        "dup" | "dup2" | "dup3" => Op::Dup,
        "fcntl" => Op::Fcntl,
        "socket" => Op::Socket,
        "connect" => Op::Connect,
        "accept" | "accept4" => Op::Accept,
        "bind" => Op::Bind,
        "listen" => Op::Listen,
        "sendto" | "sendmsg" | "fchmod" | "fchown" | "finit_module" | "setns" => Op::Arg0,
        "pipe" | "pipe2" => Op::Pipe,
        "socketpair" => Op::SocketPair,
        "memfd_create" => Op::Memfd,
        "chdir" => Op::Chdir,
        "fchdir" => Op::Fchdir,
        "setuid" => Op::SetUid(0),
        "setreuid" => Op::SetUid(1),
        "setresuid" => Op::SetUid(2),
        "setgid" => Op::SetGid(0),
        "setregid" => Op::SetGid(1),
        "setresgid" => Op::SetGid(2),
        "setsid" => Op::Setsid,
        _ => Op::None,
    }
}

pub(crate) fn op_table() -> Vec<Op> {
    SYSCALLS.iter().map(|s| op_for(s.name)).collect()
}

fn arg_fd(ev: &Event<'_>, i: usize) -> i32 {
    ev.args[i] as i32
}

fn res_fd(ev: &Event<'_>) -> Option<i32> {
    (ev.res >= 0 && ev.res <= i64::from(i32::MAX)).then_some(ev.res as i32)
}

impl Tracker {
    /// A process first seen in a syscall record: what its header says (allocates once).
    pub(super) fn ensure_process(&mut self, ev: &Event<'_>) {
        if self.procs.contains_key(&ev.pid) {
            return;
        }
        self.stats.partial_processes += 1;
        let p = Process {
            pid: ev.pid,
            ppid: ev.ppid,
            comm: String::from_utf8_lossy(ev.comm()).into(),
            uid: ev.uid,
            gid: ev.gid,
            euid: ev.uid,
            egid: ev.gid,
            last_seen: ev.ts,
            ..Process::default()
        };
        self.insert_process(p);
        if ev.tid != ev.pid {
            self.add_thread(ev.tid, ev.pid);
        }
    }

    pub(super) fn on_exec(&mut self, ev: &Event<'_>) {
        let old = ev.args[0] as u32;
        if old != ev.pid {
            self.threads.remove(&old);
        }
        let (buf, _) = self.scratch();
        let mut cgroup_path: Option<Arc<str>> = None;
        if let Some(cg) = ev.cgroup_rev() {
            cg.write_to(buf);
            cgroup_path = Some(arc_str(buf));
        }
        let container = cgroup_path.as_deref().and_then(|p| self.container_for_path(p, ev.pid));
        if cgroup_path.is_some() {
            self.learn_cgroup(ev.cgroup, container.clone());
        }
        let (buf, _) = self.scratch();
        let exepath = ev.exe_path_rev().map(|p| {
            p.write_to(buf);
            arc_str(buf)
        });
        let cwd = ev.cwd_rev().map(|p| {
            p.write_to(buf);
            arc_str(buf)
        });
        let argv: Arc<[Box<str>]> = ev.argv().map(|a| String::from_utf8_lossy(a).into()).collect();
        let exe = ev.filename().map(arc_str);
        if !self.procs.contains_key(&ev.pid) {
            let fresh = Process {
                pid: ev.pid,
                ppid: ev.ppid,
                ..Process::default()
            };
            self.insert_process(fresh);
        }
        let Some(p) = self.procs.get_mut(&ev.pid) else { return };
        p.ppid = ev.ppid;
        p.comm = String::from_utf8_lossy(ev.comm()).into();
        p.exe = exe.unwrap_or_else(|| argv.first().map(|a| Arc::from(&**a)).unwrap_or_default());
        if let Some(e) = exepath {
            p.exepath = e;
        }
        if let Some(c) = cwd {
            p.cwd = c;
        }
        p.argv = argv;
        if let Some(cg) = cgroup_path {
            p.cgroup = cg;
            p.container = container;
            p.container_known = true;
        }
        if let Some(info) = ev.procinfo() {
            p.info = info;
            p.euid = info.uid;
            p.egid = info.gid;
        }
        p.uid = ev.uid;
        p.gid = ev.gid;
        p.exited_ns = None;
        p.exit_gen = 0;
    }

    pub(super) fn on_fork(&mut self, ev: &Event<'_>) {
        let Some((ctid, ctgid)) = ev.child() else { return };
        let info = ev.procinfo();
        if ctgid == ev.pid || info.is_some_and(|i| i.is_thread()) {
            self.add_thread(ctid, ctgid);
            return;
        }
        let (buf, _) = self.scratch();
        let path = ev.cgroup_rev().map(|c| {
            c.write_to(buf);
        });
        let parent = self.procs.get(&ev.pid);
        let mut child = match parent {
            Some(pp) => Process {
                comm: pp.comm.clone(),
                exe: pp.exe.clone(),
                exepath: pp.exepath.clone(),
                argv: pp.argv.clone(),
                cwd: pp.cwd.clone(),
                cgroup: pp.cgroup.clone(),
                container: pp.container.clone(),
                container_known: pp.container_known,
                info: pp.info,
                uid: pp.uid,
                gid: pp.gid,
                euid: pp.euid,
                egid: pp.egid,
                fds: pp.fds.clone(),
                ..Process::default()
            },
            None => Process {
                comm: String::from_utf8_lossy(ev.comm()).into(),
                uid: ev.uid,
                gid: ev.gid,
                euid: ev.uid,
                egid: ev.gid,
                ..Process::default()
            },
        };
        child.pid = ctgid;
        child.ppid = ev.pid;
        child.last_seen = ev.ts;
        if let Some(i) = info {
            child.info = i;
        }
        if path.is_some() {
            let same = self.scratch.as_slice() == child.cgroup.as_bytes();
            if !same {
                let p = arc_str(&self.scratch);
                child.container = self.container_for_path(&p, ctgid);
                child.cgroup = p;
            }
            child.container_known = true;
        }
        self.insert_process(child);
    }

    pub(super) fn on_exit(&mut self, ev: &Event<'_>) {
        if ev.tid != ev.pid {
            self.threads.remove(&ev.tid);
        }
        if ev.group_dead() {
            self.mark_exited(ev.pid, ev.ts);
        }
    }

    /// Applies a syscall; returns the fd the event is about.
    pub(super) fn on_syscall(&mut self, op: Op, ev: &Event<'_>) -> Option<FdRef> {
        let max_fds = self.cfg.max_fds_per_process;
        match op {
            Op::None => None,
            Op::Open { name, dirfd, flags } => {
                let fd = res_fd(ev)?;
                let raw = ev.str_arg(usize::from(name)).unwrap_or_default();
                let flags = match flags {
                    Flags::Arg(i) => ev.args[usize::from(i)],
                    Flags::OpenHow => ev.open_how().map_or(0, |h| h.0),
                    Flags::Creat => O_CREAT_WRONLY_TRUNC,
                };
                let dirfd = dirfd.map_or(AT_FDCWD, |i| arg_fd(ev, usize::from(i)));
                let p = self.procs.get(&ev.pid)?;
                let base: &str = if dirfd == AT_FDCWD {
                    &p.cwd
                } else {
                    p.fds.get(dirfd).and_then(Fd::path).unwrap_or("")
                };
                let mut out = std::mem::take(&mut self.scratch);
                resolve_path(base.as_bytes(), raw, &mut out);
                let path = arc_str(&out);
                let raw = if raw == out.as_slice() {
                    path.clone()
                } else {
                    arc_str(raw)
                };
                self.scratch = out;
                let what = if flags & O_DIRECTORY != 0 {
                    Fd::Directory { path, raw }
                } else {
                    Fd::File {
                        path,
                        raw,
                        flags: flags as u32,
                    }
                };
                self.put_fd(ev.pid, fd, what, max_fds);
                Some(FdRef::Fd(fd))
            }
            Op::Close => {
                let fd = arg_fd(ev, 0);
                if ev.res != 0 {
                    return Some(FdRef::Fd(fd));
                }
                let removed = self.procs.get_mut(&ev.pid).and_then(|p| p.fds.remove(fd));
                match removed {
                    Some(f) => {
                        self.closed = Some((ev.pid, fd, f));
                        Some(FdRef::Closed)
                    }
                    None => None,
                }
            }
            Op::Dup => self.dup(ev, arg_fd(ev, 0), max_fds),
            Op::Fcntl if matches!(ev.args[1], F_DUPFD | F_DUPFD_CLOEXEC) => self.dup(ev, arg_fd(ev, 0), max_fds),
            Op::Fcntl => Some(FdRef::Fd(arg_fd(ev, 0))),
            Op::Socket => {
                let fd = res_fd(ev)?;
                let (sock_type, proto) = ((ev.args[1] & 0xf) as u16, ev.args[2] as u16);
                let what = match ev.args[0] {
                    1 => Fd::Unix { path: Arc::default() },
                    2 => Fd::Ipv4(Inet::unbound(sock_type, proto, false)),
                    10 => Fd::Ipv6(Inet::unbound(sock_type, proto, true)),
                    16 => Fd::Netlink,
                    _ => Fd::Other { name: Arc::default() },
                };
                self.put_fd(ev.pid, fd, what, max_fds);
                Some(FdRef::Fd(fd))
            }
            Op::Connect | Op::Bind | Op::Listen => {
                let fd = arg_fd(ev, 0);
                let ok = ev.res == 0 || (op == Op::Connect && ev.res == EINPROGRESS);
                if ok {
                    let role = if op == Op::Connect { Role::Client } else { Role::Server };
                    self.update_socket(ev, fd, role, op == Op::Listen, max_fds);
                }
                Some(FdRef::Fd(fd))
            }
            Op::Accept => {
                let fd = res_fd(ev)?;
                let what = match ev.tuple() {
                    Some(t) => inet_fd(&t, Role::Server),
                    None => self
                        .fd_of(ev.pid, arg_fd(ev, 0))
                        .cloned()
                        .unwrap_or(Fd::Other { name: Arc::default() }),
                };
                self.put_fd(ev.pid, fd, what, max_fds);
                Some(FdRef::Fd(fd))
            }
            Op::Arg0 => {
                let fd = arg_fd(ev, 0);
                if let (Some(t), Some(f)) = (ev.tuple(), self.fd_of_mut(ev.pid, fd)) {
                    if let Some(i) = f.inet_mut() {
                        (i.local, i.remote) = (t.local, t.remote);
                    }
                }
                Some(FdRef::Fd(fd))
            }
            Op::Pipe | Op::SocketPair => {
                let (a, b) = ev.fds().filter(|_| ev.res == 0)?;
                let what = if op == Op::Pipe {
                    Fd::Pipe { ino: None }
                } else if ev.args[0] == 1 {
                    Fd::Unix { path: Arc::default() }
                } else {
                    Fd::Other { name: Arc::default() }
                };
                self.put_fd(ev.pid, a, what.clone(), max_fds);
                self.put_fd(ev.pid, b, what, max_fds);
                Some(FdRef::Fd(a))
            }
            Op::Memfd => {
                let fd = res_fd(ev)?;
                let name = arc_str(ev.str_arg(0).unwrap_or_default());
                self.put_fd(ev.pid, fd, Fd::Memfd { name }, max_fds);
                Some(FdRef::Fd(fd))
            }
            Op::Chdir => {
                if ev.res == 0 {
                    let raw = ev.str_arg(0).unwrap_or_default();
                    let mut out = std::mem::take(&mut self.scratch);
                    if let Some(p) = self.procs.get_mut(&ev.pid) {
                        resolve_path(p.cwd.as_bytes(), raw, &mut out);
                        p.cwd = arc_str(&out);
                    }
                    self.scratch = out;
                }
                None
            }
            Op::Fchdir => {
                let fd = arg_fd(ev, 0);
                if ev.res == 0 {
                    if let Some(p) = self.procs.get_mut(&ev.pid) {
                        if let Some(path) = p.fds.get(fd).and_then(Fd::path) {
                            p.cwd = Arc::from(path);
                        }
                    }
                }
                Some(FdRef::Fd(fd))
            }
            Op::SetUid(form) | Op::SetGid(form) => {
                if ev.res != 0 {
                    return None;
                }
                let p = self.procs.get_mut(&ev.pid)?;
                let (real, eff) = match form {
                    0 => (Some(ev.args[0] as u32), Some(ev.args[0] as u32)),
                    _ => (Some(ev.args[0] as u32), Some(ev.args[1] as u32)),
                };
                let keep = |v: Option<u32>, old: u32| v.filter(|&v| v != u32::MAX).unwrap_or(old);
                if matches!(op, Op::SetUid(_)) {
                    (p.uid, p.euid) = (keep(real, p.uid), keep(eff, p.euid));
                    p.info.uid = p.euid;
                } else {
                    (p.gid, p.egid) = (keep(real, p.gid), keep(eff, p.egid));
                    p.info.gid = p.egid;
                }
                None
            }
            Op::Setsid => {
                if let (Ok(sid), Some(p)) = (u32::try_from(ev.res), self.procs.get_mut(&ev.pid)) {
                    p.info.sid = sid;
                }
                None
            }
        }
    }

    fn fd_of(&self, pid: u32, fd: i32) -> Option<&Fd> {
        self.procs.get(&pid)?.fds.get(fd)
    }

    fn fd_of_mut(&mut self, pid: u32, fd: i32) -> Option<&mut Fd> {
        self.procs.get_mut(&pid)?.fds.get_mut(fd)
    }

    fn put_fd(&mut self, pid: u32, fd: i32, what: Fd, max: usize) {
        let Some(p) = self.procs.get_mut(&pid) else { return };
        if !p.fds.insert(fd, what, max) {
            self.stats.fd_drops += 1;
        }
    }

    fn dup(&mut self, ev: &Event<'_>, old: i32, max: usize) -> Option<FdRef> {
        let new = res_fd(ev)?;
        if new == old {
            return Some(FdRef::Fd(new));
        }
        if let Some(what) = self.fd_of(ev.pid, old).cloned() {
            self.put_fd(ev.pid, new, what, max);
        } else if let Some(p) = self.procs.get_mut(&ev.pid) {
            // dup2 onto an fd replaces it even when the old one is unknown to us.
            p.fds.remove(new);
        }
        Some(FdRef::Fd(new))
    }

    /// Fills a socket's addresses from the kernel's tuple (or the caller's sockaddr); a socket
    /// created before we started is added. No allocation when the fd is known.
    fn update_socket(&mut self, ev: &Event<'_>, fd: i32, role: Role, listening: bool, max: usize) {
        let tuple = ev.tuple();
        if let Some(f) = self.fd_of_mut(ev.pid, fd) {
            match (f, tuple) {
                (Fd::Ipv4(i) | Fd::Ipv6(i), Some(t)) => {
                    (i.local, i.remote, i.role) = (t.local, t.remote, role);
                    i.listening |= listening;
                }
                (Fd::Ipv4(i) | Fd::Ipv6(i), None) => {
                    i.role = role;
                    i.listening |= listening;
                    if let Some(SockAddr::Inet(ip, port)) = ev.sockaddr() {
                        if role == Role::Client {
                            i.remote = (ip, port);
                        } else {
                            i.local = (ip, port);
                        }
                    }
                }
                (Fd::Unix { path }, _) => {
                    if let Some(SockAddr::Unix(p)) = ev.sockaddr() {
                        if path.as_bytes() != p {
                            *path = arc_str(p);
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        let what = match (tuple, ev.sockaddr()) {
            (Some(t), _) if t.family == 2 || t.family == 10 => inet_fd(&t, role),
            (_, Some(SockAddr::Unix(p))) => Fd::Unix { path: arc_str(p) },
            _ => return,
        };
        self.put_fd(ev.pid, fd, what, max);
    }
}

fn inet_fd(t: &vigil_capture::Tuple, role: Role) -> Fd {
    let i = Inet {
        sock_type: t.sock_type,
        proto: t.proto,
        local: t.local,
        remote: t.remote,
        role,
        listening: false,
    };
    if t.family == 10 {
        Fd::Ipv6(i)
    } else {
        Fd::Ipv4(i)
    }
}
