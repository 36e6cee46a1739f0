// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Who a process is: the systemd unit and the container from real
 * /proc/PID/cgroup texts, container names from docker's and the kubelet's
 * state (fixture trees in tests/fixtures/, read from the repository root as
 * `make unit-test` runs), restart-loop counting, and fitting a table row
 * into the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "cgroup_identity.h"
#include "container_engine.h"
#include "format.h"
#include "netns_limits.h"
#include "restart_loop.h"
#include "sample_report.h"
#include "unit.h"

#define FIXTURES  "tests/fixtures"
#define DOCKER_ID "4e5c9bd2a8f1c3e7b6d0a9f8e7c6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8"
#define KUBE_ID	  "9a8b7c6d5e4f30211203948576afbecd0123456789abcdef0123456789abcdef"
#define POD_UID	  "5f0c8e3a-2b1d-4c6e-9f7a-8d2e1b0c3a4f"

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
	test_kubelet_state();
	test_storage_state();
	test_restart_loop();
	test_fit_width();
	test_port_range();
	return unit_summary();
}
