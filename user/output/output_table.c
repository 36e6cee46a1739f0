// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The human-readable table: one line per event, the holder summed up at the
 * end of it; with --wide, command lines and every holder on indented lines
 * below. Lines are collected and written per batch, like the JSON output.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "diagnose.h"
#include "format.h"
#include "line_writer.h"
#include "output.h"
#include "strbuf.h"
#include "text_sanitize.h"

#define TABLE_BATCH_BYTES (64 * 1024)

/* Column widths fit typical values; longer ones push the rest of the line right. */
#define TABLE_ROW_FORMAT "%-15s %-13s %-7s %-15s %-5s %-21s %-13s %s\n"
/*
 * A terminal narrower than TABLE_FULL_WIDTH gets the compact row: seconds,
 * the caller as comm[pid], "tcp 127.0.0.1:8080", the error (the event kind
 * and microseconds stay in the wide layout and JSON); the room left goes to
 * the holder and the cause, the cause kept whole.
 */
#define TABLE_COMPACT_FORMAT "%-8s %-18s %-24s %-10s "
#define TABLE_FULL_WIDTH     160
#define TABLE_ERROR_MAX	     48 /* "EADDRINUSE×18446744073709551615" */

struct table_output {
	struct output base;
	FILE *stream;
	bool wide;
	bool terminal;		  /* stdout is a terminal: rows are fitted to its width */
	bool compact;		  /* the terminal was narrower than TABLE_FULL_WIDTH at the start */
	unsigned int fixed_width; /* tests: act as a terminal of this width (0: ask) */
	struct strbuf batch;
	int failed; /* the error that ended writing, 0 while it works */
};

/* Appends that remember the first failure: one check per event, not per field. */
struct table_line {
	struct strbuf *out;
	int err;
};

static struct table_output *table_output_of(struct output *out)
{
	return (struct table_output *)out;
}

static void put_str(struct table_line *line, const char *text)
{
	if (!line->err)
		line->err = strbuf_append_str(line->out, text);
}

