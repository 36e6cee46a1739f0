// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "output/listen_address.h"
#include "port_text.h"

static int problem_is(char *problem, size_t problem_len, const char *reason)
{
	snprintf(problem, problem_len, "%s", reason);
	return -EINVAL;
}

int listen_address_parse(const char *text, struct listen_address *address, char *problem,
			 size_t problem_len)
{
	char host[INET6_ADDRSTRLEN];
	const char *host_start = text, *host_end, *port_text;
	bool bracketed = text[0] == '[';
	int port;

	memset(address, 0, sizeof(*address));
	if (strlen(text) >= sizeof(address->text))
		return problem_is(problem, problem_len,
				  "is too long for ADDR:PORT; write it like 127.0.0.1:9719");
	if (bracketed) {
		host_start = text + 1;
		host_end = strchr(host_start, ']');
		if (!host_end)
			return problem_is(problem, problem_len,
					  "lacks the ']' closing its IPv6 address; write it like "
					  "[::1]:9719");
		if (host_end[1] != ':')
			return problem_is(problem, problem_len,
					  "has no port after ']'; write it like [::1]:9719");
		port_text = host_end + 2;
	} else {
		host_end = strrchr(text, ':');
		if (!host_end)
			return problem_is(problem, problem_len,
					  "has no port; write ADDR:PORT, e.g. 127.0.0.1:9719 "
					  "(0.0.0.0:9719 for every address)");
		if (memchr(text, ':', host_end - text))
			return problem_is(problem, problem_len,
					  "has an IPv6 address without brackets; write it like "
					  "[::1]:9719");
		port_text = host_end + 1;
	}
	if (host_end == host_start)
		return problem_is(
			problem, problem_len,
			"has no address; bindsnoop listens only where asked: write "
			"ADDR:PORT, e.g. 127.0.0.1:9719 (0.0.0.0:9719 for every address)");
	if ((size_t)(host_end - host_start) >= sizeof(host))
		return problem_is(problem, problem_len,
				  "has an address that is too long; give an IP address, e.g. "
				  "127.0.0.1:9719");
	memcpy(host, host_start, host_end - host_start);
	host[host_end - host_start] = '\0';
	port = port_from_text(port_text);
	if (port < 0)
		return problem_is(problem, problem_len,
				  "has a bad port; ports are 1..65535, e.g. 127.0.0.1:9719");
	if (!bracketed && !strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (bracketed) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&address->addr;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return problem_is(problem, problem_len,
					  "has no IPv6 address in []; write it like [::1]:9719");
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		address->addr_len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&address->addr;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return problem_is(
				problem, problem_len,
				"has an address that is not an IPv4 address; names are "
				"not resolved: give an address, [IPv6] or localhost, e.g. "
				"127.0.0.1:9719");
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		address->addr_len = sizeof(*sin);
	}
	snprintf(address->text, sizeof(address->text), "%s", text);
	return 0;
}
