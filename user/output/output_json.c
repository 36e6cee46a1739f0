// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON Lines on a stream (stdout with --json): each batch in one write.
 * Into a pipe or a terminal, through a writer thread of its own
 * (queued_writer.h): a reader that stalls costs this output its lines,
 * never the other outputs their events.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "json_lines.h"
#include "queued_writer.h"

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
	.session = json_lines_session,
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
	if (json_lines_init(&json->lines, &json_output_ops, write_batch) ||
	    (queued_writer_wanted(fileno(stream)) &&
	     !(json->queue = queued_writer_new(fileno(stream), QUEUED_WRITER_BYTES,
					       count_unwritten, &json->lines)))) {
		json_lines_release(&json->lines);
		free(json);
		return NULL;
	}
	return &json->lines.base;
}
