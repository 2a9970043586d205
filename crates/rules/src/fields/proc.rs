//! `proc.*`, `thread.*`, `user.*` and `group.*`: the process that made the syscall, its
//! ancestors, credentials and capabilities.

use std::ops::ControlFlow;

use vigil_state::Process;

use super::table::id;
use super::{build, EventFields};
use crate::value::{FieldArg, FieldRef, Value};

/// What to read of a process, for the self / parent / ancestor families.
#[derive(Clone, Copy)]
enum Attr {
    Exe,
    ExePath,
    Name,
    Cmdline,
    Pid,
}

/// The attribute of a process, borrowing from it or written into `buf`.
fn attr<'s>(p: &'s Process, a: Attr, buf: &'s mut Vec<u8>) -> Value<'s> {
    match a {
        Attr::Exe => match p.argv.first() {
            Some(a0) => Value::Str(a0.as_bytes()),
            None if !p.exe.is_empty() => Value::Str(p.exe.as_bytes()),
            None => Value::Missing,
        },
        Attr::ExePath if p.exepath.is_empty() => Value::Missing,
        Attr::ExePath => Value::Str(p.exepath.as_bytes()),
        Attr::Name => Value::Str(p.comm.as_bytes()),
        Attr::Cmdline => build(buf, |b| {
            b.extend_from_slice(p.comm.as_bytes());
            for a in p.args() {
                b.push(b' ');
                b.extend_from_slice(a.as_bytes());
            }
        }),
        Attr::Pid => Value::Num(i64::from(p.pid)),
    }
}

fn ancestor_attr(id: u32) -> Attr {
    match id {
        id::PROC_AEXE => Attr::Exe,
        id::PROC_AEXEPATH => Attr::ExePath,
        id::PROC_ANAME => Attr::Name,
        id::PROC_ACMDLINE => Attr::Cmdline,
        _ => Attr::Pid,
    }
}

/// `proc.aname` and friends without an index: every ancestor, parent first (not the process
/// itself, as Falco walks them).
pub(super) fn each_ancestor(
    x: EventFields<'_, '_>,
    id: u32,
    buf: &mut Vec<u8>,
    each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>,
) {
    if x.enriched.process.is_none() {
        return;
    }
    let a = ancestor_attr(id);
    for p in x.enriched.ancestors().skip(1) {
        let v = attr(p, a, buf);
        if !v.is_missing() && each(v).is_break() {
            return;
        }
    }
}

/// Shell names for `proc.loginshellid`.
const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox",
];

/// Linux capability names by bit.
const CAPS: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// A capability set as names separated by spaces (unknown bits as `CAP_<n>`).
fn write_caps(set: u64, b: &mut Vec<u8>) {
    for bit in 0..64u32 {
        if set & (1u64 << bit) == 0 {
            continue;
        }
        if !b.is_empty() {
            b.push(b' ');
        }
        match CAPS.get(bit as usize) {
            Some(n) => b.extend_from_slice(n.as_bytes()),
            None => super::write_num(b, format_args!("CAP_{bit}")),
        }
    }
}

/// The session leader: the process whose pid is the session id, else the eldest ancestor in
/// the same session.
fn session_leader<'t>(x: EventFields<'_, 't>, p: &'t Process) -> Option<&'t Process> {
    let sid = p.info.sid;
    if sid == 0 {
        return None;
    }
    let mut leader = p;
    for a in x.enriched.ancestors() {
        if a.pid == sid && a.info.vpid == a.pid {
            return Some(a);
        }
        if a.info.sid != sid {
            break;
        }
        leader = a;
    }
    Some(leader)
}

