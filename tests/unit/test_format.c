// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* format.h: errno names, protocol/family/state names, addresses, timestamps. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include "format.h"
#include "sample_report.h"
#include "text_sanitize.h"
#include "unit.h"

/* 2026-11-24T18:52:01.123456789Z */

static void test_errno_names(void)
{
	int missing = 0;

	CHECK_STR(errno_name(EADDRINUSE), "EADDRINUSE");
	CHECK_STR(errno_name(EACCES), "EACCES");
	CHECK_STR(errno_name(EADDRNOTAVAIL), "EADDRNOTAVAIL");
	CHECK_STR(errno_name(EINVAL), "EINVAL");
	CHECK_STR(errno_name(EPERM), "EPERM");
	CHECK_STR(errno_name(EAGAIN), "EAGAIN");
	CHECK_STR(errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	CHECK_STR(errno_name(EHWPOISON), "EHWPOISON");
	CHECK_STR(errno_name(0), NULL);
	CHECK_STR(errno_name(-98), NULL);
	CHECK_STR(errno_name(134), NULL);
	CHECK_STR(errno_name(100000), NULL);
	/* Linux x86-64 leaves 41 and 58 unused; every other number has a name. */
	for (int err = 1; err <= 133; err++) {
		const char *name = errno_name(err);

		if (err == 41 || err == 58)
			continue;
		if (!name || name[0] != 'E' || errno_from_name(name) != err) {
			printf("     errno %d: %s\n", err, name ? name : "(no name)");
			missing++;
		}
	}
	CHECK_INT(missing, 0);

	CHECK_INT(errno_from_name("EADDRINUSE"), EADDRINUSE);
	CHECK_INT(errno_from_name("EACCES"), EACCES);
	CHECK_INT(errno_from_name("EWOULDBLOCK"), EAGAIN);
	CHECK_INT(errno_from_name("EDEADLOCK"), EDEADLK);
	CHECK_INT(errno_from_name("ENOTSUP"), EOPNOTSUPP);
	CHECK_INT(errno_from_name("eaddrinuse"), -1);
	CHECK_INT(errno_from_name("ADDRINUSE"), -1);
	CHECK_INT(errno_from_name("EADDRINUSE "), -1);
	CHECK_INT(errno_from_name(""), -1);
	CHECK_INT(errno_from_name(NULL), -1);
}

static void test_names(void)
{
	char buf[FORMAT_PROTO_MAX];

	CHECK_STR(proto_name(IPPROTO_TCP, buf, sizeof(buf)), "tcp");
	CHECK_STR(proto_name(IPPROTO_UDP, buf, sizeof(buf)), "udp");
	CHECK_STR(proto_name(IPPROTO_UDPLITE, buf, sizeof(buf)), "udplite");
	CHECK_STR(proto_name(262, buf, sizeof(buf)), "mptcp");
	CHECK_STR(proto_name(IPPROTO_SCTP, buf, sizeof(buf)), "sctp");
	CHECK_STR(proto_name(99, buf, sizeof(buf)), "ipproto-99");
	CHECK_STR(proto_name(65535, buf, sizeof(buf)), "ipproto-65535");

	CHECK_STR(family_name(AF_INET), "ipv4");
	CHECK_STR(family_name(AF_INET6), "ipv6");
	CHECK_STR(family_name(AF_UNIX), "unix");
	CHECK_STR(family_name(AF_PACKET), "unknown");

	CHECK_STR(socket_state_name(IPPROTO_TCP, 1), "ESTABLISHED");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 2), "SYN_SENT");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 3), "SYN_RECV");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 4), "FIN_WAIT1");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 5), "FIN_WAIT2");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 6), "TIME_WAIT");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 7), "BOUND");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 8), "CLOSE_WAIT");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 9), "LAST_ACK");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 10), "LISTEN");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 11), "CLOSING");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 12), "NEW_SYN_RECV");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 0), "UNKNOWN");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 13), "UNKNOWN");
	CHECK_STR(socket_state_name(IPPROTO_TCP, 255), "UNKNOWN");
	CHECK_STR(socket_state_name(262, 10), "LISTEN");
	CHECK_STR(socket_state_name(IPPROTO_UDP, 7), "BOUND");
	CHECK_STR(socket_state_name(IPPROTO_UDP, 1), "CONNECTED");
	CHECK_STR(socket_state_name(IPPROTO_UDP, 10), "UNKNOWN");
	CHECK_STR(socket_state_name(IPPROTO_UDPLITE, 1), "CONNECTED");
}

