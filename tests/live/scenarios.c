// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Real conflicts made by helper processes, each checked in the one event
 * bindsnoop prints about it (found by the caller's pid). They share one
 * bindsnoop, started before the first of them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "env.h"
#include "live.h"
#include "scenarios.h"
#include "steps.h"
#include "shared_facts.h"

struct conflict_case {
	const char *holder_comm;
	const char *caller_comm;
	int type;
	int holder_family;
	const char *holder_addr;
	int holder_v6only;
	int caller_family;
	const char *caller_addr;
};

/* A holder bound (TCP: listening) on the port, a caller binding it too. */
static enum test_result run_conflict(struct test_context *ctx, const struct conflict_case *c)
{
	bool tcp = c->type == SOCK_STREAM;
	const struct snoop_line *line;
	struct holder_spec spec;
	struct verdict verdict = { 0 };
	struct holder_expect holder_want;
	struct snoop *tracer;
	struct helper *caller;
	struct holder holder;
	unsigned int port;
	size_t mark;

	if ((c->holder_family == AF_INET6 || c->caller_family == AF_INET6) && !host_facts()->ipv6)
		return test_skip(ctx, "IPv6 is not available here (binding [::1] fails)");
	tracer = test_shared_tracer(ctx);
	port = test_port(ctx);
	if (!tracer || !port)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	spec = (struct holder_spec){
		.comm = c->holder_comm,
		.family = c->holder_family,
		.type = c->type,
		.addr = c->holder_addr,
		.port = port,
		.listen = tcp,
		.v6only = c->holder_v6only,
	};
	if (start_holder(ctx, &spec, &holder))
		return TEST_FAIL;
	caller = failing_caller(ctx, c->caller_comm, c->caller_family, c->type, c->caller_addr,
				port, EADDRINUSE);
	if (!caller)
		return TEST_FAIL;
	line = await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	expect_event(&verdict, line->json,
		     &(struct event_expect){
			     .event = "bind_failed",
			     .errnum = EADDRINUSE,
			     .proto = proto_name(c->type),
			     .family = family_name(c->caller_family),
			     .addr = c->caller_addr,
			     .port = port,
			     .via = "bind",
			     .caller = caller_of(caller, host_facts()->uid),
		     });
	holder_want = holder_of(&holder, tcp ? "LISTEN" : "BOUND");
	expect_holder(&verdict, line->json, &holder_want);
	/* Helpers are forks of live-test: /proc or (--kernel-only) the owner tag says so. */
	expect_cause(&verdict, line->json, "same_program", NULL);
	return finish(ctx, &verdict, line);
}

enum test_result test_tcp4(struct test_context *ctx)
{
	static const struct conflict_case c = {
		.holder_comm = "lt-holder-tcp4",
		.caller_comm = "lt-caller-tcp4",
		.type = SOCK_STREAM,
		.holder_family = AF_INET,
		.holder_addr = "127.0.0.1",
		.holder_v6only = -1,
		.caller_family = AF_INET,
		.caller_addr = "127.0.0.1",
	};

	return run_conflict(ctx, &c);
}

enum test_result test_tcp4_wildcard(struct test_context *ctx)
{
	static const struct conflict_case c = {
		.holder_comm = "lt-holder-tcp4w",
		.caller_comm = "lt-caller-tcp4w",
		.type = SOCK_STREAM,
		.holder_family = AF_INET,
		.holder_addr = "0.0.0.0",
		.holder_v6only = -1,
		.caller_family = AF_INET,
		.caller_addr = "127.0.0.1",
	};

	return run_conflict(ctx, &c);
}

enum test_result test_udp4(struct test_context *ctx)
{
	static const struct conflict_case c = {
		.holder_comm = "lt-holder-udp4",
		.caller_comm = "lt-caller-udp4",
		.type = SOCK_DGRAM,
		.holder_family = AF_INET,
		.holder_addr = "127.0.0.1",
		.holder_v6only = -1,
		.caller_family = AF_INET,
		.caller_addr = "127.0.0.1",
	};

	return run_conflict(ctx, &c);
}

enum test_result test_tcp6_dualstack(struct test_context *ctx)
{
	static const struct conflict_case c = {
		.holder_comm = "lt-holder-dual",
		.caller_comm = "lt-caller-dual",
		.type = SOCK_STREAM,
		.holder_family = AF_INET6,
		.holder_addr = "::",
		.holder_v6only = 0,
		.caller_family = AF_INET,
		.caller_addr = "127.0.0.1",
	};

	return run_conflict(ctx, &c);
}

enum test_result test_tcp6(struct test_context *ctx)
{
	static const struct conflict_case c = {
		.holder_comm = "lt-holder-tcp6",
		.caller_comm = "lt-caller-tcp6",
		.type = SOCK_STREAM,
		.holder_family = AF_INET6,
		.holder_addr = "::1",
		.holder_v6only = -1,
		.caller_family = AF_INET6,
		.caller_addr = "::1",
	};

	return run_conflict(ctx, &c);
}

/*
 * MPTCP binds reach the inet layer through a TCP subflow (inet_bind_sk on
 * 6.12+): every backend must still say "mptcp". The holder is the listener's
 * subflow, whose inode differs from the listener's file on some kernels, so
 * only its state and port are checked.
 */
enum test_result test_mptcp(struct test_context *ctx)
{
	struct holder_spec spec = {
		.comm = "lt-holder-mptcp",
		.family = AF_INET,
		.type = SOCK_STREAM,
		.addr = "127.0.0.1",
		.listen = true,
		.v6only = -1,
		.protocol = BS_IPPROTO_MPTCP,
	};
	struct snoop *tracer = test_shared_tracer(ctx);
	unsigned int port = test_port(ctx);
	struct verdict verdict = { 0 };
	const struct snoop_line *line;
	struct helper *caller;
	struct holder holder;
	size_t mark;
	int probe;

	if (!tracer || !port)
		return TEST_FAIL;
	probe = socket(AF_INET, SOCK_STREAM, BS_IPPROTO_MPTCP);
	if (probe < 0)
		return test_skip(ctx, "this kernel has no MPTCP (socket: %s)", strerror(errno));
	close(probe);
	mark = snoop_line_count(tracer);
	spec.port = port;
	if (start_holder(ctx, &spec, &holder))
		return TEST_FAIL;
	caller = test_helper(ctx, "lt-caller-mptcp");
	if (!caller || bind_expecting_protocol(ctx, caller, AF_INET, SOCK_STREAM, BS_IPPROTO_MPTCP,
					       false, "127.0.0.1", port, EADDRINUSE) < 0)
		return TEST_FAIL;
	line = await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	expect_event(&verdict, line->json,
		     &(struct event_expect){
			     .event = "bind_failed",
			     .errnum = EADDRINUSE,
			     .proto = "mptcp",
			     .family = "ipv4",
			     .addr = "127.0.0.1",
			     .port = port,
			     .via = "bind",
			     .caller = caller_of(caller, host_facts()->uid),
		     });
	expect_string(&verdict, line->json, "holders[0].state", "LISTEN");
	expect_integer(&verdict, line->json, "holders[0].port", port);
	return finish(ctx, &verdict, line);
}

/*
 * Process names are arbitrary bytes: quotes, backslashes, control bytes,
 * invalid UTF-8. The line must still parse and give the name back.
 */
enum test_result test_json_escape(struct test_context *ctx)
{
	static const struct conflict_case c = {
		/* ", \, ESC, invalid 0xfe, a valid euro sign, a cut 4-byte sequence */
		.holder_comm = "lt\"h\\\x1b\xfe\xe2\x82\xac\xf0\x9f",
		/* ", \, newline, tab, 0x01, DEL, invalid 0xff, valid é, a cut 3-byte sequence */
		.caller_comm = "lt\"c\\\n\t\x01\x7f\xff\xc3\xa9\xe2\x82x",
		.type = SOCK_STREAM,
		.holder_family = AF_INET,
		.holder_addr = "127.0.0.1",
		.holder_v6only = -1,
		.caller_family = AF_INET,
		.caller_addr = "127.0.0.1",
	};

	return run_conflict(ctx, &c);
}

/*
 * Both sockets bind with SO_REUSEADDR (allowed while neither listens); the
 * conflict only shows when the second one calls listen().
 */
enum test_result test_listen_time(struct test_context *ctx)
{
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	struct holder_expect holder_want;
	struct snoop *tracer;
	struct helper *caller;
	struct holder holder;
	unsigned int port;
	int slot, ret;
	size_t mark;

	tracer = test_shared_tracer(ctx);
	port = test_port(ctx);
	if (!tracer || !port)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	if (start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-holder-lstn",
						.family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.reuseaddr = true,
						.v6only = -1 },
			 &holder))
		return TEST_FAIL;
	caller = test_helper(ctx, "lt-caller-lstn");
	if (!caller)
		return TEST_FAIL;
	slot = bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, true, "127.0.0.1", port, 0);
	if (slot < 0)
		return TEST_FAIL;
	ret = helper_listen(holder.helper, holder.slot);
	if (ret)
		return test_fail(ctx, "setup: holder's listen: %s", errno_name(-ret));
	holder.spec.listen = true;
	ret = helper_listen(caller, slot);
	if (ret != -EADDRINUSE)
		return test_fail(ctx, "setup: second listen() returned %s, expected EADDRINUSE",
				 errno_name(-ret));
	line = await_event(ctx, tracer, mark, helper_pid(caller), "listen_failed");
	if (!line)
		return TEST_FAIL;
	expect_event(&verdict, line->json,
		     &(struct event_expect){
			     .event = "listen_failed",
			     .errnum = EADDRINUSE,
			     .proto = "tcp",
			     .family = "ipv4",
			     .addr = "127.0.0.1",
			     .port = port,
			     .via = "listen",
			     .caller = caller_of(caller, host_facts()->uid),
		     });
	holder_want = holder_of(&holder, "LISTEN");
	expect_holder(&verdict, line->json, &holder_want);
	expect_cause(&verdict, line->json, "same_program", NULL);
	return finish(ctx, &verdict, line);
}

