// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The table and JSON outputs through output.h, into memory streams. */
#include <arpa/inet.h>
#include <errno.h>
#include <locale.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include "output/output.h"
#include "sample_report.h"
#include "unit.h"

/* 2026-11-24T18:52:01.123456789Z */

static const char header[] = "TIME            EVENT         PID     COMM            PROTO "
			     "ADDRESS               ERROR         HOLDER · CAUSE\n";

struct captured {
	FILE *stream;
	char *text;
	size_t len;
};

/*
 * A real file, not a memory stream: the outputs write to the descriptor
 * (as they do to stdout), and capture_read() loads what arrived.
 */
static void capture_open(struct captured *capture)
{
	capture->text = NULL;
	capture->len = 0;
	capture->stream = tmpfile();
}

static void capture_read(struct captured *capture)
{
	long size = lseek(fileno(capture->stream), 0, SEEK_END);

	free(capture->text);
	capture->text = calloc(1, size + 1);
	capture->len = pread(fileno(capture->stream), capture->text, size, 0);
}

static void capture_close(struct captured *capture)
{
	fclose(capture->stream);
	free(capture->text);
}

static void add_process(struct holder_report *holder, __u32 pid, const char *comm,
			const char *cmdline)
{
	struct process_ref *process = &holder->processes[holder->process_count++];

	process->pid = pid;
	strcpy(process->comm, comm);
	process->cmdline_known = cmdline != NULL;
	strcpy(process->cmdline, cmdline ? cmdline : "");
}

static struct holder_report *add_holder(struct bind_report *report, __u8 state,
					const char *addr_text, __u16 port)
{
	struct holder_report *holder = &report->holders[report->holder_count++];

	memset(holder, 0, sizeof(*holder));
	holder->state = state;
	holder->protocol = IPPROTO_TCP;
	holder->family = strchr(addr_text, ':') ? AF_INET6 : AF_INET;
	inet_pton(holder->family, addr_text, holder->addr);
	holder->port = port;
	holder->uid = 1000;
	holder->inode = 123456;
	holder->source = HOLDER_SOURCE_KERNEL;
	return holder;
}

/* The shared sample without its holder: tests add the holders they need. */
static void base_report(struct bind_report *report)
{
	sample_report(report);
	memset(report->holders, 0, sizeof(report->holders));
	report->holder_count = 0;
}

/* What the table writes for one report, header first; width: act as a terminal that wide. */
static char *table_text(const struct bind_report *report, bool wide, unsigned int width)
{
	struct captured capture;
	struct output *table;
	char *text;

	capture_open(&capture);
	table = output_table_new_sized(capture.stream, wide, width);
	CHECK(table != NULL);
	CHECK_INT(table->ops->report(table, report), 0);
	CHECK_INT(table->ops->flush(table), 0);
	output_destroy(table);
	capture_read(&capture);
	text = strdup(capture.text ? capture.text : "");
	capture_close(&capture);
	return text;
}

/* The lines after the header. */
static char *after_header(char *text)
{
	char *rows = strdup(strchr(text, '\n') ? strchr(text, '\n') + 1 : "");

	free(text);
	return rows;
}

/* The table line for one report (header stripped), not on a terminal. */
static char *table_line(const struct bind_report *report, bool wide)
{
	char *text = table_text(report, wide, 0);

	CHECK(!strncmp(text, header, sizeof(header) - 1));
	return after_header(text);
}

/* The row alone on a terminal of width columns. */
static char *terminal_line(const struct bind_report *report, unsigned int width)
{
	return after_header(table_text(report, false, width));
}

/* A line from one of the above is as expected (and freed). */
#define CHECK_LINE(line, expected)          \
	do {                                \
		char *line_ = (line);       \
		CHECK_STR(line_, expected); \
		free(line_);                \
	} while (0)
#define CHECK_TABLE(report, wide, expected) CHECK_LINE(table_line((report), (wide)), expected)
#define CHECK_ROW(report, width, expected)  CHECK_LINE(terminal_line((report), (width)), expected)

