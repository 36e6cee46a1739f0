// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "format.h"
#include "output/json_event.h"
#include "output/syslog_message.h"

void syslog_identity_init(struct syslog_identity *id, int facility, const char *hostname,
			  __u32 procid)
{
	size_t len = 0;

	id->facility = facility;
	id->procid = procid;
	/* RFC 5424 HOSTNAME is PRINTUSASCII (33..126): anything else would split fields. */
	for (; hostname && hostname[len] && len < SYSLOG_HOSTNAME_MAX; len++) {
		unsigned char byte = hostname[len];

		id->hostname[len] = byte >= 33 && byte <= 126 ? byte : '_';
	}
	if (!len)
		id->hostname[len++] = '-';
	id->hostname[len] = '\0';
}

int syslog_append_sd_value(struct strbuf *out, const char *value, size_t len)
{
	const unsigned char *in = (const unsigned char *)value;
	size_t start = out->len;
	int err = 0;

	for (size_t i = 0; i < len && !err;) {
		unsigned char byte = in[i];
		size_t sequence;

		if (byte == '"' || byte == '\\' || byte == ']') {
			char escaped[2] = { '\\', byte };

			err = strbuf_append(out, escaped, 2);
			i++;
		} else if (byte < 0x20 || byte == 0x7f) {
			err = strbuf_append(out, "?", 1);
			i++;
		} else if (byte < 0x80) {
			err = strbuf_append(out, &in[i], 1);
			i++;
		} else if ((sequence = utf8_sequence_length(in + i, len - i))) {
			err = strbuf_append(out, &in[i], sequence);
			i += sequence;
		} else {
			err = strbuf_append(out, "?", 1);
			i++;
		}
	}
	if (err)
		strbuf_truncate(out, start);
	return err;
}

size_t syslog_octet_count_prefix(char *prefix, size_t msg_len)
{
	return snprintf(prefix, SYSLOG_OCTET_COUNT_MAX, "%zu ", msg_len);
}

/* Appends that remember the first failure; the message is checked once. */
struct message_writer {
	struct strbuf *out;
	size_t start;
	int err;
};

static void put_text(struct message_writer *writer, const char *text)
{
	if (!writer->err)
		writer->err = strbuf_append_str(writer->out, text);
}

static void put_number(struct message_writer *writer, __u64 value)
{
	if (!writer->err)
		writer->err = strbuf_append_u64(writer->out, value);
}

/* "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID " */
static void put_header(struct message_writer *writer, const struct syslog_identity *id,
		       enum syslog_severity severity, __u64 ts_realtime_ns, const char *msgid)
{
	char timestamp[FORMAT_RFC3339_MAX];

	if (format_rfc3339_us(ts_realtime_ns, timestamp, sizeof(timestamp)) < 0)
		strcpy(timestamp, "-");
	put_text(writer, "<");
	put_number(writer, id->facility * 8 + severity);
	put_text(writer, ">1 ");
	put_text(writer, timestamp);
	put_text(writer, " ");
	put_text(writer, id->hostname);
	put_text(writer, " " SYSLOG_APP_NAME " ");
	put_number(writer, id->procid);
	put_text(writer, " ");
	put_text(writer, msgid);
	put_text(writer, " [" SYSLOG_SD_ID);
}

static void put_param_bytes(struct message_writer *writer, const char *name, const char *value,
			    size_t len)
{
	put_text(writer, " ");
	put_text(writer, name);
	put_text(writer, "=\"");
	if (!writer->err)
		writer->err = syslog_append_sd_value(writer->out, value, len);
	put_text(writer, "\"");
}

static void put_param(struct message_writer *writer, const char *name, const char *value)
{
	put_param_bytes(writer, name, value, strlen(value));
}

static void put_param_number(struct message_writer *writer, const char *name, __u64 value)
{
	char digits[24];

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)value);
	put_param(writer, name, digits);
}

/* Ends the SD element: MSG follows. */
static void close_structured_data(struct message_writer *writer)
{
	put_text(writer, "] ");
}

/*
 * After the JSON renderer appended MSG with its newline (json_err: its
 * result): drops the newline, or the whole message on any failure.
 */
static int finish_message(struct message_writer *writer, int json_err)
{
	if (!writer->err)
		writer->err = json_err;
	if (!writer->err && writer->out->len && writer->out->data[writer->out->len - 1] == '\n')
		strbuf_truncate(writer->out, writer->out->len - 1);
	if (writer->err)
		strbuf_truncate(writer->out, writer->start);
	return writer->err;
}

