/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text that a process chose (its name, its command line) made safe to print
 * on a terminal, and measured in the terminal's columns. Anyone can name a process: raw, such text could move the
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

/*
 * Terminal columns of UTF-8 text[0..len), as a terminal draws it: two for
 * an East Asian wide or fullwidth character (CJK, Hangul, fullwidth forms,
 * most emoji), none for a combining mark or a zero-width character, one for
 * anything else (a byte that is not UTF-8 shows as one replacement
 * character). Unlike wcwidth(3), the same in every locale: bindsnoop never
 * calls setlocale. Every width the table or --who measures comes from here.
 */
size_t text_columns(const char *text, size_t len);

/*
 * Bytes of the longest start of text[0..len) that takes at most columns
 * columns, cut between characters only (never inside a wide one); combining
 * marks after its last character stay with it. *used (if not NULL) gets the
 * columns it takes.
 */
size_t text_prefix_columns(const char *text, size_t len, size_t columns, size_t *used);

#endif /* BINDSNOOP_TEXT_SANITIZE_H */
