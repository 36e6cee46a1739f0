/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The caller's identity, read at the failure by the program that reports it
 * (struct bs_identity in bindsnoop.h): what it runs, since when, in which
 * cgroup, under which parents, with which socket options. A second instance
 * or a crash-looping service exits a microsecond after its failed bind, long
 * before userspace could read /proc; everything the diagnosis needs of the
 * caller is in the event instead.
 *
 * Only probe reads of plain kernel pointers: every backend (tracepoint,
 * fexit, kprobe) calls the same function, and none of it depends on a
 * helper that older kernels lack. Where the kernel's layout moved, the shim
 * is in compat.bpf.h. Included after bs_cfg (report.bpf.h).
 */
#ifndef BINDSNOOP_IDENTITY_BPF_H
#define BINDSNOOP_IDENTITY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bindsnoop.h"
#include "compat.bpf.h"

/* Steps of a path walk: components plus the mount points it crosses. */
#define IDENTITY_EXE_STEPS    12
#define IDENTITY_CGROUP_STEPS 8
/* cgroup v1 hierarchies a process can be in (cgrp_links of its css_set). */
#define IDENTITY_V1_HIERARCHIES 16
/*
 * A mask that keeps every offset into a path (at most BS_PATH_LEN -
 * BS_PATH_PART_MAX) and every cmdline length (below BS_CMDLINE_LEN) as it
 * is, so that the verifier sees their bound.
 */
#define IDENTITY_OFFSET_MASK 127
_Static_assert(BS_PATH_LEN - BS_PATH_PART_MAX <= IDENTITY_OFFSET_MASK &&
		       BS_CMDLINE_LEN - 1 <= IDENTITY_OFFSET_MASK,
	       "IDENTITY_OFFSET_MASK must keep path offsets and cmdline lengths");
/* "systemd" and its NUL as one little-endian word: a hierarchy's root name. */
#define HIERARCHY_NAME_SYSTEMD                                                                   \
	((__u64)'s' | (__u64)'y' << 8 | (__u64)'s' << 16 | (__u64)'t' << 24 | (__u64)'e' << 32 | \
	 (__u64)'m' << 40 | (__u64)'d' << 48)

/*
 * Appends one path component at *used (components leaf first, each with its
 * NUL). A component starts in the first half of the buffer, so one read of
 * BS_PATH_PART_MAX bytes always fits; false once the buffer is full.
 */
static __always_inline bool path_append(char *path, __u32 *used, const void *name)
{
	__u32 at = *used;
	long len;

	if (at > BS_PATH_LEN - BS_PATH_PART_MAX)
		return false;
	barrier_var(at);
	/* at <= BS_PATH_LEN - BS_PATH_PART_MAX: the mask keeps it in the verifier's sight. */
	len = bpf_probe_read_kernel_str(path + (at & IDENTITY_OFFSET_MASK), BS_PATH_PART_MAX, name);
	if (len <= 0)
		return false;
	*used = at + len;
	return true;
}

/*
 * The executable's path as the process sees it (what /proc/PID/exe reads),
 * walked up from its dentry to the task's root, crossing mount points; the
 * way d_path() does, but bounded. BS_ID_EXE_COMPLETE when the root was
 * reached; otherwise the last components, which still name the program.
 */
static __always_inline void exe_path_read(struct bs_identity *id, struct task_struct *task,
					  struct file *exe)
{
	struct dentry *dentry = BPF_CORE_READ(exe, f_path.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(exe, f_path.mnt);
	struct dentry *root_dentry = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	__u32 used = 0;

#pragma unroll
	for (int step = 0; step < IDENTITY_EXE_STEPS; step++) {
		struct mount *mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
		struct dentry *parent;

		if (dentry == root_dentry && vfsmnt == root_mnt) {
			id->flags |= BS_ID_EXE_COMPLETE;
			return;
		}
		/*
		 * At a mount's root, go on from its mount point in the same step:
		 * one way through each step, not two, keeps the verifier's paths
		 * few (a branch that looped on its own doubled them per step, and
		 * start-up with them).
		 */
		if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			/* The top of the mount tree, outside the task's root: as far as it goes. */
			if (up == mnt) {
				id->flags |= BS_ID_EXE_COMPLETE;
				return;
			}
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			vfsmnt = (void *)up + bpf_core_field_offset(struct mount, mnt);
			if (dentry == root_dentry && vfsmnt == root_mnt) {
				id->flags |= BS_ID_EXE_COMPLETE;
				return;
			}
		}
		parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry ||
		    !path_append(id->exe_path, &used, BPF_CORE_READ(dentry, d_name.name)))
			return;
		dentry = parent;
	}
}

