/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bindsnoop --who PORT[,PORT...]: who holds these ports right now, without
 * tracing. Every TCP and UDP socket on each port (any address, any state,
 * TIME_WAIT with the time it has left) from sock_diag, the processes that
 * have it open with their units and containers: the same holder lookup and
 * identities as a traced event. bindsnoop's own network namespace, or every
 * one with --all-netns.
 */
#ifndef BINDSNOOP_WHO_H
#define BINDSNOOP_WHO_H

#include <stdio.h>
#include "options.h"

/* The exit status: 0 when something holds a port, 1 when all are free or on an error. */
int who_run(const struct options *opts, FILE *out, FILE *err);

#endif /* BINDSNOOP_WHO_H */
