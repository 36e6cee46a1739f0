// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The harness's own checks: JSON parser, schema check, conflict helpers. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "env.h"
#include "expect.h"
#include "json.h"
#include "selftest.h"
#include "steps.h"

static int passed, failed;

static void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok   %s\n", name);
		passed++;
		return;
	}
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed++;
}

/* The example event of the schema in notes/common.md, on one line. */
static const char example_event[] =
	"{\"v\":1,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"bind_failed\","
	"\"error\":\"EADDRINUSE\",\"errno\":98,\"proto\":\"tcp\",\"family\":\"ipv4\","
	"\"addr\":\"127.0.0.1\",\"port\":3000,\"via\":\"bind\",\"hook\":\"syscall\","
	"\"caller\":{\"pid\":4242,\"tid\":4242,\"ppid\":1,\"uid\":1000,\"comm\":\"python3\","
	"\"cmdline\":\"python3 -m http.server 3000\",\"cgroup\":\"/user.slice/session-1.scope\","
	"\"netns\":4026531840},\"holders_searched\":true,"
	"\"holders\":[{\"state\":\"LISTEN\",\"proto\":\"tcp\",\"family\":\"ipv4\","
	"\"addr\":\"0.0.0.0\",\"port\":3000,\"uid\":1000,\"inode\":123456,"
	"\"reuseaddr\":false,\"reuseport\":false,\"v6only\":false,\"source\":\"kernel\","
	"\"processes\":[{\"pid\":4100,\"comm\":\"node\",\"cmdline\":\"node server.js\"}]}]}";

static struct json_value *parse(const char *text, char *error, size_t len)
{
	return json_parse(text, strlen(text), error, len);
}

static void test_json_rejects(void)
{
	static const char *const bad[] = {
		"",
		"{",
		"}",
		"{\"a\":1,}",
		"[1,]",
		"[1 2]",
		"01",
		"1.",
		"-",
		"+1",
		"1e",
		".5",
		"\"\x01\"",
		"\"\xff\"",
		"\"\xc0\xaf\"",
		"\"\xed\xa0\x80\"",
		"\"\\x\"",
		"\"\\u12\"",
		"\"\\ud800\"",
		"\"\\udc00\"",
		"\"\\ud800\\u0041\"",
		"{\"a\":1}{}",
		"{\"a\":1} x",
		"{\"a\":1,\"a\":2}",
		"nul",
		"tru",
		"{a:1}",
		"'a'",
		"NaN",
		"\"abc",
		"[\"a\"",
		"{\"a\" 1}",
		"\"\t\"",
	};
	char error[128], name[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_value *value = parse(bad[i], error, sizeof(error));

		snprintf(name, sizeof(name), "json-rejects-%zu", i);
		report(!value && error[0], name, "accepted invalid JSON #%zu", i);
		json_free(value);
	}
}

static void test_json_deep_nesting(void)
{
	char text[402], error[128];
	struct json_value *value;

	memset(text, '[', 200);
	memset(text + 200, ']', 200);
	text[400] = '\0';
	value = parse(text, error, sizeof(error));
	report(!value, "json-depth-limit", "200 nested arrays accepted");
	json_free(value);
}

static bool string_is(const struct json_value *value, const char *bytes, size_t len)
{
	return value && value->type == JSON_STRING && value->string_len == len &&
	       memcmp(value->string, bytes, len) == 0;
}

static void test_json_accepts(void)
{
	struct {
		const char *text;
		const char *decoded;
		size_t len;
	} strings[] = {
		{ "\"\\u00ff\"", "\xc3\xbf", 2 },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4 },
		{ "\"\\u0000\"", "\0", 1 },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8 },
		{ " \"\xc3\xa9\xe2\x82\xac\" ", "\xc3\xa9\xe2\x82\xac", 5 },
	};
	struct json_value *value;
	char error[128], name[64];
	size_t i;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		value = parse(strings[i].text, error, sizeof(error));
		snprintf(name, sizeof(name), "json-string-%zu", i);
		report(string_is(value, strings[i].decoded, strings[i].len), name,
		       "%s decoded wrongly (%s)", strings[i].text, error);
		json_free(value);
	}
	value = parse("[-0, 1e5, 12345678901234567890, 2.5, true, false, null, {}, []]", error,
		      sizeof(error));
	report(value && value->count == 9 && value->items[0]->is_integer &&
		       !value->items[1]->is_integer && value->items[1]->number == 1e5 &&
		       !value->items[2]->is_integer && value->items[3]->number == 2.5 &&
		       value->items[4]->boolean && !value->items[5]->boolean &&
		       value->items[6]->type == JSON_NULL && value->items[7]->type == JSON_OBJECT &&
		       value->items[8]->type == JSON_ARRAY,
	       "json-scalars", "array of scalars parsed wrongly: %s", error);
	json_free(value);
}

