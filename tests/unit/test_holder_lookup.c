// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Holder lookup: address overlap rules, command-line formatting, process
 * details, the /proc socket map and sock_diag on this test's own sockets,
 * and holder_lookup_fill on events built here (no BPF needed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "enrich/holder_lookup.h"
#include "enrich/proc_sockets.h"
#include "enrich/procinfo.h"
#include "enrich/sockdiag.h"
#include "unit.h"
#include "shared_facts.h"

/* One report is large (~70 KiB): keep it off the stack. */
static struct bind_report report;
/* This binary's comm, whatever it was built as. */
static char own_comm[BS_COMM_LEN];

static void own_comm_read(void)
{
	FILE *file = fopen("/proc/self/comm", "r");

	if (file && fgets(own_comm, sizeof(own_comm), file))
		own_comm[strcspn(own_comm, "\n")] = '\0';
	if (file)
		fclose(file);
}

struct address {
	__u16 family;
	__u8 bytes[16];
};

static struct address address(const char *text)
{
	struct address parsed = { .family = strchr(text, ':') ? AF_INET6 : AF_INET };

	inet_pton(parsed.family, text, parsed.bytes);
	return parsed;
}

static bool overlap(const char *a, bool v6only_a, const char *b, bool v6only_b)
{
	struct address first = address(a), second = address(b);
	bool forward = holder_addresses_overlap(first.family, first.bytes, v6only_a, second.family,
						second.bytes, v6only_b);
	bool backward = holder_addresses_overlap(second.family, second.bytes, v6only_b,
						 first.family, first.bytes, v6only_a);

	/* Overlap is symmetric: a disagreement is a bug of its own. */
	CHECK(forward == backward);
	return forward;
}

static void test_address_overlap(void)
{
	CHECK(overlap("0.0.0.0", false, "127.0.0.1", false));
	CHECK(overlap("127.0.0.1", false, "127.0.0.1", false));
	CHECK(!overlap("127.0.0.1", false, "127.0.0.2", false));
	CHECK(overlap("0.0.0.0", false, "0.0.0.0", false));
	/* An IPv6 wildcard takes IPv4 too, unless v6only. */
	CHECK(overlap("::", false, "127.0.0.1", false));
	CHECK(overlap("::", false, "0.0.0.0", false));
	CHECK(!overlap("::", true, "127.0.0.1", false));
	CHECK(!overlap("::", true, "0.0.0.0", false));
	CHECK(overlap("::", true, "::1", false));
	CHECK(overlap("::", true, "::", false));
	/* An IPv4 wildcard does not take IPv6. */
	CHECK(!overlap("0.0.0.0", false, "::1", false));
	CHECK(!overlap("::1", false, "::2", false));
	CHECK(overlap("::1", false, "::1", true));
	CHECK(overlap("fe80::1", false, "fe80::1", false));
	/* IPv4-mapped IPv6 is that IPv4 address. */
	CHECK(overlap("::ffff:127.0.0.1", false, "127.0.0.1", false));
	CHECK(overlap("::ffff:127.0.0.1", false, "0.0.0.0", false));
	CHECK(!overlap("::ffff:127.0.0.1", false, "127.0.0.2", false));
	CHECK(!overlap("::ffff:127.0.0.1", false, "::1", false));
	CHECK(overlap("::ffff:127.0.0.1", false, "::", false));
	CHECK(!overlap("::ffff:127.0.0.1", false, "::", true));
	/* ::ffff:0.0.0.0 is the IPv4 wildcard (the kernel's ipv6_rcv_saddr_equal). */
	CHECK(overlap("::ffff:0.0.0.0", false, "127.0.0.1", false));
	CHECK(!overlap("::ffff:0.0.0.0", false, "::1", false));
}

static void test_cmdline_format(void)
{
	char line[16];
	static const char raw_args[] = "nginx\0-g\0daemon off;\0";
	static const char padded[] = "nginx: worker\0\0\0\0   ";
	/* "é" (2 bytes) ending exactly at the 15-byte limit, then straddling it. */
	static const char accented_fits[] = "abcdefghijklm\xc3\xa9xyz";
	static const char accented[] = "abcdefghijklmn\xc3\xa9xyz";
	char full[REPORT_CMDLINE_MAX];

	CHECK_INT(procinfo_cmdline_format(full, sizeof(full), raw_args, sizeof(raw_args) - 1), 20);
	CHECK_STR(full, "nginx -g daemon off;");
	procinfo_cmdline_format(full, sizeof(full), padded, sizeof(padded) - 1);
	CHECK_STR(full, "nginx: worker");
	CHECK_INT(procinfo_cmdline_format(line, sizeof(line), accented_fits,
					  sizeof(accented_fits) - 1),
		  15);
	CHECK_STR(line, "abcdefghijklm\xc3\xa9");
	CHECK_INT(procinfo_cmdline_format(line, sizeof(line), accented, sizeof(accented) - 1), 14);
	CHECK_STR(line, "abcdefghijklmn");
	procinfo_cmdline_format(line, sizeof(line), "abcdefghijklmnopqrstuvwxyz", 26);
	CHECK_STR(line, "abcdefghijklmno");
	procinfo_cmdline_format(line, sizeof(line), "x", 0);
	CHECK_STR(line, "");
}

static __u64 own_netns(void)
{
	struct stat ns_stat;

	if (stat("/proc/self/ns/net", &ns_stat) < 0)
		return 0;
	return ns_stat.st_ino;
}

static __u64 socket_inode(int fd)
{
	struct stat socket_stat;

	return fstat(fd, &socket_stat) == 0 ? socket_stat.st_ino : 0;
}

/* A socket bound to address:0 (listening for TCP); its port in *port. */
static int bound_socket(const char *text, int type, bool v6only, bool listening, __u16 *port)
{
	struct address parsed = address(text);
	struct sockaddr_storage storage = { .ss_family = parsed.family };
	socklen_t len =
		parsed.family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(parsed.family, type | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0)
		return -1;
	if (parsed.family == AF_INET)
		memcpy(&((struct sockaddr_in *)&storage)->sin_addr, parsed.bytes, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&storage)->sin6_addr, parsed.bytes, 16);
	if (parsed.family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ v6only }, sizeof(int));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&storage, len) < 0 || (listening && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)&storage, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(((struct sockaddr_in *)&storage)->sin_port); /* same offset in both */
	return fd;
}

