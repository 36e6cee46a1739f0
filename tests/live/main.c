// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live-test: runs the real bindsnoop as root, makes real bind conflicts and
 * checks what a user sees in its JSON output. One line per test, then
 * "live: N passed, N failed[, N skipped]"; exit 1 if any failed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "audit.h"
#include "conflict.h"
#include "env.h"
#include "live.h"
#include "runner.h"
#include "scenarios.h"
#include "selftest.h"

static const struct live_test live_tests[] = {
	/* one shared bindsnoop */
	{ "tcp4", "TCP 127.0.0.1 listener, second bind: holder LISTEN named", test_tcp4, true,
	  TAG_GET_PORT },
	{ "tcp4-wildcard", "0.0.0.0 listener blocks 127.0.0.1: holder addr 0.0.0.0",
	  test_tcp4_wildcard, true, 0 },
	{ "udp4", "UDP 127.0.0.1 bound twice: proto udp, holder BOUND", test_udp4, true,
	  TAG_GET_PORT },
	{ "tcp6-dualstack", "[::] dual-stack listener blocks 127.0.0.1: holder ipv6 \"::\"",
	  test_tcp6_dualstack, true, TAG_GET_PORT },
	{ "tcp6", "[::1] listener, second [::1] bind: family ipv6", test_tcp6, true, 0 },
	{ "mptcp", "MPTCP listener, second MPTCP bind: proto mptcp on every backend", test_mptcp,
	  true, 0 },
	{ "listen-time", "SO_REUSEADDR binds, second listen() fails: listen_failed",
	  test_listen_time, true, TAG_GET_PORT },
	{ "eacces", "uid 65534 binds port 80: EACCES, caller.uid 65534", test_eacces, true, 0 },
	{ "einval-already-bound", "second bind on one socket: EINVAL, the second port",
	  test_einval_already_bound, true, 0 },
	{ "eaddrnotavail", "bind 192.0.2.1: EADDRNOTAVAIL, the requested address",
	  test_eaddrnotavail, true, 0 },
	{ "netns", "conflict in a new netns, decoy in ours: caller.netns, right holder", test_netns,
	  true, 0 },
	{ "json-escape", "quotes, control bytes, invalid UTF-8 in process names", test_json_escape,
	  true, 0 },
	{ "cause-other-program", "a copy of live-test holds the port: other_program, kill PID",
	  test_cause_other_program, true, 0 },
	{ "caller-exits-same-program",
	  "a second instance binds and exits at once: same_program, identity from the kernel",
	  test_caller_exits_same_program, true, 0 },
	{ "caller-exits-other-program",
	  "another program binds and exits at once: other_program, its exe from the kernel",
	  test_caller_exits_other_program, true, 0 },
	{ "cause-dual-stack", "own [::] socket, then 0.0.0.0: dual_stack", test_cause_dual_stack,
	  true, 0 },
	{ "cause-time-wait", "server-side close leaves TIME_WAIT: time_wait", test_cause_time_wait,
	  true, 0 },
	{ "cause-reuseport", "SO_REUSEPORT as root and as nobody: reuseport_mismatch",
	  test_cause_reuseport, true, 0 },
	{ "cause-ports-exhausted", "2-port ip_local_port_range in a netns: ports_exhausted",
	  test_cause_ports_exhausted, true, TAG_GET_PORT },
	{ "autobind-exhausted",
	  "connect() and sendto() on unbound UDP sockets, no port left: via autobind, EAGAIN",
	  test_autobind_exhausted, true, TAG_GET_PORT },
	{ "unix-stale-file",
	  "a server killed with SIGKILL left its socket file: stale_socket_file, rm PATH",
	  test_unix_stale_file, true, 0 },
	{ "unix-live-holder",
	  "a listener holds the path, a second instance exits at once: holder "
	  "named, same_program",
	  test_unix_live_holder, true, 0 },
	{ "unix-holder-other-netns",
	  "the path's socket is bound in another network namespace: not stale, holder named "
	  "there",
	  test_unix_holder_other_netns, true, 0 },
	{ "unix-abstract", "an abstract name with a \\x01 byte held: @name escaped, holder named",
	  test_unix_abstract, true, 0 },
	{ "unix-not-a-socket", "a directory at the path: not_a_socket", test_unix_not_a_socket,
	  true, 0 },
	{ "unix-no-directory", "the socket's directory is missing: ENOENT, no_directory",
	  test_unix_no_directory, true, 0 },
	{ "unix-denied", "nobody binds in root's 0755 directory: EACCES, denied", test_unix_denied,
	  true, 0 },
	{ "unix-socat-twice",
	  "socat on an abstract name started twice: the second fails, "
	  "same_program names the first",
	  test_unix_socat_twice, true, 0 },
	{ "sigint-exit", "the shared bindsnoop exits 0 on SIGINT", test_sigint_exit, true, 0 },
	/* a bindsnoop each */
	{ "holder-before-tracer", "holder bound before tracing: named by the /proc lookup",
	  test_holder_before_tracer, true, TAG_OWN_TRACER },
	{ "port-filter", "--port P: a conflict on Q is not reported, P's is", test_port_filter,
	  true, TAG_OWN_TRACER },
	{ "all-flag", "--all: successful bind and listen as events", test_all_flag, true,
	  TAG_OWN_TRACER },
	{ "errno-filter-name", "--errno EADDRINUSE: EINVAL left out, EADDRINUSE reported",
	  test_errno_filter_name, true, TAG_OWN_TRACER },
	{ "errno-filter-number", "--errno 22: EADDRINUSE left out, EINVAL reported",
	  test_errno_filter_number, true, TAG_OWN_TRACER },
	{ "errno-uid-filter", "-e EACCES -u nobody (README): only nobody's EACCES",
	  test_errno_uid_filter, true, TAG_OWN_TRACER },
	{ "pid-filter", "--pid P: another process's conflict left out", test_pid_filter, true,
	  TAG_OWN_TRACER },
	{ "uid-filter", "--uid 65534: root's conflict left out", test_uid_filter, true,
	  TAG_OWN_TRACER },
	{ "comm-filter", "--comm: another command name's conflict left out", test_comm_filter, true,
	  TAG_OWN_TRACER },
	{ "path-filter", "--path DIR/app*: another name's and a port's failures left out",
	  test_unix_path_filter, true, TAG_OWN_TRACER },
	{ "sigterm-exit", "exits 0 on SIGTERM after printing", test_sigterm_exit, true,
	  TAG_OWN_TRACER | TAG_USERSPACE },
	{ "closed-stdout", "reader gone: next event ends it quietly with status 0",
	  test_closed_stdout, true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "wide-table", "--wide: row, caller command line, holder lines; totals on stderr",
	  test_wide_table, true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "output-quiet", "-q --output FILE: nothing on stdout; start, event, stop in the file",
	  test_output_quiet, true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "syslog-unix", "--syslog=PATH --syslog-facility local3: RFC 5424, facility 19",
	  test_syslog_unix, true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "syslog-queue", "--syslog-queue-mb 1, no collector: overflow counted as dropped",
	  test_syslog_queue, true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "journal", "--journal: a failure as a native journal entry, fields and seq as in JSON",
	  test_journal, true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "journal-stalled",
	  "--journal, journald stalled: stdout unharmed, exit in the grace, "
	  "every record sent or counted",
	  test_journal_stalled, true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "verbose", "-v: the backend choice on stderr", test_verbose, true,
	  TAG_OWN_TRACER | TAG_USERSPACE },
	{ "no-proc-lookup", "--no-proc-lookup: a holder bound before tracing stays unnamed",
	  test_no_proc_lookup, true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "no-kernel-holders", "--no-kernel-holders: holders found in userspace",
	  test_no_kernel_holders, true, TAG_OWN_TRACER },
	{ "no-sock-diag", "BINDSNOOP_NO_SOCK_DIAG=1: holders named from /proc/net",
	  test_no_sock_diag, true, TAG_OWN_TRACER | TAG_USERSPACE | TAG_NO_MODULES },
	{ "unix-no-sock-diag", "no unix_diag: a path's holder from /proc/net/unix, stale, --who",
	  test_unix_no_sock_diag, true, TAG_OWN_TRACER | TAG_USERSPACE | TAG_NO_MODULES },
	{ "hidden-helpers", "BINDSNOOP_HIDE_HELPERS: 5.10's programs, degraded said, holder named",
	  test_hidden_helpers, true, TAG_OWN_TRACER },
	{ "ring-buffer-mb", "--ring-buffer-mb 4: a 4 MiB ring buffer map", test_ring_buffer_mb,
	  true, TAG_OWN_TRACER },
	{ "ring-buffer-default", "no --ring-buffer-mb: a 2 MiB ring for the 10 ms poll",
	  test_ring_buffer_default, true, TAG_OWN_TRACER },
	{ "verifier-cost",
	  "default options: no program costs the verifier over 56,000 instructions (6.8+)",
	  test_verifier_cost, true, TAG_OWN_TRACER },
	{ "idle-memory",
	  "default options, tracing: no BPF object, heap <= 4 MiB, no libsystemd, no microhttpd",
	  test_idle_memory, true, TAG_OWN_TRACER },
	{ "ring-buffer-lost", "--ring-buffer-mb 1, stopped reader: one stderr line names the fix",
	  test_ring_buffer_lost, true, TAG_OWN_TRACER },
	{ "poll-ms", "--poll-ms 1000: a lone event can wait for the poll timeout", test_poll_ms,
	  true, TAG_OWN_TRACER | TAG_USERSPACE },
	{ "fold", "3,000 identical failures: folded, the counts add up to 3,000 exactly", test_fold,
	  true, TAG_OWN_TRACER | TAG_KERNEL_WALK | TAG_FAST_STORM },
	{ "fold-two-protocols",
	  "a TCP and a UDP socket of one caller fail in turns: each protocol's counts add up",
	  test_fold_two_protocols, true, TAG_OWN_TRACER },
	{ "no-fold", "--no-fold: 1,000 identical failures, 1,000 records", test_no_fold, true,
	  TAG_OWN_TRACER | TAG_KERNEL_WALK },
	{ "metrics", "--metrics ADDR:PORT: /metrics counts a real failure on its port",
	  test_metrics_option, true, TAG_OWN_TRACER | TAG_USERSPACE },
	/* no tracing */
	{ "who-holder", "--who PORT: the listening holder and its pid, exit 0", test_who_holder,
	  true, TAG_USERSPACE | TAG_NO_MODULES },
	{ "who-hostile-name", "--who --wide: C1 controls and bidi overrides of a name shown as ?",
	  test_who_hostile_name, true, TAG_USERSPACE },
	{ "who-time-wait", "--who PORT: a TIME_WAIT socket with its time left", test_who_time_wait,
	  true, TAG_USERSPACE },
	{ "who-free", "--who PORT: \"free\", exit 1", test_who_free, true, TAG_USERSPACE },
	{ "who-parent-chain", "--who: a holder's parents up to its supervisor, started_by",
	  test_who_parent_chain, true, TAG_USERSPACE },
	{ "who-other-netns",
	  "--who: a port, an @name free here, held in another netns with --all-netns",
	  test_who_other_netns, true, TAG_USERSPACE },
	{ "who-unix", "--who PORT,PATH,@NAME: a held path and name, a stale file (rm), absent",
	  test_who_unix, true, TAG_USERSPACE },
	{ "help", "--help: usage on stdout, exit 0", test_help_option, false, 0 },
	{ "version", "--version: the version on stdout, exit 0", test_version_option, false, 0 },
	{ "options-table", "every option names live tests that exist, and is in --help",
	  test_options_table, false, 0 },
	{ "usage-port-70000", "--port 70000: exit 2, one-line message", test_usage_port_too_big,
	  false, 0 },
	{ "usage-port-abc", "--port abc: exit 2, one-line message", test_usage_port_not_number,
	  false, 0 },
	{ "usage-port-range", "--port 10-5: exit 2, one-line message",
	  test_usage_port_reversed_range, false, 0 },
	{ "usage-pid-negative", "--pid -3: exit 2, one-line message", test_usage_pid_negative,
	  false, 0 },
	{ "usage-bogus", "--bogus: exit 2, one-line message", test_usage_unknown_option, false, 0 },
	{ "usage-output-twice", "--output twice: exit 2, one-line message", test_usage_output_twice,
	  false, 0 },
	{ "usage-fold-ms-no-fold", "--fold-ms with --no-fold: exit 2, one-line message",
	  test_usage_fold_ms_no_fold, false, 0 },
	{ "usage-who-backend", "--who with --backend: exit 2, one-line message",
	  test_usage_who_backend, false, 0 },
	/* last: the whole run's output */
	{ "json-valid", "every line of this run: strict JSON, rules of event_rules.h",
	  test_json_valid, false, 0 },
};

