// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --syslog: RFC 5424 messages (syslog_message.h) to a local socket or to a
 * collector over UDP or TCP (RFC 6587 octet counting), without ever
 * blocking the tracer.
 *
 * Messages go into a bounded queue (msg_queue.h, --syslog-queue-mb: 16 MiB,
 * about 17,000 messages, by default) and leave it from flush(),
 * which the pipeline calls after every batch and every --poll-ms, and from
 * report() once a burst has queued a lot. Sockets are non-blocking; what
 * the socket does not take now waits in the queue. A message that finds
 * the queue full is dropped and counted: the count goes to stderr (at most
 * every 10 s), into a "dropped" message to the collector as soon as there
 * is room again (so the gap is visible where it happened), and into the
 * stop record.
 *
 * Over TCP a message leaves the queue only once the collector's kernel has
 * acknowledged its bytes (SIOCOUTQ): when the connection breaks, whatever
 * was written but not acknowledged is sent again on the next connection,
 * so a collector restart loses nothing that was not counted (a message may
 * arrive twice if the connection broke just as it was acknowledged).
 * Connections are retried with a backoff from 0.1 s doubling to 5 s.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "json_event.h"
#include "msg_queue.h"
#include "output.h"
#include "syslog_message.h"
#include "syslog_target.h"

/* A burst sends from report() once this much waits, not only at the batch end. */
#define SEND_THRESHOLD_BYTES	(64 * 1024)
#define BACKOFF_MIN_NS		100000000ULL  /* 0.1 s */
#define BACKOFF_MAX_NS		5000000000ULL /* 5 s */
#define CONNECT_TIMEOUT_NS	5000000000ULL
#define DROP_REPORT_INTERVAL_NS 10000000000ULL /* stderr: at most one drop line per 10 s */
#define EXIT_DEADLINE_NS	2000000000ULL  /* at exit, wait this long for delivery */
#define RECORDS_PER_SEND	64

enum connection_state {
	CONNECTION_DOWN,       /* no socket; next attempt at next_attempt_ns */
	CONNECTION_CONNECTING, /* non-blocking connect() in progress */
	CONNECTION_UP,
};

struct syslog_output {
	struct output base;
	struct syslog_target target;
	struct syslog_identity id;
	struct msg_queue queue;
	struct strbuf scratch; /* the message being rendered */
	size_t queue_bytes;    /* the queue's capacity, for messages */
	int fd;
	int socket_type; /* SOCK_DGRAM or SOCK_STREAM, once connected */
	enum connection_state state;
	__u64 state_since_ns;
	__u64 next_attempt_ns;
	__u64 backoff_ns;
	bool said_down; /* stderr already says the collector is unreachable */
	/* Stream sockets: */
	size_t partial; /* bytes of the record at the cursor already written */
	size_t unacked; /* TCP: bytes written and not yet popped */
	/* Drops: */
	__u64 dropped;		   /* messages given up on, in all */
	__u64 dropped_unannounced; /* not yet in a "dropped" message */
	__u64 dropped_on_stderr;   /* the total the last stderr line gave */
	__u64 next_drop_report_ns;
};

static struct syslog_output *syslog_output_of(struct output *out)
{
	return (struct syslog_output *)out;
}

static __u64 monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec;
}

static __u64 realtime_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec;
}

static bool is_tcp(const struct syslog_output *syslog)
{
	return syslog->target.transport == SYSLOG_TCP;
}

/* ---- connection ---- */

static void close_socket(struct syslog_output *syslog)
{
	if (syslog->fd >= 0)
		close(syslog->fd);
	syslog->fd = -1;
	syslog->partial = 0;
	syslog->unacked = 0;
	/* Whatever the collector has not acknowledged goes again on the next connection. */
	msg_queue_rewind(&syslog->queue);
}

/* The collector went away or never answered: retry later, say so once. */
static void connection_failed(struct syslog_output *syslog, int err, __u64 now)
{
	close_socket(syslog);
	syslog->state = CONNECTION_DOWN;
	syslog->state_since_ns = now;
	syslog->next_attempt_ns = now + syslog->backoff_ns;
	syslog->backoff_ns *= 2;
	if (syslog->backoff_ns > BACKOFF_MAX_NS)
		syslog->backoff_ns = BACKOFF_MAX_NS;
	if (!syslog->said_down) {
		fprintf(stderr,
			"bindsnoop: syslog: %s unreachable (%s); queueing up to %zu MiB and "
			"retrying\n",
			syslog->target.text, strerror(err), syslog->queue_bytes >> 20);
		syslog->said_down = true;
	}
}

static void connection_up(struct syslog_output *syslog, __u64 now)
{
	syslog->state = CONNECTION_UP;
	syslog->state_since_ns = now;
	syslog->backoff_ns = BACKOFF_MIN_NS;
	if (syslog->said_down) {
		fprintf(stderr, "bindsnoop: syslog: connected to %s again\n", syslog->target.text);
		syslog->said_down = false;
	}
}