/* A caller whose only step is one failing bind; the event checked without holders. */
static enum test_result run_single_failure(struct test_context *ctx, struct helper *caller,
					   int slot_or_new, const char *addr, unsigned int port,
					   int want_errno, uid_t uid, size_t mark,
					   struct snoop *tracer, const char *cause,
					   const char *summary_has)
{
	const struct snoop_line *line;
	struct verdict verdict = { 0 };

	if (slot_or_new < 0 &&
	    bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, addr, port, want_errno) < 0)
		return TEST_FAIL;
	line = await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	expect_event(&verdict, line->json,
		     &(struct event_expect){
			     .event = "bind_failed",
			     .errnum = want_errno,
			     .proto = "tcp",
			     .family = "ipv4",
			     .addr = addr,
			     .port = port,
			     .via = "bind",
			     .caller = caller_of(caller, uid),
		     });
	expect_cause(&verdict, line->json, cause, summary_has);
	return finish(ctx, &verdict, line);
}

#define PRIVILEGED_PORT 80
#define NOBODY		65534

enum test_result test_eacces(struct test_context *ctx)
{
	struct snoop *tracer;
	struct helper *caller;
	long unprivileged_start = 1024;
	size_t mark;
	int ret;

	/* Kernels before 4.11 have no such sysctl: everything below 1024 is privileged. */
	read_sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start", &unprivileged_start);
	if (unprivileged_start <= PRIVILEGED_PORT)
		return test_skip(
			ctx,
			"net.ipv4.ip_unprivileged_port_start is %ld: port %d needs no privilege here",
			unprivileged_start, PRIVILEGED_PORT);
	tracer = test_shared_tracer(ctx);
	if (!tracer)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	caller = test_helper(ctx, "lt-caller-acces");
	if (!caller)
		return TEST_FAIL;
	ret = helper_drop_privileges(caller, NOBODY, NOBODY);
	if (ret)
		return test_fail(ctx, "setup: dropping to uid %d: %s", NOBODY, errno_name(-ret));
	return run_single_failure(ctx, caller, -1, "127.0.0.1", PRIVILEGED_PORT, EACCES, NOBODY,
				  mark, tracer, "privileged_port", "port 80 is privileged");
}

