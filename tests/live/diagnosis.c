// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Each cause code made for real and read back from diagnosis.cause:
 * another program, an own dual-stack socket, TIME_WAIT from a server-side
 * close, SO_REUSEPORT under two uids, and port exhaustion in a namespace
 * with a two-port ip_local_port_range. (The same program, privileged_port,
 * address_not_local and already_bound are checked in scenarios.c.) All run
 * on the shared bindsnoop, here and in the VMs: nothing but system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "env.h"
#include "live.h"
#include "scenarios.h"
#include "steps.h"

#define NOBODY 65534

/* A copy of live-test under another name: a different executable file. */
static int copy_self(char *path, size_t len)
{
	struct stat st;
	int in, out;
	ssize_t sent;

	snprintf(path, len, "/tmp/lt-other-program.%d", (int)getpid());
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	unlink(path);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0 || fstat(in, &st) < 0) {
		int err = -errno;

		close(in);
		if (out >= 0)
			close(out);
		return err;
	}
	sent = sendfile(out, in, NULL, st.st_size);
	close(in);
	if (close(out) < 0 || sent != st.st_size) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

/* The holder runs a copy of live-test: another program, named with its pid. */
enum test_result test_cause_other_program(struct test_context *ctx)
{
	struct snoop *tracer = test_shared_tracer(ctx);
	unsigned int port = test_port(ctx);
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	struct holder_expect holder_want;
	struct holder_spec listener;
	struct helper *other, *caller;
	struct holder holder;
	char exe[64], summary[96];
	size_t mark;
	int err;

	if (!tracer || !port)
		return TEST_FAIL;
	err = copy_self(exe, sizeof(exe));
	if (err)
		return test_skip(ctx, "cannot copy live-test to /tmp: %s", errno_name(-err));
	err = helper_spawn_exec(&other, "lt-other-prog", exe);
	if (!err && ctx->helper_count < TEST_MAX_HELPERS)
		ctx->helpers[ctx->helper_count++] = other;
	if (err) {
		unlink(exe);
		return test_fail(ctx, "setup: starting %s: %s", exe, errno_name(-err));
	}
	mark = snoop_line_count(tracer);
	listener = tcp4_listener(NULL, port);
	if (holder_setup(ctx, other, &listener, &holder)) {
		unlink(exe);
		return TEST_FAIL;
	}
	/* The running program keeps its file; the name can go now. */
	unlink(exe);
	caller = failing_caller(ctx, "lt-caller-other", AF_INET, SOCK_STREAM, "127.0.0.1", port,
				EADDRINUSE);
	if (!caller)
		return TEST_FAIL;
	line = await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	holder_want = holder_of(&holder, "LISTEN");
	holder_want.comm = "lt-other-prog";
	expect_holder(&verdict, line->json, &holder_want);
	snprintf(summary, sizeof(summary), "lt-other-prog[%d]", (int)helper_pid(other));
	expect_cause(&verdict, line->json, "other_program", summary);
	snprintf(summary, sizeof(summary), "kill %d", (int)helper_pid(other));
	expect_string(&verdict, line->json, "diagnosis.fix", summary);
	return finish(ctx, &verdict, line);
}

/* A helper running exe (NULL: live-test itself), one of the test's to clean up. */
static struct helper *helper_running(struct test_context *ctx, const char *comm, const char *exe)
{
	struct helper *helper;
	int err;

	if (!exe)
		return test_helper(ctx, comm);
	err = helper_spawn_exec(&helper, comm, exe);
	if (err) {
		test_fail(ctx, "setup: starting %s: %s", exe, errno_name(-err));
		return NULL;
	}
	if (ctx->helper_count < TEST_MAX_HELPERS)
		ctx->helpers[ctx->helper_count++] = helper;
	return helper;
}

/*
 * What the kernel must have said of a caller that exited the instant its
 * bind failed: /proc had nothing left to read.
 */
static void expect_identity_from_kernel(struct verdict *verdict, const struct json_value *event,
					pid_t parent, const char *exe)
{
	const struct json_value *value;

	expect_string(verdict, event, "caller.source", "kernel");
	if (exe)
		expect_string(verdict, event, "caller.exe", exe);
	value = json_get(event, "caller.start_time");
	if (!value || value->type != JSON_STRING)
		verdict_add(verdict, "caller.start_time: not a time");
	value = json_get(event, "caller.cmdline");
	if (!value || value->type != JSON_STRING)
		verdict_add(verdict, "caller.cmdline: not read");
	expect_integer(verdict, event, "caller.parents[0].pid", parent);
	expect_bool(verdict, event, "caller.socket.reuseaddr", false);
}