static void test_table_rows(void)
{
	struct bind_report report;
	struct holder_report *holder;

	base_report(&report);
	add_process(add_holder(&report, 10, "0.0.0.0", 3000), 4100, "node", "node server.js");
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EADDRINUSE    node[4100] LISTEN 0.0.0.0:3000\n");

	/* One socket shared by several processes, and more holders after it. */
	base_report(&report);
	holder = add_holder(&report, 10, "0.0.0.0", 80);
	add_process(holder, 100, "nginx", NULL);
	add_process(holder, 101, "nginx", NULL);
	add_process(holder, 200, "sh", NULL);
	add_holder(&report, 10, "::", 80);
	add_holder(&report, 10, "::", 80);
	report.port = 80;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:80    "
		    "      EADDRINUSE    nginx[100,101],sh[200] LISTEN 0.0.0.0:80 +2 more\n");

	/* A flood of holders: those not named are counted in the "more". */
	report.holders_not_named = 4984;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:80    "
		    "      EADDRINUSE    nginx[100,101],sh[200] LISTEN 0.0.0.0:80 +4986 more\n");
	report.holder_count = 0;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:80    "
		    "      EADDRINUSE    4984 holders not named\n");

	/* TIME_WAIT: no process, no inode. */
	base_report(&report);
	holder = add_holder(&report, 6, "127.0.0.1", 3000);
	holder->uid = BS_UID_UNKNOWN;
	holder->inode = 0;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EADDRINUSE    TIME_WAIT 127.0.0.1:3000 (no process)\n");

	/* A socket whose process could not be found: named by uid and inode. */
	base_report(&report);
	add_holder(&report, 10, "0.0.0.0", 3000)->inode = 12345;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EADDRINUSE    uid 1000 inode 12345 LISTEN 0.0.0.0:3000\n");

	/* None found. */
	base_report(&report);
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EADDRINUSE    holder not found\n");
	report.error = EACCES;
	report.port = 80;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:80    "
		    "      EACCES        -\n");

	/* Success (--all), a listen, IPv6 in brackets, UDP, an unnamed errno. */
	base_report(&report);
	report.error = 0;
	report.kind = BS_KIND_LISTEN;
	report.family = AF_INET6;
	memset(report.addr, 0, sizeof(report.addr));
	report.addr[15] = 1;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 listen        4242    python3         tcp   [::1]:3000      "
		    "      -             -\n");
	report.error = 200;
	report.protocol = IPPROTO_UDP;
	report.kind = BS_KIND_AUTOBIND;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         udp   [::1]:3000      "
		    "      E200          -\n");

	/* A comm with terminal escapes is defused. */
	base_report(&report);
	report.error = EACCES;
	memcpy(report.caller.comm, "ev\x1b[2Jil\n", 10);
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    ev?[2Jil?       tcp   127.0.0.1:3000  "
		    "      EACCES        -\n");
}

static void test_table_wide(void)
{
	struct bind_report report;
	struct holder_report *holder;

	base_report(&report);
	holder = add_holder(&report, 10, "0.0.0.0", 3000);
	holder->flags = BS_HOLDER_REUSEADDR;
	add_process(holder, 4100, "node", "node server.js");
	add_process(holder, 4101, "node", NULL);
	holder = add_holder(&report, 6, "127.0.0.1", 3000);
	holder->uid = BS_UID_UNKNOWN;
	holder->inode = 0;
	holder->source = HOLDER_SOURCE_SOCK_DIAG;
	CHECK_TABLE(&report, true,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EADDRINUSE    node[4100,4101] LISTEN 0.0.0.0:3000 +1 more\n"
		    "    caller: python3 -m http.server 3000\n"
		   "    seq: 41\n"
		    "    holder: tcp LISTEN 0.0.0.0:3000 uid 1000 inode 123456 SO_REUSEADDR "
		    "(found in the kernel bind table)\n"
		    "      pid 4100 node: node server.js\n"
		    "      pid 4101 node: (command line unknown: the process is gone)\n"
		    "    holder: tcp TIME_WAIT 127.0.0.1:3000 (found by sock_diag), no process\n");

	/* Holders not reached are counted after those listed. */
	base_report(&report);
	add_holder(&report, 10, "0.0.0.0", 3000);
	report.holders_not_named = 3;
	CHECK_TABLE(&report, true,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EADDRINUSE    uid 1000 inode 123456 LISTEN 0.0.0.0:3000 +3 more\n"
		    "    caller: python3 -m http.server 3000\n"
		    "    seq: 41\n"
		    "    holder: tcp LISTEN 0.0.0.0:3000 uid 1000 inode 123456 "
		    "(found in the kernel bind table), no process\n"
		    "    ... 3 more holders not named\n");

	base_report(&report);
	report.caller.cmdline_known = false;
	report.error = EACCES;
	CHECK_TABLE(&report, true,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EACCES        -\n"
		    "    caller: (command line unknown: the process is gone)\n"
		   "    seq: 41\n");

	/* What the kernel read at the failure: who started the caller, its socket's options. */
	base_report(&report);
	report.error = EACCES;
	report.caller.parent_count = 2;
	report.caller.parents[0].pid = 200;
	strcpy(report.caller.parents[0].comm, "bash");
	report.caller.parents[1].pid = 1;
	strcpy(report.caller.parents[1].comm, "systemd");
	report.caller.socket_options.known = true;
	report.caller.socket_options.flags = BS_SOCK_REUSEADDR;
	strcpy(report.caller.socket_options.device, "eth0");
	CHECK_TABLE(&report, true,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EACCES        -\n"
		    "    caller: python3 -m http.server 3000\n"
		    "    parents: bash[200] < systemd[1]\n"
		    "    socket: SO_REUSEADDR SO_BINDTODEVICE=eth0\n"
		    "    seq: 41\n");
}