/* A second bind on a socket already bound: the event names the second port. */
enum test_result test_einval_already_bound(struct test_context *ctx)
{
	unsigned int first_port, second_port;
	struct snoop *tracer;
	struct helper *caller;
	int slot, ret;
	size_t mark;

	tracer = test_shared_tracer(ctx);
	first_port = test_port(ctx);
	second_port = first_port ? test_port(ctx) : 0;
	if (!tracer || !second_port)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	caller = test_helper(ctx, "lt-caller-inval");
	if (!caller)
		return TEST_FAIL;
	slot = bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1", first_port, 0);
	if (slot < 0)
		return TEST_FAIL;
	ret = helper_bind(caller, slot, AF_INET, "127.0.0.1", second_port);
	if (ret != -EINVAL)
		return test_fail(ctx,
				 "setup: second bind on one socket returned %s, expected EINVAL",
				 errno_name(-ret));
	return run_single_failure(ctx, caller, slot, "127.0.0.1", second_port, EINVAL,
				  host_facts()->uid, mark, tracer, "already_bound",
				  live_config->kernel_only ? NULL : "already bound to port");
}

/* 192.0.2.1 is TEST-NET-1: never a local address, so the event must carry it. */
enum test_result test_eaddrnotavail(struct test_context *ctx)
{
	struct snoop *tracer;
	struct helper *caller;
	long nonlocal = 0;
	unsigned int port;
	size_t mark;

