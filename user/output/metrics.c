// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "format.h"
#include "output/metrics.h"
#include "shared_facts.h"


/* The failure table's dimensions: every label value known in advance. */
enum failure_event { EVENT_BIND_FAILED, EVENT_LISTEN_FAILED, EVENT_COUNT };
static const char *const event_labels[EVENT_COUNT] = { "bind_failed", "listen_failed" };

static const __u16 known_protocols[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, BS_IPPROTO_MPTCP,
					 IPPROTO_SCTP };
#define INET_PROTO_COUNT (sizeof(known_protocols) / sizeof(known_protocols[0]))
/* A Unix-domain failure's protocol is its socket type, named as in its JSON. */
static const __u8 known_unix_types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
#define UNIX_PROTO_COUNT (sizeof(known_unix_types) / sizeof(known_unix_types[0]))
#define PROTO_OTHER	 (INET_PROTO_COUNT + UNIX_PROTO_COUNT)
#define PROTO_COUNT	 (PROTO_OTHER + 1)

enum family_index { FAMILY_IPV4, FAMILY_IPV6, FAMILY_UNIX, FAMILY_OTHER, FAMILY_COUNT };
static const char *const family_labels[FAMILY_COUNT] = { "ipv4", "ipv6", "unix", "other" };

enum holder_source { SOURCE_KERNEL, SOURCE_SOCK_DIAG, SOURCE_NONE, SOURCE_COUNT };
static const char *const source_labels[SOURCE_COUNT] = { "kernel", "sock_diag", "none" };

/*
 * The series of every command name past the first METRICS_COMM_SERIES_MAX:
 * longer than any command name can be, so that no process (they name
 * themselves) makes a second series with its label set. Ports are numbers
 * and causes are bindsnoop's own words: "other" is safe there.
 */
#define COMM_OTHER "(other commands)"
_Static_assert(sizeof(COMM_OTHER) > BS_COMM_LEN, "a command name could be COMM_OTHER");
/* A command name as a label value: each invalid byte of its BS_COMM_LEN - 1 as U+FFFD. */
#define COMM_LABEL_MAX ((BS_COMM_LEN - 1) * 3 + 1)
_Static_assert(COMM_LABEL_MAX <= METRICS_LABEL_VALUE_MAX, "a command name's label is cut");

/*
 * Values of one label, first come first served, then the overflow series.
 * Written by the counting thread only; a value is complete before `used`
 * (release) makes it visible to the rendering thread (acquire).
 */
struct label_slots {
	__u32 capacity;
	_Atomic __u32 used;
	char values[METRICS_PORT_SERIES_MAX][METRICS_LABEL_VALUE_MAX];
	_Atomic __u64 counts[METRICS_PORT_SERIES_MAX];
	_Atomic __u64 other;
};

_Static_assert(METRICS_COMM_SERIES_MAX <= METRICS_PORT_SERIES_MAX &&
		       METRICS_CAUSE_SERIES_MAX <= METRICS_PORT_SERIES_MAX,
	       "label_slots holds METRICS_PORT_SERIES_MAX values");

#define PORT_SLOT_NONE	0   /* not seen yet */
#define PORT_SLOT_OTHER 255 /* counted under port="other" */

struct metrics {
	_Atomic __u64 received;
	_Atomic __u64 lost;
	_Atomic __u64 dropped;
	_Atomic __u64 failures[EVENT_COUNT][BS_ERRNO_LIMIT][PROTO_COUNT][FAMILY_COUNT];
	_Atomic __u64 holder_lookups[SOURCE_COUNT];
	struct label_slots ports, comms, causes;
	/* port → slot + 1, or PORT_SLOT_*: the counting thread's own index. */
	__u8 port_slot[65536];
	_Atomic int build_info_set;
	char version[32], backend[32], kernel[65];
};

/*
 * Only the pipeline's thread writes, so an increment needs no locked
 * read-modify-write: a relaxed load and store, which the scrape thread
 * still reads whole. Measured on the development machine: 33 ns per event
 * this way, 109 ns with atomic_fetch_add.
 */
static void add(_Atomic __u64 *counter, __u64 value)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + value,
			      memory_order_relaxed);
}

