/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every JSON line any bindsnoop printed during the run (stdout of the
 * tracers, --output files, --who answers), checked as it arrives: does it
 * parse as strict JSON and keep the rules of event_rules.h? The json-valid
 * test reports the tally at the end. With --json-log FILE the lines are also
 * written to FILE, where scripts/test.sh checks them against the schema file
 * itself (tests/lib/validate_events.py): this static program carries no
 * JSON Schema validator, so it runs unchanged in the test VMs.
 */
#ifndef LIVE_AUDIT_H
#define LIVE_AUDIT_H

#include <stddef.h>
#include "json.h"

struct audit_tally {
	size_t lines;		  /* lines seen */
	size_t invalid;		  /* lines that did not parse or broke a rule */
	char first_problem[256];  /* what was wrong with the first invalid line */
	char first_invalid[1024]; /* that line, possibly truncated */
	size_t unlogged;	  /* lines the --json-log file could not take */
};

/* Write every audited line to path too (truncated first). 0, or a negative errno. */
int audit_log_to(const char *path);

/* One line as printed (no newline); json NULL with parse_error if it did not parse. */
void audit_line(const char *text, const struct json_value *json, const char *parse_error);

const struct audit_tally *audit_tally(void);

#endif /* LIVE_AUDIT_H */
