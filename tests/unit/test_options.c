// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* options_parse: defaults, every option, and the message for each mistake. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "format.h"
#include "output/metrics_server.h"
#include "option_spec.h"
#include "options.h"
#include "output/output.h"
#include "unit.h"
#include "shared_facts.h"

struct parse_run {
	enum options_result result;
	struct options opts;
	char *out; /* what went to stdout */
	char *err; /* what went to stderr */
};

static void run_release(struct parse_run *run)
{
	free(run->out);
	free(run->err);
	run->out = run->err = NULL;
}

/* Parses "bindsnoop" followed by the given arguments (NULL-terminated). */
static struct parse_run parse(const char *first, ...)
{
	struct parse_run run = {};
	char *argv[64] = { "bindsnoop" };
	size_t out_len, err_len;
	FILE *out = open_memstream(&run.out, &out_len);
	FILE *err = open_memstream(&run.err, &err_len);
	int argc = 1;
	va_list args;

	va_start(args, first);
	for (const char *arg = first; arg && argc < 63; arg = va_arg(args, const char *))
		argv[argc++] = (char *)arg;
	va_end(args);
	argv[argc] = NULL;
	run.result = options_parse(argc, argv, &run.opts, out, err);
	fclose(out);
	fclose(err);
	return run;
}

static bool port_set(const struct options *opts, unsigned int port)
{
	return bs_bit_test(opts->filters.port_bitmap, port);
}

static int ports_set(const struct options *opts)
{
	int count = 0;

	for (unsigned int port = 0; port < 65536; port++)
		count += port_set(opts, port);
	return count;
}

static bool errno_set(const struct options *opts, unsigned int err)
{
	return opts->filters.errno_bitmap[err / 64] & (1ULL << (err % 64));
}

/* A usage error: the exact two-line shape, naming what it must name. */
#define CHECK_USAGE_ERROR(run, needle)                         \
	do {                                                   \
		CHECK_INT((run).result, OPTIONS_USAGE_ERROR);  \
		CHECK(!strncmp((run).err, "bindsnoop: ", 11)); \
		CHECK_CONTAINS((run).err, needle);             \
		CHECK(check_error_shape((run).err));           \
		CHECK_STR((run).out, "");                      \
	} while (0)

/* "bindsnoop: <problem>; <fix>\nTry 'bindsnoop --help'.\n" and nothing else. */
static bool check_error_shape(const char *err)
{
	const char *newline = strchr(err, '\n');
	const char *semicolon = strstr(err, "; ");

	if (!newline || !semicolon || semicolon > newline)
		return false;
	if (strcmp(newline + 1, "Try 'bindsnoop --help'.\n"))
		return false;
	return semicolon[2] != '\n';
}

static void test_defaults(void)
{
	struct parse_run run = parse(NULL);

	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.backend, BACKEND_AUTO);
	CHECK(run.opts.proc_lookup);
	CHECK(run.opts.kernel_holders);
	CHECK(!run.opts.json && !run.opts.all && !run.opts.verbose && !run.opts.wide);
	/* Sized to the 10 ms poll interval: 4 MiB resident, not 16 MiB mapped twice. */
	CHECK_INT(run.opts.ring_buffer_mb, 2);
	CHECK_INT(run.opts.poll_ms, 10);
	CHECK(!run.opts.filters.filter_ports && !run.opts.filters.filter_errnos);
	CHECK_INT(ports_set(&run.opts), 0);
	CHECK_INT(run.opts.filters.pid_count + run.opts.filters.uid_count +
			  run.opts.filters.comm_count,
		  0);
	CHECK_STR(run.out, "");
	CHECK_STR(run.err, "");
	run_release(&run);
}

