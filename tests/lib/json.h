/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The tests' one JSON checker, shared by the unit tests and the live suite: a
 * strict parser for one bindsnoop output line (RFC 8259 grammar, valid UTF-8
 * only, no duplicate keys), so a line it accepts is one any consumer (jq,
 * Python, browsers) accepts. The tree keeps object keys in order because the
 * event schema fixes that order.
 *
 * Why not json-c: even with JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8,
 * json-c 0.16 (Debian 12) accepts "1.", Infinity, raw control bytes and
 * overlong or surrogate UTF-8 in strings, turns a lone \ud800 into U+FFFD and
 * keeps the last of two duplicate keys: exactly what this checker exists to
 * catch in bindsnoop's output. What the line must say beyond being JSON is
 * checked against the schema files in schema/ themselves (tests/lib/validate_events.py)
 * and, for the few rules a JSON Schema cannot express, by event_rules.h.
 */
#ifndef TESTS_JSON_H
#define TESTS_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value {
	enum json_type type;
	bool boolean;
	bool is_integer; /* a number written without fraction or exponent that fits */
	long long integer;
	double number;
	char *string; /* decoded UTF-8, NUL-terminated (may hold \u0000 inside) */
	size_t string_len;
	size_t count; /* array items or object members */
	struct json_value **items;
	char **keys; /* objects only: keys[i] names items[i] */
};

/*
 * Parse exactly one JSON value from text[0..len) (whitespace around it is
 * allowed, anything else is not). Returns NULL with a short reason in error.
 */
struct json_value *json_parse(const char *text, size_t len, char *error, size_t error_len);

void json_free(struct json_value *value);

/* Member of an object by key, NULL if absent or value is not an object. */
const struct json_value *json_member(const struct json_value *object, const char *key);

/*
 * Look up a path such as "caller.pid" or "holders[0].processes[1].comm".
 * NULL when any step is missing.
 */
const struct json_value *json_get(const struct json_value *root, const char *path);

const char *json_type_name(enum json_type type);

/*
 * Write value compactly into buf (truncated with "..." if it does not fit),
 * for failure messages.
 */
void json_describe(const struct json_value *value, char *buf, size_t len);

/* Length of the valid UTF-8 sequence at s (RFC 3629), 0 if it is not one. */
size_t json_utf8_sequence_length(const unsigned char *s, size_t avail);

/* UTF-8 bytes of one code point (at most U+10FFFF) into out; returns the count. */
size_t json_utf8_encode(unsigned int code_point, unsigned char out[4]);

/* Is the NUL-terminated text all valid UTF-8? */
bool json_utf8_valid(const char *text);

/*
 * One JSON Lines record: a single object, then exactly one '\n' at the end
 * and none before it. false with the reason in error otherwise.
 */
bool json_is_line(const char *text, size_t len, char *error, size_t error_len);

/*
 * What a JSON reader gets back for a name of raw bytes (a process name):
 * valid UTF-8 kept, each byte that is not UTF-8 turned into U+FFFD (the exact
 * bytes are then in comm_raw, base64).
 */
void json_text_as_decoded(const char *raw, char *out, size_t len);

/*
 * Parse the schema's timestamp "YYYY-MM-DDTHH:MM:SS.ffffffZ" (RFC 3339, UTC)
 * into seconds since the epoch: 0, or -1 if it is not one.
 */
int json_parse_timestamp(const char *text, double *seconds);

#endif /* TESTS_JSON_H */
