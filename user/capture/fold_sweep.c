// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "fold_record.h"
#include "capture/fold_sweep.h"

#define NSEC_PER_MSEC 1000000ULL
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's own "operation not supported", not in libc */
#endif

/* What userspace keeps of one key: how far it has reported, and the holders. */
struct fold_entry {
	struct bs_fold_key key;
	__u64 reported; /* repeats already emitted */
	__u32 holder_count;
	__u8 kernel_holders_searched;
	struct bs_holder holders[BS_MAX_KERNEL_HOLDERS];
	/* The caller as the kernel read it at the full report: its repeats are the same caller. */
	struct bs_identity identity;
	bool remembered; /* the window's full report was read (fold_sweep_remember) */
	bool deferred;	 /* a sweep held its repeats back once, waiting for that report */
};

struct fold_sweep {
	int folds_fd;
	int epoch_fd;
	__u64 window_ns;
	__u64 epoch;	     /* the window open now, as the kernel reads it */
	__u64 epoch_ends_ns; /* CLOCK_BOOTTIME */
	void *entries;	     /* tsearch tree of struct fold_entry */
	__u64 repeats_emitted;
	bool lookup_and_delete; /* false once the kernel (before 5.14) refused it */
};

static int entry_compare(const void *a, const void *b)
{
	return memcmp(&((const struct fold_entry *)a)->key, &((const struct fold_entry *)b)->key,
		      sizeof(struct bs_fold_key));
}

/* The entry of key, made if missing; NULL when out of memory. */
static struct fold_entry *entry_get(struct fold_sweep *sweep, const struct bs_fold_key *key)
{
	struct fold_entry probe = { .key = *key }, *fresh, **found;

	found = tfind(&probe, &sweep->entries, entry_compare);
	if (found)
		return *found;
	fresh = calloc(1, sizeof(*fresh));
	if (!fresh)
		return NULL;
	fresh->key = *key;
	found = tsearch(fresh, &sweep->entries, entry_compare);
	if (!found) {
		free(fresh);
		return NULL;
	}
	if (*found != fresh)
		free(fresh);
	return *found;
}

static void entry_forget(struct fold_sweep *sweep, const struct bs_fold_key *key)
{
	struct fold_entry probe = { .key = *key }, **found;
	struct fold_entry *entry;

	found = tfind(&probe, &sweep->entries, entry_compare);
	if (!found)
		return;
	entry = *found;
	tdelete(&probe, &sweep->entries, entry_compare);
	free(entry);
}

/* The key the kernel made for this failure (bpf/report.bpf.h). */
static void key_of_event(struct bs_fold_key *key, const struct bs_event *event)
{
	bs_fold_key_make(key, event->addr, event->pid, event->ret, event->port, event->family,
			 event->protocol, event->kind);
}

/* The kernel folds into the window of this number from now on. */
static int epoch_publish(struct fold_sweep *sweep)
{
	__u32 zero = 0;

	return bpf_map_update_elem(sweep->epoch_fd, &zero, &sweep->epoch, BPF_ANY) ? -errno : 0;
}

struct fold_sweep *fold_sweep_new(int folds_fd, int epoch_fd, __u32 fold_ms, __u64 now_ns)
{
	struct fold_sweep *sweep;

	if (folds_fd < 0 || epoch_fd < 0 || !fold_ms) {
		errno = EINVAL;
		return NULL;
	}
	sweep = calloc(1, sizeof(*sweep));
	if (!sweep)
		return NULL;
	sweep->folds_fd = folds_fd;
	sweep->epoch_fd = epoch_fd;
	sweep->window_ns = fold_ms * NSEC_PER_MSEC;
	/* Epoch 0 never has a window: a zeroed entry can't pass for an open one. */
	sweep->epoch = 1;
	sweep->epoch_ends_ns = now_ns + sweep->window_ns;
	if (epoch_publish(sweep)) {
		int err = errno;

		free(sweep);
		errno = err;
		return NULL;
	}
	sweep->lookup_and_delete = true;
	return sweep;
}

void fold_sweep_free(struct fold_sweep *sweep)
{
	if (!sweep)
		return;
	tdestroy(sweep->entries, free);
	free(sweep);
}

void fold_sweep_remember(struct fold_sweep *sweep, const struct bs_event *event)
{
	struct bs_fold_value value;
	struct bs_fold_key key;
	struct fold_entry *entry;

	key_of_event(&key, event);
	/* A full map had no room for its window: it has no repeats to carry. */
	if (bpf_map_lookup_elem(sweep->folds_fd, &key, &value))
		return;
	entry = entry_get(sweep, &key);
	if (!entry)
		return; /* its repeats are still emitted, their holders found again */
	entry->holder_count = event->holder_count;
	entry->kernel_holders_searched = event->kernel_holders_searched;
	memcpy(entry->holders, event->holders, sizeof(entry->holders));
	entry->identity = event->identity;
	entry->remembered = true;
}

/* The folded record: the window's first report, as the kernel made it. */
static void event_of_fold(struct bs_event *event, const struct fold_entry *entry,
			  const struct bs_fold_value *value, __u64 ts_boot_ns)
{
	bs_fold_event_make(event, &entry->key, value);
	event->ts_boot_ns = ts_boot_ns;
	event->holder_count = entry->holder_count;
	event->kernel_holders_searched = entry->kernel_holders_searched;
	memcpy(event->holders, entry->holders, sizeof(event->holders));
	event->identity = entry->identity;
}