static void test_json_paths(void)
{
	char error[128], problem[256];
	struct json_value *event = parse(example_event, error, sizeof(error));
	const struct json_value *comm, *pid, *inode;

	report(event != NULL, "json-example-parses", "%s", error);
	if (!event)
		return;
	comm = json_get(event, "holders[0].processes[0].comm");
	pid = json_get(event, "caller.pid");
	inode = json_get(event, "holders[0].inode");
	report(string_is(comm, "node", 4) && pid && pid->integer == 4242 && inode &&
		       inode->integer == 123456 && !json_get(event, "holders[1]") &&
		       !json_get(event, "caller.nope") && !json_get(event, "holders[x]") &&
		       !json_get(event, "port.x"),
	       "json-paths", "path lookups wrong");
	report(check_event_schema(event, problem, sizeof(problem)) == 0, "schema-example",
	       "the documented example breaks the schema: %s", problem);
	json_free(event);
}

/* Each variant of the example must break the schema. */
static void test_schema_rejects(void)
{
	static const struct {
		const char *from;
		const char *to;
	} edits[] = {
		{ "\"v\":1", "\"v\":2" },
		{ "\"error\":\"EADDRINUSE\"", "\"error\":\"EACCES\"" },
		{ "\"error\":\"EADDRINUSE\"", "\"error\":null" },
		{ "\"via\":\"bind\"", "\"via\":\"listen\"" },
		{ "\"family\":\"ipv4\",\"addr\":\"127.0.0.1\"",
		  "\"family\":\"ipv6\",\"addr\":\"127.0.0.1\"" },
		{ "\"addr\":\"0.0.0.0\"", "\"addr\":\"0.0.0.00\"" },
		{ "\"ts\":\"2026-11-24T18:52:01.123456Z\"", "\"ts\":\"2026-11-24 18:52:01\"" },
		{ "\"port\":3000,\"via\"", "\"port\":70000,\"via\"" },
		{ "\"state\":\"LISTEN\"", "\"state\":\"listen\"" },
		{ "\"source\":\"kernel\"", "\"source\":\"magic\"" },
		{ "\"uid\":1000,\"comm\"", "\"uid\":-1,\"comm\"" },
		{ "\"proto\":\"tcp\",\"family\":\"ipv4\",\"addr\":\"127",
		  "\"family\":\"ipv4\",\"proto\":\"tcp\",\"addr\":\"127" },
		{ "\"holders_searched\":true", "\"holders_searched\":1" },
		{ "\"netns\":4026531840}", "\"netns\":4026531840,\"extra\":1}" },
	};
	char text[sizeof(example_event) + 64], error[128], problem[256], name[64];
	size_t i;

	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(example_event, edits[i].from);
		struct json_value *event;
		size_t head;

		snprintf(name, sizeof(name), "schema-rejects-%zu", i);
		if (!at) {
			report(false, name, "edit %zu does not apply", i);
			continue;
		}
		head = at - example_event;
		snprintf(text, sizeof(text), "%.*s%s%s", (int)head, example_event, edits[i].to,
			 at + strlen(edits[i].from));
		event = parse(text, error, sizeof(error));
		report(event && check_event_schema(event, problem, sizeof(problem)) != 0, name,
		       "schema accepted: %s", text);
		json_free(event);
	}
}

/* The schema's escaping rules, written independently of bindsnoop's. */
static void escape_like_schema(const char *raw, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)raw;
	size_t used = 0, avail = strlen(raw);

	used += snprintf(out + used, len - used, "\"");
	while (avail) {
		size_t n = json_utf8_sequence_length(s, avail);

		if (n > 1 || (n == 1 && *s >= 0x20 && *s != 0x7f && *s != '"' && *s != '\\')) {
			used += snprintf(out + used, len - used, "%.*s", (int)n, (const char *)s);
		} else {
			n = 1;
			if (*s == '"' || *s == '\\')
				used += snprintf(out + used, len - used, "\\%c", *s);
			else if (*s == '\n')
				used += snprintf(out + used, len - used, "\\n");
			else if (*s >= 0x80) /* not UTF-8: U+FFFD, the bytes in *_raw */
				used += snprintf(out + used, len - used, "\\ufffd");
			else
				used += snprintf(out + used, len - used, "\\u%04x", *s);
		}
		s += n;
		avail -= n;
	}
	snprintf(out + used, len - used, "\"");
}

