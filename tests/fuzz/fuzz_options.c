// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * options_parse on arbitrary argument vectors (the input split at NUL
 * bytes): it never crashes, every limit holds when it accepts, and a
 * refusal is the house's usage error: "bindsnoop: ..." on stderr, at most
 * the problem line and the pointer to --help, nothing on stdout.
 */
#include "fuzz_input.h"
#include "options.h"

#define MAX_ARGS 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 2] = { "bindsnoop" };
	char *out_text = NULL, *err_text = NULL;
	size_t out_len = 0, err_len = 0, newlines = 0;
	int argc = 1;
	static struct options opts;
	enum options_result result;
	FILE *out, *err;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *at = copy; at <= copy + size && argc <= MAX_ARGS; at += strlen(at) + 1)
		argv[argc++] = at;
	argv[argc] = NULL;
	out = open_memstream(&out_text, &out_len);
	err = open_memstream(&err_text, &err_len);
	result = options_parse(argc, argv, &opts, out, err);
	fclose(out);
	fclose(err);
	if (result == OPTIONS_USAGE_ERROR) {
		for (size_t i = 0; i < err_len; i++)
			newlines += err_text[i] == '\n';
		FUZZ_CHECK(!strncmp(err_text, "bindsnoop: ", 11) && newlines >= 1 &&
				   newlines <= 2 && out_len == 0,
			   "usage error shape: %s", err_text);
	} else if (result == OPTIONS_RUN) {
		FUZZ_CHECK(opts.filters.pid_count <= BS_MAX_FILTER_PIDS &&
				   opts.filters.uid_count <= BS_MAX_FILTER_UIDS &&
				   opts.filters.comm_count <= BS_MAX_FILTER_COMMS,
			   "filter counts over their limits");
		FUZZ_CHECK(err_len == 0, "accepted but said: %s", err_text);
	}
	free(out_text);
	free(err_text);
	free(copy);
	return 0;
}
