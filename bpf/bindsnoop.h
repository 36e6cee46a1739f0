/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The contract between the BPF programs and userspace: one event record and
 * one read-only configuration. Fixed-width types only, largest fields first,
 * so both compilers lay them out the same way; the sizes are asserted at the
 * end, so a layout that differs fails the build of one side or the other.
 */
#ifndef BINDSNOOP_H
#define BINDSNOOP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define BS_COMM_LEN	      16
#define BS_ADDR_LEN	      16 /* an IPv6 address; IPv4 uses the first 4 bytes */
#define BS_MAX_KERNEL_HOLDERS 4	 /* sockets described inside one event */
#define BS_MAX_FILTER_PIDS    16
#define BS_MAX_FILTER_UIDS    16
#define BS_MAX_FILTER_COMMS   8
#define BS_ERRNO_LIMIT	      256 /* --errno accepts 1..255 */
#define BS_PORT_BITMAP_BYTES  (65536 / 8)

/* What the caller was doing (bs_event.kind). */
#define BS_KIND_BIND	 1 /* bind(2) */
#define BS_KIND_LISTEN	 2 /* listen(2): get_port ran for a reused or unbound socket */
#define BS_KIND_AUTOBIND 3 /* a port picked by the kernel outside bind/listen */

/* Which kernel hook produced the event (bs_event.hook). */
#define BS_HOOK_SYSCALL	 1 /* syscalls/sys_exit_{bind,listen} tracepoints */
#define BS_HOOK_INET	 2 /* inet_bind, inet6_bind, inet_listen (fexit or kretprobe) */
#define BS_HOOK_GET_PORT 3 /* inet_csk_get_port / udp_lib_get_port return */
#define BS_HOOK_AUTOBIND 4 /* inet_autobind return */
#define BS_HOOK_UNIX	 5 /* unix_bind (fexit or kretprobe) */

#define BS_AF_UNIX	 1   /* bs_event.family of a Unix-domain bind */
#define BS_UNIX_PATH_LEN 108 /* sizeof(sockaddr_un.sun_path) */

/* bs_holder.flags */
#define BS_HOLDER_REUSEADDR   0x1
#define BS_HOLDER_REUSEPORT   0x2
#define BS_HOLDER_V6ONLY      0x4
#define BS_HOLDER_OWNER_KNOWN 0x8 /* owner_* fields were tagged at bind time */

#define BS_UID_UNKNOWN 0xffffffffu

/*
 * Who bound a socket while tracing: one slot of the owner_tags array per
 * socket inode (BS_OWNER_TAG_SLOT), written in place at every successful
 * bind; a slot names the last socket whose inode maps to it, so a tag counts
 * only where sock_inode is the socket's. The kernel walk copies it into
 * bs_holder; userspace reads the array for holders that sock_diag found.
 * The executable and start time compare a holder whose /proc cannot be read
 * (another pid namespace, hidepid, --no-proc-lookup) with the caller.
 */
struct bs_owner_tag {
	__u64 sock_inode;	 /* the socket tagged; 0: none yet */
	__u64 exe_ino;		 /* the binder's mm->exe_file inode, 0 unknown */
	__u64 start_boottime_ns; /* the binder's start (as bs_identity's) */
	char comm[BS_COMM_LEN];
	__u32 pid;
	__u32 exe_dev; /* kernel encoding, as bs_identity.exe_dev */
};

/*
 * Socket inodes come from one counter (get_next_ino()), so the low bits of
 * the last sockets made are all different: their tags do not collide until
 * the array has gone round once. mask: the array's size (a power of two) - 1.
 */
#define BS_OWNER_TAG_SLOT(inode, mask) ((__u32)(inode) & (mask))

/* A socket that holds the requested port, found in the kernel's bind tables. */
struct bs_holder {
	__u64 sock_inode;	      /* 0 for TIME_WAIT: such a socket has no file */
	__u64 owner_exe_ino;	      /* the owner tag's (BS_HOLDER_OWNER_KNOWN), 0 unknown */
	__u64 owner_start_boottime_ns; /* the owner tag's */
	__u8 addr[BS_ADDR_LEN];	      /* bound address */
	char owner_comm[BS_COMM_LEN]; /* who bound it, if seen while tracing */
	__u32 owner_pid;	      /* tgid that bound it, if seen while tracing */
	__u32 owner_exe_dev;	      /* the owner tag's */
	__u32 uid;		      /* socket owner uid, BS_UID_UNKNOWN for TIME_WAIT */
	__u16 port;		      /* host byte order */
	__u16 family;		      /* AF_INET or AF_INET6 */
	__u8 state; /* TCP_* state number (TCP_CLOSE (7) for a bound UDP socket) */
	__u8 flags; /* BS_HOLDER_* */
	__u8 pad[6];
};

