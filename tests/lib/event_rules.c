// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Cross-field rules of the event format that its JSON Schema cannot say. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include "event_rules.h"

static const char *string_at(const struct json_value *root, const char *path)
{
	const struct json_value *value = json_get(root, path);

	return value && value->type == JSON_STRING ? value->string : NULL;
}

/* errno's name as glibc knows it, or "E<n>" when it has none. */
static int check_error_name(const struct json_value *line, char *problem, size_t len)
{
	const struct json_value *errnum = json_member(line, "errno");
	const char *error = string_at(line, "error"), *name;
	char numeric[32];

	if (!error || !errnum || errnum->type != JSON_NUMBER || !errnum->is_integer)
		return 0;
	snprintf(numeric, sizeof(numeric), "E%lld", errnum->integer);
	name = errnum->integer > 0 && errnum->integer < 4096 ?
		       strerrorname_np((int)errnum->integer) :
		       NULL;
	if (!strcmp(error, numeric) || (name && !strcmp(error, name)))
		return 0;
	snprintf(problem, len, "error \"%s\" does not name errno %lld (%s)", error, errnum->integer,
		 name ? name : numeric);
	return -1;
}

static int check_via(const struct json_value *line, char *problem, size_t len)
{
	const char *event = string_at(line, "event"), *via = string_at(line, "via");

	if (!event || !via || (strncmp(event, "listen", 6) == 0) == (strcmp(via, "listen") == 0))
		return 0;
	snprintf(problem, len, "event \"%s\" with via \"%s\"", event, via);
	return -1;
}

/* where: "" for the event itself, else the holder's path and a dot. */
static int check_address(const struct json_value *object, const char *where, char *problem,
			 size_t len)
{
	const char *family = string_at(object, "family"), *addr = string_at(object, "addr");
	unsigned char bytes[16];
	char text[INET6_ADDRSTRLEN];
	int af;

	if (!family || !addr)
		return 0;
	/* An AF_UNIX name: a path, or @ and an abstract name, printable ASCII (\xNN escapes). */
	if (!strcmp(family, "unix")) {
		bool printable = addr[0] == '/' || addr[0] == '@' || addr[0] == '.';

		for (const char *c = addr; *c && printable; c++)
			printable = *c >= 0x20 && *c < 0x7f;
		if (printable)
			return 0;
		snprintf(problem, len, "%saddr: \"%s\" is not an escaped unix name", where, addr);
		return -1;
	}
	af = !strcmp(family, "ipv6") ? AF_INET6 : !strcmp(family, "ipv4") ? AF_INET : 0;
	if (af && inet_pton(af, addr, bytes) == 1 && inet_ntop(af, bytes, text, sizeof(text)) &&
	    !strcmp(text, addr))
		return 0;
	snprintf(problem, len, "%saddr: \"%s\" is not a canonical %s address", where, addr, family);
	return -1;
}

static int check_date(const struct json_value *object, const char *key, const char *where,
		      char *problem, size_t len)
{
	const char *text = string_at(object, key);
	double seconds;

	if (!text || !json_parse_timestamp(text, &seconds))
		return 0;
	snprintf(problem, len, "%s%s: \"%s\" is not a real YYYY-MM-DDTHH:MM:SS.ffffffZ", where, key,
		 text);
	return -1;
}

static int check_holder(const struct json_value *holder, const char *where, char *problem,
			size_t len)
{
	const struct json_value *processes = json_member(holder, "processes");
	char inner[96];

	if (check_address(holder, where, problem, len))
		return -1;
	for (size_t i = 0; processes && processes->type == JSON_ARRAY && i < processes->count;
	     i++) {
		snprintf(inner, sizeof(inner), "%sprocesses[%zu].", where, i);
		if (check_date(processes->items[i], "start_time", inner, problem, len))
			return -1;
	}
	return 0;
}

int event_check_rules(const struct json_value *line, char *problem, size_t len)
{
	const struct json_value *holders = json_member(line, "holders");
	const struct json_value *holder = json_member(line, "holder");
	char where[64];

	if (!line || line->type != JSON_OBJECT) {
		snprintf(problem, len, "not a JSON object");
		return -1;
	}
	if (check_error_name(line, problem, len) || check_via(line, problem, len) ||
	    check_address(line, "", problem, len) || check_date(line, "ts", "", problem, len) ||
	    check_date(json_member(line, "caller"), "start_time", "caller.", problem, len))
		return -1;
	for (size_t i = 0; holders && holders->type == JSON_ARRAY && i < holders->count; i++) {
		snprintf(where, sizeof(where), "holders[%zu].", i);
		if (check_holder(holders->items[i], where, problem, len))
			return -1;
	}
	/* --who's "held" line names one holder. */
	return holder ? check_holder(holder, "holder.", problem, len) : 0;
}
