// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include "output/connection_guard.h"

void connection_guard_init(struct connection_guard *guard)
{
	memset(guard, 0, sizeof(*guard));
	for (size_t i = 0; i < CONNECTION_GUARD_SLOTS; i++)
		guard->slots[i].fd = -1;
}

static bool live(const struct guarded_connection *connection)
{
	return connection->fd >= 0 && !connection->closing;
}

static bool same_address(const struct guarded_connection *a, const struct guarded_connection *b)
{
	return a->family == b->family && !memcmp(a->address, b->address, sizeof(a->address));
}

static void set_address(struct guarded_connection *connection, const struct sockaddr *peer)
{
	memset(connection->address, 0, sizeof(connection->address));
	connection->family = peer ? peer->sa_family : AF_UNSPEC;
	if (connection->family == AF_INET)
		memcpy(connection->address, &((const struct sockaddr_in *)peer)->sin_addr, 4);
	else if (connection->family == AF_INET6)
		memcpy(connection->address, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
}

static void name_for_closing(struct guarded_connection *connection, struct guard_closures *closures)
{
	connection->closing = true;
	if (closures->count < CONNECTION_GUARD_SLOTS)
		closures->fds[closures->count++] = connection->fd;
}

/* Counts every live connection when like is NULL, else those of like's address. */
static bool counted(const struct guarded_connection *connection,
		    const struct guarded_connection *like)
{
	return live(connection) && (!like || same_address(connection, like));
}

/*
 * The next of like's (see counted()) to close: settled by now_ns, its request
 * not whole before whole (a slow sender, then a slow reader), the oldest
 * first. NULL when none has settled; *settles is then when the first will.
 */
static struct guarded_connection *first_to_close(struct connection_guard *guard,
						 const struct guarded_connection *like,
						 __u64 now_ns, __u64 *settles)
{
	struct guarded_connection *first = NULL;

	*settles = UINT64_MAX;
	for (size_t i = 0; i < CONNECTION_GUARD_SLOTS; i++) {
		struct guarded_connection *connection = &guard->slots[i];
		__u64 settled_ns;

		if (!counted(connection, like))
			continue;
		settled_ns = connection->accepted_ns + CONNECTION_GUARD_SETTLE_NS;
		if (settled_ns > now_ns) {
			if (settled_ns < *settles)
				*settles = settled_ns;
			continue;
		}
		if (!first || (first->request_whole && !connection->request_whole) ||
		    (first->request_whole == connection->request_whole &&
		     connection->accepted_ns < first->accepted_ns))
			first = connection;
	}
	return first;
}

/* Closes like's (see counted()) past room; returns when to look again, UINT64_MAX for never. */
static __u64 keep_room(struct connection_guard *guard, const struct guarded_connection *like,
		       size_t room, __u64 now_ns, struct guard_closures *closures)
{
	size_t count = 0;

	for (size_t i = 0; i < CONNECTION_GUARD_SLOTS; i++)
		count += counted(&guard->slots[i], like);
	for (; count > room; count--) {
		__u64 settles;
		struct guarded_connection *connection =
			first_to_close(guard, like, now_ns, &settles);

		if (!connection)
			return settles;
		name_for_closing(connection, closures);
	}
	return UINT64_MAX;
}

static bool first_of_its_address(const struct connection_guard *guard, size_t index)
{
	for (size_t i = 0; i < index; i++)
		if (live(&guard->slots[i]) && same_address(&guard->slots[i], &guard->slots[index]))
			return false;
	return true;
}

struct guarded_connection *connection_guard_open(struct connection_guard *guard, int fd,
						 const struct sockaddr *peer, __u64 now_ns)
{
	for (size_t i = 0; i < CONNECTION_GUARD_SLOTS; i++) {
		struct guarded_connection *connection = &guard->slots[i];

		if (connection->fd >= 0)
			continue;
		connection->fd = fd;
		connection->accepted_ns = now_ns;
		connection->request_whole = false;
		connection->closing = false;
		set_address(connection, peer);
		return connection;
	}
	return NULL;
}

void connection_guard_request_whole(struct guarded_connection *connection)
{
	if (connection)
		connection->request_whole = true;
}

void connection_guard_close(struct guarded_connection *connection)
{
	if (connection)
		connection->fd = -1;
}

static __u64 earlier(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

__u64 connection_guard_expire(struct connection_guard *guard, __u64 now_ns,
			      struct guard_closures *closures)
{
	__u64 next = UINT64_MAX;

	for (size_t i = 0; i < CONNECTION_GUARD_SLOTS; i++) {
		struct guarded_connection *connection = &guard->slots[i];
		__u64 deadline;

		if (!live(connection))
			continue;
		deadline = connection->accepted_ns + (connection->request_whole ?
							      CONNECTION_GUARD_LIFETIME_NS :
							      CONNECTION_GUARD_REQUEST_NS);
		if (deadline <= now_ns)
			name_for_closing(connection, closures);
		else
			next = earlier(next, deadline);
	}
	for (size_t i = 0; i < CONNECTION_GUARD_SLOTS; i++)
		if (live(&guard->slots[i]) && first_of_its_address(guard, i))
			next = earlier(next,
				       keep_room(guard, &guard->slots[i],
						 CONNECTION_GUARD_ADDRESS_ROOM, now_ns, closures));
	return earlier(next, keep_room(guard, NULL, CONNECTION_GUARD_TOTAL_ROOM, now_ns, closures));
}
