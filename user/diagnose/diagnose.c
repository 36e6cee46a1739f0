// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "enrich/container_engine.h"
#include "diagnose/diagnose.h"
#include "diagnose/program_name.h"
#include "format.h"
#include "shared_facts.h"

/* TCP_TIMEWAIT_LEN in include/net/tcp.h: fixed, not a sysctl. */
#define TIME_WAIT_SECONDS 60

/* A sentence built in pieces; text that does not fit is cut, never overflows. */
struct text {
	char *buf;
	size_t size;
	size_t len;
};

static void add(struct text *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s as it is, cut at the end of the buffer. */
static void add_plain(struct text *text, const char *s)
{
	size_t len = strlen(s), room = text->size - 1 - text->len;

	if (len > room)
		len = room;
	memcpy(text->buf + text->len, s, len);
	text->len += len;
	text->buf[text->len] = '\0';
}

static void add(struct text *text, const char *fmt, ...)
{
	va_list args;
	int n;

	if (text->len >= text->size - 1)
		return;
	/*
	 * Most pieces are plain text or one "%s": no vsnprintf for them (a
	 * storm's reports add dozens each).
	 */
	if (!strchr(fmt, '%')) {
		add_plain(text, fmt);
		return;
	}
	if (!strcmp(fmt, "%s")) {
		va_start(args, fmt);
		add_plain(text, va_arg(args, const char *));
		va_end(args);
		return;
	}
	va_start(args, fmt);
	n = vsnprintf(text->buf + text->len, text->size - text->len, fmt, args);
	va_end(args);
	if (n > 0)
		text->len +=
			(size_t)n < text->size - text->len ? (size_t)n : text->size - text->len - 1;
}

/* Names a process chose are shown as they are, minus control bytes (the outputs escape). */
static void add_name(struct text *text, const char *name, size_t max)
{
	size_t len = strnlen(name, max);

	for (size_t i = 0; i < len && text->len < text->size - 1; i++) {
		unsigned char byte = name[i];

		text->buf[text->len++] = byte < 0x20 || byte == 0x7f ? '?' : byte;
	}
	text->buf[text->len] = '\0';
}

static bool holder_is_time_wait(const struct holder_report *holder)
{
	if (holder->protocol != IPPROTO_TCP)
		return false;
	/* A timewait socket in its FIN_WAIT2 substate has no file either. */
	return holder->state == BS_TCP_TIME_WAIT || (holder->state == BS_TCP_FIN_WAIT2 && !holder->inode);
}

static __u32 holder_count(const struct bind_report *report)
{
	return report->holder_count < REPORT_MAX_HOLDERS ? report->holder_count :
							   REPORT_MAX_HOLDERS;
}

static __u32 process_count(const struct holder_report *holder)
{
	return holder->process_count < REPORT_MAX_PROCESSES ? holder->process_count :
							      REPORT_MAX_PROCESSES;
}

static const __u8 zero_address[16];

static bool is_wildcard(__u16 family, const __u8 *addr)
{
	return !memcmp(addr, zero_address, family == AF_INET6 ? 16 : 4);
}

static void add_endpoint(struct text *text, __u16 family, const __u8 *addr, __u16 port)
{
	char endpoint[FORMAT_ENDPOINT_MAX];

	if (format_endpoint(family, addr, port, endpoint, sizeof(endpoint)) < 0)
		snprintf(endpoint, sizeof(endpoint), "?:%u", port);
	add(text, "%s", endpoint);
}

/* An AF_UNIX name, escaped (format_unix_name): a path, or "@" and an abstract name. */
static void add_unix_name(struct text *text, const struct unix_target *target)
{
	char name[FORMAT_UNIX_NAME_MAX];

	format_unix_name(target->name, target->name_len, name, sizeof(name));
	add(text, "%s", name);
}

/* An AF_UNIX holder holds the very name the caller asked for. */
static void add_holder_socket(struct text *text, const struct bind_report *report,
			      const struct holder_report *holder)
{
	add(text, "%s ", socket_state_name(holder->protocol, holder->state));
	if (holder->family == BS_AF_UNIX)
		add_unix_name(text, &report->unix_target);
	else
		add_endpoint(text, holder->family, holder->addr, holder->port);
}

/*
 * The program as its user ran it: "redis-server (/usr/bin/redis-check-rdb)"
 * when argv[0] names a link to another file, "/usr/bin/python3.11 app.py"
 * for an interpreter, else the executable's path.
 */
static void add_program(struct text *text, const struct caller_report *caller)
{
	const char *exe = caller->identity.exe;
	const char *cmdline = caller->cmdline_known ? caller->cmdline : NULL;
	char name[PROGRAM_ARGUMENT_MAX];

	if (program_is_interpreter(exe) && cmdline &&
	    program_argument(cmdline, name, sizeof(name))) {
		add_name(text, exe, REPORT_EXE_MAX);
		add(text, " ");
		add_name(text, name, sizeof(name));
	} else if (program_invoked_name(exe, cmdline, name, sizeof(name))) {
		add_name(text, name, sizeof(name));
		add(text, " (");
		add_name(text, exe, REPORT_EXE_MAX);
		add(text, ")");
	} else {
		add_name(text, exe, REPORT_EXE_MAX);
	}
}

static bool same_executable(const struct process_identity *a, const struct process_identity *b)
{
	if (a->exe_ino && b->exe_ino)
		return a->exe_dev == b->exe_dev && a->exe_ino == b->exe_ino;
	return a->exe[0] && !strcmp(a->exe, b->exe);
}

/* "9m05s", "2h10m", "3d4h": how long the holder has been running. */
static void add_age(struct text *text, __u64 since_ns, __u64 now_ns)
{
	char age[FORMAT_AGE_MAX];

	if (!since_ns || now_ns < since_ns)
		return;
	format_age((now_ns - since_ns) / 1000000000ULL, age);
	add(text, "%s", age);
}

/* The name a container goes by: its name, else its short id. */
static void add_container(struct text *text, const struct container_ref *container)
{
	if (container->pod_name[0]) {
		add(text, "container ");
		add_name(text,
			 container->container_name[0] ? container->container_name : container->id,
			 sizeof(container->container_name));
		add(text, " of pod ");
		add_name(text, container->pod_namespace, sizeof(container->pod_namespace));
		add(text, "/");
		add_name(text, container->pod_name, sizeof(container->pod_name));
		return;
	}
	add(text, "container ");
	if (container->name[0]) {
		add_name(text, container->name, sizeof(container->name));
		add(text, " (%.12s", container->id);
		if (container->image[0]) {
			add(text, ", image ");
			add_name(text, container->image, sizeof(container->image));
		}
		add(text, ")");
	} else {
		add(text, "%.12s", container->id);
	}
}

/* "nginx[1200 +3]" with, in parentheses, its unit or container and how long it has run. */
static void add_process(struct text *text, const struct holder_report *holder,
			const struct process_ref *process, __u64 now_ns)
{
	const struct process_identity *identity = &process->identity;
	__u32 others = process_count(holder) - 1;

	add_name(text, process->comm[0] ? process->comm : "?", BS_COMM_LEN);
	add(text, "[%u", process->pid);
	if (others)
		add(text, " +%u", others);
	add(text, "]");
	if (!identity->service[0] && !identity->container.id[0] && !identity->start_realtime_ns)
		return;
	add(text, " (");
	if (identity->container.id[0]) {
		add_container(text, &identity->container);
		add(text, ", ");
	} else if (identity->service[0]) {
		add_name(text, identity->service, sizeof(identity->service));
		add(text, ", ");
	}
	if (identity->start_realtime_ns && now_ns >= identity->start_realtime_ns) {
		add(text, "running for ");
		add_age(text, identity->start_realtime_ns, now_ns);
	} else {
		text->len -= 2; /* the ", " */
		text->buf[text->len] = '\0';
	}
	add(text, ")");
}

/* The stop command for a container, by its engine. */
static void add_container_stop(struct text *fix, const struct container_ref *container)
{
	const char *tool = !strcmp(container->engine, "podman") ? "podman" :
			   !strcmp(container->engine, "docker") ? "docker" :
								  "crictl";

	if (container->pod_name[0]) {
		add(fix, "kubectl -n ");
		add_name(fix, container->pod_namespace, sizeof(container->pod_namespace));
		add(fix, " delete pod ");
		add_name(fix, container->pod_name, sizeof(container->pod_name));
		return;
	}
	add(fix, "%s stop ", tool);
	if (container->name[0] && strcmp(tool, "crictl"))
		add_name(fix, container->name, sizeof(container->name));
	else
		add(fix, "%.12s", container->id);
}

/* How to stop the program that holds the port: its unit, its container, or the pid. */
static void add_stop(struct text *fix, const struct process_ref *process)
{
	const struct process_identity *identity = &process->identity;

	if (identity->container.id[0])
		add_container_stop(fix, &identity->container);
	else if (identity->service[0]) {
		add(fix, "systemctl stop ");
		add_name(fix, identity->service, sizeof(identity->service));
	} else
		add(fix, "kill %u", process->pid);
}

struct diagnose_state {
	const struct bind_report *report;
	struct text summary;
	struct text fix;
	/* The first holder with a process, and that process. */
	const struct holder_report *holder;
	const struct process_ref *process;
};

static void find_holder_process(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;

	for (__u32 i = 0; i < holder_count(report); i++) {
		if (process_count(&report->holders[i])) {
			state->holder = &report->holders[i];
			state->process = &report->holders[i].processes[0];
			return;
		}
	}
}

static void add_caller(struct text *text, const struct bind_report *report)
{
	add_name(text, report->caller.comm[0] ? report->caller.comm : "?", BS_COMM_LEN);
	add(text, "[%u]", report->caller.pid);
}

/* dual_stack: the caller's own [::] socket (no IPV6_V6ONLY) already takes the IPv4 side. */
static bool check_dual_stack(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;

	for (__u32 i = 0; i < holder_count(report); i++) {
		const struct holder_report *holder = &report->holders[i];
		bool own = false, crossing;

		for (__u32 j = 0; j < process_count(holder); j++)
			own |= holder->processes[j].pid == report->caller.pid;
		crossing = (report->family == AF_INET && holder->family == AF_INET6 &&
			    is_wildcard(AF_INET6, holder->addr) &&
			    !(holder->flags & BS_HOLDER_V6ONLY)) ||
			   (report->family == AF_INET6 && holder->family == AF_INET &&
			    is_wildcard(AF_INET6, report->addr) && !report->caller_v6only);
		if (!own || !crossing)
			continue;
		add_caller(&state->summary, report);
		add(&state->summary, " conflicts with its own socket: ");
		if (holder->family == AF_INET6) {
			add(&state->summary, "[::]:%u without IPV6_V6ONLY also takes IPv4, so ",
			    holder->port);
			add_endpoint(&state->summary, report->family, report->addr, report->port);
			add(&state->summary, " is taken");
		} else {
			add(&state->summary,
			    "the [::]:%u it binds (no IPV6_V6ONLY) would take IPv4 too, "
			    "where it already holds ",
			    report->port);
			add_endpoint(&state->summary, holder->family, holder->addr, holder->port);
		}
		add(&state->fix, "setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1) on the [::] socket "
				 "before bind(), or bind only [::]");
		return true;
	}
	return false;
}

/*
 * time_wait: nothing but TIME_WAIT sockets. The kernel lets a bind through
 * them only when both the new socket and the closed one had SO_REUSEADDR
 * (the TIME_WAIT socket keeps its owner's setting), so say which side lacks it.
 */
static bool check_time_wait(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const struct holder_report *first = &report->holders[0];
	__u32 count = holder_count(report);
	bool holder_reuse = true;

	if (!count)
		return false;
	for (__u32 i = 0; i < count; i++) {
		if (!holder_is_time_wait(&report->holders[i]))
			return false;
		holder_reuse &= (report->holders[i].flags & BS_HOLDER_REUSEADDR) != 0;
	}
	add(&state->summary, "only TIME_WAIT sockets hold ");
	add_endpoint(&state->summary, first->family, first->addr, first->port);
	add(&state->summary,
	    ": closed connections the kernel keeps for up to %d s; no process holds the port; ",
	    TIME_WAIT_SECONDS);
	if (report->caller_socket.reuseaddr == 1) {
		add_caller(&state->summary, report);
		add(&state->summary, " set SO_REUSEADDR, but the program that closed them did not, "
				     "and both must");
		add(&state->fix, "SO_REUSEADDR in the server that held the port too, or wait %d s",
		    TIME_WAIT_SECONDS);
		return true;
	}
	add_caller(&state->summary, report);
	if (report->caller_socket.reuseaddr == 0)
		add(&state->summary, " did not set SO_REUSEADDR");
	else
		add(&state->summary, " was gone before its SO_REUSEADDR could be read");
	if (!holder_reuse)
		add(&state->summary, ", and the program that closed them did not set it either "
				     "(both must)");
	add(&state->fix,
	    "setsockopt(SOL_SOCKET, SO_REUSEADDR, 1) before bind() in every "
	    "instance, or wait %d s",
	    TIME_WAIT_SECONDS);
	return true;
}

static bool is_port_publisher(const struct process_ref *process)
{
	static const char *const publishers[] = {
		"docker-proxy", "rootlessport", "rootlesskit", "rootlessport-ch",
		"conmon",	"kube-proxy",	"slirp4netns", "pasta",
	};
	const char *base = program_base_name(process->identity.exe);

	for (size_t i = 0; i < sizeof(publishers) / sizeof(publishers[0]); i++) {
		if (!strncmp(process->comm, publishers[i], BS_COMM_LEN - 1) ||
		    !strcmp(base, publishers[i]))
			return true;
	}
	return false;
}

/* container_port: a container engine's port publisher holds the port. */
static bool check_container_port(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;

	for (__u32 i = 0; i < holder_count(report); i++) {
		const struct holder_report *holder = &report->holders[i];

		for (__u32 j = 0; j < process_count(holder); j++) {
			const struct process_ref *process = &holder->processes[j];
			const struct container_ref *container = &process->identity.container;
			struct proxy_target target;

			if (!is_port_publisher(process))
				continue;
			add_name(&state->summary, process->comm, BS_COMM_LEN);
			add(&state->summary, "[%u] publishes ", process->pid);
			add_endpoint(&state->summary, holder->family, holder->addr, holder->port);
			if (container->id[0]) {
				add(&state->summary, " for ");
				add_container(&state->summary, container);
			} else {
				add(&state->summary, " for a container");
			}
			if (process->cmdline_known &&
			    docker_proxy_target(process->cmdline, &target) == 0 &&
			    target.container_ip[0] && target.container_port)
				add(&state->summary, ", forwarded to %s:%u", target.container_ip,
				    target.container_port);
			if (container->id[0])
				add_container_stop(&state->fix, container);
			else
				add(&state->fix,
				    "docker ps --filter publish=%u, then stop that container",
				    holder->port);
			/* apply_publish() says it for a container being started. */
			if (!report->caller.publishing)
				add(&state->fix, ", or publish another host port");
			return true;
		}
	}
	return false;
}

/* service_socket: PID 1 (or a user's systemd) holds it for a socket unit. */
static bool check_service_socket(struct diagnose_state *state)
{
	const struct process_ref *process = state->process;

	if (!process || (process->pid != 1 && strncmp(process->comm, "systemd", BS_COMM_LEN)))
		return false;
	add(&state->summary, "systemd[%u] holds ", process->pid);
	add_holder_socket(&state->summary, state->report, state->holder);
	add(&state->summary, " for a socket unit (socket activation): the service is meant to "
			     "receive the socket from systemd, not bind it");
	if (state->holder->family == BS_AF_UNIX) {
		add(&state->fix, "systemctl list-sockets --all | grep -F '");
		add_unix_name(&state->fix, &state->report->unix_target);
		add(&state->fix, "', then systemctl stop <that unit>.socket, or take the passed "
				 "socket (sd_listen_fds)");
		return true;
	}
	add(&state->fix,
	    "systemctl list-sockets --all | grep ':%u', then systemctl stop "
	    "<that unit>.socket, or take the passed socket (sd_listen_fds)",
	    state->holder->port);
	return true;
}

static bool reuseport_involved(const struct bind_report *report)
{
	if (report->caller_socket.reuseport == 1)
		return true;
	for (__u32 i = 0; i < holder_count(report); i++) {
		if (report->holders[i].flags & BS_HOLDER_REUSEPORT)
			return true;
	}
	return false;
}

/* The caller itself holds the port on another socket: the same program, not an older one. */
static bool check_own_socket(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;

	for (__u32 i = 0; i < holder_count(report); i++) {
		const struct holder_report *holder = &report->holders[i];

		for (__u32 j = 0; j < process_count(holder); j++) {
			if (holder->processes[j].pid != report->caller.pid)
				continue;
			add_caller(&state->summary, report);
			add(&state->summary, " itself already holds ");
			add_holder_socket(&state->summary, report, holder);
			add(&state->summary, " on another socket");
			add(&state->fix,
			    "bind the address once and share that socket, or close the "
			    "first one before binding again");
			return true;
		}
	}
	return false;
}

/* same_program: the holder runs the very executable the caller runs. */
static bool check_same_program(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const struct process_ref *process = NULL;
	const struct holder_report *holder = NULL;

	/* With SO_REUSEPORT the two were meant to share: that is the real question. */
	if (reuseport_involved(report))
		return false;
	for (__u32 i = 0; i < holder_count(report) && !process; i++) {
		for (__u32 j = 0; j < process_count(&report->holders[i]); j++) {
			const struct process_ref *candidate = &report->holders[i].processes[j];

			if (candidate->pid != report->caller.pid &&
			    same_executable(&candidate->identity, &report->caller.identity) &&
			    program_same(report->caller.identity.exe,
					 report->caller.cmdline_known ? report->caller.cmdline : NULL,
					 candidate->cmdline_known ? candidate->cmdline : NULL)) {
				process = candidate;
				holder = &report->holders[i];
				break;
			}
		}
	}
	if (!process)
		return check_own_socket(state);
	add(&state->summary, "an older instance of ");
	add_program(&state->summary, &report->caller);
	add(&state->summary, " still holds ");
	add_holder_socket(&state->summary, report, holder);
	add(&state->summary, ": ");
	add_process(&state->summary, holder, process, report->ts_realtime_ns);
	if (process->identity.service[0] &&
	    !strcmp(process->identity.service, report->caller.identity.service)) {
		add(&state->fix, "systemctl restart ");
		add_name(&state->fix, process->identity.service, REPORT_SERVICE_MAX);
		add(&state->fix, " (it owns both instances)");
	} else {
		add_stop(&state->fix, process);
	}
	return true;
}

/* other_program: some other program holds it. */
static bool check_other_program(struct diagnose_state *state)
{
	if (!state->process || reuseport_involved(state->report))
		return false;
	add_process(&state->summary, state->holder, state->process, state->report->ts_realtime_ns);
	add(&state->summary, " holds ");
	add_holder_socket(&state->summary, state->report, state->holder);
	if (state->holder->family == BS_AF_UNIX)
		add(&state->summary, "; stop it or bind another name");
	else if (!state->report->caller.publishing)
		add(&state->summary, "; stop it or bind another port");
	add_stop(&state->fix, state->process);
	return true;
}

/* reuseport_mismatch: SO_REUSEPORT on one side only, or on both under different uids. */
static bool check_reuseport(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const struct holder_report *holder = NULL;
	int caller = report->caller_socket.reuseport;

	if (!reuseport_involved(report))
		return false;
	for (__u32 i = 0; i < holder_count(report) && !holder; i++) {
		if (!holder_is_time_wait(&report->holders[i]))
			holder = &report->holders[i];
	}
	if (!holder)
		return false;
	if (state->process && state->holder == holder)
		add_process(&state->summary, holder, state->process, report->ts_realtime_ns);
	else
		add(&state->summary, "a socket");
	add(&state->summary, " holds ");
	add_holder_socket(&state->summary, report, holder);
	if (caller == 1 && (holder->flags & BS_HOLDER_REUSEPORT)) {
		add(&state->summary,
		    "; both set SO_REUSEPORT, but the kernel shares a port only between "
		    "sockets of one uid (holder uid %d, caller uid %u)",
		    holder->uid == BS_UID_UNKNOWN ? -1 : (int)holder->uid, report->caller.uid);
		add(&state->fix, "run both as one user, or bind another port");
	} else if (holder->flags & BS_HOLDER_REUSEPORT) {
		add(&state->summary, " with SO_REUSEPORT; ");
		add_caller(&state->summary, report);
		add(&state->summary,
		    caller == 0 ? " did not set it" : " did not set it, or runs as another uid");
		add(&state->fix, "setsockopt(SOL_SOCKET, SO_REUSEPORT, 1) before bind(), as the "
				 "holder did");
	} else {
		add(&state->summary, " without SO_REUSEPORT; ");
		add_caller(&state->summary, report);
		add(&state->summary, " set it, but both sides must");
		add(&state->fix, "set SO_REUSEPORT in the holder too, or bind another port");
	}
	return true;
}

/* The setcap command, or the unit setting, that grants binding low ports. */
static void add_capability_fix(struct text *fix, const struct bind_report *report)
{
	const struct process_identity *identity = &report->caller.identity;

	if (identity->service[0]) {
		add(fix, "AmbientCapabilities=CAP_NET_BIND_SERVICE in ");
		add_name(fix, identity->service, REPORT_SERVICE_MAX);
		add(fix, ", or a port >= %d", report->limits.unprivileged_port_start);
	} else if (identity->exe[0]) {
		add(fix, "setcap cap_net_bind_service=+ep ");
		add_name(fix, identity->exe, REPORT_EXE_MAX);
		add(fix, ", or a port >= %d", report->limits.unprivileged_port_start);
	} else {
		add(fix, "a port >= %d, or CAP_NET_BIND_SERVICE for the program",
		    report->limits.unprivileged_port_start);
	}
}

static bool check_privileged_port(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	int threshold = report->limits.unprivileged_port_start;

	if (report->error != EACCES || !report->port || threshold < 0 || report->port >= threshold)
		return false;
	add(&state->summary,
	    "port %u is privileged (below net.ipv4.ip_unprivileged_port_start %d "
	    "in the caller's network namespace) and ",
	    report->port, threshold);
	add_caller(&state->summary, report);
	add(&state->summary, ", uid %u, lacks CAP_NET_BIND_SERVICE", report->caller.uid);
	add_capability_fix(&state->fix, report);
	return true;
}

static bool check_denied(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;

	if (report->error != EACCES && report->error != EPERM)
		return false;
	add(&state->summary, "a security policy refused ");
	add_caller(&state->summary, report);
	add(&state->summary, " the bind to ");
	add_endpoint(&state->summary, report->family, report->addr, report->port);
	add(&state->summary, ": the port is not privileged here, so an LSM (SELinux, AppArmor) "
			     "or a cgroup BPF program said no");
	add(&state->fix, "journalctl -k --grep='denied|apparmor|avc', and bpftool cgroup tree");
	return true;
}

static bool check_address_not_local(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	char addr[FORMAT_ADDR_MAX];

	if (report->error != EADDRNOTAVAIL || is_wildcard(report->family, report->addr) ||
	    report->kind == BS_KIND_AUTOBIND)
		return false;
	if (format_addr(report->family, report->addr, addr, sizeof(addr)) < 0)
		strcpy(addr, "?");
	add(&state->summary,
	    "%s is not an address of any interface in the caller's network namespace "
	    "(netns %llu)",
	    addr, (unsigned long long)report->caller.netns);
	add(&state->fix,
	    "bind %s instead, or set IP_FREEBIND (sysctl net.ipv4.ip_nonlocal_bind=1), or "
	    "start after the network is up",
	    report->family == AF_INET6 ? "::" : "0.0.0.0");
	return true;
}

static bool check_ports_exhausted(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const struct netns_limits *limits = &report->limits;
	char proto[FORMAT_PROTO_MAX];

	if (report->port && report->kind != BS_KIND_AUTOBIND)
		return false;
	if (report->error != EADDRINUSE && report->error != EADDRNOTAVAIL &&
	    report->error != EAGAIN)
		return false;
	add(&state->summary, "the kernel found no free %s port for ",
	    proto_name(report->protocol, proto, sizeof(proto)));
	add_caller(&state->summary, report);
	if (limits->local_port_low >= 0) {
		int count = limits->local_port_high - limits->local_port_low + 1;

		add(&state->summary,
		    ": every port of ip_local_port_range %d-%d (%d port%s) is in use",
		    limits->local_port_low, limits->local_port_high, count, count == 1 ? "" : "s");
	} else {
		add(&state->summary, ": every port of ip_local_port_range is in use");
	}
	add(&state->summary, " in its network namespace");
	add(&state->fix,
	    "nsenter -t %u -n sysctl -w net.ipv4.ip_local_port_range=\"1024 65000\", "
	    "or IP_BIND_ADDRESS_NO_PORT for clients",
	    report->caller.pid);
	return true;
}

static bool check_already_bound(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	int bound = report->caller_socket.bound_port;

	if (report->error != EINVAL || report->kind != BS_KIND_BIND || bound == 0)
		return false;
	add_caller(&state->summary, report);
	if (bound > 0)
		add(&state->summary, " called bind() on a socket already bound to port %d", bound);
	else
		add(&state->summary, " got EINVAL from bind(): the socket was most likely bound "
				     "already (it was gone before it could be checked)");
	add(&state->summary, "; a socket binds once, this is a bug in the program");
	add(&state->fix, "create a new socket for each bind(), or close and recreate it");
	return true;
}

static void explain_unknown_inet(struct diagnose_state *state);

/* ---- AF_UNIX: a name in the filesystem or the abstract namespace ---- */

static bool unix_is_path(const struct unix_target *target)
{
	return target->name_len && target->name[0];
}

/* What a file is, for a sentence: "a regular file", "a directory", ... */
static const char *file_kind(__u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link (bind() does not follow it)";
	case S_IFIFO:
		return "a named pipe (FIFO)";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket file";
	}
	return "a file of unknown kind";
}

