// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bind-and-wait: bind a TCP socket to ADDR:PORT (listening if that
 * worked), say how it went, then stay alive SECONDS either way. A caller
 * whose failure bindsnoop can still look up in /proc: the container test
 * copies this static binary into an image that has nothing else.
 *
 *   bind-and-wait ADDR PORT SECONDS     exit 0 if the bind worked, 1 if not
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int fd, err = 0;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "usage: bind-and-wait ADDR PORT SECONDS\n");
		return 2;
	}
	addr.sin_port = htons(atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0)
		err = errno;
	printf("bind %s:%s: %s\n", argv[1], argv[2], err ? strerror(err) : "ok");
	fflush(stdout);
	sleep(atoi(argv[3]));
	return err ? 1 : 0;
}
