// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-scenario field expectations (the schema is checked on every line elsewhere). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include "conflict.h"
#include "event_rules.h"
#include "expect.h"
#include "live.h"

/* Wall clock of the event against ours: generous, VMs under TCG are slow. */
#define TIMESTAMP_TOLERANCE_S 120

void verdict_add(struct verdict *verdict, const char *fmt, ...)
{
	va_list ap;
	int n;

	verdict->problems++;
	if (verdict->used >= sizeof(verdict->text) - 1)
		return;
	if (verdict->used) {
		n = snprintf(verdict->text + verdict->used, sizeof(verdict->text) - verdict->used,
			     "; ");
		verdict->used += n;
		if (verdict->used >= sizeof(verdict->text) - 1)
			return;
	}
	va_start(ap, fmt);
	n = vsnprintf(verdict->text + verdict->used, sizeof(verdict->text) - verdict->used, fmt,
		      ap);
	va_end(ap);
	if (n > 0)
		verdict->used += n;
	if (verdict->used >= sizeof(verdict->text))
		verdict->used = sizeof(verdict->text) - 1;
}

static void describe_got(const struct json_value *value, char *buf, size_t len)
{
	json_describe(value, buf, len);
}

static bool string_equals(const struct json_value *value, const char *want)
{
	return value && value->type == JSON_STRING && value->string_len == strlen(want) &&
	       memcmp(value->string, want, value->string_len) == 0;
}

void expect_string(struct verdict *verdict, const struct json_value *root, const char *path,
		   const char *want)
{
	const struct json_value *value = json_get(root, path);
	char got[256], wanted[256];
	struct json_value want_value = { .type = JSON_STRING,
					 .string = (char *)want,
					 .string_len = strlen(want) };

	if (string_equals(value, want))
		return;
	describe_got(value, got, sizeof(got));
	json_describe(&want_value, wanted, sizeof(wanted));
	verdict_add(verdict, "%s: expected %s, got %s", path, wanted, got);
}

void expect_integer(struct verdict *verdict, const struct json_value *root, const char *path,
		    long long want)
{
	const struct json_value *value = json_get(root, path);
	char got[256];

	if (value && value->type == JSON_NUMBER && value->is_integer && value->integer == want)
		return;
	describe_got(value, got, sizeof(got));
	verdict_add(verdict, "%s: expected %lld, got %s", path, want, got);
}

void expect_null(struct verdict *verdict, const struct json_value *root, const char *path)
{
	const struct json_value *value = json_get(root, path);
	char got[256];

	if (value && value->type == JSON_NULL)
		return;
	describe_got(value, got, sizeof(got));
	verdict_add(verdict, "%s: expected null, got %s", path, got);
}

void expect_bool(struct verdict *verdict, const struct json_value *root, const char *path,
		 bool want)
{
	const struct json_value *value = json_get(root, path);
	char got[256];

	if (value && value->type == JSON_BOOL && value->boolean == want)
		return;
	describe_got(value, got, sizeof(got));
	verdict_add(verdict, "%s: expected %s, got %s", path, want ? "true" : "false", got);
}

/* ---- one scenario's expectations ---- */

static void base64_encode(const char *text, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = (const unsigned char *)text;
	size_t len = strlen(text);

	for (size_t i = 0; i < len; i += 3) {
		unsigned int group = in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0) |
				     (i + 2 < len ? in[i + 2] : 0);

		*out++ = alphabet[group >> 18];
		*out++ = alphabet[(group >> 12) & 63];
		*out++ = i + 1 < len ? alphabet[(group >> 6) & 63] : '=';
		*out++ = i + 2 < len ? alphabet[group & 63] : '=';
	}
	*out = '\0';
}

/* path_raw is the exact bytes in base64 when raw is not UTF-8, and absent when it is. */
static void expect_raw_field(struct verdict *verdict, const struct json_value *event,
			     const char *path_raw, const char *raw)
{
	char encoded[128];

	if (json_utf8_valid(raw)) {
		if (json_get(event, path_raw))
			verdict_add(verdict, "%s: present, but \"%s\" is valid UTF-8", path_raw,
				    raw);
		return;
	}
	if (strlen(raw) > 90)
		return;
	base64_encode(raw, encoded);
	expect_string(verdict, event, path_raw, encoded);
}

