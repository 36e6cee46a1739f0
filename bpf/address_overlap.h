/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one copy of the kernel's address-overlap rule for binds (what
 * inet_rcv_saddr_equal() decides): built by clang for the BPF holder walk and
 * by gcc for userspace (sock_diag holders, --who, the unit tests). Both
 * families compare as IPv6, IPv4 as ::ffff:a.b.c.d. No libc, no BPF helpers.
 */
#ifndef BINDSNOOP_ADDRESS_OVERLAP_H
#define BINDSNOOP_ADDRESS_OVERLAP_H

#include "shared_facts.h"

#define BS_AF_INET  2
#define BS_AF_INET6 10

/* Who a socket bound to an address can receive from. */
struct bs_bound_addr {
	__u32 words[4]; /* the address as IPv6, in network byte order */
	bool any;	/* a wildcard of its family */
	bool takes_ipv4;
	bool takes_ipv6;
};

/* raw: 4 bytes for AF_INET, 16 for AF_INET6, as the kernel stores them. */
BS_SHARED_INLINE void bs_bound_addr_make(struct bs_bound_addr *out, __u16 family, const __u8 *raw,
					 bool v6only)
{
	__u8 *bytes = (__u8 *)out->words;
	bool mapped;

	__builtin_memset(out, 0, sizeof(*out));
	if (family == BS_AF_INET) {
		bytes[10] = 0xff;
		bytes[11] = 0xff;
		__builtin_memcpy(&bytes[12], raw, 4);
		out->any = out->words[3] == 0;
		out->takes_ipv4 = true;
		return;
	}
	__builtin_memcpy(out->words, raw, 16);
	mapped = out->words[0] == 0 && out->words[1] == 0 && bytes[8] == 0 && bytes[9] == 0 &&
		 bytes[10] == 0xff && bytes[11] == 0xff;
	/* ::ffff:0.0.0.0 is the IPv4 wildcard to the kernel too (ipv6_rcv_saddr_equal). */
	out->any = out->words[0] == 0 && out->words[1] == 0 && out->words[3] == 0 &&
		   (out->words[2] == 0 || mapped);
	out->takes_ipv4 = (out->any && !v6only) || mapped;
	out->takes_ipv6 = !mapped;
}

BS_SHARED_INLINE bool bs_bound_addr_overlap(const struct bs_bound_addr *a,
					    const struct bs_bound_addr *b)
{
	if (!((a->takes_ipv4 && b->takes_ipv4) || (a->takes_ipv6 && b->takes_ipv6)))
		return false;
	if (a->any || b->any)
		return true;
	return a->words[0] == b->words[0] && a->words[1] == b->words[1] &&
	       a->words[2] == b->words[2] && a->words[3] == b->words[3];
}

#endif /* BINDSNOOP_ADDRESS_OVERLAP_H */
