// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sockdiag_parse_replies on netlink replies that are truncated, oversized
 * or lying about their lengths: no read outside the buffer (ASan), only
 * sockets on the asked port visited, a sane return value.
 */
#include <errno.h>
#include "fuzz_input.h"
#include "sockdiag.h"

struct visit_check {
	__u16 port;
	int visits;
};

static bool visit(void *ctx, const struct sockdiag_socket *socket)
{
	struct visit_check *check = ctx;

	FUZZ_CHECK(socket->port == check->port, "visited port %u, asked %u", socket->port,
		   check->port);
	check->visits++;
	return check->visits < 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	__u32 sequence = fuzz_number(&in, 4);
	struct visit_check check = { .port = fuzz_number(&in, 2) };
	bool visiting = true;
	/* recv() fills an aligned buffer: do the same, exactly as long as the input. */
	char *buffer = aligned_alloc(8, (in.left + 7) / 8 * 8 + 8);
	int ret;

	memcpy(buffer, in.data, in.left);
	ret = sockdiag_parse_replies(buffer, in.left, sequence, check.port, visit, &check,
				     &visiting);
	FUZZ_CHECK(ret == 0 || ret == 1 || (ret < 0 && ret >= -4095), "returned %d", ret);
	free(buffer);
	return 0;
}
