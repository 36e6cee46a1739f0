// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The command line, driven by the rows of option_table.c. Every mistake
 * gets one line saying what is wrong and how to write it instead, because
 * the person reading it is about to retype the command.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "errno_names.h"
#include "output/metrics_server.h"
#include "output/output.h"
#include "option_spec.h"
#include "shared_facts.h"

#define PASSWD_PATH   "/etc/passwd"
#define PID_MAX_LIMIT 4194304 /* include/linux/threads.h: no pid is larger */
/* getopt_long's value for a long-only option: above every letter. */
#define LONG_ONLY_BASE 256
/*
 * --help: descriptions start at this column, or at the wide one when a
 * section's long-only options do not fit before it; lines end by this width.
 */
#define HELP_COLUMN	 23
#define HELP_WIDE_COLUMN 27
#define HELP_WIDTH	 80
/*
 * The default ring buffer holds what arrives between two reads, four times
 * over. The reader drains the ring at least every --poll-ms, and earlier
 * once a quarter of it is queued (bs_config.wakeup_threshold); the other
 * three quarters absorb a reader that is busy writing a batch. With folding
 * a realistic burst is 50,000 distinct failures a second (repeats of one
 * failure are counted in the kernel, so a storm on one port is not a burst
 * of records; distinct ones need a process or an address each, and a
 * machine forks no faster): 500 records of 928 bytes (the caller's
 * identity is two thirds of it) per default 10 ms, 1.9 MB four times over,
 * so 2 MiB (4 MiB resident: the ring is mapped twice). With --no-fold a
 * storm is a record per failure; 400,000 a second make 16 MiB. The reader
 * renders about 190,000 full records a second on one core of the 2-core
 * development machine (README, Benchmark), so a longer storm than the ring
 * absorbs loses records, counted and said.
 * A ring cannot grow while the programs run: when events are lost anyway,
 * stderr says so once and names --ring-buffer-mb (output_lost_advice.c).
 */
#define RING_BUFFER_BURST_PER_SECOND	      50000
#define RING_BUFFER_UNFOLDED_BURST_PER_SECOND 400000
#define RING_BUFFER_HEADROOM		      4
#define RING_BUFFER_MB_MAX		      1024

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

/* Called for each comma-separated item of value with spec->item. */
enum options_result option_parse_list(const struct option_call *call)
{
	const char *item = call->value;

	for (;;) {
		const char *comma = strchr(item, ',');
		size_t len = comma ? (size_t)(comma - item) : strlen(item);
		enum options_result result;

		if (!len)
			return usage_error(call->err,
					   "--%s '%s' has an empty item; separate values with "
					   "single commas and no spaces, e.g. --%s %s",
					   call->spec->name, call->value, call->spec->name,
					   call->spec->list_example);
		result = call->spec->item(call, item, len);
		if (result != OPTIONS_RUN)
			return result;
		if (!comma)
			return OPTIONS_RUN;
		item = comma + 1;
	}
}

/* A port list goes to the bitmap at spec->field: the tracing filter or --who's ports. */
static void set_port_bits(const struct option_call *call, unsigned long low, unsigned long high)
{
	__u8 *bitmap = (__u8 *)call->opts + call->spec->field;

	for (unsigned long port = low; port <= high; port++)
		bs_bit_set(bitmap, port);
}

enum options_result option_port_item(const struct option_call *call, const char *item, size_t len)
{
	const char *dash = memchr(item, '-', len);
	unsigned long low, high;

