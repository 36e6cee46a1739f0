// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "clock.h"
#include "output/session.h"

__u64 session_now_ns(void)
{
	return realtime_ns();
}

void session_info_init(struct session_info *info, const struct options *opts, const char *backend)
{
	struct utsname uts;

	memset(info, 0, sizeof(*info));
	info->ts_realtime_ns = session_now_ns();
	info->pid = getpid();
	info->version = BINDSNOOP_VERSION;
	info->backend = backend;
	info->opts = opts;
	if (gethostname(info->host, sizeof(info->host) - 1) || !info->host[0])
		strcpy(info->host, "unknown");
	if (uname(&uts) || !uts.release[0])
		strcpy(info->kernel, "unknown");
	else
		snprintf(info->kernel, sizeof(info->kernel), "%s", uts.release);
}
