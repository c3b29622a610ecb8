#!/usr/bin/env bash
# setup-engine.sh: make sure a Docker engine answers `docker info`.
#
# Idempotent. If `docker info` already works it says so and exits 0. Otherwise,
# as root on a Debian-like host, it installs Debian's engine (docker.io) and
# debootstrap, clears what a previous session left behind (a stale pid file or
# socket: processes die between sessions, files stay), starts dockerd without
# systemd, detached, with its output in /var/log/dockerd.log, and waits for it.
# Anywhere else it prints what to install and exits 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
p=setup-engine

DOCKERD_LOG=/var/log/dockerd.log
PIDFILE=/var/run/docker.pid
SOCK=/var/run/docker.sock
# dockerd 20.10 uses a "system" containerd whenever this socket exists, even a
# dead one left over from an earlier session, so a stale one must go.
SYS_CONTAINERD_SOCK=/run/containerd/containerd.sock
# ...and trusts the pid in this file to be its managed containerd.
MANAGED_CONTAINERD_PID=/var/run/docker/containerd/containerd.pid

engine_ok() { timeout 20 docker info >/dev/null 2>&1; }

# proc_is PID NAME: PID is a live NAME process of this machine (pids get
# reused, so a pid file alone proves nothing).
proc_is() { [ -n "$1" ] && pids_named "$2" | grep -qx "$1"; }

# wait_engine SECONDS: poll `docker info` with growing delays.
wait_engine() {
	local limit=$1 start waited=0 d
	start=$(now)
	for d in 0.1 0.2 0.3 0.5 0.5 1 1 1 2 2 2 3 3 3 3 4 4; do
		if engine_ok; then
			log $p "engine answers after $(elapsed "$start")"
			return 0
		fi
		if [ "$waited" != 0 ] && [ -z "$(pids_named dockerd)" ]; then
			log $p "no dockerd process is running any more"
			return 1
		fi
		waited=$(awk -v w="$waited" -v d="$d" 'BEGIN { print w + d }')
		awk -v w="$waited" -v l="$limit" 'BEGIN { exit !(w > l) }' && break
		sleep "$d"
	done
	engine_ok
}

fail_with_log() {
	log $p "ERROR: $*"
	if [ -r "$DOCKERD_LOG" ]; then
		log $p "last 30 lines of $DOCKERD_LOG:"
		tail -n 30 "$DOCKERD_LOG" | sed 's/^/  | /'
	fi
	exit 1
}

if engine_ok; then
	log $p "engine already answers: $(docker version -f 'client {{.Client.Version}}, server {{.Server.Version}}' 2>/dev/null)"
	exit 0
fi

# A daemon chosen on purpose (DOCKER_HOST, a context) is not ours to start.
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix://$SOCK" ] && [ "${DOCKER_HOST}" != "unix:///run/docker.sock" ]; then
	log $p "ERROR: DOCKER_HOST=$DOCKER_HOST does not answer:"
	(docker info 2>&1 || true) | grep -iE 'error|cannot|denied' | head -n 3 | sed 's/^/  | /'
	exit 1
fi

if ! is_root || ! is_debian_like; then
	why=$( (docker info 2>&1 || true) | grep -iE 'error|denied|cannot|not found' | head -n 3)
	cat <<EOF
$p: no Docker engine answers \`docker info\`${why:+:
$(printf '%s\n' "$why" | sed 's/^/  | /')}
$p: this script only installs and starts one as root on a Debian-like host.
  Debian/Ubuntu:  sudo bash scripts/setup-engine.sh
                  (installs docker.io and debootstrap, starts dockerd)
  Fedora:         sudo dnf install moby-engine debootstrap && sudo systemctl start docker
  other hosts:    install Docker Engine (https://docs.docker.com/engine/install/)
                  and debootstrap, start the daemon, then re-run scripts/setup.sh.
  A daemon that runs but refuses you: add yourself to the 'docker' group, or set
  DOCKER_HOST to an endpoint you may use.
EOF
	exit 1
fi

# 1. Packages (only what is missing; the CLI alone is not an engine).
need=()
command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
# debootstrap checks Debian's signatures with this keyring (absent on Ubuntu).
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
if [ ${#need[@]} -gt 0 ]; then
	t=$(now)
	log $p "installing ${need[*]}"
	apt_install "${need[@]}"
	log $p "installed ${need[*]} in $(elapsed "$t")"
	# A package script may have started the daemon already.
	if engine_ok; then
		log $p "engine answers (started by the package)"
		exit 0
	fi
fi

# 2. A dockerd that is already running (still starting, or started by someone
#    else) is waited for, never started twice nor killed.
running=""
if [ -s "$PIDFILE" ]; then
	pid=$(tr -dc '0-9' <"$PIDFILE")
	if proc_is "$pid" dockerd; then
		running=$pid
	else
		log $p "removing stale $PIDFILE (pid ${pid:-?} is not a running dockerd)"
		rm -f "$PIDFILE"
	fi
fi
[ -n "$running" ] || running=$(pids_named dockerd | head -n 1)
if [ -n "$running" ]; then
	log $p "dockerd (pid $running) is running but does not answer yet; waiting"
	wait_engine 30 && exit 0
	fail_with_log "dockerd pid $running runs but \`docker info\` fails (not started by this script; not touched)"
fi

# 3. Leftovers of a dead daemon.
if [ -S "$SOCK" ] || [ -e "$SOCK" ]; then
	log $p "removing stale $SOCK"
	rm -f "$SOCK"
fi
if [ -e "$MANAGED_CONTAINERD_PID" ]; then
	cpid=$(tr -dc '0-9' <"$MANAGED_CONTAINERD_PID" || true)
	if ! proc_is "$cpid" containerd; then
		log $p "removing stale $MANAGED_CONTAINERD_PID"
		rm -f "$MANAGED_CONTAINERD_PID"
	fi
fi
if [ -e "$SYS_CONTAINERD_SOCK" ] && [ -z "$(pids_named containerd)" ]; then
	log $p "removing stale $SYS_CONTAINERD_SOCK (no containerd runs)"
	rm -f "$SYS_CONTAINERD_SOCK"
fi

# 4. Start it detached: its own session, output to the log, no stdin, so that
#    nothing keeps this script's (or CI's) stdout open.
log $p "starting dockerd (log: $DOCKERD_LOG)"
mkdir -p "$(dirname "$DOCKERD_LOG")"
setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
if ! wait_engine 30; then
	fail_with_log "dockerd did not come up (it exited, or \`docker info\` kept failing for ~30s)"
fi
log $p "engine ready: $(docker version -f 'client {{.Client.Version}}, server {{.Server.Version}}' 2>/dev/null)"
