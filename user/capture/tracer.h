/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading and attaching the BPF programs of one backend: the kernel's
 * features (kernel_features.h) and the backend policy (backend_policy.h)
 * say which trials to make; each opens the one BPF object, keeps the
 * programs the kernel can take, loads and attaches them. tracer.degraded
 * says what an older kernel leaves out.
 */
#ifndef BINDSNOOP_TRACER_H
#define BINDSNOOP_TRACER_H

#include "options.h"

struct bindsnoop_bpf;
struct bpf_link;

/*
 * Once attached, the tracer keeps descriptors of its own (maps, programs,
 * links) and frees libbpf's object, whose copies of the BPF object (every
 * backend's instructions, BTF, line info) were most of the idle heap.
 */
struct tracer {
	struct bindsnoop_bpf *skel;  /* NULL once attached */
	enum backend_choice backend; /* the one that attached */
	bool walk;		     /* its programs run the in-kernel holder walk */
	char degraded[512]; /* what this kernel makes bindsnoop leave out, and why; "" if nothing */
	struct bpf_link **links;
	int link_count;
	int ring_buffer_fd;
	int lost_events_fd;
	int owner_tags_fd; /* who bound each socket while tracing (struct bs_owner_tag) */
	int folds_fd;	   /* repeated failures counted in the kernel (struct bs_fold_key) */
	int fold_epoch_fd; /* the number of the fold window open now */
	int *program_fds;  /* the programs loaded, for their statistics */
	int program_count;
	bool owns_descriptors; /* the descriptors above are the tracer's, not the object's */
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
