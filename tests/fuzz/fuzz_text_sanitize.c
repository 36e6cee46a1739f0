// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * text_sanitize: whatever the bytes, the result is valid UTF-8 (json-c's
 * check, through a JSON string), holds no C0/C1 control, DEL, bidi control
 * or line separator, is no longer than the input, and sanitising it again
 * changes nothing. text_prefix_columns cuts it only between characters, and
 * within the columns asked for.
 */
#include "fuzz_input.h"
#include "strbuf.h"
#include "text_sanitize.h"

static bool forbidden(const unsigned char *s, size_t left)
{
	if (s[0] < 0x20 || s[0] == 0x7f)
		return true;
	if (left >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return true; /* C1 */
	if (left >= 2 && s[0] == 0xd8 && s[1] == 0x9c)
		return true; /* U+061C */
	if (left >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xa8 && s[2] <= 0xae)))
		return true; /* U+200E/F, U+2028/9, U+202A..E */
	if (left >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return true; /* U+2066..9 */
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = malloc(size + 1), *again = malloc(size + 1), *quoted;
	size_t len = text_sanitize(out, (const char *)data, size);
	struct json_object *parsed;

	FUZZ_CHECK(len <= size && strlen(out) == len, "length %zu of %zu", len, size);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(!forbidden((const unsigned char *)out + i, len - i),
			   "forbidden character at %zu", i);
	/* json-c validates UTF-8 inside a string. */
	quoted = malloc(len + 3);
	quoted[0] = '"';
	memcpy(quoted + 1, out, len);
	quoted[len + 1] = '"';
	quoted[len + 2] = '\0';
	for (size_t i = 1; i <= len; i++)
		if (quoted[i] == '"' || quoted[i] == '\\')
			quoted[i] = 'x';
	parsed = fuzz_parse_json(quoted, len + 2);
	FUZZ_CHECK(parsed, "not valid UTF-8");
	json_object_put(parsed);
	FUZZ_CHECK(text_sanitize(again, out, len) == len && !memcmp(again, out, len),
		   "not idempotent");
	for (size_t columns = 0; columns <= text_columns(out, len); columns += 1 + columns / 2) {
		size_t used, bytes = text_prefix_columns(out, len, columns, &used);

		FUZZ_CHECK(bytes <= len && used <= columns && text_columns(out, bytes) == used,
			   "prefix of %zu columns: %zu bytes, %zu columns", columns, bytes, used);
		FUZZ_CHECK(utf8_valid(out, bytes), "cut inside a character at %zu", bytes);
	}
	free(quoted);
	free(again);
	free(out);
	return 0;
}
