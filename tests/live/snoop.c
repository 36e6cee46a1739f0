// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Runs bindsnoop as a child and splits what it prints into lines. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "audit.h"
#include "live.h"
#include "snoop.h"

#define TRACER_MAX_ARGS	  32
#define READ_CHUNK	  65536
#define FOREIGN_TEXT_KEPT 1000 /* lines about other processes whose text is kept */

struct line_reader {
	int fd; /* -1 once closed */
	bool eof;
	char *partial; /* bytes after the last newline */
	size_t len;
	size_t cap;
};

struct snoop {
	pid_t pid;
	bool exited;
	int status;
	bool audit; /* send stdout lines to the json-valid tally */
	struct line_reader out;
	struct line_reader err;
	struct snoop_line *lines;
	size_t line_count;
	size_t line_cap;
	size_t foreign_count;
	char **err_lines;
	size_t err_count;
	size_t err_cap;
};

static void reader_init(struct line_reader *reader, int fd)
{
	memset(reader, 0, sizeof(*reader));
	reader->fd = fd;
}

static void reader_close(struct line_reader *reader)
{
	if (reader->fd >= 0)
		close(reader->fd);
	reader->fd = -1;
	reader->eof = true;
}

/* Is the event about one of our helpers (children of live-test, named "lt...")? */
static bool is_ours(const struct json_value *event)
{
	const struct json_value *ppid = json_get(event, "caller.ppid");
	const struct json_value *comm = json_get(event, "caller.comm");

	if (!json_member(event, "caller"))
		return true; /* "lost" records and the unexpected: keep */
	if (ppid && ppid->type == JSON_NUMBER && ppid->integer == getpid())
		return true;
	return comm && comm->type == JSON_STRING && strncmp(comm->string, "lt", 2) == 0;
}

static int push_stdout_line(struct snoop *tracer, const char *text, size_t len)
{
	const struct json_value *port;
	struct snoop_line *line;
	char parse_error[128];

	if (tracer->line_count == tracer->line_cap) {
		size_t cap = tracer->line_cap ? tracer->line_cap * 2 : 64;
		struct snoop_line *lines = realloc(tracer->lines, cap * sizeof(*lines));

		if (!lines)
			return -ENOMEM;
		tracer->lines = lines;
		tracer->line_cap = cap;
	}
	line = &tracer->lines[tracer->line_count];
	memset(line, 0, sizeof(*line));
	line->text = strndup(text, len);
	if (!line->text)
		return -ENOMEM;
	line->json = json_parse(text, len, parse_error, sizeof(parse_error));
	if (!line->json)
		line->parse_error = strdup(parse_error);
	port = json_member(line->json, "port");
	line->port = port && port->type == JSON_NUMBER ? (int)port->integer : -1;
	line->ours = !line->json || is_ours(line->json);
	tracer->line_count++;
	live_log("bindsnoop[%d] stdout: %s", tracer->pid, line->text);
	if (tracer->audit)
		audit_line(line->text, line->json, line->parse_error);
	if (!line->ours) {
		json_free(line->json);
		line->json = NULL;
		if (++tracer->foreign_count > FOREIGN_TEXT_KEPT) {
			free(line->text);
			line->text = NULL;
		}
	}
	return 0;
}

const char *snoop_line_text(const struct snoop_line *line)
{
	return line->text ? line->text : "(a line about another process, not kept)";
}

static int push_stderr_line(struct snoop *tracer, const char *text, size_t len)
{
	char *copy;

	if (tracer->err_count == tracer->err_cap) {
		size_t cap = tracer->err_cap ? tracer->err_cap * 2 : 16;
		char **lines = realloc(tracer->err_lines, cap * sizeof(*lines));

		if (!lines)
			return -ENOMEM;
		tracer->err_lines = lines;
		tracer->err_cap = cap;
	}
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	tracer->err_lines[tracer->err_count++] = copy;
	live_log("bindsnoop[%d] stderr: %s", tracer->pid, copy);
	return 0;
}

static int deliver_line(struct snoop *tracer, struct line_reader *reader, const char *text,
			size_t len)
{
	if (reader == &tracer->out)
		return push_stdout_line(tracer, text, len);
	return push_stderr_line(tracer, text, len);
}

