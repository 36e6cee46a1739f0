// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The /proc and sock_diag parsers on the inputs fuzzing found them wrong
 * on (the regression-* inputs of tests/fuzz/corpus), and on ordinary ones. Under the
 * ASan build (make asan) a read past the end fails here too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include "enrich/proc_sockets.h"
#include "enrich/cgroup_identity.h"
#include "enrich/procinfo.h"
#include "enrich/sockdiag.h"
#include "unit.h"

/* A heap copy of exactly len + 1 bytes, so ASan sees any read past its end. */
static char *exact_copy(const char *text)
{
	size_t len = strlen(text);
	char *copy = malloc(len + 1);

	memcpy(copy, text, len + 1);
	return copy;
}

static void test_stat(void)
{
	char comm[BS_COMM_LEN], *buf;
	__u64 starttime = 0;

	buf = exact_copy("4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 "
			 "1 0 123456 1000000 200\n");
	CHECK_INT(procinfo_parse_stat(buf, comm, &starttime), 0);
	CHECK_STR(comm, "my (odd) name");
	CHECK_INT(starttime, 123456);
	free(buf);
	/* Found by fuzzing: a file that ends right after ')' was read past its end. */
	buf = exact_copy("1 (x)");
	CHECK_INT(procinfo_parse_stat(buf, comm, &starttime), -EINVAL);
	free(buf);
	buf = exact_copy("1 (x) S 1 2");
	CHECK_INT(procinfo_parse_stat(buf, comm, &starttime), -EINVAL);
	free(buf);
}

static void test_stat_ppid(void)
{
	static const char *const cut[] = { "1 (x)",    "1 (x) ",    "1 (x) S",
					   "1 (x) S ", "1 (x) S x", "1 (x) S 99999999999 2",
					   "1 x S 1" };
	__u32 ppid = 0;
	char *buf;

	buf = exact_copy("4242 (a) b) S 812 4242 4242 0 -1\n");
	CHECK_INT(procinfo_parse_ppid(buf, &ppid), 0);
	CHECK_INT(ppid, 812);
	free(buf);
	buf = exact_copy("1 (systemd) S 0 1 1 0 -1");
	CHECK_INT(procinfo_parse_ppid(buf, &ppid), 0);
	CHECK_INT(ppid, 0);
	free(buf);
	/* Cut anywhere: -EINVAL, never a read past the end. */
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		buf = exact_copy(cut[i]);
		CHECK_INT(procinfo_parse_ppid(buf, &ppid), -EINVAL);
		free(buf);
	}
}

static void test_cgroup_and_link(void)
{
	char cgroup[16], *buf;
	__u64 inode = 0;

	buf = exact_copy("1:name=systemd:/a\n0::/user.slice/very-long-name.scope\n");
	cgroup_best_path(buf, cgroup, sizeof(cgroup));
	CHECK_STR(cgroup, "/user.slice/ver");
	free(buf);
	/* Cut short right after the controllers: no path, no overread. */
	buf = exact_copy("3:cpu:");
	cgroup_best_path(buf, cgroup, sizeof(cgroup));
	CHECK_STR(cgroup, "");
	free(buf);
	CHECK(proc_sockets_parse_link("socket:[12345]", 14, &inode) && inode == 12345);
	CHECK(!proc_sockets_parse_link("pipe:[12345]", 12, &inode));
	CHECK(!proc_sockets_parse_link("socket:[]", 9, &inode));
	CHECK(!proc_sockets_parse_link("socket:[12a]", 12, &inode));
	CHECK(!proc_sockets_parse_link("socket:[123456789012345678901234567]", 36, &inode));
}

static bool count_visit(void *ctx, const struct sockdiag_socket *socket)
{
	(void)socket;
	(*(int *)ctx)++;
	return true;
}

/* Found by fuzzing: an error reply with a positive "errno" came back as success-like. */
static void test_sockdiag_lying_error(void)
{
	struct {
		struct nlmsghdr header;
		struct nlmsgerr error;
	} reply = {
		.header = { .nlmsg_len = sizeof(reply), .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = 7 },
		.error = { .error = 671088699 }
	};
	struct sockdiag_ports ports = { 3000, 3000 };
	bool visiting = true;
	int visits = 0;

	CHECK_INT(sockdiag_parse_replies((const char *)&reply, sizeof(reply), 7, &ports,
					 count_visit, &visits, &visiting),
		  -EIO);
	reply.error.error = -EACCES;
	CHECK_INT(sockdiag_parse_replies((const char *)&reply, sizeof(reply), 7, &ports,
					 count_visit, &visits, &visiting),
		  -EACCES);
	/* Cut short: not even one header. */
	CHECK_INT(sockdiag_parse_replies((const char *)&reply, 10, 7, &ports, count_visit, &visits,
					 &visiting),
		  0);
	CHECK_INT(visits, 0);
}

int main(void)
{
	test_stat();
	test_stat_ppid();
	test_cgroup_and_link();
	test_sockdiag_lying_error();
	return unit_summary();
}
