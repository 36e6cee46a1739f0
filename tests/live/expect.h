/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What an event must say in one scenario: the field values it expects.
 * Mismatches are collected in a verdict so a failure lists all of them at
 * once. Every output line is checked against the schema file itself, and
 * against event_rules.h, by the json-valid test and scripts/test.sh.
 */
#ifndef LIVE_EXPECT_H
#define LIVE_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "json.h"

struct verdict {
	char text[4096];
	size_t used;
	int problems;
};

void verdict_add(struct verdict *verdict, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void expect_string(struct verdict *verdict, const struct json_value *root, const char *path,
		   const char *want);
void expect_integer(struct verdict *verdict, const struct json_value *root, const char *path,
		    long long want);
void expect_null(struct verdict *verdict, const struct json_value *root, const char *path);
void expect_bool(struct verdict *verdict, const struct json_value *root, const char *path,
		 bool want);

struct caller_expect {
	pid_t pid;
	const char *comm; /* raw bytes, as given to PR_SET_NAME */
	uid_t uid;
	pid_t ppid;
	unsigned long long netns;
	const char *cmdline; /* NULL: not checked */
	const char *cgroup;  /* NULL: not checked; else must match unless null */
	const char *exe;     /* NULL: not checked */
};

struct event_expect {
	const char *event; /* "bind_failed", "bind", "listen_failed", "listen" */
	int errnum;	   /* 0 for success */
	const char *proto;
	const char *family;
	const char *addr;
	unsigned int port;
	const char *via;
	struct caller_expect caller;
};

/* Everything of ev against want, plus event_check_rules() and the timestamp. */
void expect_event(struct verdict *verdict, const struct json_value *event,
		  const struct event_expect *want);

struct holder_expect {
	const char *state;
	const char *proto;
	const char *family;
	const char *addr;
	unsigned int port;
	unsigned long long inode; /* finds the holder among holders[] */
	uid_t uid;
	int reuseaddr;	    /* 0/1, or -1: not checked */
	int v6only;	    /* 0/1, or -1: not checked */
	const char *source; /* NULL: either source */
	pid_t pid;	    /* a process with the socket open */
	const char *comm;
};

/*
 * diagnosis.cause must be cause, and the summary must contain summary_has
 * (NULL: not checked).
 */
void expect_cause(struct verdict *verdict, const struct json_value *event, const char *cause,
		  const char *summary_has);

/* holders[] must hold a socket with want->inode matching want in every field. */
void expect_holder(struct verdict *verdict, const struct json_value *event,
		   const struct holder_expect *want);

/* holders[] must name neither socket inode nor process pid (why says what they are). */
void expect_no_holder(struct verdict *verdict, const struct json_value *event,
		      unsigned long long inode, pid_t pid, const char *why);

#endif /* LIVE_EXPECT_H */
