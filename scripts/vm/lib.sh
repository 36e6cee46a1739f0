# scripts/vm/lib.sh: the machinery every VM script shares (sourced, not run).
# scripts/vm-test.sh (the live suite on Debian's kernels) and scripts/vm-bench.sh
# (the storm benchmark there) are thin front-ends: each writes its own plan and
# reads its own results; fetching kernels, building the static artefacts,
# packing the initramfs and booting live here.
#
# Kernels come from Debian's own archive, every suite through the same mirror
# this machine uses: the archive URIs are read from this machine's apt sources
# and only the suite changes, in a private apt configuration per suite under
# $CACHE/apt/<suite> (the machine's own apt setup is never touched).
#
# A kernel is named in --kernels by
#   a series     5.10, 6.1, 6.12, 7.3 ...: its newest kernel in any suite
#   a suite      bullseye, bookworm, bookworm-backports, trixie,
#                trixie-backports, sid: the newest kernel that suite ships
#   all          the newest kernel of every series Debian offers
#   newest       the newest kernel of the newest series Debian offers (in
#                trixie-backports or sid, whichever is ahead on the day)
#   ARCH:SPEC    one of the above for that architecture only (arm64:6.1),
#                whatever --arch says
# Versions are picked by version sort at run time, never pinned.
#
# Architectures (--arch amd64, arm64, a list, or all): each kernel of --kernels
# is booted once per architecture, amd64 under qemu-system-x86_64, arm64 under
# qemu-system-aarch64 (-M virt), both TCG. An arm64 kernel is labelled
# <version>-arm64 (6.1.176-arm64), an amd64 one by its version alone.
#
# Packaging: up to 6.18 or so linux-image-<release>[-unsigned] holds
# boot/vmlinuz-*; from 6.19 linux-image-<release> is a meta package whose
# linux-binary[-unsigned]-<release> holds usr/lib/modules/<release>/vmlinuz and
# linux-modules-<release> the modules. Both are handled.
#
# Front-ends set VM_TOOL (their name in messages) before sourcing, and may
# define on_fatal (called by die before it exits) and write_plan PLAN_FILE
# (called by make_initramfs).

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly REPO
readonly VM_DIR=$REPO/scripts/vm
readonly CACHE=${VM_CACHE:-$REPO/.cache/vm}
readonly LOGS=$CACHE/logs
readonly MODULES_DEFAULT="inet_diag tcp_diag udp_diag raw_diag mptcp_diag sctp sctp_diag unix_diag"
readonly MODULES=${VM_MODULES-$MODULES_DEFAULT}
readonly STEP_TIMEOUT=${VM_STEP_TIMEOUT:-900}
# Suites searched for a series, oldest first; the default matrix.
readonly VM_SUITES="bullseye bookworm bookworm-backports trixie trixie-backports sid"
# The newest kernel Debian ships comes from trixie-backports or sid,
# whichever is newer on the day ("newest"); both 7.x kernels take about 25
# minutes each under TCG, more than the test's time allows for two. arm64:
# the oldest Debian release still supported and the newest kernel, with the
# backend `auto` picks on each (vm-test.sh: arm64_backends).
readonly VM_DEFAULT_KERNELS="5.10,6.1,6.12,newest,arm64:6.1,arm64:newest"
# Debian's names of the architectures a VM can run.
readonly VM_ARCHES="amd64 arm64"

# Options every front-end takes (vm_parse_common_option).
kernels=$VM_DEFAULT_KERNELS
backends=fexit,kprobe,tracepoint
arches=amd64
# The architecture the apt and kernel functions below work on at the moment
# (vm_fetch_kernels sets it for each kernel).
deb_arch=amd64
keep=0
shell=0
vm_timeout=3600
smp=2
memory=2048
artefacts=
apt_updated=0

log() {
	printf '%s: %s\n' "${VM_TOOL:-vm}" "$*" >&2
}