/* A pid that no longer exists (a child, reaped). */
static pid_t gone_pid(void)
{
	pid_t child = fork();

	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	return child;
}

static void test_procinfo(void)
{
	struct procinfo_cache *cache = procinfo_cache_new();
	static struct process_ref process;
	struct bs_event event = {
		.pid = getpid(),
		.tid = getpid(),
		.ppid = getppid(),
		.uid = getuid(),
		.netns_ino = 4026531840ULL,
		.cgroup_id = 42,
	};
	pid_t gone = gone_pid();

	strcpy(event.comm, own_comm);
	CHECK(cache != NULL);
	CHECK_INT(procinfo_process(cache, getpid(), &process), 0);
	CHECK_INT(process.pid, getpid());
	CHECK_STR(process.comm, own_comm);
	CHECK(process.cmdline_known);
	CHECK_CONTAINS(process.cmdline, "test_holder_lookup");

	procinfo_caller(cache, &event, &report.caller);
	CHECK_INT(report.caller.pid, getpid());
	CHECK_INT(report.caller.ppid, getppid());
	CHECK_INT(report.caller.uid, getuid());
	CHECK_INT(report.caller.netns, 4026531840ULL);
	CHECK_INT(report.caller.cgroup_id, 42);
	CHECK_STR(report.caller.comm, own_comm);
	CHECK(report.caller.cmdline_known);
	CHECK_CONTAINS(report.caller.cmdline, "test_holder_lookup");
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		CHECK(report.caller.cgroup[0] == '/');

	/* A thread named otherwise than its process still gets the process's details. */
	strcpy(event.comm, "worker-thread");
	procinfo_caller(cache, &event, &report.caller);
	CHECK_STR(report.caller.comm, "worker-thread");
	CHECK_CONTAINS(report.caller.cmdline, "test_holder_lookup");

	event.pid = gone;
	procinfo_caller(cache, &event, &report.caller);
	CHECK_INT(report.caller.pid, gone);
	CHECK(!report.caller.cmdline_known);
	CHECK_STR(report.caller.cmdline, "");
	CHECK_STR(report.caller.cgroup, "");
	CHECK_INT(procinfo_process(cache, gone, &process), -ESRCH);
	CHECK(!process.cmdline_known);

	/* Many pids: the cache stays bounded and still answers. */
	for (__u32 pid = 1000000; pid < 1003000; pid++)
		procinfo_process(cache, pid, &process);
	CHECK_INT(procinfo_process(cache, getpid(), &process), 0);
	CHECK_STR(process.comm, own_comm);
	procinfo_cache_free(cache);
	procinfo_cache_free(NULL);
}

static bool users_contain(const struct proc_socket_user *users, int count, __u32 pid, int fd)
{
	for (int i = 0; i < count; i++) {
		if (users[i].pid == pid && (fd < 0 || users[i].fd == fd))
			return true;
	}
	return false;
}

/* One report's refresh, then its lookup: what holder_lookup_fill does per holder. */
static int refresh_and_lookup(struct proc_sockets *sockets, __u64 inode,
			      struct proc_socket_user *users, int max)
{
	proc_sockets_refresh(sockets, &inode, 1, NULL);
	return proc_sockets_lookup(sockets, inode, users, max);
}

