// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The records around the events: "start" (host, backend, kernel, filters),
 * "stop" (totals) and "dropped" (syslog), exact lines, and session_info_init.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "output/json_event.h"
#include "options.h"
#include "output/session.h"
#include "sample_report.h"
#include "unit.h"
#include "shared_facts.h"

/* 2026-11-24T18:52:01.123456789Z */

static void sample_session(struct session_info *info, struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	memset(info, 0, sizeof(*info));
	info->seq = 1;
	info->ts_realtime_ns = SAMPLE_NS;
	info->pid = 321;
	info->version = "0.1.0";
	info->backend = "fexit";
	info->opts = opts;
	strcpy(info->host, "web-01");
	strcpy(info->kernel, "6.12.9+bpo-cloud-amd64");
}

static void check_line(int result, struct strbuf *sb, const char *expected)
{
	CHECK_INT(result, 0);
	CHECK_STR(sb->data, expected);
	strbuf_reset(sb);
}

static void set_port(struct options *opts, unsigned int port)
{
	bs_bit_set(opts->filters.port_bitmap, port);
	opts->filters.filter_ports = true;
}

static void test_start(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct session_info info;
	struct options opts;

	sample_session(&info, &opts);
	check_line(json_render_start(&info, &sb), &sb,
		   "{\"v\":2,\"seq\":1,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"start\","
		   "\"host\":\"web-01\",\"pid\":321,\"backend\":\"fexit\","
		   "\"kernel\":\"6.12.9+bpo-cloud-amd64\",\"filters\":{\"all\":false,"
		   "\"ports\":null,\"pids\":null,\"uids\":null,\"comms\":null,\"errnos\":null,"
		   "\"paths\":null},"
		   "\"version\":\"0.1.0\",\"degraded\":null}\n");

	/* Every filter: ports as single ports and ranges, in order. */
	opts.all = true;
	set_port(&opts, 0);
	set_port(&opts, 80);
	set_port(&opts, 443);
	for (unsigned int port = 3000; port <= 3100; port++)
		set_port(&opts, port);
	set_port(&opts, 65535);
	opts.filters.pid_count = 2;
	opts.filters.pids[0] = 4242;
	opts.filters.pids[1] = 1;
	opts.filters.uid_count = 1;
	opts.filters.uids[0] = 1000;
	opts.filters.comm_count = 2;
	strcpy(opts.filters.comms[0], "node");
	strcpy(opts.filters.comms[1], "we\"ird");
	opts.filters.filter_errnos = true;
	opts.filters.errno_bitmap[0] |= 1ULL << EACCES;
	opts.filters.errno_bitmap[EADDRINUSE / 64] |= 1ULL << (EADDRINUSE % 64);
	opts.filters.errno_bitmap[200 / 64] |= 1ULL << (200 % 64);
	/* --path as given: a path, a prefix, an abstract name's bytes escaped, a literal '*'. */
	path_filter_add(&opts.paths, "/run/app.sock", 13);
	path_filter_add(&opts.paths, "/run/php/*", 10);
	path_filter_add(&opts.paths, "@a\\x01b", 7);
	path_filter_add(&opts.paths, "/x\\x2a", 6);
	check_line(json_render_start(&info, &sb), &sb,
		   "{\"v\":2,\"seq\":1,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"start\","
		   "\"host\":\"web-01\",\"pid\":321,\"backend\":\"fexit\","
		   "\"kernel\":\"6.12.9+bpo-cloud-amd64\",\"filters\":{\"all\":true,"
		   "\"ports\":[\"0\",\"80\",\"443\",\"3000-3100\",\"65535\"],\"pids\":[4242,1],"
		   "\"uids\":[1000],\"comms\":[\"node\",\"we\\\"ird\"],"
		   "\"errnos\":[\"EACCES\",\"EADDRINUSE\",\"E200\"],"
		   "\"paths\":[\"/run/app.sock\",\"/run/php/*\",\"@a\\\\x01b\",\"/x\\\\x2a\"]},"
		   "\"version\":\"0.1.0\",\"degraded\":null}\n");

	/* A host name with a control byte still makes a line that parses. */
	sample_session(&info, &opts);
	strcpy(info.host, "a\nb");
	CHECK_INT(json_render_start(&info, &sb), 0);
	CHECK_CONTAINS(sb.data, "\"host\":\"a\\nb\"");
	CHECK_INT(strchr(sb.data, '\n') - sb.data, (long long)sb.len - 1);
	strbuf_release(&sb);
}

static void test_stop_and_dropped(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct session_info info;
	struct options opts;

	sample_session(&info, &opts);
	info.received = 10000;
	info.lost = 3;
	check_line(json_render_stop(&info, 0, &sb), &sb,
		   "{\"v\":2,\"seq\":1,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"stop\","
		   "\"host\":\"web-01\",\"pid\":321,\"backend\":\"fexit\",\"received\":10000,"
		   "\"lost\":3,\"repeats\":0,\"dropped\":0}\n");
	check_line(json_render_stop(&info, 18446744073709551615ULL, &sb), &sb,
		   "{\"v\":2,\"seq\":1,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"stop\","
		   "\"host\":\"web-01\",\"pid\":321,\"backend\":\"fexit\",\"received\":10000,"
		   "\"lost\":3,\"repeats\":0,\"dropped\":18446744073709551615}\n");
	check_line(json_render_dropped(18446744073709551615ULL, SAMPLE_NS, 42, &sb), &sb,
		   "{\"v\":2,\"seq\":18446744073709551615,\"ts\":\"2026-11-24T18:52:01.123456Z\",\"event\":\"dropped\","
		   "\"count\":42}\n");
	strbuf_release(&sb);
}

static void test_session_info_init(void)
{
	struct session_info info;
	struct options opts;

	memset(&opts, 0, sizeof(opts));
	session_info_init(&info, &opts, "tracepoint");
	CHECK_INT(info.pid, getpid());
	CHECK_STR(info.version, BINDSNOOP_VERSION);
	CHECK_STR(info.backend, "tracepoint");
	CHECK(info.opts == &opts);
	CHECK(info.host[0] != '\0');
	CHECK(info.kernel[0] >= '0' && info.kernel[0] <= '9');
	CHECK(info.ts_realtime_ns > SAMPLE_NS - 365ULL * 86400 * 1000000000ULL * 10);
	CHECK_INT(info.received, 0);
	CHECK_INT(info.lost, 0);
}

int main(void)
{
	test_start();
	test_stop_and_dropped();
	test_session_info_init();
	return unit_summary();
}