# Every fatal error goes through on_fatal first, so a front-end can still
# print its summary line (a run that stopped early must read as a failure).
die() {
	printf '%s: FATAL: %s\n' "${VM_TOOL:-vm}" "$*" >&2
	if declare -F on_fatal >/dev/null; then
		on_fatal
	fi
	exit 1
}

usage() {
	sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
	exit "$1"
}

# Consumes one option shared by every front-end. Sets vm_shift to how many
# arguments it used (0: not a common option).
vm_parse_common_option() {
	vm_shift=1
	case "$1" in
	--kernels) kernels=${2:?--kernels needs a list, e.g. 5.10,6.1,sid or all}; vm_shift=2 ;;
	--kernels=*) kernels=${1#*=} ;;
	--backends) backends=${2:?--backends needs a list, e.g. fexit,kprobe}; vm_shift=2 ;;
	--backends=*) backends=${1#*=} ;;
	--arch) arches=${2:?--arch needs amd64, arm64, a list or all}; vm_shift=2 ;;
	--arch=*) arches=${1#*=} ;;
	--keep) keep=1 ;;
	--timeout) vm_timeout=${2:?--timeout needs seconds}; vm_shift=2 ;;
	--timeout=*) vm_timeout=${1#*=} ;;
	--smp) smp=${2:?--smp needs a CPU count}; vm_shift=2 ;;
	--smp=*) smp=${1#*=} ;;
	--memory) memory=${2:?--memory needs megabytes}; vm_shift=2 ;;
	--memory=*) memory=${1#*=} ;;
	--artefacts) artefacts=${2:?--artefacts needs a directory}; vm_shift=2 ;;
	--artefacts=*) artefacts=${1#*=} ;;
	*) vm_shift=0 ;;
	esac
}

# The whole command line: the common options here, the rest through the
# front-end's vm_own_option "$@", which sets vm_shift the same way (0: not
# its option either: usage, exit 2). Then the common options are checked.
vm_parse_args() {
	while [ $# -gt 0 ]; do
		vm_parse_common_option "$@"
		[ "$vm_shift" -gt 0 ] || vm_own_option "$@"
		if [ "$vm_shift" -eq 0 ]; then
			echo "$VM_TOOL: unknown option '$1'; see the usage below" >&2
			usage 2
		fi
		shift "$vm_shift"
	done
	vm_check_common_options
}

vm_check_common_options() {
	local backend arch
	for backend in ${backends//,/ }; do
		case "$backend" in
		fexit | kprobe | tracepoint) ;;
		*) die "unknown backend '$backend'; use fexit, kprobe, tracepoint" ;;
		esac
	done
	[ "$arches" = all ] && arches=${VM_ARCHES// /,}
	for arch in ${arches//,/ }; do
		case " $VM_ARCHES " in
		*" $arch "*) ;;
		*) die "unknown --arch '$arch'; use amd64, arm64, a list of them or all" ;;
		esac
	done
	[[ $vm_timeout =~ ^[0-9]+$ && $smp =~ ^[0-9]+$ && $memory =~ ^[0-9]+$ ]] ||
		die "--timeout, --smp and --memory take whole numbers"
}

# ---- Debian's suites, through this machine's mirror ----

