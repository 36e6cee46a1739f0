// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "clock.h"
#include "enrich/netlink_dump.h"

int netlink_dump(int fd, const void *request, size_t request_len, char *buffer, size_t buffer_len,
		 netlink_parse_fn parse, void *ctx, __u64 timeout_ns,
		 const struct lookup_budget *budget)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	__u64 deadline = monotonic_ns() + timeout_ns;

	if (sendto(fd, request, request_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(fd, buffer, buffer_len, 0);
		int done;

		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (len == 0)
			return -EIO;
		done = parse(ctx, buffer, len);
		if (done)
			return done < 0 ? done : 0;
		/* Thousands of sockets: the report goes on with those read so far. */
		if (lookup_budget_spent(budget))
			return -ETIME;
		if (monotonic_ns() > deadline)
			return -ETIMEDOUT;
	}
}
