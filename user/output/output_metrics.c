// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The --metrics output: one more consumer of the pipeline's reports, like
 * the table or the file, except that it counts instead of writing. The HTTP
 * server (metrics_server.c) reads the same counters from its own thread.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "output/metrics.h"
#include "output/output.h"

struct metrics_output {
	struct output base;
	struct metrics *metrics;
	struct output *others[EVENTS_MAX_OUTPUTS];
	int other_count;
};

static struct metrics_output *metrics_output_of(struct output *out)
{
	return (struct metrics_output *)out;
}

/* The cause label of a failure: its diagnosis code (schema/README.md). */
static const char *failure_cause(const struct bind_report *report)
{
	const char *cause = diagnosis_cause_name(report->diagnosis.cause);

	return cause ? cause : "unknown";
}

static int metrics_report(struct output *out, const struct bind_report *report)
{
	struct metrics_output *output = metrics_output_of(out);

	metrics_count_report(output->metrics, report, failure_cause(report));
	return 0;
}

static int metrics_lost(struct output *out, __u64 seq, __u64 ts_realtime_ns, __u64 count)
{
	(void)seq;
	(void)ts_realtime_ns;
	metrics_count_lost(metrics_output_of(out)->metrics, count);
	return 0;
}

/* After each batch, on the pipeline's thread, where the other outputs count their drops. */
static int metrics_flush(struct output *out)
{
	struct metrics_output *output = metrics_output_of(out);
	__u64 dropped = 0;

	for (int i = 0; i < output->other_count; i++)
		dropped += output_dropped(output->others[i]);
	metrics_set_dropped(output->metrics, dropped);
	return 0;
}

static int metrics_session(struct output *out, const struct session_info *info, bool starting)
{
	if (starting)
		metrics_set_build_info(metrics_output_of(out)->metrics, info->version,
				       info->backend, info->kernel);
	return 0;
}

static void metrics_output_destroy(struct output *out)
{
	free(out);
}

static const struct output_ops metrics_output_ops = {
	.report = metrics_report,
	.lost = metrics_lost,
	.flush = metrics_flush,
	.session = metrics_session,
	.destroy = metrics_output_destroy,
};

struct output *output_metrics_new(struct metrics *metrics, struct output **others, int other_count)
{
	struct metrics_output *output;

	if (other_count > EVENTS_MAX_OUTPUTS)
		other_count = EVENTS_MAX_OUTPUTS;
	output = calloc(1, sizeof(*output));
	if (!output)
		return NULL;
	output->base.ops = &metrics_output_ops;
	output->metrics = metrics;
	output->other_count = other_count;
	memcpy(output->others, others, other_count * sizeof(*others));
	return &output->base;
}
