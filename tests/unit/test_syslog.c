// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pure pieces of --syslog: TARGET parsing, facility names, RFC 5424
 * messages (header, structured data and its escaping, the JSON message),
 * RFC 6587 octet counting, and the bounded message queue (checked against
 * a simple model over many random operations).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/un.h>
#include "output/json_event.h"
#include "output/msg_queue.h"
#include "output/syslog_message.h"
#include "output/syslog_target.h"
#include "sample_report.h"
#include "unit.h"

/* 2026-11-24T18:52:01.123456789Z */

/* ---- TARGET ---- */

static void check_target(const char *text, enum syslog_transport transport, const char *canonical)
{
	struct syslog_target target;
	char problem[160] = "";

	CHECK_INT(syslog_target_parse(text, &target, problem, sizeof(problem)), 0);
	CHECK_STR(problem, "");
	CHECK_INT(target.transport, transport);
	CHECK_STR(target.text, canonical);
}

static void check_bad_target(const char *text, const char *reason)
{
	struct syslog_target target;
	char problem[160] = "";

	CHECK_INT(syslog_target_parse(text, &target, problem, sizeof(problem)), -EINVAL);
	CHECK_CONTAINS(problem, reason);
	/* "<problem>; <fix>", to follow "--syslog 'TARGET' " in a usage error. */
	CHECK_CONTAINS(problem, "; ");
}

static void test_targets(void)
{
	struct syslog_target target;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&target.addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&target.addr;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&target.addr;
	char problem[160];
	char text[INET6_ADDRSTRLEN];

	check_target("/dev/log", SYSLOG_UNIX, "/dev/log");
	check_target("unix:/run/x.sock", SYSLOG_UNIX, "/run/x.sock");
	check_target("unix:///run/x.sock", SYSLOG_UNIX, "/run/x.sock");
	check_target("udp://127.0.0.1:5514", SYSLOG_UDP, "udp://127.0.0.1:5514");
	check_target("tcp://10.1.2.3", SYSLOG_TCP, "tcp://10.1.2.3:514");
	check_target("tcp://localhost:601", SYSLOG_TCP, "tcp://127.0.0.1:601");
	check_target("tcp://[::1]:6514", SYSLOG_TCP, "tcp://[::1]:6514");
	check_target("udp://[2001:db8::1]", SYSLOG_UDP, "udp://[2001:db8::1]:514");

	CHECK_INT(syslog_target_parse("/dev/log", &target, problem, sizeof(problem)), 0);
	CHECK_INT(sun->sun_family, AF_UNIX);
	CHECK_STR(sun->sun_path, "/dev/log");
	CHECK_INT(target.addr_len, offsetof(struct sockaddr_un, sun_path) + 9);

	CHECK_INT(syslog_target_parse("tcp://192.0.2.10:65535", &target, problem, sizeof(problem)),
		  0);
	CHECK_INT(sin->sin_family, AF_INET);
	CHECK_INT(ntohs(sin->sin_port), 65535);
	CHECK_STR(inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)), "192.0.2.10");
	CHECK_INT(target.addr_len, sizeof(struct sockaddr_in));

	CHECK_INT(syslog_target_parse("udp://[::ffff:127.0.0.1]:1", &target, problem,
				      sizeof(problem)),
		  0);
	CHECK_INT(sin6->sin6_family, AF_INET6);
	CHECK_INT(ntohs(sin6->sin6_port), 1);
	CHECK_STR(inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text)), "::ffff:127.0.0.1");
	CHECK_INT(target.addr_len, sizeof(struct sockaddr_in6));

	check_bad_target("", "is not a syslog target");
	check_bad_target("localhost:514", "is not a syslog target");
	check_bad_target("http://127.0.0.1", "is not a syslog target");
	check_bad_target("dev/log", "is not a syslog target");
	check_bad_target("unix:dev/log", "not an absolute socket path");
	check_bad_target("tcp://", "has no host");
	check_bad_target("tcp://:514", "has no host");
	check_bad_target("tcp://127.0.0.1:", "bad port");
	check_bad_target("tcp://127.0.0.1:0", "bad port");
	check_bad_target("tcp://127.0.0.1:65536", "bad port");
	check_bad_target("tcp://127.0.0.1:5x", "bad port");
	check_bad_target("tcp://127.0.0.1:-1", "bad port");
	check_bad_target("tcp://syslog.example.org:514", "names are not resolved");
	check_bad_target("tcp://::1:514", "has no host");
	check_bad_target("tcp://[::1:514", "closing its IPv6 address");
	check_bad_target("tcp://[::1]514", "after ']'");
	check_bad_target("tcp://[127.0.0.1]:514", "no IPv6 address");
	check_bad_target("tcp://[]:514", "has no host");
	{
		char long_path[200] = "/";

		memset(long_path + 1, 'a', 150);
		long_path[151] = '\0';
		check_bad_target(long_path, "too long");
	}
}