/* Read what is available on one pipe and hand over complete lines. */
static void reader_drain(struct snoop *tracer, struct line_reader *reader)
{
	char chunk[READ_CHUNK];

	while (reader->fd >= 0 && !reader->eof) {
		ssize_t n = read(reader->fd, chunk, sizeof(chunk));
		size_t start = 0, i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* A last line without its newline still counts as a line. */
			if (reader->len)
				deliver_line(tracer, reader, reader->partial, reader->len);
			reader->len = 0;
			reader->eof = true;
			return;
		}
		for (i = 0; i < (size_t)n; i++) {
			if (chunk[i] != '\n')
				continue;
			if (reader->len) {
				size_t piece = i - start;
				char *joined = malloc(reader->len + piece);

				if (joined) {
					memcpy(joined, reader->partial, reader->len);
					memcpy(joined + reader->len, chunk + start, piece);
					deliver_line(tracer, reader, joined, reader->len + piece);
					free(joined);
				}
				reader->len = 0;
			} else {
				deliver_line(tracer, reader, chunk + start, i - start);
			}
			start = i + 1;
		}
		if (start < (size_t)n) {
			size_t rest = n - start;

			if (reader->len + rest > reader->cap) {
				size_t cap = (reader->len + rest) * 2;
				char *grown = realloc(reader->partial, cap);

				if (!grown)
					return;
				reader->partial = grown;
				reader->cap = cap;
			}
			memcpy(reader->partial + reader->len, chunk + start, rest);
			reader->len += rest;
		}
	}
}

static void reap(struct snoop *tracer)
{
	int status;

	if (tracer->exited)
		return;
	if (waitpid(tracer->pid, &status, WNOHANG) == tracer->pid) {
		tracer->exited = true;
		tracer->status = status;
		live_log("bindsnoop[%d] ended", tracer->pid);
	}
}

void snoop_pump(struct snoop *tracer, int timeout_ms)
{
	struct pollfd fds[2];
	struct line_reader *readers[2];
	int nfds = 0, i;

	if (tracer->out.fd >= 0 && !tracer->out.eof) {
		readers[nfds] = &tracer->out;
		fds[nfds++] = (struct pollfd){ .fd = tracer->out.fd, .events = POLLIN };
	}
	if (tracer->err.fd >= 0 && !tracer->err.eof) {
		readers[nfds] = &tracer->err;
		fds[nfds++] = (struct pollfd){ .fd = tracer->err.fd, .events = POLLIN };
	}
	/*
	 * Exit has no file descriptor to poll here: wake at least every 50 ms
	 * to reap, so the pipes closing is not the only sign of it.
	 */
	if (timeout_ms > 50)
		timeout_ms = 50;
	if (nfds == 0) {
		reap(tracer);
		if (!tracer->exited && timeout_ms > 0)
			usleep(timeout_ms * 1000);
		reap(tracer);
		return;
	}
	if (poll(fds, nfds, timeout_ms) > 0) {
		for (i = 0; i < nfds; i++) {
			if (fds[i].revents)
				reader_drain(tracer, readers[i]);
		}
	}
	reap(tracer);
}

static bool tracer_finished(const struct snoop *tracer)
{
	return tracer->exited && tracer->out.eof && tracer->err.eof;
}

