//! The syscalls Vigil captures: our kind numbers, the x86-64 numbers, argument names and how the
//! probe reads each one. The loader writes this table into the probe's `vg_syscalls` map; the
//! decoder and the printers read names from it. Tables are data: one row per syscall.

use crate::abi::{dflag, special, KIND_SYSCALL_BASE};

/// How the probe reads one syscall, and what userspace calls its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syscall {
    /// Our kind number (stable across architectures; part of the capture format).
    pub kind: u16,
    pub name: &'static str,
    /// The x86-64 syscall number.
    pub nr: u32,
    /// Names of the raw arguments, in order (Falco's names where Falco has one).
    pub args: &'static [&'static str],
    /// Bit `i`: argument `i` is a user string the probe copies.
    pub strmask: u8,
    pub special: u8,
    pub sa_arg: u8,
    pub enter_arg: u8,
    pub dflags: u16,
}

const fn sc(kind: u16, name: &'static str, nr: u32, args: &'static [&'static str], strmask: u8) -> Syscall {
    Syscall {
        kind: KIND_SYSCALL_BASE + kind,
        name,
        nr,
        args,
        strmask,
        special: special::NONE,
        sa_arg: 0,
        enter_arg: 0,
        dflags: 0,
    }
}

const fn with(mut s: Syscall, special: u8, sa_arg: u8, enter_arg: u8, dflags: u16) -> Syscall {
    s.special = special;
    s.sa_arg = sa_arg;
    s.enter_arg = enter_arg;
    s.dflags = dflags;
    s
}

const S: u8 = special::SOCKADDR;
const N: u8 = special::NONE;

/// Every captured syscall. Kind numbers are `KIND_SYSCALL_BASE + index` and never reused.
pub const SYSCALLS: &[Syscall] = &[
    with(
        sc(0, "execve", 59, &["filename", "argv", "envp"], 0b1),
        N,
        0,
        0,
        dflag::SKIP_SUCCESS,
    ),
    with(
        sc(
            1,
            "execveat",
            322,
            &["dirfd", "pathname", "argv", "envp", "flags"],
            0b10,
        ),
        N,
        0,
        0,
        dflag::SKIP_SUCCESS,
    ),
    sc(2, "clone", 56, &["flags", "stack", "parent_tid", "child_tid", "tls"], 0),
    sc(3, "clone3", 435, &["cl_args", "size"], 0),
    sc(4, "fork", 57, &[], 0),
    sc(5, "vfork", 58, &[], 0),
    with(
        sc(6, "open", 2, &["name", "flags", "mode"], 0b1),
        N,
        0,
        0,
        dflag::ENTER_STR,
    ),
    with(
        sc(7, "openat", 257, &["dirfd", "name", "flags", "mode"], 0b10),
        N,
        0,
        1,
        dflag::ENTER_STR,
    ),
    with(
        sc(8, "openat2", 437, &["dirfd", "name", "how", "size"], 0b10),
        special::OPEN_HOW,
        2,
        1,
        dflag::ENTER_STR,
    ),
    with(sc(9, "creat", 85, &["name", "mode"], 0b1), N, 0, 0, dflag::ENTER_STR),
    sc(10, "close", 3, &["fd"], 0),
    sc(11, "dup", 32, &["oldfd"], 0),
    sc(12, "dup2", 33, &["oldfd", "newfd"], 0),
    sc(13, "dup3", 292, &["oldfd", "newfd", "flags"], 0),
    sc(14, "fcntl", 72, &["fd", "cmd", "arg"], 0),
    sc(15, "socket", 41, &["domain", "type", "proto"], 0),
    with(
        sc(16, "connect", 42, &["fd", "addr", "addrlen"], 0),
        N,
        0,
        1,
        dflag::ENTER_SOCKADDR | dflag::TUPLE_ARG0,
    ),
    with(
        sc(17, "accept", 43, &["fd", "addr", "addrlen"], 0),
        N,
        0,
        0,
        dflag::TUPLE_RES,
    ),
    with(
        sc(18, "accept4", 288, &["fd", "addr", "addrlen", "flags"], 0),
        N,
        0,
        0,
        dflag::TUPLE_RES,
    ),
    with(
        sc(19, "bind", 49, &["fd", "addr", "addrlen"], 0),
        S,
        1,
        0,
        dflag::TUPLE_ARG0,
    ),
    with(sc(20, "listen", 50, &["fd", "backlog"], 0), N, 0, 0, dflag::TUPLE_ARG0),
    with(
        sc(21, "sendto", 44, &["fd", "data", "size", "flags", "addr", "addrlen"], 0),
        S,
        4,
        0,
        dflag::TUPLE_ARG0 | dflag::SKIP_ZERO_SA,
    ),
    with(
        sc(22, "sendmsg", 46, &["fd", "msg", "flags"], 0),
        special::MSGHDR,
        1,
        0,
        dflag::TUPLE_ARG0,
    ),
    sc(23, "unlink", 87, &["path"], 0b1),
    sc(24, "unlinkat", 263, &["dirfd", "name", "flags"], 0b10),
    sc(25, "rename", 82, &["oldpath", "newpath"], 0b11),
    sc(
        26,
        "renameat",
        264,
        &["olddirfd", "oldpath", "newdirfd", "newpath"],
        0b1010,
    ),
    sc(
        27,
        "renameat2",
        316,
        &["olddirfd", "oldpath", "newdirfd", "newpath", "flags"],
        0b1010,
    ),
    sc(28, "mkdir", 83, &["path", "mode"], 0b1),
    sc(29, "mkdirat", 258, &["dirfd", "path", "mode"], 0b10),
    sc(30, "rmdir", 84, &["path"], 0b1),
    sc(31, "chmod", 90, &["filename", "mode"], 0b1),
    sc(32, "fchmod", 91, &["fd", "mode"], 0),
    sc(33, "fchmodat", 268, &["dirfd", "filename", "mode"], 0b10),
    sc(34, "chown", 92, &["path", "uid", "gid"], 0b1),
    sc(35, "lchown", 94, &["path", "uid", "gid"], 0b1),
    sc(36, "fchown", 93, &["fd", "uid", "gid"], 0),
    sc(37, "fchownat", 260, &["dirfd", "pathname", "uid", "gid", "flags"], 0b10),
    sc(38, "link", 86, &["oldpath", "newpath"], 0b11),
    sc(
        39,
        "linkat",
        265,
        &["olddir", "oldpath", "newdir", "newpath", "flags"],
        0b1010,
    ),
    sc(40, "symlink", 88, &["target", "linkpath"], 0b11),
    sc(41, "symlinkat", 266, &["target", "linkdirfd", "linkpath"], 0b101),
    sc(42, "setuid", 105, &["uid"], 0),
    sc(43, "setgid", 106, &["gid"], 0),
    sc(44, "setreuid", 113, &["ruid", "euid"], 0),
    sc(45, "setregid", 114, &["rgid", "egid"], 0),
    sc(46, "setresuid", 117, &["ruid", "euid", "suid"], 0),
    sc(47, "setresgid", 119, &["rgid", "egid", "sgid"], 0),
    sc(48, "ptrace", 101, &["request", "pid", "addr", "data"], 0),
    sc(49, "mount", 165, &["dev", "dir", "type", "flags", "data"], 0b111),
    sc(50, "umount2", 166, &["name", "flags"], 0b1),
    sc(51, "init_module", 175, &["img", "length", "uargs"], 0b100),
    sc(52, "finit_module", 313, &["fd", "uargs", "flags"], 0b10),
    sc(53, "memfd_create", 319, &["name", "flags"], 0b1),
    sc(54, "bpf", 321, &["cmd", "attr", "size"], 0),
    sc(55, "setns", 308, &["fd", "nstype"], 0),
    sc(56, "unshare", 272, &["flags"], 0),
    sc(57, "userfaultfd", 323, &["flags"], 0),
    sc(58, "kill", 62, &["pid", "sig"], 0),
    sc(59, "tkill", 200, &["tid", "sig"], 0),
    sc(60, "tgkill", 234, &["pid", "tid", "sig"], 0),
    with(sc(61, "pipe", 22, &["fds"], 0), special::FDS, 0, 0, 0),
    with(sc(62, "pipe2", 293, &["fds", "flags"], 0), special::FDS, 0, 0, 0),
    sc(63, "chdir", 80, &["path"], 0b1),
    sc(64, "fchdir", 81, &["fd"], 0),
    with(
        sc(65, "socketpair", 53, &["domain", "type", "proto", "fds"], 0),
        special::FDS,
        3,
        0,
        0,
    ),
    sc(66, "fchmodat2", 452, &["dirfd", "filename", "mode", "flags"], 0b10),
    sc(67, "setpgid", 109, &["pid", "pgid"], 0),
    sc(68, "setsid", 112, &[], 0),
    sc(69, "prctl", 157, &["option", "arg2", "arg3", "arg4", "arg5"], 0),
];

/// Kinds that are not syscalls: the scheduler's tracepoints. Named as Falco names the events
/// they stand for.
pub const PROC_EXEC_NAME: &str = "execve";
pub const PROC_FORK_NAME: &str = "procfork";
pub const PROC_EXIT_NAME: &str = "procexit";

/// The row for a kind, if it is a syscall kind.
pub fn by_kind(kind: u16) -> Option<&'static Syscall> {
    let i = kind.checked_sub(KIND_SYSCALL_BASE)? as usize;
    SYSCALLS.get(i).filter(|s| s.kind == kind)
}