	if (!dash) {
		if (!parse_number(item, len, 65535, &low))
			goto bad_port;
		set_port_bits(call, low, low);
		return OPTIONS_RUN;
	}
	if (!parse_number(item, dash - item, 65535, &low) ||
	    !parse_number(dash + 1, item + len - dash - 1, 65535, &high))
		goto bad_port;
	if (low > high)
		return usage_error(call->err,
				   "--%s range '%.*s' goes downwards; write the low end first, "
				   "e.g. %lu-%lu",
				   call->spec->name, (int)len, item, high, low);
	set_port_bits(call, low, high);
	return OPTIONS_RUN;
bad_port:
	if (all_digits(item, len) ||
	    (dash && all_digits(item, dash - item) && all_digits(dash + 1, item + len - dash - 1)))
		return usage_error(call->err, "--%s '%.*s' is out of range; ports are 0..65535",
				   call->spec->name, (int)len, item);
	return usage_error(call->err,
			   "--%s '%.*s' is not a port or a port range; use numbers 0..65535 "
			   "and ranges like 3000-3100, e.g. --%s 80,443,3000-3100",
			   call->spec->name, (int)len, item, call->spec->name);
}

enum options_result option_parse_ports(const struct option_call *call)
{
	enum options_result result = option_parse_list(call);

	call->opts->filters.filter_ports = result == OPTIONS_RUN;
	return result;
}

/*
 * A Unix-domain name of --path or --who into filter, or the usage error
 * saying why not; only --path takes prefixes (its items may end in *).
 */
static enum options_result option_add_unix_name(const struct option_call *call,
						struct path_filter *filter, const char *item,
						size_t len)
{
	bool prefixes = filter == &call->opts->paths;
	int err = path_filter_add(filter, item, len);

	if (err == -E2BIG)
		return usage_error(call->err,
				   "--%s lists more than %d Unix-domain names; give at "
				   "most %d",
				   call->spec->name, PATH_FILTER_MAX, PATH_FILTER_MAX);
	if (err == -ENAMETOOLONG)
		return usage_error(call->err,
				   "--%s '%.*s' is longer than a Unix-domain name (%d bytes); "
				   "give a shorter path%s",
				   call->spec->name, (int)len, item, BS_UNIX_PATH_LEN,
				   prefixes ? " or a prefix ending in *" : "");
	if (err)
		return usage_error(call->err,
				   "--%s '%.*s' is not %s; give %sa path (/run/app.sock), @ and "
				   "an abstract name (@app)%s, bytes as \\xNN",
				   call->spec->name, (int)len, item,
				   prefixes ? "a Unix-domain name" : "a port or a Unix-domain name",
				   prefixes ? "" : "a port (8080), ",
				   prefixes ? ", or a prefix ending in * (/run/*)" : "");
	return OPTIONS_RUN;
}

/*
 * --who LIST: ports by the --port rules, Unix-domain names by the --path
 * rules (a path, ./ and a relative one, @ and an abstract name), mixed as
 * given; port 0 is no port anyone holds.
 */
enum options_result option_who_item(const struct option_call *call, const char *item, size_t len)
{
	if (!len || (item[0] != '/' && item[0] != '@' && item[0] != '.'))
		return option_port_item(call, item, len);
	if (item[len - 1] == '*')
		return usage_error(call->err,
				   "--who '%.*s': --who asks about whole names, not prefixes; "
				   "list each name, e.g. --who /run/app.sock,@app",
				   (int)len, item);
	return option_add_unix_name(call, &call->opts->who_names, item, len);
}

enum options_result option_parse_who(const struct option_call *call)
{
	enum options_result result = option_parse_list(call);

	if (result != OPTIONS_RUN)
		return result;
	if (call->opts->who_ports[0] & 1)
		return usage_error(call->err,
				   "--who 0 names no port (0 asks the kernel to pick one); "
				   "give the port numbers, e.g. --who 8080");
	call->opts->who = true;
	return OPTIONS_RUN;
}

enum options_result option_pid_item(const struct option_call *call, const char *item, size_t len)
{
	struct bs_filters *filters = &call->opts->filters;
	unsigned long pid;