/*
 * A hostile process name or command line cannot drive the terminal: C1
 * controls (CSI 0x9b, OSC 0x9d as code points and as raw bytes), bidi
 * overrides and invalid UTF-8 all show as '?'; real text stays.
 */
static void test_table_hostile_text(void)
{
	struct bind_report report;
	struct holder_report *holder;

	base_report(&report);
	strcpy(report.caller.comm, "a\xc2\x9b"
				   "b\x9d"
				   "c\x1b[2J");
	strcpy(report.caller.cmdline, "x\xe2\x80\xae"
				      "cod.exe \xe2\x81\xa6"
				      "y\xc2\x9d"
				      "0;t\x07 "
				      "\xc3\xa9\xe2\x80\xa8"
				      "z\xff\xfe");
	holder = add_holder(&report, 10, "0.0.0.0", 3000);
	add_process(holder, 4100,
		    "\xd8\x9c"
		    "n\xe2\x80\x8f",
		    NULL);
	CHECK_TABLE(&report, true,
		    "18:52:01.123456 bind_failed   4242    a?b?c?[2J       tcp   127.0.0.1:3000  "
		    "      EADDRINUSE    ?n?[4100] LISTEN 0.0.0.0:3000\n"
		    "    caller: x?cod.exe ?y?0;t? \xc3\xa9?z??\n"
		   "    seq: 41\n"
		    "    holder: tcp LISTEN 0.0.0.0:3000 uid 1000 inode 123456 "
		    "(found in the kernel bind table)\n"
		    "      pid 4100 ?n?: (command line unknown: the process is gone)\n");
}

static void test_table_lost_and_errors(void)
{
	struct bind_report report;
	struct captured capture;
	struct output *table;
	char message[256] = "";
	FILE *stderr_file;
	int saved_stderr;
	int fds[2];
	FILE *stream;

	/* lost() writes what came before it, then its own line to stderr. */
	base_report(&report);
	capture_open(&capture);
	table = output_table_new(capture.stream, false);
	CHECK_INT(table->ops->report(table, &report), 0);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	stderr_file = tmpfile();
	dup2(fileno(stderr_file), STDERR_FILENO);
	CHECK_INT(table->ops->lost(table, 2, SAMPLE_NS, 7), 0);
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(stderr_file);
	CHECK(fgets(message, sizeof(message), stderr_file) != NULL);
	CHECK_STR(message, "bindsnoop: 7 events lost: the ring buffer was full; raise "
			   "--ring-buffer-mb or narrow the filters\n");
	fclose(stderr_file);
	capture_read(&capture);
	CHECK_CONTAINS(capture.text, "holder not found\n");
	output_destroy(table);
	capture_close(&capture);

	/* A reader that went away: -EPIPE, exactly. */
	signal(SIGPIPE, SIG_IGN);
	CHECK_INT(pipe(fds), 0);
	stream = fdopen(fds[1], "w");
	close(fds[0]);
	table = output_table_new(stream, false);
	CHECK_INT(table->ops->report(table, &report), 0);
	CHECK_INT(table->ops->flush(table), -EPIPE);
	output_destroy(table);
	fclose(stream);

	CHECK_INT(pipe(fds), 0);
	stream = fdopen(fds[1], "w");
	close(fds[0]);
	table = output_json_new(stream);
	CHECK_INT(table->ops->report(table, &report), 0);
	/* Into a pipe, a thread writes (queued_writer.h): the next batch after it failed says so. */
	for (int tries = 0; tries < 200 && table->ops->flush(table) != -EPIPE; tries++) {
		table->ops->report(table, &report);
		usleep(10000);
	}
	CHECK_INT(table->ops->flush(table), -EPIPE);
	CHECK(table->dropped > 0);
	output_destroy(table);
	fclose(stream);

	output_destroy(NULL);
}