static void test_flags(void)
{
	struct parse_run run =
		parse("-a", "--json", "-w", "-v", "--no-proc-lookup", "--no-kernel-holders",
		      "--backend", "kprobe", "--ring-buffer-mb", "64", "--poll-ms=100", NULL);

	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.all && run.opts.json && run.opts.wide && run.opts.verbose);
	CHECK(!run.opts.proc_lookup && !run.opts.kernel_holders);
	CHECK_INT(run.opts.backend, BACKEND_KPROBE);
	CHECK_INT(run.opts.ring_buffer_mb, 64);
	CHECK_INT(run.opts.poll_ms, 100);
	CHECK_STR(run.err, "");
	run_release(&run);

	run = parse("-ajw", "-bfexit", NULL); /* clustered flags, glued value */
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.all && run.opts.json && run.opts.wide);
	CHECK_INT(run.opts.backend, BACKEND_FEXIT);
	run_release(&run);

	run = parse("--backend", "tracepoint", "--backend", "auto", NULL); /* last one wins */
	CHECK_INT(run.opts.backend, BACKEND_AUTO);
	run_release(&run);
	run = parse("--backend=tracepoint", NULL);
	CHECK_INT(run.opts.backend, BACKEND_TRACEPOINT);
	run_release(&run);

	run = parse("--ring-buffer-mb", "1", "--poll-ms", "1", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.ring_buffer_mb, 1);
	CHECK_INT(run.opts.poll_ms, 1);
	run_release(&run);
	run = parse("--ring-buffer-mb", "1024", "--poll-ms", "1000", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.ring_buffer_mb, 1024);
	CHECK_INT(run.opts.poll_ms, 1000);
	run_release(&run);

	/* Without --ring-buffer-mb the ring follows --poll-ms; given, it is kept. */
	run = parse("--poll-ms", "100", NULL);
	CHECK_INT(run.opts.ring_buffer_mb, 32);
	run_release(&run);
	run = parse("--poll-ms", "1", NULL);
	CHECK_INT(run.opts.ring_buffer_mb, 1);
	run_release(&run);
	run = parse("--ring-buffer-mb", "4", "--poll-ms", "1000", NULL);
	CHECK_INT(run.opts.ring_buffer_mb, 4);
	run_release(&run);
	/* --no-fold: a storm is a record per failure, and needs more room. */
	run = parse("--no-fold", NULL);
	CHECK_INT(run.opts.ring_buffer_mb, 16);
	run_release(&run);
	CHECK_INT(ring_buffer_default_mb(10, true), 2);
	CHECK_INT(ring_buffer_default_mb(1000, true), 256);
	CHECK_INT(ring_buffer_default_mb(10, false), 16);
	CHECK_INT(ring_buffer_default_mb(1000, false), 1024);

	CHECK_STR(backend_name(BACKEND_AUTO), "auto");
	CHECK_STR(backend_name(BACKEND_FEXIT), "fexit");
	CHECK_STR(backend_name(BACKEND_KPROBE), "kprobe");
	CHECK_STR(backend_name(BACKEND_TRACEPOINT), "tracepoint");
}

static void test_ports(void)
{
	struct parse_run run = parse("--port", "3000", NULL);

	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.filters.filter_ports);
	CHECK(port_set(&run.opts, 3000));
	CHECK_INT(ports_set(&run.opts), 1);
	/* The bit layout the BPF side reads: byte port / 8, bit port % 8. */
	CHECK_INT(run.opts.filters.port_bitmap[375], 1);
	run_release(&run);

	run = parse("-p", "80,443", "-p", "3000-3100", "--port=0,65535,65535", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(port_set(&run.opts, 80) && port_set(&run.opts, 443));
	CHECK(port_set(&run.opts, 3000) && port_set(&run.opts, 3050) && port_set(&run.opts, 3100));
	CHECK(!port_set(&run.opts, 2999) && !port_set(&run.opts, 3101));
	CHECK(port_set(&run.opts, 0) && port_set(&run.opts, 65535));
	CHECK_INT(ports_set(&run.opts), 2 + 101 + 2);
	run_release(&run);

	run = parse("-p", "0-65535", NULL);
	CHECK_INT(ports_set(&run.opts), 65536);
	run_release(&run);
	run = parse("-p", "7-7,007", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(ports_set(&run.opts), 1);
	run_release(&run);

	run = parse("--port", "70000", NULL);
	CHECK_USAGE_ERROR(run, "'70000'");
	CHECK_CONTAINS(run.err, "0..65535");
	run_release(&run);
	run = parse("--port", "abc", NULL);
	CHECK_USAGE_ERROR(run, "'abc'");
	CHECK_CONTAINS(run.err, "3000-3100");
	run_release(&run);
	run = parse("--port", "10-5", NULL);
	CHECK_USAGE_ERROR(run, "'10-5'");
	CHECK_CONTAINS(run.err, "5-10");
	run_release(&run);
	run = parse("--port", "80,,443", NULL);
	CHECK_USAGE_ERROR(run, "empty");
	run_release(&run);
	run = parse("--port", "80,", NULL);
	CHECK_USAGE_ERROR(run, "empty");
	run_release(&run);
	run = parse("--port", ",80", NULL);
	CHECK_USAGE_ERROR(run, "empty");
	run_release(&run);
	run = parse("--port", "", NULL);
	CHECK_USAGE_ERROR(run, "empty");
	run_release(&run);
	run = parse("--port", "3000-", NULL);
	CHECK_USAGE_ERROR(run, "'3000-'");
	run_release(&run);
	run = parse("--port", "-3000", NULL);
	CHECK_USAGE_ERROR(run, "'-3000'");
	run_release(&run);
	run = parse("--port", "3000x", NULL);
	CHECK_USAGE_ERROR(run, "'3000x'");
	run_release(&run);
	run = parse("--port", "80,3000-3100-3200", NULL);
	CHECK_USAGE_ERROR(run, "'3000-3100-3200'");
	run_release(&run);
	run = parse("--port", " 80", NULL);
	CHECK_USAGE_ERROR(run, "' 80'");
	run_release(&run);
	run = parse("--port", "+80", NULL);
	CHECK_USAGE_ERROR(run, "'+80'");
	run_release(&run);
	run = parse("--port", "1-99999999999999999999999", NULL);
	CHECK_USAGE_ERROR(run, "out of range");
	run_release(&run);
}

static void test_pids(void)
{
	struct parse_run run = parse("-P", "1,4242", "--pid", "4194304", "-P", "4242", NULL);
	char list[256] = "";

	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.filters.pid_count, 3); /* the repeated 4242 is kept once */
	CHECK_INT(run.opts.filters.pids[0], 1);
	CHECK_INT(run.opts.filters.pids[1], 4242);
	CHECK_INT(run.opts.filters.pids[2], 4194304);
	run_release(&run);

	run = parse("-P", "-3", NULL);
	CHECK_USAGE_ERROR(run, "'-3'");
	run_release(&run);
	run = parse("-P", "0", NULL);
	CHECK_USAGE_ERROR(run, "'0'");
	run_release(&run);
	run = parse("-P", "99999999999999999999", NULL);
	CHECK_USAGE_ERROR(run, "'99999999999999999999'");
	run_release(&run);
	run = parse("-P", "4294967297", NULL); /* would wrap to 1 in a u32 */
	CHECK_USAGE_ERROR(run, "'4294967297'");
	run_release(&run);
	run = parse("-P", "12ab", NULL);
	CHECK_USAGE_ERROR(run, "'12ab'");
	run_release(&run);

	for (int pid = 1; pid <= BS_MAX_FILTER_PIDS; pid++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d",
			 pid > 1 ? "," : "", pid);
	run = parse("-P", list, NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.filters.pid_count, BS_MAX_FILTER_PIDS);
	run_release(&run);
	run = parse("-P", list, "-P", "17", NULL);
	CHECK_USAGE_ERROR(run, "16");
	run_release(&run);
}

