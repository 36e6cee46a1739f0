// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The userspace half of folding against a real BPF hash map, written here
 * the way bpf/fold.bpf.h writes it: which repeats each sweep reports, when,
 * with which holders, and that idle keys leave the map. Needs CAP_BPF (the
 * test command runs as root); skipped, and said so, without it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "fold_record.h"
#include "capture/fold_sweep.h"
#include "unit.h"

#define WINDOW_MS 1000
#define WINDOW_NS (WINDOW_MS * 1000000ULL)
#define T0	  (100 * WINDOW_NS)

struct emitted {
	int records;
	__u64 count;	      /* of the last record */
	__u64 total;	      /* of every record */
	struct bs_event last; /* the last record */
	int fail_with;	      /* emit's return value */
	int with_holder;      /* records that carry a holder */
};

static int record(void *ctx, const struct bs_event *event, __u64 count)
{
	struct emitted *out = ctx;

	out->records++;
	out->count = count;
	out->total += count;
	out->last = *event;
	out->with_holder += event->holder_count > 0;
	return out->fail_with;
}

/* The failure the kernel reported in full, and the key it folds under. */
static void full_report(struct bs_event *event, struct bs_fold_key *key, __u16 port)
{
	memset(event, 0, sizeof(*event));
	event->addr[0] = 127;
	event->addr[3] = 1;
	event->port = port;
	event->family = 2;
	event->protocol = 6;
	event->ret = -98;
	event->kind = BS_KIND_BIND;
	event->pid = 4242;
	event->tid = 4243;
	event->uid = 1000;
	memcpy(event->comm, "python3", 8);
	event->holder_count = 1;
	event->kernel_holders_searched = 1;
	event->holders[0].owner_pid = 4100;
	event->holders[0].port = port;
	bs_fold_key_make(key, event->addr, event->pid, event->ret, event->port, event->family,
			 event->protocol, event->kind);
}

/* The epoch the kernel reads now (what fold_sweep published). */
static __u64 current_epoch(int epoch_map)
{
	__u32 zero = 0;
	__u64 epoch = 0;

	CHECK_INT(bpf_map_lookup_elem(epoch_map, &zero, &epoch), 0);
	return epoch;
}

/* What the kernel writes when a full report opens a window (fold_window_open). */
static void window_opened(int map, int epoch_map, const struct bs_fold_key *key,
			  const struct bs_event *event)
{
	struct bs_fold_value value = { 0 };

	if (bpf_map_lookup_elem(map, key, &value))
		memset(&value, 0, sizeof(value));
	value.repeats_at_window_start = value.repeats;
	value.epoch = current_epoch(epoch_map);
	value.tid = event->tid;
	value.uid = event->uid;
	memcpy(value.comm, event->comm, sizeof(value.comm));
	CHECK_INT(bpf_map_update_elem(map, key, &value, BPF_ANY), 0);
}

/* What the kernel does for each repeat inside the window (fold_repeat). */
static void repeated(int map, int epoch_map, const struct bs_fold_key *key, int times)
{
	struct bs_fold_value value;

	CHECK_INT(bpf_map_lookup_elem(map, key, &value), 0);
	CHECK_INT(value.epoch, current_epoch(epoch_map));
	value.repeats += times;
	CHECK_INT(bpf_map_update_elem(map, key, &value, BPF_EXIST), 0);
}

