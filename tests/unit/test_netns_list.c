// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * netns_list: the namespace asked for first, then each other one once; the
 * /proc walk stops at a report's budget (a stale socket file's search runs
 * on the event path, and anyone can start thousands of processes).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include "enrich/netns_list.h"
#include "unit.h"

/* Enough processes that the walk reaches its first budget check (every 64). */
#define CHILDREN 70

static void test_ours_first_each_once(struct netns_ref ours)
{
	struct netns_list list;

	CHECK_INT(netns_list_find(&list, ours, false, NULL), 0);
	CHECK_INT(list.count, 1);
	netns_list_free(&list);
	CHECK_INT(netns_list_find(&list, ours, true, NULL), 0);
	CHECK(list.count >= 1);
	CHECK_INT(list.refs[0].ino, ours.ino);
	CHECK_INT(list.refs[0].pid, ours.pid);
	for (size_t i = 1; i < list.count; i++)
		CHECK(list.refs[i].ino != ours.ino);
	netns_list_free(&list);
	CHECK(list.refs == NULL && list.count == 0);
}

static void test_budget_stops_the_walk(struct netns_ref ours)
{
	struct lookup_budget spent = { .started_ns = 0, .deadline_ns = 0 };
	struct netns_list list;
	pid_t children[CHILDREN];
	int forked = 0;

	for (; forked < CHILDREN; forked++) {
		children[forked] = fork();
		if (children[forked] == 0) {
			pause();
			_exit(0);
		}
		if (children[forked] < 0)
			break;
	}
	CHECK_INT(forked, CHILDREN);
	CHECK_INT(netns_list_find(&list, ours, true, &spent), -ETIME);
	CHECK(list.count >= 1);
	CHECK_INT(list.refs[0].ino, ours.ino);
	netns_list_free(&list);
	for (int i = 0; i < forked; i++)
		kill(children[i], SIGKILL);
	for (int i = 0; i < forked; i++)
		waitpid(children[i], NULL, 0);
}

int main(void)
{
	struct netns_ref ours = { netns_list_of("self"), (__u32)getpid() };

	CHECK(ours.ino != 0);
	test_ours_first_each_once(ours);
	test_budget_stops_the_walk(ours);
	return unit_summary();
}
