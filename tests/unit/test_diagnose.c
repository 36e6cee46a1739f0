// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * diagnose(): one case per cause code, each a report shaped like the real
 * failure, checked for the cause, the names in the summary and the fix.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include "diagnose/diagnose.h"
#include "sample_report.h"
#include "unit.h"
#include "shared_facts.h"

#define SECOND 1000000000ULL

static struct process_ref *holder_process(struct bind_report *report)
{
	return &report->holders[0].processes[0];
}

/* python3 (/usr/bin/python3.11) against node (/usr/bin/node), both known. */
static void base(struct bind_report *report)
{
	sample_report(report);
	report->caller_socket = (struct caller_socket){ -1, -1, -1 };
	report->limits = (struct netns_limits){ -1, -1, -1 };
	strcpy(report->caller.identity.exe, "/usr/bin/python3.11");
	report->caller.identity.exe_dev = 2049;
	report->caller.identity.exe_ino = 1001;
	strcpy(holder_process(report)->identity.exe, "/usr/bin/node");
	holder_process(report)->identity.exe_dev = 2049;
	holder_process(report)->identity.exe_ino = 2002;
	holder_process(report)->identity.start_realtime_ns = SAMPLE_NS - 312 * SECOND;
}

static void make_same_program(struct bind_report *report)
{
	base(report);
	*holder_process(report) = (struct process_ref){ .pid = 4000, .cmdline_known = true };
	strcpy(holder_process(report)->comm, "python3");
	strcpy(holder_process(report)->cmdline, "python3 -m http.server 3000");
	holder_process(report)->identity = report->caller.identity;
	holder_process(report)->identity.start_realtime_ns = SAMPLE_NS - 65 * SECOND;
}

static void make_same_program_unit(struct bind_report *report)
{
	make_same_program(report);
	strcpy(report->caller.identity.service, "app.service");
	strcpy(holder_process(report)->identity.service, "app.service");
}

static void make_own_socket(struct bind_report *report)
{
	base(report);
	*holder_process(report) = (struct process_ref){ .pid = 4242 };
	strcpy(holder_process(report)->comm, "python3");
}

static void make_other_program(struct bind_report *report)
{
	base(report);
	strcpy(holder_process(report)->identity.service, "node-api.service");
}

/* An AF_UNIX bind of /run/app.sock (or the abstract name "@app") that failed. */
static void make_unix(struct bind_report *report, int error, const char *name)
{
	struct unix_target *target = &report->unix_target;

	base(report);
	report->error = error;
	report->family = BS_AF_UNIX;
	report->protocol = 0;
	report->port = 0;
	memset(report->addr, 0, sizeof(report->addr));
	report->holder_count = 0;
	report->holders_searched = true;
	memset(target, 0, sizeof(*target));
	target->name_len = strlen(name);
	memcpy(target->name, name, target->name_len);
	if (name[0] == '@')
		target->name[0] = '\0';
	target->sock_type = SOCK_STREAM;
	target->file_error = ENOENT;
	target->dir_error = -1;
	strcpy(target->dir, "/run");
}

/* The socket file of an instance that was killed: nobody is bound to it. */
static void make_unix_stale(struct bind_report *report)
{
	make_unix(report, EADDRINUSE, "/run/app.sock");
	report->unix_target.file_error = 0;
	report->unix_target.file_mode = S_IFSOCK | 0755;
	report->unix_target.file_uid = 33;
	report->unix_target.file_mtime_ns = SAMPLE_NS - 125 * SECOND;
}

/* Only a dump that ran through says nobody is bound: a cut one says nothing. */
static void make_unix_stale_unsearched(struct bind_report *report)
{
	make_unix_stale(report);
	report->holders_searched = false;
}

