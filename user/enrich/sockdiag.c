// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "clock.h"
#include "enrich/netlink_dump.h"
#include "enrich/proc_net.h"
#include "enrich/sockdiag.h"
#include "shared_facts.h"

#define TIMER_TIME_WAIT	   3  /* idiag_timer of a timewait socket */

#define NETNS_SOCKETS 8 /* netlink sockets kept, one per namespace */
/* A kept netlink socket holds its namespace alive: let an idle one go. */
#define NETNS_SOCKET_IDLE_NS 30000000000ULL
#define NETNS_PID_SLOTS	     64
#define NETNS_PIDS_PER_SLOT  4
#define RECV_BUFFER_SIZE     32768 /* the largest skb a netlink dump fills */

struct netns_socket {
	__u64 netns_ino; /* 0: free */
	int fd;
	__u64 last_used_ns;
};

/* Processes seen in one namespace, newest first replaced last. */
struct netns_pids {
	__u64 netns_ino;
	__u32 pids[NETNS_PIDS_PER_SLOT];
	unsigned int next;
};

/* The protocols dumped: TCP, UDP, UDP-Lite, AF_UNIX, each with its own diag module. */
enum dump_kind { DUMP_TCP, DUMP_UDP, DUMP_UDPLITE, DUMP_UNIX, DUMP_KINDS };

/* Where each is read from without its module; AF_UNIX has one file for all. */
static const char *const proc_net_files[DUMP_KINDS][2] = {
	[DUMP_TCP] = { "tcp", "tcp6" },
	[DUMP_UDP] = { "udp", "udp6" },
	[DUMP_UDPLITE] = { "udplite", "udplite6" },
	[DUMP_UNIX] = { "unix", NULL },
};

struct sockdiag {
	int own_netns_fd;
	__u64 own_netns_ino;
	bool stranded; /* could not setns() back: never switch again */
	bool verbose;
	/* sock_diag answered "no such family or protocol": /proc/net from then on. */
	bool use_proc_net[DUMP_KINDS];
	int proc_net_reason[DUMP_KINDS]; /* sock_diag's errno, 0: the test knob */
	bool proc_net_said[DUMP_KINDS];
	__u32 sequence;
	struct netns_socket sockets[NETNS_SOCKETS];
	struct netns_pids pids[NETNS_PID_SLOTS];
	char buffer[RECV_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
};

/* The request: header, inet_diag_req_v2, and a bytecode filter "first <= sport <= last". */
struct port_dump_request {
	struct nlmsghdr header;
	struct inet_diag_req_v2 request;
	struct nlattr filter_attr;
	struct inet_diag_bc_op filter[4];
};

static int netlink_socket_open(void)
{
	struct timeval timeout = { .tv_usec = SOCKDIAG_TIMEOUT_MS * 1000 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0)
		return -errno;
	/* Never block long: a stalled dump only costs this event its holders. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	return fd;
}

/* Opens what it needs in the namespace it runs in: a descriptor, 0, or a negative errno. */
typedef int (*netns_open_fn)(void *arg);

static int netlink_socket_open_fn(void *arg)
{
	(void)arg;
	return netlink_socket_open();
}

/* open(arg) run inside the namespace pid lives in, if that is netns_ino. */
static int netns_open_via(struct sockdiag *diag, __u64 netns_ino, __u32 pid, netns_open_fn open_fn,
			  void *arg)
{
	char path[64];
	struct stat ns_stat;
	int ns_fd, fd, err;

	if (diag->stranded)
		return -EPERM;
	snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
	ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0)
		return -errno;
	/* The pid may be reused, or have moved: only the right namespace will do. */
	if (fstat(ns_fd, &ns_stat) < 0 || ns_stat.st_ino != netns_ino) {
		close(ns_fd);
		return -ESTALE;
	}
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		err = -errno;
		close(ns_fd);
		return err;
	}
	close(ns_fd);
	fd = open_fn(arg);
	if (setns(diag->own_netns_fd, CLONE_NEWNET) < 0) {
		err = -errno;
		diag->stranded = true;
		if (fd > 0)
			close(fd);
		return err;
	}
	return fd;
}

static struct netns_pids *pids_slot(struct sockdiag *diag, __u64 netns_ino)
{
	return &diag->pids[(netns_ino * 0x9e3779b97f4a7c15ULL) >> 58 & (NETNS_PID_SLOTS - 1)];
}

