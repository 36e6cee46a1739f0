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
 * --ports K: K listeners hold PORT .. PORT+K-1, and the failures go round
 * them in turn: K distinct failures, none a repeat of the one before.
 *
 * --processes: each failure in a process of its own, which binds once and
 * exits at once (a crash loop), one after the other: COUNT processes.
 *
 *   bind-storm [--count N] [--port P] [--ports K] [--threads T] [--processes]
 *              [--succeed]
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
#include <sys/wait.h>
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
	long ports; /* the port goes round addr's and the ports-1 after it */
	long failures;
};

/* One thread's share: its own unbound socket, count binds that must fail. */
static void *failing_binds(void *arg)
{
	struct storm_share *share = arg;
	struct sockaddr_in addr = share->addr;
	unsigned int first_port = ntohs(addr.sin_port);
	int caller = socket(AF_INET, SOCK_STREAM, 0);
	long port_index = 0;

	if (caller < 0)
		return NULL;
	for (long i = 0; i < share->count; i++) {
		if (share->ports > 1) {
			addr.sin_port = htons(first_port + port_index);
			if (++port_index == share->ports)
				port_index = 0;
		}
		share->failures += bind(caller, (struct sockaddr *)&addr, sizeof(addr)) &&
				   errno == EADDRINUSE;
	}
	close(caller);
	return NULL;
}

/* count processes one after the other, each failing one bind and exiting. */
static long failing_processes(const struct sockaddr_in *addr, long count)
{
	long failures = 0;

	for (long i = 0; i < count; i++) {
		pid_t child = fork();
		int status;

		if (child == 0) {
			int caller = socket(AF_INET, SOCK_STREAM, 0);

			_exit(caller >= 0 && bind(caller, (const struct sockaddr *)addr,
						  sizeof(*addr)) &&
					      errno == EADDRINUSE ?
				      0 :
				      1);
		}
		if (child < 0) {
			perror("bind-storm: fork");
			return failures;
		}
		if (waitpid(child, &status, 0) == child && WIFEXITED(status) &&
		    !WEXITSTATUS(status))
			failures++;
	}
	return failures;
}

/* Listeners on port .. port+ports-1 of 127.0.0.1; 0, or -1 with a message. */
static int hold_ports(long port, long ports)
{
	for (long i = 0; i < ports; i++) {
		struct sockaddr_in addr = { .sin_family = AF_INET };
		int holder = socket(AF_INET, SOCK_STREAM, 0);

		addr.sin_port = htons(port + i);
		addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (holder < 0 || bind(holder, (struct sockaddr *)&addr, sizeof(addr)) ||
		    listen(holder, 16)) {
			fprintf(stderr, "bind-storm: cannot hold 127.0.0.1:%ld: %s\n", port + i,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	long count = 1000000, port = 39999, ports = 1, threads = 1, failures = 0;
	struct storm_share shares[64];
	pthread_t ids[64];
	bool succeed = false, processes = false;
	double start, elapsed;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc &&
		    !parse_number(argv[i + 1], 1, 1000000000, &count)) {
			i++;
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc &&
			   !parse_number(argv[i + 1], 1, 65535, &port)) {
			i++;
		} else if (!strcmp(argv[i], "--ports") && i + 1 < argc &&
			   !parse_number(argv[i + 1], 1, 10000, &ports)) {
			i++;
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc &&
			   !parse_number(argv[i + 1], 1, 64, &threads)) {
			i++;
		} else if (!strcmp(argv[i], "--processes")) {
			processes = true;
		} else if (!strcmp(argv[i], "--succeed")) {
			succeed = true;
		} else {
			fprintf(stderr, "usage: bind-storm [--count N] [--port 1-65535] "
					"[--ports 1-10000] [--threads 1-64] [--processes] "
					"[--succeed]\n");
			return 2;
		}
	}
	if (port + ports - 1 > 65535) {
		fprintf(stderr, "bind-storm: --port %ld --ports %ld goes past port 65535\n", port,
			ports);
		return 2;
	}
	prctl(PR_SET_NAME, "bind-storm");
	if (succeed)
		return succeeding_storm(count);
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (hold_ports(port, ports))
		return 1;
	start = now_seconds();
	if (processes) {
		failures = failing_processes(&addr, count);
	} else {
		for (long t = 0; t < threads; t++) {
			shares[t] = (struct storm_share){ .addr = addr,
							  .ports = ports,
							  .count = count / threads +
								   (t < count % threads) };
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
