/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RFC 5424 syslog messages for bindsnoop's events, pure formatting:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME bindsnoop PROCID MSGID [bindsnoop@32473 k="v" ...] JSON
 *
 * MSGID is the event name, the structured data carries the key fields (for
 * a collector's filters) and MSG is the event's whole JSON line, without
 * its newline and without a BOM (rsyslog keeps a BOM in the message, which
 * then no longer parses as JSON).
 */
#ifndef BINDSNOOP_SYSLOG_MESSAGE_H
#define BINDSNOOP_SYSLOG_MESSAGE_H

#include <stdbool.h>
#include <linux/types.h>
#include "report.h"
#include "output/session.h"
#include "strbuf.h"

#define SYSLOG_APP_NAME "bindsnoop"
/* 32473: the private enterprise number RFC 5612 reserves for documentation. */
#define SYSLOG_SD_ID	       "bindsnoop@32473"
#define SYSLOG_HOSTNAME_MAX    255 /* RFC 5424 HOSTNAME */
#define SYSLOG_OCTET_COUNT_MAX 24  /* "4294967295 " and more */

enum syslog_severity {
	SYSLOG_WARNING = 4, /* *_failed */
	SYSLOG_NOTICE = 5,  /* lost, dropped, start, stop */
	SYSLOG_INFO = 6,    /* bind, listen (with --all) */
};

/* The header fields that stay the same for the whole run. */
struct syslog_identity {
	int facility;
	__u32 procid;
	char hostname[SYSLOG_HOSTNAME_MAX + 1]; /* printable ASCII, "-" if none */
};

void syslog_identity_init(struct syslog_identity *id, int facility, const char *hostname,
			  __u32 procid);

/*
 * Each appends one whole message (no newline, no framing) to out, or on
 * failure (-ENOMEM) leaves out as it was.
 */
int syslog_render_report(struct strbuf *out, const struct syslog_identity *id,
			 const struct bind_report *report);
int syslog_render_lost(struct strbuf *out, const struct syslog_identity *id, __u64 seq,
		       __u64 ts_realtime_ns, __u64 count);
int syslog_render_dropped(struct strbuf *out, const struct syslog_identity *id, __u64 seq,
			  __u64 ts_realtime_ns, __u64 count);
int syslog_render_session(struct strbuf *out, const struct syslog_identity *id,
			  const struct session_info *info, bool starting, __u64 dropped);

/*
 * An SD-PARAM value (RFC 5424 6.3.3): '"', '\' and ']' escaped with '\';
 * control bytes and bytes that are not UTF-8 become '?' (the JSON message
 * keeps the exact bytes, escaped).
 */
int syslog_append_sd_value(struct strbuf *out, const char *value, size_t len);

/*
 * The octet-counting frame of RFC 6587 3.4.1 for a message of msg_len
 * bytes: "MSG-LEN SP", written to prefix. Returns its length.
 */
size_t syslog_octet_count_prefix(char *prefix, size_t msg_len);

#endif /* BINDSNOOP_SYSLOG_MESSAGE_H */
