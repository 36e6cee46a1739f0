// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tests' own JSON checker (tests/lib): the strict parser both the unit
 * tests and the live suite read bindsnoop's lines with, and the event rules
 * a JSON Schema cannot express. A checker that accepts anything would let
 * every test that relies on it pass: here it must refuse what is wrong.
 */
#include <stdlib.h>
#include "event_rules.h"
#include "json.h"
#include "output/json_event.h"
#include "sample_report.h"
#include "strbuf.h"
#include "unit.h"

static bool string_is(const struct json_value *value, const char *bytes, size_t len)
{
	return value && value->type == JSON_STRING && value->string_len == len &&
	       memcmp(value->string, bytes, len) == 0;
}

static struct json_value *parse(const char *text, char *error, size_t len)
{
	return json_parse(text, strlen(text), error, len);
}

static void test_rejects_invalid_json(void)
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
		"Infinity",
		"\"abc",
		"[\"a\"",
		"{\"a\" 1}",
		"\"\t\"",
	};
	char error[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_value *value = parse(bad[i], error, sizeof(error));

		CHECK(!value && error[0]);
		if (value)
			printf("     accepted invalid JSON #%zu: %s\n", i, bad[i]);
		json_free(value);
	}
}

static void test_depth_limit(void)
{
	char text[402], error[128];
	struct json_value *value;

	memset(text, '[', 200);
	memset(text + 200, ']', 200);
	text[400] = '\0';
	value = parse(text, error, sizeof(error));
	CHECK(!value);
	json_free(value);
}

static void test_accepts_and_decodes(void)
{
	static const struct {
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
	char error[128];

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		value = parse(strings[i].text, error, sizeof(error));
		CHECK(string_is(value, strings[i].decoded, strings[i].len));
		json_free(value);
	}
	value = parse("[-0, 1e5, 12345678901234567890, 2.5, true, false, null, {}, []]", error,
		      sizeof(error));
	CHECK(value && value->count == 9);
	if (value && value->count == 9) {
		CHECK(value->items[0]->is_integer);
		CHECK(!value->items[1]->is_integer && value->items[1]->number == 1e5);
		CHECK(!value->items[2]->is_integer);
		CHECK(value->items[3]->number == 2.5);
		CHECK(value->items[4]->boolean && !value->items[5]->boolean);
		CHECK(value->items[6]->type == JSON_NULL);
		CHECK(value->items[7]->type == JSON_OBJECT && value->items[8]->type == JSON_ARRAY);
	}
	json_free(value);
}

/* One JSON Lines record: one object, exactly one newline, at the end. */
static bool is_line(const char *text)
{
	char error[128];

	return json_is_line(text, strlen(text), error, sizeof(error));
}

static void test_json_lines(void)
{
	CHECK(is_line("{}\n"));
	CHECK(is_line("{\"a\":[1,-2.5e3,true,false,null,\"x\"]}\n"));
	CHECK(!is_line("{}"));
	CHECK(!is_line("{}\n\n"));
	CHECK(!is_line("[]\n"));
	CHECK(!is_line(" {}\n"));
	CHECK(!is_line("{\"a\":}\n"));
	CHECK(!is_line("{\"a\":1,}\n"));
	CHECK(!is_line("{\"a\x01\":1}\n"));
	CHECK(!is_line("{\"\xff\":1}\n"));
	CHECK(!is_line("{\"a\":01}\n"));
	CHECK(!is_line("{\"a\":\n1}\n"));
}

