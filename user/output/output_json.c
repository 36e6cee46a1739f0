// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON Lines on a stream (stdout with --json): each batch in one write.
 * Into a pipe or a terminal, once the start record is out, through a writer
 * thread of its own (queued_writer.h): a reader that stalls costs this
 * output its lines, never the other outputs their events.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "output/json_lines.h"
#include "output/queued_writer.h"

struct json_output {
	struct json_lines lines; /* first: the output itself */
	FILE *stream;
	struct queued_writer *queue; /* NULL: written here (a regular file) */
	int failed; /* the error that ended writing, 0 while it works */
};

static void count_unwritten(void *ctx, const char *data, size_t len)
{
	json_lines_count_dropped(ctx, data, len);
}

static struct json_output *json_output_of(struct output *out)
{
	return (struct json_output *)out;
}

/*
 * Straight to the descriptor, not through stdio: a reader that stalls must
 * not keep a stop waiting, nor get half a line (line_writer.h).
 */
static int write_batch(struct json_lines *lines)
{
	struct json_output *json = (struct json_output *)lines;

	/* Once a write failed (reader gone, or given up at a stop), no more tries. */
	if (json->failed) {
		json_lines_discard(lines);
		return json->failed;
	}
	if (json->queue) {
		json->failed = queued_writer_write(json->queue, lines->batch.data, lines->batch.len);
		strbuf_reset(&lines->batch);
	} else {
		json->failed = json_lines_write(lines, fileno(json->stream));
	}
	return json->failed;
}

static int json_flush(struct output *out)
{
	return write_batch(&json_output_of(out)->lines);
}

/*
 * The start record goes out at once, from this thread: a stdout that cannot
 * take it (/dev/full, a closed pipe) fails the start, before tracing. Only
 * then do lines to a pipe or terminal go through a thread of their own.
 */
static int json_session(struct output *out, const struct session_info *info, bool starting)
{
	struct json_output *json = json_output_of(out);
	int fd = fileno(json->stream);
	int err = json_lines_session(out, info, starting);

	if (err || !starting || json->queue)
		return err;
	err = write_batch(&json->lines);
	if (!err && queued_writer_wanted(fd) &&
	    !(json->queue = queued_writer_new(fd, QUEUED_WRITER_BYTES, count_unwritten,
					      &json->lines)))
		err = -errno;
	return err;
}

static void json_finish(struct output *out)
{
	struct json_output *json = json_output_of(out);

	json_flush(out);
	if (json->queue)
		queued_writer_finish(json->queue);
}

static void json_destroy(struct output *out)
{
	struct json_output *json = json_output_of(out);

	if (!json)
		return;
	/* Whatever is left: a failure here has nowhere to be reported. */
	json_flush(out);
	queued_writer_free(json->queue);
	json_lines_release(&json->lines);
	free(json);
}

static const struct output_ops json_output_ops = {
	.report = json_lines_report,
	.lost = json_lines_lost,
	.flush = json_flush,
	.session = json_session,
	.finish = json_finish,
	.destroy = json_destroy,
};

struct output *output_json_new(FILE *stream)
{
	struct json_output *json = calloc(1, sizeof(*json));

	if (!json)
		return NULL;
	json->stream = stream;
	json->lines.base.name = "stdout";
	if (json_lines_init(&json->lines, &json_output_ops, write_batch)) {
		json_lines_release(&json->lines);
		free(json);
		return NULL;
	}
	return &json->lines.base;
}
