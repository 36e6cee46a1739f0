// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Scenarios that need a bindsnoop of their own: other flags, or started late. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "env.h"
#include "live.h"
#include "scenarios.h"
#include "steps.h"

static struct event_expect tcp4_event(const char *event, int errnum, const char *via,
				      const struct helper *caller, unsigned int port)
{
	return (struct event_expect){
		.event = event,
		.errnum = errnum,
		.proto = "tcp",
		.family = "ipv4",
		.addr = "127.0.0.1",
		.port = port,
		.via = via,
		.caller = caller_of(caller, host_facts()->uid),
	};
}

/* The event about caller's conflict with holder on port, fully checked. */
static enum test_result check_conflict_event(struct test_context *ctx,
					     const struct snoop_line *line,
					     const struct helper *caller,
					     const struct holder *holder, unsigned int port)
{
	struct event_expect event_want =
		tcp4_event("bind_failed", EADDRINUSE, "bind", caller, port);
	struct holder_expect holder_want = holder_of(holder, "LISTEN");
	struct verdict verdict = { 0 };

	expect_event(&verdict, line->json, &event_want);
	expect_holder(&verdict, line->json, &holder_want);
	return finish(ctx, &verdict, line);
}

/*
 * The holder was bound before bindsnoop started, so the kernel never tagged
 * it: only the userspace lookup (sock_diag, /proc) can name its process.
 */
enum test_result test_holder_before_tracer(struct test_context *ctx)
{
	const struct snoop_line *line;
	struct holder_spec spec;
	struct snoop *tracer;
	struct helper *caller;
	struct holder holder;
	unsigned int port;

	if (live_config->kernel_only)
		return test_skip(
			ctx,
			"--kernel-only: a socket bound before tracing has no owner tag; only the userspace lookup could name it");
	port = test_port(ctx);
	if (!port)
		return TEST_FAIL;
	spec = tcp4_listener("lt-holder-early", port);
	if (start_holder(ctx, &spec, &holder))
		return TEST_FAIL;
	tracer = test_own_tracer(ctx, NULL);
	if (!tracer)
		return TEST_FAIL;
	caller = failing_caller(ctx, "lt-caller-early", AF_INET, SOCK_STREAM, "127.0.0.1", port,
				EADDRINUSE);
	if (!caller)
		return TEST_FAIL;
	line = await_event(ctx, tracer, 0, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	return check_conflict_event(ctx, line, caller, &holder, port);
}

/*
 * --port P: a conflict on Q first, then one on P. Events leave the ring
 * buffer in order, so once P's has arrived, Q's would have been seen.
 */
enum test_result test_port_filter(struct test_context *ctx)
{
	struct holder filtered_holder, wanted_holder;
	struct helper *filtered_caller, *wanted_caller;
	const struct snoop_line *line;
	const char *args[3];
	unsigned int wanted_port, filtered_port;
	struct holder_spec spec;
	struct snoop *tracer;
	char port_text[16];
	size_t i;

	wanted_port = test_port(ctx);
	filtered_port = wanted_port ? test_port(ctx) : 0;
	if (!filtered_port)
		return TEST_FAIL;
	snprintf(port_text, sizeof(port_text), "%u", wanted_port);
	args[0] = "--port";
	args[1] = port_text;
	args[2] = NULL;
	tracer = test_own_tracer(ctx, args);
	if (!tracer)
		return TEST_FAIL;
	spec = tcp4_listener("lt-holder-fq", filtered_port);
	if (start_holder(ctx, &spec, &filtered_holder))
		return TEST_FAIL;
	spec = tcp4_listener("lt-holder-fp", wanted_port);
	if (start_holder(ctx, &spec, &wanted_holder))
		return TEST_FAIL;
	filtered_caller = failing_caller(ctx, "lt-caller-fq", AF_INET, SOCK_STREAM, "127.0.0.1",
					 filtered_port, EADDRINUSE);
	if (!filtered_caller)
		return TEST_FAIL;
	wanted_caller = failing_caller(ctx, "lt-caller-fp", AF_INET, SOCK_STREAM, "127.0.0.1",
				       wanted_port, EADDRINUSE);
	if (!wanted_caller)
		return TEST_FAIL;
	line = await_event(ctx, tracer, 0, helper_pid(wanted_caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	/* Any port but P breaks the filter, whoever caused it. */
	for (i = 0; i < snoop_line_count(tracer); i++) {
		const struct snoop_line *other = snoop_line(tracer, i);

		if (other->port >= 0 && (unsigned int)other->port != wanted_port)
			return test_fail(
				ctx,
				"with --port %u an event for port %d arrived (the conflict on %u came first): %s",
				wanted_port, other->port, filtered_port, snoop_line_text(other));
	}
	return check_conflict_event(ctx, line, wanted_caller, &wanted_holder, wanted_port);
}

/* --all: a successful bind and listen are events too, with error null. */
enum test_result test_all_flag(struct test_context *ctx)
{
	static const char *const args[] = { "--all", NULL };
	const struct snoop_line *bind_line, *listen_line;
	struct verdict verdict = { 0 };
	struct event_expect want;
	struct snoop *tracer;
	struct helper *caller;
	unsigned int port;
	int slot, ret;

	port = test_port(ctx);
	if (!port)
		return TEST_FAIL;
	tracer = test_own_tracer(ctx, args);
	if (!tracer)
		return TEST_FAIL;
	caller = test_helper(ctx, "lt-caller-all");
	if (!caller)
		return TEST_FAIL;
	slot = bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1", port, 0);
	if (slot < 0)
		return TEST_FAIL;
	ret = helper_listen(caller, slot);
	if (ret)
		return test_fail(ctx, "setup: listen: %s", errno_name(-ret));
	bind_line = await_event(ctx, tracer, 0, helper_pid(caller), "bind");
	if (!bind_line)
		return TEST_FAIL;
	want = tcp4_event("bind", 0, "bind", caller, port);
	expect_event(&verdict, bind_line->json, &want);
	if (verdict.problems)
		return finish(ctx, &verdict, bind_line);
	listen_line = await_event(ctx, tracer, 0, helper_pid(caller), "listen");
	if (!listen_line)
		return TEST_FAIL;
	want = tcp4_event("listen", 0, "listen", caller, port);
	expect_event(&verdict, listen_line->json, &want);
	return finish(ctx, &verdict, listen_line);
}