static void test_facilities(void)
{
	CHECK_INT(syslog_facility_from_name("kern"), 0);
	CHECK_INT(syslog_facility_from_name("user"), 1);
	CHECK_INT(syslog_facility_from_name("daemon"), 3);
	CHECK_INT(syslog_facility_from_name("authpriv"), 10);
	CHECK_INT(syslog_facility_from_name("local0"), 16);
	CHECK_INT(syslog_facility_from_name("local7"), 23);
	CHECK_INT(syslog_facility_from_name("0"), 0);
	CHECK_INT(syslog_facility_from_name("23"), 23);
	CHECK_INT(syslog_facility_from_name("24"), -1);
	CHECK_INT(syslog_facility_from_name("123"), -1);
	CHECK_INT(syslog_facility_from_name(""), -1);
	CHECK_INT(syslog_facility_from_name("DAEMON"), -1);
	CHECK_INT(syslog_facility_from_name("local8"), -1);
	CHECK_INT(syslog_facility_from_name("-1"), -1);
}

/* ---- structured data, framing ---- */

static void check_sd_value(const char *input, size_t len, const char *expected)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK_INT(syslog_append_sd_value(&sb, input, len), 0);
	CHECK_STR(sb.len ? sb.data : "", expected);
	strbuf_release(&sb);
}

