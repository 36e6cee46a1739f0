// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The v2 event schema and per-scenario field expectations. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include "conflict.h"
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

/* ---- the v2 schema ---- */

#define T_NULL	 (1u << JSON_NULL)
#define T_BOOL	 (1u << JSON_BOOL)
#define T_NUMBER (1u << JSON_NUMBER)
#define T_STRING (1u << JSON_STRING)
#define T_ARRAY	 (1u << JSON_ARRAY)
#define T_OBJECT (1u << JSON_OBJECT)
/* The key may be absent (comm_raw, cmdline_raw: only for bytes that are not UTF-8). */
#define T_OPTIONAL (1u << 31)

struct field_rule {
	const char *key;
	unsigned int types;
};

static const struct field_rule event_rules[] = {
	{ "v", T_NUMBER },
	{ "ts", T_STRING },
	{ "event", T_STRING },
	{ "error", T_STRING | T_NULL },
	{ "errno", T_NUMBER },
	{ "proto", T_STRING },
	{ "family", T_STRING },
	{ "addr", T_STRING },
	{ "port", T_NUMBER },
	{ "count", T_NUMBER },
	{ "folded", T_BOOL | T_OPTIONAL },
	{ "via", T_STRING },
	{ "hook", T_STRING },
	{ "caller", T_OBJECT },
	{ "holders_searched", T_BOOL },
	{ "holders", T_ARRAY },
	{ "diagnosis", T_OBJECT | T_NULL },
};

static const struct field_rule diagnosis_rules[] = {
	{ "cause", T_STRING },
	{ "summary", T_STRING },
	{ "fix", T_STRING | T_NULL },
	{ "repeat", T_OBJECT | T_NULL },
};

static const struct field_rule repeat_rules[] = {
	{ "count", T_NUMBER },
	{ "window_s", T_NUMBER },
	{ "of", T_STRING },
};

static const struct field_rule container_rules[] = {
	{ "id", T_STRING },
	{ "engine", T_STRING | T_NULL },
	{ "name", T_STRING | T_NULL },
	{ "image", T_STRING | T_NULL },
	{ "pod", T_OBJECT | T_NULL },
};

/* The documented cause codes (schema/README.md), in their order. */
static const char *const causes[] = {
	"dual_stack",
	"time_wait",
	"container_port",
	"service_socket",
	"same_program",
	"other_program",
	"reuseport_mismatch",
	"privileged_port",
	"denied",
	"address_not_local",
	"ports_exhausted",
	"already_bound",
	"unknown",
	NULL,
};

static const struct field_rule lost_rules[] = {
	{ "v", T_NUMBER },
	{ "ts", T_STRING },
	{ "event", T_STRING },
	{ "count", T_NUMBER },
};

/* The first and last line of every run (schema/README.md). */
static const struct field_rule start_rules[] = {
	{ "v", T_NUMBER },	 { "ts", T_STRING },
	{ "event", T_STRING },	 { "host", T_STRING },
	{ "pid", T_NUMBER },	 { "backend", T_STRING },
	{ "kernel", T_STRING },	 { "filters", T_OBJECT },
	{ "version", T_STRING }, { "degraded", T_STRING | T_NULL },
};

static const struct field_rule stop_rules[] = {
	{ "v", T_NUMBER },	  { "ts", T_STRING },	{ "event", T_STRING },
	{ "host", T_STRING },	  { "pid", T_NUMBER },	{ "backend", T_STRING },
	{ "received", T_NUMBER }, { "lost", T_NUMBER }, { "repeats", T_NUMBER },
	{ "dropped", T_NUMBER },
};

