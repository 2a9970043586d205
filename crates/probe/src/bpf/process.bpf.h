/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process lifecycle from the scheduler's tracepoints: exec (the new image: filename, argv, exe
 * path, cwd, cgroup path, credentials, overlay/memfd facts), fork (the child's cgroup, so a
 * short-lived process's container is known without /proc) and exit.
 */
#ifndef VIGIL_PROCESS_BPF_H
#define VIGIL_PROCESS_BPF_H

#include "common.bpf.h"

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	struct kernfs_node___old *old = (void *)kn;
	return BPF_CORE_READ(old, parent);
}

/* The cgroup path, leaf first, components NUL-terminated. */
static __always_inline __u32 var_cgroup(struct vg_hdr *h, __u32 off, struct task_struct *t)
{
	struct cgroup *cg = task_cgroup(t);
	struct kernfs_node *kn = BPF_CORE_READ(cg, kn);
	__u32 start = (off & VG_OFF_MASK) + sizeof(struct vg_var);
	__u32 pos = start;
	for (int i = 0; i < VG_CGROUP_DEPTH && kn; i++) {
		struct kernfs_node *parent = kn_parent(kn);
		if (!parent)
			break; /* the hierarchy's root has no name worth keeping */
		const char *name = BPF_CORE_READ(kn, name);
		long n = bpf_probe_read_kernel_str((__u8 *)h + (pos & VG_OFF_MASK), VG_NAME_MAX, name);
		if (n > 0)
			pos = (pos & VG_OFF_MASK) + n;
		kn = parent;
	}
	return var_close(h, off, VG_T_CGROUP, (pos - start) & (VG_STR_MAX - 1));
}

/* A path by walking dentries and mounts up to the task's root: leaf first, NUL-terminated. */
static __always_inline __u32 var_dpath(struct vg_hdr *h, __u32 off, __u8 tag, struct path *p, struct path *root)
{
	struct dentry *d = BPF_CORE_READ(p, dentry);
	struct vfsmount *vmnt = BPF_CORE_READ(p, mnt);
	struct dentry *root_d = BPF_CORE_READ(root, dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(root, mnt);
	__u64 mnt_off = bpf_core_field_offset(struct mount, mnt);
	struct mount *mnt = (struct mount *)((__u8 *)vmnt - mnt_off);
	__u32 start = (off & VG_OFF_MASK) + sizeof(struct vg_var);
	__u32 pos = start;
	for (int i = 0; i < VG_PATH_DEPTH; i++) {
		if (d == root_d && vmnt == root_mnt)
			break;
		struct dentry *mnt_root = BPF_CORE_READ(vmnt, mnt_root);
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (d == mnt_root || d == parent) {
			struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
			if (mp == mnt || !mp)
				break;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mp;
			vmnt = (struct vfsmount *)((__u8 *)mp + mnt_off);
			continue;
		}
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		long n = bpf_probe_read_kernel_str((__u8 *)h + (pos & VG_OFF_MASK), VG_NAME_MAX, name);
		if (n > 0)
			pos = (pos & VG_OFF_MASK) + n;
		if (pos - start >= VG_STR_MAX - VG_NAME_MAX) {
			h->flags |= VG_F_TRUNCATED;
			break;
		}
		d = parent;
	}
	return var_close(h, off, tag, (pos - start) & (VG_STR_MAX - 1));
}

static __always_inline __u32 task_tty(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(tty, driver, major);
	int minor = BPF_CORE_READ(tty, driver, minor_start) + index;
	/* new_encode_dev */
	return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
}

static __always_inline __u32 task_vpid(struct task_struct *t, bool thread)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	int nr = 0;
	bpf_probe_read_kernel(&nr, sizeof(nr), &pid->numbers[level & 31].nr);
	return nr;
}