# Prints the main Debian archive URI as this machine's apt sources name it
# (one-line and deb822 formats); -security, -updates and -backports entries
# are not it.
archive_uri() {
	local files=() main
	[ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
	for file in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$file" ] && files+=("$file")
	done
	[ ${#files[@]} -gt 0 ] || die "this machine has no apt sources to take the archive URI from"
	# deb822 stanzas and one-line entries, printed as "URI SUITE" pairs.
	main=$(awk '
	function flush() {
		if (uris != "" && suites != "" && enabled)
			for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
		uris = ""; suites = ""; enabled = 1
	}
	BEGIN { enabled = 1 }
	/^[[:space:]]*$/ { flush(); next }
	/^[[:space:]]*#/ { next }
	/^URIs:/ { uris = $0; sub(/^URIs:[[:space:]]*/, "", uris); nu = split(uris, u, /[[:space:]]+/) }
	/^Suites:/ { suites = $0; sub(/^Suites:[[:space:]]*/, "", suites); ns = split(suites, s, /[[:space:]]+/) }
	/^Enabled:[[:space:]]*no/ { enabled = 0 }
	/^deb[[:space:]]/ {
		line = $0; sub(/\[[^]]*\]/, "", line); split(line, f, /[[:space:]]+/); print f[2], f[3]
	}
	END { flush() }
	' "${files[@]}" | awk '
	$2 !~ /-(security|updates|backports)$/ && main == "" { main = $1 }
	END { print main }')
	[ -n "$main" ] || die "found no Debian archive URI in this machine's apt sources"
	echo "$main"
}

# The keyring the machine's own sources trust (Debian's archive keys).
readonly VM_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# The private apt folder of one suite for $deb_arch (amd64's keeps the name
# it had before other architectures).
suite_dir() {
	if [ "$deb_arch" = amd64 ]; then
		echo "$CACHE/apt/$1"
	else
		echo "$CACHE/apt/$1-$deb_arch"
	fi
}

# Runs an apt command (apt-get or apt-cache) against one suite's private
# configuration, for the packages of $deb_arch.
suite_apt() {
	local suite=$1 command=$2 dir
	dir=$(suite_dir "$1")
	shift 2
	"$command" -o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		-o APT::Architecture="$deb_arch" -o APT::Architectures="$deb_arch" \
		-o APT::Sandbox::User=root -o Acquire::Languages=none "$@"
}

# Writes one suite's private apt configuration and refreshes its package
# lists (once per run). A failed refresh keeps the lists a previous run
# left, so an offline machine still finds the kernels it has cached.
suite_prepare() {
	local suite=$1 dir main
	dir=$(suite_dir "$1")
	[ -f "$dir/.updated-$$" ] && return 0
	main=$(archive_uri)
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	{
		# Only the main archive: this machine's mirror lists -security's
		# packages but does not serve their files.
		echo "deb [arch=$deb_arch signed-by=$VM_KEYRING] $main $suite main"
	} >"$dir/sources.list"
	log "apt-get update ($suite $deb_arch, private lists under ${dir#"$REPO"/})"
	if ! suite_apt "$suite" apt-get -qq update >&2 2>"$dir/update.err"; then
		log "apt-get update for $suite failed ($(tail -n 1 "$dir/update.err")); using the lists we have"
	fi
	rm -f "$dir"/.updated-*
	touch "$dir/.updated-$$"
}

# Kernel releases (uname -r: 5.10.0-32-cloud-amd64, 7.3.4+deb13-cloud-arm64)
# one suite ships for $deb_arch, one a line, oldest first.
suite_kernel_releases() {
	suite_apt "$1" apt-cache search --names-only \
		"^linux-(image|binary|binary-unsigned)-[0-9]+\\.[0-9]+.*-cloud-$deb_arch(-unsigned)?\$" \
		2>/dev/null | cut -d' ' -f1 |
		sed -nE "s/^linux-(image|binary-unsigned|binary)-(.*-cloud-$deb_arch)(-unsigned)?\$/\\2/p" |
		sort -uV
}

# The Debian architecture of a kernel release or its cached folder
# (.../6.1.0-50-cloud-arm64).
release_arch() {
	case "$1" in
	*-arm64) echo arm64 ;;
	*) echo amd64 ;;
	esac
}

# The series of a release: 5.10.0-32-cloud-amd64 -> 5.10.
release_series() {
	echo "$1" | cut -d. -f1,2
}

# Prints the candidates for one --kernels item, best first, one
# "<release> <suite>" a line: the newest release is tried first, older ones
# only if a mirror lists a package it no longer serves.
kernel_candidates() {
	local spec=$1 suite
	case " $VM_SUITES " in
	*" $spec "*)
		suite_prepare "$spec"
		suite_kernel_releases "$spec" | awk -v suite="$spec" '{ print $0, suite }' | tac
		;;
	*)
		[[ $spec =~ ^[0-9]+\.[0-9]+$ ]] ||
			die "--kernels: '$spec' is neither a kernel series (6.12) nor a suite ($VM_SUITES)"
		for suite in $VM_SUITES; do
			suite_prepare "$suite"
			suite_kernel_releases "$suite" | awk -v series="$spec" -v suite="$suite" -F. \
				'$1 "." $2 == series { print $0, suite }'
		done | sort -V -k1,1 | tac
		;;
	esac
}

