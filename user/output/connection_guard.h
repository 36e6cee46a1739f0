/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who may hold the --metrics server's connections, and for how long. Anyone
 * who reaches the port can connect: sixteen clients that each sent a byte
 * every 4 s once held every connection, and no scrape got in for as long as
 * they went on (an idle timeout restarts on every byte).
 *
 * - Deadlines from accept, which no byte restarts: the request must be whole
 *   (its headers read) within CONNECTION_GUARD_REQUEST_NS, and the connection
 *   ends CONNECTION_GUARD_LIFETIME_NS after accept whatever it does (a client
 *   that reads its answer a byte at a time).
 * - Room for new clients: when one address holds more than
 *   CONNECTION_GUARD_ADDRESS_ROOM connections, or all together more than
 *   CONNECTION_GUARD_TOTAL_ROOM, the surplus is closed: connections older
 *   than CONNECTION_GUARD_SETTLE_NS, those whose request is not whole first,
 *   the oldest first. A scraper sends its request as soon as it connects, so
 *   it is answered before it is old enough to be closed, while slow clients
 *   push out each other, whatever address they share with it (every local
 *   user is 127.0.0.1).
 * - Nobody is refused for their address: refusing the newest is what let
 *   held connections shut out every scrape (and a per-address refusal shuts
 *   out a scraper on loopback with the local users). Past the rooms, the
 *   slots give a flood SETTLE_NS of new connections before the closing
 *   starts; the rest wait in the listen backlog.
 *
 * Bookkeeping only, no locks and no system calls: the server calls it under
 * its lock and shuts down the sockets it names (metrics_server.c).
 */
#ifndef BINDSNOOP_CONNECTION_GUARD_H
#define BINDSNOOP_CONNECTION_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/types.h>

#define CONNECTION_GUARD_SLOTS	      128 /* the server's connection limit */
#define CONNECTION_GUARD_TOTAL_ROOM   64
#define CONNECTION_GUARD_ADDRESS_ROOM 32
#define CONNECTION_GUARD_SETTLE_NS    200000000ULL /* a request on its way: never closed */
#define CONNECTION_GUARD_REQUEST_NS   2000000000ULL
#define CONNECTION_GUARD_LIFETIME_NS  10000000000ULL

struct guarded_connection {
	__u64 accepted_ns;
	int fd; /* -1: a free slot */
	bool request_whole;
	bool closing;	  /* named to be closed: it counts no more */
	__u8 address[16]; /* IPv4 or IPv6, zero padded */
	__u16 family;
};

struct connection_guard {
	struct guarded_connection slots[CONNECTION_GUARD_SLOTS];
};

/* Sockets to shut down, that the guard named once each. */
struct guard_closures {
	int fds[CONNECTION_GUARD_SLOTS];
	size_t count;
};

void connection_guard_init(struct connection_guard *guard);

/* A connection accepted at now_ns from peer: its entry, or NULL when every slot is taken. */
struct guarded_connection *connection_guard_open(struct connection_guard *guard, int fd,
						 const struct sockaddr *peer, __u64 now_ns);

/* Its request's headers are read: from now on only the lifetime bounds it. */
void connection_guard_request_whole(struct guarded_connection *connection);

/* The server closed it: the slot is free. Accepts NULL. */
void connection_guard_close(struct guarded_connection *connection);

/*
 * Adds to closures every connection past its deadline at now_ns, and the
 * surplus over the rooms; returns when to look again (a deadline, or a
 * surplus connection settling), or UINT64_MAX for never.
 */
__u64 connection_guard_expire(struct connection_guard *guard, __u64 now_ns,
			      struct guard_closures *closures);

#endif /* BINDSNOOP_CONNECTION_GUARD_H */
