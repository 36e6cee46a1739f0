// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Who a process is: the systemd unit and the container from real
 * /proc/PID/cgroup texts, container names from docker's and the kubelet's
 * state (fixture trees in tests/fixtures/, read from the repository root as
 * `make unit-test` runs), restart-loop counting, and fitting a table row
 * into the terminal.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "enrich/cgroup_identity.h"
#include "enrich/container_engine.h"
#include "diagnose/diagnose.h"
#include "enrich/enrich.h"
#include "format.h"
#include "enrich/netns_limits.h"
#include "diagnose/restart_loop.h"
#include "sample_report.h"
#include "unit.h"

#define FIXTURES  "tests/fixtures"
#define DOCKER_ID "4e5c9bd2a8f1c3e7b6d0a9f8e7c6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8"
#define KUBE_ID	  "9a8b7c6d5e4f30211203948576afbecd0123456789abcdef0123456789abcdef"
#define POD_UID	  "5f0c8e3a-2b1d-4c6e-9f7a-8d2e1b0c3a4f"
/* Real docker.io 20.10 state, both left "Created" by `docker run -p 25500:80` against a holder. */
#define WEB_NEW_ID "ef754bf22865fb249c9f5ac00020c911f000432613e09a737d5dafd869f5010c"
#define WEB_OLD_ID "cdfaedf5c90b5744b7d81c7428674ff90585b8bcb9984df32f59c0fe869e0bbd"
/* The first 95 bytes of docker-proxy's arguments, as the kernel read them at the failure. */
#define PROXY_CUT_LINE                                                                       \
	"/usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 25500 -container-ip " \
	"172.17.0.2 -c..."

static char *fixture(const char *name)
{
	static char text[8192];
	char path[256];
	size_t len;
	FILE *file;

	snprintf(path, sizeof(path), FIXTURES "/cgroup/%s", name);
	file = fopen(path, "r");
	if (!file) {
		printf("FAIL cannot open %s (run from the repository root)\n", path);
		text[0] = '\0';
		return text;
	}
	len = fread(text, 1, sizeof(text) - 1, file);
	text[len] = '\0';
	fclose(file);
	return text;
}

struct cgroup_case {
	const char *file;
	const char *path;
	const char *service;
	const char *container_id;
	const char *engine;
	const char *pod_uid;
};

static const struct cgroup_case cgroup_cases[] = {
	{ "hybrid-service.txt", "/system.slice/nginx.service", "nginx.service", "", "", "" },
	{ "unified-user-service.txt",
	  "/user.slice/user-1000.slice/user@1000.service/app.slice/web-dev.service",
	  "web-dev.service", "", "", "" },
	{ "unified-template.txt", "/system.slice/system-getty.slice/getty@tty1.service",
	  "getty@tty1.service", "", "", "" },
	{ "hybrid-docker-cgroupfs.txt", "/docker/" DOCKER_ID, "", DOCKER_ID, "docker", "" },
	{ "unified-docker-systemd.txt", "/system.slice/docker-" DOCKER_ID ".scope", "", DOCKER_ID,
	  "docker", "" },
	{ "unified-kubepods-systemd.txt",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	  "5f0c8e3a_2b1d_4c6e_9f7a_8d2e1b0c3a4f.slice/cri-containerd-" KUBE_ID ".scope",
	  "", KUBE_ID, "containerd", POD_UID },
	{ "hybrid-kubepods-cgroupfs.txt", "/kubepods/burstable/pod" POD_UID "/" KUBE_ID, "",
	  KUBE_ID, "containerd", POD_UID },
	{ "unified-podman.txt", "/machine.slice/libpod-" DOCKER_ID ".scope/container", "",
	  DOCKER_ID, "podman", "" },
	{ "unified-session.txt", "/user.slice/user-1000.slice/session-3.scope", "", "", "", "" },
	{ "hybrid-root.txt", "/", "", "", "", "" },
	/* systemd booted by nspawn on a hybrid host: units only in name=systemd. */
	{ "hybrid-nspawn-unit.txt", "/payload/system.slice/app.service", "app.service", "", "",
	  "" },
};

