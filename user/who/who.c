// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include "clock.h"
#include "diagnose/diagnose.h"
#include "enrich/enrich.h"
#include "format.h"
#include "enrich/holder_lookup.h"
#include "enrich/netns_list.h"
#include "output/json_event.h"
#include "enrich/procinfo.h"
#include "enrich/process_lineage.h"
#include "strbuf.h"
#include "text_sanitize.h"
#include "enrich/unix_holder.h"
#include "who/who.h"
#include "shared_facts.h"

#define WHO_ROW_FORMAT	  "%-6s %-5s %-11s %-25s %-11s %s\n"
#define WHO_LINEAGE_SLOTS 64

static const __u16 who_protocols[] = { IPPROTO_TCP, IPPROTO_UDP };

/* A socket on a port asked about, and where it was found: rows come out port by port. */
struct who_socket {
	struct sockdiag_socket socket;
	__u32 namespace_index;
	__u32 protocol_index;
	__u32 order; /* as found: a port's sockets keep the order of their dump */
};

struct who_query {
	const struct options *opts;
	FILE *out;
	struct strbuf line;
	unsigned int width; /* terminal columns, 0: do not cut */
	__u64 now_ns;
	__u64 records; /* JSON records written: the next one's seq is one more */
	struct procinfo_cache *procs;
	struct holder_lookup *lookup;
	struct enricher *enricher;
	struct netns_list namespaces; /* ours first, then by the lowest pid living there */
	struct who_socket *found;
	size_t found_count;
	size_t found_capacity;
	__u32 dumping_namespace; /* the dump under way: where its sockets are */
	__u32 dumping_protocol;
	int err; /* -ENOMEM while collecting */
	int held;
	struct process_lineage lineages[REPORT_MAX_PROCESSES]; /* the row's holder processes */
	struct bind_report *unix_asked; /* a Unix-domain name asked about, and its holders */
	/* Lineages already read, by pid: one process holding 2,000 ports walks /proc once. */
	struct who_lineage_slot {
		__u32 pid;
		struct process_lineage lineage;
	} lineage_cache[WHO_LINEAGE_SLOTS];
};

/* Ours first; with --all-netns every other one a process lives in, however many. */
static int find_namespaces(struct who_query *query)
{
	struct netns_ref ours = { netns_list_of("self"), (__u32)getpid() };

	return netns_list_find(&query->namespaces, ours, query->opts->all_netns, NULL);
}

static void put_line(struct who_query *query)
{
	struct strbuf *line = &query->line;

	if (query->width && !strbuf_reserve(line, 4))
		line->len = format_fit_width(line->data, line->len, query->width);
	fwrite(line->data, 1, line->len, query->out);
	strbuf_reset(line);
}

/*
 * Text a process chose, as the trace table shows it: C0 and C1 controls,
 * bidi overrides and bytes that are not UTF-8 would rewrite the terminal
 * or reorder the line (text_sanitize.h).
 */
static void append_sanitized(struct strbuf *out, const char *text, size_t max)
{
	size_t len = strnlen(text, max);

	/* text_sanitize never lengthens: len + its NUL is enough. */
	if (strbuf_reserve(out, len + 1))
		return;
	out->len += text_sanitize(out->data + out->len, text, len);
}

static void append_age(struct strbuf *out, __u64 since_ns, __u64 now_ns)
{
	char age[FORMAT_AGE_MAX];

	format_age((now_ns - since_ns) / 1000000000ULL, age);
	strbuf_append_str(out, age);
}

/*
 * "nginx[1200,1201] (nginx.service, running for 2h10m)"; a holder started by
 * supervisord, pm2, cron or a login session says so after its unit:
 * "app[812] (supervisor.service, started by supervisord, running for 3s)".
 */
