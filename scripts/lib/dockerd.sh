# shellcheck shell=bash
# Sourced by scripts/build-image.sh and tests/image/run.sh: Debian's docker.io
# client (/usr/bin/docker, whatever else PATH holds) and a dockerd to talk to.
#   dockerd_up LOG   install docker.io (scripts/install-deps.sh --image) and
#                    start dockerd when none answers, its output in LOG;
#                    returns 1 with the reason on stderr when it cannot
#   dockerd_down     stop the dockerd that dockerd_up started, if any
# The caller is at the top of the source tree.
DOCKER=/usr/bin/docker
DOCKERD_STARTED=

dockerd_up() {
	scripts/install-deps.sh --image || return 1
	"$DOCKER" info >/dev/null 2>&1 && return 0
	dockerd >"$1" 2>&1 &
	DOCKERD_STARTED=$!
	# Bounded: dockerd answers within a few seconds here.
	for _ in $(seq 60); do
		"$DOCKER" info >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_STARTED" 2>/dev/null || break
		sleep 0.5
	done
	echo "dockerd did not start: $(tail -n 3 "$1")" >&2
	dockerd_down
	return 1
}

dockerd_down() {
	[ -n "$DOCKERD_STARTED" ] || return 0
	kill "$DOCKERD_STARTED" 2>/dev/null
	wait "$DOCKERD_STARTED" 2>/dev/null
	DOCKERD_STARTED=
}
