// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "report.h"

const char *report_event_name(const struct bind_report *report)
{
	/* A failed autobind is a bind the kernel did on the caller's behalf. */
	if (report->kind == BS_KIND_LISTEN)
		return report->error ? "listen_failed" : "listen";
	return report->error ? "bind_failed" : "bind";
}
