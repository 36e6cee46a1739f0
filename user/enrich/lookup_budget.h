/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How long the /proc and sock_diag lookups of a report may take. Anyone
 * can make them slow (thousands of sockets on a port, thousands of fds in
 * a process), so every step that reads /proc or asks the kernel checks the
 * budget first, and slow loops check it as they go: when it is spent, or a
 * stop was requested, the rest is left out and counted, never waited for.
 *
 * A report gets LOOKUP_BUDGET_STORM_NS when it follows another closely,
 * LOOKUP_BUDGET_LONE_NS when nobody waits behind it (time for a /proc scan
 * of a busy host). Across reports a pacer banks lookup time at 1 ns per
 * LOOKUP_PACE_DIVISOR ns of clock, up to LOOKUP_BANK_NS, and a report gets
 * no more than is banked: a flood of slow reports is read at least half as
 * fast as the reader can go, never at one budget per report. The bank holds
 * several lone budgets, so one slow report (a first /proc scan on a loaded
 * host) does not leave the conflict right behind it unsearched.
 */
#ifndef BINDSNOOP_LOOKUP_BUDGET_H
#define BINDSNOOP_LOOKUP_BUDGET_H

#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>
#include "clock.h"

#define LOOKUP_BUDGET_STORM_NS 20000000ULL
#define LOOKUP_BUDGET_LONE_NS  200000000ULL
/* A report less than this after the previous one ended is a storm's. */
#define LOOKUP_STORM_GAP_NS 50000000ULL
#define LOOKUP_PACE_DIVISOR 2
#define LOOKUP_BANK_NS	    (5 * LOOKUP_BUDGET_LONE_NS)

struct lookup_budget {
	__u64 started_ns;	     /* monotonic_ns() */
	__u64 deadline_ns;	     /* monotonic_ns() */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM; NULL: none */
};

/* Zeroed: nothing banked yet is made up by the first report (the clock is far from 0). */
struct lookup_pacer {
	__u64 banked_ns;
	__u64 banked_at_ns;
	__u64 last_end_ns;
};

/* The budget of a report starting now. */
struct lookup_budget lookup_pacer_start(struct lookup_pacer *pacer, volatile sig_atomic_t *stop);
/* The report is done: what it took is taken from the bank. */
void lookup_pacer_end(struct lookup_pacer *pacer, const struct lookup_budget *budget);

/* No budget (NULL): a one-shot query (--who) nobody waits behind. */
static inline bool lookup_budget_spent(const struct lookup_budget *budget)
{
	if (!budget)
		return false;
	return (budget->stop && *budget->stop) || monotonic_ns() >= budget->deadline_ns;
}

/* The earlier of the budget's deadline and deadline. */
static inline __u64 lookup_budget_deadline(const struct lookup_budget *budget, __u64 deadline)
{
	return budget && budget->deadline_ns < deadline ? budget->deadline_ns : deadline;
}

/* What a step may take of budget so that reserve_ns is left for the steps after it. */
static inline struct lookup_budget lookup_budget_reserve(const struct lookup_budget *budget,
							 __u64 reserve_ns)
{
	struct lookup_budget part = { .deadline_ns = ~0ULL };

	if (budget) {
		part = *budget;
		part.deadline_ns = budget->deadline_ns - reserve_ns;
	}
	return part;
}

#endif /* BINDSNOOP_LOOKUP_BUDGET_H */
