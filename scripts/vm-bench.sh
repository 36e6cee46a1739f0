#!/usr/bin/env bash
# vm-bench.sh: the benchmark table of scripts/bench.sh on Debian's own kernels
# in QEMU, once per backend, with Debian's libbpf-tools bindsnoop (kprobes and
# a perf buffer) beside it on 6.1.
#
# Usage, as root, from anywhere in the repository:
#   scripts/vm-bench.sh [--kernels LIST] [--backends fexit,kprobe,tracepoint]
#                       [--count N] [--success-count N] [--getppid-count N]
#                       [--runs N] [--startup-runs N] [--profile-count N]
#                       [--no-libbpf-tools] [--keep] [--timeout SECONDS]
#                       [--smp N] [--memory MB] [--artefacts DIR]
#
#   --kernels LIST     as scripts/vm-test.sh's; default 6.1,6.12,sid (sid: the
#                      newest kernel Debian ships).
#   --count N          failed binds per storm (default 500000: under TCG about
#                      1.4 s untraced, 5-7 s traced; each VM runs 8-10 minutes).
#   --success-count N  successful binds per storm (default 50000).
#   --getppid-count N  getppid() calls per loop (default 1000000).
#   --runs N           rounds per workload (scripts/bench.sh: each round runs it
#                      untraced and under each program compared); each rate is
#                      the median (default 3).
#   --startup-runs N   starts timed to bindsnoop's Tracing line (default 3).
#   --profile-count N  binds of the storm that bpf_stats measure, per tracer
#                      (default 50000; 0 leaves the profile out).
#   --no-libbpf-tools  leave Debian's libbpf-tools bindsnoop out.
#   The other options are scripts/vm-test.sh's (--artefacts DIR: bindsnoop,
#   live-test and the tools, empty-hook included, all static).
#   A small run that proves it works: --kernels 6.1 --count 20000
#   --success-count 5000 --getppid-count 100000 --runs 1 --startup-runs 1
#   --profile-count 0.
#
# What it does: the same kernels, build and initramfs as scripts/vm-test.sh
# (both use scripts/vm/lib.sh), plus scripts/bench.sh, tests/bench/empty-hook,
# scripts/vm/bench-steps.sh, bpftool and libbpf-tools' bindsnoop (apt-get
# download libbpf-tools; both are dynamically linked, so they go with the
# libraries ldd names, at the same paths). In each VM:
#   bench-B            scripts/bench.sh --backend B, for each backend B: its
#                      whole table (the empty program on B's hook, bindsnoop,
#                      --no-fold where the build has it, successful binds,
#                      getppid()) and its PASS/MISS lines
#   libbpf-tools       on 6.1: the failed-bind storm with `bindsnoop -x` of
#                      libbpf-tools, as rows of the same table
#   libbpf-tools-port  what its port filter (-P) keeps of a storm
#   profile-B          one storm with kernel.bpf_stats_enabled=1: runs and
#                      ns per run of every BPF program of each tracer (ours
#                      also with --no-kernel-holders: what the bind-table walk
#                      costs)
# Then one table per kernel and tracer, the VM targets (fexit with folding
# >= 0.8 x untraced; fexit --no-fold >= 2 x libbpf-tools' ratio on 6.1) as
# PASS/MISS lines, and the profiles. Absolute rates under TCG mean little (a
# failed bind takes ~4x as long as natively, BPF programs ~5x); the ratios
# are the figures to compare. Rates under TCG swing by up to 2x from run to
# run when the host is busy: each is the median of --runs rounds, and the
# host should be otherwise idle.
# Exits non-zero if one of our backends gave no result. libbpf-tools failing
# to load is reported, not a failure (it fails on 6.6+: inet_sock bitfields).
# Console logs: .cache/vm/logs/bench-<kernel>.log.

VM_TOOL=vm-bench
# shellcheck source-path=SCRIPTDIR source=vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

kernels=6.1,6.12,sid
count=500000
success_count=50000
getppid_count=1000000
runs=3
startup_runs=3
profile_count=50000
# Built static in the copy of the tree beside the tools, shipped to /opt/tests.
VM_EXTRA_TARGETS="${VM_EXTRA_TARGETS:-} build/tests/empty-hook"
libbpf_tools=1
memory=2048

