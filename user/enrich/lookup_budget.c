// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "enrich/lookup_budget.h"

struct lookup_budget lookup_pacer_start(struct lookup_pacer *pacer, volatile sig_atomic_t *stop)
{
	__u64 now = monotonic_ns();
	__u64 allowed = now - pacer->last_end_ns < LOOKUP_STORM_GAP_NS ? LOOKUP_BUDGET_STORM_NS :
									 LOOKUP_BUDGET_LONE_NS;
	__u64 earned = (now - pacer->banked_at_ns) / LOOKUP_PACE_DIVISOR;

	pacer->banked_ns = earned > LOOKUP_BANK_NS - pacer->banked_ns ? LOOKUP_BANK_NS :
									  pacer->banked_ns + earned;
	pacer->banked_at_ns = now;
	if (allowed > pacer->banked_ns)
		allowed = pacer->banked_ns;
	return (struct lookup_budget){
		.started_ns = now,
		.deadline_ns = now + allowed,
		.stop = stop,
	};
}

void lookup_pacer_end(struct lookup_pacer *pacer, const struct lookup_budget *budget)
{
	__u64 now = monotonic_ns();
	__u64 spent = now - budget->started_ns;

	pacer->banked_ns = spent < pacer->banked_ns ? pacer->banked_ns - spent : 0;
	pacer->last_end_ns = now;
}
