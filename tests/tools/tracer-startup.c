// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tracer-startup: how long a tracer takes from exec to its "Tracing" line,
 * and how much memory it then holds. Runs COMMAND with stderr on a pipe,
 * times the first stderr line that starts with "Tracing", lets the tracer
 * sit idle for --settle-ms, reads VmRSS and VmHWM from /proc/PID/status,
 * stops it with SIGINT and prints one line:
 *
 *   startup: <ms> ms to Tracing, rss <kB> kB, hwm <kB> kB, cpu <ms> ms, verified <insns>,
 *   line: <Tracing line>
 *
 * cpu: the time the tracer's threads ran until the Tracing line
 * (/proc/PID/task/TID/schedstat), its own work whatever else the machine
 * runs; the verifier checking its programs counts in it. verified: the
 * instructions the verifier processed for the costliest of its programs
 * (fdinfo's verified_insns, 5.16+; 0 where the kernel does not say).
 *
 * The clock starts just before fork(), so the figure includes exec and the
 * dynamic loader, as a user would see it. Exits 1 (with the tracer's
 * stderr) if the tracer exits or stays silent for 30 s.
 *
 *   tracer-startup [--settle-ms N] -- COMMAND [ARG...]
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GIVE_UP_MS 30000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A field of /proc/PID/status in kB ("VmRSS:   12345 kB"), or -1. */
static long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long value = -1;
	FILE *status;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	status = fopen(path, "r");
	if (!status)
		return -1;
	while (fgets(line, sizeof(line), status))
		if (!strncmp(line, field, len) && line[len] == ':') {
			value = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(status);
	return value;
}

/* The ms the threads of pid have run so far (schedstat's first field, in ns), or -1. */
static double cpu_ms(pid_t pid)
{
	char path[96];
	struct dirent *task;
	double total = -1;
	DIR *tasks;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	tasks = opendir(path);
	while (tasks && (task = readdir(tasks))) {
		unsigned long long ran_ns;
		FILE *schedstat;

		if (task->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/schedstat", (int)pid,
			 task->d_name);
		schedstat = fopen(path, "r");
		if (schedstat && fscanf(schedstat, "%llu", &ran_ns) == 1)
			total = (total < 0 ? 0 : total) + ran_ns / 1e6;
		if (schedstat)
			fclose(schedstat);
	}
	if (tasks)
		closedir(tasks);
	return total;
}

/* The largest verified_insns among pid's BPF program descriptors; 0 if none says. */
static long most_verified_insns(pid_t pid)
{
	char path[96], line[256];
	struct dirent *fd;
	long most = 0;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	fds = opendir(path);
	while (fds && (fd = readdir(fds))) {
		FILE *info;
		long insns;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%.16s", (int)pid, fd->d_name);
		info = fopen(path, "r");
		while (info && fgets(line, sizeof(line), info))
			if (sscanf(line, "verified_insns: %ld", &insns) == 1 && insns > most)
				most = insns;
		if (info)
			fclose(info);
	}
	if (fds)
		closedir(fds);
	return most;
}

static void stop_child(pid_t child)
{
	kill(child, SIGINT);
	waitpid(child, NULL, 0);
}

int main(int argc, char **argv)
{
	char text[8192], *tracing_line = NULL;
	long settle_ms = 500, rss, hwm, verified;
	int pipe_fds[2], argi = 1;
	size_t used = 0;
	double started, startup_ms = 0, ran_ms;
	pid_t child;

	if (argi + 1 < argc && !strcmp(argv[argi], "--settle-ms")) {
		settle_ms = strtol(argv[argi + 1], NULL, 10);
		argi += 2;
	}
	if (argi >= argc || strcmp(argv[argi], "--") || argi + 1 >= argc || settle_ms < 0) {
		fprintf(stderr, "usage: tracer-startup [--settle-ms N] -- COMMAND [ARG...]\n");
		return 2;
	}
	argi++;
	if (pipe(pipe_fds)) {
		perror("tracer-startup: pipe");
		return 1;
	}
	started = now_ms();
	child = fork();
	if (child < 0) {
		perror("tracer-startup: fork");
		return 1;
	}
	if (!child) {
		dup2(pipe_fds[1], STDERR_FILENO);
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "r", stdin))
			_exit(127);
		execvp(argv[argi], argv + argi);
		dprintf(STDERR_FILENO, "tracer-startup: cannot run %s: %s\n", argv[argi],
			strerror(errno));
		_exit(127);
	}
	close(pipe_fds[1]);
	/* Read stderr until a line starts with "Tracing". */
	while (!tracing_line) {
		struct pollfd pfd = { .fd = pipe_fds[0], .events = POLLIN };
		double left = GIVE_UP_MS - (now_ms() - started);
		ssize_t got;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		got = read(pipe_fds[0], text + used, sizeof(text) - 1 - used);
		if (got <= 0)
			break;
		used += got;
		text[used] = '\0';
		for (char *line = text; line && *line; line = strchr(line, '\n')) {
			if (*line == '\n')
				line++;
			if (!strncmp(line, "Tracing", 7) && strchr(line, '\n')) {
				startup_ms = now_ms() - started;
				tracing_line = line;
				break;
			}
		}
		if (used == sizeof(text) - 1)
			break;
	}
	if (!tracing_line) {
		stop_child(child);
		fprintf(stderr, "tracer-startup: %s printed no Tracing line; its stderr:\n%.*s",
			argv[argi], (int)used, text);
		return 1;
	}
	*strchr(tracing_line, '\n') = '\0';
	ran_ms = cpu_ms(child);
	verified = most_verified_insns(child);
	usleep(settle_ms * 1000);
	rss = status_kb(child, "VmRSS");
	hwm = status_kb(child, "VmHWM");
	stop_child(child);
	if (rss < 0) {
		fprintf(stderr, "tracer-startup: %s exited before its memory was read\n",
			argv[argi]);
		return 1;
	}
	printf("startup: %.1f ms to Tracing, rss %ld kB, hwm %ld kB, cpu %.1f ms, verified %ld, "
	       "line: %s\n",
	       startup_ms, rss, hwm, ran_ms, verified, tracing_line);
	return 0;
}
