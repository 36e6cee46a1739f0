// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The human-readable table: one line per event, the holder summed up at the
 * end of it; with --wide, command lines and every holder on indented lines
 * below. Lines are collected and written per batch, like the JSON output.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "report.h"
#include "format.h"
#include "output/line_writer.h"
#include "output/output.h"
#include "output/queued_writer.h"
#include "strbuf.h"
#include "text_sanitize.h"

#define TABLE_BATCH_BYTES (64 * 1024)

/*
 * Column widths fit typical values; longer ones push the rest of the line
 * right. Padding counts terminal columns, so a CJK name lines up too.
 */
static const unsigned int full_columns[] = { 15, 13, 7, 15, 5, 21, 13 };
static const char *const full_titles[] = { "TIME",  "EVENT",   "PID",  "COMM",
					   "PROTO", "ADDRESS", "ERROR" };
/*
 * A terminal narrower than TABLE_FULL_WIDTH gets the compact row: seconds,
 * the caller as comm[pid], "tcp 127.0.0.1:8080", the error (the event kind
 * and microseconds stay in the wide layout and JSON); the room left goes to
 * the holder and the cause.
 */
static const unsigned int compact_columns[] = { 8, 18, 24, 10 };
static const char *const compact_titles[] = { "TIME", "CALLER", "ADDRESS", "ERROR" };
#define TABLE_FULL_WIDTH 160
#define TABLE_ERROR_MAX	 48		/* "EADDRINUSE×18446744073709551615" */
#define TABLE_ELLIPSIS	 "\xe2\x80\xa6" /* U+2026 */

struct table_output {
	struct output base;
	FILE *stream;
	bool wide;
	bool terminal;		  /* stdout is a terminal: rows are fitted to its width */
	bool compact;		  /* the terminal was narrower than TABLE_FULL_WIDTH at the start */
	unsigned int fixed_width; /* tests: act as a terminal of this width (0: ask) */
	struct strbuf batch;
	struct strbuf scratch; /* a row tried at a width, to measure it */
	/* A pipe or terminal: written by a thread of its own (queued_writer.h). */
	struct queued_writer *queue;
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

/* What identifies a socket nobody could be found for: its owner uid and inode. */
static void put_socket_ids(struct table_line *line, const struct holder_report *holder)
{
	if (holder->uid != BS_UID_UNKNOWN)
		put_format(line, "uid %u ", holder->uid);
	if (holder->inode)
		put_format(line, "inode %llu ", (unsigned long long)holder->inode);
}

/* An AF_UNIX name, escaped (format_unix_name), then sanitized as any text. */
static void put_unix_name(struct table_line *line, const struct unix_target *target)
{
	char name[FORMAT_UNIX_NAME_MAX];

	format_unix_name(target->name, target->name_len, name, sizeof(name));
	put_sanitized(line, name, sizeof(name));
}

/* An AF_UNIX holder holds the very name the caller asked for. */
static void put_state_endpoint(struct table_line *line, const struct bind_report *report,
			       const struct holder_report *holder)
{
	put_str(line, holder_state(holder));
	put_str(line, " ");
	if (holder->family == BS_AF_UNIX)
		put_unix_name(line, &report->unix_target);
	else
		put_endpoint(line, holder->family, holder->addr, holder->port);
}

/*
 * The HOLDER column after the first holder's processes (table_row's groups),
 * or in their place when none is known: its socket (" LISTEN 0.0.0.0:80",
 * "TIME_WAIT 127.0.0.1:80 (no process)") and how many more holders; without
 * its endpoint and the count when room is short.
 */
static void put_holder_socket(struct table_line *line, const struct bind_report *report,
			      bool endpoint)
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
		if (endpoint) {
			put_str(line, " ");
			put_state_endpoint(line, report, holder);
		}
	} else if (!strcmp(holder_state(holder), "TIME_WAIT") ||
		   (!holder->inode && holder->uid == BS_UID_UNKNOWN)) {
		/* Nothing to name it by: a TIME_WAIT socket belongs to no process. */
		if (endpoint)
			put_state_endpoint(line, report, holder);
		else
			put_str(line, holder_state(holder));
		put_str(line, " (no process)");
	} else {
		put_socket_ids(line, holder);
		if (endpoint)
			put_state_endpoint(line, report, holder);
		else
			put_str(line, holder_state(holder));
	}
	if (endpoint && report->holder_count - 1 + report->holders_not_named)
		put_format(line, " +%u more", report->holder_count - 1 + report->holders_not_named);
}

