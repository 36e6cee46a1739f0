// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The syslog connection (syslog_connection.h): a non-blocking socket to the
 * collector, its state machine (down, connecting, up) with a backoff from
 * 0.1 s doubling to 5 s, framing on streams, and the queue's send cursor.
 * Over TCP a record leaves the queue only once the collector's kernel has
 * acknowledged its bytes (SIOCOUTQ): when the connection breaks, whatever
 * was written but not acknowledged is sent again on the next connection.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "clock.h"
#include "output/syslog_message.h"
#include "output/json_event.h"
#include "output/syslog_connection.h"

#define BACKOFF_MIN_NS	   100000000ULL	 /* 0.1 s */
#define BACKOFF_MAX_NS	   5000000000ULL /* 5 s */
#define CONNECT_TIMEOUT_NS 5000000000ULL
#define RECORDS_PER_SEND   64

static bool is_tcp(const struct syslog_connection *connection)
{
	return connection->target.transport == SYSLOG_TCP;
}

static void close_socket(struct syslog_connection *connection)
{
	if (connection->fd >= 0)
		close(connection->fd);
	connection->fd = -1;
	connection->partial = 0;
	connection->unacked = 0;
	/* Whatever the collector has not acknowledged goes again on the next connection. */
	msg_queue_rewind(&connection->queue);
}

/* The collector went away or never answered: retry later, say so once. */
static void connection_failed(struct syslog_connection *connection, int err, __u64 now)
{
	close_socket(connection);
	connection->state = CONNECTION_DOWN;
	connection->state_since_ns = now;
	connection->next_attempt_ns = now + connection->backoff_ns;
	connection->backoff_ns *= 2;
	if (connection->backoff_ns > BACKOFF_MAX_NS)
		connection->backoff_ns = BACKOFF_MAX_NS;
	if (!connection->said_down) {
		fprintf(stderr,
			"bindsnoop: syslog: %s unreachable (%s); queueing up to %zu MiB and "
			"retrying\n",
			connection->target.text, strerror(err), connection->queue_bytes >> 20);
		connection->said_down = true;
	}
}

static void connection_up(struct syslog_connection *connection, __u64 now)
{
	connection->state = CONNECTION_UP;
	connection->state_since_ns = now;
	connection->backoff_ns = BACKOFF_MIN_NS;
	if (connection->said_down) {
		fprintf(stderr, "bindsnoop: syslog: connected to %s again\n",
			connection->target.text);
		connection->said_down = false;
	}
}