/* stale_socket_file: a socket file is there, and a whole search found no socket bound to it. */
static bool check_stale_socket_file(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const struct unix_target *target = &report->unix_target;

	if (report->error != EADDRINUSE || !unix_is_path(target) || target->file_error ||
	    !S_ISSOCK(target->file_mode) || !report->holders_searched || report->holder_count ||
	    report->holders_not_named)
		return false;
	add_unix_name(&state->summary, target);
	add(&state->summary, " is a socket file no socket is bound to (left behind by a process "
			     "that ended without unlinking it), owned by uid %u",
	    target->file_uid);
	if (target->file_mtime_ns && report->ts_realtime_ns > target->file_mtime_ns) {
		add(&state->summary, ", made ");
		add_age(&state->summary, target->file_mtime_ns, report->ts_realtime_ns);
		add(&state->summary, " ago");
	}
	add(&state->fix, "rm ");
	add_unix_name(&state->fix, target);
	add(&state->fix, ", or have the program unlink the path before bind()");
	return true;
}

/* not_a_socket: bind() makes the socket file itself, and nothing else may be there. */
static bool check_not_a_socket(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const struct unix_target *target = &report->unix_target;

	if (report->error != EADDRINUSE || !unix_is_path(target) || target->file_error ||
	    S_ISSOCK(target->file_mode))
		return false;
	add_unix_name(&state->summary, target);
	add(&state->summary, " exists and is %s, not a socket: bind() creates the socket file "
			     "and never replaces a file",
	    file_kind(target->file_mode));
	add(&state->fix, "bind another path, or move %s away if nothing needs it: mv ",
	    S_ISDIR(target->file_mode) ? "that directory" : "that file");
	add_unix_name(&state->fix, target);
	add(&state->fix, " ");
	add_unix_name(&state->fix, target);
	add(&state->fix, ".old");
	return true;
}

