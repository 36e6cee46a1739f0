// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * option-docs: what the user reads about the options, made from the rows of
 * user/option_table.c (--help is made from them by bindsnoop itself).
 *
 *   option-docs --readme      README.md's option tables
 *   option-docs --completion  the bash completion's option lists
 *   option-docs --man         the man page's OPTIONS section
 *   option-docs --check       exit 1, one line per file, when a committed file differs
 *   option-docs --update      rewrite the generated parts in place (make docs)
 *
 * The README's and the completion's parts sit between marker lines and are
 * rewritten whole. The man page's OPTIONS section takes its groups, their
 * order and each option's tag from the table; each option's paragraph is
 * prose written by hand, or its --help text until someone writes one.
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

#define README_BEGIN                                                                            \
	"<!-- options: made from user/option_table.c by `make docs`; edit the rows there, not " \
	"here -->\n"
#define README_END "<!-- end of options -->\n"
#define COMPLETION_BEGIN \
	"# options: made from user/option_table.c by `make docs`; edit the rows there\n"
#define COMPLETION_END "# end of options\n"
/* The completion's lists wrap before this column (a tab counts 8). */
#define COMPLETION_WIDTH 88
/* A paragraph made from --help text wraps before this column. */
#define MAN_WIDTH 78

/* "--port LIST", "--syslog[=TARGET]", "--json": the option as a user writes it. */
static void print_usage(FILE *out, const struct option_spec *spec)
{
	fprintf(out, "--%s", spec->name);
	if (spec->value == VALUE_REQUIRED)
		fprintf(out, " %s", spec->value_name);
	else if (spec->value == VALUE_OPTIONAL)
		fprintf(out, "[=%s]", spec->value_name);
}

/*
 * Text with a backslash before each special character: '|' in a Markdown
 * table cell (it would end the cell), '-' in an option for groff (a hyphen
 * otherwise).
 */
