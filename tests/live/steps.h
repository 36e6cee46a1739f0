/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Steps scenarios are made of: start a holder, make a caller fail against
 * it, wait for bindsnoop's line about that caller, compare. Each returns 0,
 * or -1 with the test's reason set.
 */
#ifndef LIVE_STEPS_H
#define LIVE_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include "expect.h"
#include "runner.h"

struct holder_spec {
	const char *comm;
	int family; /* AF_INET / AF_INET6 */
	int type;   /* SOCK_STREAM / SOCK_DGRAM */
	const char *addr;
	unsigned int port;
	bool listen;
	bool reuseaddr;
	int v6only;   /* 0/1 set IPV6_V6ONLY, -1 leave the default */
	int protocol; /* socket()'s third argument: 0, or IPPROTO_MPTCP */
};

struct holder {
	struct holder_spec spec;
	struct helper *helper;
	int slot;
	unsigned long long inode;
};

/* A TCP listener on 127.0.0.1:port in a helper named comm. */
struct holder_spec tcp4_listener(const char *comm, unsigned int port);

/* Socket, options, bind and (if spec->listen) listen; every step must work. */
int start_holder(struct test_context *ctx, const struct holder_spec *spec, struct holder *out);

/* The same in a helper that exists already (spec->comm is then not used). */
int holder_setup(struct test_context *ctx, struct helper *helper, const struct holder_spec *spec,
		 struct holder *out);

/*
 * In helper: socket of family/type, optional SO_REUSEADDR, bind to
 * addr:port; the bind must fail with want_errno (0: must succeed), which
 * proves the conflict bindsnoop should report is real. Returns the socket
 * slot, or -1 with the reason set.
 */
/* bind_expecting() for a socket of a given protocol (IPPROTO_MPTCP). */
int bind_expecting_protocol(struct test_context *ctx, struct helper *helper, int family, int type,
			    int protocol, bool reuseaddr, const char *addr, unsigned int port,
			    int want_errno);
int bind_expecting(struct test_context *ctx, struct helper *helper, int family, int type,
		   bool reuseaddr, const char *addr, unsigned int port, int want_errno);

/* A caller that must fail with want_errno; NULL with the reason set. */
struct helper *failing_caller(struct test_context *ctx, const char *comm, int family, int type,
			      const char *addr, unsigned int port, int want_errno);

/*
 * The first line at index >= from about caller pid with this event name.
 * NULL with the reason set (what was awaited, what came instead).
 */
const struct snoop_line *await_event(struct test_context *ctx, struct snoop *tracer, size_t from,
				     pid_t pid, const char *event);

/* What the caller part of an event should say about helper running as uid. */
struct caller_expect caller_of(const struct helper *helper, uid_t uid);

/* What holders[] should say about holder in this state. */
struct holder_expect holder_of(const struct holder *holder, const char *state);

/* PASS if the verdict holds no problem, else FAIL quoting the event line. */
enum test_result finish(struct test_context *ctx, const struct verdict *verdict,
			const struct snoop_line *line);


/* A holder and a caller that can fail against it again and again (TCP 127.0.0.1). */
struct repeatable_conflict {
	struct holder holder;
	struct helper *caller;
	unsigned int port;
};

int conflict_prepare(struct test_context *ctx, const char *holder_comm, const char *caller_comm,
		     struct repeatable_conflict *out);
/* One more failed bind by the caller (its socket closed again). */
int conflict_fire(struct test_context *ctx, struct repeatable_conflict *conflict);
/* A conflict and its event: proof bindsnoop is printing. */
int conflict_seen(struct test_context *ctx, struct snoop *tracer,
		  struct repeatable_conflict *conflict);

/*
 * A connection to a listener on 127.0.0.1:port (helpers named server_comm
 * and client_comm) whose server end closes first, then the listener: the
 * port is left to one TIME_WAIT socket. Returns 0 once /proc/net/tcp shows
 * that, or -1 with the reason set.
 */
int leave_time_wait(struct test_context *ctx, const char *server_comm, const char *client_comm,
		    unsigned int port);

const char *family_name(int family);
const char *proto_name(int type);

#endif /* LIVE_STEPS_H */
