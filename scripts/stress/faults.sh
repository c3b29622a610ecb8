#!/usr/bin/env bash
# faults.sh: dbuilder under daemon and disk faults, counted.
#
# Every case runs against a PRIVATE Docker daemon: a container of dbuilder's
# sidecar image on the host daemon (privileged, or where the host refuses
# that, the capability set dbuilder's sidecars use), whose dockerd listens
# on TCP inside it. Its dockerd is killed, stopped and continued by exec in
# that container; the host's dockerd, which others share, is never touched.
# The images a build needs are copied into it once (docker save | load).
#
# The matrix: the example package (testdata/hellodb) on debian:bookworm, two
# targets (a "slot" axis) built with -j2, each testing against MariaDB in its
# own sidecar. One warm-up build must pass; then per case FAULT_TRIES tries:
#   kill     the private dockerd killed (SIGKILL) at a random point of a
#            build, restarted after a few seconds
#   tmpfs    the output directory on a small tmpfs that is full
#   sidecar  a target's sidecar killed (docker kill) during its test step
#   silent   the private dockerd stopped (SIGSTOP) during the build step,
#            continued (SIGCONT) once dbuilder has given up
# Each faulted try must end with a non-zero exit and a message naming a
# target and its step; the last good packages must still be in
# OUT/<target>/; and once the daemon answers again, `dbuilder gc` must leave
# no dbuilder container, network or socket volume on the private daemon and
# no staging directory in OUT.
#
# Prints the counts per case and exits non-zero on any miss.
# Environment: FAULT_TRIES (default 1), FAULT_KILL_TRIES (default
# FAULT_TRIES), FAULT_CASES (default "kill tmpfs sidecar silent").
# Logs stay in the work directory when something failed (its path is printed).
set -euo pipefail
unset GITLAB_CI
cd "$(dirname "$0")/../.."

TRIES=${FAULT_TRIES:-1}
KILL_TRIES=${FAULT_KILL_TRIES:-$TRIES}
CASES=${FAULT_CASES:-kill tmpfs sidecar silent}
readonly MATRIX_NAME=fault
readonly TARGETS=(debian-bookworm-a debian-bookworm-b)
readonly PRELOAD=dbuilder-example/mariadb:10.11
readonly EXIT_LIMIT_S=180 # how long a faulted build may take to give up
readonly HOLD_S=4         # how long the killed dockerd stays down

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dbuilder-faults.XXXXXX")
BIN=$WORK/dbuilder
MATRIX=$WORK/matrix.yaml
OUT=$WORK/out
PRIV=dbuilder-faults-$$ # the private daemon's container and volume
PHOST=""                # its endpoint
TMPFS=""                # the tmpfs case's mount point, while mounted
TRY_PID=""
FAULT_AT="" # when the current try's fault was made
MISSES=0
SUMMARY=()

say() { printf '%s\n' "$*"; }
warn() { printf 'faults.sh: %s\n' "$*" >&2; }
pd() { DOCKER_HOST=$PHOST docker "$@"; }
in_priv() { docker exec "$PRIV" "$@"; }
dbuilder() { DOCKER_HOST=$PHOST "$BIN" "$@"; }

now_s() { date +%s; }

running() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
	[[ -n $st && $st != Z ]]
}

# wait_gone PID SECONDS: 1 if PID still runs after SECONDS.
wait_gone() {
	local deadline=$(($(now_s) + $2))
	while running "$1"; do
		(($(now_s) < deadline)) || return 1
		sleep 0.2
	done
}

# --- the private daemon -------------------------------------------------------

# The private container's main process restarts dockerd whenever it ends,
# unless /tmp/fault-hold exists (the kill case holds it down for a while).
# shellcheck disable=SC2016 # expanded by the container's sh, $0 = its name
readonly SUPERVISOR='while :; do
	/usr/local/bin/dbuilder-dind dockerd --host=tcp://0.0.0.0:2375 --cgroup-parent=/dbuilder/$0 >>/var/log/dockerd.log 2>&1 || :
	while [ -e /tmp/fault-hold ]; do sleep 0.2; done
