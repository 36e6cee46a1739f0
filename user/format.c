// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "bindsnoop.h"
#include "format.h"
#include "text_sanitize.h"
#include "shared_facts.h"

#define NS_PER_SEC	1000000000ULL
#define NS_PER_US	1000ULL
#define SECONDS_PER_DAY 86400ULL

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void format_age(__u64 seconds, char out[FORMAT_AGE_MAX])
{
	unsigned long long s = seconds;

	if (s < 60)
		snprintf(out, FORMAT_AGE_MAX, "%llus", s);
	else if (s < 3600)
		snprintf(out, FORMAT_AGE_MAX, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, FORMAT_AGE_MAX, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(out, FORMAT_AGE_MAX, "%llud%lluh", s / 86400, s / 3600 % 24);
}

const char *errno_text(int err, char buf[FORMAT_ERRNO_MAX])
{
	const char *name = errno_name(err);

	if (name)
		return name;
	snprintf(buf, FORMAT_ERRNO_MAX, "E%d", err);
	return buf;
}

const char *proto_name(__u16 protocol, char *buf, size_t len)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case BS_IPPROTO_MPTCP:
		return "mptcp";
	case IPPROTO_SCTP:
		return "sctp";
	}
	if (!buf || !len)
		return "ipproto-unknown";
	snprintf(buf, len, "ipproto-%u", protocol);
	return buf;
}

const char *family_name(__u16 family)
{
	switch (family) {
	case AF_INET:
		return "ipv4";
	case AF_INET6:
		return "ipv6";
	case BS_AF_UNIX:
		return "unix";
	}
	return "unknown";
}

const char *unix_type_name(__u8 sock_type)
{
	switch (sock_type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	}
	return "unknown";
}

int format_unix_name(const char *name, __u32 name_len, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	bool abstract = !name_len || !name[0];
	size_t out = 0;

	if (len < FORMAT_UNIX_NAME_MAX) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	if (name_len > BS_UNIX_PATH_LEN)
		name_len = BS_UNIX_PATH_LEN;
	if (abstract)
		buf[out++] = '@';
	for (__u32 i = abstract ? 1 : 0; i < name_len; i++) {
		unsigned char byte = name[i];

		if (!abstract && !byte)
			break;
		if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
			buf[out++] = byte;
			continue;
		}
		/* Bytes anyone can put in a name are shown, never interpreted. */
		buf[out++] = '\\';
		if (byte == '\\') {
			buf[out++] = '\\';
			continue;
		}
		buf[out++] = 'x';
		buf[out++] = hex[byte >> 4];
		buf[out++] = hex[byte & 15];
	}
	buf[out] = '\0';
	return out;
}

