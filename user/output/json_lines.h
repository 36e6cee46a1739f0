/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The shared core of the JSON Lines outputs (stdout with --json, --output
 * FILE): every record is rendered into one batch buffer, and the batch goes
 * to the output's sink whole once it is full or on flush. At 500,000 events
 * a second, a write per line would cost more than the rendering, and a
 * reader only ever sees whole lines.
 */
#ifndef BINDSNOOP_JSON_LINES_H
#define BINDSNOOP_JSON_LINES_H

#include "output/json_event.h"
#include "output/output.h"
#include "strbuf.h"

/* Big enough to amortise the write, small enough to stay in the cache. */
#define JSON_LINES_BATCH_BYTES (256 * 1024)

struct json_lines {
	struct output base; /* first: a json_lines is an output */
	struct strbuf batch;
	struct json_memo memo; /* the last caller object rendered */
	__u64 last_dropped_seq; /* seq of the last line that could not be written */
	/* Hand batch to the sink and empty it; 0 or a negative errno. */
	int (*write_batch)(struct json_lines *lines);
};

/* ops' report, lost and session should be the json_lines_* below. */
int json_lines_init(struct json_lines *lines, const struct output_ops *ops,
		    int (*write_batch)(struct json_lines *lines));
void json_lines_release(struct json_lines *lines);

/*
 * Write the batch to fd (line_writer.h) and empty it, whatever happened:
 * the events that did not go are added to base.dropped, and the last
 * line's seq noted in last_dropped_seq. 0 or a negative
 * errno (-ECANCELED: given up at a stop).
 */
int json_lines_write(struct json_lines *lines, int fd);

/*
 * The lines in data[0..len) will not be written: their events are added to
 * base.dropped, and the last one's seq is noted in last_dropped_seq.
 */
void json_lines_count_dropped(struct json_lines *lines, const char *data, size_t len);

/* Empty the batch without writing it: its events are added to base.dropped. */
void json_lines_discard(struct json_lines *lines);

int json_lines_report(struct output *out, const struct bind_report *report);
int json_lines_lost(struct output *out, __u64 seq, __u64 ts_realtime_ns, __u64 count);
int json_lines_session(struct output *out, const struct session_info *info, bool starting);

#endif /* BINDSNOOP_JSON_LINES_H */
