#!/usr/bin/env bash
# vm-test.sh: prove bindsnoop on Debian's own kernels (6.1 and 6.12) in QEMU.
#
# Usage, as root, from anywhere in the repository:
#   scripts/vm-test.sh [--kernels 6.1,6.12] [--backends fexit,kprobe,tracepoint]
#                      [--keep] [--shell] [--timeout SECONDS] [--smp N] [--memory MB]
#                      [--artefacts DIR]
#
#   --kernels LIST    Debian kernel series to boot (default 6.1,6.12): the newest
#                     linux-image-6.1.0-N-cloud-amd64-unsigned and
#                     linux-image-X.Y.N+deb12-cloud-amd64-unsigned in apt's lists.
#   --backends LIST   backends the live suite runs with (default fexit,kprobe,tracepoint);
#                     fexit and kprobe also run with --kernel-only.
#   --keep            keep each initramfs (.cache/vm/initramfs-<kernel>.cpio.gz).
#   --shell           boot the first kernel into an interactive busybox shell instead
#                     of running the plan ('run_plan' runs it there; 'exit' or
#                     Ctrl-A x leaves). No timeout, no matrix.
#   --timeout S       per-kernel limit for one VM, boot to poweroff (default 900).
#   --smp N, --memory MB   VM size (default 2 CPUs, 1024 MB; see "Speed" below).
#   --artefacts DIR   skip the build: take the static bindsnoop, live-test and any
#                     other programs (shipped beside live-test) from DIR.
#
# What it does:
#   1. apt-get installs qemu-system-x86, busybox-static and cpio if missing (a
#      missing qemu fails the run: it never skips).
#   2. Downloads the kernels with apt-get download into .cache/vm/ (gitignored),
#      extracts boot/vmlinuz and the modules tree, reuses them on later runs.
#   3. Builds static artefacts in a private copy of the tree (.cache/vm/src):
#      `make STATIC=1 bindsnoop build/tests/live-test` plus every tests/tools/*.c
#      and $VM_EXTRA_TARGETS. Your ./bindsnoop and build/ are left alone.
#   4. Packs one initramfs per kernel: busybox, scripts/vm/init.sh as /init,
#      scripts/vm/steps.sh, the artefacts, the socket-diag modules ($VM_MODULES).
#   5. Boots each kernel (TCG; console on ttyS0) and runs the plan: facts about
#      the kernel, `live-test --backend B [--kernel-only]` per backend, which
#      backend `--backend auto` picks, the kernel log. Console logs go to
#      .cache/vm/logs/<kernel>.log.
#   6. Prints one matrix row per kernel x backend, then `vm: N passed, N failed`;
#      exits non-zero if any row failed or is missing, or any VM did not finish.
#
# Environment: VM_EXTRA_TARGETS (make targets, built static in the copy, shipped
# in the VM's /opt/tests), VM_MODULES (module names, dependencies are added),
# VM_AUTO_EXPECT (backend `--backend auto` must pick; default fexit; empty: any),
# VM_STEP_TIMEOUT (seconds per live-test run inside the VM, default 300),
# VM_CACHE (cache directory, default <repo>/.cache/vm), VM_CPU (qemu -cpu model,
# default max).
#
# Speed (TCG, no KVM; 2-core host): a kernel boots to /init in 3-7 s. Guest code
# runs about 13x slower than native (50k failed binds take 1 s). QEMU runs one
# host thread per vCPU, so -smp 2 halves the time of two busy processes (the
# tracer and its traffic) and costs nothing at boot: it is the default. The
# kernels boot one after the other, as each VM already uses both host cores.

set -Eeuo pipefail
trap 'die "unexpected failure at line $LINENO of ${BASH_SOURCE[0]}: $BASH_COMMAND"' ERR

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
readonly VM_DIR=$REPO/scripts/vm
readonly CACHE=${VM_CACHE:-$REPO/.cache/vm}
readonly LOGS=$CACHE/logs
readonly MODULES_DEFAULT="inet_diag tcp_diag udp_diag raw_diag mptcp_diag sctp sctp_diag"
readonly MODULES=${VM_MODULES-$MODULES_DEFAULT}
readonly AUTO_EXPECT=${VM_AUTO_EXPECT-fexit}
readonly STEP_TIMEOUT=${VM_STEP_TIMEOUT:-300}