#define TEST_COUNT (sizeof(live_tests) / sizeof(live_tests[0]))

static const struct {
	const char *name;
	enum live_tag tag;
} tag_names[] = {
	{ "own-tracer", TAG_OWN_TRACER }, { "userspace", TAG_USERSPACE },
	{ "get-port", TAG_GET_PORT },	  { "kernel-walk", TAG_KERNEL_WALK },
	{ "no-modules", TAG_NO_MODULES }, { "fast-storm", TAG_FAST_STORM },
};

#define TAG_NAME_COUNT (sizeof(tag_names) / sizeof(tag_names[0]))

const struct live_config *live_config;

bool live_test_exists(const char *name)
{
	for (size_t i = 0; i < TEST_COUNT; i++)
		if (!strcmp(live_tests[i].name, name))
			return true;
	return false;
}
static struct live_config config;

/* The tracer scenarios share, and why it could not start if it could not. */
static struct snoop *shared_tracer;
static char shared_tracer_failure[4096];
static bool shared_tracer_started;
static bool starting_shared_tracer;

/* Tracers started by tests, the shared one left out: checked against TAG_OWN_TRACER. */
static unsigned int own_tracer_starts;

void live_note_tracer_start(void)
{
	if (!starting_shared_tracer)
		own_tracer_starts++;
}

