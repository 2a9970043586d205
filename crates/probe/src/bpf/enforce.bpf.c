/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vigil's enforcer: programs that block rather than observe, in their own object so the
 * capture probe and the enforcer load, attach and fail independently.
 *
 *  - vg_kill_exec (tp_btf/sched_process_exec): when the new image's name (the task's comm,
 *    i.e. the basename the caller executed, or the executable file's own name) is listed for
 *    the task's container cgroup, send SIGKILL to the process. The tracepoint fires after the
 *    new image is loaded and before the return to user space, so the program runs none of its
 *    own instructions: the pending SIGKILL is taken on the way out of execve.
 *  - vg_deny_connect4/6 (cgroup/connect4, cgroup/connect6): attached to a container's cgroup v2
 *    directory; refuse (EPERM to the caller) connects whose destination is not allowed by the
 *    container's policy. Loopback is always allowed: it never leaves the container's netns.
 *
 * Every kill and denial is counted and written to a ring buffer for userspace to alert on.
 */
#include "vigil.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "enforce.h"

/* uapi/linux/bpf.h: the context of cgroup sock_addr programs. Its offsets are the ABI (the
 * verifier rewrites these accesses), so this is the exact uapi layout, not a CO-RE type. */
struct bpf_sock_addr {
	__u32 user_family;
	__u32 user_ip4; /* network byte order */
	__u32 user_ip6[4]; /* network byte order */
	__u32 user_port; /* network byte order, in the low 16 bits */
	__u32 family;
	__u32 type;
	__u32 protocol;
};

#define SIGKILL 9

const volatile struct ve_config ve_cfg = {
	.cgroup_subsys = VE_CGROUP_DFL,
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} ve_events SEC(".maps");

/* (container cgroup id, image name) -> 1: processes to kill at exec. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VE_EXEC_MAX);
	__type(key, struct ve_exec_key);
	__type(value, __u32);
} ve_exec_kill SEC(".maps");

/* cgroup v2 id of a protected container -> what it may still connect to. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VE_POLICY_MAX);
	__type(key, __u64);
	__type(value, struct ve_policy);
} ve_connect_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ve_counters);
} ve_counters SEC(".maps");

static __always_inline struct ve_counters *counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ve_counters, &zero);
}

/* Writes one event; a full ring buffer is counted, never silent. */
static __always_inline void emit(struct ve_event *e)
{
	struct ve_counters *c = counters();
	if (bpf_ringbuf_output(&ve_events, e, sizeof(*e), 0) < 0 && c)
		c->ring_full++;
}

/* The task's cgroup in the configured hierarchy (the one the capture probe reports). */
static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	__u32 ss = ve_cfg.cgroup_subsys;
	struct cgroup *cg;
	if (ss == VE_CGROUP_DFL) {
		cg = t->cgroups->dfl_cgrp;
	} else {
		if (ss >= 16)
			return 0;
		cg = t->cgroups->subsys[ss]->cgroup;
	}
	return cg ? cg->kn->id : 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_kill_exec, struct task_struct *p, int old_pid, struct linux_binprm *bprm)
{
	struct ve_exec_key k = {};
	k.cgroup = task_cgroup_id(p);
	if (!k.cgroup)
		return 0;
	/*
	 * The name the program was run by: the last component of the file name exec was given
	 * ("sh" for /bin/sh, even when it is a link to busybox). The task's comm still holds the
	 * old name at this tracepoint, so it is not used.
	 */
	char path[64] = {};
	bpf_probe_read_kernel_str(path, sizeof(path), BPF_CORE_READ(bprm, filename));
	__u32 start = 0;
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < sizeof(path) - 1; i++) {
		if (path[i] == '/')
			start = i + 1;
	}
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < sizeof(k.name) - 1; i++) {
		char c = path[(start + i) & (sizeof(path) - 1)];
		if (start + i >= sizeof(path) - 1 || c == 0)
			break;
		k.name[i] = c;
	}
	__u32 *hit = bpf_map_lookup_elem(&ve_exec_kill, &k);
	if (!hit) {
		/* the file's own name: a shell copied or linked under another name is still a shell */
		__builtin_memset(k.name, 0, sizeof(k.name));
		const unsigned char *dname = BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name);
		bpf_probe_read_kernel_str(k.name, sizeof(k.name), dname);
		hit = bpf_map_lookup_elem(&ve_exec_kill, &k);
		if (!hit)
			return 0;
	}
	long rc = bpf_send_signal(SIGKILL);
	struct ve_counters *c = counters();
	if (c) {
		if (rc == 0)
			c->killed++;
		else
			c->kill_failed++;
	}
	struct ve_event e = {};
	e.ts = bpf_ktime_get_boot_ns();
	e.cgroup = k.cgroup;
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.kind = VE_KILL_EXEC;
	e.result = rc;
	__builtin_memcpy(e.name, k.name, sizeof(e.name));
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	emit(&e);
	return 0;
}

