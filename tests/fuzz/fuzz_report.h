/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bind report made of fuzz input: every number, and hostile bytes in every
 * text a process or an admin chooses (names, command lines, executables,
 * cgroups, units, containers, devices) and in the diagnosis that quotes them.
 * tests/unit/test_fuzz_report.c checks that each text is reached.
 */
#ifndef FUZZ_REPORT_H
#define FUZZ_REPORT_H

#include "fuzz_input.h"
#include "report.h"

static inline void fuzz_container(struct fuzz_input *in, struct container_ref *container)
{
	fuzz_string(in, container->id, sizeof(container->id));
	fuzz_string(in, container->engine, sizeof(container->engine));
	fuzz_string(in, container->name, sizeof(container->name));
	fuzz_string(in, container->image, sizeof(container->image));
	fuzz_string(in, container->pod_uid, sizeof(container->pod_uid));
	fuzz_string(in, container->pod_namespace, sizeof(container->pod_namespace));
	fuzz_string(in, container->pod_name, sizeof(container->pod_name));
	fuzz_string(in, container->container_name, sizeof(container->container_name));
}

static inline void fuzz_identity(struct fuzz_input *in, struct process_identity *identity)
{
	fuzz_string(in, identity->exe, sizeof(identity->exe));
	identity->exe_dev = fuzz_number(in, 8);
	identity->exe_ino = fuzz_number(in, 8);
	identity->start_realtime_ns = fuzz_number(in, 8);
	fuzz_string(in, identity->cgroup, sizeof(identity->cgroup));
	fuzz_string(in, identity->service, sizeof(identity->service));
	fuzz_container(in, &identity->container);
}

static inline void fuzz_process(struct fuzz_input *in, struct process_ref *process)
{
	process->pid = fuzz_number(in, 4);
	process->socket_fd = (int)fuzz_number(in, 4);
	fuzz_string(in, process->comm, sizeof(process->comm));
	process->cmdline_known = fuzz_number(in, 1) & 1;
	fuzz_string(in, process->cmdline, sizeof(process->cmdline));
	fuzz_identity(in, &process->identity);
}

static inline void fuzz_caller(struct fuzz_input *in, struct caller_report *caller)
{
	struct caller_socket_options *options = &caller->socket_options;

	caller->pid = fuzz_number(in, 4);
	caller->tid = fuzz_number(in, 4);
	caller->ppid = fuzz_number(in, 4);
	caller->uid = fuzz_number(in, 4);
	caller->netns = fuzz_number(in, 8);
	caller->cgroup_id = fuzz_number(in, 8);
	fuzz_string(in, caller->comm, sizeof(caller->comm));
	caller->cmdline_known = fuzz_number(in, 1) & 1;
	fuzz_string(in, caller->cmdline, sizeof(caller->cmdline));
	fuzz_string(in, caller->cgroup, sizeof(caller->cgroup));
	fuzz_identity(in, &caller->identity);
	caller->identity_from_kernel = fuzz_number(in, 1) & 1;
	/* A lying count here too. */
	caller->parent_count = fuzz_number(in, 1) % (BS_PARENT_DEPTH + 3);
	for (__u32 i = 0; i < caller->parent_count && i < BS_PARENT_DEPTH; i++) {
		caller->parents[i].pid = fuzz_number(in, 4);
		fuzz_string(in, caller->parents[i].comm, sizeof(caller->parents[i].comm));
	}
	options->known = fuzz_number(in, 1) & 1;
	options->flags = fuzz_number(in, 1);
	options->bound_ifindex = fuzz_number(in, 4);
	fuzz_string(in, options->device, sizeof(options->device));
	caller->publishing = fuzz_number(in, 1) & 1;
	caller->publish_port = fuzz_number(in, 2);
}

static inline void fuzz_diagnosis(struct fuzz_input *in, struct diagnosis *diagnosis)
{
	diagnosis->cause = fuzz_number(in, 1) % (CAUSE_UNKNOWN + 1);
	fuzz_string(in, diagnosis->summary, sizeof(diagnosis->summary));
	fuzz_string(in, diagnosis->fix, sizeof(diagnosis->fix));
	diagnosis->repeat.count = fuzz_number(in, 4);
	diagnosis->repeat.window_s = fuzz_number(in, 4);
	fuzz_string(in, diagnosis->repeat.who, sizeof(diagnosis->repeat.who));
	diagnosis->repeat.is_unit = fuzz_number(in, 1) & 1;
	diagnosis->repeat.is_container = fuzz_number(in, 1) & 1;
}

static inline void fuzz_report(struct fuzz_input *in, struct bind_report *report)
{
	memset(report, 0, sizeof(*report));
	report->seq = fuzz_number(in, 8);
	report->ts_realtime_ns = fuzz_number(in, 8);
	report->error = fuzz_number(in, 2) % 300;
	report->protocol = fuzz_number(in, 2);
	report->family = fuzz_number(in, 1) & 1 ? 10 : 2;
	report->port = fuzz_number(in, 2);
	fuzz_bytes(in, (char *)report->addr, sizeof(report->addr));
	report->kind = fuzz_number(in, 1) % 5;
	report->hook = fuzz_number(in, 1) % 5;
	report->count = fuzz_number(in, 4);
	report->folded = fuzz_number(in, 1) & 1;
	report->holders_searched = fuzz_number(in, 1) & 1;
	report->holders_not_named = fuzz_number(in, 4);
	fuzz_caller(in, &report->caller);
	report->caller_v6only = fuzz_number(in, 1) & 1;
	report->caller_sock_inode = fuzz_number(in, 8);
	report->caller_socket.reuseaddr = (int)fuzz_number(in, 1) - 1;
	report->caller_socket.reuseport = (int)fuzz_number(in, 1) - 1;
	report->caller_socket.bound_port = (int)fuzz_number(in, 2);
	report->limits.unprivileged_port_start = (int)fuzz_number(in, 2);
	report->limits.local_port_low = (int)fuzz_number(in, 2);
	report->limits.local_port_high = (int)fuzz_number(in, 2);
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
	fuzz_diagnosis(in, &report->diagnosis);
}

#endif /* FUZZ_REPORT_H */
