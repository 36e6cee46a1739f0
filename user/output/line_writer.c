// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "output/line_writer.h"
#include "signals.h"

size_t line_writer_count_lines(const char *data, size_t len)
{
	size_t lines = 0;
	const char *end = data + len;

	while (data < end) {
		const char *newline = memchr(data, '\n', end - data);

		if (!newline)
			break;
		lines++;
		data = newline + 1;
	}
	return lines;
}

/* Bytes up to and including the last '\n' in data[0..len). */
static size_t whole_lines_length(const char *data, size_t len)
{
	const char *newline = memrchr(data, '\n', len);

	return newline ? (size_t)(newline - data) + 1 : 0;
}

/*
 * The next write for a pipe: as many whole lines as fit in PIPE_BUF, or the
 * first line alone when it is longer.
 */
static size_t next_chunk(const char *data, size_t len)
{
	size_t chunk;
	const char *newline;

	if (len <= PIPE_BUF)
		return len;
	chunk = whole_lines_length(data, PIPE_BUF);
	if (chunk)
		return chunk;
	newline = memchr(data, '\n', len);
	return newline ? (size_t)(newline - data) + 1 : len;
}

/*
 * A write that made no progress: retry (after waiting for room on a
 * non-blocking descriptor) unless a stop's grace is over. 0 to retry.
 */
static int retry_or_give_up(int fd, int err)
{
	struct pollfd room = { .fd = fd, .events = POLLOUT };

	if (err != EINTR && err != EAGAIN)
		return -err;
	if (signals_give_up_writing())
		return -ECANCELED;
	if (err == EAGAIN)
		poll(&room, 1, 100);
	return 0;
}

/* Write all of data[0..len) or fail; *done says how much went. */
static int write_fully(int fd, const char *data, size_t len, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = write(fd, data + *done, len - *done);
		int err;

		if (n > 0) {
			*done += n;
			continue;
		}
		err = retry_or_give_up(fd, n < 0 ? errno : EIO);
		if (err)
			return err;
	}
	return 0;
}

/* A regular file: one write, and a cut-short line taken back. */
static int write_file(int fd, const char *data, size_t len, size_t *written)
{
	size_t done, whole;
	int err = write_fully(fd, data, len, &done);
	off_t end;

	whole = whole_lines_length(data, done);
	*written = whole;
	if (whole == done)
		return err;
	end = lseek(fd, 0, SEEK_CUR);
	if (end < 0 || ftruncate(fd, end - (off_t)(done - whole)))
		return err;
	/* Without O_APPEND the next write would leave a hole. */
	lseek(fd, end - (off_t)(done - whole), SEEK_SET);
	return err;
}

static int write_stream(int fd, const char *data, size_t len, size_t *written)
{
	*written = 0;
	while (*written < len) {
		size_t chunk = next_chunk(data + *written, len - *written);
		size_t done;
		int err = write_fully(fd, data + *written, chunk, &done);

		if (err)
			return err;
		*written += chunk;
	}
	return 0;
}

int line_writer_write(int fd, const char *data, size_t len, size_t *written)
{
	struct stat st;

	*written = 0;
	if (!len)
		return 0;
	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode))
		return write_file(fd, data, len, written);
	return write_stream(fd, data, len, written);
}