# The items of --kernels for one architecture, comma-separated: those with
# its prefix (arm64:6.1 gives 6.1), and the plain ones if --arch names it.
arch_kernel_list() {
	local arch=$1 item list=""
	for item in ${kernels//,/ }; do
		case "$item" in
		"$arch":*) list=$list${list:+,}${item#*:} ;;
		*:*) ;;
		*) [[ ",$arches," == *",$arch,"* ]] && list=$list${list:+,}$item ;;
		esac
	done
	echo "$list"
}

# Expands a list of --kernels items into the array kernel_specs; "all" is
# every series any suite offers (for $deb_arch), from 5.10 on.
expand_kernel_list() {
	local item suite
	kernel_specs=()
	for item in ${1//,/ }; do
		if [ "$item" = all ] || [ "$item" = newest ]; then
			for suite in $VM_SUITES; do
				suite_prepare "$suite"
			done
			while read -r item; do
				kernel_specs+=("$item")
			done < <(for suite in $VM_SUITES; do suite_kernel_releases "$suite"; done |
				while read -r release; do release_series "$release"; done | sort -uV |
				awk -F. '$1 > 5 || ($1 == 5 && $2 >= 10)' |
				if [ "$item" = newest ]; then tail -n 1; else cat; fi)
		else
			kernel_specs+=("$item")
		fi
	done
}

# True when a suite really ships a package (apt-cache show also knows names
# that are only mentioned, e.g. in a Conflicts field).
suite_ships() {
	suite_apt "$1" apt-cache madison "$2" 2>/dev/null | grep -q .
}

# The package names a kernel release is made of, in one suite: the image
# (unsigned where Debian ships one) and, for meta packages, the binary and
# modules packages it depends on.
kernel_packages() {
	local suite=$1 release=$2 image depends dep
	if suite_ships "$suite" "linux-image-$release-unsigned"; then
		image=linux-image-$release-unsigned
	else
		image=linux-image-$release
	fi
	echo "$image"
	depends=$(suite_apt "$suite" apt-cache show "$image" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n 1 | tr ',|' '\n\n' | awk '{ print $1 }')
	for dep in $depends; do
		case "$dep" in
		linux-binary-"$release")
			if suite_ships "$suite" "linux-binary-unsigned-$release"; then
				echo "linux-binary-unsigned-$release"
			else
				echo "$dep"
			fi
			;;
		linux-modules-"$release")
			# The mirror lacks some (6.19's): boot without modules then.
			if suite_ships "$suite" "$dep"; then
				echo "$dep"
			else
				log "$suite does not serve $dep: this kernel boots without its modules"
			fi
			;;
		esac
	done
}

# Sets kernel_dir, kernel_release and kernel_suite to the extracted kernel
# of one --kernels item, downloading and extracting it first if the cache does
# not have it. The directory holds vmlinuz (a link to the kernel image),
# modules (a link to the modules tree), .version (upstream, e.g. 7.3.4) and
# .suite.
fetch_kernel() {
	local spec=$1 candidates release suite tried=0
	candidates=$(kernel_candidates "$spec")
	[ -n "$candidates" ] ||
		die "no Debian suite ($VM_SUITES) offers a $spec cloud kernel for $deb_arch"
	while read -r release suite; do
		kernel_release=$release
		kernel_suite=$suite
		kernel_dir=$CACHE/kernels/$release
		if [ -f "$kernel_dir/.complete" ]; then
			log "$spec: using the cached $release ($suite)"
			return 0
		fi
		tried=$((tried + 1))
		[ "$tried" -gt 3 ] && break
		if download_kernel "$suite" "$release"; then
			return 0
		fi
	done <<<"$candidates"
	die "$spec: none of the newest kernels could be downloaded (see above)"
}

