// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bind-storm: a storm of failed binds on one port from one thread, the
 * worst case for a bind tracer. A listener holds 127.0.0.1:PORT; one
 * unbound socket then calls bind() on it COUNT times (each fails with
 * EADDRINUSE and leaves the socket unbound). Prints the rate.
 *
 * --succeed: COUNT binds that work instead, each a new TCP socket bound to
 * 127.0.0.1 port 0 (the kernel picks a free port) and closed: what every
 * tracer sees when it tags the owner of each bound socket.
 *
 * --threads T: the COUNT failures split over T threads of the process, each
 * with a socket of its own, at once: a storm T times as fast on T cores.
 *
 *   bind-storm [--count N] [--port P] [--threads T] [--succeed]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_number(const char *text, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(text, &end, 10);
	return errno || *end || end == text || *out < min || *out > max ? -1 : 0;
}

/* COUNT binds to 127.0.0.1:0 that work, each on a new socket, closed at once. */
static int succeeding_storm(long count)
{
	struct sockaddr_in any_port = { .sin_family = AF_INET };
	double start, elapsed;
	long bound = 0;

	any_port.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	start = now_seconds();
	for (long i = 0; i < count; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0) {
			perror("bind-storm: socket");
			return 1;
		}
		bound += !bind(fd, (struct sockaddr *)&any_port, sizeof(any_port));
		close(fd);
	}
	elapsed = now_seconds() - start;
	if (bound != count) {
		fprintf(stderr, "bind-storm: only %ld of %ld binds to port 0 worked\n", bound,
			count);
		return 1;
	}
	printf("storm: %ld successful binds in %.3f s: %.0f per second\n", count, elapsed,
	       count / elapsed);
	return 0;
}

struct storm_share {
	struct sockaddr_in addr;
	long count;
	long failures;
};

/* One thread's share: its own unbound socket, count binds that must fail. */
static void *failing_binds(void *arg)
{
	struct storm_share *share = arg;
	int caller = socket(AF_INET, SOCK_STREAM, 0);

	if (caller < 0)
		return NULL;
	for (long i = 0; i < share->count; i++)
		share->failures += bind(caller, (struct sockaddr *)&share->addr,
					sizeof(share->addr)) &&
				   errno == EADDRINUSE;
	close(caller);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	long count = 1000000, port = 39999, threads = 1, failures = 0;
	struct storm_share shares[64];
	pthread_t ids[64];
	bool succeed = false;
	double start, elapsed;
	int holder;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc &&
		    !parse_number(argv[i + 1], 1, 1000000000, &count)) {
			i++;
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc &&
			   !parse_number(argv[i + 1], 1, 65535, &port)) {
			i++;
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc &&
			   !parse_number(argv[i + 1], 1, 64, &threads)) {
			i++;
		} else if (!strcmp(argv[i], "--succeed")) {
			succeed = true;
		} else {
			fprintf(stderr, "usage: bind-storm [--count N] [--port 1-65535] "
					"[--threads 1-64] [--succeed]\n");
			return 2;
		}
	}
	prctl(PR_SET_NAME, "bind-storm");
	if (succeed)
		return succeeding_storm(count);
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	holder = socket(AF_INET, SOCK_STREAM, 0);
	if (holder < 0 || bind(holder, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(holder, 16)) {
		fprintf(stderr, "bind-storm: cannot hold 127.0.0.1:%ld: %s\n", port,
			strerror(errno));
		return 1;
	}
	start = now_seconds();
	for (long t = 0; t < threads; t++) {
		shares[t] = (struct storm_share){ .addr = addr,
						  .count = count / threads + (t < count % threads) };
		if (threads == 1)
			failing_binds(&shares[t]);
		else if (pthread_create(&ids[t], NULL, failing_binds, &shares[t])) {
			perror("bind-storm: pthread_create");
			return 1;
		}
	}
	for (long t = 0; t < threads; t++) {
		if (threads > 1)
			pthread_join(ids[t], NULL);
		failures += shares[t].failures;
	}
	elapsed = now_seconds() - start;
	if (failures != count) {
		fprintf(stderr, "bind-storm: only %ld of %ld binds failed with EADDRINUSE\n",
			failures, count);
		return 1;
	}
	printf("storm: %ld failed binds in %.3f s: %.0f per second\n", count, elapsed,
	       count / elapsed);
	return 0;
}
