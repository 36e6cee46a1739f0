/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Folding of identical repeated failures (see struct bs_fold_key in
 * bindsnoop.h): the kernel half. fold_repeat() runs before the ring buffer
 * and the holder walk, so a storm of repeats costs an array and a hash
 * lookup and an atomic add each, and no clock read (a clock read costs more
 * than all the rest on some hypervisors); fold_window_open() records the
 * window a full report opens.
 */
#ifndef BINDSNOOP_FOLD_BPF_H
#define BINDSNOOP_FOLD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bindsnoop.h"
#include "fold_record.h"

/*
 * A full map folds nothing more: a failure whose entry can't be made is
 * reported in full, so nothing is lost, it only costs more. Userspace
 * removes entries quiet for a whole window.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct bs_fold_key);
	__type(value, struct bs_fold_value);
} folds SEC(".maps");

/* The number of the current window; userspace advances it every fold_ms. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fold_epoch SEC(".maps");

static __always_inline bool fold_enabled(int ret)
{
	return ret < 0 && bs_cfg.fold_ms;
}

static __always_inline __u64 fold_epoch_now(void)
{
	__u32 zero = 0;
	__u64 *epoch = bpf_map_lookup_elem(&fold_epoch, &zero);

	return epoch ? *epoch : 0;
}

/*
 * Count this failure as a repeat of its open window, if it has one. Returns
 * the entry (its window closed) or NULL (no entry) through *entry otherwise,
 * for fold_window_open().
 */
static __always_inline bool fold_repeat(const struct bs_fold_key *key, __u64 epoch,
					struct bs_fold_value **entry)
{
	struct bs_fold_value *value = bpf_map_lookup_elem(&folds, key);

	*entry = value;
	if (!value || value->epoch != epoch)
		return false;
	__sync_fetch_and_add(&value->repeats, 1);
	return true;
}

/*
 * An empty entry for a new key, filled in place (no 80-byte copy on the
 * stack). Until it is filled its epoch is 0, which no window has: the sweep
 * leaves such an entry alone (user/capture/fold_sweep.c), and repeats go on
 * being reported in full until the epoch is written, last.
 */
static const struct bs_fold_value fold_value_empty = {};

/* The failure in event is reported in full: it opens key's window in epoch. */
static __always_inline void fold_window_open(const struct bs_fold_key *key,
					     struct bs_fold_value *entry,
					     const struct bs_event *event, __u64 epoch)
{
	if (!entry) {
		/* Another CPU made it first: that one opens the window. */
		if (bpf_map_update_elem(&folds, key, &fold_value_empty, BPF_NOEXIST))
			return;
		entry = bpf_map_lookup_elem(&folds, key);
		if (!entry)
			return;
	}
	/* Repeats so far belong to windows that are closed now. */
	entry->repeats_at_window_start = entry->repeats;
	bs_fold_value_keep(entry, event);
	barrier(); /* the epoch last: it makes the entry a window */
	entry->epoch = epoch;
}

#endif /* BINDSNOOP_FOLD_BPF_H */
