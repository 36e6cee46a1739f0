// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Folding (--fold-ms, the default) and --no-fold: one process fails the same
 * way a few thousand times, and the records bindsnoop prints must account
 * for every one of those failures, exactly.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "conflict.h"
#include "live.h"
#include "scenarios.h"
#include "steps.h"

#define STORM_FAILURES	 3000
#define NO_FOLD_FAILURES 1000

/* What the tracer printed about the caller's failures. */
struct storm_tally {
	unsigned long long failures; /* the sum of count */
	unsigned long long records;
	unsigned long long folded;  /* records with "folded": true */
	unsigned long long repeats; /* the stop record's "repeats" */
	long long holder_inode;	    /* of the last full report */
	char problem[512];	    /* the first record that is not as it should be */
};

static long long integer_at(const struct json_value *event, const char *path)
{
	const struct json_value *value = json_get(event, path);

	return value && value->type == JSON_NUMBER && value->is_integer ? value->integer : -1;
}

static void note_problem(struct storm_tally *tally, const char *what, size_t index)
{
	if (!tally->problem[0])
		snprintf(tally->problem, sizeof(tally->problem), "record %zu: %s", index, what);
}

static void tally_line(struct storm_tally *tally, const struct json_value *event, size_t index,
		       pid_t caller)
{
	const struct json_value *name = json_member(event, "event");
	const struct json_value *folded = json_member(event, "folded");
	long long count = integer_at(event, "count");
	const struct json_value *source;

	if (!name || name->type != JSON_STRING)
		return;
	if (!strcmp(name->string, "stop")) {
		tally->repeats = integer_at(event, "repeats");
		return;
	}
	if (strcmp(name->string, "bind_failed") || integer_at(event, "caller.pid") != caller)
		return;
	tally->records++;
	if (count < 1) {
		note_problem(tally, "count missing or below 1", index);
		return;
	}
	tally->failures += count;
	if (!folded) {
		tally->holder_inode = integer_at(event, "holders[0].inode");
		if (count != 1)
			note_problem(tally, "a record that is not folded has a count other than 1",
				     index);
		return;
	}
	tally->folded++;
	/* A folded record keeps what the full report before it knew. */
	if (integer_at(event, "holders[0].inode") != tally->holder_inode ||
	    tally->holder_inode <= 0) {
		char what[160];

		snprintf(what, sizeof(what),
			 "a folded record does not name the full report's holder (inode %lld, "
			 "the full report's %lld; -1: none)",
			 integer_at(event, "holders[0].inode"), tally->holder_inode);
		note_problem(tally, what, index);
	}
	if (!json_get(event, "diagnosis.cause"))
		note_problem(tally, "a folded record has no diagnosis", index);
	/* ... and who the caller was, as the kernel read it for that full report. */
	source = json_get(event, "caller.source");
	if (!source || source->type != JSON_STRING || strcmp(source->string, "kernel"))
		note_problem(tally, "a folded record lost the full report's caller identity",
			     index);
}

/*
 * Fire `failures` conflicts from one caller with the tracer's extra
 * arguments (a --port filter is added), stop it with SIGTERM, and count.
 */
static enum test_result storm(struct test_context *ctx, const char *fold_arg,
			      const char *fold_value, int failures, struct storm_tally *tally)
{
	const char *args[] = { "--port", NULL, fold_arg, fold_value, NULL };
	struct repeatable_conflict conflict;
	struct snoop *tracer;
	char port_text[16];
	int status;

	memset(tally, 0, sizeof(*tally));
	tally->repeats = (unsigned long long)-1;
	if (conflict_prepare(ctx, "lt-holder-fold", "lt-caller-fold", &conflict))
		return TEST_FAIL;
	snprintf(port_text, sizeof(port_text), "%u", conflict.port);
	args[1] = port_text;
	tracer = test_own_tracer(ctx, args);
	if (!tracer)
		return TEST_FAIL;
	/*
	 * Most of them, then a pause that lets the window close on its own
	 * (the periodic sweep reports it), then the rest right before the stop
	 * (the sweep at exit must report them).
	 */
	for (int i = 0; i < failures; i++) {
		if (conflict_fire(ctx, &conflict))
			return TEST_FAIL;
		if (i == failures * 4 / 5)
			snoop_pump(tracer, 600);
	}
	/*
	 * Stop once it has printed all it will before the stop: a slow machine
	 * (a VM without KVM) is still enriching a backlog of full reports.
	 */
	snoop_wait_quiet(tracer, 1000, LIVE_EXIT_MS);
	if (snoop_wait_exit(tracer, SIGTERM, LIVE_EXIT_MS, &status) || status)
		return test_fail(ctx, "bindsnoop did not exit 0 on SIGTERM");
	for (size_t i = 0; i < snoop_line_count(tracer); i++) {
		const struct snoop_line *line = snoop_line(tracer, i);

		if (line->json)
			tally_line(tally, line->json, i, helper_pid(conflict.caller));
	}
	if (tally->problem[0])
		return test_fail(ctx, "%s", tally->problem);
	return TEST_PASS;
}

/*
 * Default folding with a short window: the first failure in full, its
 * repeats folded, and the counts add up to the storm exactly.
 */
enum test_result test_fold(struct test_context *ctx)
{
	struct storm_tally tally;