/* The directory part of the path, as text, or "the working directory". */
static void add_unix_dir(struct text *text, const struct unix_target *target)
{
	if (target->dir[0])
		add_name(text, target->dir, sizeof(target->dir));
	else
		add(text, "the working directory");
}

/* no_directory: ENOENT from bind() is a directory on the way that is not there. */
static bool check_no_directory(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const struct unix_target *target = &report->unix_target;

	if (report->error != ENOENT || !unix_is_path(target))
		return false;
	add(&state->summary, "the directory ");
	add_unix_dir(&state->summary, target);
	add(&state->summary, " of ");
	add_unix_name(&state->summary, target);
	if (target->dir_error == 0)
		add(&state->summary, " was missing at the bind (it exists now: made too late?)");
	else
		add(&state->summary, " does not exist");
	add(&state->fix, "mkdir -p ");
	add_unix_dir(&state->fix, target);
	add(&state->fix, " before the program starts (a unit: RuntimeDirectory=)");
	return true;
}

/* denied: EACCES, no write or search permission on the way to the path. */
static bool check_unix_denied(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const struct unix_target *target = &report->unix_target;

	if ((report->error != EACCES && report->error != EPERM) || !unix_is_path(target))
		return false;
	add_caller(&state->summary, report);
	add(&state->summary, " (uid %u) may not create ", report->caller.uid);
	add_unix_name(&state->summary, target);
	if (target->dir_error == 0) {
		add(&state->summary, ": ");
		add_unix_dir(&state->summary, target);
		add(&state->summary, " belongs to uid %u, mode %04o", target->dir_uid,
		    target->dir_mode & 07777);
	} else {
		add(&state->summary, ": no write permission on its directory, or no search "
				     "permission on the way to it");
	}
	add(&state->fix, "bind under a directory uid %u may write (a unit: RuntimeDirectory=), "
			 "or give it that directory: chown %u ",
	    report->caller.uid, report->caller.uid);
	add_unix_dir(&state->fix, target);
	return true;
}