static int open_socket(struct syslog_output *syslog, int type)
{
	int fd = socket(syslog->target.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	syslog->fd = fd;
	syslog->socket_type = type;
	if (connect(fd, (struct sockaddr *)&syslog->target.addr, syslog->target.addr_len) == 0)
		return 0;
	return -errno;
}

static void start_connect(struct syslog_output *syslog, __u64 now)
{
	int type = syslog->target.transport == SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int err = open_socket(syslog, type);

	/* A local socket may be a stream one (syslog-ng's unix-stream). */
	if (err == -EPROTOTYPE && syslog->target.transport == SYSLOG_UNIX) {
		close_socket(syslog);
		err = open_socket(syslog, SOCK_STREAM);
	}
	if (!err) {
		connection_up(syslog, now);
	} else if (err == -EINPROGRESS) {
		syslog->state = CONNECTION_CONNECTING;
		syslog->state_since_ns = now;
	} else {
		connection_failed(syslog, -err, now);
	}
}

static void check_connecting(struct syslog_output *syslog, __u64 now)
{
	struct pollfd pfd = { .fd = syslog->fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&pfd, 1, 0) <= 0) {
		if (now - syslog->state_since_ns > CONNECT_TIMEOUT_NS)
			connection_failed(syslog, ETIMEDOUT, now);
		return;
	}
	if (getsockopt(syslog->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		connection_failed(syslog, err, now);
	else
		connection_up(syslog, now);
}

/*
 * Collectors never write to us: a readable stream socket means the
 * collector closed it (or reset it). Seen before writing, so no message is
 * written into a connection that is already gone.
 */
static int stream_closed_by_peer(struct syslog_output *syslog)
{
	struct pollfd pfd = { .fd = syslog->fd, .events = POLLIN | POLLRDHUP };
	char discard[256];
	ssize_t got;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(syslog->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		return err ? err : ECONNRESET;
	}
	got = recv(syslog->fd, discard, sizeof(discard), MSG_DONTWAIT);
	if (got == 0)
		return ECONNRESET;
	if (got < 0 && errno != EAGAIN && errno != EINTR)
		return errno;
	return 0;
}

/* ---- sending ---- */

/* The frame around a message on a stream: "LEN " before (TCP) or "\n" after (unix). */
static int frame_record(const struct syslog_output *syslog, const char *record, size_t len,
			struct iovec *iov, char *prefix)
{
	int count = 0;

	if (is_tcp(syslog)) {
		iov[count].iov_base = prefix;
		iov[count++].iov_len = syslog_octet_count_prefix(prefix, len);
	}
	iov[count].iov_base = (void *)record;
	iov[count++].iov_len = len;
	if (!is_tcp(syslog)) {
		iov[count].iov_base = "\n";
		iov[count++].iov_len = 1;
	}
	return count;
}

static size_t framed_length(const struct syslog_output *syslog, size_t len)
{
	char prefix[SYSLOG_OCTET_COUNT_MAX];

	return is_tcp(syslog) ? syslog_octet_count_prefix(prefix, len) + len : len + 1;
}

/*
 * TCP: pops the records the collector's kernel acknowledged. SIOCOUTQ is
 * what was written on this connection and not acknowledged yet.
 */
static void pop_acknowledged(struct syslog_output *syslog)
{
	struct msg_queue *queue = &syslog->queue;
	int outq = 0;
	size_t acked;

	if (ioctl(syslog->fd, SIOCOUTQ, &outq) < 0 || outq < 0 || (size_t)outq > syslog->unacked)
		return;
	acked = syslog->unacked - outq;
	while (queue->count > queue->unsent) {
		size_t len, framed;

		msg_queue_front(queue, &len);
		framed = framed_length(syslog, len);
		if (framed > acked)
			break;
		acked -= framed;
		syslog->unacked -= framed;
		msg_queue_pop(queue);
	}
}

/* Writes as many queued records as the socket takes now; 0 or a positive errno. */
static int send_stream(struct syslog_output *syslog)
{
	struct msg_queue *queue = &syslog->queue;

	while (queue->unsent) {
		struct iovec iov[RECORDS_PER_SEND * 2];
		char prefixes[RECORDS_PER_SEND][SYSLOG_OCTET_COUNT_MAX];
		struct msghdr msg = { .msg_iov = iov };
		struct msg_queue_iter iter;
		const char *record;
		size_t len, skip = syslog->partial;
		int records = 0, parts = 0;
		ssize_t written;

		msg_queue_iter_unsent(queue, &iter);
		while (records < RECORDS_PER_SEND &&
		       (record = msg_queue_iter_next(queue, &iter, &len)))
			parts +=
				frame_record(syslog, record, len, iov + parts, prefixes[records++]);
		/* The start of the first record went out in an earlier, partial write. */
		for (int i = 0; skip; i++) {
			size_t cut = skip < iov[i].iov_len ? skip : iov[i].iov_len;

			iov[i].iov_base = (char *)iov[i].iov_base + cut;
			iov[i].iov_len -= cut;
			skip -= cut;
		}
		msg.msg_iovlen = parts;
		written = sendmsg(syslog->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (written < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : errno;
		/* Move the cursor over what went out: whole records, then a partial one. */
		while (written > 0) {
			size_t framed;

			msg_queue_unsent(queue, &len);
			framed = framed_length(syslog, len) - syslog->partial;
			if ((size_t)written < framed) {
				syslog->partial += written;
				syslog->unacked += written;
				break;
			}
			written -= framed;
			syslog->unacked += framed;
			syslog->partial = 0;
			msg_queue_mark_sent(queue);
			/* Unix stream sockets cannot tell what was read: written is done. */
			if (!is_tcp(syslog)) {
				syslog->unacked = 0;
				msg_queue_pop(queue);
			}
		}
		if (syslog->partial)
			return 0; /* the socket is full */
	}
	return 0;
}

/* One datagram per record; 0 or a positive errno that means "collector gone". */
static int send_datagrams(struct syslog_output *syslog)
{
	struct msg_queue *queue = &syslog->queue;

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
		sent = sendmmsg(syslog->fd, messages, count, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
				return 0; /* the collector is slow: try again at the next flush */
			if (errno == EMSGSIZE) {
				/* Too big for any datagram: this one can never go. */
				msg_queue_pop(queue);
				syslog->dropped++;
				syslog->base.dropped++;
				syslog->dropped_unannounced++;
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

static void print_drops(struct syslog_output *syslog)
{
	fprintf(stderr, "bindsnoop: syslog: %llu messages dropped (collector down or slow)\n",
		(unsigned long long)syslog->dropped);
	syslog->dropped_on_stderr = syslog->dropped;
}

/* Connects, sends, and reports drops, as far as possible without waiting. */
static void pump(struct syslog_output *syslog)
{
	__u64 now = monotonic_ns();
	int err;

	if (syslog->dropped != syslog->dropped_on_stderr && now >= syslog->next_drop_report_ns) {
		print_drops(syslog);
		syslog->next_drop_report_ns = now + DROP_REPORT_INTERVAL_NS;
	}
	if (syslog->state == CONNECTION_DOWN && now >= syslog->next_attempt_ns)
		start_connect(syslog, now);
	if (syslog->state == CONNECTION_CONNECTING)
		check_connecting(syslog, now);
	if (syslog->state != CONNECTION_UP)
		return;
	if (syslog->socket_type == SOCK_STREAM) {
		err = stream_closed_by_peer(syslog);
		if (!err)
			err = send_stream(syslog);
		if (!err && is_tcp(syslog))
			pop_acknowledged(syslog);
	} else {
		err = send_datagrams(syslog);
	}
	if (err)
		connection_failed(syslog, err, now);
}

/* ---- queueing ---- */

static int queue_rendered(struct syslog_output *syslog)
{
	char *slot = msg_queue_push(&syslog->queue, syslog->scratch.len);

	if (!slot)
		return -ENOBUFS;
	memcpy(slot, syslog->scratch.data, syslog->scratch.len);
	return 0;
}

/*
 * Before the next message: the count of messages dropped since the last
 * "dropped" message, as a message of its own, so the collector sees the
 * gap where it is. Returns false while there is still no room for it.
 */
static bool announce_drops(struct syslog_output *syslog)
{
	if (!syslog->dropped_unannounced)
		return true;
	strbuf_reset(&syslog->scratch);
	if (syslog_render_dropped(&syslog->scratch, &syslog->id, realtime_ns(),
				  syslog->dropped_unannounced) ||
	    queue_rendered(syslog))
		return false;
	syslog->dropped_unannounced = 0;
	return true;
}

/*
 * The message in scratch goes into the queue, or is counted as dropped.
 * Callers announce earlier drops (announce_drops) before rendering into
 * scratch.
 */
static int enqueue(struct syslog_output *syslog, int render_err)
{
	int err = render_err;

	/* Still no room for the "dropped" message: this one cannot go before it. */
	if (!err && syslog->dropped_unannounced)
		err = -ENOBUFS;
	if (!err)
		err = queue_rendered(syslog);
	if (err) {
		syslog->dropped++;
		syslog->base.dropped++;
		syslog->dropped_unannounced++;
	}
	if (syslog->queue.bytes >= SEND_THRESHOLD_BYTES)
		pump(syslog);
	/* Never an error for the pipeline: a drop is counted, tracing goes on. */
	return 0;
}

static int syslog_report(struct output *out, const struct bind_report *report)
{
	struct syslog_output *syslog = syslog_output_of(out);
	int err;

	if (syslog->dropped_unannounced)
		announce_drops(syslog);
	strbuf_reset(&syslog->scratch);
	err = syslog_render_report(&syslog->scratch, &syslog->id, report);
	return enqueue(syslog, err);
}

static int syslog_lost(struct output *out, __u64 ts_realtime_ns, __u64 count)
{
	struct syslog_output *syslog = syslog_output_of(out);
	int err;

	if (syslog->dropped_unannounced)
		announce_drops(syslog);
	strbuf_reset(&syslog->scratch);
	err = syslog_render_lost(&syslog->scratch, &syslog->id, ts_realtime_ns, count);
	return enqueue(syslog, err);
}

static int syslog_session(struct output *out, const struct session_info *info, bool starting)
{
	struct syslog_output *syslog = syslog_output_of(out);
	int err;

	if (syslog->dropped_unannounced)
		announce_drops(syslog);
	strbuf_reset(&syslog->scratch);
	err = syslog_render_session(&syslog->scratch, &syslog->id, info, starting, syslog->dropped);
	return enqueue(syslog, err);
}

static int syslog_flush(struct output *out)
{
	struct syslog_output *syslog = syslog_output_of(out);

	if (syslog->dropped_unannounced)
		announce_drops(syslog);
	pump(syslog);
	return 0;
}

/* SIGHUP: a collector that is down is retried now rather than after the backoff. */
static int syslog_reopen(struct output *out)
{
	struct syslog_output *syslog = syslog_output_of(out);

	if (syslog->state == CONNECTION_DOWN) {
		syslog->next_attempt_ns = 0;
		syslog->backoff_ns = BACKOFF_MIN_NS;
	}
	pump(syslog);
	return 0;
}

/* At exit: give the collector a moment for what is queued, then count the rest. */
static void deliver_before_exit(struct syslog_output *syslog)
{
	__u64 deadline = monotonic_ns() + EXIT_DEADLINE_NS;
	size_t undelivered;

	if (syslog->dropped_unannounced)
		announce_drops(syslog);
	/* One more try at once; a collector still down is not waited for. */
	if (syslog->state == CONNECTION_DOWN)
		syslog->next_attempt_ns = 0;
	while (!msg_queue_empty(&syslog->queue) && monotonic_ns() < deadline) {
		struct timespec pause = { .tv_nsec = 10000000 };

		pump(syslog);
		if (syslog->state == CONNECTION_DOWN)
			break;
		if (!msg_queue_empty(&syslog->queue))
			nanosleep(&pause, NULL);
	}
	undelivered = syslog->queue.count;
	if (undelivered) {
		syslog->dropped += undelivered;
		fprintf(stderr,
			"bindsnoop: syslog: %zu messages still queued for %s at exit, not "
			"delivered\n",
			undelivered, syslog->target.text);
	}
	if (syslog->dropped != syslog->dropped_on_stderr)
		print_drops(syslog);
}

static void syslog_destroy(struct output *out)
{
	struct syslog_output *syslog = syslog_output_of(out);

	if (!syslog)
		return;
	if (syslog->queue.data)
		deliver_before_exit(syslog);
	close_socket(syslog);
	msg_queue_release(&syslog->queue);
	strbuf_release(&syslog->scratch);
	free(syslog);
}

static const struct output_ops syslog_output_ops = {
	.report = syslog_report,
	.lost = syslog_lost,
	.flush = syslog_flush,
	.session = syslog_session,
	.reopen = syslog_reopen,
	.destroy = syslog_destroy,
};

struct output *output_syslog_new(const struct syslog_target *target, int facility,
				 size_t queue_bytes)
{
	struct syslog_output *syslog = calloc(1, sizeof(*syslog));
	char hostname[SESSION_HOST_MAX] = "";
	int err;

	if (!syslog)
		return NULL;
	syslog->base.ops = &syslog_output_ops;
	syslog->base.name = "--syslog";
	syslog->target = *target;
	syslog->fd = -1;
	syslog->backoff_ns = BACKOFF_MIN_NS;
	strbuf_init(&syslog->scratch);
	gethostname(hostname, sizeof(hostname) - 1);
	syslog_identity_init(&syslog->id, facility, hostname, getpid());
	syslog->queue_bytes = queue_bytes;
	err = msg_queue_init(&syslog->queue, queue_bytes);
	if (!err)
		err = strbuf_reserve(&syslog->scratch, 4096);
	if (err) {
		syslog_destroy(&syslog->base);
		errno = -err;
		return NULL;
	}
	/* Connect now, so an unreachable collector is said at start; never fatal. */
	pump(syslog);
	return &syslog->base;
}
