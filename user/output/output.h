/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An output renders reports somewhere (terminal table, JSON Lines, ...).
 * Several can run at once; the event pipeline (event_pipeline.c) fans each report
 * out to all of them.
 * Every function returns 0 or a negative errno; -EPIPE means the reader went
 * away and tracing should end quietly.
 *
 * The pipeline calls, from its one thread: report and lost for each event,
 * flush after each batch (and at least every --poll-ms, events or not: the
 * syslog output sends and reconnects from there), and reopen between
 * batches after a SIGHUP. main() calls session at the start, before any
 * event, and at the stop, after the last one.
 */
#ifndef BINDSNOOP_OUTPUT_H
#define BINDSNOOP_OUTPUT_H

#include <stdio.h>
#include <linux/types.h>
#include "report.h"
#include "output/session.h"

/* The most outputs one run writes to (--output, --syslog, --journal, --metrics, stdout, ...). */
#define EVENTS_MAX_OUTPUTS 8

struct output;

struct output_ops {
	int (*report)(struct output *out, const struct bind_report *report);
	/* count events the kernel could not queue since the last call */
	int (*lost)(struct output *out, __u64 seq, __u64 ts_realtime_ns, __u64 count);
	/* called after each batch of events: push whole lines out */
	int (*flush)(struct output *out);
	/*
	 * Optional (NULL: nothing to do). The start (starting) or stop record
	 * of this run; JSON outputs write it, the table ignores it.
	 */
	int (*session)(struct output *out, const struct session_info *info, bool starting);
	/*
	 * Optional (NULL: nothing to do). SIGHUP, e.g. logrotate's postrotate:
	 * write out everything pending, then reopen the file by its name (or
	 * retry a syslog connection now). A failure is reported by the output
	 * on stderr and it carries on as before (the old file stays open), so
	 * the return value is informational and never stops tracing.
	 */
	int (*reopen)(struct output *out);
	/*
	 * Optional. At the end, after the stop record: wait for what is still
	 * queued to go out, within the stop's grace; what cannot is counted in
	 * dropped. Before the run's totals are printed.
	 */
	void (*finish)(struct output *out);
	void (*destroy)(struct output *out);
};

struct output {
	const struct output_ops *ops;
	/* Events this output could not write (counted by the output itself). */
	__u64 dropped;
	/* For messages: "stdout", "--output PATH", "--syslog"; owned by the output. */
	const char *name;
};

/*
 * Human-readable table on stream (stdout); header printed at creation. On a
 * terminal every row fits its width (a compact layout below 160 columns).
 */
struct output *output_table_new(FILE *stream, bool wide);
/* The same as if stream were a terminal of width columns (for tests). */
struct output *output_table_new_sized(FILE *stream, bool wide, unsigned int width);
/*
 * The table's compact row for report, whole (as when piped), without its
 * time and newline, appended to out: the journal's MESSAGE starts with it.
 */
struct strbuf;
int output_table_render_line(const struct bind_report *report, struct strbuf *out);
/* JSON Lines on stream: one object per event, whole lines only. */
struct output *output_json_new(FILE *stream);
/*
 * JSON Lines appended to the file at path, created with mode 0640; reopened
 * by name on SIGHUP. An existing file must pass append_target.h's checks.
 * NULL with errno set if it cannot be opened; why then says why a file that
 * is there was refused ("" for other errors).
 */
struct output *output_file_new(const char *path, char *why, size_t why_size);

struct syslog_target;
/*
 * RFC 5424 messages to a syslog collector (syslog_target.h), never
 * blocking: messages wait in a queue of queue_bytes while the collector is
 * slow or down, and the ones that do not fit are counted and reported. A
 * collector that cannot be reached at start is retried, not an error.
 * NULL with errno set when out of memory.
 */
struct output *output_syslog_new(const struct syslog_target *target, int facility,
				 size_t queue_bytes);

/*
 * --journal: native systemd journal entries (journal_entry.h), sent by a
 * thread of their own through a queue of queue_bytes, so that a stalled
 * journald never holds up tracing; entries that do not fit are counted
 * and reported. A restart loop makes one entry per fold_ms window (0:
 * one per record, --no-fold). NULL with errno set: out of memory,
 * ENOTSUP in a build without libsystemd (journal_available()), or ELIBACC
 * where libsystemd.so.0 cannot be loaded (said on stderr already).
 */
/* 16 MiB: about 8,000 entries of a full report. */
#define JOURNAL_QUEUE_BYTES (16u << 20)
struct output *output_journal_new(size_t queue_bytes, __u32 fold_ms);
/* The same with another way to send (tests): see journal_sender.h. */
struct iovec;
struct output *output_journal_new_with(size_t queue_bytes, __u32 fold_ms,
				       int (*send)(const struct iovec *fields, int count));

/* Whether this build has --journal: libsystemd has no static library in Debian. */
static inline bool journal_available(void)
{
#ifdef BINDSNOOP_JOURNAL
	return true;
#else
	return false;
#endif
}

struct metrics;
/*
 * --metrics: counts every report and lost event into metrics, and after each
 * batch reads the dropped totals of the other outputs (the ones before it
 * in the pipeline). Writes nothing itself; metrics stays the caller's.
 */
struct output *output_metrics_new(struct metrics *metrics, struct output **others, int other_count);

/* The optional hooks, for callers that do not care which output this is. */
static inline int output_session(struct output *out, const struct session_info *info, bool starting)
{
	return out->ops->session ? out->ops->session(out, info, starting) : 0;
}

static inline int output_reopen(struct output *out)
{
	return out->ops->reopen ? out->ops->reopen(out) : 0;
}

static inline void output_finish(struct output *out)
{
	if (out->ops->finish)
		out->ops->finish(out);
}

static inline __u64 output_dropped(const struct output *out)
{
	return out->dropped;
}

static inline const char *output_name(const struct output *out)
{
	return out->name ? out->name : "an output";
}

static inline void output_destroy(struct output *out)
{
	if (out)
		out->ops->destroy(out);
}

#endif /* BINDSNOOP_OUTPUT_H */