static void test_json_output(void)
{
	struct bind_report report;
	struct captured capture;
	struct output *json;
	int lines = 0;

	base_report(&report);
	capture_open(&capture);
	json = output_json_new(capture.stream);
	CHECK(json != NULL);
	CHECK_INT(json->ops->report(json, &report), 0);
	CHECK_INT(json->ops->lost(json, 2, SAMPLE_NS, 3), 0);
	CHECK_INT(json->ops->flush(json), 0);
	capture_read(&capture);
	CHECK(!strncmp(capture.text,
		       "{\"v\":2,\"seq\":41,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"bind_failed\",",
		       72));
	CHECK_CONTAINS(capture.text, "\n{\"v\":2,\"seq\":2,\"ts\":\"2026-11-24T18:52:01.123456Z\","
				     "\"event\":\"lost\",\"count\":3}\n");
	/* Many events: every one arrives, as whole lines, batches or not. */
	for (int i = 0; i < 5000; i++)
		CHECK_INT(json->ops->report(json, &report), 0);
	output_destroy(json); /* flushes what is left */
	capture_read(&capture);
	for (size_t i = 0; i < capture.len; i++)
		lines += capture.text[i] == '\n';
	CHECK_INT(lines, 5002);
	CHECK(capture.len && capture.text[capture.len - 1] == '\n');
	capture_close(&capture);
}

/* The last column reads as the answer; --wide adds why and what to do. */
static void test_table_cause(void)
{
	struct bind_report report;
	struct holder_report *holder;

	base_report(&report);
	holder = add_holder(&report, 10, "0.0.0.0", 8081);
	add_process(holder, 1200, "nginx", "nginx: master process");
	strcpy(holder->processes[0].identity.service, "nginx.service");
	report.port = 8081;
	report.diagnosis.cause = CAUSE_OTHER_PROGRAM;
	strcpy(report.diagnosis.summary, "nginx[1200] (nginx.service) holds LISTEN 0.0.0.0:8081");
	strcpy(report.diagnosis.fix, "systemctl stop nginx.service");
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:8081  "
		    "      EADDRINUSE    nginx[1200] LISTEN 0.0.0.0:8081 · other program "
		    "(nginx.service)\n");
	CHECK_TABLE(
		&report, true,
		"18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:8081  "
		"      EADDRINUSE    nginx[1200] LISTEN 0.0.0.0:8081 · other program "
		"(nginx.service)\n"
		"    why: nginx[1200] (nginx.service) holds LISTEN 0.0.0.0:8081\n"
		"    fix: systemctl stop nginx.service\n"
		"    caller: python3 -m http.server 3000\n"
		   "    seq: 41\n"
		"    holder: tcp LISTEN 0.0.0.0:8081 uid 1000 inode 123456 (found in the kernel "
		"bind table)\n"
		"      pid 1200 nginx: nginx: master process\n");

	/* A restart loop is said in the row. */
	report.diagnosis.repeat.count = 7;
	report.diagnosis.repeat.window_s = 60;
	strcpy(report.diagnosis.repeat.who, "app.service");
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:8081  "
		    "      EADDRINUSE    nginx[1200] LISTEN 0.0.0.0:8081 · other program "
		    "(nginx.service), 7th failure in 60 s of app.service\n");

	/* No holder: the cause alone. */
	base_report(&report);
	report.error = EACCES;
	report.port = 80;
	report.diagnosis.cause = CAUSE_PRIVILEGED_PORT;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:80    "
		    "      EACCES        - · privileged port\n");
}

/*
 * Terminal columns of a line, counted apart from the code under test: glibc's
 * wcwidth() in C.UTF-8, set for this thread only, so bindsnoop's code still
 * runs in the "C" locale it runs in for real (it never calls setlocale).
 */
