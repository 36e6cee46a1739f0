// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/time.h>
#include "signals.h"

volatile sig_atomic_t signals_stop_requested;
volatile sig_atomic_t signals_reopen_requested;
static volatile sig_atomic_t grace_over;

/*
 * Armed from the handler itself, so no write can start blocking between
 * the stop request and the timer (setitimer is a plain system call on
 * Linux, safe in a handler).
 */
static void start_grace_timer(void)
{
	struct itimerval grace = {
		.it_value = { .tv_sec = SIGNALS_STOP_GRACE_MS / 1000,
			      .tv_usec = SIGNALS_STOP_GRACE_MS % 1000 * 1000 },
		.it_interval = { .tv_usec = 100 * 1000 },
	};

	setitimer(ITIMER_REAL, &grace, NULL);
}

/* First Ctrl-C or SIGTERM: stop cleanly. A second Ctrl-C: leave at once. */
static void on_stop_signal(int signo)
{
	if (signals_stop_requested && signo == SIGINT)
		_exit(130);
	if (!signals_stop_requested)
		start_grace_timer();
	signals_stop_requested = 1;
}

/* SIGHUP (logrotate's postrotate): the pipeline reopens --output between batches. */
static void on_hangup(int signo)
{
	(void)signo;
	signals_reopen_requested = 1;
}

/* The grace timer's first tick ends the grace; later ticks only interrupt writes. */
static void on_grace_timer(int signo)
{
	(void)signo;
	grace_over = 1;
}

void signals_install(bool catch_hangup)
{
	/* sa_flags 0: no SA_RESTART (see signals.h). */
	struct sigaction stop = { .sa_handler = on_stop_signal };
	struct sigaction hangup = { .sa_handler = on_hangup };
	struct sigaction timer = { .sa_handler = on_grace_timer };
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	sigemptyset(&stop.sa_mask);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigemptyset(&hangup.sa_mask);
	/* Without an output to reopen, SIGHUP ends us as it always did. */
	if (catch_hangup)
		sigaction(SIGHUP, &hangup, NULL);
	sigemptyset(&timer.sa_mask);
	sigaction(SIGALRM, &timer, NULL);
	/* A closed stdout pipe shows up as EPIPE from write(): ends quietly. */
	sigaction(SIGPIPE, &ignore, NULL);
}

bool signals_give_up_writing(void)
{
	return signals_stop_requested && grace_over;
}

void signals_block_in_thread(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}
