/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A port number as users write it in ADDR:PORT (--syslog, --metrics). */
#ifndef BINDSNOOP_PORT_TEXT_H
#define BINDSNOOP_PORT_TEXT_H

/* "514" -> 514; anything but 1..65535 in plain digits -> -1. */
static inline int port_from_text(const char *text)
{
	long port = 0;

	if (!*text)
		return -1;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return -1;
		port = port * 10 + (*text - '0');
		if (port > 65535)
			return -1;
	}
	return port ? port : -1;
}

#endif /* BINDSNOOP_PORT_TEXT_H */
