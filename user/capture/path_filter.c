// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include "capture/path_filter.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int path_filter_add(struct path_filter *filter, const char *text, size_t len)
{
	struct path_pattern pattern = { 0 };
	size_t i = 0;

	if (filter->count == PATH_FILTER_MAX)
		return -E2BIG;
	if (len && text[len - 1] == '*') {
		pattern.prefix = true;
		len--;
	}
	if (!len || (text[0] != '/' && text[0] != '@' && text[0] != '.'))
		return -EINVAL;
	if (text[0] == '@') {
		pattern.name[pattern.len++] = '\0';
		i = 1;
	}
	while (i < len) {
		char byte = text[i++];

		if (byte == '\\') {
			int high, low;

			if (i < len && text[i] == '\\') {
				i++;
			} else if (i + 2 < len && text[i] == 'x' &&
				   (high = hex_digit(text[i + 1])) >= 0 &&
				   (low = hex_digit(text[i + 2])) >= 0) {
				byte = (char)(high << 4 | low);
				i += 3;
			} else {
				return -EINVAL;
			}
		}
		if (pattern.len == BS_UNIX_PATH_LEN)
			return -ENAMETOOLONG;
		pattern.name[pattern.len++] = byte;
	}
	filter->patterns[filter->count++] = pattern;
	return 0;
}

bool path_filter_match(const struct path_filter *filter, const struct bs_unix_addr *name)
{
	__u32 len = name->path_len < BS_UNIX_PATH_LEN ? name->path_len : BS_UNIX_PATH_LEN;

	if (!filter->count)
		return true;
	/* A path ends at its NUL, as the kernel reads it; an abstract name counts every byte. */
	if (len && name->path[0])
		len = strnlen(name->path, len);
	for (__u32 i = 0; i < filter->count; i++) {
		const struct path_pattern *pattern = &filter->patterns[i];

		if (pattern->prefix ? len >= pattern->len : len == pattern->len)
			if (!memcmp(name->path, pattern->name, pattern->len))
				return true;
	}
	return false;
}
