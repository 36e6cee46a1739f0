// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One test per option that no scenario exercises otherwise: each runs the
 * real bindsnoop with the option against a real conflict and checks what the
 * option changes (each row of user/option_table.c names its tests).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "audit.h"
#include "env.h"
#include "live.h"
#include "scenarios.h"
#include "steps.h"

#define FILE_POLL_MS 20

/* The whole file, read to its end (/proc files have no size); "" if unreadable. */
static char *read_whole_file(const char *path)
{
	size_t used = 0, cap = 4096;
	char *text = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (!text)
		return NULL;
	while (fd >= 0 && (got = read(fd, text + used, cap - used - 1)) > 0) {
		used += got;
		if (cap - used < 2) {
			char *bigger = realloc(text, cap * 2);

			if (!bigger)
				break;
			text = bigger;
			cap *= 2;
		}
	}
	text[used] = '\0';
	if (fd >= 0)
		close(fd);
	return text;
}

/* Wait until the file at path holds needle; false after timeout_ms. */
static bool await_in_file(const char *path, const char *needle, int timeout_ms)
{
	long long deadline = live_now_ms() + timeout_ms;

	do {
		char *text = read_whole_file(path);
		bool found = strstr(text, needle) != NULL;

		free(text);
		if (found)
			return true;
		usleep(FILE_POLL_MS * 1000);
	} while (live_now_ms() < deadline);
	return false;
}

/*
 * bindsnoop without --json (the table), stdout and stderr in files: the
 * tracer module only speaks JSON Lines.
 */
struct plain_run {
	pid_t pid;
	char out_path[64];
	char err_path[64];
};

static void plain_cleanup(struct plain_run *run)
{
	if (run->pid > 0) {
		kill(run->pid, SIGKILL);
		waitpid(run->pid, NULL, 0);
		run->pid = 0;
	}
	unlink(run->out_path);
	unlink(run->err_path);
}

