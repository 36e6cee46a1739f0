// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc_net_parse_line on any bytes: no read outside the line (ASan), a
 * sane return value, and a socket only of the family asked for.
 */
#include <errno.h>
#include <sys/socket.h>
#include "fuzz_input.h"
#include "enrich/proc_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	__u16 family = fuzz_number(&in, 1) & 1 ? AF_INET6 : AF_INET;
	struct sockdiag_socket socket;
	char *line = malloc(in.left ? in.left : 1);
	int ret;

	memcpy(line, in.data, in.left);
	ret = proc_net_parse_line(line, in.left, family, &socket);
	FUZZ_CHECK(ret == 0 || ret == 1 || ret == -EINVAL, "returned %d", ret);
	FUZZ_CHECK(ret != 1 || socket.family == family, "family %u, asked %u", socket.family,
		   family);
	free(line);
	return 0;
}