static void test_proc_sockets(void)
{
	struct proc_sockets *sockets = proc_sockets_new();
	struct proc_socket_user users[REPORT_MAX_PROCESSES];
	__u16 port;
	int fd = bound_socket("127.0.0.1", SOCK_STREAM, false, false, &port);
	int late_fd, found;
	__u64 scanned_ns;
	pid_t worker;
	int ready[2];
	char byte;

	CHECK(sockets != NULL);
	CHECK(fd >= 0);
	/* A pre-forked worker shares the socket: both processes are listed. */
	CHECK(pipe(ready) == 0);
	worker = fork();
	if (worker == 0) {
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	CHECK(read(ready[0], &byte, 1) == 1);
	close(ready[0]);

	/* A lookup alone never scans. */
	CHECK_INT(proc_sockets_lookup(sockets, socket_inode(fd), users, REPORT_MAX_PROCESSES), 0);
	CHECK_INT(proc_sockets_scan_count(sockets), 0);
	found = refresh_and_lookup(sockets, socket_inode(fd), users, REPORT_MAX_PROCESSES);
	scanned_ns = monotonic_ns();
	CHECK_INT(found, 2);
	/* Each with the descriptor it holds the socket as: no search of its fds later. */
	CHECK(users_contain(users, found, getpid(), fd));
	CHECK(users_contain(users, found, worker, fd));
	CHECK_INT(proc_sockets_scan_count(sockets), 1);
	kill(worker, SIGKILL);
	waitpid(worker, NULL, 0);

	/* Found again from the map, without a scan. */
	found = refresh_and_lookup(sockets, socket_inode(fd), users, 1);
	CHECK_INT(found, 1);
	CHECK_INT(proc_sockets_scan_count(sockets), 1);

	/*
	 * A socket opened after the scan: not rescanned at once, found soon after.
	 * "At once" is checked only where this run got there within the interval:
	 * a loaded machine may legitimately be past it.
	 */
	late_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	refresh_and_lookup(sockets, socket_inode(late_fd), users, REPORT_MAX_PROCESSES);
	if (monotonic_ns() - scanned_ns < PROC_SOCKETS_MIN_INTERVAL_NS)
		CHECK_INT(proc_sockets_scan_count(sockets), 1);
	/* Soon: the next scan past the interval. A loaded machine may cut a scan
	 * short (its budget), so wait for the condition, bounded at 10 s. */
	for (int tries = 0; tries < 40; tries++) {
		usleep(PROC_SOCKETS_MIN_INTERVAL_NS / 1000 + 50000);
		found = refresh_and_lookup(sockets, socket_inode(late_fd), users,
					   REPORT_MAX_PROCESSES);
		if (found == 1)
			break;
	}
	CHECK_INT(found, 1);
	CHECK(users_contain(users, found, getpid(), late_fd));

	/* An inode nobody holds: a storm of lookups does not rescan for each. */
	__u64 scans = proc_sockets_scan_count(sockets);
	__u64 storm_started_ns = monotonic_ns();

	for (int i = 0; i < 100000; i++)
		refresh_and_lookup(sockets, 1, users, REPORT_MAX_PROCESSES);
	/* At most one scan per interval the storm lasted (however slow this machine is). */
	CHECK(proc_sockets_scan_count(sockets) - scans <=
	      1 + (monotonic_ns() - storm_started_ns) / PROC_SOCKETS_MIN_INTERVAL_NS);
	CHECK_INT(refresh_and_lookup(sockets, 0, users, REPORT_MAX_PROCESSES), 0);
	close(late_fd);
	close(fd);
	proc_sockets_free(sockets);
	proc_sockets_free(NULL);
}

/* Many missing holders in one report cost one scan; a spent budget or a stop, none. */
static void test_proc_sockets_budget(void)
{
	struct proc_sockets *sockets = proc_sockets_new();
	volatile sig_atomic_t stop = 0;
	struct lookup_budget spent = { .deadline_ns = monotonic_ns(), .stop = NULL };
	struct lookup_budget stopped = { .deadline_ns = ~0ULL, .stop = &stop };
	struct proc_socket_user users[REPORT_MAX_PROCESSES];
	__u64 inodes[REPORT_MAX_HOLDERS];
	int fds[REPORT_MAX_HOLDERS];

	for (int i = 0; i < REPORT_MAX_HOLDERS; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		inodes[i] = socket_inode(fds[i]);
	}
	proc_sockets_refresh(sockets, inodes, REPORT_MAX_HOLDERS, &spent);
	CHECK_INT(proc_sockets_scan_count(sockets), 0);
	stop = 1;
	proc_sockets_refresh(sockets, inodes, REPORT_MAX_HOLDERS, &stopped);
	CHECK_INT(proc_sockets_scan_count(sockets), 0);
	stop = 0;
	proc_sockets_refresh(sockets, inodes, REPORT_MAX_HOLDERS, &stopped);
	CHECK_INT(proc_sockets_scan_count(sockets), 1);
	for (int i = 0; i < REPORT_MAX_HOLDERS; i++)
		CHECK(users_contain(users, proc_sockets_lookup(sockets, inodes[i], users, 1),
				    getpid(), fds[i]));

	/* Sockets newer than the scan, in report after report: they wait for the next one. */
	for (int i = 0; i < REPORT_MAX_HOLDERS; i++) {
		close(fds[i]);
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		inodes[i] = socket_inode(fds[i]);
	}
	for (int report_index = 0; report_index < 50; report_index++)
		proc_sockets_refresh(sockets, inodes, REPORT_MAX_HOLDERS, NULL);
	CHECK_INT(proc_sockets_scan_count(sockets), 1);
	for (int i = 0; i < REPORT_MAX_HOLDERS; i++)
		close(fds[i]);
	proc_sockets_free(sockets);
}

struct diag_seen {
	__u64 inode;
	struct sockdiag_socket socket;
	int matches;
	int total;
};

static bool diag_find(void *ctx, const struct sockdiag_socket *socket)
{
	struct diag_seen *seen = ctx;

	seen->total++;
	if (socket->inode == seen->inode) {
		seen->socket = *socket;
		seen->matches++;
	}
	return true;
}

/* One port's sockets in our own namespace. */
static int diag_port(struct sockdiag *diag, __u16 protocol, __u16 port, struct diag_seen *seen)
{
	struct sockdiag_ports ports = { port, port };

	return sockdiag_for_each_in_ports(diag, own_netns(), getpid(), protocol, &ports, diag_find,
					  seen, NULL);
}

static void test_sockdiag(void)
{
	struct sockdiag *diag = sockdiag_new();
	__u16 tcp_port, v6_port, udp_port;
	int listener = bound_socket("127.0.0.1", SOCK_STREAM, false, true, &tcp_port);
	int v6only = bound_socket("::", SOCK_STREAM, true, true, &v6_port);
	int udp = bound_socket("0.0.0.0", SOCK_DGRAM, false, false, &udp_port);
	struct diag_seen seen = { .inode = socket_inode(listener) };
	struct sockdiag_ports around = { tcp_port - 1, tcp_port + 1 };

	CHECK(diag != NULL);
	CHECK(listener >= 0 && udp >= 0);
	CHECK_INT(sockdiag_own_netns(diag), own_netns());
	CHECK_INT(diag_port(diag, IPPROTO_TCP, tcp_port, &seen), 0);
	CHECK_INT(seen.matches, 1);
	CHECK_INT(seen.total, 1); /* filtered by port in the kernel */
	CHECK_INT(seen.socket.state, BS_TCP_LISTEN);
	CHECK_INT(seen.socket.family, AF_INET);
	CHECK_INT(seen.socket.port, tcp_port);
	CHECK_INT(seen.socket.uid, getuid());
	CHECK(memcmp(seen.socket.addr, address("127.0.0.1").bytes, 4) == 0);

	/* A range: the port inside it is found, no port outside it is visited. */
	seen = (struct diag_seen){ .inode = socket_inode(listener) };
	CHECK_INT(sockdiag_for_each_in_ports(diag, own_netns(), getpid(), IPPROTO_TCP, &around,
					     diag_find, &seen, NULL),
		  0);
	CHECK_INT(seen.matches, 1);
	around = (struct sockdiag_ports){ tcp_port + 1, tcp_port + 1 };
	seen = (struct diag_seen){ .inode = socket_inode(listener) };
	CHECK_INT(sockdiag_for_each_in_ports(diag, own_netns(), getpid(), IPPROTO_TCP, &around,
					     diag_find, &seen, NULL),
		  0);
	CHECK_INT(seen.matches, 0);

	if (v6only >= 0) { /* a host without IPv6 cannot run this part */
		seen = (struct diag_seen){ .inode = socket_inode(v6only) };
		CHECK_INT(diag_port(diag, IPPROTO_TCP, v6_port, &seen), 0);
		CHECK_INT(seen.matches, 1);
		CHECK_INT(seen.socket.family, AF_INET6);
		CHECK(seen.socket.v6only);
	}

	seen = (struct diag_seen){ .inode = socket_inode(udp) };
	CHECK_INT(diag_port(diag, IPPROTO_UDP, udp_port, &seen), 0);
	CHECK_INT(seen.matches, 1);
	CHECK_INT(seen.socket.state, BS_TCP_CLOSE);

	/* A namespace no process is known in: an error, not a hang. */
	around = (struct sockdiag_ports){ tcp_port, tcp_port };
	CHECK_INT(sockdiag_for_each_in_ports(diag, 1, gone_pid(), IPPROTO_TCP, &around, diag_find,
					     &seen, NULL),
		  -ESRCH);
	CHECK_INT(diag_port(diag, IPPROTO_SCTP, tcp_port, &seen), -EPROTONOSUPPORT);
	if (v6only >= 0)
		close(v6only);
	close(udp);
	close(listener);
	sockdiag_free(diag);
	sockdiag_free(NULL);
}

/*
 * holder_lookup_fill for a test of what a finished search finds. A loaded
 * machine may let a sock_diag dump run past its 200 ms; the lookup then keeps
 * the failure for HOLDERS_DIAG_TTL_NS, as in a storm. Ask again past it, up
 * to 10 times, until the search ran.
 */
static void fill_searched(struct holder_lookup *lookup, const struct bs_event *ev,
			  struct bind_report *out)
{
	for (int tries = 0; tries < 10; tries++) {
		holder_lookup_fill(lookup, ev, out, NULL);
		if (out->holders_searched)
			return;
		usleep(HOLDERS_DIAG_TTL_NS / 1000 + 10000);
	}
}

static struct bs_event conflict_event(__u16 protocol, const char *requested, __u16 port)
{
	struct address parsed = address(requested);
	struct bs_event event = {
		.pid = getpid(),
		.tid = getpid(),
		.netns_ino = own_netns(),
		.ret = -EADDRINUSE,
		.port = port,
		.family = parsed.family,
		.protocol = protocol,
		.kind = BS_KIND_BIND,
	};

	strcpy(event.comm, own_comm);
	memcpy(event.addr, parsed.bytes, sizeof(event.addr));
	return event;
}

static struct bs_holder kernel_holder(__u64 inode, __u16 port, __u8 state)
{
	return (struct bs_holder){
		.sock_inode = inode,
		.uid = 1000,
		.port = port,
		.family = AF_INET,
		.state = state,
		.flags = BS_HOLDER_REUSEADDR,
	};
}

static void test_kernel_holders_copied(struct procinfo_cache *procs)
{
	struct holder_lookup *lookup = holder_lookup_new(procs, false);
	struct bs_event event = conflict_event(BS_IPPROTO_MPTCP, "0.0.0.0", 4000);

	event.kernel_holders_searched = 1;
	event.holder_count = 6; /* more than fit: only 4 are described */
	for (int i = 0; i < BS_MAX_KERNEL_HOLDERS; i++)
		event.holders[i] = kernel_holder(100 + i, 4000, BS_TCP_LISTEN);
	event.holders[1].state = BS_TCP_TIME_WAIT;
	event.holders[1].sock_inode = 0;
	event.holders[2].flags |= BS_HOLDER_OWNER_KNOWN;
	event.holders[2].owner_pid = 4242;
	strcpy(event.holders[2].owner_comm, "node");

	fill_searched(lookup, &event, &report);
	CHECK(report.holders_searched);
	CHECK_INT(report.holder_count, BS_MAX_KERNEL_HOLDERS);
	/* The walk counted 6: the 2 the event has no room for are said, not lost. */
	CHECK_INT(report.holders_not_named, 2);
	CHECK_INT(report.holders[0].protocol, IPPROTO_TCP); /* MPTCP holds through TCP */
	CHECK_INT(report.holders[0].source, HOLDER_SOURCE_KERNEL);
	CHECK_INT(report.holders[0].inode, 100);
	CHECK_INT(report.holders[0].uid, 1000);
	CHECK_INT(report.holders[0].flags, BS_HOLDER_REUSEADDR);
	CHECK_INT(report.holders[0].process_count, 0);
	CHECK_INT(report.holders[1].state, BS_TCP_TIME_WAIT);
	CHECK_INT(report.holders[1].process_count, 0);
	/* Without /proc lookups the bind-time tag still names the holder. */
	CHECK_INT(report.holders[2].process_count, 1);
	CHECK_INT(report.holders[2].processes[0].pid, 4242);
	CHECK_STR(report.holders[2].processes[0].comm, "node");
	CHECK(!report.holders[2].processes[0].cmdline_known);

	event.protocol = IPPROTO_UDPLITE;
	event.holder_count = 1;
	holder_lookup_fill(lookup, &event, &report, NULL);
	CHECK_INT(report.holder_count, 1);
	CHECK_INT(report.holders_not_named, 0);
	CHECK_INT(report.holders[0].protocol, IPPROTO_UDP);

	/* Nothing walked, nothing found: not searched, and no sock_diag without proc_lookup. */
	event.kernel_holders_searched = 0;
	event.holder_count = 0;
	holder_lookup_fill(lookup, &event, &report, NULL);
	CHECK(!report.holders_searched);
	CHECK_INT(report.holder_count, 0);
	holder_lookup_free(lookup);
	holder_lookup_free(NULL);
}

static void test_sock_diag_holders(struct procinfo_cache *procs)
{
	struct holder_lookup *lookup = holder_lookup_new(procs, true);
	__u16 port;
	int listener = bound_socket("127.0.0.1", SOCK_STREAM, false, true, &port);
	__u64 inode = socket_inode(listener);
	struct bs_event event = conflict_event(IPPROTO_TCP, "0.0.0.0", port);

	CHECK(lookup != NULL);
	CHECK(listener >= 0);
	fill_searched(lookup, &event, &report);
	CHECK(report.holders_searched);
	CHECK_INT(report.holder_count, 1);
	CHECK_INT(report.holders[0].inode, inode);
	CHECK_INT(report.holders[0].source, HOLDER_SOURCE_SOCK_DIAG);
	CHECK_INT(report.holders[0].state, BS_TCP_LISTEN);
	CHECK_INT(report.holders[0].port, port);
	CHECK_INT(report.holders[0].protocol, IPPROTO_TCP);
	CHECK_INT(report.holders[0].process_count, 1);
	CHECK_INT(report.holders[0].processes[0].pid, getpid());
	CHECK_STR(report.holders[0].processes[0].comm, own_comm);
	CHECK(report.holders[0].processes[0].cmdline_known);

	/* A different address that does not overlap: searched, nobody holds it. */
	struct bs_event elsewhere = conflict_event(IPPROTO_TCP, "127.0.0.2", port);

	fill_searched(lookup, &elsewhere, &report);
	CHECK(report.holders_searched);
	CHECK_INT(report.holder_count, 0);

	/* A v6only request does not know its v6only flag: "::" assumes dual-stack. */
	struct bs_event dual = conflict_event(IPPROTO_TCP, "::", port);

	holder_lookup_fill(lookup, &dual, &report, NULL);
	CHECK_INT(report.holder_count, 1);

	/* The caller's own socket (a failed listen) is not its own holder. */
	struct bs_event own = conflict_event(IPPROTO_TCP, "127.0.0.1", port);

	own.sock_inode = inode;
	fill_searched(lookup, &own, &report);
	CHECK(report.holders_searched);
	CHECK_INT(report.holder_count, 0);

	/* The kernel found more than it could describe: sock_diag fills in, without twins. */
	struct bs_event many = conflict_event(IPPROTO_TCP, "0.0.0.0", port);

	many.kernel_holders_searched = 1;
	many.holder_count = BS_MAX_KERNEL_HOLDERS + 1;
	for (int i = 0; i < BS_MAX_KERNEL_HOLDERS; i++)
		many.holders[i] = kernel_holder(i ? 1000ULL + i : inode, port, BS_TCP_LISTEN);
	many.holders[0].flags |= BS_HOLDER_OWNER_KNOWN;
	many.holders[0].owner_pid = getpid();
	strcpy(many.holders[0].owner_comm, own_comm);
	holder_lookup_fill(lookup, &many, &report, NULL);
	CHECK_INT(report.holder_count, BS_MAX_KERNEL_HOLDERS);
	CHECK_INT(report.holders[0].source, HOLDER_SOURCE_KERNEL);
	/* The tagged owner is the process found holding it: listed once. */
	CHECK_INT(report.holders[0].process_count, 1);
	CHECK_INT(report.holders[0].processes[0].pid, getpid());

	/* Other errors are not about a holder. */
	struct bs_event denied = conflict_event(IPPROTO_TCP, "0.0.0.0", port);

	denied.ret = -EACCES;
	holder_lookup_fill(lookup, &denied, &report, NULL);
	CHECK(!report.holders_searched);
	CHECK_INT(report.holder_count, 0);
	close(listener);
	holder_lookup_free(lookup);
}

#define FLOOD_HOLDERS 40

/* FLOOD_HOLDERS sockets bound to one port on 127.0.0.2, 127.0.0.3, ...; returns the port. */
static __u16 holder_flood(int *fds)
{
	struct sockaddr_in where = { .sin_family = AF_INET };
	socklen_t len = sizeof(where);

	for (int i = 0; i < FLOOD_HOLDERS; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		where.sin_addr.s_addr = htonl(0x7f000002 + i);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&where, sizeof(where)) < 0)
			return 0;
		if (i == 0 && getsockname(fds[0], (struct sockaddr *)&where, &len) < 0)
			return 0;
	}
	return ntohs(where.sin_port);
}

