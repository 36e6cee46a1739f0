// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "report.h"
#include "format.h"
#include "output/json_event.h"
#include "enrich/process_lineage.h"
#include "shared_facts.h"

/*
 * Appends that remember the first failure, so rendering reads as a list of
 * fields and the error is checked once at the end.
 */
struct json_writer {
	struct strbuf *out;
	int err;
};

/*
 * Room for n more bytes at the end of out, or NULL after a failure. The
 * common case is one comparison: no function call per field.
 */
static inline char *room(struct json_writer *writer, size_t n)
{
	struct strbuf *out = writer->out;

	if (writer->err)
		return NULL;
	if (out->cap - out->len <= n) {
		writer->err = strbuf_reserve(out, n);
		if (writer->err)
			return NULL;
	}
	return out->data + out->len;
}

static inline void put_bytes(struct json_writer *writer, const char *bytes, size_t len)
{
	char *at = room(writer, len);

	if (!at)
		return;
	memcpy(at, bytes, len);
	writer->out->len += len;
}

#define put_literal(writer, literal) put_bytes((writer), "" literal, sizeof(literal) - 1)

static inline void put_u64(struct json_writer *writer, __u64 value)
{
	char digits[20];
	size_t start = sizeof(digits);

	do {
		digits[--start] = '0' + value % 10;
		value /= 10;
	} while (value);
	put_bytes(writer, digits + start, sizeof(digits) - start);
}

static inline void put_bool(struct json_writer *writer, bool value)
{
	if (value)
		put_literal(writer, "true");
	else
		put_literal(writer, "false");
}

/* Text of our own making (names, numbers, addresses): nothing to escape. */
static inline void put_plain_string(struct json_writer *writer, const char *text)
{
	put_literal(writer, "\"");
	put_bytes(writer, text, strlen(text));
	put_literal(writer, "\"");
}

/* Bytes a process chose (comm, command line, cgroup): escaped. */
static inline void put_string(struct json_writer *writer, const char *text, size_t max_len)
{
	if (!writer->err)
		writer->err = strbuf_append_json_string(writer->out, text, strnlen(text, max_len));
}

/*
 * A process's name or command line as "key":"text", and when its bytes are
 * not UTF-8 (the string then shows U+FFFD for them) also "key_raw" with the
 * exact bytes in base64, so nothing is lost and no byte reads as Latin-1.
 */
static void put_process_text(struct json_writer *writer, const char *key, const char *text,
			     size_t max_len)
{
	size_t len = strnlen(text, max_len);

	put_literal(writer, ",\"");
	put_bytes(writer, key, strlen(key));
	put_literal(writer, "\":");
	put_string(writer, text, len);
	if (utf8_valid(text, len))
		return;
	put_literal(writer, ",\"");
	put_bytes(writer, key, strlen(key));
	put_literal(writer, "_raw\":");
	if (!writer->err)
		writer->err = strbuf_append_base64_string(writer->out, text, len);
}

static void put_ts(struct json_writer *writer, __u64 ts_realtime_ns)
{
	char text[FORMAT_RFC3339_MAX];

	if (format_rfc3339_us(ts_realtime_ns, text, sizeof(text)) < 0)
		text[0] = '\0';
	put_plain_string(writer, text);
}

/* Every record begins the same way: {"v":2,"seq":N,"ts":"...","event":"..." */
static void put_head(struct json_writer *writer, __u64 seq, __u64 ts_realtime_ns,
		     const char *event)
{
	put_literal(writer, "{\"v\":" BS_SCHEMA_VERSION_TEXT ",\"seq\":");
	put_u64(writer, seq);
	put_literal(writer, ",\"ts\":");
	put_ts(writer, ts_realtime_ns);
	put_literal(writer, ",\"event\":");
	put_plain_string(writer, event);
}

static void put_addr(struct json_writer *writer, __u16 family, const __u8 *addr)
{
	char text[FORMAT_ADDR_MAX];

	if (format_addr(family, addr, text, sizeof(text)) < 0)
		text[0] = '\0';
	put_plain_string(writer, text);
}

/* An AF_UNIX name as text (format_unix_name), escaped for JSON. */
static void put_unix_name(struct json_writer *writer, const struct unix_target *target)
{
	char name[FORMAT_UNIX_NAME_MAX];

	format_unix_name(target->name, target->name_len, name, sizeof(name));
	put_string(writer, name, sizeof(name));
}

