/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * JSON Lines rendering, schema v2 (schema/README.md): the one place that knows the
 * keys and their order, shared by every JSON output (stdout, files, syslog).
 *
 * Every record begins {"v":2,"seq":N,"ts":...,"event":...}. seq numbers the
 * records of one run (start = 1, every event, folded record and lost record,
 * stop), one more each time, the same number in every output; a "dropped"
 * record takes the number of the last record it stands for (schema/README.md).
 */
#ifndef BINDSNOOP_JSON_EVENT_H
#define BINDSNOOP_JSON_EVENT_H

#include <linux/types.h>
#include "report.h"
#include "output/session.h"
#include "strbuf.h"

struct process_lineage;

/*
 * Appends one event object and its '\n' to out. On failure (-ENOMEM) out is
 * left as it was: never half a line.
 */
int json_render_report(const struct bind_report *report, struct strbuf *out);

/*
 * The caller object of the last record rendered, for an output that renders
 * many (json_lines.c). A storm of full reports from one process repeats it
 * byte for byte but for the thread id, and it was a fifth of a record's
 * rendering. The caller is compared whole (memcmp, the tid left out), so
 * the memo can only miss, never give another caller's text.
 */
struct json_memo {
	bool valid;
	bool v6only;
	struct caller_report caller;
	struct strbuf after_tid; /* the object's text after its tid: ,"ppid":...} */
};

void json_memo_init(struct json_memo *memo);
void json_memo_release(struct json_memo *memo);

/* json_render_report(), with the caller object from memo where it matches. */
int json_render_report_memo(const struct bind_report *report, struct json_memo *memo,
			    struct strbuf *out);

/* Appends {"v":2,"seq":N,"ts":...,"event":"lost","count":N} and '\n'; same failure rule. */
int json_render_lost(__u64 seq, __u64 ts_realtime_ns, __u64 count, struct strbuf *out);

/*
 * {"v":2,"seq":1,"ts":...,"event":"start","host":...,"pid":N,"backend":...,"kernel":...,
 *  "filters":{...},"version":...} and '\n': what this run traces, and where.
 */
int json_render_start(const struct session_info *info, struct strbuf *out);

/*
 * {"v":2,"seq":N,"ts":...,"event":"stop","host":...,"pid":N,"backend":...,"received":N,
 *  "lost":N,"dropped":N} and '\n'. dropped: messages this output itself had to
 * give up on (a syslog collector down too long); 0 for files and stdout.
 */
int json_render_stop(const struct session_info *info, __u64 dropped, struct strbuf *out);

/*
 * {"v":2,"seq":N,"ts":...,"event":"dropped","count":N} and '\n': this output
 * could not deliver count records since its last such record; seq is the
 * number of the last of them.
 */
int json_render_dropped(__u64 seq, __u64 ts_realtime_ns, __u64 count, struct strbuf *out);

/*
 * The seq of the record in record[0..len) (a JSON line, or a syslog message
 * whose text is one); 0 if it has none.
 */
__u64 json_record_seq(const char *record, size_t len);

/*
 * --who: {"v":2,"seq":N,"ts":...,"event":"held","port":N,"netns":N,"holder":{...as in
 * holders[]...},"time_wait_left_ms":N|null} and '\n', one per socket found. Each
 * process has its "parents" and "started_by" from lineages[i] (process_lineage.h),
 * one per holder process; lineages NULL: not read, the fields left out.
 */
int json_render_who_held(__u64 seq, __u64 ts_realtime_ns, __u16 port, __u64 netns,
			 const struct holder_report *holder, const struct process_lineage *lineages,
			 __u32 time_wait_left_ms, struct strbuf *out);

/* --who: {"v":2,"seq":N,"ts":...,"event":"free","port":N} and '\n': nothing holds it. */
int json_render_who_free(__u64 seq, __u64 ts_realtime_ns, __u16 port, struct strbuf *out);

/*
 * --who NAME: {"v":2,"seq":N,"ts":...,"event":"held","path":NAME,"netns":N,
 * "holder":{...},"time_wait_left_ms":null} and '\n', one per socket bound to
 * asked->unix_target's name (the holder's addr is that name).
 */
int json_render_who_unix_held(__u64 seq, __u64 ts_realtime_ns, const struct bind_report *asked,
			      __u64 netns, const struct holder_report *holder,
			      const struct process_lineage *lineages, struct strbuf *out);

/*
 * --who NAME, no socket bound to it: {"v":2,"seq":N,"ts":...,"event":"free",
 * "path":NAME,"file":FILE|null,"diagnosis":{...}|null} and '\n'. file is what
 * is at the path ("socket", "absent", "regular_file", ...), NULL for an
 * abstract name; the diagnosis is asked->diagnosis (stale_socket_file,
 * not_a_socket), null when it has no cause.
 */
int json_render_who_unix_free(__u64 seq, __u64 ts_realtime_ns, const struct bind_report *asked,
			      const char *file, struct strbuf *out);

#endif /* BINDSNOOP_JSON_EVENT_H */