	if (storm(ctx, "--fold-ms", "200", STORM_FAILURES, &tally) != TEST_PASS)
		return TEST_FAIL;
	if (tally.failures != STORM_FAILURES)
		return test_fail(ctx, "the counts add up to %llu over %llu records, not %d",
				 tally.failures, tally.records, STORM_FAILURES);
	if (!tally.folded || tally.records > STORM_FAILURES / 10)
		return test_fail(ctx, "%llu records, %llu of them folded: not folded",
				 tally.records, tally.folded);
	if (tally.repeats != tally.failures - (tally.records - tally.folded))
		return test_fail(ctx,
				 "the stop record says %llu repeats; the folded records "
				 "count %llu",
				 tally.repeats, tally.failures - (tally.records - tally.folded));
	live_log("%d failures: %llu records, %llu folded", STORM_FAILURES, tally.records,
		 tally.folded);
	return TEST_PASS;
}

/* --no-fold: one record per failure, none folded. */
enum test_result test_no_fold(struct test_context *ctx)
{
	struct storm_tally tally;

	if (storm(ctx, "--no-fold", NULL, NO_FOLD_FAILURES, &tally) != TEST_PASS)
		return TEST_FAIL;
	if (tally.records != NO_FOLD_FAILURES || tally.folded || tally.repeats != 0)
		return test_fail(ctx,
				 "%llu records (%llu folded, stop says %llu repeats) for %d "
				 "failures",
				 tally.records, tally.folded, tally.repeats, NO_FOLD_FAILURES);
	return TEST_PASS;
}

#define PROTOCOL_BURST	50
#define PROTOCOL_ROUNDS 10

/*
 * The failures of caller's records of protocol proto ("tcp", "udp"), summed;
 * -1 if one of them has no count of 1 or more (as tally_line() holds too).
 */
static long long protocol_failures(struct snoop *tracer, pid_t caller, const char *proto)
{
	long long failures = 0;

	for (size_t i = 0; i < snoop_line_count(tracer); i++) {
		const struct snoop_line *line = snoop_line(tracer, i);
		const struct json_value *name, *record_proto;
		long long count;

		if (!line->json)
			continue;
		name = json_member(line->json, "event");
		record_proto = json_member(line->json, "proto");
		if (!name || name->type != JSON_STRING || strcmp(name->string, "bind_failed") ||
		    integer_at(line->json, "caller.pid") != caller || !record_proto ||
		    record_proto->type != JSON_STRING || strcmp(record_proto->string, proto))
			continue;
		count = integer_at(line->json, "count");
		if (count < 1)
			return -1;
		failures += count;
	}
	return failures;
}

/*
 * One caller holds a TCP and a UDP socket and fails to bind each to the same
 * held port, in bursts of one and then the other. The kernel remembers a
 * socket's family and protocol per CPU for its repeats (sock_memo in
 * bpf/report.bpf.h): had it taken the UDP socket's failures for the TCP
 * socket's, they would be folded under the TCP key and missing from the
 * udp records. Each protocol's counts must add up exactly.
 */
enum test_result test_fold_two_protocols(struct test_context *ctx)
{
	const char *args[] = { "--port", NULL, "--fold-ms", "200", NULL };
	struct holder tcp_holder, udp_holder;
	struct holder_spec spec;
	struct helper *caller;
	struct snoop *tracer;
	unsigned int port = test_port(ctx);
	long long tcp, udp, want = PROTOCOL_ROUNDS * PROTOCOL_BURST;
	char port_text[16];
	int slots[2], status;

	if (!port)
		return TEST_FAIL;
	spec = tcp4_listener("lt-holder-tcp2p", port);
	if (start_holder(ctx, &spec, &tcp_holder))
		return TEST_FAIL;
	spec.comm = "lt-holder-udp2p";
	spec.type = SOCK_DGRAM;
	spec.listen = false;
	if (start_holder(ctx, &spec, &udp_holder))
		return TEST_FAIL;
	caller = test_helper(ctx, "lt-caller-2p");
	if (!caller)
		return TEST_FAIL;
	slots[0] = helper_socket(caller, AF_INET, SOCK_STREAM, 0);
	slots[1] = helper_socket(caller, AF_INET, SOCK_DGRAM, 0);
	if (slots[0] < 0 || slots[1] < 0)
		return test_fail(ctx, "the caller's sockets: %d, %d", slots[0], slots[1]);
	snprintf(port_text, sizeof(port_text), "%u", port);
	args[1] = port_text;
	tracer = test_own_tracer(ctx, args);
	if (!tracer)
		return TEST_FAIL;
	for (int round = 0; round < PROTOCOL_ROUNDS; round++)
		for (int which = 0; which < 2; which++)
			for (int i = 0; i < PROTOCOL_BURST; i++) {
				int err = helper_bind(caller, slots[which], AF_INET, "127.0.0.1",
						      port);

				if (err != -EADDRINUSE)
					return test_fail(ctx, "the %s bind returned %d, not -EADDRINUSE",
							 which ? "UDP" : "TCP", err);
			}
	snoop_wait_quiet(tracer, 1000, LIVE_EXIT_MS);
	if (snoop_wait_exit(tracer, SIGTERM, LIVE_EXIT_MS, &status) || status)
		return test_fail(ctx, "bindsnoop did not exit 0 on SIGTERM");
	tcp = protocol_failures(tracer, helper_pid(caller), "tcp");
	udp = protocol_failures(tracer, helper_pid(caller), "udp");
	if (tcp < 0 || udp < 0)
		return test_fail(ctx, "a %s record has no count of 1 or more", tcp < 0 ? "tcp" : "udp");
	if (tcp != want || udp != want)
		return test_fail(ctx, "%lld tcp and %lld udp failures counted, %lld of each made", tcp,
				 udp, want);
	live_log("%lld tcp and %lld udp failures, each counted", tcp, udp);
	return TEST_PASS;
}
