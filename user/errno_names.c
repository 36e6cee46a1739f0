// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The errno names bindsnoop prints and --errno takes. A module of its own,
 * apart from format.c, so that the options (user/options.mk) link without
 * the outputs.
 */
#include <errno.h>
#include <string.h>
#include "errno_names.h"

/* Indexed by number, so the names follow this libc's (Linux x86-64) values. */
/* clang-format off */
#define ERRNO_ENTRY(name) [name] = #name
const char *const errno_names[] = {
	ERRNO_ENTRY(EPERM),            ERRNO_ENTRY(ENOENT),           ERRNO_ENTRY(ESRCH),
	ERRNO_ENTRY(EINTR),            ERRNO_ENTRY(EIO),              ERRNO_ENTRY(ENXIO),
	ERRNO_ENTRY(E2BIG),            ERRNO_ENTRY(ENOEXEC),          ERRNO_ENTRY(EBADF),
	ERRNO_ENTRY(ECHILD),           ERRNO_ENTRY(EAGAIN),           ERRNO_ENTRY(ENOMEM),
	ERRNO_ENTRY(EACCES),           ERRNO_ENTRY(EFAULT),           ERRNO_ENTRY(ENOTBLK),
	ERRNO_ENTRY(EBUSY),            ERRNO_ENTRY(EEXIST),           ERRNO_ENTRY(EXDEV),
	ERRNO_ENTRY(ENODEV),           ERRNO_ENTRY(ENOTDIR),          ERRNO_ENTRY(EISDIR),
	ERRNO_ENTRY(EINVAL),           ERRNO_ENTRY(ENFILE),           ERRNO_ENTRY(EMFILE),
	ERRNO_ENTRY(ENOTTY),           ERRNO_ENTRY(ETXTBSY),          ERRNO_ENTRY(EFBIG),
	ERRNO_ENTRY(ENOSPC),           ERRNO_ENTRY(ESPIPE),           ERRNO_ENTRY(EROFS),
	ERRNO_ENTRY(EMLINK),           ERRNO_ENTRY(EPIPE),            ERRNO_ENTRY(EDOM),
	ERRNO_ENTRY(ERANGE),           ERRNO_ENTRY(EDEADLK),          ERRNO_ENTRY(ENAMETOOLONG),
	ERRNO_ENTRY(ENOLCK),           ERRNO_ENTRY(ENOSYS),           ERRNO_ENTRY(ENOTEMPTY),
	ERRNO_ENTRY(ELOOP),            ERRNO_ENTRY(ENOMSG),           ERRNO_ENTRY(EIDRM),
	ERRNO_ENTRY(ECHRNG),           ERRNO_ENTRY(EL2NSYNC),         ERRNO_ENTRY(EL3HLT),
	ERRNO_ENTRY(EL3RST),           ERRNO_ENTRY(ELNRNG),           ERRNO_ENTRY(EUNATCH),
	ERRNO_ENTRY(ENOCSI),           ERRNO_ENTRY(EL2HLT),           ERRNO_ENTRY(EBADE),
	ERRNO_ENTRY(EBADR),            ERRNO_ENTRY(EXFULL),           ERRNO_ENTRY(ENOANO),
	ERRNO_ENTRY(EBADRQC),          ERRNO_ENTRY(EBADSLT),          ERRNO_ENTRY(EBFONT),
	ERRNO_ENTRY(ENOSTR),           ERRNO_ENTRY(ENODATA),          ERRNO_ENTRY(ETIME),
	ERRNO_ENTRY(ENOSR),            ERRNO_ENTRY(ENONET),           ERRNO_ENTRY(ENOPKG),
	ERRNO_ENTRY(EREMOTE),          ERRNO_ENTRY(ENOLINK),          ERRNO_ENTRY(EADV),
	ERRNO_ENTRY(ESRMNT),           ERRNO_ENTRY(ECOMM),            ERRNO_ENTRY(EPROTO),
	ERRNO_ENTRY(EMULTIHOP),        ERRNO_ENTRY(EDOTDOT),          ERRNO_ENTRY(EBADMSG),
	ERRNO_ENTRY(EOVERFLOW),        ERRNO_ENTRY(ENOTUNIQ),         ERRNO_ENTRY(EBADFD),
	ERRNO_ENTRY(EREMCHG),          ERRNO_ENTRY(ELIBACC),          ERRNO_ENTRY(ELIBBAD),
	ERRNO_ENTRY(ELIBSCN),          ERRNO_ENTRY(ELIBMAX),          ERRNO_ENTRY(ELIBEXEC),
	ERRNO_ENTRY(EILSEQ),           ERRNO_ENTRY(ERESTART),         ERRNO_ENTRY(ESTRPIPE),
	ERRNO_ENTRY(EUSERS),           ERRNO_ENTRY(ENOTSOCK),         ERRNO_ENTRY(EDESTADDRREQ),
	ERRNO_ENTRY(EMSGSIZE),         ERRNO_ENTRY(EPROTOTYPE),       ERRNO_ENTRY(ENOPROTOOPT),
	ERRNO_ENTRY(EPROTONOSUPPORT),  ERRNO_ENTRY(ESOCKTNOSUPPORT),  ERRNO_ENTRY(EOPNOTSUPP),
	ERRNO_ENTRY(EPFNOSUPPORT),     ERRNO_ENTRY(EAFNOSUPPORT),     ERRNO_ENTRY(EADDRINUSE),
	ERRNO_ENTRY(EADDRNOTAVAIL),    ERRNO_ENTRY(ENETDOWN),         ERRNO_ENTRY(ENETUNREACH),
	ERRNO_ENTRY(ENETRESET),        ERRNO_ENTRY(ECONNABORTED),     ERRNO_ENTRY(ECONNRESET),
	ERRNO_ENTRY(ENOBUFS),          ERRNO_ENTRY(EISCONN),          ERRNO_ENTRY(ENOTCONN),
	ERRNO_ENTRY(ESHUTDOWN),        ERRNO_ENTRY(ETOOMANYREFS),     ERRNO_ENTRY(ETIMEDOUT),
	ERRNO_ENTRY(ECONNREFUSED),     ERRNO_ENTRY(EHOSTDOWN),        ERRNO_ENTRY(EHOSTUNREACH),
	ERRNO_ENTRY(EALREADY),         ERRNO_ENTRY(EINPROGRESS),      ERRNO_ENTRY(ESTALE),
	ERRNO_ENTRY(EUCLEAN),          ERRNO_ENTRY(ENOTNAM),          ERRNO_ENTRY(ENAVAIL),
	ERRNO_ENTRY(EISNAM),           ERRNO_ENTRY(EREMOTEIO),        ERRNO_ENTRY(EDQUOT),
	ERRNO_ENTRY(ENOMEDIUM),        ERRNO_ENTRY(EMEDIUMTYPE),      ERRNO_ENTRY(ECANCELED),
	ERRNO_ENTRY(ENOKEY),           ERRNO_ENTRY(EKEYEXPIRED),      ERRNO_ENTRY(EKEYREVOKED),
	ERRNO_ENTRY(EKEYREJECTED),     ERRNO_ENTRY(EOWNERDEAD),       ERRNO_ENTRY(ENOTRECOVERABLE),
	ERRNO_ENTRY(ERFKILL),          ERRNO_ENTRY(EHWPOISON),
};
/* clang-format on */

/* Second names for numbers the table above already names. */
static const struct {
	const char *name;
	int value;
} errno_aliases[] = {
	{ "EWOULDBLOCK", EWOULDBLOCK },
	{ "EDEADLOCK", EDEADLOCK },
	{ "ENOTSUP", ENOTSUP },
};

const size_t errno_name_count = sizeof(errno_names) / sizeof(errno_names[0]);

int errno_from_name(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 1; i < errno_name_count; i++)
		if (errno_names[i] && !strcmp(errno_names[i], name))
			return i;
	for (size_t i = 0; i < sizeof(errno_aliases) / sizeof(errno_aliases[0]); i++)
		if (!strcmp(errno_aliases[i].name, name))
			return errno_aliases[i].value;
	return -1;
}
