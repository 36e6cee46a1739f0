// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every option of bindsnoop (a row of user/option_table.c, linked in) has a
 * row here naming the live tests that run it against real conflicts and
 * check its effect. options-table walks the option table itself: an option
 * added without a row here (or a row left behind by a removed option, or
 * naming a test that does not exist) fails the suite. It also reads the real
 * --help, which must list exactly the options of the table.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "live.h"
#include "option_spec.h"
#include "scenarios.h"

struct option_row {
	const char *option;
	const char *tests; /* comma-separated live test names */
};

static const struct option_row option_rows[] = {
	{ "--port", "port-filter" },
	{ "--pid", "pid-filter" },
	{ "--uid", "uid-filter,errno-uid-filter" },
	{ "--comm", "comm-filter" },
	{ "--path", "path-filter" },
	{ "--errno", "errno-filter-name,errno-filter-number,errno-uid-filter" },
	{ "--all", "all-flag" },
	/* Every tracer of the suite runs with --json and --backend B; tcp4 checks every field. */
	{ "--json", "tcp4,json-valid" },
	{ "--backend", "tcp4" },
	{ "--wide", "wide-table" },
	{ "--output", "output-quiet" },
	{ "--quiet", "output-quiet" },
	{ "--syslog", "syslog-unix" },
	{ "--syslog-facility", "syslog-unix" },
	{ "--syslog-queue-mb", "syslog-queue" },
	{ "--journal", "journal,journal-stalled" },
	{ "--verbose", "verbose" },
	{ "--no-proc-lookup", "no-proc-lookup" },
	{ "--no-kernel-holders", "no-kernel-holders" },
	{ "--ring-buffer-mb", "ring-buffer-mb,ring-buffer-default,ring-buffer-lost" },
	{ "--poll-ms", "poll-ms" },
	{ "--fold-ms", "fold" },
	{ "--no-fold", "no-fold" },
	{ "--metrics", "metrics" },
	{ "--who", "who-holder,who-time-wait,who-free,who-parent-chain" },
	{ "--all-netns", "who-other-netns" },
	{ "--help", "help" },
	{ "--version", "version" },
};

#define ROW_COUNT	 (sizeof(option_rows) / sizeof(option_rows[0]))
#define MAX_HELP_OPTIONS 64

static const struct option_row *row_for(const char *option)
{
	for (size_t i = 0; i < ROW_COUNT; i++)
		if (!strcmp(option_rows[i].option, option))
			return &option_rows[i];
	return NULL;
}

/*
 * The long options --help lists: lines "  -x, --name ..." or "      --name ...",
 * up to the first section that is not about options (its prose also starts
 * lines with "--json").
 */
static size_t help_options(const char *help, char names[][48])
{
	size_t count = 0;

	for (const char *line = help; line && *line; line = strchr(line, '\n'), line += !!line) {
		const char *at = line;
		size_t len = 0;

		if (!strncmp(line, "Output formats:", 15) || !strncmp(line, "Examples:", 9))
			break;
		while (*at == ' ')
			at++;
		if (at - line != 2 && at - line != 6)
			continue;
		if (at[0] == '-' && isalpha((unsigned char)at[1]) && !strncmp(at + 2, ", ", 2))
			at += 4;
		if (strncmp(at, "--", 2))
			continue;
		while (at[len] == '-' || isalnum((unsigned char)at[len]))
			len++;
		if (count < MAX_HELP_OPTIONS && len < 48)
			snprintf(names[count++], 48, "%.*s", (int)len, at);
	}
	return count;
}

static bool listed(char names[][48], size_t count, const char *option)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(names[i], option))
			return true;
	return false;
}

/* Each test a row names must exist. */
static enum test_result check_row_tests(struct test_context *ctx, const struct option_row *row)
{
	char test[64];

	for (const char *tests = row->tests; *tests;) {
		size_t len = strcspn(tests, ",");

		snprintf(test, sizeof(test), "%.*s", (int)len, tests);
		if (!live_test_exists(test))
			return test_fail(ctx,
					 "option_rows[]: %s names test %s, which does not exist",
					 row->option, test);
		tests += len + (tests[len] == ',');
	}
	return TEST_PASS;
}

/*
 * The option table against the rows here, then against the --help of the
 * binary under test. Builds without the metrics server (static) leave
 * --metrics out of --help.
 */
enum test_result test_options_table(struct test_context *ctx)
{
	static const char *const args[] = { "--help", NULL };
	char names[MAX_HELP_OPTIONS][48], option[48], *out = NULL, *err = NULL;
	enum test_result result = TEST_PASS;
	size_t count;
	int status;

	for (size_t i = 0; i < option_spec_count && result == TEST_PASS; i++) {
		snprintf(option, sizeof(option), "--%s", option_specs[i].name);
		if (!row_for(option))
			result = test_fail(ctx,
					   "%s is in the option table but has no row in "
					   "option_rows[] (tests/live/option_table.c): add a live "
					   "test for it",
					   option);
	}
	for (size_t i = 0; i < ROW_COUNT && result == TEST_PASS; i++) {
		if (strncmp(option_rows[i].option, "--", 2) ||
		    !option_spec_find(option_rows[i].option + 2))
			result =
				test_fail(ctx, "option_rows[] has %s, which is no longer an option",
					  option_rows[i].option);
		else
			result = check_row_tests(ctx, &option_rows[i]);
	}
	if (result != TEST_PASS)
		return result;
	if (run_bindsnoop_once(args, LIVE_EXIT_MS, &status, &out, &err) || !out)
		return test_fail(ctx, "bindsnoop --help did not run");
	count = help_options(out, names);
	for (size_t i = 0; i < count && result == TEST_PASS; i++)
		if (!option_spec_find(names[i] + 2))
			result = test_fail(ctx,
					   "--help lists %s, which the option table does not have: "
					   "is this bindsnoop built from this source?",
					   names[i]);
	for (size_t i = 0; i < option_spec_count && result == TEST_PASS; i++) {
		snprintf(option, sizeof(option), "--%s", option_specs[i].name);
		if (!listed(names, count, option) && !option_specs[i].needs_metrics_server)
			result = test_fail(ctx, "--help does not list %s", option);
	}
	free(out);
	free(err);
	return result;
}
