/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Why a bind failed and what to do: one pure function from a report (the
 * event, its holders and what userspace learned about both sides) to a
 * diagnosis of a cause code, a one-sentence summary naming the programs, and
 * a concrete fix. The cause codes and the evidence for each are documented
 * in schema/README.md; they are checked in the order of enum
 * diagnosis_cause, the first that fits wins.
 */
#ifndef BINDSNOOP_DIAGNOSE_H
#define BINDSNOOP_DIAGNOSE_H

#include "report.h"

/*
 * report->diagnosis from the rest of report; repeat (NULL: not counted) is
 * how often the same program failed on the same address lately. Successes
 * get CAUSE_NONE.
 */
void diagnose(const struct bind_report *report, const struct repeat_info *repeat,
	      struct diagnosis *out);

#endif /* BINDSNOOP_DIAGNOSE_H */
