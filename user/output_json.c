// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON Lines on a stream. Lines are rendered into one batch buffer and the
 * batch goes to the stream in one fwrite: at 500,000 events a second,
 * per-line stdio calls would cost more than the rendering itself, and the
 * reader only ever sees whole lines.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "json_event.h"
#include "output.h"

/* Big enough to amortise the write, small enough to stay in the cache. */
#define JSON_BATCH_BYTES (256 * 1024)

struct json_output {
	struct output base;
	FILE *stream;
	struct strbuf batch;
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

static int write_batch(struct json_output *json)
{
	size_t len = json->batch.len;
	size_t written;

	if (!len)
		return 0;
	errno = 0;
	written = fwrite(json->batch.data, 1, len, json->stream);
	strbuf_reset(&json->batch);
	if (written != len)
		return stream_error();
	return 0;
}

static int json_report(struct output *out, const struct bind_report *report)
{
	struct json_output *json = json_output_of(out);
	int err = json_render_report(report, &json->batch);

	if (err)
		return err;
	if (json->batch.len >= JSON_BATCH_BYTES)
		return write_batch(json);
	return 0;
}

static int json_lost(struct output *out, __u64 ts_realtime_ns, __u64 count)
{
	struct json_output *json = json_output_of(out);
	int err = json_render_lost(ts_realtime_ns, count, &json->batch);

	if (err)
		return err;
	if (json->batch.len >= JSON_BATCH_BYTES)
		return write_batch(json);
	return 0;
}

static int json_session(struct output *out, const struct session_info *info, bool starting)
{
	struct json_output *json = json_output_of(out);

	if (starting)
		return json_render_start(info, &json->batch);
	return json_render_stop(info, 0, &json->batch);
}

static int json_flush(struct output *out)
{
	struct json_output *json = json_output_of(out);
	int err = write_batch(json);

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
	strbuf_release(&json->batch);
	free(json);
}

static const struct output_ops json_output_ops = {
	.report = json_report,
	.lost = json_lost,
	.flush = json_flush,
	.session = json_session,
	.destroy = json_destroy,
};

struct output *output_json_new(FILE *stream)
{
	struct json_output *json = calloc(1, sizeof(*json));

	if (!json)
		return NULL;
	json->base.ops = &json_output_ops;
	json->stream = stream;
	strbuf_init(&json->batch);
	/* The first batches need no regrowth. */
	if (strbuf_reserve(&json->batch, JSON_BATCH_BYTES + 4096)) {
		free(json);
		return NULL;
	}
	return &json->base;
}
