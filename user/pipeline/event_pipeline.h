/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The event pipeline in userspace: drain the ring buffer, turn each kernel
 * record into a bind report (caller details, holders), hand it to every
 * output, and report events the kernel had to drop.
 */
#ifndef BINDSNOOP_EVENT_PIPELINE_H
#define BINDSNOOP_EVENT_PIPELINE_H

#include <signal.h>
#include <linux/types.h>
#include "capture/tracer.h"
#include "output/output.h"

struct event_pipeline_stats {
	__u64 received;	 /* read from the ring buffer */
	__u64 lost;	 /* the kernel could not queue them */
	__u64 unwritten; /* read after an output failed: given to no output */
	__u64 folded_records; /* records made by folding (--fold-ms), not read from the ring */
	__u64 repeats;	      /* the failures those records stand for: the sum of their counts */
};

struct event_pipeline;

struct event_pipeline *event_pipeline_new(struct tracer *tracer, const struct options *opts,
					  struct output **outputs, int output_count);
void event_pipeline_free(struct event_pipeline *pipeline);

/*
 * Between batches, whenever *reopen is set (SIGHUP): clear it and call every
 * output's reopen hook. NULL (the default): never.
 */
void event_pipeline_set_reopen(struct event_pipeline *pipeline, volatile sig_atomic_t *reopen);

/*
 * The next record's seq (1, 2, 3, ...): every record of the run is
 * numbered from here, in the order the outputs get them: the start record
 * (main), each event and folded record, each lost record, the stop record.
 */
__u64 event_pipeline_number_record(struct event_pipeline *pipeline);

/* Run until *stop is set or an output fails (a closed pipe included). */
int event_pipeline_run(struct event_pipeline *pipeline, volatile sig_atomic_t *stop);

/*
 * After the programs are detached: report what is still queued and the
 * final lost count, flush. A reader that went away (-EPIPE) is not an error.
 * After an output failure the queue is still read to the end, only
 * counted (stats.unwritten), and the kernel's lost count is read anyway.
 */
int event_pipeline_finish(struct event_pipeline *pipeline);

/*
 * One stderr line with the run's totals: received, lost, and what each
 * output dropped. Printed when always is set, or when anything was lost,
 * dropped or left unwritten.
 */
void event_pipeline_print_totals(const struct event_pipeline *pipeline, bool always);

struct event_pipeline_stats event_pipeline_stats(const struct event_pipeline *pipeline);

#endif /* BINDSNOOP_EVENT_PIPELINE_H */
