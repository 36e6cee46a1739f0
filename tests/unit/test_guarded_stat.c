// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * guarded_stat: a lookup that never returns (a FUSE mount whose daemon does
 * not answer) costs one timeout, its directory is then left alone, and a
 * lookup that answers is passed through whole.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "enrich/guarded_stat.h"
#include "unit.h"

static int look_here(void *ctx, struct stat *st)
{
	return stat(ctx, st) < 0 ? -errno : 0;
}

/* As a lookup stuck in a FUSE request would: it never comes back. */
static int look_forever(void *ctx, struct stat *st)
{
	(void)ctx;
	(void)st;
	for (;;)
		pause();
	return 0;
}

static void test_answers(void)
{
	struct stat st, want;

	CHECK_INT(stat("/", &want), 0);
	CHECK_INT(guarded_stat("/", look_here, "/", &st), 0);
	CHECK_INT(st.st_ino, want.st_ino);
	CHECK_INT(st.st_dev, want.st_dev);
	CHECK_INT(guarded_stat("/", look_here, "/no/such/path", &st), -ENOENT);
}

static void test_stuck_lookup(void)
{
	struct stat st;
	__u64 started = monotonic_ns(), took;

	CHECK_INT(guarded_stat("/hung/fuse", look_forever, NULL, &st), -ETIMEDOUT);
	took = monotonic_ns() - started;
	/* The deadline, not forever (the bound leaves a loaded machine room). */
	CHECK(took >= GUARDED_STAT_TIMEOUT_MS * 1000000ULL / 2 && took < 5000000000ULL);
	/* The same directory again: no second wait. */
	started = monotonic_ns();
	CHECK_INT(guarded_stat("/hung/fuse", look_forever, NULL, &st), -ETIMEDOUT);
	CHECK(monotonic_ns() - started < GUARDED_STAT_TIMEOUT_MS * 1000000ULL / 2);
	/* Another directory is still looked at. */
	CHECK_INT(guarded_stat("/", look_here, "/", &st), 0);
}

int main(void)
{
	test_answers();
	test_stuck_lookup();
	return unit_summary();
}
