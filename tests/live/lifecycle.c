// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* How bindsnoop ends, how it refuses bad arguments, and its output as a whole. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "audit.h"
#include "env.h"
#include "live.h"
#include "scenarios.h"
#include "steps.h"

/* Pause between conflicts while waiting for bindsnoop to notice its closed stdout. */
#define CLOSED_STDOUT_RETRY_MS 500

/* Signal bindsnoop; it must exit 0 in time. */
static enum test_result expect_clean_exit(struct test_context *ctx, struct snoop *tracer, int sig)
{
	char status_text[64], errors[1024];
	int status;

	if (snoop_wait_exit(tracer, sig, LIVE_EXIT_MS, &status))
		return test_fail(ctx, "bindsnoop still running %d s after SIG%s",
				 LIVE_EXIT_MS / 1000, sigabbrev_np(sig));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return TEST_PASS;
	describe_wait_status(status, status_text, sizeof(status_text));
	snoop_describe_stderr(tracer, errors, sizeof(errors));
	return test_fail(ctx, "after SIG%s bindsnoop ended: %s, expected exit status 0; stderr: %s",
			 sigabbrev_np(sig), status_text, errors);
}

/* The shared tracer, stopped with SIGINT (Ctrl-C) after the scenarios. */
enum test_result test_sigint_exit(struct test_context *ctx)
{
	struct repeatable_conflict conflict;
	struct snoop *tracer;

	tracer = test_take_shared_tracer(ctx);
	if (!tracer)
		return TEST_FAIL;
	if (conflict_prepare(ctx, "lt-holder-int", "lt-caller-int", &conflict) ||
	    conflict_seen(ctx, tracer, &conflict))
		return TEST_FAIL;
	return expect_clean_exit(ctx, tracer, SIGINT);
}

enum test_result test_sigterm_exit(struct test_context *ctx)
{
	struct repeatable_conflict conflict;
	struct snoop *tracer;

	tracer = test_own_tracer(ctx, NULL);
	if (!tracer)
		return TEST_FAIL;
	if (conflict_prepare(ctx, "lt-holder-term", "lt-caller-term", &conflict) ||
	    conflict_seen(ctx, tracer, &conflict))
		return TEST_FAIL;
	return expect_clean_exit(ctx, tracer, SIGTERM);
}

/*
 * `bindsnoop --json | head -1`: once the reader is gone, the next event ends
 * bindsnoop quietly with status 0, not by SIGPIPE, and not with an error.
 */
#define TOTALS_PREFIX "bindsnoop: "

/* Event lines (they have a port) that reached us on stdout. */
static unsigned long long printed_events(const struct snoop *tracer)
{
	unsigned long long events = 0;

	for (size_t i = 0; i < snoop_line_count(tracer); i++)
		events += snoop_line(tracer, i)->port >= 0;
	return events;
}

/*
 * The totals line "bindsnoop: R events received, L lost[, N repeats folded
 * into F records][, D dropped by stdout][, U unwritten (...)]": no more
 * events printed, dropped or unwritten than received plus folded. (Lines still in the pipe when we closed it were
 * written but never read, so the sum may fall short; tests/faults checks
 * the exact count with a port filter.) false with the reason set if not.
 */
static bool totals_add_up(struct test_context *ctx, const struct snoop *tracer, const char *line)
{
	unsigned long long received, lost, dropped = 0, unwritten = 0;
	unsigned long long printed = printed_events(tracer);
	const char *part;

	if (sscanf(line, TOTALS_PREFIX "%llu events received, %llu lost", &received, &lost) != 2)
		return false;
	/* Folded records are written like the ones read from the kernel. */
	part = strstr(line, " folded into ");
	if (part)
		received += strtoull(part + strlen(" folded into "), NULL, 10);
	part = strstr(line, " dropped by stdout");
	if (part) {
		while (part > line && part[-1] >= '0' && part[-1] <= '9')
			part--;
		dropped = strtoull(part, NULL, 10);
	}
	part = strstr(line, " unwritten");
	if (part) {
		while (part > line && part[-1] >= '0' && part[-1] <= '9')
			part--;
		unwritten = strtoull(part, NULL, 10);
	}
	if (received < printed + dropped + unwritten) {
		test_fail(ctx,
			  "totals do not add up: received %llu, fewer than %llu printed + %llu "
			  "dropped + %llu unwritten: %s",
			  received, printed, dropped, unwritten, line);
		return false;
	}
	return true;
}

