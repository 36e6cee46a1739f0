// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Building blocks of the scenarios: holders, callers, awaited events. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "env.h"
#include "live.h"
#include "steps.h"

const char *family_name(int family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

const char *proto_name(int type)
{
	return type == SOCK_DGRAM ? "udp" : "tcp";
}

static const char *endpoint(int family, const char *addr, unsigned int port, char *buf, size_t len)
{
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, port);
	return buf;
}

struct holder_spec tcp4_listener(const char *comm, unsigned int port)
{
	return (struct holder_spec){ .comm = comm,
				     .family = AF_INET,
				     .type = SOCK_STREAM,
				     .addr = "127.0.0.1",
				     .port = port,
				     .listen = true,
				     .v6only = -1 };
}

int start_holder(struct test_context *ctx, const struct holder_spec *spec, struct holder *out)
{
	struct helper *helper = test_helper(ctx, spec->comm);

	if (!helper)
		return -1;
	return holder_setup(ctx, helper, spec, out);
}

int holder_setup(struct test_context *ctx, struct helper *helper, const struct holder_spec *spec,
		 struct holder *out)
{
	char where[80];
	int ret;

	memset(out, 0, sizeof(*out));
	out->spec = *spec;
	out->helper = helper;
	endpoint(spec->family, spec->addr, spec->port, where, sizeof(where));
	out->slot = helper_socket(out->helper, spec->family, spec->type, spec->protocol);
	if (out->slot < 0) {
		test_fail(ctx, "setup: holder %s: socket: %s", spec->comm, errno_name(-out->slot));
		return -1;
	}
	if (spec->reuseaddr) {
		ret = helper_setsockopt(out->helper, out->slot, SOL_SOCKET, SO_REUSEADDR, 1);
		if (ret) {
			test_fail(ctx, "setup: holder %s: SO_REUSEADDR: %s", spec->comm,
				  errno_name(-ret));
			return -1;
		}
	}
	if (spec->v6only >= 0) {
		ret = helper_setsockopt(out->helper, out->slot, IPPROTO_IPV6, IPV6_V6ONLY,
					spec->v6only);
		if (ret) {
			test_fail(ctx, "setup: holder %s: IPV6_V6ONLY: %s", spec->comm,
				  errno_name(-ret));
			return -1;
		}
	}
	ret = helper_bind(out->helper, out->slot, spec->family, spec->addr, spec->port);
	if (ret) {
		test_fail(ctx, "setup: holder %s: bind %s: %s", spec->comm, where,
			  errno_name(-ret));
		return -1;
	}
	if (spec->listen) {
		ret = helper_listen(out->helper, out->slot);
		if (ret) {
			test_fail(ctx, "setup: holder %s: listen on %s: %s", spec->comm, where,
				  errno_name(-ret));
			return -1;
		}
	}
	ret = helper_socket_inode(out->helper, out->slot, &out->inode);
	if (ret) {
		test_fail(ctx, "setup: holder %s: fstat of its socket: %s", spec->comm,
			  errno_name(-ret));
		return -1;
	}
	return 0;
}

int bind_expecting(struct test_context *ctx, struct helper *helper, int family, int type,
		   bool reuseaddr, const char *addr, unsigned int port, int want_errno)
{
	return bind_expecting_protocol(ctx, helper, family, type, 0, reuseaddr, addr, port,
				       want_errno);
}

int bind_expecting_protocol(struct test_context *ctx, struct helper *helper, int family, int type,
			    int protocol, bool reuseaddr, const char *addr, unsigned int port,
			    int want_errno)
{
	char where[80];
	int slot, ret;

	endpoint(family, addr, port, where, sizeof(where));
	slot = helper_socket(helper, family, type, protocol);
	if (slot < 0) {
		test_fail(ctx, "setup: %s: socket: %s", helper_comm(helper), errno_name(-slot));
		return -1;
	}
	if (reuseaddr) {
		ret = helper_setsockopt(helper, slot, SOL_SOCKET, SO_REUSEADDR, 1);
		if (ret) {
			test_fail(ctx, "setup: %s: SO_REUSEADDR: %s", helper_comm(helper),
				  errno_name(-ret));
			return -1;
		}
	}
	ret = helper_bind(helper, slot, family, addr, port);
	if (ret != -want_errno) {
		test_fail(ctx, "setup: %s: bind %s returned %s, expected %s%s", helper_comm(helper),
			  where, errno_name(-ret), errno_name(want_errno),
			  want_errno ? " (the conflict to report is not real)" : "");
		return -1;
	}
	return slot;
}

