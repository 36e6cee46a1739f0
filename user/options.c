// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The command line. Every mistake gets one line saying what is wrong and
 * how to write it instead, because the person reading it is about to retype
 * the command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "metrics_server.h"
#include "options.h"

#define PASSWD_PATH	   "/etc/passwd"
#define PID_MAX_LIMIT	   4194304 /* include/linux/threads.h: no pid is larger */
#define RING_BUFFER_MB_MAX 1024
/*
 * The default ring buffer holds what arrives between two reads, four times
 * over. The reader drains the ring at least every --poll-ms, and earlier
 * once a quarter of it is queued (bs_config.wakeup_threshold); the other
 * three quarters absorb a reader that is busy writing a batch. A realistic
 * burst is 100,000 distinct failures a second (repeats of one failure are
 * folded in the kernel, so a storm on one port is not a burst of records):
 * that is 1,000 records of 336 bytes per default 10 ms, 1.3 MB four times
 * over, so 2 MiB (4 MiB resident: the ring is mapped twice). --poll-ms 100
 * needs 16 MiB. A ring cannot grow while the programs run: when events are
 * lost anyway, stderr says so once and names --ring-buffer-mb
 * (output_lost_advice.c).
 */
#define RING_BUFFER_BURST_PER_SECOND 100000
#define RING_BUFFER_HEADROOM	     4
#define POLL_MS_MAX		     1000
#define SYSLOG_QUEUE_MB_MAX	     1024

enum long_only_option {
	OPT_NO_PROC_LOOKUP = 256,
	OPT_NO_KERNEL_HOLDERS,
	OPT_RING_BUFFER_MB,
	OPT_POLL_MS,
	OPT_SYSLOG,
	OPT_SYSLOG_FACILITY,
	OPT_SYSLOG_QUEUE_MB,
	OPT_METRICS,
	OPT_WHO,
	OPT_ALL_NETNS,
};

static const struct option long_options[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "pid", required_argument, NULL, 'P' },
	{ "uid", required_argument, NULL, 'u' },
	{ "comm", required_argument, NULL, 'c' },
	{ "errno", required_argument, NULL, 'e' },
	{ "all", no_argument, NULL, 'a' },
	{ "json", no_argument, NULL, 'j' },
	{ "wide", no_argument, NULL, 'w' },
	{ "backend", required_argument, NULL, 'b' },
	{ "no-proc-lookup", no_argument, NULL, OPT_NO_PROC_LOOKUP },
	{ "no-kernel-holders", no_argument, NULL, OPT_NO_KERNEL_HOLDERS },
	{ "ring-buffer-mb", required_argument, NULL, OPT_RING_BUFFER_MB },
	{ "poll-ms", required_argument, NULL, OPT_POLL_MS },
	{ "output", required_argument, NULL, 'o' },
	{ "syslog", optional_argument, NULL, OPT_SYSLOG },
	{ "syslog-facility", required_argument, NULL, OPT_SYSLOG_FACILITY },
	{ "syslog-queue-mb", required_argument, NULL, OPT_SYSLOG_QUEUE_MB },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "who", required_argument, NULL, OPT_WHO },
	{ "all-netns", no_argument, NULL, OPT_ALL_NETNS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{},
};

/* Leading ':' : a missing value is reported as ':' rather than '?'. */
static const char short_options[] = ":p:P:u:c:e:ajwb:o:qvhV";

/* Only in builds that have the server: a static build does not offer it. */
#ifdef BINDSNOOP_METRICS_SERVER
#define METRICS_HELP                                                                        \
	"      --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n" \
	"                           (off by default; listens only there): --metrics\n"      \
	"                           127.0.0.1:9719, [::1]:9719, 0.0.0.0:9719 for all\n"
#else
#define METRICS_HELP
#endif

