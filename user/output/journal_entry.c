// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include "report.h"
#include "format.h"
#include "output/json_event.h"
#include "output/journal_entry.h"
#include "output/output.h"
#include "text_sanitize.h"

static bool ends_with(const char *text, size_t len, const char *suffix)
{
	size_t suffix_len = strlen(suffix);

	return len >= suffix_len && !memcmp(text + len - suffix_len, suffix, suffix_len);
}

static bool is_unit(const char *component, size_t len)
{
	return (len > strlen(".service") && ends_with(component, len, ".service")) ||
	       (len > strlen(".scope") && ends_with(component, len, ".scope"));
}

static void copy_component(char out[JOURNAL_UNIT_MAX], const char *component, size_t len)
{
	if (len >= JOURNAL_UNIT_MAX)
		len = 0; /* a unit name that long is no unit systemd made */
	memcpy(out, component, len);
	out[len] = '\0';
}

void journal_cgroup_units(const char *cgroup, char unit[JOURNAL_UNIT_MAX],
			  char user_unit[JOURNAL_UNIT_MAX])
{
	const char *component = cgroup;
	bool under_user_manager = false;

	unit[0] = user_unit[0] = '\0';
	while (component && *component) {
		const char *end = strchr(component, '/');
		size_t len = end ? (size_t)(end - component) : strlen(component);

		if (len && is_unit(component, len)) {
			if (under_user_manager) {
				copy_component(user_unit, component, len);
				return;
			}
			copy_component(unit, component, len);
			/* Below a user's manager the next unit is the user's own. */
			if (strncmp(component, "user@", 5) ||
			    !ends_with(component, len, ".service"))
				return;
			under_user_manager = true;
		}
		component = end ? end + 1 : NULL;
	}
}

/* Appends that remember the first failure; the entry is checked once. */
struct entry_writer {
	struct strbuf *out;
	size_t start;
	size_t count_at; /* where the field count is */
	__u32 fields;
	int err;
};

/* records: how many records of the run the entry stands for (0: a "dropped" entry). */
static void begin_entry(struct entry_writer *writer, struct strbuf *out, __u32 records)
{
	__u32 none = 0;

	*writer = (struct entry_writer){ .out = out,
					 .start = out->len,
					 .count_at = out->len + sizeof(records) };
	writer->err = strbuf_append(out, &records, sizeof(records));
	if (!writer->err)
		writer->err = strbuf_append(out, &none, sizeof(none));
}

/* A field's header: its length to come, then "NAME="; returns where its length is. */
static size_t begin_field(struct entry_writer *writer, const char *name)
{
	size_t at = writer->out->len;
	__u32 none = 0;

	if (!writer->err)
		writer->err = strbuf_append(writer->out, &none, sizeof(none));
	if (!writer->err)
		writer->err = strbuf_append_str(writer->out, name);
	if (!writer->err)
		writer->err = strbuf_append(writer->out, "=", 1);
	return at;
}

static void end_field(struct entry_writer *writer, size_t at)
{
	__u32 len;

	if (writer->err)
		return;
	if (writer->fields >= JOURNAL_FIELDS_MAX) {
		writer->err = -E2BIG;
		return;
	}
	len = writer->out->len - at - sizeof(len);
	memcpy(writer->out->data + at, &len, sizeof(len));
	writer->fields++;
}

/* NAME=value, the value's exact bytes; nothing for an empty value (unknown). */
static void put_field_bytes(struct entry_writer *writer, const char *name, const char *value,
			    size_t len)
{
	size_t at;

	if (!len)
		return;
	at = begin_field(writer, name);
	if (!writer->err)
		writer->err = strbuf_append(writer->out, value, len);
	end_field(writer, at);
}

static void put_field(struct entry_writer *writer, const char *name, const char *value)
{
	put_field_bytes(writer, name, value, strlen(value));
}

static void put_field_bounded(struct entry_writer *writer, const char *name, const char *value,
			      size_t max)
{
	put_field_bytes(writer, name, value, strnlen(value, max));
}

static void put_field_number(struct entry_writer *writer, const char *name, __u64 value)
{
	char digits[24];

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)value);
	put_field(writer, name, digits);
}

/* Text journalctl prints: shown as the table shows it (text_sanitize.h). */
static void put_sanitized(struct entry_writer *writer, const char *text, size_t len)
{
	if (!writer->err)
		writer->err = strbuf_reserve(writer->out, len + 1);
	if (!writer->err)
		writer->out->len += text_sanitize(writer->out->data + writer->out->len, text, len);
}

