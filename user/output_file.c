// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON Lines appended to a file (--output). Lines are batched like on
 * stdout (json_lines.c), and the batch goes out with write(2) on an
 * O_APPEND descriptor, so a reader (or a second writer) never sees half a
 * line. SIGHUP reopens the file by name after writing out the batch:
 * logrotate renames the file, sends SIGHUP, and every event is in either
 * the old file or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "json_lines.h"

/* Event logs name other users' processes and command lines: not world-readable. */
#define FILE_MODE 0640

struct file_output {
	struct json_lines lines; /* first: the output itself */
	int fd;
	char *path;
};

static struct file_output *file_output_of(struct output *out)
{
	return (struct file_output *)out;
}

/*
 * Creates the file with exactly FILE_MODE (whatever the umask), or opens it
 * as it is. Returns the descriptor or a negative errno.
 */
static int open_for_append(const char *path)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, FILE_MODE);

		if (fd >= 0) {
			fchmod(fd, FILE_MODE);
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		/* Removed between the two opens (a rotation): create it again. */
		if (errno != ENOENT)
			return -errno;
	}
	return -ENOENT;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t written = write(fd, data, len);

		if (written < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += written;
		len -= written;
	}
	return 0;
}

static int write_batch(struct json_lines *lines)
{
	struct file_output *file = (struct file_output *)lines;
	int err;

	if (!lines->batch.len)
		return 0;
	err = write_all(file->fd, lines->batch.data, lines->batch.len);
	strbuf_reset(&lines->batch);
	return err;
}

static int file_flush(struct output *out)
{
	return write_batch(&file_output_of(out)->lines);
}

static int file_reopen(struct output *out)
{
	struct file_output *file = file_output_of(out);
	int err = write_batch(&file->lines);
	int fd;

	if (err)
		return err;
	fd = open_for_append(file->path);
	if (fd < 0) {
		fprintf(stderr,
			"bindsnoop: reopening %s failed (%s); still writing to the file opened "
			"before\n",
			file->path, strerror(-fd));
		return fd;
	}
	close(file->fd);
	file->fd = fd;
	return 0;
}

static void file_destroy(struct output *out)
{
	struct file_output *file = file_output_of(out);

	if (!file)
		return;
	/* Whatever is left: a failure here has nowhere to be reported. */
	write_batch(&file->lines);
	if (file->fd >= 0)
		close(file->fd);
	json_lines_release(&file->lines);
	free(file->path);
	free(file);
}

static const struct output_ops file_output_ops = {
	.report = json_lines_report,
	.lost = json_lines_lost,
	.flush = file_flush,
	.session = json_lines_session,
	.reopen = file_reopen,
	.destroy = file_destroy,
};

struct output *output_file_new(const char *path)
{
	struct file_output *file = calloc(1, sizeof(*file));
	int fd;

	if (!file)
		return NULL;
	file->fd = -1;
	file->path = strdup(path);
	if (json_lines_init(&file->lines, &file_output_ops, write_batch) || !file->path) {
		file_destroy(&file->lines.base);
		errno = ENOMEM;
		return NULL;
	}
	fd = open_for_append(path);
	if (fd < 0) {
		file_destroy(&file->lines.base);
		errno = -fd;
		return NULL;
	}
	file->fd = fd;
	return &file->lines.base;
}