void sockdiag_note_pid(struct sockdiag *diag, __u64 netns_ino, __u32 pid)
{
	struct netns_pids *slot;

	if (!diag || !netns_ino || !pid || netns_ino == diag->own_netns_ino)
		return;
	slot = pids_slot(diag, netns_ino);
	if (slot->netns_ino != netns_ino) {
		memset(slot, 0, sizeof(*slot));
		slot->netns_ino = netns_ino;
	}
	for (int i = 0; i < NETNS_PIDS_PER_SLOT; i++) {
		if (slot->pids[i] == pid)
			return;
	}
	slot->pids[slot->next] = pid;
	slot->next = (slot->next + 1) % NETNS_PIDS_PER_SLOT;
}

/* open_fn run in namespace netns_ino: through the event's pid, then every pid seen there before. */
static int netns_open(struct sockdiag *diag, __u64 netns_ino, __u32 pid, netns_open_fn open_fn,
		      void *arg)
{
	struct netns_pids *slot = pids_slot(diag, netns_ino);
	int fd = -ESRCH;

	if (netns_ino == diag->own_netns_ino)
		return diag->stranded ? -EPERM : open_fn(arg);
	if (pid)
		fd = netns_open_via(diag, netns_ino, pid, open_fn, arg);
	for (int i = 0; fd < 0 && slot->netns_ino == netns_ino && i < NETNS_PIDS_PER_SLOT; i++) {
		if (!slot->pids[i] || slot->pids[i] == pid)
			continue;
		fd = netns_open_via(diag, netns_ino, slot->pids[i], open_fn, arg);
		if (fd == -ENOENT || fd == -ESTALE)
			slot->pids[i] = 0; /* gone or moved: do not try it again */
	}
	return fd == -ENOENT || fd == -ESTALE ? -ESRCH : fd;
}

static void netns_socket_close(struct netns_socket *entry)
{
	if (entry->netns_ino)
		close(entry->fd);
	entry->netns_ino = 0;
	entry->fd = -1;
}

static struct netns_socket *netns_socket_get(struct sockdiag *diag, __u64 netns_ino, __u32 pid,
					     int *err)
{
	struct netns_socket *victim = NULL;
	__u64 now = monotonic_ns();
	int fd;

	for (int i = 0; i < NETNS_SOCKETS; i++) {
		struct netns_socket *entry = &diag->sockets[i];

		if (entry->netns_ino == netns_ino) {
			entry->last_used_ns = now;
			return entry;
		}
		if (entry->netns_ino && now - entry->last_used_ns > NETNS_SOCKET_IDLE_NS)
			netns_socket_close(entry);
		if (!victim || entry->last_used_ns < victim->last_used_ns)
			victim = entry;
	}
	fd = netns_open(diag, netns_ino, pid, netlink_socket_open_fn, NULL);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	netns_socket_close(victim);
	victim->netns_ino = netns_ino;
	victim->fd = fd;
	victim->last_used_ns = now;
	return victim;
}

int sockdiag_netns_socket(struct sockdiag *diag, __u64 netns_ino, __u32 pid)
{
	struct netns_socket *entry;
	int err = -ENOMEM;

	if (!diag)
		return -EINVAL;
	entry = netns_socket_get(diag, netns_ino, pid, &err);
	return entry ? entry->fd : err;
}

void sockdiag_netns_socket_failed(struct sockdiag *diag, __u64 netns_ino)
{
	for (int i = 0; diag && i < NETNS_SOCKETS; i++) {
		if (diag->sockets[i].netns_ino == netns_ino)
			netns_socket_close(&diag->sockets[i]);
	}
}

static void socket_from_message(const struct nlmsghdr *header, const struct inet_diag_msg *msg,
				struct sockdiag_socket *socket)
{
	const struct rtattr *attr = (const struct rtattr *)(msg + 1);
	int attr_len = header->nlmsg_len - NLMSG_LENGTH(sizeof(*msg));

	memset(socket, 0, sizeof(*socket));
	socket->family = msg->idiag_family;
	socket->port = ntohs(msg->id.idiag_sport);
	socket->state = msg->idiag_state == BS_TCP_BOUND_INACTIVE ? BS_TCP_CLOSE : msg->idiag_state;
	socket->inode = msg->idiag_inode;
	socket->time_wait = msg->idiag_timer == TIMER_TIME_WAIT && msg->idiag_inode == 0;
	socket->uid = socket->time_wait ? BS_UID_UNKNOWN : msg->idiag_uid;
	socket->expires_ms = socket->time_wait ? msg->idiag_expires : 0;
	memcpy(socket->addr, msg->id.idiag_src, msg->idiag_family == AF_INET6 ? 16 : 4);
	/* Sent for IPv6 sockets in LISTEN or CLOSE: the ones a wildcard matters for. */
	for (; RTA_OK(attr, attr_len); attr = RTA_NEXT(attr, attr_len)) {
		if (attr->rta_type == INET_DIAG_SKV6ONLY && RTA_PAYLOAD(attr) >= 1)
			socket->v6only = *(const __u8 *)RTA_DATA(attr) != 0;
	}
}

