//! Typed events, parsed once from a record's bytes. Nothing past this module touches raw bytes.
//!
//! [`Event`] borrows the record: decoding allocates nothing, which matters on the per-event path.

use crate::abi::{self, hdr, procinfo as pi, tag, tuple as tu, HDR_SIZE, VAR_SIZE};
use crate::syscalls::{self, Syscall};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a record was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("record of {0} bytes is shorter than the {HDR_SIZE}-byte header")]
    Short(usize),
    #[error("record says it is {said} bytes but {got} arrived")]
    Length { said: usize, got: usize },
    #[error("record has ABI version {0}, this build reads {ver}", ver = abi::ABI_VERSION)]
    Abi(u16),
    #[error("record field {index} (tag {tag}) runs past the record's end")]
    Field { index: usize, tag: u8 },
    #[error("record has {0} fields, more than {MAX_VARS}")]
    TooManyFields(usize),
    #[error("unknown event kind {0}")]
    Kind(u16),
}

/// The most variable fields one record may carry.
pub const MAX_VARS: usize = 12;

/// What an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A process replaced its image (sched_process_exec): Falco's `execve` exit event.
    Exec,
    /// A task was created (sched_process_fork).
    Fork,
    /// A task ended (sched_process_exit): Falco's `procexit`.
    Exit,
    /// A syscall returned.
    Syscall(&'static Syscall),
}

impl Kind {
    pub fn from_raw(raw: u16) -> Option<Kind> {
        match raw {
            abi::KIND_PROC_EXEC => Some(Kind::Exec),
            abi::KIND_PROC_FORK => Some(Kind::Fork),
            abi::KIND_PROC_EXIT => Some(Kind::Exit),
            k => syscalls::by_kind(k).map(Kind::Syscall),
        }
    }

    pub fn raw(&self) -> u16 {
        match self {
            Kind::Exec => abi::KIND_PROC_EXEC,
            Kind::Fork => abi::KIND_PROC_FORK,
            Kind::Exit => abi::KIND_PROC_EXIT,
            Kind::Syscall(s) => s.kind,
        }
    }

    /// The event type as rules name it (`evt.type`).
    pub fn name(&self) -> &'static str {
        syscalls::kind_name(self.raw())
    }
}

/// One event, borrowed from its record.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub kind: Kind,
    /// Nanoseconds since boot.
    pub ts: u64,
    /// Kernfs id of the task's cgroup in the tracked hierarchy.
    pub cgroup: u64,
    pub res: i64,
    pub args: [u64; 6],
    pub pid: u32,
    pub tid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub gid: u32,
    pub flags: u16,
    pub cpu: u16,
    comm: &'a [u8],
    record: &'a [u8],
    vars: [(u8, u16, u16); MAX_VARS],
    nvar: u8,
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(a)
}

/// The length a record says it has, if at least its header arrived; for framing a stream.
pub fn record_len(b: &[u8]) -> Option<usize> {
    (b.len() >= HDR_SIZE).then(|| u16_at(b, hdr::LEN) as usize)
}

