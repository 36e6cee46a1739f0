/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The step between the holder lookup and diagnose(): everything the
 * diagnosis needs that the kernel event does not carry, read where it
 * lives. Container names from the engines' state, the container behind a
 * published port or being started by a failed publisher, the caller's own socket options (only when they can
 * change the answer), the network namespace's port limits (only for the
 * errors they explain). What diagnose() reads next.
 */
#ifndef BINDSNOOP_ENRICH_H
#define BINDSNOOP_ENRICH_H

#include <stdbool.h>
#include <linux/types.h>
#include "enrich/lookup_budget.h"
#include "report.h"

struct enricher;

/*
 * NULL when out of memory. proc_lookup false (--no-proc-lookup): the
 * caller's file descriptors are not searched for its socket.
 */
struct enricher *enricher_new(bool proc_lookup);
void enricher_free(struct enricher *enricher);

/* Container names for one process (its own, or, for a port publisher, the one it serves). */
void enricher_process(struct enricher *enricher, struct process_ref *process,
		      const struct holder_report *holder);

/*
 * A root docker-proxy (or dockerd) whose bind failed publishes a port of a
 * container being started: set report->caller.publishing, publish_port and
 * identity.container from its arguments and docker_root's state.
 */
void enrich_publisher(const char *docker_root, struct bind_report *report);

/*
 * Complete report (caller, holders, caller_socket, limits) for diagnose();
 * a success's diagnosis is cleared. Socket options are read within budget
 * (NULL: none); past it they stay unknown.
 */
void enricher_complete(struct enricher *enricher, struct bind_report *report,
		       const struct lookup_budget *budget);

#endif /* BINDSNOOP_ENRICH_H */