kernels=6.1,6.12
backends=fexit,kprobe,tracepoint
keep=0
shell=0
vm_timeout=900
smp=2
memory=1024
artefacts=
apt_updated=0

log() {
	printf 'vm-test: %s\n' "$*" >&2
}

# Every fatal error still ends with the summary line, so whoever reads only the
# closing line sees a failure, not a run without tests.
die() {
	printf 'vm-test: FATAL: %s\n' "$*" >&2
	echo "vm: 0 passed, 1 failed"
	exit 1
}

usage() {
	sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
	exit "$1"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernels) kernels=${2:?--kernels needs a list, e.g. 6.1,6.12}; shift ;;
		--kernels=*) kernels=${1#*=} ;;
		--backends) backends=${2:?--backends needs a list, e.g. fexit,kprobe}; shift ;;
		--backends=*) backends=${1#*=} ;;
		--keep) keep=1 ;;
		--shell) shell=1 ;;
		--timeout) vm_timeout=${2:?--timeout needs seconds}; shift ;;
		--timeout=*) vm_timeout=${1#*=} ;;
		--smp) smp=${2:?--smp needs a CPU count}; shift ;;
		--smp=*) smp=${1#*=} ;;
		--memory) memory=${2:?--memory needs megabytes}; shift ;;
		--memory=*) memory=${1#*=} ;;
		--artefacts) artefacts=${2:?--artefacts needs a directory}; shift ;;
		--artefacts=*) artefacts=${1#*=} ;;
		-h | --help) usage 0 ;;
		*) echo "vm-test: unknown option '$1'; see the usage below" >&2; usage 2 ;;
		esac
		shift
	done
	local backend
	for backend in ${backends//,/ }; do
		case "$backend" in
		fexit | kprobe | tracepoint) ;;
		*) die "unknown backend '$backend'; use fexit, kprobe, tracepoint" ;;
		esac
	done
	[[ $vm_timeout =~ ^[0-9]+$ && $smp =~ ^[0-9]+$ && $memory =~ ^[0-9]+$ ]] ||
		die "--timeout, --smp and --memory take whole numbers"
}

apt_update_once() {
	[ "$apt_updated" = 1 ] && return 0
	log "apt-get update"
	apt-get -qq update >&2 || log "apt-get update failed; trying with the lists we have"
	apt_updated=1
}

# Installs the Debian packages that are missing. One that cannot be installed
# is fatal: a VM test that quietly did not run would look like a pass.
ensure_host_tools() {
	local missing=()
	command -v apt-get >/dev/null || die "apt-get is missing: this script needs Debian 12"
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	# The VM runs /bin/busybox; only busybox-static's is static.
	package_installed busybox-static || missing+=(busybox-static)
	command -v cpio >/dev/null || missing+=(cpio)
	command -v gzip >/dev/null || missing+=(gzip)
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing ${missing[*]}; run as root so apt-get can install them"
	apt_update_once
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
		"${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed; cannot run the VM test"
	command -v qemu-system-x86_64 >/dev/null ||
		die "qemu-system-x86_64 is still missing after installing qemu-system-x86"
	package_installed busybox-static || die "busybox-static did not install"
}

