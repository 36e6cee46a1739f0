/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who holds the address a bind wanted: the sockets the kernel found while
 * the bind failed, completed from sock_diag when the kernel could not say
 * (no walk, nothing found, more than fit in the event), each with the
 * processes that have it open. Built for storms: sock_diag answers are kept
 * HOLDERS_DIAG_TTL_NS, process details come from caches.
 */
#ifndef BINDSNOOP_HOLDER_LOOKUP_H
#define BINDSNOOP_HOLDER_LOOKUP_H

#include <stdbool.h>
#include <linux/types.h>
#include "bindsnoop.h"
#include "enrich/lookup_budget.h"
#include "enrich/procinfo.h"
#include "report.h"
#include "enrich/sockdiag.h"

#define HOLDERS_DIAG_TTL_NS 500000000ULL /* a sock_diag answer is reused this long */

struct holder_lookup;

/*
 * procs is borrowed (it must outlive the lookup). proc_lookup false: only
 * what the kernel found, named from its bind-time tags; no sock_diag, no
 * /proc scan. NULL when out of memory.
 */
struct holder_lookup *holder_lookup_new(struct procinfo_cache *procs, bool proc_lookup);
void holder_lookup_free(struct holder_lookup *lookup);
/*
 * The kernel's owner_tags map (struct bs_owner_tag by socket inode): names
 * the process of a holder sock_diag found, if it bound while tracing.
 */
void holder_lookup_use_owner_tags(struct holder_lookup *lookup, int owner_tags_fd);
/* -v: say once on stderr when a protocol's holders come from /proc/net, not sock_diag. */
void holder_lookup_set_verbose(struct holder_lookup *lookup, bool verbose);

/*
 * Fill report->holders, holder_count, holders_not_named and
 * holders_searched for this event, within budget (NULL: none): the holders
 * not reached when it runs out, or past REPORT_MAX_HOLDERS, are counted in
 * holders_not_named.
 */
void holder_lookup_fill(struct holder_lookup *lookup, const struct bs_event *ev,
			struct bind_report *report, const struct lookup_budget *budget);

/* --who: read every process's sockets now, so the first lookup names them all. */
void holder_lookup_scan_processes(struct holder_lookup *lookup);

/* --who: the sockets on one port (count of them, at most REPORT_MAX_HOLDERS). */
typedef void (*holder_port_visit_fn)(void *ctx, __u16 port, const struct sockdiag_socket *sockets,
				     int count);

/*
 * --who: the sockets of protocol (IPPROTO_TCP, IPPROTO_UDP) in namespace
 * netns_ino bound to a port set in ports (a bitmap of 65536 bits), from one
 * sock_diag dump asked through process pid, however many ports. For each
 * port that has some, in ascending order: visit with its sockets in dump
 * order, many TIME_WAIT sockets on one address as one. 0, or a negative
 * errno when the namespace could not be asked.
 */
int holder_lookup_ports(struct holder_lookup *lookup, __u64 netns_ino, __u32 pid, __u16 protocol,
			const __u8 *ports, holder_port_visit_fn visit, void *ctx);

/* --who: a socket holder_lookup_ports found, with the processes that have it open. */
void holder_lookup_describe(struct holder_lookup *lookup, const struct sockdiag_socket *socket,
			    __u16 protocol, struct holder_report *holder);

/*
 * --who NAME: the AF_UNIX sockets of namespace netns_ino (asked through
 * pid) bound to report->unix_target's name, read before (unix_holder.h),
 * into report->holders with the processes that have them open, as for an
 * event; holders_searched says whether the whole dump was read.
 */
void holder_lookup_unix(struct holder_lookup *lookup, __u64 netns_ino, __u32 pid,
			struct bind_report *report);

/*
 * Whether a socket bound to (family_a, addr_a) and one bound to
 * (family_b, addr_b) compete for the same port, by the kernel's rules
 * (bpf/holders.bpf.h): a wildcard overlaps everything of its family, an
 * IPv6 wildcard also every IPv4 address unless v6only, and an IPv4-mapped
 * IPv6 address is that IPv4 address.
 */
bool holder_addresses_overlap(__u16 family_a, const __u8 *addr_a, bool v6only_a, __u16 family_b,
			      const __u8 *addr_b, bool v6only_b);

#endif /* BINDSNOOP_HOLDER_LOOKUP_H */