static size_t terminal_columns(const char *text)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t previous;
	mbstate_t state = { 0 };
	size_t columns = 0;
	const char *end = strchr(text, '\n') ? strchr(text, '\n') : text + strlen(text);

	CHECK(utf8 != (locale_t)0);
	if (utf8 == (locale_t)0)
		return SIZE_MAX;
	previous = uselocale(utf8);
	while (text < end) {
		wchar_t wide;
		size_t bytes = mbrtowc(&wide, text, end - text, &state);

		if (bytes == (size_t)-1 || bytes == (size_t)-2 || bytes == 0) {
			columns++;
			text++;
			memset(&state, 0, sizeof(state));
			continue;
		}
		columns += wcwidth(wide) < 0 ? 1 : wcwidth(wide);
		text += bytes;
	}
	uselocale(previous);
	freelocale(utf8);
	return columns;
}

/* A narrow terminal: the compact row, the cause whole at the end. */
static void test_table_terminal(void)
{
	struct bind_report report;
	struct holder_report *holder;
	char *line;

	base_report(&report);
	holder = add_holder(&report, 10, "0.0.0.0", 8081);
	add_process(holder, 1200, "nginx", NULL);
	add_process(holder, 1201, "nginx", NULL);
	strcpy(holder->processes[0].identity.service, "nginx.service");
	report.port = 8081;
	report.diagnosis.cause = CAUSE_OTHER_PROGRAM;

	/* 140 columns: everything fits. */
	line = terminal_line(&report, 140);
	CHECK_STR(line, "18:52:01 python3[4242]      tcp 127.0.0.1:8081       EADDRINUSE "
			"nginx[1200,1201] LISTEN 0.0.0.0:8081 · other program (nginx.service)\n");
	free(line);
	/* 115: the holder by name only. */
	line = terminal_line(&report, 115);
	CHECK_STR(line, "18:52:01 python3[4242]      tcp 127.0.0.1:8081       EADDRINUSE "
			"nginx[1200,1201] · other program (nginx.service)\n");
	free(line);
	/* 110 (the terminal): the padding goes, never a pid. */
	line = terminal_line(&report, 110);
	CHECK_STR(line, "18:52:01 python3[4242] tcp 127.0.0.1:8081 EADDRINUSE "
			"nginx[1200,1201] · other program (nginx.service)\n");
	free(line);
	/* 60: even the cause does not fit: the line is cut at the edge. */
	line = terminal_line(&report, 60);
	CHECK_INT(terminal_columns(line), 60);
	CHECK_CONTAINS(line, "\xe2\x80\xa6\n");
	free(line);
	/* Wide terminals keep the full layout. */
	line = terminal_line(&report, 200);
	CHECK_CONTAINS(line, "18:52:01.123456 bind_failed   4242    python3");
	free(line);
}

/* What a row must keep whole: what the user types next (pids, the port) and the answer. */
struct row_musts {
	const char *caller_pid;	 /* "4242": "[4242]" compact, the PID column wide */
	const char *holder_pids; /* "[31337" : the first pid, with what follows it */
	const char *port;	 /* ":8000 " */
	const char *cause;	 /* " · other program" */
	const char *detail;	 /* " (app.service)": whole, or (below 100 columns) absent */
	const char *repeat;	 /* ", 7th failure in 60 s of app.service": whole or absent */
};

static bool ends_with(const char *text, const char *tail)
{
	size_t len = strlen(text), tail_len = strlen(tail);

	return len >= tail_len && !strcmp(text + len - tail_len, tail);
}