static int plain_start(struct test_context *ctx, const char *const *extra, struct plain_run *run)
{
	const char *argv[16];
	int argc = 0, out_fd, err_fd;

	strcpy(run->out_path, "/tmp/lt-plain-out.XXXXXX");
	strcpy(run->err_path, "/tmp/lt-plain-err.XXXXXX");
	out_fd = mkstemp(run->out_path);
	err_fd = mkstemp(run->err_path);
	run->pid = 0;
	if (out_fd < 0 || err_fd < 0) {
		test_fail(ctx, "setup: temporary files: %s", strerror(errno));
		return -1;
	}
	argv[argc++] = live_config->bindsnoop;
	if (live_config->backend) {
		argv[argc++] = "--backend";
		argv[argc++] = live_config->backend;
	}
	if (live_config->kernel_only)
		argv[argc++] = "--no-proc-lookup";
	for (int i = 0; extra[i] && argc < 15; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	live_note_tracer_start();
	run->pid = fork();
	if (run->pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out_fd);
	close(err_fd);
	if (run->pid < 0 || !await_in_file(run->err_path, "Tracing ", LIVE_TRACER_START_MS)) {
		char *errors = read_whole_file(run->err_path);

		test_fail(ctx, "%s did not start tracing: %s", live_config->bindsnoop, errors);
		free(errors);
		plain_cleanup(run);
		return -1;
	}
	return 0;
}

/* Signal, wait for a clean exit; its stdout and stderr in *out, *err (caller frees). */
static int plain_stop(struct test_context *ctx, struct plain_run *run, int sig, char **out,
		      char **err)
{
	long long deadline = live_now_ms() + LIVE_EXIT_MS;
	int status = 0;
	pid_t done = 0;

	kill(run->pid, sig);
	while (live_now_ms() < deadline && (done = waitpid(run->pid, &status, WNOHANG)) == 0)
		usleep(FILE_POLL_MS * 1000);
	if (done == run->pid)
		run->pid = 0;
	*out = read_whole_file(run->out_path);
	*err = read_whole_file(run->err_path);
	plain_cleanup(run);
	if (done <= 0) {
		test_fail(ctx, "still running %d s after signal %d", LIVE_EXIT_MS / 1000, sig);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		test_fail(ctx, "ended with wait status 0x%x after signal %d; stderr: %s", status,
			  sig, *err);
		return -1;
	}
	return 0;
}

/* The line of text that holds needle, copied into line; false if none. */
static bool line_with(const char *text, const char *needle, char *line, size_t len)
{
	const char *at = strstr(text, needle), *start, *end;

	if (!at)
		return false;
	for (start = at; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(at, '\n');
	if (!end)
		end = at + strlen(at);
	snprintf(line, len, "%.*s", (int)(end - start), start);
	return true;
}

/* --wide: the row, then the caller's command line and the holder on indented lines. */
enum test_result test_wide_table(struct test_context *ctx)
{
	static const char *const args[] = { "--wide", NULL };
	struct repeatable_conflict conflict;
	char row[512], holder_line[128], *out = NULL, *err = NULL;
	enum test_result result = TEST_PASS;
	struct plain_run run;
	const char *after;

	if (plain_start(ctx, args, &run))
		return TEST_FAIL;
	if (conflict_prepare(ctx, "lt-holder-wide", "lt-caller-wide", &conflict) ||
	    conflict_fire(ctx, &conflict)) {
		plain_cleanup(&run);
		return TEST_FAIL;
	}
	snprintf(holder_line, sizeof(holder_line), "    holder: tcp LISTEN 127.0.0.1:%u ",
		 conflict.port);
	await_in_file(run.out_path, holder_line, LIVE_EVENT_MS);
	if (plain_stop(ctx, &run, SIGINT, &out, &err))
		goto done;
	if (!line_with(out, "lt-caller-wide", row, sizeof(row))) {
		result = test_fail(ctx, "no table row for lt-caller-wide in: %s", out);
		goto done;
	}
	after = strstr(out, row) + strlen(row);
	if (!strstr(row, "bind_failed") || !strstr(row, "EADDRINUSE") ||
	    !strstr(row, "lt-holder-wide[") || strncmp(after, "\n    why: ", 10) ||
	    !strstr(after, "\n    fix: ") || !strstr(after, "\n    caller: ") ||
	    !strstr(after, holder_line))
		result = test_fail(
			ctx,
			"expected the row (bind_failed, EADDRINUSE, lt-holder-wide[pid]) "
			"then \"    why: ...\", \"    fix: ...\", \"    caller: ...\" and "
			"\"%s...\"; got: %s",
			holder_line, after - strlen(row));
	else if (!strstr(err, " events received, "))
		result = test_fail(ctx, "no totals line on stderr at stop: %s", err);
done:
	free(out);
	free(err);
	return ctx->reason[0] ? TEST_FAIL : result;
}

/* The JSON lines in a file: first start, one about pid, last stop. */
static enum test_result check_output_file(struct test_context *ctx, const char *path, pid_t pid)
{
	char *text = read_whole_file(path), *line, *save = NULL, error[128];
	char first[16] = "", last[16] = "", pid_text[32];
	size_t lines = 0, about_pid = 0;

	snprintf(pid_text, sizeof(pid_text), "\"pid\":%d,", (int)pid);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_value *value = json_parse(line, strlen(line), error, sizeof(error));
		const struct json_value *event = value ? json_member(value, "event") : NULL;

		audit_line(line, value, error);

		if (!event || event->type != JSON_STRING) {
			json_free(value);
			free(text);
			return test_fail(ctx, "%s: line %zu is not a JSON record: %s", path,
					 lines + 1, error);
		}
		snprintf(lines ? last : first, sizeof(first), "%s", event->string);
		about_pid += !strcmp(event->string, "bind_failed") && strstr(line, pid_text);
		lines++;
		json_free(value);
	}
	free(text);
	if (strcmp(first, "start") || strcmp(last, "stop") || about_pid != 1)
		return test_fail(
			ctx,
			"%s: expected start, the caller's bind_failed, stop; got first %s, "
			"last %s, %zu events of the caller",
			path, first, last, about_pid);
	return TEST_PASS;
}

/* -q --output FILE: nothing on stdout, every record in the file. */
enum test_result test_output_quiet(struct test_context *ctx)
{
	char path[] = "/tmp/lt-output.XXXXXX", pid_text[32], *out = NULL, *err = NULL;
	const char *args[] = { "-q", "--output", path, NULL };
	struct repeatable_conflict conflict;
	enum test_result result = TEST_FAIL;
	struct plain_run run;

	close(mkstemp(path));
	unlink(path); /* bindsnoop creates it */
	if (plain_start(ctx, args, &run))
		return TEST_FAIL;
	if (conflict_prepare(ctx, "lt-holder-out", "lt-caller-out", &conflict) ||
	    conflict_fire(ctx, &conflict)) {
		plain_cleanup(&run);
		goto done;
	}
	snprintf(pid_text, sizeof(pid_text), "\"pid\":%d,", (int)helper_pid(conflict.caller));
	if (!await_in_file(path, pid_text, LIVE_EVENT_MS))
		test_fail(ctx, "no event about lt-caller-out in %s", path);
	if (plain_stop(ctx, &run, SIGTERM, &out, &err) || ctx->reason[0])
		goto done;
	if (*out)
		result = test_fail(ctx, "-q: stdout is not empty: %s", out);
	else
		result = check_output_file(ctx, path, helper_pid(conflict.caller));
done:
	free(out);
	free(err);
	unlink(path);
	return result;
}

/* A unix datagram socket standing in for /dev/log; -1 with the reason set. */
static int syslog_socket(struct test_context *ctx, struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	snprintf(addr->sun_path, sizeof(addr->sun_path), "/tmp/lt-syslog.%d", (int)getpid());
	unlink(addr->sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr))) {
		test_fail(ctx, "setup: unix socket %s: %s", addr->sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* --syslog=PATH --syslog-facility local3: the event arrives as <PRI>1 with facility 19. */
enum test_result test_syslog_unix(struct test_context *ctx)
{
	char target[128], message[8192];
	const char *args[] = { target, "--syslog-facility", "local3", NULL };
	struct repeatable_conflict conflict;
	struct sockaddr_un addr;
	enum test_result result = TEST_FAIL;
	struct snoop *tracer;
	long long deadline;
	int fd, pri = -1;

	fd = syslog_socket(ctx, &addr);
	if (fd < 0)
		return TEST_FAIL;
	snprintf(target, sizeof(target), "--syslog=%s", addr.sun_path);
	tracer = test_own_tracer(ctx, args);
	if (!tracer || conflict_prepare(ctx, "lt-holder-slog", "lt-caller-slog", &conflict) ||
	    conflict_fire(ctx, &conflict))
		goto done;
	deadline = live_now_ms() + LIVE_EVENT_MS;
	while (live_now_ms() < deadline) {
		struct timeval wait = { .tv_sec = 0, .tv_usec = 200000 };
		ssize_t got;

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
		got = recv(fd, message, sizeof(message) - 1, 0);
		if (got <= 0)
			continue;
		message[got] = '\0';
		if (strstr(message, "lt-caller-slog") && strstr(message, "bind_failed"))
			break;
		message[0] = '\0';
	}
	if (!message[0] || sscanf(message, "<%d>1 ", &pri) != 1) {
		result = test_fail(ctx, "no RFC 5424 message about lt-caller-slog at %s",
				   addr.sun_path);
		goto done;
	}
	if (pri / 8 != 19)
		result = test_fail(ctx,
				   "--syslog-facility local3: PRI %d is facility %d, not 19: %s",
				   pri, pri / 8, message);
	else
		result = TEST_PASS;
done:
	close(fd);
	unlink(addr.sun_path);
	return result;
}

/*
 * --syslog-queue-mb 1 with no collector: about a thousand messages fit, so
 * 3,000 failures overflow it and the rest are counted as dropped.
 */
enum test_result test_syslog_queue(struct test_context *ctx)
{
	/* --no-fold: one caller's 3,000 identical failures must stay 3,000 messages. */
	static const char *const args[] = { "--syslog=/nonexistent/lt-syslog", "--syslog-queue-mb",
					    "1", "--no-fold", NULL };
	struct repeatable_conflict conflict;
	unsigned long long received, lost, dropped = 0;
	struct snoop *tracer;
	const char *part;
	int status;

	tracer = test_own_tracer(ctx, args);
	if (!tracer || conflict_prepare(ctx, "lt-holder-sq", "lt-caller-sq", &conflict))
		return TEST_FAIL;
	for (int i = 0; i < 3000; i++) {
		if (conflict_fire(ctx, &conflict))
			return TEST_FAIL;
		/*
		 * Read the tracer's stdout as a terminal would: a pipe left
		 * full would stall every output behind it, syslog's included
		 * (a VM is slow enough for that).
		 */
		if (i % 50 == 49)
			snoop_pump(tracer, 0);
	}
	usleep(500 * 1000);
	if (snoop_wait_exit(tracer, SIGTERM, LIVE_EXIT_MS, &status) || status)
		return test_fail(ctx, "did not exit 0 on SIGTERM");
	for (size_t i = 0; i < snoop_stderr_count(tracer); i++) {
		const char *line = snoop_stderr_line(tracer, i);

		if (sscanf(line, "bindsnoop: %llu events received, %llu lost", &received, &lost) !=
		    2)
			continue;
		part = strstr(line, " dropped by --syslog");
		if (!part)
			break;
		while (part > line && part[-1] >= '0' && part[-1] <= '9')
			part--;
		dropped = strtoull(part, NULL, 10);
		if (received + lost >= 3000 && dropped > 0 && dropped < received)
			return TEST_PASS;
		break;
	}
	{
		char errors[2048];

		snoop_describe_stderr(tracer, errors, sizeof(errors));
		return test_fail(
			ctx,
			"expected some of 3000 events dropped by --syslog with a 1 MiB queue "
			"(dropped %llu); stderr: %s",
			dropped, errors);
	}
}

/* -v: which backend was chosen, and why, on stderr. */
enum test_result test_verbose(struct test_context *ctx)
{
	static const char *const args[] = { "-v", NULL };
	struct snoop *tracer = test_own_tracer(ctx, args);

	if (!tracer)
		return TEST_FAIL;
	for (size_t i = 0; i < snoop_stderr_count(tracer); i++)
		if (!strncmp(snoop_stderr_line(tracer, i), "bindsnoop: using the ", 21))
			return TEST_PASS;
	return test_fail(ctx, "-v printed no \"bindsnoop: using the ... backend\" line");
}

/* The first event about caller, or NULL with the reason set. */
static const struct json_value *conflict_event(struct test_context *ctx, struct snoop *tracer,
					       struct repeatable_conflict *conflict)
{
	const struct snoop_line *line;

	if (conflict_fire(ctx, conflict))
		return NULL;
	line = await_event(ctx, tracer, 0, helper_pid(conflict->caller), "bind_failed");
	return line ? line->json : NULL;
}

/*
 * --no-proc-lookup: a holder bound before tracing carries no owner tag, and
 * no userspace lookup may name it: no holder lists a process.
 */
enum test_result test_no_proc_lookup(struct test_context *ctx)
{
	static const char *const args[] = { "--no-proc-lookup", NULL };
	struct repeatable_conflict conflict;
	const struct json_value *event, *holders;
	struct snoop *tracer;

	if (conflict_prepare(ctx, "lt-holder-npl", "lt-caller-npl", &conflict))
		return TEST_FAIL;
	tracer = test_own_tracer(ctx, args);
	if (!tracer)
		return TEST_FAIL;
	event = conflict_event(ctx, tracer, &conflict);
	if (!event)
		return TEST_FAIL;
	holders = json_get(event, "holders");
	for (size_t i = 0; holders && i < holders->count; i++) {
		const struct json_value *processes = json_member(holders->items[i], "processes");
		const struct json_value *source = json_member(holders->items[i], "source");

		if ((processes && processes->count) ||
		    (source && source->type == JSON_STRING && strcmp(source->string, "kernel")))
			return test_fail(
				ctx,
				"--no-proc-lookup, holder bound before tracing: holder %zu "
				"was named or found in userspace",
				i);
	}
	return TEST_PASS;
}

/* --no-kernel-holders: holders come from userspace (sock_diag, /proc), never "kernel". */
enum test_result test_no_kernel_holders(struct test_context *ctx)
{
	static const char *const args[] = { "--no-kernel-holders", NULL };
	struct repeatable_conflict conflict;
	const struct json_value *event, *holders, *source;
	struct snoop *tracer;

	tracer = test_own_tracer(ctx, args);
	if (!tracer || conflict_prepare(ctx, "lt-holder-nkh", "lt-caller-nkh", &conflict))
		return TEST_FAIL;
	event = conflict_event(ctx, tracer, &conflict);
	if (!event)
		return TEST_FAIL;
	holders = json_get(event, "holders");
	if (live_config->kernel_only)
		return holders && holders->count == 0 ?
			       TEST_PASS :
			       test_fail(ctx, "with --no-proc-lookup too, holders should be empty");
	source = json_get(event, "holders[0].source");
	if (!source || source->type != JSON_STRING || !strcmp(source->string, "kernel"))
		return test_fail(ctx, "--no-kernel-holders: holders[0].source should be sock_diag "
				      "or proc");
	return TEST_PASS;
}

/*
 * A kernel without sock_diag for TCP (no inet_diag module): the holder
 * userspace finds comes from /proc/net/tcp and is still named, and -v says so
 * once. BINDSNOOP_NO_SOCK_DIAG=1 makes bindsnoop believe the modules are
 * missing; with LIVE_SOCK_DIAG_ABSENT=1 (the VM matrix's no-modules row, which
 * unloaded them) the kernel itself refuses, and the knob is not used.
 */
enum test_result test_no_sock_diag(struct test_context *ctx)
{
	static const char *const args[] = { "--no-kernel-holders", "-v", NULL };
	bool really_absent = getenv("LIVE_SOCK_DIAG_ABSENT") != NULL;
	struct repeatable_conflict conflict;
	const struct json_value *event, *source, *pid;
	struct snoop *tracer;
	size_t from;
	int said = 0;

	if (!really_absent)
		setenv("BINDSNOOP_NO_SOCK_DIAG", "1", 1);
	tracer = test_own_tracer(ctx, args);
	unsetenv("BINDSNOOP_NO_SOCK_DIAG");
	if (!tracer || conflict_prepare(ctx, "lt-holder-nsd", "lt-caller-nsd", &conflict))
		return TEST_FAIL;
	if (live_config->kernel_only)
		return TEST_PASS; /* --no-proc-lookup: no userspace lookup to test */
	event = conflict_event(ctx, tracer, &conflict);
	if (!event)
		return TEST_FAIL;
	source = json_get(event, "holders[0].source");
	pid = json_get(event, "holders[0].processes[0].pid");
	if (!source || source->type != JSON_STRING || strcmp(source->string, "proc_net"))
		return test_fail(ctx, "without sock_diag: holders[0].source should be proc_net");
	if (!pid || pid->type != JSON_NUMBER || pid->integer != helper_pid(conflict.holder.helper))
		return test_fail(ctx, "without sock_diag: the holder (pid %d) is not named",
				 (int)helper_pid(conflict.holder.helper));
	/* A second conflict reads /proc/net again without a second message. */
	from = snoop_line_count(tracer);
	if (conflict_fire(ctx, &conflict) ||
	    !await_event(ctx, tracer, from, helper_pid(conflict.caller), "bind_failed"))
		return TEST_FAIL;
	for (size_t i = 0; i < snoop_stderr_count(tracer); i++) {
		const char *line = snoop_stderr_line(tracer, i);

		if (really_absent && strstr(line, "BINDSNOOP_NO_SOCK_DIAG"))
			return test_fail(ctx, "the kernel has no sock_diag modules, yet -v blames "
					      "the test knob: %s", line);
		said += strstr(line, "/proc/net/tcp") != NULL;
	}
	if (said != 1)
		return test_fail(ctx, "-v should say once that holders come from /proc/net/tcp, "
				      "said %d times", said);
	return TEST_PASS;
}

/*
 * The path of a kernel without bpf_loop() and bpf_task_pt_regs() (5.10), on
 * this one: BINDSNOOP_HIDE_HELPERS makes bindsnoop load the programs
 * without the holder walk (and, on the tracepoint backend, the
 * sys_enter/sys_exit pairs) from the same BPF object. It must say so, and
 * still report a conflict with its holder, found in userspace.
 */
enum test_result test_hidden_helpers(struct test_context *ctx)
{
	static const char *const args[] = { "-v", NULL };
	const char *degraded = NULL, *pairs = "sys_enter/sys_exit pairs";
	struct repeatable_conflict conflict;
	const struct json_value *event, *source, *pid;
	struct snoop *tracer;

	setenv("BINDSNOOP_HIDE_HELPERS", "bpf_loop,bpf_task_pt_regs", 1);
	tracer = test_own_tracer(ctx, args);
	unsetenv("BINDSNOOP_HIDE_HELPERS");
	if (!tracer || conflict_prepare(ctx, "lt-holder-hh", "lt-caller-hh", &conflict))
		return TEST_FAIL;
	/* The event comes after the degraded line, which follows "Tracing". */
	event = conflict_event(ctx, tracer, &conflict);
	if (!event)
		return TEST_FAIL;
	for (size_t i = 0; i < snoop_stderr_count(tracer) && !degraded; i++)
		if (!strncmp(snoop_stderr_line(tracer, i), "bindsnoop: degraded: ", 21))
			degraded = snoop_stderr_line(tracer, i);
	if (!degraded || !strstr(degraded, "no in-kernel holder walk"))
		return test_fail(ctx, "without bpf_loop(): no \"bindsnoop: degraded: no in-kernel "
				      "holder walk\" line on stderr");
	if (live_config->backend && !strcmp(live_config->backend, "tracepoint") &&
	    !strstr(degraded, pairs))
		return test_fail(ctx,
				 "without bpf_task_pt_regs(), tracepoint: \"%s\" not said in \"%s\"",
				 pairs, degraded);
	if (live_config->kernel_only)
		return TEST_PASS; /* --no-proc-lookup: no userspace lookup names the holder */
	source = json_get(event, "holders[0].source");
	pid = json_get(event, "holders[0].processes[0].pid");
	if (!source || source->type != JSON_STRING)
		return test_fail(ctx, "without bpf_loop(): no holder in the event");
	if (!strcmp(source->string, "kernel"))
		return test_fail(ctx, "without bpf_loop(): holders[0].source should not be kernel");
	if (!pid || pid->type != JSON_NUMBER || pid->integer != helper_pid(conflict.holder.helper))
		return test_fail(ctx, "without bpf_loop(): the holder (pid %d) is not named",
				 (int)helper_pid(conflict.holder.helper));
	return TEST_PASS;
}

/* Does bindsnoop hold a ring buffer map (type 27) of exactly bytes? */
static bool has_ring_buffer_map(pid_t pid, unsigned long bytes)
{
	char dir[64], path[384], wanted[64], *text;
	struct dirent *entry;
	bool found = false;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	snprintf(wanted, sizeof(wanted), "max_entries:\t%lu\n", bytes);
	fds = opendir(dir);
	while (fds && (entry = readdir(fds)) && !found) {
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		text = read_whole_file(path);
		found = text && strstr(text, "map_type:\t27\n") && strstr(text, wanted);
		free(text);
	}
	if (fds)
		closedir(fds);
	return found;
}

/* --ring-buffer-mb 4: bindsnoop's ring buffer map holds 4 MiB (the default is 2). */
enum test_result test_ring_buffer_mb(struct test_context *ctx)
{
	static const char *const args[] = { "--ring-buffer-mb", "4", NULL };
	struct snoop *tracer = test_own_tracer(ctx, args);

	if (!tracer)
		return TEST_FAIL;
	return has_ring_buffer_map(snoop_pid(tracer), 4u << 20) ?
		       TEST_PASS :
		       test_fail(ctx, "no ring buffer map of 4194304 bytes in /proc/%d/fdinfo",
				 (int)snoop_pid(tracer));
}

/*
 * No --ring-buffer-mb: the ring is sized to the poll interval, 2 MiB at the
 * default 10 ms (it was 16 MiB, mapped twice: 32 MiB of the 40 MiB resident),
 * 16 MiB at --poll-ms 100.
 */
enum test_result test_ring_buffer_default(struct test_context *ctx)
{
	struct snoop *tracer = test_own_tracer(ctx, NULL);

	if (!tracer)
		return TEST_FAIL;
	if (!has_ring_buffer_map(snoop_pid(tracer), 2u << 20))
		return test_fail(ctx,
				 "default options: no ring buffer map of 2097152 bytes in "
				 "/proc/%d/fdinfo",
				 (int)snoop_pid(tracer));
	return TEST_PASS;
}

/*
 * The most instructions the verifier may process for one of bindsnoop's
 * programs: its checks are most of start-up. From 6.8 the verifier checks a
 * bpf_loop() callback until its states converge, and the holder walk's
 * per-socket work, inlined into the callback, multiplied them: the
 * tracepoint program took 60,173 on 6.18 (327 ms of a 420 ms start), 16,361
 * with that work a global function and identity_read() called last. The
 * same program costs more on newer verifiers: 48,361 on 7.3.4 (the CI's VM
 * tracepoint row), so the budget sits between that and the old 60,173.
 * Older kernels check a callback once; there only a ceiling far from the
 * verifier's million holds (6.1's fexit programs take 60,958: not yet
 * looked into).
 */
#define VERIFIED_INSNS_BUDGET	 56000
#define VERIFIED_INSNS_CEILING	 200000
#define CALLBACKS_CONVERGE_SINCE ((6 << 16) | (8 << 8))

/* This kernel's version as (major << 16 | minor << 8), or 0. */
static long kernel_version(void)
{
	struct utsname name;
	int major, minor;

	if (uname(&name) || sscanf(name.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return (major << 16) | (minor << 8);
}

/* The largest verified_insns of pid's BPF programs, or -1 if the kernel counts none (< 5.16). */
static long most_verified_insns(pid_t pid, char *name, size_t name_size)
{
	char dir[64], path[384];
	struct dirent *entry;
	long most = -1;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	fds = opendir(dir);
	while (fds && (entry = readdir(fds))) {
		char *text, *field;
		long insns;

		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		text = read_whole_file(path);
		field = text && strstr(text, "prog_type:") ? strstr(text, "verified_insns:") : NULL;
		insns = field ? strtol(field + strlen("verified_insns:"), NULL, 10) : -1;
		if (insns > most) {
			char *tag = strstr(text, "prog_tag:");

			most = insns;
			snprintf(name, name_size, "%.*s", tag ? (int)strcspn(tag + 10, "\n") : 0,
				 tag ? tag + 10 : "");
		}
		free(text);
	}
	if (fds)
		closedir(fds);
	return most;
}

/*
 * Default options: no program of the backend chosen costs the verifier more
 * than VERIFIED_INSNS_BUDGET instructions (VERIFIED_INSNS_CEILING before
 * 6.8; kernels from 5.16 count them).
 */
enum test_result test_verifier_cost(struct test_context *ctx)
{
	struct snoop *tracer = test_own_tracer(ctx, NULL);
	char tag[64] = "";
	long most, budget;

	if (!tracer)
		return TEST_FAIL;
	most = most_verified_insns(snoop_pid(tracer), tag, sizeof(tag));
	if (most < 0)
		return test_skip(ctx, "this kernel does not count verified instructions (5.16)");
	live_log("the costliest program (tag %s): %ld instructions verified", tag, most);
	budget = kernel_version() >= CALLBACKS_CONVERGE_SINCE ? VERIFIED_INSNS_BUDGET :
								VERIFIED_INSNS_CEILING;
	if (most > budget)
		return test_fail(ctx,
				 "the program with tag %s cost the verifier %ld instructions, "
				 "more than %ld: start-up pays for each",
				 tag, most, budget);
	return TEST_PASS;
}

/* Where the BPF object (an ELF file for EM_BPF, 247) sits inside the binary image. */
static bool embedded_bpf_object(const char *image, size_t size, size_t *offset, size_t *length)
{
	for (size_t at = 1; at + 64 <= size; at++) {
		const unsigned char *head = (const unsigned char *)image + at;
		unsigned long long section_table;
		unsigned short entry_size, entries;

		if (memcmp(head, "\177ELF", 4) || head[4] != 2 || head[18] != 247 || head[19])
			continue;
		memcpy(&section_table, head + 40, sizeof(section_table));
		memcpy(&entry_size, head + 58, sizeof(entry_size));
		memcpy(&entries, head + 60, sizeof(entries));
		*offset = at;
		*length = section_table + (size_t)entry_size * entries;
		return *length > 64 && at + *length <= size;
	}
	return false;
}

/*
 * Pages of [offset, offset + length) of pid's executable that pid maps, and
 * how many of them are resident (/proc/PID/pagemap's bit 63).
 */
static void image_pages_resident(pid_t pid, size_t offset, size_t length, long *mapped,
				 long *resident)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[64], line[512];
	struct stat exe;
	FILE *maps;
	int pagemap;

	*mapped = *resident = 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &exe))
		return;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	pagemap = open(path, O_RDONLY | O_CLOEXEC);
	while (maps && pagemap >= 0 && fgets(line, sizeof(line), maps)) {
		unsigned long start, end, file_offset, inode;
		unsigned int major, minor;

		if (sscanf(line, "%lx-%lx %*s %lx %x:%x %lu", &start, &end, &file_offset, &major,
			   &minor, &inode) != 6 ||
		    inode != exe.st_ino || makedev(major, minor) != exe.st_dev)
			continue;
		for (unsigned long at = start; at < end; at += page) {
			size_t in_file = file_offset + (at - start);
			unsigned long long entry = 0;

			/* Whole pages of the object only. */
			if (in_file < offset || in_file + page > offset + length)
				continue;
			(*mapped)++;
			if (pread(pagemap, &entry, sizeof(entry), (at / page) * sizeof(entry)) ==
				    sizeof(entry) &&
			    entry >> 63)
				(*resident)++;
		}
	}
	if (maps)
		fclose(maps);
	if (pagemap >= 0)
		close(pagemap);
}

/* Whether a mapping of pid names a file whose path holds name. */
static bool maps_name(pid_t pid, const char *name)
{
	char path[64], *maps;
	bool found;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = read_whole_file(path);
	found = maps && strstr(maps, name);
	free(maps);
	return found;
}

/* The resident kB of pid's brk heap (/proc/PID/smaps), or -1. */
static long heap_resident_kb(pid_t pid)
{
	char path[64], line[512];
	bool in_heap = false;
	long kb = -1;
	FILE *smaps;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	smaps = fopen(path, "re");
	while (smaps && fgets(line, sizeof(line), smaps)) {
		if (strchr(line, '-') && strchr(line, '-') < strchr(line, ' '))
			in_heap = strstr(line, "[heap]") != NULL;
		else if (in_heap && !strncmp(line, "Rss:", 4))
			kb = strtol(line + 4, NULL, 10);
	}
	if (smaps)
		fclose(smaps);
	return kb;
}

/*
 * Idle memory, with default options, once tracing runs: the BPF object
 * embedded in bindsnoop (1.9 MB, read once when libbpf opens it) is not
 * resident, and libbpf's copies of it (every backend's instructions, BTF,
 * line info) are freed: the heap holds at most IDLE_HEAP_KB. They were 2.0
 * and 2.1 of the 14 MB. The heap is 0.7 MB after one parse of the kernel's
 * BTF (the tracepoint backend), 2.7 MB where auto's fexit probe parsed it
 * before libbpf did (7.3, and 6.18 made to take that path): what stays is
 * not understood yet, hence the room. libsystemd (and lz4, zstd, lzma, gcrypt: 0.8 MB)
 * and libmicrohttpd (and gnutls, p11-kit, nettle, gmp: 2.4 MB) are not
 * mapped: they are loaded for --journal and --metrics only.
 */
#define IDLE_HEAP_KB 4096

enum test_result test_idle_memory(struct test_context *ctx)
{
	struct snoop *tracer = test_own_tracer(ctx, NULL);
	char path[64], *image;
	size_t offset, length, image_size;
	long mapped, resident, heap_kb;
	struct stat st;
	int fd;

	if (!tracer)
		return TEST_FAIL;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)snoop_pid(tracer));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		return test_fail(ctx, "cannot open %s: %s", path, strerror(errno));
	image_size = st.st_size;
	image = mmap(NULL, image_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (image == MAP_FAILED)
		return test_fail(ctx, "cannot map %s: %s", path, strerror(errno));
	if (!embedded_bpf_object(image, image_size, &offset, &length)) {
		munmap(image, image_size);
		return test_fail(ctx, "no BPF object found inside the binary %s", path);
	}
	munmap(image, image_size);
	image_pages_resident(snoop_pid(tracer), offset, length, &mapped, &resident);
	live_log("embedded BPF object: %zu bytes at %zu, %ld of its %ld pages resident", length,
		 offset, resident, mapped);
	if (!mapped)
		return test_fail(ctx, "the BPF object's pages (%zu bytes at %zu) are not mapped",
				 length, offset);
	if (resident * 4 > mapped)
		return test_fail(ctx,
				 "%ld of the %ld pages of the embedded BPF object are resident "
				 "while idle: release them once it is open",
				 resident, mapped);
	if (maps_name(snoop_pid(tracer), "libsystemd"))
		return test_fail(ctx, "libsystemd is mapped without --journal: load it for the "
				      "journal only");
	if (maps_name(snoop_pid(tracer), "libmicrohttpd"))
		return test_fail(ctx, "libmicrohttpd is mapped without --metrics: load it for "
				      "the metrics server only");
	heap_kb = heap_resident_kb(snoop_pid(tracer));
	live_log("heap: %ld kB resident", heap_kb);
	if (heap_kb > IDLE_HEAP_KB)
		return test_fail(ctx, "the heap holds %ld kB while idle, more than %d kB", heap_kb,
				 IDLE_HEAP_KB);
	return TEST_PASS;
}