static void expect_timestamp(struct verdict *verdict, const struct json_value *event)
{
	const struct json_value *ts = json_member(event, "ts");
	struct timeval now;
	double seconds;

	if (!ts || ts->type != JSON_STRING || json_parse_timestamp(ts->string, &seconds))
		return; /* the schema and event_check_rules() report it */
	gettimeofday(&now, NULL);
	if (seconds < now.tv_sec - TIMESTAMP_TOLERANCE_S ||
	    seconds > now.tv_sec + TIMESTAMP_TOLERANCE_S)
		verdict_add(verdict, "ts: \"%s\" is more than %d s away from the wall clock (%ld)",
			    ts->string, TIMESTAMP_TOLERANCE_S, (long)now.tv_sec);
}

static void expect_hook(struct verdict *verdict, const struct json_value *event)
{
	const char *backend = live_config->backend;
	const struct json_value *hook = json_member(event, "hook");

	if (!backend || !hook || hook->type != JSON_STRING)
		return;
	if (strcmp(backend, "tracepoint") == 0)
		expect_string(verdict, event, "hook", "syscall");
	else if ((strcmp(backend, "fexit") == 0 || strcmp(backend, "kprobe") == 0) &&
		 strcmp(hook->string, "inet") != 0 && strcmp(hook->string, "get_port") != 0 &&
		 strcmp(hook->string, "autobind") != 0)
		verdict_add(
			verdict,
			"hook: expected \"inet\", \"autobind\" or \"get_port\" with backend %s, "
			"got \"%s\"",
			backend, hook->string);
}

void expect_event(struct verdict *verdict, const struct json_value *event,
		  const struct event_expect *want)
{
	const struct json_value *cgroup;
	char problem[512], comm[64];

	if (event_check_rules(event, problem, sizeof(problem)))
		verdict_add(verdict, "rules: %s", problem);
	expect_string(verdict, event, "event", want->event);
	if (want->errnum)
		expect_string(verdict, event, "error", errno_name(want->errnum));
	else
		expect_null(verdict, event, "error");
	expect_integer(verdict, event, "errno", want->errnum);
	expect_string(verdict, event, "proto", want->proto);
	expect_string(verdict, event, "family", want->family);
	expect_string(verdict, event, "addr", want->addr);
	expect_integer(verdict, event, "port", want->port);
	expect_string(verdict, event, "via", want->via);
	expect_hook(verdict, event);
	expect_timestamp(verdict, event);
	expect_integer(verdict, event, "caller.pid", want->caller.pid);
	expect_integer(verdict, event, "caller.tid", want->caller.pid);
	expect_integer(verdict, event, "caller.ppid", want->caller.ppid);
	expect_integer(verdict, event, "caller.uid", want->caller.uid);
	json_text_as_decoded(want->caller.comm, comm, sizeof(comm));
	expect_string(verdict, event, "caller.comm", comm);
	expect_raw_field(verdict, event, "caller.comm_raw", want->caller.comm);
	expect_integer(verdict, event, "caller.netns", (long long)want->caller.netns);
	if (want->caller.cmdline)
		expect_string(verdict, event, "caller.cmdline", want->caller.cmdline);
	cgroup = json_get(event, "caller.cgroup");
	if (want->caller.cgroup && cgroup && cgroup->type == JSON_STRING)
		expect_string(verdict, event, "caller.cgroup", want->caller.cgroup);
	if (want->errnum == 98)
		expect_bool(verdict, event, "holders_searched", true);
	if (want->caller.exe)
		expect_string(verdict, event, "caller.exe", want->caller.exe);
}

void expect_cause(struct verdict *verdict, const struct json_value *event, const char *cause,
		  const char *summary_has)
{
	const struct json_value *summary = json_get(event, "diagnosis.summary");

	expect_string(verdict, event, "diagnosis.cause", cause);
	if (summary_has && summary && summary->type == JSON_STRING &&
	    !strstr(summary->string, summary_has))
		verdict_add(verdict, "diagnosis.summary: \"%s\" does not name \"%s\"",
			    summary->string, summary_has);
}

/* One line naming every holder briefly, for "not found" messages. */

static bool holder_source_is(const struct json_value *holder, const char *source)
{
	const struct json_value *value = json_member(holder, "source");

	return value && value->type == JSON_STRING && strcmp(value->string, source) == 0;
}

static bool holder_options_known(const struct json_value *holder)
{
	const struct json_value *processes = json_member(holder, "processes");

	return holder_source_is(holder, "kernel") ||
	       (processes && processes->type == JSON_ARRAY && processes->count > 0);
}

