/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which processes have a socket open: a socket inode -> pids map built by
 * reading every /proc/PID/fd/N link ("socket:[inode]"), as `ss -p` does.
 * Scanning is slow on a busy host (~4 us per fd), so the map is kept and
 * rebuilt only when a report's holder is missing or the map has aged, never
 * more often than PROC_SOCKETS_MIN_INTERVAL_NS, and in slices within each
 * report's lookup budget: no report blocks for long, and one scan serves
 * every holder of a report and the reports close to it in time.
 */
#ifndef BINDSNOOP_PROC_SOCKETS_H
#define BINDSNOOP_PROC_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "enrich/lookup_budget.h"

#define PROC_SOCKETS_MIN_INTERVAL_NS 200000000ULL  /* between two scans */
#define PROC_SOCKETS_MAX_AGE_NS	     2000000000ULL /* a hit older than this rescans */
/* (inode, pid) pairs kept: 4 MiB for the map, as much for the scan building the next one */
#define PROC_SOCKETS_MAX_ENTRIES (1 << 18)

struct proc_sockets;

/* A process that has the socket open, and the descriptor it has it as. */
struct proc_socket_user {
	__u32 pid;
	int fd;
};

/* NULL when out of memory. Nothing is scanned until the first refresh. */
struct proc_sockets *proc_sockets_new(void);
void proc_sockets_free(struct proc_sockets *sockets);

/*
 * Once per report, before its lookups, with the inodes it will look up:
 * start a scan if one is missing from the map (or the map has aged) and the
 * last scan is old enough, and run at most one slice of the scan under way,
 * ended by the budget (NULL: no end). A miss does not rescan again before
 * the next scheduled scan, however many holders or reports miss.
 */
void proc_sockets_refresh(struct proc_sockets *sockets, const __u64 *inodes, int count,
			  const struct lookup_budget *budget);

/*
 * Up to max processes holding the socket with this inode, by ascending pid
 * (each with its lowest fd for it), as of the last complete scan; returns
 * how many (0: none known yet). Reads the map only: never scans.
 */
int proc_sockets_lookup(const struct proc_sockets *sockets, __u64 inode,
			struct proc_socket_user *users, int max);

/*
 * Scan /proc completely now, however long it takes: for a one-shot query
 * (--who), where nobody waits behind the scan.
 */
void proc_sockets_scan_complete(struct proc_sockets *sockets);

/* Scans done so far (for tests and -v statistics). */
__u64 proc_sockets_scan_count(const struct proc_sockets *sockets);

/* "socket:[12345]", the target of a /proc/PID/fd link, to its inode; false if not one. */
bool proc_sockets_parse_link(const char *link, size_t len, __u64 *inode);

#endif /* BINDSNOOP_PROC_SOCKETS_H */