/*
 * Emit what value says is not reported yet and belongs to closed windows.
 * The counters only grow, and each is read whole, so a value read while the
 * kernel updates it gives a boundary that is still a count that happened;
 * what the kernel adds after the read goes out on the next sweep.
 */
static int sweep_one(struct fold_sweep *sweep, struct fold_entry *entry,
		     const struct bs_fold_value *value, __u64 now_boot_ns, bool final,
		     fold_emit_fn emit, void *ctx)
{
	bool window_closed = final || value->epoch != sweep->epoch;
	__u64 boundary = window_closed ? value->repeats : value->repeats_at_window_start;
	struct bs_event event;
	__u64 count;
	int err;

	if (boundary <= entry->reported)
		return 0;
	/*
	 * Repeats of a window whose full report was not read yet: it was still
	 * in the ring buffer when the walk began (a storm on a slow machine),
	 * and its repeats would go out without its holders and its caller.
	 * The ring buffer is drained before every sweep and the full report was
	 * queued before its first repeat, so it is read by the next sweep; if
	 * it still is not (lost, or out of memory), they go out as they are.
	 */
	if (!entry->remembered && !entry->deferred && !final) {
		entry->deferred = true;
		return 0;
	}
	count = boundary - entry->reported;
	event_of_fold(&event, entry, value, now_boot_ns);
	err = emit(ctx, &event, count);
	/* Counted as reported even if an output failed: the pipeline says so. */
	entry->reported = boundary;
	sweep->repeats_emitted += count;
	return err;
}

/*
 * A key whose window closed a whole window ago leaves the map, so it does not
 * fill up. Epoch 0 is an entry the kernel is still filling in (bpf/fold.bpf.h).
 */
static bool idle(const struct fold_sweep *sweep, const struct bs_fold_value *value)
{
	return value->epoch && value->epoch + 2 <= sweep->epoch;
}

/*
 * Remove key from the map; a repeat the kernel counted between the sweep's
 * read and here is emitted from the value the removal returns (5.14+;
 * earlier kernels only delete, and such a repeat two windows after the
 * last one is lost: the race is nanoseconds wide).
 */
static int retire(struct fold_sweep *sweep, struct fold_entry *entry, __u64 now_boot_ns,
		  fold_emit_fn emit, void *ctx)
{
	struct bs_fold_value last;
	int err = 0;

	if (sweep->lookup_and_delete) {
		if (!bpf_map_lookup_and_delete_elem(sweep->folds_fd, &entry->key, &last))
			err = sweep_one(sweep, entry, &last, now_boot_ns, true, emit, ctx);
		else if (errno == EINVAL || errno == ENOTSUPP || errno == EOPNOTSUPP)
			sweep->lookup_and_delete = false;
	}
	if (!sweep->lookup_and_delete)
		bpf_map_delete_elem(sweep->folds_fd, &entry->key);
	entry_forget(sweep, &entry->key);
	return err;
}

int fold_sweep_run(struct fold_sweep *sweep, __u64 now_boot_ns, bool final, fold_emit_fn emit,
		   void *ctx)
{
	struct bs_fold_key key, next, *retired = NULL;
	size_t retired_count = 0, retired_room = 0;
	struct bs_fold_value value;
	int first_err = 0, err;
	void *previous = NULL;

	/*
	 * Close the window first: a repeat the kernel counts from here on opens
	 * a new one, so what the walk below reads of the old one only grows
	 * by the few repeats already past their epoch check.
	 */
	if (!final && now_boot_ns >= sweep->epoch_ends_ns) {
		sweep->epoch++;
		sweep->epoch_ends_ns = now_boot_ns + sweep->window_ns;
		first_err = epoch_publish(sweep);
	}
	while (!bpf_map_get_next_key(sweep->folds_fd, previous, &next)) {
		struct fold_entry *entry;

		key = next;
		previous = &key;
		if (bpf_map_lookup_elem(sweep->folds_fd, &key, &value))
			continue; /* removed meanwhile */
		entry = entry_get(sweep, &key);
		if (!entry) {
			first_err = first_err ? first_err : -ENOMEM;
			break;
		}
		err = sweep_one(sweep, entry, &value, now_boot_ns, final, emit, ctx);
		if (err && !first_err)
			first_err = err;
		/* Removed after the walk: removing the current key restarts it. */
		if (!final && idle(sweep, &value) && entry->reported == value.repeats) {
			if (retired_count == retired_room) {
				size_t room = retired_room ? 2 * retired_room : 64;
				struct bs_fold_key *grown = realloc(retired, room * sizeof(*grown));

				if (!grown)
					continue; /* retired on a later sweep */
				retired = grown;
				retired_room = room;
			}
			retired[retired_count++] = key;
		}
	}
	for (size_t i = 0; i < retired_count; i++) {
		struct fold_entry *entry = entry_get(sweep, &retired[i]);

		err = entry ? retire(sweep, entry, now_boot_ns, emit, ctx) : -ENOMEM;
		if (err && !first_err)
			first_err = err;
	}
	free(retired);
	return first_err;
}

__u64 fold_sweep_repeats(const struct fold_sweep *sweep)
{
	return sweep ? sweep->repeats_emitted : 0;
}
