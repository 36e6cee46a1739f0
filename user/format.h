/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names and text forms shared by every output: errno names, protocol and
 * family names, socket states, addresses and timestamps. Pure functions: no
 * allocation, no global state (format_clock_us reads the local time zone).
 */
#ifndef BINDSNOOP_FORMAT_H
#define BINDSNOOP_FORMAT_H

#include <stddef.h>
#include <linux/types.h>
#include "bindsnoop.h"
#include "errno_names.h"

/* Big enough for any format_addr / format_endpoint result. */
#define FORMAT_ADDR_MAX	    46 /* INET6_ADDRSTRLEN */
#define FORMAT_ENDPOINT_MAX 56 /* "[" addr "]:65535" */
#define FORMAT_RFC3339_MAX  32 /* "2026-11-24T18:52:01.123456Z" */
#define FORMAT_CLOCK_MAX    16 /* "18:52:01.123456" */
#define FORMAT_PROTO_MAX    24 /* "ipproto-65535" */


#define FORMAT_AGE_MAX 32 /* "213503982334601d7h" */
/* How long, from seconds: "42s", "9m05s", "2h10m", "3d4h". */
void format_age(__u64 seconds, char out[FORMAT_AGE_MAX]);

#define FORMAT_ERRNO_MAX 16 /* "E-2147483648" */
/* errno_name(err), or "E<n>" in buf for a number without a name. */
const char *errno_text(int err, char buf[FORMAT_ERRNO_MAX]);

/* "tcp", "udp", "udplite", "mptcp", "sctp", else "ipproto-<n>" written into buf. */
const char *proto_name(__u16 protocol, char *buf, size_t len);

/* "ipv4", "ipv6" or "unix" ("unknown" for anything else). */
const char *family_name(__u16 family);

/* An AF_UNIX socket type as the outputs name it: "stream", "dgram", "seqpacket", "unknown". */
const char *unix_type_name(__u8 sock_type);

/* Every byte as "\xNN": the longest escaped AF_UNIX name, NUL included. */
#define FORMAT_UNIX_NAME_MAX (BS_UNIX_PATH_LEN * 4 + 1)

/*
 * An AF_UNIX name as text, exactly: a path up to its NUL, an abstract name
 * as "@" and its bytes after the first; bytes outside printable ASCII as
 * \xNN, a backslash as \\. buf must hold FORMAT_UNIX_NAME_MAX. The length,
 * or -ENOSPC.
 */
int format_unix_name(const char *name, __u32 name_len, char *buf, size_t len);

/* What a failure asked for, for the text outputs' fields; unix_* count for BS_AF_UNIX only. */
struct format_asked {
	__u16 family;
	__u16 protocol;
	const __u8 *addr;
	const char *unix_name;
	__u32 unix_name_len;
	__u8 sock_type;
};

/*
 * Its protocol ("tcp"; "unix_stream", "unix_dgram", ...) into proto, and its
 * address ("0.0.0.0"; an AF_UNIX name escaped) into addr, which must hold
 * FORMAT_UNIX_NAME_MAX: "" when it has none. The address's length.
 */
size_t format_asked(const struct format_asked *asked, char proto[FORMAT_PROTO_MAX], char *addr,
		    size_t addr_len);

/*
 * A holder's state as the JSON schema names it: TCP state names, TCP_CLOSE
 * (7) as "BOUND" (bound but neither listening nor connected), and for UDP
 * state 1 as "CONNECTED". "UNKNOWN" for numbers outside those.
 */
const char *socket_state_name(__u16 protocol, __u8 state);

/*
 * The inet_ntop form of addr (IPv4 reads the first 4 bytes). Returns the
 * length written, or -ENOSPC / -EAFNOSUPPORT (buf then holds "").
 */
int format_addr(__u16 family, const __u8 *addr, char *buf, size_t len);

/* "127.0.0.1:3000" or "[::1]:3000". Returns the length or a negative errno. */
int format_endpoint(__u16 family, const __u8 *addr, __u16 port, char *buf, size_t len);

/* "2026-11-24T18:52:01.123456Z" (UTC). Returns the length or -ENOSPC. */
int format_rfc3339_us(__u64 realtime_ns, char *buf, size_t len);

/* "18:52:01.123456" in local time, for the table. Returns the length or a negative errno. */
int format_clock_us(__u64 realtime_ns, char *buf, size_t len);

/*
 * Fit one line (text[0..len), ending in '\n') into width terminal columns:
 * if it is wider, cut it at a character boundary and end it with "…" and
 * the '\n'. Counts terminal columns (text_columns: a CJK character takes
 * two) and never splits a character. Returns the new length;
 * the buffer must have 3 bytes of room past len (a cut of two ASCII
 * characters for a 3-byte "…" grows the text by one, plus the NUL).
 */
size_t format_fit_width(char *text, size_t len, unsigned int width);

/*
 * The caller's socket options set at its failure (BS_SOCK_* flags, device
 * "" for none), as their names: "SO_REUSEADDR IP_FREEBIND
 * SO_BINDTODEVICE=eth0". "" when none is set. Returns the length.
 */
size_t format_socket_options(__u8 flags, const char *device, char *out, size_t out_size);

#endif /* BINDSNOOP_FORMAT_H */
