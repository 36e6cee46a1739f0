// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <string.h>
#include <stdio.h>
#include "enrich/cgroup_identity.h"

#define CONTAINER_ID_LEN 64 /* docker, containerd, CRI-O and podman ids: 64 hex digits */

static void copy_bounded(char *out, size_t out_size, const char *text, size_t len)
{
	if (!out_size)
		return;
	if (len > out_size - 1)
		len = out_size - 1;
	memcpy(out, text, len);
	out[len] = '\0';
}

/* The path of the line "ID:CONTROLLERS:PATH" whose controllers field is want. */
static bool line_path(const char *line, size_t line_len, const char *want, const char **path,
		      size_t *path_len)
{
	const char *first = memchr(line, ':', line_len);
	const char *second;

	if (!first)
		return false;
	second = memchr(first + 1, ':', line_len - (first + 1 - line));
	if (!second)
		return false;
	if ((size_t)(second - first - 1) != strlen(want) ||
	    strncmp(first + 1, want, second - first - 1) != 0)
		return false;
	/* "0::" is the unified hierarchy only with ID 0. */
	if (!want[0] && !(first == line + 1 && line[0] == '0'))
		return false;
	*path = second + 1;
	*path_len = line_len - (second + 1 - line);
	return true;
}

static bool find_path(const char *text, const char *want, const char **path, size_t *path_len)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (line_path(line, len, want, path, path_len))
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

static bool names_service(const char *path, char *unit, size_t unit_size)
{
	cgroup_service(path, unit, unit_size);
	return unit[0] != '\0';
}

void cgroup_best_path(const char *proc_cgroup_text, char *out, size_t out_size)
{
	char unified[REPORT_CGROUP_MAX] = "", systemd[REPORT_CGROUP_MAX] = "";
	char unit[REPORT_SERVICE_MAX];
	bool have_unified, have_systemd;
	const char *path;
	size_t len;

	have_unified = find_path(proc_cgroup_text, "", &path, &len);
	if (have_unified)
		copy_bounded(unified, sizeof(unified), path, len);
	have_systemd = find_path(proc_cgroup_text, "name=systemd", &path, &len);
	if (have_systemd)
		copy_bounded(systemd, sizeof(systemd), path, len);
	out[0] = '\0';
	/*
	 * A systemd on a v1/v2 hybrid keeps its units in name=systemd: prefer
	 * that path when the unified one is the root or names no unit there
	 * (a container's systemd under "/payload", say).
	 */
	if (have_systemd && strcmp(systemd, "/") &&
	    (!have_unified || !strcmp(unified, "/") ||
	     (!names_service(unified, unit, sizeof(unit)) &&
	      names_service(systemd, unit, sizeof(unit))))) {
		copy_bounded(out, out_size, systemd, strlen(systemd));
		return;
	}
	if (have_unified)
		copy_bounded(out, out_size, unified, strlen(unified));
	else if (have_systemd)
		copy_bounded(out, out_size, systemd, strlen(systemd));
}

static bool ends_with(const char *text, size_t len, const char *suffix)
{
	size_t suffix_len = strlen(suffix);

	return len >= suffix_len && memcmp(text + len - suffix_len, suffix, suffix_len) == 0;
}

void cgroup_service(const char *path, char *out, size_t out_size)
{
	const char *component = path;

	out[0] = '\0';
	while (component && *component) {
		const char *end = strchr(component, '/');
		size_t len = end ? (size_t)(end - component) : strlen(component);

		/* A template's instance ("getty@tty1.service") is a service too. */
		if (len > strlen(".service") && ends_with(component, len, ".service"))
			copy_bounded(out, out_size, component, len);
		component = end ? end + 1 : NULL;
	}
}

static bool all_hex(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)text[i]) || isupper((unsigned char)text[i]))
			return false;
	}
	return true;
}

/* Scope prefixes the engines give their containers under systemd's cgroup driver. */
static const struct {
	const char *prefix;
	const char *engine;
} scope_prefixes[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
};

