/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What program a process is, beyond its executable file. An interpreter is
 * not the program: "python3 -m http.server" and "python3 app.py" run the
 * same /usr/bin/python3.11 and are different programs. And a program is
 * named the way its user ran it ("redis-server"), not by the file its
 * symlink resolves to ("/usr/bin/redis-check-rdb"). Pure string work on the
 * command line (arguments joined by spaces), unit-tested.
 */
#ifndef BINDSNOOP_PROGRAM_NAME_H
#define BINDSNOOP_PROGRAM_NAME_H

#include <stdbool.h>
#include <stddef.h>

#define PROGRAM_ARGUMENT_MAX 160

/* The last component of a path: "/usr/bin/node" -> "node", "node" -> "node". */
const char *program_base_name(const char *path);

/* exe's file name is an interpreter's: python*, node, java, ruby*, perl*, php*, or a shell. */
bool program_is_interpreter(const char *exe);

/*
 * What an interpreter's command line runs: the script ("app.py"), the module
 * ("-m http.server"), the jar ("-jar app.jar"), the inline code ("-c ..."),
 * or the main class. "" when the command line names none (an interactive
 * interpreter). Returns its length.
 */
size_t program_argument(const char *cmdline, char *out, size_t out_size);

/*
 * Two processes that run the same executable file run the same program
 * unless it is an interpreter running different things. cmdline NULL:
 * unknown, in which case an interpreter is never called the same program.
 */
bool program_same(const char *exe, const char *cmdline_a, const char *cmdline_b);

/*
 * The name the user ran: argv[0]'s file name ("redis-server") when it
 * differs from exe's ("redis-check-rdb"), else "". Returns its length.
 */
size_t program_invoked_name(const char *exe, const char *cmdline, char *out, size_t out_size);

#endif /* BINDSNOOP_PROGRAM_NAME_H */