static void describe_holders(const struct json_value *holders, char *buf, size_t len)
{
	size_t used = 0, i;

	buf[0] = '\0';
	if (!holders || holders->type != JSON_ARRAY || !holders->count) {
		snprintf(buf, len, "none");
		return;
	}
	for (i = 0; i < holders->count && used < len; i++) {
		const struct json_value *holder = holders->items[i];
		const struct json_value *inode = json_member(holder, "inode");
		const struct json_value *addr = json_member(holder, "addr");

		used += snprintf(buf + used, len - used, "%s%s inode %lld", i ? ", " : "",
				 addr && addr->type == JSON_STRING ? addr->string : "?",
				 inode && inode->type == JSON_NUMBER ? inode->integer : -1LL);
	}
}

void expect_holder(struct verdict *verdict, const struct json_value *event,
		   const struct holder_expect *want)
{
	const struct json_value *holders = json_member(event, "holders");
	const struct json_value *holder = NULL, *processes;
	char path[96], comm[64], seen[512];
	size_t i, index = 0;
	bool named = false;

	for (i = 0; holders && holders->type == JSON_ARRAY && i < holders->count; i++) {
		const struct json_value *inode = json_member(holders->items[i], "inode");

		if (inode && inode->type == JSON_NUMBER &&
		    (unsigned long long)inode->integer == want->inode) {
			holder = holders->items[i];
			index = i;
			break;
		}
	}
	if (!holder) {
		describe_holders(holders, seen, sizeof(seen));
		verdict_add(
			verdict,
			"holders: no socket with inode %llu (%s %s:%u of %s[%d]); holders seen: %s",
			want->inode, want->state, want->addr, want->port, want->comm, want->pid,
			seen);
		return;
	}
#define HOLDER_PATH(field) (snprintf(path, sizeof(path), "holders[%zu]." field, index), path)
	expect_string(verdict, event, HOLDER_PATH("state"), want->state);
	expect_string(verdict, event, HOLDER_PATH("proto"), want->proto);
	expect_string(verdict, event, HOLDER_PATH("family"), want->family);
	expect_string(verdict, event, HOLDER_PATH("addr"), want->addr);
	expect_integer(verdict, event, HOLDER_PATH("port"), want->port);
	expect_integer(verdict, event, HOLDER_PATH("uid"), want->uid);
	/*
	 * Socket options come from the kernel walk, or for a sock_diag holder
	 * from the socket itself through a process holding it
	 * (schema/README.md): without either they cannot be known.
	 */
	if (want->reuseaddr >= 0 && holder_options_known(holder))
		expect_bool(verdict, event, HOLDER_PATH("reuseaddr"), want->reuseaddr);
	if (want->v6only >= 0)
		expect_bool(verdict, event, HOLDER_PATH("v6only"), want->v6only);
	if (want->source)
		expect_string(verdict, event, HOLDER_PATH("source"), want->source);
	json_text_as_decoded(want->comm, comm, sizeof(comm));
	processes = json_member(holder, "processes");
	for (i = 0; processes && processes->type == JSON_ARRAY && i < processes->count; i++) {
		const struct json_value *pid = json_member(processes->items[i], "pid");

		if (!pid || pid->type != JSON_NUMBER || pid->integer != want->pid)
			continue;
		named = true;
		snprintf(path, sizeof(path), "holders[%zu].processes[%zu].comm", index, i);
		expect_string(verdict, event, path, comm);
		snprintf(path, sizeof(path), "holders[%zu].processes[%zu].comm_raw", index, i);
		expect_raw_field(verdict, event, path, want->comm);
	}
	if (!named)
		verdict_add(verdict, "holders[%zu].processes: no process with pid %d (%s)", index,
			    want->pid, want->comm);
#undef HOLDER_PATH
}

void expect_no_holder(struct verdict *verdict, const struct json_value *event,
		      unsigned long long inode, pid_t pid, const char *why)
{
	const struct json_value *holders = json_member(event, "holders");
	size_t i, j;

	for (i = 0; holders && holders->type == JSON_ARRAY && i < holders->count; i++) {
		const struct json_value *holder_inode = json_member(holders->items[i], "inode");
		const struct json_value *processes = json_member(holders->items[i], "processes");

		if (holder_inode && holder_inode->type == JSON_NUMBER &&
		    (unsigned long long)holder_inode->integer == inode)
			verdict_add(verdict, "holders[%zu]: socket inode %llu is %s", i, inode,
				    why);
		for (j = 0; processes && processes->type == JSON_ARRAY && j < processes->count;
		     j++) {
			const struct json_value *other = json_member(processes->items[j], "pid");

			if (other && other->type == JSON_NUMBER && other->integer == pid)
				verdict_add(verdict, "holders[%zu].processes[%zu]: pid %d is %s", i,
					    j, pid, why);
		}
	}
}
