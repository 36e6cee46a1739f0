// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "clock.h"
#include "enrich/container_engine.h"

#define STATE_FILE_MAX	       (1 << 20) /* a config.v2.json is a few KiB */
#define CONTAINER_CACHE_SLOTS  32
#define CONTAINER_CACHE_TTL_NS 5000000000ULL /* names and published ports change rarely */

static void copy_text(char *out, size_t size, const char *text, size_t len)
{
	if (len > size - 1)
		len = size - 1;
	memcpy(out, text, len);
	out[len] = '\0';
}

/* A command line the kernel cut ends in "...": its last argument is partial. */
static bool line_cut(const char *cmdline)
{
	size_t len = strlen(cmdline);

	return len >= 3 && !strcmp(cmdline + len - 3, "...");
}

/* The value after "-name " in a command line of space-joined arguments, if whole. */
static bool argument(const char *cmdline, const char *name, char *out, size_t size)
{
	size_t name_len = strlen(name);
	const char *at = cmdline;

	while ((at = strstr(at, name))) {
		bool starts_word = at == cmdline || at[-1] == ' ';

		if (starts_word && at[name_len] == ' ') {
			const char *value = at + name_len + 1;
			size_t len = strcspn(value, " ");

			if (!value[len] && line_cut(cmdline))
				return false;
			copy_text(out, size, value, len);
			return len > 0;
		}
		at += name_len;
	}
	return false;
}

int docker_proxy_target(const char *cmdline, struct proxy_target *out)
{
	char port[16];

	memset(out, 0, sizeof(*out));
	argument(cmdline, "-host-ip", out->host_ip, sizeof(out->host_ip));
	argument(cmdline, "-container-ip", out->container_ip, sizeof(out->container_ip));
	if (argument(cmdline, "-container-port", port, sizeof(port)))
		out->container_port = atoi(port);
	if (argument(cmdline, "-host-port", port, sizeof(port)))
		out->host_port = atoi(port);
	if (!argument(cmdline, "-proto", out->proto, sizeof(out->proto)))
		snprintf(out->proto, sizeof(out->proto), "tcp");
	return out->host_port || out->container_ip[0] ? 0 : -EINVAL;
}