/* stderr lines so far that say events were lost and name the fix, after reading for ms. */
static int ring_buffer_advice_lines(struct snoop *tracer, int ms)
{
	int lines = 0;

	snoop_pump(tracer, ms);
	for (size_t i = 0; i < snoop_stderr_count(tracer); i++) {
		const char *line = snoop_stderr_line(tracer, i);

		lines += strstr(line, "events lost") && strstr(line, "the 1 MiB ring buffer") &&
			 strstr(line, "--ring-buffer-mb 4");
	}
	return lines;
}

/*
 * Events lost: with a 1 MiB ring (~3,100 records) and bindsnoop stopped
 * (SIGSTOP) while 20,000 binds fail, most are lost for sure; once it runs
 * again stderr says so, once, naming a bigger --ring-buffer-mb.
 */
enum test_result test_ring_buffer_lost(struct test_context *ctx)
{
	/* --no-fold: one thread's identical failures must each need a record. */
	static const char *const args[] = { "--ring-buffer-mb", "1", "--no-fold", NULL };
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int holder = -1, caller = -1, failures = 0, advice = 0;
	unsigned int port = test_port(ctx);
	struct snoop *tracer;
	char text[2048];

	if (!port)
		return TEST_FAIL;
	tracer = test_own_tracer(ctx, args);
	if (!tracer)
		return TEST_FAIL;
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	caller = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (holder < 0 || caller < 0 || bind(holder, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(holder, 1)) {
		close(holder);
		close(caller);
		return test_fail(ctx, "setup: cannot hold 127.0.0.1:%u: %s", port, strerror(errno));
	}
	kill(snoop_pid(tracer), SIGSTOP);
	for (int i = 0; i < 20000; i++)
		failures +=
			bind(caller, (struct sockaddr *)&addr, sizeof(addr)) && errno == EADDRINUSE;
	kill(snoop_pid(tracer), SIGCONT);
	close(caller);
	close(holder);
	if (failures != 20000)
		return test_fail(ctx, "setup: only %d of 20000 binds failed with EADDRINUSE",
				 failures);
	/* The reader has 3,100 events to write first; then a second in which to say it twice. */
	for (int waited = 0; waited < 10000 && !advice; waited += 100)
		advice = ring_buffer_advice_lines(tracer, 100);
	if (advice)
		advice = ring_buffer_advice_lines(tracer, 1000);
	if (advice == 1)
		return TEST_PASS;
	snoop_describe_stderr(tracer, text, sizeof(text));
	return test_fail(ctx,
			 "expected one stderr line \"N events lost: ... the 1 MiB ring buffer ... "
			 "--ring-buffer-mb 4\", saw %d; stderr: %s",
			 advice, text);
}

/*
 * --poll-ms 1000: a lone event waits for the poll timeout, so of five
 * conflicts spread over time at least one shows up late (> 100 ms); with
 * the default 10 ms none would.
 */
enum test_result test_poll_ms(struct test_context *ctx)
{
	const char *args[] = { "--poll-ms", "1000", "--port", NULL, NULL };
	struct repeatable_conflict conflict;
	long long slowest = 0;
	struct snoop *tracer;
	char port_text[16];