/* The 64-hex id in one path component, and which engine made it; NULL: none. */
static const char *component_container(const char *component, size_t len, const char **id)
{
	for (size_t i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]); i++) {
		size_t prefix_len = strlen(scope_prefixes[i].prefix);

		if (len == prefix_len + CONTAINER_ID_LEN + strlen(".scope") &&
		    !strncmp(component, scope_prefixes[i].prefix, prefix_len) &&
		    ends_with(component, len, ".scope") &&
		    all_hex(component + prefix_len, CONTAINER_ID_LEN)) {
			*id = component + prefix_len;
			return scope_prefixes[i].engine;
		}
	}
	/* cgroupfs driver: the bare id under /docker, /kubepods/..., /libpod_parent. */
	if (len == CONTAINER_ID_LEN && all_hex(component, len)) {
		*id = component;
		return "";
	}
	return NULL;
}

/* "pod<uid>" (cgroupfs) or "kubepods-besteffort-pod<uid_with_underscores>.slice" (systemd). */
static void pod_uid_of(const char *component, size_t len, char *out, size_t out_size)
{
	const char *pod = NULL;
	size_t uid_len;

	if (len > 3 && !strncmp(component, "pod", 3)) {
		pod = component + 3;
		uid_len = len - 3;
	} else if (ends_with(component, len, ".slice")) {
		for (size_t i = 0; i + 4 <= len; i++) {
			if (!strncmp(component + i, "-pod", 4))
				pod = component + i + 4;
		}
		if (!pod)
			return;
		uid_len = len - (pod - component) - strlen(".slice");
	} else {
		return;
	}
	copy_bounded(out, out_size, pod, uid_len);
	/* systemd escapes the uid's '-' as '_' in slice names. */
	for (char *c = out; *c; c++) {
		if (*c == '_')
			*c = '-';
	}
}

bool cgroup_container(const char *path, struct container_ref *out)
{
	const char *component = path, *first = NULL;
	bool kubepods = false;
	char pod_uid[sizeof(out->pod_uid)] = "";

	memset(out, 0, sizeof(*out));
	while (component && *component) {
		const char *end = strchr(component, '/');
		size_t len = end ? (size_t)(end - component) : strlen(component);
		const char *id = NULL, *engine;

		if (kubepods && !pod_uid[0])
			pod_uid_of(component, len, pod_uid, sizeof(pod_uid));
		if (len >= 8 && !strncmp(component, "kubepods", 8))
			kubepods = true;
		engine = component_container(component, len, &id);
		if (engine) {
			copy_bounded(out->id, sizeof(out->id), id, CONTAINER_ID_LEN);
			if (engine[0])
				snprintf(out->engine, sizeof(out->engine), "%s", engine);
			else if (kubepods)
				snprintf(out->engine, sizeof(out->engine), "%s", "containerd");
			else if (first && !strncmp(first, "docker/", 7))
				snprintf(out->engine, sizeof(out->engine), "%s", "docker");
			else if (first && !strncmp(first, "libpod_parent/", 14))
				snprintf(out->engine, sizeof(out->engine), "%s", "podman");
			if (kubepods)
				snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", pod_uid);
			return true;
		}
		if (!first && len)
			first = component;
		component = end ? end + 1 : NULL;
	}
	memset(out, 0, sizeof(*out));
	return false;
}

bool cgroup_file_container(const char *proc_cgroup_text, struct container_ref *out)
{
	const char *line = proc_cgroup_text;
	char path[REPORT_CGROUP_MAX];

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *first = memchr(line, ':', len);
		const char *second =
			first ? memchr(first + 1, ':', len - (first + 1 - line)) : NULL;

		if (second) {
			copy_bounded(path, sizeof(path), second + 1, len - (second + 1 - line));
			if (cgroup_container(path, out))
				return true;
		}
		line = end ? end + 1 : NULL;
	}
	memset(out, 0, sizeof(*out));
	return false;
}
