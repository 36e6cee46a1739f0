// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "capture/backend_policy.h"

size_t backend_trials(enum backend_choice choice, const struct kernel_features *features,
		      struct backend_trial trials[BACKEND_TRIALS_MAX])
{
	static const enum backend_choice auto_order[] = { BACKEND_FEXIT, BACKEND_KPROBE,
							  BACKEND_TRACEPOINT };
	const enum backend_choice *order = auto_order;
	size_t order_len = sizeof(auto_order) / sizeof(auto_order[0]), count = 0;

	if (choice != BACKEND_AUTO) {
		order = &choice;
		order_len = 1;
	}
	/* The walk on any backend before a better backend without it. */
	for (int walk = features->bpf_loop; walk >= 0; walk--)
		for (size_t i = 0; i < order_len; i++)
			trials[count++] = (struct backend_trial){ order[i], walk };
	return count;
}

const char *backend_ruled_out(enum backend_choice choice, enum backend_choice backend,
			      const struct kernel_features *features)
{
	if (choice != BACKEND_AUTO)
		return NULL;
	if (backend == BACKEND_FEXIT && features->fexit_refused)
		return "the kernel refuses tracing programs (EPERM: a security policy or "
		       "lockdown)";
	if (backend == BACKEND_FEXIT && !features->fexit)
		return "a probe fexit program on inet_csk_get_port did not load and attach (the "
		       "kernel refuses this program type here, e.g. lockdown or no BPF "
		       "trampolines)";
	if (backend == BACKEND_KPROBE && !features->kprobes)
		return "the kernel has no kprobe events (CONFIG_KPROBE_EVENTS is off)";
	return NULL;
}
