/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One row per command line option (option_table.c): its name, letter,
 * value, example, help and parser with its limits. The parser, --help, the
 * usage errors and the live option tests are all built from these rows, so
 * an option is added in one place.
 */
#ifndef BINDSNOOP_OPTION_SPEC_H
#define BINDSNOOP_OPTION_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "options.h"

/* The groups of --help, in the order they are printed (option_section_titles). */
enum option_section {
	SECTION_FILTERS,
	SECTION_OUTPUT,
	SECTION_TRACING,
	SECTION_QUERY,
	SECTION_INFO,
	SECTION_COUNT,
};

enum option_value {
	VALUE_NONE = 0, /* a flag: "--json" */
	VALUE_REQUIRED, /* "--port LIST" */
	VALUE_OPTIONAL, /* "--syslog[=TARGET]" */
};

struct option_spec;

/* One option found on the command line, for its row's parser. */
struct option_call {
	struct options *opts;
	const struct option_spec *spec;
	const char *value; /* the option's argument, NULL when none was given */
	FILE *out;	   /* --help and --version print here */
	FILE *err;	   /* usage errors */
};

typedef enum options_result (*option_parser)(const struct option_call *call);
/* One item of a comma-separated list (not NUL-terminated). */
typedef enum options_result (*option_item_parser)(const struct option_call *call, const char *item,
						  size_t len);

struct option_spec {
	const char *name; /* long name without "--" */
	char letter;	  /* short option, 0 for none */
	enum option_section section;
	enum option_value value;
	const char *value_name; /* in --help: "LIST", "N", "TARGET" */
	const char *example;	/* a whole valid use, for "needs a value": "--port 3000" */
	const char *help;	/* one paragraph: --help wraps it */
	option_parser parse;
	/*
	 * Where the value goes, for the generic parsers: an offset in struct
	 * options made by BOOL_FIELD, U32_FIELD or PORTS_FIELD, which check the
	 * field's type.
	 */
	size_t field;
	bool flag_value; /* option_set_flag: what the flag stores (the field starts as its opposite) */
	/* option_parse_number: the default, the limits, and what the number is, for the error */
	__u32 default_number;
	__u32 min, max;
	bool power_of_two;
	bool default_derived;  /* no default_number: options_parse sizes it from other options */
	const char *number_is; /* "a number of milliseconds": "'x' is not <number_is> from..." */
	const char *unit;      /* after the maximum in the error: " MiB"; NULL: none */
	/* option_parse_list and the parsers built on it */
	option_item_parser item;
	const char *list_example;  /* a valid list, shown for an empty item: "80,443" */
	/*
	 * What it is when not given, for a row whose parser takes a value:
	 * options_parse parses it first ("auto"). Numbers have default_number,
	 * flags store the opposite of flag_value.
	 */
	const char *default_value;
	/* Conflicts, checked by options_parse once every option is read. */
	const char *needs;	   /* an option (name without "--") it means nothing without */
	const char *excludes;	   /* an option (name without "--") that makes this one moot */
	bool tracing_only;	   /* means nothing with --who, which traces nothing */
	bool once;		   /* given twice is an error: a second one would not add up */
	bool needs_metrics_server; /* left out of --help by builds without the server */
	/*
	 * The live tests (tests/live, comma-separated names) that run it against
	 * real conflicts and check its effect: the live suite's --list fails
	 * when a row names none, or a test it does not have.
	 */
	const char *live_tests;
};

#define BOOL_FIELD(member) \
	_Generic(((struct options *)0)->member, bool : offsetof(struct options, member))
#define U32_FIELD(member) \
	_Generic(((struct options *)0)->member, __u32 : offsetof(struct options, member))
#define PORTS_FIELD(member) \
	_Generic(((struct options *)0)->member, __u8 * : offsetof(struct options, member))

extern const struct option_spec option_specs[];
extern const size_t option_spec_count;
extern const char *const option_section_titles[SECTION_COUNT];
extern const char *const option_section_names[SECTION_COUNT]; /* "Filters": man page, README */
extern const char option_help_intro[];	 /* before the options */
extern const char option_help_closing[]; /* after them: formats, examples, exit status */

/* The generic parsers, for rows that only store a value (options.c). */
enum options_result option_set_flag(const struct option_call *call);
enum options_result option_parse_number(const struct option_call *call);
enum options_result option_parse_list(const struct option_call *call);

/* The parsers of one option each, and of list items (options.c). */
enum options_result option_parse_ports(const struct option_call *call);
enum options_result option_path_item(const struct option_call *call, const char *item, size_t len);
enum options_result option_parse_who(const struct option_call *call);
enum options_result option_who_item(const struct option_call *call, const char *item, size_t len);
enum options_result option_parse_backend(const struct option_call *call);
enum options_result option_parse_output(const struct option_call *call);
enum options_result option_parse_syslog(const struct option_call *call);
enum options_result option_parse_syslog_facility(const struct option_call *call);
enum options_result option_parse_metrics(const struct option_call *call);
enum options_result option_parse_journal(const struct option_call *call);
enum options_result option_print_help(const struct option_call *call);
enum options_result option_print_version(const struct option_call *call);
enum options_result option_port_item(const struct option_call *call, const char *item, size_t len);
enum options_result option_pid_item(const struct option_call *call, const char *item, size_t len);
enum options_result option_uid_item(const struct option_call *call, const char *item, size_t len);
enum options_result option_comm_item(const struct option_call *call, const char *item, size_t len);
enum options_result option_errno_item(const struct option_call *call, const char *item, size_t len);

/* The row for --name (name without the dashes), NULL if there is none. */
const struct option_spec *option_spec_find(const char *name);

#endif /* BINDSNOOP_OPTION_SPEC_H */