/*
 * An AF_UNIX event's address in the v2 fields: proto "unix_<type>" (ss's
 * u_str, u_dgr, u_seq), family "unix", addr the escaped name ("@..." for an
 * abstract one), port 0.
 */
static void put_unix_asked(struct json_writer *writer, const struct bind_report *report,
			   __u8 sock_type)
{
	char proto[32];

	snprintf(proto, sizeof(proto), "unix_%s", unix_type_name(sock_type));
	put_literal(writer, ",\"proto\":");
	put_plain_string(writer, proto);
	put_literal(writer, ",\"family\":\"unix\",\"addr\":");
	put_unix_name(writer, &report->unix_target);
}

static void put_proto(struct json_writer *writer, __u16 protocol)
{
	char buf[FORMAT_PROTO_MAX];

	put_plain_string(writer, proto_name(protocol, buf, sizeof(buf)));
}

static void put_error(struct json_writer *writer, int error)
{
	const char *name = errno_name(error);

	if (!error) {
		put_literal(writer, "null");
	} else if (name) {
		put_plain_string(writer, name);
	} else {
		put_literal(writer, "\"E");
		put_u64(writer, (unsigned int)error);
		put_literal(writer, "\"");
	}
}

static const char *via_name(__u8 kind)
{
	switch (kind) {
	case BS_KIND_BIND:
		return "bind";
	case BS_KIND_LISTEN:
		return "listen";
	case BS_KIND_AUTOBIND:
		return "autobind";
	}
	return "unknown";
}

static const char *hook_name(__u8 hook)
{
	switch (hook) {
	case BS_HOOK_SYSCALL:
		return "syscall";
	case BS_HOOK_INET:
		return "inet";
	case BS_HOOK_GET_PORT:
		return "get_port";
	case BS_HOOK_AUTOBIND:
		return "autobind";
	case BS_HOOK_UNIX:
		return "unix_bind";
	}
	return "unknown";
}

static const char *source_name(__u8 source)
{
	switch (source) {
	case HOLDER_SOURCE_KERNEL:
		return "kernel";
	case HOLDER_SOURCE_SOCK_DIAG:
		return "sock_diag";
	case HOLDER_SOURCE_PROC_NET:
		return "proc_net";
	}
	return "unknown";
}

/* "" as null: the identity fields are unknown rather than empty. */
static void put_string_or_null(struct json_writer *writer, const char *text, size_t max_len)
{
	if (text[0])
		put_string(writer, text, max_len);
	else
		put_literal(writer, "null");
}

static void put_container(struct json_writer *writer, const struct container_ref *container)
{
	if (!container->id[0]) {
		put_literal(writer, "null");
		return;
	}
	put_literal(writer, "{\"id\":");
	put_string(writer, container->id, sizeof(container->id));
	put_literal(writer, ",\"engine\":");
	put_string_or_null(writer, container->engine, sizeof(container->engine));
	put_literal(writer, ",\"name\":");
	put_string_or_null(writer, container->name, sizeof(container->name));
	put_literal(writer, ",\"image\":");
	put_string_or_null(writer, container->image, sizeof(container->image));
	put_literal(writer, ",\"pod\":");
	if (container->pod_uid[0] || container->pod_name[0]) {
		put_literal(writer, "{\"namespace\":");
		put_string_or_null(writer, container->pod_namespace,
				   sizeof(container->pod_namespace));
		put_literal(writer, ",\"name\":");
		put_string_or_null(writer, container->pod_name, sizeof(container->pod_name));
		put_literal(writer, ",\"uid\":");
		put_string_or_null(writer, container->pod_uid, sizeof(container->pod_uid));
		put_literal(writer, ",\"container\":");
		put_string_or_null(writer, container->container_name,
				   sizeof(container->container_name));
		put_literal(writer, "}");
	} else {
		put_literal(writer, "null");
	}
	put_literal(writer, "}");
}

/* exe, start_time, service, container: the v2 additions to caller and processes. */
static void put_identity(struct json_writer *writer, const struct process_identity *identity)
{
	put_literal(writer, ",\"exe\":");
	put_string_or_null(writer, identity->exe, sizeof(identity->exe));
	put_literal(writer, ",\"start_time\":");
	if (identity->start_realtime_ns)
		put_ts(writer, identity->start_realtime_ns);
	else
		put_literal(writer, "null");
	put_literal(writer, ",\"service\":");
	put_string_or_null(writer, identity->service, sizeof(identity->service));
	put_literal(writer, ",\"container\":");
	put_container(writer, &identity->container);
}