pub(super) fn get<'s>(x: EventFields<'s, '_>, f: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s> {
    let e = x.enriched;
    let ev = e.event;
    // Fields that do not need the process.
    match f.id {
        id::THREAD_TID => return Value::Num(i64::from(ev.tid)),
        id::THREAD_ISMAIN => return Value::Bool(ev.tid == ev.pid),
        id::PROC_PID => return Value::Num(i64::from(ev.pid)),
        id::USER_UID => return Value::UNum(u64::from(ev.uid)),
        id::GROUP_GID => return Value::UNum(u64::from(ev.gid)),
        id::USER_NAME => return e.user_name().map_or(Value::Missing, |n| Value::Str(n.as_bytes())),
        id::GROUP_NAME => return e.group_name().map_or(Value::Missing, |n| Value::Str(n.as_bytes())),
        _ => {}
    }
    let Some(p) = e.process else { return Value::Missing };
    let info = &p.info;
    let started = (info.start_time != 0).then_some(info.start_time);
    match f.id {
        id::PROC_EXE => attr(p, Attr::Exe, buf),
        id::PROC_EXEPATH => attr(p, Attr::ExePath, buf),
        id::PROC_NAME => attr(p, Attr::Name, buf),
        id::PROC_CMDLINE => attr(p, Attr::Cmdline, buf),
        id::PROC_PEXE | id::PROC_PEXEPATH | id::PROC_PNAME | id::PROC_PCMDLINE => {
            let Some(pp) = e.parent else { return Value::Missing };
            let a = match f.id {
                id::PROC_PEXE => Attr::Exe,
                id::PROC_PEXEPATH => Attr::ExePath,
                id::PROC_PNAME => Attr::Name,
                _ => Attr::Cmdline,
            };
            attr(pp, a, buf)
        }
        id::PROC_AEXE | id::PROC_AEXEPATH | id::PROC_ANAME | id::PROC_ACMDLINE | id::PROC_APID => {
            let FieldArg::Index(n) = f.arg else {
                return Value::Missing;
            };
            match e.ancestors().nth(n as usize) {
                Some(a) => attr(a, ancestor_attr(f.id), buf),
                None => Value::Missing,
            }
        }
        id::PROC_ARGS => build(buf, |b| {
            for (i, a) in p.args().enumerate() {
                if i > 0 {
                    b.push(b' ');
                }
                b.extend_from_slice(a.as_bytes());
            }
        }),
        id::PROC_CMDNARGS => Value::UNum(p.args().count() as u64),
        id::PROC_CMDLENARGS => Value::UNum(p.args().map(|a| a.len() as u64).sum()),
        id::PROC_EXELINE => {
            let exe = p.argv.first().map_or(&*p.exe, |a| &**a);
            build(buf, |b| {
                b.extend_from_slice(exe.as_bytes());
                for a in p.args() {
                    b.push(b' ');
                    b.extend_from_slice(a.as_bytes());
                }
            })
        }
        id::PROC_CWD if p.cwd.is_empty() => Value::Missing,
        id::PROC_CWD => Value::Str(p.cwd.as_bytes()),
        id::PROC_LOGINSHELLID => e
            .ancestors()
            .filter(|a| SHELLS.contains(&&*a.comm))
            .last()
            .map_or(Value::Missing, |a| Value::Num(i64::from(a.pid))),
        id::PROC_TTY => Value::UNum(u64::from(info.tty)),
        id::PROC_PPID => Value::Num(i64::from(p.ppid)),
        id::PROC_VPID if info.vpid != 0 => Value::Num(i64::from(info.vpid)),
        id::PROC_PVPID => match e.parent {
            Some(pp) if pp.info.vpid != 0 => Value::Num(i64::from(pp.info.vpid)),
            _ => Value::Missing,
        },
        id::PROC_SID if info.sid != 0 => Value::Num(i64::from(info.sid)),
        id::PROC_SNAME | id::PROC_SID_EXE | id::PROC_SID_EXEPATH => {
            let Some(l) = session_leader(x, p) else {
                return Value::Missing;
            };
            let a = match f.id {
                id::PROC_SNAME => Attr::Name,
                id::PROC_SID_EXE => Attr::Exe,
                _ => Attr::ExePath,
            };
            attr(l, a, buf)
        }
        id::PROC_IS_SID_LEADER if info.sid != 0 => Value::Bool(info.sid == info.vpid || info.sid == p.pid),
        id::PROC_DURATION => match started {
            Some(s) => Value::UNum(ev.ts.saturating_sub(s)),
            None => Value::Missing,
        },
        id::PROC_PPID_DURATION => match e.parent.map(|pp| pp.info.start_time).filter(|s| *s != 0) {
            Some(s) => Value::UNum(ev.ts.saturating_sub(s)),
            None => Value::Missing,
        },
        id::PROC_PID_TS => match (x.host.boot_epoch_ns, started) {
            (Some(boot), Some(s)) => Value::UNum(boot.saturating_add(s)),
            _ => Value::Missing,
        },
        id::PROC_PPID_TS => match (x.host.boot_epoch_ns, e.parent.map(|pp| pp.info.start_time)) {
            (Some(boot), Some(s)) if s != 0 => Value::UNum(boot.saturating_add(s)),
            _ => Value::Missing,
        },
        id::PROC_IS_EXE_UPPER_LAYER => Value::Bool(info.exe_upper_layer()),
        id::PROC_IS_EXE_FROM_MEMFD => Value::Bool(info.exe_from_memfd()),
        id::PROC_EXE_INO if info.exe_ino != 0 => Value::Num(info.exe_ino as i64),
        id::PROC_EXE_INO_CTIME if info.exe_ctime != 0 => Value::UNum(info.exe_ctime),
        id::PROC_EXE_INO_MTIME if info.exe_mtime != 0 => Value::UNum(info.exe_mtime),
        id::PROC_EXE_INO_CTIME_DURATION_PROC_START => match (x.host.boot_epoch_ns, started) {
            (Some(boot), Some(s)) if info.exe_ctime != 0 => {
                let start = boot.saturating_add(s);
                start.checked_sub(info.exe_ctime).map_or(Value::Missing, Value::UNum)
            }
            _ => Value::Missing,
        },
        id::THREAD_CAP_PERMITTED => build(buf, |b| write_caps(info.cap_permitted, b)),
        id::THREAD_CAP_INHERITABLE => build(buf, |b| write_caps(info.cap_inheritable, b)),
        id::THREAD_CAP_EFFECTIVE => build(buf, |b| write_caps(info.cap_effective, b)),
        id::PROC_FDOPENCOUNT => Value::UNum(p.fds.len() as u64),
        id::THREAD_VTID if ev.tid == ev.pid && info.vpid != 0 => Value::Num(i64::from(info.vpid)),
        id::THREAD_NAMETID => build(buf, |b| {
            b.extend_from_slice(p.comm.as_bytes());
            super::write_num(b, ev.tid);
        }),
        id::USER_LOGINUID => Value::Num(p.loginuid().map_or(-1, i64::from)),
        id::USER_LOGINNAME => match p.loginuid().and_then(|u| e.user_name_of(u)) {
            Some(n) => Value::Str(n.as_bytes()),
            None => Value::Missing,
        },
        _ => Value::Missing,
    }
}