static void put_text(struct entry_writer *writer, const char *text)
{
	if (!writer->err)
		writer->err = strbuf_append_str(writer->out, text);
}

/* The fields every entry has: who says it, how loud, which record of the run. */
static void put_common(struct entry_writer *writer, int priority, const char *event, __u64 seq)
{
	put_field_number(writer, "PRIORITY", priority);
	put_field(writer, "SYSLOG_IDENTIFIER", JOURNAL_IDENTIFIER);
	put_field(writer, "BINDSNOOP_EVENT", event);
	put_field_number(writer, "BINDSNOOP_SEQ", seq);
}

/* BINDSNOOP_JSON: the v2 record (json_event.h) without its newline. */
static void put_json(struct entry_writer *writer, int json_err)
{
	if (!writer->err)
		writer->err = json_err;
	if (!writer->err && writer->out->data[writer->out->len - 1] == '\n')
		strbuf_truncate(writer->out, writer->out->len - 1);
}

static size_t begin_json(struct entry_writer *writer)
{
	return begin_field(writer, "BINDSNOOP_JSON");
}

static int finish_entry(struct entry_writer *writer)
{
	if (!writer->err)
		memcpy(writer->out->data + writer->count_at, &writer->fields,
		       sizeof(writer->fields));
	if (writer->err)
		strbuf_truncate(writer->out, writer->start);
	return writer->err;
}

/*
 * "app.service: python3[4242] tcp 0.0.0.0:8080 EADDRINUSE nginx[812] · other program;
 * why: ...; fix: ..."
 */
static void put_message(struct entry_writer *writer, const struct bind_report *report,
			const struct journal_folded *folded)
{
	const struct diagnosis *diagnosis = &report->diagnosis;
	const struct process_identity *caller = &report->caller.identity;
	size_t at = begin_field(writer, "MESSAGE");

	/* Whose failure, as the admin knows it: "app.service: ", "container web: ". */
	if (caller->service[0]) {
		put_sanitized(writer, caller->service,
			      strnlen(caller->service, sizeof(caller->service)));
		put_text(writer, ": ");
	} else if (caller->container.name[0]) {
		put_text(writer, "container ");
		put_sanitized(writer, caller->container.name,
			      strnlen(caller->container.name, sizeof(caller->container.name)));
		put_text(writer, ": ");
	}
	if (!writer->err)
		writer->err = output_table_render_line(report, writer->out);
	if (diagnosis->summary[0]) {
		put_text(writer, "; why: ");
		put_sanitized(writer, diagnosis->summary,
			      strnlen(diagnosis->summary, sizeof(diagnosis->summary)));
	}
	if (diagnosis->fix[0]) {
		put_text(writer, "; fix: ");
		put_sanitized(writer, diagnosis->fix,
			      strnlen(diagnosis->fix, sizeof(diagnosis->fix)));
	}
	if (folded && !writer->err)
		writer->err = strbuf_appendf(writer->out,
					     " (%llu failures of this loop since its last entry)",
					     (unsigned long long)folded->failures);
	end_field(writer, at);
}

/* BINDSNOOP_<ROLE>_UNIT and _CONTAINER of a process. */
static void put_identity(struct entry_writer *writer, const char *unit_name,
			 const char *container_name, const struct process_identity *identity)
{
	const struct container_ref *container = &identity->container;

	put_field_bounded(writer, unit_name, identity->service, sizeof(identity->service));
	if (container->name[0])
		put_field_bounded(writer, container_name, container->name, sizeof(container->name));
	else
		put_field_bytes(writer, container_name, container->id,
				strnlen(container->id, 12)); /* the short id, as docker shows it */
}

/*
 * OBJECT_PID and the caller's units: journalctl -u UNIT and systemctl
 * status UNIT show a root entry with OBJECT_SYSTEMD_UNIT=UNIT under the
 * unit's own lines (and --user-unit the OBJECT_SYSTEMD_USER_UNIT one).
 */
static void put_object(struct entry_writer *writer, const struct caller_report *caller)
{
	const char *cgroup = caller->identity.cgroup[0] ? caller->identity.cgroup : caller->cgroup;
	char unit[JOURNAL_UNIT_MAX], user_unit[JOURNAL_UNIT_MAX];

	put_field_number(writer, "OBJECT_PID", caller->pid);
	journal_cgroup_units(cgroup, unit, user_unit);
	put_field(writer, "OBJECT_SYSTEMD_UNIT", unit);
	put_field(writer, "OBJECT_SYSTEMD_USER_UNIT", user_unit);
}

