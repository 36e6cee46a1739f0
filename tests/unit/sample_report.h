/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one sample the output tests render: python3 failing to bind
 * 127.0.0.1:3000 while node holds 0.0.0.0:3000. Tests change what they need.
 */
#ifndef BINDSNOOP_SAMPLE_REPORT_H
#define BINDSNOOP_SAMPLE_REPORT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include "report.h"

/* 2026-11-24T18:52:01.123456789Z */
#define SAMPLE_NS 1795546321123456789ULL

static inline void sample_report(struct bind_report *report)
{
	struct holder_report *holder = &report->holders[0];

	memset(report, 0, sizeof(*report));
	report->seq = 41;
	report->ts_realtime_ns = SAMPLE_NS;
	report->error = EADDRINUSE;
	report->count = 1;
	report->protocol = IPPROTO_TCP;
	report->family = AF_INET;
	report->port = 3000;
	inet_pton(AF_INET, "127.0.0.1", report->addr);
	report->kind = BS_KIND_BIND;
	report->hook = BS_HOOK_SYSCALL;
	report->holders_searched = true;
	report->caller.pid = 4242;
	report->caller.tid = 4243;
	report->caller.ppid = 1;
	report->caller.uid = 1000;
	report->caller.netns = 4026531840ULL;
	strcpy(report->caller.comm, "python3");
	report->caller.cmdline_known = true;
	strcpy(report->caller.cmdline, "python3 -m http.server 3000");
	strcpy(report->caller.cgroup, "/user.slice/session-1.scope");

	report->holder_count = 1;
	holder->state = 10;
	holder->protocol = IPPROTO_TCP;
	holder->family = AF_INET;
	holder->port = 3000;
	holder->uid = 1000;
	holder->inode = 123456;
	holder->source = HOLDER_SOURCE_KERNEL;
	holder->process_count = 1;
	holder->processes[0].pid = 4100;
	strcpy(holder->processes[0].comm, "node");
	holder->processes[0].cmdline_known = true;
	strcpy(holder->processes[0].cmdline, "node server.js");
}

#endif /* BINDSNOOP_SAMPLE_REPORT_H */