# The bench's own options and the ones scripts/vm/lib.sh shares.
# vm-bench's own options (vm_parse_args in scripts/vm/lib.sh has the rest).
vm_own_option() {
	vm_shift=2
	case "$1" in
	--count) count=${2:?--count needs a number} ;;
	--runs) runs=${2:?--runs needs a number} ;;
	--success-count) success_count=${2:?--success-count needs a number} ;;
	--getppid-count) getppid_count=${2:?--getppid-count needs a number} ;;
	--startup-runs) startup_runs=${2:?--startup-runs needs a number} ;;
	--profile-count) profile_count=${2:?--profile-count needs a number} ;;
	*) vm_shift=1 ;;
	esac
	[ "$vm_shift" -eq 2 ] && return
	case "$1" in
	--count=*) count=${1#*=} ;;
	--runs=*) runs=${1#*=} ;;
	--success-count=*) success_count=${1#*=} ;;
	--getppid-count=*) getppid_count=${1#*=} ;;
	--startup-runs=*) startup_runs=${1#*=} ;;
	--profile-count=*) profile_count=${1#*=} ;;
	--no-libbpf-tools) libbpf_tools=0 ;;
	--shell) die "--shell is scripts/vm-test.sh's; use it there" ;;
	-h | --help) usage 0 ;;
	*) vm_shift=0 ;;
	esac
}

# The numbers the options above took must be whole and positive.
check_bench_args() {
	local number
	for number in "$count" "$runs" "$success_count" "$getppid_count" "$startup_runs"; do
		[[ $number =~ ^[1-9][0-9]*$ ]] ||
			die "--count, --runs, --success-count, --getppid-count and --startup-runs" \
				"take whole numbers above 0 ('$number' is not one)"
	done
	[[ $profile_count =~ ^[0-9]+$ ]] || die "--profile-count takes 0 or more"
}

# Sets libbpf_tools_bin to libbpf-tools' bindsnoop, downloaded once from
# bookworm (the suite of the 6.1 kernel it runs beside) through the private
# apt configuration of scripts/vm/lib.sh, and extracted into the cache. Its
# libraries are this machine's (stage_dynamic): Debian 12's, the same suite.
fetch_libbpf_tools() {
	local dir=$CACHE/libbpf-tools deb tmp
	libbpf_tools_bin=$dir/bindsnoop
	if [ -f "$dir/.complete" ]; then
		log "using the cached libbpf-tools $(cat "$dir/.version")"
		return 0
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	log "downloading libbpf-tools (bookworm)"
	suite_prepare bookworm
	(cd "$dir" && suite_apt bookworm apt-get -qq download libbpf-tools >&2) ||
		die "apt-get download libbpf-tools (bookworm) failed"
	deb=$(ls "$dir"/libbpf-tools_*.deb)
	tmp=$dir/extracted
	dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb failed"
	cp "$tmp/usr/sbin/bindsnoop" "$libbpf_tools_bin"
	dpkg-deb -f "$deb" Version >"$dir/.version"
	rm -rf "$tmp" "$deb"
	touch "$dir/.complete"
}

# Stages a dynamically linked program at $2 in the VM, with every library ldd
# finds for it (and the dynamic loader) at the path it has here.
stage_dynamic() {
	local file=$1 dest=$2 lib
	if ldd "$file" | grep -q 'not found'; then
		die "$file needs libraries this machine lacks:" \
			"$(ldd "$file" | grep 'not found' | tr -s '\t\n' ' ')"
	fi
	mkdir -p "$stage/root${dest%/*}"
	cp "$file" "$stage/root$dest"
	for lib in $(ldd "$file" | awk '$1 ~ /^\// { print $1 } $2 == "=>" && $3 ~ /^\// { print $3 }'); do
		mkdir -p "$stage/root${lib%/*}"
		cp -L "$lib" "$stage/root$lib"
	done
}

stage_bench_files() {
	mkdir -p "$stage/root/opt" "$stage/root/etc/vm"
	cp "$REPO/scripts/bench.sh" "$stage/root/opt/bench.sh"
	chmod 755 "$stage/root/opt/bench.sh"
	cp "$VM_DIR/bench-steps.sh" "$stage/root/etc/vm/bench-steps.sh"
	stage_dynamic "$(command -v bpftool)" /usr/sbin/bpftool
	if [ "$libbpf_tools" = 1 ]; then
		stage_dynamic "$libbpf_tools_bin" /opt/libbpf-tools/bindsnoop
	fi
}

# CPU seconds the host has spent busy, all processes, since it booted.
host_busy_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# Sets own_seconds to the CPU seconds this script's finished children (the
# VMs) have used. Call it directly, not in $(...): `times` in a subshell
# would count the subshell's children only.
measure_own_seconds() {
	times >"$CACHE/work/times"
	own_seconds=$(awk 'NR == 2 {
		split($0, t, /[ ms]+/)
		print t[1] * 60 + t[2] + t[3] * 60 + t[4]
	}' "$CACHE/work/times")
}