static const char help_text[] =
	"Usage: bindsnoop [OPTIONS]\n"
	"\n"
	"Show every failed bind() and listen() on this machine as it happens, system-wide\n"
	"(all processes and containers): the process that asked (the caller), the\n"
	"error, and the socket and process already holding the address (the holder).\n"
	"Needs root.\n"
	"\n"
	"Filters (repeat an option or give a comma-separated list; the values add up):\n"
	"  -p, --port LIST      ports 0..65535 and ranges, mixed: --port 3000,\n"
	"                       --port 80,443, --port 3000-3100 (0: let the kernel pick)\n"
	"  -P, --pid LIST       caller process ids, at most 16: --pid 4242\n"
	"  -u, --uid LIST       caller user ids or names, at most 16: --uid alice,1001\n"
	"  -c, --comm LIST      caller command names, at most 8, each at most 15\n"
	"                       characters: --comm node,python3\n"
	"  -e, --errno LIST     errors by name (upper case, as in errno(3)) or number\n"
	"                       1..255: --errno EADDRINUSE,EACCES or --errno 98,13\n"
	"  -a, --all            successful binds and listens too (default: failures only)\n"
	"\n"
	"Output:\n"
	"  -j, --json           JSON Lines on stdout instead of the table:\n"
	"                       --json | jq .\n"
	"  -w, --wide           table: command lines, and every holder with its processes\n"
	"  -o, --output FILE    also append JSON Lines to FILE (created with mode 0640);\n"
	"                       SIGHUP reopens it, for logrotate: --output\n"
	"                       /var/log/bindsnoop.jsonl\n"
	"      --syslog[=TARGET]    also send each event to syslog as an RFC 5424\n"
	"                           message (JSON as the message text); TARGET is\n"
	"                           /dev/log (default), another socket path,\n"
	"                           udp://HOST:PORT or tcp://HOST:PORT, HOST an IP\n"
	"                           address: --syslog=tcp://192.0.2.10:514\n"
	"      --syslog-facility NAME   daemon (default), user, local0..local7, ... or\n"
	"                           0..23: --syslog-facility local3\n"
	"      --syslog-queue-mb N  1..1024 (default 16, about 17,000 events): what\n"
	"                           waits while the collector is slow or down\n" METRICS_HELP
	"  -q, --quiet          nothing on stdout; with --output, --syslog or --metrics\n"
	"  -v, --verbose        which backend was chosen and why; libbpf messages\n"
	"\n"
	"Tracing:\n"
	"  -b, --backend NAME   auto (default), fexit, kprobe or tracepoint: --backend\n"
	"                       tracepoint; auto tries them in this order, keeps the\n"
	"                       first that loads and attaches\n"
	"      --no-proc-lookup     no holder lookup in userspace (no sock_diag query, no\n"
	"                           /proc scan): only the holders the kernel found\n"
	"      --no-kernel-holders  skip the in-kernel bind table walk; userspace finds\n"
	"                           the holders instead\n"
	"      --ring-buffer-mb N   event buffer, a power of two 1..1024 (default: 2 at\n"
	"                           the default --poll-ms, sized to the poll interval):\n"
	"                           --ring-buffer-mb 64 when events are lost\n"
	"      --poll-ms N          1..1000 (default 10): the longest delay before a\n"
	"                           queued event is printed: --poll-ms 100 wakes less\n"
	"\n"
	"Query (no tracing):\n"
	"      --who LIST       who holds these ports now (TCP and UDP, every state,\n"
	"                       TIME_WAIT with its time left), with processes, units\n"
	"                       and containers, then exit 0 (held) or 1 (all free):\n"
	"                       --who 8080,8443; with --json, --wide, --all-netns\n"
	"      --all-netns      --who: every network namespace, not just bindsnoop's\n"
	"\n"
	"  -h, --help           this text\n"
	"  -V, --version        the version\n"
	"\n"
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
	"     --who: something holds a port\n"
	"  1  runtime error (e.g. the BPF programs could not be loaded);\n"
	"     --who: every port is free\n"
	"  2  usage error\n";

