// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "enrich/caller_socket.h"
#include "enrich/container_engine.h"
#include "enrich/enrich.h"
#include "format.h"
#include "enrich/netns_limits.h"
#include "shared_facts.h"


struct enricher {
	struct container_cache *containers;
	struct netns_limits_cache *limits;
	bool proc_lookup;
};

struct enricher *enricher_new(bool proc_lookup)
{
	struct enricher *enricher = calloc(1, sizeof(*enricher));

	if (!enricher)
		return NULL;
	enricher->proc_lookup = proc_lookup;
	enricher->containers =
		container_cache_new(CONTAINER_ENGINE_DOCKER_ROOT, CONTAINER_ENGINE_STORAGE_ROOT,
				    CONTAINER_ENGINE_KUBELET_LOGS);
	/* Without our own namespace's handle the limits stay unknown: not fatal. */
	enricher->limits = netns_limits_cache_new();
	if (!enricher->containers) {
		enricher_free(enricher);
		return NULL;
	}
	return enricher;
}

void enricher_free(struct enricher *enricher)
{
	if (!enricher)
		return;
	container_cache_free(enricher->containers);
	netns_limits_cache_free(enricher->limits);
	free(enricher);
}

/* docker-proxy, by the name its process has (comm), as its publisher checks do here. */
static bool is_docker_proxy(const char *comm)
{
	return !strncmp(comm, "docker-proxy", BS_COMM_LEN);
}

void enricher_process(struct enricher *enricher, struct process_ref *process,
		      const struct holder_report *holder)
{
	struct container_ref *container = &process->identity.container;
	struct proxy_target target;

	if (container->id[0]) {
		container_cache_describe(enricher->containers, container);
		return;
	}
	/*
	 * docker-proxy runs in dockerd's cgroup: find its container by the port
	 * it publishes. Its arguments are parsed only for a process of that
	 * name: every holder of every report comes this way.
	 */
	if (holder && process->cmdline_known &&
	    is_docker_proxy(process->comm) &&
	    docker_proxy_target(process->cmdline, &target) == 0)
		container_cache_find_published(enricher->containers, target.proto,
					       target.host_port ? target.host_port : holder->port,
					       container);
}

/*
 * A docker-proxy that fails to bind is a container being started, and exits
 * at once (newer dockers bind in dockerd itself): name that container from
 * the proxy's arguments and the engine's state. Only root's publishers are
 * looked up: anyone can name a program docker-proxy.
 */
void enrich_publisher(const char *docker_root, struct bind_report *report)
{
	struct caller_report *caller = &report->caller;
	struct publish_query query = { .host_port = report->port,
				       .at_realtime_ns = report->ts_realtime_ns };
	struct proxy_target target = { 0 };
	char host_ip[FORMAT_ADDR_MAX], proto[FORMAT_PROTO_MAX];
	bool proxy = is_docker_proxy(caller->comm);
	__u16 port = 0;

	caller->publishing = false;
	caller->publish_port = 0;
	if (caller->identity.container.id[0] || caller->uid != 0 || !report->port ||
	    (!proxy && strncmp(caller->comm, "dockerd", BS_COMM_LEN)))
		return;
	if (proxy && (!caller->cmdline_known || docker_proxy_target(caller->cmdline, &target)))
		return;
	if (format_addr(report->family, report->addr, host_ip, sizeof(host_ip)) < 0)
		return;
	query.proto = proto_name(report->protocol, proto, sizeof(proto));
	query.host_ip = host_ip;
	query.container_port = target.container_port;
	/* dockerd binds for other reasons too: only a container found makes it a publisher. */
	if (docker_find_starting(docker_root, &query, &caller->identity.container, &port) < 0 &&
	    !proxy)
		return;
	caller->publishing = true;
	caller->publish_port = target.container_port ? target.container_port : port;
}