static const struct field_rule caller_rules[] = {
	{ "pid", T_NUMBER },
	{ "tid", T_NUMBER },
	{ "ppid", T_NUMBER },
	{ "uid", T_NUMBER },
	{ "comm", T_STRING },
	{ "comm_raw", T_STRING | T_OPTIONAL },
	{ "cmdline", T_STRING | T_NULL },
	{ "cmdline_raw", T_STRING | T_OPTIONAL },
	{ "cgroup", T_STRING | T_NULL },
	{ "netns", T_NUMBER },
	{ "exe", T_STRING | T_NULL },
	{ "start_time", T_STRING | T_NULL },
	{ "service", T_STRING | T_NULL },
	{ "container", T_OBJECT | T_NULL },
};

static const struct field_rule holder_rules[] = {
	{ "state", T_STRING },		{ "proto", T_STRING },	 { "family", T_STRING },
	{ "addr", T_STRING },		{ "port", T_NUMBER },	 { "uid", T_NUMBER | T_NULL },
	{ "inode", T_NUMBER | T_NULL }, { "reuseaddr", T_BOOL }, { "reuseport", T_BOOL },
	{ "v6only", T_BOOL },		{ "source", T_STRING },	 { "processes", T_ARRAY },
};

static const struct field_rule process_rules[] = {
	{ "pid", T_NUMBER },
	{ "comm", T_STRING },
	{ "comm_raw", T_STRING | T_OPTIONAL },
	{ "cmdline", T_STRING | T_NULL },
	{ "cmdline_raw", T_STRING | T_OPTIONAL },
	{ "exe", T_STRING | T_NULL },
	{ "start_time", T_STRING | T_NULL },
	{ "service", T_STRING | T_NULL },
	{ "container", T_OBJECT | T_NULL },
};

