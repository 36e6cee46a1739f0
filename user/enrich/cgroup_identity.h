/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who a process belongs to, read off its cgroup paths: the systemd unit and
 * the container. Pure parsers of /proc/PID/cgroup text and of path strings,
 * so the rules are unit-tested against real paths (tests/fixtures/).
 */
#ifndef BINDSNOOP_CGROUP_IDENTITY_H
#define BINDSNOOP_CGROUP_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include "report.h"

/*
 * The path that says most about the process, from the text of
 * /proc/PID/cgroup: the unified ("0::") path, or, where that is "/" or
 * missing (cgroup v1, or a v1/v2 hybrid whose processes all sit at the
 * unified root), the "name=systemd" hierarchy's path. "" when neither.
 */
void cgroup_best_path(const char *proc_cgroup_text, char *out, size_t out_size);

/*
 * The systemd unit a cgroup path belongs to: the deepest component ending
 * in ".service" ("/user.slice/user-1000.slice/user@1000.service/app.slice/
 * web.service" -> "web.service"). "" when the path names no service.
 */
void cgroup_service(const char *path, char *out, size_t out_size);

/*
 * The container a cgroup path belongs to: docker ("/docker/<id>",
 * "docker-<id>.scope"), containerd ("cri-containerd-<id>.scope",
 * "/kubepods/.../<id>"), CRI-O ("crio-<id>.scope"), podman ("libpod-<id>.scope").
 * Fills id, engine and, under kubepods, pod_uid; false when the path names
 * no container (out is then cleared).
 */
bool cgroup_container(const char *path, struct container_ref *out);

/*
 * The same for every path in the text of /proc/PID/cgroup, first found:
 * on v1 hybrids the container shows in the controller hierarchies only.
 */
bool cgroup_file_container(const char *proc_cgroup_text, struct container_ref *out);

#endif /* BINDSNOOP_CGROUP_IDENTITY_H */