/* "bindsnoop: <what is wrong>; <how to fix it>" and the pointer to --help. */
static enum options_result usage_error(FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum options_result usage_error(FILE *err, const char *fmt, ...)
{
	char *message = NULL;
	va_list args;
	int len;

	va_start(args, fmt);
	len = vasprintf(&message, fmt, args);
	va_end(args);
	/*
	 * The message quotes what was typed: a control byte in it (a newline
	 * in an argument) must not break the one-line rule or reach the
	 * terminal raw.
	 */
	for (int i = 0; i < len; i++)
		if ((unsigned char)message[i] < 0x20 || message[i] == 0x7f)
			message[i] = '?';
	fprintf(err, "bindsnoop: %s\nTry 'bindsnoop --help'.\n",
		len >= 0 ? message : "invalid arguments");
	free(message);
	return OPTIONS_USAGE_ERROR;
}

/* Decimal digits only (no sign, no spaces), at most max. */
static bool parse_number(const char *text, size_t len, unsigned long max, unsigned long *value)
{
	unsigned long result = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned int digit = text[i] - '0';

		if (text[i] < '0' || text[i] > '9')
			return false;
		if (result > (max - digit) / 10)
			return false;
		result = result * 10 + digit;
	}
	*value = result;
	return true;
}

static bool all_digits(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return len > 0;
}

/* Called once per comma-separated item, with the item's text (not NUL-terminated). */
typedef enum options_result (*item_parser)(struct options *opts, const char *item, size_t len,
					   FILE *err);

/* example: a valid list for this option, shown when the list has an empty item. */
static enum options_result parse_list(struct options *opts, const char *option, const char *example,
				      const char *list, item_parser parse_item, FILE *err)
{
	const char *item = list;

	for (;;) {
		const char *comma = strchr(item, ',');
		size_t len = comma ? (size_t)(comma - item) : strlen(item);
		enum options_result result;

		if (!len)
			return usage_error(err,
					   "%s '%s' has an empty item; separate values with single "
					   "commas and no spaces, e.g. %s %s",
					   option, list, option, example);
		result = parse_item(opts, item, len, err);
		if (result != OPTIONS_RUN)
			return result;
		if (!comma)
			return OPTIONS_RUN;
		item = comma + 1;
	}
}

/* Which option the port list being parsed belongs to, for messages: --port or --who. */
static const char *port_option = "--port";

static void set_port_bits(struct options *opts, unsigned long low, unsigned long high)
{
	for (unsigned long port = low; port <= high; port++)
		opts->port_bitmap[port >> 3] |= 1 << (port & 7);
	opts->filter_ports = true;
}

static enum options_result parse_port_item(struct options *opts, const char *item, size_t len,
					   FILE *err)
{
	const char *dash = memchr(item, '-', len);
	unsigned long low, high;

	if (!dash) {
		if (!parse_number(item, len, 65535, &low))
			goto bad_port;
		set_port_bits(opts, low, low);
		return OPTIONS_RUN;
	}
	if (!parse_number(item, dash - item, 65535, &low) ||
	    !parse_number(dash + 1, item + len - dash - 1, 65535, &high))
		goto bad_port;
	if (low > high)
		return usage_error(err,
				   "%s range '%.*s' goes downwards; write the low end first, "
				   "e.g. %lu-%lu",
				   port_option, (int)len, item, high, low);
	set_port_bits(opts, low, high);
	return OPTIONS_RUN;
bad_port:
	if (all_digits(item, len) ||
	    (dash && all_digits(item, dash - item) && all_digits(dash + 1, item + len - dash - 1)))
		return usage_error(err, "%s '%.*s' is out of range; ports are 0..65535",
				   port_option, (int)len, item);
	return usage_error(err,
			   "%s '%.*s' is not a port or a port range; use numbers 0..65535 "
			   "and ranges like 3000-3100, e.g. %s 80,443,3000-3100",
			   port_option, (int)len, item, port_option);
}

static enum options_result parse_pid_item(struct options *opts, const char *item, size_t len,
					  FILE *err)
{
	unsigned long pid;

	if (!parse_number(item, len, PID_MAX_LIMIT, &pid) || pid == 0)
		return usage_error(err,
				   "--pid '%.*s' is not a process id; give numbers 1..%d, "
				   "e.g. --pid 4242",
				   (int)len, item, PID_MAX_LIMIT);
	for (__u32 i = 0; i < opts->pid_count; i++)
		if (opts->pids[i] == pid)
			return OPTIONS_RUN;
	if (opts->pid_count == BS_MAX_FILTER_PIDS)
		return usage_error(err,
				   "--pid lists more than %d process ids; give at most %d, or "
				   "filter by --uid or --comm instead",
				   BS_MAX_FILTER_PIDS, BS_MAX_FILTER_PIDS);
	opts->pids[opts->pid_count++] = pid;
	return OPTIONS_RUN;
}