static void test_window_and_restart(int map, int epoch_map)
{
	struct fold_sweep *sweep = fold_sweep_new(map, epoch_map, WINDOW_MS, T0);
	struct emitted out = { 0 };
	struct bs_fold_key key;
	struct bs_event event;

	CHECK(sweep != NULL);
	/* The first window is numbered, and 0 (a zeroed entry) is never one. */
	CHECK_INT(current_epoch(epoch_map), 1);
	full_report(&event, &key, 3000);
	window_opened(map, epoch_map, &key, &event);
	fold_sweep_remember(sweep, &event);
	repeated(map, epoch_map, &key, 5);

	/* The window is open: its repeats wait. */
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS / 2, false, record, &out), 0);
	CHECK_INT(out.records, 0);
	CHECK_INT(current_epoch(epoch_map), 1);

	/* Its time is up: the next epoch, and one record of 5, as the full report. */
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS, false, record, &out), 0);
	CHECK_INT(current_epoch(epoch_map), 2);
	CHECK_INT(out.records, 1);
	CHECK_INT(out.count, 5);
	CHECK_INT(out.last.ts_boot_ns, T0 + WINDOW_NS);
	CHECK_INT(out.last.port, 3000);
	CHECK_INT(out.last.ret, -98);
	CHECK_INT(out.last.pid, 4242);
	CHECK_INT(out.last.tid, 4243);
	CHECK_STR(out.last.comm, "python3");
	CHECK_INT(out.last.holder_count, 1);
	CHECK_INT(out.last.holders[0].owner_pid, 4100);
	CHECK_INT(out.last.kernel_holders_searched, 1);

	/* Nothing new: nothing again. */
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS + 1, false, record, &out), 0);
	CHECK_INT(out.records, 1);

	/*
	 * 3 repeats that read the old epoch just before it ended land after the
	 * sweep, then the kernel opens the new window (a full report) and counts
	 * 2 in it: the 3 go out at once, the 2 when the new window ends.
	 */
	{
		struct bs_fold_value value;

		CHECK_INT(bpf_map_lookup_elem(map, &key, &value), 0);
		value.repeats += 3;
		CHECK_INT(bpf_map_update_elem(map, &key, &value, BPF_EXIST), 0);
	}
	window_opened(map, epoch_map, &key, &event);
	repeated(map, epoch_map, &key, 2);
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS + 20, false, record, &out), 0);
	CHECK_INT(out.records, 2);
	CHECK_INT(out.count, 3);
	CHECK_INT(fold_sweep_run(sweep, T0 + 2 * WINDOW_NS + 20, false, record, &out), 0);
	CHECK_INT(out.records, 3);
	CHECK_INT(out.count, 2);
	CHECK_INT(out.total, 10);
	CHECK_INT(fold_sweep_repeats(sweep), 10);

	/*
	 * Its window opened in epoch 2; epoch 3 passes without a failure of
	 * it: when epoch 4 starts, the key leaves the map (and the kernel's
	 * next failure of it is a full report again).
	 */
	{
		struct bs_fold_value value;

		CHECK_INT(bpf_map_lookup_elem(map, &key, &value), 0);
		CHECK_INT(value.epoch, 2);
		CHECK_INT(fold_sweep_run(sweep, T0 + 3 * WINDOW_NS + 20, false, record, &out), 0);
		CHECK_INT(current_epoch(epoch_map), 4);
		CHECK(bpf_map_lookup_elem(map, &key, &value) != 0);
	}
	CHECK_INT(out.total, 10);
	fold_sweep_free(sweep);
}

/* At exit every repeat counted so far goes out, open window or not. */
static void test_final_sweep(int map, int epoch_map)
{
	struct fold_sweep *sweep = fold_sweep_new(map, epoch_map, WINDOW_MS, T0);
	struct emitted out = { 0 };
	struct bs_fold_key key;
	struct bs_event event;

	full_report(&event, &key, 3001);
	window_opened(map, epoch_map, &key, &event);
	repeated(map, epoch_map, &key, 4);
	CHECK_INT(fold_sweep_run(sweep, T0 + 2, false, record, &out), 0);
	CHECK_INT(out.records, 0);
	CHECK_INT(fold_sweep_run(sweep, T0 + 2, true, record, &out), 0);
	CHECK_INT(out.records, 1);
	CHECK_INT(out.count, 4);
	/* Not remembered (its full report was lost): no holders to carry. */
	CHECK_INT(out.last.holder_count, 0);
	CHECK_INT(bpf_map_delete_elem(map, &key), 0);
	fold_sweep_free(sweep);
}

/*
 * An entry the kernel has inserted empty and not filled yet (epoch 0, see
 * bpf/fold.bpf.h) is no idle window: however late the sweep, it stays.
 */
