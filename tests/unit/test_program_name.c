// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "diagnose/program_name.h"
#include "unit.h"

static void check_argument(const char *cmdline, const char *expected)
{
	char out[PROGRAM_ARGUMENT_MAX];

	CHECK_INT(program_argument(cmdline, out, sizeof(out)), strlen(expected));
	CHECK_STR(out, expected);
}

int main(void)
{
	char name[PROGRAM_ARGUMENT_MAX];

	CHECK(program_is_interpreter("/usr/bin/python3.11"));
	CHECK(program_is_interpreter("/usr/bin/python3"));
	CHECK(program_is_interpreter("/usr/local/bin/node"));
	CHECK(program_is_interpreter("/usr/lib/jvm/java-17-openjdk-amd64/bin/java"));
	CHECK(program_is_interpreter("/usr/bin/perl5.36.0"));
	CHECK(program_is_interpreter("/usr/bin/dash"));
	CHECK(!program_is_interpreter("/usr/sbin/nginx"));
	CHECK(!program_is_interpreter("/usr/bin/pythonista"));
	CHECK(!program_is_interpreter("/usr/bin/shellcheck"));

	check_argument("python3 -m http.server 25501", "-m http.server 25501");
	check_argument("python3 -u -W ignore /srv/app.py --port 80", "/srv/app.py");
	check_argument("java -Xmx1g -cp lib/a.jar com.example.Main", "com.example.Main");
	check_argument("java -jar app.jar --server.port=8080", "-jar app.jar --server.port=8080");
	check_argument("node --inspect server.js", "server.js");
	check_argument("python3", "");
	check_argument("", "");

	CHECK(program_same("/usr/sbin/nginx", NULL, NULL));
	CHECK(program_same("/usr/bin/python3.11", "python3 app.py", "/usr/bin/python3 app.py"));
	CHECK(!program_same("/usr/bin/python3.11", "python3 -m http.server 1", "python3 app.py"));
	CHECK(!program_same("/usr/bin/python3.11", NULL, "python3 app.py"));
	/* The kernel's command line is cut short with "...": its start must match. */
	CHECK(program_same("/usr/bin/node", "node /srv/very/long/server...",
			   "node /srv/very/long/server.js"));

	CHECK_INT(program_invoked_name("/usr/bin/redis-check-rdb", "redis-server *:6379", name,
				       sizeof(name)),
		  12);
	CHECK_STR(name, "redis-server");
	CHECK_INT(program_invoked_name("/usr/sbin/nginx", "/usr/sbin/nginx -g daemon", name,
				       sizeof(name)),
		  0);
	CHECK_INT(program_invoked_name("/usr/sbin/nginx", "nginx: master process", name,
				       sizeof(name)),
		  0);
	CHECK_INT(program_invoked_name("/usr/bin/x", NULL, name, sizeof(name)), 0);
	return unit_summary();
}