static void put_format(struct table_line *line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put_format(struct table_line *line, const char *fmt, ...)
{
	va_list args;

	if (line->err)
		return;
	va_start(args, fmt);
	line->err = strbuf_vappendf(line->out, fmt, args);
	va_end(args);
}

static void put_sanitized(struct table_line *line, const char *text, size_t max_len)
{
	size_t len = strnlen(text, max_len);

	/* text_sanitize never lengthens: len + its NUL is enough. */
	if (!line->err)
		line->err = strbuf_reserve(line->out, len + 1);
	if (line->err)
		return;
	line->out->len += text_sanitize(line->out->data + line->out->len, text, len);
}

static void put_comm(struct table_line *line, const char *comm)
{
	if (comm[0])
		put_sanitized(line, comm, BS_COMM_LEN);
	else
		put_str(line, "?");
}

static void put_endpoint(struct table_line *line, __u16 family, const __u8 *addr, __u16 port)
{
	char endpoint[FORMAT_ENDPOINT_MAX];

	if (format_endpoint(family, addr, port, endpoint, sizeof(endpoint)) < 0)
		snprintf(endpoint, sizeof(endpoint), "?:%u", port);
	put_str(line, endpoint);
}

static const char *holder_state(const struct holder_report *holder)
{
	return socket_state_name(holder->protocol, holder->state);
}

static __u32 holder_process_count(const struct holder_report *holder)
{
	return holder->process_count < REPORT_MAX_PROCESSES ? holder->process_count :
							      REPORT_MAX_PROCESSES;
}

/* "nginx[100,101]", or "nginx[100],sh[200]" when the processes differ. */
static void put_processes(struct table_line *line, const struct holder_report *holder)
{
	__u32 count = holder_process_count(holder);

	for (__u32 i = 0; i < count; i++) {
		const struct process_ref *process = &holder->processes[i];

		if (i && !strncmp(process->comm, holder->processes[i - 1].comm, BS_COMM_LEN)) {
			put_format(line, ",%u", process->pid);
			continue;
		}
		if (i)
			put_str(line, "],");
		put_comm(line, process->comm);
		put_format(line, "[%u", process->pid);
	}
	if (count)
		put_str(line, "]");
}

/* What identifies a socket nobody could be found for: its owner uid and inode. */
static void put_socket_ids(struct table_line *line, const struct holder_report *holder)
{
	if (holder->uid != BS_UID_UNKNOWN)
		put_format(line, "uid %u ", holder->uid);
	if (holder->inode)
		put_format(line, "inode %llu ", (unsigned long long)holder->inode);
}

static void put_state_endpoint(struct table_line *line, const struct holder_report *holder)
{
	put_str(line, holder_state(holder));
	put_str(line, " ");
	put_endpoint(line, holder->family, holder->addr, holder->port);
}

/* The HOLDER column: the first holder in a few words, and how many more. */
static void put_holder_summary(struct table_line *line, const struct bind_report *report)
{
	const struct holder_report *holder = &report->holders[0];

	if (!report->holder_count && report->holders_not_named) {
		put_format(line, "%u holder%s not named", report->holders_not_named,
			   report->holders_not_named == 1 ? "" : "s");
		return;
	}
	if (!report->holder_count) {
		put_str(line, report->error == EADDRINUSE ? "holder not found" : "-");
		return;
	}
	if (holder_process_count(holder)) {
		put_processes(line, holder);
		put_str(line, " ");
		put_state_endpoint(line, holder);
	} else if (!strcmp(holder_state(holder), "TIME_WAIT") ||
		   (!holder->inode && holder->uid == BS_UID_UNKNOWN)) {
		/* Nothing to name it by: a TIME_WAIT socket belongs to no process. */
		put_state_endpoint(line, holder);
		put_str(line, " (no process)");
	} else {
		put_socket_ids(line, holder);
		put_state_endpoint(line, holder);
	}
	if (report->holder_count - 1 + report->holders_not_named)
		put_format(line, " +%u more", report->holder_count - 1 + report->holders_not_named);
}

/* The answer, last: " · other program (nginx.service)", " · TIME_WAIT", a loop's count. */
static void put_cause(struct table_line *line, const struct bind_report *report)
{
	const struct diagnosis *diagnosis = &report->diagnosis;
	const struct process_identity *identity = NULL;
	char ordinal[16];

	if (diagnosis->cause == CAUSE_NONE)
		return;
	put_str(line, " · ");
	put_str(line, diagnosis_cause_label(diagnosis->cause));
	if (diagnosis->cause == CAUSE_SAME_PROGRAM || diagnosis->cause == CAUSE_OTHER_PROGRAM ||
	    diagnosis->cause == CAUSE_CONTAINER_PORT) {
		for (__u32 i = 0; i < report->holder_count && i < REPORT_MAX_HOLDERS && !identity;
		     i++) {
			if (report->holders[i].process_count)
				identity = &report->holders[i].processes[0].identity;
		}
	}
	if (identity && identity->container.id[0]) {
		put_str(line, " (");
		if (identity->container.name[0])
			put_sanitized(line, identity->container.name,
				      sizeof(identity->container.name));
		else
			put_format(line, "%.12s", identity->container.id);
		put_str(line, ")");
	} else if (identity && identity->service[0]) {
		put_str(line, " (");
		put_sanitized(line, identity->service, sizeof(identity->service));
		put_str(line, ")");
	}
	if (diagnosis->repeat.count >= DIAGNOSE_LOOP_THRESHOLD) {
		put_format(line, ", %s failure in %u s of ",
			   diagnose_ordinal(diagnosis->repeat.count, ordinal, sizeof(ordinal)),
			   diagnosis->repeat.window_s);
		put_sanitized(line, diagnosis->repeat.who, sizeof(diagnosis->repeat.who));
	}
}

static void put_cmdline(struct table_line *line, bool known, const char *cmdline)
{
	if (known && cmdline[0])
		put_sanitized(line, cmdline, REPORT_CMDLINE_MAX);
	else if (known)
		put_str(line, "(empty command line)");
	else
		put_str(line, "(command line unknown: the process is gone)");
}

static void put_holder_details(struct table_line *line, const struct holder_report *holder)
{
	char proto_buf[FORMAT_PROTO_MAX];
	__u32 count = holder_process_count(holder);

	put_str(line, "    holder: ");
	put_str(line, proto_name(holder->protocol, proto_buf, sizeof(proto_buf)));
	put_str(line, " ");
	put_state_endpoint(line, holder);
	put_str(line, " ");
	put_socket_ids(line, holder);
	if (holder->flags & BS_HOLDER_REUSEADDR)
		put_str(line, "SO_REUSEADDR ");
	if (holder->flags & BS_HOLDER_REUSEPORT)
		put_str(line, "SO_REUSEPORT ");
	if (holder->flags & BS_HOLDER_V6ONLY)
		put_str(line, "IPV6_V6ONLY ");
	if (holder->source == HOLDER_SOURCE_KERNEL)
		put_str(line, "(found in the kernel bind table)");
	else if (holder->source == HOLDER_SOURCE_SOCK_DIAG)
		put_str(line, "(found by sock_diag)");
	if (!count)
		put_str(line, ", no process");
	put_str(line, "\n");
	for (__u32 i = 0; i < count; i++) {
		const struct process_ref *process = &holder->processes[i];

		put_format(line, "      pid %u ", process->pid);
		put_comm(line, process->comm);
		put_str(line, ": ");
		put_cmdline(line, process->cmdline_known, process->cmdline);
		put_str(line, "\n");
	}
}

static void put_wide_details(struct table_line *line, const struct bind_report *report)
{
	__u32 holder_count = report->holder_count;

	if (report->diagnosis.cause != CAUSE_NONE) {
		put_str(line, "    why: ");
		put_sanitized(line, report->diagnosis.summary, sizeof(report->diagnosis.summary));
		put_str(line, "\n");
		if (report->diagnosis.fix[0]) {
			put_str(line, "    fix: ");
			put_sanitized(line, report->diagnosis.fix, sizeof(report->diagnosis.fix));
			put_str(line, "\n");
		}
	}

	put_str(line, "    caller: ");
	put_cmdline(line, report->caller.cmdline_known, report->caller.cmdline);
	put_str(line, "\n");
	if (holder_count > REPORT_MAX_HOLDERS)
		holder_count = REPORT_MAX_HOLDERS;
	for (__u32 i = 0; i < holder_count; i++)
		put_holder_details(line, &report->holders[i]);
	if (report->holders_not_named)
		put_format(line, "    ... %u more holder%s not named\n", report->holders_not_named,
			   report->holders_not_named == 1 ? "" : "s");
}

/* The terminal's width now (it may have been resized); 0: do not cut. */
static unsigned int terminal_width(const struct table_output *table)
{
	struct winsize size;

	if (table->fixed_width)
		return table->fixed_width;
	if (!table->terminal || ioctl(fileno(table->stream), TIOCGWINSZ, &size) < 0)
		return 0;
	return size.ws_col;
}

/*
 * The error column: "EADDRINUSE", "E200" for a number without a name, "-"
 * for a success; a folded record adds its count: "EADDRINUSE×5000".
 */
static void format_error_cell(const struct bind_report *report, char *out, size_t size)
{
	char unknown[FORMAT_ERRNO_MAX];
	int len =
		snprintf(out, size, "%s", report->error ? errno_text(report->error, unknown) : "-");

	if (report->folded && len >= 0 && (size_t)len < size)
		snprintf(out + len, size - len, "\u00d7%llu", (unsigned long long)report->count);
}

static void put_row(struct table_line *line, const struct bind_report *report, unsigned int width)
{
	size_t start = line->out->len;
	char clock[FORMAT_CLOCK_MAX], pid[16], comm[BS_COMM_LEN], proto_buf[FORMAT_PROTO_MAX];
	char endpoint[FORMAT_ENDPOINT_MAX], error[TABLE_ERROR_MAX];
	struct strbuf holder_text = STRBUF_INIT;
	struct table_line holder = { .out = &holder_text };

	if (format_clock_us(report->ts_realtime_ns, clock, sizeof(clock)) < 0)
		strcpy(clock, "?");
	snprintf(pid, sizeof(pid), "%u", report->caller.pid);
	text_sanitize(comm, report->caller.comm, strnlen(report->caller.comm, BS_COMM_LEN - 1));
	if (format_endpoint(report->family, report->addr, report->port, endpoint,
			    sizeof(endpoint)) < 0)
		snprintf(endpoint, sizeof(endpoint), "?:%u", report->port);
	format_error_cell(report, error, sizeof(error));
	put_holder_summary(&holder, report);
	put_cause(&holder, report);
	if (holder.err)
		line->err = holder.err;
	else
		put_format(line, TABLE_ROW_FORMAT, clock, report_event_name(report), pid, comm,
			   proto_name(report->protocol, proto_buf, sizeof(proto_buf)), endpoint,
			   error, holder_text.data);
	strbuf_release(&holder_text);
	/* One line per failure: a wrapped line is hard to read, the end goes. */
	if (!line->err && width && !(line->err = strbuf_reserve(line->out, 4)))
		line->out->len = start + format_fit_width(line->out->data + start,
							  line->out->len - start, width);
}

/* Terminal columns of UTF-8 text: one per character. */
static size_t text_columns(const char *text, size_t len)
{
	size_t columns = 0;

	for (size_t i = 0; i < len; i++)
		columns += ((unsigned char)text[i] & 0xc0) != 0x80;
	return columns;
}

/* Bytes of text's first `columns` characters. */
static size_t text_prefix(const char *text, size_t len, size_t columns)
{
	size_t i = 0;

	for (; i < len; i++) {
		if (((unsigned char)text[i] & 0xc0) != 0x80 && columns-- == 0)
			break;
	}
	return i;
}

/* The holder by name only ("nginx[1200,1201]"), or its socket when no process is known. */
static void put_holder_names(struct table_line *line, const struct bind_report *report)
{
	const struct holder_report *holder = &report->holders[0];

	if (report->holder_count && holder_process_count(holder))
		put_processes(line, holder);
	else
		put_holder_summary(line, report);
}

/*
 * One compact row fitted to width: the fixed columns, then the holder
 * (in full, by name only, or cut with "…"), then the cause, kept whole.
 */
static void put_compact_row(struct table_line *line, const struct bind_report *report,
			    unsigned int width)
{
	char clock[FORMAT_CLOCK_MAX], caller[BS_COMM_LEN + 16], comm[BS_COMM_LEN];
	char proto_buf[FORMAT_PROTO_MAX], endpoint[FORMAT_ENDPOINT_MAX], error[TABLE_ERROR_MAX];
	char address[FORMAT_PROTO_MAX + FORMAT_ENDPOINT_MAX];
	struct strbuf full = STRBUF_INIT, names = STRBUF_INIT, cause = STRBUF_INIT;
	struct table_line full_line = { .out = &full }, names_line = { .out = &names },
			  cause_line = { .out = &cause };
	size_t start = line->out->len, fixed, room;

	if (format_clock_us(report->ts_realtime_ns, clock, sizeof(clock)) < 0)
		strcpy(clock, "?");
	clock[8] = '\0'; /* seconds are enough on a narrow terminal */
	text_sanitize(comm, report->caller.comm, strnlen(report->caller.comm, BS_COMM_LEN - 1));
	snprintf(caller, sizeof(caller), "%s[%u]", comm, report->caller.pid);
	if (format_endpoint(report->family, report->addr, report->port, endpoint,
			    sizeof(endpoint)) < 0)
		snprintf(endpoint, sizeof(endpoint), "?:%u", report->port);
	format_error_cell(report, error, sizeof(error));
	snprintf(address, sizeof(address), "%s %s",
		 proto_name(report->protocol, proto_buf, sizeof(proto_buf)), endpoint);
	put_format(line, TABLE_COMPACT_FORMAT, clock, caller, address, error);
	put_holder_summary(&full_line, report);
	put_holder_names(&names_line, report);
	put_cause(&cause_line, report);
	if (line->err || full_line.err || names_line.err || cause_line.err) {
		line->err = line->err ? line->err : -ENOMEM;
		goto out;
	}
	fixed = text_columns(line->out->data + start, line->out->len - start);
	room = width > fixed ? width - fixed : 0;
	if (text_columns(full.data, full.len) + text_columns(cause.data, cause.len) <= room) {
		put_str(line, full.data);
	} else if (text_columns(names.data, names.len) + text_columns(cause.data, cause.len) <=
		   room) {
		put_str(line, names.data);
	} else {
		size_t keep = room > text_columns(cause.data, cause.len) + 1 ?
				      room - text_columns(cause.data, cause.len) - 1 :
				      0;

		if (!line->err)
			line->err = strbuf_append(line->out, names.data,
						  text_prefix(names.data, names.len, keep));
		put_str(line, "\xe2\x80\xa6");
	}
	if (cause.len)
		put_str(line, cause.data);
	put_str(line, "\n");
	/* A terminal too narrow even for the cause: cut the line itself. */
	if (!line->err && !(line->err = strbuf_reserve(line->out, 4)))
		line->out->len = start + format_fit_width(line->out->data + start,
							  line->out->len - start, width);
out:
	strbuf_release(&full);
	strbuf_release(&names);
	strbuf_release(&cause);
}

/* Table rows among the lines in data: --wide detail lines are indented. */
static __u64 count_rows(const char *data, size_t len)
{
	const char *end = data + len;
	__u64 rows = 0;

	while (data < end) {
		const char *newline = memchr(data, '\n', end - data);

		rows += *data != ' ';
		data = newline ? newline + 1 : end;
	}
	return rows;
}

/*
 * Straight to the descriptor, not through stdio: a reader that stalls must
 * not keep a stop waiting, nor get half a line (line_writer.h). Once a
 * write failed, the rest is only counted.
 */
static int write_batch(struct table_output *table)
{
	struct strbuf *batch = &table->batch;
	size_t written = 0;

	if (!batch->len)
		return table->failed;
	if (!table->failed)
		table->failed =
			line_writer_write(fileno(table->stream), batch->data, batch->len, &written);
	if (table->failed)
		table->base.dropped += count_rows(batch->data + written, batch->len - written);
	strbuf_reset(batch);
	return table->failed;
}

static int table_report(struct output *out, const struct bind_report *report)
{
	struct table_output *table = table_output_of(out);
	struct table_line line = { .out = &table->batch };
	size_t start = table->batch.len;

	unsigned int width = terminal_width(table);

	if (table->compact && width)
		put_compact_row(&line, report, width);
	else
		put_row(&line, report, width);
	if (table->wide)
		put_wide_details(&line, report);
	if (line.err) {
		/* Never half an event on the terminal. */
		strbuf_truncate(&table->batch, start);
		return line.err;
	}
	if (table->batch.len >= TABLE_BATCH_BYTES)
		return write_batch(table);
	return 0;
}

static int table_lost(struct output *out, __u64 ts_realtime_ns, __u64 count)
{
	struct table_output *table = table_output_of(out);
	/* The events before the loss are printed first, as they happened. */
	int err = write_batch(table);

	(void)ts_realtime_ns;
	fprintf(stderr,
		"bindsnoop: %llu events lost: the ring buffer was full; raise --ring-buffer-mb "
		"or narrow the filters\n",
		(unsigned long long)count);
	return err;
}

static int table_flush(struct output *out)
{
	return write_batch(table_output_of(out));
}

static void table_destroy(struct output *out)
{
	struct table_output *table = table_output_of(out);

	if (!table)
		return;
	/* Whatever is left: a failure here has nowhere to be reported. */
	table_flush(out);
	strbuf_release(&table->batch);
	free(table);
}

static const struct output_ops table_output_ops = {
	.report = table_report,
	.lost = table_lost,
	.flush = table_flush,
	.destroy = table_destroy,
};

struct output *output_table_new(FILE *stream, bool wide)
{
	return output_table_new_sized(stream, wide, 0);
}

struct output *output_table_new_sized(FILE *stream, bool wide, unsigned int width)
{
	struct table_output *table = calloc(1, sizeof(*table));
	size_t written;
	int len;

	if (!table)
		return NULL;
	table->base.ops = &table_output_ops;
	table->base.name = "stdout";
	table->stream = stream;
	table->wide = wide;
	table->terminal = isatty(fileno(stream)) == 1;
	table->fixed_width = width;
	width = terminal_width(table);
	strbuf_init(&table->batch);

	table->compact = width && width < TABLE_FULL_WIDTH;
	if (table->compact)
		len = strbuf_appendf(&table->batch, TABLE_COMPACT_FORMAT "%s\n", "TIME", "CALLER",
				     "ADDRESS", "ERROR", "HOLDER · CAUSE");
	else
		len = strbuf_appendf(&table->batch, TABLE_ROW_FORMAT, "TIME", "EVENT", "PID",
				     "COMM", "PROTO", "ADDRESS", "ERROR", "HOLDER · CAUSE");
	if (len || strbuf_reserve(&table->batch, 4)) {
		table_destroy(&table->base);
		return NULL;
	}
	if (width)
		table->batch.len = format_fit_width(table->batch.data, table->batch.len, width);
	/* At once, and apart from the rows: a failure is found before tracing (flush says it). */
	table->failed =
		line_writer_write(fileno(stream), table->batch.data, table->batch.len, &written);
	strbuf_reset(&table->batch);
	return &table->base;
}