static void print_escaped(FILE *out, const char *text, char special)
{
	for (; *text; text++) {
		if (*text == special)
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
			print_escaped(out, spec->help, '|');
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

/* ".BR \-p ", " \-\-port " \fILIST\fR"": the tag of the option's .TP paragraph. */
static void print_man_tag(FILE *out, const struct option_spec *spec)
{
	bool alternating = spec->letter || spec->value != VALUE_NONE;

	fputs(alternating ? ".BR " : ".B ", out);
	if (spec->letter)
		fprintf(out, "\\-%c \", \" ", spec->letter);
	fputs("\\-\\-", out);
	print_escaped(out, spec->name, '-');
	if (spec->value == VALUE_REQUIRED)
		fprintf(out, " \" \\fI%s\\fR\"", spec->value_name);
	else if (spec->value == VALUE_OPTIONAL)
		fprintf(out, " [ =\\fI%s\\fR ]", spec->value_name);
	fputc('\n', out);
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

/*
 * The man page cut where the table orders it: its OPTIONS section is an
 * introduction, then per group (.SS) an introduction and one .TP paragraph
 * per option. The paragraphs are prose, written by hand; the groups, their
 * order and each paragraph's tag are the table's.
 */
#define MAN_MAX_SECTIONS   16
#define MAN_MAX_PARAGRAPHS 128

struct man_text {
	const char *at;
	size_t len;
};

struct man_options {
	struct man_text before; /* everything up to the first .SS of OPTIONS */
	struct man_text after;	/* from the .SH after OPTIONS on */
	struct {
		struct man_text name;  /* "Filters" */
		struct man_text intro; /* after the .SS line, up to its first .TP */
	} sections[MAN_MAX_SECTIONS];
	size_t section_count;
	struct {
		char name[48];	      /* "port": the option the tag names */
		struct man_text body; /* after the tag line, up to the next .TP, .SS or .SH */
		bool used;
	} paragraphs[MAN_MAX_PARAGRAPHS];
	size_t paragraph_count;
};

/* "port" from ".BR \-p ", " \-\-port " \fILIST\fR"". */
static void man_tag_name(const char *tag, size_t len, char *name, size_t name_size)
{
	const char *at = memmem(tag, len, "\\-\\-", 4);
	size_t out = 0;

	name[0] = '\0';
	if (!at)
		return;
	for (at += 4; at < tag + len && out + 1 < name_size;) {
		if (at + 1 < tag + len && at[0] == '\\' && at[1] == '-') {
			name[out++] = '-';
			at += 2;
		} else if ((*at >= 'a' && *at <= 'z') || (*at >= '0' && *at <= '9')) {
			name[out++] = *at++;
		} else {
			break;
		}
	}
	name[out] = '\0';
}

/* Where the open part (intro or paragraph body) ends: at this line. */
static void man_close(struct man_text *open, const char *line)
{
	if (open)
		open->len = line - open->at;
}

/* 0, or -EINVAL when the page has no OPTIONS section with groups, or too many of them. */
static int man_parse(const char *text, struct man_options *man)
{
	const char *options = strstr(text, "\n.SH OPTIONS\n"), *line;
	struct man_text *open = NULL;
	bool in_groups = false;

	memset(man, 0, sizeof(*man));
	if (!options)
		return -EINVAL;
	for (line = options + 1 + strlen(".SH OPTIONS\n"); *line;) {
		size_t len = strcspn(line, "\n");
		const char *next = line + len + (line[len] == '\n');

		if (!strncmp(line, ".SH ", 4))
			break;
		if (!strncmp(line, ".SS ", 4)) {
			if (man->section_count == MAN_MAX_SECTIONS)
				return -EINVAL;
			if (!in_groups)
				man->before = (struct man_text){ text, line - text };
			in_groups = true;
			man_close(open, line);
			man->sections[man->section_count].name =
				(struct man_text){ line + 4, len - 4 };
			open = &man->sections[man->section_count++].intro;
			open->at = next;
		} else if (in_groups && len == 3 && !strncmp(line, ".TP", 3)) {
			const char *tag = next;
			size_t tag_len = strcspn(tag, "\n");

			if (man->paragraph_count == MAN_MAX_PARAGRAPHS)
				return -EINVAL;
			man_close(open, line);
			man_tag_name(tag, tag_len, man->paragraphs[man->paragraph_count].name,
				     sizeof(man->paragraphs[0].name));
			open = &man->paragraphs[man->paragraph_count++].body;
			next = tag + tag_len + (tag[tag_len] == '\n');
			open->at = next;
		}
		line = next;
	}
	if (!in_groups)
		return -EINVAL;
	man_close(open, line);
	man->after = (struct man_text){ line, strlen(line) };
	return 0;
}

/* The help text as a paragraph of roff: a capital, a full stop, lines wrapped. */
static void print_man_help(FILE *out, const char *help)
{
	int column = 0;

	for (const char *word = help; *word;) {
		size_t len = strcspn(word, " ");
		bool last = !word[len];

		if (column && column + 1 + (int)len > MAN_WIDTH) {
			fputc('\n', out);
			column = 0;
		} else if (column) {
			fputc(' ', out);
			column++;
		}
		/* A line that starts with a dot or a quote would be a request. */
		if (!column && (word[0] == '.' || word[0] == '\''))
			column += fprintf(out, "\\&");
		for (size_t i = 0; i < len; i++) {
			char c = word == help && !i && word[i] >= 'a' && word[i] <= 'z' ?
					 word[i] - 'a' + 'A' :
					 word[i];

			if (c == '-' || c == '\\')
				fputc('\\', out);
			fputc(c == '\\' ? 'e' : c, out);
			column += 1 + (c == '-' || c == '\\');
		}
		if (last && !strchr(".!?", word[len - 1]))
			fputc('.', out);
		word += len;
		word += strspn(word, " ");
	}
	fputc('\n', out);
}

static void print_man_section(FILE *out, struct man_options *man, int section)
{
	const char *name = option_section_names[section];

	fprintf(out, ".SS %s\n", name);
	for (size_t i = 0; i < man->section_count; i++)
		if (man->sections[i].name.len == strlen(name) &&
		    !strncmp(man->sections[i].name.at, name, man->sections[i].name.len))
			fwrite(man->sections[i].intro.at, 1, man->sections[i].intro.len, out);
	for (size_t i = 0; i < option_spec_count; i++) {
		const struct option_spec *spec = &option_specs[i];
		size_t paragraph;

		if (spec->section != (enum option_section)section)
			continue;
		fputs(".TP\n", out);
		print_man_tag(out, spec);
		for (paragraph = 0; paragraph < man->paragraph_count; paragraph++)
			if (!man->paragraphs[paragraph].used &&
			    !strcmp(man->paragraphs[paragraph].name, spec->name))
				break;
		if (paragraph == man->paragraph_count) {
			print_man_help(out, spec->help);
			continue;
		}
		man->paragraphs[paragraph].used = true;
		fwrite(man->paragraphs[paragraph].body.at, 1, man->paragraphs[paragraph].body.len,
		       out);
	}
}

/* The whole page with its OPTIONS made from the table; NULL when out of memory. */
static char *man_render(struct man_options *man)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (!out)
		return NULL;
	fwrite(man->before.at, 1, man->before.len, out);
	for (int section = 0; section < SECTION_COUNT; section++)
		print_man_section(out, man, section);
	fwrite(man->after.at, 1, man->after.len, out);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* --man: the OPTIONS section of docs/bindsnoop.8 as the table makes it. */
static int print_man(void)
{
	char *text = read_file(MAN_PATH), *made = NULL, *options, *end;
	struct man_options man;

	if (!text || man_parse(text, &man) || !(made = man_render(&man))) {
		fprintf(stderr, "option-docs: %s has no OPTIONS section with .SS groups\n",
			MAN_PATH);
		free(text);
		return 1;
	}
	options = strstr(made, "\n.SH OPTIONS\n") + 1;
	end = strstr(options + 1, "\n.SH ");
	fwrite(options, 1, end ? (size_t)(end + 1 - options) : strlen(options), stdout);
	free(text);
	free(made);
	return 0;
}

/* The first line where two texts differ, for the message. */
static void first_difference(const char *got, const char *want, char *out, size_t out_size)
{
	while (*got && *want) {
		size_t got_len = strcspn(got, "\n"), want_len = strcspn(want, "\n");

		if (got_len != want_len || strncmp(got, want, got_len)) {
			snprintf(out, out_size, "has '%.*s' where the table makes '%.*s'",
				 (int)got_len, got, (int)want_len, want);
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

/*
 * text is what path holds, want what the table makes of it: 0 when they
 * agree or want was written (update), else 1 after a line on stderr that
 * ends in detail.
 */
static int settle(const char *path, const char *text, const char *want, bool update,
		  const char *detail)
{
	int err;

	if (!strcmp(text, want))
		return 0;
	if (!update) {
		fprintf(stderr, "option-docs: %s %s\n", path, detail);
		return 1;
	}
	err = write_file(path, want);
	if (err) {
		fprintf(stderr, "option-docs: writing %s: %s\n", path, strerror(-err));
		return 1;
	}
	printf("option-docs: %s made from the option table\n", path);
	return 0;
}

/* README.md or the completion: the part between the markers. */
static int check_spliced(const char *path, const char *begin, const char *end,
			 void (*print)(FILE *out), bool update)
{
	char *text = read_file(path), *body = rendered(print), *want = NULL;
	const char *problem = "cannot be read";
	int drift;

	if (text && body)
		want = splice(text, begin, end, body, &problem);
	if (want) {
		drift = settle(path, text, want, update,
			       "differs from the option table; run `make docs`");
	} else {
		fprintf(stderr, "option-docs: %s %s; restore it from git\n", path, problem);
		drift = 1;
	}
	free(text);
	free(body);
	free(want);
	return drift;
}

/* The man page: its OPTIONS section. */
static int check_man(bool update)
{
	char *text = read_file(MAN_PATH), *want = NULL, difference[512], detail[640];
	struct man_options man;
	int drift = 1;

	if (!text || man_parse(text, &man)) {
		fprintf(stderr,
			"option-docs: %s has no OPTIONS section with .SS groups; restore "
			"it from git\n",
			MAN_PATH);
		goto out;
	}
	want = man_render(&man);
	if (!want) {
		fprintf(stderr, "option-docs: %s: out of memory\n", MAN_PATH);
		goto out;
	}
	for (size_t i = 0; i < man.paragraph_count; i++)
		if (!man.paragraphs[i].used)
			fprintf(stderr,
				"option-docs: %s has a paragraph for --%s, which is no option of "
				"user/option_table.c%s\n",
				MAN_PATH, man.paragraphs[i].name, update ? ": left out" : "");
	first_difference(text, want, difference, sizeof(difference));
	snprintf(detail, sizeof(detail),
		 "OPTIONS %s; run `make docs` (it writes each option's tag, and its --help "
		 "text where no paragraph exists)",
		 difference);
	drift = settle(MAN_PATH, text, want, update, detail);
out:
	free(text);
	free(want);
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
		return print_man();
	} else if (update || !strcmp(mode, "--check")) {
		int drift =
			check_spliced(README_PATH, README_BEGIN, README_END, print_readme, update) +
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
