// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pure pieces of --metrics: label value escaping, the exposition text of
 * every family (checked line by line, and every sample line against the
 * text format's grammar), bounded label sets, the ADDR:PORT parser, and the
 * process_* series.
 */
#include <errno.h>
#include <netinet/in.h>
#include <regex.h>
#include <sys/socket.h>
#include <stdlib.h>
#include "output/listen_address.h"
#include "output/metrics.h"
#include "options.h"
#include "output/process_metrics.h"
#include "sample_report.h"
#include "unit.h"

static char *escaped(const char *value, size_t len)
{
	static char result[256];
	struct strbuf sb = STRBUF_INIT;

	CHECK_INT(metrics_append_label_value(&sb, value, len), 0);
	snprintf(result, sizeof(result), "%s", sb.data ? sb.data : "");
	strbuf_release(&sb);
	return result;
}

static void test_label_escaping(void)
{
	CHECK_STR(escaped("node", 4), "node");
	/* A process may name itself anything (prctl PR_SET_NAME): quotes, backslashes, newlines. */
	CHECK_STR(escaped("a\"b\\c\nd", 7), "a\\\"b\\\\c\\nd");
	CHECK_STR(escaped("\"\"\n\\", 4), "\\\"\\\"\\n\\\\");
	/* Valid UTF-8 stays; invalid bytes become U+FFFD, one each. */
	CHECK_STR(escaped("caf\xc3\xa9", 5), "caf\xc3\xa9");
	CHECK_STR(escaped("x\xff\xfey", 4), "x\xef\xbf\xbd\xef\xbf\xbdy");
	CHECK_STR(escaped("\xc3", 1), "\xef\xbf\xbd");
	/* Tabs and other bytes the format allows are kept as they are. */
	CHECK_STR(escaped("a\tb", 3), "a\tb");
}

static char *render(struct metrics *metrics)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK_INT(metrics_render(metrics, METRICS_TEXT, &sb), 0);
	return sb.data;
}

/* Whether text has exactly this line. */
static int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *at = text; at && (at = strstr(at, line)); at++)
		if ((at == text || at[-1] == '\n') && at[len] == '\n')
			return 1;
	return 0;
}

#define CHECK_LINE(text, line)                                                \
	do {                                                                  \
		int has_ = has_line((text), (line));                          \
		unit_record(has_, __FILE__, __LINE__, "has line: " line);     \
		if (!has_)                                                    \
			printf("     in:\n%s\n", (text) ? (text) : "(null)"); \
	} while (0)

/*
 * Every line is a HELP or TYPE comment or a sample of the text format: a
 * metric name, optional labels with quoted, escaped values, and a number;
 * every family has HELP and TYPE before its first sample.
 */
static void check_grammar(const char *text)
{
	regex_t sample, comment;
	char *copy = strdup(text), *save = NULL;
	int bad = 0, lines = 0;

	CHECK_INT(regcomp(&sample,
			  "^[a-zA-Z_:][a-zA-Z0-9_:]*"
			  "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
			  "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\})?"
			  " [0-9]+(\\.[0-9]+)?$",
			  REG_EXTENDED | REG_NOSUB),
		  0);
	CHECK_INT(regcomp(&comment,
			  "^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
			  "(counter|gauge|info))$",
			  REG_EXTENDED | REG_NOSUB),
		  0);
	CHECK(text[strlen(text) - 1] == '\n');
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		if (regexec(line[0] == '#' ? &comment : &sample, line, 0, NULL, 0)) {
			printf("     not in the text format: %s\n", line);
			bad++;
		}
	}
	CHECK_INT(bad, 0);
	CHECK(lines > 10);
	regfree(&sample);
	regfree(&comment);
	free(copy);
}