static void test_cgroup_paths(void)
{
	for (size_t i = 0; i < sizeof(cgroup_cases) / sizeof(cgroup_cases[0]); i++) {
		const struct cgroup_case *c = &cgroup_cases[i];
		const char *text = fixture(c->file);
		struct container_ref container;
		char path[REPORT_CGROUP_MAX], service[REPORT_SERVICE_MAX];

		printf("-- %s\n", c->file);
		cgroup_best_path(text, path, sizeof(path));
		CHECK_STR(path, c->path);
		cgroup_service(path, service, sizeof(service));
		CHECK_STR(service, c->service);
		CHECK_INT(cgroup_file_container(text, &container), c->container_id[0] != '\0');
		CHECK_STR(container.id, c->container_id);
		CHECK_STR(container.engine, c->engine);
		CHECK_STR(container.pod_uid, c->pod_uid);
	}
}

static void test_docker_state(void)
{
	struct container_ref container = { .id = DOCKER_ID };
	struct proxy_target target;

	CHECK_INT(docker_describe(FIXTURES "/docker", &container), 0);
	CHECK_STR(container.name, "web");
	CHECK_STR(container.image, "bindsnoop-busybox:test");
	CHECK_STR(container.engine, "docker");
	memset(&container, 0, sizeof(container));
	CHECK_INT(docker_find_published(FIXTURES "/docker", "tcp", 8090, &container), 0);
	CHECK_STR(container.id, DOCKER_ID);
	CHECK_STR(container.name, "web");
	CHECK(docker_find_published(FIXTURES "/docker", "udp", 8090, &container) < 0);
	CHECK(docker_find_published(FIXTURES "/docker", "tcp", 8091, &container) < 0);
	CHECK(docker_config_describe("{not json", &container) < 0);
	CHECK(!docker_config_publishes("[]", "tcp", 80));

	CHECK_INT(docker_proxy_target("/usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 "
				      "-host-port 8090 -container-ip 172.17.0.2 "
				      "-container-port 80",
				      &target),
		  0);
	CHECK_STR(target.container_ip, "172.17.0.2");
	CHECK_INT(target.container_port, 80);
	CHECK_INT(target.host_port, 8090);
	CHECK_STR(target.proto, "tcp");
	CHECK(docker_proxy_target("nginx: master process", &target) < 0);
	/* Cut by the kernel's 95 bytes: what is whole is taken, the partial end is not. */
	CHECK_INT(docker_proxy_target(PROXY_CUT_LINE, &target), 0);
	CHECK_INT(target.host_port, 25500);
	CHECK_STR(target.host_ip, "0.0.0.0");
	CHECK_STR(target.container_ip, "172.17.0.2");
	CHECK_INT(target.container_port, 0);
	CHECK_INT(docker_proxy_target("/usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 "
				      "-host-port 25500 -container-ip 172.18.25...",
				      &target),
		  0);
	CHECK_STR(target.container_ip, "");
	CHECK(docker_proxy_target("/usr/sbin/docker-proxy -proto tcp -host-port 255...", &target) <
	      0);
}

/* What a failing docker-proxy's container publishes: hostconfig.json's PortBindings. */
struct binding_case {
	const char *bindings; /* the value of "PortBindings" */
	__u16 container_port; /* the query's; 0: unknown */
	__u16 expected;
};

