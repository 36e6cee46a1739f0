// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The harness's own checks: its conflict helpers make real conflicts. (The
 * JSON checker it reads bindsnoop with is tests/lib, tested by the unit tests.)
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "env.h"
#include "selftest.h"
#include "steps.h"

static int passed, failed;

static void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok   %s\n", name);
		passed++;
		return;
	}
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed++;
}

/* ---- helpers making real conflicts (no bindsnoop involved) ---- */

static void report_context(struct test_context *ctx, enum test_result result, const char *name)
{
	if (result == TEST_SKIP)
		printf("skip %s: %s\n", name, ctx->reason);
	else
		report(result == TEST_PASS, name, "%s", ctx->reason);
	test_context_cleanup(ctx);
}

static enum test_result conflict_case(struct test_context *ctx, int type, int holder_family,
				      const char *holder_addr, int v6only, int caller_family,
				      const char *caller_addr)
{
	struct holder holder;
	unsigned int port = test_port(ctx);
	char path[64], comm[32] = "";
	FILE *file;

	if (!port)
		return TEST_FAIL;
	if (start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-self-holder",
						.family = holder_family,
						.type = type,
						.addr = holder_addr,
						.port = port,
						.listen = type == SOCK_STREAM,
						.v6only = v6only },
			 &holder))
		return TEST_FAIL;
	if (!failing_caller(ctx, "lt-self-caller", caller_family, type, caller_addr, port,
			    EADDRINUSE))
		return TEST_FAIL;
	snprintf(path, sizeof(path), "/proc/%d/comm", helper_pid(holder.helper));
	file = fopen(path, "re");
	if (file) {
		if (!fgets(comm, sizeof(comm), file))
			comm[0] = '\0';
		fclose(file);
	}
	if (strcmp(comm, "lt-self-holder\n") != 0)
		return test_fail(ctx, "helper comm is '%s', expected lt-self-holder", comm);
	if (!holder.inode)
		return test_fail(ctx, "holder socket inode not known");
	return TEST_PASS;
}

static enum test_result listen_time_case(struct test_context *ctx)
{
	struct holder holder;
	struct helper *caller;
	unsigned int port = test_port(ctx);
	int slot, ret;

	if (!port)
		return TEST_FAIL;
	if (start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-self-holder",
						.family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.reuseaddr = true,
						.v6only = -1 },
			 &holder))
		return TEST_FAIL;
	caller = test_helper(ctx, "lt-self-caller");
	if (!caller)
		return TEST_FAIL;
	slot = bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, true, "127.0.0.1", port, 0);
	if (slot < 0)
		return TEST_FAIL;
	if ((ret = helper_listen(holder.helper, holder.slot)))
		return test_fail(ctx, "holder listen: %s", errno_name(-ret));
	ret = helper_listen(caller, slot);
	return ret == -EADDRINUSE ? TEST_PASS :
				    test_fail(ctx, "second listen: %s", errno_name(-ret));
}

static enum test_result single_failure_case(struct test_context *ctx, const char *addr,
					    int want_errno, bool twice, bool unprivileged)
{
	unsigned int port = unprivileged ? 80 : test_port(ctx);
	struct helper *caller;
	int slot, ret;

	if (!port)
		return TEST_FAIL;
	if (unprivileged && geteuid() != 0)
		return test_skip(ctx, "needs root to drop privileges");
	caller = test_helper(ctx, "lt-self-caller");
	if (!caller)
		return TEST_FAIL;
	if (unprivileged && (ret = helper_drop_privileges(caller, 65534, 65534)))
		return test_fail(ctx, "drop privileges: %s", errno_name(-ret));
	if (!twice)
		return bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, addr, port,
				      want_errno) < 0 ?
			       TEST_FAIL :
			       TEST_PASS;
	slot = bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, addr, port, 0);
	if (slot < 0)
		return TEST_FAIL;
	ret = helper_bind(caller, slot, AF_INET, addr, port + 1);
	return ret == -want_errno ? TEST_PASS : test_fail(ctx, "second bind: %s", errno_name(-ret));
}

static enum test_result netns_case(struct test_context *ctx)
{
	unsigned long long netns = 0;
	const char *step = "?";
	struct holder holder, decoy;
	struct helper *in_netns, *caller;
	unsigned int port = test_port(ctx);
	int ret;

	if (geteuid() != 0)
		return test_skip(ctx, "needs root for unshare(CLONE_NEWNET)");
	in_netns = test_helper(ctx, "lt-self-netns");
	caller = test_helper(ctx, "lt-self-caller");
	if (!port || !in_netns || !caller)
		return TEST_FAIL;
	ret = helper_unshare_net(in_netns, &netns, &step);
	if (ret)
		return test_fail(ctx, "%s: %s", step, errno_name(-ret));
	if (netns == host_facts()->netns)
		return test_fail(ctx, "still in our namespace");
	if ((ret = helper_join_netns(caller, helper_pid(in_netns))))
		return test_fail(ctx, "setns: %s", errno_name(-ret));
	if (holder_setup(ctx, in_netns,
			 &(struct holder_spec){ .family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.listen = true,
						.v6only = -1 },
			 &holder) ||
	    start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-self-decoy",
						.family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.listen = true,
						.v6only = -1 },
			 &decoy))
		return TEST_FAIL;
	return bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1", port,
			      EADDRINUSE) < 0 ?
		       TEST_FAIL :
		       TEST_PASS;
}

static void test_helpers(void)
{
	struct test_context ctx = { 0 };

	report_context(
		&ctx,
		conflict_case(&ctx, SOCK_STREAM, AF_INET, "127.0.0.1", -1, AF_INET, "127.0.0.1"),
		"helper-tcp4-conflict");
	report_context(
		&ctx,
		conflict_case(&ctx, SOCK_STREAM, AF_INET, "0.0.0.0", -1, AF_INET, "127.0.0.1"),
		"helper-tcp4-wildcard-conflict");
	report_context(
		&ctx,
		conflict_case(&ctx, SOCK_DGRAM, AF_INET, "127.0.0.1", -1, AF_INET, "127.0.0.1"),
		"helper-udp4-conflict");
	if (host_facts()->ipv6) {
		report_context(
			&ctx,
			conflict_case(&ctx, SOCK_STREAM, AF_INET6, "::", 0, AF_INET, "127.0.0.1"),
			"helper-dualstack-conflict");
		report_context(
			&ctx,
			conflict_case(&ctx, SOCK_STREAM, AF_INET6, "::1", -1, AF_INET6, "::1"),
			"helper-tcp6-conflict");
	}
	report_context(&ctx, listen_time_case(&ctx), "helper-listen-time-conflict");
	report_context(&ctx, single_failure_case(&ctx, "127.0.0.1", EINVAL, true, false),
		       "helper-einval");
	report_context(&ctx, single_failure_case(&ctx, "192.0.2.1", EADDRNOTAVAIL, false, false),
		       "helper-eaddrnotavail");
	report_context(&ctx, single_failure_case(&ctx, "127.0.0.1", EACCES, false, true),
		       "helper-eacces");
	report_context(&ctx, netns_case(&ctx), "helper-netns");
}

int run_self_test(void)
{
	test_helpers();
	printf("selftest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
