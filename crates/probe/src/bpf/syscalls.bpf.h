/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The syscall programs: a dispatcher on raw_syscalls:sys_exit that drops every syscall the table
 * (vg_syscalls, filled from userspace) does not mark, and fills one record per marked one; and
 * sys_enter, which only stashes the arguments that must be read before the call (paths of the
 * open family, connect's address).
 */
#ifndef VIGIL_SYSCALLS_BPF_H
#define VIGIL_SYSCALLS_BPF_H

#include "common.bpf.h"

static __always_inline __u64 reg_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0:
		return BPF_CORE_READ(regs, di);
	case 1:
		return BPF_CORE_READ(regs, si);
	case 2:
		return BPF_CORE_READ(regs, dx);
	case 3:
		return BPF_CORE_READ(regs, r10);
	case 4:
		return BPF_CORE_READ(regs, r8);
	default:
		return BPF_CORE_READ(regs, r9);
	}
}

static __always_inline bool is_self(void)
{
	return vg_cfg.self_pid && (bpf_get_current_pid_tgid() >> 32) == vg_cfg.self_pid;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vg_sys_enter, struct pt_regs *regs, long id)
{
	if (id < 0 || id >= VG_MAX_SYSCALLS)
		return 0;
	__u32 nr = id;
	struct vg_sysdesc *d = bpf_map_lookup_elem(&vg_syscalls, &nr);
	if (!d || !d->kind || !(d->dflags & (VG_D_ENTER_STR | VG_D_ENTER_SOCKADDR)))
		return 0;
	if (is_self())
		return 0;
	struct vg_stash *st = bpf_task_storage_get(&vg_stash, bpf_get_current_task_btf(), 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	int a = d->enter_arg;
	if (a > 4)
		return 0;
	const void *uptr = (const void *)reg_arg(regs, a);
	st->nr = nr + 1;
	if (d->dflags & VG_D_ENTER_STR) {
		long n = bpf_probe_read_user_str(st->data, VG_STASH_MAX, uptr);
		st->len = n > 0 ? (__u32)n - 1 : 0;
	} else {
		__u32 len = (__u32)reg_arg(regs, a + 1);
		if (len > VG_SOCKADDR_MAX)
			len = VG_SOCKADDR_MAX;
		barrier_var(len);
		len &= 0x7f;
		if (len == 0 || !uptr || bpf_probe_read_user(st->data, len, uptr) < 0)
			len = 0;
		st->len = len;
	}
	return 0;
}

/* The socket behind `fd` of the current task, or NULL when `fd` is not a socket. */
static __always_inline struct sock *fd_sock(struct task_struct *task, long fd)
{
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned long)fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	unsigned short mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(sock, sk);
}

static __always_inline __u32 var_tuple(struct vg_hdr *h, __u32 off, struct task_struct *task, long fd)
{
	struct sock *sk = fd_sock(task, fd);
	if (!sk)
		return off;
	/* only inet sockets have a tuple; a unix socket is named by its path */
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != 2 && family != 10)
		return off;
	struct vg_tuple *t = (struct vg_tuple *)((__u8 *)var_at(h, off) + sizeof(struct vg_var));
	__builtin_memset(t, 0, sizeof(*t));
	t->family = family;
	t->type = BPF_CORE_READ(sk, sk_type);
	t->proto = BPF_CORE_READ(sk, sk_protocol);
	t->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	t->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (t->family == 2) {
		__be32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__be32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(t->laddr, &l, 4);
		__builtin_memcpy(t->raddr, &r, 4);
	} else if (t->family == 10) {
		BPF_CORE_READ_INTO((struct in6_addr *)t->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)t->raddr, sk, __sk_common.skc_v6_daddr);
	}
	return var_close(h, off, VG_T_TUPLE, sizeof(*t));
}

