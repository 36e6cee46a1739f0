// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "diagnose/program_name.h"

const char *program_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* name is prefix followed by nothing but version characters ("python3.11", "ruby3.1"). */
static bool versioned(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);

	if (strncmp(name, prefix, len))
		return false;
	for (name += len; *name; name++)
		if (!isdigit((unsigned char)*name) && *name != '.')
			return false;
	return true;
}

bool program_is_interpreter(const char *exe)
{
	static const char *const versioned_names[] = { "python", "ruby", "perl", "php", "node" };
	static const char *const names[] = { "nodejs", "java", "sh",  "bash",	"dash",
					     "zsh",    "ksh",  "ash", "busybox" };
	const char *name = program_base_name(exe);

	for (size_t i = 0; i < sizeof(versioned_names) / sizeof(versioned_names[0]); i++)
		if (versioned(name, versioned_names[i]))
			return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* The next space-separated word of *cursor into word (cut to word_size - 1). */
static bool next_word(const char **cursor, char *word, size_t word_size)
{
	const char *at = *cursor;
	size_t len = 0;

	while (*at == ' ')
		at++;
	if (!*at)
		return false;
	while (at[len] && at[len] != ' ')
		len++;
	if (len > word_size - 1)
		len = word_size - 1;
	memcpy(word, at, len);
	word[len] = '\0';
	while (*at && *at != ' ')
		at++;
	*cursor = at;
	return true;
}

/* Options of python and java that take the next word as their value. */
static bool option_takes_value(const char *option)
{
	static const char *const options[] = { "-W",	       "-X", "-cp",	      "-classpath",
					       "--class-path", "-p", "--module-path", "-r",
					       "--require" };

	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (!strcmp(option, options[i]))
			return true;
	return false;
}

size_t program_argument(const char *cmdline, char *out, size_t out_size)
{
	char word[PROGRAM_ARGUMENT_MAX];
	const char *cursor = cmdline;

	out[0] = '\0';
	if (!next_word(&cursor, word, sizeof(word))) /* argv[0] */
		return 0;
	while (next_word(&cursor, word, sizeof(word))) {
		/* These name what runs together with the word after them, or the rest. */
		if (!strcmp(word, "-m") || !strcmp(word, "-jar") || !strcmp(word, "-c") ||
		    !strcmp(word, "-e")) {
			const char *rest = cursor;

			while (*rest == ' ')
				rest++;
			snprintf(out, out_size, "%s %s", word, rest);
			return strlen(out);
		}
		if (word[0] == '-') {
			if (option_takes_value(word))
				next_word(&cursor, word, sizeof(word));
			continue;
		}
		snprintf(out, out_size, "%s", word);
		return strlen(out);
	}
	return 0;
}

bool program_same(const char *exe, const char *cmdline_a, const char *cmdline_b)
{
	char a[PROGRAM_ARGUMENT_MAX], b[PROGRAM_ARGUMENT_MAX];

	if (!program_is_interpreter(exe))
		return true;
	if (!cmdline_a || !cmdline_b)
		return false;
	program_argument(cmdline_a, a, sizeof(a));
	program_argument(cmdline_b, b, sizeof(b));
	/* A command line the kernel cut short ("...") matches the start of the whole one. */
	size_t len_a = strlen(a), len_b = strlen(b);

	if (len_a > 3 && !strcmp(a + len_a - 3, "..."))
		return !strncmp(a, b, len_a - 3);
	if (len_b > 3 && !strcmp(b + len_b - 3, "..."))
		return !strncmp(a, b, len_b - 3);
	return !strcmp(a, b);
}

size_t program_invoked_name(const char *exe, const char *cmdline, char *out, size_t out_size)
{
	char argv0[PROGRAM_ARGUMENT_MAX];
	const char *cursor = cmdline;

	out[0] = '\0';
	if (!cmdline || !next_word(&cursor, argv0, sizeof(argv0)))
		return 0;
	/* A title the process set itself ("nginx: master process"): the name before ':'. */
	if (argv0[0] && argv0[strlen(argv0) - 1] == ':')
		argv0[strlen(argv0) - 1] = '\0';
	if (!strcmp(program_base_name(argv0), program_base_name(exe)))
		return 0;
	snprintf(out, out_size, "%s", program_base_name(argv0));
	return strlen(out);
}
