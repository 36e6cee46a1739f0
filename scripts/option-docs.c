// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * option-docs: what the user reads about the options, made from the rows of
 * user/option_table.c (--help is made from them by bindsnoop itself).
 *
 *   option-docs --readme      README.md's option tables
 *   option-docs --completion  the bash completion's option lists
 *   option-docs --man         the man page's OPTIONS tags (.SS and the line after each .TP)
 *   option-docs --check       exit 1, one line per file, when a committed file differs
 *   option-docs --update      rewrite the generated parts in place (make docs)
 *
 * The README's and the completion's parts sit between marker lines and are
 * rewritten whole. The man page's paragraphs are prose, written by hand: only
 * its tags are checked, and rewritten when there is one for each option.
 * --check and --update work on the files under the current directory.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "option_spec.h"

#define README_PATH	"README.md"
#define COMPLETION_PATH "deploy/bash-completion/bindsnoop"
#define MAN_PATH	"docs/bindsnoop.8"

#define README_BEGIN                                                                              \
	"<!-- options: made from user/option_table.c by `make docs`; edit the rows there, not " \
	"here -->\n"
#define README_END	    "<!-- end of options -->\n"
#define COMPLETION_BEGIN "# options: made from user/option_table.c by `make docs`; edit the rows there\n"
#define COMPLETION_END	 "# end of options\n"
/* The completion's lists wrap before this column (a tab counts 8). */
#define COMPLETION_WIDTH 88

/* "--port LIST", "--syslog[=TARGET]", "--json": the option as a user writes it. */
static void print_usage(FILE *out, const struct option_spec *spec)
{
	fprintf(out, "--%s", spec->name);
	if (spec->value == VALUE_REQUIRED)
		fprintf(out, " %s", spec->value_name);
	else if (spec->value == VALUE_OPTIONAL)
		fprintf(out, "[=%s]", spec->value_name);
}

/* Markdown table cell text: a '|' would end the cell. */
static void print_cell(FILE *out, const char *text)
{
	for (; *text; text++) {
		if (*text == '|')
			fputc('\\', out);
		fputc(*text, out);
	}
}

static void print_default(FILE *out, const struct option_spec *spec)
{
	if (spec->value == VALUE_NONE)
		fputs("off", out);
	else if (spec->default_value)
		fprintf(out, "`%s`", spec->default_value);
	else if (spec->parse == option_parse_number && spec->default_derived)
		fputs("sized from other options", out);
	else if (spec->parse == option_parse_number)
		fprintf(out, "`%u`", spec->default_number);
	else
		fputs("none", out);
}

/* The row's conflicts, as the parser checks them. */
static void print_conflicts(FILE *out, const struct option_spec *spec)
{
	const char *separator = "";

	if (spec->needs) {
		fprintf(out, "only with `--%s`", spec->needs);
		separator = "; ";
	}
	if (spec->excludes) {
		fprintf(out, "%snot with `--%s`", separator, spec->excludes);
		separator = "; ";
	}
	if (spec->tracing_only) {
		fprintf(out, "%snot with `--who`", separator);
		separator = "; ";
	}
	if (spec->once)
		fprintf(out, "%sonce", separator);
}

static void print_readme(FILE *out)
{
	for (int section = 0; section < SECTION_COUNT; section++) {
		fprintf(out, "\n**%s**\n\n", option_section_names[section]);
		fputs("| option | default | conflicts | what |\n|---|---|---|---|\n", out);
		for (size_t i = 0; i < option_spec_count; i++) {
			const struct option_spec *spec = &option_specs[i];

			if (spec->section != (enum option_section)section)
				continue;
			fputs("| ", out);
			if (spec->letter)
				fprintf(out, "`-%c`, ", spec->letter);
			fputc('`', out);
			print_usage(out, spec);
			fputs("` | ", out);
			print_default(out, spec);
			fputs(" | ", out);
			print_conflicts(out, spec);
			fputs(" | ", out);
			print_cell(out, spec->help);
			fputs(" |\n", out);
		}
	}
	fputc('\n', out);
}

/* A shell list in single quotes, its words wrapped before COMPLETION_WIDTH. */
struct word_list {
	FILE *out;
	int column; /* where the line is */
	bool empty;
};

static void list_start(struct word_list *list, FILE *out, const char *name)
{
	*list = (struct word_list){ .out = out, .empty = true };
	list->column = fprintf(out, "%s='", name);
}

static void list_word(struct word_list *list, const char *prefix, const char *word,
		      const char *suffix)
{
	int len = strlen(prefix) + strlen(word) + strlen(suffix);

	if (!list->empty && list->column + 1 + len > COMPLETION_WIDTH) {
		fputs("\n\t", list->out);
		list->column = 8;
	} else if (!list->empty) {
		fputc(' ', list->out);
		list->column++;
	}
	list->column += fprintf(list->out, "%s%s%s", prefix, word, suffix);
	list->empty = false;
}