/* The caller's identity, read in the kernel at the failure (bs_identity). */
#define BS_PATH_LEN	 192 /* a path, components leaf first, each NUL-ended */
#define BS_PATH_PART_MAX 96  /* a component starts in the first half: at most this long */
#define BS_PARENT_DEPTH	 4
#define BS_CMDLINE_LEN	 96

/* bs_identity.flags */
#define BS_ID_READ	       0x01 /* the identity was read: a failure reported in full */
#define BS_ID_EXE_COMPLETE     0x02 /* exe_path goes up to the process's root */
#define BS_ID_CGROUP_COMPLETE  0x04 /* cgroup_path goes up to its hierarchy's root */
#define BS_ID_CGROUP_SYSTEMD   0x08 /* cgroup_path is the name=systemd (v1) hierarchy's */
#define BS_ID_SOCK_OPTIONS     0x10 /* sock_flags and bound_ifindex were read */
#define BS_ID_CMDLINE_CUT      0x20 /* the arguments go on past cmdline */

/* bs_identity.sock_flags: the caller's socket at the failure */
#define BS_SOCK_REUSEADDR	     0x01
#define BS_SOCK_REUSEPORT	     0x02
#define BS_SOCK_FREEBIND	     0x04
#define BS_SOCK_TRANSPARENT	     0x08
#define BS_SOCK_BIND_ADDRESS_NO_PORT 0x10

/*
 * Who the caller is, read by the program that reports the failure, before
 * bind() returns: the program may exit a microsecond later, and /proc with
 * it. Read for failures reported in full only, never for a folded repeat.
 * Paths are stored leaf first ("python3.11\0bin\0usr\0"): userspace joins
 * them in reverse; a flag says whether the walk reached the root.
 */
struct bs_identity {
	__u64 exe_ino;		 /* mm->exe_file's inode */
	__u64 start_boottime_ns; /* the process's start, CLOCK_BOOTTIME (as /proc's) */
	__u32 exe_dev;		 /* its superblock's dev_t, kernel encoding (major << 20 | minor) */
	__u32 bound_ifindex;	 /* SO_BINDTODEVICE, 0 if none */
	/* The parents: [0] is ppid, [1] its parent, ...; 0 past the top. */
	__u32 parent_pids[BS_PARENT_DEPTH];
	__u16 cmdline_len; /* bytes of cmdline read */
	__u8 flags;	   /* BS_ID_* */
	__u8 sock_flags;   /* BS_SOCK_* */
	__u32 pad;
	char parent_comms[BS_PARENT_DEPTH][BS_COMM_LEN];
	char exe_path[BS_PATH_LEN];
	char cgroup_path[BS_PATH_LEN];
	char cmdline[BS_CMDLINE_LEN]; /* the first bytes of the arguments, NUL-separated */
};

/*
 * The name an AF_UNIX bind asked for, as the caller passed it: a path
 * (NUL-ended within path_len, or cut there), or an abstract name (path[0] is
 * 0; every one of its path_len bytes counts, NULs included).
 */
struct bs_unix_addr {
	char path[BS_UNIX_PATH_LEN];
	__u32 path_len; /* bytes of sun_path given (addrlen - 2), at most BS_UNIX_PATH_LEN */
};

struct bs_event {
	/*
	 * An AF_UNIX event has no kernel holders (holder_count 0): its name
	 * takes their room, so the record keeps one size for every family.
	 */
	union {
		struct bs_holder holders[BS_MAX_KERNEL_HOLDERS];
		struct bs_unix_addr unix_addr; /* family BS_AF_UNIX */
	};
	struct bs_identity identity; /* flags 0: not read (a success, the basic object) */
	__u64 ts_boot_ns; /* bpf_ktime_get_boot_ns() */
	__u64 netns_ino;  /* network namespace of the caller's socket */
	__u64 cgroup_id;
	__u64 sock_inode;	/* the caller's socket */
	__u8 addr[BS_ADDR_LEN]; /* the address asked for; AF_UNIX: the name's hash (the fold key) */
	char comm[BS_COMM_LEN];
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__s32 ret;		      /* 0 or -errno */
	__u32 holder_count;	      /* holders found; may exceed BS_MAX_KERNEL_HOLDERS */
	__u16 port;		      /* requested port, host byte order */
	__u16 family;		      /* AF_INET, AF_INET6 or BS_AF_UNIX */
	__u16 protocol;		      /* IPPROTO_TCP, _UDP, _MPTCP, ...; 0: AF_UNIX */
	__u8 kind;		      /* BS_KIND_* */
	__u8 hook;		      /* BS_HOOK_* */
	__u8 sock_type;		      /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u8 kernel_holders_searched; /* 1 if the kernel walked its bind table (kernel_holders) */
	__u8 caller_v6only;	      /* the caller's socket has IPV6_V6ONLY */
	__u8 pad[5];
};