struct helper *failing_caller(struct test_context *ctx, const char *comm, int family, int type,
			      const char *addr, unsigned int port, int want_errno)
{
	struct helper *caller = test_helper(ctx, comm);

	if (!caller)
		return NULL;
	if (bind_expecting(ctx, caller, family, type, false, addr, port, want_errno) < 0)
		return NULL;
	return caller;
}

struct event_match {
	pid_t pid;
	const char *event; /* NULL: any event of that caller */
};

static bool match_caller_event(const struct json_value *event, const void *arg)
{
	const struct event_match *match = arg;
	const struct json_value *pid = json_get(event, "caller.pid");
	const struct json_value *name = json_member(event, "event");

	if (!pid || pid->type != JSON_NUMBER || pid->integer != match->pid)
		return false;
	if (!match->event)
		return true;
	return name && name->type == JSON_STRING && strcmp(name->string, match->event) == 0;
}

const struct snoop_line *await_event(struct test_context *ctx, struct snoop *tracer, size_t from,
				     pid_t pid, const char *event)
{
	struct event_match match = { .pid = pid, .event = event };
	struct event_match any = { .pid = pid };
	const struct snoop_line *line, *other, *unparsed_line = NULL;
	char errors[1024], status[64];
	size_t seen, unparsed = 0, i;

	line = snoop_wait_for(tracer, from, match_caller_event, &match, LIVE_EVENT_MS);
	if (line)
		return line;
	seen = snoop_line_count(tracer) - from;
	for (i = from; i < snoop_line_count(tracer); i++) {
		if (!snoop_line(tracer, i)->parse_error)
			continue;
		if (!unparsed++)
			unparsed_line = snoop_line(tracer, i);
	}
	other = snoop_wait_for(tracer, from, match_caller_event, &any, 0);
	if (snoop_exited(tracer)) {
		int exit_status;

		snoop_wait_exit(tracer, 0, 0, &exit_status);
		describe_wait_status(exit_status, status, sizeof(status));
		snoop_describe_stderr(tracer, errors, sizeof(errors));
		test_fail(ctx,
			  "no \"%s\" event with caller.pid %d: bindsnoop ended (%s); stderr: %s",
			  event, pid, status, errors);
	} else if (unparsed) {
		test_fail(
			ctx,
			"no \"%s\" event with caller.pid %d within %d s; %zu lines since the test began did not parse as JSON, the first (%s): %s",
			event, pid, LIVE_EVENT_MS / 1000, unparsed, unparsed_line->parse_error,
			unparsed_line->text);
	} else if (other) {
		test_fail(ctx, "no \"%s\" event with caller.pid %d within %d s; saw instead: %s",
			  event, pid, LIVE_EVENT_MS / 1000, other->text);
	} else if (seen) {
		test_fail(
			ctx,
			"no \"%s\" event with caller.pid %d within %d s; %zu other lines since the test began, the first: %s",
			event, pid, LIVE_EVENT_MS / 1000, seen,
			snoop_line_text(snoop_line(tracer, from)));
	} else {
		test_fail(
			ctx,
			"no \"%s\" event with caller.pid %d within %d s; bindsnoop printed nothing",
			event, pid, LIVE_EVENT_MS / 1000);
	}
	return NULL;
}

struct caller_expect caller_of(const struct helper *helper, uid_t uid)
{
	const struct host_facts *host = host_facts();

	return (struct caller_expect){
		.pid = helper_pid(helper),
		.comm = helper_comm(helper),
		.uid = uid,
		.ppid = host->pid,
		.netns = host->netns,
		/* Helpers are forks of live-test: same arguments, same cgroup. */
		.cmdline = live_config->kernel_only ? NULL : host->cmdline,
		.cgroup = host->cgroup_known ? host->cgroup : NULL,
		.exe = live_config->kernel_only || !host->exe[0] ? NULL : host->exe,
	};
}

struct holder_expect holder_of(const struct holder *holder, const char *state)
{
	return (struct holder_expect){
		.state = state,
		.proto = proto_name(holder->spec.type),
		.family = family_name(holder->spec.family),
		.addr = holder->spec.addr,
		.port = holder->spec.port,
		.inode = holder->inode,
		.uid = host_facts()->uid,
		.reuseaddr = holder->spec.reuseaddr,
		.v6only = holder->spec.v6only,
		/* Without /proc and sock_diag only the kernel can have found it. */
		.source = live_config->kernel_only ? "kernel" : NULL,
		.pid = helper_pid(holder->helper),
		.comm = helper_comm(holder->helper),
	};
}

