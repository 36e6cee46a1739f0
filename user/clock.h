/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The clocks bindsnoop reads, in ns: one helper each, for every module. */
#ifndef BINDSNOOP_CLOCK_H
#define BINDSNOOP_CLOCK_H

#include <time.h>
#include <linux/types.h>

static inline __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Deadlines and intervals. */
static inline __u64 monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Cache ages: a vDSO read of a few ns, at the resolution of a tick. */
static inline __u64 coarse_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

/* Wall-clock time, ns since the epoch: what records carry. */
static inline __u64 realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

#endif /* BINDSNOOP_CLOCK_H */
