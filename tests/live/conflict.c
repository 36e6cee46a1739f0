// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Helper processes that bind and listen on request, reporting each errno. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "conflict.h"
#include "live.h"

#define HELPER_MAX_SOCKETS 16
#define HELPER_COMM_LEN	   16

enum helper_op {
	OP_SOCKET = 1,
	OP_SETSOCKOPT,
	OP_BIND,
	OP_LISTEN,
	OP_CLOSE,
	OP_SOCKET_INODE,
	OP_DROP_PRIVILEGES,
	OP_UNSHARE_NET,
	OP_JOIN_NETNS,
	OP_CONNECT,
	OP_SENDTO,
	OP_ACCEPT,
	OP_WRITE_FILE,
	OP_BIND_AND_EXIT,
};

struct helper_request {
	int op;
	int slot;
	int family;
	int type;
	int protocol;
	int level;
	int name;
	int value;
	unsigned int port;
	char addr[INET6_ADDRSTRLEN];
	char path[96];
	char text[32];
};

struct helper_reply {
	int ret;		  /* 0, a slot, or -errno */
	int step;		  /* which step of a multi-step request failed */
	unsigned long long value; /* inode numbers */
};

struct helper {
	pid_t pid;
	int request_fd;
	int reply_fd;
	bool lost;
	char comm[HELPER_COMM_LEN];
};

/* ---- inside the helper process ---- */

static int child_sockets[HELPER_MAX_SOCKETS];

static int fill_sockaddr(const struct helper_request *req, struct sockaddr_storage *storage,
			 socklen_t *len)
{
	memset(storage, 0, sizeof(*storage));
	if (req->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)storage;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(req->port);
		if (inet_pton(AF_INET, req->addr, &sin->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*sin);
		return 0;
	}
	if (req->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)storage;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(req->port);
		if (inet_pton(AF_INET6, req->addr, &sin6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*sin6);
		return 0;
	}
	if (req->family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)storage;
		size_t name_len = strnlen(req->path, sizeof(req->path));

		/* "@name": an abstract name, its bytes after the NUL and nothing more. */
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, req->path, name_len);
		if (req->path[0] == '@')
			sun->sun_path[0] = '\0';
		*len = offsetof(struct sockaddr_un, sun_path) + name_len +
		       (req->path[0] == '@' ? 0 : 1);
		return 0;
	}
	return -EAFNOSUPPORT;
}

static int child_slot_fd(int slot)
{
	if (slot < 0 || slot >= HELPER_MAX_SOCKETS || child_sockets[slot] < 0)
		return -EBADF;
	return child_sockets[slot];
}

static int errno_result(int ret)
{
	return ret < 0 ? -errno : ret;
}

static void child_unshare_net(struct helper_reply *reply)
{
	struct stat st;

	if (unshare(CLONE_NEWNET)) {
		reply->ret = -errno;
		reply->step = 1;
		return;
	}
	reply->ret = loopback_up();
	if (reply->ret) {
		reply->step = 2;
		return;
	}
	if (stat("/proc/self/ns/net", &st)) {
		reply->ret = -errno;
		reply->step = 3;
		return;
	}
	reply->value = st.st_ino;
}

/* bind, connect or sendto (one byte) on a slot, to the request's address: 0 or -errno. */
static int child_to_address(const struct helper_request *req)
{
	struct sockaddr_storage storage;
	struct sockaddr *addr = (struct sockaddr *)&storage;
	int fd = child_slot_fd(req->slot);
	socklen_t len;
	int ret;

	if (fd < 0)
		return fd;
	ret = fill_sockaddr(req, &storage, &len);
	if (ret)
		return ret;
	if (req->op == OP_BIND)
		return errno_result(bind(fd, addr, len));
	if (req->op == OP_CONNECT)
		return errno_result(connect(fd, addr, len));
	return sendto(fd, "x", 1, 0, addr, len) < 0 ? -errno : 0;
}

