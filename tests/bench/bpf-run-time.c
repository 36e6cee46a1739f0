// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpf-run-time: the kernel's own count of what a tracer's BPF programs cost
 * while one command runs. Turns the kernel's run-time statistics on through
 * BPF_ENABLE_STATS (a reference: other users of the statistics keep theirs,
 * and they go off again when the last reference closes), finds the programs
 * that process PID holds (the prog_id lines of its /proc/PID/fdinfo), runs
 * COMMAND with this program's stdout, and prints one line per program that
 * ran meanwhile:
 *
 *   bpf-run-time: <name> <runs> runs <ns> ns per run
 *
 * Exits with COMMAND's status, 2 on a usage error, 1 if the statistics
 * cannot be turned on or PID holds no program.
 *
 *   bpf-run-time --pid PID -- COMMAND [ARG...]
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define MAX_PROGRAMS 64

struct program_stats {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	__u64 run_time_ns;
	__u64 run_cnt;
};

/* The ids of the programs pid holds a descriptor of; how many, or -errno. */
static int programs_of(pid_t pid, __u32 *ids, int max)
{
	char path[300], line[128];
	struct dirent *entry;
	int count = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((entry = readdir(dir)) && count < max) {
		FILE *info;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, entry->d_name);
		info = fopen(path, "re");
		if (!info)
			continue;
		while (fgets(line, sizeof(line), info)) {
			unsigned int id;
			bool known = false;

			if (sscanf(line, "prog_id: %u", &id) != 1)
				continue;
			for (int i = 0; i < count; i++)
				known |= ids[i] == id;
			if (!known)
				ids[count++] = id;
		}
		fclose(info);
	}
	closedir(dir);
	return count;
}

static int stats_read(struct program_stats *stats)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(stats->id);
	int err;

	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return err;
	snprintf(stats->name, sizeof(stats->name), "%s", info.name);
	stats->run_time_ns = info.run_time_ns;
	stats->run_cnt = info.run_cnt;
	return 0;
}

int main(int argc, char **argv)
{
	struct program_stats before[MAX_PROGRAMS], after;
	__u32 ids[MAX_PROGRAMS];
	int stats_fd, count, status;
	pid_t pid, child;
	char *end;

	if (argc < 5 || strcmp(argv[1], "--pid") || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: bpf-run-time --pid PID -- COMMAND [ARG...]\n");
		return 2;
	}
	pid = strtol(argv[2], &end, 10);
	if (*end || pid <= 0) {
		fprintf(stderr, "bpf-run-time: --pid %s is not a process id\n", argv[2]);
		return 2;
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bpf-run-time: cannot turn on BPF run-time statistics: %s (run as root)\n",
			strerror(errno));
		return 1;
	}
	count = programs_of(pid, ids, MAX_PROGRAMS);
	if (count <= 0) {
		fprintf(stderr, "bpf-run-time: process %d holds no BPF program (%s)\n", pid,
			count ? strerror(-count) : "none in its fdinfo");
		return 1;
	}
	for (int i = 0; i < count; i++) {
		before[i].id = ids[i];
		if (stats_read(&before[i]))
			before[i].id = 0;
	}
	child = fork();
	if (child == 0) {
		close(stats_fd);
		execvp(argv[4], argv + 4);
		fprintf(stderr, "bpf-run-time: cannot run %s: %s\n", argv[4], strerror(errno));
		_exit(127);
	}
	if (child < 0 || waitpid(child, &status, 0) < 0) {
		fprintf(stderr, "bpf-run-time: cannot run %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	for (int i = 0; i < count; i++) {
		__u64 runs;

		after.id = before[i].id;
		if (!after.id || stats_read(&after) || after.run_cnt <= before[i].run_cnt)
			continue;
		runs = after.run_cnt - before[i].run_cnt;
		printf("bpf-run-time: %s %llu runs %.0f ns per run\n", after.name,
		       (unsigned long long)runs,
		       (double)(after.run_time_ns - before[i].run_time_ns) / runs);
	}
	close(stats_fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
