// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --syslog: RFC 5424 messages (syslog_message.h) to a local socket or to a
 * collector over UDP or TCP (RFC 6587 octet counting), without ever
 * blocking the tracer.
 *
 * Messages go into a bounded queue (msg_queue.h, --syslog-queue-mb: 16 MiB,
 * about 9,000 messages of about 1.7 kB, by default) and leave it from flush(),
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "output/json_event.h"
#include "output/output.h"
#include "output/syslog_message.h"
#include "output/syslog_target.h"
#include "output/syslog_connection.h"

/* A burst sends from report() once this much waits, not only at the batch end. */
#define SEND_THRESHOLD_BYTES	(64 * 1024)
#define DROP_REPORT_INTERVAL_NS 10000000000ULL /* stderr: at most one drop line per 10 s */
#define EXIT_DEADLINE_NS	2000000000ULL  /* at exit, wait this long for delivery */

struct syslog_output {
	struct output base;
	struct syslog_connection connection;
	struct syslog_identity id;
	struct strbuf scratch; /* the message being rendered */
	/* Drops: */
	__u64 dropped;		   /* messages given up on, in all */
	__u64 dropped_unannounced; /* not yet in a "dropped" message */
	__u64 last_dropped_seq;	   /* that message's seq: the last record dropped */
	__u64 dropped_on_stderr;   /* the total the last stderr line gave */
	__u64 next_drop_report_ns;
};

static struct syslog_output *syslog_output_of(struct output *out)
{
	return (struct syslog_output *)out;
}

static void count_drops(struct syslog_output *syslog, __u64 count, __u64 last_seq)
{
	if (!count)
		return;
	if (last_seq)
		syslog->last_dropped_seq = last_seq;
	syslog->dropped += count;
	syslog->base.dropped += count;
	syslog->dropped_unannounced += count;
}

static void print_drops(struct syslog_output *syslog)
{
	fprintf(stderr, "bindsnoop: syslog: %llu messages dropped (collector down or slow)\n",
		(unsigned long long)syslog->dropped);
	syslog->dropped_on_stderr = syslog->dropped;
}

/* Sends what the connection takes now, and says on stderr what was dropped. */
static void pump(struct syslog_output *syslog)
{
	__u64 now = monotonic_ns();

	if (syslog->dropped != syslog->dropped_on_stderr && now >= syslog->next_drop_report_ns) {
		print_drops(syslog);
		syslog->next_drop_report_ns = now + DROP_REPORT_INTERVAL_NS;
	}
	syslog_connection_pump(&syslog->connection, now);
	count_drops(syslog, syslog_connection_take_unsendable(&syslog->connection),
		    syslog->connection.unsendable_last_seq);
}

/* ---- queueing ---- */

static int queue_rendered(struct syslog_output *syslog)
{
	char *slot = msg_queue_push(&syslog->connection.queue, syslog->scratch.len);

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
	if (syslog_render_dropped(&syslog->scratch, &syslog->id, syslog->last_dropped_seq,
				  realtime_ns(), syslog->dropped_unannounced) ||
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
	if (err)
		count_drops(syslog, 1, json_record_seq(syslog->scratch.data, syslog->scratch.len));
	if (syslog->connection.queue.bytes >= SEND_THRESHOLD_BYTES)
		pump(syslog);
	/* Never an error for the pipeline: a drop is counted, tracing goes on. */
	return 0;
}

/* The buffer for the next message, once earlier drops are announced before it. */
static struct strbuf *next_message(struct syslog_output *syslog)
{
	if (syslog->dropped_unannounced)
		announce_drops(syslog);
	strbuf_reset(&syslog->scratch);
	return &syslog->scratch;
}

static int syslog_report(struct output *out, const struct bind_report *report)
{
	struct syslog_output *syslog = syslog_output_of(out);

	return enqueue(syslog, syslog_render_report(next_message(syslog), &syslog->id, report));
}

static int syslog_lost(struct output *out, __u64 seq, __u64 ts_realtime_ns, __u64 count)
{
	struct syslog_output *syslog = syslog_output_of(out);

	return enqueue(syslog, syslog_render_lost(next_message(syslog), &syslog->id, seq,
						  ts_realtime_ns, count));
}

static int syslog_session(struct output *out, const struct session_info *info, bool starting)
{
	struct syslog_output *syslog = syslog_output_of(out);

	return enqueue(syslog, syslog_render_session(next_message(syslog), &syslog->id, info,
						     starting, syslog->dropped));
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

	syslog_connection_retry_now(&syslog->connection);
	pump(syslog);
	return 0;
}

/* At exit: give the collector a moment for what is queued, then count the rest. */
static void deliver_before_exit(struct syslog_output *syslog)
{
	size_t undelivered;

	if (syslog->dropped_unannounced)
		announce_drops(syslog);
	undelivered =
		syslog_connection_deliver(&syslog->connection, monotonic_ns() + EXIT_DEADLINE_NS);
	syslog->dropped += syslog_connection_take_unsendable(&syslog->connection);
	if (undelivered) {
		syslog->dropped += undelivered;
		fprintf(stderr,
			"bindsnoop: syslog: %zu messages still queued for %s at exit, not "
			"delivered\n",
			undelivered, syslog->connection.target.text);
	}
	if (syslog->dropped != syslog->dropped_on_stderr)
		print_drops(syslog);
}

static void syslog_destroy(struct output *out)
{
	struct syslog_output *syslog = syslog_output_of(out);

	if (!syslog)
		return;
	if (syslog->connection.queue.data)
		deliver_before_exit(syslog);
	syslog_connection_release(&syslog->connection);
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
	strbuf_init(&syslog->scratch);
	gethostname(hostname, sizeof(hostname) - 1);
	syslog_identity_init(&syslog->id, facility, hostname, getpid());
	err = syslog_connection_init(&syslog->connection, target, queue_bytes);
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
