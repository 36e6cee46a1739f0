/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The port limits of a network namespace: net.ipv4.ip_unprivileged_port_start
 * and net.ipv4.ip_local_port_range. /proc/sys/net answers for the namespace
 * of the thread that reads it, so for another namespace this thread enters
 * it (setns through a process living there) and comes back. Answers are
 * kept NETNS_LIMITS_TTL_NS, so a storm of EACCES reads them once.
 */
#ifndef BINDSNOOP_NETNS_LIMITS_H
#define BINDSNOOP_NETNS_LIMITS_H

#include <linux/types.h>
#include "report.h"

#define NETNS_LIMITS_TTL_NS 1000000000ULL

struct netns_limits_cache;

/* NULL when out of memory or when our own namespace cannot be opened. */
struct netns_limits_cache *netns_limits_cache_new(void);
void netns_limits_cache_free(struct netns_limits_cache *cache);

/* The limits of namespace netns_ino, reached through pid; unknown fields are -1. */
void netns_limits_get(struct netns_limits_cache *cache, __u64 netns_ino, __u32 pid,
		      struct netns_limits *out);

/* Text of ip_local_port_range ("32768\t60999\n") into low/high; 0 or -EINVAL. Pure. */
int netns_parse_port_range(const char *text, int *low, int *high);

#endif /* BINDSNOOP_NETNS_LIMITS_H */
