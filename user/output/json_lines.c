// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include "output/json_event.h"
#include "output/json_lines.h"
#include "output/line_writer.h"

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
	json_memo_init(&lines->memo);
	/* The first batches need no regrowth. */
	return strbuf_reserve(&lines->batch, JSON_LINES_BATCH_BYTES + 4096);
}

void json_lines_release(struct json_lines *lines)
{
	strbuf_release(&lines->batch);
	json_memo_release(&lines->memo);
}

/*
 * Is this line an event (bind, listen and their failures), not a start,
 * stop, lost or dropped record? Every line names its "event" right after
 * "v", "seq" and "ts", which hold no quotes: within its first 96 bytes.
 */
static bool line_is_event(const char *line, size_t len)
{
	static const char key[] = "\"event\":\"";
	const char *found = memmem(line, len < 96 ? len : 96, key, sizeof(key) - 1);
	const char *value;
	size_t left;

	if (!found)
		return false;
	value = found + sizeof(key) - 1;
	left = line + len - value;
	return (left >= 4 && !memcmp(value, "bind", 4)) ||
	       (left >= 6 && !memcmp(value, "listen", 6));
}

void json_lines_count_dropped(struct json_lines *lines, const char *data, size_t len)
{
	const char *end = data + len;

	while (data < end) {
		const char *newline = memchr(data, '\n', end - data);
		size_t line_len = newline ? (size_t)(newline - data) : (size_t)(end - data);
		__u64 seq = json_record_seq(data, line_len < 40 ? line_len : 40);

		lines->base.dropped += line_is_event(data, line_len);
		if (seq)
			lines->last_dropped_seq = seq;
		data += line_len + 1;
	}
}

int json_lines_write(struct json_lines *lines, int fd)
{
	struct strbuf *batch = &lines->batch;
	size_t written;
	int err;

	if (!batch->len)
		return 0;
	err = line_writer_write(fd, batch->data, batch->len, &written);
	if (err)
		json_lines_count_dropped(lines, batch->data + written, batch->len - written);
	strbuf_reset(batch);
	return err;
}

void json_lines_discard(struct json_lines *lines)
{
	json_lines_count_dropped(lines, lines->batch.data, lines->batch.len);
	strbuf_reset(&lines->batch);
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

	return json_lines_added(lines, json_render_report_memo(report, &lines->memo, &lines->batch));
}

int json_lines_lost(struct output *out, __u64 seq, __u64 ts_realtime_ns, __u64 count)
{
	struct json_lines *lines = json_lines_of(out);

	return json_lines_added(lines, json_render_lost(seq, ts_realtime_ns, count, &lines->batch));
}

int json_lines_session(struct output *out, const struct session_info *info, bool starting)
{
	struct json_lines *lines = json_lines_of(out);

	if (starting)
		return json_render_start(info, &lines->batch);
	return json_render_stop(info, lines->base.dropped, &lines->batch);
}