enum test_result test_closed_stdout(struct test_context *ctx)
{
	struct repeatable_conflict conflict;
	char status_text[64], errors[1024];
	struct snoop *tracer;
	long long deadline;
	int status, fired = 0;
	size_t i;

	tracer = test_own_tracer(ctx, NULL);
	if (!tracer)
		return TEST_FAIL;
	if (conflict_prepare(ctx, "lt-holder-pipe", "lt-caller-pipe", &conflict) ||
	    conflict_seen(ctx, tracer, &conflict))
		return TEST_FAIL;
	snoop_close_stdout(tracer);
	deadline = live_now_ms() + LIVE_EXIT_MS;
	while (!snoop_exited(tracer) && live_now_ms() < deadline) {
		if (conflict_fire(ctx, &conflict))
			return TEST_FAIL;
		fired++;
		snoop_pump(tracer, CLOSED_STDOUT_RETRY_MS);
	}
	if (snoop_wait_exit(tracer, 0, 0, &status))
		return test_fail(
			ctx,
			"bindsnoop still running %d s after its stdout was closed (%d events caused since)",
			LIVE_EXIT_MS / 1000, fired);
	describe_wait_status(status, status_text, sizeof(status_text));
	snoop_describe_stderr(tracer, errors, sizeof(errors));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return test_fail(
			ctx,
			"with its stdout closed bindsnoop ended: %s, expected exit status 0; stderr: %s",
			status_text, errors);
	for (i = 0; i < snoop_stderr_count(tracer); i++) {
		const char *line = snoop_stderr_line(tracer, i);

		/* The start-up banner: the Tracing line, and what an old kernel degrades. */
		if (strncmp(line, "Tracing ", 8) == 0 ||
		    strncmp(line, "bindsnoop: degraded: ", 21) == 0)
			continue;
		/* Events read after the reader left are accounted for, not lost silently. */
		if (!strncmp(line, TOTALS_PREFIX, strlen(TOTALS_PREFIX)) &&
		    totals_add_up(ctx, tracer, line))
			continue;
		if (ctx->reason[0])
			return TEST_FAIL;
		return test_fail(
			ctx, "with its stdout closed bindsnoop exited 0 but wrote on stderr: %s",
			line);
	}
	return TEST_PASS;
}

/*
 * A bad argument: exit status 2, nothing on stdout, on stderr one line
 * "bindsnoop: <problem>; <fix>" and at most the pointer to --help.
 */
static enum test_result run_usage_case(struct test_context *ctx, const char *const *args)
{
	char *out_text = NULL, *err_text = NULL, *second;
	char command[256], status_text[64];
	size_t used = 0, i;
	int status, err;

	for (i = 0; args[i]; i++)
		used += snprintf(command + used, sizeof(command) - used, " %s", args[i]);
	err = run_bindsnoop_once(args, LIVE_EXIT_MS, &status, &out_text, &err_text);
	if (err == -EBUSY) {
		test_fail(ctx,
			  "'bindsnoop%s' accepted the argument and started tracing; stderr: %s",
			  command, err_text ? err_text : "?");
		goto out;
	}
	if (err == -ETIMEDOUT) {
		test_fail(ctx, "'bindsnoop%s' was still running after %d s; stderr: %s", command,
			  LIVE_EXIT_MS / 1000, err_text ? err_text : "?");
		goto out;
	}
	if (err) {
		test_fail(ctx, "cannot run bindsnoop%s: %s", command, strerror(-err));
		goto out;
	}
	describe_wait_status(status, status_text, sizeof(status_text));
	second = strchr(err_text, '\n');
	if (second)
		*second++ = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2)
		test_fail(ctx, "'bindsnoop%s': %s, expected exit status 2; stderr: %s", command,
			  status_text, err_text);
	else if (strncmp(err_text, "bindsnoop: ", 11) != 0 || !strstr(err_text, "; "))
		test_fail(
			ctx,
			"'bindsnoop%s': stderr line should read 'bindsnoop: <problem>; <fix>', got: %s",
			command, err_text);
	else if (second && *second && strcmp(second, "Try 'bindsnoop --help'.\n") != 0)
		test_fail(
			ctx,
			"'bindsnoop%s': more than the message and the --help pointer on stderr: %s",
			command, second);
	else if (*out_text)
		test_fail(ctx, "'bindsnoop%s': printed on stdout: %s", command, out_text);
