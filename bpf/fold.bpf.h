/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Folding of identical repeated failures (see struct bs_fold_key in
 * bindsnoop.h): the kernel half. fold_repeat() runs before the ring buffer
 * and the holder walk, so a storm of repeats costs a hash lookup and an
 * atomic add each; fold_window_open() records the window a full report opens.
 */
#ifndef BINDSNOOP_FOLD_BPF_H
#define BINDSNOOP_FOLD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bindsnoop.h"

#define NSEC_PER_MSEC 1000000ULL

/*
 * A full map folds nothing more: a failure whose entry can't be made is
 * reported in full, so nothing is lost, it only costs more. Userspace
 * removes entries idle for two windows.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct bs_fold_key);
	__type(value, struct bs_fold_value);
} folds SEC(".maps");

static __always_inline bool fold_enabled(int ret)
{
	return ret < 0 && bs_cfg.fold_ms;
}

/*
 * Count this failure as a repeat of its open window, if it has one. Returns
 * the entry (window closed) or NULL (no entry) through *entry otherwise, for
 * fold_window_open().
 */
static __always_inline bool fold_repeat(const struct bs_fold_key *key, __u64 now_ns,
					struct bs_fold_value **entry)
{
	struct bs_fold_value *value = bpf_map_lookup_elem(&folds, key);

	*entry = value;
	if (!value || now_ns - value->window_start_ns >= bs_cfg.fold_ms * NSEC_PER_MSEC)
		return false;
	__sync_fetch_and_add(&value->repeats, 1);
	value->last_seen_ns = now_ns;
	return true;
}

static __always_inline void fold_value_fill(struct bs_fold_value *value,
					    const struct bs_event *event)
{
	value->window_start_ns = event->ts_boot_ns;
	value->last_seen_ns = event->ts_boot_ns;
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

/* The failure in event is reported in full: it opens a new window for key. */
static __always_inline void fold_window_open(const struct bs_fold_key *key,
					     struct bs_fold_value *entry,
					     const struct bs_event *event)
{
	struct bs_fold_value fresh = {};

	if (entry) {
		/* Repeats so far belong to windows that are closed now. */
		entry->repeats_at_window_start = entry->repeats;
		fold_value_fill(entry, event);
		return;
	}
	fold_value_fill(&fresh, event);
	bpf_map_update_elem(&folds, key, &fresh, BPF_NOEXIST);
}

#endif /* BINDSNOOP_FOLD_BPF_H */
