// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "address_overlap.h"
#include "enrich/caller_identity.h"
#include "enrich/holder_lookup.h"
#include "enrich/netns_list.h"
#include "enrich/proc_sockets.h"
#include "enrich/sockdiag.h"
#include "enrich/unix_holder.h"
#include "shared_facts.h"

/* Answers kept: one per (namespace, protocol, port, requested address) in a storm. */
#define DIAG_ANSWERS 16
/* Enough for a full report after the caller's own socket and the kernel's are skipped. */
#define DIAG_KEPT (REPORT_MAX_HOLDERS + BS_MAX_KERNEL_HOLDERS + 1)
/* What the /proc scan and sock_diag leave of a budget for naming the processes after them. */
#define NAMING_RESERVE_NS 5000000ULL

/* One sock_diag dump, reduced to the sockets overlapping the requested address. */
struct diag_answer {
	bool used;
	bool searched; /* the dump ran, whole or cut by a budget (else: no holders, not searched) */
	bool complete; /* the dump ran to its end: total counts every overlapping socket */
	__u64 netns_ino;
	__u16 protocol;
	__u16 port;
	__u16 family;
	bool caller_v6only;
	__u8 addr[BS_ADDR_LEN];
	__u64 fetched_at_ns;
	int count;
	__u32 total; /* overlapping sockets seen; TIME_WAIT ones on a kept address once */
	struct sockdiag_socket sockets[DIAG_KEPT]; /* most telling first: LISTEN, bound, ... */
};

struct holder_lookup {
	struct procinfo_cache *procs;
	bool proc_lookup;
	struct sockdiag *diag;	      /* NULL: sock_diag unavailable */
	struct proc_sockets *sockets; /* NULL without proc_lookup */
	int owner_tags_fd;	      /* the kernel's owner_tags map, -1 if none */
	__u32 owner_tag_mask;	      /* its size - 1 (BS_OWNER_TAG_SLOT) */
	__s64 boot_to_realtime_ns;    /* a tag's CLOCK_BOOTTIME start to CLOCK_REALTIME */
	struct diag_answer answers[DIAG_ANSWERS];
};

bool holder_addresses_overlap(__u16 family_a, const __u8 *addr_a, bool v6only_a, __u16 family_b,
			      const __u8 *addr_b, bool v6only_b)
{
	struct bs_bound_addr a, b;

	bs_bound_addr_make(&a, family_a, addr_a, v6only_a);
	bs_bound_addr_make(&b, family_b, addr_b, v6only_b);
	return bs_bound_addr_overlap(&a, &b);
}

/* Holders are reported as TCP or UDP: MPTCP binds through TCP, UDP-Lite shares UDP's rules. */
static __u16 holder_protocol(__u16 event_protocol)
{
	if (event_protocol == BS_IPPROTO_MPTCP)
		return IPPROTO_TCP;
	if (event_protocol == IPPROTO_UDPLITE)
		return IPPROTO_UDP;
	return event_protocol;
}

/* The telling ones first when there are more than a report holds. */
static int diag_rank(const struct sockdiag_socket *socket)
{
	if (socket->time_wait || !socket->inode)
		return 3;
	if (socket->state == BS_TCP_LISTEN)
		return 0;
	if (socket->state == BS_TCP_CLOSE)
		return 1;
	return 2;
}