/* A real rendered event: the rules accept it, and each one edit breaks one rule. */
static void test_event_rules(void)
{
	static const struct {
		const char *from;
		const char *to;
		bool valid;
	} edits[] = {
		{ "\"error\":\"EADDRINUSE\"", "\"error\":\"E98\"", true },
		{ "\"error\":\"EADDRINUSE\"", "\"error\":\"EACCES\"", false },
		{ "\"via\":\"bind\"", "\"via\":\"listen\"", false },
		{ "\"event\":\"bind_failed\"", "\"event\":\"listen_failed\"", false },
		{ "\"family\":\"ipv4\",\"addr\":\"127.0.0.1\"",
		  "\"family\":\"ipv6\",\"addr\":\"127.0.0.1\"", false },
		{ "\"family\":\"ipv4\",\"addr\":\"127.0.0.1\"",
		  "\"family\":\"ipv6\",\"addr\":\"::ffff:127.0.0.1\"", true },
		{ "\"family\":\"ipv4\",\"addr\":\"127.0.0.1\"",
		  "\"family\":\"ipv6\",\"addr\":\"0::1\"", false },
		{ "\"addr\":\"0.0.0.0\"", "\"addr\":\"0.0.0.00\"", false },
		{ "\"ts\":\"2026-11-24T18:52:01.123456Z\"",
		  "\"ts\":\"2026-13-24T18:52:01.123456Z\"", false },
		{ "\"start_time\":null", "\"start_time\":\"2026-11-24T25:00:00.000000Z\"", false },
		{ "\"start_time\":null", "\"start_time\":\"2026-11-24T23:00:00.000000Z\"", true },
	};
	struct strbuf rendered = STRBUF_INIT;
	struct bind_report report;
	struct json_value *event;
	char error[128], problem[256];

	sample_report(&report);
	CHECK_INT(json_render_report(&report, &rendered), 0);
	event = json_parse(rendered.data, rendered.len, error, sizeof(error));
	CHECK(event && event_check_rules(event, problem, sizeof(problem)) == 0);
	json_free(event);
	CHECK(event_check_rules(NULL, problem, sizeof(problem)) != 0);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(rendered.data, edits[i].from);
		struct strbuf edited = STRBUF_INIT;
		bool valid;

		CHECK(at != NULL);
		if (!at)
			continue;
		strbuf_append(&edited, rendered.data, at - rendered.data);
		strbuf_append_str(&edited, edits[i].to);
		strbuf_append_str(&edited, at + strlen(edits[i].from));
		event = json_parse(edited.data, edited.len, error, sizeof(error));
		valid = event && event_check_rules(event, problem, sizeof(problem)) == 0;
		CHECK(event && valid == edits[i].valid);
		if (valid != edits[i].valid)
			printf("     edit %zu %s: %s\n", i, valid ? "accepted" : "refused",
			       edited.data);
		json_free(event);
		strbuf_release(&edited);
	}
	strbuf_release(&rendered);
}

static void test_paths(void)
{
	static const char text[] =
		"{\"caller\":{\"pid\":4242},\"holders\":[{\"inode\":123456,"
		"\"processes\":[{\"pid\":4100,\"comm\":\"node\"}]}],\"port\":3000}";
	struct json_value *event;
	char error[128], described[32];

	event = parse(text, error, sizeof(error));
	CHECK(event != NULL);
	if (!event)
		return;
	CHECK(string_is(json_get(event, "holders[0].processes[0].comm"), "node", 4));
	CHECK(json_get(event, "caller.pid") && json_get(event, "caller.pid")->integer == 4242);
	CHECK(json_get(event, "holders[0].inode") &&
	      json_get(event, "holders[0].inode")->integer == 123456);
	CHECK(!json_get(event, "holders[1]"));
	CHECK(!json_get(event, "caller.nope"));
	CHECK(!json_get(event, "holders[x]"));
	CHECK(!json_get(event, "port.x"));
	json_describe(json_get(event, "holders[0].processes"), described, sizeof(described));
	CHECK_STR(described, "[{\"pid\":4100,\"comm\":\"node\"}]");
	json_describe(event, described, 16);
	CHECK_STR(described, "{\"caller\":{\"...");
	json_describe(NULL, described, sizeof(described));
	CHECK_STR(described, "(missing)");
	json_free(event);
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

static void test_text_as_decoded(void)
{
	static const char *const comms[] = {
		"lt\"h\\\x1b\xfe\xe2\x82\xac\xf0\x9f",
		"lt\"c\\\n\t\x01\x7f\xff\xc3\xa9\xe2\x82x",
		"plain",
	};
	char escaped[256], decoded[64], error[128];

	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		struct json_value *value;

		escape_like_schema(comms[i], escaped, sizeof(escaped));
		json_text_as_decoded(comms[i], decoded, sizeof(decoded));
		value = parse(escaped, error, sizeof(error));
		CHECK(string_is(value, decoded, strlen(decoded)));
		json_free(value);
	}
	json_text_as_decoded("a\xff"
			     "b",
			     decoded, sizeof(decoded));
	CHECK_STR(decoded, "a\xef\xbf\xbd"
			   "b");
	CHECK(json_utf8_valid("h\xc3\xa9llo"));
	CHECK(!json_utf8_valid("a\xff"));
}

static void test_timestamps(void)
{
	double seconds = 0;

	CHECK(json_parse_timestamp("1970-01-02T00:00:01.500000Z", &seconds) == 0 &&
	      seconds == 86401.5);
	CHECK(json_parse_timestamp("2026-11-24T18:52:01Z", &seconds) != 0);
	CHECK(json_parse_timestamp("2026-11-24 18:52:01.123456Z", &seconds) != 0);
	CHECK(json_parse_timestamp("2026-11-24T18:52:01.123456", &seconds) != 0);
	CHECK(json_parse_timestamp("2026-13-24T18:52:01.123456Z", &seconds) != 0);
}

int main(void)
{
	test_rejects_invalid_json();
	test_depth_limit();
	test_accepts_and_decodes();
	test_json_lines();
	test_event_rules();
	test_paths();
	test_text_as_decoded();
	test_timestamps();
	return unit_summary();
}
