// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "output/process_metrics.h"

static int single_sample(struct strbuf *out, enum metrics_format format, const char *name,
			 const char *type, const char *help, const char *value_format, double value)
{
	int err = metrics_append_family(out, format, name, type, help);

	err = err ?: strbuf_appendf(out, "%s ", name);
	err = err ?: strbuf_appendf(out, value_format, value);
	return err ?: strbuf_append_literal(out, "\n");
}

/* Pages from /proc/self/statm: field 0 is the virtual size, field 1 the resident set. */
static int read_statm(unsigned long *virtual_pages, unsigned long *resident_pages)
{
	FILE *statm = fopen("/proc/self/statm", "re");
	int fields;

	if (!statm)
		return -1;
	fields = fscanf(statm, "%lu %lu", virtual_pages, resident_pages);
	fclose(statm);
	return fields == 2 ? 0 : -1;
}

static long count_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *entry;
	long count = 0;

	if (!dir)
		return -1;
	while ((entry = readdir(dir)))
		if (entry->d_name[0] != '.')
			count++;
	closedir(dir);
	return count - 1; /* the directory's own descriptor */
}

/* Seconds since the epoch: btime from /proc/stat plus starttime (field 22) of /proc/self/stat. */
static double start_time_seconds(void)
{
	char line[1024], *after_comm;
	unsigned long long start_ticks = 0, boot_time = 0;
	FILE *file = fopen("/proc/self/stat", "re");
	size_t len;
	int field;

	if (!file)
		return -1;
	len = fread(line, 1, sizeof(line) - 1, file);
	fclose(file);
	line[len] = '\0';
	/* The command name may hold spaces and ')': fields start after the last ')'. */
	after_comm = strrchr(line, ')');
	if (!after_comm)
		return -1;
	/* after_comm + 2 is field 3 (state); starttime is field 22. */
	after_comm += 2;
	for (field = 3; field < 22 && after_comm; field++) {
		after_comm = strchr(after_comm, ' ');
		if (after_comm)
			after_comm++;
	}
	if (!after_comm || sscanf(after_comm, "%llu", &start_ticks) != 1)
		return -1;
	file = fopen("/proc/stat", "re");
	if (!file)
		return -1;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "btime %llu", &boot_time) == 1)
			break;
	fclose(file);
	if (!boot_time)
		return -1;
	return boot_time + (double)start_ticks / sysconf(_SC_CLK_TCK);
}

int process_metrics_render(enum metrics_format format, struct strbuf *out)
{
	unsigned long virtual_pages, resident_pages;
	long page_size = sysconf(_SC_PAGESIZE);
	struct rlimit files;
	struct rusage usage;
	double start;
	long fds;
	int err = 0;

	if (!getrusage(RUSAGE_SELF, &usage))
		err = single_sample(out, format, "process_cpu_seconds_total", "counter",
				    "Total user and system CPU time spent in seconds.", "%.6f",
				    usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
					    (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
						    1e6);
	if (!err && !read_statm(&virtual_pages, &resident_pages)) {
		err = single_sample(out, format, "process_resident_memory_bytes", "gauge",
				    "Resident memory size in bytes.", "%.0f",
				    (double)resident_pages * page_size);
		err = err   ?:
			      single_sample(out, format, "process_virtual_memory_bytes", "gauge",
					    "Virtual memory size in bytes.", "%.0f",
					    (double)virtual_pages * page_size);
	}
	fds = count_open_fds();
	if (!err && fds >= 0)
		err = single_sample(out, format, "process_open_fds", "gauge",
				    "Number of open file descriptors.", "%.0f", fds);
	if (!err && !getrlimit(RLIMIT_NOFILE, &files) && files.rlim_cur != RLIM_INFINITY)
		err = single_sample(out, format, "process_max_fds", "gauge",
				    "Maximum number of open file descriptors.", "%.0f",
				    (double)files.rlim_cur);
	start = start_time_seconds();
	if (!err && start >= 0)
		err = single_sample(out, format, "process_start_time_seconds", "gauge",
				    "Start time of the process since unix epoch in seconds.",
				    "%.2f", start);
	return err;
}
