// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The syslog connection against a collector played by this test on
 * loopback TCP: delivery with octet-counting frames, reconnection after the
 * collector goes away, and resending of what the collector's kernel had not
 * acknowledged when the connection broke, so nothing is lost.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "clock.h"
#include "output/syslog_connection.h"
#include "unit.h"

#define MESSAGES 3000

struct collector {
	int listener;
	int conn;
	char buf[1 << 20];
	size_t len;
	unsigned char seen[MESSAGES + 1];
	int frames;
};

static int collector_listen(struct collector *collector, int rcvbuf)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int one = 1;

	collector->conn = -1;
	collector->listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(collector->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf)
		setsockopt(collector->listener, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(collector->listener, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(collector->listener, 4) ||
	    getsockname(collector->listener, (struct sockaddr *)&addr, &len))
		return -1;
	return ntohs(addr.sin_port);
}

/* Parses whole "LEN MSG" frames out of buf; marks "msg-NNNNN" as seen. */
static void collector_parse(struct collector *collector)
{
	size_t at = 0;

	for (;;) {
		char *space = memchr(collector->buf + at, ' ', collector->len - at);
		unsigned long frame_len;
		int id;

		if (!space)
			break;
		frame_len = strtoul(collector->buf + at, NULL, 10);
		if ((size_t)(space + 1 - collector->buf) + frame_len > collector->len)
			break;
		if (sscanf(space + 1, "msg-%5d", &id) == 1 && id > 0 && id <= MESSAGES)
			collector->seen[id] = 1;
		collector->frames++;
		at = space + 1 - collector->buf + frame_len;
	}
	memmove(collector->buf, collector->buf + at, collector->len - at);
	collector->len -= at;
}

/* Accepts a connection if one waits, reads what is there (at most limit bytes). */
static void collector_poll(struct collector *collector, size_t limit)
{
	ssize_t got;

	if (collector->conn < 0) {
		collector->conn = accept4(collector->listener, NULL, NULL, SOCK_NONBLOCK);
		if (collector->conn < 0)
			return;
	}
	while (limit && collector->len < sizeof(collector->buf)) {
		size_t room = sizeof(collector->buf) - collector->len;

		got = read(collector->conn, collector->buf + collector->len,
			   room < limit ? room : limit);
		if (got <= 0)
			break;
		collector->len += got;
		limit -= got;
	}
	collector_parse(collector);
}

/* The collector goes away: unread data makes the kernel reset the connection. */
static void collector_drop_connection(struct collector *collector)
{
	close(collector->conn);
	collector->conn = -1;
	collector->len = 0;
}

static int missing(const struct collector *collector, int upto)
{
	int count = 0;

	for (int id = 1; id <= upto; id++)
		count += !collector->seen[id];
	return count;
}

static void push_message(struct syslog_connection *connection, int id)
{
	char text[128];
	int len = snprintf(text, sizeof(text), "msg-%05d %-90s", id, "payload");
	char *slot = msg_queue_push(&connection->queue, len);

	CHECK(slot != NULL);
	if (slot)
		memcpy(slot, text, len);
}

static void pause_ms(int ms)
{
	struct timespec pause = { .tv_nsec = ms * 1000000L };

	nanosleep(&pause, NULL);
}

/* Pumps and lets the collector read until the queue is empty or 3 s pass. */
static void deliver(struct syslog_connection *connection, struct collector *collector)
{
	__u64 deadline = monotonic_ns() + 3000000000ULL;

	while (monotonic_ns() < deadline) {
		syslog_connection_pump(connection, monotonic_ns());
		collector_poll(collector, SIZE_MAX);
		if (msg_queue_empty(&connection->queue) && connection->state == CONNECTION_UP)
			break;
		pause_ms(2);
	}
	/* What the last pump sent may still be in flight. */
	for (int i = 0; i < 20; i++) {
		pause_ms(2);
		collector_poll(collector, SIZE_MAX);
	}
}

/* A connection to a new collector listening on loopback (rcvbuf 0: the default). */
static void open_pair(struct collector *collector, int rcvbuf, struct syslog_connection *connection)
{
	struct syslog_target target;
	char text[64], problem[128];
	int port = collector_listen(collector, rcvbuf);

	CHECK(port > 0);
	snprintf(text, sizeof(text), "tcp://127.0.0.1:%d", port);
	CHECK_INT(syslog_target_parse(text, &target, problem, sizeof(problem)), 0);
	CHECK_INT(syslog_connection_init(connection, &target, 4 << 20), 0);
}

static void close_pair(struct collector *collector, struct syslog_connection *connection)
{
	syslog_connection_release(connection);
	close(collector->conn);
	close(collector->listener);
}

static void test_delivery_and_reconnect(void)
{
	static struct collector collector;
	struct syslog_connection connection;

	open_pair(&collector, 0, &connection);

	for (int id = 1; id <= 10; id++)
		push_message(&connection, id);
	deliver(&connection, &collector);
	CHECK_INT(connection.state, CONNECTION_UP);
	CHECK(msg_queue_empty(&connection.queue));
	CHECK_INT(missing(&collector, 10), 0);
	CHECK_INT(collector.frames, 10);

	/* The collector restarts: the next messages go over a new connection. */
	collector_drop_connection(&collector);
	pause_ms(20);
	for (int id = 11; id <= 20; id++)
		push_message(&connection, id);
	deliver(&connection, &collector);
	CHECK_INT(connection.state, CONNECTION_UP);
	CHECK(msg_queue_empty(&connection.queue));
	CHECK_INT(missing(&collector, 20), 0);

	close_pair(&collector, &connection);
}

static void test_unacknowledged_are_sent_again(void)
{
	static struct collector collector;
	struct syslog_connection connection;

	/* A small receive window: most of the burst stays unacknowledged. */
	open_pair(&collector, 4096, &connection);
	for (int id = 1; id <= MESSAGES; id++)
		push_message(&connection, id);
	for (int i = 0; i < 50; i++) {
		syslog_connection_pump(&connection, monotonic_ns());
		collector_poll(&collector, 0); /* accept, read nothing */
		pause_ms(2);
	}
	CHECK_INT(connection.state, CONNECTION_UP);
	CHECK(!msg_queue_empty(&connection.queue));
	/* The collector reads a little, then dies with the rest unread. */
	collector_poll(&collector, 16384);
	collector_drop_connection(&collector);
	pause_ms(20);
	deliver(&connection, &collector);
	CHECK(msg_queue_empty(&connection.queue));
	CHECK_INT(missing(&collector, MESSAGES), 0);
	close_pair(&collector, &connection);
}

int main(void)
{
	test_delivery_and_reconnect();
	test_unacknowledged_are_sent_again();
	return unit_summary();
}