static void describe_processes(struct strbuf *out, const struct holder_report *holder,
			       const struct process_lineage *lineage, __u64 now_ns)
{
	__u32 count = holder->process_count < REPORT_MAX_PROCESSES ? holder->process_count :
								     REPORT_MAX_PROCESSES;
	const struct process_identity *identity = &holder->processes[0].identity;

	for (__u32 i = 0; i < count; i++) {
		const struct process_ref *process = &holder->processes[i];

		if (i && !strncmp(process->comm, holder->processes[i - 1].comm, BS_COMM_LEN)) {
			strbuf_appendf(out, ",%u", process->pid);
			continue;
		}
		if (i)
			strbuf_append_literal(out, "],");
		append_sanitized(out, process->comm[0] ? process->comm : "?", BS_COMM_LEN);
		strbuf_appendf(out, "[%u", process->pid);
	}
	strbuf_append_literal(out, "]");
	strbuf_append_literal(out, " (");
	if (identity->container.id[0]) {
		strbuf_append_literal(out, "container ");
		if (identity->container.name[0])
			append_sanitized(out, identity->container.name,
					 sizeof(identity->container.name));
		else
			strbuf_appendf(out, "%.12s", identity->container.id);
		strbuf_append_literal(out, ", ");
	} else if (identity->service[0]) {
		append_sanitized(out, identity->service, sizeof(identity->service));
		strbuf_append_literal(out, ", ");
	}
	if (lineage->origin != ORIGIN_UNIT && lineage->origin != ORIGIN_CONTAINER &&
	    process_origin_name(lineage->origin))
		strbuf_appendf(out, "started by %s, ", process_origin_name(lineage->origin));
	if (identity->start_realtime_ns && now_ns >= identity->start_realtime_ns) {
		strbuf_append_literal(out, "running for ");
		append_age(out, identity->start_realtime_ns, now_ns);
	}
	if (out->len >= 2 && !memcmp(out->data + out->len - 2, " (", 2))
		strbuf_truncate(out, out->len - 2);
	else if (out->len >= 2 && !memcmp(out->data + out->len - 2, ", ", 2))
		strbuf_truncate(out, out->len - 2);
	if (out->len && out->data[out->len - 1] != ']')
		strbuf_append_literal(out, ")");
}

/* --wide: "    parents: sh[51] < supervisord[50] (started by supervisord)", the parent first. */
static void append_lineage(struct strbuf *out, const struct process_lineage *lineage)
{
	const char *origin = process_origin_name(lineage->origin);

	strbuf_append_literal(out, "    parents: ");
	if (!lineage->parent_count)
		strbuf_append_literal(out, "unknown");
	for (__u32 i = 0; i < lineage->parent_count && i < LINEAGE_MAX_PARENTS; i++) {
		if (i)
			strbuf_append_literal(out, " < ");
		append_sanitized(out, lineage->parents[i].comm[0] ? lineage->parents[i].comm : "?",
				 BS_COMM_LEN);
		strbuf_appendf(out, "[%u]", lineage->parents[i].pid);
	}
	if (origin)
		strbuf_appendf(out, " (started by %s)", origin);
	strbuf_append_literal(out, "\n");
}

/*
 * One socket: asked is the port ("-" for a Unix-domain name), proto and
 * address its own ("unix" and the name for a Unix-domain socket).
 */
