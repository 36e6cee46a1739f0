/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ADDR:PORT for a socket bindsnoop listens on (--metrics): an IPv4 address,
 * [IPv6] or localhost, and a port 1..65535. Both are required: bindsnoop
 * listens only where it is told to, never on every address by default.
 */
#ifndef BINDSNOOP_LISTEN_ADDRESS_H
#define BINDSNOOP_LISTEN_ADDRESS_H

#include <stddef.h>
#include <sys/socket.h>

#define LISTEN_ADDRESS_TEXT_MAX 64 /* "[ffff:...]:65535" */

struct listen_address {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char text[LISTEN_ADDRESS_TEXT_MAX]; /* as given, for messages */
};

/*
 * Returns 0, or -EINVAL with what is wrong and how to write it in problem,
 * to follow the value in a message: "has no port; write ADDR:PORT, e.g.
 * 127.0.0.1:9719".
 */
int listen_address_parse(const char *text, struct listen_address *address, char *problem,
			 size_t problem_len);

#endif /* BINDSNOOP_LISTEN_ADDRESS_H */