/* A cgroup's path, leaf first, from its kernfs node up to the hierarchy's root. */
static __always_inline void cgroup_path_read(struct bs_identity *id, struct cgroup *cgrp)
{
	struct kernfs_node *kn = BPF_CORE_READ(cgrp, kn);
	__u32 used = 0;

#pragma unroll
	for (int step = 0; step < IDENTITY_CGROUP_STEPS; step++) {
		struct kernfs_node *parent = kernfs_parent(kn);

		if (!parent) {
			id->flags |= BS_ID_CGROUP_COMPLETE;
			return;
		}
		if (!path_append(id->cgroup_path, &used, BPF_CORE_READ(kn, name)))
			return;
		kn = parent;
	}
}

static __always_inline bool cgroup_is_root(struct cgroup *cgrp)
{
	return !kernfs_parent(BPF_CORE_READ(cgrp, kn));
}

/*
 * The cgroup of the "name=systemd" v1 hierarchy, found among the css_set's
 * links to each hierarchy; NULL where there is none (a pure cgroup v2 host).
 */
static __always_inline struct cgroup *systemd_v1_cgroup(struct css_set *cset)
{
	struct list_head *head = (void *)cset + bpf_core_field_offset(struct css_set, cgrp_links);
	struct list_head *pos = BPF_CORE_READ(head, next);

#pragma unroll
	for (int i = 0; i < IDENTITY_V1_HIERARCHIES; i++) {
		struct cgrp_cset_link *link;
		struct cgroup_root *root;
		struct cgroup *linked;
		__u64 name = 0;

		if (!pos || pos == head)
			return NULL;
		link = (void *)pos - bpf_core_field_offset(struct cgrp_cset_link, cgrp_link);
		linked = BPF_CORE_READ(link, cgrp);
		root = BPF_CORE_READ(linked, root);
		bpf_probe_read_kernel(&name, sizeof(name), root->name);
		if (name == HIERARCHY_NAME_SYSTEMD)
			return linked;
		pos = BPF_CORE_READ(pos, next);
	}
	return NULL;
}

/*
 * The cgroup that names the caller's unit or container. On a v1/v2 hybrid
 * the "name=systemd" hierarchy is the one systemd keeps its units in (the
 * one /proc/PID/cgroup's "1:name=systemd:" line shows): the v2 path there
 * is "/", or another manager's (systemd-nspawn's "/payload"). Elsewhere, the
 * cgroup v2 one.
 */
static __always_inline void caller_cgroup_read(struct bs_identity *id, struct task_struct *task)
{
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup *systemd = bs_cfg.cgroup_v1_systemd ? systemd_v1_cgroup(cset) : NULL;

	if (systemd && !cgroup_is_root(systemd)) {
		id->flags |= BS_ID_CGROUP_SYSTEMD;
		cgroup_path_read(id, systemd);
		return;
	}
	cgroup_path_read(id, BPF_CORE_READ(cset, dfl_cgrp));
}

/* ppid and its parents, with their names: "systemd -> containerd-shim -> python3". */
static __always_inline void parents_read(struct bs_identity *id, struct task_struct *task)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);

#pragma unroll
	for (int depth = 0; depth < BS_PARENT_DEPTH; depth++) {
		__u32 tgid = BPF_CORE_READ(parent, tgid);

		if (!tgid)
			return;
		id->parent_pids[depth] = tgid;
		bpf_probe_read_kernel_str(id->parent_comms[depth], BS_COMM_LEN, &parent->comm);
		parent = BPF_CORE_READ(parent, real_parent);
	}
}

/* The first bytes of the arguments, from the caller's own memory (best effort). */
static __always_inline void cmdline_read(struct bs_identity *id, struct mm_struct *mm)
{
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	__u32 len;

	if (!start || end <= start)
		return;
	len = end - start;
	/* At most BS_CMDLINE_LEN - 1 bytes: the mask is what the verifier sees. */
	if (len >= BS_CMDLINE_LEN) {
		len = BS_CMDLINE_LEN - 1;
		id->flags |= BS_ID_CMDLINE_CUT;
	}
	/* The compiler knows len < BS_CMDLINE_LEN and would drop the mask: hide it. */
	barrier_var(len);
	len &= IDENTITY_OFFSET_MASK;
	if (bpf_probe_read_user(id->cmdline, len, (void *)start) == 0)
		id->cmdline_len = len;
}

