# shellcheck shell=bash
# The container the deploy and package tests boot: a real systemd (nspawn)
# running this machine's /usr through an overlay, so that nothing has to be
# downloaded. Sourced; needs systemd-nspawn (systemd-container).
#
#   nspawn_root ROOT         an empty root: /etc with this machine's users,
#                            /bin, /lib... pointing into /usr
#   nspawn_boot ROOT UPPER OUT LOG
#                            boot ROOT (multi-user.target) with UPPER as the
#                            overlay's upper /usr and OUT at /out; returns
#                            when the container powers off (120 s at most)

nspawn_root() {
	local root=$1 dir
	mkdir -p "$root"/{etc/systemd/system/multi-user.target.wants,var/log,tmp,proc,sys,dev,run,root,opt}
	for dir in bin lib lib64 sbin; do ln -s usr/$dir "$root/$dir"; done
	cp /etc/passwd /etc/group /etc/shadow "$root/etc/"
	cp /usr/lib/os-release "$root/etc/os-release"
	# Not a first boot: systemd would enable every unit of the host's /usr by
	# its presets (prometheus, ...), and only the units under test should run.
	systemd-id128 new >"$root/etc/machine-id"
}

nspawn_boot() {
	local root=$1 upper=$2 out=$3 log=$4
	# nspawn wants /run/systemd/nspawn on a tmpfs: a private one in its own mount namespace.
	unshare -m --propagation private sh -c "mkdir -p /run/systemd/nspawn &&
		mount -t tmpfs tmpfs /run/systemd/nspawn &&
		SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0 timeout 120 systemd-nspawn -q -D '$root' \
		--overlay=/usr:'$upper':/usr --bind='$out':/out --bind=/sys/kernel/tracing \
		--register=no --keep-unit --capability=CAP_BPF,CAP_PERFMON \
		--system-call-filter='bpf perf_event_open' -b -- systemd.unit=multi-user.target" \
		>"$log" 2>&1
}
