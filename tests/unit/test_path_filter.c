// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --path patterns: exact names, prefixes, abstract names, escaped bytes, and what is refused. */
#include <errno.h>
#include <string.h>
#include "capture/path_filter.h"
#include "unit.h"

static struct bs_unix_addr name_of(const char *bytes, __u32 len)
{
	struct bs_unix_addr name = { .path_len = len };

	memcpy(name.path, bytes, len);
	return name;
}

static int add(struct path_filter *filter, const char *text)
{
	return path_filter_add(filter, text, strlen(text));
}

static void test_match(void)
{
	struct path_filter filter = { 0 };
	struct bs_unix_addr name;

	name = name_of("/run/app.sock", 14);
	CHECK(path_filter_match(&filter, &name)); /* no pattern: everything */
	CHECK_INT(add(&filter, "/run/app.sock"), 0);
	CHECK(path_filter_match(&filter, &name));
	/* The kernel reads a path up to its NUL: bytes after it do not count. */
	name = name_of("/run/app.sock\0junk", 18);
	CHECK(path_filter_match(&filter, &name));
	name = name_of("/run/app.sock2", 14);
	CHECK(!path_filter_match(&filter, &name));
	CHECK_INT(add(&filter, "/run/php/*"), 0);
	name = name_of("/run/php/fpm.sock", 17);
	CHECK(path_filter_match(&filter, &name));
	name = name_of("/run/phpx", 9);
	CHECK(!path_filter_match(&filter, &name));
	/* "@a\x01": the abstract name of bytes a, 0x01, as bindsnoop shows it. */
	CHECK_INT(add(&filter, "@a\\x01"), 0);
	name = name_of("\0a\x01", 3);
	CHECK(path_filter_match(&filter, &name));
	name = name_of("\0a\x01\0", 4); /* one byte longer: another abstract name */
	CHECK(!path_filter_match(&filter, &name));
	name = name_of("a\x01", 2); /* a relative path, not the abstract name */
	CHECK(!path_filter_match(&filter, &name));
}

static void test_refused(void)
{
	struct path_filter filter = { 0 };
	char long_path[BS_UNIX_PATH_LEN + 2];

	CHECK_INT(add(&filter, "app.sock"), -EINVAL);
	CHECK_INT(add(&filter, "*"), -EINVAL);
	CHECK_INT(add(&filter, "/run/\\x0"), -EINVAL);
	CHECK_INT(add(&filter, "/run/\\q"), -EINVAL);
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	CHECK_INT(add(&filter, long_path), -ENAMETOOLONG);
	for (int i = 0; i < PATH_FILTER_MAX; i++)
		CHECK_INT(add(&filter, "/run/x"), 0);
	CHECK_INT(add(&filter, "/run/y"), -E2BIG);
}

int main(void)
{
	test_match();
	test_refused();
	return unit_summary();
}
