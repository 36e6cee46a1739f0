/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A strict JSON parser for one bindsnoop output line: RFC 8259 grammar, valid
 * UTF-8 only, no duplicate keys, so a line it accepts is one any consumer
 * (jq, Python, browsers) accepts. The tree keeps object keys in order because
 * the event schema fixes that order.
 */
#ifndef LIVE_JSON_H
#define LIVE_JSON_H

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

#endif /* LIVE_JSON_H */
