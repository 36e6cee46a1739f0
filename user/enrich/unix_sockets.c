// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include "enrich/netlink_dump.h"
#include "enrich/proc_net.h"
#include "enrich/unix_sockets.h"
#include "shared_facts.h"

#define UNIX_DUMP_TIMEOUT_NS 200000000ULL /* as a port dump (SOCKDIAG_TIMEOUT_MS) */

/* /proc/net/unix: the Flags bit of a listener, and the St of a connected socket. */
#define PROC_UNIX_ACCEPTCON 0x10000 /* __SO_ACCEPTCON */
#define PROC_UNIX_CONNECTED 3	    /* SS_CONNECTED */

/* The attributes of one reply that a holder needs. */
static void socket_attributes(const struct unix_diag_msg *msg, size_t len,
			      struct unix_socket *socket)
{
	const struct nlattr *attr = (const void *)(msg + 1);
	size_t left = len - sizeof(*msg);

	while (left >= NLA_HDRLEN && attr->nla_len >= NLA_HDRLEN && attr->nla_len <= left) {
		size_t payload = attr->nla_len - NLA_HDRLEN;
		const void *data = (const char *)attr + NLA_HDRLEN;
		size_t step = NLA_ALIGN(attr->nla_len);

		switch (attr->nla_type & NLA_TYPE_MASK) {
		case UNIX_DIAG_NAME:
			socket->name_len = payload < BS_UNIX_PATH_LEN ? payload : BS_UNIX_PATH_LEN;
			memcpy(socket->name, data, socket->name_len);
			break;
		case UNIX_DIAG_VFS:
			if (payload >= sizeof(struct unix_diag_vfs)) {
				const struct unix_diag_vfs *vfs = data;

				socket->vfs_ino = vfs->udiag_vfs_ino;
				socket->vfs_dev = vfs->udiag_vfs_dev;
			}
			break;
		case UNIX_DIAG_UID:
			if (payload >= sizeof(__u32))
				memcpy(&socket->uid, data, sizeof(__u32));
			break;
		}
		if (step >= left)
			break;
		left -= step;
		attr = (const void *)((const char *)attr + step);
	}
}

int unix_sockets_parse_replies(const char *buffer, ssize_t len, __u32 sequence,
			       unix_socket_visit_fn visit, void *ctx, bool *visiting)
{
	const struct nlmsghdr *header = (const void *)buffer;
	size_t left = len > 0 ? (size_t)len : 0;

	for (; NLMSG_OK(header, left); header = NLMSG_NEXT(header, left)) {
		const struct unix_diag_msg *msg = NLMSG_DATA(header);
		struct unix_socket socket;

		if (header->nlmsg_seq != sequence)
			continue;
		if (header->nlmsg_type == NLMSG_DONE)
			return 1;
		if (header->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *err = NLMSG_DATA(header);

			if (header->nlmsg_len < NLMSG_LENGTH(sizeof(*err)))
				return -EIO;
			return err->error ? err->error : 1;
		}
		if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    header->nlmsg_len < NLMSG_LENGTH(sizeof(*msg)) || !*visiting)
			continue;
		memset(&socket, 0, sizeof(socket));
		socket.uid = BS_UID_UNKNOWN;
		socket.inode = msg->udiag_ino;
		socket.type = msg->udiag_type;
		socket.state = msg->udiag_state;
		socket_attributes(msg, header->nlmsg_len - NLMSG_LENGTH(0), &socket);
		/* A path's name ends at its NUL; the kernel may count one. */
		if (socket.name_len && socket.name[0])
			socket.name_len = strnlen(socket.name, socket.name_len);
		if (!socket.name_len)
			continue;
		*visiting = visit(ctx, &socket);
	}
	return 0;
}

/* unix_sockets_parse_replies for netlink_dump: one dump's state. */
struct unix_replies {
	__u32 sequence;
	unix_socket_visit_fn visit;
	void *ctx;
	bool visiting;
};

static int unix_replies_parse(void *ctx, const char *buffer, ssize_t len)
{
	struct unix_replies *replies = ctx;

	return unix_sockets_parse_replies(buffer, len, replies->sequence, replies->visit,
					  replies->ctx, &replies->visiting);
}

int unix_sockets_dump(int fd, __u32 sequence, char *buffer, size_t buffer_len,
		      unix_socket_visit_fn visit, void *ctx, const struct lookup_budget *budget)
{
	struct {
		struct nlmsghdr header;
		struct unix_diag_req request;
	} message = {
		.header = {
			.nlmsg_len = sizeof(message),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = sequence,
		},
		.request = {
			.sdiag_family = AF_UNIX,
			.udiag_states = ~0u,
			.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_UID,
		},
	};
	struct unix_replies replies = { sequence, visit, ctx, true };

	return netlink_dump(fd, &message, sizeof(message), buffer, buffer_len, unix_replies_parse,
			    &replies, UNIX_DUMP_TIMEOUT_NS, budget);
}

/*
 * "Num: RefCount Protocol Flags Type St Inode[ Path]": hex but the inode,
 * the path after one space to the end of the line (unix_seq_show()).
 */
int unix_sockets_parse_proc_line(const char *line, size_t len, struct unix_socket *socket)
{
	char text[256];
	unsigned long long address, inode;
	unsigned int refs, protocol, flags, type, state;
	int end = -1;

	if (len >= sizeof(text))
		return -EINVAL;
	memcpy(text, line, len);
	text[len] = '\0';
	if (!strncmp(text, "Num ", 4))
		return 0;
	if (sscanf(text, "%llx: %x %x %x %x %x %llu%n", &address, &refs, &protocol, &flags, &type,
		   &state, &inode, &end) != 7 ||
	    end < 0)
		return -EINVAL;
	if ((size_t)end == len)
		return 0; /* no name: unbound, or the unnamed end of a pair */
	if (text[end] != ' ' || (size_t)end + 1 == len || len - end - 1 > BS_UNIX_PATH_LEN)
		return -EINVAL;
	memset(socket, 0, sizeof(*socket));
	socket->from_proc_net = true;
	socket->uid = BS_UID_UNKNOWN;
	socket->inode = inode;
	socket->type = type;
	/* The states unix_diag reports (ss's names): listening, connected, neither. */
	socket->state = flags & PROC_UNIX_ACCEPTCON  ? BS_TCP_LISTEN :
			state == PROC_UNIX_CONNECTED ? BS_TCP_ESTABLISHED :
						       BS_TCP_CLOSE;
	socket->name_len = len - end - 1;
	memcpy(socket->name, line + end + 1, socket->name_len);
	/* An abstract name is shown as "@" and its bytes: the "@" is its leading NUL. */
	if (socket->name[0] == '@')
		socket->name[0] = '\0';
	return 1;
}

struct proc_unix_lines {
	unix_socket_visit_fn visit;
	void *ctx;
};

static bool proc_unix_line(void *ctx, const char *line, size_t len)
{
	struct proc_unix_lines *lines = ctx;
	struct unix_socket socket;

	if (unix_sockets_parse_proc_line(line, len, &socket) != 1)
		return true;
	return lines->visit(lines->ctx, &socket);
}

int unix_sockets_read_proc(int fd, unix_socket_visit_fn visit, void *ctx,
			   const struct lookup_budget *budget)
{
	struct proc_unix_lines lines = { visit, ctx };

	return proc_net_read_lines(fd, proc_unix_line, &lines, budget);
}
