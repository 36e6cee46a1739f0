/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bind report: one kernel event decoded and enriched with what userspace
 * knows (command lines, cgroup path, holder processes). Every output format
 * renders this one structure.
 */
#ifndef BINDSNOOP_REPORT_H
#define BINDSNOOP_REPORT_H

#include <stdbool.h>
#include <linux/types.h>
#include "bindsnoop.h"

#define REPORT_MAX_HOLDERS   16
#define REPORT_MAX_PROCESSES 8
#define REPORT_CMDLINE_MAX   512
#define REPORT_CGROUP_MAX    256

/* Where a holder's description came from. */
#define HOLDER_SOURCE_KERNEL	1 /* the BPF program walked the bind table */
#define HOLDER_SOURCE_SOCK_DIAG 2 /* userspace asked sock_diag afterwards */

struct process_ref {
	__u32 pid;
	bool cmdline_known; /* false: the process was gone or unreadable */
	char comm[BS_COMM_LEN];
	char cmdline[REPORT_CMDLINE_MAX]; /* arguments joined by spaces */
};

struct holder_report {
	__u64 inode; /* 0: none (TIME_WAIT) */
	__u8 addr[BS_ADDR_LEN];
	__u32 uid; /* BS_UID_UNKNOWN when not known */
	__u16 port;
	__u16 family;	/* AF_INET / AF_INET6 */
	__u16 protocol; /* IPPROTO_TCP / IPPROTO_UDP */
	__u8 state;	/* TCP_* number; UDP: TCP_CLOSE = unconnected */
	__u8 flags;	/* BS_HOLDER_* */
	__u8 source;	/* HOLDER_SOURCE_* */
	__u32 process_count;
	/* Processes with the socket open; [0] may come from the bind-time tag. */
	struct process_ref processes[REPORT_MAX_PROCESSES];
};

struct caller_report {
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u64 netns;
	__u64 cgroup_id;
	char comm[BS_COMM_LEN];
	bool cmdline_known;
	char cmdline[REPORT_CMDLINE_MAX];
	char cgroup[REPORT_CGROUP_MAX]; /* "" when unknown */
};

struct bind_report {
	__u64 ts_realtime_ns; /* wall clock, ns since the epoch */
	int error;	      /* positive errno, 0 for success */
	__u16 protocol;	      /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_MPTCP, ... */
	__u16 family;
	__u16 port;		/* requested */
	__u8 addr[BS_ADDR_LEN]; /* requested */
	__u8 kind;		/* BS_KIND_* */
	__u8 hook;		/* BS_HOOK_* */
	bool holders_searched;	/* some lookup ran (kernel walk or sock_diag) */
	__u32 holder_count;
	struct holder_report holders[REPORT_MAX_HOLDERS];
	struct caller_report caller;
};

/* "bind_failed", "bind", "listen_failed" or "listen". */
const char *report_event_name(const struct bind_report *report);

#endif /* BINDSNOOP_REPORT_H */