static const struct binding_case binding_cases[] = {
	{ "{'80/tcp':[{'HostIp':'','HostPort':'25500'}]}", 0, 80 },
	{ "{'8080/tcp':[{'HostIp':'','HostPort':'25490-25510'}]}", 0, 8080 },
	{ "{'80/tcp':[{'HostIp':'','HostPort':''}]}", 0, 80 }, /* docker picks one: any */
	{ "{'80/tcp':[{'HostIp':'0.0.0.0','HostPort':'25500'}]}", 80, 80 },
	/* Another address, protocol, host port or container port is another binding. */
	{ "{'80/tcp':[{'HostIp':'127.0.0.1','HostPort':'25500'}]}", 0, 0 },
	{ "{'80/udp':[{'HostIp':'','HostPort':'25500'}]}", 0, 0 },
	{ "{'80/tcp':[{'HostIp':'','HostPort':'25501'}]}", 0, 0 },
	{ "{'80/tcp':[{'HostIp':'','HostPort':'25500'}]}", 81, 0 },
	{ "null", 0, 0 },
	{ "{not json", 0, 0 },
};

static void test_hostconfig_binding(void)
{
	struct publish_query query = { .proto = "tcp", .host_ip = "0.0.0.0", .host_port = 25500 };
	char text[256];

	for (size_t i = 0; i < sizeof(binding_cases) / sizeof(binding_cases[0]); i++) {
		const struct binding_case *c = &binding_cases[i];

		snprintf(text, sizeof(text), "{'PortBindings':%s}", c->bindings);
		for (char *quote = text; (quote = strchr(quote, '\'')); quote++)
			*quote = '"';
		query.container_port = c->container_port;
		printf("-- %s\n", text);
		CHECK_INT(docker_hostconfig_binding(text, &query), c->expected);
	}
}

static void set_written(const char *id, __u64 realtime_ns)
{
	struct timespec times[2] = {
		{ .tv_sec = realtime_ns / 1000000000ULL, .tv_nsec = realtime_ns % 1000000000ULL },
		{ .tv_sec = realtime_ns / 1000000000ULL, .tv_nsec = realtime_ns % 1000000000ULL },
	};
	char path[256];

	snprintf(path, sizeof(path), FIXTURES "/docker/containers/%s/config.v2.json", id);
	CHECK_INT(utimensat(AT_FDCWD, path, times, 0), 0);
}

/*
 * `docker run --name web-new -p 25500:80` failing while a host program holds
 * 25500, with web-old left "Created" by the same failure an hour ago: the
 * failing docker-proxy names web-new, from its state at that moment.
 */
