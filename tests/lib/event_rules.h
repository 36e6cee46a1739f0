/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rules of schema/README.md that a JSON Schema cannot express, checked on
 * any output line. Everything else a line must say (keys, their order, types,
 * value sets, which fields a success or a failure has) is checked against
 * schema/bindsnoop-event-v2.schema.json itself by tests/lib/validate_events.py,
 * never copied here.
 */
#ifndef TESTS_EVENT_RULES_H
#define TESTS_EVENT_RULES_H

#include <stddef.h>
#include "json.h"

/*
 * 0 if the line keeps every rule below, -1 with the first broken one in
 * problem. Fields that are absent or of another type are left to the schema.
 *   - error names errno: its name, or "E<n>" for a number without one;
 *   - listen and listen_failed come through via "listen", other events never;
 *   - addr, of an event and of each holder, is the canonical (inet_ntop)
 *     spelling of an address of its family;
 *   - ts and every start_time are real dates, not just the right shape.
 */
int event_check_rules(const struct json_value *line, char *problem, size_t len);

#endif /* TESTS_EVENT_RULES_H */