# Replaces vm-test.sh's plan (make_initramfs calls it).
write_plan() {
	local plan=$1 label=$2 backend steps=". /etc/vm/bench-steps.sh &&" with_libbpf_tools=0
	local bench="/opt/bench.sh --rows --bindsnoop /bin/bindsnoop --tools /opt/tests"
	bench="timeout $STEP_TIMEOUT $bench --count $count --runs $runs"
	bench="$bench --success-count $success_count --getppid-count $getppid_count"
	bench="$bench --startup-runs $startup_runs"
	# Debian 12's libbpf-tools is 6.1's: it fails to load from 6.6 on.
	[ "$libbpf_tools" = 1 ] && [ "$(release_series "$label")" = 6.1 ] && with_libbpf_tools=1
	{
		printf 'facts\tfacts\n'
		for backend in ${backends//,/ }; do
			printf 'bench-%s\t%s --backend %s; status=$?; rm -rf /tmp/bindsnoop-bench;' \
				"$backend" "$bench" "$backend"
			# shellcheck disable=SC2016 # the VM's shell expands it
			printf ' exit $status\n'
		done
		if [ "$with_libbpf_tools" = 1 ]; then
			printf 'libbpf-tools\t%s bench_libbpf_tools %s %s\n' "$steps" "$count" "$runs"
			printf 'libbpf-tools-port\t%s libbpf_tools_port_filter 1000\n' "$steps"
		fi
		if [ "$profile_count" -gt 0 ]; then
			for backend in ${backends//,/ }; do
				printf 'profile-%s\t%s profile_ours %s %s\n' \
					"$backend" "$steps" "$backend" "$profile_count"
				# The same without the bind-table walk: what the walk costs.
				printf 'profile-%s-no-kernel-holders\t%s profile_ours %s %s' \
					"$backend" "$steps" "$backend" "$profile_count"
				printf ' --no-kernel-holders\n'
			done
			if [ "$with_libbpf_tools" = 1 ]; then
				printf 'profile-libbpf-tools\t%s profile_libbpf_tools %s\n' \
					"$steps" "$profile_count"
			fi
		fi
		printf 'kernel-log\tkernel_log\n'
	} >"$plan"
}

# Reads one kernel's console log into rows of $rows_file, tab-separated:
#   row     <label> <tracer> <the nine fields of a scripts/bench.sh row>
#   verdict <label> <tracer> <PASS|MISS line of scripts/bench.sh>
#   error   <label> <tracer> <text>
#   profile <label> <tracer> <prog> <type> <runs> <ns> <storm rate>
#   note    <label> <text>
# A bench step without a summary becomes an error row.
read_bench_log() {
	local label=$1 logfile=$2
	sed 's/\(.\)@@BSVM /\1\n@@BSVM /' "$logfile" | tr -d '\r' | awk -v label="$label" '
	BEGIN { OFS = "\t" }
	function tracer_of(step) {
		sub(/^(bench|profile)-/, "", step)
		sub(/-no-kernel-holders$/, " --no-kernel-holders", step)
		return step == "libbpf-tools" ? step : "bindsnoop " step
	}
	/@@BSVM BEGIN / {
		step = $NF; nrows = 0; error = ""; core = 0; storm = ""; nprogs = 0
		next
	}
	/@@BSVM END / {
		rc = ""; secs = "?"
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^rc=/) rc = substr($i, 4)
			if ($i ~ /^secs=/) secs = substr($i, 6)
		}
		if (step ~ /^bench-/ || step == "libbpf-tools") {
			if (nrows > 0 && rc == 0)
				for (i = 1; i <= nrows; i++)
					print "row", label, tracer_of(step), rows[i]
			else
				print "error", label, tracer_of(step), (error != "" ? error : \
					"no result, exit status " rc " after " secs " s")
		} else if (step ~ /^profile-/) {
			if (nprogs == 0)
				print "error", label, tracer_of(step) " profile", (error != "" ? error : \
					"no profile, exit status " rc)
			for (i = 1; i <= nprogs; i++)
				print "profile", label, tracer_of(step), progs[i], storm
		} else if (step == "libbpf-tools-port") {
			print "note", label, "libbpf-tools " (port != "" ? port : "port filter: did not run: " \
				(error != "" ? error : "exit status " rc))
		} else if (step == "kernel-log" && warnings > 0) {
			print "note", label, warnings " kernel warning lines (see the log)"
		}
		step = ""; port = ""
		next
	}
	step == "" { next }
	/^bench-row\|/ {
		row = substr($0, 11)
		gsub(/\|/, "\t", row)
		rows[++nrows] = row
	}
	/^bench: (PASS|MISS|n\/a) / { print "verdict", label, tracer_of(step), substr($0, 8) }
	# The error line that says why: a CO-RE relocation libbpf could not
	# resolve (inside the verifier log), else the first that says something.
	/^bench: error .*failed to resolve CO-RE relocation/ && !core {
		error = $0
		core = 1
		sub(/^bench: error (libbpf: )?/, "", error)
	}
	/^bench: error / && error == "" && /(fail|error|invalid|unknown|denied|not |No such)/ {
		error = $0
		sub(/^bench: error (libbpf: )?/, "", error)
	}
	/^profile: storm / { storm = $3 }
	/^profile: prog / { progs[++nprogs] = $3 "\t" $4 "\t" $6 "\t" $8 }
	/^port filter: / { port = $0 }
	/^kernel warnings: / { warnings = $3 }
	' >>"$rows_file"
}

