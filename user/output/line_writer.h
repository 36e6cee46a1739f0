/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whole lines to a file descriptor, whatever is at the other end: a reader
 * sees no part of a line unless the whole line is there.
 *
 * - A regular file (--output, or stdout redirected to a file): a write cut
 *   short (the disk is full) is truncated back to its last whole line.
 * - A pipe, FIFO, terminal or socket: lines go out in writes of at most
 *   PIPE_BUF bytes that end on a line boundary, which a pipe takes whole or
 *   not at all, so a signal can interrupt between lines only. A single line
 *   longer than PIPE_BUF goes alone.
 *
 * A write interrupted by a signal is retried until a stop's grace period is
 * over (signals.h); then the writer gives up with -ECANCELED.
 */
#ifndef BINDSNOOP_LINE_WRITER_H
#define BINDSNOOP_LINE_WRITER_H

#include <stddef.h>

/*
 * Write the len bytes at data (whole lines, each ending in '\n') to fd.
 * Returns 0 once all are written, or a negative errno (-ECANCELED: given up
 * at a stop) with *written set to the bytes of whole lines that are in fd.
 * Bytes after *written were not written (or were taken back), except for
 * a single line longer than PIPE_BUF cut short on a pipe at a stop.
 */
int line_writer_write(int fd, const char *data, size_t len, size_t *written);

/* Lines ('\n'-terminated) in data. */
size_t line_writer_count_lines(const char *data, size_t len);

#endif /* BINDSNOOP_LINE_WRITER_H */