/* include/net/tcp_states.h: the numbers are kernel ABI (sock_diag reports them). */
static const char *const tcp_state_names[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT",	[3] = "SYN_RECV", [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",   [6] = "TIME_WAIT", [7] = "BOUND",	  [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",    [10] = "LISTEN",	[11] = "CLOSING", [12] = "NEW_SYN_RECV",
};

const char *socket_state_name(__u16 protocol, __u8 state)
{
	/* UDP reuses the TCP numbers for just two states (connect(2) or not). */
	if (protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE) {
		if (state == BS_TCP_ESTABLISHED)
			return "CONNECTED";
		if (state == BS_TCP_CLOSE)
			return "BOUND";
		return "UNKNOWN";
	}
	if (state < ARRAY_SIZE(tcp_state_names) && tcp_state_names[state])
		return tcp_state_names[state];
	return "UNKNOWN";
}

/* Writes 1..3 digits of a byte; returns how many. */
static size_t put_octet(char *out, unsigned int value)
{
	size_t n = 0;

	if (value >= 100)
		out[n++] = '0' + value / 100;
	if (value >= 10)
		out[n++] = '0' + value / 10 % 10;
	out[n++] = '0' + value % 10;
	return n;
}

/* glibc's inet_ntop formats IPv4 through sprintf: too slow for every event. */
static int format_ipv4(const __u8 *addr, char *buf, size_t len)
{
	char text[16];
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		if (i)
			text[n++] = '.';
		n += put_octet(text + n, addr[i]);
	}
	if (n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	memcpy(buf, text, n);
	buf[n] = '\0';
	return n;
}

int format_addr(__u16 family, const __u8 *addr, char *buf, size_t len)
{
	if (family == AF_INET)
		return format_ipv4(addr, buf, len);
	if (len)
		buf[0] = '\0';
	if (family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!inet_ntop(AF_INET6, addr, buf, len > FORMAT_ADDR_MAX ? FORMAT_ADDR_MAX : len)) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return strlen(buf);
}

size_t format_asked(const struct format_asked *asked, char proto[FORMAT_PROTO_MAX], char *addr,
		    size_t addr_len)
{
	int len;

	if (asked->family == BS_AF_UNIX) {
		snprintf(proto, FORMAT_PROTO_MAX, "unix_%s", unix_type_name(asked->sock_type));
		len = format_unix_name(asked->unix_name, asked->unix_name_len, addr, addr_len);
	} else {
		char *name = (char *)proto_name(asked->protocol, proto, FORMAT_PROTO_MAX);

		if (name != proto)
			snprintf(proto, FORMAT_PROTO_MAX, "%s", name);
		len = format_addr(asked->family, asked->addr, addr, addr_len);
	}
	if (len < 0) {
		addr[0] = '\0';
		return 0;
	}
	return len;
}

int format_endpoint(__u16 family, const __u8 *addr, __u16 port, char *buf, size_t len)
{
	char text[FORMAT_ADDR_MAX];
	int written;
	int err;

	err = format_addr(family, addr, text, sizeof(text));
	if (err < 0) {
		if (len)
			buf[0] = '\0';
		return err;
	}
	if (family == AF_INET6)
		written = snprintf(buf, len, "[%s]:%u", text, port);
	else
		written = snprintf(buf, len, "%s:%u", text, port);
	if (written < 0 || (size_t)written >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return written;
}

static void put_digits(char *out, unsigned long value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = '0' + value % 10;
		value /= 10;
	}
}

/*
 * Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm): pure
 * arithmetic, so the JSON hot path needs neither gmtime_r nor snprintf.
 */
static void civil_from_days(unsigned long days, unsigned long *year, unsigned int *month,
			    unsigned int *day)
{
	unsigned long z = days + 719468; /* days since 0000-03-01 */
	unsigned long era = z / 146097;
	unsigned long day_of_era = z - era * 146097;
	unsigned long year_of_era =
		(day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
	unsigned long day_of_year =
		day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	unsigned long month_index = (5 * day_of_year + 2) / 153; /* March = 0 */

	*day = day_of_year - (153 * month_index + 2) / 5 + 1;
	*month = month_index < 10 ? month_index + 3 : month_index - 9;
	*year = year_of_era + era * 400 + (*month <= 2);
}

int format_rfc3339_us(__u64 realtime_ns, char *buf, size_t len)
{
	static const size_t text_len = sizeof("2026-11-24T18:52:01.123456Z") - 1;
	unsigned long seconds = realtime_ns / NS_PER_SEC;
	unsigned long micros = realtime_ns % NS_PER_SEC / NS_PER_US;
	unsigned long second_of_day = seconds % SECONDS_PER_DAY;
	unsigned long year;
	unsigned int month, day;

	if (len <= text_len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	/* u64 nanoseconds end in 2554: the year always has four digits. */
	civil_from_days(seconds / SECONDS_PER_DAY, &year, &month, &day);
	put_digits(buf, year, 4);
	buf[4] = '-';
	put_digits(buf + 5, month, 2);
	buf[7] = '-';
	put_digits(buf + 8, day, 2);
	buf[10] = 'T';
	put_digits(buf + 11, second_of_day / 3600, 2);
	buf[13] = ':';
	put_digits(buf + 14, second_of_day / 60 % 60, 2);
	buf[16] = ':';
	put_digits(buf + 17, second_of_day % 60, 2);
	buf[19] = '.';
	put_digits(buf + 20, micros, 6);
	buf[26] = 'Z';
	buf[27] = '\0';
	return text_len;
}

int format_clock_us(__u64 realtime_ns, char *buf, size_t len)
{
	static const size_t text_len = sizeof("18:52:01.123456") - 1;
	time_t seconds = realtime_ns / NS_PER_SEC;
	struct tm local;

	if (len <= text_len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	if (!localtime_r(&seconds, &local)) {
		buf[0] = '\0';
		return -EOVERFLOW;
	}
	put_digits(buf, local.tm_hour, 2);
	buf[2] = ':';
	put_digits(buf + 3, local.tm_min, 2);
	buf[5] = ':';
	put_digits(buf + 6, local.tm_sec, 2);
	buf[8] = '.';
	put_digits(buf + 9, realtime_ns % NS_PER_SEC / NS_PER_US, 6);
	buf[15] = '\0';
	return text_len;
}

size_t format_fit_width(char *text, size_t len, unsigned int width)
{
	static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026 */
	size_t content = len && text[len - 1] == '\n' ? len - 1 : len;
	size_t cut;

	if (width < 2 || text_columns(text, content) <= width)
		return len;
	/* Leave room for the ellipsis in the last column. */
	cut = text_prefix_columns(text, content, width - 1, NULL);
	memcpy(text + cut, ellipsis, sizeof(ellipsis) - 1);
	cut += sizeof(ellipsis) - 1;
	if (content != len)
		text[cut++] = '\n';
	text[cut] = '\0';
	return cut;
}

size_t format_socket_options(__u8 flags, const char *device, char *out, size_t out_size)
{
	static const struct {
		__u8 flag;
		const char *name;
	} names[] = {
		{ BS_SOCK_REUSEADDR, "SO_REUSEADDR" },
		{ BS_SOCK_REUSEPORT, "SO_REUSEPORT" },
		{ BS_SOCK_FREEBIND, "IP_FREEBIND" },
		{ BS_SOCK_TRANSPARENT, "IP_TRANSPARENT" },
		{ BS_SOCK_BIND_ADDRESS_NO_PORT, "IP_BIND_ADDRESS_NO_PORT" },
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].flag)
			len += snprintf(out + len, len < out_size ? out_size - len : 0, "%s%s",
					len ? " " : "", names[i].name);
	if (device && device[0])
		len += snprintf(out + len, len < out_size ? out_size - len : 0,
				"%sSO_BINDTODEVICE=%s", len ? " " : "", device);
	return len < out_size ? len : out_size - 1;
}