static void test_exposition(void)
{
	struct metrics *metrics = metrics_new(NULL);
	struct bind_report report;
	char *text;

	/* Before any event: every family is there, counters at zero, no build_info sample. */
	text = render(metrics);
	CHECK_LINE(text, "# TYPE bindsnoop_failures_total counter");
	CHECK_LINE(text, "bindsnoop_events_lost_total 0");
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"other\"} 0");
	CHECK(!strstr(text, "bindsnoop_build_info{"));
	check_grammar(text);
	free(text);

	metrics_set_build_info(metrics, "0.1.0", "tracepoint", "6.1.0-27-cloud-amd64");
	metrics_set_build_info(metrics, "9.9.9", "fexit", "later");
	sample_report(&report);
	for (int i = 0; i < 3; i++)
		metrics_count_report(metrics, &report, "port_in_use");
	report.kind = BS_KIND_LISTEN;
	report.family = AF_INET6;
	report.protocol = IPPROTO_UDP;
	report.error = EACCES;
	report.holder_count = 0;
	strcpy(report.caller.comm, "a\"b\\c\nd");
	metrics_count_report(metrics, &report, NULL);
	/* A success (--all) counts as received, nowhere else. */
	report.error = 0;
	metrics_count_report(metrics, &report, "port_in_use");
	metrics_count_lost(metrics, 5);
	metrics_count_lost(metrics, 2);
	metrics_set_dropped(metrics, 11);

	text = render(metrics);
	CHECK_LINE(text, "bindsnoop_build_info{version=\"0.1.0\",backend=\"tracepoint\","
			 "kernel=\"6.1.0-27-cloud-amd64\"} 1");
	CHECK_LINE(text, "# TYPE bindsnoop_build_info gauge");
	CHECK_LINE(text, "bindsnoop_events_received_total 5");
	CHECK_LINE(text, "bindsnoop_events_lost_total 7");
	CHECK_LINE(text, "bindsnoop_events_dropped_total 11");
	CHECK_LINE(text, "bindsnoop_failures_total{event=\"bind_failed\",error=\"EADDRINUSE\","
			 "proto=\"tcp\",family=\"ipv4\"} 3");
	CHECK_LINE(text, "bindsnoop_failures_total{event=\"listen_failed\",error=\"EACCES\","
			 "proto=\"udp\",family=\"ipv6\"} 1");
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"3000\"} 4");
	CHECK_LINE(text, "bindsnoop_failures_by_comm_total{comm=\"python3\"} 3");
	CHECK_LINE(text, "bindsnoop_failures_by_comm_total{comm=\"a\\\"b\\\\c\\nd\"} 1");
	CHECK_LINE(text, "bindsnoop_failures_by_cause_total{cause=\"port_in_use\"} 3");
	CHECK_LINE(text, "bindsnoop_failures_by_cause_total{cause=\"unknown\"} 1");
	CHECK_LINE(text, "bindsnoop_holder_lookups_total{source=\"kernel\"} 3");
	CHECK_LINE(text, "bindsnoop_holder_lookups_total{source=\"none\"} 1");
	CHECK_LINE(text, "bindsnoop_holder_lookups_total{source=\"sock_diag\"} 0");
	check_grammar(text);
	free(text);
	metrics_free(metrics);
}

/* A folded record counts as the failures it stands for, everywhere. */
static void test_folded_counts(void)
{
	struct metrics *metrics = metrics_new(NULL);
	struct bind_report report;
	char *text;

	sample_report(&report);
	metrics_count_report(metrics, &report, "port_in_use");
	report.count = 4999;
	report.folded = true;
	metrics_count_report(metrics, &report, "port_in_use");
	text = render(metrics);
	CHECK_LINE(text, "bindsnoop_events_received_total 2");
	CHECK_LINE(text, "bindsnoop_failures_total{event=\"bind_failed\",error=\"EADDRINUSE\","
			 "proto=\"tcp\",family=\"ipv4\"} 5000");
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"3000\"} 5000");
	CHECK_LINE(text, "bindsnoop_failures_by_comm_total{comm=\"python3\"} 5000");
	CHECK_LINE(text, "bindsnoop_failures_by_cause_total{cause=\"port_in_use\"} 5000");
	free(text);
	metrics_free(metrics);
}

