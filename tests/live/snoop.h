/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bindsnoop as a child process: started with --json, its stdout split into
 * lines (each parsed as JSON as it arrives), its stderr kept for messages.
 */
#ifndef LIVE_SNOOP_H
#define LIVE_SNOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "json.h"

/*
 * A busy machine can print hundreds of thousands of lines about other
 * processes: those keep no JSON tree, and only the first few their text.
 */
struct snoop_line {
	char *text;		 /* as printed, no newline; NULL if not kept */
	struct json_value *json; /* NULL if it did not parse or is not ours */
	char *parse_error;	 /* why it did not parse; NULL if it did */
	int port;		 /* its "port", -1 if none */
	bool ours;		 /* about a helper of this run (caller.ppid or "lt" name) */
};

/* line->text, or a placeholder when it was not kept. */
const char *snoop_line_text(const struct snoop_line *line);

struct snoop;

/*
 * Start `bindsnoop --json [--backend B] [--no-proc-lookup] extra_args...` and
 * wait for its "Tracing " line on stderr. extra_args ends with NULL and may
 * be NULL. On failure returns a negative errno and says why in reason.
 */
int snoop_start(struct snoop **out, const char *const *extra_args, char *reason, size_t reason_len);

/* Lines read so far; snoop_line(tracer, i) for i < snoop_line_count(). */
size_t snoop_line_count(const struct snoop *tracer);
const struct snoop_line *snoop_line(const struct snoop *tracer, size_t index);

typedef bool (*snoop_match_fn)(const struct json_value *event, const void *arg);

/*
 * First parsed line at index >= from that match() accepts, reading more
 * output for up to timeout_ms. NULL if none came in time or bindsnoop ended.
 */
const struct snoop_line *snoop_wait_for(struct snoop *tracer, size_t from, snoop_match_fn match,
					const void *arg, int timeout_ms);

/* Read whatever output arrives within timeout_ms. */
void snoop_pump(struct snoop *tracer, int timeout_ms);
/* Read its output until it prints nothing for quiet_ms, or for at most limit_ms. */
void snoop_wait_quiet(struct snoop *tracer, int quiet_ms, int limit_ms);

/* Close our end of bindsnoop's stdout, so its next write fails with EPIPE. */
void snoop_close_stdout(struct snoop *tracer);

/*
 * Send sig (0: none) and wait up to timeout_ms for bindsnoop to exit,
 * reading its output meanwhile. Returns 0 once it has exited (status in
 * *status), -ETIMEDOUT if it is still running.
 */
int snoop_wait_exit(struct snoop *tracer, int sig, int timeout_ms, int *status);

/* Has the process exited (and been reaped)? */
bool snoop_exited(const struct snoop *tracer);

pid_t snoop_pid(const struct snoop *tracer);

/* stderr lines so far (the "Tracing " line included). */
size_t snoop_stderr_count(const struct snoop *tracer);
const char *snoop_stderr_line(const struct snoop *tracer, size_t index);

/* All stderr lines joined with " | ", for failure messages. */
void snoop_describe_stderr(const struct snoop *tracer, char *buf, size_t len);

/* Kill (if still running) and free. Accepts NULL. */
void snoop_destroy(struct snoop *tracer);

/* "exit status N" / "killed by signal N (NAME)" for a wait status. */
void describe_wait_status(int status, char *buf, size_t len);

/*
 * Run the binary under test once with argv (argv[0] is replaced by its path)
 * and collect what it prints, for the usage-error checks. Returns 0 when it
 * exited within timeout_ms (status set), -EBUSY if it started tracing,
 * -ETIMEDOUT if it did neither (it is killed in both cases).
 * Caller frees *out_text and *err_text.
 */
int run_bindsnoop_once(const char *const *args, int timeout_ms, int *status, char **out_text,
		       char **err_text);

#endif /* LIVE_SNOOP_H */
