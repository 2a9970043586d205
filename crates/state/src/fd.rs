//! Open file descriptors of a process: what each fd is (file, directory, socket with its
//! addresses, pipe, memfd ...) as Falco's `fd.*` fields need it, in a table with a cap.

use hashbrown::HashMap;
use std::fmt::{self, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Whether this end opened the connection (`connect`) or accepted it (`accept`, `bind`, `listen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    None,
    Client,
    Server,
}

/// An Internet socket's protocol and both ends, local first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inet {
    pub sock_type: u16,
    pub proto: u16,
    pub local: (IpAddr, u16),
    pub remote: (IpAddr, u16),
    pub role: Role,
    pub listening: bool,
}

impl Inet {
    pub fn unbound(sock_type: u16, proto: u16, v6: bool) -> Inet {
        let any = if v6 {
            IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        Inet {
            sock_type,
            proto,
            local: (any, 0),
            remote: (any, 0),
            role: Role::None,
            listening: false,
        }
    }

    /// The client end (`fd.cip`/`fd.cport`): the local end unless this side is the server.
    pub fn client(&self) -> (IpAddr, u16) {
        if self.role == Role::Server {
            self.remote
        } else {
            self.local
        }
    }

    /// The server end (`fd.sip`/`fd.sport`).
    pub fn server(&self) -> (IpAddr, u16) {
        if self.role == Role::Server {
            self.local
        } else {
            self.remote
        }
    }

    /// `fd.l4proto`: from the protocol number, or the socket type when it was left 0.
    pub fn l4proto(&self) -> &'static str {
        match (self.proto, self.sock_type) {
            (6, _) | (0, 1) => "tcp",
            (17, _) | (0, 2) => "udp",
            (1, _) | (58, _) => "icmp",
            (255, _) | (_, 3) => "raw",
            _ => "unknown",
        }
    }

    fn connected(&self) -> bool {
        self.remote.1 != 0 || !self.remote.0.is_unspecified()
    }
}

/// What one fd refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fd {
    /// A file with its resolved absolute path and the name as the caller passed it.
    File {
        path: Arc<str>,
        raw: Arc<str>,
        flags: u32,
    },
    Directory {
        path: Arc<str>,
        raw: Arc<str>,
    },
    Ipv4(Inet),
    Ipv6(Inet),
    /// A Unix socket; `path` is the bound or connected address when known.
    Unix {
        path: Arc<str>,
    },
    /// A netlink socket.
    Netlink,
    /// One end of a pipe; the inode when known (from `/proc`).
    Pipe {
        ino: Option<u64>,
    },
    Memfd {
        name: Arc<str>,
    },
    Event,
    Signalfd,
    Eventpoll,
    Inotify,
    Timerfd,
    Bpf,
    Userfaultfd,
    IoUring,
    /// Anything else, with its name as `/proc/<pid>/fd` shows it.
    Other {
        name: Arc<str>,
    },
}

impl Fd {
    /// `fd.typechar`.
    pub fn typechar(&self) -> char {
        match self {
            Fd::File { .. } => 'f',
            Fd::Directory { .. } => 'd',
            Fd::Ipv4(_) => '4',
            Fd::Ipv6(_) => '6',
            Fd::Unix { .. } => 'u',
            Fd::Netlink => 'n',
            Fd::Pipe { .. } => 'p',
            Fd::Memfd { .. } => 'm',
            Fd::Event => 'e',
            Fd::Signalfd => 's',
            Fd::Eventpoll => 'l',
            Fd::Inotify => 'i',
            Fd::Timerfd => 't',
            Fd::Bpf => 'b',
            Fd::Userfaultfd => 'u',
            Fd::IoUring => 'r',
            Fd::Other { .. } => 'o',
        }
    }

    /// `fd.type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Fd::File { .. } => "file",
            Fd::Directory { .. } => "directory",
            Fd::Ipv4(_) => "ipv4",
            Fd::Ipv6(_) => "ipv6",
            Fd::Unix { .. } => "unix",
            Fd::Netlink => "netlink",
            Fd::Pipe { .. } => "pipe",
            Fd::Memfd { .. } => "memfd",
            Fd::Event => "event",
            Fd::Signalfd => "signalfd",
            Fd::Eventpoll => "eventpoll",
            Fd::Inotify => "inotify",
            Fd::Timerfd => "timerfd",
            Fd::Bpf => "bpf",
            Fd::Userfaultfd => "userfaultfd",
            Fd::IoUring => "io_uring",
            Fd::Other { .. } => "unknown",
        }
    }

    /// The socket's addresses, for Internet sockets.
    pub fn inet(&self) -> Option<&Inet> {
        match self {
            Fd::Ipv4(i) | Fd::Ipv6(i) => Some(i),
            _ => None,
        }
    }

    pub fn inet_mut(&mut self) -> Option<&mut Inet> {
        match self {
            Fd::Ipv4(i) | Fd::Ipv6(i) => Some(i),
            _ => None,
        }
    }

    /// The resolved path of a file or directory (`fd.name` for them).
    pub fn path(&self) -> Option<&str> {
        match self {
            Fd::File { path, .. } | Fd::Directory { path, .. } => Some(path),
            _ => None,
        }
    }

    /// `fd.nameraw`: the name as the caller passed it, for files and directories.
    pub fn name_raw(&self) -> Option<&str> {
        match self {
            Fd::File { raw, .. } | Fd::Directory { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// Writes `fd.name` as Falco formats it: the path for files, `client->server` for connected
    /// sockets (`10.0.0.2:40000->1.2.3.4:443`), `ip:port` for a bound or listening one,
    /// `pipe:[ino]`, `memfd:<name>`.
    pub fn write_name(&self, out: &mut impl Write) -> fmt::Result {
        match self {
            Fd::File { path, .. } | Fd::Directory { path, .. } => out.write_str(path),
            Fd::Ipv4(i) | Fd::Ipv6(i) => {
                if i.connected() {
                    let (c, s) = (i.client(), i.server());
                    write!(out, "{}:{}->{}:{}", c.0, c.1, s.0, s.1)
                } else if i.local.1 != 0 {
                    write!(out, "{}:{}", i.local.0, i.local.1)
                } else {
                    Ok(())
                }
            }
            Fd::Unix { path } => out.write_str(path),
            Fd::Pipe { ino: Some(ino) } => write!(out, "pipe:[{ino}]"),
            Fd::Memfd { name } => write!(out, "memfd:{name}"),
            Fd::Other { name } => out.write_str(name),
            _ => Ok(()),
        }
    }

    pub fn name(&self) -> String {
        let mut s = String::new();
        let _ = self.write_name(&mut s);
        s
    }

    /// What a `/proc/<pid>/fd/<n>` link target names.
    pub fn from_proc_link(target: &str) -> Fd {
        let bracket = |prefix: &str| {
            target
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('['))
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse::<u64>().ok())
        };
        if target.starts_with('/') {
            if let Some(name) = target.strip_prefix("/memfd:") {
                let name = name.strip_suffix(" (deleted)").unwrap_or(name);
                return Fd::Memfd { name: name.into() };
            }
            let p: Arc<str> = target.into();
            return Fd::File {
                raw: p.clone(),
                path: p,
                flags: 0,
            };
        }
        if let Some(ino) = bracket("pipe:") {
            return Fd::Pipe { ino: Some(ino) };
        }
        match target.strip_prefix("anon_inode:") {
            Some("[eventfd]") => Fd::Event,
            Some("[signalfd]") => Fd::Signalfd,
            Some("[eventpoll]") => Fd::Eventpoll,
            Some("inotify") => Fd::Inotify,
            Some("[timerfd]") => Fd::Timerfd,
            Some(b) if b.starts_with("bpf") => Fd::Bpf,
            Some("[userfaultfd]") => Fd::Userfaultfd,
            Some("[io_uring]") => Fd::IoUring,
            _ => Fd::Other { name: target.into() },
        }
    }
}

