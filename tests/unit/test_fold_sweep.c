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
#include "fold_sweep.h"
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
};

static int record(void *ctx, const struct bs_event *event, __u64 count)
{
	struct emitted *out = ctx;

	out->records++;
	out->count = count;
	out->total += count;
	out->last = *event;
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
	memset(key, 0, sizeof(*key));
	memcpy(key->addr, event->addr, sizeof(key->addr));
	key->pid = event->pid;
	key->ret = event->ret;
	key->port = event->port;
	key->family = event->family;
	key->protocol = event->protocol;
	key->kind = event->kind;
}

/* What the kernel writes when the full report opens a window. */
static void window_opened(int map, const struct bs_fold_key *key, const struct bs_event *event,
			  __u64 start_ns, __u64 repeats_so_far)
{
	struct bs_fold_value value = {
		.window_start_ns = start_ns,
		.last_seen_ns = start_ns,
		.repeats = repeats_so_far,
		.repeats_at_window_start = repeats_so_far,
		.tid = event->tid,
		.uid = event->uid,
	};

	memcpy(value.comm, event->comm, sizeof(value.comm));
	CHECK_INT(bpf_map_update_elem(map, key, &value, BPF_ANY), 0);
}

/* What the kernel does for each repeat inside the window. */
static void repeated(int map, const struct bs_fold_key *key, int times, __u64 now_ns)
{
	struct bs_fold_value value;

	CHECK_INT(bpf_map_lookup_elem(map, key, &value), 0);
	value.repeats += times;
	value.last_seen_ns = now_ns;
	CHECK_INT(bpf_map_update_elem(map, key, &value, BPF_EXIST), 0);
}

static void test_window_and_restart(int map)
{
	struct fold_sweep *sweep = fold_sweep_new(map, WINDOW_MS);
	struct emitted out = { 0 };
	struct bs_fold_key key;
	struct bs_event event;

	CHECK(sweep != NULL);
	full_report(&event, &key, 3000);
	window_opened(map, &key, &event, T0, 0);
	fold_sweep_remember(sweep, &event);
	repeated(map, &key, 5, T0 + WINDOW_NS / 2);

	/* The window is open: its repeats wait. */
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS / 2 + 1, false, record, &out), 0);
	CHECK_INT(out.records, 0);

	/* Closed: one record of 5, as the full report, at the last repeat. */
	CHECK_INT(fold_sweep_run(sweep, T0 + WINDOW_NS, false, record, &out), 0);
	CHECK_INT(out.records, 1);
	CHECK_INT(out.count, 5);
	CHECK_INT(out.last.ts_boot_ns, T0 + WINDOW_NS / 2);
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
	 * 3 more repeats land in the old window before the kernel opens a new
	 * one (a full report): they are reported at once, ending where the new
	 * window starts; the new window's 2 wait for its end.
	 */
	repeated(map, &key, 3, T0 + WINDOW_NS - 1);
	window_opened(map, &key, &event, T0 + 2 * WINDOW_NS, 8);
	repeated(map, &key, 2, T0 + 2 * WINDOW_NS + 10);
	CHECK_INT(fold_sweep_run(sweep, T0 + 2 * WINDOW_NS + 20, false, record, &out), 0);
	CHECK_INT(out.records, 2);
	CHECK_INT(out.count, 3);
	CHECK_INT(out.last.ts_boot_ns, T0 + 2 * WINDOW_NS);
	CHECK_INT(fold_sweep_run(sweep, T0 + 3 * WINDOW_NS, false, record, &out), 0);
	CHECK_INT(out.records, 3);
	CHECK_INT(out.count, 2);
	CHECK_INT(out.total, 10);
	CHECK_INT(fold_sweep_repeats(sweep), 10);

	/*
	 * Idle for two windows: the key leaves the map, and a repeat counted
	 * just before goes out with it.
	 */
	repeated(map, &key, 1, T0 + 3 * WINDOW_NS);
	CHECK_INT(fold_sweep_run(sweep, T0 + 5 * WINDOW_NS + 1, false, record, &out), 0);
	CHECK_INT(out.total, 11);
	{
		struct bs_fold_value gone;

		CHECK(bpf_map_lookup_elem(map, &key, &gone) != 0);
	}
	fold_sweep_free(sweep);
}

/* At exit every repeat counted so far goes out, open window or not. */
static void test_final_sweep(int map)
{
	struct fold_sweep *sweep = fold_sweep_new(map, WINDOW_MS);
	struct emitted out = { 0 };
	struct bs_fold_key key;
	struct bs_event event;

	full_report(&event, &key, 3001);
	window_opened(map, &key, &event, T0, 0);
	repeated(map, &key, 4, T0 + 1);
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

/* An output's error comes back; the repeats still count as reported. */
static void test_emit_error(int map)
{
	struct fold_sweep *sweep = fold_sweep_new(map, WINDOW_MS);
	struct emitted out = { .fail_with = -EPIPE };
	struct bs_fold_key key;
	struct bs_event event;

	full_report(&event, &key, 3002);
	window_opened(map, &key, &event, T0, 0);
	repeated(map, &key, 7, T0 + 1);
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

	if (map < 0) {
		/* Root is expected (sudo make test): without it, say why nothing ran. */
		printf("test_fold_sweep: no BPF hash map (%s)%s\n", strerror(errno),
		       geteuid() ? "; skipped: run as root" : "");
		CHECK(geteuid() != 0);
		return unit_summary();
	}
	CHECK(fold_sweep_new(-1, WINDOW_MS) == NULL);
	CHECK(fold_sweep_new(map, 0) == NULL);
	test_window_and_restart(map);
	test_final_sweep(map);
	test_emit_error(map);
	close(map);
	return unit_summary();
}