/*
 * /etc/passwd read directly: getpwnam() needs NSS modules, which a static
 * binary cannot load. Returns 0, -ENOENT (no such user) or another -errno.
 */
static int uid_from_passwd(const char *path, const char *name, size_t name_len, __u32 *uid)
{
	FILE *passwd = fopen(path, "re");
	char *line = NULL;
	size_t line_cap = 0;
	int found = -ENOENT;

	if (!passwd)
		return -errno;
	/* name:password:uid:gid:gecos:home:shell */
	while (found == -ENOENT && getline(&line, &line_cap, passwd) > 0) {
		char *uid_field, *uid_end;
		unsigned long value;

		if (strncmp(line, name, name_len) || line[name_len] != ':')
			continue;
		uid_field = strchr(line + name_len + 1, ':');
		if (!uid_field)
			continue;
		uid_field++;
		uid_end = strchr(uid_field, ':');
		if (uid_end &&
		    parse_number(uid_field, uid_end - uid_field, BS_UID_UNKNOWN - 1, &value)) {
			*uid = value;
			found = 0;
		}
	}
	free(line);
	fclose(passwd);
	return found;
}

static enum options_result parse_uid_item(struct options *opts, const char *item, size_t len,
					  FILE *err)
{
	unsigned long number;
	__u32 uid = 0;
	int lookup;

	if (all_digits(item, len)) {
		if (!parse_number(item, len, BS_UID_UNKNOWN - 1, &number))
			return usage_error(err, "--uid '%.*s' is out of range; user ids are 0..%u",
					   (int)len, item, BS_UID_UNKNOWN - 1);
		uid = number;
	} else {
		lookup = uid_from_passwd(PASSWD_PATH, item, len, &uid);
		if (lookup == -ENOENT)
			return usage_error(err,
					   "--uid '%.*s' is not a user in " PASSWD_PATH
					   "; give an existing user name or a numeric uid, "
					   "e.g. --uid 1000",
					   (int)len, item);
		if (lookup)
			return usage_error(err,
					   "--uid '%.*s': reading " PASSWD_PATH " failed (%s); "
					   "give the numeric uid instead, e.g. --uid 1000",
					   (int)len, item, strerror(-lookup));
	}
	for (__u32 i = 0; i < opts->uid_count; i++)
		if (opts->uids[i] == uid)
			return OPTIONS_RUN;
	if (opts->uid_count == BS_MAX_FILTER_UIDS)
		return usage_error(err, "--uid lists more than %d users; give at most %d",
				   BS_MAX_FILTER_UIDS, BS_MAX_FILTER_UIDS);
	opts->uids[opts->uid_count++] = uid;
	return OPTIONS_RUN;
}

static enum options_result parse_comm_item(struct options *opts, const char *item, size_t len,
					   FILE *err)
{
	if (len > BS_COMM_LEN - 1)
		return usage_error(err,
				   "--comm '%.*s' is %zu characters but the kernel keeps only the "
				   "first %d of a command name; give '%.*s'",
				   (int)len, item, len, BS_COMM_LEN - 1, BS_COMM_LEN - 1, item);
	for (__u32 i = 0; i < opts->comm_count; i++)
		if (!strncmp(opts->comms[i], item, len) && !opts->comms[i][len])
			return OPTIONS_RUN;
	if (opts->comm_count == BS_MAX_FILTER_COMMS)
		return usage_error(err, "--comm lists more than %d command names; give at most %d",
				   BS_MAX_FILTER_COMMS, BS_MAX_FILTER_COMMS);
	memcpy(opts->comms[opts->comm_count++], item, len);
	return OPTIONS_RUN;
}

/* Suggest the spelling errno_from_name knows: upper case, with the E. */
static enum options_result unknown_errno_name(const char *item, size_t len, FILE *err)
{
	char guess[64] = "E";