static bool flood_fd_of(const int *fds, __u64 inode, int *fd)
{
	for (int i = 0; i < FLOOD_HOLDERS; i++) {
		if (socket_inode(fds[i]) == inode) {
			*fd = fds[i];
			return true;
		}
	}
	return false;
}

/* More holders than a report lists: the rest counted; a spent budget or a stop names none. */
static void test_holder_flood(struct procinfo_cache *procs)
{
	struct holder_lookup *lookup = holder_lookup_new(procs, true);
	volatile sig_atomic_t stop = 0;
	struct lookup_budget spent = { .deadline_ns = monotonic_ns() };
	struct lookup_budget stopped = { .deadline_ns = ~0ULL, .stop = &stop };
	int fds[FLOOD_HOLDERS];
	__u16 port = holder_flood(fds);
	struct bs_event event = conflict_event(IPPROTO_TCP, "0.0.0.0", port);
	int fd = -1;

	CHECK(port != 0);
	fill_searched(lookup, &event, &report);
	CHECK(report.holders_searched);
	CHECK_INT(report.holder_count, REPORT_MAX_HOLDERS);
	CHECK_INT(report.holders_not_named, FLOOD_HOLDERS - REPORT_MAX_HOLDERS);
	for (__u32 i = 0; i < report.holder_count; i++) {
		const struct holder_report *holder = &report.holders[i];

		CHECK(flood_fd_of(fds, holder->inode, &fd));
		CHECK_INT(holder->process_count, 1);
		CHECK_INT(holder->processes[0].pid, getpid());
		/* The descriptor from the /proc scan: its options are read without a search. */
		CHECK_INT(holder->processes[0].socket_fd, fd);
	}

	/* The kernel walk described 4 and counted them all: sock_diag fills in, same count. */
	event.kernel_holders_searched = 1;
	event.holder_count = FLOOD_HOLDERS;
	for (int i = 0; i < BS_MAX_KERNEL_HOLDERS; i++)
		event.holders[i] = kernel_holder(socket_inode(fds[i]), port, BS_TCP_CLOSE);
	holder_lookup_fill(lookup, &event, &report, NULL);
	CHECK_INT(report.holder_count, REPORT_MAX_HOLDERS);
	CHECK_INT(report.holders_not_named, FLOOD_HOLDERS - REPORT_MAX_HOLDERS);
	CHECK_INT(report.holders[0].source, HOLDER_SOURCE_KERNEL);

	/* A failed listen() on one of them: its own socket is no holder. */
	struct bs_event listen_event = conflict_event(IPPROTO_TCP, "0.0.0.0", port);

	listen_event.kind = BS_KIND_LISTEN;
	listen_event.sock_inode = socket_inode(fds[FLOOD_HOLDERS - 1]);
	holder_lookup_fill(lookup, &listen_event, &report, NULL);
	CHECK_INT(report.holder_count, REPORT_MAX_HOLDERS);
	CHECK_INT(report.holders_not_named, FLOOD_HOLDERS - 1 - REPORT_MAX_HOLDERS);

	/* Out of time, or stopping: nobody is named, everybody is counted. */
	holder_lookup_fill(lookup, &event, &report, &spent);
	CHECK_INT(report.holder_count, 0);
	CHECK_INT(report.holders_not_named, FLOOD_HOLDERS);
	stop = 1;
	holder_lookup_fill(lookup, &event, &report, &stopped);
	CHECK_INT(report.holder_count, 0);
	CHECK_INT(report.holders_not_named, FLOOD_HOLDERS);

	/* But a holder the kernel's bind-time tag names stays named, from the tag alone. */
	event.holders[2].flags |= BS_HOLDER_OWNER_KNOWN;
	event.holders[2].owner_pid = 4242;
	strcpy(event.holders[2].owner_comm, "node");
	holder_lookup_fill(lookup, &event, &report, &spent);
	CHECK_INT(report.holder_count, 1);
	CHECK_INT(report.holders_not_named, FLOOD_HOLDERS - 1);
	CHECK_INT(report.holders[0].inode, socket_inode(fds[2]));
	CHECK_INT(report.holders[0].process_count, 1);
	CHECK_INT(report.holders[0].processes[0].pid, 4242);
	CHECK_STR(report.holders[0].processes[0].comm, "node");
	CHECK(!report.holders[0].processes[0].cmdline_known);
	for (int i = 0; i < FLOOD_HOLDERS; i++)
		close(fds[i]);
	holder_lookup_free(lookup);
}