static bool same_fileless_socket(const struct sockdiag_socket *a, const struct sockdiag_socket *b)
{
	return !a->inode && !b->inode && a->family == b->family &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* sockdiag visitor: keep the DIAG_KEPT best overlapping sockets, by rank, dump order within one. */
static bool diag_answer_collect(void *ctx, const struct sockdiag_socket *socket)
{
	struct diag_answer *answer = ctx;
	int rank = diag_rank(socket);
	int position = answer->count;

	if (!holder_addresses_overlap(answer->family, answer->addr, answer->caller_v6only,
				      socket->family, socket->addr, socket->v6only))
		return true;
	for (int i = 0; i < answer->count; i++) {
		/* Thousands of TIME_WAIT sockets on one address say one thing. */
		if (same_fileless_socket(&answer->sockets[i], socket))
			return true;
	}
	answer->total++;
	while (position > 0 && diag_rank(&answer->sockets[position - 1]) > rank)
		position--;
	if (position >= DIAG_KEPT)
		return true;
	int moved = answer->count - position;

	if (answer->count == DIAG_KEPT)
		moved--;
	memmove(&answer->sockets[position + 1], &answer->sockets[position],
		moved * sizeof(answer->sockets[0]));
	answer->sockets[position] = *socket;
	if (answer->count < DIAG_KEPT)
		answer->count++;
	return true;
}

static bool diag_answer_matches(const struct diag_answer *answer, const struct bs_event *ev)
{
	return answer->used && answer->netns_ino == ev->netns_ino &&
	       answer->protocol == ev->protocol && answer->port == ev->port &&
	       answer->family == ev->family && answer->caller_v6only == !!ev->caller_v6only &&
	       memcmp(answer->addr, ev->addr, BS_ADDR_LEN) == 0;
}

/*
 * The sock_diag answer for this event's request, from the cache while it is
 * fresh; NULL when it is not and the budget is spent. A dump the budget cut
 * is kept as it is: a flood of reports on one port pays for one dump.
 */
static const struct diag_answer *diag_answer_get(struct holder_lookup *lookup,
						 const struct bs_event *ev,
						 const struct lookup_budget *budget)
{
	struct diag_answer *answer = NULL;
	__u64 now = coarse_monotonic_ns();
	int err;

	for (int i = 0; i < DIAG_ANSWERS; i++) {
		struct diag_answer *candidate = &lookup->answers[i];

		if (diag_answer_matches(candidate, ev)) {
			if (now - candidate->fetched_at_ns < HOLDERS_DIAG_TTL_NS)
				return candidate;
			answer = candidate;
			break;
		}
		if (!answer || !candidate->used ||
		    (answer->used && candidate->fetched_at_ns < answer->fetched_at_ns))
			answer = candidate;
	}
	if (lookup_budget_spent(budget))
		return NULL;
	answer->used = true;
	answer->netns_ino = ev->netns_ino;
	answer->protocol = ev->protocol;
	answer->port = ev->port;
	answer->family = ev->family;
	answer->caller_v6only = ev->caller_v6only;
	memcpy(answer->addr, ev->addr, BS_ADDR_LEN);
	answer->count = 0;
	answer->total = 0;
	/* A failure is kept too: retrying it for every event of a storm would not help. */
	err = sockdiag_for_each_in_ports(lookup->diag, ev->netns_ino, ev->pid, ev->protocol,
					 &(struct sockdiag_ports){ ev->port, ev->port },
					 diag_answer_collect, answer, budget);
	answer->searched = err == 0 || err == -ETIME;
	answer->complete = err == 0;
	answer->fetched_at_ns = coarse_monotonic_ns();
	return answer;
}

static bool diag_wanted(const struct holder_lookup *lookup, const struct bs_event *ev)
{
	if (!lookup->proc_lookup || !lookup->diag || ev->ret != -EADDRINUSE || !ev->port)
		return false;
	/* Ask only when the kernel could not say: no walk, nothing, or more than fit. */
	return !ev->kernel_holders_searched || ev->holder_count == 0 ||
	       ev->holder_count > BS_MAX_KERNEL_HOLDERS;
}

static bool report_has_socket(const struct bind_report *report,
			      const struct sockdiag_socket *socket)
{
	for (__u32 i = 0; i < report->holder_count; i++) {
		const struct holder_report *holder = &report->holders[i];

		if (socket->inode && holder->inode == socket->inode)
			return true;
		if (!socket->inode && !holder->inode && holder->family == socket->family &&
		    memcmp(holder->addr, socket->addr, BS_ADDR_LEN) == 0)
			return true;
	}
	return false;
}

static void holder_from_kernel(struct holder_report *holder, const struct bs_holder *found,
			       __u16 protocol)
{
	holder->inode = found->sock_inode;
	memcpy(holder->addr, found->addr, BS_ADDR_LEN);
	holder->uid = found->uid;
	holder->port = found->port;
	holder->family = found->family;
	holder->protocol = protocol;
	holder->state = found->state;
	holder->flags = found->flags;
	holder->source = HOLDER_SOURCE_KERNEL;
	holder->process_count = 0;
}

static void holder_from_diag(struct holder_report *holder, const struct sockdiag_socket *socket,
			     __u16 protocol)
{
	holder->inode = socket->inode;
	memcpy(holder->addr, socket->addr, BS_ADDR_LEN);
	holder->uid = socket->uid;
	holder->port = socket->port;
	holder->family = socket->family;
	holder->protocol = protocol;
	holder->state = socket->state;
	/* sock_diag does not expose SO_REUSEADDR / SO_REUSEPORT. */
	holder->flags = socket->v6only ? BS_HOLDER_V6ONLY : 0;
	holder->source = socket->from_proc_net ? HOLDER_SOURCE_PROC_NET : HOLDER_SOURCE_SOCK_DIAG;
	holder->process_count = 0;
}

static void holders_add_from_diag(struct bind_report *report, const struct diag_answer *answer,
				  const struct bs_event *ev)
{
	for (int i = 0; i < answer->count && report->holder_count < REPORT_MAX_HOLDERS; i++) {
		const struct sockdiag_socket *socket = &answer->sockets[i];

		/* A listen() that failed: the caller's own bound socket is in the dump. */
		if (socket->inode && socket->inode == ev->sock_inode)
			continue;
		if (report_has_socket(report, socket))
			continue;
		holder_from_diag(&report->holders[report->holder_count++], socket,
				 holder_protocol(ev->protocol));
	}
}

static bool holder_lists_pid(const struct holder_report *holder, __u32 pid)
{
	for (__u32 i = 0; i < holder->process_count; i++) {
		if (holder->processes[i].pid == pid)
			return true;
	}
	return false;
}

/*
 * The tag's executable and start time, where /proc said nothing of this very
 * process (unreadable: another pid namespace, hidepid, --no-proc-lookup; or
 * the pid is someone else's now): enough for same_program to compare it
 * with the caller. /proc's own reading of the same process stays (its
 * stat() is what the caller's comes from too).
 */
static void holder_owner_identity_apply(const struct holder_lookup *lookup,
					const struct bs_holder *found,
					struct process_identity *identity)
{
	__u64 start_ns = found->owner_start_boottime_ns + lookup->boot_to_realtime_ns;

	if (!found->owner_exe_ino)
		return;
	if (identity->exe_ino && identity_same_start(identity->start_realtime_ns, start_ns))
		return;
	memset(identity, 0, sizeof(*identity));
	identity->exe_dev = identity_dev_to_user(found->owner_exe_dev);
	identity->exe_ino = found->owner_exe_ino;
	identity->start_realtime_ns = start_ns;
}

/*
 * The process that bound the socket, as the kernel tagged it at bind time;
 * with read_proc, its command line and identity from /proc where the pid is
 * still that process.
 */
static void holder_add_owner(struct holder_lookup *lookup, struct holder_report *holder,
			     const struct bs_holder *found, bool read_proc)
{
	struct process_ref *process = &holder->processes[holder->process_count++];
	size_t comm_len = strnlen(found->owner_comm, BS_COMM_LEN - 1);

	process->pid = found->owner_pid;
	process->socket_fd = -1;
	process->cmdline_known = false;
	process->cmdline[0] = '\0';
	memset(&process->identity, 0, sizeof(process->identity));
	if (lookup->proc_lookup && read_proc) {
		procinfo_process(lookup->procs, found->owner_pid, process);
		/* A different comm: the pid was reused since, its cmdline is someone else's. */
		if (strncmp(process->comm, found->owner_comm, comm_len + 1) != 0) {
			process->cmdline_known = false;
			process->cmdline[0] = '\0';
		}
	}
	memcpy(process->comm, found->owner_comm, comm_len);
	process->comm[comm_len] = '\0';
	holder_owner_identity_apply(lookup, found, &process->identity);
}

/* A holder the kernel's bind-time tag names (struct bs_holder's owner_* fields). */
static bool kernel_tagged(const struct bs_holder *found)
{
	return found && (found->flags & BS_HOLDER_OWNER_KNOWN) && found->owner_pid;
}

/*
 * The processes the last /proc scan saw holding the socket (each with its
 * fd for it), then the one the kernel tagged as its binder if the scan did
 * not see it. Reads the map only: the scan is refreshed once per report.
 */
static void holder_processes_fill(struct holder_lookup *lookup, struct holder_report *holder,
				  const struct bs_holder *found)
{
	struct proc_socket_user users[REPORT_MAX_PROCESSES];
	int user_count = 0;

	holder->process_count = 0;
	/* TIME_WAIT and orphaned sockets have no file, so no process. */
	if (!holder->inode)
		return;
	if (lookup->proc_lookup)
		user_count = proc_sockets_lookup(lookup->sockets, holder->inode, users,
						 REPORT_MAX_PROCESSES);
	for (int i = 0; i < user_count; i++) {
		struct process_ref *process = &holder->processes[holder->process_count];

		/* Gone since the last /proc scan: it holds nothing now. */
		if (procinfo_process(lookup->procs, users[i].pid, process) == 0) {
			process->socket_fd = users[i].fd;
			holder->process_count++;
		}
	}
	if (kernel_tagged(found) && holder->process_count < REPORT_MAX_PROCESSES &&
	    !holder_lists_pid(holder, found->owner_pid))
		holder_add_owner(lookup, holder, found, true);
}

/*
 * Out of time (or stopping) with holders from index from on still to name:
 * those the kernel's bind-time tag names stay, named from the tag alone (no
 * /proc read), the others go (counted as not named by the caller). The tag
 * is already in the event; dropping it when a slow /proc scan spent the
 * budget lost a name the kernel had given.
 */
static void holders_keep_tagged(struct holder_lookup *lookup, const struct bs_event *ev,
				struct bind_report *report, __u32 from, __u32 kernel_count)
{
	__u32 kept = from;

	for (__u32 i = from; i < report->holder_count; i++) {
		const struct bs_holder *found = i < kernel_count ? &ev->holders[i] : NULL;
		struct holder_report *holder = &report->holders[kept];

		if (!kernel_tagged(found) || !report->holders[i].inode)
			continue;
		if (kept != i)
			*holder = report->holders[i];
		holder->process_count = 0;
		holder_add_owner(lookup, holder, found, false);
		kept++;
	}
	report->holder_count = kept;
}

/*
 * Who bound a socket that sock_diag found, if it was bound while tracing
 * (the kernel tags every successful bind): the holder is named even before
 * the next /proc scan sees its descriptor.
 */
static bool owner_tag_find(const struct holder_lookup *lookup, __u64 inode, struct bs_holder *out)
{
	__u32 slot = BS_OWNER_TAG_SLOT(inode, lookup->owner_tag_mask);
	struct bs_owner_tag tag;

	/* A slot names the last socket that maps to it: this one's, or no tag. */
	if (lookup->owner_tags_fd < 0 || !inode ||
	    bpf_map_lookup_elem(lookup->owner_tags_fd, &slot, &tag) || tag.sock_inode != inode ||
	    !tag.pid)
		return false;
	memset(out, 0, sizeof(*out));
	out->owner_pid = tag.pid;
	memcpy(out->owner_comm, tag.comm, sizeof(out->owner_comm));
	out->owner_exe_ino = tag.exe_ino;
	out->owner_exe_dev = tag.exe_dev;
	out->owner_start_boottime_ns = tag.start_boottime_ns;
	out->flags = BS_HOLDER_OWNER_KNOWN;
	return true;
}

/*
 * sock_diag's holders after the kernel's. Returns how many holders there
 * are in all, as far as is known: kernel_found (the walk's count, cut after
 * WALK_MAX_STEPS nodes) unless a whole dump counted them.
 */
static __u32 holders_add_diag(struct holder_lookup *lookup, const struct bs_event *ev,
			      struct bind_report *report, const struct lookup_budget *budget,
			      __u32 kernel_found)
{
	struct lookup_budget dump_budget = lookup_budget_reserve(budget, NAMING_RESERVE_NS);
	const struct diag_answer *answer = diag_answer_get(lookup, ev, &dump_budget);
	__u32 total;

	if (!answer || !answer->searched)
		return kernel_found;
	report->holders_searched = true;
	holders_add_from_diag(report, answer, ev);
	total = answer->total;
	/* A failed listen(): the caller's own bound socket is in the dump, not a holder. */
	if (ev->kind == BS_KIND_LISTEN && ev->sock_inode && total)
		total--;
	/* A whole dump counts many TIME_WAIT sockets on one address once; the walk, each. */
	if (answer->complete)
		return total;
	return total > kernel_found ? total : kernel_found;
}

/*
 * Name the holders' processes in order, from one /proc scan refreshed for
 * all of them. A holder reached after the budget is spent is left out, and
 * every one after it: a flood of holders costs one budget, never a stall.
 */
static void holders_name(struct holder_lookup *lookup, const struct bs_event *ev,
			 struct bind_report *report, __u32 kernel_count,
			 const struct lookup_budget *budget)
{
	__u64 inodes[REPORT_MAX_HOLDERS];
	int inode_count = 0;

	if (lookup->proc_lookup) {
		struct lookup_budget scan_budget = lookup_budget_reserve(budget, NAMING_RESERVE_NS);

		for (__u32 i = 0; i < report->holder_count; i++) {
			if (report->holders[i].inode)
				inodes[inode_count++] = report->holders[i].inode;
		}
		if (inode_count)
			proc_sockets_refresh(lookup->sockets, inodes, inode_count, &scan_budget);
	}
	for (__u32 i = 0; i < report->holder_count; i++) {
		struct bs_holder tagged;
		const struct bs_holder *found = i < kernel_count ? &ev->holders[i] : NULL;

		if (lookup->proc_lookup && lookup_budget_spent(budget)) {
			holders_keep_tagged(lookup, ev, report, i, kernel_count);
			return;
		}
		if (!found && owner_tag_find(lookup, report->holders[i].inode, &tagged))
			found = &tagged;
		holder_processes_fill(lookup, &report->holders[i], found);
	}
}

/*
 * An AF_UNIX name has a holder or two, not a flood: each is named from the
 * bind-time tag and the last /proc scan (cheap reads) even once the budget
 * is spent; only the scan's refresh is bounded by it.
 */
static void unix_holders_name(struct holder_lookup *lookup, struct bind_report *report,
			      const struct lookup_budget *budget)
{
	struct lookup_budget scan_budget = lookup_budget_reserve(budget, NAMING_RESERVE_NS);
	__u64 inodes[REPORT_MAX_HOLDERS];
	int inode_count = 0;

	for (__u32 i = 0; i < report->holder_count; i++)
		inodes[inode_count++] = report->holders[i].inode;
	if (inode_count)
		proc_sockets_refresh(lookup->sockets, inodes, inode_count, &scan_budget);
	for (__u32 i = 0; i < report->holder_count; i++) {
		struct bs_holder tagged;
		bool tag = owner_tag_find(lookup, report->holders[i].inode, &tagged);

		holder_processes_fill(lookup, &report->holders[i], tag ? &tagged : NULL);
	}
}

/*
 * A socket file nobody in the caller's network namespace is bound to may be
 * bound in another: a /run or a volume shared with a container. Calling it
 * stale would advise removing a live server's socket. Every other namespace
 * a process lives in is asked, within budget; the report is "searched" only
 * if all of them answered.
 */
static __u32 unix_holders_elsewhere(struct holder_lookup *lookup, const struct bs_event *ev,
				    struct bind_report *report, const struct lookup_budget *budget)
{
	struct netns_list spaces;
	bool searched = report->holders_searched;
	__u32 found = 0;

	if (netns_list_find(&spaces, (struct netns_ref){ ev->netns_ino, ev->pid }, true, budget))
		searched = false;
	for (size_t i = 1; i < spaces.count && !found; i++) {
		struct bs_event there = *ev;

		if (lookup_budget_spent(budget)) {
			searched = false;
			break;
		}
		there.netns_ino = spaces.refs[i].ino;
		there.pid = spaces.refs[i].pid;
		sockdiag_note_pid(lookup->diag, there.netns_ino, there.pid);
		found = unix_holders_find(lookup->diag, &there, report, budget);
		searched = searched && report->holders_searched;
	}
	netns_list_free(&spaces);
	report->holders_searched = found || searched;
	return found;
}

/* AF_UNIX: the socket bound to the name, if any, and who has it open (unix_holder.c). */
static void unix_holders_fill(struct holder_lookup *lookup, const struct bs_event *ev,
			      struct bind_report *report, const struct lookup_budget *budget)
{
	bool look = lookup && lookup->proc_lookup;
	__u32 found = 0;

	unix_target_read(ev, &report->unix_target, look);
	if (!look || !lookup->diag || ev->ret != -EADDRINUSE)
		return;
	sockdiag_note_pid(lookup->diag, ev->netns_ino, ev->pid);
	found = unix_holders_find(lookup->diag, ev, report, budget);
	if (!found && report->holders_searched && unix_target_is_socket_file(&report->unix_target))
		found = unix_holders_elsewhere(lookup, ev, report, budget);
	unix_holders_name(lookup, report, budget);
	if (found > report->holder_count)
		report->holders_not_named = found - report->holder_count;
}

void holder_lookup_unix(struct holder_lookup *lookup, __u64 netns_ino, __u32 pid,
			struct bind_report *report)
{
	struct bs_event ev = { .family = BS_AF_UNIX, .netns_ino = netns_ino, .pid = pid };
	__u32 found;

	report->holder_count = 0;
	report->holders_not_named = 0;
	report->holders_searched = false;
	if (!lookup->diag)
		return;
	sockdiag_note_pid(lookup->diag, netns_ino, pid);
	found = unix_holders_find(lookup->diag, &ev, report, NULL);
	unix_holders_name(lookup, report, NULL);
	if (found > report->holder_count)
		report->holders_not_named = found - report->holder_count;
}

void holder_lookup_fill(struct holder_lookup *lookup, const struct bs_event *ev,
			struct bind_report *report, const struct lookup_budget *budget)
{
	__u32 kernel_count =
		ev->holder_count < BS_MAX_KERNEL_HOLDERS ? ev->holder_count : BS_MAX_KERNEL_HOLDERS;
	__u16 protocol = holder_protocol(ev->protocol);
	__u32 found = ev->holder_count;

	report->holder_count = 0;
	report->holders_not_named = 0;
	report->holders_searched = ev->kernel_holders_searched != 0;
	if (ev->family == BS_AF_UNIX) {
		unix_holders_fill(lookup, ev, report, budget);
		return;
	}
	for (__u32 i = 0; i < kernel_count; i++)
		holder_from_kernel(&report->holders[report->holder_count++], &ev->holders[i],
				   protocol);
	if (lookup) {
		if (lookup->diag)
			sockdiag_note_pid(lookup->diag, ev->netns_ino, ev->pid);
		if (diag_wanted(lookup, ev))
			found = holders_add_diag(lookup, ev, report, budget, found);
		holders_name(lookup, ev, report, kernel_count, budget);
	}
	if (found > report->holder_count)
		report->holders_not_named = found - report->holder_count;
}

void holder_lookup_set_verbose(struct holder_lookup *lookup, bool verbose)
{
	if (lookup)
		sockdiag_set_verbose(lookup->diag, verbose);
}

void holder_lookup_use_owner_tags(struct holder_lookup *lookup, int owner_tags_fd)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);

	if (!lookup || owner_tags_fd < 0)
		return;
	/* The array's size is a power of two (user/capture/tracer.c). */
	if (bpf_obj_get_info_by_fd(owner_tags_fd, &info, &info_len) || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return;
	lookup->owner_tags_fd = owner_tags_fd;
	lookup->owner_tag_mask = info.max_entries - 1;
}