package_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# True when the ELF file asks for no program interpreter (dynamic loader).
file_is_static() {
	[ -f "$1" ] && ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

# The build needs the project's toolchain; scripts/install-deps.sh installs it.
ensure_build_tools() {
	local tool
	for tool in make cc clang bpftool readelf; do
		if ! command -v "$tool" >/dev/null; then
			[ -x "$REPO/scripts/install-deps.sh" ] ||
				die "'$tool' is missing and scripts/install-deps.sh is not there"
			log "'$tool' is missing: running scripts/install-deps.sh"
			"$REPO/scripts/install-deps.sh" >&2 || die "scripts/install-deps.sh failed"
			return 0
		fi
	done
}

# Prints the newest cloud kernel package of a series: 6.1 is named
# linux-image-6.1.0-N-cloud-amd64-unsigned, later ones X.Y.N+deb12.
kernel_package_pattern() {
	local series=$1
	if [ "$series" = 6.1 ]; then
		echo '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$'
	else
		echo "^linux-image-${series//./\\.}\\.[0-9]+\\+deb12-cloud-amd64-unsigned\$"
	fi
}

newest_kernel_package() {
	local pattern=$1
	apt-cache search --names-only "$pattern" 2>/dev/null | cut -d' ' -f1 |
		grep -E "$pattern" | sort -V | tail -n 1 || true
}

# Sets kernel_dir to the extracted kernel package of a series, downloading
# and extracting it first if the cache does not have it.
fetch_kernel() {
	local series=$1 pattern package deb tmp dir
	pattern=$(kernel_package_pattern "$series")
	package=$(newest_kernel_package "$pattern")
	if [ -z "$package" ]; then
		apt_update_once
		package=$(newest_kernel_package "$pattern")
	fi
	if [ -z "$package" ]; then
		# Offline with stale lists: the newest kernel of the series we have.
		dir=$(find "$CACHE/kernels" -mindepth 1 -maxdepth 1 -type d -name 'linux-image-*' \
			2>/dev/null | grep -E "/${pattern#^}" | sort -V | tail -n 1 || true)
		[ -n "$dir" ] || die "no package matches $pattern in apt's lists; check the sources"
		log "apt finds no $series kernel; using the cached $(basename "$dir")"
		kernel_dir=$dir
		return 0
	fi
	dir=$CACHE/kernels/$package
	kernel_dir=$dir
	if [ -f "$dir/.complete" ]; then
		log "using the cached $package"
		return 0
	fi
	mkdir -p "$CACHE/debs"
	log "downloading $package"
	rm -f "$CACHE/debs/${package}_"*.deb
	if ! (cd "$CACHE/debs" && apt-get -qq -o APT::Sandbox::User=root download "$package" >&2); then
		# The lists may name a version the mirror no longer has.
		apt_updated=0
		apt_update_once
		(cd "$CACHE/debs" && apt-get -qq -o APT::Sandbox::User=root download "$package" >&2) ||
			die "apt-get download $package failed"
	fi
	deb=$(ls "$CACHE/debs/${package}_"*.deb)
	tmp=$dir.partial
	rm -rf "$tmp"
	dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb failed"
	dpkg-deb -f "$deb" Version >"$tmp/.version"
	touch "$tmp/.complete"
	# Older kernels of the same series are no use any more.
	find "$CACHE/kernels" -mindepth 1 -maxdepth 1 -type d -name 'linux-image-*' |
		grep -E "/${pattern#^}" | grep -vxF "$dir" | xargs -r rm -rf || true
	rm -rf "$dir"
	mv "$tmp" "$dir"
	rm -f "$deb"
}

# Upstream version of an extracted kernel package (6.1.0-56 ships 6.1.192):
# it names the kernel in the matrix and the log file.
kernel_label() {
	local version
	version=$(cat "$1/.version")
	echo "${version%%-*}"
}

# Builds the static artefacts in a copy of the work tree, so a developer's
# dynamic ./bindsnoop and build/ stay as they are, and stages what the VM
# gets in $stage: bin/bindsnoop and tests/ (live-test, tools, extras).
build_artefacts() {
	local src=$CACHE/src tools=() tool target
	rm -rf "$src"
	mkdir -p "$src"
	tar -C "$REPO" --anchored --exclude=./.git --exclude=./.cache --exclude=./build \
		--exclude=./bindsnoop -cf - . | tar -C "$src" -xf - ||
		die "copying the tree to $src failed"
	for tool in "$src"/tests/tools/*.c; do
		[ -e "$tool" ] || continue
		tool=${tool##*/}
		tools+=("build/tests/${tool%.c}")
	done
	log "building static artefacts in ${src#"$REPO"/}"
	# Run from `make test`, the environment carries the outer make's flags and
	# jobserver: this make is a separate build and must not inherit them.
	# shellcheck disable=SC2086 # VM_EXTRA_TARGETS is a list of make targets
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -C "$src" -j"$(nproc)" STATIC=1 bindsnoop build/tests/live-test \
		"${tools[@]}" ${VM_EXTRA_TARGETS:-} >&2 ||
		die "make STATIC=1 bindsnoop build/tests/live-test failed (in $src)"
	stage_file "$src/bindsnoop" bin
	stage_file "$src/build/tests/live-test" tests
	for target in "${tools[@]}" ${VM_EXTRA_TARGETS:-}; do
		stage_file "$src/$target" tests
	done
}

