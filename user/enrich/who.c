// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "clock.h"
#include "enrich.h"
#include "format.h"
#include "holder_lookup.h"
#include "json_event.h"
#include "procinfo.h"
#include "strbuf.h"
#include "who.h"

#define WHO_MAX_NAMESPACES 1024
#define WHO_ROW_FORMAT	   "%-6s %-5s %-11s %-25s %-11s %s\n"

struct namespace_ref {
	__u64 ino;
	__u32 pid; /* a process living there, to reach it through */
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
	struct namespace_ref namespaces[WHO_MAX_NAMESPACES];
	int namespace_count;
	int held;
};

static __u64 netns_of(const char *pid_dir)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid_dir);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static void add_namespace(struct who_query *query, __u64 ino, __u32 pid)
{
	for (int i = 0; i < query->namespace_count; i++) {
		if (query->namespaces[i].ino == ino)
			return;
	}
	if (query->namespace_count < WHO_MAX_NAMESPACES)
		query->namespaces[query->namespace_count++] = (struct namespace_ref){ ino, pid };
}

/* Ours first; with --all-netns every other one a process lives in. */
static void find_namespaces(struct who_query *query)
{
	struct dirent *entry;
	DIR *proc;

	add_namespace(query, netns_of("self"), getpid());
	if (!query->opts->all_netns)
		return;
	proc = opendir("/proc");
	if (!proc)
		return;
	while ((entry = readdir(proc))) {
		char *end;
		unsigned long pid = strtoul(entry->d_name, &end, 10);
		__u64 ino;

		if (*end || !pid)
			continue;
		ino = netns_of(entry->d_name);
		if (ino)
			add_namespace(query, ino, pid);
	}
	closedir(proc);
}

static void put_line(struct who_query *query)
{
	struct strbuf *line = &query->line;

	if (query->width && !strbuf_reserve(line, 4))
		line->len = format_fit_width(line->data, line->len, query->width);
	fwrite(line->data, 1, line->len, query->out);
	strbuf_reset(line);
}

/* Control bytes a process put in its name would rewrite the terminal. */
static void append_sanitized(struct strbuf *out, const char *text, size_t max)
{
	size_t len = strnlen(text, max);

	for (size_t i = 0; i < len; i++) {
		unsigned char byte = text[i];
		char safe = byte < 0x20 || byte == 0x7f ? '?' : byte;

		strbuf_append(out, &safe, 1);
	}
}

static void append_age(struct strbuf *out, __u64 since_ns, __u64 now_ns)
{
	char age[FORMAT_AGE_MAX];

	format_age((now_ns - since_ns) / 1000000000ULL, age);
	strbuf_append_str(out, age);
}

/* "nginx[1200,1201] (nginx.service, running for 2h10m)". */
static void describe_processes(struct strbuf *out, const struct holder_report *holder, __u64 now_ns)
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

static void print_held_row(struct who_query *query, __u16 port, __u64 netns,
			   const struct holder_report *holder, __u32 time_wait_left_ms)
{
	char port_text[8], endpoint[FORMAT_ENDPOINT_MAX], netns_text[24], proto[FORMAT_PROTO_MAX];
	struct strbuf who = STRBUF_INIT;

	snprintf(port_text, sizeof(port_text), "%u", port);
	snprintf(netns_text, sizeof(netns_text), "%llu", (unsigned long long)netns);
	if (format_endpoint(holder->family, holder->addr, holder->port, endpoint,
			    sizeof(endpoint)) < 0)
		snprintf(endpoint, sizeof(endpoint), "?:%u", holder->port);
	if (holder->process_count)
		describe_processes(&who, holder, query->now_ns);
	else if (time_wait_left_ms)
		strbuf_appendf(&who, "no process: a closed connection, freed in %u.%u s",
			       time_wait_left_ms / 1000, time_wait_left_ms % 1000 / 100);
	else if (holder->uid != BS_UID_UNKNOWN)
		strbuf_appendf(&who, "no process found (uid %u, inode %llu)", holder->uid,
			       (unsigned long long)holder->inode);
	else
		strbuf_append_literal(&who, "no process");
	strbuf_appendf(&query->line, WHO_ROW_FORMAT, port_text,
		       proto_name(holder->protocol, proto, sizeof(proto)),
		       socket_state_name(holder->protocol, holder->state), endpoint, netns_text,
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

/* Every socket on port in one namespace, both protocols; how many were found. */
static int query_namespace(struct who_query *query, __u16 port, const struct namespace_ref *ns)
{
	static const __u16 protocols[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct holder_report *holders = calloc(REPORT_MAX_HOLDERS, sizeof(*holders));
	__u32 time_wait_left_ms[REPORT_MAX_HOLDERS];
	int total = 0;

	if (!holders)
		return 0;
	for (size_t p = 0; p < sizeof(protocols) / sizeof(protocols[0]); p++) {
		int count = holder_lookup_port(query->lookup, ns->ino, ns->pid, protocols[p], port,
					       holders, time_wait_left_ms, REPORT_MAX_HOLDERS);

		for (int i = 0; i < count; i++) {
			for (__u32 j = 0; j < holders[i].process_count && j < REPORT_MAX_PROCESSES;
			     j++)
				enricher_process(query->enricher, &holders[i].processes[j],
						 &holders[i]);
			if (query->opts->json) {
				json_render_who_held(++query->records, query->now_ns, port, ns->ino, &holders[i],
						     time_wait_left_ms[i], &query->line);
				fwrite(query->line.data, 1, query->line.len, query->out);
				strbuf_reset(&query->line);
			} else {
				print_held_row(query, port, ns->ino, &holders[i],
					       time_wait_left_ms[i]);
			}
		}
		if (count > 0)
			total += count;
	}
	free(holders);
	return total;
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
	int status = 1;

	if (!query) {
		fprintf(err, "bindsnoop: out of memory for --who\n");
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
	find_namespaces(query);
	holder_lookup_scan_processes(query->lookup);
	if (!opts->json) {
		strbuf_appendf(&query->line, WHO_ROW_FORMAT, "PORT", "PROTO", "STATE", "ADDRESS",
			       "NETNS", "HOLDER");
		put_line(query);
	}
	for (unsigned int port = 1; port < 65536; port++) {
		int found = 0;

		if (!(opts->who_ports[port >> 3] & (1 << (port & 7))))
			continue;
		for (int i = 0; i < query->namespace_count; i++)
			found += query_namespace(query, port, &query->namespaces[i]);
		if (found) {
			query->held++;
		} else if (opts->json) {
			json_render_who_free(++query->records, query->now_ns, port, &query->line);
			fwrite(query->line.data, 1, query->line.len, out);
			strbuf_reset(&query->line);
		} else {
			print_free_row(query, port);
		}
	}
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
	free(query);
	return status;
}
