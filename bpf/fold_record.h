/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a folded record repeats of its window's full report, in one copy for
 * both sides: the kernel keeps it in the folds map when a full report opens
 * a window (bpf/fold.bpf.h), userspace rebuilds the event from it when it
 * reports the window's repeats (user/capture/fold_sweep.c). Built by clang
 * for BPF and by gcc; no libc, no BPF helpers.
 */
#ifndef BINDSNOOP_FOLD_RECORD_H
#define BINDSNOOP_FOLD_RECORD_H

#include "bindsnoop.h"
#include "shared_facts.h"

/* The failure a key stands for (what fold_repeat looks up). */
BS_SHARED_INLINE void bs_fold_key_make(struct bs_fold_key *key, const __u8 *addr, __u32 pid,
				     __s32 ret, __u16 port, __u16 family, __u16 protocol, __u8 kind)
{
	__builtin_memset(key, 0, sizeof(*key));
	__builtin_memcpy(key->addr, addr, sizeof(key->addr));
	key->pid = pid;
	key->ret = ret;
	key->port = port;
	key->family = family;
	key->protocol = protocol;
	key->kind = kind;
}

/* The caller's details of a full report, kept for its window's repeats. */
BS_SHARED_INLINE void bs_fold_value_keep(struct bs_fold_value *value, const struct bs_event *event)
{
	value->cgroup_id = event->cgroup_id;
	value->netns_ino = event->netns_ino;
	value->sock_inode = event->sock_inode;
	__builtin_memcpy(value->comm, event->comm, sizeof(value->comm));
	value->tid = event->tid;
	value->ppid = event->ppid;
	value->uid = event->uid;
	value->hook = event->hook;
	value->sock_type = event->sock_type;
	value->caller_v6only = event->caller_v6only;
}

/* The event of a folded record: its key, and what the full report kept. */
BS_SHARED_INLINE void bs_fold_event_make(struct bs_event *event, const struct bs_fold_key *key,
				       const struct bs_fold_value *value)
{
	__builtin_memset(event, 0, sizeof(*event));
	__builtin_memcpy(event->addr, key->addr, sizeof(event->addr));
	event->pid = key->pid;
	event->ret = key->ret;
	event->port = key->port;
	event->family = key->family;
	event->protocol = key->protocol;
	event->kind = key->kind;
	event->cgroup_id = value->cgroup_id;
	event->netns_ino = value->netns_ino;
	event->sock_inode = value->sock_inode;
	__builtin_memcpy(event->comm, value->comm, sizeof(event->comm));
	event->tid = value->tid;
	event->ppid = value->ppid;
	event->uid = value->uid;
	event->hook = value->hook;
	event->sock_type = value->sock_type;
	event->caller_v6only = value->caller_v6only;
}

#endif /* BINDSNOOP_FOLD_RECORD_H */
