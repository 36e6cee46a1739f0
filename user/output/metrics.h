/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The counters behind --metrics, and their Prometheus text exposition
 * (format 0.0.4). One thread counts (the event pipeline, through
 * output_metrics), another renders (the HTTP server): every counter is a
 * relaxed atomic with that one writer, so counting costs a load and a store
 * (no lock, no locked instruction) and never waits for a scrape.
 *
 * Label sets are bounded so that a storm of odd ports or process names
 * cannot grow the series without end: ports, command names and causes get a
 * series each for the first values seen (the --port ports from the start),
 * then "other". First seen rather than top-N on purpose: a port that moved
 * into a top-N later would take its past count out of "other", and a
 * counter that goes down reads as a reset to Prometheus.
 */
#ifndef BINDSNOOP_METRICS_H
#define BINDSNOOP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "options.h"
#include "report.h"
#include "strbuf.h"

#define METRICS_PORT_SERIES_MAX	 32 /* port="..." series before port="other" */
#define METRICS_COMM_SERIES_MAX	 32
#define METRICS_CAUSE_SERIES_MAX 32
#define METRICS_LABEL_VALUE_MAX	 64 /* longer values (causes) are cut */

/*
 * The two formats a scraper may ask for (HTTP Accept): Prometheus text 0.0.4,
 * and OpenMetrics 1.0, which Prometheus prefers. They differ only in counter
 * family names (no _total in HELP and TYPE), the info type of build_info, and
 * the closing "# EOF".
 */
enum metrics_format {
	METRICS_TEXT,
	METRICS_OPENMETRICS,
};

#define METRICS_CONTENT_TYPE_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CONTENT_TYPE_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

struct metrics;

/* Counters at zero; the --port ports of opts (at most METRICS_PORT_SERIES_MAX) get their series. */
struct metrics *metrics_new(const struct options *opts);
void metrics_free(struct metrics *metrics);

/*
 * From the event pipeline's thread only. cause is the failure's diagnosis
 * code ("unknown" when there is none); ignored for successful calls.
 */
void metrics_count_report(struct metrics *metrics, const struct bind_report *report,
			  const char *cause);
void metrics_count_lost(struct metrics *metrics, __u64 count);
/* The total of messages the outputs had to drop so far (it only grows). */
void metrics_set_dropped(struct metrics *metrics, __u64 total);
/* bindsnoop_build_info; the first call wins (the start of the run). */
void metrics_set_build_info(struct metrics *metrics, const char *version, const char *backend,
			    const char *kernel);

/* From any thread: every bindsnoop_* series, appended to out. 0 or -ENOMEM. */
int metrics_render(struct metrics *metrics, enum metrics_format format, struct strbuf *out);

/*
 * HELP and TYPE of a family named as in the text format (name with _total
 * for a counter); OpenMetrics drops the _total there. type: "counter" or
 * "gauge". 0 or -ENOMEM.
 */
int metrics_append_family(struct strbuf *out, enum metrics_format format, const char *name,
			  const char *type, const char *help);

/* What ends a scrape: "# EOF" in OpenMetrics, nothing in the text format. */
int metrics_append_end(struct strbuf *out, enum metrics_format format);

/*
 * A label value in the text format: backslash, double quote and newline
 * escaped, other bytes copied, each byte of invalid UTF-8 replaced by U+FFFD
 * (Prometheus rejects a scrape with invalid UTF-8). Without the quotes.
 */
int metrics_append_label_value(struct strbuf *out, const char *value, size_t len);

#endif /* BINDSNOOP_METRICS_H */
