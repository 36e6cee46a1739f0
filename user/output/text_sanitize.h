/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text that a process chose (its name, its command line) made safe to print
 * on a terminal. Anyone can name a process: raw, such text could move the
 * cursor, set the window title, reorder what is shown or fake a line.
 */
#ifndef BINDSNOOP_TEXT_SANITIZE_H
#define BINDSNOOP_TEXT_SANITIZE_H

#include <stddef.h>

/*
 * Copy in[0..len) to out, each of these replaced by one '?':
 * - C0 controls and DEL (ESC starts every escape sequence),
 * - C1 controls U+0080..U+009F (CSI, OSC as single code points),
 * - bidirectional controls (U+061C, U+200E, U+200F, U+202A..U+202E,
 *   U+2066..U+2069), which make a terminal show text in another order,
 * - line and paragraph separators U+2028, U+2029,
 * - each byte that is not part of well-formed UTF-8 (a terminal in a
 *   legacy 8-bit mode reads 0x9b as CSI).
 * Valid printable UTF-8 passes unchanged. out needs len + 1 bytes: the
 * result is never longer than the input. Returns its length; out is
 * NUL-terminated.
 */
size_t text_sanitize(char *out, const char *in, size_t len);

#endif /* BINDSNOOP_TEXT_SANITIZE_H */
