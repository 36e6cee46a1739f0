/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helper processes that make the conflicts: each is a forked child with its
 * own command name (prctl PR_SET_NAME), driven over a pipe one system call at
 * a time, so a test can order steps across processes (bind here, listen
 * there) and see the errno each step got. A helper keeps its sockets until
 * it is destroyed, so a holder stays a holder while the test looks at it.
 */
#ifndef LIVE_CONFLICT_H
#define LIVE_CONFLICT_H

#include <stdbool.h>
#include <sys/types.h>

/* Returned instead of an errno when the helper itself stopped answering. */
#define HELPER_LOST (-100000)

struct helper;

/* Fork a helper named comm (at most 15 bytes, any bytes but NUL). */
int helper_spawn(struct helper **out, const char *comm);

/*
 * The same, but the child execs exe (a copy of live-test: another
 * executable file, for "a different program") with HELPER_EXEC_FLAG, and
 * serves requests from there.
 */
#define HELPER_EXEC_FLAG "--be-helper"
int helper_spawn_exec(struct helper **out, const char *comm, const char *exe);

/* main() of `live-test --be-helper REQUEST_FD REPLY_FD COMM`; never returns. */
void helper_exec_main(int argc, char **argv) __attribute__((noreturn));

/* connect(2) to addr:port: 0 or -errno. */
int helper_connect(struct helper *helper, int slot, int family, const char *addr,
		   unsigned int port);

/* sendto(2) of one byte to addr:port: 0 or -errno. */
int helper_sendto(struct helper *helper, int slot, int family, const char *addr, unsigned int port);

/* accept(2) on a listening slot: the new connection's slot, or -errno. */
int helper_accept(struct helper *helper, int slot);

/* Write text to a file (a /proc/sys setting in the helper's namespace): 0 or -errno. */
int helper_write_file(struct helper *helper, const char *path, const char *text);

pid_t helper_pid(const struct helper *helper);
const char *helper_comm(const struct helper *helper);

/* socket(2): returns a socket slot (>= 0) for the calls below, or -errno. */
int helper_socket(struct helper *helper, int family, int type, int protocol);

/* setsockopt(2) with an int value: 0 or -errno. */
int helper_setsockopt(struct helper *helper, int slot, int level, int name, int value);

/* bind(2) to addr ("127.0.0.1", "::1", ...) and port in family: 0 or -errno. */
int helper_bind(struct helper *helper, int slot, int family, const char *addr, unsigned int port);
/*
 * A child of the helper (its executable) binds a new socket of family and
 * type to addr:port and exits at once: 0 or -errno of that bind; *caller is
 * the child's pid, gone by the time this returns.
 */
int helper_bind_and_exit(struct helper *helper, int family, int type, const char *addr,
			 unsigned int port, pid_t *caller);

/* listen(2) with a small backlog: 0 or -errno. */
int helper_listen(struct helper *helper, int slot);

/* close(2) the socket in slot. */
int helper_close(struct helper *helper, int slot);

/* The socket's inode number (what bindsnoop reports as holder "inode"). */
int helper_socket_inode(struct helper *helper, int slot, unsigned long long *inode);

/*
 * Drop to uid/gid for good, as setpriv --reuid --regid --clear-groups does:
 * setgroups(0), setresgid, setresuid. 0 or -errno.
 */
int helper_drop_privileges(struct helper *helper, uid_t uid, gid_t gid);

/*
 * unshare(CLONE_NEWNET) and bring its loopback up. 0 (netns_inode set) or
 * -errno; *failed_step says which step failed ("unshare", "loopback up").
 */
int helper_unshare_net(struct helper *helper, unsigned long long *netns_inode,
		       const char **failed_step);

/* setns(2) into the network namespace of process pid. 0 or -errno. */
int helper_join_netns(struct helper *helper, pid_t pid);

/* Tell the helper to exit, reap it (SIGKILL if it does not). Accepts NULL. */
void helper_destroy(struct helper *helper);

/* "EADDRINUSE" for 98, "E<n>" if unknown; "helper lost" for HELPER_LOST; "ok" for 0. */
const char *errno_name(int errnum);

/* Bring the loopback interface of the current network namespace up. 0 or -errno. */
int loopback_up(void);

/* Is the loopback interface of the current network namespace up? */
bool loopback_is_up(void);

#endif /* LIVE_CONFLICT_H */