/* already_bound: EINVAL, the socket has a name already (or the name given is empty). */
static bool check_unix_already_bound(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;

	if (report->error != EINVAL)
		return false;
	add_caller(&state->summary, report);
	add(&state->summary, " got EINVAL from bind() on an AF_UNIX socket: it is bound "
			     "already, or the address was malformed; a socket binds once");
	add(&state->fix, "create a new socket for each bind(), and pass the address length of "
			 "the name only");
	return true;
}

/* The causes of an AF_UNIX failure, in order: a live holder first, then the file. */
static enum diagnosis_cause diagnose_unix(struct diagnose_state *state)
{
	if (check_service_socket(state))
		return CAUSE_SERVICE_SOCKET;
	if (check_same_program(state))
		return CAUSE_SAME_PROGRAM;
	if (check_other_program(state))
		return CAUSE_OTHER_PROGRAM;
	if (check_stale_socket_file(state))
		return CAUSE_STALE_SOCKET_FILE;
	if (check_not_a_socket(state))
		return CAUSE_NOT_A_SOCKET;
	if (check_no_directory(state))
		return CAUSE_NO_DIRECTORY;
	if (check_unix_denied(state))
		return CAUSE_DENIED;
	if (check_unix_already_bound(state))
		return CAUSE_ALREADY_BOUND;
	return CAUSE_UNKNOWN;
}

