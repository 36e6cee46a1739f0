// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON Lines appended to a file (--output). Lines are batched like on
 * stdout (json_lines.c), and the batch goes out with write(2) on an
 * O_APPEND descriptor; a write cut short by a full disk is taken back to
 * its last whole line (line_writer.h), so a reader never sees half a line.
 * SIGHUP reopens the file by name after writing out the batch: logrotate
 * renames the file, sends SIGHUP, and every event is in either the old
 * file or the new one. The name is looked up in the directory opened at
 * start, and a file found there is checked (append_target.h); a reopen
 * refused keeps the old file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "output/append_target.h"
#include "output/json_event.h"
#include "output/json_lines.h"
#include "output/line_writer.h"
#include "output/session.h"
#include "signals.h"

/* Event logs name other users' processes and command lines: not world-readable. */
#define FILE_MODE 0640

struct file_output {
	struct json_lines lines; /* first: the output itself */
	int fd;
	char *path;
	char *name;		   /* "--output PATH" */
	bool took_lines;	   /* a write succeeded once */
	int failing;		   /* the error of the last write, 0 when writing works */
	__u64 dropped_unannounced; /* dropped since the last "dropped" record */
	/* The directory opened at start and the name in it: every reopen looks there. */
	struct append_target target;
};

static struct file_output *file_output_of(struct output *out)
{
	return (struct file_output *)out;
}

/*
 * Before the first line after a failure: a "dropped" record with the events
 * lost meanwhile, so the gap is visible where it is. 0 once written.
 */
static int announce_dropped(struct file_output *file)
{
	struct strbuf record = STRBUF_INIT;
	size_t written;
	int err;

	err = json_render_dropped(file->lines.last_dropped_seq, session_now_ns(),
				  file->dropped_unannounced, &record);
	if (!err)
		err = line_writer_write(file->fd, record.data, record.len, &written);
	strbuf_release(&record);
	if (!err)
		file->dropped_unannounced = 0;
	return err;
}

/*
 * A file that took lines before and fails now (a full disk, a quota) does
 * not stop tracing: the events are counted as dropped, said once on
 * stderr, and writing resumes when the file takes lines again. Only a
 * file that never took a line (the start record: a bad path, /dev/full)
 * is an error, found before tracing begins.
 */
static int write_batch(struct json_lines *lines)
{
	struct file_output *file = (struct file_output *)lines;
	__u64 dropped_before = lines->base.dropped;
	int err = 0;

	if (!lines->batch.len)
		return 0;
	if (file->dropped_unannounced)
		err = announce_dropped(file);
	if (err)
		json_lines_discard(lines);
	else
		err = json_lines_write(lines, file->fd);
	if (!err) {
		if (file->failing)
			fprintf(stderr,
				"bindsnoop: --output %s takes lines again; %llu events could not "
				"be written to it so far (a \"dropped\" record marks the gap)\n",
				file->path, (unsigned long long)lines->base.dropped);
		file->failing = 0;
		file->took_lines = true;
		return 0;
	}
	file->dropped_unannounced += lines->base.dropped - dropped_before;
	if (err == -ECANCELED || !file->took_lines)
		return err;
	if (!file->failing)
		fprintf(stderr,
			"bindsnoop: writing --output %s failed (%s); tracing goes on, counting "
			"the events that cannot be written as dropped\n",
			file->path, strerror(-err));
	file->failing = err;
	return 0;
}

static int file_flush(struct output *out)
{
	return write_batch(&file_output_of(out)->lines);
}

static int file_reopen(struct output *out)
{
	struct file_output *file = file_output_of(out);
	int err = write_batch(&file->lines);
	char why[APPEND_TARGET_WHY_MAX];
	int fd;

	if (err)
		return err;
	fd = append_target_open(&file->target, FILE_MODE, why, sizeof(why));
	if (fd < 0) {
		fprintf(stderr,
			"bindsnoop: not reopening --output %s: %s; still writing to the file "
			"opened before\n",
			file->path, why[0] ? why : strerror(-fd));
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
	append_target_release(&file->target);
	json_lines_release(&file->lines);
	free(file->path);
	free(file->name);
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

struct output *output_file_new(const char *path, char *why, size_t why_size)
{
	struct file_output *file = calloc(1, sizeof(*file));
	int fd;

	why[0] = '\0';
	if (!file)
		return NULL;
	file->fd = -1;
	file->target.dir_fd = -1;
	file->path = strdup(path);
	if (asprintf(&file->name, "--output %s", path) < 0)
		file->name = NULL;
	if (json_lines_init(&file->lines, &file_output_ops, write_batch) || !file->path ||
	    !file->name) {
		file_destroy(&file->lines.base);
		errno = ENOMEM;
		return NULL;
	}
	fd = append_target_init(&file->target, file->path);
	if (!fd)
		fd = append_target_open(&file->target, FILE_MODE, why, why_size);
	if (fd < 0) {
		file_destroy(&file->lines.base);
		errno = -fd;
		return NULL;
	}
	file->fd = fd;
	file->lines.base.name = file->name;
	return &file->lines.base;
}