/*
 * A caller as second instances and crash loops are: a child of the helper
 * (the same executable) makes a socket, binds it and exits that instant,
 * the bind's errno its exit status. The reply says how it went and the
 * child's pid, the caller bindsnoop must report.
 */
static void child_bind_and_exit(const struct helper_request *req, struct helper_reply *reply)
{
	struct sockaddr_storage storage;
	socklen_t len;
	int status;
	pid_t pid;

	reply->ret = fill_sockaddr(req, &storage, &len);
	if (reply->ret)
		return;
	pid = fork();
	if (pid < 0) {
		reply->ret = -errno;
		return;
	}
	if (pid == 0) {
		int fd = socket(req->family, req->type, 0);

		if (fd < 0)
			_exit(255);
		_exit(bind(fd, (struct sockaddr *)&storage, len) ? errno : 0);
	}
	reply->value = pid;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 255)
		reply->ret = -ECHILD;
	else
		reply->ret = -WEXITSTATUS(status);
}

static void child_execute(const struct helper_request *req, struct helper_reply *reply)
{
	struct stat st;
	char path[64];
	int fd, slot;

	switch (req->op) {
	case OP_SOCKET:
		for (slot = 0; slot < HELPER_MAX_SOCKETS && child_sockets[slot] >= 0; slot++)
			;
		if (slot == HELPER_MAX_SOCKETS) {
			reply->ret = -EMFILE;
			break;
		}
		fd = socket(req->family, req->type, req->protocol);
		reply->ret = fd < 0 ? -errno : slot;
		if (fd >= 0)
			child_sockets[slot] = fd;
		break;
	case OP_SETSOCKOPT:
		fd = child_slot_fd(req->slot);
		reply->ret = fd < 0 ? fd :
				      errno_result(setsockopt(fd, req->level, req->name,
							      &req->value, sizeof(req->value)));
		break;
	case OP_BIND:
	case OP_CONNECT:
	case OP_SENDTO:
		reply->ret = child_to_address(req);
		break;
	case OP_BIND_AND_EXIT:
		child_bind_and_exit(req, reply);
		break;
	case OP_LISTEN:
		fd = child_slot_fd(req->slot);
		reply->ret = fd < 0 ? fd : errno_result(listen(fd, 16));
		break;
	case OP_CLOSE:
		fd = child_slot_fd(req->slot);
		reply->ret = fd < 0 ? fd : errno_result(close(fd));
		if (fd >= 0)
			child_sockets[req->slot] = -1;
		break;
	case OP_SOCKET_INODE:
		fd = child_slot_fd(req->slot);
		reply->ret = fd < 0 ? fd : errno_result(fstat(fd, &st));
		if (!reply->ret)
			reply->value = st.st_ino;
		break;
	case OP_DROP_PRIVILEGES:
		if (setgroups(0, NULL))
			reply->ret = -errno, reply->step = 1;
		else if (setresgid(req->value, req->value, req->value))
			reply->ret = -errno, reply->step = 2;
		else if (setresuid(req->name, req->name, req->name))
			reply->ret = -errno, reply->step = 3;
		break;
	case OP_UNSHARE_NET:
		child_unshare_net(reply);
		break;
	case OP_JOIN_NETNS:
		snprintf(path, sizeof(path), "/proc/%d/ns/net", req->value);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			reply->ret = -errno;
			break;
		}
		reply->ret = errno_result(setns(fd, CLONE_NEWNET));
		close(fd);
		break;
	case OP_ACCEPT:
		fd = child_slot_fd(req->slot);
		for (slot = 0; slot < HELPER_MAX_SOCKETS && child_sockets[slot] >= 0; slot++)
			;
		if (fd < 0 || slot == HELPER_MAX_SOCKETS) {
			reply->ret = fd < 0 ? fd : -EMFILE;
			break;
		}
		fd = accept(fd, NULL, NULL);
		reply->ret = fd < 0 ? -errno : slot;
		if (fd >= 0)
			child_sockets[slot] = fd;
		break;
	case OP_WRITE_FILE:
		fd = open(req->path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			reply->ret = -errno;
			break;
		}
		reply->ret = write(fd, req->text, strlen(req->text)) < 0 ? -errno : 0;
		close(fd);
		break;
	default:
		reply->ret = -ENOSYS;
	}
}

