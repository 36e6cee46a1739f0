// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strbuf.h"

/* U+FFFD in UTF-8: what a byte that is not UTF-8 shows as. */
#define REPLACEMENT_CHARACTER "\xef\xbf\xbd"

#define STRBUF_MIN_CAP 256

void strbuf_init(struct strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void strbuf_release(struct strbuf *sb)
{
	if (!sb)
		return;
	free(sb->data);
	strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_truncate(sb, 0);
}

void strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (len > sb->len)
		return;
	sb->len = len;
	if (sb->data)
		sb->data[len] = '\0';
}

int strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t needed, new_cap;
	char *data;

	if (extra > SIZE_MAX - sb->len - 1)
		return -ENOMEM;
	needed = sb->len + extra + 1;
	if (needed <= sb->cap)
		return 0;
	new_cap = sb->cap < STRBUF_MIN_CAP ? STRBUF_MIN_CAP : sb->cap;
	while (new_cap < needed)
		new_cap = new_cap > SIZE_MAX / 2 ? needed : new_cap * 2;
	data = realloc(sb->data, new_cap);
	if (!data)
		return -ENOMEM;
	sb->data = data;
	sb->cap = new_cap;
	sb->data[sb->len] = '\0';
	return 0;
}

int strbuf_append(struct strbuf *sb, const void *bytes, size_t len)
{
	int err = strbuf_reserve(sb, len);

	if (err)
		return err;
	memcpy(sb->data + sb->len, bytes, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
	return 0;
}

int strbuf_append_str(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

int strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list args)
{
	size_t room = sb->cap ? sb->cap - sb->len : 0;
	va_list retry;
	int needed;
	int err;

	va_copy(retry, args);
	needed = vsnprintf(room ? sb->data + sb->len : NULL, room, fmt, args);
	if (needed < 0) {
		strbuf_truncate(sb, sb->len);
		va_end(retry);
		return -EINVAL;
	}
	if ((size_t)needed >= room) {
		/* Did not fit: vsnprintf may have written a cut copy, so undo it. */
		strbuf_truncate(sb, sb->len);
		err = strbuf_reserve(sb, needed);
		if (err) {
			va_end(retry);
			return err;
		}
		vsnprintf(sb->data + sb->len, needed + 1, fmt, retry);
	}
	va_end(retry);
	sb->len += needed;
	return 0;
}

int strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list args;
	int err;

	va_start(args, fmt);
	err = strbuf_vappendf(sb, fmt, args);
	va_end(args);
	return err;
}

int strbuf_append_u64(struct strbuf *sb, __u64 value)
{
	char digits[20];
	size_t start = sizeof(digits);

	do {
		digits[--start] = '0' + value % 10;
		value /= 10;
	} while (value);
	return strbuf_append(sb, digits + start, sizeof(digits) - start);
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
size_t utf8_sequence_length(const unsigned char *s, size_t left)
{
	unsigned char lead = s[0];
	unsigned char second_min = 0x80, second_max = 0xbf;
	size_t length;

	if (lead >= 0xc2 && lead <= 0xdf) {
		length = 2;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3;
		if (lead == 0xe0)
			second_min = 0xa0; /* overlong below U+0800 */
		else if (lead == 0xed)
			second_max = 0x9f; /* UTF-16 surrogates */
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4;
		if (lead == 0xf0)
			second_min = 0x90; /* overlong below U+10000 */
		else if (lead == 0xf4)
			second_max = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (left < length || s[1] < second_min || s[1] > second_max)
		return 0;
	for (size_t i = 2; i < length; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return length;
}

static char *put_unicode_escape(char *out, unsigned char byte)
{
	static const char hex[] = "0123456789abcdef";

	memcpy(out, "\\u00", 4);
	out[4] = hex[byte >> 4];
	out[5] = hex[byte & 0xf];
	return out + 6;
}

/* 1: the byte cannot be copied as is (control, quote, backslash, non-ASCII). */
static const unsigned char json_special[256] = {
	[0x00 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
	[0x7f ... 0xff] = 1,
};

static inline int json_needs_escape(unsigned char byte)
{
	return json_special[byte];
}

int strbuf_append_json_string(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *in = (const unsigned char *)s;
	const unsigned char *end = in + len;
	char *out;
	int err;

	/* Worst case: every byte becomes \u00XX. One check, then plain stores. */
	if (len > (SIZE_MAX - 2) / 6)
		return -ENOMEM;
	err = strbuf_reserve(sb, len * 6 + 2);
	if (err)
		return err;
	out = sb->data + sb->len;
	*out++ = '"';
	while (in < end) {
		const unsigned char *run = in;
		size_t sequence;

		while (in < end && !json_needs_escape(*in))
			in++;
		memcpy(out, run, in - run);
		out += in - run;
		if (in == end)
			break;
		switch (*in) {
		case '"':
		case '\\':
			*out++ = '\\';
			*out++ = *in;
			break;
		case '\n':
			*out++ = '\\';
			*out++ = 'n';
			break;
		case '\t':
			*out++ = '\\';
			*out++ = 't';
			break;
		case '\r':
			*out++ = '\\';
			*out++ = 'r';
			break;
		case '\b':
			*out++ = '\\';
			*out++ = 'b';
			break;
		case '\f':
			*out++ = '\\';
			*out++ = 'f';
			break;
		default:
			sequence = *in >= 0x80 ? utf8_sequence_length(in, end - in) : 0;
			if (sequence) {
				memcpy(out, in, sequence);
				out += sequence;
				in += sequence;
				continue;
			}
			if (*in >= 0x80) {
				/* Not UTF-8: U+FFFD; the exact bytes go in a *_raw field. */
				memcpy(out, REPLACEMENT_CHARACTER, 3);
				out += 3;
			} else {
				out = put_unicode_escape(out, *in);
			}
			break;
		}
		in++;
	}
	*out++ = '"';
	sb->len = out - sb->data;
	sb->data[sb->len] = '\0';
	return 0;
}

int strbuf_append_json_string_or_null(struct strbuf *sb, const char *s)
{
	if (!s)
		return strbuf_append_literal(sb, "null");
	return strbuf_append_json_string(sb, s, strlen(s));
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *in = (const unsigned char *)s, *end = in + len;

	while (in < end) {
		__u64 word;

		/* ASCII, nearly all of what is checked, eight bytes at a time. */
		if (end - in >= 8) {
			memcpy(&word, in, sizeof(word));
			if (!(word & 0x8080808080808080ULL)) {
				in += 8;
				continue;
			}
		}

		size_t sequence = *in < 0x80 ? 1 : utf8_sequence_length(in, end - in);

		if (!sequence)
			return false;
		in += sequence;
	}
	return true;
}

int strbuf_append_base64_string(struct strbuf *sb, const void *bytes, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = bytes;
	char *out;
	int err = strbuf_reserve(sb, (len + 2) / 3 * 4 + 2);

	if (err)
		return err;
	out = sb->data + sb->len;
	*out++ = '"';
	for (size_t i = 0; i < len; i += 3) {
		unsigned int group = in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			group |= in[i + 1] << 8;
		if (left > 2)
			group |= in[i + 2];
		*out++ = alphabet[group >> 18];
		*out++ = alphabet[(group >> 12) & 63];
		*out++ = left > 1 ? alphabet[(group >> 6) & 63] : '=';
		*out++ = left > 2 ? alphabet[group & 63] : '=';
	}
	*out++ = '"';
	sb->len = out - sb->data;
	sb->data[sb->len] = '\0';
	return 0;
}
