/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The network namespaces processes live in, each once, with a pid to enter
 * it by (its lowest): for --who --all-netns, and for a Unix socket file that
 * looks stale in the caller's namespace but may be bound in another (a /run
 * shared by containers). One walk of /proc.
 */
#ifndef BINDSNOOP_NETNS_LIST_H
#define BINDSNOOP_NETNS_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "enrich/lookup_budget.h"

struct netns_ref {
	__u64 ino; /* the namespace's inode (/proc/PID/ns/net) */
	__u32 pid; /* a process living there */
};

struct netns_list {
	struct netns_ref *refs; /* first the one asked for, then by pid */
	size_t count;
};

/*
 * first (ino, pid) first; with every, each other namespace a process lives
 * in, however many, walking /proc within budget (NULL: no bound). 0, or
 * -ENOMEM or -ETIME (the list then holds what was found). Free with
 * netns_list_free.
 */
int netns_list_find(struct netns_list *list, struct netns_ref first, bool every,
		    const struct lookup_budget *budget);
void netns_list_free(struct netns_list *list);

/* The network namespace of /proc/<pid_dir> ("self" too); 0 when unreadable. */
__u64 netns_list_of(const char *pid_dir);

#endif /* BINDSNOOP_NETNS_LIST_H */
