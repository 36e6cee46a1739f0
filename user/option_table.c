// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every option of bindsnoop, one row each (option_spec.h says what the
 * fields mean), in the order --help lists them. --help, the man page's
 * option tags, the bash completion's option lists and README.md's option
 * table are made from these rows (build/option-docs, `make docs`).
 */
#include "option_spec.h"

const char *const option_section_titles[SECTION_COUNT] = {
	[SECTION_FILTERS] =
		"Filters (repeat an option or give a comma-separated list; the values add up):",
	[SECTION_OUTPUT] = "Output:",
	[SECTION_TRACING] = "Tracing:",
	[SECTION_QUERY] = "Query (no tracing):",
	[SECTION_INFO] = NULL, /* --help and --version: no title */
};

/* The same groups in the man page and README.md. */
const char *const option_section_names[SECTION_COUNT] = {
	[SECTION_FILTERS] = "Filters",
	[SECTION_OUTPUT] = "Output",
	[SECTION_TRACING] = "Tracing",
	[SECTION_QUERY] = "Query (no tracing)",
	[SECTION_INFO] = "Other",
};

const struct option_spec option_specs[] = {
	{
		.name = "port",
		.letter = 'p',
		.section = SECTION_FILTERS,
		.value = VALUE_REQUIRED,
		.value_name = "LIST",
		.example = "--port 3000",
		.help = "ports 0..65535 and ranges, mixed: --port 3000, --port 80,443, "
			"--port 3000-3100 (0: let the kernel pick)",
		.parse = option_parse_ports,
		.field = PORTS_FIELD(filters.port_bitmap),
		.item = option_port_item,
		.list_example = "80,443",
		.tracing_only = true,
		.live_tests = "port-filter",
	},
	{
		.name = "pid",
		.letter = 'P',
		.section = SECTION_FILTERS,
		.value = VALUE_REQUIRED,
		.value_name = "LIST",
		.example = "--pid 4242",
		.help = "caller process ids, at most 16: --pid 4242",
		.parse = option_parse_list,
		.item = option_pid_item,
		.list_example = "4242,4243",
		.tracing_only = true,
		.live_tests = "pid-filter",
	},
	{
		.name = "uid",
		.letter = 'u',
		.section = SECTION_FILTERS,
		.value = VALUE_REQUIRED,
		.value_name = "LIST",
		.example = "--uid 1000",
		.help = "caller user ids or names, at most 16: --uid alice,1001",
		.parse = option_parse_list,
		.item = option_uid_item,
		.list_example = "alice,1001",
		.tracing_only = true,
		.live_tests = "uid-filter,errno-uid-filter",
	},
	{
		.name = "comm",
		.letter = 'c',
		.section = SECTION_FILTERS,
		.value = VALUE_REQUIRED,
		.value_name = "LIST",
		.example = "--comm node",
		.help = "caller command names, at most 8, each at most 15 characters: "
			"--comm node,python3",
		.parse = option_parse_list,
		.item = option_comm_item,
		.list_example = "node,python3",
		.tracing_only = true,
		.live_tests = "comm-filter",
	},
	{
		.name = "path",
		.section = SECTION_FILTERS,
		.value = VALUE_REQUIRED,
		.value_name = "LIST",
		.example = "--path /run/app.sock",
		.help = "Unix-domain names, at most 8: a path, @ and an abstract name, a "
			"trailing * for a prefix: --path /run/app.sock,/run/php/*,@app; "
			"only Unix-domain binds then, unless --port asks for ports too",
		.parse = option_parse_list,
		.item = option_path_item,
		.list_example = "/run/app.sock,@app",
		.tracing_only = true,
		.live_tests = "path-filter",
	},
	{
		.name = "errno",
		.letter = 'e',
		.section = SECTION_FILTERS,
		.value = VALUE_REQUIRED,
		.value_name = "LIST",
		.example = "--errno EADDRINUSE",
		.help = "errors by name (upper case, as in errno(3)) or number 1..255: "
			"--errno EADDRINUSE,EACCES or --errno 98,13",
		.parse = option_parse_list,
		.item = option_errno_item,
		.list_example = "EADDRINUSE,EACCES",
		.tracing_only = true,
		.live_tests = "errno-filter-name,errno-filter-number,errno-uid-filter",
	},
	{
		.name = "all",
		.letter = 'a',
		.section = SECTION_FILTERS,
		.help = "successful binds and listens too (default: failures only)",
		.parse = option_set_flag,
		.field = BOOL_FIELD(all),
		.flag_value = true,
		.tracing_only = true,
		.live_tests = "all-flag",
	},
	{
		.name = "json",
		.letter = 'j',
		.section = SECTION_OUTPUT,
		.help = "JSON Lines on stdout instead of the table: --json | jq .",
		.parse = option_set_flag,
		.field = BOOL_FIELD(json),
		.flag_value = true,
		.excludes = "quiet",
		/* Every tracer of the suite runs with --json and --backend B; tcp4 checks every field. */
		.live_tests = "tcp4,json-valid",
	},
	{
		.name = "wide",
		.letter = 'w',
		.section = SECTION_OUTPUT,
		.help = "table: command lines, and every holder with its processes",
		.parse = option_set_flag,
		.field = BOOL_FIELD(wide),
		.flag_value = true,
		.excludes = "quiet",
		.live_tests = "wide-table",
	},
	{
		.name = "output",
		.letter = 'o',
		.section = SECTION_OUTPUT,
		.value = VALUE_REQUIRED,
		.value_name = "FILE",
		.example = "--output /var/log/bindsnoop.jsonl",
		.help = "also append JSON Lines to FILE (created with mode 0640; one that exists "
			"must be root's, not a link, not writable by group or others); SIGHUP "
			"reopens it, for logrotate: --output /var/log/bindsnoop.jsonl",
		.parse = option_parse_output,
		.tracing_only = true,
		.once = true,
		.live_tests = "output-quiet",
	},
	{
		.name = "syslog",
		.section = SECTION_OUTPUT,
		.value = VALUE_OPTIONAL,
		.value_name = "TARGET",
		.help = "also send each event to syslog as an RFC 5424 message (JSON as the "
			"message text); TARGET is /dev/log (default), another socket path, "
			"udp://HOST:PORT or tcp://HOST:PORT, HOST an IP address: "
			"--syslog=tcp://192.0.2.10:514",
		.parse = option_parse_syslog,
		.tracing_only = true,
		.once = true,
		.live_tests = "syslog-unix",
	},
	{
		.name = "syslog-facility",
		.section = SECTION_OUTPUT,
		.value = VALUE_REQUIRED,
		.value_name = "NAME",
		.example = "--syslog-facility local3",
		.help = "daemon (default), user, local0..local7, ... or 0..23: "
			"--syslog-facility local3",
		.parse = option_parse_syslog_facility,
		.needs = "syslog",
		.tracing_only = true,
		.default_value = "daemon",
		.live_tests = "syslog-unix",
	},
	{
		.name = "syslog-queue-mb",
		.section = SECTION_OUTPUT,
		.value = VALUE_REQUIRED,
		.value_name = "N",
		.example = "--syslog-queue-mb 64",
		.help = "1..1024 (default 16, about 9,000 events): what waits while the "
			"collector is slow or down",
		.parse = option_parse_number,
		.field = U32_FIELD(syslog_queue_mb),
		.default_number = 16,
		.min = 1,
		.max = 1024,
		.number_is = "a size",
		.unit = " MiB",
		.needs = "syslog",
		.tracing_only = true,
		.live_tests = "syslog-queue",
	},
	{
		.name = "journal",
		.section = SECTION_OUTPUT,
		.help = "also write each event to the systemd journal, natively: the table line "
			"with why and the fix, BINDSNOOP_* fields to match on (journalctl "
			"BINDSNOOP_CAUSE=same_program), shown by journalctl -u and systemctl "
			"status of the failing unit (not in the static build): --journal",
		.parse = option_parse_journal,
		.tracing_only = true,
		.live_tests = "journal,journal-stalled",
	},
	{
		.name = "metrics",
		.section = SECTION_OUTPUT,
		.value = VALUE_REQUIRED,
		.value_name = "ADDR:PORT",
		.example = "--metrics 127.0.0.1:9719",
		.help = "serve Prometheus metrics at http://ADDR:PORT/metrics (off by default; "
			"listens only there): --metrics 127.0.0.1:9719, [::1]:9719, "
			"0.0.0.0:9719 for all (anyone who reaches it reads process names and "
			"ports: prefer loopback)",
		.parse = option_parse_metrics,
		.tracing_only = true,
		.once = true,
		.needs_metrics_server = true,
		.live_tests = "metrics",
	},
	{
		.name = "quiet",
		.letter = 'q',
		.section = SECTION_OUTPUT,
		.help = "nothing on stdout; with --output, --syslog, --journal or --metrics",
		.parse = option_set_flag,
		.field = BOOL_FIELD(quiet),
		.flag_value = true,
		.tracing_only = true,
		.live_tests = "output-quiet",
	},
	{
		.name = "verbose",
		.letter = 'v',
		.section = SECTION_OUTPUT,
		.help = "which backend was chosen and why; libbpf messages",
		.parse = option_set_flag,
		.field = BOOL_FIELD(verbose),
		.flag_value = true,
		.tracing_only = true,
		.live_tests = "verbose",
	},
	{
		.name = "backend",
		.letter = 'b',
		.section = SECTION_TRACING,
		.value = VALUE_REQUIRED,
		.value_name = "NAME",
		.example = "--backend tracepoint",
		.help = "auto (default), fexit, kprobe or tracepoint: --backend tracepoint; auto "
			"tries them in this order, keeps the first that loads and attaches",
		.parse = option_parse_backend,
		.tracing_only = true,
		.default_value = "auto",
		.live_tests = "tcp4",
	},
	{
		.name = "no-proc-lookup",
		.section = SECTION_TRACING,
		.help = "no holder lookup in userspace (no sock_diag query, no /proc scan): only "
			"the holders the kernel found",
		.parse = option_set_flag,
		.field = BOOL_FIELD(proc_lookup),
		.flag_value = false,
		.tracing_only = true,
		.live_tests = "no-proc-lookup",
	},
	{
		.name = "no-kernel-holders",
		.section = SECTION_TRACING,
		.help = "skip the in-kernel bind table walk; userspace finds the holders instead",
		.parse = option_set_flag,
		.field = BOOL_FIELD(kernel_holders),
		.flag_value = false,
		.tracing_only = true,
		.live_tests = "no-kernel-holders",
	},
	{
		.name = "ring-buffer-mb",
		.section = SECTION_TRACING,
		.value = VALUE_REQUIRED,
		.value_name = "N",
		.example = "--ring-buffer-mb 64",
		.help = "event buffer, a power of two 1..1024 (default: sized to --poll-ms, 2 "
			"at the default 10 ms, 16 with --no-fold): --ring-buffer-mb 64 when "
			"events are lost",
		.parse = option_parse_number,
		.field = U32_FIELD(ring_buffer_mb),
		.default_derived = true, /* from --poll-ms and --no-fold, once parsed */
		.min = 1,
		.max = 1024,
		.power_of_two = true,
		.number_is = "a power of two",
		.tracing_only = true,
		.live_tests = "ring-buffer-mb,ring-buffer-default,ring-buffer-lost",
	},
	{
		.name = "poll-ms",
		.section = SECTION_TRACING,
		.value = VALUE_REQUIRED,
		.value_name = "N",
		.example = "--poll-ms 100",
		.help = "1..1000 (default 10): the longest delay before a queued event is "
			"printed: --poll-ms 100 wakes less",
		.parse = option_parse_number,
		.field = U32_FIELD(poll_ms),
		.default_number = 10,
		.min = 1,
		.max = 1000,
		.number_is = "a number of milliseconds",
		.tracing_only = true,
		.live_tests = "poll-ms",
	},
	{
		.name = "fold-ms",
		.section = SECTION_TRACING,
		.value = VALUE_REQUIRED,
		.value_name = "MS",
		.example = "--fold-ms 5000",
		.help = "1..60000 (default 1000): a process that fails the same way again (same "
			"address, port, protocol, errno) is reported in full once; its repeats "
			"within MS are counted in the kernel and reported as one record with their "
			"count when the window ends",
		.parse = option_parse_number,
		.field = U32_FIELD(fold_ms),
		.default_number = 1000,
		.min = 1,
		.max = 60000,
		.number_is = "a number of milliseconds",
		.tracing_only = true,
		.excludes = "no-fold",
		.live_tests = "fold",
	},
	{
		.name = "no-fold",
		.section = SECTION_TRACING,
		.help = "one record per failure, however many (a storm costs more); not with "
			"--fold-ms",
		.parse = option_set_flag,
		.field = BOOL_FIELD(fold),
		.flag_value = false,
		.tracing_only = true,
		.live_tests = "no-fold",
	},
	{
		.name = "who",
		.section = SECTION_QUERY,
		.value = VALUE_REQUIRED,
		.value_name = "LIST",
		.example = "--who 8080",
		.help = "who holds these ports or Unix-domain names now (TCP and UDP, every state, "
			"TIME_WAIT with its time left; a socket path or @name, or its stale file), "
			"with processes, units and containers, then exit 0 (held) or 1 (all "
			"free): --who 8080,/run/app.sock; only with --json, --wide, --all-netns",
		.parse = option_parse_who,
		.field = PORTS_FIELD(who_ports),
		.item = option_who_item,
		.list_example = "8080,/run/app.sock",
		.live_tests = "who-holder,who-time-wait,who-free,who-parent-chain,who-unix",
	},
	{
		.name = "all-netns",
		.section = SECTION_QUERY,
		.help = "--who: every network namespace, not just bindsnoop's",
		.parse = option_set_flag,
		.field = BOOL_FIELD(all_netns),
		.flag_value = true,
		.needs = "who",
		.live_tests = "who-other-netns",
	},
	{
		.name = "help",
		.letter = 'h',
		.section = SECTION_INFO,
		.help = "this text",
		.parse = option_print_help,
		.live_tests = "help",
	},
	{
		.name = "version",
		.letter = 'V',
		.section = SECTION_INFO,
		.help = "the version",
		.parse = option_print_version,
		.live_tests = "version",
	},
};

