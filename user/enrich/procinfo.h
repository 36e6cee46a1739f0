/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Process details from /proc (command line, cgroup path, comm), cached by
 * pid so a storm of events from one process reads /proc once, not per event.
 * An entry is re-read after PROCINFO_TTL_NS, or sooner when the caller's comm
 * no longer matches (an exec or a reused pid); the cache has a fixed size.
 */
#ifndef BINDSNOOP_PROCINFO_H
#define BINDSNOOP_PROCINFO_H

#include <stddef.h>
#include <linux/types.h>
#include "report.h"

#define PROCINFO_TTL_NS 2000000000ULL /* details older than this are re-read */

struct procinfo_cache;

/* NULL when out of memory. */
struct procinfo_cache *procinfo_cache_new(void);
void procinfo_cache_free(struct procinfo_cache *cache);

/* Every caller field: ids from the event, command line and cgroup from /proc. */
void procinfo_caller(struct procinfo_cache *cache, const struct bs_event *ev,
		     struct caller_report *out);

/*
 * comm and command line of pid: 0, or -ESRCH when the process is gone. A gone
 * process keeps what was read while it lived (else comm "", cmdline unknown).
 */
int procinfo_process(struct procinfo_cache *cache, __u32 pid, struct process_ref *out);

/* pid's comm (BS_COMM_LEN bytes) and parent pid (0 for pid 1): 0, or -errno (-ENOENT: gone). */
int procinfo_parent(__u32 pid, char *comm, __u32 *ppid);

/*
 * /proc/PID/cmdline bytes (raw, raw_len) as one line in out: NULs become
 * spaces, trailing separators go, and a cut never splits a UTF-8 character.
 * Returns the length written (out is always NUL-terminated, out_size > 0).
 */
/*
 * The parsers of /proc files, apart from the reading so that they can be
 * fed anything (tests/fuzz). buf is NUL-terminated and may be changed.
 * /proc/PID/stat: comm (BS_COMM_LEN bytes) and starttime; 0 or -EINVAL.
 */
int procinfo_parse_stat(char *buf, char *comm, __u64 *starttime);
/* /proc/PID/stat: the parent pid (field 4); 0 or -EINVAL. */
int procinfo_parse_ppid(const char *buf, __u32 *ppid);

size_t procinfo_cmdline_format(char *out, size_t out_size, const char *raw, size_t raw_len);

#endif /* BINDSNOOP_PROCINFO_H */