/* The policy of the innermost protected cgroup the caller is in (the program is attached to
 * the container's directory, so processes in nested cgroups below it come here too). */
static __always_inline struct ve_policy *policy(__u64 *cg)
{
	for (int level = VE_CGROUP_LEVELS; level >= 1; level--) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id)
			continue;
		struct ve_policy *pol = bpf_map_lookup_elem(&ve_connect_policy, &id);
		if (pol) {
			*cg = id;
			return pol;
		}
	}
	return NULL;
}

/* Does a[0..4] (host order) fall in the rule's prefix, and the port match? */
static __always_inline bool allowed(struct ve_policy *pol, __u8 family, const __u32 *a, __u16 port)
{
	for (int i = 0; i < VE_ALLOW_MAX; i++) {
		if (i >= pol->nallow)
			break;
		struct ve_allow *r = &pol->allow[i];
		if (r->family && r->family != family)
			continue;
		if (r->port && r->port != port)
			continue;
		__u32 left = r->plen;
		bool ok = true;
		for (int w = 0; w < 4; w++) {
			if (left == 0)
				break;
			__u32 mask = left >= 32 ? 0xffffffff : ~(0xffffffffu >> left);
			if ((a[w] & mask) != (r->addr[w] & mask)) {
				ok = false;
				break;
			}
			left = left >= 32 ? left - 32 : 0;
		}
		if (ok)
			return true;
	}
	return false;
}

static __always_inline int decide(struct bpf_sock_addr *ctx, __u8 family, const __u32 *a)
{
	__u64 cg = 0;
	struct ve_policy *pol = policy(&cg);
	if (!pol)
		return 1;
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	if (allowed(pol, family, a, port))
		return 1;
	struct ve_counters *c = counters();
	if (c)
		c->denied++;
	struct ve_event e = {};
	e.ts = bpf_ktime_get_boot_ns();
	e.cgroup = cg;
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.kind = family == 4 ? VE_DENY_CONNECT4 : VE_DENY_CONNECT6;
	e.port = port;
	e.proto = ctx->protocol;
	for (int w = 0; w < 4; w++)
		e.addr[w] = a[w];
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	emit(&e);
	return 0;
}

SEC("cgroup/connect4")
int vg_deny_connect4(struct bpf_sock_addr *ctx)
{
	__u32 a[4] = {bpf_ntohl(ctx->user_ip4), 0, 0, 0};
	if ((a[0] >> 24) == 127)
		return 1;
	return decide(ctx, 4, a);
}

SEC("cgroup/connect6")
int vg_deny_connect6(struct bpf_sock_addr *ctx)
{
	__u32 a[4];
	a[0] = bpf_ntohl(ctx->user_ip6[0]);
	a[1] = bpf_ntohl(ctx->user_ip6[1]);
	a[2] = bpf_ntohl(ctx->user_ip6[2]);
	a[3] = bpf_ntohl(ctx->user_ip6[3]);
	if (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 1)
		return 1; /* ::1 */
	if (a[0] == 0 && a[1] == 0 && a[2] == 0xffff && (a[3] >> 24) == 127)
		return 1; /* ::ffff:127.0.0.0/104 */
	return decide(ctx, 6, a);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
