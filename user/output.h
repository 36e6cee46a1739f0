/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An output renders reports somewhere (terminal table, JSON Lines, ...).
 * Several can run at once; main() fans each report out to all of them.
 * Every function returns 0 or a negative errno; -EPIPE means the reader went
 * away and tracing should end quietly.
 */
#ifndef BINDSNOOP_OUTPUT_H
#define BINDSNOOP_OUTPUT_H

#include <stdio.h>
#include <linux/types.h>
#include "report.h"

struct output;

struct output_ops {
	int (*report)(struct output *out, const struct bind_report *report);
	/* count events the kernel could not queue since the last call */
	int (*lost)(struct output *out, __u64 ts_realtime_ns, __u64 count);
	/* called after each batch of events: push whole lines out */
	int (*flush)(struct output *out);
	void (*destroy)(struct output *out);
};

struct output {
	const struct output_ops *ops;
};

/* Human-readable table on stream (stdout); header printed at creation. */
struct output *output_table_new(FILE *stream, bool wide);
/* JSON Lines on stream: one object per event, whole lines only. */
struct output *output_json_new(FILE *stream);

static inline void output_destroy(struct output *out)
{
	if (out)
		out->ops->destroy(out);
}

#endif /* BINDSNOOP_OUTPUT_H */
