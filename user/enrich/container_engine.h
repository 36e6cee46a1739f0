/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Containers by name: what the engines' own state says about a container
 * whose id a cgroup path gave (cgroup_identity.h), and which container a
 * published host port forwards to (docker-proxy is not in the container's
 * cgroup). Read from state files with json-c: docker's
 * containers/<id>/config.v2.json, containers/storage's containers.json
 * (podman, CRI-O), and for Kubernetes the kubelet's log tree
 * (pods/<namespace>_<pod>_<uid>/<container>/, containers/<pod>_<namespace>_
 * <container>-<id>.log), which names every container on the node. The parsers
 * take their roots as arguments, so the tests run them on fixture trees.
 */
#ifndef BINDSNOOP_CONTAINER_ENGINE_H
#define BINDSNOOP_CONTAINER_ENGINE_H

#include <stdbool.h>
#include <linux/types.h>
#include "report.h"

#define CONTAINER_ENGINE_DOCKER_ROOT  "/var/lib/docker"
#define CONTAINER_ENGINE_KUBELET_LOGS "/var/log"
#define CONTAINER_ENGINE_STORAGE_ROOT "/var/lib/containers/storage"

/* Where docker-proxy forwards to, from its command line; "" or 0 when not there. */
struct proxy_target {
	char host_ip[46];
	char container_ip[46];
	__u16 container_port;
	__u16 host_port;
	char proto[8]; /* "tcp", "udp", "sctp" */
};

/*
 * Parse "docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8090
 * -container-ip 172.17.0.2 -container-port 80" (the arguments joined by
 * spaces, as reports hold them). A line that ends in "..." was cut (the
 * kernel's first 95 bytes of an exited caller): its last, partial argument
 * is not taken, so -container-port is often missing there. 0 when it names
 * a host port or a container address, else -EINVAL.
 */
int docker_proxy_target(const char *cmdline, struct proxy_target *out);

/* A container being started whose port publisher failed to bind (docker run, docker start). */
struct publish_query {
	const char *proto;   /* "tcp", "udp" */
	const char *host_ip; /* the address bound: "0.0.0.0", "::", "127.0.0.1" */
	__u16 host_port;
	__u16 container_port; /* 0: unknown (docker-proxy's arguments were cut) */
	__u64 at_realtime_ns; /* the failure */
};

/*
 * The container port that a hostconfig.json text's "PortBindings" ({"80/tcp":
 * [{"HostIp": "", "HostPort": "8080"}]}) publishes on the query's host
 * address and port ("" HostIp: every address; "8000-8010": a range), 0 when
 * none.
 */
__u16 docker_hostconfig_binding(const char *json_text, const struct publish_query *query);

/*
 * The container being started that a failed port publisher was for: one
 * that is not running and whose hostconfig.json binds the query's host port
 * (its config.v2.json has no published ports yet at that moment). Of several
 * (containers left "Created" by earlier failures), the one whose
 * config.v2.json was written last, if within DOCKER_STARTING_WINDOW_S before
 * the failure (docker run writes it just before starting); else none can be
 * told apart. 0 (out and *container_port filled), or -ENOENT. Not cached:
 * each failed publisher is a new process, and only root's are looked up.
 */
#define DOCKER_STARTING_WINDOW_S 60
int docker_find_starting(const char *docker_root, const struct publish_query *query,
			 struct container_ref *out, __u16 *container_port);

/*
 * Name and image of a docker container from the text of its config.v2.json
 * ("Name": "/web", "Config": {"Image": "busybox"}). 0 or -EINVAL.
 */
int docker_config_describe(const char *json_text, struct container_ref *out);

/*
 * Does the config.v2.json text publish host_port for proto ("tcp"/"udp")?
 * Its "NetworkSettings": {"Ports": {"80/tcp": [{"HostPort": "8090"}]}}.
 */
bool docker_config_publishes(const char *json_text, const char *proto, __u16 host_port);

/*
 * Fill out->name and out->image for out->id from docker_root's state
 * (engine set to "docker" when found there). 0, or -ENOENT.
 */
int docker_describe(const char *docker_root, struct container_ref *out);

/*
 * The docker container publishing host_port for proto, from every
 * config.v2.json under docker_root. 0 (out filled), or -ENOENT.
 */
int docker_find_published(const char *docker_root, const char *proto, __u16 host_port,
			  struct container_ref *out);

/*
 * Name and image of a podman (or CRI-O) container from containers/storage's
 * overlay-containers/containers.json under storage_root: its "names", and
 * the "image-name" of its "metadata". 0, or -ENOENT.
 */
int storage_describe(const char *storage_root, struct container_ref *out);

/*
 * Pod namespace, pod name and container name for out->id (and out->pod_uid
 * when the cgroup path gave it) from the kubelet's log tree under log_root.
 * 0, or -ENOENT.
 */
int kubelet_describe(const char *log_root, struct container_ref *out);

/*
 * Everything the engines on this machine say about a container whose id is
 * set: docker's state, then containers/storage's (podman, CRI-O), then the
 * kubelet's. Results are cached by id.
 */
struct container_cache;
struct container_cache *container_cache_new(const char *docker_root, const char *storage_root,
					    const char *kubelet_logs);
void container_cache_free(struct container_cache *cache);
void container_cache_describe(struct container_cache *cache, struct container_ref *container);
/* For a port publisher: the container behind host_port (cached briefly). */
int container_cache_find_published(struct container_cache *cache, const char *proto,
				   __u16 host_port, struct container_ref *out);

#endif /* BINDSNOOP_CONTAINER_ENGINE_H */