/*
 * A second instance that exits on EADDRINUSE at once (as redis-server,
 * memcached or socat do): the caller is gone before userspace reads the
 * event, and it must still be called an older instance of the same
 * program, named by what the kernel read at the failure.
 */
static enum test_result caller_exits(struct test_context *ctx, bool same_program)
{
	struct snoop *tracer = test_shared_tracer(ctx);
	unsigned int port = test_port(ctx);
	struct helper *holder_helper, *launcher;
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	char exe[64], self[256];
	struct holder_spec listener;
	struct holder holder;
	pid_t caller = 0;
	size_t mark;
	ssize_t len;
	int err;

	if (!tracer || !port)
		return TEST_FAIL;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = '\0';
	err = copy_self(exe, sizeof(exe));
	if (err)
		return test_skip(ctx, "cannot copy live-test to /tmp: %s", errno_name(-err));
	holder_helper = helper_running(ctx, "lt-instance-1", exe);
	/* The second instance runs the same copy, or live-test itself. */
	launcher = holder_helper ? helper_running(ctx, "lt-instance-2", same_program ? exe : NULL) :
				   NULL;
	if (!launcher) {
		unlink(exe);
		return TEST_FAIL;
	}
	mark = snoop_line_count(tracer);
	listener = tcp4_listener(NULL, port);
	err = holder_setup(ctx, holder_helper, &listener, &holder);
	if (err) {
		unlink(exe);
		return TEST_FAIL;
	}
	err = helper_bind_and_exit(launcher, AF_INET, SOCK_STREAM, "127.0.0.1", port, &caller);
	if (err != -EADDRINUSE) {
		unlink(exe);
		return test_fail(ctx, "setup: the second instance's bind: %s, not EADDRINUSE",
				 errno_name(-err));
	}
	line = await_event(ctx, tracer, mark, caller, "bind_failed");
	unlink(exe);
	if (!line)
		return TEST_FAIL;
	expect_identity_from_kernel(&verdict, line->json, helper_pid(launcher),
				    same_program ? exe : self);
	/*
	 * With --no-proc-lookup (--kernel-only rows) the holder is known by its
	 * bind-time tag alone: the tag's executable and start time are what
	 * compare it with the caller (issue 19 item 4).
	 */
	if (same_program) {
		char summary[160];

		/* Named as it was run (argv[0] is the helper's name), the file beside it. */
		snprintf(summary, sizeof(summary), "an older instance of lt-instance-2 (%s) still holds",
			 exe);
		expect_cause(&verdict, line->json, "same_program", summary);
	} else {
		char summary[96];

		snprintf(summary, sizeof(summary), "lt-instance-1[%d]", (int)helper_pid(holder_helper));
		expect_cause(&verdict, line->json, "other_program", summary);
	}
	return finish(ctx, &verdict, line);
}

enum test_result test_caller_exits_same_program(struct test_context *ctx)
{
	return caller_exits(ctx, true);
}

enum test_result test_caller_exits_other_program(struct test_context *ctx)
{
	return caller_exits(ctx, false);
}

/* One process: [::] without IPV6_V6ONLY, then 0.0.0.0 on the same port. */
enum test_result test_cause_dual_stack(struct test_context *ctx)
{
	struct snoop *tracer = test_shared_tracer(ctx);
	unsigned int port = test_port(ctx);
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	struct holder holder;
	size_t mark;

	if (!host_facts()->ipv6)
		return test_skip(ctx, "IPv6 is not available here (binding [::1] fails)");
	if (!tracer || !port)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	if (start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-own-dual",
						.family = AF_INET6,
						.type = SOCK_STREAM,
						.addr = "::",
						.port = port,
						.listen = true,
						.v6only = 0 },
			 &holder))
		return TEST_FAIL;
	if (bind_expecting(ctx, holder.helper, AF_INET, SOCK_STREAM, false, "0.0.0.0", port,
			   EADDRINUSE) < 0)
		return TEST_FAIL;
	line = await_event(ctx, tracer, mark, helper_pid(holder.helper), "bind_failed");
	if (!line)
		return TEST_FAIL;
	expect_cause(&verdict, line->json, "dual_stack", "conflicts with its own socket");
	expect_string(&verdict, line->json, "holders[0].addr", "::");
	return finish(ctx, &verdict, line);
}