static void check_fitted(const struct bind_report *report, const struct row_musts *musts)
{
	static const unsigned int widths[] = { 60, 80, 100, 120, 160 };
	char needle[256];

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		unsigned int width = widths[i];
		char *text = table_text(report, false, width);
		char *row = strchr(text, '\n') ? strchr(text, '\n') + 1 : text;
		const char *after;
		bool ok;

		if (getenv("TABLE_SHOW"))
			printf("%3u %s", width, row);
		if (terminal_columns(text) > width || terminal_columns(row) > width)
			printf("     at %u columns: header %zu, row %zu: %s", width,
			       terminal_columns(text), terminal_columns(row), row);
		CHECK(terminal_columns(text) <= width);
		CHECK(terminal_columns(row) <= width);
		CHECK(ends_with(row, "\n") && strchr(row, '\n') == row + strlen(row) - 1);
		if (width < 80) {
			free(text);
			continue;
		}
		snprintf(needle, sizeof(needle), "[%s]", musts->caller_pid);
		if (!strstr(row, needle))
			snprintf(needle, sizeof(needle), " %s ", musts->caller_pid);
		CHECK_CONTAINS(row, needle);
		CHECK_CONTAINS(row, musts->holder_pids);
		CHECK_CONTAINS(row, musts->port);
		/* Not cut at the edge: the cause, then each detail whole or (under 100) left out. */
		CHECK(!ends_with(row, "\xe2\x80\xa6\n"));
		after = strstr(row, musts->cause);
		CHECK(after != NULL);
		if (!after) {
			free(text);
			continue;
		}
		after += strlen(musts->cause);
		if (!strncmp(after, musts->detail, strlen(musts->detail)))
			after += strlen(musts->detail);
		else
			CHECK(width < 100);
		if (musts->repeat && !strncmp(after, musts->repeat, strlen(musts->repeat)))
			after += strlen(musts->repeat);
		ok = !strcmp(after, "\n");
		CHECK(ok);
		if (!ok)
			printf("     at %u columns: %s", width, row);
		free(text);
	}
}

/*
 * The caller fails on port, held (LISTEN on holder_addr) by count processes
 * named comm, pids from first_pid on, of unit ("" for none).
 */
static struct holder_report *add_conflict(struct bind_report *report, const char *holder_addr,
					  __u16 port, const char *comm, __u32 first_pid,
					  __u32 count, const char *unit, enum diagnosis_cause cause)
{
	struct holder_report *holder = add_holder(report, 10, holder_addr, port);

	report->port = port;
	report->diagnosis.cause = cause;
	for (__u32 i = 0; i < count; i++) {
		add_process(holder, first_pid + i, comm, NULL);
		strcpy(holder->processes[i].identity.service, unit);
	}
	return holder;
}

/*
 * Real rows at 60, 80, 100, 120 and 160 columns: every line fits, counted in
 * terminal columns (a CJK character takes two); from 80 columns on, pids,
 * ports and the cause are whole.
 */
