/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which backends to try, in which order, with which programs. "auto" tries
 * the backends best first (fexit, kprobe, tracepoint) and keeps the first
 * that really loads and attaches (tracer.c): a trial, not a kernel version
 * guess. Every backend is tried first with the programs that run the
 * in-kernel holder walk, where the kernel has bpf_loop(), then without
 * them, so that an older kernel, or a verifier that refuses the walk, traces
 * with less instead of refusing.
 */
#ifndef BINDSNOOP_BACKEND_POLICY_H
#define BINDSNOOP_BACKEND_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include "capture/kernel_features.h"
#include "options.h"

struct backend_trial {
	enum backend_choice backend;
	bool walk; /* the programs with the in-kernel holder walk */
};

/* Three backends, with and without the walk. */
#define BACKEND_TRIALS_MAX 6

/* The trials for choice (auto, or one backend) on this kernel, best first; returns their count. */
size_t backend_trials(enum backend_choice choice, const struct kernel_features *features,
		      struct backend_trial trials[BACKEND_TRIALS_MAX]);

/*
 * Why auto need not try backend at all (the probes ruled it out), or NULL.
 * An explicit --backend is always tried, so that its failure says why.
 */
const char *backend_ruled_out(enum backend_choice choice, enum backend_choice backend,
			      const struct kernel_features *features);

#endif /* BINDSNOOP_BACKEND_POLICY_H */
