// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A write blocked on a pipe nobody reads: SIGHUP interrupts it and it goes
 * on; a stop (SIGTERM) ends it within the grace period, between two lines,
 * with -ECANCELED. This is what keeps `bindsnoop | stalled-reader` from
 * ignoring SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "output/line_writer.h"
#include "signals.h"
#include "unit.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A child that sends us each signal after its delay, then exits. */
static pid_t send_later(int first, int first_ms, int second, int second_ms)
{
	pid_t parent = getpid(), child = fork();

	if (child == 0) {
		usleep(first_ms * 1000);
		kill(parent, first);
		if (second) {
			usleep((second_ms - first_ms) * 1000);
			kill(parent, second);
		}
		_exit(0);
	}
	return child;
}

int main(void)
{
	char *lines = malloc(1 << 20);
	size_t len = 0, written;
	long long started, took;
	int fds[2], ret;
	pid_t child, watchdog;

	while (len + 64 < (1 << 20))
		len += sprintf(lines + len, "{\"line\":%zu,\"padding\":\"xxxxxxxxxxxxxxxx\"}\n",
			       len);
	signals_install(true);
	CHECK_INT(pipe(fds), 0);
	/* If the write never gives up (SA_RESTART again), end the test instead of hanging. */
	watchdog = send_later(SIGKILL, 10000, 0, 0);
	/* SIGHUP at 200 ms (a reopen request: keep writing), SIGTERM at 400 ms. */
	child = send_later(SIGHUP, 200, SIGTERM, 400);
	started = now_ms();
	ret = line_writer_write(fds[1], lines, len, &written);
	took = now_ms() - started;
	waitpid(child, NULL, 0);
	CHECK_INT(ret, -ECANCELED);
	CHECK(signals_reopen_requested && signals_stop_requested);
	/*
	 * The stop at 400 ms, then SIGNALS_STOP_GRACE_MS: never before, and not
	 * much after (the bound leaves room for a loaded machine's scheduling; a
	 * write that ignored the stop would run into the watchdog at 10 s).
	 */
	CHECK(took >= 400 + SIGNALS_STOP_GRACE_MS - 50 && took < 400 + SIGNALS_STOP_GRACE_MS + 3000);
	/* What is in the pipe is whole lines, exactly the ones reported written. */
	CHECK(written > 0 && written < len && lines[written - 1] == '\n');
	{
		char *back = malloc(written + 1);
		size_t got = 0;
		ssize_t n;

		close(fds[1]);
		while ((n = read(fds[0], back + got, written + 1 - got)) > 0)
			got += n;
		CHECK_INT(got, written);
		CHECK(!memcmp(back, lines, written));
		free(back);
	}
	close(fds[0]);
	free(lines);
	kill(watchdog, SIGKILL);
	waitpid(watchdog, NULL, 0);
	return unit_summary();
}