static void print_held_row(struct who_query *query, const char *asked, const char *proto,
			   const char *address, __u64 netns, const struct holder_report *holder,
			   const struct process_lineage *lineages, __u32 time_wait_left_ms)
{
	char netns_text[24];
	struct strbuf who = STRBUF_INIT;

	snprintf(netns_text, sizeof(netns_text), "%llu", (unsigned long long)netns);
	if (holder->process_count)
		describe_processes(&who, holder, &lineages[0], query->now_ns);
	else if (time_wait_left_ms)
		strbuf_appendf(&who, "no process: a closed connection, freed in %u.%u s",
			       time_wait_left_ms / 1000, time_wait_left_ms % 1000 / 100);
	else if (holder->uid != BS_UID_UNKNOWN)
		strbuf_appendf(&who, "no process found (uid %u, inode %llu)", holder->uid,
			       (unsigned long long)holder->inode);
	else
		strbuf_append_literal(&who, "no process");
	strbuf_appendf(&query->line, WHO_ROW_FORMAT, asked, proto,
		       socket_state_name(holder->protocol, holder->state), address, netns_text,
		       who.data ? who.data : "");
	put_line(query);
	strbuf_release(&who);
	if (!query->opts->wide)
		return;
	for (__u32 i = 0; i < holder->process_count && i < REPORT_MAX_PROCESSES; i++) {
		const struct process_ref *process = &holder->processes[i];

		strbuf_appendf(&query->line, "    pid %u ", process->pid);
		append_sanitized(&query->line,
				 process->identity.exe[0] ? process->identity.exe : "?",
				 REPORT_EXE_MAX);
		strbuf_append_literal(&query->line, ": ");
		if (process->cmdline_known)
			append_sanitized(&query->line, process->cmdline, REPORT_CMDLINE_MAX);
		else
			strbuf_append_literal(&query->line, "(command line unknown)");
		strbuf_append_literal(&query->line, "\n");
		append_lineage(&query->line, &lineages[i]);
		fwrite(query->line.data, 1, query->line.len, query->out);
		strbuf_reset(&query->line);
	}
}

static void print_free_row(struct who_query *query, __u16 port)
{
	char port_text[8];

	snprintf(port_text, sizeof(port_text), "%u", port);
	strbuf_appendf(&query->line, WHO_ROW_FORMAT, port_text, "-", "free", "-", "-",
		       query->opts->all_netns ? "nothing holds it in any network namespace" :
						"nothing holds it in this network namespace");
	put_line(query);
}

/* holder_lookup_ports visitor: keep a port's sockets, with where they were found. */
static void collect_port(void *ctx, __u16 port, const struct sockdiag_socket *sockets, int count)
{
	struct who_query *query = ctx;

	(void)port;
	for (int i = 0; i < count && !query->err; i++) {
		if (query->found_count == query->found_capacity) {
			size_t capacity = query->found_capacity ? query->found_capacity * 2 : 64;
			struct who_socket *grown = realloc(query->found, capacity * sizeof(*grown));

			if (!grown) {
				query->err = -ENOMEM;
				return;
			}
			query->found = grown;
			query->found_capacity = capacity;
		}
		query->found[query->found_count] = (struct who_socket){
			.socket = sockets[i],
			.namespace_index = query->dumping_namespace,
			.protocol_index = query->dumping_protocol,
			.order = query->found_count,
		};
		query->found_count++;
	}
}

