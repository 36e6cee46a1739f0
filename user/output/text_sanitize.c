// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include "strbuf.h"
#include "text_sanitize.h"

static unsigned int decode(const unsigned char *s, size_t length)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned int code_point = s[0] & lead_mask[length];

	for (size_t i = 1; i < length; i++)
		code_point = code_point << 6 | (s[i] & 0x3f);
	return code_point;
}

static bool unsafe_code_point(unsigned int code_point)
{
	return code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f) ||
	       code_point == 0x061c || code_point == 0x200e || code_point == 0x200f ||
	       (code_point >= 0x202a && code_point <= 0x202e) ||
	       (code_point >= 0x2066 && code_point <= 0x2069) || code_point == 0x2028 ||
	       code_point == 0x2029;
}

size_t text_sanitize(char *out, const char *in, size_t len)
{
	const unsigned char *at = (const unsigned char *)in, *end = at + len;
	size_t used = 0;

	while (at < end) {
		size_t length = *at < 0x80 ? 1 : utf8_sequence_length(at, end - at);

		if (!length || unsafe_code_point(decode(at, length))) {
			out[used++] = '?';
			/* A bad byte alone; an unsafe character whole. */
			at += length ? length : 1;
			continue;
		}
		for (size_t i = 0; i < length; i++)
			out[used++] = at[i];
		at += length;
	}
	out[used] = '\0';
	return used;
}
