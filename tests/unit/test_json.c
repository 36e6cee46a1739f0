// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * strbuf and the JSON Lines renderer: exact lines for known reports, and
 * for arbitrary bytes in process names a line that a strict JSON parser
 * (tests/lib/json.h: RFC 8259 plus strict UTF-8) accepts and that decodes
 * back to the very same bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include "json.h"
#include "output/json_event.h"
#include "strbuf.h"
#include "sample_report.h"
#include "unit.h"

/* 2026-11-24T18:52:01.123456789Z */

/* ---- through the tests' one JSON checker (tests/lib/json.h) ---------------- */

static bool is_json_line(const char *text, size_t len)
{
	char error[128];

	return json_is_line(text, len, error, sizeof(error));
}

/* The bytes a rendered JSON string stands for. */
static bool decode_json_string(const char *quoted, size_t len, unsigned char *out, size_t *out_len)
{
	char error[128];
	struct json_value *value = json_parse(quoted, len, error, sizeof(error));
	bool ok = value && value->type == JSON_STRING;

	if (ok) {
		memcpy(out, value->string, value->string_len);
		*out_len = value->string_len;
	}
	json_free(value);
	return ok;
}

/* ---- strbuf ----------------------------------------------------------------- */

static void test_strbuf_basics(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct strbuf zeroed;
	char big[1000];
	size_t cap;

	memset(&zeroed, 0, sizeof(zeroed));
	strbuf_release(&zeroed);
	strbuf_release(NULL);
	CHECK(zeroed.data == NULL && zeroed.len == 0 && zeroed.cap == 0);

	strbuf_init(&sb);
	CHECK(sb.data == NULL && sb.len == 0);
	strbuf_reset(&sb); /* on a never-used buffer */
	CHECK_INT(strbuf_append(&sb, "abc", 3), 0);
	CHECK_INT(sb.len, 3);
	CHECK_STR(sb.data, "abc");
	CHECK_INT(strbuf_append_str(&sb, "def"), 0);
	CHECK_INT(strbuf_append_literal(&sb, "!"), 0);
	CHECK_STR(sb.data, "abcdef!");
	CHECK_INT(strbuf_append(&sb, "", 0), 0);
	CHECK_INT(sb.len, 7);

	memset(big, 'x', sizeof(big));
	CHECK_INT(strbuf_appendf(&sb, "[%d:%.*s]", 42, (int)sizeof(big), big), 0);
	CHECK_INT(sb.len, 7 + 1 + 2 + 1 + 1000 + 1);
	CHECK(!memcmp(sb.data, "abcdef![42:xxx", 14));
	CHECK(sb.data[sb.len - 1] == ']' && sb.data[sb.len] == '\0');
	CHECK(sb.cap > sb.len);

	cap = sb.cap;
	strbuf_reset(&sb);
	CHECK_INT(sb.len, 0);
	CHECK_STR(sb.data, "");
	CHECK_INT(sb.cap, cap);
	CHECK_INT(strbuf_appendf(&sb, "%s-%u", "x", 7u), 0);
	CHECK_STR(sb.data, "x-7");
	strbuf_truncate(&sb, 1);
	CHECK_STR(sb.data, "x");
	strbuf_truncate(&sb, 10); /* longer than the content: nothing happens */
	CHECK_STR(sb.data, "x");

	strbuf_reset(&sb);
	CHECK_INT(strbuf_append_u64(&sb, 0), 0);
	CHECK_INT(strbuf_append_literal(&sb, " "), 0);
	CHECK_INT(strbuf_append_u64(&sb, 18446744073709551615ULL), 0);
	CHECK_INT(strbuf_append_literal(&sb, " "), 0);
	CHECK_INT(strbuf_append_u64(&sb, 1000000), 0);
	CHECK_STR(sb.data, "0 18446744073709551615 1000000");

	/* An impossible size fails cleanly and leaves the buffer as it was. */
	CHECK_INT(strbuf_reserve(&sb, (size_t)-1), -ENOMEM);
	CHECK_INT(strbuf_append_json_string(&sb, "x", (size_t)-1 / 4), -ENOMEM);
	CHECK_STR(sb.data, "0 18446744073709551615 1000000");

	strbuf_release(&sb);
	CHECK(sb.data == NULL && sb.len == 0 && sb.cap == 0);
	strbuf_release(&sb);
}