/* Port by port, then namespace, protocol and dump order: the rows as printed. */
static int who_socket_compare(const void *left, const void *right)
{
	const struct who_socket *a = left, *b = right;

	if (a->socket.port != b->socket.port)
		return a->socket.port < b->socket.port ? -1 : 1;
	if (a->namespace_index != b->namespace_index)
		return a->namespace_index < b->namespace_index ? -1 : 1;
	if (a->protocol_index != b->protocol_index)
		return a->protocol_index < b->protocol_index ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/*
 * One sock_diag dump per namespace and protocol, whatever the number of
 * ports (a dump walks every socket of the namespace: one per port made
 * --who 1-65535 take minutes). A namespace that cannot be asked (its last
 * process gone) holds nothing.
 */
static int collect_sockets(struct who_query *query)
{
	for (size_t i = 0; i < query->namespaces.count && !query->err; i++) {
		const struct netns_ref *ns = &query->namespaces.refs[i];

		for (size_t p = 0; p < sizeof(who_protocols) / sizeof(who_protocols[0]); p++) {
			query->dumping_namespace = i;
			query->dumping_protocol = p;
			holder_lookup_ports(query->lookup, ns->ino, ns->pid, who_protocols[p],
					    query->opts->who_ports, collect_port, query);
		}
	}
	if (!query->err && query->found_count)
		qsort(query->found, query->found_count, sizeof(*query->found),
		      who_socket_compare);
	return query->err;
}

static void lineage_lookup(struct who_query *query, const struct process_ref *process,
			   struct process_lineage *out)
{
	struct who_lineage_slot *slot = &query->lineage_cache[process->pid % WHO_LINEAGE_SLOTS];

	if (slot->pid != process->pid) {
		process_lineage_read(process->pid, &process->identity, &slot->lineage);
		slot->pid = process->pid;
	}
	*out = slot->lineage;
}

static void print_held(struct who_query *query, const struct who_socket *found,
		       struct holder_report *holder)
{
	__u16 protocol = who_protocols[found->protocol_index];
	__u64 netns = query->namespaces.refs[found->namespace_index].ino;
	__u32 time_wait_left_ms = found->socket.time_wait ? found->socket.expires_ms : 0;

	holder_lookup_describe(query->lookup, &found->socket, protocol, holder);
	for (__u32 j = 0; j < holder->process_count && j < REPORT_MAX_PROCESSES; j++) {
		enricher_process(query->enricher, &holder->processes[j], holder);
		lineage_lookup(query, &holder->processes[j], &query->lineages[j]);
	}
	if (query->opts->json) {
		json_render_who_held(++query->records, query->now_ns, found->socket.port, netns,
				     holder, query->lineages, time_wait_left_ms, &query->line);
		fwrite(query->line.data, 1, query->line.len, query->out);
		strbuf_reset(&query->line);
	} else {
		char port_text[8], endpoint[FORMAT_ENDPOINT_MAX], proto[FORMAT_PROTO_MAX];

		snprintf(port_text, sizeof(port_text), "%u", found->socket.port);
		if (format_endpoint(holder->family, holder->addr, holder->port, endpoint,
				    sizeof(endpoint)) < 0)
			snprintf(endpoint, sizeof(endpoint), "?:%u", holder->port);
		print_held_row(query, port_text, proto_name(holder->protocol, proto, sizeof(proto)),
			       endpoint, netns, holder, query->lineages, time_wait_left_ms);
	}
}

static void print_free(struct who_query *query, __u16 port)
{
	if (query->opts->json) {
		json_render_who_free(++query->records, query->now_ns, port, &query->line);
		fwrite(query->line.data, 1, query->line.len, query->out);
		strbuf_reset(&query->line);
	} else {
		print_free_row(query, port);
	}
}

/* Every port asked about, ascending: its sockets, or "free". */
static void print_ports(struct who_query *query, struct holder_report *holder)
{
	size_t next = 0;

	for (unsigned int port = 1; port < 65536; port++) {
		if (!bs_bit_test(query->opts->who_ports, port))
			continue;
		if (next == query->found_count || query->found[next].socket.port != port) {
			print_free(query, port);
			continue;
		}
		query->held++;
		for (; next < query->found_count && query->found[next].socket.port == port; next++)
			print_held(query, &query->found[next], holder);
	}
}

/* What is at a path asked about, for JSON's "file"; NULL for an abstract name. */
static const char *unix_file_kind(const struct unix_target *target)
{
	if (!target->name[0])
		return NULL;
	if (target->file_error == ENOENT || target->file_error == ENOTDIR)
		return "absent";
	if (target->file_error)
		return "unreadable";
	switch (target->file_mode & S_IFMT) {
	case S_IFSOCK:
		return "socket";
	case S_IFREG:
		return "regular_file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	case S_IFIFO:
		return "fifo";
	case S_IFCHR:
		return "character_device";
	case S_IFBLK:
		return "block_device";
	}
	return "other";
}

/*
 * Nothing bound to a Unix-domain name: the diagnosis an EADDRINUSE there
 * would get (a stale socket file, not a socket), else what is at the path.
 */
static void print_unix_free(struct who_query *query, const char *name)
{
	const struct bind_report *asked = query->unix_asked;
	const struct diagnosis *diagnosis = &asked->diagnosis;
	const char *file = unix_file_kind(&asked->unix_target);
	const char *where =
		query->opts->all_netns ? "in any network namespace" : "in this network namespace";

	if (query->opts->json) {
		json_render_who_unix_free(++query->records, query->now_ns, asked, file,
					  &query->line);
		fwrite(query->line.data, 1, query->line.len, query->out);
		strbuf_reset(&query->line);
		return;
	}
	if (diagnosis->cause == CAUSE_STALE_SOCKET_FILE || diagnosis->cause == CAUSE_NOT_A_SOCKET) {
		strbuf_appendf(&query->line, WHO_ROW_FORMAT, "-", "unix",
			       diagnosis->cause == CAUSE_STALE_SOCKET_FILE ? "stale" : "not-socket",
			       name, "-", "");
		/* The row ends in its format's '\n': the words go before it. */
		strbuf_truncate(&query->line, query->line.len - 1);
		append_sanitized(&query->line, diagnosis->summary, sizeof(diagnosis->summary));
		if (diagnosis->cause == CAUSE_STALE_SOCKET_FILE)
			strbuf_appendf(&query->line, " (none %s)", where);
		strbuf_append_literal(&query->line, "; fix: ");
		append_sanitized(&query->line, diagnosis->fix, sizeof(diagnosis->fix));
		strbuf_append_literal(&query->line, "\n");
	} else if (file && !strcmp(file, "absent")) {
		strbuf_appendf(&query->line, WHO_ROW_FORMAT, "-", "unix", "absent", name, "-",
			       "no file at this path: nothing holds it");
	} else if (file && !strcmp(file, "socket")) {
		strbuf_appendf(&query->line, WHO_ROW_FORMAT, "-", "unix", "unknown", name, "-",
			       "a socket file, but the Unix sockets could not be listed: who holds "
			       "it is unknown");
	} else if (file) {
		strbuf_appendf(&query->line, WHO_ROW_FORMAT, "-", "unix", "unknown", name, "-",
			       "the path could not be looked at: who holds it is unknown");
	} else {
		strbuf_appendf(&query->line, WHO_ROW_FORMAT, "-", "unix", "free", name, "-",
			       query->opts->all_netns ?
				       "nothing holds this name in any network namespace" :
				       "nothing holds this name in this network namespace");
	}
	put_line(query);
}

static void print_unix_held(struct who_query *query, const char *name, __u64 netns)
{
	struct bind_report *asked = query->unix_asked;

	for (__u32 i = 0; i < asked->holder_count; i++) {
		struct holder_report *holder = &asked->holders[i];

		for (__u32 j = 0; j < holder->process_count && j < REPORT_MAX_PROCESSES; j++) {
			enricher_process(query->enricher, &holder->processes[j], holder);
			lineage_lookup(query, &holder->processes[j], &query->lineages[j]);
		}
		if (query->opts->json) {
			json_render_who_unix_held(++query->records, query->now_ns, asked, netns,
						  holder, query->lineages, &query->line);
			fwrite(query->line.data, 1, query->line.len, query->out);
			strbuf_reset(&query->line);
		} else {
			print_held_row(query, "-", "unix", name, netns, holder, query->lineages, 0);
		}
	}
}

/*
 * A Unix-domain name: the file at its path as bindsnoop sees it, then the
 * sockets bound to it (a path: to that very file) namespace by namespace.
 * None: why a bind there would fail, from the diagnosis an event would get.
 */
static void print_unix_name(struct who_query *query, const struct path_pattern *pattern)
{
	struct bind_report *asked = query->unix_asked;
	struct bs_event ev = { .family = BS_AF_UNIX, .pid = getpid(), .ret = -EADDRINUSE };
	char name[FORMAT_UNIX_NAME_MAX];
	bool searched = true, held = false;

	memset(asked, 0, sizeof(*asked));
	memcpy(ev.unix_addr.path, pattern->name, pattern->len);
	ev.unix_addr.path_len = pattern->len;
	unix_target_read(&ev, &asked->unix_target, true);
	format_unix_name(asked->unix_target.name, asked->unix_target.name_len, name, sizeof(name));
	for (size_t i = 0; i < query->namespaces.count; i++) {
		const struct netns_ref *ns = &query->namespaces.refs[i];

		holder_lookup_unix(query->lookup, ns->ino, ns->pid, asked);
		searched = searched && asked->holders_searched;
		if (!asked->holder_count)
			continue;
		held = true;
		print_unix_held(query, name, ns->ino);
	}
	if (held) {
		query->held++;
		return;
	}
	asked->family = BS_AF_UNIX;
	asked->error = EADDRINUSE;
	asked->ts_realtime_ns = query->now_ns;
	asked->holders_searched = searched;
	diagnose(asked, NULL, &asked->diagnosis);
	/* Only the causes a file explains: "EADDRINUSE, unknown why" asked nobody. */
	if (asked->diagnosis.cause != CAUSE_STALE_SOCKET_FILE &&
	    asked->diagnosis.cause != CAUSE_NOT_A_SOCKET)
		memset(&asked->diagnosis, 0, sizeof(asked->diagnosis));
	print_unix_free(query, name);
}

static unsigned int terminal_width(FILE *out)
{
	struct winsize size;

	if (isatty(fileno(out)) != 1 || ioctl(fileno(out), TIOCGWINSZ, &size) < 0)
		return 0;
	return size.ws_col;
}

int who_run(const struct options *opts, FILE *out, FILE *err)
{
	struct who_query *query = calloc(1, sizeof(*query));
	struct holder_report *holder = calloc(1, sizeof(*holder));
	int status = 1;

	if (query)
		query->unix_asked = calloc(1, sizeof(*query->unix_asked));
	if (!query || !holder || !query->unix_asked) {
		fprintf(err, "bindsnoop: out of memory for --who\n");
		free(holder);
		if (query)
			free(query->unix_asked);
		free(query);
		return 1;
	}
	query->opts = opts;
	query->out = out;
	query->procs = procinfo_cache_new();
	query->lookup = query->procs ? holder_lookup_new(query->procs, true) : NULL;
	query->enricher = enricher_new(true);
	if (!query->lookup || !query->enricher) {
		fprintf(err, "bindsnoop: out of memory for --who\n");
		goto out;
	}
	query->now_ns = realtime_ns();
	query->width = opts->json ? 0 : terminal_width(out);
	holder_lookup_scan_processes(query->lookup);
	if (find_namespaces(query) || collect_sockets(query)) {
		fprintf(err, "bindsnoop: out of memory for --who (%zu namespaces, %zu sockets)\n",
			query->namespaces.count, query->found_count);
		goto out;
	}
	if (!opts->json) {
		strbuf_appendf(&query->line, WHO_ROW_FORMAT, "PORT", "PROTO", "STATE", "ADDRESS",
			       "NETNS", "HOLDER");
		put_line(query);
	}
	print_ports(query, holder);
	for (__u32 i = 0; i < opts->who_names.count; i++)
		print_unix_name(query, &opts->who_names.patterns[i]);
	status = query->held ? 0 : 1;
	if (fflush(out) && errno != EPIPE) {
		fprintf(err, "bindsnoop: writing the answer failed: %s\n", strerror(errno));
		status = 1;
	}
out:
	strbuf_release(&query->line);
	enricher_free(query->enricher);
	holder_lookup_free(query->lookup);
	procinfo_cache_free(query->procs);
	netns_list_free(&query->namespaces);
	free(query->found);
	free(query->unix_asked);
	free(query);
	free(holder);
	return status;
}