impl<'a> Event<'a> {
    /// Parses one record. Every length is checked; nothing is trusted.
    pub fn decode(b: &'a [u8]) -> Result<Event<'a>, DecodeError> {
        if b.len() < HDR_SIZE {
            return Err(DecodeError::Short(b.len()));
        }
        let said = u16_at(b, hdr::LEN) as usize;
        if said < HDR_SIZE || said > b.len() {
            return Err(DecodeError::Length { said, got: b.len() });
        }
        let b = &b[..said];
        let ver = u16_at(b, hdr::ABI);
        if ver != abi::ABI_VERSION {
            return Err(DecodeError::Abi(ver));
        }
        let raw_kind = u16_at(b, hdr::KIND);
        let kind = Kind::from_raw(raw_kind).ok_or(DecodeError::Kind(raw_kind))?;
        let nvar = u16_at(b, hdr::NVAR) as usize;
        if nvar > MAX_VARS {
            return Err(DecodeError::TooManyFields(nvar));
        }
        let mut vars = [(0u8, 0u16, 0u16); MAX_VARS];
        let mut off = HDR_SIZE;
        for (index, slot) in vars.iter_mut().enumerate().take(nvar) {
            if off + VAR_SIZE > b.len() {
                return Err(DecodeError::Field { index, tag: 0 });
            }
            let t = b[off];
            let len = u16_at(b, off + 2) as usize;
            let start = off + VAR_SIZE;
            if start + len > b.len() {
                return Err(DecodeError::Field { index, tag: t });
            }
            // Offsets fit u16: a record is at most RECORD_MAX (16 KiB) bytes.
            *slot = (t, start as u16, len as u16);
            off = start + len;
        }
        let mut args = [0u64; 6];
        for (i, a) in args.iter_mut().enumerate() {
            *a = u64_at(b, hdr::ARGS + 8 * i);
        }
        let comm = &b[hdr::COMM..hdr::COMM + 16];
        let comm = &comm[..memchr0(comm)];
        Ok(Event {
            kind,
            ts: u64_at(b, hdr::TS),
            cgroup: u64_at(b, hdr::CGROUP),
            res: u64_at(b, hdr::RES) as i64,
            args,
            pid: u32_at(b, hdr::PID),
            tid: u32_at(b, hdr::TID),
            ppid: u32_at(b, hdr::PPID),
            uid: u32_at(b, hdr::UID),
            gid: u32_at(b, hdr::GID),
            flags: u16_at(b, hdr::FLAGS),
            cpu: u16_at(b, hdr::CPU),
            comm,
            record: b,
            vars,
            nvar: nvar as u8,
        })
    }

    /// The record's bytes, for writing to a capture file.
    pub fn record(&self) -> &'a [u8] {
        self.record
    }