static int spawn(struct snoop **out, const char *const *argv, bool audit)
{
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	struct snoop *tracer;
	int saved;

	tracer = calloc(1, sizeof(*tracer));
	if (!tracer)
		return -ENOMEM;
	tracer->audit = audit;
	if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
		goto fail_errno;
	fflush(NULL);
	tracer->pid = fork();
	if (tracer->pid < 0)
		goto fail_errno;
	if (tracer->pid == 0) {
		sigset_t none;
		int null_fd = open("/dev/null", O_RDONLY);

		/* What we ignore or block must not hide how bindsnoop handles it. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (null_fd >= 0)
			dup2(null_fd, STDIN_FILENO);
		dup2(out_pipe[1], STDOUT_FILENO);
		dup2(err_pipe[1], STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "live-test: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
	reader_init(&tracer->out, out_pipe[0]);
	reader_init(&tracer->err, err_pipe[0]);
	*out = tracer;
	return 0;
fail_errno:
	saved = -errno;
	if (out_pipe[0] >= 0) {
		close(out_pipe[0]);
		close(out_pipe[1]);
	}
	if (err_pipe[0] >= 0) {
		close(err_pipe[0]);
		close(err_pipe[1]);
	}
	free(tracer);
	return saved;
}

static const char *find_tracing_line(const struct snoop *tracer)
{
	size_t i;

	for (i = 0; i < tracer->err_count; i++) {
		if (strncmp(tracer->err_lines[i], "Tracing ", 8) == 0)
			return tracer->err_lines[i];
	}
	return NULL;
}

int snoop_start(struct snoop **out, const char *const *extra_args, char *reason, size_t reason_len)
{
	const char *argv[TRACER_MAX_ARGS];
	char command[512], errors[1024], status_text[64];
	struct snoop *tracer = NULL;
	long long deadline;
	size_t argc = 0, i, used = 0;
	int err;

	argv[argc++] = live_config->bindsnoop;
	argv[argc++] = "--json";
	if (live_config->backend) {
		argv[argc++] = "--backend";
		argv[argc++] = live_config->backend;
	}
	if (live_config->kernel_only)
		argv[argc++] = "--no-proc-lookup";
	for (i = 0; extra_args && extra_args[i] && argc < TRACER_MAX_ARGS - 1; i++)
		argv[argc++] = extra_args[i];
	argv[argc] = NULL;
	command[0] = '\0';
	for (i = 0; i < argc && used < sizeof(command); i++)
		used += snprintf(command + used, sizeof(command) - used, "%s%s", i ? " " : "",
				 argv[i]);

	live_note_tracer_start();
	err = spawn(&tracer, argv, true);
	if (err) {
		snprintf(reason, reason_len, "cannot start %s: %s", command, strerror(-err));
		return err;
	}
	live_log("started bindsnoop[%d]: %s", tracer->pid, command);
	deadline = live_now_ms() + LIVE_TRACER_START_MS;
	while (!find_tracing_line(tracer)) {
		long long left = deadline - live_now_ms();

		if (tracer_finished(tracer) || left <= 0)
			break;
		snoop_pump(tracer, left);
	}
	if (find_tracing_line(tracer)) {
		*out = tracer;
		return 0;
	}
	/* Leave time for its last words on stderr before quoting them. */
	if (!tracer->exited)
		snoop_pump(tracer, 50);
	snoop_describe_stderr(tracer, errors, sizeof(errors));
	if (tracer->exited) {
		describe_wait_status(tracer->status, status_text, sizeof(status_text));
		snprintf(reason, reason_len,
			 "'%s' ended (%s) before printing 'Tracing '; stderr: %s", command,
			 status_text, errors);
		err = -ECHILD;
	} else {
		snprintf(reason, reason_len,
			 "'%s' printed no 'Tracing ' line within %d s; stderr: %s", command,
			 LIVE_TRACER_START_MS / 1000, errors);
		err = -ETIMEDOUT;
	}
	snoop_destroy(tracer);
	return err;
}

size_t snoop_line_count(const struct snoop *tracer)
{
	return tracer->line_count;
}

const struct snoop_line *snoop_line(const struct snoop *tracer, size_t index)
{
	return index < tracer->line_count ? &tracer->lines[index] : NULL;
}

const struct snoop_line *snoop_wait_for(struct snoop *tracer, size_t from, snoop_match_fn match,
					const void *arg, int timeout_ms)
{
	long long deadline = live_now_ms() + timeout_ms;
	size_t next = from;

	for (;;) {
		long long left;

		for (; next < tracer->line_count; next++) {
			const struct snoop_line *line = &tracer->lines[next];

			if (line->json && match(line->json, arg))
				return line;
		}
		left = deadline - live_now_ms();
		if (left <= 0 || tracer_finished(tracer) || (tracer->exited && tracer->out.eof))
			return NULL;
		snoop_pump(tracer, left);
	}
}

void snoop_close_stdout(struct snoop *tracer)
{
	reader_close(&tracer->out);
}

void snoop_wait_quiet(struct snoop *tracer, int quiet_ms, int limit_ms)
{
	long long now = live_now_ms(), deadline = now + limit_ms, quiet_until = now + quiet_ms;
	size_t seen = tracer->line_count;

	while (now < deadline && now < quiet_until && !tracer->exited) {
		snoop_pump(tracer, (int)(quiet_until - now));
		now = live_now_ms();
		if (tracer->line_count != seen) {
			seen = tracer->line_count;
			quiet_until = now + quiet_ms;
		}
	}
}

int snoop_wait_exit(struct snoop *tracer, int sig, int timeout_ms, int *status)
{
	long long deadline = live_now_ms() + timeout_ms;

	if (sig && !tracer->exited) {
		live_log("sending signal %d to bindsnoop[%d]", sig, tracer->pid);
		kill(tracer->pid, sig);
	}
	while (!tracer_finished(tracer)) {
		long long left = deadline - live_now_ms();

		if (left <= 0)
			break;
		snoop_pump(tracer, left);
	}
	if (!tracer->exited)
		return -ETIMEDOUT;
	/* Output still in the pipes is part of what it printed. */
	snoop_pump(tracer, 0);
	*status = tracer->status;
	return 0;
}

bool snoop_exited(const struct snoop *tracer)
{
	return tracer->exited;
}

pid_t snoop_pid(const struct snoop *tracer)
{
	return tracer->pid;
}

size_t snoop_stderr_count(const struct snoop *tracer)
{
	return tracer->err_count;
}

const char *snoop_stderr_line(const struct snoop *tracer, size_t index)
{
	return index < tracer->err_count ? tracer->err_lines[index] : NULL;
}

void snoop_describe_stderr(const struct snoop *tracer, char *buf, size_t len)
{
	size_t used = 0, i;

	if (!len)
		return;
	buf[0] = '\0';
	if (!tracer->err_count) {
		snprintf(buf, len, "(nothing)");
		return;
	}
	for (i = 0; i < tracer->err_count && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? " | " : "",
				 tracer->err_lines[i]);
}

void snoop_destroy(struct snoop *tracer)
{
	size_t i;

	if (!tracer)
		return;
	if (!tracer->exited) {
		kill(tracer->pid, SIGKILL);
		waitpid(tracer->pid, NULL, 0);
	}
	reader_close(&tracer->out);
	reader_close(&tracer->err);
	free(tracer->out.partial);
	free(tracer->err.partial);
	for (i = 0; i < tracer->line_count; i++) {
		free(tracer->lines[i].text);
		free(tracer->lines[i].parse_error);
		json_free(tracer->lines[i].json);
	}
	free(tracer->lines);
	for (i = 0; i < tracer->err_count; i++)
		free(tracer->err_lines[i]);
	free(tracer->err_lines);
	free(tracer);
}

void describe_wait_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (SIG%s)", WTERMSIG(status),
			 sigabbrev_np(WTERMSIG(status)) ?: "?");
	else
		snprintf(buf, len, "wait status 0x%x", status);
}

