// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * AF_UNIX holders: unix_diag replies parsed (whole, truncated, lying),
 * /proc/net/unix read where unix_diag is missing (tests/fixtures/proc-net/unix),
 * and which socket holds a name (a path by its file's inode, or by its name
 * in /proc/net/unix; an abstract name by its bytes and type).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include "shared_facts.h"
#include "unit.h"
#include "enrich/unix_holder.h"
#include "enrich/unix_sockets.h"

#define SEQ 7

static char buffer[4096];

/* One reply: a socket with inode, a name, and its file (vfs_ino 0: none). */
static size_t put_reply(size_t at, __u32 inode, const char *name, size_t name_len,
			__u32 vfs_ino)
{
	struct nlmsghdr *header = (void *)(buffer + at);
	struct unix_diag_msg *msg = NLMSG_DATA(header);
	struct nlattr *attr = (void *)(msg + 1);
	size_t len = NLMSG_LENGTH(sizeof(*msg));

	memset(header, 0, NLMSG_SPACE(sizeof(*msg)) + 256);
	msg->udiag_family = AF_UNIX;
	msg->udiag_type = SOCK_STREAM;
	msg->udiag_state = 10;
	msg->udiag_ino = inode;
	attr->nla_type = UNIX_DIAG_NAME;
	attr->nla_len = NLA_HDRLEN + name_len;
	memcpy((char *)attr + NLA_HDRLEN, name, name_len);
	len += NLA_ALIGN(attr->nla_len);
	if (vfs_ino) {
		struct unix_diag_vfs vfs = { .udiag_vfs_ino = vfs_ino, .udiag_vfs_dev = 8 << 20 | 1 };

		attr = (void *)((char *)attr + NLA_ALIGN(attr->nla_len));
		attr->nla_type = UNIX_DIAG_VFS;
		attr->nla_len = NLA_HDRLEN + sizeof(vfs);
		memcpy((char *)attr + NLA_HDRLEN, &vfs, sizeof(vfs));
		len += NLA_ALIGN(attr->nla_len);
	}
	header->nlmsg_len = len;
	header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	header->nlmsg_seq = SEQ;
	return at + NLMSG_ALIGN(len);
}

struct seen {
	struct unix_socket sockets[4];
	int count;
};

static bool collect(void *ctx, const struct unix_socket *socket)
{
	struct seen *seen = ctx;

	if (seen->count < 4)
		seen->sockets[seen->count++] = *socket;
	return true;
}

static void test_parse(void)
{
	struct seen seen = { 0 };
	bool visiting = true;
	size_t len = put_reply(0, 100, "/run/app.sock", 14, 555);

	len = put_reply(len, 101, "\0app", 4, 0);
	CHECK_INT(unix_sockets_parse_replies(buffer, len, SEQ, collect, &seen, &visiting), 0);
	CHECK_INT(seen.count, 2);
	CHECK_INT(seen.sockets[0].inode, 100);
	CHECK_INT(seen.sockets[0].name_len, 13); /* up to the NUL the kernel counts */
	CHECK_INT(seen.sockets[0].vfs_ino, 555);
	CHECK_INT(seen.sockets[1].name_len, 4);
	CHECK_INT(seen.sockets[1].vfs_ino, 0);
	/* Cut anywhere: never read past len, never a socket made up. */
	for (size_t cut = 0; cut < len; cut++) {
		seen.count = 0;
		visiting = true;
		unix_sockets_parse_replies(buffer, cut, SEQ, collect, &seen, &visiting);
		CHECK(seen.count <= 2);
	}
	/* Another dump's replies are not this one's. */
	seen.count = 0;
	CHECK_INT(unix_sockets_parse_replies(buffer, len, SEQ + 1, collect, &seen, &visiting), 0);
	CHECK_INT(seen.count, 0);
}

static void test_holds(void)
{
	struct unix_target target = { .name = "/run/app.sock", .name_len = 13 };
	struct unix_socket socket = { .vfs_ino = 555, .vfs_dev = 8 << 20 | 1, .type = SOCK_STREAM };

	target.file_error = 0;
	target.file_mode = S_IFSOCK | 0755;
	target.file_ino = 555;
	target.file_dev = makedev(8, 1);
	CHECK(unix_socket_holds(&target, &socket));
	socket.vfs_dev = 8 << 20 | 2; /* the same inode number on another filesystem */
	CHECK(!unix_socket_holds(&target, &socket));
	socket.vfs_dev = 8 << 20 | 1;
	target.file_mode = S_IFREG | 0644; /* not a socket file: nobody holds it */
	CHECK(!unix_socket_holds(&target, &socket));

	struct unix_target abstract = { .name = "\0app", .name_len = 4, .sock_type = SOCK_STREAM };
	struct unix_socket named = { .name = "\0app", .name_len = 4, .type = SOCK_STREAM };

	CHECK(unix_socket_holds(&abstract, &named));
	named.type = SOCK_DGRAM; /* the kernel keeps one table of names per type */
	CHECK(!unix_socket_holds(&abstract, &named));
	named.type = SOCK_STREAM;
	named.name_len = 5;
	CHECK(!unix_socket_holds(&abstract, &named));
}