/*
 * The server closes an accepted connection first, so its end of the
 * connection stays in TIME_WAIT on the port; then the listener goes too.
 * A new server without SO_REUSEADDR cannot bind the port.
 */
enum test_result test_cause_time_wait(struct test_context *ctx)
{
	struct snoop *tracer = test_shared_tracer(ctx);
	unsigned int port = test_port(ctx);
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	struct helper *caller;
	size_t mark;

	if (!tracer || !port)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	if (leave_time_wait(ctx, "lt-tw-server", "lt-tw-client", port))
		return TEST_FAIL;
	caller = failing_caller(ctx, "lt-caller-tw", AF_INET, SOCK_STREAM, "127.0.0.1", port,
				EADDRINUSE);
	if (!caller)
		return TEST_FAIL;
	line = await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	expect_string(&verdict, line->json, "holders[0].state", "TIME_WAIT");
	expect_cause(&verdict, line->json, "time_wait", "only TIME_WAIT sockets hold 127.0.0.1");
	return finish(ctx, &verdict, line);
}

/* Both set SO_REUSEPORT, but the holder is root and the caller nobody. */
enum test_result test_cause_reuseport(struct test_context *ctx)
{
	struct snoop *tracer = test_shared_tracer(ctx);
	unsigned int port = test_port(ctx);
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	struct helper *holder, *caller;
	int slot, ret;
	size_t mark;

	if (!tracer || !port)
		return TEST_FAIL;
	if (host_facts()->uid != 0)
		return test_skip(ctx, "needs root to run the two sides as two uids");
	mark = snoop_line_count(tracer);
	holder = test_helper(ctx, "lt-rp-holder");
	caller = holder ? test_helper(ctx, "lt-rp-caller") : NULL;
	if (!caller)
		return TEST_FAIL;
	slot = helper_socket(holder, AF_INET, SOCK_STREAM, 0);
	if (slot < 0 || (ret = helper_setsockopt(holder, slot, SOL_SOCKET, SO_REUSEPORT, 1)) ||
	    (ret = helper_bind(holder, slot, AF_INET, "127.0.0.1", port)) ||
	    (ret = helper_listen(holder, slot)))
		return test_fail(ctx, "setup: holder with SO_REUSEPORT: %s",
				 errno_name(slot < 0 ? -slot : -ret));
	ret = helper_drop_privileges(caller, NOBODY, NOBODY);
	if (ret)
		return test_fail(ctx, "setup: dropping to uid %d: %s", NOBODY, errno_name(-ret));
	slot = helper_socket(caller, AF_INET, SOCK_STREAM, 0);
	if (slot < 0 || (ret = helper_setsockopt(caller, slot, SOL_SOCKET, SO_REUSEPORT, 1)))
		return test_fail(ctx, "setup: caller SO_REUSEPORT: %s",
				 errno_name(slot < 0 ? -slot : -ret));
	ret = helper_bind(caller, slot, AF_INET, "127.0.0.1", port);
	if (ret != -EADDRINUSE)
		return test_fail(ctx,
				 "setup: bind under another uid returned %s, expected "
				 "EADDRINUSE",
				 errno_name(-ret));
	line = await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	expect_bool(&verdict, line->json, "holders[0].reuseport", true);
	expect_cause(&verdict, line->json, "reuseport_mismatch",
		     live_config->kernel_only ? NULL : "both set SO_REUSEPORT");
	return finish(ctx, &verdict, line);
}

/*
 * Move caller into a network namespace of its own whose ip_local_port_range
 * has two ports (40000-40001), and take both with two binds to port 0 of
 * sockets of type on addr: a port the kernel picks there finds none free.
 * TEST_PASS, or the test's failure or skip.
 */