	if (!parse_number(item, len, PID_MAX_LIMIT, &pid) || pid == 0)
		return usage_error(call->err,
				   "--pid '%.*s' is not a process id; give numbers 1..%d, "
				   "e.g. --pid 4242",
				   (int)len, item, PID_MAX_LIMIT);
	for (__u32 i = 0; i < filters->pid_count; i++)
		if (filters->pids[i] == pid)
			return OPTIONS_RUN;
	if (filters->pid_count == BS_MAX_FILTER_PIDS)
		return usage_error(call->err,
				   "--pid lists more than %d process ids; give at most %d, or "
				   "filter by --uid or --comm instead",
				   BS_MAX_FILTER_PIDS, BS_MAX_FILTER_PIDS);
	filters->pids[filters->pid_count++] = pid;
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

enum options_result option_uid_item(const struct option_call *call, const char *item, size_t len)
{
	struct bs_filters *filters = &call->opts->filters;
	unsigned long number;
	__u32 uid = 0;
	int lookup;

	if (all_digits(item, len)) {
		if (!parse_number(item, len, BS_UID_UNKNOWN - 1, &number))
			return usage_error(call->err,
					   "--uid '%.*s' is out of range; user ids are 0..%u",
					   (int)len, item, BS_UID_UNKNOWN - 1);
		uid = number;
	} else {
		lookup = uid_from_passwd(PASSWD_PATH, item, len, &uid);
		if (lookup == -ENOENT)
			return usage_error(call->err,
					   "--uid '%.*s' is not a user in " PASSWD_PATH
					   "; give an existing user name or a numeric uid, "
					   "e.g. --uid 1000",
					   (int)len, item);
		if (lookup)
			return usage_error(call->err,
					   "--uid '%.*s': reading " PASSWD_PATH " failed (%s); "
					   "give the numeric uid instead, e.g. --uid 1000",
					   (int)len, item, strerror(-lookup));
	}
	for (__u32 i = 0; i < filters->uid_count; i++)
		if (filters->uids[i] == uid)
			return OPTIONS_RUN;
	if (filters->uid_count == BS_MAX_FILTER_UIDS)
		return usage_error(call->err, "--uid lists more than %d users; give at most %d",
				   BS_MAX_FILTER_UIDS, BS_MAX_FILTER_UIDS);
	filters->uids[filters->uid_count++] = uid;
	return OPTIONS_RUN;
}

enum options_result option_comm_item(const struct option_call *call, const char *item, size_t len)
{
	struct bs_filters *filters = &call->opts->filters;

	if (len > BS_COMM_LEN - 1)
		return usage_error(call->err,
				   "--comm '%.*s' is %zu characters but the kernel keeps only the "
				   "first %d of a command name; give '%.*s'",
				   (int)len, item, len, BS_COMM_LEN - 1, BS_COMM_LEN - 1, item);
	for (__u32 i = 0; i < filters->comm_count; i++)
		if (!strncmp(filters->comms[i], item, len) && !filters->comms[i][len])
			return OPTIONS_RUN;
	if (filters->comm_count == BS_MAX_FILTER_COMMS)
		return usage_error(call->err,
				   "--comm lists more than %d command names; give at most %d",
				   BS_MAX_FILTER_COMMS, BS_MAX_FILTER_COMMS);
	memcpy(filters->comms[filters->comm_count++], item, len);
	return OPTIONS_RUN;
}

enum options_result option_path_item(const struct option_call *call, const char *item, size_t len)
{
	enum options_result result = option_add_unix_name(call, &call->opts->paths, item, len);

	if (result != OPTIONS_RUN)
		return result;
	call->opts->filters.filter_paths = 1;
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

enum options_result option_errno_item(const struct option_call *call, const char *item, size_t len)
{
	char name[64];
	unsigned long number;
	int value;