/* The fixture as the fallback reads it: bound sockets only, each as unix_diag would give it. */
static void test_proc_net_unix(void)
{
	struct seen seen = { 0 };
	struct unix_socket socket;
	int fd = open("tests/fixtures/proc-net/unix", O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_INT(unix_sockets_read_proc(fd, collect, &seen, NULL), 0);
	close(fd);
	CHECK_INT(seen.count, 4);
	CHECK_INT(seen.sockets[0].inode, 21870);
	CHECK_INT(seen.sockets[0].type, SOCK_STREAM);
	CHECK_INT(seen.sockets[0].state, BS_TCP_LISTEN); /* __SO_ACCEPTCON: a listener */
	CHECK_INT(seen.sockets[0].name_len, 13);
	CHECK(!memcmp(seen.sockets[0].name, "/run/app.sock", 13));
	CHECK(seen.sockets[0].from_proc_net && !seen.sockets[0].vfs_ino);
	CHECK_INT(seen.sockets[0].uid, BS_UID_UNKNOWN);
	CHECK_INT(seen.sockets[1].type, SOCK_DGRAM);
	CHECK_INT(seen.sockets[1].state, BS_TCP_CLOSE); /* unconnected */
	CHECK_INT(seen.sockets[1].name_len, 5);
	CHECK(!memcmp(seen.sockets[1].name, "\0ab@c", 5));
	CHECK_INT(seen.sockets[2].type, SOCK_SEQPACKET);
	CHECK_INT(seen.sockets[2].name_len, 18);
	CHECK(!memcmp(seen.sockets[2].name, "/run/my app/s.sock", 18));
	CHECK_INT(seen.sockets[3].inode, 21990);
	CHECK_INT(seen.sockets[3].state, BS_TCP_ESTABLISHED); /* connected */

	/* Lines that are not the kernel's: refused, never a socket made up. */
	CHECK_INT(unix_sockets_parse_proc_line("Num       RefCount", 18, &socket), 0);
	CHECK_INT(unix_sockets_parse_proc_line("0: 2 0 0 1 3 7", 14, &socket), 0);
	CHECK_INT(unix_sockets_parse_proc_line("0: 2 0 0 1 3 7 ", 15, &socket), -EINVAL);
	CHECK_INT(unix_sockets_parse_proc_line("0: 2 0 0 1 3 x /a", 17, &socket), -EINVAL);
	CHECK_INT(unix_sockets_parse_proc_line("0: 2 0 0 1 3 7\t/a", 17, &socket), -EINVAL);
	CHECK_INT(unix_sockets_parse_proc_line("0: 2 0 0 1 3 7 /a", 17, &socket), 1);
	CHECK_INT(socket.name_len, 2);
}

/* A holder from /proc/net/unix: matched by the name it was bound to, the file a socket. */
static void test_holds_by_name(void)
{
	struct unix_target target = { .name = "/run/app.sock", .name_len = 13 };
	struct unix_socket socket = {
		.name = "/run/app.sock", .name_len = 13, .type = SOCK_DGRAM, .from_proc_net = true
	};
	struct unix_target abstract = { .name = "\0ab\0c", .name_len = 5, .sock_type = SOCK_DGRAM };
	struct unix_socket shown = {
		.name = "\0ab@c", .name_len = 5, .type = SOCK_DGRAM, .from_proc_net = true
	};

	target.file_error = 0;
	target.file_mode = S_IFSOCK | 0755;
	CHECK(unix_socket_holds(&target, &socket)); /* a path: whatever the type */
	socket.name_len = 12;
	CHECK(!unix_socket_holds(&target, &socket));
	socket.name_len = 13;
	target.file_error = ENOENT; /* no file: nobody holds the path */
	CHECK(!unix_socket_holds(&target, &socket));
	CHECK(unix_socket_holds(&abstract, &shown)); /* its NUL shown as '@' */
	shown.type = SOCK_STREAM;
	CHECK(!unix_socket_holds(&abstract, &shown));
	abstract.sock_type = 0; /* --who @name: any type */
	CHECK(unix_socket_holds(&abstract, &shown));
}

int main(void)
{
	test_parse();
	test_holds();
	test_proc_net_unix();
	test_holds_by_name();
	return unit_summary();
}
