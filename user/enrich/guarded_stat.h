/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Looking at a path a process chose, without letting it stall bindsnoop. A
 * lookup on a FUSE mount whose daemon never answers (or a hung network
 * mount) blocks the looker for as long as the mount's owner likes, and any
 * local user can mount FUSE. So the lookup runs in a child process that is
 * killed past its deadline (a FUSE request ends on SIGKILL), and a
 * directory that timed out is not looked into again for a while: a storm of
 * reports about the same hung mount costs one timeout, not one each.
 */
#ifndef BINDSNOOP_GUARDED_STAT_H
#define BINDSNOOP_GUARDED_STAT_H

#include <sys/stat.h>
#include <linux/types.h>

/* How long one lookup may take before its child is killed. */
#define GUARDED_STAT_TIMEOUT_MS 100
/* How long a directory whose lookup timed out is left alone. */
#define GUARDED_STAT_SKIP_NS 60000000000ULL

/*
 * What look(ctx, st) would fill in, run in a child: 0, look's negative
 * errno, or -ETIMEDOUT when the child did not answer in time (or `dir` timed
 * out recently, then nothing runs), -errno when no child could be made.
 * dir (NUL-ended, may be NULL) names where the lookup goes, for the skip.
 * look must use only async-signal-safe calls (it runs after fork()).
 */
int guarded_stat(const char *dir, int (*look)(void *ctx, struct stat *st), void *ctx,
		 struct stat *st);

#endif /* BINDSNOOP_GUARDED_STAT_H */