int sockdiag_parse_replies(const char *buffer, ssize_t len, __u32 sequence,
			   const struct sockdiag_ports *ports, sockdiag_visit_fn visit, void *ctx,
			   bool *visiting)
{
	const struct nlmsghdr *header = (const struct nlmsghdr *)buffer;
	int remaining = len;

	for (; NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) {
		const struct inet_diag_msg *msg = NLMSG_DATA(header);
		struct sockdiag_socket socket;
		__u16 port;

		if (header->nlmsg_seq != sequence)
			continue; /* left over from an abandoned dump */
		if (header->nlmsg_type == NLMSG_DONE) {
			int status;

			/* A dump that failed says why here: -ENOENT when tcp_diag is not loaded. */
			if (header->nlmsg_len < NLMSG_LENGTH(sizeof(status)))
				return 1;
			memcpy(&status, NLMSG_DATA(header), sizeof(status));
			return status < 0 && status >= -4095 ? status : 1;
		}
		if (header->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *error = NLMSG_DATA(header);

			if (header->nlmsg_len < NLMSG_LENGTH(sizeof(*error)))
				return -EIO;
			/* A negative errno, or the reply lies: then it is an I/O error. */
			return error->error < 0 && error->error >= -4095 ? error->error : -EIO;
		}
		if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    header->nlmsg_len < NLMSG_LENGTH(sizeof(*msg)) || !*visiting)
			continue;
		/* A request socket is a pending connection, not a holder of the port. */
		if (msg->idiag_state == BS_TCP_NEW_SYN_RECV)
			continue;
		port = ntohs(msg->id.idiag_sport);
		if (port < ports->first || port > ports->last)
			continue;
		socket_from_message(header, msg, &socket);
		*visiting = visit(ctx, &socket);
	}
	return 0;
}

/* sockdiag_parse_replies for netlink_dump: one port dump's state. */
struct port_replies {
	__u32 sequence;
	const struct sockdiag_ports *ports;
	sockdiag_visit_fn visit;
	void *ctx;
	bool visiting;
};

static int port_replies_parse(void *ctx, const char *buffer, ssize_t len)
{
	struct port_replies *replies = ctx;

	return sockdiag_parse_replies(buffer, len, replies->sequence, replies->ports,
				      replies->visit, replies->ctx, &replies->visiting);
}

static int dump_ports(struct sockdiag *diag, int fd, __u8 family, __u8 protocol,
		      const struct sockdiag_ports *ports, sockdiag_visit_fn visit, void *ctx,
		      const struct lookup_budget *budget)
{
	struct port_dump_request message = {
		.header = {
			.nlmsg_len = sizeof(message),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = ++diag->sequence,
		},
		.request = {
			.sdiag_family = family,
			.sdiag_protocol = protocol,
			.idiag_states = ~0u, /* LISTEN, TIME_WAIT, bound-only (6.9+), ... */
		},
		.filter_attr = {
			.nla_len = NLA_HDRLEN + sizeof(message.filter),
			.nla_type = INET_DIAG_REQ_BYTECODE,
		},
		/*
		 * Filtered in the kernel: a comparison and its port are two ops;
		 * "jump past the end" (4 beyond) rejects, "to the end" accepts.
		 */
		.filter = {
			{ .code = INET_DIAG_BC_S_GE, .yes = 8, .no = sizeof(message.filter) + 4 },
			{ .no = ports->first },
			{ .code = INET_DIAG_BC_S_LE, .yes = 8, .no = 8 + 4 },
			{ .no = ports->last },
		},
	};
	struct port_replies replies = { diag->sequence, ports, visit, ctx, true };

	_Static_assert(sizeof(message) == NLMSG_LENGTH(sizeof(struct inet_diag_req_v2)) +
						  NLA_HDRLEN + 4 * sizeof(struct inet_diag_bc_op),
		       "the filter attribute must follow the request without padding");
	return netlink_dump(fd, &message, sizeof(message), diag->buffer, sizeof(diag->buffer),
			    port_replies_parse, &replies, SOCKDIAG_TIMEOUT_MS * 1000000ULL, budget);
}