/*
 * What makes a process's identity what it was: the process (tgid and start),
 * its memory and executable (an exec changes them), its css_set (a cgroup
 * move changes it) and its parent (a reparenting changes it).
 */
struct identity_stamp {
	__u64 start_boottime_ns;
	__u64 mm;
	__u64 exe_file;
	__u64 css_set;
	__u64 parent;
	__u32 tgid;
	__u32 pad;
};

/*
 * The head of the caller's struct sock_common, where SO_REUSEADDR,
 * SO_REUSEPORT and SO_BINDTODEVICE are (skc_bound_dev_if ends at byte 24 in
 * every kernel from 5.10 to 7.3): one probe read instead of one per field.
 * Beside the stamp in the per-CPU scratch, off identity_read()'s stack.
 */
#define SOCK_COMMON_HEAD_SIZE 32

struct identity_scratch {
	struct identity_stamp stamp;
	__u8 sock_head[SOCK_COMMON_HEAD_SIZE];
};

/* The options the diagnosis weighs, from the caller's socket as it failed. */
static __always_inline void caller_sock_options_read(struct bs_identity *id, struct sock *sk,
						     __u8 *head)
{
	struct sock_common *skc = (struct sock_common *)head;

	if (bpf_probe_read_kernel(head, SOCK_COMMON_HEAD_SIZE, sk))
		return;
	if (BPF_CORE_READ_BITFIELD(skc, skc_reuse))
		id->sock_flags |= BS_SOCK_REUSEADDR;
	if (BPF_CORE_READ_BITFIELD(skc, skc_reuseport))
		id->sock_flags |= BS_SOCK_REUSEPORT;
	id->sock_flags |= inet_bind_flags((struct inet_sock *)sk);
	id->bound_ifindex = skc->skc_bound_dev_if;
	id->flags |= BS_ID_SOCK_OPTIONS;
}

/*
 * The identity of the last full report of each process, by tgid slot: a
 * storm of full reports from one process (--no-fold, a scan over ports)
 * walks the dentries, cgroups and parents once, then copies them (the walks
 * are nearly all of a full report's cost in the kernel). The caller's socket
 * options are read each time. What the stamp does not cover can be older
 * than the failure: a command line rewritten in place, a parent's parent.
 */
#define IDENTITY_CACHE_SLOTS 256

struct identity_cache_entry {
	struct identity_stamp stamp; /* tgid 0: being written, or empty */
	struct bs_identity identity; /* without the socket options */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IDENTITY_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct identity_cache_entry);
} identity_cache SEC(".maps");

/*
 * The stamp and the socket head being read: off the stack, which the chain from a
 * syscall program through unix_bind_failed() to identity_read() must keep
 * within 512 bytes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct identity_scratch);
} identity_scratches SEC(".maps");

static __always_inline bool identity_stamp_equal(const struct identity_stamp *a,
						 const struct identity_stamp *b)
{
	return a->tgid == b->tgid && a->start_boottime_ns == b->start_boottime_ns &&
	       a->mm == b->mm && a->exe_file == b->exe_file && a->css_set == b->css_set &&
	       a->parent == b->parent;
}

/*
 * The cached identity into id if the entry is this very process as it is
 * now. The stamp's tgid is read again after the copy: a writer zeroes it
 * first, so a copy it overlapped does not count (seqlock-like).
 */
static __always_inline bool identity_cache_copy(struct bs_identity *id,
						struct identity_cache_entry *entry,
						const struct identity_stamp *stamp)
{
	if (!identity_stamp_equal(&entry->stamp, stamp))
		return false;
	__builtin_memcpy(id, &entry->identity, sizeof(*id));
	barrier();
	return *(volatile __u32 *)&entry->stamp.tgid == stamp->tgid;
}