	if (len + 1 < sizeof(guess)) {
		for (size_t i = 0; i < len; i++) {
			char c = item[i];

			guess[1 + i] = c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
		}
		guess[1 + len] = '\0';
		/* "eaddrinuse" already has its E; "addrinuse" needs one. */
		if (errno_from_name(guess + 1) > 0 || errno_from_name(guess) > 0)
			return usage_error(err,
					   "--errno '%.*s' is not an error name; write it as in "
					   "errno(3): %s",
					   (int)len, item,
					   errno_from_name(guess + 1) > 0 ? guess + 1 : guess);
	}
	return usage_error(err,
			   "--errno '%.*s' is not an error name or number; use names like "
			   "EADDRINUSE or numbers 1..%d, e.g. --errno EADDRINUSE,EACCES",
			   (int)len, item, BS_ERRNO_LIMIT - 1);
}

static enum options_result parse_errno_item(struct options *opts, const char *item, size_t len,
					    FILE *err)
{
	char name[64];
	unsigned long number;
	int value;

	if (all_digits(item, len)) {
		if (!parse_number(item, len, BS_ERRNO_LIMIT - 1, &number) || number == 0)
			return usage_error(
				err, "--errno '%.*s' is out of range; error numbers are 1..%d",
				(int)len, item, BS_ERRNO_LIMIT - 1);
		value = number;
	} else {
		if (len >= sizeof(name))
			return unknown_errno_name(item, len, err);
		memcpy(name, item, len);
		name[len] = '\0';
		value = errno_from_name(name);
		if (value <= 0 || value >= BS_ERRNO_LIMIT)
			return unknown_errno_name(item, len, err);
	}
	opts->errno_bitmap[value / 64] |= 1ULL << (value % 64);
	opts->filter_errnos = true;
	return OPTIONS_RUN;
}

static enum options_result parse_backend(struct options *opts, const char *name, FILE *err)
{
	static const enum backend_choice backends[] = { BACKEND_AUTO, BACKEND_FEXIT, BACKEND_KPROBE,
							BACKEND_TRACEPOINT };

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (!strcmp(name, backend_name(backends[i]))) {
			opts->backend = backends[i];
			return OPTIONS_RUN;
		}
	}
	return usage_error(err,
			   "--backend '%s' is not a backend; choose auto, fexit, kprobe or "
			   "tracepoint",
			   name);
}

static enum options_result parse_ring_buffer_mb(struct options *opts, const char *text, FILE *err)
{
	unsigned long mb;

	if (!parse_number(text, strlen(text), RING_BUFFER_MB_MAX, &mb) || !mb || (mb & (mb - 1)))
		return usage_error(err,
				   "--ring-buffer-mb '%s' is not a power of two from 1 to %d; "
				   "e.g. --ring-buffer-mb 64",
				   text, RING_BUFFER_MB_MAX);
	opts->ring_buffer_mb = mb;
	return OPTIONS_RUN;
}

__u32 ring_buffer_default_mb(__u32 poll_ms)
{
	/* A record is the event and the ring's 8-byte header. */
	__u64 bytes = (__u64)RING_BUFFER_BURST_PER_SECOND * poll_ms / 1000 *
		      (sizeof(struct bs_event) + 8) * RING_BUFFER_HEADROOM;
	__u32 mb = 1;

	while ((__u64)mb << 20 < bytes && mb < RING_BUFFER_MB_MAX)
		mb *= 2;
	return mb;
}

static enum options_result parse_poll_ms(struct options *opts, const char *text, FILE *err)
{
	unsigned long ms;

	if (!parse_number(text, strlen(text), POLL_MS_MAX, &ms) || !ms)
		return usage_error(err,
				   "--poll-ms '%s' is not a number of milliseconds from 1 to %d; "
				   "e.g. --poll-ms 100",
				   text, POLL_MS_MAX);
	opts->poll_ms = ms;
	return OPTIONS_RUN;
}

