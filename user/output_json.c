// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON Lines on a stream (stdout with --json): each batch in one fwrite. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "json_lines.h"

struct json_output {
	struct json_lines lines; /* first: the output itself */
	FILE *stream;
};

static struct json_output *json_output_of(struct output *out)
{
	return (struct json_output *)out;
}

static int stream_error(void)
{
	int err = errno;

	/* A reader that went away ends tracing quietly (output.h): keep it exact. */
	if (err == EPIPE)
		return -EPIPE;
	return err ? -err : -EIO;
}

static int write_batch(struct json_lines *lines)
{
	struct json_output *json = (struct json_output *)lines;
	size_t len = lines->batch.len;
	size_t written;

	if (!len)
		return 0;
	errno = 0;
	written = fwrite(lines->batch.data, 1, len, json->stream);
	strbuf_reset(&lines->batch);
	if (written != len)
		return stream_error();
	return 0;
}

static int json_flush(struct output *out)
{
	struct json_output *json = json_output_of(out);
	int err = write_batch(&json->lines);

	if (err)
		return err;
	errno = 0;
	if (fflush(json->stream))
		return stream_error();
	return 0;
}

static void json_destroy(struct output *out)
{
	struct json_output *json = json_output_of(out);

	if (!json)
		return;
	/* Whatever is left: a failure here has nowhere to be reported. */
	json_flush(out);
	json_lines_release(&json->lines);
	free(json);
}

static const struct output_ops json_output_ops = {
	.report = json_lines_report,
	.lost = json_lines_lost,
	.flush = json_flush,
	.session = json_lines_session,
	.destroy = json_destroy,
};

struct output *output_json_new(FILE *stream)
{
	struct json_output *json = calloc(1, sizeof(*json));

	if (!json)
		return NULL;
	json->stream = stream;
	if (json_lines_init(&json->lines, &json_output_ops, write_batch)) {
		json_lines_release(&json->lines);
		free(json);
		return NULL;
	}
	return &json->lines.base;
}