/* As if the report had taken all it was given. */
static void lookup_pacer_end_spent(struct lookup_pacer *pacer, struct lookup_budget *budget)
{
	budget->started_ns -= budget->deadline_ns - budget->started_ns;
	lookup_pacer_end(pacer, budget);
}

/*
 * A report gets a lone budget after a quiet spell, a storm budget right
 * after another, and never more than the pacer banked: a flood of reports
 * that each spend all they get is soon left with nothing. One slow report
 * is not a flood: the conflict right behind a lone report that spent its
 * whole budget (a first /proc scan on a loaded host) is still searched.
 */
static void test_lookup_pacer(void)
{
	struct lookup_pacer pacer = { 0 };
	struct lookup_budget budget = lookup_pacer_start(&pacer, NULL);

	CHECK_INT(budget.deadline_ns - budget.started_ns, LOOKUP_BUDGET_LONE_NS);
	lookup_pacer_end_spent(&pacer, &budget);
	budget = lookup_pacer_start(&pacer, NULL);
	CHECK_INT(budget.deadline_ns - budget.started_ns, LOOKUP_BUDGET_STORM_NS);
	CHECK(!lookup_budget_spent(&budget));
	for (__u64 i = 0; i < LOOKUP_BANK_NS / LOOKUP_BUDGET_STORM_NS + 1; i++) {
		budget = lookup_pacer_start(&pacer, NULL);
		lookup_pacer_end_spent(&pacer, &budget);
	}
	budget = lookup_pacer_start(&pacer, NULL);
	CHECK(budget.deadline_ns - budget.started_ns < 1000000);
	budget.deadline_ns = ~0ULL;
	CHECK(!lookup_budget_spent(&budget));
	budget.stop = &(volatile sig_atomic_t){ 1 };
	CHECK(lookup_budget_spent(&budget));
	CHECK(!lookup_budget_spent(NULL));
}