static void test_docker_starting(void)
{
	__u64 at = 1796601856500000000ULL, hour = 3600ULL * 1000000000ULL;
	struct publish_query query = {
		.proto = "tcp", .host_ip = "0.0.0.0", .host_port = 25500, .at_realtime_ns = at
	};
	struct bind_report *report = malloc(sizeof(*report));
	struct container_ref container;
	__u16 port = 0;

	set_written(WEB_NEW_ID, at - 100000000ULL);
	set_written(WEB_OLD_ID, at - hour);
	CHECK_INT(docker_find_starting(FIXTURES "/docker", &query, &container, &port), 0);
	CHECK_STR(container.id, WEB_NEW_ID);
	CHECK_STR(container.name, "web-new");
	CHECK_STR(container.image, "bindsnoop-proxy:test");
	CHECK_STR(container.engine, "docker");
	CHECK_INT(port, 80);
	/* A running container's bindings are not a start (web publishes 8090 and runs). */
	query.host_port = 8090;
	CHECK(docker_find_starting(FIXTURES "/docker", &query, &container, &port) < 0);
	/* Two stale candidates (docker start of an old one): none can be told apart. */
	query.host_port = 25500;
	set_written(WEB_NEW_ID, at - hour + 1);
	CHECK(docker_find_starting(FIXTURES "/docker", &query, &container, &port) < 0);

	/* The whole way: the event's cut argv, then the diagnosis. */
	set_written(WEB_NEW_ID, at - 100000000ULL);
	sample_report(report);
	report->ts_realtime_ns = at;
	report->port = 25500;
	memset(report->addr, 0, sizeof(report->addr));
	report->caller.uid = 0;
	strcpy(report->caller.comm, "docker-proxy");
	strcpy(report->caller.cmdline, PROXY_CUT_LINE);
	strcpy(report->caller.identity.exe, "/usr/sbin/docker-proxy");
	report->holders[0].port = 25500;
	strcpy(report->holders[0].processes[0].comm, "bind-and-wait");
	enrich_publisher(FIXTURES "/docker", report);
	CHECK(report->caller.publishing);
	CHECK_INT(report->caller.publish_port, 80);
	CHECK_STR(report->caller.identity.container.name, "web-new");
	diagnose(report, NULL, &report->diagnosis);
	CHECK_INT(report->diagnosis.cause, CAUSE_OTHER_PROGRAM);
	CHECK_STR(report->diagnosis.summary,
		  "publishing port 80 of container web-new (ef754bf22865, image "
		  "bindsnoop-proxy:test) on 0.0.0.0:25500 failed: bind-and-wait[4100] holds LISTEN "
		  "0.0.0.0:25500");
	CHECK_STR(report->diagnosis.fix,
		  "kill 4100, or publish another host port: docker run -p <other port>:80 ...");
	/* Anyone can call a program docker-proxy: only root's are looked up. */
	memset(&report->caller.identity.container, 0, sizeof(report->caller.identity.container));
	report->caller.uid = 1000;
	enrich_publisher(FIXTURES "/docker", report);
	CHECK(!report->caller.publishing);
	CHECK_STR(report->caller.identity.container.id, "");
	/* dockerd binding for a container (newer dockers): named only from the state. */
	report->caller.uid = 0;
	strcpy(report->caller.comm, "dockerd");
	strcpy(report->caller.cmdline, "/usr/bin/dockerd -H fd://");
	enrich_publisher(FIXTURES "/docker", report);
	CHECK(report->caller.publishing);
	CHECK_INT(report->caller.publish_port, 80);
	CHECK_STR(report->caller.identity.container.name, "web-new");
	memset(&report->caller.identity.container, 0, sizeof(report->caller.identity.container));
	report->port = 25501;
	enrich_publisher(FIXTURES "/docker", report);
	CHECK(!report->caller.publishing);
	free(report);
}

static void test_storage_state(void)
{
	struct container_ref container = { .id = DOCKER_ID };

	/* The podman fixture's cgroup path gives the id and engine; containers.json the rest. */
	CHECK(cgroup_file_container(fixture("unified-podman.txt"), &container));
	CHECK_INT(storage_describe(FIXTURES "/containers-storage", &container), 0);
	CHECK_STR(container.name, "api");
	CHECK_STR(container.image, "docker.io/library/busybox:1.36");
	CHECK_STR(container.engine, "podman");
	memset(&container, 0, sizeof(container));
	strcpy(container.id, KUBE_ID);
	CHECK(storage_describe(FIXTURES "/containers-storage", &container) < 0);
}

static void test_kubelet_state(void)
{
	struct container_ref container;

	/* From the cgroup path: id and pod uid; the kubelet's tree names the rest. */
	CHECK(cgroup_file_container(fixture("unified-kubepods-systemd.txt"), &container));
	CHECK_INT(kubelet_describe(FIXTURES "/kubelet", &container), 0);
	CHECK_STR(container.pod_namespace, "default");
	CHECK_STR(container.pod_name, "web-7d4b9c6f5-x2kqp");
	CHECK_STR(container.container_name, "nginx");
	CHECK_STR(container.pod_uid, POD_UID);
	/* The uid from the pods/ directory when the cgroup path had none. */
	memset(&container, 0, sizeof(container));
	strcpy(container.id, KUBE_ID);
	CHECK_INT(kubelet_describe(FIXTURES "/kubelet", &container), 0);
	CHECK_STR(container.pod_uid, POD_UID);
	memset(&container, 0, sizeof(container));
	strcpy(container.id, DOCKER_ID);
	CHECK(kubelet_describe(FIXTURES "/kubelet", &container) < 0);
}

