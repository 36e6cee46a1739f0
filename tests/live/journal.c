// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --journal against a journald of the test's own: bindsnoop starts in a
 * mount namespace where /run/systemd is a fresh tmpfs and
 * /run/systemd/journal/socket a datagram socket this test reads, so the
 * entries libsystemd sends (the native protocol: "NAME=value\n", or
 * "NAME\n", a 64-bit little-endian length, the bytes and "\n") arrive here
 * and the machine's own journal, if any, is left alone. journal reads them
 * as they come; journal-stalled never reads, as a journald that hangs.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "live.h"
#include "scenarios.h"
#include "steps.h"

#define FAKE_JOURNAL_DIR    "/run/systemd"
#define FAKE_JOURNAL_SOCKET "/run/systemd/journal/socket"
#define ENTRY_MAX	    (256 * 1024)

/* The journald stand-in and the namespace it lives in. */
struct fake_journald {
	int fd;
	int saved_mnt_ns; /* the test's own mount namespace, to go back to */
	int saved_cwd;
};

/* Back in the test's own mount namespace (and directory), whatever happened. */
static void leave_namespace(struct fake_journald *fake)
{
	if (fake->saved_mnt_ns >= 0) {
		setns(fake->saved_mnt_ns, CLONE_NEWNS);
		close(fake->saved_mnt_ns);
		fake->saved_mnt_ns = -1;
	}
	if (fake->saved_cwd >= 0) {
		if (fchdir(fake->saved_cwd))
			live_log("journal: fchdir back failed: %s\n", strerror(errno));
		close(fake->saved_cwd);
		fake->saved_cwd = -1;
	}
}

/*
 * Enters a new mount namespace with the fake socket in place; the tracer
 * started next inherits it, then leave_namespace. -1 with the reason set.
 */
static int enter_namespace(struct test_context *ctx, struct fake_journald *fake, int rcvbuf)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	fake->fd = -1;
	fake->saved_mnt_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	fake->saved_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fake->saved_mnt_ns < 0 || fake->saved_cwd < 0 || unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		test_fail(ctx, "setup: a mount namespace of its own: %s", strerror(errno));
		return -1;
	}
	if ((mkdir(FAKE_JOURNAL_DIR, 0755) && errno != EEXIST) ||
	    mount("tmpfs", FAKE_JOURNAL_DIR, "tmpfs", 0, "mode=0755") ||
	    mkdir(FAKE_JOURNAL_DIR "/journal", 0755)) {
		test_fail(ctx, "setup: tmpfs on " FAKE_JOURNAL_DIR ": %s", strerror(errno));
		return -1;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", FAKE_JOURNAL_SOCKET);
	fake->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fake->fd < 0 || bind(fake->fd, (struct sockaddr *)&addr, sizeof(addr))) {
		test_fail(ctx, "setup: socket " FAKE_JOURNAL_SOCKET ": %s", strerror(errno));
		return -1;
	}
	if (rcvbuf)
		setsockopt(fake->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return 0;
}

static void fake_journald_close(struct fake_journald *fake)
{
	leave_namespace(fake);
	if (fake->fd >= 0)
		close(fake->fd);
	fake->fd = -1;
}

/*
 * The tracer, with args, in the fake journald's namespace. NULL with the
 * reason set; a build without --journal is a skip (*skipped).
 */
static struct snoop *journal_tracer(struct test_context *ctx, struct fake_journald *fake,
				    const char *const *args, int rcvbuf, bool *skipped)
{
	struct snoop *tracer = NULL;

	*skipped = false;
	if (!enter_namespace(ctx, fake, rcvbuf))
		tracer = test_own_tracer(ctx, args);
	leave_namespace(fake);
	if (!tracer && strstr(ctx->reason, "--journal is not in this build")) {
		*skipped = true;
		ctx->reason[0] = '\0';
		test_skip(ctx, "this build has no --journal (make STATIC=1 leaves it out)");
	}
	return tracer;
}

/* One field of a native-protocol datagram: its value, NULL if absent. */
static const char *entry_field(const char *entry, size_t len, const char *name, size_t *value_len)
{
	size_t name_len = strlen(name);
	size_t at = 0;

	while (at < len) {
		const char *line = entry + at;
		const char *newline = memchr(line, '\n', len - at);
		const char *equals;
		uint64_t size = 0;

		if (!newline)
			return NULL;
		equals = memchr(line, '=', newline - line);
		if (equals) {
			if ((size_t)(equals - line) == name_len && !memcmp(line, name, name_len)) {
				*value_len = newline - equals - 1;
				return equals + 1;
			}
			at = newline - entry + 1;
			continue;
		}
		/* The binary-safe form: a name alone, then a length and the bytes. */
		if ((size_t)(len - (newline + 1 - entry)) < sizeof(size))
			return NULL;
		memcpy(&size, newline + 1, sizeof(size)); /* little-endian, as x86 and arm64 */
		if (size > len - (newline + 1 - entry) - sizeof(size))
			return NULL;
		if ((size_t)(newline - line) == name_len && !memcmp(line, name, name_len)) {
			*value_len = size;
			return newline + 1 + sizeof(size);
		}
		at = newline + 1 - entry + sizeof(size) + size + 1;
	}
	return NULL;
}

