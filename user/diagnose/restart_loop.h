/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Restart loops: the same unit, container or executable failing on the same
 * address again and again (systemd Restart=, a crash-looping container).
 * Failures are counted once per process, so a program's own retries of one
 * bind (nginx tries five times) do not look like a loop; only the last
 * RESTART_LOOP_WINDOW_S seconds count. Fixed memory, time passed in: pure
 * enough to unit-test.
 */
#ifndef BINDSNOOP_RESTART_LOOP_H
#define BINDSNOOP_RESTART_LOOP_H

#include <stdbool.h>
#include <linux/types.h>
#include "report.h"

#define RESTART_LOOP_WINDOW_S 60
#define RESTART_LOOP_KEYS     64 /* (who, address) pairs followed at once */
#define RESTART_LOOP_HISTORY  32 /* failures remembered per pair */

struct restart_loop;

struct restart_loop *restart_loop_new(void);
void restart_loop_free(struct restart_loop *loop);

/*
 * Note a failure of the report's caller and set out: who failed (its unit,
 * else its container, else its executable or comm) and how many distinct
 * processes of it failed on this address within the window, this one
 * included.
 */
void restart_loop_note(struct restart_loop *loop, const struct bind_report *report, __u64 now_ns,
		       struct repeat_info *out);

#endif /* BINDSNOOP_RESTART_LOOP_H */