static void test_comm_decoding(void)
{
	static const char *const comms[] = {
		"lt\"h\\\x1b\xfe\xe2\x82\xac\xf0\x9f",
		"lt\"c\\\n\t\x01\x7f\xff\xc3\xa9\xe2\x82x",
		"plain",
	};
	char escaped[256], decoded[64], error[128], name[64];
	size_t i;

	for (i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		struct json_value *value;

		escape_like_schema(comms[i], escaped, sizeof(escaped));
		comm_as_decoded(comms[i], decoded, sizeof(decoded));
		value = parse(escaped, error, sizeof(error));
		snprintf(name, sizeof(name), "comm-decoding-%zu", i);
		report(string_is(value, decoded, strlen(decoded)), name,
		       "%s does not decode to the expected name (%s)", escaped, error);
		json_free(value);
	}
	comm_as_decoded("a\xff"
			"b",
			decoded, sizeof(decoded));
	report(strcmp(decoded, "a\xef\xbf\xbd"
			       "b") == 0,
	       "comm-decoding-invalid-byte", "0xff should read back as U+FFFD");
}

static void test_timestamps(void)
{
	double seconds = 0;

	report(parse_timestamp("1970-01-02T00:00:01.500000Z", &seconds) == 0 && seconds == 86401.5,
	       "timestamp-parse", "got %f", seconds);
	report(parse_timestamp("2026-11-24T18:52:01Z", &seconds) != 0 &&
		       parse_timestamp("2026-11-24 18:52:01.123456Z", &seconds) != 0 &&
		       parse_timestamp("2026-11-24T18:52:01.123456", &seconds) != 0 &&
		       parse_timestamp("2026-13-24T18:52:01.123456Z", &seconds) != 0,
	       "timestamp-rejects", "a malformed timestamp was accepted");
}

/* ---- helpers making real conflicts (no bindsnoop involved) ---- */

static void report_context(struct test_context *ctx, enum test_result result, const char *name)
{
	if (result == TEST_SKIP)
		printf("skip %s: %s\n", name, ctx->reason);
	else
		report(result == TEST_PASS, name, "%s", ctx->reason);
	test_context_cleanup(ctx);
}

static enum test_result conflict_case(struct test_context *ctx, int type, int holder_family,
				      const char *holder_addr, int v6only, int caller_family,
				      const char *caller_addr)
{
	struct holder holder;
	unsigned int port = test_port(ctx);
	char path[64], comm[32] = "";
	FILE *file;

	if (!port)
		return TEST_FAIL;
	if (start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-self-holder",
						.family = holder_family,
						.type = type,
						.addr = holder_addr,
						.port = port,
						.listen = type == SOCK_STREAM,
						.v6only = v6only },
			 &holder))
		return TEST_FAIL;
	if (!failing_caller(ctx, "lt-self-caller", caller_family, type, caller_addr, port,
			    EADDRINUSE))
		return TEST_FAIL;
	snprintf(path, sizeof(path), "/proc/%d/comm", helper_pid(holder.helper));
	file = fopen(path, "re");
	if (file) {
		if (!fgets(comm, sizeof(comm), file))
			comm[0] = '\0';
		fclose(file);
	}
	if (strcmp(comm, "lt-self-holder\n") != 0)
		return test_fail(ctx, "helper comm is '%s', expected lt-self-holder", comm);
	if (!holder.inode)
		return test_fail(ctx, "holder socket inode not known");
	return TEST_PASS;
}

static enum test_result listen_time_case(struct test_context *ctx)
{
	struct holder holder;
	struct helper *caller;
	unsigned int port = test_port(ctx);
	int slot, ret;

	if (!port)
		return TEST_FAIL;
	if (start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-self-holder",
						.family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.reuseaddr = true,
						.v6only = -1 },
			 &holder))
		return TEST_FAIL;
	caller = test_helper(ctx, "lt-self-caller");
	if (!caller)
		return TEST_FAIL;
	slot = bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, true, "127.0.0.1", port, 0);
	if (slot < 0)
		return TEST_FAIL;
	if ((ret = helper_listen(holder.helper, holder.slot)))
		return test_fail(ctx, "holder listen: %s", errno_name(-ret));
	ret = helper_listen(caller, slot);
	return ret == -EADDRINUSE ? TEST_PASS :
				    test_fail(ctx, "second listen: %s", errno_name(-ret));
}

