//! The record layout is written twice, in C (src/bpf/abi.h) and in Rust (vigil_capture::abi).
//! This compiles the C header with the host compiler and checks that both agree on every
//! constant, size and offset.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::process::Command;
use vigil_capture::abi::{self, dflag, hdr, procinfo, special, tag, tuple};

const PROGRAM: &str = r#"
#include <stdio.h>
#include <stddef.h>
#include <linux/types.h>
#include "abi.h"
#define O(s, f) printf(#s "." #f " %zu\n", offsetof(struct s, f))
#define Z(s) printf(#s " %zu\n", sizeof(struct s))
#define C(x) printf(#x " %llu\n", (unsigned long long)(x))
int main(void) {
    O(vg_hdr, ts); O(vg_hdr, cgroup); O(vg_hdr, res); O(vg_hdr, args); O(vg_hdr, pid); O(vg_hdr, tid);
    O(vg_hdr, ppid); O(vg_hdr, uid); O(vg_hdr, gid); O(vg_hdr, kind); O(vg_hdr, len); O(vg_hdr, nvar);
    O(vg_hdr, flags); O(vg_hdr, abi); O(vg_hdr, cpu); O(vg_hdr, comm); Z(vg_hdr); Z(vg_var);
    O(vg_tuple, family); O(vg_tuple, type); O(vg_tuple, proto); O(vg_tuple, lport); O(vg_tuple, rport);
    O(vg_tuple, laddr); O(vg_tuple, raddr); Z(vg_tuple);
    O(vg_procinfo, cap_effective); O(vg_procinfo, cap_permitted); O(vg_procinfo, cap_inheritable);
    O(vg_procinfo, exe_ino); O(vg_procinfo, exe_ctime); O(vg_procinfo, exe_mtime); O(vg_procinfo, start_time);
    O(vg_procinfo, loginuid); O(vg_procinfo, tty); O(vg_procinfo, sid); O(vg_procinfo, vpid);
    O(vg_procinfo, vtid); O(vg_procinfo, uid); O(vg_procinfo, gid); O(vg_procinfo, flags); Z(vg_procinfo);
    Z(vg_sysdesc); O(vg_sysdesc, kind); O(vg_sysdesc, strmask); O(vg_sysdesc, special); O(vg_sysdesc, sa_arg);
    O(vg_sysdesc, enter_arg); O(vg_sysdesc, dflags); Z(vg_counters); Z(vg_config);
    C(VG_ABI_VERSION); C(VG_STR_MAX); C(VG_ARGV_MAX); C(VG_SOCKADDR_MAX); C(VG_RECORD_MAX); C(VG_MAX_SYSCALLS);
    C(VG_CGROUP_DEPTH); C(VG_PATH_DEPTH); C(VG_K_PROC_EXEC); C(VG_K_PROC_FORK); C(VG_K_PROC_EXIT);
    C(VG_K_SYSCALL_BASE); C(VG_T_ARG0); C(VG_T_ARG5); C(VG_T_SOCKADDR); C(VG_T_TUPLE); C(VG_T_FDS);
    C(VG_T_OPEN_HOW); C(VG_T_FILENAME); C(VG_T_ARGV); C(VG_T_EXEPATH); C(VG_T_CWD); C(VG_T_CGROUP);
    C(VG_T_PROCINFO); C(VG_T_TRUNCATED); C(VG_F_TRUNCATED); C(VG_F_STASHED); C(VG_P_EXE_UPPER);
    C(VG_P_EXE_MEMFD); C(VG_P_THREAD); C(VG_S_NONE); C(VG_S_SOCKADDR); C(VG_S_MSGHDR); C(VG_S_FDS);
    C(VG_S_OPEN_HOW); C(VG_D_ENTER_STR); C(VG_D_ENTER_SOCKADDR); C(VG_D_TUPLE_ARG0); C(VG_D_TUPLE_RES);
    C(VG_D_SKIP_SUCCESS); C(VG_D_SKIP_ZERO_SA); C(VG_CGROUP_DFL);
    return 0;
}
"#;