print_tables() {
	local kernel tracer table=$CACHE/work/bench-table
	# One table per kernel and tracer, in the order they ran.
	while IFS=$'\t' read -r kernel tracer; do
		echo
		echo "kernel $kernel, $tracer:"
		awk -F'\t' -v k="$kernel" -v t="$tracer" '$1 == "row" && $2 == k && $3 == t' \
			"$rows_file" | cut -f4- >"$table"
		"$REPO/scripts/bench.sh" --table "$table"
		awk -F'\t' -v k="$kernel" -v t="$tracer" '
			$1 == "verdict" && $2 == k && $3 == t { print "  " $4 }' "$rows_file"
	done < <(awk -F'\t' '$1 == "row" && !seen[$2 "\t" $3]++ { print $2 "\t" $3 }' "$rows_file")
	awk -F'\t' '$1 == "error" && $3 !~ / profile$/ {
		printf "kernel %s, %s: did not run: %s\n", $2, $3, $4
	}' "$rows_file"
	echo
	vm_targets
	if grep -q '^profile' "$rows_file"; then
		echo
		echo "BPF programs during one storm of $profile_count, kernel.bpf_stats_enabled=1" \
			"(ns per run, under TCG; binds/s of that storm):"
		printf '%-9s %-40s %-28s %-10s %7s %7s %8s\n' kernel tracer program type runs ns/run \
			"binds/s"
		awk -F'\t' '
		$1 == "profile" {
			printf "%-9s %-40s %-28s %-10s %7d %7.0f %8s\n", $2, $3, $4, $5, $6, $7 / $6, $8
		}
		$1 == "error" && $3 ~ / profile$/ {
			printf "%-9s %-40s did not run: %s\n", $2, $3, $4
		}' "$rows_file"
		echo
		echo "Where a traced bind's time goes, ns per failed bind in the same storm: all of it"
		echo "(1/rate), the bind itself (1/untraced rate), the BPF programs (bpf_stats), the"
		echo "rest (trampoline, kprobe or tracepoint dispatch, the stats' clock reads, the reader):"
		printf '%-9s %-40s %8s %9s %8s %8s\n' kernel tracer traced untraced BPF rest
		awk -F'\t' -v count="$profile_count" '
		$1 == "row" && $4 == "failed binds, untraced" { untraced[$2 "\t" $3] = $5 }
		$1 == "profile" {
			key = $2 "\t" $3
			if (!(key in ns)) order[++n] = key
			ns[key] += $7
			storm[key] = $8
		}
		END {
			for (i = 1; i <= n; i++) {
				key = order[i]
				split(key, part, "\t")
				base = part[1] "\t" part[2]
				sub(/ --no-kernel-holders$/, "", base)
				if (storm[key] == 0 || untraced[base] == 0)
					continue
				all = 1e9 / storm[key]
				bind = 1e9 / untraced[base]
				bpf = ns[key] / count
				printf "%-9s %-40s %8.0f %9.0f %8.0f %8.0f\n", part[1], part[2], all, bind,
					bpf, all - bind - bpf
			}
		}' "$rows_file"
	fi
	if grep -q '^note' "$rows_file"; then
		echo
		awk -F'\t' '$1 == "note" { print "vm " $2 " " $3 }' "$rows_file"
	fi
}