static void put_diagnosis(struct json_writer *writer, const struct diagnosis *diagnosis)
{
	const char *cause = diagnosis_cause_name(diagnosis->cause);
	const struct repeat_info *repeat = &diagnosis->repeat;

	if (!cause) {
		put_literal(writer, "null");
		return;
	}
	put_literal(writer, "{\"cause\":");
	put_plain_string(writer, cause);
	put_literal(writer, ",\"summary\":");
	put_string(writer, diagnosis->summary, sizeof(diagnosis->summary));
	put_literal(writer, ",\"fix\":");
	put_string_or_null(writer, diagnosis->fix, sizeof(diagnosis->fix));
	put_literal(writer, ",\"repeat\":");
	if (repeat->count) {
		put_literal(writer, "{\"count\":");
		put_u64(writer, repeat->count);
		put_literal(writer, ",\"window_s\":");
		put_u64(writer, repeat->window_s);
		put_literal(writer, ",\"of\":");
		put_string(writer, repeat->who, sizeof(repeat->who));
		put_literal(writer, "}");
	} else {
		put_literal(writer, "null");
	}
	put_literal(writer, "}");
}

/* [{"pid":1,"comm":"systemd"},...]: the parent first; null when not read. */
static void put_parents(struct json_writer *writer, const struct parent_ref *parents, __u32 count)
{
	if (!count) {
		put_literal(writer, "null");
		return;
	}
	put_literal(writer, "[");
	for (__u32 i = 0; i < count; i++) {
		if (i)
			put_literal(writer, ",");
		put_literal(writer, "{\"pid\":");
		put_u64(writer, parents[i].pid);
		put_process_text(writer, "comm", parents[i].comm, sizeof(parents[i].comm));
		put_literal(writer, "}");
	}
	put_literal(writer, "]");
}

/* key is a literal: ",\"name\":". */
#define put_option(writer, key, set)                                                         \
	do {                                                                                 \
		put_literal(writer, key);                                                    \
		put_bool(writer, set);                                                       \
	} while (0)

/* The caller's socket options at the failure; null when the kernel did not read them. */
static void put_caller_socket(struct json_writer *writer,
			      const struct caller_socket_options *options, bool v6only)
{
	if (!options->known) {
		put_literal(writer, "null");
		return;
	}
	put_option(writer, "{\"reuseaddr\":", options->flags & BS_SOCK_REUSEADDR);
	put_option(writer, ",\"reuseport\":", options->flags & BS_SOCK_REUSEPORT);
	put_option(writer, ",\"v6only\":", v6only);
	put_option(writer, ",\"freebind\":", options->flags & BS_SOCK_FREEBIND);
	put_option(writer, ",\"transparent\":", options->flags & BS_SOCK_TRANSPARENT);
	put_option(writer, ",\"bind_address_no_port\":",
		   options->flags & BS_SOCK_BIND_ADDRESS_NO_PORT);
	put_literal(writer, ",\"device\":");
	if (options->device[0])
		put_string(writer, options->device, sizeof(options->device));
	else
		put_literal(writer, "null");
	put_literal(writer, "}");
}

/* The caller object after its tid: ,"ppid":...} */
static void put_caller_after_tid(struct json_writer *writer, const struct caller_report *caller,
				 bool v6only)
{
	put_literal(writer, ",\"ppid\":");
	put_u64(writer, caller->ppid);
	put_literal(writer, ",\"uid\":");
	put_u64(writer, caller->uid);
	put_process_text(writer, "comm", caller->comm, sizeof(caller->comm));
	if (caller->cmdline_known)
		put_process_text(writer, "cmdline", caller->cmdline, sizeof(caller->cmdline));
	else
		put_literal(writer, ",\"cmdline\":null");
	put_literal(writer, ",\"cgroup\":");
	if (caller->cgroup[0])
		put_string(writer, caller->cgroup, sizeof(caller->cgroup));
	else
		put_literal(writer, "null");
	put_literal(writer, ",\"netns\":");
	put_u64(writer, caller->netns);
	put_identity(writer, &caller->identity);
	put_literal(writer, ",\"source\":");
	put_plain_string(writer, caller->identity_from_kernel ? "kernel" : "proc");
	put_literal(writer, ",\"parents\":");
	put_parents(writer, caller->parents,
		    caller->parent_count < BS_PARENT_DEPTH ? caller->parent_count :
							     BS_PARENT_DEPTH);
	put_literal(writer, ",\"socket\":");
	put_caller_socket(writer, &caller->socket_options, v6only);
	put_literal(writer, "}");
}