	read_sysctl("/proc/sys/net/ipv4/ip_nonlocal_bind", &nonlocal);
	if (nonlocal)
		return test_skip(
			ctx,
			"net.ipv4.ip_nonlocal_bind is %ld: binding a foreign address succeeds here",
			nonlocal);
	tracer = test_shared_tracer(ctx);
	port = test_port(ctx);
	if (!tracer || !port)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	caller = test_helper(ctx, "lt-caller-noav");
	if (!caller)
		return TEST_FAIL;
	return run_single_failure(ctx, caller, -1, "192.0.2.1", port, EADDRNOTAVAIL,
				  host_facts()->uid, mark, tracer, "address_not_local",
				  "192.0.2.1");
}

/*
 * Holder and caller in a new network namespace. A decoy holds the same port
 * in ours: the holder reported must be the one in the caller's namespace.
 */
enum test_result test_netns(struct test_context *ctx)
{
	unsigned long long netns = 0;
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	struct holder_expect holder_want;
	struct caller_expect caller_want;
	const char *failed_step = "?";
	struct holder holder, decoy;
	struct helper *caller, *in_netns;
	struct snoop *tracer;
	unsigned int port;
	size_t mark;
	int ret;

	tracer = test_shared_tracer(ctx);
	port = test_port(ctx);
	if (!tracer || !port)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	in_netns = test_helper(ctx, "lt-holder-netns");
	if (!in_netns)
		return TEST_FAIL;
	ret = helper_unshare_net(in_netns, &netns, &failed_step);
	if (ret == -EPERM && in_container())
		return test_skip(ctx, "%s: EPERM inside a container (no CAP_SYS_ADMIN)",
				 failed_step);
	if (ret)
		return test_fail(ctx, "setup: %s in the holder: %s", failed_step, errno_name(-ret));
	if (netns == host_facts()->netns)
		return test_fail(ctx, "setup: after unshare the holder is still in our namespace");
	caller = test_helper(ctx, "lt-caller-netns");
	if (!caller)
		return TEST_FAIL;
	ret = helper_join_netns(caller, helper_pid(in_netns));
	if (ret)
		return test_fail(ctx, "setup: setns into the new namespace: %s", errno_name(-ret));
	if (holder_setup(ctx, in_netns,
			 &(struct holder_spec){ .comm = "lt-holder-netns",
						.family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.listen = true,
						.v6only = -1 },
			 &holder))
		return TEST_FAIL;
	if (start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-decoy-netns",
						.family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.listen = true,
						.v6only = -1 },
			 &decoy))
		return TEST_FAIL;
	if (bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1", port,
			   EADDRINUSE) < 0)
		return TEST_FAIL;
	line = await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	caller_want = caller_of(caller, host_facts()->uid);
	caller_want.netns = netns;
	expect_event(&verdict, line->json,
		     &(struct event_expect){
			     .event = "bind_failed",
			     .errnum = EADDRINUSE,
			     .proto = "tcp",
			     .family = "ipv4",
			     .addr = "127.0.0.1",
			     .port = port,
			     .via = "bind",
			     .caller = caller_want,
		     });
	holder_want = holder_of(&holder, "LISTEN");
	expect_holder(&verdict, line->json, &holder_want);
	expect_no_holder(&verdict, line->json, decoy.inode, helper_pid(decoy.helper),
			 "the decoy in another network namespace");
	expect_cause(&verdict, line->json, "same_program", NULL);
	return finish(ctx, &verdict, line);
}
