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

/* A repeat count at least this high is called a restart loop. */
#define DIAGNOSE_LOOP_THRESHOLD 3

/*
 * report->diagnosis from the rest of report; repeat (NULL: not counted) is
 * how often the same program failed on the same address lately. Successes
 * get CAUSE_NONE.
 */
void diagnose(const struct bind_report *report, const struct repeat_info *repeat,
	      struct diagnosis *out);

/*
 * The stable name of a cause ("time_wait", "same_program", ...), as in the
 * JSON "cause" field: for metrics and filters. NULL for CAUSE_NONE.
 */
const char *diagnosis_cause_name(enum diagnosis_cause cause);

/* The words for the table's last column: "other program", "TIME_WAIT", ... */
const char *diagnosis_cause_label(enum diagnosis_cause cause);

/* "1st", "2nd", "3rd", "11th", "22nd" for n into buf. */
const char *diagnose_ordinal(__u32 n, char *buf, size_t len);

#endif /* BINDSNOOP_DIAGNOSE_H */