static const char *const tcp_states[] = {
	"ESTABLISHED",	"SYN_SENT",   "SYN_RECV",  "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT",	"CLOSE_WAIT", "LAST_ACK",  "LISTEN",	"CLOSING",
	"NEW_SYN_RECV", "BOUND",      "CONNECTED", NULL,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool in_set(const char *value, const char *const *set)
{
	for (; *set; set++) {
		if (strcmp(value, *set) == 0)
			return true;
	}
	return false;
}

static int check_fields(const struct json_value *object, const struct field_rule *rules,
			size_t count, const char *where, char *problem, size_t len)
{
	size_t i, key = 0;

	for (i = 0; i < count; i++) {
		const struct json_value *value;
		bool present = key < object->count && strcmp(object->keys[key], rules[i].key) == 0;

		if (!present && (rules[i].types & T_OPTIONAL))
			continue;
		if (!present) {
			const char *got = key < object->count ? object->keys[key] : "(end)";

			snprintf(problem, len, "%skey #%zu: expected \"%s\", got \"%s\"", where,
				 key + 1, rules[i].key, got);
			return -1;
		}
		value = object->items[key++];
		if (!((1u << value->type) & rules[i].types)) {
			snprintf(problem, len, "%s%s: has type %s", where, rules[i].key,
				 json_type_name(value->type));
			return -1;
		}
		/* Every number in the schema is a non-negative integer. */
		if (value->type == JSON_NUMBER && (!value->is_integer || value->integer < 0)) {
			snprintf(problem, len, "%s%s: not a non-negative integer", where,
				 rules[i].key);
			return -1;
		}
	}
	if (object->count > key) {
		snprintf(problem, len, "%sunexpected key \"%s\"", where, object->keys[key]);
		return -1;
	}
	return 0;
}

/* inet_ntop's own spelling of a valid address of that family? */
static bool canonical_address(const char *family, const char *addr)
{
	int af = strcmp(family, "ipv6") == 0 ? AF_INET6 : AF_INET;
	unsigned char bytes[16];
	char text[INET6_ADDRSTRLEN];

	if (inet_pton(af, addr, bytes) != 1 || !inet_ntop(af, bytes, text, sizeof(text)))
		return false;
	return strcmp(text, addr) == 0;
}

static bool known_protocol(const char *proto)
{
	static const char *const protocols[] = { "tcp", "udp", "udplite", "mptcp", "sctp", NULL };
	char *end;

	if (in_set(proto, protocols))
		return true;
	if (strncmp(proto, "ipproto-", 8) != 0 || !proto[8])
		return false;
	strtoul(proto + 8, &end, 10);
	return *end == '\0';
}

int parse_timestamp(const char *text, double *seconds)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	struct tm tm = { 0 };
	size_t i;

	if (strlen(text) != sizeof(pattern) - 1)
		return -1;
	for (i = 0; pattern[i]; i++) {
		if (pattern[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != pattern[i])
			return -1;
	}
	tm.tm_year = atoi(text) - 1900;
	tm.tm_mon = atoi(text + 5) - 1;
	tm.tm_mday = atoi(text + 8);
	tm.tm_hour = atoi(text + 11);
	tm.tm_min = atoi(text + 14);
	tm.tm_sec = atoi(text + 17);
	if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	*seconds = (double)timegm(&tm) + atoi(text + 20) / 1e6;
	return 0;
}

static const char *const families[] = { "ipv4", "ipv6", NULL };

/* exe, start_time, service, container of a caller or process (v2). */
static int check_identity(const struct json_value *object, const char *where, char *problem,
			  size_t len)
{
	const struct json_value *start = json_member(object, "start_time");
	const struct json_value *container = json_member(object, "container");
	double seconds;
	char inner[96];

	if (start->type == JSON_STRING && parse_timestamp(start->string, &seconds)) {
		snprintf(problem, len, "%sstart_time: \"%s\" is not RFC 3339", where,
			 start->string);
		return -1;
	}
	if (container->type == JSON_OBJECT) {
		snprintf(inner, sizeof(inner), "%scontainer.", where);
		return check_fields(container, container_rules,
				    sizeof(container_rules) / sizeof(container_rules[0]), inner,
				    problem, len);
	}
	return 0;
}

static int check_diagnosis(const struct json_value *event, bool failure, char *problem, size_t len)
{
	const struct json_value *diagnosis = json_member(event, "diagnosis");
	const struct json_value *repeat;

	if (diagnosis->type == JSON_NULL) {
		if (!failure)
			return 0;
		snprintf(problem, len, "diagnosis: null for a failure");
		return -1;
	}
	if (!failure) {
		snprintf(problem, len, "diagnosis: an object for a success");
		return -1;
	}
	if (check_fields(diagnosis, diagnosis_rules,
			 sizeof(diagnosis_rules) / sizeof(diagnosis_rules[0]), "diagnosis.",
			 problem, len))
		return -1;
	if (!in_set(json_member(diagnosis, "cause")->string, causes)) {
		snprintf(problem, len, "diagnosis.cause: unknown \"%s\"",
			 json_member(diagnosis, "cause")->string);
		return -1;
	}
	if (!json_member(diagnosis, "summary")->string[0]) {
		snprintf(problem, len, "diagnosis.summary: empty");
		return -1;
	}
	repeat = json_member(diagnosis, "repeat");
	if (repeat->type == JSON_OBJECT)
		return check_fields(repeat, repeat_rules,
				    sizeof(repeat_rules) / sizeof(repeat_rules[0]),
				    "diagnosis.repeat.", problem, len);
	return 0;
}

static int check_holder(const struct json_value *holder, size_t index, char *problem, size_t len)
{
	static const char *const sources[] = { "kernel", "sock_diag", NULL };
	const struct json_value *processes;
	char where[64];
	size_t i;

	snprintf(where, sizeof(where), "holders[%zu].", index);
	if (holder->type != JSON_OBJECT) {
		snprintf(problem, len, "holders[%zu]: not an object", index);
		return -1;
	}
	if (check_fields(holder, holder_rules, ARRAY_SIZE(holder_rules), where, problem, len))
		return -1;
	if (!in_set(json_member(holder, "state")->string, tcp_states)) {
		snprintf(problem, len, "%sstate: unknown \"%s\"", where,
			 json_member(holder, "state")->string);
		return -1;
	}
	if (!known_protocol(json_member(holder, "proto")->string)) {
		snprintf(problem, len, "%sproto: unknown \"%s\"", where,
			 json_member(holder, "proto")->string);
		return -1;
	}
	if (!in_set(json_member(holder, "family")->string, families) ||
	    !canonical_address(json_member(holder, "family")->string,
			       json_member(holder, "addr")->string)) {
		snprintf(problem, len, "%sfamily/addr: \"%s\" is not a canonical %s address", where,
			 json_member(holder, "addr")->string,
			 json_member(holder, "family")->string);
		return -1;
	}
	if (json_member(holder, "port")->integer > 65535) {
		snprintf(problem, len, "%sport: out of range", where);
		return -1;
	}
	if (!in_set(json_member(holder, "source")->string, sources)) {
		snprintf(problem, len, "%ssource: unknown \"%s\"", where,
			 json_member(holder, "source")->string);
		return -1;
	}
	processes = json_member(holder, "processes");
	for (i = 0; i < processes->count; i++) {
		snprintf(where, sizeof(where), "holders[%zu].processes[%zu].", index, i);
		if (processes->items[i]->type != JSON_OBJECT) {
			snprintf(problem, len, "%.*s: not an object", (int)strlen(where) - 1,
				 where);
			return -1;
		}
		if (check_fields(processes->items[i], process_rules, ARRAY_SIZE(process_rules),
				 where, problem, len) ||
		    check_identity(processes->items[i], where, problem, len))
			return -1;
	}
	return 0;
}

static int check_event_values(const struct json_value *event, char *problem, size_t len)
{
	static const char *const vias[] = { "bind", "listen", "autobind", NULL };
	static const char *const hooks[] = { "syscall", "inet", "get_port", NULL };
	const char *name = json_member(event, "event")->string;
	const struct json_value *error = json_member(event, "error");
	long long errnum = json_member(event, "errno")->integer;
	const char *via = json_member(event, "via")->string;
	const struct json_value *holders;
	char numeric[32];
	bool failure;
	size_t i;

	if (strcmp(name, "bind_failed") && strcmp(name, "bind") && strcmp(name, "listen_failed") &&
	    strcmp(name, "listen")) {
		snprintf(problem, len, "event: unknown \"%s\"", name);
		return -1;
	}
	failure = strstr(name, "_failed") != NULL;
	if (failure != (errnum != 0) || failure != (error->type == JSON_STRING)) {
		snprintf(problem, len, "event \"%s\" with errno %lld and error %s", name, errnum,
			 error->type == JSON_STRING ? error->string : "null");
		return -1;
	}
	snprintf(numeric, sizeof(numeric), "E%lld", errnum);
	/* bindsnoop may not know every name: "E<n>" is allowed for any. */
	if (failure && strcmp(error->string, errno_name(errnum)) != 0 &&
	    strcmp(error->string, numeric) != 0) {
		snprintf(problem, len, "error \"%s\" does not name errno %lld (%s)", error->string,
			 errnum, errno_name(errnum));
		return -1;
	}
	if (!known_protocol(json_member(event, "proto")->string)) {
		snprintf(problem, len, "proto: unknown \"%s\"",
			 json_member(event, "proto")->string);
		return -1;
	}
	if (!in_set(json_member(event, "family")->string, families) ||
	    !canonical_address(json_member(event, "family")->string,
			       json_member(event, "addr")->string)) {
		snprintf(problem, len, "family/addr: \"%s\" is not a canonical %s address",
			 json_member(event, "addr")->string, json_member(event, "family")->string);
		return -1;
	}
	if (json_member(event, "port")->integer > 65535) {
		snprintf(problem, len, "port: out of range");
		return -1;
	}
	if (!in_set(via, vias) || !in_set(json_member(event, "hook")->string, hooks)) {
		snprintf(problem, len, "via/hook: unknown \"%s\"/\"%s\"", via,
			 json_member(event, "hook")->string);
		return -1;
	}
	if ((strncmp(name, "listen", 6) == 0) != (strcmp(via, "listen") == 0)) {
		snprintf(problem, len, "event \"%s\" with via \"%s\"", name, via);
		return -1;
	}
	holders = json_member(event, "holders");
	for (i = 0; i < holders->count; i++) {
		if (check_holder(holders->items[i], i, problem, len))
			return -1;
	}
	if (check_identity(json_member(event, "caller"), "caller.", problem, len))
		return -1;
	return check_diagnosis(event, failure, problem, len);
}

int check_event_schema(const struct json_value *event, char *problem, size_t len)
{
	const struct json_value *name, *v, *ts;
	double seconds;

	if (event->type != JSON_OBJECT) {
		snprintf(problem, len, "not a JSON object");
		return -1;
	}
	name = json_member(event, "event");
	if (name && name->type == JSON_STRING && strcmp(name->string, "lost") == 0) {
		if (check_fields(event, lost_rules, ARRAY_SIZE(lost_rules), "", problem, len))
			return -1;
	} else if (name && name->type == JSON_STRING && strcmp(name->string, "start") == 0) {
		if (check_fields(event, start_rules, ARRAY_SIZE(start_rules), "", problem, len))
			return -1;
	} else if (name && name->type == JSON_STRING && strcmp(name->string, "stop") == 0) {
		if (check_fields(event, stop_rules, ARRAY_SIZE(stop_rules), "", problem, len))
			return -1;
	} else {
		if (check_fields(event, event_rules, ARRAY_SIZE(event_rules), "", problem, len) ||
		    check_fields(json_member(event, "caller"), caller_rules,
				 ARRAY_SIZE(caller_rules), "caller.", problem, len) ||
		    check_event_values(event, problem, len))
			return -1;
	}
	v = json_member(event, "v");
	if (v->integer != 2) {
		snprintf(problem, len, "v: expected 2, got %lld", v->integer);
		return -1;
	}
	ts = json_member(event, "ts");
	if (parse_timestamp(ts->string, &seconds)) {
		snprintf(problem, len, "ts: \"%s\" is not YYYY-MM-DDTHH:MM:SS.ffffffZ", ts->string);
		return -1;
	}
	return 0;
}

/* ---- one scenario's expectations ---- */

static bool utf8_valid(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t avail = strlen(text);

	while (avail) {
		size_t n = json_utf8_sequence_length(s, avail);

		if (!n)
			return false;
		s += n;
		avail -= n;
	}
	return true;
}

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

	if (utf8_valid(raw)) {
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

void comm_as_decoded(const char *raw, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)raw;
	size_t used = 0, avail = strlen(raw);

	while (avail && used + 5 < len) {
		size_t n = json_utf8_sequence_length(s, avail);

		if (n) {
			memcpy(out + used, s, n);
			used += n;
		} else {
			/* Not UTF-8: U+FFFD, the exact bytes in comm_raw. */
			n = 1;
			used += json_utf8_encode(0xfffd, (unsigned char *)out + used);
		}
		s += n;
		avail -= n;
	}
	out[used] = '\0';
}

static void expect_timestamp(struct verdict *verdict, const struct json_value *event)
{
	const struct json_value *ts = json_member(event, "ts");
	struct timeval now;
	double seconds;

	if (!ts || ts->type != JSON_STRING || parse_timestamp(ts->string, &seconds))
		return; /* the schema check reports it */
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
		 strcmp(hook->string, "inet") != 0 && strcmp(hook->string, "get_port") != 0)
		verdict_add(verdict,
			    "hook: expected \"inet\" or \"get_port\" with backend %s, got \"%s\"",
			    backend, hook->string);
}

void expect_event(struct verdict *verdict, const struct json_value *event,
		  const struct event_expect *want)
{
	const struct json_value *cgroup;
	char problem[512], comm[64];

	if (check_event_schema(event, problem, sizeof(problem)))
		verdict_add(verdict, "schema: %s", problem);
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
	comm_as_decoded(want->caller.comm, comm, sizeof(comm));
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
	comm_as_decoded(want->comm, comm, sizeof(comm));
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