static void test_uids(void)
{
	struct parse_run run = parse("-u", "1000,0", "--uid", "root", "-u", "4294967294", NULL);
	char list[256] = "";

	/* root is uid 0 in every /etc/passwd: a duplicate of the 0 above. */
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_STR(run.err, "");
	CHECK_INT(run.opts.filters.uid_count, 3);
	CHECK_INT(run.opts.filters.uids[0], 1000);
	CHECK_INT(run.opts.filters.uids[1], 0);
	CHECK_INT(run.opts.filters.uids[2], 4294967294u);
	run_release(&run);

	run = parse("-u", "daemon", NULL); /* Debian: uid 1 */
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.filters.uid_count, 1);
	CHECK_INT(run.opts.filters.uids[0], 1);
	run_release(&run);

	run = parse("-u", "no-such-user-here", NULL);
	CHECK_USAGE_ERROR(run, "'no-such-user-here'");
	CHECK_CONTAINS(run.err, "/etc/passwd");
	run_release(&run);
	run = parse("-u", "roo", NULL); /* a prefix of a real name is not that name */
	CHECK_USAGE_ERROR(run, "'roo'");
	run_release(&run);
	run = parse("-u", "4294967295", NULL); /* (uid_t)-1 means "no uid" */
	CHECK_USAGE_ERROR(run, "'4294967295'");
	run_release(&run);
	run = parse("-u", "root,", NULL);
	CHECK_USAGE_ERROR(run, "empty");
	run_release(&run);

	for (int uid = 1; uid <= BS_MAX_FILTER_UIDS; uid++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d",
			 uid > 1 ? "," : "", uid);
	run = parse("-u", list, "-u", "1", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	run_release(&run);
	run = parse("-u", list, "-u", "0", NULL);
	CHECK_USAGE_ERROR(run, "16");
	run_release(&run);
}

static void test_comms(void)
{
	struct parse_run run =
		parse("-c", "node,python3", "--comm", "exactly15chars_", "-c", "node", NULL);

	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.filters.comm_count, 3);
	CHECK_STR(run.opts.filters.comms[0], "node");
	CHECK_STR(run.opts.filters.comms[1], "python3");
	CHECK_STR(run.opts.filters.comms[2], "exactly15chars_");
	CHECK(run.opts.filters.comms[0][4] == 0 && run.opts.filters.comms[0][15] == 0);
	run_release(&run);

	/* "nod" must not count as a duplicate of "node", nor the other way round. */
	run = parse("-c", "node,nod,nodes", NULL);
	CHECK_INT(run.opts.filters.comm_count, 3);
	run_release(&run);

	run = parse("-c", "sixteen_chars_xy", NULL);
	CHECK_USAGE_ERROR(run, "'sixteen_chars_xy'");
	CHECK_CONTAINS(run.err, "15");
	CHECK_CONTAINS(run.err, "'sixteen_chars_x'");
	run_release(&run);
	run = parse("-c", "a,b,c,d,e,f,g,h", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.filters.comm_count, 8);
	run_release(&run);
	run = parse("-c", "a,b,c,d,e,f,g,h,i", NULL);
	CHECK_USAGE_ERROR(run, "8");
	run_release(&run);
	run = parse("-c", "", NULL);
	CHECK_USAGE_ERROR(run, "empty");
	run_release(&run);
}

