#!/bin/sh
# /init of the bindsnoop test VM: busybox sh, PID 1, inside the initramfs that
# scripts/vm-test.sh packs. It sets up what a tracer expects of a real machine
# (proc, sysfs, tracefs, debugfs, bpffs, cgroup2, lo up, the socket-diag
# modules), runs the plan in /etc/vm/plan and powers off.
#
# Everything the host reads is on the serial console between marker lines:
#   @@BSVM BOOTED uptime=S
#   @@BSVM BEGIN <step>          ... the step's own output ...
#   @@BSVM END <step> rc=N secs=S
#   @@BSVM DONE uptime=S
# A VM that never prints DONE died or hung; the host fails it.
#
# /etc/vm/plan: one step a line, "<step><TAB><shell command>"; the command is
# eval'd here, so it may call the functions of steps.sh (facts, auto_backend).
# Kernel command line: vm.shell=1 boots into an interactive shell instead.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
umask 022

mkdir -p /dev /proc /sys /tmp /run /root
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# If the initramfs had no /dev/console node the kernel started us with no
# stdio at all; devtmpfs has one now.
exec </dev/console >/dev/console 2>&1

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpffs /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup

# Kernel messages would land in the middle of our marker lines; they are
# printed whole by the kernel_log step instead.
dmesg -n 1

hostname "$(cat /etc/hostname 2>/dev/null || echo bindsnoop-vm)"
ip link set lo up

# Modules the host resolved, dependencies first, one path a line.
if [ -f /etc/vm/modules ]; then
	while read -r module; do
		[ -n "$module" ] || continue
		insmod "$module" || echo "vm: loading $module failed"
	done </etc/vm/modules
fi

# shellcheck source=steps.sh
. /etc/vm/steps.sh

echo "@@BSVM BOOTED uptime=$(uptime_s)"

if grep -qw 'vm.shell=1' /proc/cmdline; then
	echo "vm: debugging shell. The plan is /etc/vm/plan; 'run_plan' runs it, the"
	echo "vm: step functions (facts, auto_backend, ...) are defined. 'exit' powers off."
	# cttyhack gives the shell a controlling tty, so Ctrl-C works; the login
	# shell reads /etc/profile, which defines the step functions.
	setsid cttyhack sh -l
else
	run_plan
	echo "@@BSVM DONE uptime=$(uptime_s)"
fi

sync
poweroff -f