/// A process's fds, with at most `max` entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdTable {
    fds: HashMap<i32, Fd>,
}

impl FdTable {
    pub fn get(&self, fd: i32) -> Option<&Fd> {
        self.fds.get(&fd)
    }
    pub fn get_mut(&mut self, fd: i32) -> Option<&mut Fd> {
        self.fds.get_mut(&fd)
    }
    pub fn len(&self) -> usize {
        self.fds.len()
    }
    pub fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (i32, &Fd)> {
        self.fds.iter().map(|(k, v)| (*k, v))
    }

    /// Adds or replaces `fd`. Returns false (and adds nothing) when the table already holds
    /// `max` other fds: the caller counts the drop.
    pub fn insert(&mut self, fd: i32, what: Fd, max: usize) -> bool {
        if fd < 0 {
            return false;
        }
        if self.fds.len() >= max && !self.fds.contains_key(&fd) {
            return false;
        }
        self.fds.insert(fd, what);
        true
    }

    pub fn remove(&mut self, fd: i32) -> Option<Fd> {
        self.fds.remove(&fd)
    }
}

/// Resolves `name` against `base` (an absolute directory) into `out`: absolute names as given,
/// relative ones appended to `base`; `.` and empty components dropped, `..` removes the last
/// component (never above `/`). Symlinks are not followed: the kernel is not asked.
pub fn resolve_path(base: &[u8], name: &[u8], out: &mut Vec<u8>) {
    out.clear();
    if name.first() != Some(&b'/') {
        push_components(base, out);
    }
    push_components(name, out);
    if out.is_empty() {
        out.push(b'/');
    }
}