done'

start_private() {
	local img=$1
	docker volume create --label dbuilder-faults=1 "$PRIV" >/dev/null
	local common=(-d --name "$PRIV" --label dbuilder-faults=1 -v "$PRIV:/var/lib/docker" --entrypoint sh)
	if ! docker run "${common[@]}" --privileged --cgroupns=private "$img" -c "$SUPERVISOR" "$PRIV" >/dev/null 2>&1; then
		docker rm -f "$PRIV" >/dev/null 2>&1 || true
		docker run "${common[@]}" --cap-add ALL --cap-drop SYS_RESOURCE \
			--security-opt seccomp=unconfined --security-opt apparmor=unconfined \
			--security-opt systempaths=unconfined --device-cgroup-rule='a *:* rwm' \
			-v /sys/fs/cgroup:/sys/fs/cgroup:rw "$img" -c "$SUPERVISOR" "$PRIV" >/dev/null
	fi
	PHOST=tcp://$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$PRIV"):2375
	wait_private 60 || {
		warn "the private daemon did not start; its log:"
		in_priv tail -n 30 /var/log/dockerd.log >&2 || true
		exit 1
	}
	say "private daemon $PHOST (container $PRIV)"
}

# wait_private SECONDS: until the private daemon answers.
wait_private() {
	local deadline=$(($(now_s) + $1))
	until timeout 10 docker -H "$PHOST" info >/dev/null 2>&1; do
		(($(now_s) < deadline)) || return 1
		sleep 0.5
	done
}

dockerd_pid() { in_priv cat /var/run/docker.pid; }