# --artefacts DIR: bindsnoop, live-test and any other programs in DIR, as
# built elsewhere (all must be static).
stage_prebuilt() {
	local dir=$1 file
	if ! [ -x "$dir/bindsnoop" ] || ! [ -x "$dir/live-test" ]; then
		die "--artefacts $dir must hold bindsnoop and live-test"
	fi
	stage_file "$dir/bindsnoop" bin
	for file in "$dir"/*; do
		if [ "${file##*/}" != bindsnoop ] && [ -x "$file" ]; then
			stage_file "$file" tests
		fi
	done
}

stage_file() {
	local file=$1 where=$2
	[ -f "$file" ] || die "$file was not built"
	file_is_static "$file" || die "$file is not statically linked: it cannot run in the VM"
	mkdir -p "$stage/$where"
	cp "$file" "$stage/$where/"
}

# Module file of a kernel: .ko or .ko.xz, and named with - where modinfo
# says _ (crc32c_intel is crc32c-intel.ko).
module_file() {
	local dashed=${2//_/-}
	find "$1" \( -name "$2.ko" -o -name "$2.ko.xz" -o -name "$dashed.ko" \
		-o -name "$dashed.ko.xz" \) -print -quit
}

module_text() {
	case "$1" in
	*.xz) /bin/busybox xz -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# Appends a module after its dependencies to the ordered list in $3.
add_module() {
	local tree=$1 name=$2 list=$3 file depends dependency
	grep -qx "$name" "$list.names" 2>/dev/null && return 0
	file=$(module_file "$tree" "$name")
	if [ -z "$file" ]; then
		log "module $name is not in $tree (built in?); not loading it"
		return 0
	fi
	depends=$(module_text "$file" | tr '\0' '\n' | sed -n 's/^depends=//p')
	for dependency in ${depends//,/ }; do
		add_module "$tree" "$dependency" "$list"
	done
	echo "$name" >>"$list.names"
	echo "$file" >>"$list"
}

# The plan: one step a line, "<step><TAB><command>" (see scripts/vm/init.sh).
write_plan() {
	local plan=$1 backend live="timeout $STEP_TIMEOUT /opt/tests/live-test"
	live="$live --bindsnoop /bin/bindsnoop --tools /opt/tests"
	{
		printf 'facts\tfacts\n'
		for backend in ${backends//,/ }; do
			printf '%s\t%s --backend %s\n' "$backend" "$live" "$backend"
			case "$backend" in
			fexit | kprobe)
				printf '%s\t%s --backend %s --kernel-only\n' \
					"$backend-kernel-only" "$live" "$backend"
				;;
			esac
		done
		printf 'auto\tauto_backend\n'
		printf 'kernel-log\tkernel_log\n'
	} >"$plan"
}

# Packs the initramfs for one kernel into $initramfs.
make_initramfs() {
	local kernel_dir=$1 label=$2 root tree kver list name file
	root=$CACHE/work/$label
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/vm,dev,proc,sys,tmp,run,root,opt/tests}
	cp /bin/busybox "$root/bin/busybox"
	for name in $(/bin/busybox --list-full); do
		[ -e "$root/$name" ] || ln -s /bin/busybox "$root/$name"
	done
	# Without a console node the kernel starts /init with no stdio; mknod
	# needs root, and init.sh copes without it.
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
	mknod -m 666 "$root/dev/null" c 1 3 2>/dev/null || true

	cp "$VM_DIR/init.sh" "$root/init"
	chmod 755 "$root/init"
	cp "$VM_DIR/steps.sh" "$root/etc/vm/steps.sh"
	echo '. /etc/vm/steps.sh' >"$root/etc/profile"
	echo bindsnoop-vm >"$root/etc/hostname"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
		>"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	write_plan "$root/etc/vm/plan"

	cp "$stage/bin/bindsnoop" "$root/bin/bindsnoop"
	cp "$stage"/tests/* "$root/opt/tests/"
	# Anything staged under root/ lands at the same path in the VM (used by
	# scripts/vm-bench.sh for dynamically linked programs and their libraries).
	if [ -d "$stage/root" ]; then
		cp -a "$stage/root/." "$root/"
	fi

	tree=$(find "$kernel_dir/lib/modules" -mindepth 1 -maxdepth 1 -type d -print -quit)
	kver=${tree##*/}
	list=$CACHE/work/$label.modules
	rm -f "$list" "$list.names"
	touch "$list"
	for name in $MODULES; do
		add_module "$tree" "$name" "$list"
	done
	mkdir -p "$root/lib/modules/$kver"
	while read -r file; do
		name=${file##*/}
		name=${name%.xz}
		module_text "$file" >"$root/lib/modules/$kver/$name"
		echo "/lib/modules/$kver/$name" >>"$root/etc/vm/modules"
	done <"$list"
	rm -f "$list" "$list.names"

	initramfs=$CACHE/initramfs-$label.cpio.gz
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$initramfs" ||
		die "packing $initramfs failed"
	rm -rf "$root"
}

# Boots one kernel and runs the plan; the console goes to the log and, with a
# prefix, to stderr. Returns qemu's status (124 on timeout).
boot_vm() {
	local label=$1 vmlinuz=$2 image=$3 logfile=$4 started line booted_at=""
	local qemu=(qemu-system-x86_64 -nodefaults -no-user-config -machine pc -cpu "${VM_CPU:-max}"
		-m "$memory" -smp "$smp" -kernel "$vmlinuz" -initrd "$image" -display none
		-no-reboot)
	local append="console=ttyS0 quiet panic=-1 oops=panic"
	if [ "$shell" = 1 ]; then
		"${qemu[@]}" -serial mon:stdio -append "$append vm.shell=1"
		return
	fi
	started=$EPOCHREALTIME
	set +e
	# The loop writes the log itself: a filter such as tr would buffer the
	# console in blocks, and the boot time would be measured late.
	timeout -k 10 "$vm_timeout" "${qemu[@]}" -serial stdio -append "$append" </dev/null 2>&1 |
		while IFS= read -r line || [ -n "$line" ]; do
			line=${line%$'\r'}
			printf '%s\n' "$line" >&3
			if [ -z "$booted_at" ] && [[ $line == *'@@BSVM BOOTED'* ]]; then
				booted_at=$EPOCHREALTIME
				printf 'vm-test: [%s] booted in %.1f s\n' "$label" \
					"$(awk "BEGIN { print $booted_at - $started }")" >&2
			fi
			printf '[%s] %s\n' "$label" "$line" >&2
		done 3>"$logfile"
	local status=${PIPESTATUS[0]}
	set -e
	printf 'vm-test: [%s] VM ran %.0f s, qemu status %s\n' "$label" \
		"$(awk "BEGIN { print $EPOCHREALTIME - $started }")" "$status" >&2
	return "$status"
}

# Appends the matrix rows of one kernel's log to $rows_file, one a line:
#   <label> <step> <passed> <failed> <skipped> <ok|FAIL> <note...>
evaluate_log() {
	local label=$1 logfile=$2 qemu_status=$3 step backend
	local rows=$CACHE/work/$label.rows
	local expected=(facts)
	for backend in ${backends//,/ }; do
		expected+=("$backend")
		case "$backend" in fexit | kprobe) expected+=("$backend-kernel-only") ;; esac
	done
	expected+=(auto kernel-log)

	# A step whose output did not end in a newline glues the END marker to
	# its last line: split it off first.
	sed 's/\(.\)@@BSVM /\1\n@@BSVM /' "$logfile" |
		awk -v label="$label" -v auto_expect="$AUTO_EXPECT" -v step_timeout="$STEP_TIMEOUT" '
	function unfinished() {
		if (current != "")
			print label, current, 0, 1, 0, "FAIL", "the VM stopped inside this step"
		current = ""
	}
	/@@BSVM BEGIN / {
		unfinished()
		current = $NF; summary = ""; chosen = ""; warnings = 0
		next
	}
	/@@BSVM END / {
		step = ""; rc = ""; secs = "?"
		for (i = 1; i <= NF; i++) {
			if ($i == "END") step = $(i + 1)
			if ($i ~ /^rc=/) rc = substr($i, 4)
			if ($i ~ /^secs=/) secs = substr($i, 6)
		}
		if (step != current) { unfinished(); next }
		current = ""
		took = secs " s"
		if (step == "facts") {
			print label, step, 0, 0, 0, (rc == 0 ? "ok" : "FAIL"), "exit status " rc
		} else if (step == "auto") {
			ok = (rc == 0 && chosen != "" && (auto_expect == "" || chosen == auto_expect))
			note = "chose " (chosen == "" ? "no backend" : chosen)
			if (!ok && auto_expect != "")
				note = note ", expected " auto_expect
			print label, step, ok, !ok, 0, (ok ? "ok" : "FAIL"), note " (" took ")"
		} else if (step == "kernel-log") {
			print label, step, 0, 0, 0, "ok", warnings " warning lines"
		} else if (summary == "") {
			note = (rc == 143 ? "killed by the " step_timeout " s step timeout" \
				: "exit status " rc)
			print label, step, 0, 1, 0, "FAIL", "no live: summary line, " note " (" took ")"
		} else {
			split(summary, n, " ")
			passed = n[1] + 0; failed = n[2] + 0; skipped = n[3] + 0
			ok = (failed == 0 && rc == 0 && passed > 0)
			note = "(" took ")"
			if (!ok && rc == 143)
				note = "killed by the " step_timeout " s step timeout " note
			else if (!ok && rc != 0)
				note = "exit status " rc " " note
			if (!ok && passed == 0 && failed == 0)
				note = "nothing ran " note
			if (!ok && failed == 0)
				failed = 1
			print label, step, passed, failed, skipped, (ok ? "ok" : "FAIL"), note
		}
		next
	}
	current == "" { next }
	/^([A-Za-z-]+: )?live: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
		line = $0
		sub(/^.*live: /, "", line)
		gsub(/[^0-9]+/, " ", line)
		summary = line
	}
	/^auto chose: / { chosen = ($3 == "none" ? "" : $3) }
	/^kernel warnings: / { warnings = $3 }
	END { unfinished() }
	' >"$rows"

	if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
		log "[$label] the VM hit the ${vm_timeout} s timeout"
	fi
	if ! grep -q '@@BSVM BOOTED' "$logfile"; then
		log "[$label] the VM did not boot (no BOOTED marker); see $logfile"
	fi
	for step in "${expected[@]}"; do
		awk -v step="$step" '$2 == step { found = 1 } END { exit !found }' "$rows" ||
			echo "$label $step 0 1 0 FAIL missing: the VM never ran it" >>"$rows"
	done
	grep -q '@@BSVM DONE' "$logfile" ||
		echo "$label finish 0 1 0 FAIL the VM did not finish the plan (qemu status" \
			"$qemu_status)" >>"$rows"
	cat "$rows" >>"$rows_file"
	rm -f "$rows"
}

