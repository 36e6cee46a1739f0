// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The filters (--errno, --pid, --uid, --comm) against real failures: a
 * bindsnoop of its own with the filter, failures it must leave out first,
 * then one it must report. Events leave the ring buffer in order, so once
 * the wanted one has arrived the others would have been seen. Run on every
 * backend by the VM matrix: a verifier that takes the filter code on one
 * kernel may refuse it on another (--errno once failed to load everywhere).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "env.h"
#include "live.h"
#include "scenarios.h"
#include "steps.h"

#define NOBODY		65534
#define PRIVILEGED_PORT 80
#define MAX_FILTERED	2

/* A failure to cause: who fails, with which error. */
struct failure {
	const char *comm;
	uid_t uid;  /* 0: stays root */
	int errnum; /* EADDRINUSE, EINVAL or EACCES */
};

struct filter_case {
	/* bindsnoop's extra arguments; "PID" is replaced by the wanted caller's pid */
	const char *args[5];
	struct failure filtered[MAX_FILTERED]; /* must not be reported */
	struct failure wanted;		       /* must be reported */
};

/* Make caller fail with failure->errnum for real; 0, or -1 with the reason set. */
static int cause_failure(struct test_context *ctx, struct helper *caller,
			 const struct failure *failure)
{
	struct holder_spec spec = { .comm = "lt-holder-flt",
				    .family = AF_INET,
				    .type = SOCK_STREAM,
				    .addr = "127.0.0.1",
				    .listen = true,
				    .v6only = -1 };
	unsigned int port, second_port;
	struct holder holder;
	int slot, ret;

	switch (failure->errnum) {
	case EACCES:
		return bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1",
				      PRIVILEGED_PORT, EACCES) < 0 ?
			       -1 :
			       0;
	case EINVAL:
		port = test_port(ctx);
		second_port = port ? test_port(ctx) : 0;
		if (!second_port)
			return -1;
		slot = bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1", port,
				      0);
		if (slot < 0)
			return -1;
		ret = helper_bind(caller, slot, AF_INET, "127.0.0.1", second_port);
		if (ret != -EINVAL) {
			test_fail(ctx,
				  "setup: second bind on one socket returned %s, expected EINVAL",
				  errno_name(-ret));
			return -1;
		}
		return 0;
	default:
		spec.port = test_port(ctx);
		if (!spec.port || start_holder(ctx, &spec, &holder))
			return -1;
		return bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1",
				      spec.port, EADDRINUSE) < 0 ?
			       -1 :
			       0;
	}
}

static struct helper *failure_helper(struct test_context *ctx, const struct failure *failure)
{
	struct helper *helper = test_helper(ctx, failure->comm);
	int ret;

	if (!helper || !failure->uid)
		return helper;
	ret = helper_drop_privileges(helper, failure->uid, failure->uid);
	if (ret) {
		test_fail(ctx, "setup: dropping to uid %u: %s", failure->uid, errno_name(-ret));
		return NULL;
	}
	return helper;
}

static enum test_result run_filter_case(struct test_context *ctx, const struct filter_case *c)
{
	struct helper *filtered[MAX_FILTERED] = {}, *wanted;
	const struct snoop_line *line;
	const char *args[sizeof(c->args) / sizeof(c->args[0])];
	struct verdict verdict = { 0 };
	struct event_expect want;
	struct snoop *tracer;
	char pid_text[16];
	long unprivileged_start = 1024;

