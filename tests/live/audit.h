/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every stdout line any bindsnoop printed during the run, checked as it
 * arrives: does it parse as JSON and follow the v1 event schema? The
 * json-valid test reports the tally at the end.
 */
#ifndef LIVE_AUDIT_H
#define LIVE_AUDIT_H

#include <stddef.h>
#include "snoop.h"

struct audit_tally {
	size_t lines;		  /* lines seen */
	size_t invalid;		  /* lines that did not parse or broke the schema */
	char first_problem[256];  /* what was wrong with the first invalid line */
	char first_invalid[1024]; /* that line, possibly truncated */
};

void audit_line(const struct snoop_line *line);

const struct audit_tally *audit_tally(void);

#endif /* LIVE_AUDIT_H */
