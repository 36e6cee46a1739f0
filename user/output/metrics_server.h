/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --metrics: an HTTP server (libmicrohttpd) in its own thread that answers
 * GET /metrics with the counters and the process_* series. It only reads
 * the counters, so a slow or stuck scraper never holds up tracing; a
 * watchdog thread closes the connections connection_guard.h names, so that
 * slow clients never shut out a scrape.
 */
#ifndef BINDSNOOP_METRICS_SERVER_H
#define BINDSNOOP_METRICS_SERVER_H

#include <stdbool.h>
#include "output/listen_address.h"
#include "output/metrics.h"

struct metrics_server;

/*
 * Whether this build has the server: `make STATIC=1` leaves it out, since
 * libmicrohttpd's TLS dependencies (gnutls, p11-kit) ship no static
 * libraries in Debian.
 */
static inline bool metrics_server_available(void)
{
#ifdef BINDSNOOP_METRICS_SERVER
	return true;
#else
	return false;
#endif
}

/*
 * Listens on address and starts serving. On failure prints one line saying
 * what failed and what to do, and returns a negative errno.
 */
int metrics_server_start(const struct listen_address *address, struct metrics *metrics,
			 struct metrics_server **server);

/* Closes the socket and joins the thread at once; accepts NULL. */
void metrics_server_stop(struct metrics_server *server);

#endif /* BINDSNOOP_METRICS_SERVER_H */