int syslog_render_report(struct strbuf *out, const struct syslog_identity *id,
			 const struct bind_report *report)
{
	struct message_writer writer = { .out = out, .start = out->len };
	const struct caller_report *caller = &report->caller;
	const char *event = report_event_name(report);
	char proto[FORMAT_PROTO_MAX], addr[FORMAT_UNIX_NAME_MAX];
	size_t addr_len;

	put_header(&writer, id, report->error ? SYSLOG_WARNING : SYSLOG_INFO,
		   report->ts_realtime_ns, event);
	put_param_number(&writer, "seq", report->seq);
	put_param(&writer, "event", event);
	if (report->error) {
		char unknown[FORMAT_ERRNO_MAX];

		put_param(&writer, "error", errno_text(report->error, unknown));
	}
	addr_len = format_asked(&(struct format_asked){ report->family, report->protocol,
							report->addr, report->unix_target.name,
							report->unix_target.name_len,
							report->unix_target.sock_type },
				proto, addr, sizeof(addr));
	put_param(&writer, "proto", proto);
	put_param_bytes(&writer, "addr", addr, addr_len);
	put_param_number(&writer, "port", report->port);
	/* A folded record stands for count failures: say so where filters look. */
	if (report->folded)
		put_param_number(&writer, "count", report->count);
	put_param_number(&writer, "pid", caller->pid);
	put_param_number(&writer, "uid", caller->uid);
	put_param_bytes(&writer, "comm", caller->comm, strnlen(caller->comm, sizeof(caller->comm)));
	/* The caller's socket options at the failure, when it had any. */
	if (caller->socket_options.known) {
		char options[160];

		if (format_socket_options(caller->socket_options.flags,
					  caller->socket_options.device, options, sizeof(options)))
			put_param(&writer, "sockopts", options);
	}
	/* The first holder's first process: who has the address, at a glance. */
	if (report->holder_count && report->holders[0].process_count) {
		const struct process_ref *holder = &report->holders[0].processes[0];

		put_param_number(&writer, "holder_pid", holder->pid);
		put_param_bytes(&writer, "holder_comm", holder->comm,
				strnlen(holder->comm, sizeof(holder->comm)));
	}
	close_structured_data(&writer);
	return finish_message(&writer, writer.err ? 0 : json_render_report(report, out));
}

int syslog_render_lost(struct strbuf *out, const struct syslog_identity *id, __u64 seq,
		       __u64 ts_realtime_ns, __u64 count)
{
	struct message_writer writer = { .out = out, .start = out->len };

	put_header(&writer, id, SYSLOG_NOTICE, ts_realtime_ns, "lost");
	put_param_number(&writer, "seq", seq);
	put_param(&writer, "event", "lost");
	put_param_number(&writer, "count", count);
	close_structured_data(&writer);
	return finish_message(&writer,
			      writer.err ? 0 : json_render_lost(seq, ts_realtime_ns, count, out));
}

int syslog_render_dropped(struct strbuf *out, const struct syslog_identity *id, __u64 seq,
			  __u64 ts_realtime_ns, __u64 count)
{
	struct message_writer writer = { .out = out, .start = out->len };

	put_header(&writer, id, SYSLOG_NOTICE, ts_realtime_ns, "dropped");
	put_param_number(&writer, "seq", seq);
	put_param(&writer, "event", "dropped");
	put_param_number(&writer, "count", count);
	close_structured_data(&writer);
	return finish_message(&writer,
			      writer.err ? 0 : json_render_dropped(seq, ts_realtime_ns, count, out));
}

int syslog_render_session(struct strbuf *out, const struct syslog_identity *id,
			  const struct session_info *info, bool starting, __u64 dropped)
{
	struct message_writer writer = { .out = out, .start = out->len };
	const char *event = starting ? "start" : "stop";
	int json_err;

	put_header(&writer, id, SYSLOG_NOTICE, info->ts_realtime_ns, event);
	put_param_number(&writer, "seq", info->seq);
	put_param(&writer, "event", event);
	put_param(&writer, "backend", info->backend);
	if (starting) {
		put_param(&writer, "kernel", info->kernel);
		put_param(&writer, "version", info->version);
	} else {
		put_param_number(&writer, "received", info->received);
		put_param_number(&writer, "lost", info->lost);
		put_param_number(&writer, "repeats", info->repeats);
		put_param_number(&writer, "dropped", dropped);
	}
	close_structured_data(&writer);
	if (writer.err)
		json_err = 0;
	else if (starting)
		json_err = json_render_start(info, out);
	else
		json_err = json_render_stop(info, dropped, out);
	return finish_message(&writer, json_err);
}
