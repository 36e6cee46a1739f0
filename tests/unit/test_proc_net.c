// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The /proc/net fallback for kernels without sock_diag: lines cut from this
 * machine's /proc/net/{tcp,tcp6,udp,udp6} (Linux 6.18) while listeners, a
 * TIME_WAIT socket and UDP sockets were open, and sock_diag's "no tcp_diag"
 * answer, which is what sends the lookup there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include "enrich/proc_net.h"
#include "enrich/sockdiag.h"
#include "unit.h"

static const char tcp_header[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode                                                     ";
static const char tcp_listen[] =
	"   0: 0100007F:652E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
	"0 5601956 1 00000000f4ef22cb 100 0 0 10 0                   ";
static const char tcp_time_wait[] =
	"   2: 0100007F:652E 0100007F:D9F6 06 00000000:00000000 03:00001751 00000000     0        "
	"0 0 3 000000006879e5dd                                      ";
static const char tcp6_listen[] =
	"   0: 00000000000000000000000000000000:652D 00000000000000000000000000000000:0000 0A "
	"00000000:00000000 00:00000000 00000000     0        0 5601955 1 00000000e5791136 100 0 0 "
	"10 0";
static const char udp_bound[] =
	"14755: 00000000:652F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        "
	"0 5601959 2 000000001650124d 0       ";
static const char udp6_loopback[] =
	"14756: 00000000000000000000000001000000:6530 00000000000000000000000000000000:0000 07 "
	"00000000:00000000 00:00000000 00000000  1000        0 5601960 2 00000000ad6b528b 0";
/* A connection request waiting in the accept queue: no file, holds nothing. */
static const char tcp_request[] =
	"   3: 0100007F:652E 0100007F:D9F8 03 00000000:00000000 01:00000064 00000000     0        "
	"0 0 1 0000000012345678";

static int parse(const char *line, __u16 family, struct sockdiag_socket *socket)
{
	/* A heap copy of exactly the line: ASan sees a read past its end. */
	size_t len = strlen(line);
	char *copy = malloc(len);
	int ret;

	memcpy(copy, line, len);
	ret = proc_net_parse_line(copy, len, family, socket);
	free(copy);
	return ret;
}

static void test_lines(void)
{
	static const __u8 loopback6[16] = { [15] = 1 };
	struct sockdiag_socket socket;

	CHECK_INT(parse(tcp_header, AF_INET, &socket), 0);
	CHECK_INT(parse(tcp_listen, AF_INET, &socket), 1);
	CHECK_INT(socket.port, 25902);
	CHECK_INT(socket.state, 10);
	CHECK_INT(socket.family, AF_INET);
	CHECK(!memcmp(socket.addr, "\x7f\0\0\x01", 4));
	CHECK_INT(socket.inode, 5601956);
	CHECK_INT(socket.uid, 0);
	CHECK(!socket.time_wait);

	CHECK_INT(parse(tcp_time_wait, AF_INET, &socket), 1);
	CHECK(socket.time_wait);
	CHECK_INT(socket.state, 6);
	CHECK_INT(socket.inode, 0);
	CHECK_INT(socket.uid, BS_UID_UNKNOWN);
	CHECK_INT(socket.expires_ms, 0x1751 * 10);

	CHECK_INT(parse(tcp6_listen, AF_INET6, &socket), 1);
	CHECK_INT(socket.port, 25901);
	CHECK_INT(socket.family, AF_INET6);
	CHECK(!memcmp(socket.addr, (__u8[16]){ 0 }, 16));

	CHECK_INT(parse(udp_bound, AF_INET, &socket), 1);
	CHECK_INT(socket.port, 25903);
	CHECK_INT(socket.state, 7);

	CHECK_INT(parse(udp6_loopback, AF_INET6, &socket), 1);
	CHECK(!memcmp(socket.addr, loopback6, 16));
	CHECK_INT(socket.uid, 1000);

	CHECK_INT(parse(tcp_request, AF_INET, &socket), 0);
	/* An IPv4 line read as IPv6, a line cut short, garbage: refused. */
	CHECK_INT(parse(tcp_listen, AF_INET6, &socket), -EINVAL);
	CHECK_INT(parse("   0: 0100007F:652E 00000000:0000 0A", AF_INET, &socket), -EINVAL);
	CHECK_INT(parse("   0: 0100007G:652E 00000000:0000 0A 00000000:00000000 00:00000000 "
			"00000000     0        0 1 1 0",
			AF_INET, &socket),
		  -EINVAL);
	CHECK_INT(parse("", AF_INET, &socket), -EINVAL);
}

struct collected {
	__u16 ports[8];
	int count;
};

static bool collect(void *ctx, const struct sockdiag_socket *socket)
{
	struct collected *seen = ctx;

	if (seen->count < 8)
		seen->ports[seen->count++] = socket->port;
	return true;
}

/* The whole file through a pipe in small writes: lines cut across reads are joined. */
static void test_read(void)
{
	struct sockdiag_ports ports = { 25902, 25903 };
	struct collected seen = { 0 };
	char text[2048];
	int pipe_fds[2];

	snprintf(text, sizeof(text), "%s\n%s\n%s\n%s\n%s\n", tcp_header, tcp_listen, tcp_time_wait,
		 udp_bound, tcp_request);
	CHECK(pipe(pipe_fds) == 0);
	for (size_t off = 0, len = strlen(text); off < len; off += 37)
		CHECK(write(pipe_fds[1], text + off, len - off < 37 ? len - off : 37) > 0);
	close(pipe_fds[1]);
	CHECK_INT(proc_net_read(pipe_fds[0], AF_INET, &ports, collect, &seen, NULL), 0);
	close(pipe_fds[0]);
	CHECK_INT(seen.count, 3); /* listener and TIME_WAIT on 25902, UDP on 25903 */
	CHECK_INT(seen.ports[0], 25902);
	CHECK_INT(seen.ports[2], 25903);
}

static bool count_visit(void *ctx, const struct sockdiag_socket *socket)
{
	(void)socket;
	(*(int *)ctx)++;
	return true;
}

/*
 * A kernel with sock_diag but no tcp_diag ends the dump with NLMSG_DONE
 * carrying -ENOENT: that must come back as -ENOENT (which sends the lookup
 * to /proc/net), not as an empty dump ("holders: []").
 */
static void test_done_with_error(void)
{
	struct {
		struct nlmsghdr header;
		int status;
	} reply = {
		.header = { .nlmsg_len = sizeof(reply), .nlmsg_type = NLMSG_DONE, .nlmsg_seq = 9 },
		.status = -ENOENT,
	};
	struct sockdiag_ports ports = { 3000, 3000 };
	bool visiting = true;
	int visits = 0;

	CHECK_INT(sockdiag_parse_replies((const char *)&reply, sizeof(reply), 9, &ports,
					 count_visit, &visits, &visiting),
		  -ENOENT);
	reply.status = 0;
	CHECK_INT(sockdiag_parse_replies((const char *)&reply, sizeof(reply), 9, &ports,
					 count_visit, &visits, &visiting),
		  1);
	CHECK_INT(visits, 0);
}

int main(void)
{
	test_lines();
	test_read();
	test_done_with_error();
	return unit_summary();
}
