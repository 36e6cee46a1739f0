// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include "json_event.h"
#include "json_lines.h"

static struct json_lines *json_lines_of(struct output *out)
{
	return (struct json_lines *)out;
}

int json_lines_init(struct json_lines *lines, const struct output_ops *ops,
		    int (*write_batch)(struct json_lines *lines))
{
	lines->base.ops = ops;
	lines->write_batch = write_batch;
	strbuf_init(&lines->batch);
	/* The first batches need no regrowth. */
	return strbuf_reserve(&lines->batch, JSON_LINES_BATCH_BYTES + 4096);
}

void json_lines_release(struct json_lines *lines)
{
	strbuf_release(&lines->batch);
}

/* After a record was added: a full batch goes out at once. */
static int json_lines_added(struct json_lines *lines, int err)
{
	if (err)
		return err;
	if (lines->batch.len >= JSON_LINES_BATCH_BYTES)
		return lines->write_batch(lines);
	return 0;
}

int json_lines_report(struct output *out, const struct bind_report *report)
{
	struct json_lines *lines = json_lines_of(out);

	return json_lines_added(lines, json_render_report(report, &lines->batch));
}

int json_lines_lost(struct output *out, __u64 ts_realtime_ns, __u64 count)
{
	struct json_lines *lines = json_lines_of(out);

	return json_lines_added(lines, json_render_lost(ts_realtime_ns, count, &lines->batch));
}

int json_lines_session(struct output *out, const struct session_info *info, bool starting)
{
	struct json_lines *lines = json_lines_of(out);

	if (starting)
		return json_render_start(info, &lines->batch);
	return json_render_stop(info, 0, &lines->batch);
}
