// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The --metrics server's connection guard: deadlines from accept that no
 * byte restarts, and room kept for a scraper beside slow clients on its own
 * address (127.0.0.1) or on others.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include "output/connection_guard.h"
#include "unit.h"

#define MS 1000000ULL
#define T0 (1000 * MS) /* a monotonic clock far from zero */

static struct sockaddr_in ipv4(const char *text)
{
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(40000) };

	inet_pton(AF_INET, text, &address.sin_addr);
	return address;
}

static struct guarded_connection *open_from(struct connection_guard *guard, int fd,
					    const char *address, __u64 now_ns)
{
	struct sockaddr_in peer = ipv4(address);

	return connection_guard_open(guard, fd, (const struct sockaddr *)&peer, now_ns);
}

static bool named(const struct guard_closures *closures, int fd)
{
	for (size_t i = 0; i < closures->count; i++)
		if (closures->fds[i] == fd)
			return true;
	return false;
}

static struct guard_closures expire(struct connection_guard *guard, __u64 now_ns, __u64 *next)
{
	struct guard_closures closures = { .count = 0 };

	*next = connection_guard_expire(guard, now_ns, &closures);
	return closures;
}

/* A byte now and then does not matter: the request is whole within 2 s of accept, or closed. */
static void test_request_deadline(void)
{
	struct connection_guard guard;
	struct guard_closures closures;
	struct guarded_connection *slow, *scrape;
	__u64 next;

	connection_guard_init(&guard);
	CHECK_INT(expire(&guard, T0, &next).count, 0);
	CHECK(next == UINT64_MAX);
	slow = open_from(&guard, 10, "127.0.0.1", T0);
	scrape = open_from(&guard, 11, "127.0.0.1", T0 + 100 * MS);
	CHECK(slow && scrape);
	connection_guard_request_whole(scrape);
	closures = expire(&guard, T0 + 1999 * MS, &next);
	CHECK_INT(closures.count, 0);
	CHECK_INT(next, T0 + CONNECTION_GUARD_REQUEST_NS);
	closures = expire(&guard, T0 + CONNECTION_GUARD_REQUEST_NS, &next);
	CHECK_INT(closures.count, 1);
	CHECK(named(&closures, 10));
	/* Named once: it counts no more while the server closes it. */
	CHECK_INT(expire(&guard, T0 + 3000 * MS, &next).count, 0);
	/* A whole request: the lifetime, 10 s from accept, reading the answer included. */
	CHECK_INT(next, T0 + 100 * MS + CONNECTION_GUARD_LIFETIME_NS);
	closures = expire(&guard, next, &next);
	CHECK_INT(closures.count, 1);
	CHECK(named(&closures, 11));
	CHECK(next == UINT64_MAX);
	connection_guard_close(slow);
	connection_guard_close(scrape);
	connection_guard_close(NULL);
}

/*
 * 100 slow clients on 127.0.0.1, then a scraper on the same address: the
 * surplus over the address's room is closed once settled, the oldest first,
 * and never the scraper, which is young and then answered.
 */