static enum options_result parse_output(struct options *opts, const char *path, FILE *err)
{
	if (!path[0])
		return usage_error(err, "--output '' is not a file name; give the file to "
					"append to, e.g. --output /var/log/bindsnoop.jsonl");
	opts->output_path = path;
	return OPTIONS_RUN;
}

static enum options_result parse_syslog(struct options *opts, const char *target, FILE *err)
{
	char problem[160];

	opts->syslog = true;
	if (!target)
		target = SYSLOG_DEFAULT_TARGET;
	if (syslog_target_parse(target, &opts->syslog_target, problem, sizeof(problem)))
		return usage_error(err, "--syslog '%s' %s", target, problem);
	return OPTIONS_RUN;
}

static enum options_result parse_metrics(struct options *opts, const char *text, FILE *err)
{
	char problem[160];

	if (!metrics_server_available())
		return usage_error(err,
				   "--metrics is not in this build (make STATIC=1 leaves it out); "
				   "use the dynamically linked bindsnoop or the Debian package");
	if (listen_address_parse(text, &opts->metrics_address, problem, sizeof(problem)))
		return usage_error(err, "--metrics '%s' %s", text, problem);
	opts->metrics = true;
	return OPTIONS_RUN;
}

static enum options_result parse_syslog_facility(struct options *opts, const char *name, FILE *err)
{
	int facility = syslog_facility_from_name(name);

	if (facility < 0)
		return usage_error(err,
				   "--syslog-facility '%s' is not a facility; use a name like "
				   "daemon, user or local0..local7, or a number 0..23, e.g. "
				   "--syslog-facility local3",
				   name);
	opts->syslog_facility = facility;
	return OPTIONS_RUN;
}

static enum options_result parse_syslog_queue_mb(struct options *opts, const char *text, FILE *err)
{
	unsigned long mb;

	if (!parse_number(text, strlen(text), SYSLOG_QUEUE_MB_MAX, &mb) || mb == 0)
		return usage_error(err,
				   "--syslog-queue-mb '%s' is not a size from 1 to %d MiB; "
				   "e.g. --syslog-queue-mb 64",
				   text, SYSLOG_QUEUE_MB_MAX);
	opts->syslog_queue_mb = mb;
	return OPTIONS_RUN;
}

/*
 * --who LIST: the ports go to who_ports, parsed by the --port rules (and
 * named --who in messages); port 0 is no port anyone holds.
 */
static enum options_result parse_who(struct options *opts, const char *list, FILE *err)
{
	__u8 tracing_ports[BS_PORT_BITMAP_BYTES];
	bool tracing_filter = opts->filter_ports;
	enum options_result result;

	memcpy(tracing_ports, opts->port_bitmap, sizeof(tracing_ports));
	memcpy(opts->port_bitmap, opts->who_ports, sizeof(opts->who_ports));
	port_option = "--who";
	result = parse_list(opts, "--who", "8080,8443", list, parse_port_item, err);
	port_option = "--port";
	memcpy(opts->who_ports, opts->port_bitmap, sizeof(opts->who_ports));
	memcpy(opts->port_bitmap, tracing_ports, sizeof(tracing_ports));
	opts->filter_ports = tracing_filter;
	if (result != OPTIONS_RUN)
		return result;
	if (opts->who_ports[0] & 1)
		return usage_error(err, "--who 0 names no port (0 asks the kernel to pick one); "
					"give the port numbers, e.g. --who 8080");
	opts->who = true;
	return OPTIONS_RUN;
}

/* --who asks once and exits: the tracing options would do nothing. */
static enum options_result check_who(const struct options *opts, FILE *err)
{
	const char *tracing_only = opts->filter_ports  ? "--port" :
				   opts->pid_count     ? "--pid" :
				   opts->uid_count     ? "--uid" :
				   opts->comm_count    ? "--comm" :
				   opts->filter_errnos ? "--errno" :
				   opts->all	       ? "--all" :
				   opts->output_path   ? "--output" :
				   opts->syslog	       ? "--syslog" :
				   opts->quiet	       ? "--quiet" :
							 NULL;

