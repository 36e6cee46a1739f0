/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bind report: one kernel event decoded and enriched with what userspace
 * knows (command lines, cgroup path, holder processes). Every output format
 * renders this one structure.
 */
#ifndef BINDSNOOP_REPORT_H
#define BINDSNOOP_REPORT_H

#include <stdbool.h>
#include <linux/types.h>
#include "bindsnoop.h"

#define REPORT_MAX_HOLDERS   16
#define REPORT_MAX_PROCESSES 8
#define REPORT_CMDLINE_MAX   512
#define REPORT_CGROUP_MAX    256
#define REPORT_EXE_MAX	     256
#define REPORT_SERVICE_MAX   128
#define REPORT_SUMMARY_MAX   512
#define REPORT_FIX_MAX	     256

/* Where a holder's description came from. */
#define HOLDER_SOURCE_KERNEL	1 /* the BPF program walked the bind table */
#define HOLDER_SOURCE_SOCK_DIAG 2 /* userspace asked sock_diag afterwards */
#define HOLDER_SOURCE_PROC_NET	3 /* userspace read /proc/net/tcp etc.: no sock_diag */

/* The container a process runs in, from its cgroup path and the engine's own state. */
struct container_ref {
	char id[65];	  /* full id as the cgroup path shows it; "" when not in one */
	char engine[16];  /* "docker", "containerd", "cri-o", "podman", "kubernetes" */
	char name[128];	  /* "" when the engine's state does not say */
	char image[160];  /* "" when the engine's state does not say */
	char pod_uid[40]; /* Kubernetes: from the kubepods cgroup path */
	char pod_namespace[64];
	char pod_name[128];
	char container_name[64]; /* Kubernetes: the container's name in its pod */
};

/*
 * Who a process is beyond its name: what it runs, since when, and which
 * systemd unit or container it belongs to. Every string is "" when unknown.
 */
struct process_identity {
	char exe[REPORT_EXE_MAX]; /* /proc/PID/exe target */
	__u64 exe_dev;		  /* tell two copies of one path apart from one file */
	__u64 exe_ino;
	__u64 start_realtime_ns; /* 0: unknown */
	char cgroup[REPORT_CGROUP_MAX];
	char service[REPORT_SERVICE_MAX]; /* "nginx.service" */
	struct container_ref container;
};

struct process_ref {
	__u32 pid;
	int socket_fd;	    /* a holder's process: its fd for that socket; -1 unknown */
	bool cmdline_known; /* false: the process was gone or unreadable */
	char comm[BS_COMM_LEN];
	char cmdline[REPORT_CMDLINE_MAX]; /* arguments joined by spaces */
	struct process_identity identity;
};

struct holder_report {
	__u64 inode; /* 0: none (TIME_WAIT) */
	__u8 addr[BS_ADDR_LEN];
	__u32 uid; /* BS_UID_UNKNOWN when not known */
	__u16 port;
	__u16 family;	/* AF_INET / AF_INET6 / BS_AF_UNIX */
	__u16 protocol; /* IPPROTO_TCP / IPPROTO_UDP; BS_AF_UNIX: SOCK_STREAM, SOCK_DGRAM, ... */
	__u8 state;	/* TCP_* number; UDP: TCP_CLOSE = unconnected */
	__u8 flags;	/* BS_HOLDER_* */
	__u8 source;	/* HOLDER_SOURCE_* */
	__u32 process_count;
	/* Processes with the socket open; [0] may come from the bind-time tag. */
	struct process_ref processes[REPORT_MAX_PROCESSES];
};

/* A parent of the caller: who started it, up to its service manager or shell. */
struct parent_ref {
	__u32 pid;
	char comm[BS_COMM_LEN];
};

/* The caller's socket options at the failure, read by the kernel; known false: not read. */
struct caller_socket_options {
	bool known;
	__u8 flags;	     /* BS_SOCK_* */
	__u32 bound_ifindex; /* SO_BINDTODEVICE; 0: none */
	char device[24];     /* its name ("eth0"), or "ifindex N" in another netns; "" for none */
};

struct caller_report {
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u64 netns;
	__u64 cgroup_id;
	char comm[BS_COMM_LEN];
	bool cmdline_known;
	char cmdline[REPORT_CMDLINE_MAX];
	char cgroup[REPORT_CGROUP_MAX]; /* "" when unknown */
	struct process_identity identity;
	bool identity_from_kernel; /* read at the failure, not from /proc afterwards */
	__u32 parent_count;
	struct parent_ref parents[BS_PARENT_DEPTH]; /* [0]: the parent (ppid) */
	struct caller_socket_options socket_options;
	/*
	 * A port publisher binding for a container being started (docker-proxy;
	 * dockerd binding for one): identity.container is that container when the
	 * engine's state names it, publish_port its port (0: unknown).
	 */
	bool publishing;
	__u16 publish_port;
};

/* The caller's own socket, read after the failure; -1 in a field: could not be read. */
struct caller_socket {
	int reuseaddr;	/* SO_REUSEADDR */
	int reuseport;	/* SO_REUSEPORT */
	int bound_port; /* getsockname(): 0 unbound, else the port it already has */
};

