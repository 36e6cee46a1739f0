/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where --syslog sends messages: a local socket (default /dev/log) or a
 * collector at udp://HOST:PORT or tcp://HOST:PORT. HOST is an address, not
 * a name (a static binary cannot use the resolver): 192.0.2.10, [2001:db8::1],
 * or localhost for 127.0.0.1.
 */
#ifndef BINDSNOOP_SYSLOG_TARGET_H
#define BINDSNOOP_SYSLOG_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define SYSLOG_DEFAULT_TARGET  "/dev/log"
#define SYSLOG_DEFAULT_PORT    514
#define SYSLOG_TARGET_MAX      128 /* the text form, for messages */
#define SYSLOG_FACILITY_DAEMON 3

enum syslog_transport {
	SYSLOG_UNIX = 0, /* datagram, or stream if the socket is one */
	SYSLOG_UDP,
	SYSLOG_TCP,
};

struct syslog_target {
	enum syslog_transport transport;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char text[SYSLOG_TARGET_MAX]; /* "tcp://127.0.0.1:514", "/dev/log" */
};

/*
 * Parses TARGET ("/dev/log", "unix:/path", "udp://HOST[:PORT]",
 * "tcp://HOST[:PORT]"). Returns 0, or -EINVAL with what is wrong and how to
 * write it in problem, to follow the target in a message: "has a bad port;
 * ports are 1..65535, e.g. tcp://192.0.2.10:514".
 */
int syslog_target_parse(const char *text, struct syslog_target *target, char *problem,
			size_t problem_len);

/* Facility number 0..23 from a name (daemon, local0, ...) or number; -1 if neither. */
int syslog_facility_from_name(const char *name);

#endif /* BINDSNOOP_SYSLOG_TARGET_H */
