// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * json_render_report with arbitrary bytes as comm, cmdline and cgroup and
 * arbitrary numbers: every line must be one strict JSON object in valid
 * UTF-8 (json-c decides), end in exactly one newline, and give back the
 * exact bytes of every name and command line (directly or via *_raw).
 */
#include "fuzz_report.h"
#include "output/json_event.h"
#include "strbuf.h"

static void check_process(struct json_object *object, const char *comm, bool cmdline_known,
			  const char *cmdline)
{
	struct json_object *value;

	FUZZ_CHECK(fuzz_text_round_trips(object, "comm", comm, strlen(comm)), "comm %s",
		   json_object_to_json_string(object));
	FUZZ_CHECK(json_object_object_get_ex(object, "cmdline", &value), "no cmdline");
	if (!cmdline_known) {
		FUZZ_CHECK(json_object_is_type(value, json_type_null), "cmdline should be null");
		return;
	}
	FUZZ_CHECK(fuzz_text_round_trips(object, "cmdline", cmdline, strlen(cmdline)), "cmdline %s",
		   json_object_to_json_string(object));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct strbuf line = STRBUF_INIT;
	struct json_object *event, *caller, *holders;
	static struct bind_report report;

	fuzz_report(&in, &report);
	FUZZ_CHECK(json_render_report(&report, &line) == 0, "render failed");
	FUZZ_CHECK(line.len && line.data[line.len - 1] == '\n' &&
			   !memchr(line.data, '\n', line.len - 1),
		   "not one line");
	event = fuzz_parse_json(line.data, line.len - 1);
	FUZZ_CHECK(event && json_object_is_type(event, json_type_object), "not JSON: %s",
		   line.data);
	FUZZ_CHECK(json_object_object_get_ex(event, "caller", &caller), "no caller");
	check_process(caller, report.caller.comm, report.caller.cmdline_known,
		      report.caller.cmdline);
	FUZZ_CHECK(json_object_object_get_ex(event, "holders", &holders), "no holders");
	for (size_t i = 0; i < json_object_array_length(holders); i++) {
		struct json_object *processes =
			json_object_object_get(json_object_array_get_idx(holders, i), "processes");

		for (size_t j = 0; j < json_object_array_length(processes); j++) {
			const struct process_ref *process = &report.holders[i].processes[j];

			check_process(json_object_array_get_idx(processes, j), process->comm,
				      process->cmdline_known, process->cmdline);
		}
	}
	json_object_put(event);
	strbuf_release(&line);
	return 0;
}
