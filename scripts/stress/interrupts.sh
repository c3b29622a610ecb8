#!/usr/bin/env bash
# interrupts.sh N [MODE]: stress test of dbuilder's cleanup under signals.
#
# Builds ./cmd/dbuilder into a temp dir and runs the example package
# (testdata/hellodb) on debian:bookworm + debian:trixie, whose test starts a
# container with a FIXED name (stress-db) in the target's own daemon and
# leaves it running: a leftover inner container makes the next run's
# `docker run --name stress-db` fail, so inner leftovers show up as a name
# clash at the next start.
#
# One warm-up build (must pass; it also measures how long a warm build takes),
# then N tries, each: start a build, wait a random delay (uniform over the
# warm build's span), signal it, wait for it to exit, count what is left.
#   MODE int  (default): SIGINT; it must exit 130 (or 0, if it finished
#                        first) within 90 s, leaving nothing behind.
#   MODE kill:           SIGKILL, then at once `dbuilder gc`, which must leave
#                        nothing behind. A second, long-lived build of another
#                        matrix runs meanwhile; gc must never touch it.
# After the last try one more full build must pass (the inner daemon is clean,
# the cache still usable), and nothing may be left after it either.
#
# Counted after each try, host-side, limited to this script's runs (other
# people's builds may share the daemon): dbuilder containers, networks that
# were not there at the start, socket volumes, OUT/.dbuilder/staging/*, and
# the inner daemons' cgroup directories /sys/fs/cgroup/*/dbuilder/LOCK.
#
# Exit 0 only if nothing was left, no build failed for a reason other than the
# signal, and (kill) the live run was untouched and cleaned up after itself.
# Environment: KEEP_CACHE=1 keeps the cache volumes (faster reruns).
# Logs stay in the temp dir when something failed (its path is printed).
set -euo pipefail
# The logs are read as plain prefixed lines, even when this runs in GitLab CI.
unset GITLAB_CI
cd "$(dirname "$0")/../.."

readonly MATRIX_NAME=stress-int # names this script's cache volumes and locks
readonly LIVE_NAME=stress-live  # kill mode's concurrent build; must not start with MATRIX_NAME-
readonly TARGETS=(debian-bookworm debian-trixie)
readonly EXIT_LIMIT_S=90 # how long an interrupted build may take to exit
readonly PRELOAD=dbuilder-example/mariadb:10.11

usage() {
	echo "usage: $0 N [int|kill]" >&2
	exit 2
}

N=${1:-}
MODE=${2:-int}
[[ $N =~ ^[1-9][0-9]*$ ]] || usage
[[ $MODE == int || $MODE == kill ]] || usage

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dbuilder-stress.XXXXXX")
BIN=$WORK/dbuilder
MATRIX=$WORK/matrix.yaml
OUT=$WORK/out
LIVE_MATRIX=$WORK/live.yaml
LIVE_OUT=$WORK/live-out
LIVE_LOG=$WORK/live.log

# State the cleanup trap and the counters need.
TRY_PID=""    # the build being signalled, while it runs
LIVE_PID=""   # kill mode's concurrent build, while it runs
LIVE_RUN=""   # its run id
RUN_IDS=()    # run ids of every stress-int build this script started
PIDS=()       # their process ids (anchors carry the owner's pid)
BASE_NETS=""  # networks present before we started
FAILURES=0    # builds that failed for another reason than the signal
LIVE_TOUCHED=0
FINISHED=0    # set once the normal path is done

say() { printf '%s\n' "$*"; }
warn() { printf 'interrupts.sh: %s\n' "$*" >&2; }

# --- time -------------------------------------------------------------------

# now_ms: milliseconds since the epoch (bash's own clock, no fork).
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}
# secs MS [DIGITS]: MS as seconds with 1 (or 3) decimals.
secs() {
	if [[ ${2:-1} == 3 ]]; then
		printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
	else
		printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100))
	fi
}

# --- setup ------------------------------------------------------------------

# build_binary: our own dbuilder. REBUILD is --rebuild when it has that flag:
# it skips a target whose last good result is current, and every build here
# must really run.
build_binary() {
	go build -o "$BIN" ./cmd/dbuilder
	local help
	help=$("$BIN" build --help 2>&1 || true)
	REBUILD=()
	[[ $help != *-rebuild* ]] || REBUILD=(--rebuild)
}