/* A port's sockets, whatever their address, as --who reports them. */
struct port_dump {
	struct sockdiag_socket *sockets;
	int count;
	int max;
};

static bool port_dump_collect(void *ctx, const struct sockdiag_socket *socket)
{
	struct port_dump *dump = ctx;

	for (int i = 0; i < dump->count; i++) {
		if (same_fileless_socket(&dump->sockets[i], socket))
			return true;
	}
	if (dump->count < dump->max)
		dump->sockets[dump->count++] = *socket;
	return true;
}

/* A socket of a --who dump, and where it came in the dump: the order a port's sockets keep. */
struct dumped_socket {
	struct sockdiag_socket socket;
	__u32 order;
};

/* One dump for many ports: the sockets on the ports asked about. */
struct ports_dump {
	const __u8 *ports;
	struct dumped_socket *sockets;
	size_t count;
	size_t capacity;
	int err;
};

static bool port_wanted(const __u8 *ports, __u16 port)
{
	return bs_bit_test(ports, port);
}

static bool ports_dump_collect(void *ctx, const struct sockdiag_socket *socket)
{
	struct ports_dump *dump = ctx;

	if (!port_wanted(dump->ports, socket->port))
		return true;
	if (dump->count == dump->capacity) {
		size_t capacity = dump->capacity ? dump->capacity * 2 : 256;
		struct dumped_socket *grown = realloc(dump->sockets, capacity * sizeof(*grown));

		if (!grown) {
			dump->err = -ENOMEM;
			return false;
		}
		dump->sockets = grown;
		dump->capacity = capacity;
	}
	dump->sockets[dump->count] = (struct dumped_socket){ *socket, dump->count };
	dump->count++;
	return true;
}

