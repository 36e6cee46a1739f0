/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A tiny test harness: CHECK macros count passes and failures, print each
 * failure with its line, and unit_summary() ends the output with
 * "N passed, N failed" (scripts/run-unit-tests.sh reads that last line).
 * One test binary is one translation unit, so the counters can be static.
 */
#ifndef BINDSNOOP_UNIT_H
#define BINDSNOOP_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed;
static int unit_failed;

static inline void unit_record(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		unit_passed++;
		return;
	}
	unit_failed++;
	printf("FAIL %s:%d: %s\n", file, line, what);
	fflush(stdout);
}

#define CHECK(cond) unit_record(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_INT(actual, expected)                                                             \
	do {                                                                                    \
		long long unit_actual_ = (actual), unit_expected_ = (expected);                 \
		unit_record(unit_actual_ == unit_expected_, __FILE__, __LINE__,                 \
			    #actual " == " #expected);                                          \
		if (unit_actual_ != unit_expected_)                                             \
			printf("     got %lld, expected %lld\n", unit_actual_, unit_expected_); \
	} while (0)

#define CHECK_STR(actual, expected)                                                  \
	do {                                                                         \
		const char *unit_actual_ = (actual), *unit_expected_ = (expected);   \
		int unit_ok_ = unit_actual_ && unit_expected_ ?                      \
				       !strcmp(unit_actual_, unit_expected_) :       \
				       unit_actual_ == unit_expected_;               \
		unit_record(unit_ok_, __FILE__, __LINE__, #actual " == " #expected); \
		if (!unit_ok_)                                                       \
			printf("     got      \"%s\"\n     expected \"%s\"\n",       \
			       unit_actual_ ? unit_actual_ : "(null)",               \
			       unit_expected_ ? unit_expected_ : "(null)");          \
	} while (0)

/* Whether needle occurs in haystack (NULL-safe), for messages and outputs. */
#define CHECK_CONTAINS(haystack, needle)                                                   \
	do {                                                                               \
		const char *unit_haystack_ = (haystack), *unit_needle_ = (needle);         \
		int unit_ok_ = unit_haystack_ && strstr(unit_haystack_, unit_needle_);     \
		unit_record(unit_ok_, __FILE__, __LINE__, #haystack " contains " #needle); \
		if (!unit_ok_)                                                             \
			printf("     \"%s\"\n     does not contain \"%s\"\n",              \
			       unit_haystack_ ? unit_haystack_ : "(null)", unit_needle_);  \
	} while (0)

/* Prints the counts as the last line; the test's exit status. */
static inline int unit_summary(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	fflush(stdout);
	return unit_failed ? 1 : 0;
}

#endif /* BINDSNOOP_UNIT_H */
