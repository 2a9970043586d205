//! The probe's record layout, mirrored from `crates/probe/src/bpf/abi.h`.
//!
//! A record is a fixed [`HDR_SIZE`]-byte header followed by `nvar` variable fields, each a
//! 4-byte `(tag, pad, len)` prefix and `len` bytes. All integers are little-endian. The probe
//! crate's `abi` test compiles the C header and checks every constant and offset here.

/// Bumped on every layout change; the loader refuses a probe built for another version.
pub const ABI_VERSION: u16 = 1;

pub const STR_MAX: usize = 4096;
pub const ARGV_MAX: usize = 4096;
pub const SOCKADDR_MAX: usize = 112;
pub const RECORD_MAX: usize = 16384;
pub const MAX_SYSCALLS: usize = 512;
pub const CGROUP_DEPTH: usize = 6;
pub const PATH_DEPTH: usize = 32;

/// Offsets of `struct vg_hdr`'s fields.
pub mod hdr {
    pub const TS: usize = 0;
    pub const CGROUP: usize = 8;
    pub const RES: usize = 16;
    pub const ARGS: usize = 24;
    pub const PID: usize = 72;
    pub const TID: usize = 76;
    pub const PPID: usize = 80;
    pub const UID: usize = 84;
    pub const GID: usize = 88;
    pub const KIND: usize = 92;
    pub const LEN: usize = 94;
    pub const NVAR: usize = 96;
    pub const FLAGS: usize = 98;
    pub const ABI: usize = 100;
    pub const CPU: usize = 102;
    pub const COMM: usize = 104;
    pub const SIZE: usize = 120;
}
pub const HDR_SIZE: usize = hdr::SIZE;
pub const VAR_SIZE: usize = 4;

/// Kinds below [`KIND_SYSCALL_BASE`] come from the scheduler's tracepoints.
pub const KIND_PROC_EXEC: u16 = 1;
pub const KIND_PROC_FORK: u16 = 2;
pub const KIND_PROC_EXIT: u16 = 3;
pub const KIND_SYSCALL_BASE: u16 = 10;

/// Variable field tags (`enum vg_tag`).
pub mod tag {
    /// `ARG0 + i`: the user string passed in argument `i`.
    pub const ARG0: u8 = 0;
    pub const ARG5: u8 = 5;
    pub const SOCKADDR: u8 = 8;
    pub const TUPLE: u8 = 9;
    pub const FDS: u8 = 10;
    pub const OPEN_HOW: u8 = 11;
    pub const FILENAME: u8 = 16;
    pub const ARGV: u8 = 17;
    pub const EXEPATH: u8 = 18;
    pub const CWD: u8 = 19;
    pub const CGROUP: u8 = 20;
    pub const PROCINFO: u8 = 21;
    pub const TRUNCATED: u8 = 31;
}

/// Header flags.
pub const F_TRUNCATED: u16 = 0x1;
pub const F_STASHED: u16 = 0x2;

/// `struct vg_tuple` offsets and size.
pub mod tuple {
    pub const FAMILY: usize = 0;
    pub const TYPE: usize = 2;
    pub const PROTO: usize = 4;
    pub const LPORT: usize = 6;
    pub const RPORT: usize = 8;
    pub const LADDR: usize = 16;
    pub const RADDR: usize = 32;
    pub const SIZE: usize = 48;
}

/// `struct vg_procinfo` offsets and size.
pub mod procinfo {
    pub const CAP_EFFECTIVE: usize = 0;
    pub const CAP_PERMITTED: usize = 8;
    pub const CAP_INHERITABLE: usize = 16;
    pub const EXE_INO: usize = 24;
    pub const EXE_CTIME: usize = 32;
    pub const EXE_MTIME: usize = 40;
    pub const START_TIME: usize = 48;
    pub const LOGINUID: usize = 56;
    pub const TTY: usize = 60;
    pub const SID: usize = 64;
    pub const VPID: usize = 68;
    pub const VTID: usize = 72;
    pub const UID: usize = 76;
    pub const GID: usize = 80;
    pub const FLAGS: usize = 84;
    pub const SIZE: usize = 88;
}

/// `vg_procinfo.flags`.
pub const P_EXE_UPPER: u32 = 0x1;
pub const P_EXE_MEMFD: u32 = 0x2;
pub const P_THREAD: u32 = 0x4;

/// `struct vg_sysdesc`: size and the `special` readers and `dflags` bits.
pub const SYSDESC_SIZE: usize = 8;
pub mod special {
    pub const NONE: u8 = 0;
    pub const SOCKADDR: u8 = 1;
    pub const MSGHDR: u8 = 2;
    pub const FDS: u8 = 3;
    pub const OPEN_HOW: u8 = 4;
}
pub mod dflag {
    pub const ENTER_STR: u16 = 0x1;
    pub const ENTER_SOCKADDR: u16 = 0x2;
    pub const TUPLE_ARG0: u16 = 0x4;
    pub const TUPLE_RES: u16 = 0x8;
    pub const SKIP_SUCCESS: u16 = 0x10;
    pub const SKIP_ZERO_SA: u16 = 0x20;
}

/// `struct vg_counters`: six u64 per CPU, in this order.
pub const COUNTER_NAMES: [&str; 6] = ["seen", "sent", "drop_full", "drop_size", "drop_read", "stash_miss"];

/// `struct vg_config` offsets: cgroup_subsys (u32), self_pid (u32), wakeup_bytes (u64).
pub const CONFIG_SIZE: usize = 16;
pub const CGROUP_DFL: u32 = 0xffff_ffff;
