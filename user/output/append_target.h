/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The file --output appends to, opened so that no other local user can
 * choose what root writes to. bindsnoop runs as root, and its path may lie
 * in a directory everyone can write to, such as /tmp:
 * - a file it creates itself (O_CREAT | O_EXCL, never through a link) is
 *   safe anywhere;
 * - a file that is there already is taken only if it is not a symbolic
 *   link, is a regular file with one name or a FIFO, belongs to root or
 *   bindsnoop's own user, and no group or other user may write to it. It
 *   is checked through an O_PATH descriptor before anything opens it for
 *   writing, so a FIFO or a leased file planted there cannot hold
 *   bindsnoop up either;
 * - the directory is opened once, at start: every reopen (SIGHUP) looks the
 *   name up in that same directory, so renaming a directory of the path
 *   afterwards, or putting a link in its place, cannot send the lines
 *   elsewhere.
 */
#ifndef BINDSNOOP_APPEND_TARGET_H
#define BINDSNOOP_APPEND_TARGET_H

#include <stddef.h>
#include <sys/types.h>

/* Room for the reason a file is refused, fix included. */
#define APPEND_TARGET_WHY_MAX 224

struct append_target {
	int dir_fd;	  /* O_PATH descriptor of the directory, -1 when none */
	const char *name; /* the last part of the path: points into it */
};

/*
 * Opens the directory of path, which must outlive target. 0, or a negative
 * errno (-EISDIR for a path that ends in '/').
 */
int append_target_init(struct append_target *target, const char *path);

/*
 * The file for appending: created with exactly mode when it is not there,
 * else checked as above. A FIFO waits here for its reader, through SIGHUP,
 * until a stop is requested (then -EINTR). Returns the descriptor or a
 * negative errno; when an existing file is refused, why says what it is
 * and how to fix it (otherwise why is "").
 */
int append_target_open(const struct append_target *target, mode_t mode, char *why, size_t why_size);

void append_target_release(struct append_target *target);

#endif /* BINDSNOOP_APPEND_TARGET_H */