static bool read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static bool write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/*
 * Keep only our two pipes: a helper holding a copy of bindsnoop's stdout
 * pipe would keep it open after the test closes its end.
 */
static void close_other_fds(int keep_a, int keep_b)
{
	unsigned int low = keep_a < keep_b ? keep_a : keep_b;
	unsigned int high = keep_a < keep_b ? keep_b : keep_a;
	int fd;

	if ((low == 3 || syscall(SYS_close_range, 3U, low - 1, 0U) == 0) &&
	    (high == low + 1 || syscall(SYS_close_range, low + 1, high - 1, 0U) == 0) &&
	    syscall(SYS_close_range, high + 1, ~0U, 0U) == 0)
		return;
	/* Kernels before 5.9 have no close_range. */
	for (fd = 3; fd < 4096; fd++) {
		if (fd != keep_a && fd != keep_b)
			close(fd);
	}
}

static void helper_main(int request_fd, int reply_fd, const char *comm)
{
	struct helper_request req;
	int slot;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, comm);
	close_other_fds(request_fd, reply_fd);
	for (slot = 0; slot < HELPER_MAX_SOCKETS; slot++)
		child_sockets[slot] = -1;
	/* A closed request pipe means the test is done with us. */
	while (read_full(request_fd, &req, sizeof(req))) {
		struct helper_reply reply = { 0 };

		child_execute(&req, &reply);
		if (!write_full(reply_fd, &reply, sizeof(reply)))
			break;
	}
	_exit(0);
}

void helper_exec_main(int argc, char **argv)
{
	if (argc != 5)
		_exit(2);
	helper_main(atoi(argv[2]), atoi(argv[3]), argv[4]);
	_exit(0);
}

/* ---- in the test process ---- */

/* In the forked child: become a helper, or exec program to be one (exe NULL: stay). */
static void helper_child(int request_fd, int reply_fd, const char *comm, const char *exe)
{
	char request_text[16], reply_text[16];

	if (!exe)
		helper_main(request_fd, reply_fd, comm);
	/* The pipes are O_CLOEXEC: these two must survive the exec. */
	fcntl(request_fd, F_SETFD, 0);
	fcntl(reply_fd, F_SETFD, 0);
	snprintf(request_text, sizeof(request_text), "%d", request_fd);
	snprintf(reply_text, sizeof(reply_text), "%d", reply_fd);
	execl(exe, comm, HELPER_EXEC_FLAG, request_text, reply_text, comm, (char *)NULL);
	_exit(127);
}

static int spawn(struct helper **out, const char *comm, const char *exe);

int helper_spawn(struct helper **out, const char *comm)
{
	return spawn(out, comm, NULL);
}

int helper_spawn_exec(struct helper **out, const char *comm, const char *exe)
{
	return spawn(out, comm, exe);
}

static int spawn(struct helper **out, const char *comm, const char *exe)
{
	int request_pipe[2], reply_pipe[2];
	struct helper *helper;
	int err;

	helper = calloc(1, sizeof(*helper));
	if (!helper)
		return -ENOMEM;
	snprintf(helper->comm, sizeof(helper->comm), "%s", comm);
	if (pipe2(request_pipe, O_CLOEXEC)) {
		err = -errno;
		free(helper);
		return err;
	}
	if (pipe2(reply_pipe, O_CLOEXEC)) {
		err = -errno;
		close(request_pipe[0]);
		close(request_pipe[1]);
		free(helper);
		return err;
	}
	fflush(NULL);
	helper->pid = fork();
	if (helper->pid < 0) {
		err = -errno;
		close(request_pipe[0]);
		close(request_pipe[1]);
		close(reply_pipe[0]);
		close(reply_pipe[1]);
		free(helper);
		return err;
	}
	if (helper->pid == 0)
		helper_child(request_pipe[0], reply_pipe[1], helper->comm, exe);
	close(request_pipe[0]);
	close(reply_pipe[1]);
	helper->request_fd = request_pipe[1];
	helper->reply_fd = reply_pipe[0];
	live_log("helper %s: pid %d", comm, helper->pid);
	*out = helper;
	return 0;
}