/* Only these answers depend on the caller's socket options: read them only then. */
static bool caller_socket_matters(const struct bind_report *report)
{
	if (report->error == EINVAL)
		return report->kind == BS_KIND_BIND;
	if (report->error != EADDRINUSE)
		return false;
	for (__u32 i = 0; i < report->holder_count && i < REPORT_MAX_HOLDERS; i++) {
		const struct holder_report *holder = &report->holders[i];

		if (holder->state == BS_TCP_TIME_WAIT || !holder->inode ||
		    (holder->flags & BS_HOLDER_REUSEPORT) ||
		    holder->source != HOLDER_SOURCE_KERNEL)
			return true;
	}
	return false;
}

/*
 * sock_diag does not say whether a holder set SO_REUSEADDR or SO_REUSEPORT
 * (the kernel walk reads them; kernels before 5.17 have no walk): read them
 * from the socket itself, borrowed from a process that holds it, as the
 * caller's socket is. Unknown (no process, a socket closed since) stays as
 * sock_diag left it: not set.
 */
static void holder_socket_options(struct holder_report *holder, const struct lookup_budget *budget)
{
	struct caller_socket options;

	if (holder->source == HOLDER_SOURCE_KERNEL || !holder->inode || !holder->process_count)
		return;
	for (__u32 i = 0; i < holder->process_count && i < REPORT_MAX_PROCESSES; i++) {
		const struct process_ref *process = &holder->processes[i];

		/* The fd the /proc scan saw: no search through a process's 20,000 fds. */
		if (lookup_budget_spent(budget) ||
		    caller_socket_read(process->pid, holder->inode, process->socket_fd, budget,
				       &options))
			continue;
		holder->flags &= ~(BS_HOLDER_REUSEADDR | BS_HOLDER_REUSEPORT);
		if (options.reuseaddr > 0)
			holder->flags |= BS_HOLDER_REUSEADDR;
		if (options.reuseport > 0)
			holder->flags |= BS_HOLDER_REUSEPORT;
		return;
	}
}

static bool limits_matter(const struct bind_report *report)
{
	/* Port limits: an AF_UNIX name has no port. */
	if (report->family == BS_AF_UNIX)
		return false;
	return report->error == EACCES || report->error == EPERM || !report->port ||
	       report->kind == BS_KIND_AUTOBIND;
}

void enricher_complete(struct enricher *enricher, struct bind_report *report,
		       const struct lookup_budget *budget)
{
	report->caller_socket = (struct caller_socket){ -1, -1, -1 };
	report->caller.publishing = false;
	report->caller.publish_port = 0;
	report->limits = (struct netns_limits){ -1, -1, -1 };
	if (!report->error) {
		memset(&report->diagnosis, 0, sizeof(report->diagnosis));
		return;
	}
	container_cache_describe(enricher->containers, &report->caller.identity.container);
	enrich_publisher(CONTAINER_ENGINE_DOCKER_ROOT, report);
	for (__u32 i = 0; i < report->holder_count && i < REPORT_MAX_HOLDERS; i++) {
		struct holder_report *holder = &report->holders[i];

		for (__u32 j = 0; j < holder->process_count && j < REPORT_MAX_PROCESSES; j++)
			enricher_process(enricher, &holder->processes[j], holder);
		if (enricher->proc_lookup && report->error == EADDRINUSE)
			holder_socket_options(holder, budget);
	}
	if (enricher->proc_lookup && caller_socket_matters(report) && !lookup_budget_spent(budget))
		caller_socket_read(report->caller.pid, report->caller_sock_inode, -1, budget,
				   &report->caller_socket);
	/* What the kernel read at the failure holds even once the caller is gone. */
	if (report->caller.socket_options.known) {
		report->caller_socket.reuseaddr =
			!!(report->caller.socket_options.flags & BS_SOCK_REUSEADDR);
		report->caller_socket.reuseport =
			!!(report->caller.socket_options.flags & BS_SOCK_REUSEPORT);
	}
	if (enricher->limits && limits_matter(report))
		netns_limits_get(enricher->limits, report->caller.netns, report->caller.pid,
				 &report->limits);
}