# write_matrices: the stress matrix (2 targets, fixed-name inner container)
# and kill mode's live matrix (1 target, a test that just sleeps). Both use
# the same build deps, so the live target reuses the stress builder image.
write_matrices() {
	cat >"$MATRIX" <<EOF
name: $MATRIX_NAME
version: 1.0.0
source: $PWD/testdata/hellodb
matrix:
  distro: [debian:bookworm, debian:trixie]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  preload: [$PRELOAD]
  command: |
    docker run -d --name stress-db $PRELOAD >/dev/null
    make check
    sleep 2
EOF
	cat >"$LIVE_MATRIX" <<EOF
name: $LIVE_NAME
version: 1.0.0
source: $PWD/testdata/hellodb
matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  command: sleep 3600
EOF
}

# --- processes --------------------------------------------------------------

# running PID: the process exists and is not a zombie.
running() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
	[[ -n $st && $st != Z ]]
}

# wait_gone PID SECONDS: poll until PID has exited; 1 on timeout.
wait_gone() {
	local deadline=$(($(now_ms) + $2 * 1000))
	while running "$1"; do
		(($(now_ms) < deadline)) || return 1
		sleep 0.1
	done
}

# reap PID: sets RC to its exit code (wait's), without tripping set -e and
# without bash's "Killed" job notice. Never in $(...): a subshell cannot
# wait for its parent's children.
reap() {
	RC=0
	wait "$1" 2>/dev/null || RC=$?
}

run_id_of() { sed -n 's/^dbuilder: run \([^:]*\):.*/\1/p' "$1" | head -n1; }

# step_of LOG: where each target was, from its last "[target] dbuilder: ..."
# line, e.g. "debian-bookworm:test debian-trixie:build".
step_of() {
	local t last s out=()
	for t in "${TARGETS[@]}"; do
		last=$(sed -n "s/^\[$t\] dbuilder: //p" "$1" | tail -n1)
		case $last in
		"") s=start ;;
		"step "*) s=${last#step } ;;
		*"builder image"*) s=image ;;
		*sidecar* | "removed what"*) s=sidecar ;;
		preload*) s=preload ;;
		*) s=${last%% *} ;;
		esac
		out+=("$t:$s")
	done
	echo "${out[*]}"
}

# inner_cleared LOG: what dbuilder said it removed from an inner daemon at
# sidecar start (the leftovers of an earlier run), one "target: [...]" each.
inner_cleared() {
	sed -n "s/^\[\([^]]*\)\] dbuilder: removed what an earlier run left in the target's daemon: /\1: /p" "$1" | paste -sd ';' -
}

# --- counting leftovers -----------------------------------------------------

# mine MATRIX "RUNS" "PIDS": filter of "matrix|run|owner-pid" lines on stdin,
# keeping those of MATRIX, of a run in RUNS or of an owner in PIDS.
mine() {
	awk -F'|' -v m="$1" -v runs=" $2 " -v pids=" $3 " '
		$1 == m || ($2 != "" && index(runs, " " $2 " ")) || ($3 != "" && index(pids, " " $3 " "))'
}

count_containers() {
	docker ps -a --filter label=io.dbuilder.managed=true \
		--format '{{.Label "io.dbuilder.matrix"}}|{{.Label "io.dbuilder.run"}}|{{.Label "io.dbuilder.owner.pid"}}|{{.Names}}' |
		mine "$@" | wc -l
}

count_socket_volumes() {
	docker volume ls --filter label=io.dbuilder.role=socket \
		--format '{{.Label "io.dbuilder.matrix"}}|{{.Label "io.dbuilder.run"}}||{{.Name}}' |
		mine "$@" | wc -l
}

# Networks: dbuilder should create none on the host; anything new counts.
list_networks() { docker network ls --format '{{.Name}}' | grep -vxE 'bridge|host|none' | sort || true; }
count_networks() { comm -13 <(echo "$BASE_NETS") <(list_networks) | grep -c . || true; }

count_staging() {
	local d=$1/.dbuilder/staging
	[[ -d $d ]] || { echo 0; return; }
	find "$d" -mindepth 1 -maxdepth 1 | wc -l
}