/* A visit that marks its sockets as read from /proc/net. */
struct proc_net_visit {
	sockdiag_visit_fn visit;
	void *ctx;
	bool visiting;
};

static bool proc_net_visit_one(void *ctx, const struct sockdiag_socket *socket)
{
	struct proc_net_visit *wrapped = ctx;
	struct sockdiag_socket marked = *socket;

	marked.from_proc_net = true;
	wrapped->visiting = wrapped->visit(wrapped->ctx, &marked);
	return wrapped->visiting;
}

static int dump_via_sockdiag(struct sockdiag *diag, __u64 netns_ino, __u32 pid, __u8 protocol,
			     const struct sockdiag_ports *ports, sockdiag_visit_fn visit, void *ctx,
			     const struct lookup_budget *budget)
{
	static const __u8 families[] = { AF_INET, AF_INET6 };
	struct netns_socket *entry;
	int err = 0;

	entry = netns_socket_get(diag, netns_ino, pid, &err);
	if (!entry)
		return err;
	for (size_t i = 0; i < sizeof(families); i++) {
		if (lookup_budget_spent(budget))
			return -ETIME;
		err = dump_ports(diag, entry->fd, families[i], protocol, ports, visit, ctx, budget);
		if (err == -ENOENT && families[i] == AF_INET6)
			err = 0; /* IPv6 disabled: no sockets of that family */
		if (err) {
			/* Replies may still be queued on it: start afresh next time. */
			netns_socket_close(entry);
			return err;
		}
	}
	return 0;
}

/* The files of one protocol, both families, opened inside the namespace asked about. */
struct proc_net_files {
	const char *const *names;
	int fds[2];
};

static int proc_net_open_fn(void *arg)
{
	struct proc_net_files *files = arg;
	char path[64];

	for (int i = 0; i < 2 && files->names[i]; i++) {
		/* thread-self: this thread's namespace, the one setns() just entered. */
		snprintf(path, sizeof(path), "/proc/thread-self/net/%s", files->names[i]);
		files->fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		/* No tcp6 file: IPv6 is disabled, so no sockets of that family. */
		if (files->fds[i] < 0 && (i == 0 || errno != ENOENT))
			return -errno;
	}
	return 0;
}

static int dump_via_proc_net(struct sockdiag *diag, __u64 netns_ino, __u32 pid,
			     enum dump_kind kind, const struct sockdiag_ports *ports,
			     sockdiag_visit_fn visit, void *ctx, const struct lookup_budget *budget)
{
	static const __u16 families[] = { AF_INET, AF_INET6 };
	struct proc_net_files files = { proc_net_files[kind], { -1, -1 } };
	struct proc_net_visit wrapped = { visit, ctx, true };
	int err = netns_open(diag, netns_ino, pid, proc_net_open_fn, &files);

	for (int i = 0; i < 2; i++) {
		if (!err && files.fds[i] >= 0 && wrapped.visiting)
			err = proc_net_read(files.fds[i], families[i], ports, proc_net_visit_one,
					    &wrapped, budget);
		if (files.fds[i] >= 0)
			close(files.fds[i]);
	}
	return err;
}

/* The answers that mean "this kernel has no sock_diag for that": a module not loaded, or none. */
static bool sockdiag_missing(int err)
{
	return err == -ENOENT || err == -EPROTONOSUPPORT || err == -EAFNOSUPPORT ||
	       err == -EOPNOTSUPP;
}

/* -v: say once that kind's holders come from /proc/net, and why. */
static void proc_net_say(struct sockdiag *diag, enum dump_kind kind)
{
	const char *const *files = proc_net_files[kind];
	const char *reason = diag->proc_net_reason[kind] ? strerror(diag->proc_net_reason[kind]) :
							   "BINDSNOOP_NO_SOCK_DIAG is set";

	if (!diag->verbose || diag->proc_net_said[kind])
		return;
	diag->proc_net_said[kind] = true;
	if (files[1])
		fprintf(stderr,
			"bindsnoop: sock_diag cannot dump %s sockets (%s): their holders are read "
			"from /proc/net/%s and /proc/net/%s\n",
			files[0], reason, files[0], files[1]);
	else
		fprintf(stderr,
			"bindsnoop: sock_diag cannot dump %s sockets (%s): their holders are read "
			"from /proc/net/%s\n",
			files[0], reason, files[0]);
}