	/* Only this test's port: other binds on the machine would fill the buffer and wake it. */
	if (conflict_prepare(ctx, "lt-holder-poll", "lt-caller-poll", &conflict))
		return TEST_FAIL;
	snprintf(port_text, sizeof(port_text), "%u", conflict.port);
	args[3] = port_text;
	tracer = test_own_tracer(ctx, args);
	if (!tracer)
		return TEST_FAIL;
	for (int i = 0; i < 5; i++) {
		size_t mark = snoop_line_count(tracer);
		long long fired = live_now_ms();

		if (conflict_fire(ctx, &conflict) ||
		    !await_event(ctx, tracer, mark, helper_pid(conflict.caller), "bind_failed"))
			return TEST_FAIL;
		if (live_now_ms() - fired > slowest)
			slowest = live_now_ms() - fired;
		usleep(137 * 1000);
	}
	return slowest > 100 ?
		       TEST_PASS :
		       test_fail(ctx, "--poll-ms 1000: every event came within %lld ms", slowest);
}

static enum test_result expect_info_output(struct test_context *ctx, const char *option,
					   const char *stdout_start)
{
	const char *args[] = { option, NULL };
	char *out = NULL, *err = NULL;
	enum test_result result = TEST_PASS;
	int status, ret;

	ret = run_bindsnoop_once(args, LIVE_EXIT_MS, &status, &out, &err);
	if (ret || !WIFEXITED(status) || WEXITSTATUS(status))
		result = test_fail(ctx, "%s did not exit 0 (%d)", option, ret);
	else if (!out || strncmp(out, stdout_start, strlen(stdout_start)) || (err && *err))
		result = test_fail(ctx,
				   "%s: stdout should start \"%s\", stderr be empty; got %s | %s",
				   option, stdout_start, out ? out : "", err ? err : "");
	free(out);
	free(err);
	return result;
}

/* One HTTP/1.0 GET on loopback; the whole answer in *text (caller frees). */
static int http_get(unsigned int port, const char *path, char **text)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	size_t len = 0, cap = 1 << 16;
	char request[128];
	ssize_t got;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	*text = calloc(1, cap + 1);
	if (fd < 0 || !*text || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(request, sizeof(request), "GET %s HTTP/1.0\r\n\r\n", path);
	if (write(fd, request, strlen(request)) < 0) {
		close(fd);
		return -1;
	}
	while (len < cap && (got = read(fd, *text + len, cap - len)) > 0)
		len += got;
	close(fd);
	return 0;
}

/*
 * --metrics ADDR:PORT: Prometheus text at /metrics that counts a real
 * failure on its port. Static builds have no metrics server (and no
 * --metrics in --help): skipped there.
 */
enum test_result test_metrics_option(struct test_context *ctx)
{
	static const char *const help_args[] = { "--help", NULL };
	char address[32], port_arg[16], series[96], *out = NULL, *err = NULL, *page = NULL;
	const char *args[] = { "-q", "--metrics", address, "--port", port_arg, NULL };
	struct repeatable_conflict conflict;
	enum test_result result = TEST_FAIL;
	unsigned int metrics_port;
	struct plain_run run;
	int status;

