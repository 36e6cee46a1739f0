// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include "report.h"

const char *report_event_name(const struct bind_report *report)
{
	/* A failed autobind is a bind the kernel did on the caller's behalf. */
	if (report->kind == BS_KIND_LISTEN)
		return report->error ? "listen_failed" : "listen";
	return report->error ? "bind_failed" : "bind";
}

static const char *const cause_names[] = {
	[CAUSE_DUAL_STACK] = "dual_stack",
	[CAUSE_TIME_WAIT] = "time_wait",
	[CAUSE_CONTAINER_PORT] = "container_port",
	[CAUSE_SERVICE_SOCKET] = "service_socket",
	[CAUSE_SAME_PROGRAM] = "same_program",
	[CAUSE_OTHER_PROGRAM] = "other_program",
	[CAUSE_REUSEPORT_MISMATCH] = "reuseport_mismatch",
	[CAUSE_PRIVILEGED_PORT] = "privileged_port",
	[CAUSE_DENIED] = "denied",
	[CAUSE_ADDRESS_NOT_LOCAL] = "address_not_local",
	[CAUSE_PORTS_EXHAUSTED] = "ports_exhausted",
	[CAUSE_ALREADY_BOUND] = "already_bound",
	[CAUSE_STALE_SOCKET_FILE] = "stale_socket_file",
	[CAUSE_NOT_A_SOCKET] = "not_a_socket",
	[CAUSE_NO_DIRECTORY] = "no_directory",
	[CAUSE_UNKNOWN] = "unknown",
};

static const char *const cause_labels[] = {
	[CAUSE_DUAL_STACK] = "own dual-stack socket",
	[CAUSE_TIME_WAIT] = "TIME_WAIT",
	[CAUSE_CONTAINER_PORT] = "container port",
	[CAUSE_SERVICE_SOCKET] = "socket unit",
	[CAUSE_SAME_PROGRAM] = "older instance",
	[CAUSE_OTHER_PROGRAM] = "other program",
	[CAUSE_REUSEPORT_MISMATCH] = "SO_REUSEPORT mismatch",
	[CAUSE_PRIVILEGED_PORT] = "privileged port",
	[CAUSE_DENIED] = "denied by policy",
	[CAUSE_ADDRESS_NOT_LOCAL] = "address not local",
	[CAUSE_PORTS_EXHAUSTED] = "no free port",
	[CAUSE_ALREADY_BOUND] = "socket already bound",
	[CAUSE_STALE_SOCKET_FILE] = "stale socket file",
	[CAUSE_NOT_A_SOCKET] = "not a socket",
	[CAUSE_NO_DIRECTORY] = "no directory",
	[CAUSE_UNKNOWN] = "cause unknown",
};

const char *diagnosis_cause_name(enum diagnosis_cause cause)
{
	if (cause <= CAUSE_NONE || cause > CAUSE_UNKNOWN)
		return NULL;
	return cause_names[cause];
}

const char *diagnosis_cause_label(enum diagnosis_cause cause)
{
	if (cause <= CAUSE_NONE || cause > CAUSE_UNKNOWN)
		return "";
	return cause_labels[cause];
}

const char *report_ordinal(__u32 n, char *buf, size_t len)
{
	const char *suffix = "th";

	if (n % 100 < 11 || n % 100 > 13) {
		if (n % 10 == 1)
			suffix = "st";
		else if (n % 10 == 2)
			suffix = "nd";
		else if (n % 10 == 3)
			suffix = "rd";
	}
	snprintf(buf, len, "%u%s", n, suffix);
	return buf;
}