static int dumped_compare(const void *left, const void *right)
{
	const struct dumped_socket *a = left, *b = right;

	if (a->socket.port != b->socket.port)
		return a->socket.port < b->socket.port ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* The lowest and highest port asked about: the kernel filters the dump to them. */
static bool ports_span(const __u8 *ports, struct sockdiag_ports *span)
{
	bool any = false;

	for (unsigned int port = 0; port < 65536; port++) {
		if (!port_wanted(ports, port))
			continue;
		if (!any)
			span->first = port;
		span->last = port;
		any = true;
	}
	return any;
}

void holder_lookup_scan_processes(struct holder_lookup *lookup)
{
	proc_sockets_scan_complete(lookup->sockets);
}

int holder_lookup_ports(struct holder_lookup *lookup, __u64 netns_ino, __u32 pid, __u16 protocol,
			const __u8 *ports, holder_port_visit_fn visit, void *ctx)
{
	struct ports_dump dump = { .ports = ports };
	struct sockdiag_ports span;
	int err;

	if (!lookup->diag)
		return -ENOTSUP;
	if (!ports_span(ports, &span))
		return 0;
	err = sockdiag_for_each_in_ports(lookup->diag, netns_ino, pid, protocol, &span,
					 ports_dump_collect, &dump, NULL);
	if (!err)
		err = dump.err;
	if (!err && dump.count)
		qsort(dump.sockets, dump.count, sizeof(*dump.sockets), dumped_compare);
	for (size_t start = 0, end; !err && start < dump.count; start = end) {
		__u16 port = dump.sockets[start].socket.port;
		struct sockdiag_socket kept[REPORT_MAX_HOLDERS];
		struct port_dump port_dump = { kept, 0, REPORT_MAX_HOLDERS };

		for (end = start; end < dump.count && dump.sockets[end].socket.port == port; end++)
			port_dump_collect(&port_dump, &dump.sockets[end].socket);
		visit(ctx, port, kept, port_dump.count);
	}
	free(dump.sockets);
	return err;
}

void holder_lookup_describe(struct holder_lookup *lookup, const struct sockdiag_socket *socket,
			    __u16 protocol, struct holder_report *holder)
{
	holder_from_diag(holder, socket, holder_protocol(protocol));
	holder_processes_fill(lookup, holder, NULL);
}

struct holder_lookup *holder_lookup_new(struct procinfo_cache *procs, bool proc_lookup)
{
	struct holder_lookup *lookup = calloc(1, sizeof(*lookup));

	if (!lookup)
		return NULL;
	lookup->procs = procs;
	lookup->owner_tags_fd = -1;
	lookup->boot_to_realtime_ns = realtime_ns() - clock_ns(CLOCK_BOOTTIME);
	lookup->proc_lookup = proc_lookup && procs;
	if (!lookup->proc_lookup)
		return lookup;
	lookup->sockets = proc_sockets_new();
	if (!lookup->sockets) {
		holder_lookup_free(lookup);
		return NULL;
	}
	/* Without sock_diag (no /proc?) the kernel's holders are still reported. */
	lookup->diag = sockdiag_new();
	return lookup;
}

void holder_lookup_free(struct holder_lookup *lookup)
{
	if (!lookup)
		return;
	sockdiag_free(lookup->diag);
	proc_sockets_free(lookup->sockets);
	free(lookup);
}