static void list_option(struct word_list *list, const struct option_spec *spec)
{
	char letter[2] = { spec->letter, '\0' };

	if (spec->letter)
		list_word(list, "-", letter, "");
	list_word(list, "--", spec->name, "");
}

static void print_completion(FILE *out)
{
	struct word_list list;

	fputs("# Every option; after one that takes a value, never an option.\n", out);
	list_start(&list, out, "_bindsnoop_options");
	for (size_t i = 0; i < option_spec_count; i++) {
		list_option(&list, &option_specs[i]);
		if (option_specs[i].value == VALUE_OPTIONAL)
			list_word(&list, "--", option_specs[i].name, "=");
	}
	fputs("'\n", out);
	list_start(&list, out, "_bindsnoop_value_options");
	for (size_t i = 0; i < option_spec_count; i++)
		if (option_specs[i].value == VALUE_REQUIRED)
			list_option(&list, &option_specs[i]);
	fputs("'\n", out);
}

/* groff: a '-' in an option is "\-", so that it is not a hyphen. */
static void print_roff(FILE *out, const char *text)
{
	for (; *text; text++) {
		if (*text == '-')
			fputc('\\', out);
		fputc(*text, out);
	}
}

/* ".BR \-p ", " \-\-port " \fILIST\fR"": the tag of the option's .TP paragraph. */
static void print_man_tag(FILE *out, const struct option_spec *spec)
{
	bool alternating = spec->letter || spec->value != VALUE_NONE;

	fputs(alternating ? ".BR " : ".B ", out);
	if (spec->letter)
		fprintf(out, "\\-%c \", \" ", spec->letter);
	fputs("\\-\\-", out);
	print_roff(out, spec->name);
	if (spec->value == VALUE_REQUIRED)
		fprintf(out, " \" \\fI%s\\fR\"", spec->value_name);
	else if (spec->value == VALUE_OPTIONAL)
		fprintf(out, " [ =\\fI%s\\fR ]", spec->value_name);
	fputc('\n', out);
}

static void print_man(FILE *out)
{
	for (int section = 0; section < SECTION_COUNT; section++) {
		fprintf(out, ".SS %s\n", option_section_names[section]);
		for (size_t i = 0; i < option_spec_count; i++)
			if (option_specs[i].section == (enum option_section)section)
				print_man_tag(out, &option_specs[i]);
	}
}

/* What print(out) writes, as a string to free. */
static char *rendered(void (*print)(FILE *out))
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (!out)
		return NULL;
	print(out);
	if (fclose(out))
		return NULL;
	return text;
}

static char *read_file(const char *path)
{
	FILE *in = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;
	FILE *out;
	int c;

	if (!in)
		return NULL;
	out = open_memstream(&text, &size);
	if (!out) {
		fclose(in);
		return NULL;
	}
	while ((c = getc(in)) != EOF)
		fputc(c, out);
	fclose(in);
	if (fclose(out))
		return NULL;
	return text;
}

static int write_file(const char *path, const char *text)
{
	FILE *out = fopen(path, "we");

	if (!out)
		return -errno;
	fputs(text, out);
	return fclose(out) ? -errno : 0;
}

/*
 * The file's text with what lies between the two marker lines replaced by
 * body; NULL (and *problem set) when a marker is missing.
 */
static char *splice(const char *text, const char *begin, const char *end, const char *body,
		    const char **problem)
{
	const char *from = strstr(text, begin), *to;
	char *result = NULL;

	if (!from || (from != text && from[-1] != '\n')) {
		*problem = "has no begin marker line";
		return NULL;
	}
	from += strlen(begin);
	to = strstr(from, end);
	if (!to || to[-1] != '\n') {
		*problem = "has no end marker line after the begin marker";
		return NULL;
	}
	if (asprintf(&result, "%.*s%s%s", (int)(from - text), text, body, to) < 0)
		return NULL;
	return result;
}

/* The man page's OPTIONS section: each .SS line, and each line after a .TP. */
static char *man_tags(const char *text)
{
	char *tags = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&tags, &size);
	bool in_options = false, after_tp = false;

	if (!out)
		return NULL;
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");

		if (!strncmp(line, ".SH ", 4))
			in_options = !strncmp(line, ".SH OPTIONS\n", 12);
		else if (in_options && (after_tp || !strncmp(line, ".SS ", 4)))
			fprintf(out, "%.*s\n", (int)len, line);
		after_tp = in_options && len == 3 && !strncmp(line, ".TP", 3);
		line += len + (line[len] == '\n');
	}
	if (fclose(out))
		return NULL;
	return tags;
}

/*
 * The man page with its tags replaced by want's lines, in order: only when
 * there are as many (the prose of an option added or removed is a person's
 * to write).
 */