    /// The task's command name (`proc.name` as the kernel keeps it, 15 bytes at most).
    /// For an exec, the name the new image gets: the kernel sets it from the file name's last
    /// component after the exec tracepoint has fired, so the header still holds the old one.
    pub fn comm(&self) -> &'a [u8] {
        if self.kind == Kind::Exec {
            if let Some(f) = self.filename() {
                let base = f.rsplit(|b| *b == b'/').next().unwrap_or(f);
                if !base.is_empty() {
                    return &base[..base.len().min(15)];
                }
            }
        }
        self.comm
    }

    /// The bytes of the first field with this tag.
    pub fn field(&self, t: u8) -> Option<&'a [u8]> {
        self.vars[..self.nvar as usize]
            .iter()
            .find(|(vt, _, _)| *vt == t)
            .map(|&(_, s, l)| &self.record[s as usize..s as usize + l as usize])
    }

    /// The user string the syscall got in argument `i`, as the probe copied it.
    pub fn str_arg(&self, i: usize) -> Option<&'a [u8]> {
        if i > 5 {
            return None;
        }
        self.field(tag::ARG0 + i as u8)
    }

    /// The syscall row, for syscall events.
    pub fn syscall(&self) -> Option<&'static Syscall> {
        match self.kind {
            Kind::Syscall(s) => Some(s),
            _ => None,
        }
    }

    /// The argument named `name` (Falco's name), raw.
    pub fn arg_index(&self, name: &str) -> Option<usize> {
        self.syscall()?.args.iter().position(|a| *a == name)
    }

    pub fn truncated(&self) -> bool {
        self.flags & abi::F_TRUNCATED != 0
    }

    /// The socket address the caller passed (connect, bind, sendto, sendmsg).
    pub fn sockaddr(&self) -> Option<SockAddr<'a>> {
        self.field(tag::SOCKADDR).map(SockAddr::parse)
    }

    /// The socket's addresses as the kernel saw them after the call.
    pub fn tuple(&self) -> Option<Tuple> {
        self.field(tag::TUPLE).and_then(Tuple::parse)
    }

    /// The two fds of pipe, pipe2 and socketpair.
    pub fn fds(&self) -> Option<(i32, i32)> {
        let f = self.field(tag::FDS)?;
        (f.len() >= 8).then(|| (u32_at(f, 0) as i32, u32_at(f, 4) as i32))
    }

    /// openat2's `struct open_how`: flags, mode, resolve.
    pub fn open_how(&self) -> Option<(u64, u64, u64)> {
        let f = self.field(tag::OPEN_HOW)?;
        (f.len() >= 24).then(|| (u64_at(f, 0), u64_at(f, 8), u64_at(f, 16)))
    }

    /// Exec: the file name the caller passed.
    pub fn filename(&self) -> Option<&'a [u8]> {
        self.field(tag::FILENAME)
    }

    /// Exec: the arguments, argv[0] included.
    pub fn argv(&self) -> impl Iterator<Item = &'a [u8]> {
        let raw = self.field(tag::ARGV).unwrap_or(&[]);
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        raw.split(|b| *b == 0).filter(move |_| !raw.is_empty())
    }

    /// Exec: the executable's path inside the process's root, components leaf first.
    pub fn exe_path_rev(&self) -> Option<PathRev<'a>> {
        self.field(tag::EXEPATH).map(PathRev)
    }

    /// Exec: the working directory, components leaf first.
    pub fn cwd_rev(&self) -> Option<PathRev<'a>> {
        self.field(tag::CWD).map(PathRev)
    }

    /// Exec and fork: the cgroup path in the tracked hierarchy, components leaf first.
    pub fn cgroup_rev(&self) -> Option<PathRev<'a>> {
        self.field(tag::CGROUP).map(PathRev)
    }

    /// Exec and fork: credentials and the exe's facts.
    pub fn procinfo(&self) -> Option<ProcInfo> {
        self.field(tag::PROCINFO).and_then(ProcInfo::parse)
    }

    /// Fork: the new task's tid and tgid.
    pub fn child(&self) -> Option<(u32, u32)> {
        (self.kind == Kind::Fork).then(|| (self.args[0] as u32, self.args[1] as u32))
    }

    /// Exit: whether this was the process's last thread.
    pub fn group_dead(&self) -> bool {
        self.kind == Kind::Exit && self.args[0] != 0
    }

    /// The event type as rules name it.
    pub fn name(&self) -> &'static str {
        match (self.kind, self.args[1]) {
            (Kind::Exec, 322) => "execveat",
            _ => self.kind.name(),
        }
    }
}

fn memchr0(b: &[u8]) -> usize {
    b.iter().position(|&c| c == 0).unwrap_or(b.len())
}

/// A path the probe wrote leaf first, NUL-separated (`bin\0usr\0` is `/usr/bin`).
#[derive(Debug, Clone, Copy)]
pub struct PathRev<'a>(pub &'a [u8]);

impl<'a> PathRev<'a> {
    /// The components, root first.
    pub fn components(&self) -> impl Iterator<Item = &'a [u8]> {
        let raw = self.0.strip_suffix(&[0]).unwrap_or(self.0);
        raw.rsplit(|b| *b == 0).filter(|c| !c.is_empty())
    }

    /// Writes the absolute path into `out` (cleared first), `/` for the root.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.clear();
        for c in self.components() {
            out.push(b'/');
            out.extend_from_slice(c);
        }
        if out.is_empty() {
            out.push(b'/');
        }
    }

    pub fn to_path(&self) -> String {
        let mut v = Vec::new();
        self.write_to(&mut v);
        String::from_utf8_lossy(&v).into_owned()
    }
}

/// A socket address as the caller passed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SockAddr<'a> {
    Inet(IpAddr, u16),
    Unix(&'a [u8]),
    Other(u16),
    Empty,
}

impl<'a> SockAddr<'a> {
    pub fn parse(b: &'a [u8]) -> SockAddr<'a> {
        if b.len() < 2 {
            return SockAddr::Empty;
        }
        let family = u16_at(b, 0);
        match family {
            2 if b.len() >= 8 => SockAddr::Inet(
                IpAddr::V4(Ipv4Addr::new(b[4], b[5], b[6], b[7])),
                u16::from_be_bytes([b[2], b[3]]),
            ),
            10 if b.len() >= 24 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&b[8..24]);
                SockAddr::Inet(IpAddr::V6(Ipv6Addr::from(a)), u16::from_be_bytes([b[2], b[3]]))
            }
            1 => {
                let path = &b[2..];
                SockAddr::Unix(&path[..memchr0(path)])
            }
            f => SockAddr::Other(f),
        }
    }
}