static void make_unix_live(struct bind_report *report)
{
	make_unix_stale(report);
	report->holder_count = 1;
	report->holders[0].family = BS_AF_UNIX;
	report->holders[0].protocol = 0;
	report->holders[0].state = BS_TCP_LISTEN;
	*holder_process(report) = (struct process_ref){ .pid = 4000, .cmdline_known = true };
	strcpy(holder_process(report)->comm, "python3");
	strcpy(holder_process(report)->cmdline, "python3 -m http.server 3000");
	holder_process(report)->identity = report->caller.identity;
	strcpy(holder_process(report)->identity.service, "app.service");
	strcpy(report->caller.identity.service, "app.service");
}

static void make_unix_abstract_other(struct bind_report *report)
{
	make_unix_live(report);
	/* "@a\npp": bytes anyone can choose, shown escaped */
	report->unix_target.name_len = 5;
	memcpy(report->unix_target.name, "\0a\npp", 5);
	report->unix_target.file_error = -1;
	strcpy(holder_process(report)->comm, "node");
	strcpy(holder_process(report)->identity.exe, "/usr/bin/node");
	holder_process(report)->identity.exe_ino = 2002;
}

static void make_unix_directory(struct bind_report *report)
{
	make_unix(report, EADDRINUSE, "/run/app.sock");
	report->unix_target.file_error = 0;
	report->unix_target.file_mode = S_IFDIR | 0755;
}

static void make_unix_no_directory(struct bind_report *report)
{
	make_unix(report, ENOENT, "/run/app/app.sock");
	strcpy(report->unix_target.dir, "/run/app");
	report->unix_target.dir_error = ENOENT;
}

static void make_unix_denied(struct bind_report *report)
{
	make_unix(report, EACCES, "/run/app.sock");
	report->caller.uid = 1000;
	report->unix_target.dir_error = 0;
	report->unix_target.dir_mode = S_IFDIR | 0755;
	report->unix_target.dir_uid = 0;
}

static void make_unix_abstract_gone(struct bind_report *report)
{
	make_unix(report, EADDRINUSE, "@app");
	report->unix_target.file_error = -1;
	report->holders_searched = false;
}

static void make_dual_stack(struct bind_report *report)
{
	base(report);
	report->family = AF_INET;
	inet_pton(AF_INET, "0.0.0.0", report->addr);
	report->holders[0].family = AF_INET6;
	memset(report->holders[0].addr, 0, 16);
	*holder_process(report) = (struct process_ref){ .pid = 4242 };
	strcpy(holder_process(report)->comm, "python3");
}

static void make_time_wait(struct bind_report *report)
{
	base(report);
	report->holders[0] = (struct holder_report){
		.state = BS_TCP_TIME_WAIT,
		.protocol = IPPROTO_TCP,
		.family = AF_INET,
		.port = 3000,
		.uid = BS_UID_UNKNOWN,
		.source = HOLDER_SOURCE_KERNEL,
	};
	inet_pton(AF_INET, "127.0.0.1", report->holders[0].addr);
	report->caller_socket.reuseaddr = 0;
}

static void make_container_port(struct bind_report *report)
{
	struct container_ref *container = &holder_process(report)->identity.container;

	base(report);
	strcpy(holder_process(report)->comm, "docker-proxy");
	strcpy(holder_process(report)->identity.exe, "/usr/sbin/docker-proxy");
	strcpy(holder_process(report)->cmdline,
	       "/usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 3000 "
	       "-container-ip 172.17.0.2 -container-port 80");
	strcpy(container->id, "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708");
	strcpy(container->engine, "docker");
	strcpy(container->name, "web");
	strcpy(container->image, "busybox-local");
}

static void make_service_socket(struct bind_report *report)
{
	base(report);
	*holder_process(report) = (struct process_ref){ .pid = 1, .cmdline_known = true };
	strcpy(holder_process(report)->comm, "systemd");
}

static void make_reuseport_uids(struct bind_report *report)
{
	make_same_program(report);
	report->holders[0].flags = BS_HOLDER_REUSEPORT;
	report->holders[0].uid = 0;
	report->caller_socket.reuseport = 1;
}

static void make_reuseport_one_side(struct bind_report *report)
{
	base(report);
	report->holders[0].flags = BS_HOLDER_REUSEPORT;
	report->caller_socket.reuseport = 0;
}