static int open_socket(struct syslog_connection *connection, int type)
{
	int fd = socket(connection->target.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	connection->fd = fd;
	connection->socket_type = type;
	if (connect(fd, (struct sockaddr *)&connection->target.addr, connection->target.addr_len) ==
	    0)
		return 0;
	return -errno;
}

static void start_connect(struct syslog_connection *connection, __u64 now)
{
	int type = connection->target.transport == SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int err = open_socket(connection, type);

	/* A local socket may be a stream one (syslog-ng's unix-stream). */
	if (err == -EPROTOTYPE && connection->target.transport == SYSLOG_UNIX) {
		close_socket(connection);
		err = open_socket(connection, SOCK_STREAM);
	}
	if (!err) {
		connection_up(connection, now);
	} else if (err == -EINPROGRESS) {
		connection->state = CONNECTION_CONNECTING;
		connection->state_since_ns = now;
	} else {
		connection_failed(connection, -err, now);
	}
}

static void check_connecting(struct syslog_connection *connection, __u64 now)
{
	struct pollfd pfd = { .fd = connection->fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&pfd, 1, 0) <= 0) {
		if (now - connection->state_since_ns > CONNECT_TIMEOUT_NS)
			connection_failed(connection, ETIMEDOUT, now);
		return;
	}
	if (getsockopt(connection->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		connection_failed(connection, err, now);
	else
		connection_up(connection, now);
}

/*
 * Collectors never write to us: a readable stream socket means the
 * collector closed it (or reset it). Seen before writing, so no message is
 * written into a connection that is already gone.
 */
static int stream_closed_by_peer(struct syslog_connection *connection)
{
	struct pollfd pfd = { .fd = connection->fd, .events = POLLIN | POLLRDHUP };
	char discard[256];
	ssize_t got;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(connection->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		return err ? err : ECONNRESET;
	}
	got = recv(connection->fd, discard, sizeof(discard), MSG_DONTWAIT);
	if (got == 0)
		return ECONNRESET;
	if (got < 0 && errno != EAGAIN && errno != EINTR)
		return errno;
	return 0;
}

/* ---- sending ---- */

/* The frame around a message on a stream: "LEN " before (TCP) or "\n" after (unix). */
static int frame_record(const struct syslog_connection *connection, const char *record, size_t len,
			struct iovec *iov, char *prefix)
{
	int count = 0;

	if (is_tcp(connection)) {
		iov[count].iov_base = prefix;
		iov[count++].iov_len = syslog_octet_count_prefix(prefix, len);
	}
	iov[count].iov_base = (void *)record;
	iov[count++].iov_len = len;
	if (!is_tcp(connection)) {
		iov[count].iov_base = "\n";
		iov[count++].iov_len = 1;
	}
	return count;
}

static size_t framed_length(const struct syslog_connection *connection, size_t len)
{
	char prefix[SYSLOG_OCTET_COUNT_MAX];

	return is_tcp(connection) ? syslog_octet_count_prefix(prefix, len) + len : len + 1;
}

/*
 * TCP: pops the records the collector's kernel acknowledged. SIOCOUTQ is
 * what was written on this connection and not acknowledged yet.
 */
static void pop_acknowledged(struct syslog_connection *connection)
{
	struct msg_queue *queue = &connection->queue;
	int outq = 0;
	size_t acked;

	if (ioctl(connection->fd, SIOCOUTQ, &outq) < 0 || outq < 0 ||
	    (size_t)outq > connection->unacked)
		return;
	acked = connection->unacked - outq;
	while (queue->count > queue->unsent) {
		size_t len, framed;

		msg_queue_front(queue, &len);
		framed = framed_length(connection, len);
		if (framed > acked)
			break;
		acked -= framed;
		connection->unacked -= framed;
		msg_queue_pop(queue);
	}
}

/* Writes as many queued records as the socket takes now; 0 or a positive errno. */
static int send_stream(struct syslog_connection *connection)
{
	struct msg_queue *queue = &connection->queue;

	while (queue->unsent) {
		struct iovec iov[RECORDS_PER_SEND * 2];
		char prefixes[RECORDS_PER_SEND][SYSLOG_OCTET_COUNT_MAX];
		struct msghdr msg = { .msg_iov = iov };
		struct msg_queue_iter iter;
		const char *record;
		size_t len, skip = connection->partial;
		int records = 0, parts = 0;
		ssize_t written;

		msg_queue_iter_unsent(queue, &iter);
		while (records < RECORDS_PER_SEND &&
		       (record = msg_queue_iter_next(queue, &iter, &len)))
			parts += frame_record(connection, record, len, iov + parts,
					      prefixes[records++]);
		/* The start of the first record went out in an earlier, partial write. */
		for (int i = 0; skip; i++) {
			size_t cut = skip < iov[i].iov_len ? skip : iov[i].iov_len;

			iov[i].iov_base = (char *)iov[i].iov_base + cut;
			iov[i].iov_len -= cut;
			skip -= cut;
		}
		msg.msg_iovlen = parts;
		written = sendmsg(connection->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (written < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : errno;
		/* Move the cursor over what went out: whole records, then a partial one. */
		while (written > 0) {
			size_t framed;

			msg_queue_unsent(queue, &len);
			framed = framed_length(connection, len) - connection->partial;
			if ((size_t)written < framed) {
				connection->partial += written;
				connection->unacked += written;
				break;
			}
			written -= framed;
			connection->unacked += framed;
			connection->partial = 0;
			msg_queue_mark_sent(queue);
			/* Unix stream sockets cannot tell what was read: written is done. */
			if (!is_tcp(connection)) {
				connection->unacked = 0;
				msg_queue_pop(queue);
			}
		}
		if (connection->partial)
			return 0; /* the socket is full */
	}
	return 0;
}

/* One datagram per record; 0 or a positive errno that means "collector gone". */
static int send_datagrams(struct syslog_connection *connection)
{
	struct msg_queue *queue = &connection->queue;

	while (queue->unsent) {
		struct mmsghdr messages[RECORDS_PER_SEND] = {};
		struct iovec iov[RECORDS_PER_SEND];
		struct msg_queue_iter iter;
		const char *record;
		size_t len;
		int count = 0, sent;

		msg_queue_iter_unsent(queue, &iter);
		while (count < RECORDS_PER_SEND &&
		       (record = msg_queue_iter_next(queue, &iter, &len))) {
			iov[count].iov_base = (void *)record;
			iov[count].iov_len = len;
			messages[count].msg_hdr.msg_iov = &iov[count];
			messages[count].msg_hdr.msg_iovlen = 1;
			count++;
		}
		sent = sendmmsg(connection->fd, messages, count, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
				return 0; /* the collector is slow: try again at the next flush */
			if (errno == EMSGSIZE) {
				/* Too big for any datagram: this one can never go. */
				connection->unsendable_last_seq =
					json_record_seq(iov[0].iov_base, iov[0].iov_len);
				msg_queue_pop(queue);
				connection->unsendable++;
				continue;
			}
			return errno;
		}
		for (int i = 0; i < sent; i++)
			msg_queue_pop(queue);
		if (sent < count)
			return 0;
	}
	return 0;
}

/* Connects, sends and pops what was delivered, without waiting. */
void syslog_connection_pump(struct syslog_connection *connection, __u64 now)
{
	int err;

	if (connection->state == CONNECTION_DOWN && now >= connection->next_attempt_ns)
		start_connect(connection, now);
	if (connection->state == CONNECTION_CONNECTING)
		check_connecting(connection, now);
	if (connection->state != CONNECTION_UP)
		return;
	if (connection->socket_type == SOCK_STREAM) {
		err = stream_closed_by_peer(connection);
		if (!err)
			err = send_stream(connection);
		if (!err && is_tcp(connection))
			pop_acknowledged(connection);
	} else {
		err = send_datagrams(connection);
	}
	if (err)
		connection_failed(connection, err, now);
}

void syslog_connection_retry_now(struct syslog_connection *connection)
{
	if (connection->state == CONNECTION_DOWN) {
		connection->next_attempt_ns = 0;
		connection->backoff_ns = BACKOFF_MIN_NS;
	}
}

size_t syslog_connection_deliver(struct syslog_connection *connection, __u64 deadline_ns)
{
	/* One more try at once; a collector still down is not waited for. */
	if (connection->state == CONNECTION_DOWN)
		connection->next_attempt_ns = 0;
	while (!msg_queue_empty(&connection->queue) && monotonic_ns() < deadline_ns) {
		struct timespec pause = { .tv_nsec = 10000000 };

		syslog_connection_pump(connection, monotonic_ns());
		if (connection->state == CONNECTION_DOWN)
			break;
		if (!msg_queue_empty(&connection->queue))
			nanosleep(&pause, NULL);
	}
	return connection->queue.count;
}

__u64 syslog_connection_take_unsendable(struct syslog_connection *connection)
{
	__u64 count = connection->unsendable;

	connection->unsendable = 0;
	return count;
}

int syslog_connection_init(struct syslog_connection *connection, const struct syslog_target *target,
			   size_t queue_bytes)
{
	memset(connection, 0, sizeof(*connection));
	connection->target = *target;
	connection->fd = -1;
	connection->backoff_ns = BACKOFF_MIN_NS;
	connection->queue_bytes = queue_bytes;
	return msg_queue_init(&connection->queue, queue_bytes);
}

void syslog_connection_release(struct syslog_connection *connection)
{
	close_socket(connection);
	msg_queue_release(&connection->queue);
}