/*
 * Folding (bs_config.fold_ms != 0). A process that fails the same way again
 * and again is one entry of the folds map, keyed by what makes the failures
 * identical. Time is cut into windows of fold_ms, numbered by the epoch that
 * userspace advances in the fold_epoch map (so the kernel reads no clock).
 * The first failure of a key in an epoch is reported in full and opens its
 * window; its repeats in that epoch only bump `repeats`, before any ring
 * buffer or holder work. Userspace sweeps the map and reports the repeats of
 * every closed window as one record with their count (user/capture/fold_sweep.c).
 */
struct bs_fold_key {
	__u8 addr[BS_ADDR_LEN]; /* requested address */
	__u32 pid;		/* tgid */
	__s32 ret;		/* -errno */
	__u16 port;		/* requested port */
	__u16 family;
	__u16 protocol;
	__u8 kind; /* BS_KIND_* */
	__u8 pad;
};

/*
 * The counters only grow, so userspace never writes the entry: the repeats of
 * windows that already closed are [reported, repeats_at_window_start), those
 * of the open window [repeats_at_window_start, repeats). The rest is what the
 * full report of the window's first failure said, for the folded record.
 */
struct bs_fold_value {
	__u64 epoch;   /* of the window open now, the epoch of its full report */
	__u64 repeats; /* repeats counted since the entry was made */
	__u64 repeats_at_window_start;
	__u64 cgroup_id;
	__u64 netns_ino;
	__u64 sock_inode;
	char comm[BS_COMM_LEN];
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u8 hook;
	__u8 sock_type;
	__u8 caller_v6only;
	__u8 pad;
};

/*
 * What to report, as the command line asked: userspace parses it into
 * struct options and hands the same struct to the kernel in one assignment.
 */
struct bs_filters {
	__u8 port_bitmap[BS_PORT_BITMAP_BYTES];	 /* bit set: report this port */
	__u64 errno_bitmap[BS_ERRNO_LIMIT / 64]; /* bit set: report this errno */
	char comms[BS_MAX_FILTER_COMMS][BS_COMM_LEN];
	__u32 pids[BS_MAX_FILTER_PIDS];
	__u32 uids[BS_MAX_FILTER_UIDS];
	__u32 pid_count;
	__u32 uid_count;
	__u32 comm_count;
	__u32 filter_ports;  /* 1: only ports set in port_bitmap */
	__u32 filter_errnos; /* 1: only errnos set in errno_bitmap */
	/*
	 * 1: --path: AF_UNIX failures pass (userspace matches their names), inet
	 * ones only as --port lets them (none without it).
	 */
	__u32 filter_paths;
};

/* Read-only settings, fixed before load so the verifier drops unused branches. */
struct bs_config {
	struct bs_filters filters;
	__u32 all;		/* --all: successful binds and listens too */
	__u32 kernel_holders;	/* not --no-kernel-holders: walk the bind tables on EADDRINUSE */
	__u32 wakeup_threshold; /* bytes queued before the reader is woken */
	__u32 self_pid;		/* bindsnoop itself, never reported */
	__u32 fold_ms; /* --fold-ms: repeats within this window are counted; 0: --no-fold */
	__u32 syscall_nr_listen; /* listen(2)'s number here: one program serves both exits */
	__u32 syscall_nr_bind;	 /* bind(2)'s: get_port inside bind() is bind's to report */
	/*
	 * 1: a "name=systemd" cgroup v1 hierarchy is mounted (a v1/v2 hybrid or
	 * legacy host): the caller's unit is looked up there. 0 (pure cgroup
	 * v2): its css_set's links are never walked.
	 */
	__u32 cgroup_v1_systemd;
	__u32 owner_tag_mask; /* owner_tags' size - 1 (BS_OWNER_TAG_SLOT) */
	__u32 pad;
};

_Static_assert(sizeof(struct bs_owner_tag) == 48, "bs_owner_tag layout changed");
_Static_assert(sizeof(struct bs_holder) == 80, "bs_holder layout changed");
_Static_assert(sizeof(struct bs_identity) == 592, "bs_identity layout changed");
_Static_assert(sizeof(struct bs_unix_addr) <= sizeof(struct bs_holder) * BS_MAX_KERNEL_HOLDERS,
	       "bs_unix_addr must fit in the holders' room of bs_event");
_Static_assert(sizeof(struct bs_event) == 1016, "bs_event layout changed");
_Static_assert(sizeof(struct bs_fold_key) == 32, "bs_fold_key layout changed");
_Static_assert(sizeof(struct bs_fold_value) == 80, "bs_fold_value layout changed");
_Static_assert(sizeof(struct bs_filters) == 8504, "bs_filters layout changed");
_Static_assert(sizeof(struct bs_config) == 8544, "bs_config layout changed");

#endif /* BINDSNOOP_H */