static void test_errnos(void)
{
	struct parse_run run = parse("-e", "EADDRINUSE,EACCES", "--errno", "22,255", NULL);

	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.filters.filter_errnos);
	CHECK(errno_set(&run.opts, EADDRINUSE) && errno_set(&run.opts, EACCES));
	CHECK(errno_set(&run.opts, 22) && errno_set(&run.opts, 255));
	CHECK(!errno_set(&run.opts, EADDRNOTAVAIL) && !errno_set(&run.opts, 0));
	/* The layout the BPF side reads: word errno / 64, bit errno % 64. */
	CHECK(run.opts.filters.errno_bitmap[1] == ((1ULL << (98 - 64))) &&
	      run.opts.filters.errno_bitmap[3] >> 63);
	run_release(&run);

	run = parse("-e", "EWOULDBLOCK", NULL);
	CHECK(errno_set(&run.opts, EAGAIN));
	run_release(&run);

	run = parse("-e", "eaddrinuse", NULL);
	CHECK_USAGE_ERROR(run, "'eaddrinuse'");
	CHECK_CONTAINS(run.err, "EADDRINUSE");
	run_release(&run);
	run = parse("-e", "ADDRINUSE", NULL);
	CHECK_USAGE_ERROR(run, "'ADDRINUSE'");
	CHECK_CONTAINS(run.err, "EADDRINUSE");
	run_release(&run);
	run = parse("-e", "EBOGUS", NULL);
	CHECK_USAGE_ERROR(run, "'EBOGUS'");
	CHECK_CONTAINS(run.err, "1..255");
	run_release(&run);
	run = parse("-e", "0", NULL);
	CHECK_USAGE_ERROR(run, "'0'");
	run_release(&run);
	run = parse("-e", "256", NULL);
	CHECK_USAGE_ERROR(run, "'256'");
	CHECK_CONTAINS(run.err, "1..255");
	run_release(&run);
	run = parse("-e", "-98", NULL);
	CHECK_USAGE_ERROR(run, "'-98'");
	run_release(&run);
	run = parse("-e", "EACCES,", NULL);
	CHECK_USAGE_ERROR(run, "empty");
	run_release(&run);
}

static void test_numbers(void)
{
	static const char *const bad_ring[] = { "0", "3", "2048", "abc", "-16", "16x", "", NULL };
	static const char *const bad_poll[] = { "0", "1001", "x", "-1", "", NULL };
	struct parse_run run;

	for (int i = 0; bad_ring[i]; i++) {
		run = parse("--ring-buffer-mb", bad_ring[i], NULL);
		CHECK_USAGE_ERROR(run, "power of two");
		run_release(&run);
	}
	for (int i = 0; bad_poll[i]; i++) {
		run = parse("--poll-ms", bad_poll[i], NULL);
		CHECK_USAGE_ERROR(run, "1 to 1000");
		run_release(&run);
	}
	run = parse("--backend", "ebpf", NULL);
	CHECK_USAGE_ERROR(run, "'ebpf'");
	CHECK_CONTAINS(run.err, "auto, fexit, kprobe or tracepoint");
	run_release(&run);
}

static void test_usage_errors(void)
{
	struct parse_run run = parse("--frobnicate", NULL);

	CHECK_USAGE_ERROR(run, "'--frobnicate'");
	run_release(&run);
	run = parse("-x", NULL);
	CHECK_USAGE_ERROR(run, "'-x'");
	run_release(&run);
	run = parse("-jx", NULL);
	CHECK_USAGE_ERROR(run, "'-x'");
	run_release(&run);
	run = parse("3000", NULL);
	CHECK_USAGE_ERROR(run, "'3000'");
	CHECK_CONTAINS(run.err, "--port 3000");
	run_release(&run);
	run = parse("-j", "--", "extra", NULL);
	CHECK_USAGE_ERROR(run, "'extra'");
	run_release(&run);
	/* Found by fuzzing: a newline in what was typed made the error two lines. */
	run = parse("ex\ntra\x1b[2J", NULL);
	CHECK_USAGE_ERROR(run, "'ex?tra?[2J'");
	run_release(&run);
	run = parse("--port", NULL);
	CHECK_USAGE_ERROR(run, "'--port' needs a value");
	run_release(&run);
	run = parse("-p", NULL);
	CHECK_USAGE_ERROR(run, "'-p' needs a value");
	run_release(&run);
	run = parse("--poll-ms", NULL);
	CHECK_USAGE_ERROR(run, "'--poll-ms' needs a value");
	run_release(&run);
	run = parse("--json=yes", NULL);
	CHECK_USAGE_ERROR(run, "'--json' takes no value");
	run_release(&run);
	run = parse("--no-proc-lookup=1", NULL);
	CHECK_USAGE_ERROR(run, "'--no-proc-lookup' takes no value");
	run_release(&run);
	run = parse("--no", NULL); /* ambiguous: --no-proc-lookup or --no-kernel-holders */
	CHECK_USAGE_ERROR(run, "'--no'");
	run_release(&run);
	/* Long names may be shortened while they stay unambiguous (getopt_long). */
	run = parse("--js", "--no-k", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.json && !run.opts.kernel_holders);
	run_release(&run);
}