static int render_report(struct strbuf *out, const struct bind_report *report,
			 const struct journal_folded *folded)
{
	const struct caller_report *caller = &report->caller;
	const struct diagnosis *diagnosis = &report->diagnosis;
	char proto[FORMAT_PROTO_MAX], addr[FORMAT_UNIX_NAME_MAX], unknown[FORMAT_ERRNO_MAX];
	const char *cause = diagnosis_cause_name(diagnosis->cause);
	struct entry_writer writer;
	size_t json_at;

	begin_entry(&writer, out, folded ? folded->records : 1);
	put_message(&writer, report, folded);
	put_common(&writer, report->error ? LOG_WARNING : LOG_INFO, report_event_name(report),
		   report->seq);
	if (report->error)
		put_field(&writer, "BINDSNOOP_ERROR", errno_text(report->error, unknown));
	put_field(&writer, "BINDSNOOP_CAUSE", cause ? cause : "");
	format_asked(&(struct format_asked){ report->family, report->protocol, report->addr,
					     report->unix_target.name, report->unix_target.name_len,
					     report->unix_target.sock_type },
		     proto, addr, sizeof(addr));
	put_field(&writer, "BINDSNOOP_PROTO", proto);
	put_field(&writer, "BINDSNOOP_FAMILY", family_name(report->family));
	put_field(&writer, "BINDSNOOP_ADDRESS", addr);
	put_field_number(&writer, "BINDSNOOP_PORT", report->port);
	/* How many failures this entry stands for: a folded window's count, else 1. */
	put_field_number(&writer, "BINDSNOOP_COUNT", folded ? folded->failures : report->count);
	if (folded) {
		put_field_number(&writer, "BINDSNOOP_RECORDS", folded->records);
		put_field(&writer, "BINDSNOOP_SEQS", folded->seqs);
	}
	if (diagnosis->repeat.count) {
		put_field_number(&writer, "BINDSNOOP_REPEAT", diagnosis->repeat.count);
		put_field_number(&writer, "BINDSNOOP_REPEAT_WINDOW_S", diagnosis->repeat.window_s);
	}
	put_field_number(&writer, "BINDSNOOP_CALLER_PID", caller->pid);
	put_field_number(&writer, "BINDSNOOP_CALLER_UID", caller->uid);
	put_field_bounded(&writer, "BINDSNOOP_CALLER_COMM", caller->comm, sizeof(caller->comm));
	put_field_bounded(&writer, "BINDSNOOP_CALLER_EXE", caller->identity.exe,
			  sizeof(caller->identity.exe));
	put_identity(&writer, "BINDSNOOP_CALLER_UNIT", "BINDSNOOP_CALLER_CONTAINER",
		     &caller->identity);
	/* The first holder's first process: who has the address. */
	if (report->holder_count && report->holders[0].process_count) {
		const struct process_ref *holder = &report->holders[0].processes[0];

		put_field_number(&writer, "BINDSNOOP_HOLDER_PID", holder->pid);
		put_field_bounded(&writer, "BINDSNOOP_HOLDER_COMM", holder->comm,
				  sizeof(holder->comm));
		put_identity(&writer, "BINDSNOOP_HOLDER_UNIT", "BINDSNOOP_HOLDER_CONTAINER",
			     &holder->identity);
	}
	if (report->holder_count)
		put_field(&writer, "BINDSNOOP_HOLDER_STATE",
			  socket_state_name(report->holders[0].protocol, report->holders[0].state));
	put_field_bounded(&writer, "BINDSNOOP_SUMMARY", diagnosis->summary,
			  sizeof(diagnosis->summary));
	put_field_bounded(&writer, "BINDSNOOP_FIX", diagnosis->fix, sizeof(diagnosis->fix));
	put_object(&writer, caller);
	json_at = begin_json(&writer);
	put_json(&writer, writer.err ? 0 : json_render_report(report, out));
	end_field(&writer, json_at);
	return finish_entry(&writer);
}

typedef int (*gap_json_fn)(__u64 seq, __u64 ts_realtime_ns, __u64 count, struct strbuf *out);

int journal_render_report(struct strbuf *out, const struct bind_report *report)
{
	return render_report(out, report, NULL);
}

int journal_render_folded(struct strbuf *out, const struct bind_report *report,
			  const struct journal_folded *folded)
{
	return render_report(out, report, folded);
}

