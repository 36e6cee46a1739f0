/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What this kernel's BPF offers, probed with tiny programs before the
 * object is opened, and what no backend can work around (no BTF, no ring
 * buffer, no privileges). The probes steer which programs of the one BPF
 * object load (tracer.c) and which backends auto tries (backend_policy.c).
 */
#ifndef BINDSNOOP_KERNEL_FEATURES_H
#define BINDSNOOP_KERNEL_FEATURES_H

#include <stdbool.h>
#include "options.h"

struct kernel_features {
	bool fexit;	     /* an fexit program loads and attaches */
	bool fexit_refused;  /* every tracing program is refused (EPERM): no BTF parse needed */
	bool kprobes;	     /* CONFIG_KPROBE_EVENTS */
	bool bind_sk;	     /* inet_bind_sk() exists */
	bool autobind;	     /* inet_autobind() is a function of its own (in BTF) */
	bool bpf_loop;	     /* 5.17: the in-kernel holder walk */
	bool task_pt_regs;   /* 5.15: sys_exit reads the syscall's arguments itself */
	bool helpers_hidden; /* BINDSNOOP_HIDE_HELPERS took some of the two above away */
};

/*
 * Privileges, BTF and the ring buffer. On failure prints one line naming the
 * problem and the fix, and returns a negative errno.
 */
int kernel_check_prerequisites(void);

/*
 * Probe what choice needs: a BTF parse only where a backend that hooks
 * kernel functions may be used. verbose: say what was found on stderr.
 * BINDSNOOP_HIDE_HELPERS=bpf_loop,bpf_task_pt_regs takes the path of a
 * kernel without them (the tests run the 5.10 path with it; not for users).
 */
void kernel_features_probe(struct kernel_features *features, enum backend_choice choice,
			   bool verbose);

#endif /* BINDSNOOP_KERNEL_FEATURES_H */