	if (run_bindsnoop_once(help_args, LIVE_EXIT_MS, &status, &out, &err) || !out)
		return test_fail(ctx, "bindsnoop --help did not run");
	/* The option's own line, not a mention in another option's help. */
	if (!strstr(out, "\n      --metrics ")) {
		free(out);
		free(err);
		return test_skip(ctx, "this build has no metrics server (static)");
	}
	free(out);
	free(err);
	out = err = NULL;
	metrics_port = test_port(ctx);
	if (!metrics_port || conflict_prepare(ctx, "lt-holder-met", "lt-caller-met", &conflict))
		return TEST_FAIL;
	snprintf(address, sizeof(address), "127.0.0.1:%u", metrics_port);
	snprintf(port_arg, sizeof(port_arg), "%u", conflict.port);
	if (plain_start(ctx, args, &run))
		return TEST_FAIL;
	if (conflict_fire(ctx, &conflict)) {
		plain_cleanup(&run);
		return TEST_FAIL;
	}
	snprintf(series, sizeof(series), "bindsnoop_failures_by_port_total{port=\"%u\"} 1",
		 conflict.port);
	for (int waited = 0; waited < LIVE_EVENT_MS; waited += 50) {
		free(page);
		page = NULL;
		if (!http_get(metrics_port, "/metrics", &page) && strstr(page, series))
			break;
		usleep(50000);
	}
	if (!page || !strstr(page, "HTTP/1.") || !strstr(page, " 200"))
		test_fail(ctx, "GET /metrics on %s did not answer 200: %.200s", address,
			  page ? page : "(no answer)");
	else if (!strstr(page, series))
		test_fail(ctx, "/metrics never showed %s", series);
	if (plain_stop(ctx, &run, SIGTERM, &out, &err) || ctx->reason[0])
		goto done;
	result = TEST_PASS;
done:
	free(page);
	free(out);
	free(err);
	return result;
}

enum test_result test_help_option(struct test_context *ctx)
{
	return expect_info_output(ctx, "--help", "Usage: bindsnoop ");
}

enum test_result test_version_option(struct test_context *ctx)
{
	return expect_info_output(ctx, "--version", "bindsnoop ");
}
