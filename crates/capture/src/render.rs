//! How an event's arguments read to a person: errno names, flag names, addresses. Used by
//! `vigil watch --print` and by the rule engine's `evt.args` / `evt.arg.*` fields. Everything
//! writes into a caller's buffer: no allocation per event.

use crate::event::{Event, Kind, SockAddr, Tuple};
use std::fmt::Write;

/// Linux errno names (x86-64), indexed by number.
const ERRNO: [&str; 134] = [
    "SUCCESS",
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "E41",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    "E58",
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "ENOTNAM",
    "ENAVAIL",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
];

/// `evt.res` as Falco shows it: `SUCCESS` for a non-negative result, else the errno name.
pub fn res_name(res: i64) -> &'static str {
    if res >= 0 {
        return "SUCCESS";
    }
    ERRNO.get(res.unsigned_abs() as usize).copied().unwrap_or("EUNKNOWN")
}

/// The errno number for a name (`ENOENT` → 2), for conditions like `evt.res=ENOENT`.
pub fn errno_number(name: &str) -> Option<i64> {
    ERRNO.iter().position(|n| *n == name).map(|i| -(i as i64))
}

const OPEN_FLAGS: &[(u64, &str)] = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
    (0o20000000, "O_TMPFILE"),
];

/// open(2) flags as `O_RDONLY|O_CLOEXEC`.
pub fn write_open_flags(flags: u64, out: &mut String) {
    out.push_str(match flags & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    });
    for (bit, name) in OPEN_FLAGS {
        // O_TMPFILE includes O_DIRECTORY's bit; name it once.
        if flags & bit == *bit {
            out.push('|');
            out.push_str(name);
        }
    }
}

/// Linux `CLONE_*` flags (clone(2), unshare(2), setns(2)); the low byte of clone's flags is the
/// exit signal, not a flag, except for `CLONE_NEWTIME` (unshare and setns only).
const CLONE_FLAGS: &[(u64, &str)] = &[
    (0x0000_0080, "CLONE_NEWTIME"),
    (0x0000_0100, "CLONE_VM"),
    (0x0000_0200, "CLONE_FS"),
    (0x0000_0400, "CLONE_FILES"),
    (0x0000_0800, "CLONE_SIGHAND"),
    (0x0000_1000, "CLONE_PIDFD"),
    (0x0000_2000, "CLONE_PTRACE"),
    (0x0000_4000, "CLONE_VFORK"),
    (0x0000_8000, "CLONE_PARENT"),
    (0x0001_0000, "CLONE_THREAD"),
    (0x0002_0000, "CLONE_NEWNS"),
    (0x0004_0000, "CLONE_SYSVSEM"),
    (0x0008_0000, "CLONE_SETTLS"),
    (0x0010_0000, "CLONE_PARENT_SETTID"),
    (0x0020_0000, "CLONE_CHILD_CLEARTID"),
    (0x0040_0000, "CLONE_DETACHED"),
    (0x0080_0000, "CLONE_UNTRACED"),
    (0x0100_0000, "CLONE_CHILD_SETTID"),
    (0x0200_0000, "CLONE_NEWCGROUP"),
    (0x0400_0000, "CLONE_NEWUTS"),
    (0x0800_0000, "CLONE_NEWIPC"),
    (0x1000_0000, "CLONE_NEWUSER"),
    (0x2000_0000, "CLONE_NEWPID"),
    (0x4000_0000, "CLONE_NEWNET"),
    (0x8000_0000, "CLONE_IO"),
];

/// Writes the names of the bits of `v` found in `names`, joined with `|`; bits without a name
/// follow in hex; `0` when no bit is set.
fn write_flag_names(v: u64, names: &[(u64, &str)], out: &mut String) {
    let start = out.len();
    let mut rest = v;
    for (bit, name) in names {
        if v & bit == *bit {
            if out.len() > start {
                out.push('|');
            }
            out.push_str(name);
            rest &= !bit;
        }
    }
    if rest != 0 {
        if out.len() > start {
            out.push('|');
        }
        let _ = write!(out, "{rest:#x}");
    } else if out.len() == start {
        out.push('0');
    }
}