fn c_layout() -> HashMap<String, u64> {
    let dir = std::env::temp_dir().join(format!("vigil-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("abi.c");
    let exe = dir.join("abi");
    std::fs::write(&src, PROGRAM).unwrap();
    let inc = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bpf");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let st = Command::new(&cc)
        .arg("-I")
        .arg(inc)
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(st.success(), "compiling abi.h with {cc} failed");
    let out = Command::new(&exe).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn c_and_rust_agree_on_the_record_layout() {
    let c = c_layout();
    let rust: &[(&str, u64)] = &[
        ("vg_hdr.ts", hdr::TS as u64),
        ("vg_hdr.cgroup", hdr::CGROUP as u64),
        ("vg_hdr.res", hdr::RES as u64),
        ("vg_hdr.args", hdr::ARGS as u64),
        ("vg_hdr.pid", hdr::PID as u64),
        ("vg_hdr.tid", hdr::TID as u64),
        ("vg_hdr.ppid", hdr::PPID as u64),
        ("vg_hdr.uid", hdr::UID as u64),
        ("vg_hdr.gid", hdr::GID as u64),
        ("vg_hdr.kind", hdr::KIND as u64),
        ("vg_hdr.len", hdr::LEN as u64),
        ("vg_hdr.nvar", hdr::NVAR as u64),
        ("vg_hdr.flags", hdr::FLAGS as u64),
        ("vg_hdr.abi", hdr::ABI as u64),
        ("vg_hdr.cpu", hdr::CPU as u64),
        ("vg_hdr.comm", hdr::COMM as u64),
        ("vg_hdr", hdr::SIZE as u64),
        ("vg_var", abi::VAR_SIZE as u64),
        ("vg_tuple.family", tuple::FAMILY as u64),
        ("vg_tuple.type", tuple::TYPE as u64),
        ("vg_tuple.proto", tuple::PROTO as u64),
        ("vg_tuple.lport", tuple::LPORT as u64),
        ("vg_tuple.rport", tuple::RPORT as u64),
        ("vg_tuple.laddr", tuple::LADDR as u64),
        ("vg_tuple.raddr", tuple::RADDR as u64),
        ("vg_tuple", tuple::SIZE as u64),
        ("vg_procinfo.cap_effective", procinfo::CAP_EFFECTIVE as u64),
        ("vg_procinfo.cap_permitted", procinfo::CAP_PERMITTED as u64),
        ("vg_procinfo.cap_inheritable", procinfo::CAP_INHERITABLE as u64),
        ("vg_procinfo.exe_ino", procinfo::EXE_INO as u64),
        ("vg_procinfo.exe_ctime", procinfo::EXE_CTIME as u64),
        ("vg_procinfo.exe_mtime", procinfo::EXE_MTIME as u64),
        ("vg_procinfo.start_time", procinfo::START_TIME as u64),
        ("vg_procinfo.loginuid", procinfo::LOGINUID as u64),
        ("vg_procinfo.tty", procinfo::TTY as u64),
        ("vg_procinfo.sid", procinfo::SID as u64),
        ("vg_procinfo.vpid", procinfo::VPID as u64),
        ("vg_procinfo.vtid", procinfo::VTID as u64),
        ("vg_procinfo.uid", procinfo::UID as u64),
        ("vg_procinfo.gid", procinfo::GID as u64),
        ("vg_procinfo.flags", procinfo::FLAGS as u64),
        ("vg_procinfo", procinfo::SIZE as u64),
        ("vg_sysdesc", abi::SYSDESC_SIZE as u64),
        ("vg_sysdesc.kind", 0),
        ("vg_sysdesc.strmask", 2),
        ("vg_sysdesc.special", 3),
        ("vg_sysdesc.sa_arg", 4),
        ("vg_sysdesc.enter_arg", 5),
        ("vg_sysdesc.dflags", 6),
        ("vg_counters", 8 * abi::COUNTER_NAMES.len() as u64),
        ("vg_config", abi::CONFIG_SIZE as u64),
        ("VG_ABI_VERSION", abi::ABI_VERSION as u64),
        ("VG_STR_MAX", abi::STR_MAX as u64),
        ("VG_ARGV_MAX", abi::ARGV_MAX as u64),
        ("VG_SOCKADDR_MAX", abi::SOCKADDR_MAX as u64),
        ("VG_RECORD_MAX", abi::RECORD_MAX as u64),
        ("VG_MAX_SYSCALLS", abi::MAX_SYSCALLS as u64),
        ("VG_CGROUP_DEPTH", abi::CGROUP_DEPTH as u64),
        ("VG_PATH_DEPTH", abi::PATH_DEPTH as u64),
        ("VG_K_PROC_EXEC", abi::KIND_PROC_EXEC as u64),
        ("VG_K_PROC_FORK", abi::KIND_PROC_FORK as u64),
        ("VG_K_PROC_EXIT", abi::KIND_PROC_EXIT as u64),
        ("VG_K_SYSCALL_BASE", abi::KIND_SYSCALL_BASE as u64),
        ("VG_T_ARG0", tag::ARG0 as u64),
        ("VG_T_ARG5", tag::ARG5 as u64),
        ("VG_T_SOCKADDR", tag::SOCKADDR as u64),
        ("VG_T_TUPLE", tag::TUPLE as u64),
        ("VG_T_FDS", tag::FDS as u64),
        ("VG_T_OPEN_HOW", tag::OPEN_HOW as u64),
        ("VG_T_FILENAME", tag::FILENAME as u64),
        ("VG_T_ARGV", tag::ARGV as u64),
        ("VG_T_EXEPATH", tag::EXEPATH as u64),
        ("VG_T_CWD", tag::CWD as u64),
        ("VG_T_CGROUP", tag::CGROUP as u64),
        ("VG_T_PROCINFO", tag::PROCINFO as u64),
        ("VG_T_TRUNCATED", tag::TRUNCATED as u64),
        ("VG_F_TRUNCATED", abi::F_TRUNCATED as u64),
        ("VG_F_STASHED", abi::F_STASHED as u64),
        ("VG_P_EXE_UPPER", abi::P_EXE_UPPER as u64),
        ("VG_P_EXE_MEMFD", abi::P_EXE_MEMFD as u64),
        ("VG_P_THREAD", abi::P_THREAD as u64),
        ("VG_S_NONE", special::NONE as u64),
        ("VG_S_SOCKADDR", special::SOCKADDR as u64),
        ("VG_S_MSGHDR", special::MSGHDR as u64),
        ("VG_S_FDS", special::FDS as u64),
        ("VG_S_OPEN_HOW", special::OPEN_HOW as u64),
        ("VG_D_ENTER_STR", dflag::ENTER_STR as u64),
        ("VG_D_ENTER_SOCKADDR", dflag::ENTER_SOCKADDR as u64),
        ("VG_D_TUPLE_ARG0", dflag::TUPLE_ARG0 as u64),
        ("VG_D_TUPLE_RES", dflag::TUPLE_RES as u64),
        ("VG_D_SKIP_SUCCESS", dflag::SKIP_SUCCESS as u64),
        ("VG_D_SKIP_ZERO_SA", dflag::SKIP_ZERO_SA as u64),
        ("VG_CGROUP_DFL", abi::CGROUP_DFL as u64),
    ];
    let mut wrong = Vec::new();
    for (name, want) in rust {
        match c.get(*name) {
            Some(got) if got == want => {}
            got => wrong.push(format!("{name}: C {got:?}, Rust {want}")),
        }
    }
    assert_eq!(
        c.len(),
        rust.len(),
        "the C program prints names the Rust table does not check"
    );
    assert!(wrong.is_empty(), "C and Rust disagree:\n{}", wrong.join("\n"));
}