static const char *member_string(struct json_object *object, const char *key)
{
	struct json_object *value;

	if (!object || !json_object_object_get_ex(object, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

static struct json_object *member(struct json_object *object, const char *key)
{
	struct json_object *value;

	if (!object || !json_object_object_get_ex(object, key, &value))
		return NULL;
	return value;
}

static int describe_root(struct json_object *root, struct container_ref *out)
{
	const char *name = member_string(root, "Name");
	const char *image = member_string(member(root, "Config"), "Image");

	if (name) /* docker keeps the leading "/" of its old link names */
		snprintf(out->name, sizeof(out->name), "%s", name[0] == '/' ? name + 1 : name);
	if (image)
		snprintf(out->image, sizeof(out->image), "%s", image);
	return name ? 0 : -EINVAL;
}

int docker_config_describe(const char *json_text, struct container_ref *out)
{
	struct json_object *root = json_tokener_parse(json_text);
	int err;

	if (!root)
		return -EINVAL;
	err = describe_root(root, out);
	json_object_put(root);
	return err;
}

bool docker_config_publishes(const char *json_text, const char *proto, __u16 host_port)
{
	struct json_object *root = json_tokener_parse(json_text);
	struct json_object *ports;
	bool found = false;
	char suffix[16];

	if (!root)
		return false;
	ports = member(member(root, "NetworkSettings"), "Ports");
	snprintf(suffix, sizeof(suffix), "/%s", proto);
	if (ports && json_object_is_type(ports, json_type_object)) {
		json_object_object_foreach(ports, key, bindings)
		{
			size_t key_len = strlen(key), suffix_len = strlen(suffix);

			if (found || key_len < suffix_len ||
			    strcmp(key + key_len - suffix_len, suffix) ||
			    !json_object_is_type(bindings, json_type_array))
				continue;
			for (size_t i = 0; i < json_object_array_length(bindings); i++) {
				const char *port = member_string(
					json_object_array_get_idx(bindings, i), "HostPort");

				if (port && atoi(port) == host_port)
					found = true;
			}
		}
	}
	json_object_put(root);
	return found;
}

static char *read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0, size = 16384;
	char *text;

	if (fd < 0)
		return NULL;
	text = malloc(size);
	while (text) {
		ssize_t got = read(fd, text + used, size - used - 1);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		used += got;
		if (used + 1 == size) {
			char *bigger = size < STATE_FILE_MAX ? realloc(text, size * 2) : NULL;

			if (!bigger) {
				free(text);
				text = NULL;
				break;
			}
			text = bigger;
			size *= 2;
		}
	}
	close(fd);
	if (text)
		text[used] = '\0';
	return text;
}

static bool is_container_id(const char *name)
{
	size_t len = strspn(name, "0123456789abcdef");

	return len == 64 && !name[len];
}

/* containers/<id>/<name> under docker_root, read whole; NULL when it cannot be. */
static char *read_container_file(const char *docker_root, const char *id, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/containers/%s/%s", docker_root, id, name);
	return read_file(path);
}

int docker_describe(const char *docker_root, struct container_ref *out)
{
	char *text;
	int err;

	if (!is_container_id(out->id))
		return -ENOENT;
	text = read_container_file(docker_root, out->id, "config.v2.json");
	if (!text)
		return -ENOENT;
	err = docker_config_describe(text, out);
	free(text);
	if (!err)
		snprintf(out->engine, sizeof(out->engine), "docker");
	return err ? -ENOENT : 0;
}

int docker_find_published(const char *docker_root, const char *proto, __u16 host_port,
			  struct container_ref *out)
{
	char path[512];
	struct dirent *entry;
	int err = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/containers", docker_root);
	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	while (err && (entry = readdir(dir))) {
		char *text;

		if (!is_container_id(entry->d_name))
			continue;
		text = read_container_file(docker_root, entry->d_name, "config.v2.json");
		if (text && docker_config_publishes(text, proto, host_port)) {
			memset(out, 0, sizeof(*out));
			snprintf(out->id, sizeof(out->id), "%.64s", entry->d_name);
			if (docker_config_describe(text, out) == 0) {
				snprintf(out->engine, sizeof(out->engine), "docker");
				err = 0;
			}
		}
		free(text);
	}
	closedir(dir);
	return err;
}

/* A HostPort of PortBindings: "8080", a range "8000-8010", or "" (docker picks one). */
static bool host_port_matches(const char *text, __u16 port)
{
	unsigned long low, high;
	char *end;

	if (!text || !text[0])
		return true;
	low = strtoul(text, &end, 10);
	high = *end == '-' ? strtoul(end + 1, &end, 10) : low;
	return !*end && low <= port && port <= high;
}

__u16 docker_hostconfig_binding(const char *json_text, const struct publish_query *query)
{
	struct json_object *root = json_tokener_parse(json_text);
	struct json_object *bindings;
	__u16 found = 0;

	if (!root)
		return 0;
	bindings = member(root, "PortBindings");
	if (bindings && json_object_is_type(bindings, json_type_object)) {
		json_object_object_foreach(bindings, key, list)
		{
			char *end;
			unsigned long port = strtoul(key, &end, 10);

			if (found || *end != '/' || strcmp(end + 1, query->proto) || !port ||
			    port > 65535 ||
			    (query->container_port && port != query->container_port) ||
			    !json_object_is_type(list, json_type_array))
				continue;
			for (size_t i = 0; i < json_object_array_length(list); i++) {
				struct json_object *binding = json_object_array_get_idx(list, i);
				const char *host_ip = member_string(binding, "HostIp");

				if (host_port_matches(member_string(binding, "HostPort"),
						      query->host_port) &&
				    (!host_ip || !host_ip[0] || !strcmp(host_ip, query->host_ip)))
					found = port;
			}
		}
	}
	json_object_put(root);
	return found;
}

static bool config_running(struct json_object *root)
{
	struct json_object *running = member(member(root, "State"), "Running");

	return running && json_object_get_boolean(running);
}

/* A candidate's config.v2.json, unless it runs: when it was written, and who it is. */
static bool starting_candidate(const char *docker_root, const char *id, __u64 *written_ns,
			       struct container_ref *out)
{
	struct json_object *root;
	char path[512];
	struct stat st;
	char *text;
	bool starting;

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", docker_root, id);
	if (stat(path, &st))
		return false;
	*written_ns = st.st_mtim.tv_sec * 1000000000ULL + st.st_mtim.tv_nsec;
	text = read_file(path);
	root = text ? json_tokener_parse(text) : NULL;
	free(text);
	starting = root && !config_running(root);
	if (starting) {
		snprintf(out->id, sizeof(out->id), "%.64s", id);
		snprintf(out->engine, sizeof(out->engine), "docker");
		describe_root(root, out);
	}
	json_object_put(root);
	return starting;
}

int docker_find_starting(const char *docker_root, const struct publish_query *query,
			 struct container_ref *out, __u16 *container_port)
{
	__u64 newest_ns = 0, window_ns = DOCKER_STARTING_WINDOW_S * 1000000000ULL;
	unsigned int candidates = 0;
	struct dirent *entry;
	char path[512];
	DIR *dir;

	snprintf(path, sizeof(path), "%s/containers", docker_root);
	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	while ((entry = readdir(dir))) {
		const char *id = entry->d_name;
		struct container_ref candidate = { 0 };
		char *text = is_container_id(id) ?
				     read_container_file(docker_root, id, "hostconfig.json") :
				     NULL;
		__u16 port = text ? docker_hostconfig_binding(text, query) : 0;
		__u64 written_ns;

		free(text);
		if (!port || !starting_candidate(docker_root, id, &written_ns, &candidate))
			continue;
		candidates++;
		if (written_ns >= newest_ns) {
			newest_ns = written_ns;
			*out = candidate;
			*container_port = port;
		}
	}
	closedir(dir);
	if (!candidates)
		return -ENOENT;
	/* Left "Created" by earlier failures too: only a fresh docker run tells them apart. */
	if (candidates > 1 && newest_ns + window_ns < query->at_realtime_ns) {
		memset(out, 0, sizeof(*out));
		*container_port = 0;
		return -ENOENT;
	}
	return 0;
}

int storage_describe(const char *storage_root, struct container_ref *out)
{
	struct json_object *root, *metadata_root = NULL;
	char path[512];
	int err = -ENOENT;
	char *text;

	if (!is_container_id(out->id))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", storage_root);
	text = read_file(path);
	root = text ? json_tokener_parse(text) : NULL;
	free(text);
	if (!root || !json_object_is_type(root, json_type_array)) {
		json_object_put(root);
		return -ENOENT;
	}
	for (size_t i = 0; i < json_object_array_length(root) && err; i++) {
		struct json_object *container = json_object_array_get_idx(root, i);
		struct json_object *names = member(container, "names");
		const char *id = member_string(container, "id");
		const char *metadata = member_string(container, "metadata");
		const char *image;

		if (!id || strcmp(id, out->id))
			continue;
		err = 0;
		if (names && json_object_is_type(names, json_type_array) &&
		    json_object_array_length(names) > 0) {
			const char *name =
				json_object_get_string(json_object_array_get_idx(names, 0));

			snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
		}
		/* metadata is JSON inside a string: the image's name is only there. */
		metadata_root = metadata ? json_tokener_parse(metadata) : NULL;
		image = member_string(metadata_root, "image-name");
		if (image)
			snprintf(out->image, sizeof(out->image), "%s", image);
		json_object_put(metadata_root);
	}
	json_object_put(root);
	return err;
}

/* "<pod>_<namespace>_<container>-<id>.log": the kubelet's name for a container's log. */
static bool kubelet_log_name(const char *name, const char *id, struct container_ref *out)
{
	size_t len = strlen(name), id_len = strlen(id);
	const char *first, *second;

	if (len < id_len + 6 || strcmp(name + len - 4, ".log") ||
	    strncmp(name + len - 4 - id_len, id, id_len) || name[len - 5 - id_len] != '-')
		return false;
	first = strchr(name, '_');
	second = first ? strchr(first + 1, '_') : NULL;
	if (!second || second > name + len - 5 - id_len)
		return false;
	copy_text(out->pod_name, sizeof(out->pod_name), name, first - name);
	copy_text(out->pod_namespace, sizeof(out->pod_namespace), first + 1, second - first - 1);
	copy_text(out->container_name, sizeof(out->container_name), second + 1,
		  name + len - 5 - id_len - second - 1);
	return true;
}

/* The pod's uid from "pods/<namespace>_<pod>_<uid>". */
static void kubelet_pod_uid(const char *log_root, struct container_ref *out)
{
	char path[512], prefix[256];
	struct dirent *entry;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/pods", log_root);
	snprintf(prefix, sizeof(prefix), "%s_%s_", out->pod_namespace, out->pod_name);
	dir = opendir(path);
	if (!dir)
		return;
	while ((entry = readdir(dir))) {
		if (!strncmp(entry->d_name, prefix, strlen(prefix))) {
			snprintf(out->pod_uid, sizeof(out->pod_uid), "%s",
				 entry->d_name + strlen(prefix));
			break;
		}
	}
	closedir(dir);
}

int kubelet_describe(const char *log_root, struct container_ref *out)
{
	char path[512];
	struct dirent *entry;
	int err = -ENOENT;
	DIR *dir;

	if (!is_container_id(out->id))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/containers", log_root);
	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	while (err && (entry = readdir(dir))) {
		if (kubelet_log_name(entry->d_name, out->id, out))
			err = 0;
	}
	closedir(dir);
	if (!err && !out->pod_uid[0])
		kubelet_pod_uid(log_root, out);
	if (!err) {
		if (!out->engine[0])
			snprintf(out->engine, sizeof(out->engine), "containerd");
		if (!out->name[0])
			snprintf(out->name, sizeof(out->name), "%s", out->container_name);
	}
	return err;
}

struct container_slot {
	char key[80]; /* an id, or "port:<proto>:<n>" */
	__u64 read_at_ns;
	int err;
	struct container_ref container;
};

struct container_cache {
	char docker_root[256];
	char storage_root[256];
	char kubelet_logs[256];
	unsigned int next;
	struct container_slot slots[CONTAINER_CACHE_SLOTS];
};

struct container_cache *container_cache_new(const char *docker_root, const char *storage_root,
					    const char *kubelet_logs)
{
	struct container_cache *cache = calloc(1, sizeof(*cache));

	if (!cache)
		return NULL;
	snprintf(cache->docker_root, sizeof(cache->docker_root), "%s", docker_root);
	snprintf(cache->storage_root, sizeof(cache->storage_root), "%s", storage_root);
	snprintf(cache->kubelet_logs, sizeof(cache->kubelet_logs), "%s", kubelet_logs);
	return cache;
}

void container_cache_free(struct container_cache *cache)
{
	free(cache);
}

/* The fresh slot for key, or NULL with *slot_out the one to fill. */
static struct container_slot *cache_lookup(struct container_cache *cache, const char *key,
					   struct container_slot **slot_out)
{
	__u64 now = coarse_monotonic_ns();

	for (int i = 0; i < CONTAINER_CACHE_SLOTS; i++) {
		struct container_slot *slot = &cache->slots[i];

		if (!strcmp(slot->key, key) && now - slot->read_at_ns < CONTAINER_CACHE_TTL_NS)
			return slot;
	}
	*slot_out = &cache->slots[cache->next++ % CONTAINER_CACHE_SLOTS];
	return NULL;
}

void container_cache_describe(struct container_cache *cache, struct container_ref *container)
{
	struct container_slot *slot, *fresh = NULL;

	if (!cache || !container->id[0])
		return;
	slot = cache_lookup(cache, container->id, &fresh);
	if (!slot) {
		slot = fresh;
		snprintf(slot->key, sizeof(slot->key), "%s", container->id);
		slot->read_at_ns = coarse_monotonic_ns();
		slot->container = *container;
		slot->err = docker_describe(cache->docker_root, &slot->container);
		/* A kubelet's pod names say more than the runtime's generated ones. */
		if (kubelet_describe(cache->kubelet_logs, &slot->container) == 0)
			slot->err = 0;
		if (slot->err)
			slot->err = storage_describe(cache->storage_root, &slot->container);
	}
	if (!slot->err)
		*container = slot->container;
}

int container_cache_find_published(struct container_cache *cache, const char *proto,
				   __u16 host_port, struct container_ref *out)
{
	struct container_slot *slot, *fresh = NULL;
	char key[80];

	if (!cache)
		return -ENOENT;
	snprintf(key, sizeof(key), "port:%s:%u", proto, host_port);
	slot = cache_lookup(cache, key, &fresh);
	if (!slot) {
		slot = fresh;
		snprintf(slot->key, sizeof(slot->key), "%s", key);
		slot->read_at_ns = coarse_monotonic_ns();
		slot->err = docker_find_published(cache->docker_root, proto, host_port,
						  &slot->container);
	}
	if (!slot->err)
		*out = slot->container;
	return slot->err;
}
