#!/bin/bash
# Bash completion (deploy/bash-completion/bindsnoop), driven the way bash
# drives it: installed by `make install` into a staging directory, loaded
# on demand by bash-completion from there, then asked to complete words.
#   - `complete -p bindsnoop` names the function, after an on-demand load
#   - the options it offers are exactly those `bindsnoop --help` lists, and
#     after every option of --help that takes a value it offers no option
#     (the lists are made from user/option_table.c by `make docs`)
#   - values: --backend, --errno (lists too), --syslog-facility, --syslog=,
#     --ring-buffer-mb, --metrics, --uid; each value offered is one
#     bindsnoop accepts
# Needs bash-completion (scripts/install-deps.sh --test). No root needed.
# Last line: "completion: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
passed=0
failed=0
work=$(mktemp -d /tmp/bindsnoop-completion.XXXXXX)
trap 'rm -rf "$work"' EXIT

say() { printf 'completion: %s\n' "$*"; }
ok() { passed=$((passed + 1)); say "ok   $1"; }
fail() { failed=$((failed + 1)); say "FAIL $1"; [ -n "${2:-}" ] && printf '      %s\n' "$2"; }
expect() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got [$2], want [$3]"; fi
}

[ -x ./bindsnoop ] || make -s bindsnoop >/dev/null || { fail "build"; echo "completion: $passed passed, $failed failed"; exit 1; }
if [ ! -r /usr/share/bash-completion/bash_completion ]; then
	fail "bash-completion is not installed (scripts/install-deps.sh --test installs it)"
	echo "completion: $passed passed, $failed failed"
	exit 1
fi

# ---- installed by make install, loaded on demand by bash-completion
make -s install DESTDIR="$work/dest" PREFIX=/usr >/dev/null 2>&1
installed=$work/dest/usr/share/bash-completion/completions/bindsnoop
if cmp -s deploy/bash-completion/bindsnoop "$installed"; then
	ok "make install puts it in /usr/share/bash-completion/completions"
else
	fail "make install puts it in /usr/share/bash-completion/completions" "$installed missing"
fi
# shellcheck disable=SC1091
. /usr/share/bash-completion/bash_completion
# Where bash-completion looks for completions to load on demand.
export XDG_DATA_DIRS=$work/dest/usr/share
complete -r bindsnoop 2>/dev/null
__load_completion bindsnoop
# Outside a real completion compopt refuses to run: the options it sets are not under test.
compopt() { :; }
expect "complete -p bindsnoop (loaded on demand)" "$(complete -p bindsnoop 2>&1)" \
	"complete -F _bindsnoop bindsnoop"

# comp WORD...: what completing the last word of "bindsnoop WORD..." offers, one a line.
comp() {
	COMP_WORDS=(bindsnoop "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	# bash splits "--syslog=tc" into three words at '=', with no blanks in the line.
	COMP_LINE=$(printf '%s' "${COMP_WORDS[*]}" | sed 's/ = /=/g; s/ =$/=/')
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_bindsnoop bindsnoop "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
one_line() { tr '\n' ' ' | sed 's/ $//'; }

# ---- in sync with --help
./bindsnoop --help >"$work/help"
# Option lines of --help: "  -x, --name[ VALUE]" or "      --name[ VALUE|[=VALUE]]".
help_options=$(sed -nE 's/^  (-[a-zA-Z]), (--[a-z0-9-]+).*/\1\n\2/p; s/^      (--[a-z0-9-]+).*/\1/p' \
	"$work/help" | sort -u)
offered=$( (comp -; comp --) | grep -v '=$' | sort -u)
expect "the options offered are exactly those of --help" "$(echo "$offered" | one_line)" \
	"$(echo "$help_options" | one_line)"
value_options=$(sed -nE 's/^  (-[a-zA-Z], )?(--[a-z0-9-]+) [A-Z].*/\2/p; s/^      (--[a-z0-9-]+)(\[=| [A-Z]).*/\1/p' \
	"$work/help" | sort -u)
# After an option that takes a value, the next word is never offered an option
# (a value list of its own, or nothing: _bindsnoop_value_options).
missing=
for option in $value_options; do
	[ "$option" = --syslog ] && continue # --syslog's value goes after '='
	offered_after=$(comp "$option" - | grep -xF -f <(echo "$help_options"))
	[ -n "$offered_after" ] && missing="$missing $option"
done
if [ -z "$missing" ] && [ -n "$value_options" ]; then
	ok "no option of --help that takes a value is followed by options ($(echo $value_options | wc -w))"
else
	fail "no option of --help that takes a value is followed by options" "options offered after:$missing"
fi

# ---- prefixes
expect "--sys" "$(comp --sys | one_line)" "--syslog --syslog-facility --syslog-queue-mb --syslog="
expect "--backend ''" "$(comp --backend '' | one_line)" "auto fexit kprobe tracepoint"
expect "-b t" "$(comp -b t | one_line)" "tracepoint"
expect "--errno EADDR" "$(comp --errno EADDR | one_line)" "EADDRINUSE EADDRNOTAVAIL"
expect "--errno EACCES,EADDRI (lists)" "$(comp --errno EACCES,EADDRI | one_line)" \
	"EACCES,EADDRINUSE"
expect "--syslog-facility loc" "$(comp --syslog-facility loc | one_line)" \
	"local0 local1 local2 local3 local4 local5 local6 local7"
expect "--syslog=tc" "$(comp --syslog = tc | one_line)" "tcp://"
expect "--syslog then an option, not a target" "$(comp --syslog --qu | one_line)" "--quiet"
expect "--ring-buffer-mb 6" "$(comp --ring-buffer-mb 6 | one_line)" "64"
expect "--metrics 127" "$(comp --metrics 127 | one_line)" "127.0.0.1:"
expect "--uid roo" "$(comp --uid roo | one_line)" "root"
expect "--port '' offers nothing (no options)" "$(comp --port '' | one_line)" ""

# --who: after a port, the Unix-domain names bound on this machine (a real listener's).
name=bindsnoop-comp-$$
# It ends when its stdin closes: exec {listener}>&- below.
exec {listener}> >(exec python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1]); s.listen(); sys.stdin.read()' "$name")
for _ in $(seq 100); do ss -xlH 2>/dev/null | grep -q "@$name " && break; sleep 0.05; done
expect "--who 8080,@bindsnoop-comp- offers the listener's name after the port" \
	"$(comp --who "8080,@$name" | one_line)" "8080,@$name"
exec {listener}>&-

# ---- every fixed value offered is one bindsnoop accepts
rejected=
for name in $(comp --errno ''); do
	./bindsnoop --errno "$name" --version >/dev/null 2>&1 || rejected="$rejected --errno $name"
done
for name in $(comp --backend ''); do
	./bindsnoop --backend "$name" --version >/dev/null 2>&1 || rejected="$rejected --backend $name"
done
for name in $(comp --syslog-facility ''); do
	./bindsnoop --syslog --syslog-facility "$name" --version >/dev/null 2>&1 ||
		rejected="$rejected --syslog-facility $name"
done
for size in $(comp --ring-buffer-mb ''); do
	./bindsnoop --ring-buffer-mb "$size" --version >/dev/null 2>&1 ||
		rejected="$rejected --ring-buffer-mb $size"
done
if [ -z "$rejected" ]; then
	ok "bindsnoop accepts every --errno, --backend, --syslog-facility, --ring-buffer-mb offered"
else
	fail "bindsnoop accepts every value offered" "refused:$rejected"
fi

echo "completion: $passed passed, $failed failed"
[ $failed = 0 ]