static __u64 load(_Atomic __u64 *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

/* The slot holding value (len bytes, at most METRICS_LABEL_VALUE_MAX - 1), or -1. */
static int find_slot(const struct label_slots *slots, const char *value, size_t len)
{
	__u32 used = atomic_load_explicit(&slots->used, memory_order_relaxed);

	for (__u32 i = 0; i < used; i++)
		if (!strncmp(slots->values[i], value, len) && !slots->values[i][len])
			return i;
	return -1;
}

/* A new slot for value (len bytes, as for find_slot) if there is room; -1: the overflow. */
static int add_slot(struct label_slots *slots, const char *value, size_t len)
{
	__u32 used = atomic_load_explicit(&slots->used, memory_order_relaxed);

	if (used == slots->capacity)
		return -1;
	memcpy(slots->values[used], value, len);
	slots->values[used][len] = '\0';
	atomic_store_explicit(&slots->used, used + 1, memory_order_release);
	return used;
}

/* The slot of value (len bytes), added if there is room; -1: the overflow. */
static int label_slot(struct label_slots *slots, const char *value, size_t len)
{
	int slot;

	if (len >= METRICS_LABEL_VALUE_MAX)
		len = METRICS_LABEL_VALUE_MAX - 1;
	slot = find_slot(slots, value, len);
	return slot >= 0 ? slot : add_slot(slots, value, len);
}

/*
 * The slot of a command name (len bytes, at most BS_COMM_LEN - 1). Its label
 * value is the name with each byte that is not part of valid UTF-8 as
 * U+FFFD, as the exposition writes it: names that would read the same share
 * one series rather than make two with one label set. A value longer than
 * BS_COMM_LEN - 1 bytes has a U+FFFD, which COMM_OTHER has not: no name
 * becomes COMM_OTHER. Stored values are valid UTF-8, so a valid name is
 * looked up as it is, with no copy.
 */
static int comm_slot(struct label_slots *slots, const char *comm, size_t len)
{
	const unsigned char *bytes = (const unsigned char *)comm;
	char repaired[COMM_LABEL_MAX];
	size_t used = 0;
	int slot = find_slot(slots, comm, len);

	if (slot >= 0)
		return slot;
	if (utf8_valid(comm, len))
		return add_slot(slots, comm, len);
	for (size_t i = 0; i < len;) {
		size_t run = bytes[i] < 0x80 ? 1 : utf8_sequence_length(bytes + i, len - i);

		if (run) {
			memcpy(repaired + used, bytes + i, run);
			used += run;
			i += run;
		} else {
			memcpy(repaired + used, "\xef\xbf\xbd", 3);
			used += 3;
			i++;
		}
	}
	return label_slot(slots, repaired, used);
}

static void count_in_slot(struct label_slots *slots, int slot, __u64 count)
{
	add(slot < 0 ? &slots->other : &slots->counts[slot], count);
}

static void count_label(struct label_slots *slots, const char *value, size_t len, __u64 count)
{
	count_in_slot(slots, label_slot(slots, value, len), count);
}

static __u8 port_slot(struct metrics *metrics, __u16 port)
{
	char text[8];
	int slot;

	if (metrics->port_slot[port] != PORT_SLOT_NONE)
		return metrics->port_slot[port];
	slot = label_slot(&metrics->ports, text, snprintf(text, sizeof(text), "%u", port));
	metrics->port_slot[port] = slot < 0 ? PORT_SLOT_OTHER : slot + 1;
	return metrics->port_slot[port];
}

struct metrics *metrics_new(const struct options *opts)
{
	struct metrics *metrics = calloc(1, sizeof(*metrics));
	__u32 port_count = 0;

	if (!metrics)
		return NULL;
	metrics->ports.capacity = METRICS_PORT_SERIES_MAX;
	metrics->comms.capacity = METRICS_COMM_SERIES_MAX;
	metrics->causes.capacity = METRICS_CAUSE_SERIES_MAX;
	if (!opts || !opts->filters.filter_ports)
		return metrics;
	for (__u32 port = 0; port < 65536; port++)
		port_count += bs_bit_test(opts->filters.port_bitmap, port);
	/* Series from zero, so that rate() sees the first failure of each. */
	if (port_count <= METRICS_PORT_SERIES_MAX)
		for (__u32 port = 0; port < 65536; port++)
			if (bs_bit_test(opts->filters.port_bitmap, port))
				port_slot(metrics, port);
	return metrics;
}

void metrics_free(struct metrics *metrics)
{
	free(metrics);
}

static int protocol_index(const struct bind_report *report)
{
	if (report->family == BS_AF_UNIX) {
		for (size_t i = 0; i < UNIX_PROTO_COUNT; i++)
			if (known_unix_types[i] == report->unix_target.sock_type)
				return INET_PROTO_COUNT + i;
		return PROTO_OTHER;
	}
	for (size_t i = 0; i < INET_PROTO_COUNT; i++)
		if (known_protocols[i] == report->protocol)
			return i;
	return PROTO_OTHER;
}

/* The label of a protocol_index(): "tcp", "unix_stream", ..., "other". */
static const char *protocol_label(size_t proto, char *buf, size_t len)
{
	if (proto < INET_PROTO_COUNT)
		return proto_name(known_protocols[proto], buf, len);
	if (proto < PROTO_OTHER) {
		snprintf(buf, len, "unix_%s",
			 unix_type_name(known_unix_types[proto - INET_PROTO_COUNT]));
		return buf;
	}
	return "other";
}

static enum holder_source holder_source(const struct bind_report *report)
{
	if (!report->holder_count)
		return SOURCE_NONE;
	return report->holders[0].source == HOLDER_SOURCE_KERNEL ? SOURCE_KERNEL : SOURCE_SOCK_DIAG;
}

void metrics_count_report(struct metrics *metrics, const struct bind_report *report,
			  const char *cause)
{
	/* A folded record stands for count failures. */
	__u64 failures = report->count ? report->count : 1;
	enum failure_event event;
	enum family_index family;
	__u8 slot;

	add(&metrics->received, 1);
	if (!report->error)
		return;
	event = report->kind == BS_KIND_LISTEN ? EVENT_LISTEN_FAILED : EVENT_BIND_FAILED;
	family = report->family == AF_INET    ? FAMILY_IPV4 :
		 report->family == AF_INET6   ? FAMILY_IPV6 :
		 report->family == BS_AF_UNIX ? FAMILY_UNIX :
						FAMILY_OTHER;
	/* Index 0 is no errno: it holds the numbers past the kernel's filter range. */
	add(&metrics->failures[event][report->error < BS_ERRNO_LIMIT ? report->error : 0]
			      [protocol_index(report)][family],
	    failures);
	/* A Unix-domain name has no port: it would take a port series as "0". */
	if (report->family != BS_AF_UNIX) {
		slot = port_slot(metrics, report->port);
		add(slot == PORT_SLOT_OTHER ? &metrics->ports.other :
					      &metrics->ports.counts[slot - 1],
		    failures);
	}
	count_in_slot(&metrics->comms,
		      comm_slot(&metrics->comms, report->caller.comm,
				strnlen(report->caller.comm, BS_COMM_LEN - 1)),
		      failures);
	if (!cause || !cause[0])
		cause = "unknown";
	count_label(&metrics->causes, cause, strlen(cause), failures);
	if (report->holders_searched)
		add(&metrics->holder_lookups[holder_source(report)], 1);
}

void metrics_count_lost(struct metrics *metrics, __u64 count)
{
	add(&metrics->lost, count);
}

void metrics_set_dropped(struct metrics *metrics, __u64 total)
{
	atomic_store_explicit(&metrics->dropped, total, memory_order_relaxed);
}

void metrics_set_build_info(struct metrics *metrics, const char *version, const char *backend,
			    const char *kernel)
{
	if (atomic_load_explicit(&metrics->build_info_set, memory_order_relaxed))
		return;
	snprintf(metrics->version, sizeof(metrics->version), "%s", version ? version : "unknown");
	snprintf(metrics->backend, sizeof(metrics->backend), "%s", backend ? backend : "unknown");
	snprintf(metrics->kernel, sizeof(metrics->kernel), "%s", kernel ? kernel : "unknown");
	atomic_store_explicit(&metrics->build_info_set, 1, memory_order_release);
}

int metrics_append_label_value(struct strbuf *out, const char *value, size_t len)
{
	const unsigned char *bytes = (const unsigned char *)value;
	int err = 0;

	for (size_t i = 0; i < len && !err;) {
		size_t run = bytes[i] < 0x80 ? 1 : utf8_sequence_length(bytes + i, len - i);

		if (!run) {
			err = strbuf_append_literal(out, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
		} else if (bytes[i] == '\\') {
			err = strbuf_append_literal(out, "\\\\");
			i++;
		} else if (bytes[i] == '"') {
			err = strbuf_append_literal(out, "\\\"");
			i++;
		} else if (bytes[i] == '\n') {
			err = strbuf_append_literal(out, "\\n");
			i++;
		} else {
			err = strbuf_append(out, bytes + i, run);
			i += run;
		}
	}
	return err;
}

int metrics_append_family(struct strbuf *out, enum metrics_format format, const char *name,
			  const char *type, const char *help)
{
	size_t len = strlen(name);

	if (format == METRICS_OPENMETRICS && !strcmp(type, "counter") && len > 6 &&
	    !strcmp(name + len - 6, "_total"))
		len -= 6;
	return strbuf_appendf(out, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)len, name, help,
			      (int)len, name, type);
}

int metrics_append_end(struct strbuf *out, enum metrics_format format)
{
	return format == METRICS_OPENMETRICS ? strbuf_append_literal(out, "# EOF\n") : 0;
}

/*
 * One scrape being written. Each put_* does nothing once an append failed,
 * so that the families read as a list and the first error comes out at the end.
 */
struct exposition {
	struct strbuf *out;
	enum metrics_format format;
	int err;
};

static void put_family(struct exposition *x, const char *name, const char *type, const char *help)
{
	if (!x->err)
		x->err = metrics_append_family(x->out, x->format, name, type, help);
}

static void put_label(struct exposition *x, const char *separator, const char *label,
		      const char *value)
{
	if (!x->err)
		x->err = strbuf_appendf(x->out, "%s%s=\"", separator, label);
	if (!x->err)
		x->err = metrics_append_label_value(x->out, value, strlen(value));
	if (!x->err)
		x->err = strbuf_append_literal(x->out, "\"");
}

static void put_value(struct exposition *x, __u64 count)
{
	if (!x->err)
		x->err = strbuf_append_literal(x->out, " ");
	if (!x->err)
		x->err = strbuf_append_u64(x->out, count);
	if (!x->err)
		x->err = strbuf_append_literal(x->out, "\n");
}

static void put_text(struct exposition *x, const char *text)
{
	if (!x->err)
		x->err = strbuf_append_str(x->out, text);
}

/* name{label="value"} count, or name count without a label. */
static void put_sample(struct exposition *x, const char *name, const char *label, const char *value,
		       __u64 count)
{
	put_text(x, name);
	if (label) {
		put_label(x, "{", label, value);
		put_text(x, "}");
	}
	put_value(x, count);
}

static void put_slots(struct exposition *x, const char *name, const char *label,
		      struct label_slots *slots, const char *other)
{
	__u32 used = atomic_load_explicit(&slots->used, memory_order_acquire);

	for (__u32 i = 0; i < used; i++)
		put_sample(x, name, label, slots->values[i], load(&slots->counts[i]));
	/* The overflow series exists from the start, so that its rate() has a beginning too. */
	put_sample(x, name, label, other, load(&slots->other));
}

static const char *error_label(int error, char *buf, size_t len)
{
	const char *name = errno_name(error);

	if (!error)
		return "other"; /* numbers past BS_ERRNO_LIMIT */
	if (name)
		return name;
	snprintf(buf, len, "%d", error);
	return buf;
}

static void put_failures(struct exposition *x, struct metrics *metrics)
{
	char proto_buf[FORMAT_PROTO_MAX], errno_buf[16];

	put_family(x, "bindsnoop_failures_total", "counter",
		   "Failed bind() and listen() calls, by event, error, protocol and address "
		   "family.");
	for (int event = 0; event < EVENT_COUNT; event++)
		for (int error = 0; error < BS_ERRNO_LIMIT; error++)
			for (size_t proto = 0; proto < PROTO_COUNT; proto++)
				for (int family = 0; family < FAMILY_COUNT; family++) {
					__u64 count = load(
						&metrics->failures[event][error][proto][family]);

					if (!count)
						continue;
					put_text(x, "bindsnoop_failures_total");
					put_label(x, "{", "event", event_labels[event]);
					put_label(x, ",", "error",
						  error_label(error, errno_buf, sizeof(errno_buf)));
					put_label(x, ",", "proto",
						  protocol_label(proto, proto_buf,
								 sizeof(proto_buf)));
					put_label(x, ",", "family", family_labels[family]);
					put_text(x, "}");
					put_value(x, count);
				}
}

static void put_build_info(struct exposition *x, struct metrics *metrics)
{
	static const char help[] = "Always 1: the version of bindsnoop, the backend that attached "
				   "and the kernel release.";

	/* OpenMetrics has an info type, whose one sample is named FAMILY_info. */
	if (x->format == METRICS_OPENMETRICS && !x->err)
		x->err = strbuf_appendf(x->out,
					"# HELP bindsnoop_build %s\n"
					"# TYPE bindsnoop_build info\n",
					help);
	else
		put_family(x, "bindsnoop_build_info", "gauge", help);
	if (!atomic_load_explicit(&metrics->build_info_set, memory_order_acquire))
		return;
	put_text(x, "bindsnoop_build_info");
	put_label(x, "{", "version", metrics->version);
	put_label(x, ",", "backend", metrics->backend);
	put_label(x, ",", "kernel", metrics->kernel);
	put_text(x, "}");
	put_value(x, 1);
}

int metrics_render(struct metrics *metrics, enum metrics_format format, struct strbuf *out)
{
	struct exposition x = { .out = out, .format = format };

	put_build_info(&x, metrics);
	put_family(&x, "bindsnoop_events_received_total", "counter",
		   "Events read from the kernel (failures, and successes with --all).");
	put_sample(&x, "bindsnoop_events_received_total", NULL, NULL, load(&metrics->received));
	put_family(&x, "bindsnoop_events_lost_total", "counter",
		   "Events the kernel could not queue (ring buffer full, or the program "
		   "skipped): never seen by any output.");
	put_sample(&x, "bindsnoop_events_lost_total", NULL, NULL, load(&metrics->lost));
	put_family(&x, "bindsnoop_events_dropped_total", "counter",
		   "Events an output had to drop (--syslog: the collector was down or slow and "
		   "the queue full).");
	put_sample(&x, "bindsnoop_events_dropped_total", NULL, NULL, load(&metrics->dropped));
	put_failures(&x, metrics);
	put_family(&x, "bindsnoop_failures_by_port_total", "counter",
		   "Failed calls by requested port: the --port ports, or the first 32 ports that "
		   "failed; the rest under port=\"other\".");
	put_slots(&x, "bindsnoop_failures_by_port_total", "port", &metrics->ports, "other");
	put_family(&x, "bindsnoop_failures_by_comm_total", "counter",
		   "Failed calls by the caller's command name: the first 32 names; the rest "
		   "under comm=\"" COMM_OTHER "\".");
	put_slots(&x, "bindsnoop_failures_by_comm_total", "comm", &metrics->comms, COMM_OTHER);
	put_family(&x, "bindsnoop_failures_by_cause_total", "counter",
		   "Failed calls by diagnosed cause (\"unknown\" when there is no diagnosis); "
		   "the rest under cause=\"other\".");
	put_slots(&x, "bindsnoop_failures_by_cause_total", "cause", &metrics->causes, "other");
	put_family(&x, "bindsnoop_holder_lookups_total", "counter",
		   "Failures whose holder was looked up, by what named it: the kernel's bind "
		   "table walk, sock_diag, or none found.");
	for (int source = 0; source < SOURCE_COUNT; source++)
		put_sample(&x, "bindsnoop_holder_lookups_total", "source", source_labels[source],
			   load(&metrics->holder_lookups[source]));
	return x.err;
}