const size_t option_spec_count = sizeof(option_specs) / sizeof(option_specs[0]);

const char option_help_intro[] =
	"Usage: bindsnoop [OPTIONS]\n"
	"\n"
	"Show every failed bind() and listen() on this machine as it happens, system-wide\n"
	"(all processes and containers): the process that asked (the caller), the\n"
	"error, and the socket and process already holding the address (the holder).\n"
	"Needs root.\n";

const char option_help_closing[] =
	"Output formats:\n"
	"  The table (default) has one line per event: local time with microseconds,\n"
	"  event (bind_failed, listen_failed; bind and listen with --all), caller pid\n"
	"  and command, protocol, the address asked for, the error, and the holder,\n"
	"  e.g. node[4100] LISTEN 0.0.0.0:3000.\n"
	"  --json writes JSON Lines: one JSON object per event and line, with the\n"
	"  caller, the error and every holder, framed by a \"start\" record (host,\n"
	"  backend, kernel, filters) and a \"stop\" record (totals); README.md\n"
	"  and schema/bindsnoop-event-v2.schema.json describe the schema. --output\n"
	"  and --syslog carry the same lines, next to the table or --json on stdout.\n"
	"  A syslog collector that is down or slow never stops tracing: messages\n"
	"  wait in a queue (--syslog-queue-mb); what does not fit is counted and\n"
	"  reported.\n"
	"\n"
	"Examples:\n"
	"  sudo bindsnoop\n"
	"      every failed bind and listen, and who holds the address\n"
	"  sudo bindsnoop --port 3000\n"
	"      only port 3000: who else wants it, and who has it\n"
	"  sudo bindsnoop --json | tee binds.jsonl\n"
	"      keep a machine-readable record while watching\n"
	"  sudo bindsnoop -e EACCES -u alice\n"
	"      binds of user alice refused for lack of privilege (ports below 1024)\n"
	"  sudo bindsnoop --output /var/log/bindsnoop.jsonl --syslog=tcp://192.0.2.10:514\n"
	"      the table here, JSON Lines in a file and at a central collector\n"
	"\n"
	"Exit status:\n"
	"  0  normal end, including Ctrl-C, SIGTERM or a closed output pipe;\n"
	"     --who: something holds a port or name asked about\n"
	"  1  runtime error (e.g. the BPF programs could not be loaded);\n"
	"     --who: nothing holds any of them\n"
	"  2  usage error\n";