static void explain_unknown_unix(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const char *error = errno_name(report->error);

	add(&state->summary, "%s on ", error ? error : "an error");
	add_unix_name(&state->summary, &report->unix_target);
	if (holder_count(report)) {
		add(&state->summary, ": held by ");
		add_holder_socket(&state->summary, report, &report->holders[0]);
		add(&state->summary, ", no process of which could be found (passed on, or "
				     "already closed)");
	} else if (report->error == EADDRINUSE) {
		add(&state->summary, ": the holder could not be found (another network "
				     "namespace's, or closed already)");
	} else {
		add(&state->summary, ": no known cause fits");
		return;
	}
	add(&state->fix, "ss -xap | grep -F '");
	add_unix_name(&state->fix, &report->unix_target);
	add(&state->fix, "'");
}

static void explain_unknown(struct diagnose_state *state)
{
	if (state->report->family == BS_AF_UNIX) {
		explain_unknown_unix(state);
		return;
	}
	explain_unknown_inet(state);
}

static void explain_unknown_inet(struct diagnose_state *state)
{
	const struct bind_report *report = state->report;
	const char *error = errno_name(report->error);

	add(&state->summary, "%s on ", error ? error : "an error");
	add_endpoint(&state->summary, report->family, report->addr, report->port);
	if (holder_count(report)) {
		add(&state->summary, ": held by ");
		add_holder_socket(&state->summary, report, &report->holders[0]);
		if (report->holders[0].uid != BS_UID_UNKNOWN)
			add(&state->summary, " (uid %u)", report->holders[0].uid);
		add(&state->summary, ", no process of which could be found (another network "
				     "namespace's, or already closed)");
		add(&state->fix, "ss -tanpe 'sport = :%u'", report->port);
	} else if (report->error == EADDRINUSE) {
		add(&state->summary,
		    ": the holder could not be found (it may have closed already)");
		add(&state->fix, "bindsnoop --who %u", report->port);
	} else {
		add(&state->summary, ": no known cause fits");
	}
}