fn push_components(path: &[u8], out: &mut Vec<u8>) {
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                let cut = out.iter().rposition(|&b| b == b'/').unwrap_or(0);
                out.truncate(cut);
            }
            c => {
                out.push(b'/');
                out.extend_from_slice(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(base: &str, name: &str) -> String {
        let mut v = Vec::new();
        resolve_path(base.as_bytes(), name.as_bytes(), &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn path_resolution() {
        assert_eq!(res("/home/u", "a.txt"), "/home/u/a.txt");
        assert_eq!(res("/home/u", "./x/../../etc//passwd"), "/home/etc/passwd");
        assert_eq!(res("/home/u", "/etc/./shadow"), "/etc/shadow");
        assert_eq!(res("/", "../../.."), "/");
        assert_eq!(res("/a/", "b/"), "/a/b");
        assert_eq!(res("/a", ""), "/a");
        assert_eq!(res("/", "."), "/");
    }

    #[test]
    fn names_as_falco_writes_them() {
        let t = Inet {
            sock_type: 1,
            proto: 6,
            local: ("10.0.0.2".parse().unwrap(), 40000),
            remote: ("1.2.3.4".parse().unwrap(), 443),
            role: Role::Client,
            listening: false,
        };
        assert_eq!(Fd::Ipv4(t).name(), "10.0.0.2:40000->1.2.3.4:443");
        let server = Inet {
            role: Role::Server,
            ..t
        };
        assert_eq!(Fd::Ipv4(server).name(), "1.2.3.4:443->10.0.0.2:40000");
        assert_eq!(server.server(), ("10.0.0.2".parse().unwrap(), 40000));
        let listen = Inet {
            remote: (Ipv4Addr::UNSPECIFIED.into(), 0),
            local: (Ipv4Addr::UNSPECIFIED.into(), 8080),
            ..server
        };
        assert_eq!(Fd::Ipv4(listen).name(), "0.0.0.0:8080");
        assert_eq!(Fd::Ipv4(t).typechar(), '4');
        assert_eq!(t.l4proto(), "tcp");
        assert_eq!(Fd::Pipe { ino: Some(77) }.name(), "pipe:[77]");
        assert_eq!(Fd::Memfd { name: "x".into() }.name(), "memfd:x");
    }

    #[test]
    fn proc_links() {
        assert_eq!(Fd::from_proc_link("pipe:[1234]"), Fd::Pipe { ino: Some(1234) });
        assert_eq!(Fd::from_proc_link("anon_inode:[eventpoll]"), Fd::Eventpoll);
        assert_eq!(
            Fd::from_proc_link("/memfd:pay (deleted)"),
            Fd::Memfd { name: "pay".into() }
        );
        assert_eq!(Fd::from_proc_link("/etc/hosts").path(), Some("/etc/hosts"));
        assert_eq!(Fd::from_proc_link("socket:[99]").typechar(), 'o');
    }

    #[test]
    fn table_is_capped() {
        let mut t = FdTable::default();
        for i in 0..10 {
            t.insert(i, Fd::Event, 4);
        }
        assert_eq!(t.len(), 4);
        assert!(
            t.insert(2, Fd::Inotify, 4),
            "replacing an existing fd is always allowed"
        );
        assert!(!t.insert(-1, Fd::Event, 4));
    }
}