static enum test_result single_failure_case(struct test_context *ctx, const char *addr,
					    int want_errno, bool twice, bool unprivileged)
{
	unsigned int port = unprivileged ? 80 : test_port(ctx);
	struct helper *caller;
	int slot, ret;

	if (!port)
		return TEST_FAIL;
	if (unprivileged && geteuid() != 0)
		return test_skip(ctx, "needs root to drop privileges");
	caller = test_helper(ctx, "lt-self-caller");
	if (!caller)
		return TEST_FAIL;
	if (unprivileged && (ret = helper_drop_privileges(caller, 65534, 65534)))
		return test_fail(ctx, "drop privileges: %s", errno_name(-ret));
	if (!twice)
		return bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, addr, port,
				      want_errno) < 0 ?
			       TEST_FAIL :
			       TEST_PASS;
	slot = bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, addr, port, 0);
	if (slot < 0)
		return TEST_FAIL;
	ret = helper_bind(caller, slot, AF_INET, addr, port + 1);
	return ret == -want_errno ? TEST_PASS : test_fail(ctx, "second bind: %s", errno_name(-ret));
}

static enum test_result netns_case(struct test_context *ctx)
{
	unsigned long long netns = 0;
	const char *step = "?";
	struct holder holder, decoy;
	struct helper *in_netns, *caller;
	unsigned int port = test_port(ctx);
	int ret;

	if (geteuid() != 0)
		return test_skip(ctx, "needs root for unshare(CLONE_NEWNET)");
	in_netns = test_helper(ctx, "lt-self-netns");
	caller = test_helper(ctx, "lt-self-caller");
	if (!port || !in_netns || !caller)
		return TEST_FAIL;
	ret = helper_unshare_net(in_netns, &netns, &step);
	if (ret)
		return test_fail(ctx, "%s: %s", step, errno_name(-ret));
	if (netns == host_facts()->netns)
		return test_fail(ctx, "still in our namespace");
	if ((ret = helper_join_netns(caller, helper_pid(in_netns))))
		return test_fail(ctx, "setns: %s", errno_name(-ret));
	if (holder_setup(ctx, in_netns,
			 &(struct holder_spec){ .family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.listen = true,
						.v6only = -1 },
			 &holder) ||
	    start_holder(ctx,
			 &(struct holder_spec){ .comm = "lt-self-decoy",
						.family = AF_INET,
						.type = SOCK_STREAM,
						.addr = "127.0.0.1",
						.port = port,
						.listen = true,
						.v6only = -1 },
			 &decoy))
		return TEST_FAIL;
	return bind_expecting(ctx, caller, AF_INET, SOCK_STREAM, false, "127.0.0.1", port,
			      EADDRINUSE) < 0 ?
		       TEST_FAIL :
		       TEST_PASS;
}

static void test_helpers(void)
{
	struct test_context ctx = { 0 };

	report_context(
		&ctx,
		conflict_case(&ctx, SOCK_STREAM, AF_INET, "127.0.0.1", -1, AF_INET, "127.0.0.1"),
		"helper-tcp4-conflict");
	report_context(
		&ctx,
		conflict_case(&ctx, SOCK_STREAM, AF_INET, "0.0.0.0", -1, AF_INET, "127.0.0.1"),
		"helper-tcp4-wildcard-conflict");
	report_context(
		&ctx,
		conflict_case(&ctx, SOCK_DGRAM, AF_INET, "127.0.0.1", -1, AF_INET, "127.0.0.1"),
		"helper-udp4-conflict");
	if (host_facts()->ipv6) {
		report_context(
			&ctx,
			conflict_case(&ctx, SOCK_STREAM, AF_INET6, "::", 0, AF_INET, "127.0.0.1"),
			"helper-dualstack-conflict");
		report_context(
			&ctx,
			conflict_case(&ctx, SOCK_STREAM, AF_INET6, "::1", -1, AF_INET6, "::1"),
			"helper-tcp6-conflict");
	}
	report_context(&ctx, listen_time_case(&ctx), "helper-listen-time-conflict");
	report_context(&ctx, single_failure_case(&ctx, "127.0.0.1", EINVAL, true, false),
		       "helper-einval");
	report_context(&ctx, single_failure_case(&ctx, "192.0.2.1", EADDRNOTAVAIL, false, false),
		       "helper-eaddrnotavail");
	report_context(&ctx, single_failure_case(&ctx, "127.0.0.1", EACCES, false, true),
		       "helper-eacces");
	report_context(&ctx, netns_case(&ctx), "helper-netns");
}

int run_self_test(void)
{
	test_json_rejects();
	test_json_deep_nesting();
	test_json_accepts();
	test_json_paths();
	test_schema_rejects();
	test_comm_decoding();
	test_timestamps();
	test_helpers();
	printf("selftest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
