/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Folding, the userspace half: reads the kernel's folds map (see struct
 * bs_fold_key in bpf/bindsnoop.h) and turns the repeats of every closed
 * window into one event with a count, built like the window's first report
 * so it goes down the same pipeline and keeps its holders and diagnosis.
 */
#ifndef BINDSNOOP_FOLD_SWEEP_H
#define BINDSNOOP_FOLD_SWEEP_H

#include <stdbool.h>
#include <linux/types.h>
#include "bindsnoop.h"

struct fold_sweep;

/* One folded record: event stands for `count` failures. */
typedef int (*fold_emit_fn)(void *ctx, const struct bs_event *event, __u64 count);

/*
 * folds_fd, epoch_fd: the maps; fold_ms: the window; now_ns: CLOCK_BOOTTIME,
 * the start of the first window. NULL with errno set on failure.
 */
struct fold_sweep *fold_sweep_new(int folds_fd, int epoch_fd, __u32 fold_ms, __u64 now_ns);
void fold_sweep_free(struct fold_sweep *sweep);

/* A failure reported in full: its holders are what its repeats will carry. */
void fold_sweep_remember(struct fold_sweep *sweep, const struct bs_event *event);

/*
 * At now_boot_ns (CLOCK_BOOTTIME): close the window if its time is up (the
 * kernel then opens new ones), emit the repeats of closed windows, at
 * now_boot_ns, and forget entries idle for two windows. final: the programs
 * are detached, every repeat counted so far is emitted. Returns emit's
 * first error.
 */
int fold_sweep_run(struct fold_sweep *sweep, __u64 now_boot_ns, bool final, fold_emit_fn emit,
		   void *ctx);

/* Repeats emitted so far, the sum of every folded record's count. */
__u64 fold_sweep_repeats(const struct fold_sweep *sweep);

#endif /* BINDSNOOP_FOLD_SWEEP_H */