static void test_room_on_one_address(void)
{
	struct connection_guard guard;
	struct guard_closures closures;
	struct guarded_connection *scrape;
	__u64 next, now = T0;
	int fd;

	connection_guard_init(&guard);
	for (fd = 100; fd < 100 + CONNECTION_GUARD_SLOTS - 1; fd++, now += MS)
		CHECK(open_from(&guard, fd, "127.0.0.1", now));
	scrape = open_from(&guard, 1, "127.0.0.1", now);
	CHECK(scrape);
	/* Full: a connection the server could not hold is not taken. */
	CHECK(!open_from(&guard, 2, "127.0.0.1", now));
	/* Nothing has settled: nothing is closed before the first does. */
	closures = expire(&guard, T0 + CONNECTION_GUARD_SETTLE_NS - 1, &next);
	CHECK_INT(closures.count, 0);
	CHECK_INT(next, T0 + CONNECTION_GUARD_SETTLE_NS);
	/* 50 ms later the 51 oldest have settled and go: not yet all the surplus. */
	closures = expire(&guard, T0 + CONNECTION_GUARD_SETTLE_NS + 50 * MS, &next);
	CHECK_INT(closures.count, 51);
	CHECK(named(&closures, 100) && named(&closures, 150) && !named(&closures, 151));
	CHECK_INT(next, T0 + 51 * MS + CONNECTION_GUARD_SETTLE_NS);
	connection_guard_request_whole(scrape);
	closures = expire(&guard, now + CONNECTION_GUARD_SETTLE_NS, &next);
	CHECK_INT(closures.count, CONNECTION_GUARD_SLOTS - 51 - CONNECTION_GUARD_ADDRESS_ROOM);
	CHECK(!named(&closures, 1));
	/* The slow ones went first; the whole request stays among the room kept. */
	CHECK(named(&closures, 100 + CONNECTION_GUARD_SLOTS - CONNECTION_GUARD_ADDRESS_ROOM - 1));
	CHECK(!named(&closures, 100 + CONNECTION_GUARD_SLOTS - CONNECTION_GUARD_ADDRESS_ROOM));
	/* A slot the server freed takes a new client. */
	for (size_t i = 0; i < CONNECTION_GUARD_SLOTS; i++)
		if (guard.slots[i].fd == 100)
			connection_guard_close(&guard.slots[i]);
	CHECK(open_from(&guard, 3, "127.0.0.1", now));
}

/* A slow reader (whole request) is closed after slow senders of the same age, not before. */
static void test_slow_senders_first(void)
{
	struct connection_guard guard;
	struct guard_closures closures;
	__u64 next;

	connection_guard_init(&guard);
	connection_guard_request_whole(open_from(&guard, 5, "127.0.0.1", T0));
	for (int fd = 10; fd < 10 + CONNECTION_GUARD_ADDRESS_ROOM + 1; fd++)
		CHECK(open_from(&guard, fd, "127.0.0.1", T0 + MS));
	closures = expire(&guard, T0 + CONNECTION_GUARD_SETTLE_NS + MS, &next);
	CHECK_INT(closures.count, 2);
	CHECK(!named(&closures, 5));
}

/*
 * Rooms per address, then in all: 40 from each of three addresses keep 32
 * each, then the 96 left are brought down to the total room, the oldest first.
 */
static void test_room_over_addresses(void)
{
	static const char *const addresses[] = { "127.0.0.1", "127.0.0.2", "192.0.2.7" };
	struct connection_guard guard;
	struct guard_closures closures;
	struct sockaddr_in6 six = { .sin6_family = AF_INET6 };
	__u64 next, now = T0;
	int fd = 100;

	connection_guard_init(&guard);
	for (int i = 0; i < 40; i++)
		for (int a = 0; a < 3; a++, now += MS)
			CHECK(open_from(&guard, fd++, addresses[a], now));
	closures = expire(&guard, now + CONNECTION_GUARD_SETTLE_NS, &next);
	CHECK_INT(closures.count, 3 * (40 - CONNECTION_GUARD_ADDRESS_ROOM) +
					  3 * CONNECTION_GUARD_ADDRESS_ROOM -
					  CONNECTION_GUARD_TOTAL_ROOM);
	CHECK(named(&closures, 100) && named(&closures, 101) && named(&closures, 102));
	CHECK(!named(&closures, fd - 1));
	/*
	 * IPv6 is another address (::ffff:127.0.0.1 is not 127.0.0.1): one more
	 * is over the total room only, which closes the oldest.
	 */
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &six.sin6_addr);
	now += MS;
	CHECK(connection_guard_open(&guard, 7, (const struct sockaddr *)&six, now));
	closures = expire(&guard, now + CONNECTION_GUARD_SETTLE_NS, &next);
	CHECK_INT(closures.count, 1);
	CHECK(!named(&closures, 7));
}

int main(void)
{
	test_request_deadline();
	test_room_on_one_address();
	test_slow_senders_first();
	test_room_over_addresses();
	return unit_summary();
}