void live_log(const char *fmt, ...)
{
	va_list ap;

	if (!config.verbose)
		return;
	fprintf(stderr, "# ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

long long live_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static enum test_result set_reason(struct test_context *ctx, enum test_result result,
				   const char *fmt, va_list ap)
{
	if (!ctx->reason[0])
		vsnprintf(ctx->reason, sizeof(ctx->reason), fmt, ap);
	return result;
}

enum test_result test_fail(struct test_context *ctx, const char *fmt, ...)
{
	enum test_result result;
	va_list ap;

	va_start(ap, fmt);
	result = set_reason(ctx, TEST_FAIL, fmt, ap);
	va_end(ap);
	return result;
}

enum test_result test_skip(struct test_context *ctx, const char *fmt, ...)
{
	enum test_result result;
	va_list ap;

	va_start(ap, fmt);
	result = set_reason(ctx, TEST_SKIP, fmt, ap);
	va_end(ap);
	return result;
}

struct helper *test_helper(struct test_context *ctx, const char *comm)
{
	struct helper *helper;
	int err;

	if (ctx->helper_count == TEST_MAX_HELPERS) {
		test_fail(ctx, "setup: more than %d helpers in one test", TEST_MAX_HELPERS);
		return NULL;
	}
	err = helper_spawn(&helper, comm);
	if (err) {
		test_fail(ctx, "setup: cannot fork helper %s: %s", comm, strerror(-err));
		return NULL;
	}
	ctx->helpers[ctx->helper_count++] = helper;
	return helper;
}

struct snoop *test_shared_tracer(struct test_context *ctx)
{
	if (shared_tracer)
		return shared_tracer;
	if (shared_tracer_failure[0]) {
		test_fail(ctx, "shared bindsnoop did not start: %s", shared_tracer_failure);
		return NULL;
	}
	starting_shared_tracer = true;
	if (snoop_start(&shared_tracer, NULL, shared_tracer_failure,
			sizeof(shared_tracer_failure))) {
		starting_shared_tracer = false;
		shared_tracer = NULL;
		test_fail(ctx, "%s", shared_tracer_failure);
		return NULL;
	}
	starting_shared_tracer = false;
	shared_tracer_started = true;
	return shared_tracer;
}

struct snoop *test_take_shared_tracer(struct test_context *ctx)
{
	struct snoop *tracer = test_shared_tracer(ctx);

	if (!tracer)
		return NULL;
	shared_tracer = NULL;
	ctx->own_tracer = tracer;
	return tracer;
}

struct snoop *test_own_tracer(struct test_context *ctx, const char *const *extra_args)
{
	char reason[4096];

	if (ctx->own_tracer) {
		test_fail(ctx, "setup: a second own tracer in one test");
		return NULL;
	}
	if (snoop_start(&ctx->own_tracer, extra_args, reason, sizeof(reason))) {
		ctx->own_tracer = NULL;
		test_fail(ctx, "%s", reason);
		return NULL;
	}
	return ctx->own_tracer;
}

unsigned int test_port(struct test_context *ctx)
{
	unsigned int port = port_allocate();

	if (!port)
		test_fail(ctx, "setup: no free port left in the test range");
	return port;
}

void test_context_cleanup(struct test_context *ctx)
{
	int i;

	for (i = 0; i < ctx->helper_count; i++)
		helper_destroy(ctx->helpers[i]);
	ctx->helper_count = 0;
	snoop_destroy(ctx->own_tracer);
	ctx->own_tracer = NULL;
}

/* Reasons go on one line: bindsnoop's stderr may hold newlines. */
static void flatten(char *text)
{
	for (; *text; text++) {
		if (*text == '\n' || *text == '\r')
			*text = ' ';
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: live-test --bindsnoop PATH [--backend NAME] [--kernel-only]\n"
		"                 [--only NAME[,NAME...]] [--skip NAME[,NAME...]]\n"
		"                 [--list [--tag TAG[,TAG...]] [--without-tag TAG[,TAG...]]]\n"
		"                 [--verbose] [--json-log FILE]\n"
		"       live-test --self-test\n"
		"Runs the real bindsnoop (as root), makes real bind conflicts, checks its JSON.\n"
		"  --bindsnoop PATH  the binary under test\n"
		"  --backend NAME    passed on as bindsnoop --backend NAME\n"
		"  --kernel-only     also pass --no-proc-lookup: holders named by the kernel\n"
		"                    alone\n"
		"  --only LIST       run only these tests (see --list)\n"
		"  --skip LIST       report these tests as skipped without running them\n"
		"  --list            print the tests, their tags and what each checks\n"
		"  --tag LIST        with --list: only the names of tests with one of these\n"
		"                    tags, one a line (scripts/vm-test.sh picks rows by them)\n"
		"  --without-tag LIST  with --list: leave out tests with one of these tags\n"
		"  --verbose         echo bindsnoop's output and helper steps on stderr\n"
		"  --json-log FILE   write every JSON line bindsnoop printed to FILE, for\n"
		"                    tests/lib/validate_events.py (the schema file itself)\n"
		"  --self-test       check the harness's conflict helpers, without bindsnoop\n"
		"                    (the JSON checker's own tests are unit tests)\n"
		"  --tools DIR       accepted for the Makefile, not used\n"
		"Tags: own-tracer (starts a bindsnoop of its own; checked in every run),\n"
		"  userspace (what userspace alone does: one kernel of the VM matrix runs it),\n"
		"  get-port (run again on the get_port hooks), kernel-walk (its own tracer's\n"
		"  holders come from the kernel walk: kept in --kernel-only rows), no-modules\n"
		"  (run again without the socket-diag modules), fast-storm (needs thousands\n"
		"  of failed binds a second: not on arm64 under TCG).\n");
}

/* The tag bits of a comma-separated list of tag names; -EINVAL names the bad one. */
static int parse_tags(const char *option, const char *list, unsigned int *tags)
{
	char *copy = strdup(list), *name, *save = NULL;
	int err = 0;
	size_t i;

	if (!copy)
		return -ENOMEM;
	*tags = 0;
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < TAG_NAME_COUNT && strcmp(tag_names[i].name, name); i++)
			;
		if (i == TAG_NAME_COUNT) {
			fprintf(stderr, "live-test: %s: no tag named '%s'; see --help\n", option,
				name);
			err = -EINVAL;
			break;
		}
		*tags |= tag_names[i].tag;
	}
	free(copy);
	return err;
}