static void test_restart_loop(void)
{
	struct bind_report *report = malloc(sizeof(*report));
	struct restart_loop *loop = restart_loop_new();
	struct repeat_info repeat;
	__u64 t = 1000ULL * 1000000000ULL;

	sample_report(report);
	strcpy(report->caller.identity.service, "app.service");
	/* Seven restarts, one second apart; the first also retries its bind twice. */
	for (__u32 pid = 100; pid < 107; pid++) {
		report->caller.pid = pid;
		restart_loop_note(loop, report, t + (pid - 100) * 1000000000ULL, &repeat);
		if (pid == 100) {
			restart_loop_note(loop, report, t + 1000, &repeat);
			CHECK_INT(repeat.count, 1);
		}
	}
	CHECK_INT(repeat.count, 7);
	CHECK_STR(repeat.who, "app.service");
	CHECK(repeat.is_unit);
	CHECK_INT(repeat.window_s, 60);
	/* Another port is another story. */
	report->port = 3001;
	restart_loop_note(loop, report, t + 7000000000ULL, &repeat);
	CHECK_INT(repeat.count, 1);
	/* Past the window the old failures no longer count. */
	report->port = 3000;
	report->caller.pid = 200;
	restart_loop_note(loop, report, t + 66000000000ULL, &repeat);
	CHECK_INT(repeat.count, 2);
	restart_loop_free(loop);
	free(report);
}

static void test_fit_width(void)
{
	char line[64];
	size_t len;

	strcpy(line, "abcdefghij\n");
	CHECK_INT(format_fit_width(line, 11, 10), 11);
	CHECK_STR(line, "abcdefghij\n");
	strcpy(line, "abcdefghijk\n");
	len = format_fit_width(line, 12, 10);
	CHECK_STR(line, "abcdefghi\xe2\x80\xa6\n");
	CHECK_INT(len, strlen(line));
	/* Multi-byte characters count one column each, and are never split. */
	strcpy(line, "\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\n");
	CHECK_INT(format_fit_width(line, strlen(line), 5), strlen(line));
	len = format_fit_width(line, strlen(line), 4);
	CHECK_STR(line, "\xc2\xb7\xc2\xb7\xc2\xb7\xe2\x80\xa6\n");
	/* A CJK character takes two columns, and is never cut in half: 测试服 in 5 columns. */
	strcpy(line, "\xe6\xb5\x8b\xe8\xaf\x95\xe6\x9c\x8d\n");
	CHECK_INT(format_fit_width(line, strlen(line), 6), strlen(line));
	len = format_fit_width(line, strlen(line), 5);
	CHECK_STR(line, "\xe6\xb5\x8b\xe8\xaf\x95\xe2\x80\xa6\n");
	CHECK_INT(len, strlen(line));
	strcpy(line, "\xe6\xb5\x8b\xe8\xaf\x95\xe6\x9c\x8d\n");
	format_fit_width(line, strlen(line), 4);
	CHECK_STR(line, "\xe6\xb5\x8b\xe2\x80\xa6\n");
}

static void test_port_range(void)
{
	int low, high;

	CHECK_INT(netns_parse_port_range("32768\t60999\n", &low, &high), 0);
	CHECK_INT(low, 32768);
	CHECK_INT(high, 60999);
	CHECK(netns_parse_port_range("", &low, &high) < 0);
	CHECK(netns_parse_port_range("9 3", &low, &high) < 0);
}

int main(void)
{
	test_cgroup_paths();
	test_docker_state();
	test_hostconfig_binding();
	test_docker_starting();
	test_kubelet_state();
	test_storage_state();
	test_restart_loop();
	test_fit_width();
	test_port_range();
	return unit_summary();
}
