// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sockdiag_parse_replies on netlink replies that are truncated, oversized
 * or lying about their lengths: no read outside the buffer (ASan), only
 * sockets on the asked ports visited, a sane return value.
 */
#include <errno.h>
#include "fuzz_input.h"
#include "enrich/sockdiag.h"

struct visit_check {
	struct sockdiag_ports ports;
	int visits;
};

static bool visit(void *ctx, const struct sockdiag_socket *socket)
{
	struct visit_check *check = ctx;

	FUZZ_CHECK(socket->port >= check->ports.first && socket->port <= check->ports.last,
		   "visited port %u, asked %u-%u", socket->port, check->ports.first,
		   check->ports.last);
	check->visits++;
	return check->visits < 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	__u32 sequence = fuzz_number(&in, 4);
	struct visit_check check = { .ports.first = fuzz_number(&in, 2) };
	bool visiting = true;
	/* recv() fills an aligned buffer: do the same, exactly as long as the input. */
	char *buffer = aligned_alloc(8, (in.left + 7) / 8 * 8 + 8);
	int ret;

	check.ports.last = check.ports.first + fuzz_number(&in, 1) % 4;
	memcpy(buffer, in.data, in.left);
	ret = sockdiag_parse_replies(buffer, in.left, sequence, &check.ports, visit, &check,
				     &visiting);
	FUZZ_CHECK(ret == 0 || ret == 1 || (ret < 0 && ret >= -4095), "returned %d", ret);
	free(buffer);
	return 0;
}