enum test_result finish(struct test_context *ctx, const struct verdict *verdict,
			const struct snoop_line *line)
{
	if (!verdict->problems)
		return TEST_PASS;
	return test_fail(ctx, "%s; event: %s", verdict->text, line->text);
}

/* TCP sockets on local port `port` in /proc/net/tcp: those in TIME_WAIT, and the others. */
static int count_port_states(unsigned int port, int *time_wait, int *other, int *rows)
{
	char line[512];
	FILE *table = fopen("/proc/net/tcp", "re");

	if (!table)
		return -errno;
	*time_wait = *other = *rows = 0;
	while (fgets(line, sizeof(line), table)) {
		unsigned int local_port, state;

		(*rows)++;
		/* "  sl  local_address rem_address   st ...", addresses as HEX:PORT. */
		if (sscanf(line, " %*u: %*x:%x %*x:%*x %x", &local_port, &state) != 2 ||
		    local_port != port)
			continue;
		if (state == 0x06) /* TCP_TIME_WAIT */
			(*time_wait)++;
		else
			(*other)++;
	}
	fclose(table);
	return 0;
}

int leave_time_wait(struct test_context *ctx, const char *server_comm, const char *client_comm,
		    unsigned int port)
{
	struct holder_spec spec = tcp4_listener(server_comm, port);
	int client_slot, accepted, ret, time_wait = 0, other = 0, rows = 0;
	struct holder server;
	struct helper *client;
	long long deadline;

	if (start_holder(ctx, &spec, &server))
		return -1;
	client = test_helper(ctx, client_comm);
	if (!client)
		return -1;
	client_slot = helper_socket(client, AF_INET, SOCK_STREAM, 0);
	ret = client_slot < 0 ? client_slot :
				helper_connect(client, client_slot, AF_INET, "127.0.0.1", port);
	accepted = ret ? ret : helper_accept(server.helper, server.slot);
	if (accepted < 0) {
		test_fail(ctx, "setup: connect/accept: %s", errno_name(-accepted));
		return -1;
	}
	/* Server-side close first: the server's end goes through FIN_WAIT to TIME_WAIT. */
	if ((ret = helper_close(server.helper, accepted)) ||
	    (ret = helper_close(client, client_slot)) ||
	    (ret = helper_close(server.helper, server.slot))) {
		test_fail(ctx, "setup: close: %s", errno_name(-ret));
		return -1;
	}
	/*
	 * The client's FIN reaches the server's end in a softirq, after close()
	 * returned: a slow VM still shows FIN_WAIT2 for a while.
	 */
	deadline = live_now_ms() + LIVE_EVENT_MS;
	do {
		ret = count_port_states(port, &time_wait, &other, &rows);
		if (ret) {
			test_fail(ctx, "setup: /proc/net/tcp: %s", strerror(-ret));
			return -1;
		}
		if (time_wait && !other)
			return 0;
		usleep(10000);
	} while (live_now_ms() < deadline);
	test_fail(ctx,
		  "setup: port %u never held by TIME_WAIT only (%d TIME_WAIT, %d other, "
		  "%d lines in /proc/net/tcp)",
		  port, time_wait, other, rows);
	return -1;
}

int conflict_prepare(struct test_context *ctx, const char *holder_comm, const char *caller_comm,
		     struct repeatable_conflict *out)
{
	struct holder_spec spec;

	out->port = test_port(ctx);
	if (!out->port)
		return -1;
	spec = tcp4_listener(holder_comm, out->port);
	if (start_holder(ctx, &spec, &out->holder))
		return -1;
	out->caller = test_helper(ctx, caller_comm);
	return out->caller ? 0 : -1;
}

/* One more failed bind by the caller (its socket closed again). */
int conflict_fire(struct test_context *ctx, struct repeatable_conflict *conflict)
{
	int slot = bind_expecting(ctx, conflict->caller, AF_INET, SOCK_STREAM, false, "127.0.0.1",
				  conflict->port, EADDRINUSE);

	if (slot < 0)
		return -1;
	helper_close(conflict->caller, slot);
	return 0;
}

/* A conflict and its event: proof bindsnoop is printing before it is stopped. */
int conflict_seen(struct test_context *ctx, struct snoop *tracer,
		  struct repeatable_conflict *conflict)
{
	size_t mark = snoop_line_count(tracer);

	if (conflict_fire(ctx, conflict))
		return -1;
	return await_event(ctx, tracer, mark, helper_pid(conflict->caller), "bind_failed") ? 0 : -1;
}