static char *man_with_tags(const char *text, const char *want)
{
	char *result = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&result, &size);
	bool in_options = false, after_tp = false;

	if (!out)
		return NULL;
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		bool tag = false;

		if (!strncmp(line, ".SH ", 4))
			in_options = !strncmp(line, ".SH OPTIONS\n", 12);
		else if (in_options && (after_tp || !strncmp(line, ".SS ", 4)))
			tag = true;
		after_tp = in_options && len == 3 && !strncmp(line, ".TP", 3);
		if (tag) {
			size_t want_len = strcspn(want, "\n");

			fprintf(out, "%.*s\n", (int)want_len, want);
			want += want_len + (want[want_len] == '\n');
		} else {
			fprintf(out, "%.*s%s", (int)len, line, line[len] == '\n' ? "\n" : "");
		}
		line += len + (line[len] == '\n');
	}
	if (fclose(out))
		return NULL;
	return result;
}

static int count_lines(const char *text)
{
	int lines = 0;

	for (; *text; text++)
		lines += *text == '\n';
	return lines;
}

/* The first line where two texts differ, for the message. */
static void first_difference(const char *got, const char *want, char *out, size_t out_size)
{
	while (*got && *want) {
		size_t got_len = strcspn(got, "\n"), want_len = strcspn(want, "\n");

		if (got_len != want_len || strncmp(got, want, got_len)) {
			snprintf(out, out_size, "has '%.*s' where the table makes '%.*s'", (int)got_len,
				 got, (int)want_len, want);
			return;
		}
		got += got_len + (got[got_len] == '\n');
		want += want_len + (want[want_len] == '\n');
	}
	if (*want)
		snprintf(out, out_size, "lacks '%.*s'", (int)strcspn(want, "\n"), want);
	else
		snprintf(out, out_size, "has '%.*s' for no option", (int)strcspn(got, "\n"), got);
}

/* One file: 0 if it is what the table makes (or was made so), else 1 after a line on stderr. */
static int check_spliced(const char *path, const char *begin, const char *end,
			 void (*print)(FILE *out), bool update)
{
	char *text = read_file(path), *body = rendered(print), *want = NULL;
	const char *problem = "cannot be read";
	int drift = 0, err;

	if (text && body)
		want = splice(text, begin, end, body, &problem);
	if (!want) {
		fprintf(stderr, "option-docs: %s %s; restore it from git\n", path, problem);
		drift = 1;
	} else if (strcmp(text, want)) {
		if (update && (err = write_file(path, want))) {
			fprintf(stderr, "option-docs: writing %s: %s\n", path, strerror(-err));
			drift = 1;
		} else if (update) {
			printf("option-docs: %s made from the option table\n", path);
		} else {
			fprintf(stderr,
				"option-docs: %s differs from the option table; run `make docs`\n",
				path);
			drift = 1;
		}
	}
	free(text);
	free(body);
	free(want);
	return drift;
}

static int check_man(bool update)
{
	char *text = read_file(MAN_PATH), *want = rendered(print_man), *got = NULL;
	char *fixed = NULL, difference[512];
	int drift = 0, err;

	if (!text || !want || !(got = man_tags(text))) {
		fprintf(stderr, "option-docs: %s cannot be read\n", MAN_PATH);
		drift = 1;
		goto out;
	}
	if (!strcmp(got, want))
		goto out;
	if (update && count_lines(got) == count_lines(want)) {
		fixed = man_with_tags(text, want);
		if (!fixed || (err = write_file(MAN_PATH, fixed))) {
			fprintf(stderr, "option-docs: writing %s failed\n", MAN_PATH);
			drift = 1;
		} else {
			printf("option-docs: %s: OPTIONS tags made from the option table\n", MAN_PATH);
		}
		goto out;
	}
	first_difference(got, want, difference, sizeof(difference));
	fprintf(stderr,
		"option-docs: %s OPTIONS %s; give each option of user/option_table.c a .TP "
		"paragraph there, in the table's order (then `make docs` writes the tags)\n",
		MAN_PATH, difference);
	drift = 1;
out:
	free(text);
	free(want);
	free(got);
	free(fixed);
	return drift;
}

static void usage(FILE *out)
{
	fputs("Usage: option-docs --readme | --completion | --man | --check | --update\n"
	      "What README.md, the bash completion and the man page say about the options,\n"
	      "made from user/option_table.c; --check and --update work on the files under\n"
	      "the current directory.\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *mode = argc == 2 ? argv[1] : "";
	bool update = !strcmp(mode, "--update");

	if (!strcmp(mode, "--readme")) {
		print_readme(stdout);
	} else if (!strcmp(mode, "--completion")) {
		print_completion(stdout);
	} else if (!strcmp(mode, "--man")) {
		print_man(stdout);
	} else if (update || !strcmp(mode, "--check")) {
		int drift = check_spliced(README_PATH, README_BEGIN, README_END, print_readme,
					  update) +
			    check_spliced(COMPLETION_PATH, COMPLETION_BEGIN, COMPLETION_END,
					  print_completion, update) +
			    check_man(update);

		if (!drift && !update)
			printf("option-docs: README.md, the bash completion and the man page "
			       "agree with the option table\n");
		return drift ? 1 : 0;
	} else if (!strcmp(mode, "--help")) {
		usage(stdout);
	} else {
		usage(stderr);
		return 2;
	}
	return fflush(stdout) ? 1 : 0;
}