static bool entry_field_is(const char *entry, size_t len, const char *name, const char *value)
{
	size_t value_len = 0;
	const char *got = entry_field(entry, len, name, &value_len);

	return got && value_len == strlen(value) && !memcmp(got, value, value_len);
}

static unsigned long long entry_number(const char *entry, size_t len, const char *name)
{
	size_t value_len = 0;
	const char *got = entry_field(entry, len, name, &value_len);
	unsigned long long number = 0;

	for (size_t i = 0; got && i < value_len && got[i] >= '0' && got[i] <= '9'; i++)
		number = number * 10 + (got[i] - '0');
	return number;
}

/* The next datagram within timeout_ms: its length, or -1. */
static ssize_t receive_entry(int fd, char *entry, int timeout_ms)
{
	struct timeval wait = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	return recv(fd, entry, ENTRY_MAX, 0);
}

/* The value of "name":N in a JSON line; 0 if absent. */
static unsigned long long json_number(const char *line, const char *name)
{
	char key[64];
	const char *at;

	snprintf(key, sizeof(key), "\"%s\":", name);
	at = strstr(line, key);
	return at ? strtoull(at + strlen(key), NULL, 10) : 0;
}

/*
 * --journal: a real failure arrives as one entry whose fields name the
 * caller and the holder, with the same seq as the JSON event on stdout.
 */
enum test_result test_journal(struct test_context *ctx)
{
	static const char *const args[] = { "--journal", NULL };
	struct fake_journald fake;
	struct repeatable_conflict conflict;
	const struct snoop_line *event;
	enum test_result result = TEST_FAIL;
	char *entry = malloc(ENTRY_MAX), comm_pid[64], seq_text[32];
	const char *message;
	size_t message_len = 0;
	ssize_t len = -1;
	long long deadline;
	struct snoop *tracer;
	bool skipped;

	tracer = journal_tracer(ctx, &fake, args, 0, &skipped);
	if (!tracer || !entry) {
		result = skipped ? TEST_SKIP : TEST_FAIL;
		goto done;
	}
	if (conflict_prepare(ctx, "lt-holder-jrn", "lt-caller-jrn", &conflict) ||
	    conflict_fire(ctx, &conflict))
		goto done;
	event = await_event(ctx, tracer, 0, helper_pid(conflict.caller), "bind_failed");
	if (!event)
		goto done;
	deadline = live_now_ms() + LIVE_EVENT_MS;
	while (live_now_ms() < deadline) {
		len = receive_entry(fake.fd, entry, 200);
		if (len > 0 && entry_field_is(entry, len, "BINDSNOOP_CALLER_COMM", "lt-caller-jrn"))
			break;
		len = -1;
	}
	if (len < 0) {
		result = test_fail(ctx, "no journal entry about lt-caller-jrn at %s",
				   FAKE_JOURNAL_SOCKET);
		goto done;
	}
	snprintf(comm_pid, sizeof(comm_pid), "lt-caller-jrn[%d]", (int)helper_pid(conflict.caller));
	snprintf(seq_text, sizeof(seq_text), "%llu", json_number(snoop_line_text(event), "seq"));
	message = entry_field(entry, len, "MESSAGE", &message_len);
	if (!entry_field_is(entry, len, "SYSLOG_IDENTIFIER", "bindsnoop") ||
	    !entry_field_is(entry, len, "PRIORITY", "4") ||
	    !entry_field_is(entry, len, "BINDSNOOP_EVENT", "bind_failed") ||
	    !entry_field_is(entry, len, "BINDSNOOP_ERROR", "EADDRINUSE") ||
	    !entry_field_is(entry, len, "BINDSNOOP_SEQ", seq_text) ||
	    entry_number(entry, len, "BINDSNOOP_PORT") != conflict.port ||
	    entry_number(entry, len, "OBJECT_PID") !=
		    (unsigned long long)helper_pid(conflict.caller) ||
	    entry_number(entry, len, "BINDSNOOP_HOLDER_PID") !=
		    (unsigned long long)helper_pid(conflict.holder.helper) ||
	    !entry_field_is(entry, len, "BINDSNOOP_HOLDER_COMM", "lt-holder-jrn") || !message ||
	    !memmem(message, message_len, comm_pid, strlen(comm_pid)) ||
	    !memmem(message, message_len, "; fix: ", 7) ||
	    !entry_field(entry, len, "BINDSNOOP_CAUSE", &message_len) ||
	    !entry_field(entry, len, "BINDSNOOP_JSON", &message_len)) {
		for (ssize_t i = 0; i < len; i++)
			entry[i] = entry[i] == '\n' ? '|' : entry[i] ? entry[i] : '0';
		entry[len < 2000 ? len : 2000] = '\0';
		result = test_fail(ctx,
				   "the entry lacks a field or has another value (seq %s, "
				   "port %u): %s",
				   seq_text, conflict.port, entry);
		goto done;
	}
	result = TEST_PASS;
done:
	fake_journald_close(&fake);
	free(entry);
	return result;
}