static enum test_result take_every_port(struct test_context *ctx, struct helper *caller, int type,
					const char *addr, unsigned long long *netns)
{
	const char *failed_step = "?";
	int ret = helper_unshare_net(caller, netns, &failed_step);

	if (ret == -EPERM && in_container())
		return test_skip(ctx, "%s: EPERM inside a container (no CAP_SYS_ADMIN)",
				 failed_step);
	if (ret)
		return test_fail(ctx, "setup: %s: %s", failed_step, errno_name(-ret));
	ret = helper_write_file(caller, "/proc/sys/net/ipv4/ip_local_port_range", "40000 40001");
	if (ret)
		return test_fail(ctx, "setup: narrowing ip_local_port_range: %s", errno_name(-ret));
	for (int i = 0; i < 2; i++) {
		if (bind_expecting(ctx, caller, AF_INET, type, false, addr, 0, 0) < 0)
			return TEST_FAIL;
	}
	return TEST_PASS;
}

/*
 * Once the tracer is quiet: the failures (the sum of "count") that the
 * bind_failed and listen_failed records from pid since line from report, and
 * how many of them say via via.
 */
static long long failures_reported(struct snoop *tracer, size_t from, pid_t pid, const char *via,
				   long long *via_count)
{
	long long total = 0;

	*via_count = 0;
	snoop_wait_quiet(tracer, 500, 5000);
	for (size_t i = from; i < snoop_line_count(tracer); i++) {
		const struct json_value *json = snoop_line(tracer, i)->json;
		const struct json_value *event = json ? json_get(json, "event") : NULL;
		const struct json_value *caller = json ? json_get(json, "caller.pid") : NULL;
		const struct json_value *count = json ? json_get(json, "count") : NULL;
		const struct json_value *line_via = json ? json_get(json, "via") : NULL;

		if (!event || event->type != JSON_STRING ||
		    (strcmp(event->string, "bind_failed") &&
		     strcmp(event->string, "listen_failed")) ||
		    !caller || caller->integer != pid || !count)
			continue;
		total += count->integer;
		if (line_via && line_via->type == JSON_STRING && !strcmp(line_via->string, via))
			*via_count += count->integer;
	}
	return total;
}

/*
 * A namespace whose ip_local_port_range has two ports: the third bind to port
 * 0 fails, and so does listen() on an unbound socket, each reported once, by
 * its own call (not also as an autobind by the get_port hooks).
 */
enum test_result test_cause_ports_exhausted(struct test_context *ctx)
{
	struct snoop *tracer = test_shared_tracer(ctx);
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	unsigned long long netns = 0;
	long long reported, as_autobind;
	struct helper *caller;
	size_t mark;
	int ret, slot;

	if (!tracer)
		return TEST_FAIL;
	mark = snoop_line_count(tracer);
	caller = test_helper(ctx, "lt-exhausted");
	if (!caller)
		return TEST_FAIL;
	ret = take_every_port(ctx, caller, SOCK_STREAM, "127.0.0.1", &netns);
	if (ret != TEST_PASS)
		return ret;
	if (bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1", 0, EADDRINUSE) <
	    0)
		return TEST_FAIL;
	line = await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
	if (!line)
		return TEST_FAIL;
	expect_integer(&verdict, line->json, "port", 0);
	expect_integer(&verdict, line->json, "caller.netns", (long long)netns);
	expect_cause(&verdict, line->json, "ports_exhausted", "40000-40001 (2 ports)");
	slot = helper_socket(caller, AF_INET, SOCK_STREAM, 0);
	ret = slot < 0 ? slot : helper_listen(caller, slot);
	if (ret != -EADDRINUSE)
		return test_fail(ctx,
				 "setup: listen() on an unbound socket returned %s, expected "
				 "EADDRINUSE",
				 errno_name(-ret));
	/* The get_port hooks (where inet_autobind is inlined) leave these to bind and listen. */
	reported = failures_reported(tracer, mark, helper_pid(caller), "autobind", &as_autobind);
	if (reported != 2 || as_autobind != 0)
		verdict_add(&verdict,
			    "a failed bind() and a failed listen() reported as %lld failures, "
			    "%lld of them via autobind",
			    reported, as_autobind);
	return finish(ctx, &verdict, line);
}

