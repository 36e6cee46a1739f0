// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/restart_loop.h"

#define WINDOW_NS ((__u64)RESTART_LOOP_WINDOW_S * 1000000000ULL)

struct failure {
	__u64 at_ns;
	__u32 pid;
};

struct loop_key {
	char who[REPORT_SERVICE_MAX];
	__u16 protocol;
	__u16 port;
	__u16 family;
	__u8 addr[BS_ADDR_LEN];
	__u64 last_ns; /* 0: free */
	unsigned int next;
	struct failure failures[RESTART_LOOP_HISTORY];
};

struct restart_loop {
	struct loop_key keys[RESTART_LOOP_KEYS];
};

struct restart_loop *restart_loop_new(void)
{
	return calloc(1, sizeof(struct restart_loop));
}

void restart_loop_free(struct restart_loop *loop)
{
	free(loop);
}

/* The name that stays the same across restarts: unit, container, executable. */
static void who_of(const struct bind_report *report, struct repeat_info *out)
{
	const struct process_identity *identity = &report->caller.identity;
	const struct container_ref *container = &identity->container;

	out->is_unit = false;
	out->is_container = false;
	if (identity->service[0]) {
		snprintf(out->who, sizeof(out->who), "%s", identity->service);
		out->is_unit = true;
	} else if (container->id[0]) {
		snprintf(out->who, sizeof(out->who), "%s",
			 container->name[0] ? container->name : container->id);
		out->is_container = true;
	} else if (identity->exe[0]) {
		snprintf(out->who, sizeof(out->who), "%.127s", identity->exe);
	} else {
		snprintf(out->who, sizeof(out->who), "%.*s", BS_COMM_LEN, report->caller.comm);
	}
}

static bool key_matches(const struct loop_key *key, const struct repeat_info *who,
			const struct bind_report *report)
{
	return key->last_ns && !strcmp(key->who, who->who) && key->protocol == report->protocol &&
	       key->port == report->port && key->family == report->family &&
	       !memcmp(key->addr, report->addr, BS_ADDR_LEN);
}

void restart_loop_note(struct restart_loop *loop, const struct bind_report *report, __u64 now_ns,
		       struct repeat_info *out)
{
	struct loop_key *key = NULL, *oldest = &loop->keys[0];
	__u32 pids[RESTART_LOOP_HISTORY];
	__u32 distinct = 0;

	memset(out, 0, sizeof(*out));
	who_of(report, out);
	out->window_s = RESTART_LOOP_WINDOW_S;
	for (int i = 0; i < RESTART_LOOP_KEYS && !key; i++) {
		if (key_matches(&loop->keys[i], out, report))
			key = &loop->keys[i];
		else if (loop->keys[i].last_ns < oldest->last_ns)
			oldest = &loop->keys[i];
	}
	if (!key) {
		key = oldest;
		memset(key, 0, sizeof(*key));
		snprintf(key->who, sizeof(key->who), "%s", out->who);
		key->protocol = report->protocol;
		key->port = report->port;
		key->family = report->family;
		memcpy(key->addr, report->addr, BS_ADDR_LEN);
	}
	key->last_ns = now_ns ? now_ns : 1;
	key->failures[key->next++ % RESTART_LOOP_HISTORY] =
		(struct failure){ .at_ns = now_ns, .pid = report->caller.pid };
	for (int i = 0; i < RESTART_LOOP_HISTORY; i++) {
		const struct failure *failure = &key->failures[i];
		bool seen = false;

		if (!failure->pid || failure->at_ns + WINDOW_NS < now_ns || failure->at_ns > now_ns)
			continue;
		for (__u32 j = 0; j < distinct && !seen; j++)
			seen = pids[j] == failure->pid;
		if (!seen)
			pids[distinct++] = failure->pid;
	}
	out->count = distinct;
}