static __always_inline __u32 var_procinfo(struct vg_hdr *h, __u32 off, struct task_struct *t, struct file *exe)
{
	struct vg_procinfo *pi = (struct vg_procinfo *)((__u8 *)var_at(h, off) + sizeof(struct vg_var));
	__builtin_memset(pi, 0, sizeof(*pi));
	const struct cred *cred = BPF_CORE_READ(t, cred);
	/* kernel_cap_t is {u64 val} since 6.3 and {u32 cap[2]} before: the same 8 bytes either way */
	bpf_probe_read_kernel(&pi->cap_effective, 8, &cred->cap_effective);
	bpf_probe_read_kernel(&pi->cap_permitted, 8, &cred->cap_permitted);
	bpf_probe_read_kernel(&pi->cap_inheritable, 8, &cred->cap_inheritable);
	pi->uid = BPF_CORE_READ(cred, uid.val);
	pi->gid = BPF_CORE_READ(cred, gid.val);
	if (bpf_core_field_exists(t->loginuid)) /* CONFIG_AUDIT */
		pi->loginuid = BPF_CORE_READ(t, loginuid.val);
	else
		pi->loginuid = 0xffffffff;
	pi->start_time = BPF_CORE_READ(t, start_boottime);
	pi->tty = task_tty(t);
	pi->vtid = task_vpid(t, true);
	pi->vpid = task_vpid(BPF_CORE_READ(t, group_leader), false);
	if (exe) {
		struct inode *ino = BPF_CORE_READ(exe, f_inode);
		pi->exe_ino = BPF_CORE_READ(ino, i_ino);
		if (bpf_core_field_exists(ino->i_ctime_sec)) {
			pi->exe_ctime = BPF_CORE_READ(ino, i_ctime_sec) * 1000000000ULL + BPF_CORE_READ(ino, i_ctime_nsec);
			pi->exe_mtime = BPF_CORE_READ(ino, i_mtime_sec) * 1000000000ULL + BPF_CORE_READ(ino, i_mtime_nsec);
		}
		unsigned long magic = BPF_CORE_READ(ino, i_sb, s_magic);
		if (magic == OVERLAYFS_SUPER_MAGIC) {
			__u64 vfs_off = bpf_core_field_offset(struct ovl_inode, vfs_inode);
			struct ovl_inode *oi = (struct ovl_inode *)((__u8 *)ino - vfs_off);
			if (BPF_CORE_READ(oi, __upperdentry))
				pi->flags |= VG_P_EXE_UPPER;
		}
		char name[8] = {};
		const unsigned char *dname = BPF_CORE_READ(exe, f_path.dentry, d_name.name);
		bpf_probe_read_kernel(name, 6, dname);
		if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' &&
		    name[5] == ':')
			pi->flags |= VG_P_EXE_MEMFD;
	}
	return var_close(h, off, VG_T_PROCINFO, sizeof(*pi));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_exec, struct task_struct *p, int old_pid, struct linux_binprm *bprm)
{
	if (vg_cfg.self_pid && (__u32)BPF_CORE_READ(p, tgid) == vg_cfg.self_pid)
		return 0;
	count_seen();
	struct vg_hdr *h = record_begin(VG_K_PROC_EXEC, p);
	if (!h)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(p);
	h->args[0] = old_pid;
	h->args[1] = BPF_CORE_READ(regs, orig_ax);
	struct file *exe = BPF_CORE_READ(bprm, file);

	__u32 off = sizeof(struct vg_hdr);
	const char *filename = BPF_CORE_READ(bprm, filename);
	__u8 *dst = (__u8 *)var_at(h, off) + sizeof(struct vg_var);
	long n = bpf_probe_read_kernel_str(dst, VG_STR_MAX, filename);
	off = var_close(h, off, VG_T_FILENAME, n > 0 ? ((__u32)n - 1) & (VG_STR_MAX - 1) : 0);

	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	unsigned long a0 = BPF_CORE_READ(mm, arg_start);
	unsigned long a1 = BPF_CORE_READ(mm, arg_end);
	__u32 alen = a1 > a0 ? a1 - a0 : 0;
	if (alen >= VG_ARGV_MAX) {
		alen = VG_ARGV_MAX - 1;
		h->flags |= VG_F_TRUNCATED;
	}
	off = var_user_bytes(h, off, VG_T_ARGV, (const void *)a0, alen);

	struct fs_struct *fs = BPF_CORE_READ(p, fs);
	struct path root, pwd, exe_path;
	BPF_CORE_READ_INTO(&root, fs, root);
	BPF_CORE_READ_INTO(&pwd, fs, pwd);
	BPF_CORE_READ_INTO(&exe_path, exe, f_path);
	off = var_dpath(h, off, VG_T_EXEPATH, &exe_path, &root);
	off = var_dpath(h, off, VG_T_CWD, &pwd, &root);
	off = var_cgroup(h, off, p);
	off = var_procinfo(h, off, p, exe);
	record_send(h, off);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_fork, struct task_struct *parent, struct task_struct *child)
{
	if (vg_cfg.self_pid && (__u32)BPF_CORE_READ(parent, tgid) == vg_cfg.self_pid)
		return 0;
	count_seen();
	struct vg_hdr *h = record_begin(VG_K_PROC_FORK, parent);
	if (!h)
		return 0;
	__u32 ctid = BPF_CORE_READ(child, pid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	h->args[0] = ctid;
	h->args[1] = ctgid;
	h->res = ctid;
	__u32 off = sizeof(struct vg_hdr);
	if (ctgid != h->pid) /* a new process, not a thread: its cgroup and credentials */
		off = var_cgroup(h, off, child);
	off = var_procinfo(h, off, child, NULL);
	if (ctgid == h->pid) {
		struct vg_procinfo *pi = (struct vg_procinfo *)((__u8 *)h + ((off - sizeof(*pi)) & VG_OFF_MASK));
		pi->flags |= VG_P_THREAD;
	}
	record_send(h, off);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_exit, struct task_struct *p)
{
	if (vg_cfg.self_pid && (__u32)BPF_CORE_READ(p, tgid) == vg_cfg.self_pid)
		return 0;
	count_seen();
	struct vg_hdr *h = record_begin(VG_K_PROC_EXIT, p);
	if (!h)
		return 0;
	h->res = BPF_CORE_READ(p, exit_code);
	/* args[0]: 1 when this was the last thread of the process */
	h->args[0] = BPF_CORE_READ(p, signal, live.counter) == 0;
	record_send(h, sizeof(struct vg_hdr));
	return 0;
}

#endif
