// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Host facts, sysctls and free ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "env.h"

/*
 * Below the usual ephemeral range (32768-60999), so no connect() on the
 * machine picks one of our ports between the check and the test.
 */
#define PORT_FIRST 29100
#define PORT_LAST  32000

static struct host_facts facts;
static bool facts_read;

static void read_cmdline(char *buf, size_t len)
{
	ssize_t n, i;
	int fd;

	buf[0] = '\0';
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return;
	/* NUL-separated arguments, the last one NUL-terminated. */
	if (buf[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++) {
		if (buf[i] == '\0')
			buf[i] = ' ';
	}
	buf[n] = '\0';
}

/*
 * The path bindsnoop reports as caller.cgroup: the unified ("0::") one, or
 * where that is the root "/" (a v1/v2 hybrid), the name=systemd one.
 */
static bool read_cgroup(char *buf, size_t len)
{
	char line[1024], systemd[1024] = "";
	bool found = false;
	FILE *file;

	file = fopen("/proc/self/cgroup", "re");
	if (!file)
		return false;
	while (fgets(line, sizeof(line), file)) {
		char *path = strchr(line, ':');

		line[strcspn(line, "\n")] = '\0';
		path = path ? strchr(path + 1, ':') : NULL;
		if (path && strstr(line, ":name=systemd:") == strchr(line, ':'))
			snprintf(systemd, sizeof(systemd), "%s", path + 1);
		if (strncmp(line, "0::", 3) != 0)
			continue;
		snprintf(buf, len, "%s", line + 3);
		found = true;
	}
	fclose(file);
	if ((!found || strcmp(buf, "/") == 0) && systemd[0]) {
		snprintf(buf, len, "%s", systemd);
		found = true;
	}
	return found;
}

static bool ipv6_loopback_works(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool works;
	int fd;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	works = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return works;
}

const struct host_facts *host_facts(void)
{
	struct stat st;
	ssize_t n;

	if (facts_read)
		return &facts;
	facts.pid = getpid();
	facts.uid = getuid();
	if (stat("/proc/self/ns/net", &st) == 0)
		facts.netns = st.st_ino;
	read_cmdline(facts.cmdline, sizeof(facts.cmdline));
	facts.cgroup_known = read_cgroup(facts.cgroup, sizeof(facts.cgroup));
	n = readlink("/proc/self/exe", facts.exe, sizeof(facts.exe) - 1);
	facts.exe[n > 0 ? n : 0] = '\0';
	facts.ipv6 = ipv6_loopback_works();
	facts_read = true;
	return &facts;
}

int read_sysctl(const char *path, long *value)
{
	char text[64];
	char *end;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	text[n] = '\0';
	*value = strtol(text, &end, 10);
	return end == text ? -EINVAL : 0;
}

bool in_container(void)
{
	char environ[4096];
	ssize_t n, i;
	int fd;

	if (access("/.dockerenv", F_OK) == 0 || access("/run/.containerenv", F_OK) == 0)
		return true;
	fd = open("/proc/1/environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, environ, sizeof(environ) - 1);
	close(fd);
	if (n <= 0)
		return false;
	environ[n] = '\0';
	for (i = 0; i < n; i += strlen(environ + i) + 1) {
		if (strncmp(environ + i, "container=", 10) == 0)
			return true;
	}
	return false;
}

/* Can a socket of this kind be bound to the wildcard address on port? */
static bool wildcard_bind_works(int family, int type, unsigned int port)
{
	struct sockaddr_storage storage = { 0 };
	socklen_t len;
	bool works;
	int fd, one = 1;

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&storage;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&storage;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	}
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true; /* no such family here: nothing can hold the port in it */
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	works = bind(fd, (struct sockaddr *)&storage, len) == 0 || errno != EADDRINUSE;
	close(fd);
	return works;
}

static bool port_is_free(unsigned int port)
{
	return wildcard_bind_works(AF_INET, SOCK_STREAM, port) &&
	       wildcard_bind_works(AF_INET, SOCK_DGRAM, port) &&
	       wildcard_bind_works(AF_INET6, SOCK_STREAM, port) &&
	       wildcard_bind_works(AF_INET6, SOCK_DGRAM, port);
}

unsigned int port_allocate(void)
{
	static unsigned int next = PORT_FIRST;

	while (next <= PORT_LAST) {
		unsigned int port = next++;

		if (port_is_free(port))
			return port;
	}
	return 0;
}