pid_t helper_pid(const struct helper *helper)
{
	return helper->pid;
}

const char *helper_comm(const struct helper *helper)
{
	return helper->comm;
}

static int helper_call(struct helper *helper, const struct helper_request *req,
		       struct helper_reply *reply)
{
	struct pollfd pfd = { .fd = helper->reply_fd, .events = POLLIN };

	if (helper->lost)
		return HELPER_LOST;
	if (!write_full(helper->request_fd, req, sizeof(*req)))
		goto lost;
	if (poll(&pfd, 1, LIVE_HELPER_MS) != 1 ||
	    !read_full(helper->reply_fd, reply, sizeof(*reply)))
		goto lost;
	return reply->ret;
lost:
	helper->lost = true;
	return HELPER_LOST;
}

int helper_socket(struct helper *helper, int family, int type, int protocol)
{
	struct helper_request req = {
		.op = OP_SOCKET, .family = family, .type = type, .protocol = protocol
	};
	struct helper_reply reply;

	return helper_call(helper, &req, &reply);
}

int helper_setsockopt(struct helper *helper, int slot, int level, int name, int value)
{
	struct helper_request req = {
		.op = OP_SETSOCKOPT, .slot = slot, .level = level, .name = name, .value = value
	};
	struct helper_reply reply;

	return helper_call(helper, &req, &reply);
}

/* OP_BIND, OP_CONNECT or OP_SENDTO on slot, to addr:port. */
/* An AF_UNIX name ("/path", "@abstract") travels in path, an inet address in addr. */
static void request_address(struct helper_request *req, const char *addr)
{
	if (req->family == AF_UNIX)
		snprintf(req->path, sizeof(req->path), "%s", addr);
	else
		snprintf(req->addr, sizeof(req->addr), "%s", addr);
}

static int helper_to_address(struct helper *helper, int op, int slot, int family, const char *addr,
			     unsigned int port)
{
	struct helper_request req = { .op = op, .slot = slot, .family = family, .port = port };
	struct helper_reply reply;

	request_address(&req, addr);
	return helper_call(helper, &req, &reply);
}

int helper_bind(struct helper *helper, int slot, int family, const char *addr, unsigned int port)
{
	int ret = helper_to_address(helper, OP_BIND, slot, family, addr, port);

	live_log("helper %s[%d]: bind %s port %u: %s", helper->comm, helper->pid, addr, port,
		 errno_name(-ret));
	return ret;
}

int helper_bind_and_exit(struct helper *helper, int family, int type, const char *addr,
			 unsigned int port, pid_t *caller)
{
	struct helper_request req = { .op = OP_BIND_AND_EXIT, .family = family, .type = type,
				      .port = port };
	struct helper_reply reply = { 0 };
	int ret;

	request_address(&req, addr);
	ret = helper_call(helper, &req, &reply);
	*caller = (pid_t)reply.value;
	live_log("helper %s[%d]: child %d bound %s port %u and exited: %s", helper->comm,
		 helper->pid, (int)*caller, addr, port, errno_name(-ret));
	return ret;
}

int helper_listen(struct helper *helper, int slot)
{
	struct helper_request req = { .op = OP_LISTEN, .slot = slot };
	struct helper_reply reply;
	int ret = helper_call(helper, &req, &reply);

	live_log("helper %s[%d]: listen: %s", helper->comm, helper->pid, errno_name(-ret));
	return ret;
}

int helper_close(struct helper *helper, int slot)
{
	struct helper_request req = { .op = OP_CLOSE, .slot = slot };
	struct helper_reply reply;

	return helper_call(helper, &req, &reply);
}

