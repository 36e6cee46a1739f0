/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The facts both compilers need, in one copy: clang builds it into the BPF
 * programs, gcc into userspace and the tests. Kernel numbers that libc does
 * not always name (IPPROTO_MPTCP, the TCP states), the inline rule for code
 * shared by both sides, the port bitmap's bit rule and the schema version.
 * No libc, no BPF helpers.
 */
#ifndef BINDSNOOP_SHARED_FACTS_H
#define BINDSNOOP_SHARED_FACTS_H

#ifdef __bpf__
/* The verifier sees one program: shared helpers are always inlined. */
#define BS_SHARED_INLINE static __attribute__((always_inline)) inline
#else
#include <stdbool.h>
#include <linux/types.h>
#define BS_SHARED_INLINE static inline
#endif

/* include/uapi/linux/in.h since 5.6; older libcs do not define it. */
#define BS_IPPROTO_MPTCP 262

/* The kernel's TCP states (include/net/tcp_states.h), as sock_diag,
 * /proc/net/tcp and the BPF holder walk report them. */
#define BS_TCP_ESTABLISHED 1
#define BS_TCP_SYN_RECV	   3
#define BS_TCP_FIN_WAIT2   5
#define BS_TCP_TIME_WAIT   6
#define BS_TCP_CLOSE	   7
#define BS_TCP_LISTEN	   10
#define BS_TCP_NEW_SYN_RECV 12
/* inet_diag's pseudo-state for a bound, not listening, TCP socket (6.9). */
#define BS_TCP_BOUND_INACTIVE 13

/* The JSON Lines schema version: "v" in every record, and
 * schema/bindsnoop-event-v<N>.schema.json. */
#define BS_SCHEMA_VERSION      2
#define BS_SCHEMA_VERSION_TEXT "2"

/* A bitmap of bits in bytes, bit n at byte n / 8, value 1 << (n % 8): the
 * --port filter (BS_PORT_BITMAP_BYTES), --who's ports and the tests. */
BS_SHARED_INLINE bool bs_bit_test(const __u8 *bitmap, __u32 bit)
{
	return (bitmap[bit >> 3] >> (bit & 7)) & 1;
}

BS_SHARED_INLINE void bs_bit_set(__u8 *bitmap, __u32 bit)
{
	bitmap[bit >> 3] |= (__u8)(1 << (bit & 7));
}

#endif /* BINDSNOOP_SHARED_FACTS_H */