	if (all_digits(item, len)) {
		if (!parse_number(item, len, BS_ERRNO_LIMIT - 1, &number) || number == 0)
			return usage_error(
				call->err,
				"--errno '%.*s' is out of range; error numbers are 1..%d", (int)len,
				item, BS_ERRNO_LIMIT - 1);
		value = number;
	} else {
		if (len >= sizeof(name))
			return unknown_errno_name(item, len, call->err);
		memcpy(name, item, len);
		name[len] = '\0';
		value = errno_from_name(name);
		if (value <= 0 || value >= BS_ERRNO_LIMIT)
			return unknown_errno_name(item, len, call->err);
	}
	call->opts->filters.errno_bitmap[value / 64] |= 1ULL << (value % 64);
	call->opts->filters.filter_errnos = true;
	return OPTIONS_RUN;
}

enum options_result option_set_flag(const struct option_call *call)
{
	*(bool *)((char *)call->opts + call->spec->field) = call->spec->flag_value;
	return OPTIONS_RUN;
}

/* A whole number within the row's limits, a power of two if the row says so. */
enum options_result option_parse_number(const struct option_call *call)
{
	unsigned long number;

	if (!parse_number(call->value, strlen(call->value), call->spec->max, &number) ||
	    number < call->spec->min || (call->spec->power_of_two && (number & (number - 1))))
		return usage_error(call->err, "--%s '%s' is not %s from %u to %u%s; e.g. %s",
				   call->spec->name, call->value, call->spec->number_is,
				   call->spec->min, call->spec->max,
				   call->spec->unit ? call->spec->unit : "", call->spec->example);
	*(__u32 *)((char *)call->opts + call->spec->field) = number;
	return OPTIONS_RUN;
}

enum options_result option_parse_backend(const struct option_call *call)
{
	static const enum backend_choice backends[] = { BACKEND_AUTO, BACKEND_FEXIT, BACKEND_KPROBE,
							BACKEND_TRACEPOINT };

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (!strcmp(call->value, backend_name(backends[i]))) {
			call->opts->backend = backends[i];
			return OPTIONS_RUN;
		}
	}
	return usage_error(call->err,
			   "--backend '%s' is not a backend; choose auto, fexit, kprobe or "
			   "tracepoint",
			   call->value);
}

enum options_result option_parse_output(const struct option_call *call)
{
	if (!call->value[0])
		return usage_error(call->err, "--output '' is not a file name; give the file to "
					      "append to, e.g. --output /var/log/bindsnoop.jsonl");
	call->opts->output_path = call->value;
	return OPTIONS_RUN;
}

/* --syslog alone means /dev/log. */
enum options_result option_parse_syslog(const struct option_call *call)
{
	const char *target = call->value ? call->value : SYSLOG_DEFAULT_TARGET;
	char problem[160];

	call->opts->syslog = true;
	if (syslog_target_parse(target, &call->opts->syslog_target, problem, sizeof(problem)))
		return usage_error(call->err, "--syslog '%s' %s", target, problem);
	return OPTIONS_RUN;
}

enum options_result option_parse_metrics(const struct option_call *call)
{
	char problem[160];

	if (!metrics_server_available())
		return usage_error(call->err,
				   "--metrics is not in this build (make STATIC=1 leaves it out); "
				   "use the dynamically linked bindsnoop or the Debian package");
	if (listen_address_parse(call->value, &call->opts->metrics_address, problem,
				 sizeof(problem)))
		return usage_error(call->err, "--metrics '%s' %s", call->value, problem);
	call->opts->metrics = true;
	return OPTIONS_RUN;
}

enum options_result option_parse_journal(const struct option_call *call)
{
	if (!journal_available())
		return usage_error(call->err,
				   "--journal is not in this build (make STATIC=1 leaves it out: "
				   "Debian has no static libsystemd); use the dynamically linked "
				   "bindsnoop or the Debian package, or --syslog to rsyslog");
	call->opts->journal = true;
	return OPTIONS_RUN;
}

enum options_result option_parse_syslog_facility(const struct option_call *call)
{
	int facility = syslog_facility_from_name(call->value);