	read_sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start", &unprivileged_start);
	if (c->wanted.errnum == EACCES && unprivileged_start <= PRIVILEGED_PORT)
		return test_skip(ctx, "net.ipv4.ip_unprivileged_port_start is %ld: no EACCES here",
				 unprivileged_start);
	wanted = failure_helper(ctx, &c->wanted);
	if (!wanted)
		return TEST_FAIL;
	for (int i = 0; i < MAX_FILTERED && c->filtered[i].comm; i++) {
		filtered[i] = failure_helper(ctx, &c->filtered[i]);
		if (!filtered[i])
			return TEST_FAIL;
	}
	snprintf(pid_text, sizeof(pid_text), "%d", (int)helper_pid(wanted));
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		args[i] = c->args[i] && !strcmp(c->args[i], "PID") ? pid_text : c->args[i];
	tracer = test_own_tracer(ctx, args);
	if (!tracer)
		return TEST_FAIL;
	for (int i = 0; i < MAX_FILTERED && filtered[i]; i++)
		if (cause_failure(ctx, filtered[i], &c->filtered[i]))
			return TEST_FAIL;
	if (cause_failure(ctx, wanted, &c->wanted))
		return TEST_FAIL;
	line = await_event(ctx, tracer, 0, helper_pid(wanted), "bind_failed");
	if (!line)
		return TEST_FAIL;
	for (size_t i = 0; i < snoop_line_count(tracer); i++) {
		const struct snoop_line *other = snoop_line(tracer, i);
		const struct json_value *pid =
			other->json ? json_get(other->json, "caller.pid") : NULL;

		for (int j = 0; pid && j < MAX_FILTERED && filtered[j]; j++)
			if (pid->integer == helper_pid(filtered[j]))
				return test_fail(
					ctx, "%s (uid %u, %s) should have been filtered out: %s",
					c->filtered[j].comm, c->filtered[j].uid,
					errno_name(c->filtered[j].errnum), snoop_line_text(other));
	}
	want = (struct event_expect){
		.event = "bind_failed",
		.errnum = c->wanted.errnum,
		.proto = "tcp",
		.family = "ipv4",
		.addr = "127.0.0.1",
		.port = c->wanted.errnum == EACCES ? PRIVILEGED_PORT : 0,
		.via = "bind",
		.caller = caller_of(wanted, c->wanted.uid ? c->wanted.uid : host_facts()->uid),
	};
	if (!want.port) {
		const struct json_value *port = json_get(line->json, "port");

		want.port = port ? (unsigned int)port->integer : 0;
	}
	expect_event(&verdict, line->json, &want);
	return finish(ctx, &verdict, line);
}

enum test_result test_errno_filter_name(struct test_context *ctx)
{
	static const struct filter_case c = {
		.args = { "--errno", "EADDRINUSE" },
		.filtered = { { "lt-fe-inval", 0, EINVAL } },
		.wanted = { "lt-fe-inuse", 0, EADDRINUSE },
	};

	return run_filter_case(ctx, &c);
}

enum test_result test_errno_filter_number(struct test_context *ctx)
{
	static const struct filter_case c = {
		.args = { "--errno", "22" },
		.filtered = { { "lt-fn-inuse", 0, EADDRINUSE } },
		.wanted = { "lt-fn-inval", 0, EINVAL },
	};

	return run_filter_case(ctx, &c);
}

/* The README's example, `-e EACCES -u alice`, with the short options. */
enum test_result test_errno_uid_filter(struct test_context *ctx)
{
	static const struct filter_case c = {
		.args = { "-e", "EACCES", "-u", "nobody" },
		.filtered = { { "lt-fa-inuse", NOBODY, EADDRINUSE }, { "lt-fa-root", 0, EINVAL } },
		.wanted = { "lt-fa-acces", NOBODY, EACCES },
	};

	return run_filter_case(ctx, &c);
}

enum test_result test_pid_filter(struct test_context *ctx)
{
	static const struct filter_case c = {
		.args = { "--pid", "PID" },
		.filtered = { { "lt-fp-other", 0, EADDRINUSE } },
		.wanted = { "lt-fp-want", 0, EADDRINUSE },
	};

	return run_filter_case(ctx, &c);
}

enum test_result test_uid_filter(struct test_context *ctx)
{
	static const struct filter_case c = {
		.args = { "--uid", "65534" },
		.filtered = { { "lt-fu-root", 0, EADDRINUSE } },
		.wanted = { "lt-fu-nobody", NOBODY, EADDRINUSE },
	};

	return run_filter_case(ctx, &c);
}

enum test_result test_comm_filter(struct test_context *ctx)
{
	static const struct filter_case c = {
		.args = { "--comm", "lt-fc-want,lt-fc-absent" },
		.filtered = { { "lt-fc-other", 0, EADDRINUSE } },
		.wanted = { "lt-fc-want", 0, EADDRINUSE },
	};

	return run_filter_case(ctx, &c);
}
