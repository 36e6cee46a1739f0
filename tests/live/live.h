/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What every module of the live suite shares: the run's settings and timeouts. */
#ifndef LIVE_LIVE_H
#define LIVE_LIVE_H

#include <stdbool.h>

/*
 * Timeouts are long because the suite also runs in VMs under TCG, about 20
 * times slower than this machine; every wait returns as soon as what it waits
 * for has happened, so a passing run does not pay them.
 */
#define LIVE_TRACER_START_MS 60000 /* until bindsnoop prints "Tracing " */
#define LIVE_EVENT_MS	     20000 /* until an expected event line arrives */
#define LIVE_EXIT_MS	     20000 /* until bindsnoop exits after a signal */
#define LIVE_HELPER_MS	     30000 /* until a helper process answers a request */

struct live_config {
	const char *bindsnoop; /* path of the binary under test */
	const char *backend;   /* --backend NAME, NULL to leave bindsnoop's default */
	bool kernel_only;      /* add --no-proc-lookup: holders named by the kernel alone */
	bool verbose;	       /* echo bindsnoop's output and helper actions on stderr */
};

extern const struct live_config *live_config;

/* A progress note on stderr, only with --verbose. */
void live_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A bindsnoop that traces was started (snoop_start, or a test's own plain
 * start): the runner checks it against the test's TAG_OWN_TRACER.
 */
void live_note_tracer_start(void);

/* Milliseconds on the monotonic clock. */
long long live_now_ms(void);

#endif /* LIVE_LIVE_H */
