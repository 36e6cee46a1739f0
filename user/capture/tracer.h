/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading and attaching the BPF programs of one backend. "auto" tries the
 * backends best first (fexit, kprobe, tracepoint) and keeps the first one
 * that really loads and attaches: a trial, not a kernel version guess. Each
 * is tried with the full BPF object where the kernel has the helpers it needs
 * (probed), then with the basic one, so an older kernel traces with less
 * (tracer.degraded says what) instead of refusing.
 */
#ifndef BINDSNOOP_TRACER_H
#define BINDSNOOP_TRACER_H

#include "options.h"

struct bpf_build;
struct bpf_object;
struct bpf_link;

struct tracer {
	const struct bpf_build *build; /* full, or basic for older kernels */
	void *skel;		       /* that build's skeleton */
	struct bpf_object *obj;
	enum backend_choice backend; /* the one that attached */
	char degraded[512];	     /* what the basic build leaves out, and why; "" if full */
	struct bpf_link **links;
	int link_count;
	int ring_buffer_fd;
	int lost_events_fd;
	int owner_tags_fd; /* who bound each socket while tracing (struct bs_owner_tag) */
	int folds_fd;	   /* repeated failures counted in the kernel (struct bs_fold_key) */
	int fold_epoch_fd; /* the number of the fold window open now */
};

/*
 * Open, configure, load and attach. On failure prints one line naming the
 * problem and the fix, and returns a negative errno.
 */
int tracer_start(const struct options *opts, struct tracer **out);
/*
 * Runs of our programs the kernel skipped because another BPF program was
 * already running on that CPU (bpf_prog_info.recursion_misses, 5.12+):
 * events that never reached the ring buffer.
 */
__u64 tracer_missed_runs(const struct tracer *tracer);

/* Detach every program: no new events; maps stay readable. */
void tracer_detach(struct tracer *tracer);
void tracer_stop(struct tracer *tracer);

#endif /* BINDSNOOP_TRACER_H */