	if (!opts->who) {
		if (opts->all_netns)
			return usage_error(err, "--all-netns only applies to --who; add --who "
						"PORT, e.g. --who 8080 --all-netns");
		return OPTIONS_RUN;
	}
	if (tracing_only)
		return usage_error(err,
				   "--who asks once and traces nothing, so %s has no effect; "
				   "drop it (the ports go after --who: --who 8080,8443)",
				   tracing_only);
	return OPTIONS_RUN;
}

/* Options that only mean something together, checked once all are read. */
static enum options_result check_combinations(const struct options *opts, const char *syslog_only,
					      FILE *err)
{
	enum options_result who = check_who(opts, err);

	if (who != OPTIONS_RUN)
		return who;
	if (syslog_only && !opts->syslog)
		return usage_error(err,
				   "%s only applies to syslog messages; add --syslog (or "
				   "--syslog=TARGET)",
				   syslog_only);
	if (opts->quiet && !opts->output_path && !opts->syslog && !opts->metrics)
		return usage_error(err, "--quiet leaves no output at all; add --output FILE, "
					"--syslog or --metrics ADDR:PORT, or drop --quiet");
	if (opts->quiet && (opts->json || opts->wide))
		return usage_error(err,
				   "--quiet prints nothing on stdout, so %s has no effect; "
				   "drop one of them",
				   opts->json ? "--json" : "--wide");
	return OPTIONS_RUN;
}

/* The spelling the user typed: "-p" or "--port" (without any "=value"). */
static void option_spelling(char *out, size_t out_size, const char *arg, int short_option)
{
	if (arg && arg[0] == '-' && arg[1] == '-') {
		size_t len = strcspn(arg, "=");

		snprintf(out, out_size, "%.*s", (int)len, arg);
	} else {
		snprintf(out, out_size, "-%c", short_option);
	}
}

static const char *value_example(int option)
{
	switch (option) {
	case 'p':
		return "--port 3000";
	case 'P':
		return "--pid 4242";
	case 'u':
		return "--uid 1000";
	case 'c':
		return "--comm node";
	case 'e':
		return "--errno EADDRINUSE";
	case 'b':
		return "--backend tracepoint";
	case OPT_RING_BUFFER_MB:
		return "--ring-buffer-mb 64";
	case OPT_POLL_MS:
		return "--poll-ms 100";
	case 'o':
		return "--output /var/log/bindsnoop.jsonl";
	case OPT_SYSLOG_FACILITY:
		return "--syslog-facility local3";
	case OPT_SYSLOG_QUEUE_MB:
		return "--syslog-queue-mb 64";
	case OPT_METRICS:
		return "--metrics 127.0.0.1:9719";
	case OPT_WHO:
		return "--who 8080";
	}
	return "--port 3000";
}

static enum options_result missing_value(int argc, char **argv, FILE *err)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	char spelling[64];

	option_spelling(spelling, sizeof(spelling), arg, optopt);
	return usage_error(err, "option '%s' needs a value; give it after the option, e.g. %s",
			   spelling, value_example(optopt));
}

static enum options_result bad_option(int argc, char **argv, FILE *err)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	char spelling[64];

	/* "--all=1": a known flag that takes no value. */
	if (optopt && arg && !strncmp(arg, "--", 2) && strchr(arg, '=')) {
		option_spelling(spelling, sizeof(spelling), arg, optopt);
		return usage_error(err, "option '%s' takes no value; write just %s", spelling,
				   spelling);
	}
	if (optopt)
		return usage_error(err,
				   "unknown option '-%c'; check the spelling against the option "
				   "list",
				   optopt);
	return usage_error(err,
			   "unknown or ambiguous option '%s'; check the spelling against the "
			   "option list",
			   arg ? arg : "?");
}

static void set_defaults(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->backend = BACKEND_AUTO;
	opts->proc_lookup = true;
	opts->kernel_holders = true;
	opts->ring_buffer_mb = 0; /* sized from --poll-ms once parsed */
	opts->poll_ms = 10;
	opts->syslog_facility = SYSLOG_FACILITY_DAEMON;
	opts->syslog_queue_mb = 16;
}

enum options_result options_parse(int argc, char **argv, struct options *opts, FILE *out, FILE *err)
{
	enum options_result result = OPTIONS_RUN;
	/* A --syslog-* option given, to check that --syslog is there too. */
	const char *syslog_only = NULL;
	int option;