/// The row for a syscall name.
pub fn by_name(name: &str) -> Option<&'static Syscall> {
    SYSCALLS.iter().find(|s| s.name == name)
}

/// The name printed for a kind: the syscall's name, or the lifecycle event's.
pub fn kind_name(kind: u16) -> &'static str {
    match kind {
        crate::abi::KIND_PROC_EXEC => PROC_EXEC_NAME,
        crate::abi::KIND_PROC_FORK => PROC_FORK_NAME,
        crate::abi::KIND_PROC_EXIT => PROC_EXIT_NAME,
        k => by_kind(k).map_or("unknown", |s| s.name),
    }
}

/// The syscalls the state tracker needs whatever the rules ask for.
pub const STATE_SYSCALLS: &[&str] = &[
    "execve",
    "execveat",
    "clone",
    "clone3",
    "fork",
    "vfork",
    "open",
    "openat",
    "openat2",
    "creat",
    "close",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "socket",
    "connect",
    "accept",
    "accept4",
    "bind",
    "pipe",
    "pipe2",
    "chdir",
    "fchdir",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "socketpair",
    "setsid",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn kinds_are_dense_and_unique() {
        for (i, s) in SYSCALLS.iter().enumerate() {
            assert_eq!(s.kind as usize, KIND_SYSCALL_BASE as usize + i, "{}", s.name);
            assert_eq!(by_kind(s.kind), Some(s));
        }
        let names: HashSet<_> = SYSCALLS.iter().map(|s| s.name).collect();
        let nrs: HashSet<_> = SYSCALLS.iter().map(|s| s.nr).collect();
        assert_eq!(names.len(), SYSCALLS.len());
        assert_eq!(nrs.len(), SYSCALLS.len());
    }

    #[test]
    fn masks_and_readers_point_at_real_arguments() {
        for s in SYSCALLS {
            let n = s.args.len();
            assert!(
                (s.strmask as usize) < (1 << n),
                "{}: strmask beyond its {n} args",
                s.name
            );
            assert!(s.nr < crate::abi::MAX_SYSCALLS as u32, "{}", s.name);
            if s.special != special::NONE {
                assert!((s.sa_arg as usize) < n, "{}", s.name);
            }
            if s.dflags & dflag::ENTER_STR != 0 {
                assert!(
                    s.strmask & (1 << s.enter_arg) != 0,
                    "{}: entry string is not a string arg",
                    s.name
                );
            }
        }
        for name in STATE_SYSCALLS {
            assert!(by_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn lifecycle_names() {
        assert_eq!(kind_name(crate::abi::KIND_PROC_EXEC), "execve");
        assert_eq!(kind_name(by_name("openat").map_or(0, |s| s.kind)), "openat");
        assert_eq!(kind_name(9999), "unknown");
    }
}