struct ports_seen {
	__u16 ports[8];
	int counts[8];
	int visits;
};

static void ports_visit(void *ctx, __u16 port, const struct sockdiag_socket *sockets, int count)
{
	struct ports_seen *seen = ctx;

	(void)sockets;
	if (seen->visits < 8) {
		seen->ports[seen->visits] = port;
		seen->counts[seen->visits] = count;
	}
	seen->visits++;
}

/*
 * holder_lookup_ports, again while a loaded machine lets the dump run past
 * its 200 ms (-ETIMEDOUT), up to 10 times: the test is of what a finished
 * dump visits. The visits of a dump cut short are taken back.
 */
static int lookup_ports_in_time(struct holder_lookup *lookup, __u16 protocol, const __u8 *ports,
				struct ports_seen *seen)
{
	struct ports_seen before = *seen;
	int err = -ETIMEDOUT;

	for (int tries = 0; tries < 10 && err == -ETIMEDOUT; tries++) {
		*seen = before;
		err = holder_lookup_ports(lookup, own_netns(), getpid(), protocol, ports,
					  ports_visit, seen);
	}
	return err;
}

/* --who: one dump answers for every port of a map, port by port, the others left out. */
static void test_holder_lookup_ports(struct procinfo_cache *procs)
{
	struct holder_lookup *lookup = holder_lookup_new(procs, true);
	static __u8 ports[65536 / 8];
	static struct holder_report holder;
	struct ports_seen seen = { 0 };
	__u16 tcp_port, udp_port, other_port;
	int tcp = bound_socket("127.0.0.1", SOCK_STREAM, false, true, &tcp_port);
	int udp = bound_socket("127.0.0.1", SOCK_DGRAM, false, false, &udp_port);
	int other = bound_socket("127.0.0.1", SOCK_STREAM, false, true, &other_port);
	int second_udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in second = { .sin_family = AF_INET, .sin_port = htons(udp_port) };

	CHECK(tcp >= 0 && udp >= 0 && other >= 0);
	/* A second UDP socket on the same port, another address. */
	inet_pton(AF_INET, "127.0.0.2", &second.sin_addr);
	CHECK(bind(second_udp, (struct sockaddr *)&second, sizeof(second)) == 0);
	holder_lookup_scan_processes(lookup);
	bs_bit_set(ports, tcp_port);
	bs_bit_set(ports, udp_port);
	CHECK_INT(lookup_ports_in_time(lookup, IPPROTO_TCP, ports, &seen), 0);
	CHECK_INT(lookup_ports_in_time(lookup, IPPROTO_UDP, ports, &seen), 0);
	/* TCP: its listener; UDP: both sockets; the port not asked about: nothing. */
	CHECK_INT(seen.visits, 2);
	CHECK_INT(seen.ports[0], tcp_port);
	CHECK_INT(seen.counts[0], 1);
	CHECK_INT(seen.ports[1], udp_port);
	CHECK_INT(seen.counts[1], 2);

	struct sockdiag_socket found = { .inode = socket_inode(tcp), .port = tcp_port,
					 .family = AF_INET, .state = BS_TCP_LISTEN };

	holder_lookup_describe(lookup, &found, IPPROTO_TCP, &holder);
	CHECK_INT(holder.source, HOLDER_SOURCE_SOCK_DIAG);
	CHECK_INT(holder.process_count, 1);
	CHECK_INT(holder.processes[0].pid, getpid());
	CHECK_INT(holder.processes[0].socket_fd, tcp);
	close(second_udp);
	close(other);
	close(udp);
	close(tcp);
	holder_lookup_free(lookup);
}