# Downloads and extracts one release into $CACHE/kernels/<release>; fails
# (status 1, the reason logged) when the mirror does not serve a package.
download_kernel() {
	local suite=$1 release=$2 dir=$CACHE/kernels/$2 tmp packages deb version="" image tree
	packages=$(kernel_packages "$suite" "$release")
	log "downloading $release from $suite:" $packages
	tmp=$dir.partial
	rm -rf "$tmp"
	mkdir -p "$tmp/debs"
	# shellcheck disable=SC2086 # a list of package names
	if ! (cd "$tmp/debs" && suite_apt "$suite" apt-get -qq download $packages >&2); then
		log "the mirror does not serve $release ($suite); trying an older one"
		rm -rf "$tmp"
		return 1
	fi
	for deb in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root" || die "dpkg-deb -x $deb failed"
		case "${deb##*/}" in
		linux-image-*) version=$(dpkg-deb -f "$deb" Version) ;;
		esac
	done
	image=$(find "$tmp/root/boot" "$tmp/root/usr/lib/modules" -maxdepth 2 -name 'vmlinuz*' \
		-type f 2>/dev/null | head -n 1)
	[ -n "$image" ] || die "no vmlinuz in $packages"
	ln -s "${image#"$tmp"/}" "$tmp/vmlinuz"
	tree=$(find "$tmp/root/lib/modules" "$tmp/root/usr/lib/modules" -mindepth 1 -maxdepth 1 \
		-type d 2>/dev/null | head -n 1)
	if [ -z "$tree" ]; then
		tree=$tmp/root/lib/modules/$release
		mkdir -p "$tree"
	fi
	ln -s "${tree#"$tmp"/}" "$tmp/modules"
	echo "${version%%-*}" >"$tmp/.version"
	echo "$suite" >"$tmp/.suite"
	rm -rf "$tmp/debs"
	touch "$tmp/.complete"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	# Older kernels of the same series and architecture are no use any more.
	find "$CACHE/kernels" -mindepth 1 -maxdepth 1 -type d \
		-name "$(release_series "$release").*-$deb_arch" ! -name "$release" ! -name '*.partial' \
		-exec rm -rf {} + || true
}

# Upstream version of a fetched kernel (7.3.4), and -arm64 after it for an
# arm64 one: it names the kernel in the matrix and the log file.
kernel_label() {
	local arch
	arch=$(release_arch "$1")
	if [ "$arch" = amd64 ]; then
		cat "$1/.version"
	else
		echo "$(cat "$1/.version")-$arch"
	fi
}

# The architecture of a label (6.1.176-arm64: arm64).
label_arch() {
	release_arch "$1"
}

# The version of a label (6.1.176-arm64: 6.1.176).
label_version() {
	echo "${1%-arm64}"
}

# Fetches every kernel of --kernels, for each architecture of --arch (or of
# its prefix), into the arrays kernel_dirs and labels (amd64's first). Sets
# vm_arches_booted to the architectures that have kernels.
vm_fetch_kernels() {
	local spec arch list
	kernel_dirs=()
	labels=()
	vm_arches_booted=""
	mkdir -p "$CACHE/kernels" "$CACHE/work" "$LOGS"
	for arch in $VM_ARCHES; do
		list=$(arch_kernel_list "$arch")
		[ -n "$list" ] || continue
		vm_arches_booted=$vm_arches_booted${vm_arches_booted:+,}$arch
		deb_arch=$arch
		expand_kernel_list "$list"
		for spec in "${kernel_specs[@]}"; do
			fetch_kernel "$spec"
			kernel_dirs+=("$kernel_dir")
			labels+=("$(kernel_label "$kernel_dir")")
		done
	done
	deb_arch=amd64
}

# The folder of one architecture's staged artefacts ($stage is amd64's).
stage_dir() {
	if [ "$1" = amd64 ]; then
		echo "$CACHE/work/stage"
	else
		echo "$CACHE/work/stage-$1"
	fi
}