static void make_privileged(struct bind_report *report)
{
	base(report);
	report->error = EACCES;
	report->port = 80;
	report->holder_count = 0;
	report->holders_searched = false;
	report->limits.unprivileged_port_start = 1024;
}

static void make_privileged_unit(struct bind_report *report)
{
	make_privileged(report);
	strcpy(report->caller.identity.service, "web.service");
}

static void make_denied(struct bind_report *report)
{
	make_privileged(report);
	report->port = 8080;
}

static void make_not_local(struct bind_report *report)
{
	base(report);
	report->error = EADDRNOTAVAIL;
	inet_pton(AF_INET, "192.0.2.1", report->addr);
	report->holder_count = 0;
}

static void make_exhausted(struct bind_report *report)
{
	base(report);
	report->port = 0;
	report->holder_count = 0;
	report->limits.local_port_low = 40000;
	report->limits.local_port_high = 40001;
}

static void make_already_bound(struct bind_report *report)
{
	base(report);
	report->error = EINVAL;
	report->holder_count = 0;
	report->caller_socket.bound_port = 2999;
}

static void make_einval_unbound(struct bind_report *report)
{
	make_already_bound(report);
	report->caller_socket.bound_port = 0;
}

static void make_holder_without_process(struct bind_report *report)
{
	base(report);
	report->holders[0].process_count = 0;
}

/* docker-proxy failing for container web-new, being started (docker run -p 3000:80). */
static void make_publishing(struct bind_report *report)
{
	struct caller_report *caller = &report->caller;
	struct container_ref *container = &caller->identity.container;

	make_other_program(report);
	caller->uid = 0;
	strcpy(caller->comm, "docker-proxy");
	strcpy(caller->cmdline, "/usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port "
				"3000 -container-ip 172.17.0.3 -c...");
	strcpy(caller->identity.exe, "/usr/sbin/docker-proxy");
	strcpy(container->id, "ef754bf22865fb249c9f5ac00020c911f000432613e09a737d5dafd869f5010c");
	strcpy(container->engine, "docker");
	strcpy(container->name, "web-new");
	strcpy(container->image, "bindsnoop-proxy:test");
	caller->publishing = true;
	caller->publish_port = 80;
}

/* The port is another container's: both are named, each fix once. */
static void make_publishing_container_port(struct bind_report *report)
{
	struct bind_report holder;

	make_container_port(&holder);
	make_publishing(report);
	report->holders[0] = holder.holders[0];
}

/* No engine state named it: still a container's port that could not be published. */
static void make_publishing_unnamed(struct bind_report *report)
{
	make_publishing(report);
	memset(&report->caller.identity.container, 0, sizeof(report->caller.identity.container));
	report->caller.publish_port = 0;
}

static void make_success(struct bind_report *report)
{
	base(report);
	report->error = 0;
}

struct diagnose_case {
	const char *name;
	void (*make)(struct bind_report *report);
	enum diagnosis_cause cause;
	const char *cause_name;
	const char *summary_has[3];
	const char *fix_has; /* NULL: fix must be empty */
};