void json_memo_init(struct json_memo *memo)
{
	memset(memo, 0, sizeof(*memo));
	strbuf_init(&memo->after_tid);
}

void json_memo_release(struct json_memo *memo)
{
	strbuf_release(&memo->after_tid);
	memo->valid = false;
}

/* a and b byte for byte, but for their tids. */
static bool same_caller_but_tid(const struct caller_report *a, const struct caller_report *b)
{
	const size_t tid_end = offsetof(struct caller_report, tid) + sizeof(a->tid);

	return !memcmp(a, b, offsetof(struct caller_report, tid)) &&
	       !memcmp((const char *)a + tid_end, (const char *)b + tid_end, sizeof(*a) - tid_end);
}

/* memo NULL: no memo. */
static void put_caller(struct json_writer *writer, const struct caller_report *caller,
		       bool v6only, struct json_memo *memo)
{
	size_t start;

	put_literal(writer, "{\"pid\":");
	put_u64(writer, caller->pid);
	put_literal(writer, ",\"tid\":");
	put_u64(writer, caller->tid);
	if (memo && memo->valid && memo->v6only == v6only &&
	    same_caller_but_tid(&memo->caller, caller)) {
		put_bytes(writer, memo->after_tid.data, memo->after_tid.len);
		return;
	}
	start = writer->out->len;
	put_caller_after_tid(writer, caller, v6only);
	if (!memo)
		return;
	memo->valid = false;
	strbuf_reset(&memo->after_tid);
	if (writer->err ||
	    strbuf_append(&memo->after_tid, writer->out->data + start, writer->out->len - start))
		return;
	memcpy(&memo->caller, caller, sizeof(*caller));
	memo->v6only = v6only;
	memo->valid = true;
}

/* lineage: --who's, NULL in events (their holders' parents are not read). */
static void put_process(struct json_writer *writer, const struct process_ref *process,
			const struct process_lineage *lineage)
{
	put_literal(writer, "{\"pid\":");
	put_u64(writer, process->pid);
	put_process_text(writer, "comm", process->comm, sizeof(process->comm));
	if (process->cmdline_known)
		put_process_text(writer, "cmdline", process->cmdline, sizeof(process->cmdline));
	else
		put_literal(writer, ",\"cmdline\":null");
	put_identity(writer, &process->identity);
	if (lineage) {
		const char *origin = process_origin_name(lineage->origin);

		put_literal(writer, ",\"parents\":");
		put_parents(writer, lineage->parents,
			    lineage->parent_count < LINEAGE_MAX_PARENTS ? lineage->parent_count :
									  LINEAGE_MAX_PARENTS);
		put_literal(writer, ",\"started_by\":");
		if (origin)
			put_plain_string(writer, origin);
		else
			put_literal(writer, "null");
	}
	put_literal(writer, "}");
}

/*
 * An AF_UNIX holder holds the name the caller asked for: addr is that name.
 * report: the event's, NULL for --who; lineages: --who's, NULL in events.
 */
static void put_holder(struct json_writer *writer, const struct bind_report *report,
		       const struct holder_report *holder, const struct process_lineage *lineages)
{
	__u32 process_count = holder->process_count;

	if (process_count > REPORT_MAX_PROCESSES)
		process_count = REPORT_MAX_PROCESSES;
	put_literal(writer, "{\"state\":");
	put_plain_string(writer, socket_state_name(holder->protocol, holder->state));
	if (holder->family == BS_AF_UNIX && report) {
		put_unix_asked(writer, report, holder->protocol);
	} else {
		put_literal(writer, ",\"proto\":");
		put_proto(writer, holder->protocol);
		put_literal(writer, ",\"family\":");
		put_plain_string(writer, family_name(holder->family));
		put_literal(writer, ",\"addr\":");
		put_addr(writer, holder->family, holder->addr);
	}
	put_literal(writer, ",\"port\":");
	put_u64(writer, holder->port);
	put_literal(writer, ",\"uid\":");
	if (holder->uid == BS_UID_UNKNOWN)
		put_literal(writer, "null");
	else
		put_u64(writer, holder->uid);
	put_literal(writer, ",\"inode\":");
	if (holder->inode)
		put_u64(writer, holder->inode);
	else
		put_literal(writer, "null");
	put_literal(writer, ",\"reuseaddr\":");
	put_bool(writer, holder->flags & BS_HOLDER_REUSEADDR);
	put_literal(writer, ",\"reuseport\":");
	put_bool(writer, holder->flags & BS_HOLDER_REUSEPORT);
	put_literal(writer, ",\"v6only\":");
	put_bool(writer, holder->flags & BS_HOLDER_V6ONLY);
	put_literal(writer, ",\"source\":");
	put_plain_string(writer, source_name(holder->source));
	put_literal(writer, ",\"processes\":[");
	for (__u32 i = 0; i < process_count; i++) {
		if (i)
			put_literal(writer, ",");
		put_process(writer, &holder->processes[i], lineages ? &lineages[i] : NULL);
	}
	put_literal(writer, "]}");
}