# The inner dockerd of sidecar LOCK makes /sys/fs/cgroup/*/dbuilder/LOCK on
# the host; only directories count (the dbuilder/ level also has files).
count_cgroups() {
	local dirs
	shopt -s nullglob
	dirs=(/sys/fs/cgroup/*/dbuilder/dbuilder-lock-"$1"-*/)
	shopt -u nullglob
	echo "${#dirs[@]}"
}

# count_left MATRIX OUTDIR "RUNS" "PIDS": sets LEFT (the total) and
# LEFT_TEXT ("containers=A networks=B ...").
count_left() {
	local c n v s g
	c=$(count_containers "$1" "$3" "$4")
	n=$(count_networks)
	v=$(count_socket_volumes "$1" "$3" "$4")
	s=$(count_staging "$2")
	g=$(count_cgroups "$1")
	LEFT=$((c + n + v + s + g))
	LEFT_TEXT="containers=$c networks=$n socket-volumes=$v staging=$s cgroups=$g"
}

# show_left MATRIX "RUNS" "PIDS" OUTDIR: names of what is left, for the report.
show_left() {
	docker ps -a --filter label=io.dbuilder.managed=true \
		--format '{{.Label "io.dbuilder.matrix"}}|{{.Label "io.dbuilder.run"}}|{{.Label "io.dbuilder.owner.pid"}}|container {{.Names}} ({{.Label "io.dbuilder.role"}}, {{.State}})' |
		mine "$1" "$2" "$3" | cut -d'|' -f4 | sed 's/^/    left: /'
	docker volume ls --filter label=io.dbuilder.role=socket \
		--format '{{.Label "io.dbuilder.matrix"}}|{{.Label "io.dbuilder.run"}}||volume {{.Name}}' |
		mine "$1" "$2" "$3" | cut -d'|' -f4 | sed 's/^/    left: /'
	comm -13 <(echo "$BASE_NETS") <(list_networks) | sed 's/^/    left: network /'
	find "$4/.dbuilder/staging" -mindepth 1 -maxdepth 1 2>/dev/null | sed 's/^/    left: staging /' || true
	shopt -s nullglob
	local d
	for d in /sys/fs/cgroup/*/dbuilder/dbuilder-lock-"$1"-*/; do say "    left: cgroup $d"; done
	shopt -u nullglob
}

# --- the live run (kill mode) -----------------------------------------------

# start_live: a second build that sits in its test step for an hour; every
# gc during the tries must leave it alone.
start_live() {
	local deadline
	"$BIN" build -f "$LIVE_MATRIX" --output "$LIVE_OUT" >"$LIVE_LOG" 2>&1 &
	LIVE_PID=$!
	deadline=$(($(now_ms) + 600000))
	until grep -qs '^\[debian-bookworm\] dbuilder: step test' "$LIVE_LOG"; do
		if ! running "$LIVE_PID" || (($(now_ms) > deadline)); then
			warn "the live run did not reach its test step; its log ends:"
			tail -n 20 "$LIVE_LOG" >&2
			exit 1
		fi
		sleep 0.5
	done
	LIVE_RUN=$(run_id_of "$LIVE_LOG")
	say "live run $LIVE_RUN (pid $LIVE_PID) is in its test step"
	check_live || {
		warn "the live run is not complete before any gc ran"
		exit 1
	}
}

