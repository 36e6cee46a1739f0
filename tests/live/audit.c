// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The json-valid tally: every stdout line of every bindsnoop this run started. */
#include <stdio.h>
#include "audit.h"
#include "expect.h"

static struct audit_tally tally;

void audit_line(const struct snoop_line *line)
{
	char problem[sizeof(tally.first_problem)];

	tally.lines++;
	if (!line->json)
		snprintf(problem, sizeof(problem), "not JSON: %s", line->parse_error);
	else if (check_event_schema(line->json, problem, sizeof(problem)) == 0)
		return;
	if (!tally.invalid++) {
		snprintf(tally.first_problem, sizeof(tally.first_problem), "%s", problem);
		snprintf(tally.first_invalid, sizeof(tally.first_invalid), "%s", line->text);
	}
}

const struct audit_tally *audit_tally(void)
{
	return &tally;
}