/* What the caller's network namespace allows, read from its sysctls; -1: unknown. */
struct netns_limits {
	int unprivileged_port_start; /* net.ipv4.ip_unprivileged_port_start */
	int local_port_low;	     /* net.ipv4.ip_local_port_range */
	int local_port_high;
};

/*
 * An AF_UNIX bind (family BS_AF_UNIX): the name it asked for and what is at
 * that path now, as the caller sees the filesystem (user/enrich/unix_holder.c).
 */
struct unix_target {
	char name[BS_UNIX_PATH_LEN]; /* sun_path as given: name[0] 0 is an abstract name */
	__u32 name_len;		     /* bytes of name given */
	__u8 sock_type;		     /* the caller's SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	/* The path: 0 it exists (file_* below), else the errno of looking; -1 not looked at */
	int file_error;
	__u32 file_mode; /* st_mode: S_IFSOCK for a socket file */
	__u32 file_uid;
	__u64 file_ino;
	__u64 file_dev;	     /* st_dev */
	__u64 file_mtime_ns; /* ns since the epoch */
	/* Its directory, looked at for ENOENT and EACCES: as file_error, dir_* */
	int dir_error;
	__u32 dir_mode;
	__u32 dir_uid;
	char dir[BS_UNIX_PATH_LEN]; /* the directory part of a path name ("" for none) */
};

/* Cause codes, in the order diagnose() checks them (schema/README.md). */
enum diagnosis_cause {
	CAUSE_NONE = 0, /* a success: no diagnosis */
	CAUSE_DUAL_STACK,
	CAUSE_TIME_WAIT,
	CAUSE_CONTAINER_PORT,
	CAUSE_SERVICE_SOCKET,
	CAUSE_SAME_PROGRAM,
	CAUSE_OTHER_PROGRAM,
	CAUSE_REUSEPORT_MISMATCH,
	CAUSE_PRIVILEGED_PORT,
	CAUSE_DENIED,
	CAUSE_ADDRESS_NOT_LOCAL,
	CAUSE_PORTS_EXHAUSTED,
	CAUSE_ALREADY_BOUND,
	CAUSE_STALE_SOCKET_FILE, /* AF_UNIX: a socket file nobody is bound to */
	CAUSE_NOT_A_SOCKET,	 /* AF_UNIX: the path is some other kind of file */
	CAUSE_NO_DIRECTORY,	 /* AF_UNIX: ENOENT, the directory is missing */
	CAUSE_UNKNOWN,
};

/* The same failure seen again and again (a restart loop); count 0: not counted. */
struct repeat_info {
	__u32 count;		      /* this failure is the count-th within window_s */
	__u32 window_s;		      /* seconds */
	char who[REPORT_SERVICE_MAX]; /* "app.service", a container name, or an executable */
	bool is_unit;		      /* who is a systemd unit (journalctl -u applies) */
	bool is_container;
};

struct diagnosis {
	enum diagnosis_cause cause;
	char summary[REPORT_SUMMARY_MAX];
	char fix[REPORT_FIX_MAX]; /* "" when there is truly nothing to suggest */
	struct repeat_info repeat;
};

struct bind_report {
	__u64 seq;	      /* this record's number in the run (record_seq.h) */
	__u64 ts_realtime_ns; /* wall clock, ns since the epoch */
	int error;	      /* positive errno, 0 for success */
	__u64 count;	      /* failures this record stands for: 1, or the repeats folded */
	bool folded;	      /* repeats counted in the kernel (--fold-ms), not one failure */
	__u16 protocol;	      /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_MPTCP, ... */
	__u16 family;
	__u16 port;		/* requested */
	__u8 addr[BS_ADDR_LEN]; /* requested */
	__u8 kind;		/* BS_KIND_* */
	__u8 hook;		/* BS_HOOK_* */
	bool holders_searched;	/* some lookup ran (kernel walk or sock_diag) */
	__u32 holder_count;
	/*
	 * Holders found but not in holders[]: past REPORT_MAX_HOLDERS, or left
	 * when the report's lookup budget ran out (lookup_budget.h).
	 */
	__u32 holders_not_named;
	struct holder_report holders[REPORT_MAX_HOLDERS];
	struct caller_report caller;
	bool caller_v6only;		    /* the caller's socket had IPV6_V6ONLY */
	__u64 caller_sock_inode;	    /* the caller's socket, to read its options */
	struct caller_socket caller_socket; /* what userspace read of it */
	struct netns_limits limits;
	struct unix_target unix_target; /* family BS_AF_UNIX only */
	struct diagnosis diagnosis; /* cause CAUSE_NONE for successes */
};

/* "bind_failed", "bind", "listen_failed" or "listen". */
const char *report_event_name(const struct bind_report *report);

/* A repeat count at least this high is called a restart loop. */
#define REPORT_LOOP_THRESHOLD 3

/*
 * The stable name of a cause ("time_wait", "same_program", ...), as in the
 * JSON "cause" field: for metrics and filters. NULL for CAUSE_NONE.
 */
const char *diagnosis_cause_name(enum diagnosis_cause cause);

/* The words for the table's last column: "other program", "TIME_WAIT", ... */
const char *diagnosis_cause_label(enum diagnosis_cause cause);

/* "1st", "2nd", "3rd", "11th", "22nd" for n into buf. */
const char *report_ordinal(__u32 n, char *buf, size_t len);

#endif /* BINDSNOOP_REPORT_H */