/* Either the whole line is in out, or none of it. */
static int finish_line(struct json_writer *writer, size_t start)
{
	put_literal(writer, "}\n");
	if (writer->err) {
		strbuf_truncate(writer->out, start);
		return writer->err;
	}
	/* room() always leaves a byte spare for this. */
	writer->out->data[writer->out->len] = '\0';
	return 0;
}

int json_render_report(const struct bind_report *report, struct strbuf *out)
{
	return json_render_report_memo(report, NULL, out);
}

int json_render_report_memo(const struct bind_report *report, struct json_memo *memo,
			    struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	__u32 holder_count = report->holder_count;
	size_t start = out->len;

	if (holder_count > REPORT_MAX_HOLDERS)
		holder_count = REPORT_MAX_HOLDERS;
	/* One growth up front covers a typical line; put_* still check. */
	writer.err = strbuf_reserve(out, 1024);
	put_head(&writer, report->seq, report->ts_realtime_ns, report_event_name(report));
	put_literal(&writer, ",\"error\":");
	put_error(&writer, report->error);
	put_literal(&writer, ",\"errno\":");
	put_u64(&writer, report->error > 0 ? report->error : 0);
	if (report->family == BS_AF_UNIX) {
		put_unix_asked(&writer, report, report->unix_target.sock_type);
	} else {
		put_literal(&writer, ",\"proto\":");
		put_proto(&writer, report->protocol);
		put_literal(&writer, ",\"family\":");
		put_plain_string(&writer, family_name(report->family));
		put_literal(&writer, ",\"addr\":");
		put_addr(&writer, report->family, report->addr);
	}
	put_literal(&writer, ",\"port\":");
	put_u64(&writer, report->port);
	put_literal(&writer, ",\"count\":");
	put_u64(&writer, report->count);
	if (report->folded)
		put_literal(&writer, ",\"folded\":true");
	put_literal(&writer, ",\"via\":");
	put_plain_string(&writer, via_name(report->kind));
	put_literal(&writer, ",\"hook\":");
	put_plain_string(&writer, hook_name(report->hook));
	put_literal(&writer, ",\"caller\":");
	put_caller(&writer, &report->caller, report->caller_v6only, memo);
	put_literal(&writer, ",\"holders_searched\":");
	put_bool(&writer, report->holders_searched);
	put_literal(&writer, ",\"holders\":[");
	for (__u32 i = 0; i < holder_count; i++) {
		if (i)
			put_literal(&writer, ",");
		put_holder(&writer, report, &report->holders[i], NULL);
	}
	put_literal(&writer, "],\"holders_not_named\":");
	put_u64(&writer, report->holders_not_named);
	put_literal(&writer, ",\"diagnosis\":");
	put_diagnosis(&writer, &report->diagnosis);
	return finish_line(&writer, start);
}

int json_render_lost(__u64 seq, __u64 ts_realtime_ns, __u64 count, struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	size_t start = out->len;

	put_head(&writer, seq, ts_realtime_ns, "lost");
	put_literal(&writer, ",\"count\":");
	put_u64(&writer, count);
	return finish_line(&writer, start);
}

int json_render_dropped(__u64 seq, __u64 ts_realtime_ns, __u64 count, struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	size_t start = out->len;

	put_head(&writer, seq, ts_realtime_ns, "dropped");
	put_literal(&writer, ",\"count\":");
	put_u64(&writer, count);
	return finish_line(&writer, start);
}