static const struct diagnose_case cases[] = {
	{ "dual_stack",
	  make_dual_stack,
	  CAUSE_DUAL_STACK,
	  "dual_stack",
	  { "python3[4242] conflicts with its own socket", "[::]:3000 without IPV6_V6ONLY",
	    "0.0.0.0:3000" },
	  "IPV6_V6ONLY" },
	{ "time_wait",
	  make_time_wait,
	  CAUSE_TIME_WAIT,
	  "time_wait",
	  { "only TIME_WAIT sockets hold 127.0.0.1:3000", "up to 60 s",
	    "python3[4242] did not set SO_REUSEADDR, and the program that closed them did not" },
	  "SO_REUSEADDR" },
	{ "container_port",
	  make_container_port,
	  CAUSE_CONTAINER_PORT,
	  "container_port",
	  { "docker-proxy[4100] publishes 0.0.0.0:3000",
	    "container web (3f2a1b4c5d6e, image busybox-local)", "forwarded to 172.17.0.2:80" },
	  "docker stop web" },
	{ "service_socket",
	  make_service_socket,
	  CAUSE_SERVICE_SOCKET,
	  "service_socket",
	  { "systemd[1] holds LISTEN 0.0.0.0:3000", "socket unit", NULL },
	  "systemctl list-sockets --all | grep ':3000'" },
	{ "same_program",
	  make_same_program,
	  CAUSE_SAME_PROGRAM,
	  "same_program",
	  { "an older instance of /usr/bin/python3.11", "python3[4000]", "running for 1m05s" },
	  "kill 4000" },
	{ "same_program in one unit",
	  make_same_program_unit,
	  CAUSE_SAME_PROGRAM,
	  "same_program",
	  { "python3[4000] (app.service, running for 1m05s)", NULL, NULL },
	  "systemctl restart app.service" },
	{ "same_program: its own other socket",
	  make_own_socket,
	  CAUSE_SAME_PROGRAM,
	  "same_program",
	  { "python3[4242] itself already holds LISTEN 0.0.0.0:3000 on another socket", NULL,
	    NULL },
	  "bind the address once" },
	{ "other_program",
	  make_other_program,
	  CAUSE_OTHER_PROGRAM,
	  "other_program",
	  { "node[4100] (node-api.service, running for 5m12s) holds LISTEN 0.0.0.0:3000", NULL,
	    NULL },
	  "systemctl stop node-api.service" },
	{ "other_program against a container being started",
	  make_publishing,
	  CAUSE_OTHER_PROGRAM,
	  "other_program",
	  { "publishing port 80 of container web-new (ef754bf22865, image bindsnoop-proxy:test) "
	    "on 127.0.0.1:3000 failed: ",
	    "node[4100] (node-api.service, running for 5m12s) holds LISTEN 0.0.0.0:3000", NULL },
	  "systemctl stop node-api.service, or publish another host port: docker run -p "
	  "<other port>:80 ..." },
	{ "container_port against a container being started",
	  make_publishing_container_port,
	  CAUSE_CONTAINER_PORT,
	  "container_port",
	  { "publishing port 80 of container web-new",
	    "failed: docker-proxy[4100] publishes 0.0.0.0:3000 for container web (3f2a1b4c5d6e",
	    NULL },
	  "docker stop web, or publish another host port: docker run -p" },
	{ "a container being started, not named",
	  make_publishing_unnamed,
	  CAUSE_OTHER_PROGRAM,
	  "other_program",
	  { "publishing a container's port on 127.0.0.1:3000 failed: node[4100]", NULL, NULL },
	  "or publish another host port: docker run -p <other port>:<container port> ..." },
	{ "reuseport two uids",
	  make_reuseport_uids,
	  CAUSE_REUSEPORT_MISMATCH,
	  "reuseport_mismatch",
	  { "both set SO_REUSEPORT", "holder uid 0, caller uid 1000", NULL },
	  "one user" },
	{ "reuseport one side",
	  make_reuseport_one_side,
	  CAUSE_REUSEPORT_MISMATCH,
	  "reuseport_mismatch",
	  { "with SO_REUSEPORT", "python3[4242] did not set it", NULL },
	  "SO_REUSEPORT" },
	{ "privileged_port",
	  make_privileged,
	  CAUSE_PRIVILEGED_PORT,
	  "privileged_port",
	  { "port 80 is privileged", "ip_unprivileged_port_start 1024", "CAP_NET_BIND_SERVICE" },
	  "setcap cap_net_bind_service=+ep /usr/bin/python3.11" },
	{ "privileged_port in a unit",
	  make_privileged_unit,
	  CAUSE_PRIVILEGED_PORT,
	  "privileged_port",
	  { "port 80", NULL, NULL },
	  "AmbientCapabilities=CAP_NET_BIND_SERVICE in web.service" },
	{ "denied",
	  make_denied,
	  CAUSE_DENIED,
	  "denied",
	  { "a security policy refused python3[4242]", "127.0.0.1:8080", NULL },
	  "journalctl -k" },
	{ "address_not_local",
	  make_not_local,
	  CAUSE_ADDRESS_NOT_LOCAL,
	  "address_not_local",
	  { "192.0.2.1 is not an address of any interface", NULL, NULL },
	  "bind 0.0.0.0" },
	{ "ports_exhausted",
	  make_exhausted,
	  CAUSE_PORTS_EXHAUSTED,
	  "ports_exhausted",
	  { "no free tcp port", "40000-40001 (2 ports)", NULL },
	  "nsenter -t 4242 -n sysctl -w net.ipv4.ip_local_port_range" },
	{ "already_bound",
	  make_already_bound,
	  CAUSE_ALREADY_BOUND,
	  "already_bound",
	  { "already bound to port 2999", "bug", NULL },
	  "new socket" },
	{ "EINVAL on an unbound socket",
	  make_einval_unbound,
	  CAUSE_UNKNOWN,
	  "unknown",
	  { "EINVAL on 127.0.0.1:3000", NULL, NULL },
	  NULL },
	{ "unix: stale socket file",
	  make_unix_stale,
	  CAUSE_STALE_SOCKET_FILE,
	  "stale_socket_file",
	  { "/run/app.sock is a socket file no socket is bound to", "uid 33", "made 2m05s ago" },
	  "rm /run/app.sock" },
	{ "unix: a socket file, the search cut short",
	  make_unix_stale_unsearched,
	  CAUSE_UNKNOWN,
	  "unknown",
	  { "EADDRINUSE on /run/app.sock: the holder could not be found", NULL, NULL },
	  "ss -xap | grep -F '/run/app.sock'" },
	{ "unix: an older instance holds the path",
	  make_unix_live,
	  CAUSE_SAME_PROGRAM,
	  "same_program",
	  { "still holds LISTEN /run/app.sock: python3[4000] (app.service", NULL, NULL },
	  "systemctl restart app.service" },
	{ "unix: another program holds an abstract name",
	  make_unix_abstract_other,
	  CAUSE_OTHER_PROGRAM,
	  "other_program",
	  { "node[4000] (app.service) holds LISTEN @a\\x0app", "bind another name", NULL },
	  "systemctl stop app.service" },
	{ "unix: a directory where the socket should be",
	  make_unix_directory,
	  CAUSE_NOT_A_SOCKET,
	  "not_a_socket",
	  { "/run/app.sock exists and is a directory, not a socket", NULL, NULL },
	  "mv /run/app.sock /run/app.sock.old" },
	{ "unix: the directory is missing",
	  make_unix_no_directory,
	  CAUSE_NO_DIRECTORY,
	  "no_directory",
	  { "the directory /run/app of /run/app/app.sock does not exist", NULL, NULL },
	  "mkdir -p /run/app" },
	{ "unix: no write permission on the directory",
	  make_unix_denied,
	  CAUSE_DENIED,
	  "denied",
	  { "(uid 1000) may not create /run/app.sock", "/run belongs to uid 0, mode 0755", NULL },
	  "chown 1000 /run" },
	{ "unix: an abstract name whose holder is gone",
	  make_unix_abstract_gone,
	  CAUSE_UNKNOWN,
	  "unknown",
	  { "EADDRINUSE on @app: the holder could not be found", NULL, NULL },
	  "ss -xap | grep -F '@app'" },
	{ "holder without a process",
	  make_holder_without_process,
	  CAUSE_UNKNOWN,
	  "unknown",
	  { "held by LISTEN 0.0.0.0:3000 (uid 1000)", NULL, NULL },
	  "ss -tanpe 'sport = :3000'" },
};