# Builds or takes the artefacts of every --arch into its stage_dir.
vm_stage_artefacts() {
	local arch
	stage=$(stage_dir amd64)
	copied_tree=0
	for arch in ${vm_arches_booted//,/ }; do
		rm -rf "$(stage_dir "$arch")"
		if [ -n "$artefacts" ]; then
			stage_prebuilt "$artefacts" "$arch"
		else
			ensure_build_tools
			build_artefacts "$arch"
		fi
	done
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
	case ",$arches,$kernels," in
	*,arm64[,:]*) command -v qemu-system-aarch64 >/dev/null || missing+=(qemu-system-arm) ;;
	esac
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
	case ",$arches,$kernels," in
	*,arm64[,:]*) command -v qemu-system-aarch64 >/dev/null ||
		die "qemu-system-aarch64 is still missing after installing qemu-system-arm" ;;
	esac
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

# The Makefile's name of a Debian architecture (ARCH=x86, ARCH=arm64).
make_arch() {
	case "$1" in
	amd64) echo x86 ;;
	*) echo "$1" ;;
	esac
}

# Builds the static artefacts of one architecture in a copy of the work tree,
# so a developer's dynamic ./bindsnoop and build/ stay as they are, and stages
# what the VM gets in its stage_dir: bin/bindsnoop and tests/ (live-test,
# tools, extras). Another architecture than this machine's is cross-built
# (make ARCH=arm64: its objects in build/arm64, its libraries in the sysroot
# scripts/install-deps.sh --cross keeps under .cache/, shared with the tree).
build_artefacts() {
	local arch=$1 src=$CACHE/src tools=() tool target output=build host_arch
	if [ "${copied_tree:-0}" = 0 ]; then
		rm -rf "$src"
		mkdir -p "$src"
		tar -C "$REPO" --anchored --exclude=./.git --exclude=./.cache --exclude=./build \
			--exclude=./bindsnoop -cf - . | tar -C "$src" -xf - ||
			die "copying the tree to $src failed"
		copied_tree=1
	fi
	host_arch=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
	# A cross build only: the sysroot holds the target's libraries.
	local cross=()
	if [ "$(make_arch "$arch")" != "$host_arch" ]; then
		output=build/$(make_arch "$arch")
		cross=(SYSROOT="$REPO/.cache/sysroot/$(make_arch "$arch")")
	fi
	for tool in "$src"/tests/tools/*.c; do
		[ -e "$tool" ] || continue
		tool=${tool##*/}
		tools+=("$output/tests/${tool%.c}")
	done
	for target in ${VM_EXTRA_TARGETS:-}; do
		tools+=("$output/${target#build/}")
	done
	log "building static $arch artefacts in ${src#"$REPO"/}"
	# Run from `make test`, the environment carries the outer make's flags and
	# jobserver: this make is a separate build and must not inherit them.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -C "$src" -j"$(nproc)" STATIC=1 ARCH="$(make_arch "$arch")" OUTPUT="$output" \
		"${cross[@]}" bindsnoop \
		"$output/tests/live-test" "${tools[@]}" >&2 ||
		die "make STATIC=1 ARCH=$(make_arch "$arch") bindsnoop live-test failed (in $src)"
	stage_file "$src/bindsnoop" bin "$arch"
	stage_file "$src/$output/tests/live-test" tests "$arch"
	for target in "${tools[@]}"; do
		stage_file "$src/$target" tests "$arch"
	done
}

# --artefacts DIR: bindsnoop, live-test and any other programs in DIR (or in
# DIR/<arch>, if there is one), as built elsewhere (all must be static).
stage_prebuilt() {
	local dir=$1 arch=$2 file
	[ -d "$dir/$arch" ] && dir=$dir/$arch
	if ! [ -x "$dir/bindsnoop" ] || ! [ -x "$dir/live-test" ]; then
		die "--artefacts $dir must hold bindsnoop and live-test (for $arch)"
	fi
	stage_file "$dir/bindsnoop" bin "$arch"
	for file in "$dir"/*; do
		if [ "${file##*/}" != bindsnoop ] && [ -f "$file" ] && [ -x "$file" ]; then
			stage_file "$file" tests "$arch"
		fi
	done
}