/* The filters as "80", "3000-3100": one string per run of set bits. */
static void put_port_ranges(struct json_writer *writer, const struct options *opts)
{
	bool first = true;

	put_literal(writer, "[");
	for (unsigned int port = 0; port < 65536; port++) {
		unsigned int low = port;

		if (!bs_bit_test(opts->filters.port_bitmap, port))
			continue;
		while (port + 1 < 65536 &&
		       bs_bit_test(opts->filters.port_bitmap, port + 1))
			port++;
		if (!first)
			put_literal(writer, ",");
		first = false;
		put_literal(writer, "\"");
		put_u64(writer, low);
		if (port != low) {
			put_literal(writer, "-");
			put_u64(writer, port);
		}
		put_literal(writer, "\"");
	}
	put_literal(writer, "]");
}

static void put_u32_list(struct json_writer *writer, const __u32 *values, __u32 count)
{
	if (!count) {
		put_literal(writer, "null");
		return;
	}
	put_literal(writer, "[");
	for (__u32 i = 0; i < count; i++) {
		if (i)
			put_literal(writer, ",");
		put_u64(writer, values[i]);
	}
	put_literal(writer, "]");
}

static void put_errno_list(struct json_writer *writer, const struct options *opts)
{
	bool first = true;

	put_literal(writer, "[");
	for (int error = 1; error < BS_ERRNO_LIMIT; error++) {
		if (!(opts->filters.errno_bitmap[error / 64] & (1ULL << (error % 64))))
			continue;
		if (!first)
			put_literal(writer, ",");
		first = false;
		put_error(writer, error);
	}
	put_literal(writer, "]");
}

/*
 * --path's patterns as given: "/run/app.sock", "@app", "/run/php/" and "*" (a
 * prefix); a name whose own last byte is "*" ends in \x2a instead.
 */
static void put_path_patterns(struct json_writer *writer, const struct path_filter *paths)
{
	char name[FORMAT_UNIX_NAME_MAX + 4];

	put_literal(writer, "[");
	for (__u32 i = 0; i < paths->count; i++) {
		const struct path_pattern *pattern = &paths->patterns[i];
		bool star = !pattern->prefix && pattern->len > 1 &&
			    pattern->name[pattern->len - 1] == '*';
		int len = format_unix_name(pattern->name, pattern->len - star, name,
					   FORMAT_UNIX_NAME_MAX);

		if (len < 0)
			len = 0;
		strcpy(name + len, pattern->prefix ? "*" : star ? "\\x2a" : "");
		if (i)
			put_literal(writer, ",");
		put_string(writer, name, sizeof(name));
	}
	put_literal(writer, "]");
}

/* null for a filter not given: everything passes it. */
static void put_filters(struct json_writer *writer, const struct options *opts)
{
	put_literal(writer, "{\"all\":");
	put_bool(writer, opts->all);
	put_literal(writer, ",\"ports\":");
	if (opts->filters.filter_ports)
		put_port_ranges(writer, opts);
	else
		put_literal(writer, "null");
	put_literal(writer, ",\"pids\":");
	put_u32_list(writer, opts->filters.pids, opts->filters.pid_count);
	put_literal(writer, ",\"uids\":");
	put_u32_list(writer, opts->filters.uids, opts->filters.uid_count);
	put_literal(writer, ",\"comms\":");
	if (opts->filters.comm_count) {
		put_literal(writer, "[");
		for (__u32 i = 0; i < opts->filters.comm_count; i++) {
			if (i)
				put_literal(writer, ",");
			put_string(writer, opts->filters.comms[i], sizeof(opts->filters.comms[i]));
		}
		put_literal(writer, "]");
	} else {
		put_literal(writer, "null");
	}
	put_literal(writer, ",\"errnos\":");
	if (opts->filters.filter_errnos)
		put_errno_list(writer, opts);
	else
		put_literal(writer, "null");
	put_literal(writer, ",\"paths\":");
	if (opts->paths.count)
		put_path_patterns(writer, &opts->paths);
	else
		put_literal(writer, "null");
	put_literal(writer, "}");
}

/* The fields start and stop share, in order: v, seq, ts, event, host, pid, backend. */
static void put_session_head(struct json_writer *writer, const struct session_info *info,
			     const char *event)
{
	put_head(writer, info->seq, info->ts_realtime_ns, event);
	put_literal(writer, ",\"host\":");
	put_string(writer, info->host, sizeof(info->host));
	put_literal(writer, ",\"pid\":");
	put_u64(writer, info->pid);
	put_literal(writer, ",\"backend\":");
	put_plain_string(writer, info->backend);
}