static void test_cases(void)
{
	struct bind_report *report = malloc(sizeof(*report));
	struct diagnosis diagnosis;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct diagnose_case *c = &cases[i];

		printf("-- %s\n", c->name);
		c->make(report);
		diagnose(report, NULL, &diagnosis);
		CHECK_INT(diagnosis.cause, c->cause);
		CHECK_STR(diagnosis_cause_name(diagnosis.cause), c->cause_name);
		for (int j = 0; j < 3 && c->summary_has[j]; j++)
			CHECK_CONTAINS(diagnosis.summary, c->summary_has[j]);
		if (c->fix_has)
			CHECK_CONTAINS(diagnosis.fix, c->fix_has);
		else
			CHECK_STR(diagnosis.fix, "");
	}
	make_success(report);
	diagnose(report, NULL, &diagnosis);
	CHECK_INT(diagnosis.cause, CAUSE_NONE);
	CHECK(diagnosis_cause_name(CAUSE_NONE) == NULL);
	free(report);
}

/* Every code has a name, and the names are the documented ones in order. */
static void test_names(void)
{
	static const char *const names[] = {
		"dual_stack",	"time_wait",	     "container_port",	   "service_socket",
		"same_program", "other_program",     "reuseport_mismatch", "privileged_port",
		"denied",	"address_not_local", "ports_exhausted",	   "already_bound",
		"stale_socket_file", "not_a_socket", "no_directory", "unknown",
	};

	for (int cause = CAUSE_DUAL_STACK; cause <= CAUSE_UNKNOWN; cause++) {
		CHECK_STR(diagnosis_cause_name(cause), names[cause - CAUSE_DUAL_STACK]);
		CHECK(diagnosis_cause_label(cause)[0]);
	}
}

