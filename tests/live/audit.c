// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The json-valid tally and the --json-log file: every JSON line bindsnoop printed in this run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "audit.h"
#include "event_rules.h"

static struct audit_tally tally;
static FILE *log_file;

int audit_log_to(const char *path)
{
	log_file = fopen(path, "we");
	return log_file ? 0 : -errno;
}

static void log_line(const char *text)
{
	/* Flushed per line: a run that crashes still leaves what it saw. */
	if (log_file && (fprintf(log_file, "%s\n", text) < 0 || fflush(log_file)))
		tally.unlogged++;
}

void audit_line(const char *text, const struct json_value *json, const char *parse_error)
{
	char problem[sizeof(tally.first_problem)];

	tally.lines++;
	log_line(text);
	if (!json)
		snprintf(problem, sizeof(problem), "not JSON: %s", parse_error);
	else if (event_check_rules(json, problem, sizeof(problem)) == 0)
		return;
	if (!tally.invalid++) {
		snprintf(tally.first_problem, sizeof(tally.first_problem), "%s", problem);
		snprintf(tally.first_invalid, sizeof(tally.first_invalid), "%s", text);
	}
}

const struct audit_tally *audit_tally(void)
{
	return &tally;
}
