/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who started a live process: its parents from /proc, the parent first, up to
 * the first service manager or container shim ("systemd -> nginx",
 * "containerd-shim -> python3"), and that origin in words: a unit, a
 * container, pm2 or supervisord, cron, a login session. --who's holders; the
 * caller's parents come from the kernel at the failure (caller_identity.h)
 * in the same struct parent_ref.
 */
#ifndef BINDSNOOP_PROCESS_LINEAGE_H
#define BINDSNOOP_PROCESS_LINEAGE_H

#include <linux/types.h>
#include "report.h"

/* Parents kept at most: deep enough for unit -> shell -> supervisor -> shell -> holder. */
#define LINEAGE_MAX_PARENTS 8

enum process_origin {
	ORIGIN_UNKNOWN = 0,
	ORIGIN_CONTAINER,
	ORIGIN_SUPERVISORD,
	ORIGIN_PM2,
	ORIGIN_CRON,
	ORIGIN_LOGIN,
	ORIGIN_UNIT,
};

struct process_lineage {
	__u32 parent_count;
	struct parent_ref parents[LINEAGE_MAX_PARENTS]; /* [0]: the parent */
	enum process_origin origin;
};

/* pid's parents from /proc, and its origin (identity: its unit and container, as enriched). */
void process_lineage_read(__u32 pid, const struct process_identity *identity,
			  struct process_lineage *out);

/*
 * The origin that identity and the parents in lineage tell: a container
 * first (whatever runs in it), then a supervisor, cron or a login session
 * among the parents, then a unit. Pure: the unit tests feed it.
 */
enum process_origin process_origin_of(const struct process_identity *identity,
				      const struct process_lineage *lineage);

/* "container", "supervisord", "pm2", "cron", "login session", "unit"; NULL when unknown. */
const char *process_origin_name(enum process_origin origin);

#endif /* BINDSNOOP_PROCESS_LINEAGE_H */
