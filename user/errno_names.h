/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* errno names, both ways: what the outputs print and what --errno takes. */
#ifndef BINDSNOOP_ERRNO_NAMES_H
#define BINDSNOOP_ERRNO_NAMES_H

#include <stddef.h>

/* Indexed by number; NULL where Linux defines no error. */
extern const char *const errno_names[];
extern const size_t errno_name_count;

/*
 * "EADDRINUSE" for 98; NULL for numbers Linux does not define. Inline, so
 * that a program with an errno_name of its own (the live suite) can link
 * the options.
 */
static inline const char *errno_name(int err)
{
	if (err <= 0 || (size_t)err >= errno_name_count)
		return NULL;
	return errno_names[err];
}

/* 98 for "EADDRINUSE" (exact, upper case; aliases like "EWOULDBLOCK" too); -1 if unknown. */
int errno_from_name(const char *name);

#endif /* BINDSNOOP_ERRNO_NAMES_H */
