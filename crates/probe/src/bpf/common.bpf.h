/* SPDX-License-Identifier: Apache-2.0 */
/* Maps, configuration and the record-building helpers every program uses. */
#ifndef VIGIL_COMMON_BPF_H
#define VIGIL_COMMON_BPF_H

#include "vigil.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "abi.h"

/* Offsets are masked with this before every write, so the verifier can see the bounds. */
#define VG_OFF_MASK (VG_RECORD_MAX - 1)
/* The scratch record is twice the largest record: a masked offset plus one capped field fits. */
#define VG_SCRATCH (VG_RECORD_MAX * 2)
#define VG_NAME_MAX 256

const volatile struct vg_config vg_cfg = {
	.cgroup_subsys = VG_CGROUP_DFL,
	.self_pid = 0,
	.wakeup_bytes = 256 * 1024,
};

/* Read by userspace to check it speaks the same layout. */
const volatile __u32 vg_abi_version = VG_ABI_VERSION;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* resized from userspace before load */
} vg_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct vg_sysdesc);
} vg_syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_counters);
} vg_counters SEC(".maps");

struct vg_scratch {
	__u8 data[VG_SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_scratch);
} vg_scratch SEC(".maps");

/*
 * Arguments read at syscall entry, kept in the thread's own storage until the matching exit.
 * Task storage is created once per thread and reused: no map insert or delete per syscall.
 * A path longer than the stash is read again, whole, at exit.
 */
#define VG_STASH_MAX 1024

struct vg_stash {
	__u32 nr; /* syscall number + 1; 0 when empty */
	__u32 len;
	__u8 data[VG_STASH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_stash);
} vg_stash SEC(".maps");

static __always_inline struct vg_counters *counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&vg_counters, &zero);
}

static __always_inline struct cgroup *task_cgroup(struct task_struct *t)
{
	__u32 ss = vg_cfg.cgroup_subsys;
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	if (ss == VG_CGROUP_DFL)
		return BPF_CORE_READ(cs, dfl_cgrp);
	if (ss >= 16)
		return NULL;
	struct cgroup_subsys_state *css = NULL;
	bpf_probe_read_kernel(&css, sizeof(css), &cs->subsys[ss]);
	return BPF_CORE_READ(css, cgroup);
}

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	struct cgroup *cg = task_cgroup(t);
	if (!cg)
		return 0;
	return BPF_CORE_READ(cg, kn, id);
}

/*
 * The same for the current task on the per-syscall path, with direct loads through the BTF
 * pointer (faulting-safe loads the JIT inlines) instead of one helper call per field. The
 * subsystem index comes from read-only config, so the verifier sees a constant offset.
 */
static __always_inline __u64 current_cgroup_id(struct task_struct *t)
{
	__u32 ss = vg_cfg.cgroup_subsys;
	struct cgroup *cg;
	if (ss == VG_CGROUP_DFL) {
		cg = t->cgroups->dfl_cgrp;
	} else {
		if (ss >= 16)
			return 0;
		cg = t->cgroups->subsys[ss]->cgroup;
	}
	return cg ? cg->kn->id : 0;
}

/*
 * Starts a record in the scratch buffer: the common header. Returns NULL if there is no scratch.
 * `task` is the current task as a BTF pointer (bpf_get_current_task_btf or a tp_btf argument).
 */
static __always_inline struct vg_hdr *record_begin(__u16 kind, struct task_struct *task)
{
	__u32 zero = 0;
	struct vg_scratch *s = bpf_map_lookup_elem(&vg_scratch, &zero);
	if (!s)
		return NULL;
	struct vg_hdr *h = (struct vg_hdr *)s->data;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	h->ts = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = task->real_parent->tgid;
	const struct cred *cred = task->cred;
	h->uid = cred->euid.val;
	h->gid = cred->egid.val;
	h->cgroup = current_cgroup_id(task);
	h->res = 0;
	h->kind = kind;
	h->len = sizeof(*h);
	h->nvar = 0;
	h->flags = 0;
	h->abi = VG_ABI_VERSION;
	h->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	return h;
}

/* Opens a variable field at `off`; the caller writes its bytes right after the vg_var. */
static __always_inline struct vg_var *var_at(struct vg_hdr *h, __u32 off)
{
	return (struct vg_var *)((__u8 *)h + (off & VG_OFF_MASK));
}

static __always_inline __u32 var_close(struct vg_hdr *h, __u32 off, __u8 tag, __u32 len)
{
	struct vg_var *v = var_at(h, off);
	v->tag = tag;
	v->pad = 0;
	v->len = len;
	h->nvar++;
	return (off & VG_OFF_MASK) + sizeof(struct vg_var) + len;
}

/* A NUL-terminated user string; the stored length excludes the NUL. An unreadable pointer gives "". */
static __always_inline __u32 var_user_str(struct vg_hdr *h, __u32 off, __u8 tag, const void *uptr)
{
	__u8 *dst = (__u8 *)var_at(h, off) + sizeof(struct vg_var);
	long n = bpf_probe_read_user_str(dst, VG_STR_MAX, uptr);
	__u32 len = n > 0 ? (__u32)n - 1 : 0;
	if (len >= VG_STR_MAX - 1)
		h->flags |= VG_F_TRUNCATED;
	return var_close(h, off, tag, len & (VG_STR_MAX - 1));
}

/* `len` bytes of user memory (len already capped by the caller). */
static __always_inline __u32 var_user_bytes(struct vg_hdr *h, __u32 off, __u8 tag, const void *uptr, __u32 len)
{
	__u8 *dst = (__u8 *)var_at(h, off) + sizeof(struct vg_var);
	barrier_var(len);
	len &= (VG_STR_MAX - 1);
	if (len == 0 || bpf_probe_read_user(dst, len, uptr) < 0)
		len = 0;
	return var_close(h, off, tag, len);
}

/* Hands the record to userspace. Wakes the reader only when enough has piled up. */
static __always_inline void record_send(struct vg_hdr *h, __u32 len)
{
	struct vg_counters *c = counters();
	if (len > VG_RECORD_MAX) {
		if (c)
			c->drop_size++;
		return;
	}
	h->len = len;
	__u64 avail = bpf_ringbuf_query(&vg_events, BPF_RB_AVAIL_DATA);
	__u64 flags = avail >= vg_cfg.wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&vg_events, h, len, flags) < 0) {
		if (c)
			c->drop_full++;
		return;
	}
	if (c)
		c->sent++;
}

static __always_inline void count_seen(void)
{
	struct vg_counters *c = counters();
	if (c)
		c->seen++;
}

static __always_inline void count_drop_read(void)
{
	struct vg_counters *c = counters();
	if (c)
		c->drop_read++;
}

#endif