/* Closing the accepted side first leaves the server's address in TIME_WAIT. */
static int time_wait_sockets(__u16 *port, int count)
{
	int listener = bound_socket("127.0.0.1", SOCK_STREAM, false, true, port);
	struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons(*port) };

	if (listener < 0)
		return -1;
	inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
	for (int i = 0; i < count; i++) {
		int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int accepted;

		if (connect(client, (struct sockaddr *)&server, sizeof(server)) < 0)
			return -1;
		accepted = accept(listener, NULL, NULL);
		close(accepted);
		usleep(10000);
		close(client);
	}
	usleep(20000);
	close(listener);
	return 0;
}

static void test_time_wait_holders(struct procinfo_cache *procs)
{
	struct holder_lookup *lookup = holder_lookup_new(procs, true);
	__u16 port;
	struct bs_event event;

	CHECK_INT(time_wait_sockets(&port, 3), 0);
	event = conflict_event(IPPROTO_TCP, "127.0.0.1", port);
	holder_lookup_fill(lookup, &event, &report, NULL);
	/* Three TIME_WAIT sockets on one address: one holder, no file, no process. */
	CHECK_INT(report.holder_count, 1);
	CHECK_INT(report.holders[0].inode, 0);
	CHECK_INT(report.holders[0].state, BS_TCP_TIME_WAIT);
	CHECK_INT(report.holders[0].uid, BS_UID_UNKNOWN);
	CHECK_INT(report.holders[0].process_count, 0);
	holder_lookup_free(lookup);
}

int main(void)
{
	struct procinfo_cache *procs = procinfo_cache_new();

	own_comm_read();
	test_address_overlap();
	test_cmdline_format();
	test_procinfo();
	test_proc_sockets();
	test_proc_sockets_budget();
	test_sockdiag();
	test_kernel_holders_copied(procs);
	test_sock_diag_holders(procs);
	test_time_wait_holders(procs);
	test_holder_flood(procs);
	test_holder_lookup_ports(procs);
	test_lookup_pacer();
	procinfo_cache_free(procs);
	return unit_summary();
}
