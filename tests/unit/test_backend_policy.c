// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which backends auto tries, in which order, with or without the holder walk. */
#include "unit.h"
#include "capture/backend_policy.h"

static void test_auto_walk_first_on_every_backend(void)
{
	struct kernel_features features = { .fexit = true, .kprobes = true, .bpf_loop = true };
	struct backend_trial trials[BACKEND_TRIALS_MAX];
	static const enum backend_choice order[] = { BACKEND_FEXIT, BACKEND_KPROBE,
						     BACKEND_TRACEPOINT };

	CHECK_INT(backend_trials(BACKEND_AUTO, &features, trials), 6);
	for (int i = 0; i < 6; i++) {
		CHECK_INT(trials[i].backend, order[i % 3]);
		CHECK_INT(trials[i].walk, i < 3);
	}
}

static void test_no_bpf_loop_no_walk(void)
{
	struct kernel_features features = { .fexit = true, .kprobes = true };
	struct backend_trial trials[BACKEND_TRIALS_MAX];

	CHECK_INT(backend_trials(BACKEND_AUTO, &features, trials), 3);
	for (int i = 0; i < 3; i++)
		CHECK_INT(trials[i].walk, 0);
	CHECK_INT(backend_trials(BACKEND_KPROBE, &features, trials), 1);
	CHECK_INT(trials[0].backend, BACKEND_KPROBE);
}

static void test_explicit_backend_never_ruled_out(void)
{
	struct kernel_features features = { .fexit_refused = true, .bpf_loop = true };
	struct backend_trial trials[BACKEND_TRIALS_MAX];

	CHECK_INT(backend_trials(BACKEND_FEXIT, &features, trials), 2);
	CHECK_INT(trials[0].walk, 1);
	CHECK_INT(trials[1].walk, 0);
	CHECK(backend_ruled_out(BACKEND_FEXIT, BACKEND_FEXIT, &features) == NULL);
	CHECK_CONTAINS(backend_ruled_out(BACKEND_AUTO, BACKEND_FEXIT, &features), "EPERM");
	CHECK_CONTAINS(backend_ruled_out(BACKEND_AUTO, BACKEND_KPROBE, &features),
		       "CONFIG_KPROBE_EVENTS");
	CHECK(backend_ruled_out(BACKEND_AUTO, BACKEND_TRACEPOINT, &features) == NULL);
}

int main(void)
{
	test_auto_walk_first_on_every_backend();
	test_no_bpf_loop_no_walk();
	test_explicit_backend_never_ruled_out();
	return unit_summary();
}