static void test_entry_being_filled(int map, int epoch_map)
{
	struct fold_sweep *sweep = fold_sweep_new(map, epoch_map, WINDOW_MS, T0);
	struct bs_fold_value empty = { 0 }, value;
	struct emitted out = { 0 };
	struct bs_fold_key key;
	struct bs_event event;

	full_report(&event, &key, 3003);
	CHECK_INT(bpf_map_update_elem(map, &key, &empty, BPF_NOEXIST), 0);
	for (int window = 1; window <= 4; window++)
		CHECK_INT(fold_sweep_run(sweep, T0 + window * WINDOW_NS, false, record, &out), 0);
	CHECK_INT(current_epoch(epoch_map), 5);
	CHECK_INT(bpf_map_lookup_elem(map, &key, &value), 0);
	CHECK_INT(out.records, 0);
	CHECK_INT(bpf_map_delete_elem(map, &key), 0);
	fold_sweep_free(sweep);
}

/*
 * A window whose full report is still in the ring buffer when a sweep walks
 * the map (a storm on a slow machine): its repeats wait one sweep for it, so
 * they carry its holders and caller; a full report that never comes (lost)
 * holds them back only once.
 */
static void test_repeats_wait_for_their_report(int map, int epoch_map)
{
	struct fold_sweep *sweep = fold_sweep_new(map, epoch_map, WINDOW_MS, T0);
	struct emitted out = { 0 };
	struct bs_fold_key key, lost_key;
	struct bs_event event, lost;

	full_report(&event, &key, 3010);
	window_opened(map, epoch_map, &key, &event);
	repeated(map, epoch_map, &key, 4);
	full_report(&lost, &lost_key, 3011);
	window_opened(map, epoch_map, &lost_key, &lost);
	repeated(map, epoch_map, &lost_key, 2);

	/* The window closed, neither report read yet: nothing goes out. */
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS, false, record, &out), 0);
	CHECK_INT(out.records, 0);

	/* The next drain read one of them: its 4 go out with its holder; the other's 2 as they are. */
	fold_sweep_remember(sweep, &event);
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS + 1, false, record, &out), 0);
	CHECK_INT(out.records, 2);
	CHECK_INT(out.total, 6);
	CHECK_INT(fold_sweep_repeats(sweep), 6);
	CHECK_INT(out.with_holder, 1);
	CHECK_INT(bpf_map_delete_elem(map, &key), 0);
	CHECK_INT(bpf_map_delete_elem(map, &lost_key), 0);
	fold_sweep_free(sweep);
}

/* An output's error comes back; the repeats still count as reported. */
static void test_emit_error(int map, int epoch_map)
{
	struct fold_sweep *sweep = fold_sweep_new(map, epoch_map, WINDOW_MS, T0);
	struct emitted out = { .fail_with = -EPIPE };
	struct bs_fold_key key;
	struct bs_event event;

	full_report(&event, &key, 3002);
	window_opened(map, epoch_map, &key, &event);
	fold_sweep_remember(sweep, &event);
	repeated(map, epoch_map, &key, 7);
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS, false, record, &out), -EPIPE);
	out.fail_with = 0;
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS, false, record, &out), 0);
	CHECK_INT(out.records, 1);
	CHECK_INT(fold_sweep_repeats(sweep), 7);
	CHECK_INT(bpf_map_delete_elem(map, &key), 0);
	fold_sweep_free(sweep);
}

int main(void)
{
	int map = bpf_map_create(BPF_MAP_TYPE_HASH, "folds", sizeof(struct bs_fold_key),
				 sizeof(struct bs_fold_value), 64, NULL);
	int epoch_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fold_epoch", sizeof(__u32),
				       sizeof(__u64), 1, NULL);

	if (map < 0 || epoch_map < 0) {
		/* Root is expected (sudo make test): without it, say why nothing ran. */
		printf("test_fold_sweep: no BPF map (%s)%s\n", strerror(errno),
		       geteuid() ? "; skipped: run as root" : "");
		CHECK(geteuid() != 0);
		return unit_summary();
	}
	CHECK(fold_sweep_new(-1, epoch_map, WINDOW_MS, T0) == NULL);
	CHECK(fold_sweep_new(map, -1, WINDOW_MS, T0) == NULL);
	CHECK(fold_sweep_new(map, epoch_map, 0, T0) == NULL);
	test_window_and_restart(map, epoch_map);
	test_final_sweep(map, epoch_map);
	test_repeats_wait_for_their_report(map, epoch_map);
	test_emit_error(map, epoch_map);
	test_entry_being_filled(map, epoch_map);
	close(epoch_map);
	close(map);
	return unit_summary();
}
