/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enforcer's maps and events as userspace sees them (crates/probe/src/enforce.rs mirrors
 * these layouts byte for byte; a test there checks the sizes).
 */
#ifndef VIGIL_ENFORCE_H
#define VIGIL_ENFORCE_H

#define VE_CGROUP_DFL 0xffffffffu
#define VE_EXEC_MAX 4096
#define VE_POLICY_MAX 1024
#define VE_ALLOW_MAX 16
/* cgroup v2 depths searched for a protected ancestor (Docker's are at 2: /docker/<id>) */
#define VE_CGROUP_LEVELS 8
#define VE_NAME_LEN 16

struct ve_config {
	__u32 cgroup_subsys; /* v1 subsystem index of the exec keys' hierarchy, or VE_CGROUP_DFL */
	__u32 pad;
};

/* 24 bytes */
struct ve_exec_key {
	__u64 cgroup;
	char name[VE_NAME_LEN]; /* NUL-padded, at most 15 bytes */
};

/* 24 bytes: family 0 = either; port 0 = any; addr host-order words (IPv4 in addr[0]) */
struct ve_allow {
	__u8 family;
	__u8 plen;
	__u16 port;
	__u32 addr[4];
	__u32 pad;
};

struct ve_policy {
	__u32 nallow;
	__u32 flags;
	struct ve_allow allow[VE_ALLOW_MAX];
};

enum {
	VE_KILL_EXEC = 1,
	VE_DENY_CONNECT4 = 2,
	VE_DENY_CONNECT6 = 3,
};

/* 80 bytes */
struct ve_event {
	__u64 ts; /* boot-time ns */
	__u64 cgroup; /* exec: the configured hierarchy's id; connect: the cgroup v2 id of the policy */
	__u32 pid;
	__u32 kind;
	__s32 result; /* bpf_send_signal's return for kills */
	__u16 port; /* host order */
	__u16 proto;
	__u32 addr[4]; /* host-order words */
	char name[VE_NAME_LEN]; /* the matched image name */
	char comm[VE_NAME_LEN];
};

struct ve_counters {
	__u64 killed;
	__u64 kill_failed;
	__u64 denied;
	__u64 ring_full;
};

#endif