/*
 * A Unix-domain failure: family "unix", its socket type as the protocol (as
 * its JSON says it), no port series (it has none); an unknown type is "other".
 */
static void test_unix_family(void)
{
	struct metrics *metrics = metrics_new(NULL);
	struct bind_report report;
	char *text;

	sample_report(&report);
	report.family = BS_AF_UNIX;
	report.protocol = 0;
	report.port = 0;
	report.unix_target.sock_type = SOCK_STREAM;
	metrics_count_report(metrics, &report, "stale_socket_file");
	metrics_count_report(metrics, &report, "stale_socket_file");
	report.unix_target.sock_type = SOCK_SEQPACKET;
	metrics_count_report(metrics, &report, "same_program");
	report.unix_target.sock_type = 99;
	metrics_count_report(metrics, &report, NULL);
	text = render(metrics);
	CHECK_LINE(text, "bindsnoop_failures_total{event=\"bind_failed\",error=\"EADDRINUSE\","
			 "proto=\"unix_stream\",family=\"unix\"} 2");
	CHECK_LINE(text, "bindsnoop_failures_total{event=\"bind_failed\",error=\"EADDRINUSE\","
			 "proto=\"unix_seqpacket\",family=\"unix\"} 1");
	CHECK_LINE(text, "bindsnoop_failures_total{event=\"bind_failed\",error=\"EADDRINUSE\","
			 "proto=\"other\",family=\"unix\"} 1");
	CHECK(!strstr(text, "family=\"other\""));
	CHECK(!strstr(text, "bindsnoop_failures_by_port_total{port=\"0\"}"));
	CHECK_LINE(text, "bindsnoop_failures_by_cause_total{cause=\"stale_socket_file\"} 2");
	check_grammar(text);
	free(text);
	metrics_free(metrics);
}

/* Ports past the bound go to "other"; the first ones keep their series. */
static void test_bounded_ports(void)
{
	struct metrics *metrics = metrics_new(NULL);
	struct bind_report report;
	char line[128], *text;
	int series = 0;

	sample_report(&report);
	for (int port = 40000; port < 40000 + METRICS_PORT_SERIES_MAX + 10; port++) {
		report.port = port;
		metrics_count_report(metrics, &report, "unknown");
		metrics_count_report(metrics, &report, "unknown");
	}
	text = render(metrics);
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"40000\"} 2");
	snprintf(line, sizeof(line), "bindsnoop_failures_by_port_total{port=\"%d\"} 2",
		 40000 + METRICS_PORT_SERIES_MAX - 1);
	CHECK(has_line(text, line));
	snprintf(line, sizeof(line), "bindsnoop_failures_by_port_total{port=\"%d\"}",
		 40000 + METRICS_PORT_SERIES_MAX);
	CHECK(!strstr(text, line));
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"other\"} 20");
	for (const char *at = text; (at = strstr(at, "bindsnoop_failures_by_port_total{")); at++)
		series++;
	CHECK_INT(series, METRICS_PORT_SERIES_MAX + 1);
	free(text);
	metrics_free(metrics);
}

/* Each sample line's series (name and labels) appears once: Prometheus keeps one of two. */
static void check_unique_series(const char *text)
{
	char *copy = strdup(text), *save = NULL, *seen[512];
	int count = 0, duplicates = 0;

	for (char *line = strtok_r(copy, "\n", &save); line && count < 512;
	     line = strtok_r(NULL, "\n", &save)) {
		char *value = strrchr(line, ' ');

		if (line[0] == '#' || !value)
			continue;
		*value = '\0';
		for (int i = 0; i < count; i++)
			if (!strcmp(seen[i], line)) {
				printf("     series twice: %s\n", line);
				duplicates++;
			}
		seen[count++] = line;
	}
	CHECK_INT(duplicates, 0);
	free(copy);
}