# The facts one VM printed, on one line.
print_facts() {
	local label=$1 logfile=$2 facts
	facts=$(sed -n 's/^fact //p' "$logfile" | tr '\n' ' ')
	[ -n "$facts" ] && echo "vm $label facts: ${facts% }"
	return 0
}

# Prints the matrix and sets summary_passed/failed/skipped.
print_matrix() {
	local label step passed failed skipped status note name
	summary_passed=0
	summary_failed=0
	summary_skipped=0
	while read -r label step passed failed skipped status note; do
		summary_passed=$((summary_passed + passed))
		summary_failed=$((summary_failed + failed))
		summary_skipped=$((summary_skipped + skipped))
		name=${step/-kernel-only/ --kernel-only}
		case "$step" in
		facts | kernel-log)
			[ "$status" = ok ] || echo "vm $label $name: FAILED: $note"
			;;
		auto)
			[ "$status" = ok ] && echo "vm $label auto: $note" ||
				echo "vm $label auto: FAILED: $note"
			;;
		*)
			printf 'vm %s %s: %d passed, %d failed' "$label" "$name" "$passed" "$failed"
			[ "$skipped" -gt 0 ] && printf ', %d skipped' "$skipped"
			[ "$status" = ok ] && printf ' %s\n' "$note" || printf ' FAILED: %s\n' "$note"
			;;
		esac
	done <"$rows_file"
}