/* lost and dropped: "N <what>", a count of records that are not in the journal, and why. */
static int render_gap(struct strbuf *out, const char *event, __u64 seq, __u64 ts_realtime_ns,
		      __u64 count, const char *what, gap_json_fn render_json)
{
	struct entry_writer writer;
	size_t message_at, json_at;

	/* A "dropped" entry is no record of its own: it counts others. */
	begin_entry(&writer, out, strcmp(event, "dropped") ? 1 : 0);
	message_at = begin_field(&writer, "MESSAGE");
	if (!writer.err)
		writer.err = strbuf_append_u64(out, count);
	put_text(&writer, what);
	end_field(&writer, message_at);
	put_common(&writer, LOG_NOTICE, event, seq);
	put_field_number(&writer, "BINDSNOOP_COUNT", count);
	json_at = begin_json(&writer);
	put_json(&writer, writer.err ? 0 : render_json(seq, ts_realtime_ns, count, out));
	end_field(&writer, json_at);
	return finish_entry(&writer);
}

int journal_render_lost(struct strbuf *out, __u64 seq, __u64 ts_realtime_ns, __u64 count)
{
	return render_gap(out, "lost", seq, ts_realtime_ns, count,
			  " events lost: the ring buffer was full; raise --ring-buffer-mb or "
			  "narrow the filters",
			  json_render_lost);
}

int journal_render_dropped(struct strbuf *out, __u64 seq, __u64 ts_realtime_ns, __u64 count)
{
	return render_gap(out, "dropped", seq, ts_realtime_ns, count,
			  " records dropped before this one (the last was BINDSNOOP_SEQ of this "
			  "entry): journald was stalled or down and bindsnoop's queue was full",
			  json_render_dropped);
}

int journal_render_session(struct strbuf *out, const struct session_info *info, bool starting,
			   __u64 dropped)
{
	struct entry_writer writer;
	char text[512];
	size_t json_at;

	begin_entry(&writer, out, 1);
	if (starting)
		snprintf(text, sizeof(text),
			 "bindsnoop %s tracing failed bind() and listen() with the %s backend on "
			 "Linux %s",
			 info->version, info->backend, info->kernel);
	else
		snprintf(text, sizeof(text),
			 "bindsnoop stopped: %llu events received, %llu lost, %llu repeats "
			 "folded, %llu dropped by --journal",
			 (unsigned long long)info->received, (unsigned long long)info->lost,
			 (unsigned long long)info->repeats, (unsigned long long)dropped);
	put_field(&writer, "MESSAGE", text);
	put_common(&writer, LOG_NOTICE, starting ? "start" : "stop", info->seq);
	json_at = begin_json(&writer);
	put_json(&writer, writer.err ? 0 :
			  starting   ? json_render_start(info, out) :
				       json_render_stop(info, dropped, out));
	end_field(&writer, json_at);
	return finish_entry(&writer);
}

int journal_entry_fields(const char *entry, size_t len, struct iovec *iov, int max)
{
	size_t at = 2 * sizeof(__u32);
	__u32 count;

	if (len < at)
		return -EINVAL;
	memcpy(&count, entry + sizeof(__u32), sizeof(count));
	if (count > (__u32)max)
		return -EINVAL;
	for (__u32 i = 0; i < count; i++) {
		__u32 field_len;

		if (len - at < sizeof(field_len))
			return -EINVAL;
		memcpy(&field_len, entry + at, sizeof(field_len));
		at += sizeof(field_len);
		if (len - at < field_len)
			return -EINVAL;
		iov[i].iov_base = (void *)(entry + at);
		iov[i].iov_len = field_len;
		at += field_len;
	}
	return at == len ? (int)count : -EINVAL;
}

__u64 journal_entry_seq(const char *entry, size_t len)
{
	static const char name[] = "BINDSNOOP_SEQ=";
	struct iovec iov[JOURNAL_FIELDS_MAX];
	int count = journal_entry_fields(entry, len, iov, JOURNAL_FIELDS_MAX);
	__u64 seq = 0;

	for (int i = 0; i < count; i++) {
		const char *field = iov[i].iov_base;

		if (iov[i].iov_len <= sizeof(name) - 1 || memcmp(field, name, sizeof(name) - 1))
			continue;
		for (size_t at = sizeof(name) - 1; at < iov[i].iov_len; at++)
			seq = seq * 10 + (__u64)(field[at] - '0');
		return seq;
	}
	return 0;
}

__u32 journal_entry_records(const char *entry, size_t len)
{
	__u32 records = 0;

	if (len >= sizeof(records))
		memcpy(&records, entry, sizeof(records));
	return records;
}