static __always_inline void identity_cache_store(struct identity_cache_entry *entry,
						 const struct bs_identity *id,
						 const struct identity_stamp *stamp)
{
	*(volatile __u32 *)&entry->stamp.tgid = 0;
	barrier();
	__builtin_memcpy(&entry->identity, id, sizeof(*id));
	barrier();
	entry->stamp.start_boottime_ns = stamp->start_boottime_ns;
	entry->stamp.mm = stamp->mm;
	entry->stamp.exe_file = stamp->exe_file;
	entry->stamp.css_set = stamp->css_set;
	entry->stamp.parent = stamp->parent;
	barrier();
	*(volatile __u32 *)&entry->stamp.tgid = stamp->tgid;
}

/* The process part of the identity: exe, start, cgroup, parents, cmdline. */
static __always_inline void process_identity_read(struct bs_identity *id,
						  struct task_struct *task, struct mm_struct *mm,
						  struct file *exe, __u64 start_boottime_ns)
{
	id->flags = BS_ID_READ;
	id->start_boottime_ns = start_boottime_ns;
	if (exe) {
		struct inode *inode = BPF_CORE_READ(exe, f_inode);

		id->exe_ino = BPF_CORE_READ(inode, i_ino);
		id->exe_dev = BPF_CORE_READ(inode, i_sb, s_dev);
		exe_path_read(id, task, exe);
	}
	caller_cgroup_read(id, task);
	parents_read(id, task);
	if (mm)
		cmdline_read(id, mm);
}

/*
 * The stamp of the current process. Where the kernel has a BTF task pointer
 * (every kernel with bpf_task_pt_regs()), plain loads: the stamp is read for
 * every full report, and seven probe reads were most of a cached identity's
 * cost.
 */
static __always_inline void identity_stamp_read(struct identity_stamp *stamp)
{
	if (kernel_has_task_pt_regs()) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct mm_struct *mm = task->mm;

		stamp->start_boottime_ns = task->group_leader->start_boottime;
		stamp->mm = (__u64)mm;
		stamp->exe_file = (__u64)mm->exe_file;
		stamp->css_set = (__u64)task->cgroups;
		stamp->parent = (__u64)task->real_parent;
		stamp->tgid = task->tgid;
	} else {
		struct task_struct *task = (void *)bpf_get_current_task();
		struct mm_struct *mm = BPF_CORE_READ(task, mm);

		stamp->start_boottime_ns = BPF_CORE_READ(task, group_leader, start_boottime);
		stamp->mm = (__u64)mm;
		stamp->exe_file = (__u64)BPF_CORE_READ(mm, exe_file);
		stamp->css_set = (__u64)BPF_CORE_READ(task, cgroups);
		stamp->parent = (__u64)BPF_CORE_READ(task, real_parent);
		stamp->tgid = BPF_CORE_READ(task, tgid);
	}
}

/*
 * Everything above, into the event (id is zeroed). Not inlined: one copy
 * serves every program, in a frame of its own beside the holder walk's.
 */
static __noinline void identity_read(struct bs_identity *id, struct sock *sk)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 zero = 0;
	struct identity_scratch *scratch = bpf_map_lookup_elem(&identity_scratches, &zero);
	struct identity_stamp *stamp;

	if (!scratch)
		return;
	stamp = &scratch->stamp;
	identity_stamp_read(stamp);

	struct mm_struct *mm = (void *)stamp->mm;
	struct file *exe = (void *)stamp->exe_file;

	if (kernel_has_task_pt_regs()) {
		__u32 slot = stamp->tgid & (IDENTITY_CACHE_SLOTS - 1);
		struct identity_cache_entry *entry = bpf_map_lookup_elem(&identity_cache, &slot);

		/*
		 * An array's slot is never NULL; testing it once keeps one copy of
		 * the walks (a second test after them had clang emit them twice).
		 */
		if (entry && !identity_cache_copy(id, entry, stamp)) {
			__builtin_memset(id, 0, sizeof(*id));
			process_identity_read(id, task, mm, exe, stamp->start_boottime_ns);
			identity_cache_store(entry, id, stamp);
		}
	} else {
		/*
		 * Kernels before 5.15 read the walks every time: the cache's
		 * second way cost 5.10's verifier, the strictest, more at every
		 * start than it saves there (a branch on read-only data: their
		 * verifier never walks this one's other side).
		 */
		process_identity_read(id, task, mm, exe, stamp->start_boottime_ns);
	}
	if (sk)
		caller_sock_options_read(id, sk, scratch->sock_head);
}

#endif /* BINDSNOOP_IDENTITY_BPF_H */
