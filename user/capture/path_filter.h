/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --path: which AF_UNIX names to report, matched in userspace (the kernel
 * lets every AF_UNIX failure through when --path is given). A pattern is a
 * name as bindsnoop shows it: a path, or "@" and an abstract name, with
 * "\xNN" for a byte and "\\" for a backslash; a trailing "*" makes it a
 * prefix ("/run/" then "*" is every name under /run).
 */
#ifndef BINDSNOOP_PATH_FILTER_H
#define BINDSNOOP_PATH_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bindsnoop.h"

#define PATH_FILTER_MAX 8

struct path_pattern {
	char name[BS_UNIX_PATH_LEN]; /* raw bytes: an abstract name starts with a NUL */
	__u32 len;
	bool prefix;
};

struct path_filter {
	struct path_pattern patterns[PATH_FILTER_MAX];
	__u32 count;
};

/*
 * Add the pattern text[0..len) to filter: 0, -EINVAL (not a path, an
 * abstract name or a prefix of one; a bad escape), -ENAMETOOLONG (over 108
 * bytes) or -E2BIG (more than PATH_FILTER_MAX patterns).
 */
int path_filter_add(struct path_filter *filter, const char *text, size_t len);

/* Whether the name of an AF_UNIX event matches a pattern (true when there are none). */
bool path_filter_match(const struct path_filter *filter, const struct bs_unix_addr *name);

#endif /* BINDSNOOP_PATH_FILTER_H */