# The VM targets (README, Benchmark), per kernel: fexit with folding >= 0.8 x
# untraced; fexit --no-fold >= 2 x libbpf-tools' ratio where libbpf-tools ran.
vm_targets() {
	awk -F'\t' '
	$1 == "row" { kernels[$2] = 1 }
	$1 == "row" && $3 == "bindsnoop fexit" && $4 == "failed binds, bindsnoop" { fold[$2] = $6 }
	$1 == "row" && $3 == "bindsnoop fexit" && $4 == "failed binds, bindsnoop --no-fold" {
		nofold[$2] = $5 ~ /^n\/a/ ? "n/a" : $6
	}
	$1 == "row" && $3 == "libbpf-tools" && $4 ~ /^failed binds, libbpf-tools/ { tools[$2] = $6 }
	END {
		for (k in kernels) {
			if (k in fold)
				printf "vm-bench: %s %s fexit with folding: ratio %s >= 0.80\n", \
					(fold[k] >= 0.8 ? "PASS" : "MISS"), k, fold[k]
			else
				printf "vm-bench: MISS %s fexit with folding: no result\n", k
			if (!(k in tools) || !(k in fold))
				continue
			if (!(k in nofold) || nofold[k] == "n/a")
				printf "vm-bench: n/a %s fexit --no-fold vs libbpf-tools: this build has" \
					" no --no-fold (libbpf-tools ratio %s)\n", k, tools[k]
			else
				printf "vm-bench: %s %s fexit --no-fold: ratio %s >= 2 x libbpf-tools %s" \
					" = %.2f\n", (nofold[k] >= 2 * tools[k] ? "PASS" : "MISS"), k,
					nofold[k], tools[k], 2 * tools[k]
		}
	}' "$rows_file"
}

# Before each boot: what the host has spent so far, to tell after it how much
# other work ran beside the VM.
bench_before_boot() {
	busy_before=$(host_busy_seconds)
	measure_own_seconds
	own_before=$own_seconds
	vm_started=$EPOCHREALTIME
}

# After each boot: TCG rates fall when anything else wants the host's cores.
bench_after_boot() {
	local label=$1 logfile=$2 status=$3
	measure_own_seconds
	awk -v label="$label" -v busy="$(host_busy_seconds)" -v busy0="$busy_before" \
		-v own="$own_seconds" -v own0="$own_before" \
		-v secs="$(awk "BEGIN { print $EPOCHREALTIME - $vm_started }")" 'BEGIN {
		other = (busy - busy0) - (own - own0)
		if (other < 0) other = 0
		printf "note\t%s\tother work on the host while this VM ran: %.0f CPU-s in %.0f s" \
			" (%.0f%% of a core)%s\n", label, other, secs, 100 * other / secs,
			(other / secs > 0.05 ? ": rates disturbed, run again on an idle host" : "")
	}' >>"$rows_file"
	read_bench_log "$label" "$logfile"
	grep -q '@@BSVM DONE' "$logfile" || printf 'note\t%s\t%s\n' "$label" \
		"the VM did not finish the plan (qemu status $status)" >>"$rows_file"
}

main() {
	local run_started=$EPOCHREALTIME busy_before own_before own_seconds vm_started
	vm_parse_args "$@"
	check_bench_args
	ensure_host_tools
	vm_fetch_kernels
	[ "$libbpf_tools" = 1 ] && fetch_libbpf_tools
	vm_stage_artefacts
	[ -x "$stage/tests/bind-storm" ] || die "bind-storm was not built or not in --artefacts"
	stage_bench_files

	rows_file=$CACHE/work/bench-rows
	: >"$rows_file"
	vm_boot_each bench- bench_after_boot bench_before_boot

	echo
	echo "vm-bench: storms of $count failed binds on 127.0.0.1:39999, $success_count" \
		"successful binds, $getppid_count getppid(); medians of $runs; -smp $smp -m $memory" \
		"under TCG"
	print_tables
	printf 'vm-bench: %d kernel(s) in %s s (%.0f s with download and build); console' \
		"${#labels[@]}" "$vm_matrix_seconds" \
		"$(awk "BEGIN { print $EPOCHREALTIME - $run_started }")"
	printf ' logs in %s/bench-*.log\n' "${LOGS#"$REPO"/}"
	if awk -F'\t' '$1 == "error" && $3 ~ /^bindsnoop / && $3 !~ / profile$/ { bad = 1 }
		END { exit !bad }' "$rows_file" ||
		grep -q 'did not finish' "$rows_file"; then
		exit 1
	fi
}

# Sourced (to try the log parser on a saved log), it only defines functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