int json_render_start(const struct session_info *info, struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	size_t start = out->len;

	put_session_head(&writer, info, "start");
	put_literal(&writer, ",\"kernel\":");
	put_string(&writer, info->kernel, sizeof(info->kernel));
	put_literal(&writer, ",\"filters\":");
	put_filters(&writer, info->opts);
	put_literal(&writer, ",\"version\":");
	put_plain_string(&writer, info->version);
	put_literal(&writer, ",\"degraded\":");
	if (info->degraded && info->degraded[0])
		put_string(&writer, info->degraded, strlen(info->degraded) + 1);
	else
		put_literal(&writer, "null");
	return finish_line(&writer, start);
}

int json_render_stop(const struct session_info *info, __u64 dropped, struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	size_t start = out->len;

	put_session_head(&writer, info, "stop");
	put_literal(&writer, ",\"received\":");
	put_u64(&writer, info->received);
	put_literal(&writer, ",\"lost\":");
	put_u64(&writer, info->lost);
	put_literal(&writer, ",\"repeats\":");
	put_u64(&writer, info->repeats);
	put_literal(&writer, ",\"dropped\":");
	put_u64(&writer, dropped);
	return finish_line(&writer, start);
}

int json_render_who_held(__u64 seq, __u64 ts_realtime_ns, __u16 port, __u64 netns,
			 const struct holder_report *holder, const struct process_lineage *lineages,
			 __u32 time_wait_left_ms, struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	size_t start = out->len;

	put_head(&writer, seq, ts_realtime_ns, "held");
	put_literal(&writer, ",\"port\":");
	put_u64(&writer, port);
	put_literal(&writer, ",\"netns\":");
	put_u64(&writer, netns);
	put_literal(&writer, ",\"holder\":");
	put_holder(&writer, NULL, holder, lineages);
	put_literal(&writer, ",\"time_wait_left_ms\":");
	if (time_wait_left_ms)
		put_u64(&writer, time_wait_left_ms);
	else
		put_literal(&writer, "null");
	return finish_line(&writer, start);
}

int json_render_who_free(__u64 seq, __u64 ts_realtime_ns, __u16 port, struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	size_t start = out->len;

	put_head(&writer, seq, ts_realtime_ns, "free");
	put_literal(&writer, ",\"port\":");
	put_u64(&writer, port);
	return finish_line(&writer, start);
}

int json_render_who_unix_held(__u64 seq, __u64 ts_realtime_ns, const struct bind_report *asked,
			      __u64 netns, const struct holder_report *holder,
			      const struct process_lineage *lineages, struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	size_t start = out->len;

	put_head(&writer, seq, ts_realtime_ns, "held");
	put_literal(&writer, ",\"path\":");
	put_unix_name(&writer, &asked->unix_target);
	put_literal(&writer, ",\"netns\":");
	put_u64(&writer, netns);
	put_literal(&writer, ",\"holder\":");
	put_holder(&writer, asked, holder, lineages);
	put_literal(&writer, ",\"time_wait_left_ms\":null");
	return finish_line(&writer, start);
}

int json_render_who_unix_free(__u64 seq, __u64 ts_realtime_ns, const struct bind_report *asked,
			      const char *file, struct strbuf *out)
{
	struct json_writer writer = { .out = out };
	size_t start = out->len;

	put_head(&writer, seq, ts_realtime_ns, "free");
	put_literal(&writer, ",\"path\":");
	put_unix_name(&writer, &asked->unix_target);
	put_literal(&writer, ",\"file\":");
	if (file)
		put_plain_string(&writer, file);
	else
		put_literal(&writer, "null");
	put_literal(&writer, ",\"diagnosis\":");
	put_diagnosis(&writer, &asked->diagnosis);
	return finish_line(&writer, start);
}

__u64 json_record_seq(const char *record, size_t len)
{
	static const char key[] = "{\"v\":" BS_SCHEMA_VERSION_TEXT ",\"seq\":";
	const char *found = memmem(record, len, key, sizeof(key) - 1);
	__u64 seq = 0;

	if (!found)
		return 0;
	for (const char *digit = found + sizeof(key) - 1; digit < record + len; digit++) {
		if (*digit < '0' || *digit > '9')
			break;
		seq = seq * 10 + (__u64)(*digit - '0');
	}
	return seq;
}