/*
 * --list: every test with its tags and summary; with --tag or --without-tag
 * only the names that match, one a line, for scripts.
 */
static void list_tests(const char *with, unsigned int with_tags, unsigned int without_tags)
{
	for (size_t i = 0; i < TEST_COUNT; i++) {
		const struct live_test *test = &live_tests[i];
		char tags[128] = "";
		size_t used = 0;

		if ((with && !(test->tags & with_tags)) || (test->tags & without_tags))
			continue;
		if (with || without_tags) {
			printf("%s\n", test->name);
			continue;
		}
		for (size_t t = 0; t < TAG_NAME_COUNT; t++)
			if (test->tags & tag_names[t].tag)
				used += snprintf(tags + used, sizeof(tags) - used, "%s%s",
						 used ? "," : "", tag_names[t].name);
		printf("%-26s %-31s %s\n", test->name, used ? tags : "-", test->summary);
	}
}

/* Is name in the comma-separated list? */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while (p && *p) {
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static int check_only_list(const char *list)
{
	char *copy = strdup(list), *name, *save = NULL;
	int bad = 0;
	size_t i;

	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < TEST_COUNT && strcmp(live_tests[i].name, name); i++)
			;
		if (i == TEST_COUNT) {
			fprintf(stderr, "live-test: no test named '%s'; see --list\n", name);
			bad = 1;
		}
	}
	free(copy);
	return bad ? -EINVAL : 0;
}