/*
 * A port publisher (docker-proxy) failed for a container being started: that
 * container could not start, whoever holds the port. Say so first, and offer
 * another host port beside the holder's fix.
 */
static void apply_publish(const struct bind_report *report, struct diagnosis *out)
{
	const struct caller_report *caller = &report->caller;
	const struct container_ref *container = &caller->identity.container;
	char summary[REPORT_SUMMARY_MAX];
	struct text text = { summary, sizeof(summary), 0 };
	struct text fix = { out->fix, sizeof(out->fix), strlen(out->fix) };

	if (!caller->publishing || report->error != EADDRINUSE)
		return;
	add(&text, "publishing ");
	if (container->id[0]) {
		if (caller->publish_port)
			add(&text, "port %u of ", caller->publish_port);
		else
			add(&text, "a port of ");
		add_container(&text, container);
	} else if (caller->publish_port) {
		add(&text, "port %u of a container", caller->publish_port);
	} else {
		add(&text, "a container's port");
	}
	add(&text, " on ");
	add_endpoint(&text, report->family, report->addr, report->port);
	add(&text, " failed: %s", out->summary);
	memcpy(out->summary, summary, sizeof(summary));
	add(&fix, fix.len ? ", or publish another host port: " : "publish another host port: ");
	if (caller->publish_port)
		add(&fix, "docker run -p <other port>:%u ...", caller->publish_port);
	else
		add(&fix, "docker run -p <other port>:<container port> ...");
}