	if (facility < 0)
		return usage_error(call->err,
				   "--syslog-facility '%s' is not a facility; use a name like "
				   "daemon, user or local0..local7, or a number 0..23, e.g. "
				   "--syslog-facility local3",
				   call->value);
	call->opts->syslog_facility = facility;
	return OPTIONS_RUN;
}

static bool in_this_build(const struct option_spec *spec)
{
	return !spec->needs_metrics_server || metrics_server_available();
}

/* "  -p, --port LIST" or "      --syslog[=TARGET]": the start of the option's --help line. */
static int help_signature(char *out, size_t out_size, const struct option_spec *spec)
{
	char letter[8] = "    ";

	if (spec->letter)
		snprintf(letter, sizeof(letter), "-%c, ", spec->letter);
	return snprintf(out, out_size, "  %s--%s%s%s%s", letter, spec->name,
			spec->value == VALUE_REQUIRED ? " " :
			spec->value == VALUE_OPTIONAL ? "[=" :
							"",
			spec->value == VALUE_NONE ? "" : spec->value_name,
			spec->value == VALUE_OPTIONAL ? "]" : "");
}

/*
 * Options with a letter describe themselves from HELP_COLUMN. The long-only
 * ones of a section share one column, the wide one if any of them needs it,
 * so that their descriptions line up.
 */
static int help_column(const struct option_spec *spec)
{
	char signature[96];

	if (spec->letter)
		return HELP_COLUMN;
	for (size_t i = 0; i < option_spec_count; i++) {
		const struct option_spec *other = &option_specs[i];

		if (other->section == spec->section && !other->letter && in_this_build(other) &&
		    help_signature(signature, sizeof(signature), other) + 2 > HELP_COLUMN)
			return HELP_WIDE_COLUMN;
	}
	return HELP_COLUMN;
}

/*
 * A word of --help, but an option with its value ("--port 80,443") counts as
 * one, so that an example is never split across lines.
 */
static int help_word_length(const char *word)
{
	int len = strcspn(word, " ");

	if (word[0] == '-' && word[len] == ' ' && isalnum((unsigned char)word[len - 1]))
		len += 1 + strcspn(word + len + 1, " ");
	return len;
}

/* The row's paragraph, word-wrapped to HELP_WIDTH, indented to its column. */
static void print_option_help(FILE *out, const struct option_spec *spec)
{
	char signature[96];
	int column = help_column(spec);
	int at = help_signature(signature, sizeof(signature), spec);
	const char *word = spec->help;

	fputs(signature, out);
	for (int pad = at + 2 > column ? 2 : column - at; pad > 0; pad--, at++)
		fputc(' ', out);
	for (bool first = true; *word; first = false) {
		int len = help_word_length(word);

		if (!first && at + 1 + len > HELP_WIDTH) {
			fprintf(out, "\n%*s", column, "");
			at = column;
		} else if (!first) {
			fputc(' ', out);
			at++;
		}
		fprintf(out, "%.*s", len, word);
		at += len;
		word += len;
		word += strspn(word, " ");
	}
	fputc('\n', out);
}

enum options_result option_print_help(const struct option_call *call)
{
	fputs(option_help_intro, call->out);
	for (int section = 0; section < SECTION_COUNT; section++) {
		fputc('\n', call->out);
		if (option_section_titles[section])
			fprintf(call->out, "%s\n", option_section_titles[section]);
		for (size_t i = 0; i < option_spec_count; i++)
			if (option_specs[i].section == (enum option_section)section &&
			    in_this_build(&option_specs[i]))
				print_option_help(call->out, &option_specs[i]);
	}
	fputc('\n', call->out);
	fputs(option_help_closing, call->out);
	return OPTIONS_EXIT_OK;
}

enum options_result option_print_version(const struct option_call *call)
{
	fputs("bindsnoop " BINDSNOOP_VERSION "\n", call->out);
	return OPTIONS_EXIT_OK;
}

const struct option_spec *option_spec_find(const char *name)
{
	for (size_t i = 0; i < option_spec_count; i++)
		if (!strcmp(option_specs[i].name, name))
			return &option_specs[i];
	return NULL;
}

/* The row behind getopt_long's return value (see build_getopt_tables). */
static const struct option_spec *spec_for_getopt_value(int value)
{
	if (value >= LONG_ONLY_BASE)
		return (size_t)(value - LONG_ONLY_BASE) < option_spec_count ?
			       &option_specs[value - LONG_ONLY_BASE] :
			       NULL;
	for (size_t i = 0; value > 0 && i < option_spec_count; i++)
		if (option_specs[i].letter == value)
			return &option_specs[i];
	return NULL;
}

/*
 * getopt_long's tables from the rows: a letter returns itself, a long-only
 * option LONG_ONLY_BASE plus its row. The short string starts with ':' so
 * that a missing value comes back as ':' rather than '?'.
 */
static void build_getopt_tables(struct option *long_options, char *short_options)
{
	*short_options++ = ':';
	for (size_t i = 0; i < option_spec_count; i++) {
		const struct option_spec *spec = &option_specs[i];

		long_options[i] = (struct option){
			.name = spec->name,
			.has_arg = spec->value == VALUE_REQUIRED ? required_argument :
				   spec->value == VALUE_OPTIONAL ? optional_argument :
								   no_argument,
			.val = spec->letter ? spec->letter : LONG_ONLY_BASE + (int)i,
		};
		if (!spec->letter)
			continue;
		*short_options++ = spec->letter;
		if (spec->value != VALUE_NONE)
			*short_options++ = ':';
		if (spec->value == VALUE_OPTIONAL)
			*short_options++ = ':';
	}
	long_options[option_spec_count] = (struct option){};
	*short_options = '\0';
}

/* What was given, for the checks that need all of the options. */
struct given {
	const char *tracing_only; /* the first option that --who would ignore */
	bool *seen;		  /* by row of option_specs */
};

/*
 * The first given row whose partner breaks its rule: the option its
 * spec->needs names is missing (needs), or the one its spec->excludes names
 * is given. NULL if none.
 */
static const struct option_spec *conflicting_row(const struct given *given, bool needs,
						 const struct option_spec **partner)
{
	for (size_t i = 0; i < option_spec_count; i++) {
		const char *name = needs ? option_specs[i].needs : option_specs[i].excludes;
		const struct option_spec *other;

		if (!given->seen[i] || !name)
			continue;
		other = option_spec_find(name);
		if (other && given->seen[other - option_specs] != needs) {
			*partner = other;
			return &option_specs[i];
		}
	}
	return NULL;
}

/* "add --syslog (or --syslog=TARGET)", "add --who LIST, e.g. --who 8080": how to meet a need. */
static enum options_result needs_error(FILE *err, const struct option_spec *spec,
				       const struct option_spec *needed)
{
	if (needed->value == VALUE_OPTIONAL)
		return usage_error(err, "--%s only applies to --%s; add --%s (or --%s=%s)",
				   spec->name, needed->name, needed->name, needed->name,
				   needed->value_name);
	if (needed->value == VALUE_REQUIRED)
		return usage_error(err, "--%s only applies to --%s; add --%s %s, e.g. %s --%s",
				   spec->name, needed->name, needed->name, needed->value_name,
				   needed->example, spec->name);
	return usage_error(err, "--%s only applies to --%s; add --%s", spec->name, needed->name,
			   needed->name);
}

/* --who asks once and exits: the tracing options would do nothing. */
static enum options_result check_who(const struct options *opts, const struct given *given,
				     FILE *err)
{
	if (!opts->who)
		return OPTIONS_RUN;
	if (given->tracing_only)
		return usage_error(err,
				   "--who asks once and traces nothing, so --%s has no effect; "
				   "drop it (the ports go after --who: --who 8080,8443)",
				   given->tracing_only);
	return OPTIONS_RUN;
}

/* Options that only mean something together, checked once all are read. */
static enum options_result check_combinations(const struct options *opts, const struct given *given,
					      FILE *err)
{
	enum options_result who = check_who(opts, given, err);
	const struct option_spec *moot, *excluder, *unmet, *needed;

	if (who != OPTIONS_RUN)
		return who;
	moot = conflicting_row(given, false, &excluder);
	if (moot)
		return usage_error(err, "--%s has no effect with --%s; drop one of them",
				   moot->name, excluder->name);
	unmet = conflicting_row(given, true, &needed);
	if (unmet)
		return needs_error(err, unmet, needed);
	if (opts->quiet && !opts->output_path && !opts->syslog && !opts->journal && !opts->metrics)
		return usage_error(err,
				   "--quiet leaves no output at all; add --output FILE, "
				   "--syslog, --journal or --metrics ADDR:PORT, or drop --quiet");
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

static enum options_result missing_value(int argc, char **argv, FILE *err)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	const struct option_spec *spec = spec_for_getopt_value(optopt);
	char spelling[64];

	option_spelling(spelling, sizeof(spelling), arg, optopt);
	return usage_error(err, "option '%s' needs a value; give it after the option, e.g. %s",
			   spelling, spec && spec->example ? spec->example : "--port 3000");
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
	if (optopt > 0 && optopt < LONG_ONLY_BASE)
		return usage_error(err,
				   "unknown option '-%c'; check the spelling against the option "
				   "list",
				   optopt);
	return usage_error(err,
			   "unknown or ambiguous option '%s'; check the spelling against the "
			   "option list",
			   arg ? arg : "?");
}

/*
 * The defaults: a flag's field holds the opposite of what the flag stores,
 * a number its row's default, a row with a default_value what its parser
 * makes of it; the rest starts at zero.
 */
static void set_defaults(struct options *opts, FILE *out, FILE *err)
{
	memset(opts, 0, sizeof(*opts));
	for (size_t i = 0; i < option_spec_count; i++) {
		const struct option_spec *spec = &option_specs[i];

		if (spec->parse == option_set_flag)
			*(bool *)((char *)opts + spec->field) = !spec->flag_value;
		else if (spec->parse == option_parse_number)
			*(__u32 *)((char *)opts + spec->field) = spec->default_number;
		else if (spec->default_value)
			spec->parse(&(struct option_call){ .opts = opts,
							   .spec = spec,
							   .value = spec->default_value,
							   .out = out,
							   .err = err });
	}
}

__u32 ring_buffer_default_mb(__u32 poll_ms, bool fold)
{
	__u64 per_second =
		fold ? RING_BUFFER_BURST_PER_SECOND : RING_BUFFER_UNFOLDED_BURST_PER_SECOND;
	/* A record is the event and the ring's 8-byte header. */
	__u64 bytes =
		per_second * poll_ms / 1000 * (sizeof(struct bs_event) + 8) * RING_BUFFER_HEADROOM;
	__u32 mb = 1;

	while ((__u64)mb << 20 < bytes && mb < RING_BUFFER_MB_MAX)
		mb *= 2;
	return mb;
}

enum options_result options_parse(int argc, char **argv, struct options *opts, FILE *out, FILE *err)
{
	struct option long_options[option_spec_count + 1];
	char short_options[3 * option_spec_count + 2];
	bool seen[option_spec_count];
	struct given given = { .seen = seen };
	int value;

	memset(seen, 0, sizeof(seen));
	set_defaults(opts, out, err);
	build_getopt_tables(long_options, short_options);
	/* 0, not 1: glibc then also forgets state from an earlier parse (unit tests). */
	optind = 0;
	opterr = 0;
	while ((value = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		const struct option_spec *spec = spec_for_getopt_value(value);
		enum options_result result;

		if (value == ':')
			return missing_value(argc, argv, err);
		if (!spec)
			return bad_option(argc, argv, err);
		if (spec->tracing_only && !given.tracing_only)
			given.tracing_only = spec->name;
		/* A second --output would silently replace the first. */
		if (spec->once && seen[spec - option_specs])
			return usage_error(err,
					   "--%s is given twice, but bindsnoop takes one; keep the "
					   "one you mean",
					   spec->name);
		seen[spec - option_specs] = true;
		result = spec->parse(&(struct option_call){
			.opts = opts, .spec = spec, .value = optarg, .out = out, .err = err });
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
		opts->ring_buffer_mb = ring_buffer_default_mb(opts->poll_ms, opts->fold);
	return check_combinations(opts, &given, err);
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
