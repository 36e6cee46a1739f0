/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The connection to a syslog collector, apart from what is sent over it:
 * a bounded queue of rendered messages (msg_queue.h) and a non-blocking
 * socket that never makes the tracer wait. The --syslog output
 * (output_syslog.c) renders and counts; this module connects, frames,
 * sends, reconnects and resends. Unit-tested against a loopback collector
 * (tests/unit/test_syslog_connection.c).
 */
#ifndef BINDSNOOP_SYSLOG_CONNECTION_H
#define BINDSNOOP_SYSLOG_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "output/msg_queue.h"
#include "output/syslog_target.h"

enum connection_state {
	CONNECTION_DOWN,       /* no socket; next attempt at next_attempt_ns */
	CONNECTION_CONNECTING, /* non-blocking connect() in progress */
	CONNECTION_UP,
};

struct syslog_connection {
	struct syslog_target target;
	struct msg_queue queue; /* rendered messages, oldest first */
	size_t queue_bytes;	/* the queue's capacity */
	int fd;
	int socket_type; /* SOCK_DGRAM or SOCK_STREAM, once connected */
	enum connection_state state;
	__u64 state_since_ns;
	__u64 next_attempt_ns;
	__u64 backoff_ns;
	bool said_down; /* stderr already says the collector is unreachable */
	/* Stream sockets: */
	size_t partial;	  /* bytes of the record at the cursor already written */
	size_t unacked;	  /* TCP: bytes written and not yet popped */
	__u64 unsendable; /* records too big for any datagram, given up on */
	__u64 unsendable_last_seq; /* the seq of the last of them */
};

/* 0, or a negative errno if the queue cannot be allocated. Connects on the first pump. */
int syslog_connection_init(struct syslog_connection *connection, const struct syslog_target *target,
			   size_t queue_bytes);
void syslog_connection_release(struct syslog_connection *connection);

/* Connects, sends and pops what was delivered, as far as possible without waiting. */
void syslog_connection_pump(struct syslog_connection *connection,
			    __u64 now_ns); /* monotonic_ns() */

/* A collector that is down is tried at the next pump, not after the backoff (SIGHUP). */
void syslog_connection_retry_now(struct syslog_connection *connection);

/* At exit: pumps until the queue is empty, the collector is down or the deadline; returns what is left. */
size_t syslog_connection_deliver(struct syslog_connection *connection, __u64 deadline_ns);

/* Records given up on since the last call (too big for a datagram). */
__u64 syslog_connection_take_unsendable(struct syslog_connection *connection);

#endif /* BINDSNOOP_SYSLOG_CONNECTION_H */