static __always_inline __u32 var_special(struct vg_hdr *h, __u32 off, struct vg_sysdesc *d, __u64 *args)
{
	int a = d->sa_arg;
	if (a > 4)
		return off;
	const void *uptr = (const void *)args[a];
	switch (d->special) {
	case VG_S_SOCKADDR: {
		if (!uptr && (d->dflags & VG_D_SKIP_ZERO_SA))
			return off;
		__u32 len = (__u32)args[a + 1];
		if (len > VG_SOCKADDR_MAX)
			len = VG_SOCKADDR_MAX;
		return var_user_bytes(h, off, VG_T_SOCKADDR, uptr, len);
	}
	case VG_S_MSGHDR: {
		struct user_msghdr m = {};
		if (!uptr || bpf_probe_read_user(&m, sizeof(m), uptr) < 0 || !m.msg_name)
			return off;
		__u32 len = m.msg_namelen;
		if (len > VG_SOCKADDR_MAX)
			len = VG_SOCKADDR_MAX;
		return var_user_bytes(h, off, VG_T_SOCKADDR, m.msg_name, len);
	}
	case VG_S_FDS:
		return var_user_bytes(h, off, VG_T_FDS, uptr, 8);
	case VG_S_OPEN_HOW:
		return var_user_bytes(h, off, VG_T_OPEN_HOW, uptr, 24);
	default:
		return off;
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vg_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 nr = (__u32)regs->orig_ax;
	if (nr >= VG_MAX_SYSCALLS)
		return 0;
	struct vg_sysdesc *d = bpf_map_lookup_elem(&vg_syscalls, &nr);
	if (!d || !d->kind)
		return 0;
	if ((d->dflags & VG_D_SKIP_SUCCESS) && ret >= 0)
		return 0;
	if (is_self())
		return 0;
	count_seen();
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_hdr *h = record_begin(d->kind, task);
	if (!h)
		return 0;
	h->res = ret;
	__u64 args[6];
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
	__builtin_memcpy(h->args, args, sizeof(args));

	__u32 off = sizeof(struct vg_hdr);
	__u8 strmask = d->strmask;
	/* An argument stashed at entry wins over re-reading user memory now. */
	if (d->dflags & (VG_D_ENTER_STR | VG_D_ENTER_SOCKADDR)) {
		struct vg_stash *st = bpf_task_storage_get(&vg_stash, bpf_get_current_task_btf(), 0, 0);
		bool full = false;
		if (st && st->nr == nr + 1) {
			__u32 len = st->len;
			/* a string that filled the stash may be longer: read it whole at exit below */
			full = (d->dflags & VG_D_ENTER_STR) && len >= VG_STASH_MAX - 1;
			if (!full) {
				len &= (VG_STASH_MAX - 1);
				__u8 *dst = (__u8 *)var_at(h, off) + sizeof(struct vg_var);
				bpf_probe_read_kernel(dst, len, st->data);
				__u8 tag = (d->dflags & VG_D_ENTER_STR) ? d->enter_arg : VG_T_SOCKADDR;
				off = var_close(h, off, tag, len);
				h->flags |= VG_F_STASHED;
				if (d->dflags & VG_D_ENTER_STR)
					strmask &= ~(1 << d->enter_arg);
			}
			st->nr = 0;
		} else {
			struct vg_counters *c = counters();
			if (c)
				c->stash_miss++;
		}
		if (!(h->flags & VG_F_STASHED) && (d->dflags & VG_D_ENTER_SOCKADDR)) {
			__u32 len = (__u32)args[2];
			if (len > VG_SOCKADDR_MAX)
				len = VG_SOCKADDR_MAX;
			off = var_user_bytes(h, off, VG_T_SOCKADDR, (const void *)args[1], len);
		}
	}
	for (int i = 0; i < 6; i++) {
		if (strmask & (1 << i))
			off = var_user_str(h, off, i, (const void *)args[i]);
	}
	if (d->special)
		off = var_special(h, off, d, args);
	if (d->dflags & VG_D_TUPLE_ARG0)
		off = var_tuple(h, off, task, (long)args[0]);
	else if ((d->dflags & VG_D_TUPLE_RES) && ret >= 0)
		off = var_tuple(h, off, task, ret);
	record_send(h, off);
	return 0;
}

#endif