int helper_socket_inode(struct helper *helper, int slot, unsigned long long *inode)
{
	struct helper_request req = { .op = OP_SOCKET_INODE, .slot = slot };
	struct helper_reply reply;
	int ret = helper_call(helper, &req, &reply);

	if (!ret)
		*inode = reply.value;
	return ret;
}

int helper_drop_privileges(struct helper *helper, uid_t uid, gid_t gid)
{
	struct helper_request req = { .op = OP_DROP_PRIVILEGES,
				      .name = (int)uid,
				      .value = (int)gid };
	struct helper_reply reply;

	return helper_call(helper, &req, &reply);
}

int helper_unshare_net(struct helper *helper, unsigned long long *netns_inode,
		       const char **failed_step)
{
	static const char *const steps[] = { "?", "unshare(CLONE_NEWNET)", "loopback up",
					     "stat /proc/self/ns/net" };
	struct helper_request req = { .op = OP_UNSHARE_NET };
	struct helper_reply reply = { 0 };
	int ret = helper_call(helper, &req, &reply);

	if (!ret)
		*netns_inode = reply.value;
	else if (ret != HELPER_LOST && reply.step > 0 && reply.step < 4)
		*failed_step = steps[reply.step];
	else
		*failed_step = "helper";
	return ret;
}

int helper_join_netns(struct helper *helper, pid_t pid)
{
	struct helper_request req = { .op = OP_JOIN_NETNS, .value = pid };
	struct helper_reply reply;

	return helper_call(helper, &req, &reply);
}

int helper_connect(struct helper *helper, int slot, int family, const char *addr, unsigned int port)
{
	return helper_to_address(helper, OP_CONNECT, slot, family, addr, port);
}

int helper_sendto(struct helper *helper, int slot, int family, const char *addr, unsigned int port)
{
	return helper_to_address(helper, OP_SENDTO, slot, family, addr, port);
}

int helper_accept(struct helper *helper, int slot)
{
	struct helper_request req = { .op = OP_ACCEPT, .slot = slot };
	struct helper_reply reply;

	return helper_call(helper, &req, &reply);
}

int helper_write_file(struct helper *helper, const char *path, const char *text)
{
	struct helper_request req = { .op = OP_WRITE_FILE };
	struct helper_reply reply;

	snprintf(req.path, sizeof(req.path), "%s", path);
	snprintf(req.text, sizeof(req.text), "%s", text);
	return helper_call(helper, &req, &reply);
}

void helper_destroy(struct helper *helper)
{
	long long deadline;
	int status;

	if (!helper)
		return;
	close(helper->request_fd);
	close(helper->reply_fd);
	deadline = live_now_ms() + LIVE_HELPER_MS;
	while (waitpid(helper->pid, &status, WNOHANG) == 0) {
		if (live_now_ms() > deadline) {
			kill(helper->pid, SIGKILL);
			waitpid(helper->pid, &status, 0);
			break;
		}
		usleep(1000);
	}
	free(helper);
}

const char *errno_name(int errnum)
{
	static char unknown[4][16];
	static int next;
	const char *name;

	if (errnum == 0)
		return "ok";
	if (errnum == -HELPER_LOST)
		return "helper lost";
	name = errnum > 0 ? strerrorname_np(errnum) : NULL;
	if (name)
		return name;
	next = (next + 1) % 4;
	snprintf(unknown[next], sizeof(unknown[next]), "E%d", errnum);
	return unknown[next];
}

static int loopback_flags(int fd, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "lo");
	return ioctl(fd, SIOCGIFFLAGS, ifr) ? -errno : 0;
}

int loopback_up(void)
{
	struct ifreq ifr;
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = loopback_flags(fd, &ifr);
	if (!err && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		err = ioctl(fd, SIOCSIFFLAGS, &ifr) ? -errno : 0;
	}
	close(fd);
	return err;
}

bool loopback_is_up(void)
{
	struct ifreq ifr;
	bool up = false;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (!loopback_flags(fd, &ifr))
		up = ifr.ifr_flags & IFF_UP;
	close(fd);
	return up;
}