static void test_table_fits_terminal(void)
{
	struct bind_report report;
	struct holder_report *holder;
	char *text;

	/* A holder with a long name, three workers and a unit. */
	base_report(&report);
	inet_pton(AF_INET, "0.0.0.0", report.addr);
	add_conflict(&report, "0.0.0.0", 8000, "gunicorn-worker", 31337, 3, "app.service",
		     CAUSE_OTHER_PROGRAM);
	check_fitted(&report, &(struct row_musts){ "4242", "[31337", ":8000 ",
						   " \xc2\xb7 other program", " (app.service)" });
	/* Names and the address give way first; the unit stays. */
	CHECK_ROW(&report, 80,
		  "18:52:01 \xe2\x80\xa6[4242] tcp \xe2\x80\xa6:8000 EADDRINUSE "
		  "\xe2\x80\xa6[31337,+2] \xc2\xb7 other program (app.service)\n");
	CHECK_ROW(&report, 100,
		  "18:52:01 \xe2\x80\xa6[4242] tcp 0.0.0.0:8000 EADDRINUSE "
		  "gunic\xe2\x80\xa6[31337,31338,31339] \xc2\xb7 other program (app.service)\n");

	/* A folded storm against an older instance. */
	base_report(&report);
	strcpy(report.caller.comm, "node");
	report.caller.pid = 5100;
	report.count = 5000;
	report.folded = true;
	add_conflict(&report, "127.0.0.1", 3000, "node", 4100, 1, "api.service",
		     CAUSE_SAME_PROGRAM);
	check_fitted(&report, &(struct row_musts){ "5100", "[4100]", ":3000 ",
						   " \xc2\xb7 older instance", " (api.service)" });

	/*
	 * A CJK name: the kernel keeps 15 bytes of "测试服务器进程", five
	 * characters that take ten columns.
	 */
	base_report(&report);
	strcpy(report.caller.comm, "\xe6\xb5\x8b\xe8\xaf\x95\xe6\x9c\x8d\xe5\x8a\xa1\xe5\x99\xa8");
	add_conflict(&report, "0.0.0.0", 8080, "nginx", 1200, 2, "nginx.service",
		     CAUSE_OTHER_PROGRAM);
	check_fitted(&report, &(struct row_musts){ "4242", "[1200", ":8080 ",
						   " \xc2\xb7 other program", " (nginx.service)" });
	/* 99 columns: cut before its third character, as "测试服…" would take 101. */
	CHECK_ROW(&report, 100,
		  "18:52:01 \xe6\xb5\x8b\xe8\xaf\x95\xe2\x80\xa6[4242] "
		  "tcp 127.0.0.1:8080 EADDRINUSE nginx[1200,1201] \xc2\xb7 other program "
		  "(nginx.service)\n");
	/* 80: the unit goes whole (the row would need 81), the names come back. */
	CHECK_ROW(&report, 80,
		  "18:52:01 \xe2\x80\xa6[4242] tcp 127.0.0.1:8080 EADDRINUSE nginx[1200,1201] "
		  "\xc2\xb7 other program\n");

	/* An IPv6 address, a holder's container. */
	base_report(&report);
	strcpy(report.caller.comm, "envoy");
	report.caller.pid = 7000;
	report.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:85a3::8a2e:370:7334", report.addr);
	holder = add_conflict(&report, "::", 443, "docker-proxy", 900, 1, "", CAUSE_CONTAINER_PORT);
	strcpy(holder->processes[0].identity.container.id, "4f2a9c0e1b7d");
	strcpy(holder->processes[0].identity.container.name, "edge-proxy");
	check_fitted(&report, &(struct row_musts){ "7000", "[900]", "]:443 ",
						   " \xc2\xb7 container port", " (edge-proxy)" });

	/* A restart loop: its count, then the unit, go whole or not at all. */
	base_report(&report);
	strcpy(report.caller.comm, "app-server");
	report.caller.pid = 9000;
	add_conflict(&report, "0.0.0.0", 8081, "nginx", 1200, 1, "nginx.service",
		     CAUSE_OTHER_PROGRAM);
	report.diagnosis.repeat.count = 7;
	report.diagnosis.repeat.window_s = 60;
	strcpy(report.diagnosis.repeat.who, "app.service");
	check_fitted(&report, &(struct row_musts){ "9000", "[1200]", ":8081 ",
						   " \xc2\xb7 other program", " (nginx.service)",
						   ", 7th failure in 60 s of app.service" });
	text = table_text(&report, false, 200);
	CHECK_CONTAINS(text, "nginx[1200] LISTEN 0.0.0.0:8081 \xc2\xb7 other program "
			     "(nginx.service), 7th failure in 60 s of app.service\n");
	free(text);

	/* TIME_WAIT: no process to name. */
	base_report(&report);
	holder = add_holder(&report, 6, "127.0.0.1", 3000);
	holder->uid = BS_UID_UNKNOWN;
	holder->inode = 0;
	report.diagnosis.cause = CAUSE_TIME_WAIT;
	text = table_text(&report, false, 80);
	CHECK(terminal_columns(strchr(text, '\n') + 1) <= 80);
	CHECK(ends_with(text, " \xc2\xb7 TIME_WAIT\n"));
	free(text);
}

/* A folded record: the error column carries the count, wide and compact. */
static void test_table_folded(void)
{
	struct bind_report report;
	char *line;

	base_report(&report);
	add_process(add_holder(&report, 10, "0.0.0.0", 3000), 4100, "node", "node server.js");
	report.count = 5000;
	report.folded = true;
	CHECK_TABLE(&report, false,
		    "18:52:01.123456 bind_failed   4242    python3         tcp   127.0.0.1:3000  "
		    "      EADDRINUSE\u00d75000 node[4100] LISTEN 0.0.0.0:3000\n");
	line = terminal_line(&report, 100);
	CHECK_CONTAINS(line, "EADDRINUSE\u00d75000");
	free(line);
	/* A single failure says nothing of counts. */
	report.count = 1;
	report.folded = false;
	line = table_line(&report, false);
	CHECK(strstr(line, "\u00d7") == NULL);
	free(line);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_table_rows();
	test_table_wide();
	test_table_cause();
	test_table_terminal();
	test_table_hostile_text();
	test_table_lost_and_errors();
	test_table_folded();
	test_table_fits_terminal();
	test_json_output();
	return unit_summary();
}