static void check_json_string(const char *input, size_t len, const char *expected)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK_INT(strbuf_append_json_string(&sb, input, len), 0);
	CHECK_STR(sb.data, expected);
	strbuf_release(&sb);
}

#define CHECK_JSON_STRING(input, expected) check_json_string(input, sizeof(input) - 1, expected)

static void test_json_strings(void)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK_JSON_STRING("", "\"\"");
	CHECK_JSON_STRING("python3", "\"python3\"");
	CHECK_JSON_STRING("say \"hi\"", "\"say \\\"hi\\\"\"");
	CHECK_JSON_STRING("C:\\dir\\", "\"C:\\\\dir\\\\\"");
	CHECK_JSON_STRING("a/b", "\"a/b\"");
	CHECK_JSON_STRING("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	CHECK_JSON_STRING("\x01\x1b[31m\x1f\x7f", "\"\\u0001\\u001b[31m\\u001f\\u007f\"");
	CHECK_JSON_STRING("a\0b", "\"a\\u0000b\"");
	/* Valid UTF-8 passes through: 2, 3 and 4 byte forms, and the limits. */
	CHECK_JSON_STRING("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80",
			  "\"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80\"");
	CHECK_JSON_STRING(
		"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
		"\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
	CHECK_JSON_STRING("\xed\x9f\xbf", "\"\xed\x9f\xbf\""); /* U+D7FF, just below surrogates */
	/* Invalid UTF-8: each byte of the bad sequence as U+FFFD (json_event adds *_raw). */
	CHECK_JSON_STRING("\xff", "\"\xef\xbf\xbd\"");
	CHECK_JSON_STRING("\xfe\xfe", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_JSON_STRING("x\xc3", "\"x\xef\xbf\xbd\""); /* cut at the end */
	CHECK_JSON_STRING("\xe2\x82"
			  "A",
			  "\"\xef\xbf\xbd\xef\xbf\xbd"
			  "A\"");				       /* cut before ASCII */
	CHECK_JSON_STRING("\x80", "\"\xef\xbf\xbd\"");		       /* lone continuation */
	CHECK_JSON_STRING("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong '/' */
	CHECK_JSON_STRING("\xc1\xbf", "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong */
	CHECK_JSON_STRING("\xe0\x9f\xbf",
			  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong 3 */
	CHECK_JSON_STRING("\xf0\x8f\xbf\xbf",
			  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong 4 */
	CHECK_JSON_STRING("\xed\xa0\x80",
			  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate D800 */
	CHECK_JSON_STRING("\xf4\x90\x80\x80",
			  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* > U+10FFFF */
	CHECK_JSON_STRING("\xf5\x80\x80\x80",
			  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_JSON_STRING("\xc3\xa9\xc3", "\"\xc3\xa9\xef\xbf\xbd\""); /* good then bad */

	CHECK_INT(strbuf_append_json_string_or_null(&sb, NULL), 0);
	CHECK_INT(strbuf_append_literal(&sb, ","), 0);
	CHECK_INT(strbuf_append_json_string_or_null(&sb, "a\"b"), 0);
	CHECK_STR(sb.data, "null,\"a\\\"b\"");
	strbuf_release(&sb);
}

/* Standard base64 back to bytes; false on anything else. */
static bool base64_decode(const char *text, size_t len, unsigned char *out, size_t *out_len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t used = 0;

	if (len % 4)
		return false;
	for (size_t i = 0; i < len; i += 4) {
		unsigned int group = 0;
		int pad = 0;

		for (int j = 0; j < 4; j++) {
			const char *at = text[i + j] ? strchr(alphabet, text[i + j]) : NULL;

			if (text[i + j] == '=' && i + 4 == len && j >= 2) {
				pad++;
				group <<= 6;
				continue;
			}
			if (!at || pad)
				return false;
			group = group << 6 | (unsigned int)(at - alphabet);
		}
		out[used++] = group >> 16;
		if (pad < 2)
			out[used++] = group >> 8;
		if (pad < 1)
			out[used++] = group;
	}
	*out_len = used;
	return true;
}

/*
 * Whatever the bytes, the string parses; valid UTF-8 decodes back to them,
 * and anything else through its base64 form.
 */
static void test_json_strings_random(void)
{
	unsigned char input[64], decoded[64 * 3];
	struct strbuf sb = STRBUF_INIT;
	int bad_json = 0, bad_round_trip = 0;

	srand(3);
	for (int round = 0; round < 50000; round++) {
		size_t len = rand() % sizeof(input), decoded_len;

		for (size_t i = 0; i < len; i++) {
			/* Favour the interesting bytes: controls, quotes, UTF-8 leads. */
			static const unsigned char picks[] = { 0,    '"',  '\\', '\n', 0x7f, 0x80,
							       0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4,
							       0xff, 'a',  0xa0, 0x8f };

			input[i] = rand() % 2 ? picks[rand() % sizeof(picks)] : rand();
		}
		strbuf_reset(&sb);
		if (strbuf_append_json_string(&sb, (const char *)input, len))
			continue;
		if (!decode_json_string(sb.data, sb.len, decoded, &decoded_len)) {
			bad_json++;
			continue;
		}
		if (utf8_valid((const char *)input, len)) {
			bad_round_trip += decoded_len != len || memcmp(decoded, input, len);
			continue;
		}
		strbuf_reset(&sb);
		CHECK_INT(strbuf_append_base64_string(&sb, input, len), 0);
		bad_round_trip += !base64_decode(sb.data + 1, sb.len - 2, decoded, &decoded_len) ||
				  decoded_len != len || memcmp(decoded, input, len);
	}
	CHECK_INT(bad_json, 0);
	CHECK_INT(bad_round_trip, 0);
	strbuf_release(&sb);
}

/* ---- json_render_report ------------------------------------------------------- */

static const char sample_line[] =
	"{\"v\":2,\"seq\":41,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"bind_failed\","
	"\"error\":\"EADDRINUSE\",\"errno\":98,\"proto\":\"tcp\",\"family\":\"ipv4\","
	"\"addr\":\"127.0.0.1\",\"port\":3000,\"count\":1,\"via\":\"bind\",\"hook\":\"syscall\","
	"\"caller\":{\"pid\":4242,\"tid\":4243,\"ppid\":1,\"uid\":1000,\"comm\":\"python3\","
	"\"cmdline\":\"python3 -m http.server 3000\",\"cgroup\":\"/user.slice/session-1.scope\","
	"\"netns\":4026531840,\"exe\":null,\"start_time\":null,\"service\":null,\"container\":null,\"source\":\"proc\",\"parents\":null,\"socket\":null},\"holders_searched\":true,"
	"\"holders\":[{\"state\":\"LISTEN\",\"proto\":\"tcp\",\"family\":\"ipv4\","
	"\"addr\":\"0.0.0.0\",\"port\":3000,\"uid\":1000,\"inode\":123456,"
	"\"reuseaddr\":false,\"reuseport\":false,\"v6only\":false,\"source\":\"kernel\","
	"\"processes\":[{\"pid\":4100,\"comm\":\"node\",\"cmdline\":\"node server.js\",\"exe\":null,\"start_time\":null,\"service\":null,\"container\":null}]}],\"holders_not_named\":0,\"diagnosis\":null}\n";

static void check_render(const struct bind_report *report, const char *expected)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK_INT(json_render_report(report, &sb), 0);
	CHECK_STR(sb.data, expected);
	CHECK(sb.data && is_json_line(sb.data, sb.len));
	strbuf_release(&sb);
}

static void test_render_sample(void)
{
	struct bind_report report;
	struct strbuf sb = STRBUF_INIT;

	sample_report(&report);
	check_render(&report, sample_line);

	/* Appends: what was in the buffer stays, one more line follows. */
	strbuf_append_literal(&sb, "previous\n");
	CHECK_INT(json_render_report(&report, &sb), 0);
	CHECK_INT(json_render_report(&report, &sb), 0);
	CHECK_INT(sb.len, 9 + 2 * (sizeof(sample_line) - 1));
	CHECK(!strncmp(sb.data, "previous\n{\"v\":2,", 16));
	strbuf_release(&sb);
}

/* One report through the memo and without it: the same line, each time. */
static void check_memo_render(const struct bind_report *report, struct json_memo *memo,
			      const char *what)
{
	struct strbuf plain = STRBUF_INIT, memoized = STRBUF_INIT;

	CHECK_INT(json_render_report(report, &plain), 0);
	CHECK_INT(json_render_report_memo(report, memo, &memoized), 0);
	if (plain.len != memoized.len || memcmp(plain.data, memoized.data, plain.len))
		fprintf(stderr, "memo (%s):\n  %s  %s", what, plain.data, memoized.data);
	CHECK(plain.len == memoized.len && !memcmp(plain.data, memoized.data, plain.len));
	strbuf_release(&plain);
	strbuf_release(&memoized);
}

/*
 * The caller memo of a JSON output: a caller seen before is copied, another
 * thread's only renders its tid, and any other change renders it again.
 */
static void test_render_memo(void)
{
	struct bind_report report;
	struct json_memo memo;

	json_memo_init(&memo);
	sample_report(&report);
	check_memo_render(&report, &memo, "first");
	CHECK(memo.valid);
	check_memo_render(&report, &memo, "repeat");
	report.caller.tid = 5000;
	check_memo_render(&report, &memo, "another thread");
	CHECK(memo.valid);
	report.caller.ppid = 77;
	check_memo_render(&report, &memo, "another parent");
	report.caller.pid = 4300;
	check_memo_render(&report, &memo, "another process");
	strcpy(report.caller.cmdline, "python3 -m http.server 3001");
	check_memo_render(&report, &memo, "another command line");
	report.caller.socket_options.flags ^= BS_SOCK_REUSEADDR;
	check_memo_render(&report, &memo, "another option");
	report.caller_v6only = !report.caller_v6only;
	check_memo_render(&report, &memo, "v6only");
	report.caller.parent_count = 0;
	check_memo_render(&report, &memo, "no parents");
	/* The rest of the record is never memoized. */
	report.port = 3002;
	report.seq++;
	check_memo_render(&report, &memo, "another port");
	json_memo_release(&memo);
	CHECK(!memo.valid);
}

static void test_render_variants(void)
{
	struct bind_report report;
	struct holder_report *holder = &report.holders[0];

	/* A successful listen on IPv6, nothing known about the caller's /proc. */
	sample_report(&report);
	report.error = 0;
	report.kind = BS_KIND_LISTEN;
	report.hook = BS_HOOK_INET;
	report.family = AF_INET6;
	memset(report.addr, 0, sizeof(report.addr));
	report.addr[15] = 1;
	report.caller.cmdline_known = false;
	report.caller.cgroup[0] = '\0';
	report.holder_count = 0;
	report.holders_searched = false;
	check_render(
		&report,
		"{\"v\":2,\"seq\":41,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"listen\","
		"\"error\":null,\"errno\":0,\"proto\":\"tcp\",\"family\":\"ipv6\","
		"\"addr\":\"::1\",\"port\":3000,\"count\":1,\"via\":\"listen\",\"hook\":\"inet\","
		"\"caller\":{\"pid\":4242,\"tid\":4243,\"ppid\":1,\"uid\":1000,"
		"\"comm\":\"python3\",\"cmdline\":null,\"cgroup\":null,\"netns\":4026531840,\"exe\":null,\"start_time\":null,\"service\":null,\"container\":null,\"source\":\"proc\",\"parents\":null,\"socket\":null},"
		"\"holders_searched\":false,\"holders\":[],\"holders_not_named\":0,\"diagnosis\":null}\n");

	/* listen_failed, autobind, an errno without a name, UDP, MPTCP. */
	sample_report(&report);
	report.kind = BS_KIND_AUTOBIND;
	report.hook = BS_HOOK_GET_PORT;
	report.error = 200;
	report.protocol = IPPROTO_UDP;
	report.holder_count = 0;
	{
		struct strbuf sb = STRBUF_INIT;

		CHECK_INT(json_render_report(&report, &sb), 0);
		CHECK_CONTAINS(sb.data,
			       "\"event\":\"bind_failed\",\"error\":\"E200\",\"errno\":200,"
			       "\"proto\":\"udp\"");
		CHECK_CONTAINS(sb.data, "\"via\":\"autobind\",\"hook\":\"get_port\"");
		CHECK(is_json_line(sb.data, sb.len));
		strbuf_reset(&sb);
		report.hook = BS_HOOK_AUTOBIND;
		CHECK_INT(json_render_report(&report, &sb), 0);
		CHECK_CONTAINS(sb.data, "\"via\":\"autobind\",\"hook\":\"autobind\"");
		strbuf_reset(&sb);
		report.kind = BS_KIND_LISTEN;
		report.protocol = 262;
		CHECK_INT(json_render_report(&report, &sb), 0);
		CHECK_CONTAINS(sb.data, "\"event\":\"listen_failed\"");
		CHECK_CONTAINS(sb.data, "\"proto\":\"mptcp\"");
		strbuf_reset(&sb);
		report.protocol = 99;
		report.error = EACCES;
		CHECK_INT(json_render_report(&report, &sb), 0);
		CHECK_CONTAINS(sb.data,
			       "\"error\":\"EACCES\",\"errno\":13,\"proto\":\"ipproto-99\"");
		strbuf_release(&sb);
	}

	/* A TIME_WAIT holder (no uid, inode or process) and a UDP holder, flags set. */
	sample_report(&report);
	holder->state = 6;
	holder->uid = BS_UID_UNKNOWN;
	holder->inode = 0;
	holder->process_count = 0;
	report.holders[1] = report.holders[0];
	report.holders[1].state = 7;
	report.holders[1].protocol = IPPROTO_UDP;
	report.holders[1].family = AF_INET6;
	report.holders[1].uid = 0;
	report.holders[1].inode = 99;
	report.holders[1].flags = BS_HOLDER_REUSEADDR | BS_HOLDER_REUSEPORT | BS_HOLDER_V6ONLY |
				  BS_HOLDER_OWNER_KNOWN;
	report.holders[1].source = HOLDER_SOURCE_SOCK_DIAG;
	report.holders[1].process_count = 2;
	report.holders[1].processes[0] = report.holders[0].processes[0];
	report.holders[1].processes[0].pid = 100;
	report.holders[1].processes[0].cmdline_known = false;
	report.holders[1].processes[1] = report.holders[1].processes[0];
	report.holders[1].processes[1].pid = 101;
	report.holder_count = 2;
	check_render(
		&report,
		"{\"v\":2,\"seq\":41,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"bind_failed\","
		"\"error\":\"EADDRINUSE\",\"errno\":98,\"proto\":\"tcp\",\"family\":\"ipv4\","
		"\"addr\":\"127.0.0.1\",\"port\":3000,\"count\":1,\"via\":\"bind\",\"hook\":\"syscall\","
		"\"caller\":{\"pid\":4242,\"tid\":4243,\"ppid\":1,\"uid\":1000,"
		"\"comm\":\"python3\",\"cmdline\":\"python3 -m http.server 3000\","
		"\"cgroup\":\"/user.slice/session-1.scope\",\"netns\":4026531840,\"exe\":null,\"start_time\":null,\"service\":null,\"container\":null,\"source\":\"proc\",\"parents\":null,\"socket\":null},"
		"\"holders_searched\":true,\"holders\":["
		"{\"state\":\"TIME_WAIT\",\"proto\":\"tcp\",\"family\":\"ipv4\","
		"\"addr\":\"0.0.0.0\",\"port\":3000,\"uid\":null,\"inode\":null,"
		"\"reuseaddr\":false,\"reuseport\":false,\"v6only\":false,\"source\":\"kernel\","
		"\"processes\":[]},"
		"{\"state\":\"BOUND\",\"proto\":\"udp\",\"family\":\"ipv6\","
		"\"addr\":\"::\",\"port\":3000,\"uid\":0,\"inode\":99,"
		"\"reuseaddr\":true,\"reuseport\":true,\"v6only\":true,\"source\":\"sock_diag\","
		"\"processes\":[{\"pid\":100,\"comm\":\"node\",\"cmdline\":null,\"exe\":null,\"start_time\":null,\"service\":null,\"container\":null},"
		"{\"pid\":101,\"comm\":\"node\",\"cmdline\":null,\"exe\":null,\"start_time\":null,\"service\":null,\"container\":null}]}],\"holders_not_named\":0,\"diagnosis\":null}\n");

	/* Counts beyond the arrays are clamped, never read past them. */
	sample_report(&report);
	for (int i = 0; i < REPORT_MAX_HOLDERS; i++)
		report.holders[i] = report.holders[0];
	report.holder_count = 1000;
	report.holders[0].process_count = 1000;
	for (int i = 0; i < REPORT_MAX_PROCESSES; i++)
		report.holders[0].processes[i] = report.holders[0].processes[0];
	{
		struct strbuf sb = STRBUF_INIT;
		int holders = 0, processes = 0;

		CHECK_INT(json_render_report(&report, &sb), 0);
		CHECK(is_json_line(sb.data, sb.len));
		for (const char *at = sb.data; (at = strstr(at, "\"state\":")); at++)
			holders++;
		for (const char *at = sb.data; (at = strstr(at, "\"cmdline\":\"node")); at++)
			processes++;
		CHECK_INT(holders, REPORT_MAX_HOLDERS);
		CHECK_INT(processes, REPORT_MAX_PROCESSES + REPORT_MAX_HOLDERS - 1);
		strbuf_release(&sb);
	}
}

static void test_render_listen_failed(void)
{
	struct bind_report report;
	struct strbuf sb = STRBUF_INIT;

	sample_report(&report);
	report.kind = BS_KIND_LISTEN;
	CHECK_INT(json_render_report(&report, &sb), 0);
	CHECK_CONTAINS(sb.data, "\"event\":\"listen_failed\"");
	CHECK_CONTAINS(sb.data, "\"via\":\"listen\"");
	strbuf_release(&sb);
}

/* What a process names itself must not break the line: comm, cmdline, cgroup. */
static void test_render_hostile_names(void)
{
	struct bind_report report;
	struct strbuf sb = STRBUF_INIT;
	unsigned char decoded[REPORT_CMDLINE_MAX * 3];
	int bad_lines = 0, bad_round_trip = 0;

	srand(4);
	for (int round = 0; round < 3000; round++) {
		char *cmdline = report.caller.cmdline;
		const char *start, *end;
		size_t decoded_len, cmdline_len;

		sample_report(&report);
		for (int i = 0; i < BS_COMM_LEN; i++)
			report.caller.comm[i] = rand() % 256; /* even without a NUL */
		cmdline_len = rand() % (REPORT_CMDLINE_MAX - 1);
		for (size_t i = 0; i < cmdline_len; i++)
			cmdline[i] = 1 + rand() % 255;
		cmdline[cmdline_len] = '\0';
		for (int i = 0; i < REPORT_CGROUP_MAX - 1; i++)
			report.caller.cgroup[i] = 1 + rand() % 255;
		report.caller.cgroup[REPORT_CGROUP_MAX - 1] = '\0';
		memcpy(report.holders[0].processes[0].comm, report.caller.comm, BS_COMM_LEN);

		strbuf_reset(&sb);
		CHECK_INT(json_render_report(&report, &sb), 0);
		if (!is_json_line(sb.data, sb.len)) {
			bad_lines++;
			continue;
		}
		/* The exact bytes: in cmdline_raw when not UTF-8, else in cmdline. */
		start = strstr(sb.data, "\"cmdline_raw\":\"");
		if (start) {
			start += strlen("\"cmdline_raw\":\"");
			end = strchr(start, '"');
			bad_round_trip +=
				utf8_valid(cmdline, cmdline_len) ||
				!base64_decode(start, end - start, decoded, &decoded_len) ||
				decoded_len != cmdline_len || memcmp(decoded, cmdline, cmdline_len);
			continue;
		}
		start = strstr(sb.data, "\"cmdline\":") + strlen("\"cmdline\":");
		end = strstr(start, ",\"cgroup\":");
		if (!decode_json_string(start, end - start, decoded, &decoded_len) ||
		    decoded_len != cmdline_len || memcmp(decoded, cmdline, cmdline_len))
			bad_round_trip++;
	}
	CHECK_INT(bad_lines, 0);
	CHECK_INT(bad_round_trip, 0);
	strbuf_release(&sb);
}

/*
 * Bytes that are not UTF-8 never read as Latin-1: 0xff 0xfe show as two
 * U+FFFD and come exactly in comm_raw; a real "ÿþ" has no comm_raw.
 */
static void test_render_raw_fields(void)
{
	struct bind_report report;
	struct strbuf sb = STRBUF_INIT;

	sample_report(&report);
	strcpy(report.caller.comm, "\xff\xfe");
	strcpy(report.caller.cmdline, "a\xff b");
	strcpy(report.holders[0].processes[0].comm, "\xc3\xbf\xc3\xbe");
	CHECK_INT(json_render_report(&report, &sb), 0);
	CHECK(is_json_line(sb.data, sb.len));
	CHECK_CONTAINS(sb.data, "\"comm\":\"\xef\xbf\xbd\xef\xbf\xbd\",\"comm_raw\":\"//4=\","
				"\"cmdline\":\"a\xef\xbf\xbd b\",\"cmdline_raw\":\"Yf8gYg==\",");
	CHECK_CONTAINS(sb.data, "\"comm\":\"\xc3\xbf\xc3\xbe\",\"cmdline\":");
	CHECK(!strstr(strstr(sb.data, "\"holders\""), "_raw"));
	strbuf_release(&sb);
}

static void test_render_lost(void)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK_INT(json_render_lost(77, SAMPLE_NS, 12345, &sb), 0);
	CHECK_STR(sb.data, "{\"v\":2,\"seq\":77,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"lost\","
			   "\"count\":12345}\n");
	CHECK(is_json_line(sb.data, sb.len));
	strbuf_release(&sb);
}

/* Not a pass/fail check: the rendering cost, for the 500,000 events/s budget. */
static void measure_render_speed(void)
{
	struct bind_report report;
	struct strbuf sb = STRBUF_INIT;
	struct timespec begin, end;
	const int rounds = 500000;
	double seconds;

	sample_report(&report);
	clock_gettime(CLOCK_MONOTONIC, &begin);
	for (int i = 0; i < rounds; i++) {
		strbuf_reset(&sb);
		report.ts_realtime_ns += 1000;
		report.caller.pid = i;
		json_render_report(&report, &sb);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	seconds = (end.tv_sec - begin.tv_sec) + (end.tv_nsec - begin.tv_nsec) / 1e9;
	printf("info: json_render_report: %.0f ns per event (%d events, %zu bytes each)\n",
	       seconds * 1e9 / rounds, rounds, sb.len);
	strbuf_release(&sb);
}

int main(void)
{
	test_strbuf_basics();
	test_json_strings();
	test_json_strings_random();
	test_render_sample();
	test_render_memo();
	test_render_variants();
	test_render_listen_failed();
	test_render_hostile_names();
	test_render_raw_fields();
	test_render_lost();
	measure_render_speed();
	return unit_summary();
}
