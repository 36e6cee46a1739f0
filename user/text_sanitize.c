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

/* A sorted list of code point ranges, first and last included. */
struct code_range {
	unsigned int first;
	unsigned int last;
};

/* East Asian Wide (W) and Fullwidth (F) blocks of Unicode's EastAsianWidth.txt. */
static const struct code_range wide_ranges[] = {
	{ 0x1100, 0x115f },   /* Hangul Jamo leading consonants */
	{ 0x2e80, 0x303e },   /* CJK radicals, Kangxi radicals, CJK symbols and punctuation */
	{ 0x3041, 0x33ff },   /* Hiragana, Katakana, Bopomofo, Hangul Jamo, CJK compatibility */
	{ 0x3400, 0x4dbf },   /* CJK unified ideographs extension A */
	{ 0x4e00, 0x9fff },   /* CJK unified ideographs */
	{ 0xa000, 0xa4cf },   /* Yi */
	{ 0xac00, 0xd7a3 },   /* Hangul syllables */
	{ 0xf900, 0xfaff },   /* CJK compatibility ideographs */
	{ 0xfe30, 0xfe4f },   /* CJK compatibility forms */
	{ 0xff00, 0xff60 },   /* fullwidth ASCII */
	{ 0xffe0, 0xffe6 },   /* fullwidth signs */
	{ 0x1f300, 0x1f64f }, /* pictographs, emoticons */
	{ 0x1f900, 0x1f9ff }, /* supplemental symbols and pictographs */
	{ 0x20000, 0x3fffd }, /* CJK extensions B and on: planes 2 and 3 */
};

/* Combining marks and zero-width characters: drawn on the previous column, or not at all. */
static const struct code_range zero_ranges[] = {
	{ 0x0300, 0x036f }, /* combining diacritical marks */
	{ 0x1ab0, 0x1aff }, /* combining diacritical marks extended */
	{ 0x1dc0, 0x1dff }, /* combining diacritical marks supplement */
	{ 0x200b, 0x200f }, /* zero-width space, joiners, direction marks */
	{ 0x20d0, 0x20ff }, /* combining marks for symbols */
	{ 0xfe20, 0xfe2f }, /* combining half marks */
};

static bool in_ranges(unsigned int code_point, const struct code_range *ranges, size_t count)
{
	size_t low = 0, high = count;

	while (low < high) {
		size_t mid = low + (high - low) / 2;

		if (code_point < ranges[mid].first)
			high = mid;
		else if (code_point > ranges[mid].last)
			low = mid + 1;
		else
			return true;
	}
	return false;
}

#define RANGE_COUNT(ranges) (sizeof(ranges) / sizeof((ranges)[0]))

static unsigned int code_point_columns(unsigned int code_point)
{
	if (code_point < 0x300)
		return 1;
	if (in_ranges(code_point, wide_ranges, RANGE_COUNT(wide_ranges)))
		return 2;
	if (in_ranges(code_point, zero_ranges, RANGE_COUNT(zero_ranges)))
		return 0;
	return 1;
}

/* The character at text (its bytes in *length) and the columns it takes. */
static unsigned int char_columns(const unsigned char *text, size_t left, size_t *length)
{
	*length = *text < 0x80 ? 1 : utf8_sequence_length(text, left);
	if (!*length) {
		*length = 1; /* a stray byte: one replacement character */
		return 1;
	}
	return *length == 1 ? 1 : code_point_columns(decode(text, *length));
}

size_t text_columns(const char *text, size_t len)
{
	const unsigned char *at = (const unsigned char *)text, *end = at + len;
	size_t columns = 0, length;

	while (at < end) {
		columns += char_columns(at, end - at, &length);
		at += length;
	}
	return columns;
}

size_t text_prefix_columns(const char *text, size_t len, size_t columns, size_t *used)
{
	const unsigned char *at = (const unsigned char *)text, *end = at + len;
	size_t taken = 0, length;

	while (at < end) {
		unsigned int width = char_columns(at, end - at, &length);

		/* A mark (no column) after the last character that fits stays with it. */
		if (taken + width > columns)
			break;
		taken += width;
		at += length;
	}
	if (used)
		*used = taken;
	return at - (const unsigned char *)text;
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