/* The backend the shared tracer runs: its start record says, whatever --backend said. */
static const char *tracer_backend(struct snoop *tracer)
{
	for (size_t i = 0; i < snoop_line_count(tracer); i++) {
		const struct json_value *json = snoop_line(tracer, i)->json;
		const struct json_value *backend = json ? json_member(json, "backend") : NULL;

		if (backend && backend->type == JSON_STRING)
			return backend->string;
	}
	return "?";
}

/* One autobind that finds no port: connect() or sendto() on a new UDP socket. */
static const struct snoop_line *autobind_failure(struct test_context *ctx, struct snoop *tracer,
						 struct helper *caller, bool by_sendto)
{
	const char *call = by_sendto ? "sendto" : "connect";
	size_t mark = snoop_line_count(tracer);
	int slot, ret;

	slot = helper_socket(caller, AF_INET, SOCK_DGRAM, 0);
	if (slot < 0) {
		test_fail(ctx, "setup: socket: %s", errno_name(-slot));
		return NULL;
	}
	ret = by_sendto ? helper_sendto(caller, slot, AF_INET, "127.0.0.1", 9) :
			  helper_connect(caller, slot, AF_INET, "127.0.0.1", 9);
	if (ret != -EAGAIN) {
		test_fail(ctx, "setup: %s on an unbound UDP socket returned %s, expected EAGAIN",
			  call, errno_name(-ret));
		return NULL;
	}
	return await_event(ctx, tracer, mark, helper_pid(caller), "bind_failed");
}

/*
 * connect() and sendmsg() on an unbound UDP socket make the kernel pick a
 * port (autobind). With every port of ip_local_port_range taken both fail
 * with EAGAIN, and no bind() or listen() ran: only the kernel-function
 * backends see it (inet_autobind, or get_port where that is inlined).
 */
enum test_result test_autobind_exhausted(struct test_context *ctx)
{
	struct snoop *tracer = test_shared_tracer(ctx);
	const struct snoop_line *line;
	struct verdict verdict = { 0 };
	unsigned long long netns = 0;
	long long reported, as_autobind;
	struct helper *caller;
	size_t mark;
	int ret;

	if (!tracer)
		return TEST_FAIL;
	if (!strcmp(tracer_backend(tracer), "tracepoint"))
		return test_skip(ctx, "the tracepoint backend sees bind() and listen() only, not "
				      "a port picked inside connect() or sendmsg()");
	caller = test_helper(ctx, "lt-autobind");
	if (!caller)
		return TEST_FAIL;
	ret = take_every_port(ctx, caller, SOCK_DGRAM, "0.0.0.0", &netns);
	if (ret != TEST_PASS)
		return ret;
	mark = snoop_line_count(tracer);
	for (int by_sendto = 0; by_sendto < 2; by_sendto++) {
		line = autobind_failure(ctx, tracer, caller, by_sendto);
		if (!line)
			return TEST_FAIL;
		expect_string(&verdict, line->json, "via", "autobind");
		/*
		 * Where the kernel's BTF has no inet_autobind() (Debian's arm64
		 * 5.10: its kallsyms has one, its BTF not, and bindsnoop goes by
		 * the BTF), the get_port hooks report it, as with the knob.
		 */
		if (getenv("BINDSNOOP_GET_PORT_HOOKS"))
			expect_string(&verdict, line->json, "hook", "get_port");
		else if (!json_get(line->json, "hook") ||
			 json_get(line->json, "hook")->type != JSON_STRING ||
			 (strcmp(json_get(line->json, "hook")->string, "autobind") &&
			  strcmp(json_get(line->json, "hook")->string, "get_port")))
			verdict_add(&verdict, "hook: expected \"autobind\" or \"get_port\"");
		expect_string(&verdict, line->json, "error", "EAGAIN");
		expect_string(&verdict, line->json, "proto", "udp");
		expect_integer(&verdict, line->json, "port", 0);
		expect_integer(&verdict, line->json, "caller.netns", (long long)netns);
		expect_cause(&verdict, line->json, "ports_exhausted", "40000-40001 (2 ports)");
		if (verdict.problems)
			return finish(ctx, &verdict, line);
	}
	reported = failures_reported(tracer, mark, helper_pid(caller), "autobind", &as_autobind);
	if (reported != 2 || as_autobind != 2)
		verdict_add(&verdict,
			    "two failed autobinds reported as %lld failures, %lld via autobind",
			    reported, as_autobind);
	return finish(ctx, &verdict, line);
}