/*
 * The answer, last: " · other program", then its details, each of which
 * starts at an offset given back: the holder's unit or container
 * (" (nginx.service)"), a loop's count (", 7th failure in 60 s of app.service").
 */
static void put_cause(struct table_line *line, const struct bind_report *report, size_t *detail_at,
		      size_t *repeat_at)
{
	const struct diagnosis *diagnosis = &report->diagnosis;
	const struct process_identity *identity = NULL;
	char ordinal[16];

	if (diagnosis->cause != CAUSE_NONE) {
		put_str(line, " · ");
		put_str(line, diagnosis_cause_label(diagnosis->cause));
	}
	*detail_at = line->out->len;
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
	*repeat_at = line->out->len;
	if (diagnosis->cause != CAUSE_NONE && diagnosis->repeat.count >= REPORT_LOOP_THRESHOLD) {
		put_format(line, ", %s failure in %u s of ",
			   report_ordinal(diagnosis->repeat.count, ordinal, sizeof(ordinal)),
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

static void put_holder_details(struct table_line *line, const struct bind_report *report,
			       const struct holder_report *holder)
{
	char proto_buf[FORMAT_PROTO_MAX];
	__u32 count = holder_process_count(holder);

	put_str(line, "    holder: ");
	put_str(line, holder->family == BS_AF_UNIX ?
			      "unix" :
			      proto_name(holder->protocol, proto_buf, sizeof(proto_buf)));
	put_str(line, " ");
	put_state_endpoint(line, report, holder);
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
	else if (holder->source == HOLDER_SOURCE_PROC_NET)
		put_str(line, "(found in /proc/net)");
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

/* What the kernel saw of the caller at the failure: who started it, its socket's options. */
static void put_caller_context(struct table_line *line, const struct caller_report *caller)
{
	char options[160];

	if (caller->parent_count) {
		put_str(line, "    parents: ");
		for (__u32 i = 0; i < caller->parent_count && i < BS_PARENT_DEPTH; i++) {
			if (i)
				put_str(line, " < ");
			put_comm(line, caller->parents[i].comm);
			put_format(line, "[%u]", caller->parents[i].pid);
		}
		put_str(line, "\n");
	}
	if (caller->socket_options.known &&
	    format_socket_options(caller->socket_options.flags, caller->socket_options.device,
				  options, sizeof(options))) {
		put_str(line, "    socket: ");
		put_sanitized(line, options, sizeof(options));
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
	put_caller_context(line, &report->caller);
	/* The record's number in the run, as the JSON and syslog give it. */
	put_format(line, "    seq: %llu\n", (unsigned long long)report->seq);
	if (holder_count > REPORT_MAX_HOLDERS)
		holder_count = REPORT_MAX_HOLDERS;
	for (__u32 i = 0; i < holder_count; i++)
		put_holder_details(line, report, &report->holders[i]);
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

/* Spaces after what was put since start, up to columns terminal columns. */
static void pad_to(struct table_line *line, size_t start, unsigned int columns)
{
	size_t used;

	if (line->err)
		return;
	used = text_columns(line->out->data + start, line->out->len - start);
	if (used < columns)
		put_format(line, "%*s", (int)(columns - used), "");
}

/*
 * How a row fits a terminal: one line per event (a wrapped line is hard to
 * read), shortened only as far as the width needs, in this order:
 *   1. the holder's socket ("LISTEN 0.0.0.0:80") and "+N more" holders;
 *   2. the padding of the columns (one space between them instead);
 *   3. the caller's name, then the holders' names, cut with "…" down to
 *      "…" alone: "pyth…[4242]", "…[1200]";
 *   4. the address, from its end, down to "…:8080" ("[…]:443");
 *   5. the holder's pids, down to the first and a count: "[1200,+3]";
 *   6. the cause's details, each whole or not at all, the last first: a
 *      restart loop's count, then the holder's unit or container;
 * and only then the line's end, at the terminal's edge. Never a pid, a port,
 * a unit or a container name is cut: a user types them next. What a later
 * step drops whole leaves room that goes back to the earlier steps, in
 * reverse order; the padding and the holder's socket come back only when
 * everything else is whole. The full layout (TABLE_FULL_WIDTH and wider)
 * keeps its first columns as they are and shortens the rest the same way.
 */
#define CUT_MIN_COLUMNS 3 /* a cut keeps 3 columns of text or more ("pyt…"), or none ("…") */

/* A name or an address the row may cut. */
struct cut_text {
	char text[FORMAT_UNIX_NAME_MAX]; /* sanitized: a comm, an address without its port, a name */
	size_t len;
	size_t columns;
};

/* Processes of the holder in a row with one name: "nginx" and "[100,101]". */
struct holder_group {
	struct cut_text name;
	char pids[REPORT_MAX_PROCESSES * 11 + 3];
};

/* A row's pieces, each ready to be put whole or shortened. */
struct table_row {
	char clock[FORMAT_CLOCK_MAX];
	__u32 pid;
	struct cut_text caller;
	char proto[FORMAT_PROTO_MAX];
	bool bracketed; /* IPv6: "[host]:port" */
	bool portless;	/* AF_UNIX: host is the name, there is no port */
	struct cut_text host;
	__u16 port;
	char error[TABLE_ERROR_MAX];
	const char *event;
	struct holder_group groups[REPORT_MAX_PROCESSES];
	__u32 group_count;
	char folded_pids[32];	    /* "[1200,+4]" */
	struct strbuf socket_brief; /* put_holder_socket without the endpoint */
	struct strbuf socket_full;  /* and with it */
	struct strbuf cause;
	size_t detail_at, repeat_at; /* where the cause's details start in cause */
};

/* How much of each piece a row shows; SIZE_MAX / true: whole. */
struct row_fit {
	size_t caller_cap, holder_cap, host_cap; /* columns a name or address may take */
	bool detail, repeat, all_pids, padding, endpoint;
};

static void cut_text_set(struct cut_text *cut, const char *text, size_t len)
{
	if (len >= sizeof(cut->text))
		len = sizeof(cut->text) - 1;
	cut->len = text_sanitize(cut->text, text, len);
	cut->columns = text_columns(cut->text, cut->len);
}

static void put_cut(struct table_line *line, const struct cut_text *cut, size_t cap)
{
	size_t keep = 0;

	if (cut->columns <= cap) {
		put_str(line, cut->text);
		return;
	}
	if (cap > CUT_MIN_COLUMNS)
		keep = text_prefix_columns(cut->text, cut->len, cap - 1, NULL);
	if (!line->err)
		line->err = strbuf_append(line->out, cut->text, keep);
	put_str(line, TABLE_ELLIPSIS);
}

static void put_cause_part(struct table_line *line, const struct strbuf *cause, size_t from,
			   size_t to)
{
	if (!line->err && to > from)
		line->err = strbuf_append(line->out, cause->data + from, to - from);
}

/* Ends the column begun at *start: padded to columns (0: not at all), then a space. */
static void end_column(struct table_line *line, size_t *start, unsigned int columns)
{
	pad_to(line, *start, columns);
	put_str(line, " ");
	*start = line->out->len;
}

static void put_fitted_row(struct table_line *line, const struct table_row *row,
			   const struct row_fit *fit, bool compact)
{
	static const unsigned int unpadded[sizeof(full_columns) / sizeof(full_columns[0])];
	const unsigned int *columns = !fit->padding ? unpadded :
				      compact	    ? compact_columns :
						      full_columns;
	size_t start = line->out->len;
	unsigned int column = 0;

	if (compact) {
		if (!line->err)
			line->err = strbuf_append(line->out, row->clock,
						  strnlen(row->clock, 8)); /* seconds */
		end_column(line, &start, columns[column++]);
		put_cut(line, &row->caller, fit->caller_cap);
		put_format(line, "[%u]", row->pid);
		end_column(line, &start, columns[column++]);
		put_str(line, row->proto);
		put_str(line, " ");
	} else {
		put_str(line, row->clock);
		end_column(line, &start, columns[column++]);
		put_str(line, row->event);
		end_column(line, &start, columns[column++]);
		put_format(line, "%u", row->pid);
		end_column(line, &start, columns[column++]);
		put_cut(line, &row->caller, fit->caller_cap);
		end_column(line, &start, columns[column++]);
		put_str(line, row->proto);
		end_column(line, &start, columns[column++]);
	}
	put_str(line, row->bracketed ? "[" : "");
	put_cut(line, &row->host, fit->host_cap);
	if (!row->portless)
		put_format(line, "%s:%u", row->bracketed ? "]" : "", row->port);
	end_column(line, &start, columns[column++]);
	put_str(line, row->error);
	end_column(line, &start, columns[column++]);

	if (fit->all_pids) {
		for (__u32 i = 0; i < row->group_count; i++) {
			put_str(line, i ? "," : "");
			put_cut(line, &row->groups[i].name, fit->holder_cap);
			put_str(line, row->groups[i].pids);
		}
	} else if (row->group_count) {
		put_cut(line, &row->groups[0].name, fit->holder_cap);
		put_str(line, row->folded_pids);
	}
	put_str(line, fit->endpoint ? row->socket_full.data : row->socket_brief.data);
	put_cause_part(line, &row->cause, 0, row->detail_at);
	if (fit->detail)
		put_cause_part(line, &row->cause, row->detail_at, row->repeat_at);
	if (fit->repeat)
		put_cause_part(line, &row->cause, row->repeat_at, row->cause.len);
	put_str(line, "\n");
}

/*
 * The first holder's processes by name: "nginx" "[100,101]", "sh" "[200]",
 * and all in one: "[100,+2]".
 */
static void set_holder_groups(struct table_row *row, const struct holder_report *holder)
{
	__u32 count = holder_process_count(holder);

	for (__u32 i = 0; i < count; i++) {
		const struct process_ref *process = &holder->processes[i];
		struct holder_group *group;
		size_t used;

		if (!i || strncmp(process->comm, holder->processes[i - 1].comm, BS_COMM_LEN)) {
			group = &row->groups[row->group_count++];
			if (process->comm[0])
				cut_text_set(&group->name, process->comm,
					     strnlen(process->comm, BS_COMM_LEN));
			else
				cut_text_set(&group->name, "?", 1);
			group->pids[0] = '\0';
		}
		group = &row->groups[row->group_count - 1];
		used = strlen(group->pids);
		snprintf(group->pids + used, sizeof(group->pids) - used, "%s%u", used ? "," : "[",
			 process->pid);
	}
	for (__u32 i = 0; i < row->group_count; i++)
		strcat(row->groups[i].pids, "]");
	if (count > 1)
		snprintf(row->folded_pids, sizeof(row->folded_pids), "[%u,+%u]",
			 holder->processes[0].pid, holder->process_count - 1);
	else if (count)
		snprintf(row->folded_pids, sizeof(row->folded_pids), "[%u]",
			 holder->processes[0].pid);
}

static int table_row_init(struct table_row *row, const struct bind_report *report)
{
	struct table_line brief = { .out = &row->socket_brief },
			  full = { .out = &row->socket_full }, cause = { .out = &row->cause };
	char host[FORMAT_ADDR_MAX], unknown[FORMAT_ERRNO_MAX], proto[FORMAT_PROTO_MAX];
	int len;

	memset(row, 0, sizeof(*row));
	if (format_clock_us(report->ts_realtime_ns, row->clock, sizeof(row->clock)) < 0)
		strcpy(row->clock, "?");
	row->event = report_event_name(report);
	row->pid = report->caller.pid;
	cut_text_set(&row->caller, report->caller.comm,
		     strnlen(report->caller.comm, BS_COMM_LEN - 1));
	snprintf(row->proto, sizeof(row->proto), "%s",
		 proto_name(report->protocol, proto, sizeof(proto)));
	if (report->family == BS_AF_UNIX) {
		char name[FORMAT_UNIX_NAME_MAX];

		/* ss's names for the AF_UNIX types: they fit the PROTO column. */
		snprintf(row->proto, sizeof(row->proto), "u_%.3s",
			 unix_type_name(report->unix_target.sock_type));
		format_unix_name(report->unix_target.name, report->unix_target.name_len, name,
				 sizeof(name));
		cut_text_set(&row->host, name, strlen(name));
		row->portless = true;
	} else {
		if (format_addr(report->family, report->addr, host, sizeof(host)) < 0)
			strcpy(host, "?");
		row->bracketed = report->family == AF_INET6 && strcmp(host, "?");
		cut_text_set(&row->host, host, strlen(host));
	}
	row->port = report->port;
	len = snprintf(row->error, sizeof(row->error), "%s",
		       report->error ? errno_text(report->error, unknown) : "-");
	/* A folded record: "EADDRINUSE×5000". */
	if (report->folded && len >= 0 && (size_t)len < sizeof(row->error))
		snprintf(row->error + len, sizeof(row->error) - len, "\u00d7%llu",
			 (unsigned long long)report->count);
	if (report->holder_count)
		set_holder_groups(row, &report->holders[0]);
	put_holder_socket(&brief, report, false);
	put_holder_socket(&full, report, true);
	put_cause(&cause, report, &row->detail_at, &row->repeat_at);
	/* data is never NULL after this, even for an empty piece. */
	put_str(&brief, "");
	put_str(&full, "");
	put_str(&cause, "");
	return brief.err ? brief.err : full.err ? full.err : cause.err;
}

static void table_row_release(struct table_row *row)
{
	strbuf_release(&row->socket_brief);
	strbuf_release(&row->socket_full);
	strbuf_release(&row->cause);
}

/* A row being fitted: tried at each step in scratch, and measured. */
struct row_fitter {
	const struct table_row *row;
	bool compact;
	unsigned int width;
	struct strbuf *scratch;
	struct row_fit fit;
};

static bool row_fits(struct row_fitter *fitter)
{
	struct table_line line = { .out = fitter->scratch };

	strbuf_reset(fitter->scratch);
	put_fitted_row(&line, fitter->row, &fitter->fit, fitter->compact);
	/* Out of memory: as if it did not fit; the row itself then fails to be put. */
	return !line.err && text_columns(line.out->data, line.out->len - 1) <= fitter->width;
}

/* Whole, if the row then fits. */
static bool fit_whole(struct row_fitter *fitter, bool *shown)
{
	*shown = true;
	if (!row_fits(fitter))
		*shown = false;
	return *shown;
}

/* As many of its columns as fit, up to whole; returns whether whole. */
static bool fit_cut(struct row_fitter *fitter, size_t *cap, size_t whole)
{
	size_t low = *cap, high = whole;

	while (low < high) {
		size_t mid = low + (high - low + 1) / 2;

		*cap = mid;
		if (row_fits(fitter))
			low = mid;
		else
			high = mid - 1;
	}
	*cap = low;
	return low >= whole;
}

static void fit_row(struct row_fitter *fitter)
{
	const struct table_row *row = fitter->row;
	struct row_fit *fit = &fitter->fit;
	size_t holder_columns = 1;
	bool whole;

	*fit = (struct row_fit){ SIZE_MAX, SIZE_MAX, SIZE_MAX, true, true, true, true, true };
	if (!fitter->width || row_fits(fitter))
		return;
	for (__u32 i = 0; i < row->group_count; i++)
		if (row->groups[i].name.columns > holder_columns)
			holder_columns = row->groups[i].name.columns;
	/* All shortened (the full layout keeps its first columns), then given back in order. */
	*fit = (struct row_fit){ .caller_cap = fitter->compact ? 1 : SIZE_MAX,
				 .host_cap = fitter->compact ? 1 : SIZE_MAX,
				 .holder_cap = 1,
				 .padding = !fitter->compact };
	whole = fit_whole(fitter, &fit->detail);
	whole &= fit_whole(fitter, &fit->repeat);
	whole &= fit_whole(fitter, &fit->all_pids);
	whole &= fit_cut(fitter, &fit->host_cap, fitter->compact ? row->host.columns : SIZE_MAX);
	whole &= fit_cut(fitter, &fit->holder_cap, holder_columns);
	whole &=
		fit_cut(fitter, &fit->caller_cap, fitter->compact ? row->caller.columns : SIZE_MAX);
	if (whole && fit_whole(fitter, &fit->padding))
		fit_whole(fitter, &fit->endpoint);
}

/* One row, fitted to width columns (0: whole, as when piped). */
static void put_row(struct table_output *table, struct table_line *line,
		    const struct bind_report *report, bool compact, unsigned int width)
{
	struct row_fitter fitter = { .compact = compact,
				     .width = width,
				     .scratch = &table->scratch };
	struct table_row row;
	size_t start = line->out->len;

	if (line->err)
		return;
	line->err = table_row_init(&row, report);
	if (!line->err) {
		fitter.row = &row;
		fit_row(&fitter);
		put_fitted_row(line, &row, &fitter.fit, compact);
	}
	table_row_release(&row);
	/* Too narrow even for the shortest row: the line itself is cut at the edge. */
	if (!line->err && width && !(line->err = strbuf_reserve(line->out, 4)))
		line->out->len = start + format_fit_width(line->out->data + start,
							  line->out->len - start, width);
}

int output_table_render_line(const struct bind_report *report, struct strbuf *out)
{
	/* Everything whole, unpadded: nothing to fit, no columns to line up. */
	const struct row_fit whole = { .caller_cap = SIZE_MAX,
				       .holder_cap = SIZE_MAX,
				       .host_cap = SIZE_MAX,
				       .detail = true,
				       .repeat = true,
				       .all_pids = true,
				       .endpoint = true };
	struct strbuf row_text = STRBUF_INIT;
	struct table_line line = { .out = &row_text };
	const char *after_clock;
	struct table_row row;
	int err;

	line.err = table_row_init(&row, report);
	if (!line.err)
		put_fitted_row(&line, &row, &whole, true);
	table_row_release(&row);
	err = line.err;
	if (!err) {
		/* The compact row without its first column (the clock) and its newline. */
		after_clock = strchr(row_text.data, ' ');
		after_clock = after_clock ? after_clock + 1 : row_text.data;
		err = strbuf_append(out, after_clock, strcspn(after_clock, "\n"));
	}
	strbuf_release(&row_text);
	return err;
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
	if (table->failed) {
		table->base.dropped += count_rows(batch->data, batch->len);
	} else if (table->queue) {
		/* What it cannot write it counts itself (count_unwritten). */
		table->failed = queued_writer_write(table->queue, batch->data, batch->len);
	} else {
		table->failed =
			line_writer_write(fileno(table->stream), batch->data, batch->len, &written);
		if (table->failed)
			table->base.dropped +=
				count_rows(batch->data + written, batch->len - written);
	}
	strbuf_reset(batch);
	return table->failed;
}

/* Rows the writer thread will never write: this output dropped them. */
static void count_unwritten(void *ctx, const char *data, size_t len)
{
	struct table_output *table = ctx;

	table->base.dropped += count_rows(data, len);
}

static int table_report(struct output *out, const struct bind_report *report)
{
	struct table_output *table = table_output_of(out);
	struct table_line line = { .out = &table->batch };
	size_t start = table->batch.len;

	unsigned int width = terminal_width(table);

	put_row(table, &line, report, table->compact && width, width);
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

static int table_lost(struct output *out, __u64 seq, __u64 ts_realtime_ns, __u64 count)
{
	struct table_output *table = table_output_of(out);
	/* The events before the loss are printed first, as they happened. */
	int err = write_batch(table);

	(void)seq;
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

static void table_finish(struct output *out)
{
	struct table_output *table = table_output_of(out);

	table_flush(out);
	if (table->queue)
		queued_writer_finish(table->queue);
}

static void table_destroy(struct output *out)
{
	struct table_output *table = table_output_of(out);

	if (!table)
		return;
	/* Whatever is left: a failure here has nowhere to be reported. */
	table_flush(out);
	queued_writer_free(table->queue);
	strbuf_release(&table->batch);
	strbuf_release(&table->scratch);
	free(table);
}

static const struct output_ops table_output_ops = {
	.report = table_report,
	.lost = table_lost,
	.flush = table_flush,
	.finish = table_finish,
	.destroy = table_destroy,
};

/* The titles, padded as the rows' columns are, then "HOLDER · CAUSE". */
static int put_header(struct strbuf *out, bool compact)
{
	const unsigned int *columns = compact ? compact_columns : full_columns;
	const char *const *titles = compact ? compact_titles : full_titles;
	size_t count = compact ? sizeof(compact_titles) / sizeof(compact_titles[0]) :
				 sizeof(full_titles) / sizeof(full_titles[0]);
	struct table_line line = { .out = out };

	size_t start = out->len;

	for (size_t i = 0; i < count; i++) {
		put_str(&line, titles[i]);
		end_column(&line, &start, columns[i]);
	}
	put_str(&line, "HOLDER · CAUSE\n");
	return line.err;
}

struct output *output_table_new(FILE *stream, bool wide)
{
	return output_table_new_sized(stream, wide, 0);
}

struct output *output_table_new_sized(FILE *stream, bool wide, unsigned int width)
{
	struct table_output *table = calloc(1, sizeof(*table));
	size_t written;

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
	if (put_header(&table->batch, table->compact) || strbuf_reserve(&table->batch, 4)) {
		table_destroy(&table->base);
		return NULL;
	}
	if (width)
		table->batch.len = format_fit_width(table->batch.data, table->batch.len, width);
	/* At once, and apart from the rows: a failure is found before tracing (flush says it). */
	table->failed =
		line_writer_write(fileno(stream), table->batch.data, table->batch.len, &written);
	strbuf_reset(&table->batch);
	if (!table->failed && queued_writer_wanted(fileno(stream)) &&
	    !(table->queue = queued_writer_new(fileno(stream), QUEUED_WRITER_BYTES,
					       count_unwritten, table))) {
		table_destroy(&table->base);
		return NULL;
	}
	return &table->base;
}