# check_live: the live process runs, and its anchor, sidecar and build
# container exist and run. Prints what is wrong; sets LIVE_TOUCHED.
check_live() {
	local role state bad=()
	running "$LIVE_PID" || bad+=("process $LIVE_PID: gone")
	for role in anchor sidecar build; do
		state=$(docker ps -a --filter "label=io.dbuilder.run=$LIVE_RUN" \
			--filter "label=io.dbuilder.role=$role" --format '{{.State}}')
		[[ $state == running ]] || bad+=("$role: ${state:-gone}")
	done
	((${#bad[@]} == 0)) && return 0
	say "  LIVE RUN TOUCHED: ${bad[*]}"
	LIVE_TOUCHED=1
	return 1
}

# stop_live: SIGINT it as a user would; it must exit 130 and clean up.
# Sets LIVE_LEFT.
stop_live() {
	local rc
	LIVE_LEFT=0
	if ! running "$LIVE_PID"; then
		warn "the live run had already exited"
		LIVE_TOUCHED=1
	fi
	kill -INT "$LIVE_PID" 2>/dev/null || true
	if ! wait_gone "$LIVE_PID" "$EXIT_LIMIT_S"; then
		say "live run: did not exit within ${EXIT_LIMIT_S}s of SIGINT; killing it"
		kill -KILL "$LIVE_PID" 2>/dev/null || true
		FAILURES=$((FAILURES + 1))
	fi
	reap "$LIVE_PID"
	rc=$RC
	LIVE_PID=""
	count_left "$LIVE_NAME" "$LIVE_OUT" "$LIVE_RUN" ""
	LIVE_LEFT=$LEFT
	say "live run stopped: rc=$rc: left: $LEFT_TEXT"
	((LEFT == 0)) || show_left "$LIVE_NAME" "$LIVE_RUN" "" "$LIVE_OUT"
	[[ $rc == 130 ]] || {
		say "  live run: exit code $rc, wanted 130"
		FAILURES=$((FAILURES + 1))
	}
}

# --- builds -----------------------------------------------------------------

# full_build LABEL: one build that must pass; sets BUILD_MS.
full_build() {
	local log=$WORK/$1.log t0 rc
	t0=$(now_ms)
	"$BIN" build -f "$MATRIX" --output "$OUT" "${REBUILD[@]}" >"$log" 2>&1 &
	TRY_PID=$!
	PIDS+=("$TRY_PID")
	reap "$TRY_PID"
	rc=$RC
	TRY_PID=""
	BUILD_MS=$(($(now_ms) - t0))
	RUN_IDS+=("$(run_id_of "$log")")
	if [[ $rc != 0 ]]; then
		say "$1: build FAILED (rc=$rc) after $(secs "$BUILD_MS")s; its log ends:"
		tail -n 25 "$log" | sed 's/^/  | /'
		return 1
	fi
}

# warm_up: one full build that must pass. A first run on an empty cache
# volume also copies the preload image; then a second build measures the span
# of a truly warm build. Sets SPAN_MS.
warm_up() {
	full_build warm-up || exit 1
	say "warm-up: passed in $(secs "$BUILD_MS")s"
	if grep -qE 'preload: [1-9][0-9]* copied|building builder image' "$WORK/warm-up.log"; then
		full_build warm-up-2 || exit 1
		say "warm-up was not warm (image built or preload copied); second build: $(secs "$BUILD_MS")s"
	fi
	SPAN_MS=$BUILD_MS
}

# judge LOG RC MARKER TIMED_OUT: why this try's build failed for a reason
# other than the signal ("" if it did not).
judge() {
	local log=$1 rc=$2 marker=$3 line
	[[ $4 == 1 ]] && {
		echo "did not exit within ${EXIT_LIMIT_S}s of the signal"
		return
	}
	line=$(grep -m1 'already in use' "$log" || true)
	[[ -z $line ]] || {
		echo "name clash (an inner leftover): $line"
		return
	}
	case $MODE:$rc in
	int:0 | int:130 | kill:0 | kill:137) ;;
	*)
		echo "exit code $rc"
		return
		;;
	esac
	# int: the summary table says FAILED for a target that failed (an
	# interrupted one says "cancelled"). kill: there is no summary, but a
	# target that failed before the kill published its failed.log.
	line=$(grep -m1 -E '^[^ ]+ +FAILED' "$log" || true)
	[[ -z $line ]] || {
		echo "a target failed: $line"
		return
	}
	if [[ $MODE == kill ]]; then
		line=$(find "$OUT" -mindepth 2 -maxdepth 2 -name failed.log -newer "$marker" 2>/dev/null | head -n1 || true)
		[[ -z $line ]] || echo "a target failed before the kill: $line"
	fi
}

# gc_now: kill mode's `dbuilder gc`, right after the kill. Sets GC_TEXT, a
# summary of what it did; its whole output goes to WORK/gc.log.
gc_now() {
	local out rc=0 removed staged
	out=$("$BIN" gc --output "$OUT" 2>&1) || rc=$?
	printf '%s\n' "$out" >>"$WORK/gc.log"
	removed=$(grep -oE 'removed [0-9]+ resource' <<<"$out" | grep -oE '[0-9]+' || echo 0)
	staged=$(grep -c '^removing staging directory' <<<"$out" || true)
	if [[ $rc != 0 ]]; then
		FAILURES=$((FAILURES + 1))
		GC_TEXT="gc FAILED rc=$rc: $(tail -n1 <<<"$out")"
	else
		GC_TEXT="gc removed $removed resource(s), $staged staging dir(s)"
	fi
}

# signal_and_reap T0 SIG LOG: send SIG to the try's build unless it
# finished first, and wait for it to exit. Sets STEP (where it was), AT_MS
# (signal time since T0), EXIT_MS (signal to exit), RC and TIMED_OUT. Call
# it with 2>/dev/null: bash reports a SIGKILLed job ("Killed") on stderr.
signal_and_reap() {
	local t0=$1 sig=$2 log=$3
	TIMED_OUT=0
	if running "$TRY_PID"; then
		STEP=$(step_of "$log")
		kill -"$sig" "$TRY_PID"
	else
		STEP="finished first"
	fi
	AT_MS=$(($(now_ms) - t0))
	# SIGKILL cannot be caught: no polling, so that gc follows at once.
	if [[ $sig == INT ]] && ! wait_gone "$TRY_PID" "$EXIT_LIMIT_S"; then
		TIMED_OUT=1
		kill -KILL "$TRY_PID" || true
	fi
	reap "$TRY_PID"
	EXIT_MS=$(($(now_ms) - t0 - AT_MS))
	TRY_PID=""
}

# try I: one signalled build, then the counts. Adds to TOTAL_LEFT.
try() {
	local i=$1 log=$WORK/try-$1.log marker=$WORK/try-$1.start
	local sig=INT t0 reason cleared
	[[ $MODE == kill ]] && sig=KILL
	touch "$marker"
	t0=$(now_ms)
	"$BIN" build -f "$MATRIX" --output "$OUT" "${REBUILD[@]}" >"$log" 2>&1 &
	TRY_PID=$!
	PIDS+=("$TRY_PID")
	sleep "$(secs $((RANDOM * SPAN_MS / 32768)) 3)"
	signal_and_reap "$t0" "$sig" "$log" 2>/dev/null
	GC_TEXT=""
	[[ $MODE == kill ]] && gc_now
	RUN_IDS+=("$(run_id_of "$log")")
	[[ $MODE == kill ]] && { check_live || true; }

	reason=$(judge "$log" "$RC" "$marker" "$TIMED_OUT")
	count_left "$MATRIX_NAME" "$OUT" "${RUN_IDS[*]}" "${PIDS[*]}"
	TOTAL_LEFT=$((TOTAL_LEFT + LEFT))
	say "try $i/$N: signal at $(secs "$AT_MS")s (step $STEP): left: $LEFT_TEXT"
	cleared=$(inner_cleared "$log")
	local exited="no signal sent"
	[[ $STEP == "finished first" ]] || exited="exited $(secs "$EXIT_MS")s after the signal"
	say "  run ${RUN_IDS[-1]:-?} rc=$RC, $exited${GC_TEXT:+; $GC_TEXT}; try took $(secs "$(($(now_ms) - t0))")s${cleared:+; inner daemon cleared at start: $cleared}"
	((LEFT == 0)) || show_left "$MATRIX_NAME" "${RUN_IDS[*]}" "${PIDS[*]}" "$OUT"
	if [[ -n $reason ]]; then
		FAILURES=$((FAILURES + 1))
		say "  BUILD FAILED, not because of the signal: $reason (log: $log)"
	fi
}

# final_build: after the last try, a full build must pass and leave nothing.
final_build() {
	local cleared
	if full_build final; then
		count_left "$MATRIX_NAME" "$OUT" "${RUN_IDS[*]}" "${PIDS[*]}"
		TOTAL_LEFT=$((TOTAL_LEFT + LEFT))
		cleared=$(inner_cleared "$WORK/final.log")
		say "final build: passed in $(secs "$BUILD_MS")s: left: $LEFT_TEXT${cleared:+ (inner daemon cleared at start: $cleared)}"
		((LEFT == 0)) || show_left "$MATRIX_NAME" "${RUN_IDS[*]}" "${PIDS[*]}" "$OUT"
	else
		FAILURES=$((FAILURES + 1))
	fi
}

# --- cleanup ----------------------------------------------------------------

# cleanup: on any exit. Stops what still runs; after an abort, gc clears the
# dead runs' leftovers; then the cache volumes go unless KEEP_CACHE=1.
cleanup() {
	local rc=$?
	set +e
	{
		if [[ -n $TRY_PID ]] && running "$TRY_PID"; then
			kill -KILL "$TRY_PID"
			wait "$TRY_PID"
		fi
		if [[ -n $LIVE_PID ]] && running "$LIVE_PID"; then
			kill -INT "$LIVE_PID"
			wait_gone "$LIVE_PID" "$EXIT_LIMIT_S" || kill -KILL "$LIVE_PID"
			wait "$LIVE_PID"
		fi
	} 2>/dev/null # no "Killed" job notices
	if [[ $FINISHED != 1 && -x $BIN ]]; then
		warn "aborted: running dbuilder gc"
		"$BIN" gc --output "$OUT" >/dev/null 2>&1
		"$BIN" gc --output "$LIVE_OUT" >/dev/null 2>&1
	fi
	[[ ${KEEP_CACHE:-0} == 1 ]] || remove_kept_volumes
	if [[ $rc == 0 ]]; then
		rm -rf "$WORK"
	else
		warn "logs kept in $WORK"
	fi
	exit "$rc"
}

# remove_kept_volumes: the volumes dbuilder keeps between runs (the inner
# daemons' data roots; compiler caches and built trees in newer versions) of
# this script's two matrices.
remove_kept_volumes() {
	local m role vols=()
	for m in "$MATRIX_NAME" "$LIVE_NAME"; do
		for role in cache ccache work; do
			mapfile -t -O "${#vols[@]}" vols < <(docker volume ls -q \
				--filter "label=io.dbuilder.matrix=$m" --filter "label=io.dbuilder.role=$role")
		done
	done
	((${#vols[@]} == 0)) && return 0
	docker volume rm "${vols[@]}" >/dev/null || warn "could not remove volumes: ${vols[*]}"
}

# preflight: nothing of an earlier run of this script may be around, or it
# would be blamed on the first try.
preflight() {
	count_left "$MATRIX_NAME" "$OUT" "" ""
	local l=$LEFT
	count_left "$LIVE_NAME" "$LIVE_OUT" "" ""
	if ((l + LEFT > 0)); then
		warn "resources of an earlier $MATRIX_NAME/$LIVE_NAME run exist; run dbuilder gc first:"
		show_left "$MATRIX_NAME" "" "" "$OUT"
		show_left "$LIVE_NAME" "" "" "$LIVE_OUT"
		exit 1
	fi
}

main() {
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	build_binary
	write_matrices
	BASE_NETS=$(list_networks)
	preflight
	say "interrupts.sh: $MODE, $N tries; work dir $WORK"
	warm_up
	say "signal delays: uniform over 0-$(secs "$SPAN_MS")s"
	TOTAL_LEFT=0
	[[ $MODE == kill ]] && start_live
	local i
	for ((i = 1; i <= N; i++)); do
		try "$i"
	done
	final_build
	local live_ok=yes
	LIVE_LEFT=0
	if [[ $MODE == kill ]]; then
		check_live || true
		stop_live
		((LIVE_TOUCHED == 0)) || live_ok=no
	fi
	FINISHED=1
	say "interrupts.sh: $MODE: $N tries, $TOTAL_LEFT resources left"
	[[ $MODE == kill ]] && say "live run untouched: $live_ok"
	((FAILURES > 0)) && say "interrupts.sh: $FAILURES build(s) failed for a reason other than the signal"
	((LIVE_LEFT == 0)) || say "interrupts.sh: the live run left $LIVE_LEFT resource(s) after its SIGINT"
	((TOTAL_LEFT == 0 && FAILURES == 0 && LIVE_LEFT == 0)) && [[ $live_ok == yes ]]
}

main