/* "N events received, L lost, ... D dropped by --journal" on stderr: D, or -1. */
static long long dropped_by_journal(struct snoop *tracer)
{
	for (size_t i = 0; i < snoop_stderr_count(tracer); i++) {
		const char *line = snoop_stderr_line(tracer, i);
		const char *part = strstr(line, " dropped by --journal");

		if (strncmp(line, "bindsnoop: ", 11) || !strstr(line, " events received, "))
			continue;
		if (!part)
			return 0;
		while (part > line && part[-1] >= '0' && part[-1] <= '9')
			part--;
		return strtoll(part, NULL, 10);
	}
	return -1;
}

/*
 * A journald that takes nothing: the JSON output still gets every event,
 * SIGTERM still ends bindsnoop within the stop's grace, and every record
 * of the run is either in the socket or counted as dropped by --journal.
 */
enum test_result test_journal_stalled(struct test_context *ctx)
{
	/* --no-fold: each failure a record, so the stall really fills everything. */
	static const char *const args[] = { "--journal", "--no-fold", NULL };
	enum { FAILURES = 2000 };
	struct fake_journald fake;
	struct repeatable_conflict conflict;
	enum test_result result = TEST_FAIL;
	unsigned long long stop_seq = 0, in_socket = 0, events = 0;
	char *entry = malloc(ENTRY_MAX), errors[2048];
	long long dropped, stop_ms, deadline;
	struct snoop *tracer;
	int status;
	ssize_t len;
	bool skipped;

	tracer = journal_tracer(ctx, &fake, args, 4096, &skipped);
	if (!tracer || !entry) {
		result = skipped ? TEST_SKIP : TEST_FAIL;
		goto done;
	}
	if (conflict_prepare(ctx, "lt-holder-jst", "lt-caller-jst", &conflict))
		goto done;
	for (int i = 0; i < FAILURES; i++) {
		if (conflict_fire(ctx, &conflict))
			goto done;
		if (i % 50 == 49)
			snoop_pump(tracer, 0);
	}
	/* Every failure on stdout first: the stalled journald held up nothing. */
	deadline = live_now_ms() + LIVE_EVENT_MS;
	for (size_t seen = 0;;) {
		for (; seen < snoop_line_count(tracer); seen++)
			events += strstr(snoop_line_text(snoop_line(tracer, seen)),
					 "\"comm\":\"lt-caller-jst\"") != NULL;
		if (events >= FAILURES || snoop_exited(tracer) || live_now_ms() >= deadline)
			break;
		snoop_pump(tracer, 100);
	}
	stop_ms = live_now_ms();
	if (snoop_wait_exit(tracer, SIGTERM, LIVE_EXIT_MS, &status) || status) {
		result = test_fail(ctx, "did not exit 0 on SIGTERM with journald stalled");
		goto done;
	}
	stop_ms = live_now_ms() - stop_ms;
	for (size_t i = 0; i < snoop_line_count(tracer); i++) {
		const char *line = snoop_line_text(snoop_line(tracer, i));

		if (strstr(line, "\"event\":\"stop\""))
			stop_seq = json_number(line, "seq");
	}
	/* What bindsnoop sent is in the socket: count each record once. */
	while ((len = receive_entry(fake.fd, entry, 100)) > 0)
		if (!entry_field_is(entry, len, "BINDSNOOP_EVENT", "dropped"))
			in_socket++;
	dropped = dropped_by_journal(tracer);
	snoop_describe_stderr(tracer, errors, sizeof(errors));
	if (events < FAILURES)
		result = test_fail(ctx, "stdout got %llu of %d events while journald stalled",
				   events, FAILURES);
	else if (dropped <= 0 || !stop_seq || in_socket + dropped != stop_seq)
		result =
			test_fail(ctx,
				  "records 1..%llu: %llu in the socket + %lld dropped by --journal "
				  "should be all of them, with some dropped; stderr: %s",
				  stop_seq, in_socket, dropped, errors);
	else if (stop_ms > 5000) /* the stop's grace is 1 s */
		result = test_fail(ctx, "SIGTERM to exit took %lld ms with journald stalled",
				   stop_ms);
	else
		result = TEST_PASS;
	live_log("journal-stalled: %llu records, %llu in the socket, %lld dropped, exit in %lld "
		 "ms\n",
		 stop_seq, in_socket, dropped, stop_ms);
done:
	fake_journald_close(&fake);
	free(entry);
	return result;
}
