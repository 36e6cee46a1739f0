/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One test's context: its verdict text and the processes it started, which
 * the runner cleans up whatever the outcome. Also the tracer that scenarios
 * without special flags share, started once for all of them.
 */
#ifndef LIVE_RUNNER_H
#define LIVE_RUNNER_H

#include <stdbool.h>
#include "conflict.h"
#include "snoop.h"

#define TEST_MAX_HELPERS 16

enum test_result {
	TEST_PASS,
	TEST_FAIL,
	TEST_SKIP,
};

struct test_context {
	char reason[8192];
	struct helper *helpers[TEST_MAX_HELPERS];
	int helper_count;
	struct snoop *own_tracer;
};

typedef enum test_result (*test_fn)(struct test_context *ctx);

/*
 * What a test needs or is, as data the VM matrix selects rows by
 * (live-test --list --tag TAG; scripts/vm-test.sh). The runner checks
 * TAG_OWN_TRACER against what each test really started.
 */
enum live_tag {
	TAG_OWN_TRACER = 1 << 0, /* starts a bindsnoop of its own */
	TAG_USERSPACE = 1 << 1,	 /* what userspace alone does: one kernel of a matrix is enough */
	TAG_GET_PORT = 1 << 2,	 /* again on the hooks of a kernel that inlines inet_autobind() */
	TAG_KERNEL_WALK =
		1 << 3, /* own tracer, yet its holders are the walk's: --kernel-only rows */
	TAG_NO_MODULES = 1 << 4, /* again without the socket-diag modules */
	TAG_FAST_STORM = 1 << 5, /* needs thousands of failed binds a second */
};

struct live_test {
	const char *name;
	const char *summary;
	test_fn run;
	bool needs_root;
	unsigned int tags; /* enum live_tag bits */
};

/* Set the reason (the first one set wins) and return TEST_FAIL / TEST_SKIP. */
enum test_result test_fail(struct test_context *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum test_result test_skip(struct test_context *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A helper process ended with the test. NULL with the reason set. */
struct helper *test_helper(struct test_context *ctx, const char *comm);

/* The shared tracer, started at the first call. NULL with the reason set. */
struct snoop *test_shared_tracer(struct test_context *ctx);

/*
 * Hand the shared tracer over to this test (to stop it): it is then ended
 * with the test like an own tracer. Started if it was not running yet.
 */
struct snoop *test_take_shared_tracer(struct test_context *ctx);

/* A tracer with extra arguments of this test's own. NULL with the reason set. */
struct snoop *test_own_tracer(struct test_context *ctx, const char *const *extra_args);

/* End the test's helpers and own tracer. */
void test_context_cleanup(struct test_context *ctx);

/* Is there a live test of this name (whether or not this run includes it)? */
bool live_test_exists(const char *name);

/* A free port for this test; 0 with the reason set. */
unsigned int test_port(struct test_context *ctx);

#endif /* LIVE_RUNNER_H */