static void check_ipv6(const char *text)
{
	__u8 addr[16];
	char buf[FORMAT_ADDR_MAX];

	CHECK(inet_pton(AF_INET6, text, addr) == 1);
	CHECK_INT(format_addr(AF_INET6, addr, buf, sizeof(buf)), (long long)strlen(text));
	CHECK_STR(buf, text);
}

static void test_addresses(void)
{
	__u8 addr[16] = { 127, 0, 0, 1, 0xaa, 0xbb }; /* bytes after 4 ignored for IPv4 */
	char buf[FORMAT_ENDPOINT_MAX];
	char reference[INET_ADDRSTRLEN];
	int mismatches = 0;

	CHECK_INT(format_addr(AF_INET, addr, buf, sizeof(buf)), 9);
	CHECK_STR(buf, "127.0.0.1");
	CHECK_INT(format_endpoint(AF_INET, addr, 3000, buf, sizeof(buf)), 14);
	CHECK_STR(buf, "127.0.0.1:3000");

	/* The hand-written IPv4 path agrees with inet_ntop. */
	srand(1);
	for (int i = 0; i < 20000; i++) {
		__u8 v4[4] = { rand(), rand(), rand(), rand() };

		if (i < 256)
			v4[0] = v4[1] = v4[2] = v4[3] = i;
		inet_ntop(AF_INET, v4, reference, sizeof(reference));
		format_addr(AF_INET, v4, buf, sizeof(buf));
		mismatches += strcmp(buf, reference) != 0;
	}
	CHECK_INT(mismatches, 0);
	memset(addr, 255, 4);
	CHECK_INT(format_endpoint(AF_INET, addr, 65535, buf, sizeof(buf)), 21);
	CHECK_STR(buf, "255.255.255.255:65535");
	memset(addr, 0, sizeof(addr));
	CHECK_INT(format_addr(AF_INET, addr, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "0.0.0.0");

	check_ipv6("::");
	check_ipv6("::1");
	check_ipv6("::ffff:127.0.0.1");
	check_ipv6("fe80::1:2");
	check_ipv6("2001:db8::8a2e:370:7334");
	check_ipv6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

	memset(addr, 0, sizeof(addr));
	addr[15] = 1;
	CHECK_INT(format_endpoint(AF_INET6, addr, 3000, buf, sizeof(buf)), 10);
	CHECK_STR(buf, "[::1]:3000");
	memset(addr, 0xff, sizeof(addr));
	CHECK(format_endpoint(AF_INET6, addr, 65535, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");

	/* Too small a buffer: an error and an empty string, never a cut address. */
	CHECK_INT(format_addr(AF_INET, addr, buf, 8), -ENOSPC);
	CHECK_STR(buf, "");
	CHECK_INT(format_addr(AF_INET6, addr, buf, 8), -ENOSPC);
	CHECK_STR(buf, "");
	CHECK_INT(format_endpoint(AF_INET, addr, 80, buf, 10), -ENOSPC);
	CHECK_STR(buf, "");
	CHECK_INT(format_addr(AF_UNIX, addr, buf, sizeof(buf)), -EAFNOSUPPORT);
	CHECK_STR(buf, "");
}

static void test_times(void)
{
	char buf[FORMAT_RFC3339_MAX];
	char reference[64];
	int mismatches = 0;

	CHECK_INT(format_rfc3339_us(SAMPLE_NS, buf, sizeof(buf)), 27);
	CHECK_STR(buf, "2026-11-24T18:52:01.123456Z");
	CHECK_INT(format_rfc3339_us(0, buf, sizeof(buf)), 27);
	CHECK_STR(buf, "1970-01-01T00:00:00.000000Z");
	format_rfc3339_us(951782400999999000ULL, buf, sizeof(buf)); /* leap day 2000 */
	CHECK_STR(buf, "2000-02-29T00:00:00.999999Z");
	format_rfc3339_us(4107542399000001000ULL, buf, sizeof(buf));
	CHECK_STR(buf, "2100-02-28T23:59:59.000001Z");
	CHECK_INT(format_rfc3339_us(SAMPLE_NS, buf, 27), -ENOSPC);
	CHECK_INT(format_rfc3339_us(SAMPLE_NS, buf, 28), 27);

	/* The arithmetic calendar agrees with gmtime_r over 1970..2400. */
	srand(2);
	for (int i = 0; i < 20000; i++) {
		time_t seconds = (time_t)((double)rand() / RAND_MAX * 13569465600.0);
		unsigned int micros = rand() % 1000000;
		struct tm tm;

		gmtime_r(&seconds, &tm);
		snprintf(reference, sizeof(reference), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, micros);
		format_rfc3339_us((__u64)seconds * 1000000000ULL + micros * 1000ULL + 999, buf,
				  sizeof(buf));
		mismatches += strcmp(buf, reference) != 0;
	}
	CHECK_INT(mismatches, 0);

	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_INT(format_clock_us(SAMPLE_NS, buf, sizeof(buf)), 15);
	CHECK_STR(buf, "18:52:01.123456");
	setenv("TZ", "CET-1", 1); /* POSIX form: no zone files needed */
	tzset();
	format_clock_us(SAMPLE_NS, buf, sizeof(buf));
	CHECK_STR(buf, "19:52:01.123456");
	CHECK_INT(format_clock_us(SAMPLE_NS, buf, 15), -ENOSPC);
}

/* Every unit boundary of the age the diagnosis and --who print. */
/* AF_UNIX names: exact, escaped, never cut short. */
static void test_unix_names(void)
{
	char long_path[BS_UNIX_PATH_LEN], text[FORMAT_UNIX_NAME_MAX];

	CHECK_INT(format_unix_name("/run/app.sock", 14, text, sizeof(text)), 13);
	CHECK_STR(text, "/run/app.sock");
	format_unix_name("/run/a\\b\"c", 11, text, sizeof(text));
	CHECK_STR(text, "/run/a\\\\b\"c");
	format_unix_name("\0name\0\x01\xff", 8, text, sizeof(text));
	CHECK_STR(text, "@name\\x00\\x01\\xff");
	format_unix_name("", 0, text, sizeof(text));
	CHECK_STR(text, "@");
	/* A path ends at its NUL, as the kernel reads it. */
	format_unix_name("/tmp/x\0junk", 11, text, sizeof(text));
	CHECK_STR(text, "/tmp/x");
	memset(long_path, 0xff, sizeof(long_path));
	CHECK_INT(format_unix_name(long_path, sizeof(long_path), text, sizeof(text)),
		  BS_UNIX_PATH_LEN * 4);
	CHECK_INT(format_unix_name("/x", 2, text, 16), -ENOSPC);
	CHECK_STR(unix_type_name(SOCK_SEQPACKET), "seqpacket");
}

static void test_ages(void)
{
	static const struct {
		__u64 seconds;
		const char *text;
	} cases[] = {
		{ 0, "0s" },	     { 59, "59s" },	 { 60, "1m00s" },
		{ 545, "9m05s" },    { 3599, "59m59s" }, { 3600, "1h00m" },
		{ 86399, "23h59m" }, { 86400, "1d0h" },	 { 273600, "3d4h" },
	};
	char age[FORMAT_AGE_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		format_age(cases[i].seconds, age);
		CHECK_STR(age, cases[i].text);
	}
	format_age(~0ULL, age);
	CHECK_STR(age, "213503982334601d7h");
}

static void test_socket_options(void)
{
	char out[160];

	CHECK_INT(format_socket_options(0, "", out, sizeof(out)), 0);
	CHECK_STR(out, "");
	format_socket_options(BS_SOCK_REUSEADDR | BS_SOCK_FREEBIND, "eth0", out, sizeof(out));
	CHECK_STR(out, "SO_REUSEADDR IP_FREEBIND SO_BINDTODEVICE=eth0");
	format_socket_options(BS_SOCK_REUSEPORT | BS_SOCK_TRANSPARENT |
				      BS_SOCK_BIND_ADDRESS_NO_PORT,
			      NULL, out, sizeof(out));
	CHECK_STR(out, "SO_REUSEPORT IP_TRANSPARENT IP_BIND_ADDRESS_NO_PORT");
	/* Cut short, never past out. */
	CHECK_INT(format_socket_options(BS_SOCK_REUSEADDR, "", out, 6), 5);
	CHECK_STR(out, "SO_RE");
}

#define COLUMNS(literal) text_columns(literal, sizeof(literal) - 1)

/*
 * Columns as a terminal draws them, in the "C" locale this test runs in (as
 * bindsnoop does): wide East Asian characters take two, marks none.
 */
static void test_text_columns(void)
{
	size_t used;

	CHECK_INT(COLUMNS(""), 0);
	CHECK_INT(COLUMNS("nginx"), 5);
	CHECK_INT(COLUMNS("\xc2\xb7 \xe2\x80\xa6"), 3);		   /* "· …" */
	CHECK_INT(COLUMNS("\xe6\xb5\x8b\xe8\xaf\x95"), 4);	   /* 测试 */
	CHECK_INT(COLUMNS("\xed\x95\x9c\xea\xb8\x80"), 4);	   /* 한글 */
	CHECK_INT(COLUMNS("\xef\xbc\xa1\xef\xbc\xa2"), 4);	   /* ＡＢ fullwidth */
	CHECK_INT(COLUMNS("\xf0\x9f\x98\x80\xf0\x9f\xa7\x90"), 4); /* two emoji */
	CHECK_INT(COLUMNS("\xf0\xa0\x80\x80"), 2);		   /* U+20000 */
	CHECK_INT(COLUMNS("e\xcc\x81"), 1);			   /* e + combining acute */
	CHECK_INT(COLUMNS("a\u200bb"), 2);			   /* zero-width space */
	CHECK_INT(COLUMNS("\xe2\x83\x90\xef\xb8\xa0"), 0);	   /* U+20D0, U+FE20 */
	/* The edges of the ranges. */
	CHECK_INT(COLUMNS("\xe1\x84\x80\xe1\x85\x9f\xe1\x85\xa0"), 5); /* U+1100, 115F, 1160 */
	CHECK_INT(COLUMNS("\xe3\x80\xbe\xe3\x80\xbf"), 3);	       /* U+303E, 303F */
	CHECK_INT(COLUMNS("\xe3\x81\x80\xe3\x81\x81"), 3);	       /* U+3040, 3041 */
	CHECK_INT(COLUMNS("\xed\x9e\xa3\xed\x9e\xa4"), 3);	       /* U+D7A3, D7A4 */
	CHECK_INT(COLUMNS("\xef\xbd\xa0\xef\xbd\xa1"), 3);	       /* U+FF60, FF61 */
	CHECK_INT(COLUMNS("\xcd\xaf\xcd\xb0"), 1);		       /* U+036F, 0370 */
	CHECK_INT(COLUMNS("\xf0\xbf\xbf\xbd\xf0\xbf\xbf\xbe"), 3);     /* U+3FFFD, 3FFFE */
	/* A byte that is not UTF-8 shows as one replacement character. */
	CHECK_INT(COLUMNS("\xff"), 1);
	CHECK_INT(COLUMNS("\xe6\xb5"), 2);

	/* Cut between characters, never inside a wide one. */
	CHECK_INT(text_prefix_columns("\xe6\xb5\x8b\xe8\xaf\x95\xe6\x9c\x8d", 9, 5, &used), 6);
	CHECK_INT(used, 4);
	CHECK_INT(text_prefix_columns("\xe6\xb5\x8b\xe8\xaf\x95\xe6\x9c\x8d", 9, 6, &used), 9);
	CHECK_INT(used, 6);
	CHECK_INT(text_prefix_columns("\xe6\xb5\x8b", 3, 1, &used), 0);
	CHECK_INT(used, 0);
	/* A mark stays with its letter. */
	CHECK_INT(text_prefix_columns("e\xcc\x81x", 4, 1, &used), 3);
	CHECK_INT(used, 1);
	CHECK_INT(text_prefix_columns("nginx", 5, 99, NULL), 5);
	CHECK_INT(text_prefix_columns("nginx", 5, 0, &used), 0);
}

int main(void)
{
	test_unix_names();
	test_text_columns();
	test_socket_options();
	test_errno_names();
	test_names();
	test_addresses();
	test_times();
	test_ages();
	return unit_summary();
}
