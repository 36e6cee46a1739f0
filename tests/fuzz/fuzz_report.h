/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A bind report made of fuzz input: every number, and hostile bytes as names. */
#ifndef FUZZ_REPORT_H
#define FUZZ_REPORT_H

#include "fuzz_input.h"
#include "report.h"

static inline void fuzz_process(struct fuzz_input *in, struct process_ref *process)
{
	process->pid = fuzz_number(in, 4);
	fuzz_string(in, process->comm, sizeof(process->comm));
	process->cmdline_known = fuzz_number(in, 1) & 1;
	fuzz_string(in, process->cmdline, sizeof(process->cmdline));
}

static inline void fuzz_report(struct fuzz_input *in, struct bind_report *report)
{
	memset(report, 0, sizeof(*report));
	report->ts_realtime_ns = fuzz_number(in, 8);
	report->error = fuzz_number(in, 2) % 300;
	report->protocol = fuzz_number(in, 2);
	report->family = fuzz_number(in, 1) & 1 ? 10 : 2;
	report->port = fuzz_number(in, 2);
	fuzz_bytes(in, (char *)report->addr, sizeof(report->addr));
	report->kind = fuzz_number(in, 1) % 5;
	report->hook = fuzz_number(in, 1) % 5;
	report->holders_searched = fuzz_number(in, 1) & 1;
	report->caller.pid = fuzz_number(in, 4);
	report->caller.tid = fuzz_number(in, 4);
	report->caller.ppid = fuzz_number(in, 4);
	report->caller.uid = fuzz_number(in, 4);
	report->caller.netns = fuzz_number(in, 8);
	fuzz_string(in, report->caller.comm, sizeof(report->caller.comm));
	report->caller.cmdline_known = fuzz_number(in, 1) & 1;
	fuzz_string(in, report->caller.cmdline, sizeof(report->caller.cmdline));
	fuzz_string(in, report->caller.cgroup, sizeof(report->caller.cgroup));
	/* Lying counts too: more holders and processes than the arrays hold. */
	report->holder_count = fuzz_number(in, 1) % (REPORT_MAX_HOLDERS + 3);
	for (__u32 i = 0; i < report->holder_count && i < REPORT_MAX_HOLDERS; i++) {
		struct holder_report *holder = &report->holders[i];

		holder->inode = fuzz_number(in, 8);
		fuzz_bytes(in, (char *)holder->addr, sizeof(holder->addr));
		holder->uid = fuzz_number(in, 4);
		holder->port = fuzz_number(in, 2);
		holder->family = fuzz_number(in, 1) & 1 ? 10 : 2;
		holder->protocol = fuzz_number(in, 2);
		holder->state = fuzz_number(in, 1);
		holder->flags = fuzz_number(in, 1);
		holder->source = fuzz_number(in, 1) % 4;
		holder->process_count = fuzz_number(in, 1) % (REPORT_MAX_PROCESSES + 3);
		for (__u32 j = 0; j < holder->process_count && j < REPORT_MAX_PROCESSES; j++)
			fuzz_process(in, &holder->processes[j]);
	}
}

#endif /* FUZZ_REPORT_H */