/* SO_REUSEADDR on the caller only: the closed socket lacked it, and both must have it. */
static void test_time_wait_with_reuseaddr(void)
{
	struct bind_report *report = malloc(sizeof(*report));
	struct diagnosis diagnosis;

	make_time_wait(report);
	report->caller_socket.reuseaddr = 1;
	diagnose(report, NULL, &diagnosis);
	CHECK_INT(diagnosis.cause, CAUSE_TIME_WAIT);
	CHECK_CONTAINS(diagnosis.summary, "the program that closed them did not");
	CHECK_CONTAINS(diagnosis.fix, "in the server that held the port too");
	/* Unknown options: still time_wait, said less surely. */
	report->caller_socket.reuseaddr = -1;
	diagnose(report, NULL, &diagnosis);
	CHECK_INT(diagnosis.cause, CAUSE_TIME_WAIT);
	CHECK_CONTAINS(diagnosis.summary, "gone before its SO_REUSEADDR could be read");
	free(report);
}

static void test_restart_loop(void)
{
	struct bind_report *report = malloc(sizeof(*report));
	struct repeat_info repeat = { .count = 7, .window_s = 60, .is_unit = true };
	struct diagnosis diagnosis;
	char ordinal[16];

	strcpy(repeat.who, "app.service");
	make_same_program_unit(report);
	diagnose(report, &repeat, &diagnosis);
	CHECK_INT(diagnosis.cause, CAUSE_SAME_PROGRAM);
	CHECK_CONTAINS(diagnosis.summary, "7th failure of app.service on this address in 60 s");
	CHECK_CONTAINS(diagnosis.fix, "journalctl -u app.service");
	CHECK_CONTAINS(diagnosis.fix, "systemctl stop app.service");
	CHECK_INT(diagnosis.repeat.count, 7);
	/* Below the threshold: counted, but no loop is claimed. */
	repeat.count = 2;
	diagnose(report, &repeat, &diagnosis);
	CHECK(!strstr(diagnosis.summary, "restart loop"));
	CHECK_INT(diagnosis.repeat.count, 2);
	CHECK_STR(report_ordinal(1, ordinal, sizeof(ordinal)), "1st");
	CHECK_STR(report_ordinal(2, ordinal, sizeof(ordinal)), "2nd");
	CHECK_STR(report_ordinal(3, ordinal, sizeof(ordinal)), "3rd");
	CHECK_STR(report_ordinal(11, ordinal, sizeof(ordinal)), "11th");
	CHECK_STR(report_ordinal(22, ordinal, sizeof(ordinal)), "22nd");
	free(report);
}