/* The restart loop changes the story: say it first, and point the fix at the loop. */
static void apply_repeat(struct diagnosis *out, const struct repeat_info *repeat, bool keep_fix)
{
	char ordinal[16], summary[REPORT_SUMMARY_MAX];
	struct text text = { summary, sizeof(summary), 0 };
	struct text fix = { out->fix, sizeof(out->fix), 0 };

	out->repeat = *repeat;
	if (repeat->count < REPORT_LOOP_THRESHOLD)
		return;
	add(&text, "%s failure of ", report_ordinal(repeat->count, ordinal, sizeof(ordinal)));
	add_name(&text, repeat->who, sizeof(repeat->who));
	add(&text, " on this address in %u s: a restart loop; ", repeat->window_s);
	add(&text, "%s", out->summary);
	memcpy(out->summary, summary, sizeof(summary));
	/* A container that could not publish its port: its logs are empty, the fix stands. */
	if (keep_fix)
		return;
	if (repeat->is_unit) {
		out->fix[0] = '\0';
		add(&fix, "journalctl -u ");
		add_name(&fix, repeat->who, sizeof(repeat->who));
		add(&fix, " to see why, systemctl stop ");
		add_name(&fix, repeat->who, sizeof(repeat->who));
		add(&fix, " to end the loop");
	} else if (repeat->is_container) {
		out->fix[0] = '\0';
		add(&fix, "docker logs ");
		add_name(&fix, repeat->who, sizeof(repeat->who));
		add(&fix, " to see why, docker stop ");
		add_name(&fix, repeat->who, sizeof(repeat->who));
		add(&fix, " to end the loop");
	}
}