/// clone(2) flags as `CLONE_VM|CLONE_FS|...`: the exit signal in the low byte is left out.
pub fn write_clone_flags(flags: u64, out: &mut String) {
    write_flag_names(flags & !0xff & 0xffff_ffff, CLONE_FLAGS, out);
}

/// unshare(2) flags and setns(2) `nstype` as `CLONE_NEWUSER|CLONE_NEWNS` (`0`: any namespace).
pub fn write_ns_flags(flags: u64, out: &mut String) {
    write_flag_names(flags & 0xffff_ffff, CLONE_FLAGS, out);
}

/// ptrace(2) requests (x86-64 values).
const PTRACE_REQUESTS: &[(u64, &str)] = &[
    (0, "PTRACE_TRACEME"),
    (1, "PTRACE_PEEKTEXT"),
    (2, "PTRACE_PEEKDATA"),
    (3, "PTRACE_PEEKUSR"),
    (4, "PTRACE_POKETEXT"),
    (5, "PTRACE_POKEDATA"),
    (6, "PTRACE_POKEUSR"),
    (7, "PTRACE_CONT"),
    (8, "PTRACE_KILL"),
    (9, "PTRACE_SINGLESTEP"),
    (12, "PTRACE_GETREGS"),
    (13, "PTRACE_SETREGS"),
    (14, "PTRACE_GETFPREGS"),
    (15, "PTRACE_SETFPREGS"),
    (16, "PTRACE_ATTACH"),
    (17, "PTRACE_DETACH"),
    (18, "PTRACE_GETFPXREGS"),
    (19, "PTRACE_SETFPXREGS"),
    (24, "PTRACE_SYSCALL"),
    (25, "PTRACE_GET_THREAD_AREA"),
    (26, "PTRACE_SET_THREAD_AREA"),
    (30, "PTRACE_ARCH_PRCTL"),
    (31, "PTRACE_SYSEMU"),
    (32, "PTRACE_SYSEMU_SINGLESTEP"),
    (33, "PTRACE_SINGLEBLOCK"),
    (0x4200, "PTRACE_SETOPTIONS"),
    (0x4201, "PTRACE_GETEVENTMSG"),
    (0x4202, "PTRACE_GETSIGINFO"),
    (0x4203, "PTRACE_SETSIGINFO"),
    (0x4204, "PTRACE_GETREGSET"),
    (0x4205, "PTRACE_SETREGSET"),
    (0x4206, "PTRACE_SEIZE"),
    (0x4207, "PTRACE_INTERRUPT"),
    (0x4208, "PTRACE_LISTEN"),
    (0x4209, "PTRACE_PEEKSIGINFO"),
    (0x420a, "PTRACE_GETSIGMASK"),
    (0x420b, "PTRACE_SETSIGMASK"),
    (0x420c, "PTRACE_SECCOMP_GET_FILTER"),
    (0x420d, "PTRACE_SECCOMP_GET_METADATA"),
    (0x420e, "PTRACE_GET_SYSCALL_INFO"),
    (0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"),
    (0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG"),
    (0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG"),
];

/// The name of a ptrace(2) request (`16` → `PTRACE_ATTACH`).
pub fn ptrace_request_name(req: u64) -> Option<&'static str> {
    PTRACE_REQUESTS.iter().find(|(v, _)| *v == req).map(|(_, n)| *n)
}

/// Linux signal names (x86-64), indexed by number; 0 is the existence check and has no name.
const SIGNALS: [&str; 32] = [
    "",
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// The name of a signal (`9` → `SIGKILL`); real-time signals and 0 have none.
pub fn signal_name(sig: u64) -> Option<&'static str> {
    usize::try_from(sig)
        .ok()
        .and_then(|i| SIGNALS.get(i))
        .copied()
        .filter(|n| !n.is_empty())
}

/// Address families (`AF_*`), indexed by number.
const ADDRESS_FAMILIES: [&str; 46] = [
    "AF_UNSPEC",
    "AF_UNIX",
    "AF_INET",
    "AF_AX25",
    "AF_IPX",
    "AF_APPLETALK",
    "AF_NETROM",
    "AF_BRIDGE",
    "AF_ATMPVC",
    "AF_X25",
    "AF_INET6",
    "AF_ROSE",
    "AF_DECnet",
    "AF_NETBEUI",
    "AF_SECURITY",
    "AF_KEY",
    "AF_NETLINK",
    "AF_PACKET",
    "AF_ASH",
    "AF_ECONET",
    "AF_ATMSVC",
    "AF_RDS",
    "AF_SNA",
    "AF_IRDA",
    "AF_PPPOX",
    "AF_WANPIPE",
    "AF_LLC",
    "AF_IB",
    "AF_MPLS",
    "AF_CAN",
    "AF_TIPC",
    "AF_BLUETOOTH",
    "AF_IUCV",
    "AF_RXRPC",
    "AF_ISDN",
    "AF_PHONET",
    "AF_IEEE802154",
    "AF_CAIF",
    "AF_ALG",
    "AF_NFC",
    "AF_VSOCK",
    "AF_KCM",
    "AF_QIPCRTR",
    "AF_SMC",
    "AF_XDP",
    "AF_MCTP",
];

/// The name of an address family (`2` → `AF_INET`).
pub fn address_family_name(domain: u64) -> Option<&'static str> {
    usize::try_from(domain)
        .ok()
        .and_then(|i| ADDRESS_FAMILIES.get(i))
        .copied()
}

/// socket(2) `type` as `SOCK_STREAM|SOCK_CLOEXEC`: the socket type, then its flags.
pub fn write_socket_type(ty: u64, out: &mut String) {
    let base = ty & 0xf;
    let name = match base {
        1 => Some("SOCK_STREAM"),
        2 => Some("SOCK_DGRAM"),
        3 => Some("SOCK_RAW"),
        4 => Some("SOCK_RDM"),
        5 => Some("SOCK_SEQPACKET"),
        6 => Some("SOCK_DCCP"),
        10 => Some("SOCK_PACKET"),
        _ => None,
    };
    let flags = ty & !0xf;
    let Some(name) = name else {
        let _ = write!(out, "{ty:#x}");
        return;
    };
    out.push_str(name);
    if flags != 0 {
        out.push('|');
        write_flag_names(flags, &[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")], out);
    }
}

/// Arguments that have symbolic names: clone and unshare `flags`, setns `nstype`, ptrace
/// `request`, kill/tkill/tgkill `sig`, socket/socketpair `domain` and `type`. Writes the
/// argument's rendering and returns true, or returns false (writing nothing) for any other
/// argument, which the caller renders as a number.
pub fn write_named_arg(syscall: &str, arg: &str, v: u64, out: &mut String) -> bool {
    let name = match (syscall, arg) {
        ("clone", "flags") => {
            write_clone_flags(v, out);
            return true;
        }
        ("unshare", "flags") | ("setns", "nstype") => {
            write_ns_flags(v, out);
            return true;
        }
        ("socket" | "socketpair", "type") => {
            write_socket_type(v, out);
            return true;
        }
        ("ptrace", "request") => ptrace_request_name(v),
        ("kill" | "tkill" | "tgkill", "sig") => signal_name(v),
        ("socket" | "socketpair", "domain") => address_family_name(v),
        _ => return false,
    };
    match name {
        Some(n) => out.push_str(n),
        None => {
            let _ = write!(out, "{}", v as i64);
        }
    }
    true
}

/// Whether open flags allow reading / writing (`evt.is_open_read`, `evt.is_open_write`).
pub fn open_reads(flags: u64) -> bool {
    matches!(flags & 3, 0 | 2)
}
pub fn open_writes(flags: u64) -> bool {
    matches!(flags & 3, 1 | 2) || flags & 0o1000 != 0 || flags & 0o100 != 0
}

/// `fd` arguments in the dirfd position: AT_FDCWD is -100.
fn write_dirfd(v: u64, out: &mut String) {
    let fd = v as i32;
    if fd == -100 {
        out.push_str("AT_FDCWD");
    } else {
        let _ = write!(out, "{fd}");
    }
}

pub fn write_sockaddr(sa: &SockAddr<'_>, out: &mut String) {
    match sa {
        SockAddr::Inet(ip, port) => {
            if ip.is_ipv6() {
                let _ = write!(out, "[{ip}]:{port}");
            } else {
                let _ = write!(out, "{ip}:{port}");
            }
        }
        SockAddr::Unix(p) => {
            out.push_str(&String::from_utf8_lossy(p));
        }
        SockAddr::Other(f) => {
            let _ = write!(out, "family {f}");
        }
        SockAddr::Empty => out.push_str("NULL"),
    }
}

/// A socket as Falco writes `fd.name`: `10.0.0.2:40000->1.2.3.4:443`.
pub fn write_tuple(t: &Tuple, out: &mut String) {
    let _ = match t.family {
        10 => write!(out, "[{}]:{}->[{}]:{}", t.local.0, t.local.1, t.remote.0, t.remote.1),
        _ => write!(out, "{}:{}->{}:{}", t.local.0, t.local.1, t.remote.0, t.remote.1),
    };
}

fn push_bytes(b: &[u8], out: &mut String) {
    match std::str::from_utf8(b) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(b)),
    }
}

/// The arguments of an event as `name=value` pairs separated by spaces (`evt.args`).
pub fn write_args(ev: &Event<'_>, out: &mut String) {
    let start = out.len();
    let sep = |out: &mut String| {
        if out.len() > start {
            out.push(' ');
        }
    };
    match ev.kind {
        Kind::Exec => {
            if let Some(f) = ev.filename() {
                out.push_str("filename=");
                push_bytes(f, out);
            }
            sep(out);
            out.push_str("args=");
            for (i, a) in ev.argv().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                push_bytes(a, out);
            }
            if let Some(p) = ev.exe_path_rev() {
                sep(out);
                out.push_str("exepath=");
                for c in p.components() {
                    out.push('/');
                    push_bytes(c, out);
                }
            }
            if let Some(p) = ev.cwd_rev() {
                sep(out);
                out.push_str("cwd=");
                let before = out.len();
                for c in p.components() {
                    out.push('/');
                    push_bytes(c, out);
                }
                if out.len() == before {
                    out.push('/');
                }
            }
            if let Some(pi) = ev.procinfo() {
                let _ = write!(
                    out,
                    " uid={} loginuid={} cap_effective={:#x}",
                    pi.uid, pi.loginuid as i32, pi.cap_effective
                );
                if pi.exe_upper_layer() {
                    out.push_str(" exe_upper_layer=true");
                }
                if pi.exe_from_memfd() {
                    out.push_str(" exe_from_memfd=true");
                }
            }
        }
        Kind::Fork => {
            if let Some((tid, tgid)) = ev.child() {
                let _ = write!(out, "child_tid={tid} child_pid={tgid}");
                if ev.procinfo().is_some_and(|p| p.is_thread()) {
                    out.push_str(" thread=true");
                }
            }
        }
        Kind::Exit => {
            let status = ev.res as i32;
            let _ = write!(out, "status={} sig={}", (status >> 8) & 0xff, status & 0x7f);
        }
        Kind::Syscall(sc) => {
            for (i, name) in sc.args.iter().enumerate() {
                let v = ev.args[i];
                sep(out);
                out.push_str(name);
                out.push('=');
                if let Some(s) = ev.str_arg(i) {
                    push_bytes(s, out);
                    continue;
                }
                if write_named_arg(sc.name, name, v, out) {
                    continue;
                }
                match *name {
                    "dirfd" | "olddirfd" | "newdirfd" | "olddir" | "newdir" | "linkdirfd" => write_dirfd(v, out),
                    "flags" if matches!(sc.name, "open" | "openat") => write_open_flags(v, out),
                    "how" => match ev.open_how() {
                        Some((flags, mode, resolve)) => {
                            write_open_flags(flags, out);
                            let _ = write!(out, " mode={mode:o} resolve={resolve:#x}");
                        }
                        None => out.push_str("NULL"),
                    },
                    "mode" => {
                        let _ = write!(out, "0{:o}", v & 0o7777);
                    }
                    "addr" if ev.sockaddr().is_some() => {
                        if let Some(sa) = ev.sockaddr() {
                            write_sockaddr(&sa, out);
                        }
                    }
                    "fds" => match ev.fds() {
                        Some((a, b)) => {
                            let _ = write!(out, "{a},{b}");
                        }
                        None => out.push_str("NULL"),
                    },
                    "fd" | "oldfd" | "newfd" | "pid" | "tid" | "sig" | "uid" | "gid" | "ruid" | "euid" | "suid"
                    | "rgid" | "egid" | "sgid" => {
                        let _ = write!(out, "{}", v as i32);
                    }
                    _ => {
                        let _ = write!(out, "{v:#x}");
                    }
                }
            }
            if let Some(sa) = ev.sockaddr() {
                if !sc.args.contains(&"addr") {
                    sep(out);
                    out.push_str("addr=");
                    write_sockaddr(&sa, out);
                }
            }
            if let Some(t) = ev.tuple() {
                sep(out);
                out.push_str("tuple=");
                write_tuple(&t, out);
            }
        }
    }
    if matches!(ev.kind, Kind::Syscall(_)) {
        sep(out);
        if ev.res < 0 {
            let _ = write!(out, "res={}({})", ev.res, res_name(ev.res));
        } else {
            let _ = write!(out, "res={}", ev.res);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::RecordBuilder;

    #[test]
    fn errno_names() {
        assert_eq!(res_name(0), "SUCCESS");
        assert_eq!(res_name(5), "SUCCESS");
        assert_eq!(res_name(-2), "ENOENT");
        assert_eq!(res_name(-13), "EACCES");
        assert_eq!(res_name(-111), "ECONNREFUSED");
        assert_eq!(res_name(-9999), "EUNKNOWN");
        assert_eq!(errno_number("EPERM"), Some(-1));
        assert_eq!(errno_number("EHWPOISON"), Some(-133));
    }

    #[test]
    fn open_flag_names() {
        let mut s = String::new();
        write_open_flags(0o2000000, &mut s);
        assert_eq!(s, "O_RDONLY|O_CLOEXEC");
        s.clear();
        write_open_flags(0o1101, &mut s);
        assert_eq!(s, "O_WRONLY|O_CREAT|O_TRUNC");
        assert!(open_reads(0) && !open_writes(0));
        assert!(open_writes(0o1101) && !open_reads(1));
    }

    #[test]
    fn openat_line() {
        let r = RecordBuilder::syscall("openat", 1, 7, 7)
            .arg(0, (-100i64) as u64)
            .arg(2, 0o2000000)
            .str_arg(1, "/etc/shadow")
            .res(-13)
            .build();
        let e = Event::decode(&r).unwrap();
        let mut s = String::new();
        write_args(&e, &mut s);
        assert_eq!(
            s,
            "dirfd=AT_FDCWD name=/etc/shadow flags=O_RDONLY|O_CLOEXEC mode=00 res=-13(EACCES)"
        );
    }

    #[test]
    fn clone_and_namespace_flags() {
        let mut s = String::new();
        // clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|..., SIGCHLD in the low byte)
        write_clone_flags(0x3d0f00 | 17, &mut s);
        assert_eq!(
            s,
            "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|\
             CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"
        );
        s.clear();
        write_ns_flags(0x1000_0000 | 0x0002_0000, &mut s);
        assert_eq!(s, "CLONE_NEWNS|CLONE_NEWUSER");
        s.clear();
        write_ns_flags(0x7e02_0080, &mut s);
        assert_eq!(
            s,
            "CLONE_NEWTIME|CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET"
        );
        s.clear();
        write_ns_flags(0x4000_0000, &mut s);
        assert_eq!(s, "CLONE_NEWNET");
        s.clear();
        write_ns_flags(0, &mut s);
        assert_eq!(s, "0", "setns nstype 0: any namespace");
        s.clear();
        write_ns_flags(0x1000_0001, &mut s);
        assert_eq!(s, "CLONE_NEWUSER|0x1", "unnamed bits are kept");
    }

    #[test]
    fn ptrace_signal_and_socket_names() {
        assert_eq!(ptrace_request_name(0), Some("PTRACE_TRACEME"));
        assert_eq!(ptrace_request_name(1), Some("PTRACE_PEEKTEXT"));
        assert_eq!(ptrace_request_name(16), Some("PTRACE_ATTACH"));
        assert_eq!(ptrace_request_name(17), Some("PTRACE_DETACH"));
        assert_eq!(ptrace_request_name(0x4206), Some("PTRACE_SEIZE"));
        assert_eq!(ptrace_request_name(10), None);
        assert_eq!(signal_name(9), Some("SIGKILL"));
        assert_eq!(signal_name(15), Some("SIGTERM"));
        assert_eq!(signal_name(31), Some("SIGSYS"));
        assert_eq!((signal_name(0), signal_name(34)), (None, None));
        assert_eq!(address_family_name(2), Some("AF_INET"));
        assert_eq!(address_family_name(10), Some("AF_INET6"));
        assert_eq!(address_family_name(16), Some("AF_NETLINK"));
        let mut s = String::new();
        write_socket_type(1 | 0o2000000 | 0o4000, &mut s);
        assert_eq!(s, "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
        s.clear();
        assert!(write_named_arg("kill", "sig", 0, &mut s));
        assert_eq!(s, "0");
        s.clear();
        assert!(!write_named_arg("kill", "pid", 9, &mut s));
        assert!(s.is_empty());
    }

    #[test]
    fn named_arguments_in_lines() {
        let line = |r: Vec<u8>| {
            let e = Event::decode(&r).unwrap();
            let mut s = String::new();
            write_args(&e, &mut s);
            s
        };
        let unshare = RecordBuilder::syscall("unshare", 1, 7, 7)
            .arg(0, 0x1002_0000)
            .res(0)
            .build();
        assert_eq!(line(unshare), "flags=CLONE_NEWNS|CLONE_NEWUSER res=0");
        let ptrace = RecordBuilder::syscall("ptrace", 1, 7, 7)
            .arg(0, 0x4206)
            .arg(1, 42)
            .res(0)
            .build();
        assert!(line(ptrace).starts_with("request=PTRACE_SEIZE pid=42 "));
        let kill = RecordBuilder::syscall("tgkill", 1, 7, 7)
            .arg(0, 42)
            .arg(1, 43)
            .arg(2, 9)
            .res(0)
            .build();
        assert_eq!(line(kill), "pid=42 tid=43 sig=SIGKILL res=0");
        let socket = RecordBuilder::syscall("socket", 1, 7, 7)
            .arg(0, 10)
            .arg(1, 2)
            .arg(2, 0)
            .res(3)
            .build();
        assert_eq!(line(socket), "domain=AF_INET6 type=SOCK_DGRAM proto=0x0 res=3");
    }

    #[test]
    fn exec_line() {
        let r = RecordBuilder::new(crate::abi::KIND_PROC_EXEC, 1, 7, 7)
            .field(crate::abi::tag::FILENAME, b"/bin/sh")
            .argv(&["sh", "-c", "id"])
            .path_rev(crate::abi::tag::EXEPATH, "/usr/bin/dash")
            .path_rev(crate::abi::tag::CWD, "/")
            .build();
        let e = Event::decode(&r).unwrap();
        let mut s = String::new();
        write_args(&e, &mut s);
        assert_eq!(s, "filename=/bin/sh args=sh -c id exepath=/usr/bin/dash cwd=/");
    }
}