	set_defaults(opts);
	/* 0, not 1: glibc then also forgets state from an earlier parse (unit tests). */
	optind = 0;
	opterr = 0;
	while ((option = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		switch (option) {
		case 'p':
			result = parse_list(opts, "--port", "80,443", optarg, parse_port_item, err);
			break;
		case 'P':
			result =
				parse_list(opts, "--pid", "4242,4243", optarg, parse_pid_item, err);
			break;
		case 'u':
			result = parse_list(opts, "--uid", "alice,1001", optarg, parse_uid_item,
					    err);
			break;
		case 'c':
			result = parse_list(opts, "--comm", "node,python3", optarg, parse_comm_item,
					    err);
			break;
		case 'e':
			result = parse_list(opts, "--errno", "EADDRINUSE,EACCES", optarg,
					    parse_errno_item, err);
			break;
		case 'a':
			opts->all = true;
			break;
		case 'j':
			opts->json = true;
			break;
		case 'w':
			opts->wide = true;
			break;
		case 'b':
			result = parse_backend(opts, optarg, err);
			break;
		case OPT_NO_PROC_LOOKUP:
			opts->proc_lookup = false;
			break;
		case OPT_NO_KERNEL_HOLDERS:
			opts->kernel_holders = false;
			break;
		case OPT_RING_BUFFER_MB:
			result = parse_ring_buffer_mb(opts, optarg, err);
			break;
		case OPT_POLL_MS:
			result = parse_poll_ms(opts, optarg, err);
			break;
		case 'o':
			result = parse_output(opts, optarg, err);
			break;
		case OPT_SYSLOG:
			result = parse_syslog(opts, optarg, err);
			break;
		case OPT_SYSLOG_FACILITY:
			syslog_only = "--syslog-facility";
			result = parse_syslog_facility(opts, optarg, err);
			break;
		case OPT_SYSLOG_QUEUE_MB:
			syslog_only = "--syslog-queue-mb";
			result = parse_syslog_queue_mb(opts, optarg, err);
			break;
		case OPT_METRICS:
			result = parse_metrics(opts, optarg, err);
			break;
		case OPT_WHO:
			result = parse_who(opts, optarg, err);
			break;
		case OPT_ALL_NETNS:
			opts->all_netns = true;
			break;
		case 'q':
			opts->quiet = true;
			break;
		case 'v':
			opts->verbose = true;
			break;
		case 'h':
			fputs(help_text, out);
			return OPTIONS_EXIT_OK;
		case 'V':
			fputs("bindsnoop " BINDSNOOP_VERSION "\n", out);
			return OPTIONS_EXIT_OK;
		case ':':
			return missing_value(argc, argv, err);
		default:
			return bad_option(argc, argv, err);
		}
		if (result != OPTIONS_RUN)
			return result;
	}
	/* getopt moved the stray argument to the end: recognise it by its look. */
	if (optind < argc && opts->syslog &&
	    (!strncmp(argv[optind], "tcp://", 6) || !strncmp(argv[optind], "udp://", 6) ||
	     !strncmp(argv[optind], "unix:", 5) || argv[optind][0] == '/'))
		return usage_error(err,
				   "unexpected argument '%s'; --syslog takes its target after "
				   "'=': --syslog=%s",
				   argv[optind], argv[optind]);
	if (optind < argc)
		return usage_error(err,
				   "unexpected argument '%s'; values go after their option, "
				   "e.g. --port 3000",
				   argv[optind]);
	if (!opts->ring_buffer_mb)
		opts->ring_buffer_mb = ring_buffer_default_mb(opts->poll_ms);
	return check_combinations(opts, syslog_only, err);
}

const char *backend_name(enum backend_choice backend)
{
	switch (backend) {
	case BACKEND_AUTO:
		return "auto";
	case BACKEND_FEXIT:
		return "fexit";
	case BACKEND_KPROBE:
		return "kprobe";
	case BACKEND_TRACEPOINT:
		return "tracepoint";
	}
	return "unknown";
}