/// A socket's family, type, protocol and both ends, read from the kernel's socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuple {
    pub family: u16,
    pub sock_type: u16,
    pub proto: u16,
    pub local: (IpAddr, u16),
    pub remote: (IpAddr, u16),
}

impl Tuple {
    pub fn parse(b: &[u8]) -> Option<Tuple> {
        if b.len() < tu::SIZE {
            return None;
        }
        let family = u16_at(b, tu::FAMILY);
        // AF_INET and AF_INET6 only: other sockets have no addresses to show as a tuple
        if family != 2 && family != 10 {
            return None;
        }
        let addr = |o: usize| -> IpAddr {
            if family == 10 {
                let mut a = [0u8; 16];
                a.copy_from_slice(&b[o..o + 16]);
                IpAddr::V6(Ipv6Addr::from(a))
            } else {
                IpAddr::V4(Ipv4Addr::new(b[o], b[o + 1], b[o + 2], b[o + 3]))
            }
        };
        Some(Tuple {
            family,
            sock_type: u16_at(b, tu::TYPE),
            proto: u16_at(b, tu::PROTO),
            local: (addr(tu::LADDR), u16_at(b, tu::LPORT)),
            remote: (addr(tu::RADDR), u16_at(b, tu::RPORT)),
        })
    }

    /// `tcp`, `udp`, or `None` for other protocols.
    pub fn l4proto(&self) -> Option<&'static str> {
        match self.proto {
            6 => Some("tcp"),
            17 => Some("udp"),
            1 | 58 => Some("icmp"),
            _ => None,
        }
    }
}

/// Credentials and exe facts of a process at exec or fork.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ProcInfo {
    pub cap_effective: u64,
    pub cap_permitted: u64,
    pub cap_inheritable: u64,
    pub exe_ino: u64,
    pub exe_ctime: u64,
    pub exe_mtime: u64,
    /// Nanoseconds since boot.
    pub start_time: u64,
    pub loginuid: u32,
    pub tty: u32,
    pub sid: u32,
    pub vpid: u32,
    pub vtid: u32,
    pub uid: u32,
    pub gid: u32,
    pub flags: u32,
}

impl ProcInfo {
    pub fn parse(b: &[u8]) -> Option<ProcInfo> {
        if b.len() < pi::SIZE {
            return None;
        }
        Some(ProcInfo {
            cap_effective: u64_at(b, pi::CAP_EFFECTIVE),
            cap_permitted: u64_at(b, pi::CAP_PERMITTED),
            cap_inheritable: u64_at(b, pi::CAP_INHERITABLE),
            exe_ino: u64_at(b, pi::EXE_INO),
            exe_ctime: u64_at(b, pi::EXE_CTIME),
            exe_mtime: u64_at(b, pi::EXE_MTIME),
            start_time: u64_at(b, pi::START_TIME),
            loginuid: u32_at(b, pi::LOGINUID),
            tty: u32_at(b, pi::TTY),
            sid: u32_at(b, pi::SID),
            vpid: u32_at(b, pi::VPID),
            vtid: u32_at(b, pi::VTID),
            uid: u32_at(b, pi::UID),
            gid: u32_at(b, pi::GID),
            flags: u32_at(b, pi::FLAGS),
        })
    }

    pub fn exe_upper_layer(&self) -> bool {
        self.flags & abi::P_EXE_UPPER != 0
    }
    pub fn exe_from_memfd(&self) -> bool {
        self.flags & abi::P_EXE_MEMFD != 0
    }
    pub fn is_thread(&self) -> bool {
        self.flags & abi::P_THREAD != 0
    }
}