int sockdiag_for_each_in_ports(struct sockdiag *diag, __u64 netns_ino, __u32 pid,
			       __u16 protocol, const struct sockdiag_ports *ports,
			       sockdiag_visit_fn visit, void *ctx,
			       const struct lookup_budget *budget)
{
	enum dump_kind kind;
	__u8 dump_protocol;
	int err;

	if (!diag || !netns_ino)
		return -EINVAL;
	if (protocol == IPPROTO_TCP || protocol == BS_IPPROTO_MPTCP)
		dump_protocol = IPPROTO_TCP; /* MPTCP binds through a TCP subflow */
	else if (protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE)
		dump_protocol = protocol;
	else
		return -EPROTONOSUPPORT;
	kind = dump_protocol == IPPROTO_TCP ? DUMP_TCP :
	       dump_protocol == IPPROTO_UDP ? DUMP_UDP : DUMP_UDPLITE;
	if (!diag->use_proc_net[kind]) {
		err = dump_via_sockdiag(diag, netns_ino, pid, dump_protocol, ports, visit, ctx,
					budget);
		if (!sockdiag_missing(err))
			return err;
		/* Asked once: a kernel without the module stays without it for this run. */
		diag->use_proc_net[kind] = true;
		diag->proc_net_reason[kind] = -err;
	}
	proc_net_say(diag, kind);
	return dump_via_proc_net(diag, netns_ino, pid, kind, ports, visit, ctx, budget);
}

bool sockdiag_unix_uses_proc_net(struct sockdiag *diag, int err)
{
	if (!diag)
		return false;
	/* unix_diag not loaded: ENOENT; some kernels and filters answer EINVAL. */
	if (!diag->use_proc_net[DUMP_UNIX] && (sockdiag_missing(err) || err == -EINVAL)) {
		diag->use_proc_net[DUMP_UNIX] = true;
		diag->proc_net_reason[DUMP_UNIX] = -err;
	}
	if (diag->use_proc_net[DUMP_UNIX])
		proc_net_say(diag, DUMP_UNIX);
	return diag->use_proc_net[DUMP_UNIX];
}

int sockdiag_proc_net_unix_open(struct sockdiag *diag, __u64 netns_ino, __u32 pid)
{
	struct proc_net_files files = { proc_net_files[DUMP_UNIX], { -1, -1 } };
	int err;

	if (!diag)
		return -EINVAL;
	err = netns_open(diag, netns_ino, pid, proc_net_open_fn, &files);
	return err < 0 ? err : files.fds[0];
}

bool sockdiag_uses_proc_net(const struct sockdiag *diag, __u16 protocol)
{
	if (!diag)
		return false;
	if (protocol == IPPROTO_UDP)
		return diag->use_proc_net[DUMP_UDP];
	if (protocol == IPPROTO_UDPLITE)
		return diag->use_proc_net[DUMP_UDPLITE];
	return diag->use_proc_net[DUMP_TCP];
}

void sockdiag_set_verbose(struct sockdiag *diag, bool verbose)
{
	if (diag)
		diag->verbose = verbose;
}

__u64 sockdiag_own_netns(const struct sockdiag *diag)
{
	return diag ? diag->own_netns_ino : 0;
}

struct sockdiag *sockdiag_new(void)
{
	struct sockdiag *diag = calloc(1, sizeof(*diag));
	struct stat ns_stat;

	if (!diag)
		return NULL;
	for (int i = 0; i < NETNS_SOCKETS; i++)
		diag->sockets[i].fd = -1;
	/* The namespace of this thread: setns() brings it back here. */
	diag->own_netns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (diag->own_netns_fd < 0 || fstat(diag->own_netns_fd, &ns_stat) < 0) {
		sockdiag_free(diag);
		return NULL;
	}
	diag->own_netns_ino = ns_stat.st_ino;
	/*
	 * A test knob, not for users: BINDSNOOP_NO_SOCK_DIAG=1 acts as a kernel
	 * without the inet_diag modules, so the /proc/net fallback can be
	 * tested live (tests/live; scripts/vm-test.sh's no-modules row unloads them for real).
	 */
	if (getenv("BINDSNOOP_NO_SOCK_DIAG")) {
		for (int i = 0; i < DUMP_KINDS; i++)
			diag->use_proc_net[i] = true;
	}
	return diag;
}

void sockdiag_free(struct sockdiag *diag)
{
	if (!diag)
		return;
	for (int i = 0; i < NETNS_SOCKETS; i++)
		netns_socket_close(&diag->sockets[i]);
	if (diag->own_netns_fd >= 0)
		close(diag->own_netns_fd);
	free(diag);
}