void diagnose(const struct bind_report *report, const struct repeat_info *repeat,
	      struct diagnosis *out)
{
	static bool (*const checks[])(struct diagnose_state *) = {
		check_dual_stack,	 check_time_wait,	check_container_port,
		check_service_socket,	 check_same_program,	check_other_program,
		check_reuseport,	 check_privileged_port, check_denied,
		check_address_not_local, check_ports_exhausted, check_already_bound,
	};
	struct diagnose_state state = {
		.report = report,
		.summary = { out->summary, sizeof(out->summary), 0 },
		.fix = { out->fix, sizeof(out->fix), 0 },
	};

	memset(out, 0, sizeof(*out));
	if (!report->error)
		return;
	find_holder_process(&state);
	out->cause = CAUSE_UNKNOWN;
	if (report->family == BS_AF_UNIX)
		out->cause = diagnose_unix(&state);
	for (size_t i = 0; report->family != BS_AF_UNIX && i < sizeof(checks) / sizeof(checks[0]);
	     i++) {
		if (checks[i](&state)) {
			out->cause = CAUSE_DUAL_STACK + i;
			break;
		}
	}
	if (out->cause == CAUSE_UNKNOWN)
		explain_unknown(&state);
	apply_publish(report, out);
	if (repeat)
		apply_repeat(out, repeat, report->caller.publishing);
}