/* A publish failure says one fix once, and a loop of them keeps it (the logs are empty). */
static void test_publishing(void)
{
	struct bind_report *report = malloc(sizeof(*report));
	struct repeat_info repeat = { .count = 3, .window_s = 60, .is_container = true };
	struct diagnosis diagnosis;

	make_publishing(report);
	diagnose(report, NULL, &diagnosis);
	CHECK(!strstr(diagnosis.summary, "bind another port"));
	make_publishing_container_port(report);
	diagnose(report, NULL, &diagnosis);
	CHECK_STR(diagnosis.fix, "docker stop web, or publish another host port: docker run -p "
				 "<other port>:80 ...");
	strcpy(repeat.who, "web-new");
	make_publishing(report);
	diagnose(report, &repeat, &diagnosis);
	CHECK_CONTAINS(diagnosis.summary, "3rd failure of web-new on this address in 60 s: a "
					  "restart loop; publishing port 80 of container web-new");
	CHECK_STR(diagnosis.fix, "systemctl stop node-api.service, or publish another host port: "
				 "docker run -p <other port>:80 ...");
	/* Not a publisher: the sentence and the fix are as they were. */
	make_other_program(report);
	diagnose(report, NULL, &diagnosis);
	CHECK(!strstr(diagnosis.summary, "publishing"));
	CHECK_STR(diagnosis.fix, "systemctl stop node-api.service");
	free(report);
}

/* Names chosen by processes cannot put control bytes in the sentence. */
static void test_control_bytes(void)
{
	struct bind_report *report = malloc(sizeof(*report));
	struct diagnosis diagnosis;

	base(report);
	strcpy(holder_process(report)->comm, "no\x1b[2Jde");
	diagnose(report, NULL, &diagnosis);
	CHECK_CONTAINS(diagnosis.summary, "no?[2Jde[4100]");
	free(report);
}

/*
 * The same interpreter running another program is another program: no
 * "older instance", no advice to kill an unrelated service. And a program
 * is named as it was run when argv[0] is a link to another file.
 */
static void test_program_identity(void)
{
	struct bind_report *report = malloc(sizeof(*report));
	struct diagnosis diagnosis;

	make_same_program(report);
	strcpy(holder_process(report)->cmdline, "python3 /srv/api/server.py --port 3000");
	diagnose(report, NULL, &diagnosis);
	CHECK_INT(diagnosis.cause, CAUSE_OTHER_PROGRAM);
	CHECK(!strstr(diagnosis.summary, "older instance"));

	/* The caller's command line unknown: an interpreter is never called the same. */
	make_same_program(report);
	report->caller.cmdline_known = false;
	diagnose(report, NULL, &diagnosis);
	CHECK_INT(diagnosis.cause, CAUSE_OTHER_PROGRAM);

	/* redis-server is a link to redis-check-rdb: named as run, the file beside it. */
	make_same_program(report);
	strcpy(report->caller.identity.exe, "/usr/bin/redis-check-rdb");
	holder_process(report)->identity = report->caller.identity;
	holder_process(report)->identity.start_realtime_ns = SAMPLE_NS - 65 * SECOND;
	strcpy(report->caller.cmdline, "redis-server 127.0.0.1:3000");
	strcpy(holder_process(report)->cmdline, "/usr/bin/redis-server 127.0.0.1:3000");
	diagnose(report, NULL, &diagnosis);
	CHECK_INT(diagnosis.cause, CAUSE_SAME_PROGRAM);
	CHECK_CONTAINS(diagnosis.summary,
		       "an older instance of redis-server (/usr/bin/redis-check-rdb) still holds");
	free(report);
}

int main(void)
{
	test_cases();
	test_program_identity();
	test_names();
	test_time_wait_with_reuseaddr();
	test_restart_loop();
	test_publishing();
	test_control_bytes();
	return unit_summary();
}