# The ELF machine name readelf gives a Debian architecture's programs.
elf_machine() {
	case "$1" in
	amd64) echo 'Advanced Micro Devices X86-64' ;;
	arm64) echo AArch64 ;;
	esac
}

stage_file() {
	local file=$1 where=$2 arch=${3:-amd64} into
	into=$(stage_dir "$arch")
	[ -f "$file" ] || die "$file was not built"
	file_is_static "$file" || die "$file is not statically linked: it cannot run in the VM"
	LC_ALL=C readelf -h "$file" | grep -q "Machine: *$(elf_machine "$arch")\$" ||
		die "$file is not an $arch program: it cannot run in an $arch VM"
	mkdir -p "$into/$where"
	cp "$file" "$into/$where/"
}

# The static busybox of one architecture: this machine's busybox-static for
# its own, Debian's busybox-static:<arch> (bookworm) for another, downloaded
# once into $CACHE/busybox-<arch>.
busybox_for() {
	local arch=$1 dir=$CACHE/busybox-$1 deb
	if [ "$arch" = amd64 ]; then
		echo /bin/busybox
		return 0
	fi
	# Kernels of one arch are packed in parallel: one download, the others wait
	# for it (a subshell, so deb_arch is this download's alone).
	(
		flock 9
		[ -x "$dir/bin/busybox" ] && exit 0
		deb_arch=$arch
		suite_prepare bookworm
		rm -rf "$dir.partial"
		mkdir -p "$dir.partial/debs"
		(cd "$dir.partial/debs" && suite_apt bookworm apt-get -qq download busybox-static >&2) ||
			die "downloading busybox-static:$arch failed"
		for deb in "$dir.partial"/debs/*.deb; do
			dpkg-deb -x "$deb" "$dir.partial" || die "dpkg-deb -x $deb failed"
		done
		rm -rf "$dir.partial/debs" "$dir"
		mv "$dir.partial" "$dir"
	) 9>"$CACHE/busybox-$arch.lock" || die "no static busybox for $arch"
	echo "$dir/bin/busybox"
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

# Packs the initramfs for one kernel into $initramfs.
make_initramfs() {
	local kernel_dir=$1 label=$2 root tree kver list name file arch staged
	arch=$(label_arch "$label")
	staged=$(stage_dir "$arch")
	root=$CACHE/work/$label
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/vm,dev,proc,sys,tmp,run,root,opt/tests}
	cp "$(busybox_for "$arch")" "$root/bin/busybox"
	# The applets of this machine's busybox: Debian builds every
	# architecture's busybox-static from the same configuration.
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
	write_plan "$root/etc/vm/plan" "$label"

	cp "$staged/bin/bindsnoop" "$root/bin/bindsnoop"
	cp "$staged"/tests/* "$root/opt/tests/"
	# Anything staged under root/ lands at the same path in the VM (used by
	# scripts/vm-bench.sh for dynamically linked programs and their libraries).
	if [ -d "$staged/root" ]; then
		cp -a "$staged/root/." "$root/"
	fi

	tree=$(readlink -f "$kernel_dir/modules")
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
	local qemu=(qemu-system-x86_64 -machine pc -cpu "${VM_CPU:-max}")
	local append="console=ttyS0 quiet panic=-1 oops=panic"
	if [ "$(label_arch "$label")" = arm64 ]; then
		# -cpu max with QEMU's own pointer authentication algorithm: the
		# architected one (QARMA) makes TCG several times slower.
		qemu=(qemu-system-aarch64 -machine virt -cpu "${VM_CPU:-max},pauth-impdef=on")
		append="console=ttyAMA0 quiet panic=-1 oops=panic"
	fi
	qemu+=(-nodefaults -no-user-config -m "$memory" -smp "$smp" -kernel "$vmlinuz"
		-initrd "$image" -display none -no-reboot)
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
				printf '%s: [%s] booted in %.1f s\n' "$VM_TOOL" "$label" \
					"$(awk "BEGIN { print $booted_at - $started }")" >&2
			fi
			printf '[%s] %s\n' "$label" "$line" >&2
		done 3>"$logfile"
	local status=${PIPESTATUS[0]}
	set -e
	printf '%s: [%s] VM ran %.0f s, qemu status %s\n' "$VM_TOOL" "$label" \
		"$(awk "BEGIN { print $EPOCHREALTIME - $started }")" "$status" >&2
	return "$status"
}

# Packs and boots fetched kernel number $1 (console in $LOGS/$2<label>.log;
# "$3 label", if given, runs just before the boot). Sets vm_status to qemu's
# status. (Not a return value: a caller's `|| status=$?` would turn off
# errexit and the ERR trap inside, for the packing too.)
vm_boot_one() {
	local i=$1 log_prefix=$2 before_boot=$3 label=${labels[$1]}
	vm_status=0
	log "[$label] packing the initramfs"
	make_initramfs "${kernel_dirs[$i]}" "$label"
	log "[$label] booting $(cat "${kernel_dirs[$i]}/.suite")'s $label" \
		"($(du -h "$initramfs" | cut -f1) initramfs, -smp $smp -m $memory$([ "$shell" = 1 ] ||
			echo ", timeout $vm_timeout s"))"
	[ -n "$before_boot" ] && "$before_boot" "$label"
	boot_vm "$label" "${kernel_dirs[$i]}/vmlinuz" "$initramfs" \
		"$LOGS/$log_prefix$label.log" || vm_status=$?
	if [ "$keep" = 1 ]; then
		log "[$label] kept ${initramfs#"$REPO"/}"
	else
		rm -f "$initramfs"
	fi
}

# Packs, boots and evaluates every fetched kernel. For each: vm_boot_one,
# then "$after_boot label logfile qemu_status" (the front-end's reader of the
# log), in the order of --kernels. With vm_parallel=N (vm-test's --parallel),
# up to N VMs run at once, the last kernel of the list first (the newest
# takes longest), and are evaluated when all have stopped: a VM keeps about
# one host core busy, as the tracer's start-up (BTF, verifier) runs on one
# vCPU. Benchmarks keep 1. Sets vm_matrix_seconds.
vm_boot_each() {
	local log_prefix=$1 after_boot=$2 before_boot=${3:-} i status running=0
	local started=$EPOCHREALTIME
	if [ "$shell" = 1 ]; then
		vm_boot_one 0 "$log_prefix" "$before_boot"
		return 0
	fi
	if [ "${vm_parallel:-1}" -le 1 ]; then
		for i in "${!kernel_dirs[@]}"; do
			vm_boot_one "$i" "$log_prefix" "$before_boot"
			"$after_boot" "${labels[$i]}" "$LOGS/$log_prefix${labels[$i]}.log" "$vm_status"
		done
	else
		for ((i = ${#kernel_dirs[@]} - 1; i >= 0; i--)); do
			if [ "$running" -ge "$vm_parallel" ]; then
				wait -n || true
				running=$((running - 1))
			fi
			rm -f "$CACHE/work/${labels[$i]}.status"
			(
				vm_boot_one "$i" "$log_prefix" "$before_boot"
				echo "$vm_status" >"$CACHE/work/${labels[$i]}.status"
			) &
			running=$((running + 1))
		done
		wait || true
		for i in "${!kernel_dirs[@]}"; do
			# No status file: the VM's subshell itself failed (see its log).
			status=$(cat "$CACHE/work/${labels[$i]}.status" 2>/dev/null || echo 1)
			"$after_boot" "${labels[$i]}" "$LOGS/$log_prefix${labels[$i]}.log" "$status"
		done
	fi
	vm_matrix_seconds=$(awk "BEGIN { printf \"%.0f\", $EPOCHREALTIME - $started }")
}

# True when a kernel version (7.3.4) is at least major.minor.
version_at_least() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}
