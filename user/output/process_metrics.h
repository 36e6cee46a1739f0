/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The standard process_* series every Prometheus exporter carries (the
 * names client libraries use), read from /proc/self at scrape time: memory,
 * CPU time, file descriptors, start time.
 */
#ifndef BINDSNOOP_PROCESS_METRICS_H
#define BINDSNOOP_PROCESS_METRICS_H

#include "output/metrics.h"
#include "strbuf.h"

/*
 * Appends the process_* families to out. A value that cannot be read leaves
 * its family out (a wrong number is worse than none). 0 or -ENOMEM.
 */
int process_metrics_render(enum metrics_format format, struct strbuf *out);

#endif /* BINDSNOOP_PROCESS_METRICS_H */