out:
	free(out_text);
	free(err_text);
	return ctx->reason[0] ? TEST_FAIL : TEST_PASS;
}

enum test_result test_usage_port_too_big(struct test_context *ctx)
{
	static const char *const args[] = { "--port", "70000", NULL };

	return run_usage_case(ctx, args);
}

enum test_result test_usage_port_not_number(struct test_context *ctx)
{
	static const char *const args[] = { "--port", "abc", NULL };

	return run_usage_case(ctx, args);
}

enum test_result test_usage_port_reversed_range(struct test_context *ctx)
{
	static const char *const args[] = { "--port", "10-5", NULL };

	return run_usage_case(ctx, args);
}

enum test_result test_usage_pid_negative(struct test_context *ctx)
{
	static const char *const args[] = { "--pid", "-3", NULL };

	return run_usage_case(ctx, args);
}

/* Options that would be silently overridden or ignored (issue 18 item 10). */
enum test_result test_usage_output_twice(struct test_context *ctx)
{
	static const char *const args[] = { "--output", "/tmp/lt-a.jsonl", "--output",
					    "/tmp/lt-b.jsonl", NULL };

	return run_usage_case(ctx, args);
}

enum test_result test_usage_fold_ms_no_fold(struct test_context *ctx)
{
	static const char *const args[] = { "--fold-ms", "10", "--no-fold", NULL };

	return run_usage_case(ctx, args);
}

enum test_result test_usage_who_backend(struct test_context *ctx)
{
	static const char *const args[] = { "--who", "80", "--backend", "kprobe", NULL };

	return run_usage_case(ctx, args);
}

enum test_result test_usage_unknown_option(struct test_context *ctx)
{
	static const char *const args[] = { "--bogus", NULL };

	return run_usage_case(ctx, args);
}

/*
 * Every line any bindsnoop printed in this run parses and keeps the rules of
 * event_rules.h (scripts/test.sh checks the --json-log file against the
 * schema file itself). Run alone, it makes a conflict of its own to have something to
 * look at; empty output never passes.
 */
enum test_result test_json_valid(struct test_context *ctx)
{
	const struct audit_tally *tally = audit_tally();

	if (!tally->lines && geteuid() == 0) {
		struct repeatable_conflict conflict;
		struct snoop *tracer = test_own_tracer(ctx, NULL);

		if (!tracer ||
		    conflict_prepare(ctx, "lt-holder-json", "lt-caller-json", &conflict) ||
		    conflict_seen(ctx, tracer, &conflict))
			return TEST_FAIL;
	}
	if (!tally->lines)
		return geteuid() == 0 ?
			       test_fail(ctx, "bindsnoop printed no line at all") :
			       test_skip(ctx, "needs root: no bindsnoop traced in this run");
	if (tally->invalid)
		return test_fail(ctx, "%zu of %zu lines invalid; the first: %s; line: %s",
				 tally->invalid, tally->lines, tally->first_problem,
				 tally->first_invalid);
	if (tally->unlogged)
		return test_fail(ctx, "%zu of %zu lines could not be written to --json-log",
				 tally->unlogged, tally->lines);
	return TEST_PASS;
}
