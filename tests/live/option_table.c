// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every option of bindsnoop (a row of user/option_table.c, linked in) names
 * the live tests that run it against real conflicts and check its effect
 * (its live_tests). An option whose row names none, or names a test this
 * suite does not have, fails --list and options-table. options-table also
 * reads the real --help, which must list exactly the options of the table.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "live.h"
#include "option_spec.h"
#include "scenarios.h"

#define MAX_HELP_OPTIONS 64

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

int option_tests_check(FILE *err)
{
	int problems = 0;
	char test[64];

	for (size_t i = 0; i < option_spec_count; i++) {
		const struct option_spec *spec = &option_specs[i];
		const char *tests = spec->live_tests ? spec->live_tests : "";

		if (!*tests) {
			fprintf(err,
				"live-test: --%s names no live test (live_tests in "
				"user/option_table.c): add a test of its effect and name it there\n",
				spec->name);
			problems++;
		}
		while (*tests) {
			size_t len = strcspn(tests, ",");

			snprintf(test, sizeof(test), "%.*s", (int)len, tests);
			if (!live_test_exists(test)) {
				fprintf(err,
					"live-test: --%s names live test '%s', which tests/live/main.c "
					"does not have: fix its live_tests in user/option_table.c\n",
					spec->name, test);
				problems++;
			}
			tests += len + (tests[len] == ',');
		}
	}
	return problems ? -EINVAL : 0;
}

/*
 * The option table's live tests, then the table against the --help of the
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

	if (option_tests_check(stderr))
		return test_fail(ctx, "the option table names missing live tests (above)");
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