static char *join_lines(char **lines, size_t count)
{
	size_t total = 1, i;
	char *text, *p;

	for (i = 0; i < count; i++)
		total += strlen(lines[i]) + 1;
	text = malloc(total);
	if (!text)
		return NULL;
	p = text;
	for (i = 0; i < count; i++)
		p += sprintf(p, "%s\n", lines[i]);
	*p = '\0';
	return text;
}

int run_bindsnoop_once(const char *const *args, int timeout_ms, int *status, char **out_text,
		       char **err_text)
{
	const char *argv[TRACER_MAX_ARGS];
	struct snoop *tracer;
	char **stdout_lines;
	long long deadline;
	size_t argc = 0, i;
	int err;

	argv[argc++] = live_config->bindsnoop;
	for (i = 0; args[i] && argc < TRACER_MAX_ARGS - 1; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	err = spawn(&tracer, argv, false);
	if (err)
		return err;
	/* Tracing means the arguments were accepted: no use waiting for an exit. */
	deadline = live_now_ms() + timeout_ms;
	while (!tracer_finished(tracer) && !find_tracing_line(tracer) && live_now_ms() < deadline)
		snoop_pump(tracer, deadline - live_now_ms());
	if (snoop_wait_exit(tracer, 0, 0, status))
		err = find_tracing_line(tracer) ? -EBUSY : -ETIMEDOUT;
	else
		err = 0;
	stdout_lines = calloc(tracer->line_count + 1, sizeof(*stdout_lines));
	for (i = 0; stdout_lines && i < tracer->line_count; i++)
		stdout_lines[i] = tracer->lines[i].text;
	*out_text = stdout_lines ? join_lines(stdout_lines, tracer->line_count) : NULL;
	*err_text = join_lines(tracer->err_lines, tracer->err_count);
	free(stdout_lines);
	snoop_destroy(tracer);
	if (!*out_text || !*err_text) {
		free(*out_text);
		free(*err_text);
		*out_text = *err_text = NULL;
		return err ? err : -ENOMEM;
	}
	return err;
}