static void stop_shared_tracer(void)
{
	int status;

	if (!shared_tracer)
		return;
	snoop_wait_exit(shared_tracer, SIGINT, LIVE_EXIT_MS, &status);
	snoop_destroy(shared_tracer);
	shared_tracer = NULL;
}

/*
 * The VM matrix picks rows by TAG_OWN_TRACER, so it must say what the test
 * really does. A run with the shared tracer is where it is told: json-valid
 * run alone starts one of its own to have lines to check.
 */
static enum test_result check_own_tracer_tag(struct test_context *ctx, const struct live_test *test,
					     bool started)
{
	if (started && !(test->tags & TAG_OWN_TRACER) && shared_tracer_started)
		return test_fail(ctx,
				 "started a bindsnoop of its own, but lacks TAG_OWN_TRACER in "
				 "live_tests[] (tests/live/main.c): add it, or scripts/vm-test.sh "
				 "runs it in the rows of the shared tracer");
	if (!started && (test->tags & TAG_OWN_TRACER))
		return test_fail(ctx, "has TAG_OWN_TRACER in live_tests[] (tests/live/main.c) but "
				      "started no bindsnoop of its own: drop the tag");
	return TEST_PASS;
}

static int run_tests(const char *only, const char *skip)
{
	int passed = 0, failed = 0, skipped = 0;
	size_t i;

	for (i = 0; i < TEST_COUNT; i++) {
		const struct live_test *test = &live_tests[i];
		struct test_context ctx = { 0 };
		unsigned int tracer_starts;
		enum test_result result;
		long long started;

		if (only && !listed(only, test->name))
			continue;
		live_log("--- %s: %s", test->name, test->summary);
		started = live_now_ms();
		tracer_starts = own_tracer_starts;
		if (skip && listed(skip, test->name))
			result = test_skip(&ctx, "--skip: left out of this run by the caller");
		else if (test->needs_root && geteuid() != 0)
			result = test_skip(&ctx, "needs root: bindsnoop loads BPF programs");
		else
			result = test->run(&ctx);
		if (result == TEST_PASS)
			result = check_own_tracer_tag(&ctx, test,
						      own_tracer_starts != tracer_starts);
		test_context_cleanup(&ctx);
		flatten(ctx.reason);
		switch (result) {
		case TEST_PASS:
			/* The time says which test a slow kernel or CI spends on. */
			printf("ok   %s (%.1f s)\n", test->name,
			       (live_now_ms() - started) / 1000.0);
			passed++;
			break;
		case TEST_FAIL:
			printf("FAIL %s: %s\n", test->name,
			       ctx.reason[0] ? ctx.reason : "(no reason)");
			failed++;
			break;
		case TEST_SKIP:
			printf("skip %s: %s\n", test->name, ctx.reason);
			skipped++;
			break;
		}
		fflush(stdout);
	}
	stop_shared_tracer();
	if (skipped)
		printf("live: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("live: %d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}

/*
 * In a minimal VM nothing may have brought the loopback up; the scenarios
 * all use it. On a normal machine it is up and this does nothing.
 */
static void prepare_loopback(void)
{
	int err;

	if (geteuid() != 0 || loopback_is_up())
		return;
	err = loopback_up();
	if (err)
		fprintf(stderr, "live-test: loopback is down and cannot be brought up: %s\n",
			strerror(-err));
	else
		live_log("loopback was down: brought it up");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bindsnoop", required_argument, NULL, 'b' },
		{ "backend", required_argument, NULL, 'B' },
		{ "kernel-only", no_argument, NULL, 'k' },
		{ "only", required_argument, NULL, 'o' },
		{ "skip", required_argument, NULL, 'S' },
		{ "list", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json-log", required_argument, NULL, 'j' },
		{ "self-test", no_argument, NULL, 's' },
		{ "tag", required_argument, NULL, 'T' },
		{ "without-tag", required_argument, NULL, 'W' },
		{ "tools", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool list = false, self_test = false;
	const char *only = NULL, *skip = NULL, *json_log = NULL, *with = NULL, *without = NULL;
	unsigned int with_tags = 0, without_tags = 0;
	int opt, err;

	/* A copy of this binary serving as a helper (a different program for the tests). */
	if (argc > 1 && strcmp(argv[1], HELPER_EXEC_FLAG) == 0)
		helper_exec_main(argc, argv);

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			config.bindsnoop = optarg;
			break;
		case 'B':
			config.backend = optarg;
			break;
		case 'k':
			config.kernel_only = true;
			break;
		case 'o':
			only = optarg;
			break;
		case 'S':
			skip = optarg;
			break;
		case 'l':
			list = true;
			break;
		case 'v':
			config.verbose = true;
			break;
		case 'j':
			json_log = optarg;
			break;
		case 's':
			self_test = true;
			break;
		case 'T':
			with = optarg;
			break;
		case 'W':
			without = optarg;
			break;
		case 't':
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	live_config = &config;
	/* A helper gone at the wrong moment must not kill the whole run. */
	signal(SIGPIPE, SIG_IGN);
	if ((with || without) && !list) {
		fprintf(stderr, "live-test: --tag and --without-tag go with --list\n");
		return 2;
	}
	if ((with && parse_tags("--tag", with, &with_tags)) ||
	    (without && parse_tags("--without-tag", without, &without_tags)))
		return 2;
	if (list) {
		/* The self check: every option names live tests this suite has. */
		if (option_tests_check(stderr))
			return 1;
		list_tests(with, with_tags, without_tags);
		return 0;
	}
	if (self_test)
		return run_self_test();
	if (optind != argc || !config.bindsnoop) {
		usage(stderr);
		return 2;
	}
	if (access(config.bindsnoop, X_OK)) {
		fprintf(stderr, "live-test: %s is not an executable: %s\n", config.bindsnoop,
			strerror(errno));
		return 2;
	}
	if ((only && check_only_list(only)) || (skip && check_only_list(skip)))
		return 2;
	if (json_log && (err = audit_log_to(json_log))) {
		fprintf(stderr, "live-test: --json-log %s: %s; give a writable file\n", json_log,
			strerror(-err));
		return 2;
	}
	prepare_loopback();
	host_facts();
	return run_tests(only, skip);
}
