// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include "output/output_lost_advice.h"

/* The largest --ring-buffer-mb (options.c). */
#define RING_BUFFER_MB_MAX 1024

struct lost_advice {
	struct output base;
	FILE *stream;
	__u32 ring_buffer_mb;
	bool said;
};

static struct lost_advice *lost_advice_of(struct output *out)
{
	return (struct lost_advice *)out;
}

static int lost_advice_report(struct output *out, const struct bind_report *report)
{
	(void)out;
	(void)report;
	return 0;
}

/*
 * Once: a storm that overflows the ring overflows it again every poll, and
 * the lost records (JSON) and the totals line at exit carry the counts.
 */
static int lost_advice_lost(struct output *out, __u64 seq, __u64 ts_realtime_ns, __u64 count)
{
	struct lost_advice *advice = lost_advice_of(out);
	__u32 bigger = advice->ring_buffer_mb * 4;

	(void)seq;
	(void)ts_realtime_ns;
	if (advice->said)
		return 0;
	advice->said = true;
	if (bigger > RING_BUFFER_MB_MAX)
		bigger = RING_BUFFER_MB_MAX;
	if (bigger > advice->ring_buffer_mb)
		fprintf(advice->stream,
			"bindsnoop: %llu events lost: they came faster than the %u MiB ring "
			"buffer was read; restart with --ring-buffer-mb %u, or narrow the filters\n",
			(unsigned long long)count, advice->ring_buffer_mb, bigger);
	else
		fprintf(advice->stream,
			"bindsnoop: %llu events lost: they came faster than the %u MiB ring "
			"buffer was read; narrow the filters (--port, --pid, --errno)\n",
			(unsigned long long)count, advice->ring_buffer_mb);
	fflush(advice->stream);
	return 0;
}

static int lost_advice_flush(struct output *out)
{
	(void)out;
	return 0;
}

static void lost_advice_destroy(struct output *out)
{
	free(out);
}

static const struct output_ops lost_advice_ops = {
	.report = lost_advice_report,
	.lost = lost_advice_lost,
	.flush = lost_advice_flush,
	.destroy = lost_advice_destroy,
};

struct output *output_lost_advice_new(FILE *stream, __u32 ring_buffer_mb)
{
	struct lost_advice *advice = calloc(1, sizeof(*advice));

	if (!advice)
		return NULL;
	advice->base.ops = &lost_advice_ops;
	advice->base.name = "stderr";
	advice->stream = stream;
	advice->ring_buffer_mb = ring_buffer_mb;
	return &advice->base;
}
