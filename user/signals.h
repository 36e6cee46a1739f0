/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stop and reopen requests from signals, and how long a blocked write may
 * hold up a stop. No handler uses SA_RESTART: a signal must interrupt a
 * write stuck on a stalled reader (or an open() of a FIFO nobody reads),
 * so the stop is prompt whatever the outputs do.
 */
#ifndef BINDSNOOP_SIGNALS_H
#define BINDSNOOP_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* After a stop request, how long outputs may keep trying to write. */
#define SIGNALS_STOP_GRACE_MS 1000

/* Set by the first SIGINT or SIGTERM. */
extern volatile sig_atomic_t signals_stop_requested;
/* Set by SIGHUP (caught only when catch_hangup). */
extern volatile sig_atomic_t signals_reopen_requested;

void signals_install(bool catch_hangup);

/*
 * For a write interrupted by a signal: true once a stop was requested and
 * its grace period (SIGNALS_STOP_GRACE_MS from the request) is over, so the
 * caller gives up instead of retrying. From the stop request on, a timer
 * (SIGALRM) interrupts a blocked write every 100 ms past the grace, so no
 * write blocks for long after it.
 */
bool signals_give_up_writing(void);

/*
 * In an output's own thread: block the signals the main thread acts on
 * (stop, SIGHUP, SIGPIPE), so they reach it; SIGALRM still interrupts
 * the thread's blocked write.
 */
void signals_block_in_thread(void);

#endif /* BINDSNOOP_SIGNALS_H */