main() {
	local run_started=$EPOCHREALTIME
	parse_args "$@"
	ensure_host_tools
	mkdir -p "$CACHE/kernels" "$CACHE/work" "$LOGS"

	local series kernel_dirs=() labels=() label vmlinuz status i started
	for series in ${kernels//,/ }; do
		fetch_kernel "$series"
		kernel_dirs+=("$kernel_dir")
		labels+=("$(kernel_label "$kernel_dir")")
	done

	stage=$CACHE/work/stage
	rm -rf "$stage"
	if [ -n "$artefacts" ]; then
		stage_prebuilt "$artefacts"
	else
		ensure_build_tools
		build_artefacts
	fi

	rows_file=$CACHE/work/rows
	: >"$rows_file"
	started=$EPOCHREALTIME
	for i in "${!kernel_dirs[@]}"; do
		label=${labels[$i]}
		vmlinuz=$(ls "${kernel_dirs[$i]}"/boot/vmlinuz-*)
		log "[$label] packing the initramfs"
		make_initramfs "${kernel_dirs[$i]}" "$label"
		log "[$label] booting ${vmlinuz##*/} ($(du -h "$initramfs" | cut -f1) initramfs," \
			"-smp $smp -m $memory$([ "$shell" = 1 ] || echo ", timeout $vm_timeout s"))"
		status=0
		boot_vm "$label" "$vmlinuz" "$initramfs" "$LOGS/$label.log" || status=$?
		if [ "$keep" = 1 ]; then
			log "[$label] kept ${initramfs#"$REPO"/}"
		else
			rm -f "$initramfs"
		fi
		[ "$shell" = 1 ] && return 0
		evaluate_log "$label" "$LOGS/$label.log" "$status"
	done

	echo
	for i in "${!labels[@]}"; do
		print_facts "${labels[$i]}" "$LOGS/${labels[$i]}.log"
	done
	print_matrix
	printf 'vm-test: %d kernel(s) booted and tested in %.0f s (%.0f s with download and' \
		"${#labels[@]}" "$(awk "BEGIN { print $EPOCHREALTIME - $started }")" \
		"$(awk "BEGIN { print $EPOCHREALTIME - $run_started }")"
	printf ' build); console logs in %s/\n' "${LOGS#"$REPO"/}"
	if [ "$summary_skipped" -gt 0 ]; then
		echo "vm: $summary_passed passed, $summary_failed failed, $summary_skipped skipped"
	else
		echo "vm: $summary_passed passed, $summary_failed failed"
	fi
	if [ "$summary_failed" -gt 0 ] || grep -q ' FAIL ' "$rows_file"; then
		exit 1
	fi
}

# scripts/vm-bench.sh sources this file for its functions: main runs only when
# the file is executed.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
