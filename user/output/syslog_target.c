// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include "port_text.h"
#include "output/syslog_target.h"

static int target_problem(char *problem, size_t problem_len, const char *reason)
{
	snprintf(problem, problem_len, "%s", reason);
	return -EINVAL;
}

static int parse_unix(const char *path, struct syslog_target *target, char *problem,
		      size_t problem_len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&target->addr;
	size_t len = strlen(path);

	if (path[0] != '/')
		return target_problem(problem, problem_len,
				      "is not an absolute socket path; give one like /dev/log");
	if (len >= sizeof(sun->sun_path))
		return target_problem(problem, problem_len,
				      "is too long for a unix socket path; use a shorter one");
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	target->addr_len = offsetof(struct sockaddr_un, sun_path) + len + 1;
	target->transport = SYSLOG_UNIX;
	snprintf(target->text, sizeof(target->text), "%s", path);
	return 0;
}

static int parse_inet(enum syslog_transport transport, const char *rest,
		      struct syslog_target *target, char *problem, size_t problem_len)
{
	char host[64];
	const char *port_text = NULL;
	const char *host_end;
	const char *host_start = rest;
	int port = SYSLOG_DEFAULT_PORT;
	bool bracketed = rest[0] == '[';

	if (bracketed) {
		host_start = rest + 1;
		host_end = strchr(host_start, ']');
		if (!host_end)
			return target_problem(problem, problem_len,
					      "lacks the ']' closing its IPv6 address; "
					      "write it like tcp://[::1]:514");
		if (host_end[1] == ':')
			port_text = host_end + 2;
		else if (host_end[1])
			return target_problem(problem, problem_len,
					      "has more than ':PORT' after ']'; "
					      "write it like tcp://[::1]:514");
	} else {
		host_end = strchr(rest, ':');
		if (host_end)
			port_text = host_end + 1;
		else
			host_end = rest + strlen(rest);
	}
	if (host_end == host_start || (size_t)(host_end - host_start) >= sizeof(host))
		return target_problem(problem, problem_len,
				      "has no host; give the collector's address, "
				      "e.g. tcp://192.0.2.10:514");
	memcpy(host, host_start, host_end - host_start);
	host[host_end - host_start] = '\0';
	if (port_text) {
		port = port_from_text(port_text);
		if (port < 0)
			return target_problem(problem, problem_len,
					      "has a bad port; ports are 1..65535, "
					      "e.g. tcp://192.0.2.10:514");
	}
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	memset(&target->addr, 0, sizeof(target->addr));
	if (!bracketed) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&target->addr;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return target_problem(problem, problem_len,
					      "has a host that is not an IPv4 address; "
					      "names are not resolved: give an address, "
					      "[IPv6] or localhost");
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		target->addr_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&target->addr;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return target_problem(problem, problem_len,
					      "has no IPv6 address in []; "
					      "write it like tcp://[::1]:514");
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		target->addr_len = sizeof(*sin6);
	}
	target->transport = transport;
	snprintf(target->text, sizeof(target->text), "%s://%s%s%s:%d",
		 transport == SYSLOG_TCP ? "tcp" : "udp", bracketed ? "[" : "", host,
		 bracketed ? "]" : "", port);
	return 0;
}

int syslog_target_parse(const char *text, struct syslog_target *target, char *problem,
			size_t problem_len)
{
	memset(target, 0, sizeof(*target));
	if (!strncmp(text, "udp://", 6))
		return parse_inet(SYSLOG_UDP, text + 6, target, problem, problem_len);
	if (!strncmp(text, "tcp://", 6))
		return parse_inet(SYSLOG_TCP, text + 6, target, problem, problem_len);
	if (!strncmp(text, "unix://", 7))
		return parse_unix(text + 7, target, problem, problem_len);
	if (!strncmp(text, "unix:", 5))
		return parse_unix(text + 5, target, problem, problem_len);
	if (text[0] == '/')
		return parse_unix(text, target, problem, problem_len);
	return target_problem(problem, problem_len,
			      "is not a syslog target; use a socket path, "
			      "udp://HOST:PORT or tcp://HOST:PORT, e.g. "
			      "--syslog=tcp://127.0.0.1:514");
}

/* RFC 5424 section 6.2.1, with the names syslog.conf uses. */
static const char *const facility_names[24] = {
	"kern",	  "user",   "mail",	"daemon", "auth",   "syslog", "lpr",	"news",
	"uucp",	  "cron",   "authpriv", "ftp",	  "ntp",    "audit",  "alert",	"clock",
	"local0", "local1", "local2",	"local3", "local4", "local5", "local6", "local7",
};

int syslog_facility_from_name(const char *name)
{
	int number = 0;
	const char *digit;

	for (int i = 0; i < 24; i++)
		if (!strcmp(name, facility_names[i]))
			return i;
	if (!*name || strlen(name) > 2)
		return -1;
	for (digit = name; *digit; digit++) {
		if (*digit < '0' || *digit > '9')
			return -1;
		number = number * 10 + (*digit - '0');
	}
	return number <= 23 ? number : -1;
}
