/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What one run of bindsnoop is: host, kernel, backend, filters, and at the
 * end how many events it saw. JSON outputs write it as the "start" and
 * "stop" records, so a log store can tell which tracer said what, and
 * whether it was listening at all.
 */
#ifndef BINDSNOOP_SESSION_H
#define BINDSNOOP_SESSION_H

#include <linux/types.h>
#include "options.h"

#define SESSION_HOST_MAX   256 /* HOST_NAME_MAX + 1 */
#define SESSION_KERNEL_MAX 65  /* struct utsname release */

struct session_info {
	__u64 seq;		    /* the record's number in the run: 1 for start */
	__u64 ts_realtime_ns;	    /* when the record is written */
	__u32 pid;		    /* bindsnoop's own */
	const char *version;	    /* BINDSNOOP_VERSION */
	const char *backend;	    /* the one that attached */
	const char *degraded;	    /* what an older kernel leaves out, and why; NULL if nothing */
	const struct options *opts; /* the filters */
	char host[SESSION_HOST_MAX];
	char kernel[SESSION_KERNEL_MAX]; /* uname -r */
	/* Stop record only: */
	__u64 received; /* events read from the kernel */
	__u64 lost;	/* events the kernel could not queue */
	__u64 repeats;	/* failures counted in the kernel, reported in folded records */
};

/* Fills host, kernel, pid, version and the time now; "unknown" for what cannot be read. */
void session_info_init(struct session_info *info, const struct options *opts, const char *backend);

/* The wall clock now, ns since the epoch (the stop record's ts). */
__u64 session_now_ns(void);

#endif /* BINDSNOOP_SESSION_H */