# copy_images REF...: host -> private daemon, those the host has.
copy_images() {
	local have=() r
	for r in "$@"; do
		docker image inspect "$r" >/dev/null 2>&1 && have+=("$r")
	done
	((${#have[@]} > 0)) || return 0
	docker save "${have[@]}" | pd load -q >/dev/null
	say "copied into the private daemon: ${have[*]}"
}

# --- counting -----------------------------------------------------------------

# count_left: sets LEFT and LEFT_TEXT for the private daemon and OUT.
count_left() {
	local c n v s=0
	c=$(pd ps -aq --filter label=io.dbuilder.managed=true | wc -l)
	n=$(pd network ls --format '{{.Name}}' | grep -cvxE 'bridge|host|none' || true)
	v=$(pd volume ls -q --filter label=io.dbuilder.role=socket | wc -l)
	[[ ! -d $OUT/.dbuilder/staging ]] || s=$(find "$OUT/.dbuilder/staging" -mindepth 1 -maxdepth 1 | wc -l)
	LEFT=$((c + n + v + s))
	LEFT_TEXT="containers=$c networks=$n socket-volumes=$v staging=$s"
}

# gc_until_clean: dbuilder gc until nothing is left (a dead run's anchor
# ends a moment after its process; gc keeps a live run's resources), at
# most 10 times. Sets GC_RUNS.
gc_until_clean() {
	GC_RUNS=0
	while ((GC_RUNS < 10)); do
		GC_RUNS=$((GC_RUNS + 1))
		dbuilder gc --output "$OUT" >>"$WORK/gc.log" 2>&1 || warn "gc failed (see $WORK/gc.log)"
		count_left
		((LEFT == 0)) && return 0
		sleep 1
	done
}

# kept: every target still has a package in OUT/<target>/.
kept() {
	local t
	for t in "${TARGETS[@]}"; do
		compgen -G "$OUT/$t/*.deb" >/dev/null || return 1
	done
}

# clear_error LOG: the log names a failed target and its step.
clear_error() {
	grep -qE "^debian-bookworm-[ab] failed in step \"[a-z-]+\"" "$1"
}

# --- builds -------------------------------------------------------------------

write_matrix() {
	cat >"$MATRIX" <<EOF
name: $MATRIX_NAME
version: 1.0.0
source: $PWD/testdata/hellodb
matrix:
  distro: [debian:bookworm]
  slot: [a, b]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  preload: [$PRELOAD]
  command: |
    make check
    sleep 3
EOF
}

# start_build LOG [ARGS]: a build in the background; sets TRY_PID.
start_build() {
	local log=$1
	shift
	: >"$log" # before the background job opens it: wait_line reads it at once
	dbuilder build -f "$MATRIX" --output "$OUT" -j 2 --rebuild "$@" >"$log" 2>&1 &
	TRY_PID=$!
}

# wait_line LOG REGEX SECONDS: until LOG has a line matching REGEX; 1 if the
# build ended or the time ran out first.
wait_line() {
	local deadline=$(($(now_s) + $3))
	until grep -qE "$2" "$1"; do
		if ! running "$TRY_PID" || (($(now_s) > deadline)); then
			return 1
		fi
		sleep 0.1
	done
}

# finish_try LOG: wait for the build's exit (bounded), then judge. Sets RC,
# EXIT_S and REASON ("" when the fault was handled as it must be).
finish_try() {
	local log=$1 t0
	t0=${FAULT_AT:-$(now_s)}
	FAULT_AT=""
	REASON=""
	if ! wait_gone "$TRY_PID" "$EXIT_LIMIT_S"; then
		REASON="still running ${EXIT_LIMIT_S}s after the fault"
		kill -KILL "$TRY_PID" 2>/dev/null || true
	fi
	RC=0
	wait "$TRY_PID" 2>/dev/null || RC=$?
	TRY_PID=""
	EXIT_S=$(($(now_s) - t0))
}

# judge LOG [DELIVERED]: adds to the case's counters; a miss is counted and
# shown. DELIVERED=1 says the fault surely hit the build (a full disk before
# it started, a sidecar killed in its test step, a daemon stopped in the
# build step): an exit 0 is then a miss, not a build that was done first.
judge() {
	local log=$1 delivered=${2:-0} why=()
	[[ -z $REASON ]] || why+=("$REASON")
	if [[ $RC == 0 && $delivered == 1 ]]; then
		FAULTED=$((FAULTED + 1))
		why+=("exit 0 although the fault hit the build")
	elif [[ $RC == 0 ]]; then
		# The build was done before the fault (or it only hit teardown,
		# whose leftovers are gc's): nothing to judge but the counts.
		FIRST=$((FIRST + 1))
	else
		FAULTED=$((FAULTED + 1))
		if clear_error "$log"; then CLEAR=$((CLEAR + 1)); else why+=("no message naming a target and its step"); fi
	fi
	if kept; then KEPT=$((KEPT + 1)); else why+=("the last good packages are gone"); fi
	gc_until_clean
	LEFT_SUM=$((LEFT_SUM + LEFT))
	((LEFT == 0)) || why+=("left after gc: $LEFT_TEXT")
	say "  try $TRY: rc=$RC ${EXIT_S}s after the fault; $(grep -m1 -E '^debian-bookworm-[ab] failed in step' "$log" | cut -c1-200 || echo 'no target failed'); gc runs $GC_RUNS: $LEFT_TEXT"
	if ((${#why[@]} > 0)); then
		MISSES=$((MISSES + 1))
		say "  MISS: ${why[*]} (log: $log)"
		tail -n 15 "$log" | sed 's/^/  | /'
	fi
}

case_begin() {
	CASE=$1
	CASE_T0=$(now_s)
	FIRST=0 FAULTED=0 CLEAR=0 KEPT=0 LEFT_SUM=0
	say "case $CASE: $2 tries"
}

case_end() {
	local line="case $CASE: tries=$1 faulted=$FAULTED clear-errors=$CLEAR passed=$FIRST packages-kept=$KEPT left-after-gc=$LEFT_SUM ($(($(now_s) - CASE_T0))s)"
	say "$line"
	SUMMARY+=("$line")
	# A case whose every try finished before the fault proved nothing.
	if ((FAULTED == 0)); then
		MISSES=$((MISSES + 1))
		say "  MISS: no try of $CASE was faulted"
	fi
}

warm_up() {
	local log=$WORK/warm-up.log
	start_build "$log"
	local t0
	t0=$(now_s)
	finish_try "$log"
	if [[ $RC != 0 ]]; then
		warn "the warm-up build failed (rc=$RC); its log ends:"
		tail -n 30 "$log" >&2
		exit 1
	fi
	start_build "$WORK/warm-up-2.log"
	t0=$(date +%s%N)
	finish_try "$WORK/warm-up-2.log"
	SPAN_MS=$((($(date +%s%N) - t0) / 1000000))
	[[ $RC == 0 ]] || {
		warn "the second warm-up build failed"
		exit 1
	}
	say "warm-up: passed; a warm build takes $((SPAN_MS / 1000)).$((SPAN_MS % 1000 / 100))s"
}

# --- the cases ----------------------------------------------------------------

case_kill() {
	case_begin kill "$KILL_TRIES"
	local n=0 log delay
	# A try whose build passed anyway (finished before the kill, or the
	# kill hit its teardown) proves little: another one is made, up to
	# three times as many as asked for.
	for ((TRY = 1; FAULTED < KILL_TRIES && TRY <= 3 * KILL_TRIES; TRY++)); do
		log=$WORK/kill-$TRY.log
		n=$TRY
		start_build "$log"
		# Once the targets run (before, it is the connection that fails):
		# a random point of a warm build's span.
		wait_line "$log" '^\[debian-bookworm-[ab]\] ' 300 || true
		delay=$((RANDOM * SPAN_MS / 32768))
		sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
		if running "$TRY_PID"; then
			FAULT_AT=$(now_s)
			in_priv touch /tmp/fault-hold
			in_priv kill -KILL "$(dockerd_pid)"
			sleep "$HOLD_S"
			in_priv rm -f /tmp/fault-hold
		fi
		finish_try "$log"
		wait_private 60 || {
			warn "the private daemon did not come back"
			exit 1
		}
		judge "$log"
	done
	if ((FAULTED < KILL_TRIES)); then
		MISSES=$((MISSES + 1))
		say "  MISS: only $FAULTED of $KILL_TRIES tries were faulted (the others passed anyway)"
	fi
	case_end "$n"
}

case_tmpfs() {
	case_begin tmpfs "$TRIES"
	local real_out=$OUT t
	TMPFS=$WORK/tmpfs
	mkdir -p "$TMPFS"
	mount -t tmpfs -o size=16m tmpfs "$TMPFS"
	OUT=$TMPFS
	# The last good packages first, on the tmpfs itself.
	start_build "$WORK/tmpfs-good.log"
	finish_try "$WORK/tmpfs-good.log"
	[[ $RC == 0 ]] || {
		warn "the build onto the empty tmpfs failed; its log ends:"
		tail -n 20 "$WORK/tmpfs-good.log" >&2
		exit 1
	}
	for ((TRY = 1; TRY <= TRIES; TRY++)); do
		local log=$WORK/tmpfs-$TRY.log
		dd if=/dev/zero of="$TMPFS/filler" bs=64k 2>/dev/null || true
		FAULT_AT=$(now_s)
		start_build "$log"
		finish_try "$log"
		rm -f "$TMPFS/filler"
		judge "$log" 1
	done
	OUT=$real_out
	umount "$TMPFS"
	TMPFS=""
	case_end "$TRIES"
}

case_sidecar() {
	case_begin sidecar "$TRIES"
	for ((TRY = 1; TRY <= TRIES; TRY++)); do
		local log=$WORK/sidecar-$TRY.log id
		start_build "$log"
		if wait_line "$log" '^\[debian-bookworm-a\] dbuilder: step test' 300; then
			id=$(pd ps -q --filter label=io.dbuilder.role=sidecar --filter label=io.dbuilder.target=debian-bookworm-a)
			FAULT_AT=$(now_s)
			[[ -z $id ]] || pd kill "$id" >/dev/null
		fi
		finish_try "$log"
		judge "$log" "$([[ -n ${id:-} ]] && echo 1 || echo 0)"
	done
	case_end "$TRIES"
}

case_silent() {
	case_begin silent "$TRIES"
	for ((TRY = 1; TRY <= TRIES; TRY++)); do
		local log=$WORK/silent-$TRY.log pid=""
		start_build "$log"
		if wait_line "$log" '^\[debian-bookworm-[ab]\] dbuilder: step build' 300; then
			pid=$(dockerd_pid)
			FAULT_AT=$(now_s)
			in_priv kill -STOP "$pid"
		fi
		finish_try "$log"
		[[ -z $pid ]] || in_priv kill -CONT "$pid"
		grep -q 'stopped answering during' "$log" || REASON="${REASON:+$REASON; }no 'stopped answering during STEP'"
		judge "$log" "$([[ -n $pid ]] && echo 1 || echo 0)"
	done
	case_end "$TRIES"
}

# --- cleanup ------------------------------------------------------------------

cleanup() {
	local rc=$?
	set +e
	if [[ -n $TRY_PID ]] && running "$TRY_PID"; then
		kill -KILL "$TRY_PID" 2>/dev/null
		wait "$TRY_PID" 2>/dev/null
	fi
	[[ -z $TMPFS ]] || umount "$TMPFS"
	if docker inspect "$PRIV" >/dev/null 2>&1; then
		# A stopped dockerd would keep the container from stopping.
		in_priv kill -CONT "$(dockerd_pid)" 2>/dev/null
		docker rm -f "$PRIV" >/dev/null
	fi
	docker volume rm "$PRIV" >/dev/null 2>&1
	# Cgroup directories of the nested daemons (empty once their processes
	# are gone), deepest first.
	find /sys/fs/cgroup/*/dbuilder -depth -mindepth 1 -type d \
		\( -path "*/$PRIV*" -o -path "*/dbuilder-lock-$MATRIX_NAME-*" \) -exec rmdir {} + 2>/dev/null
	if [[ $rc == 0 ]]; then
		rm -rf "$WORK"
	else
		warn "logs kept in $WORK"
	fi
	exit "$rc"
}

main() {
	[[ $TRIES =~ ^[1-9][0-9]*$ && $KILL_TRIES =~ ^[1-9][0-9]*$ ]] || {
		echo "usage: FAULT_TRIES=N [FAULT_KILL_TRIES=N] [FAULT_CASES='kill tmpfs sidecar silent'] $0" >&2
		exit 2
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	go build -o "$BIN" ./cmd/dbuilder
	write_matrix
	local sidecar builder
	sidecar=$("$BIN" doctor 2>/dev/null | sed -n 's/.*sidecar image *\(dbuilder\/dind:[^ ]*\) present.*/\1/p' || true)
	[[ -n $sidecar ]] || {
		warn "dbuilder's sidecar image is missing on the host (run: bash scripts/setup.sh)"
		exit 1
	}
	start_private "$sidecar"
	builder=$("$BIN" plan -f "$MATRIX" --format json | sed -n 's/.*"builder_image": "\(.*\)".*/\1/p' | sort -u)
	# shellcheck disable=SC2086 # one word per image
	copy_images "$sidecar" debian:bookworm "$PRELOAD" $builder
	say "faults.sh: cases: $CASES; tries: $TRIES (kill: $KILL_TRIES); work dir $WORK; set up in ${SECONDS}s"
	warm_up
	local c
	for c in $CASES; do
		"case_$c"
	done
	say "faults.sh: summary (${SECONDS}s in all)"
	printf '  %s\n' "${SUMMARY[@]}"
	((MISSES == 0)) || {
		say "faults.sh: $MISSES miss(es)"
		return 1
	}
}

main
