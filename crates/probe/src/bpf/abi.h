/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record layout shared by the kernel programs and userspace (crate vigil-capture, src/abi.rs).
 * Every change bumps VG_ABI_VERSION; userspace refuses a probe whose version differs, and a test
 * compiles this header with the host compiler and compares every size and offset with the Rust side.
 *
 * A record is: struct vg_hdr, then hdr.nvar variable fields, each a struct vg_var followed by
 * var.len bytes (no padding). Integers are little-endian (the host's order; x86-64 only for now).
 */
#ifndef VIGIL_ABI_H
#define VIGIL_ABI_H

#define VG_ABI_VERSION 1

/* Caps on what one record may carry. */
#define VG_STR_MAX 4096     /* one path or string argument, NUL included */
#define VG_ARGV_MAX 4096    /* argv, NUL-separated */
#define VG_SOCKADDR_MAX 112 /* enough for sockaddr_un; in/in6 are 16/28 */
#define VG_RECORD_MAX 16384 /* a record never exceeds this */
#define VG_MAX_SYSCALLS 512 /* size of the syscall table map */
#define VG_CGROUP_DEPTH 6   /* cgroup path components kept, leaf first */
#define VG_PATH_DEPTH 32    /* dentry components walked for exe path and cwd */

/* Event kinds: our own numbering, independent of the architecture's syscall numbers. */
enum vg_kind {
	VG_K_NONE = 0,
	/* process lifecycle, from sched tracepoints */
	VG_K_PROC_EXEC = 1,
	VG_K_PROC_FORK = 2,
	VG_K_PROC_EXIT = 3,
	/* first syscall kind; the table lives in userspace (abi.rs SYSCALLS) */
	VG_K_SYSCALL_BASE = 10,
};

/* Variable field tags. */
enum vg_tag {
	VG_T_ARG0 = 0, /* ARG0..ARG5: a user string read from that argument */
	VG_T_ARG5 = 5,
	VG_T_SOCKADDR = 8,  /* a struct sockaddr as the user passed it */
	VG_T_TUPLE = 9,     /* struct vg_tuple: the socket's addresses, read from the kernel */
	VG_T_FDS = 10,      /* two int fds (pipe, socketpair) */
	VG_T_OPEN_HOW = 11, /* struct open_how (openat2): flags, mode, resolve */
	VG_T_FILENAME = 16, /* exec: bprm->filename */
	VG_T_ARGV = 17,     /* exec: argv, NUL-separated */
	VG_T_EXEPATH = 18,  /* exec: executable's path, components leaf first, NUL-separated */
	VG_T_CWD = 19,      /* exec: working directory, components leaf first, NUL-separated */
	VG_T_CGROUP = 20,   /* exec/fork: cgroup path, components leaf first, NUL-separated */
	VG_T_PROCINFO = 21, /* exec/fork: struct vg_procinfo */
	VG_T_TRUNCATED = 31 /* marker: a field above was cut at its cap (len 0) */
};

/* Header flags. */
#define VG_F_TRUNCATED 0x1 /* some field hit its cap */
#define VG_F_STASHED 0x2   /* an argument was read at syscall entry */

struct vg_hdr {
	__u64 ts;     /* ns since boot (bpf_ktime_get_boot_ns) */
	__u64 cgroup; /* kernfs node id of the task's cgroup in the tracked hierarchy */
	__s64 res;    /* syscall return value; exec: 0; exit: exit code */
	__u64 args[6];
	__u32 pid;  /* tgid */
	__u32 tid;  /* pid in kernel terms */
	__u32 ppid; /* real parent's tgid */
	__u32 uid;  /* effective uid */
	__u32 gid;  /* effective gid */
	__u16 kind; /* enum vg_kind or a syscall kind */
	__u16 len;  /* whole record, header included */
	__u16 nvar;
	__u16 flags;
	__u16 abi;  /* VG_ABI_VERSION */
	__u16 cpu;
	char comm[16];
};

struct vg_var {
	__u8 tag;
	__u8 pad;
	__u16 len;
};

struct vg_tuple {
	__u16 family; /* AF_INET 2, AF_INET6 10, AF_UNIX 1 */
	__u16 type;   /* SOCK_STREAM 1, SOCK_DGRAM 2 ... */
	__u16 proto;  /* IPPROTO_TCP 6, IPPROTO_UDP 17 */
	__u16 lport;  /* host order */
	__u16 rport;  /* host order */
	__u16 pad[3];
	__u8 laddr[16]; /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
};

/* Exec flags in vg_procinfo.flags. */
#define VG_P_EXE_UPPER 0x1  /* executable is on an overlayfs upper layer */
#define VG_P_EXE_MEMFD 0x2  /* executable is a memfd */
#define VG_P_THREAD 0x4     /* fork: the new task is a thread */
#define VG_P_EXE_WRITABLE 0x8

struct vg_procinfo {
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
	__u64 exe_ino;
	__u64 exe_ctime; /* ns since epoch */
	__u64 exe_mtime;
	__u64 start_time; /* ns since boot */
	__u32 loginuid;
	__u32 tty; /* device number, 0 when none */
	__u32 sid;
	__u32 vpid; /* pid in the task's own namespace */
	__u32 vtid;
	__u32 uid; /* real uid */
	__u32 gid;
	__u32 flags;
};

/* Per-syscall descriptor, filled from userspace into the syscall table map, indexed by number. */
enum vg_special {
	VG_S_NONE = 0,
	VG_S_SOCKADDR = 1, /* sockaddr at arg[sa_arg], length at arg[sa_arg + 1] */
	VG_S_MSGHDR = 2,   /* struct msghdr at arg[sa_arg]: its msg_name */
	VG_S_FDS = 3,      /* int[2] at arg[sa_arg] */
	VG_S_OPEN_HOW = 4, /* struct open_how at arg[sa_arg] */
};

#define VG_D_ENTER_STR 0x1      /* read string arg[enter_arg] at entry */
#define VG_D_ENTER_SOCKADDR 0x2 /* read sockaddr arg[enter_arg] (length arg[enter_arg+1]) at entry */
#define VG_D_TUPLE_ARG0 0x4     /* add the tuple of the socket fd in arg0 */
#define VG_D_TUPLE_RES 0x8      /* add the tuple of the socket fd returned */
#define VG_D_SKIP_SUCCESS 0x10  /* drop when the call succeeded (execve: the exec record covers it) */
#define VG_D_SKIP_ZERO_SA 0x20  /* no sockaddr field when the pointer is NULL */

struct vg_sysdesc {
	__u16 kind;    /* 0: not interesting */
	__u8 strmask;  /* bit i: arg i is a user string */
	__u8 special;  /* enum vg_special */
	__u8 sa_arg;   /* argument index for the special reader */
	__u8 enter_arg;
	__u16 dflags;  /* VG_D_* */
};

/* Counters, one set per CPU. */
struct vg_counters {
	__u64 seen;      /* records the programs started to build */
	__u64 sent;      /* records written to the ring buffer */
	__u64 drop_full; /* ring buffer full */
	__u64 drop_size; /* record larger than VG_RECORD_MAX */
	__u64 drop_read; /* a kernel read failed so the record could not be built */
	__u64 stash_miss; /* exit without the entry's stash (started mid-call or evicted) */
};

/* Runtime configuration, set from userspace before load (rodata). */
struct vg_config {
	__u32 cgroup_subsys; /* v1 subsystem index to read, or VG_CGROUP_DFL for the default hierarchy */
	__u32 self_pid;      /* the sensor's own tgid: its events are dropped */
	__u64 wakeup_bytes;  /* wake userspace when this much data is waiting */
};
#define VG_CGROUP_DFL 0xffffffffu

#endif
