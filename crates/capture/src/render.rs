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