/* An empty item's message shows a list that this option itself accepts. */
static void test_empty_item_examples(void)
{
	static const struct {
		const char *option, *list, *example;
	} cases[] = {
		{ "--port", "80,", "e.g. --port 80,443" },
		{ "--pid", ",4242", "e.g. --pid 4242,4243" },
		{ "--uid", "0,,1", "e.g. --uid alice,1001" },
		{ "--comm", "", "e.g. --comm node,python3" },
		{ "--errno", "EADDRINUSE,", "e.g. --errno EADDRINUSE,EACCES" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parse_run run = parse(cases[i].option, cases[i].list, NULL);

		CHECK_USAGE_ERROR(run, "has an empty item");
		CHECK_CONTAINS(run.err, cases[i].example);
		run_release(&run);
	}
}

static void test_help_and_version(void)
{
	static const char *const taught[] = {
		"--port",
		"--pid",
		"--uid",
		"--comm",
		"--errno",
		"--all",
		"--json",
		"--wide",
		"--backend",
		"--no-proc-lookup",
		"--no-kernel-holders",
		"--ring-buffer-mb",
		"--poll-ms",
		"--output FILE",
		"--syslog[=TARGET]",
		"--syslog-facility",
		"--syslog-queue-mb",
		"--quiet",
		"SIGHUP",
		"udp://HOST:PORT",
		"tcp://HOST:PORT",
		"/dev/log",
		"0640",
		"\"start\"",
		"schema/bindsnoop-event-v2.schema.json",
		"--who LIST",
		"--all-netns",
		"--verbose",
		"--help",
		"--version",
		"3000-3100",
		"80,443",
		"JSON Lines",
		"README",
		"sudo bindsnoop\n",
		"sudo bindsnoop --port 3000",
		"sudo bindsnoop --json | tee binds.jsonl",
		"sudo bindsnoop -e EACCES -u alice",
		"Exit status",
		"Ctrl-C",
		"SIGTERM",
		"closed output pipe",
		"usage error",
		"system-wide",
		"holder",
		"caller",
		"EADDRINUSE",
		"table",
	};
	struct parse_run run = parse("--help", NULL);

	CHECK_INT(run.result, OPTIONS_EXIT_OK);
	CHECK_STR(run.err, "");
	CHECK(!strncmp(run.out, "Usage: bindsnoop [OPTIONS]\n", 27));
	for (size_t i = 0; i < sizeof(taught) / sizeof(taught[0]); i++)
		CHECK_CONTAINS(run.out, taught[i]);
	/* Fits a terminal: no line longer than 80 columns. */
	{
		size_t longest = 0;

		for (const char *line = run.out; *line;) {
			size_t len = strcspn(line, "\n");

			longest = len > longest ? len : longest;
			line += len + (line[len] == '\n');
		}
		CHECK(longest <= 80);
	}
	run_release(&run);

	run = parse("-h", NULL);
	CHECK_INT(run.result, OPTIONS_EXIT_OK);
	CHECK(!strncmp(run.out, "Usage:", 6));
	run_release(&run);

	run = parse("--version", NULL);
	CHECK_INT(run.result, OPTIONS_EXIT_OK);
	CHECK_STR(run.out, "bindsnoop 0.1.0\n");
	CHECK_STR(run.err, "");
	run_release(&run);
	run = parse("-V", NULL);
	CHECK_STR(run.out, "bindsnoop 0.1.0\n");
	run_release(&run);
}

/* --output, --syslog[=TARGET], --syslog-facility, --quiet. */
static void test_outputs(void)
{
	struct parse_run run = parse(NULL);
	const struct sockaddr_in *sin;

	CHECK(!run.opts.output_path && !run.opts.syslog && !run.opts.quiet);
	CHECK_INT(run.opts.syslog_facility, 3);
	CHECK_INT(run.opts.syslog_queue_mb, 16);
	run_release(&run);

	run = parse("--output", "/var/log/b.jsonl", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_STR(run.opts.output_path, "/var/log/b.jsonl");
	CHECK(!run.opts.json);
	run_release(&run);
	run = parse("-o", "rel.jsonl", "-j", NULL);
	CHECK_STR(run.opts.output_path, "rel.jsonl");
	CHECK(run.opts.json);
	run_release(&run);

	/* --syslog alone: the local socket. */
	run = parse("--syslog", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.syslog);
	CHECK_INT(run.opts.syslog_target.transport, SYSLOG_UNIX);
	CHECK_STR(run.opts.syslog_target.text, "/dev/log");
	run_release(&run);

	run = parse("--syslog=tcp://127.0.0.1:6514", "--syslog-facility", "local3", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.syslog_target.transport, SYSLOG_TCP);
	sin = (const struct sockaddr_in *)&run.opts.syslog_target.addr;
	CHECK_INT(ntohs(sin->sin_port), 6514);
	CHECK_INT(run.opts.syslog_facility, 19);
	run_release(&run);

	/* Everything at once: the table, a file and syslog. */
	run = parse("-o", "x.jsonl", "--syslog=udp://[::1]:514", "--syslog-facility", "0", "-w",
		    NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.wide && run.opts.syslog && run.opts.output_path);
	CHECK_INT(run.opts.syslog_target.transport, SYSLOG_UDP);
	CHECK_INT(run.opts.syslog_facility, 0);
	run_release(&run);

	run = parse("-q", "--syslog", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.quiet);
	run_release(&run);
	run = parse("--syslog", "--syslog-queue-mb", "1", NULL);
	CHECK_INT(run.opts.syslog_queue_mb, 1);
	run_release(&run);
	run = parse("--syslog-queue-mb", "1024", "--syslog", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK_INT(run.opts.syslog_queue_mb, 1024);
	run_release(&run);
	run = parse("--quiet", "--output", "f", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	run_release(&run);
}

static void test_output_errors(void)
{
	struct parse_run run = parse("--output", "", NULL);

	CHECK_USAGE_ERROR(run, "--output '' is not a file name");
	run_release(&run);
	run = parse("--output", NULL);
	CHECK_USAGE_ERROR(run, "'--output' needs a value");
	run_release(&run);

	run = parse("--syslog=localhost", NULL);
	CHECK_USAGE_ERROR(run, "--syslog 'localhost'");
	CHECK_CONTAINS(run.err, "tcp://HOST:PORT");
	run_release(&run);
	run = parse("--syslog=tcp://example.org:514", NULL);
	CHECK_USAGE_ERROR(run, "names are not resolved");
	run_release(&run);
	run = parse("--syslog=udp://127.0.0.1:70000", NULL);
	CHECK_USAGE_ERROR(run, "1..65535");
	run_release(&run);
	run = parse("--syslog=relative/log", NULL);
	CHECK_USAGE_ERROR(run, "--syslog 'relative/log'");
	run_release(&run);
	/* A space instead of '=': getopt cannot tell, the message can. */
	run = parse("--syslog", "tcp://127.0.0.1:514", NULL);
	CHECK_USAGE_ERROR(run, "--syslog=tcp://127.0.0.1:514");
	run_release(&run);

	run = parse("--syslog", "--syslog-facility", "daemons", NULL);
	CHECK_USAGE_ERROR(run, "--syslog-facility 'daemons' is not a facility");
	run_release(&run);
	run = parse("--syslog", "--syslog-facility", "24", NULL);
	CHECK_USAGE_ERROR(run, "--syslog-facility '24'");
	run_release(&run);
	run = parse("--syslog-facility", "daemon", NULL);
	CHECK_USAGE_ERROR(run, "--syslog-facility only applies");
	CHECK_CONTAINS(run.err, "add --syslog");
	run_release(&run);
	/* A row's needs: the message says what to add, from the needed row. */
	run = parse("--all-netns", "--json", NULL);
	CHECK_USAGE_ERROR(run, "--all-netns only applies to --who; add --who LIST");
	CHECK_CONTAINS(run.err, "e.g. --who 8080 --all-netns");
	run_release(&run);
	run = parse("--syslog-queue-mb", "64", NULL);
	CHECK_USAGE_ERROR(run, "--syslog-queue-mb only applies");
	run_release(&run);
	run = parse("--syslog", "--syslog-queue-mb", "0", NULL);
	CHECK_USAGE_ERROR(run, "--syslog-queue-mb '0' is not a size");
	run_release(&run);
	run = parse("--syslog", "--syslog-queue-mb", "1025", NULL);
	CHECK_USAGE_ERROR(run, "1 to 1024 MiB");
	run_release(&run);
	run = parse("--syslog", "--syslog-queue-mb", "4M", NULL);
	CHECK_USAGE_ERROR(run, "--syslog-queue-mb '4M'");
	run_release(&run);
	run = parse("--syslog", "--syslog-queue-mb", NULL);
	CHECK_USAGE_ERROR(run, "e.g. --syslog-queue-mb 64");
	run_release(&run);

	run = parse("--quiet", NULL);
	CHECK_USAGE_ERROR(run, "--quiet leaves no output");
	run_release(&run);
	/* --journal is an output for --quiet; the static build refuses it, naming why. */
	run = parse("-q", "--journal", NULL);
	if (journal_available()) {
		CHECK_INT(run.result, OPTIONS_RUN);
		CHECK(run.opts.quiet && run.opts.journal);
	} else {
		CHECK_USAGE_ERROR(run, "--journal is not in this build");
		CHECK_CONTAINS(run.err, "no static libsystemd");
	}
	run_release(&run);
	if (journal_available()) {
		run = parse("--who", "8080", "--journal", NULL);
		CHECK_USAGE_ERROR(run, "--who asks once and traces nothing, so --journal");
		run_release(&run);
	}
	run = parse("-q", "-j", "--syslog", NULL);
	CHECK_USAGE_ERROR(run, "--json has no effect");
	run_release(&run);
	run = parse("-q", "-w", "-o", "f", NULL);
	CHECK_USAGE_ERROR(run, "--wide has no effect");
	run_release(&run);
}

/* An option that would be silently overridden or ignored is a usage error. */
static void test_overridden_or_ignored(void)
{
	static const struct {
		const char *args[5]; /* NULL-terminated */
		const char *needle;
	} refused[] = {
		{ { "-o", "a.jsonl", "--output", "b.jsonl" }, "--output is given twice" },
		{ { "--output=a.jsonl", "-o", "a.jsonl" }, "--output is given twice" },
		{ { "--syslog", "--syslog=udp://127.0.0.1:514" }, "--syslog is given twice" },
		{ { "--fold-ms", "10", "--no-fold" }, "--fold-ms has no effect with --no-fold" },
		{ { "--no-fold", "--fold-ms", "1000" }, "--fold-ms has no effect with --no-fold" },
	};
	/* Everything but --json, --wide and --all-netns, with its value. */
	static const char *const who_ignores[][2] = {
		{ "--backend", "tracepoint" },
		{ "--ring-buffer-mb", "4" },
		{ "--poll-ms", "5" },
		{ "--no-proc-lookup" },
		{ "--no-kernel-holders" },
		{ "-v" },
		{ "--fold-ms", "10" },
		{ "--output", "f" },
		{ "--syslog" },
		{ "--syslog-facility", "local3" },
		{ "--metrics", "127.0.0.1:9719" },
	};
	struct parse_run run;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *const *args = refused[i].args;

		run = parse(args[0], args[1], args[2], args[3], args[4]);
		CHECK_USAGE_ERROR(run, refused[i].needle);
		run_release(&run);
	}
	if (metrics_server_available()) {
		run = parse("--metrics", "127.0.0.1:9719", "--metrics", "[::1]:9719", NULL);
		CHECK_USAGE_ERROR(run, "--metrics is given twice");
		run_release(&run);
	}
	for (size_t i = 0; i < sizeof(who_ignores) / sizeof(who_ignores[0]); i++) {
		const char *option = who_ignores[i][0];

		if (!strcmp(option, "--metrics") && !metrics_server_available())
			continue;
		run = parse("--who", "8080", option, who_ignores[i][1], NULL);
		CHECK_USAGE_ERROR(run, "--who asks once and traces nothing");
		CHECK_CONTAINS(run.err, strcmp(option, "-v") ? option : "--verbose");
		run_release(&run);
	}

	run = parse("--who", "8080,8443", "--json", "--wide", "--all-netns", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.who && run.opts.json && run.opts.wide && run.opts.all_netns);
	run_release(&run);
	/* Ports and Unix-domain names mix in one list, each by its own rules. */
	run = parse("--who", "8080,/run/app.sock,@app,./rel.sock", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.who && bs_bit_test(run.opts.who_ports, 8080));
	CHECK_INT(run.opts.who_names.count, 3);
	CHECK_INT(run.opts.who_names.patterns[0].len, strlen("/run/app.sock"));
	CHECK(run.opts.who_names.patterns[1].name[0] == '\0' &&
	      !memcmp(run.opts.who_names.patterns[1].name + 1, "app", 3));
	CHECK(!run.opts.filters.filter_paths);
	run_release(&run);
	run = parse("--who", "/run/php/*", NULL);
	CHECK_USAGE_ERROR(run, "whole names, not prefixes");
	run_release(&run);
	run = parse("--who", "8080,/run/\\q", NULL);
	CHECK_USAGE_ERROR(run, "is not a port or a Unix-domain name");
	run_release(&run);
	run = parse("--fold-ms", "10", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.fold && run.opts.fold_ms == 10);
	run_release(&run);
	/* Filters add up and --backend may be changed: they are not "once". */
	run = parse("-p", "80", "-p", "443", "-b", "kprobe", "-b", "tracepoint", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(port_set(&run.opts, 80) && port_set(&run.opts, 443));
	run_release(&run);
}

/* A second parse starts from the defaults, not from what the first one set. */
static void test_reparse(void)
{
	struct parse_run run = parse("-p", "80", "-P", "5", "-j", NULL);

	run_release(&run);
	run = parse(NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(!run.opts.filters.filter_ports && !run.opts.json);
	CHECK_INT(run.opts.filters.pid_count, 0);
	run_release(&run);
	/* Even after getopt stopped halfway through a cluster. */
	run = parse("-jx", NULL);
	run_release(&run);
	run = parse("-a", NULL);
	CHECK_INT(run.result, OPTIONS_RUN);
	CHECK(run.opts.all);
	run_release(&run);
}

/*
 * Every row of the option table is whole, and the generic parts of the
 * parser work for it: a new row is tested here without a line of its own.
 */
static void test_option_table_rows(void)
{
	struct parse_run help = parse("--help", NULL);

	for (size_t i = 0; i < option_spec_count; i++) {
		const struct option_spec *spec = &option_specs[i];
		char option[64], example_start[72], text[32], need[64];
		struct parse_run run;

		snprintf(option, sizeof(option), "--%s", spec->name);
		snprintf(need, sizeof(need), "--%s", spec->needs ? spec->needs : "");
		/* Conflicts name rows; every option names the live tests of its effect. */
		CHECK(!spec->needs || option_spec_find(spec->needs));
		CHECK(spec->live_tests && spec->live_tests[0]);
		if (spec->default_value) {
			run = parse(option, spec->default_value, spec->needs ? need : NULL, NULL);
			CHECK_INT(run.result, OPTIONS_RUN);
			run_release(&run);
		}
		CHECK(spec->parse && spec->help && spec->section < SECTION_COUNT);
		CHECK(option_spec_find(spec->name) == spec);
		for (size_t j = 0; j < i; j++)
			CHECK(!spec->letter || spec->letter != option_specs[j].letter);
		if (!spec->needs_metrics_server)
			CHECK_CONTAINS(help.out, option);
		if (spec->value != VALUE_NONE)
			CHECK(spec->value_name != NULL);
		if (spec->item)
			CHECK(spec->list_example != NULL);
		if (spec->excludes)
			CHECK(option_spec_find(spec->excludes) != NULL);
		if (spec->value != VALUE_REQUIRED || spec->needs_metrics_server)
			continue;
		/* The example is a use of this option, and the missing value quotes it. */
		snprintf(example_start, sizeof(example_start), "%s ", option);
		CHECK(spec->example && !strncmp(spec->example, example_start, strlen(option) + 1));
		run = parse(option, NULL);
		CHECK_USAGE_ERROR(run, "needs a value");
		CHECK_CONTAINS(run.err, spec->example ? spec->example : "(no example)");
		run_release(&run);
		if (spec->parse != option_parse_number)
			continue;
		/* Numbers: the limits hold, and the error names them and the example. */
		CHECK(spec->number_is && spec->min <= spec->max);
		run = parse(NULL);
		if (spec->default_derived) {
			/* Sized from other options, within the limits all the same. */
			CHECK(*(__u32 *)((char *)&run.opts + spec->field) >= spec->min);
			CHECK(*(__u32 *)((char *)&run.opts + spec->field) <= spec->max);
		} else {
			CHECK(spec->default_number >= spec->min &&
			      spec->default_number <= spec->max);
			CHECK_INT(*(__u32 *)((char *)&run.opts + spec->field),
				  spec->default_number);
		}
		run_release(&run);
		snprintf(text, sizeof(text), "%u", spec->max);
		run = parse(option, text, spec->needs ? need : NULL, NULL);
		CHECK_INT(run.result, OPTIONS_RUN);
		CHECK_INT(*(__u32 *)((char *)&run.opts + spec->field), spec->max);
		run_release(&run);
		snprintf(text, sizeof(text), "%llu", spec->max + 1ULL);
		run = parse(option, text, spec->needs ? need : NULL, NULL);
		snprintf(text, sizeof(text), "from %u to %u", spec->min, spec->max);
		CHECK_USAGE_ERROR(run, text);
		CHECK_CONTAINS(run.err, spec->example);
		run_release(&run);
	}
	run_release(&help);
}

int main(void)
{
	test_defaults();
	test_flags();
	test_ports();
	test_pids();
	test_uids();
	test_comms();
	test_errnos();
	test_numbers();
	test_usage_errors();
	test_empty_item_examples();
	test_help_and_version();
	test_reparse();
	test_option_table_rows();
	test_outputs();
	test_output_errors();
	test_overridden_or_ignored();
	return unit_summary();
}