/*
 * Processes name themselves: a process named "other", or two whose names
 * differ only in invalid UTF-8 (both written as U+FFFD), must not make a
 * series twice. The names past the first 32 share one series whose label no
 * name can take.
 */
static void test_comm_series_unique(void)
{
	struct metrics *metrics = metrics_new(NULL);
	struct bind_report report;
	char *text;

	sample_report(&report);
	strcpy(report.caller.comm, "other");
	metrics_count_report(metrics, &report, "unknown");
	strcpy(report.caller.comm, "x\xff");
	metrics_count_report(metrics, &report, "unknown");
	strcpy(report.caller.comm, "x\xfe");
	metrics_count_report(metrics, &report, "unknown");
	strcpy(report.caller.comm, "x\xef\xbf\xbd");
	metrics_count_report(metrics, &report, "unknown");
	for (int i = 0; i < METRICS_COMM_SERIES_MAX; i++) {
		snprintf(report.caller.comm, sizeof(report.caller.comm), "worker-%u", (unsigned int)i & 0xffff);
		metrics_count_report(metrics, &report, "unknown");
	}
	/* Fifteen bytes, the longest name a process can take, of the overflow's kind. */
	strcpy(report.caller.comm, "(other commands");
	metrics_count_report(metrics, &report, "unknown");
	text = render(metrics);
	check_unique_series(text);
	check_grammar(text);
	CHECK_LINE(text, "bindsnoop_failures_by_comm_total{comm=\"other\"} 1");
	CHECK_LINE(text, "bindsnoop_failures_by_comm_total{comm=\"x\xef\xbf\xbd\"} 3");
	CHECK_LINE(text, "bindsnoop_failures_by_comm_total{comm=\"worker-29\"} 1");
	/* "other" and "x\uFFFD" took 2 of the 32: worker-30, worker-31 and the last go over. */
	CHECK_LINE(text, "bindsnoop_failures_by_comm_total{comm=\"(other commands)\"} 3");
	free(text);
	metrics_free(metrics);
}

/* --port ports have their series from the start, at zero. */
static void test_port_filter_series(void)
{
	char *argv[] = { "bindsnoop", "--port", "80,443,3000-3002", NULL };
	struct options opts;
	struct metrics *metrics;
	struct bind_report report;
	char *text;

	CHECK_INT(options_parse(3, argv, &opts, stdout, stderr), OPTIONS_RUN);
	metrics = metrics_new(&opts);
	sample_report(&report);
	report.port = 3001;
	metrics_count_report(metrics, &report, "unknown");
	text = render(metrics);
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"80\"} 0");
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"443\"} 0");
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"3000\"} 0");
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"3001\"} 1");
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"3002\"} 0");
	CHECK_LINE(text, "bindsnoop_failures_by_port_total{port=\"other\"} 0");
	free(text);
	metrics_free(metrics);
}

