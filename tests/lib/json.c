// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Strict recursive-descent JSON parser, enough for one event per line (json.h says why). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "json.h"

/* Events nest three levels; anything much deeper is a broken line. */
#define JSON_MAX_DEPTH 64

struct parser {
	const unsigned char *text;
	size_t len;
	size_t pos;
	char *error;
	size_t error_len;
	bool failed;
};

static void parse_fail(struct parser *parser, const char *fmt, ...)
{
	va_list ap;
	int used;

	if (parser->failed)
		return;
	parser->failed = true;
	if (!parser->error || !parser->error_len)
		return;
	used = snprintf(parser->error, parser->error_len, "at byte %zu: ", parser->pos);
	if (used < 0 || (size_t)used >= parser->error_len)
		return;
	va_start(ap, fmt);
	vsnprintf(parser->error + used, parser->error_len - used, fmt, ap);
	va_end(ap);
}

static void skip_whitespace(struct parser *parser)
{
	while (parser->pos < parser->len) {
		unsigned char c = parser->text[parser->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		parser->pos++;
	}
}

static int peek(const struct parser *parser)
{
	return parser->pos < parser->len ? parser->text[parser->pos] : -1;
}

static struct json_value *new_value(struct parser *parser, enum json_type type)
{
	struct json_value *value = calloc(1, sizeof(*value));

	if (!value)
		parse_fail(parser, "out of memory");
	else
		value->type = type;
	return value;
}

static bool expect_literal(struct parser *parser, const char *literal)
{
	size_t n = strlen(literal);

	if (parser->len - parser->pos < n || memcmp(parser->text + parser->pos, literal, n) != 0) {
		parse_fail(parser, "expected '%s'", literal);
		return false;
	}
	parser->pos += n;
	return true;
}

/* Growable byte buffer for decoded strings. */
struct bytes {
	char *data;
	size_t len;
	size_t cap;
};

static bool bytes_push(struct bytes *bytes, const void *src, size_t n)
{
	if (bytes->len + n + 1 > bytes->cap) {
		size_t cap = bytes->cap ? bytes->cap * 2 : 32;
		char *data;

		while (cap < bytes->len + n + 1)
			cap *= 2;
		data = realloc(bytes->data, cap);
		if (!data)
			return false;
		bytes->data = data;
		bytes->cap = cap;
	}
	memcpy(bytes->data + bytes->len, src, n);
	bytes->len += n;
	bytes->data[bytes->len] = '\0';
	return true;
}

size_t json_utf8_encode(unsigned int code_point, unsigned char out[4])
{
	if (code_point < 0x80) {
		out[0] = code_point;
		return 1;
	}
	if (code_point < 0x800) {
		out[0] = 0xc0 | (code_point >> 6);
		out[1] = 0x80 | (code_point & 0x3f);
		return 2;
	}
	if (code_point < 0x10000) {
		out[0] = 0xe0 | (code_point >> 12);
		out[1] = 0x80 | ((code_point >> 6) & 0x3f);
		out[2] = 0x80 | (code_point & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | (code_point >> 18);
	out[1] = 0x80 | ((code_point >> 12) & 0x3f);
	out[2] = 0x80 | ((code_point >> 6) & 0x3f);
	out[3] = 0x80 | (code_point & 0x3f);
	return 4;
}

/*
 * Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if it is not one.
 */
size_t json_utf8_sequence_length(const unsigned char *s, size_t avail)
{
	uint32_t code_point;
	size_t need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, code_point = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, code_point = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, code_point = s[0] & 0x07;
	else
		return 0;
	if (avail < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		code_point = (code_point << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && code_point < 0x800) || (need == 4 && code_point < 0x10000) ||
	    (code_point >= 0xd800 && code_point <= 0xdfff) || code_point > 0x10ffff)
		return 0;
	return need;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool parse_hex4(struct parser *parser, uint32_t *out)
{
	uint32_t value = 0;
	int i;

	if (parser->len - parser->pos < 4) {
		parse_fail(parser, "truncated \\u escape");
		return false;
	}
	for (i = 0; i < 4; i++) {
		int digit = hex_digit(parser->text[parser->pos + i]);

		if (digit < 0) {
			parse_fail(parser, "bad hex digit in \\u escape");
			return false;
		}
		value = (value << 4) | digit;
	}
	parser->pos += 4;
	*out = value;
	return true;
}

/* After "\u": one code point, joining a UTF-16 surrogate pair. */
static bool parse_unicode_escape(struct parser *parser, uint32_t *code_point)
{
	uint32_t high, low;

	if (!parse_hex4(parser, &high))
		return false;
	if (high >= 0xdc00 && high <= 0xdfff) {
		parse_fail(parser, "lone low surrogate \\u%04x", high);
		return false;
	}
	if (high < 0xd800 || high > 0xdbff) {
		*code_point = high;
		return true;
	}
	if (parser->len - parser->pos < 2 || parser->text[parser->pos] != '\\' ||
	    parser->text[parser->pos + 1] != 'u') {
		parse_fail(parser, "high surrogate \\u%04x without its low half", high);
		return false;
	}
	parser->pos += 2;
	if (!parse_hex4(parser, &low))
		return false;
	if (low < 0xdc00 || low > 0xdfff) {
		parse_fail(parser, "high surrogate \\u%04x followed by \\u%04x", high, low);
		return false;
	}
	*code_point = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
	return true;
}

/* A string token starting at the opening quote; decoded into out. */
static bool parse_string_token(struct parser *parser, struct bytes *out)
{
	parser->pos++; /* opening quote */
	while (parser->pos < parser->len) {
		const unsigned char *s = parser->text + parser->pos;
		unsigned char encoded[4];
		uint32_t code_point;
		size_t n;

		if (*s == '"') {
			parser->pos++;
			if (!out->data && !bytes_push(out, "", 0)) {
				parse_fail(parser, "out of memory");
				return false;
			}
			return true;
		}
		if (*s < 0x20) {
			parse_fail(parser, "raw control byte 0x%02x inside a string", *s);
			return false;
		}
		if (*s != '\\') {
			n = json_utf8_sequence_length(s, parser->len - parser->pos);
			if (!n) {
				parse_fail(parser, "invalid UTF-8 byte 0x%02x inside a string", *s);
				return false;
			}
			if (!bytes_push(out, s, n)) {
				parse_fail(parser, "out of memory");
				return false;
			}
			parser->pos += n;
			continue;
		}
		if (parser->pos + 1 >= parser->len) {
			parse_fail(parser, "string ends inside an escape");
			return false;
		}
		parser->pos += 2;
		switch (s[1]) {
		case '"':
			code_point = '"';
			break;
		case '\\':
			code_point = '\\';
			break;
		case '/':
			code_point = '/';
			break;
		case 'b':
			code_point = '\b';
			break;
		case 'f':
			code_point = '\f';
			break;
		case 'n':
			code_point = '\n';
			break;
		case 'r':
			code_point = '\r';
			break;
		case 't':
			code_point = '\t';
			break;
		case 'u':
			if (!parse_unicode_escape(parser, &code_point))
				return false;
			break;
		default:
			parser->pos -= 2;
			parse_fail(parser, "unknown escape '\\%c'", s[1]);
			return false;
		}
		n = json_utf8_encode(code_point, encoded);
		if (!bytes_push(out, encoded, n)) {
			parse_fail(parser, "out of memory");
			return false;
		}
	}
	parse_fail(parser, "unterminated string");
	return false;
}

static struct json_value *parse_string(struct parser *parser)
{
	struct bytes decoded = { 0 };
	struct json_value *value;

	if (!parse_string_token(parser, &decoded)) {
		free(decoded.data);
		return NULL;
	}
	value = new_value(parser, JSON_STRING);
	if (!value) {
		free(decoded.data);
		return NULL;
	}
	value->string = decoded.data;
	value->string_len = decoded.len;
	return value;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static struct json_value *parse_number(struct parser *parser)
{
	size_t start = parser->pos;
	bool integral = true;
	struct json_value *value;
	char text[64];
	size_t n;

	if (peek(parser) == '-')
		parser->pos++;
	if (peek(parser) == '0') {
		parser->pos++;
		if (is_digit(peek(parser))) {
			parse_fail(parser, "number with a leading zero");
			return NULL;
		}
	} else if (is_digit(peek(parser))) {
		while (is_digit(peek(parser)))
			parser->pos++;
	} else {
		parse_fail(parser, "expected a digit");
		return NULL;
	}
	if (peek(parser) == '.') {
		integral = false;
		parser->pos++;
		if (!is_digit(peek(parser))) {
			parse_fail(parser, "expected a digit after '.'");
			return NULL;
		}
		while (is_digit(peek(parser)))
			parser->pos++;
	}
	if (peek(parser) == 'e' || peek(parser) == 'E') {
		integral = false;
		parser->pos++;
		if (peek(parser) == '+' || peek(parser) == '-')
			parser->pos++;
		if (!is_digit(peek(parser))) {
			parse_fail(parser, "expected a digit in the exponent");
			return NULL;
		}
		while (is_digit(peek(parser)))
			parser->pos++;
	}
	n = parser->pos - start;
	if (n >= sizeof(text)) {
		parse_fail(parser, "number too long");
		return NULL;
	}
	memcpy(text, parser->text + start, n);
	text[n] = '\0';
	value = new_value(parser, JSON_NUMBER);
	if (!value)
		return NULL;
	value->number = strtod(text, NULL);
	if (integral) {
		errno = 0;
		value->integer = strtoll(text, NULL, 10);
		value->is_integer = errno == 0;
	}
	return value;
}

static struct json_value *parse_value(struct parser *parser, int depth);

static bool append_item(struct parser *parser, struct json_value *container, char *key,
			struct json_value *item)
{
	struct json_value **items;
	char **keys;

	items = realloc(container->items, (container->count + 1) * sizeof(*items));
	if (!items)
		goto oom;
	container->items = items;
	if (container->type == JSON_OBJECT) {
		keys = realloc(container->keys, (container->count + 1) * sizeof(*keys));
		if (!keys)
			goto oom;
		container->keys = keys;
		keys[container->count] = key;
	}
	items[container->count++] = item;
	return true;
oom:
	parse_fail(parser, "out of memory");
	return false;
}

/* An object's "key": up to and past its ':'; NULL (reason set) if it is not one. */
static char *parse_key(struct parser *parser, const struct json_value *object)
{
	struct bytes key = { 0 };

	skip_whitespace(parser);
	if (peek(parser) != '"') {
		parse_fail(parser, "expected a quoted key");
		return NULL;
	}
	if (!parse_string_token(parser, &key))
		goto fail;
	if (strlen(key.data) != key.len) {
		parse_fail(parser, "key with an embedded NUL");
		goto fail;
	}
	if (json_member(object, key.data)) {
		parse_fail(parser, "duplicate key \"%s\"", key.data);
		goto fail;
	}
	skip_whitespace(parser);
	if (peek(parser) != ':') {
		parse_fail(parser, "expected ':' after key \"%s\"", key.data);
		goto fail;
	}
	parser->pos++;
	return key.data;
fail:
	free(key.data);
	return NULL;
}

/* An array or an object: members separated by ',' up to the closing bracket. */
static struct json_value *parse_container(struct parser *parser, int depth, enum json_type type)
{
	const char close = type == JSON_ARRAY ? ']' : '}';
	struct json_value *container = new_value(parser, type);

	if (!container)
		return NULL;
	parser->pos++; /* '[' or '{' */
	skip_whitespace(parser);
	if (peek(parser) == close) {
		parser->pos++;
		return container;
	}
	for (;;) {
		char *key = NULL;
		struct json_value *item;

		if (type == JSON_OBJECT && !(key = parse_key(parser, container)))
			goto fail;
		item = parse_value(parser, depth + 1);
		if (!item || !append_item(parser, container, key, item)) {
			free(key);
			json_free(item);
			goto fail;
		}
		skip_whitespace(parser);
		if (peek(parser) == ',') {
			parser->pos++;
			continue;
		}
		if (peek(parser) == close) {
			parser->pos++;
			return container;
		}
		parse_fail(parser, "expected ',' or '%c' in an %s", close,
			   type == JSON_ARRAY ? "array" : "object");
		goto fail;
	}
fail:
	json_free(container);
	return NULL;
}

static struct json_value *parse_value(struct parser *parser, int depth)
{
	struct json_value *value;

	if (depth > JSON_MAX_DEPTH) {
		parse_fail(parser, "nested deeper than %d", JSON_MAX_DEPTH);
		return NULL;
	}
	skip_whitespace(parser);
	switch (peek(parser)) {
	case '{':
		return parse_container(parser, depth, JSON_OBJECT);
	case '[':
		return parse_container(parser, depth, JSON_ARRAY);
	case '"':
		return parse_string(parser);
	case 't':
	case 'f':
		value = new_value(parser, JSON_BOOL);
		if (!value)
			return NULL;
		value->boolean = peek(parser) == 't';
		if (!expect_literal(parser, value->boolean ? "true" : "false")) {
			json_free(value);
			return NULL;
		}
		return value;
	case 'n':
		if (!expect_literal(parser, "null"))
			return NULL;
		return new_value(parser, JSON_NULL);
	case -1:
		parse_fail(parser, "unexpected end of input");
		return NULL;
	default:
		if (peek(parser) == '-' || is_digit(peek(parser)))
			return parse_number(parser);
		parse_fail(parser, "unexpected byte 0x%02x", peek(parser));
		return NULL;
	}
}

struct json_value *json_parse(const char *text, size_t len, char *error, size_t error_len)
{
	struct parser parser = {
		.text = (const unsigned char *)text,
		.len = len,
		.error = error,
		.error_len = error_len,
	};
	struct json_value *value;

	if (error && error_len)
		error[0] = '\0';
	value = parse_value(&parser, 0);
	if (!value)
		return NULL;
	skip_whitespace(&parser);
	if (parser.pos != parser.len) {
		parse_fail(&parser, "trailing data after the value");
		json_free(value);
		return NULL;
	}
	return value;
}

void json_free(struct json_value *value)
{
	size_t i;

	if (!value)
		return;
	for (i = 0; i < value->count; i++) {
		json_free(value->items[i]);
		if (value->keys)
			free(value->keys[i]);
	}
	free(value->items);
	free(value->keys);
	free(value->string);
	free(value);
}

const struct json_value *json_member(const struct json_value *object, const char *key)
{
	size_t i;

	if (!object || object->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < object->count; i++) {
		if (strcmp(object->keys[i], key) == 0)
			return object->items[i];
	}
	return NULL;
}

const struct json_value *json_get(const struct json_value *root, const char *path)
{
	const struct json_value *current = root;
	const char *p = path;

	while (current && *p) {
		if (*p == '[') {
			char *end;
			unsigned long index = strtoul(p + 1, &end, 10);

			if (end == p + 1 || *end != ']' || current->type != JSON_ARRAY ||
			    index >= current->count)
				return NULL;
			current = current->items[index];
			p = end + 1;
		} else {
			char key[128];
			size_t n = strcspn(p, ".[");

			if (n == 0 || n >= sizeof(key))
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			current = json_member(current, key);
			p += n;
		}
		if (*p == '.')
			p++;
	}
	return current;
}

const char *json_type_name(enum json_type type)
{
	switch (type) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "boolean";
	case JSON_NUMBER:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "?";
}

struct describe_buf {
	char *buf;
	size_t len;
	size_t used;
	bool truncated;
};

static void describe_append(struct describe_buf *out, const char *s, size_t n)
{
	if (out->truncated)
		return;
	if (out->used + n + 4 > out->len) {
		out->truncated = true;
		if (out->len >= 4 && out->used + 4 <= out->len) {
			memcpy(out->buf + out->used, "...", 4);
		}
		return;
	}
	memcpy(out->buf + out->used, s, n);
	out->used += n;
	out->buf[out->used] = '\0';
}

static void describe_string(struct describe_buf *out, const char *s, size_t len)
{
	size_t i;

	describe_append(out, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		char escaped[8];

		if (c == '"' || c == '\\') {
			escaped[0] = '\\';
			escaped[1] = c;
			describe_append(out, escaped, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(escaped, sizeof(escaped), "\\u%04x", c);
			describe_append(out, escaped, 6);
		} else {
			describe_append(out, (const char *)&c, 1);
		}
	}
	describe_append(out, "\"", 1);
}

static void describe_value(struct describe_buf *out, const struct json_value *value)
{
	char number[64];
	size_t i;

	switch (value->type) {
	case JSON_NULL:
		describe_append(out, "null", 4);
		break;
	case JSON_BOOL:
		describe_append(out, value->boolean ? "true" : "false", value->boolean ? 4 : 5);
		break;
	case JSON_NUMBER:
		if (value->is_integer)
			snprintf(number, sizeof(number), "%lld", value->integer);
		else
			snprintf(number, sizeof(number), "%.17g", value->number);
		describe_append(out, number, strlen(number));
		break;
	case JSON_STRING:
		describe_string(out, value->string, value->string_len);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		describe_append(out, value->type == JSON_ARRAY ? "[" : "{", 1);
		for (i = 0; i < value->count; i++) {
			if (i)
				describe_append(out, ",", 1);
			if (value->type == JSON_OBJECT) {
				describe_string(out, value->keys[i], strlen(value->keys[i]));
				describe_append(out, ":", 1);
			}
			describe_value(out, value->items[i]);
		}
		describe_append(out, value->type == JSON_ARRAY ? "]" : "}", 1);
		break;
	}
}

void json_describe(const struct json_value *value, char *buf, size_t len)
{
	struct describe_buf out = { .buf = buf, .len = len };

	if (!len)
		return;
	buf[0] = '\0';
	if (!value) {
		describe_append(&out, "(missing)", 9);
		return;
	}
	describe_value(&out, value);
}

bool json_utf8_valid(const char *text)
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

bool json_is_line(const char *text, size_t len, char *error, size_t error_len)
{
	struct json_value *value;
	const char *newline = len ? memchr(text, '\n', len) : NULL;

	if (!newline || newline != text + len - 1) {
		snprintf(error, error_len, "%s",
			 newline ? "a newline before the end" : "no newline at the end");
		return false;
	}
	/* Nothing around the object: a record is exactly what was rendered. */
	if (text[0] != '{' || len < 3 || text[len - 2] != '}') {
		snprintf(error, error_len, "not an object alone on its line");
		return false;
	}
	value = json_parse(text, len - 1, error, error_len);
	if (value && value->type != JSON_OBJECT)
		snprintf(error, error_len, "a %s, not an object", json_type_name(value->type));
	if (!value || value->type != JSON_OBJECT) {
		json_free(value);
		return false;
	}
	json_free(value);
	return true;
}

void json_text_as_decoded(const char *raw, char *out, size_t len)
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

int json_parse_timestamp(const char *text, double *seconds)
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