static void test_sd_escaping(void)
{
	check_sd_value("node", 4, "node");
	check_sd_value("", 0, "");
	/* RFC 5424 6.3.3: exactly '"', '\' and ']' are escaped. */
	check_sd_value("a\"b", 3, "a\\\"b");
	check_sd_value("a\\b", 3, "a\\\\b");
	check_sd_value("a]b", 3, "a\\]b");
	check_sd_value("[x=\"y\"]", 7, "[x=\\\"y\\\"\\]");
	/* Control bytes and broken UTF-8 cannot reach a log file raw. */
	check_sd_value("a\nb\tc\x7f", 6, "a?b?c?");
	check_sd_value("\x1b[31mred", 8, "?[31mred");
	check_sd_value("caf\xc3\xa9", 5, "caf\xc3\xa9");
	check_sd_value("\xe2\x82\xac", 3, "\xe2\x82\xac");
	check_sd_value("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
	check_sd_value("\xff\xfe", 2, "??");
	check_sd_value("\xc3", 1, "?");		  /* truncated sequence */
	check_sd_value("\xc0\xaf", 2, "??");	  /* overlong '/' */
	check_sd_value("\xed\xa0\x80", 3, "???"); /* UTF-16 surrogate */
	check_sd_value("a\0b", 3, "a?b");
	/* Appends after what is there. */
	{
		struct strbuf sb = STRBUF_INIT;

		strbuf_append_literal(&sb, "x=\"");
		CHECK_INT(syslog_append_sd_value(&sb, "]", 1), 0);
		CHECK_STR(sb.data, "x=\"\\]");
		strbuf_release(&sb);
	}
}

static void test_octet_counting(void)
{
	char prefix[SYSLOG_OCTET_COUNT_MAX];

	CHECK_INT(syslog_octet_count_prefix(prefix, 1), 2);
	CHECK_STR(prefix, "1 ");
	CHECK_INT(syslog_octet_count_prefix(prefix, 123), 4);
	CHECK_STR(prefix, "123 ");
	CHECK_INT(syslog_octet_count_prefix(prefix, 65536), 6);
	CHECK_STR(prefix, "65536 ");
	CHECK_INT(syslog_octet_count_prefix(prefix, 4294967295u), 11);
	CHECK_STR(prefix, "4294967295 ");
}

/* ---- messages ---- */

/* What syslog_render_* should have put after the header and SD: the JSON line. */
static void check_message_json(const char *message, const char *json_line)
{
	const char *msg = strstr(message, "] {");
	size_t json_len = strlen(json_line);

	CHECK(msg != NULL);
	if (!msg)
		return;
	/* The JSON line exactly, less its newline, and nothing after it. */
	CHECK_INT(strlen(msg + 2), json_len - 1);
	CHECK(!strncmp(msg + 2, json_line, json_len - 1));
	CHECK(!strchr(message, '\n'));
}

static void test_identity(void)
{
	struct syslog_identity id;

	syslog_identity_init(&id, 3, "web-01.example.org", 77);
	CHECK_STR(id.hostname, "web-01.example.org");
	CHECK_INT(id.facility, 3);
	CHECK_INT(id.procid, 77);
	/* HOSTNAME is PRINTUSASCII: a space would shift every later field. */
	syslog_identity_init(&id, 3, "bad host\xc3\xa9", 1);
	CHECK_STR(id.hostname, "bad_host__");
	syslog_identity_init(&id, 3, "", 1);
	CHECK_STR(id.hostname, "-");
	syslog_identity_init(&id, 3, NULL, 1);
	CHECK_STR(id.hostname, "-");
}

static const char sample_message_head[] =
	"<28>1 2026-11-24T18:52:01.123456Z vm bindsnoop 555 bind_failed "
	"[bindsnoop@32473 seq=\"41\" event=\"bind_failed\" error=\"EADDRINUSE\" proto=\"tcp\" "
	"addr=\"127.0.0.1\" port=\"3000\" pid=\"4242\" uid=\"1000\" comm=\"python3\" "
	"holder_pid=\"4100\" holder_comm=\"node\"] {\"v\":2,";

static void test_report_message(void)
{
	struct syslog_identity id;
	struct bind_report report;
	struct strbuf message = STRBUF_INIT, json = STRBUF_INIT;

	syslog_identity_init(&id, 3, "vm", 555);
	sample_report(&report);
	CHECK_INT(syslog_render_report(&message, &id, &report), 0);
	CHECK_INT(json_render_report(&report, &json), 0);
	/* daemon.warning = 3 * 8 + 4 */
	CHECK(!strncmp(message.data, sample_message_head, sizeof(sample_message_head) - 1));
	check_message_json(message.data, json.data);

	/* A folded record: its count where filters look, and in the JSON. */
	strbuf_reset(&message);
	strbuf_reset(&json);
	report.count = 5000;
	report.folded = true;
	CHECK_INT(syslog_render_report(&message, &id, &report), 0);
	CHECK_INT(json_render_report(&report, &json), 0);
	CHECK_CONTAINS(message.data, " port=\"3000\" count=\"5000\" pid=\"4242\" ");
	CHECK_CONTAINS(json.data, ",\"port\":3000,\"count\":5000,\"folded\":true,\"via\":");
	check_message_json(message.data, json.data);
	report.count = 1;
	report.folded = false;

	/* A success (--all): info, no error parameter; no holder: no holder_*. */
	strbuf_reset(&message);
	strbuf_reset(&json);
	report.error = 0;
	report.kind = BS_KIND_LISTEN;
	report.holder_count = 0;
	syslog_identity_init(&id, 16, "vm", 1);
	CHECK_INT(syslog_render_report(&message, &id, &report), 0);
	CHECK_INT(json_render_report(&report, &json), 0);
	/* local0.info = 16 * 8 + 6 */
	CHECK(!strncmp(message.data, "<134>1 2026-11-24T18:52:01.123456Z vm bindsnoop 1 listen ",
		       56));
	CHECK_CONTAINS(message.data, "[bindsnoop@32473 seq=\"41\" event=\"listen\" proto=\"tcp\" ");
	CHECK(!strstr(message.data, "error="));
	CHECK(!strstr(message.data, "holder_pid="));
	check_message_json(message.data, json.data);

	/* A hostile command name: escaped in SD, exact (JSON-escaped) in MSG. */
	strbuf_reset(&message);
	strbuf_reset(&json);
	report.error = EACCES;
	report.kind = BS_KIND_BIND;
	strcpy(report.caller.comm, "a]b\"c\\\n\xff");
	CHECK_INT(syslog_render_report(&message, &id, &report), 0);
	CHECK_INT(json_render_report(&report, &json), 0);
	CHECK(!strncmp(message.data, "<132>1 ", 7)); /* warning */
	CHECK_CONTAINS(message.data, " error=\"EACCES\" ");
	CHECK_CONTAINS(message.data, " comm=\"a\\]b\\\"c\\\\??\"]");
	check_message_json(message.data, json.data);

	/* An errno without a name, IPv6, a protocol number. */
	strbuf_reset(&message);
	report.error = 200;
	report.family = AF_INET6;
	report.protocol = 200;
	inet_pton(AF_INET6, "::1", report.addr);
	CHECK_INT(syslog_render_report(&message, &id, &report), 0);
	CHECK_CONTAINS(message.data, " error=\"E200\" proto=\"ipproto-200\" addr=\"::1\" ");

	/* Appends: what was in the buffer stays. */
	strbuf_reset(&message);
	strbuf_append_literal(&message, "earlier");
	CHECK_INT(syslog_render_report(&message, &id, &report), 0);
	CHECK(!strncmp(message.data, "earlier<132>1 ", 14));
	strbuf_release(&message);
	strbuf_release(&json);
}

static void test_other_messages(void)
{
	struct syslog_identity id;
	struct strbuf message = STRBUF_INIT;
	struct session_info info;
	struct options opts;

	syslog_identity_init(&id, 3, "vm", 9);
	CHECK_INT(syslog_render_lost(&message, &id, 5, SAMPLE_NS, 12), 0);
	/* daemon.notice = 29 */
	CHECK_STR(message.data,
		  "<29>1 2026-11-24T18:52:01.123456Z vm bindsnoop 9 lost [bindsnoop@32473 "
		  "seq=\"5\" event=\"lost\" count=\"12\"] {\"v\":2,\"seq\":5,\"ts\":\"2026-11-24T18:52:01.123456Z\","
		  "\"event\":\"lost\",\"count\":12}");
	strbuf_reset(&message);
	CHECK_INT(syslog_render_dropped(&message, &id, 6, SAMPLE_NS, 3), 0);
	CHECK_STR(message.data,
		  "<29>1 2026-11-24T18:52:01.123456Z vm bindsnoop 9 dropped [bindsnoop@32473 "
		  "seq=\"6\" event=\"dropped\" count=\"3\"] {\"v\":2,\"seq\":6,\"ts\":\"2026-11-24T18:52:01.123456Z\","
		  "\"event\":\"dropped\",\"count\":3}");

	memset(&opts, 0, sizeof(opts));
	memset(&info, 0, sizeof(info));
	info.seq = 1;
	info.ts_realtime_ns = SAMPLE_NS;
	info.pid = 9;
	info.version = "0.1.0";
	info.backend = "tracepoint";
	info.opts = &opts;
	strcpy(info.host, "vm");
	strcpy(info.kernel, "6.1.0-1-amd64");
	strbuf_reset(&message);
	CHECK_INT(syslog_render_session(&message, &id, &info, true, 0), 0);
	CHECK_STR(message.data,
		  "<29>1 2026-11-24T18:52:01.123456Z vm bindsnoop 9 start [bindsnoop@32473 "
		  "seq=\"1\" event=\"start\" backend=\"tracepoint\" kernel=\"6.1.0-1-amd64\" "
		  "version=\"0.1.0\"] {\"v\":2,\"seq\":1,\"ts\":\"2026-11-24T18:52:01.123456Z\","
		  "\"event\":\"start\",\"host\":\"vm\",\"pid\":9,\"backend\":\"tracepoint\","
		  "\"kernel\":\"6.1.0-1-amd64\",\"filters\":{\"all\":false,\"ports\":null,"
		  "\"pids\":null,\"uids\":null,\"comms\":null,\"errnos\":null,\"paths\":null},"
		  "\"version\":\"0.1.0\",\"degraded\":null}");
	strbuf_reset(&message);
	info.received = 100;
	info.lost = 2;
	info.repeats = 5000;
	CHECK_INT(syslog_render_session(&message, &id, &info, false, 7), 0);
	CHECK_STR(message.data,
		  "<29>1 2026-11-24T18:52:01.123456Z vm bindsnoop 9 stop [bindsnoop@32473 "
		  "seq=\"1\" event=\"stop\" backend=\"tracepoint\" received=\"100\" lost=\"2\" "
		  "repeats=\"5000\" dropped=\"7\"] {\"v\":2,\"seq\":1,\"ts\":\"2026-11-24T18:52:01.123456Z\","
		  "\"event\":\"stop\",\"host\":\"vm\",\"pid\":9,\"backend\":\"tracepoint\","
		  "\"received\":100,\"lost\":2,\"repeats\":5000,\"dropped\":7}");
	strbuf_release(&message);
}

/* ---- the queue ---- */

static void test_queue_basics(void)
{
	struct msg_queue queue;
	const char *record;
	size_t len;
	char *slot;

	CHECK_INT(msg_queue_init(&queue, 4), -EINVAL);
	CHECK_INT(msg_queue_init(&queue, 64), 0);
	CHECK(msg_queue_empty(&queue));
	CHECK(msg_queue_front(&queue, &len) == NULL);
	CHECK(msg_queue_unsent(&queue, &len) == NULL);

	slot = msg_queue_push(&queue, 5);
	CHECK(slot != NULL);
	memcpy(slot, "hello", 5);
	slot = msg_queue_push(&queue, 0); /* an empty record is a record */
	CHECK(slot != NULL);
	CHECK_INT(queue.count, 2);
	CHECK_INT(queue.bytes, 5);
	record = msg_queue_front(&queue, &len);
	CHECK_INT(len, 5);
	CHECK(record && !memcmp(record, "hello", 5));

	/* 64 bytes: 4 + 8 (hello) + 4 (empty) used; 48 left, so 44 payload fits, 45 not. */
	CHECK(msg_queue_push(&queue, 45) == NULL);
	CHECK(msg_queue_push(&queue, 100) == NULL);
	CHECK(msg_queue_push(&queue, 44) != NULL);
	CHECK(msg_queue_push(&queue, 0) == NULL);
	CHECK_INT(queue.count, 3);

	/* Sent but kept, then rewound: the cursor comes back to the head. */
	msg_queue_mark_sent(&queue);
	record = msg_queue_unsent(&queue, &len);
	CHECK_INT(len, 0);
	CHECK_INT(queue.unsent, 2);
	msg_queue_rewind(&queue);
	CHECK_INT(queue.unsent, 3);
	msg_queue_mark_sent(&queue);
	msg_queue_pop(&queue);
	CHECK_INT(queue.count, 2);
	CHECK_INT(queue.unsent, 2);
	/* Popping an unsent record moves the cursor with it. */
	msg_queue_pop(&queue);
	CHECK_INT(queue.unsent, 1);
	record = msg_queue_unsent(&queue, &len);
	CHECK_INT(len, 44);
	msg_queue_pop(&queue);
	CHECK(msg_queue_empty(&queue));
	CHECK_INT(queue.bytes, 0);
	/* Empty again: the whole ring is free. */
	CHECK(msg_queue_push(&queue, 60) != NULL);
	msg_queue_pop(&queue);
	msg_queue_pop(&queue); /* on an empty queue: nothing */
	msg_queue_release(&queue);
	msg_queue_release(&queue); /* twice is fine */
}

/* The model: records numbered in order; each holds its number and a length. */
struct model_record {
	unsigned int number;
	size_t len;
};

static void fill_record(char *slot, unsigned int number, size_t len)
{
	for (size_t i = 0; i < len; i++)
		slot[i] = (char)(number * 31 + i);
}

static bool record_matches(const char *record, size_t len, const struct model_record *model)
{
	if (len != model->len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (record[i] != (char)(model->number * 31 + i))
			return false;
	return true;
}

/*
 * Random pushes, sends, pops and rewinds on a small ring (so it wraps all
 * the time), each step checked against a plain array: same records, same
 * order, same bytes, never more than the capacity in use.
 */
static void test_queue_against_model(void)
{
	enum { CAPACITY = 1000, STEPS = 200000, MODEL_MAX = 1000 };
	static struct model_record model[MODEL_MAX];
	size_t model_head = 0, model_count = 0, model_sent = 0;
	unsigned int next_number = 0, mismatches = 0, refused = 0, accepted = 0;
	struct msg_queue queue;

	srand(4242);
	CHECK_INT(msg_queue_init(&queue, CAPACITY), 0);
	for (int step = 0; step < STEPS; step++) {
		int action = rand() % 10;
		const char *record;
		size_t len;

		if (action < 5) {
			size_t want = rand() % 3 == 0 ? rand() % 400 : rand() % 40;
			char *slot = msg_queue_push(&queue, want);

			if (slot) {
				struct model_record *entry =
					&model[(model_head + model_count) % MODEL_MAX];

				entry->number = next_number++;
				entry->len = want;
				fill_record(slot, entry->number, want);
				model_count++;
				accepted++;
			} else {
				refused++;
				/*
				 * Refused only when short of room: records use at most
				 * 7 bytes more than their payload, a record needs at
				 * most want + 7, and at most one record's worth (403)
				 * is lost at the end of the ring, or the free space is
				 * split in two.
				 */
				if (queue.bytes + 7 * queue.count + 2 * (want + 7) + 403 <=
				    CAPACITY)
					mismatches++;
			}
		} else if (action < 7) {
			record = msg_queue_unsent(&queue, &len);
			if ((record == NULL) != (model_sent == model_count)) {
				mismatches++;
			} else if (record) {
				if (!record_matches(record, len,
						    &model[(model_head + model_sent) % MODEL_MAX]))
					mismatches++;
				msg_queue_mark_sent(&queue);
				model_sent++;
			}
		} else if (action < 9) {
			record = msg_queue_front(&queue, &len);
			if ((record == NULL) != (model_count == 0)) {
				mismatches++;
			} else if (record) {
				if (!record_matches(record, len, &model[model_head]))
					mismatches++;
				msg_queue_pop(&queue);
				model_head = (model_head + 1) % MODEL_MAX;
				model_count--;
				if (model_sent)
					model_sent--;
			}
		} else {
			msg_queue_rewind(&queue);
			model_sent = 0;
		}
		if (queue.count != model_count || queue.unsent != model_count - model_sent)
			mismatches++;
	}
	/* The iterator sees the unsent records in order. */
	{
		struct msg_queue_iter iter;
		const char *record;
		size_t len, seen = 0;

		msg_queue_iter_unsent(&queue, &iter);
		while ((record = msg_queue_iter_next(&queue, &iter, &len))) {
			if (!record_matches(record, len,
					    &model[(model_head + model_sent + seen) % MODEL_MAX]))
				mismatches++;
			seen++;
		}
		CHECK_INT(seen, model_count - model_sent);
	}
	CHECK_INT(mismatches, 0);
	CHECK(accepted > 10000);
	CHECK(refused > 100);
	msg_queue_release(&queue);
}

int main(void)
{
	test_targets();
	test_facilities();
	test_sd_escaping();
	test_octet_counting();
	test_identity();
	test_report_message();
	test_other_messages();
	test_queue_basics();
	test_queue_against_model();
	return unit_summary();
}