/* OpenMetrics: counter families without _total, build info as an info family, "# EOF" last. */
static void test_openmetrics(void)
{
	struct metrics *metrics = metrics_new(NULL);
	struct strbuf sb = STRBUF_INIT;
	struct bind_report report;

	metrics_set_build_info(metrics, "0.1.0", "tracepoint", "6.1.0");
	sample_report(&report);
	metrics_count_report(metrics, &report, "unknown");
	CHECK_INT(metrics_render(metrics, METRICS_OPENMETRICS, &sb), 0);
	CHECK_INT(process_metrics_render(METRICS_OPENMETRICS, &sb), 0);
	CHECK_INT(metrics_append_end(&sb, METRICS_OPENMETRICS), 0);
	CHECK_LINE(sb.data, "# TYPE bindsnoop_failures counter");
	CHECK_LINE(sb.data, "# TYPE bindsnoop_events_lost counter");
	CHECK_LINE(sb.data, "# TYPE process_cpu_seconds counter");
	CHECK_LINE(sb.data, "# TYPE process_open_fds gauge");
	CHECK(!strstr(sb.data, "# TYPE bindsnoop_failures_total"));
	CHECK_LINE(sb.data, "bindsnoop_failures_total{event=\"bind_failed\",error=\"EADDRINUSE\","
			    "proto=\"tcp\",family=\"ipv4\"} 1");
	CHECK_LINE(sb.data, "# TYPE bindsnoop_build info");
	CHECK_LINE(sb.data, "bindsnoop_build_info{version=\"0.1.0\",backend=\"tracepoint\","
			    "kernel=\"6.1.0\"} 1");
	CHECK(sb.len > 6 && !strcmp(sb.data + sb.len - 6, "# EOF\n"));
	/* The text format has no EOF marker. */
	strbuf_reset(&sb);
	CHECK_INT(metrics_append_end(&sb, METRICS_TEXT), 0);
	CHECK_INT(sb.len, 0);
	strbuf_release(&sb);
	metrics_free(metrics);
}

static void check_address(const char *text, int family, int port)
{
	struct listen_address address;
	char problem[200] = "";

	CHECK_INT(listen_address_parse(text, &address, problem, sizeof(problem)), 0);
	CHECK_STR(problem, "");
	CHECK_INT(address.addr.ss_family, family);
	CHECK_INT(ntohs(((struct sockaddr_in *)&address.addr)->sin_port), port);
	CHECK_STR(address.text, text);
}

static void check_bad_address(const char *text, const char *reason)
{
	struct listen_address address;
	char problem[200] = "";

	CHECK_INT(listen_address_parse(text, &address, problem, sizeof(problem)), -EINVAL);
	CHECK_CONTAINS(problem, reason);
}

static void test_listen_address(void)
{
	check_address("127.0.0.1:9719", AF_INET, 9719);
	check_address("0.0.0.0:1", AF_INET, 1);
	check_address("localhost:65535", AF_INET, 65535);
	check_address("[::1]:9719", AF_INET6, 9719);
	check_address("[::]:9719", AF_INET6, 9719);
	check_bad_address("9719", "has no port; write ADDR:PORT");
	check_bad_address(":9719", "has no address");
	check_bad_address("127.0.0.1", "has no port");
	check_bad_address("127.0.0.1:", "has a bad port");
	check_bad_address("127.0.0.1:0", "has a bad port");
	check_bad_address("127.0.0.1:65536", "has a bad port");
	check_bad_address("127.0.0.1:http", "has a bad port");
	check_bad_address("::1:9719", "without brackets");
	check_bad_address("[::1:9719", "lacks the ']'");
	check_bad_address("[::1]", "has no port after ']'");
	check_bad_address("[127.0.0.1]:9719", "has no IPv6 address in []");
	check_bad_address("prometheus.example:9719", "not an IPv4 address");
}

static void test_process_metrics(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *resident;

	CHECK_INT(process_metrics_render(METRICS_TEXT, &sb), 0);
	CHECK_CONTAINS(sb.data, "# TYPE process_cpu_seconds_total counter\n");
	CHECK_CONTAINS(sb.data, "# TYPE process_open_fds gauge\n");
	CHECK_CONTAINS(sb.data, "\nprocess_start_time_seconds 1");
	resident = sb.data ? strstr(sb.data, "\nprocess_resident_memory_bytes ") : NULL;
	CHECK(resident && strtoull(resident + 31, NULL, 10) > 100000);
	if (sb.data)
		check_grammar(sb.data);
	strbuf_release(&sb);
}

int main(void)
{
	test_label_escaping();
	test_exposition();
	test_folded_counts();
	test_unix_family();
	test_bounded_ports();
	test_comm_series_unique();
	test_openmetrics();
	test_port_filter_series();
	test_listen_address();
	test_process_metrics();
	return unit_summary();
}
