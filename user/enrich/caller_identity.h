/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The caller as the kernel saw it at the failure (struct bs_identity), made
 * into the report's caller fields. The kernel's reading comes first: the
 * caller of a failed bind is often gone before userspace reads the event
 * (a second instance that exits on the error, a crash loop), and its pid
 * may even belong to another process by then. /proc only adds what the
 * kernel cut short (the whole command line, a path deeper than the walk),
 * and only when it is provably the same process (same start time).
 */
#ifndef BINDSNOOP_CALLER_IDENTITY_H
#define BINDSNOOP_CALLER_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "report.h"

/*
 * A path the kernel stored leaf first ("python3.11\0bin\0usr\0"), in len
 * bytes, as "/usr/bin/python3.11"; a walk that stopped short of the root
 * (complete false) reads ".../bin/python3.11". Returns the length written
 * (out is always NUL-terminated, out_size > 0); 0 when there is no component.
 */
size_t identity_path_join(const char *packed, size_t len, bool complete, char *out,
			  size_t out_size);

/*
 * Whether a start time /proc gave (0: none) and one the kernel read (both
 * CLOCK_REALTIME ns) are one process's: within /proc's clock ticks.
 */
bool identity_same_start(__u64 proc_start_ns, __u64 kernel_start_ns);

/* A dev_t as the kernel keeps it (major << 20 | minor) as stat() gives it. */
__u64 identity_dev_to_user(__u32 kernel_dev);

/*
 * Fill caller (already holding what /proc said, if anything) from the
 * kernel's identity: boot_to_realtime_ns turns its CLOCK_BOOTTIME start
 * into wall-clock time. Does nothing when the kernel read no identity.
 */
void caller_identity_apply(const struct bs_identity *kernel, __s64 boot_to_realtime_ns,
			   struct caller_report *caller);

#endif /* BINDSNOOP_CALLER_IDENTITY_H */
