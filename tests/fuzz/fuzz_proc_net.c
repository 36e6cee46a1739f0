// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc_net_parse_line and, for /proc/net/unix (where any user's socket
 * name is printed raw), unix_sockets_parse_proc_line on any bytes: no read
 * outside the line (ASan), a sane return value, a socket only of the
 * family asked for, a name that fits.
 */
#include <errno.h>
#include <sys/socket.h>
#include "fuzz_input.h"
#include "enrich/proc_net.h"
#include "enrich/unix_sockets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	unsigned int pick = fuzz_number(&in, 1);
	__u16 family = pick & 1 ? AF_INET6 : AF_INET;
	struct sockdiag_socket socket;
	struct unix_socket unix_socket;
	char *line = malloc(in.left ? in.left : 1);
	int ret;

	memcpy(line, in.data, in.left);
	if (pick & 2) {
		ret = unix_sockets_parse_proc_line(line, in.left, &unix_socket);
		FUZZ_CHECK(ret == 0 || ret == 1 || ret == -EINVAL, "returned %d", ret);
		FUZZ_CHECK(ret != 1 || (unix_socket.name_len >= 1 &&
					unix_socket.name_len <= BS_UNIX_PATH_LEN),
			   "name of %u bytes", unix_socket.name_len);
	} else {
		ret = proc_net_parse_line(line, in.left, family, &socket);
		FUZZ_CHECK(ret == 0 || ret == 1 || ret == -EINVAL, "returned %d", ret);
		FUZZ_CHECK(ret != 1 || socket.family == family, "family %u, asked %u",
			   socket.family, family);
	}
	free(line);
	return 0;
}
