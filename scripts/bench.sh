#!/usr/bin/env bash
# bench.sh: the figures the project's speed issue asks for, measured in one
# run and printed as one markdown table (also written to
# bench-results/bench-DATE.md; bench-results/ is not in git), the raw seconds
# next to each ratio, under a line naming the machine. These machines are
# noisy: trust the ratios, not the seconds. Sections, in the order they run:
#
#   warm    `hand.sh warm` (../shared/bench, the fair by-hand baseline) vs
#           `dbuilder build --rebuild`, GNU hello 2.10-3 on debian:bookworm with
#           compare.sh's matrix; median of BENCH_RUNS, interleaved, after one
#           warm-up of each. Also the result cache's no-op (no --rebuild).
#   cold    `hand.sh cold` vs a cold dbuilder build (no builder image, no kept
#           volumes, no BuildKit cache), one each; goal: a ratio of 0.50 at
#           most (the sidecar and the preload run while the image builds).
#   ready   a sidecar's start to ready on a warm cache volume (create, lock,
#           start, the inner daemon's first answer, leftovers cleared): the
#           p50 of BENCH_READY_N starts (default 20) of the Go benchmark
#           BenchmarkSidecarReady; goal: 0.5 s at most.
#   noop    the example on bookworm, trixie and bullseye: a second
#           `dbuilder build` with nothing changed (all three `cached`).
#   incr    `build` step after a one-line change in one .c file, GNU hello and
#           the example (tests off): --incremental, and --rebuild with a warm
#           ccache, each over a bare --rebuild --no-ccache.
#   image2  cold, the example's builder image, then GNU hello's right after:
#           the second package's `image` step over the first's.
#   mem     dbuilder's own peak RSS (VmHWM) with 8 targets in flight (-j 8).
#   byhand  scripts/bench/by-hand.sh (build deps reinstalled every run, as
#           seznam/dbuilder does) vs `dbuilder build --rebuild`, the example on
#           bookworm + trixie at once.
#   dep8    GNU hello's two DEP-8 tests, warm: dbuilder's `autopkgtest` step
#           (testbed in the target's daemon) vs the same packages and source
#           under `autopkgtest ... -- null` by hand in a fresh container of a
#           prepared image (bookworm + autopkgtest + package lists); median
#           of BENCH_RUNS, interleaved.
#   registry  a job on a fresh, empty daemon (a new daemon of the sidecar image
#           per job, as a GitLab dind service), GNU hello with compare.sh's
#           MariaDB test, a loopback registry as --cache-registry: the second
#           job (pulls the builder image) vs the first (builds and pushes it);
#           the image step and the whole job, one run each (BENCH_ONLY=registry;
#           builder/cli BenchmarkRegistryCache does the jobs).
#
# Environment:
#   BENCH_ONLY=warm,noop   run only these sections
#   BENCH_SKIP=cold,mem    run all but these
#   BENCH_RUNS=3           samples per median (warm, noop, incr, byhand)
#   BENCH_SHARED=DIR       where hand.sh lives (default ../shared/bench)
#
# WARNING: cold and image2 run `docker builder prune -af` (the daemon's whole
# BuildKit cache, not only dbuilder's) and remove the builder images of the
# matrices they use; cold also removes hand.sh's image and cache volume.
# Needs: docker, go, dpkg-source, awk, and jq or python3; the images
# scripts/setup.sh makes; bench/dind and bench/mariadb are made here by
# ../shared/bench/images.sh when missing. Per-command logs go to
# bench-results/logs-DATE/.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
SECTIONS="warm cold ready noop incr image2 mem byhand registry dep8"
RUNS=${BENCH_RUNS:-3}
OUT=$ROOT/bench-results
STAMP=$(date -u +%Y-%m-%d-%H%M%S)
LOGS=$OUT/logs-$STAMP
W=$(mktemp -d "${TMPDIR:-/tmp}/dbuilder-bench.XXXXXX")
DB=$W/dbuilder
ROWS=$W/rows.md
SHARED= # set in main
# The matrices only the bench builds: their kept volumes (caches, ccaches,
# --incremental trees) go when it ends, unless BENCH_KEEP_VOLUMES=1. The
# warm section's "hello" matrix is compare.sh's too and stays warm.
BENCH_MATRICES=(hellodb-bench hello-incr hellodb-incr hellodb-image2 hello-image2 hellodb-mem hello-dep8)
cleanup() {
	local name vols
	if [ "${BENCH_KEEP_VOLUMES:-}" != 1 ]; then
		for name in "${BENCH_MATRICES[@]}"; do
			vols=$(docker volume ls -q --filter "label=io.dbuilder.matrix=$name" 2>/dev/null || true)
			# shellcheck disable=SC2086 # one name a word
			[ -z "$vols" ] || docker volume rm $vols >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers -----------------------------------------------------------------

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 2
}

# want SECTION: is it selected by BENCH_ONLY / BENCH_SKIP?
want() {
	if [ -n "${BENCH_ONLY:-}" ] && [[ ",$BENCH_ONLY," != *",$1,"* ]]; then
		return 1
	fi
	[[ ",${BENCH_SKIP:-}," != *",$1,"* ]]
}

now() { date +%s.%N; }

# timed LOG CMD...: run CMD with its output in LOG; print its seconds.
# CMD must be a program, not a shell function (errexit would not apply).
timed() {
	local log=$1 t0 t1 rc=0
	shift
	t0=$(now)
	"$@" >"$log" 2>&1 || rc=$?
	t1=$(now)
	if [ "$rc" != 0 ]; then
		log "FAILED (exit $rc): $*"
		log "last lines of $log:"
		tail -n 30 "$log" >&2
		return 1
	fi
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

median() {
	sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else if (NR) printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
med() { printf '%s\n' "$@" | median; }
# samples 1.0 2.0 3.0 -> "1.0, 2.0, 3.0"
samples() {
	local IFS=, s
	s="$*"
	echo "${s//,/, }"
}
# ratio A B: A / B, two decimals (three below 0.1: a no-op over a build)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else if (a / b < 0.1) printf "%.3f", a / b; else printf "%.2f", a / b }'; }
# goal VALUE LIMIT TEXT: "≤ TEXT ✓" or "≤ TEXT ✗"
goal() {
	if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; then
		echo "≤ $3 ✓"
	else
		echo "≤ $3 ✗"
	fi
}

# row WHAT DBUILDER BASELINE RATIO GOAL: one line of the result table.
row() {
	printf '| %s | %s | %s | %s | %s |\n' "$@" >>"$ROWS"
	log "row: $1: $2 vs $3, ratio $4 $5"
}

# ---- report.json and plan (jq, else python3) -----------------------------------

JQ=$(command -v jq || true)

# step_secs REPORT STEP: the seconds of STEP of the report's first target.
step_secs() {
	local v
	if [ -n "$JQ" ]; then
		v=$(jq -r --arg s "$2" 'first(.targets[0].steps[] | select(.name == $s) | .seconds) // empty' "$1")
	else
		v=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(next((s["seconds"] for s in r["targets"][0]["steps"] if s["name"] == sys.argv[2]), ""))' "$1" "$2")
	fi
	[ -n "$v" ] || {
		log "no step $2 in $1"
		return 1
	}
	printf '%.2f\n' "$v"
}

# results REPORT: "TARGET RESULT BUILDER_IMAGE_REUSED" per target.
results() {
	if [ -n "$JQ" ]; then
		jq -r '.targets[] | "\(.name) \(.result) \(.cache.builder_image_reused)"' "$1"
	else
		python3 -c 'import json, sys
for t in json.load(open(sys.argv[1]))["targets"]:
    print(t["name"], t["result"], str(t.get("cache", {}).get("builder_image_reused", False)).lower())' "$1"
	fi
}

# expect REPORT RESULT N: the report has N targets, all with RESULT.
expect() {
	local r
	r=$(results "$1")
	if [ "$(awk -v want="$2" '$2 == want' <<<"$r" | wc -l)" != "$3" ] || [ "$(wc -l <<<"$r")" != "$3" ]; then
		log "expected $3 target(s) '$2' in $1, got:"
		printf '%s\n' "$r" >&2
		return 1
	fi
}

# plan_field MATRIX FIELD: FIELD of each target of `dbuilder plan --format json`.
plan_field() {
	if [ -n "$JQ" ]; then
		"$DB" plan -f "$1" --format json | jq -r --arg f "$2" '.[][$f]'
	else
		"$DB" plan -f "$1" --format json | python3 -c 'import json, sys
for t in json.load(sys.stdin):
    print(t[sys.argv[1]])' "$2"
	fi
}

# ---- sources and matrices -------------------------------------------------------

# prep_hello DIR: GNU hello 2.10-3 unpacked in DIR/hello-2.10.
prep_hello() {
	mkdir -p "$1"
	(cd "$1" && dpkg-source --no-check -x "$SHARED/hello/hello_2.10-3.dsc" >/dev/null 2>&1)
	[ -f "$1/hello-2.10/src/hello.c" ]
}

# prep_example DIR: a copy of testdata/hellodb in DIR/hellodb (to be edited).
prep_example() {
	mkdir -p "$1"
	cp -a "$ROOT/testdata/hellodb" "$1/hellodb"
}

# edit_c FILE: a one-line change. A line of code rather than a comment: ccache
# would serve a comment-only change from its preprocessor-mode hash.
edit_c() { printf 'int dbuilder_bench_edit_%s = 1;\n' "$(date +%s%N)" >>"$1"; }

# hello_matrix FILE NAME: GNU hello on bookworm, compare.sh's matrix (the test
# starts MariaDB in the target's own daemon), next to DIR/hello-2.10.
hello_matrix() {
	cat >"$1" <<Y
name: $2
version: "2.10"
source: ./hello-2.10
matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [mariadb-client]
test:
  docker: true
  preload: [bench/mariadb]
  # hand.sh runs neither hello's DEP-8 tests nor an install test: the
  # same work on both sides (section dep8 measures the DEP-8 run).
  autopkgtest: "off"
  install: "off"
  command: |
    docker run -d --name db -p 127.0.0.1:3306:3306 bench/mariadb >/dev/null
    for i in \$(seq 1 100); do mariadb -h 127.0.0.1 -u root -e "select 1" >/dev/null 2>&1 && break; sleep 0.2; done
    mariadb -h 127.0.0.1 -u root -N -e "select 40+2"
    ./hello
    docker rm -f db >/dev/null
Y
}

# hello_nodocker_matrix FILE NAME: GNU hello on bookworm, no sidecar.
hello_nodocker_matrix() {
	cat >"$1" <<Y
name: $2
version: "2.10"
source: ./hello-2.10
matrix:
  distro: [debian:bookworm]
test:
  docker: false
  command: ./hello
Y
}

# example_matrix FILE NAME SOURCE DISTROS: the example, its test starting
# MariaDB in the target's own daemon (as testdata/e2e/hellodb.yaml).
example_matrix() {
	cat >"$1" <<Y
name: $2
version: 1.0.0
source: $3
matrix:
  distro: [$4]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  preload: [dbuilder-example/mariadb:10.11]
  command: |
    make check
    echo "inner-daemon-id=\$(docker info --format '{{.ID}}')"
Y
}

# example_nodocker_matrix FILE NAME SOURCE: the example on bookworm, no sidecar.
example_nodocker_matrix() {
	cat >"$1" <<Y
name: $2
version: 1.0.0
source: $3
matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: false
  command: ./hellodb --version
Y
}

# ---- making things cold ------------------------------------------------------------

# drop_builder_images MATRIX...: remove the builder image tags their targets use
# (only those: other builds on this daemon keep theirs).
drop_builder_images() {
	local m img
	for m; do plan_field "$m" builder_image; done | sort -u | while read -r img; do
		docker rmi -f "$img" >/dev/null 2>&1 || true
		if docker image inspect "$img" >/dev/null 2>&1; then
			log "could not remove $img"
			return 1
		fi
		log "removed $img"
	done
}

# drop_kept_volumes NAME MATRIX: remove the cache, ccache and work volumes of
# the matrix's targets (labelled io.dbuilder.matrix=NAME, io.dbuilder.target=T).
drop_kept_volumes() {
	local name=$1 m=$2 t vols cache
	for t in $(plan_field "$m" name); do
		vols=$(docker volume ls -q --filter "label=io.dbuilder.matrix=$name" --filter "label=io.dbuilder.target=$t")
		for cache in $(plan_field "$m" cache_volume); do
			if docker volume inspect "$cache" >/dev/null 2>&1 && ! grep -qx "$cache" <<<"$vols"; then
				log "note: cache volume $cache lacks the labels; removing it too"
				vols=$(printf '%s\n%s' "$vols" "$cache")
			fi
		done
		[ -n "$vols" ] || continue
		# shellcheck disable=SC2086 # one name a word
		docker volume rm $vols >/dev/null
		log "removed volumes: $(paste -sd ' ' <<<"$vols")"
	done
}

prune_buildkit() { docker builder prune -af >/dev/null 2>&1; }

# ---- sections ----------------------------------------------------------------------

# 1. warm dbuilder vs hand.sh warm; and the result cache's no-op vs hand.sh warm.
sec_warm() {
	local d=$W/warm hs=() ds=() ns=() t i h db n
	prep_hello "$d"
	hello_matrix "$d/m.yaml" hello
	log "warm: warm-up of hand.sh warm and dbuilder build --rebuild"
	timed "$LOGS/warm-hand-0.log" bash "$SHARED/hand.sh" warm >/dev/null
	timed "$LOGS/warm-dbuilder-0.log" "$DB" build -f "$d/m.yaml" --output "$d/dist" --rebuild >/dev/null
	for i in $(seq "$RUNS"); do
		t=$(timed "$LOGS/warm-hand-$i.log" bash "$SHARED/hand.sh" warm)
		hs+=("$t")
		t=$(timed "$LOGS/warm-dbuilder-$i.log" "$DB" build -f "$d/m.yaml" --output "$d/dist" --rebuild)
		ds+=("$t")
		expect "$d/dist/report.json" ok 1
		log "warm $i/$RUNS: hand.sh ${hs[-1]} s, dbuilder --rebuild ${ds[-1]} s"
	done
	for i in $(seq "$RUNS"); do
		t=$(timed "$LOGS/warm-noop-$i.log" "$DB" build -f "$d/m.yaml" --output "$d/dist")
		ns+=("$t")
		expect "$d/dist/report.json" cached 1
	done
	h=$(med "${hs[@]}")
	db=$(med "${ds[@]}")
	n=$(med "${ns[@]}")
	row "1 warm: \`dbuilder build --rebuild\` vs \`hand.sh warm\` (GNU hello 2.10-3, debian:bookworm, test starts MariaDB in the target's daemon; median of $RUNS, interleaved)" \
		"$db s ($(samples "${ds[@]}"))" "$h s ($(samples "${hs[@]}"))" "$(ratio "$db" "$h")" "—"
	row "1 warm, nothing changed: \`dbuilder build\` without --rebuild (result cache: a no-op, \`cached\`) vs \`hand.sh warm\` (median of $RUNS)" \
		"$n s ($(samples "${ns[@]}"))" "$h s" "$(ratio "$n" "$h")" "—"
}

# 2. cold dbuilder vs hand.sh cold, one each.
sec_cold() {
	local d=$W/cold h db hi di si pi
	prep_hello "$d"
	hello_matrix "$d/m.yaml" hello
	log "cold: hand.sh cold (drops its image and cache volume, prunes BuildKit)"
	h=$(timed "$LOGS/cold-hand.log" bash "$SHARED/hand.sh" cold)
	hi=$(sed -n 's/.*(image \([0-9.]*\),.*/\1/p' "$LOGS/cold-hand.log")
	log "cold: dropping dbuilder's builder image, kept volumes and the BuildKit cache"
	drop_builder_images "$d/m.yaml"
	drop_kept_volumes hello "$d/m.yaml"
	prune_buildkit
	db=$(timed "$LOGS/cold-dbuilder.log" "$DB" build -f "$d/m.yaml" --output "$d/dist")
	expect "$d/dist/report.json" ok 1
	if [[ $(results "$d/dist/report.json") == *" true"* ]]; then
		log "cold dbuilder build reused its builder image: not cold"
		return 1
	fi
	di=$(step_secs "$d/dist/report.json" image)
	si=$(step_secs "$d/dist/report.json" sidecar)
	pi=$(step_secs "$d/dist/report.json" preload)
	row "2 cold: \`dbuilder build\` with no builder image, no kept volumes, no BuildKit cache vs \`hand.sh cold\` (one each; image step: dbuilder $di s, hand ${hi:-?} s; dbuilder's sidecar $si s and preload $pi s run beside its image step)" \
		"$db s" "$h s" "$(ratio "$db" "$h")" "$(goal "$(ratio "$db" "$h")" 0.50 0.50)"
}

# 2b. a sidecar's start to ready, p50 of BenchmarkSidecarReady.
sec_ready() {
	local n=${BENCH_READY_N:-20} out p50 max
	log "ready: $n sidecar starts (go test -bench SidecarReady)"
	out=$(cd "$ROOT" && DBUILDER_REQUIRE_DOCKER=1 go test -count=1 -run XXX -bench SidecarReady -benchtime "${n}x" ./builder/sidecar/ 2>&1) || {
		printf '%s\n' "$out" >"$LOGS/ready.log"
		log "FAILED: go test -bench SidecarReady (see $LOGS/ready.log)"
		return 1
	}
	printf '%s\n' "$out" >"$LOGS/ready.log"
	p50=$(awk '/^BenchmarkSidecarReady/ { for (i = 2; i <= NF; i++) if ($i == "p50-ms") print $(i - 1) }' <<<"$out")
	max=$(awk '/^BenchmarkSidecarReady/ { for (i = 2; i <= NF; i++) if ($i == "max-ms") print $(i - 1) }' <<<"$out")
	[ -n "$p50" ] || {
		log "no p50-ms in the benchmark's output (see $LOGS/ready.log)"
		return 1
	}
	p50=$(awk -v m="$p50" 'BEGIN { printf "%.2f", m / 1000 }')
	max=$(awk -v m="$max" 'BEGIN { printf "%.2f", m / 1000 }')
	row "2b sidecar start to ready on a warm cache volume (create, lock, start, the inner daemon's first answer, leftovers cleared; p50 of $n, \`go test -bench SidecarReady -benchtime ${n}x ./builder/sidecar/\`)" \
		"$p50 s (max $max s)" "—" "—" "$(goal "$p50" 0.5 "0.5 s")"
}

# 3. a second build of 3 targets with nothing changed.
sec_noop() {
	local d=$W/noop ns=() t i n
	mkdir -p "$d"
	example_matrix "$d/m.yaml" hellodb-bench "$ROOT/testdata/hellodb" "debian:bookworm, debian:trixie, debian:bullseye"
	log "noop: first build of the example on 3 suites"
	timed "$LOGS/noop-first.log" "$DB" build -f "$d/m.yaml" --output "$d/dist" >/dev/null
	expect "$d/dist/report.json" ok 3
	for i in $(seq "$RUNS"); do
		t=$(timed "$LOGS/noop-$i.log" "$DB" build -f "$d/m.yaml" --output "$d/dist")
		ns+=("$t")
		expect "$d/dist/report.json" cached 3
	done
	n=$(med "${ns[@]}")
	row "3 nothing changed, 3 targets (example on bookworm, trixie, bullseye): second \`dbuilder build\`, all 3 \`cached\` in report.json (median of $RUNS)" \
		"$n s ($(samples "${ns[@]}"))" "—" "—" "$(goal "$n" 1 "1 s")"
}

# incr_one LABEL DIR MATRIX CFILE: the build step after a one-line change in
# CFILE: bare (--rebuild --no-ccache), ccache (--rebuild), --incremental.
incr_one() {
	local label=$1 d=$2 m=$3 c=$4 bare=() cc=() inc=() i b x y r=$2/dist/report.json
	log "incr $label: warm-up (--rebuild) and priming the kept tree (--incremental)"
	timed "$LOGS/incr-$label-0.log" "$DB" build -f "$m" --output "$d/dist" --rebuild >/dev/null
	timed "$LOGS/incr-$label-0-incremental.log" "$DB" build -f "$m" --output "$d/dist" --rebuild --incremental >/dev/null
	for i in $(seq "$RUNS"); do
		edit_c "$c"
		timed "$LOGS/incr-$label-$i-bare.log" "$DB" build -f "$m" --output "$d/dist" --rebuild --no-ccache >/dev/null
		expect "$r" ok 1
		bare+=("$(step_secs "$r" build)")
		edit_c "$c"
		timed "$LOGS/incr-$label-$i-ccache.log" "$DB" build -f "$m" --output "$d/dist" --rebuild >/dev/null
		expect "$r" ok 1
		cc+=("$(step_secs "$r" build)")
		edit_c "$c"
		timed "$LOGS/incr-$label-$i-incremental.log" "$DB" build -f "$m" --output "$d/dist" --rebuild --incremental >/dev/null
		expect "$r" ok 1
		inc+=("$(step_secs "$r" build)")
		log "incr $label $i/$RUNS: build step bare ${bare[-1]} s, ccache ${cc[-1]} s, incremental ${inc[-1]} s"
	done
	b=$(med "${bare[@]}")
	x=$(med "${inc[@]}")
	y=$(med "${cc[@]}")
	row "4 incremental, $label: \`build\` step of \`--incremental\` after a one-line change in $(basename "$c") vs bare \`--rebuild --no-ccache\` (tests off; median of $RUNS)" \
		"$x s ($(samples "${inc[@]}"))" "$b s ($(samples "${bare[@]}"))" "$(ratio "$x" "$b")" "$(goal "$(ratio "$x" "$b")" 0.40 0.40)"
	row "4 ccache, $label: \`build\` step of \`--rebuild\` (ccache warm) after a one-line change in $(basename "$c") vs bare (tests off; median of $RUNS)" \
		"$y s ($(samples "${cc[@]}"))" "$b s" "$(ratio "$y" "$b")" "—"
}

# 4. incremental and ccache vs bare, GNU hello and the example.
sec_incr() {
	local d=$W/incr
	prep_hello "$d/hello"
	hello_nodocker_matrix "$d/hello/m.yaml" hello-incr
	incr_one "GNU hello" "$d/hello" "$d/hello/m.yaml" "$d/hello/hello-2.10/src/hello.c"
	prep_example "$d/example"
	example_nodocker_matrix "$d/example/m.yaml" hellodb-incr ./hellodb
	incr_one "example" "$d/example" "$d/example/m.yaml" "$d/example/hellodb/hellodb.c"
}

# 5. a second package's builder image right after a first one's, cold.
sec_image2() {
	local d=$W/image2 a b
	prep_example "$d"
	example_nodocker_matrix "$d/example.yaml" hellodb-image2 ./hellodb
	prep_hello "$d"
	hello_nodocker_matrix "$d/hello.yaml" hello-image2
	log "image2: dropping both builder images and the BuildKit cache"
	drop_builder_images "$d/example.yaml" "$d/hello.yaml"
	prune_buildkit
	timed "$LOGS/image2-example.log" "$DB" build -f "$d/example.yaml" --output "$d/dist-example" --rebuild >/dev/null
	expect "$d/dist-example/report.json" ok 1
	timed "$LOGS/image2-hello.log" "$DB" build -f "$d/hello.yaml" --output "$d/dist-hello" --rebuild >/dev/null
	expect "$d/dist-hello/report.json" ok 1
	if [[ "$(results "$d/dist-example/report.json") $(results "$d/dist-hello/report.json")" == *" true"* ]]; then
		log "a builder image was reused: not cold"
		return 1
	fi
	a=$(step_secs "$d/dist-example/report.json" image)
	b=$(step_secs "$d/dist-hello/report.json" image)
	row "5 second package's builder image: \`image\` step of GNU hello right after the example's, cold (both images removed, BuildKit pruned; bookworm, \`--rebuild\`, tests off)" \
		"$b s (hello)" "$a s (example, first)" "$(ratio "$b" "$a")" "$(goal "$(ratio "$b" "$a")" 0.3 0.3)"
}

# peak_rss LOG NAME ARGS...: run `dbuilder build ARGS`, polling its VmHWM every
# 0.2 s and counting the running sidecars of matrix NAME; prints
# "PEAK_KB MAX_SIDECARS SECONDS".
peak_rss() {
	local log=$1 name=$2 pid hwm=0 v n side=0 tick=0 rc=0 t0 t1
	shift 2
	t0=$(now)
	"$DB" build "$@" >"$log" 2>&1 &
	pid=$!
	# shellcheck disable=SC2064 # the pid is known now
	trap "kill $pid 2>/dev/null || true" EXIT
	while v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [ -n "$v" ]; do
		hwm=$v
		if [ $((tick % 5)) = 0 ]; then
			n=$(docker ps -q --filter label=io.dbuilder.role=sidecar --filter "label=io.dbuilder.matrix=$name" | wc -l)
			if [ "$n" -gt "$side" ]; then side=$n; fi
		fi
		tick=$((tick + 1))
		sleep 0.2
	done
	wait "$pid" || rc=$?
	trap - EXIT
	t1=$(now)
	if [ "$rc" != 0 ]; then
		log "FAILED (exit $rc): dbuilder build $*"
		tail -n 30 "$log" >&2
		return 1
	fi
	awk -v h="$hwm" -v s="$side" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d %d %.2f\n", h, s, b - a }'
}

# 6. dbuilder's own memory with 8 targets in flight.
sec_mem() {
	local d=$W/mem r m1 m2 kb1 kb2 s1 s2 t1 t2
	mkdir -p "$d"
	cat >"$d/m.yaml" <<Y
name: hellodb-mem
version: 1.0.0
source: $ROOT/testdata/hellodb
matrix:
  distro: [debian:bookworm]
  slot: [a, b, c, d, e, f, g, h]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  command: sleep 20
Y
	log "mem: first run (-j 8, 8 targets, test sleep 20)"
	r=$(peak_rss "$LOGS/mem-1.log" hellodb-mem -f "$d/m.yaml" --output "$d/dist" -j 8 --rebuild)
	read -r kb1 s1 t1 <<<"$r"
	expect "$d/dist/report.json" ok 8
	log "mem: second run (-j 8, --rebuild)"
	r=$(peak_rss "$LOGS/mem-2.log" hellodb-mem -f "$d/m.yaml" --output "$d/dist" -j 8 --rebuild)
	read -r kb2 s2 t2 <<<"$r"
	expect "$d/dist/report.json" ok 8
	m1=$(awk -v k="$kb1" 'BEGIN { printf "%.1f", k / 1024 }')
	m2=$(awk -v k="$kb2" 'BEGIN { printf "%.1f", k / 1024 }')
	log "mem: first run ${m1} MB, $s1 sidecars at once, $t1 s; second ${m2} MB, $s2 sidecars at once, $t2 s"
	if [ "$s1" -lt 8 ] || [ "$s2" -lt 8 ]; then
		log "WARNING: fewer than 8 sidecars seen at once ($s1, $s2)"
	fi
	row "6 dbuilder's own memory: peak RSS (VmHWM, polled every 0.2 s) of \`dbuilder build -j 8 --rebuild\`, 8 targets in flight (example × slot a–h on bookworm, each with its own daemon, test \`sleep 20\`; $s2 sidecars seen running at once; ${t2} s)" \
		"$m2 MB (the first of the two runs: $m1 MB, $s1 sidecars)" "—" "—" "$(goal "$(awk -v a="$m1" -v b="$m2" 'BEGIN { print (a > b ? a : b) }')" 60 "60 MB")"
}

# BYHAND_PAIR: by-hand.sh for bookworm and trixie at once, as one program for
# timed (argument: the path of by-hand.sh).
# shellcheck disable=SC2016 # expanded by that bash
BYHAND_PAIR='bash "$1" bookworm & a=$!; bash "$1" trixie & b=$!; rc=0; wait $a || rc=1; wait $b || rc=1; exit $rc'

# 7. vs a tool that reinstalls the build deps every run (seznam/dbuilder-style).
sec_byhand() {
	local d=$W/byhand hs=() ds=() t i h db
	mkdir -p "$d"
	example_matrix "$d/m.yaml" hellodb-bench "$ROOT/testdata/hellodb" "debian:bookworm, debian:trixie"
	log "byhand: warm-up of dbuilder build --rebuild -j 2"
	timed "$LOGS/byhand-dbuilder-0.log" "$DB" build -f "$d/m.yaml" --output "$d/dist" --rebuild -j 2 >/dev/null
	for i in $(seq "$RUNS"); do
		t=$(timed "$LOGS/byhand-hand-$i.log" bash -c "$BYHAND_PAIR" byhand "$ROOT/scripts/bench/by-hand.sh")
		hs+=("$t")
		t=$(timed "$LOGS/byhand-dbuilder-$i.log" "$DB" build -f "$d/m.yaml" --output "$d/dist" --rebuild -j 2)
		ds+=("$t")
		expect "$d/dist/report.json" ok 2
		log "byhand $i/$RUNS: by-hand.sh ${hs[-1]} s, dbuilder --rebuild ${ds[-1]} s"
	done
	h=$(med "${hs[@]}")
	db=$(med "${ds[@]}")
	row "7 vs a tool that reinstalls build deps each run (seznam/dbuilder-style): \`dbuilder build --rebuild -j 2\` vs \`scripts/bench/by-hand.sh\` bookworm + trixie at once (the example, test starts MariaDB in the target's daemon; median of $RUNS)" \
		"$db s ($(samples "${ds[@]}"))" "$h s ($(samples "${hs[@]}"))" "$(ratio "$db" "$h")" "—"
}

# 8. a job on a fresh daemon with a cache registry: second (pulls) vs first (builds, pushes).
sec_registry() {
	local d=$W/registry line j1 i1 p1 j2 i2
	prep_hello "$d"
	hello_matrix "$d/m.yaml" hello-registry
	log "registry: two jobs, each on a fresh daemon, the cache registry on its loopback"
	if ! DBUILDER_BENCH_MATRIX=$d/m.yaml DBUILDER_BENCH_IMAGES="debian:bookworm bench/mariadb" DBUILDER_BENCH_DBUILDER=$DB \
		go test -count=1 -run '^$' -bench '^BenchmarkRegistryCache$' -benchtime 1x -timeout 60m ./builder/cli/ >"$LOGS/registry.log" 2>&1; then
		log "FAILED: BenchmarkRegistryCache; last lines of $LOGS/registry.log:"
		tail -n 30 "$LOGS/registry.log" >&2
		return 1
	fi
	line=$(grep '^BENCH-REGISTRY ' "$LOGS/registry.log")
	read -r j1 i1 p1 j2 i2 <<<"$(sed 's/[a-z0-9]*=//g; s/^BENCH-REGISTRY //' <<<"$line")"
	row "8 cache registry, \`image\` step: second job on a fresh daemon (pulls the builder image) vs the first (builds it, ${p1} s of it the push; GNU hello, debian:bookworm)" \
		"$i2 s" "$i1 s" "$(ratio "$i2" "$i1")" "$(goal "$(ratio "$i2" "$i1")" 0.25 0.25)"
	row "8 cache registry, whole job: \`dbuilder build\` on a fresh daemon, second (pulls) vs first (builds and pushes), MariaDB test in the target's daemon" \
		"$j2 s" "$j1 s" "$(ratio "$j2" "$j1")" "$(goal "$(ratio "$j2" "$j1")" 0.60 0.60)"
}

# ---- main ----------------------------------------------------------------------------

# 9. DEP-8: dbuilder's autopkgtest step vs autopkgtest's null runner by hand.
sec_dep8() {
	local d=$W/dep8 hs=() ds=() t i h db img=dbuilder-bench/autopkgtest-null
	prep_hello "$d"
	cat >"$d/m.yaml" <<Y
name: hello-dep8
version: "2.10"
source: ./hello-2.10
matrix:
  distro: [debian:bookworm]
test:
  autopkgtest: "on"
  install: "off"
Y
	# The prepared image by hand: autopkgtest and today's package lists.
	printf 'FROM debian:bookworm\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends autopkgtest autodep8\n' |
		docker build -q -t "$img" - >/dev/null
	log "dep8: warm-up of both"
	timed "$LOGS/dep8-dbuilder-0.log" "$DB" build -f "$d/m.yaml" --output "$d/dist" --rebuild >/dev/null
	expect "$d/dist/report.json" ok 1
	mkdir -p "$d/hand/debs"
	cp "$d"/dist/debian-bookworm/*.deb "$d/hand/debs/"
	cp -a "$d/hello-2.10" "$d/hand/"
	hand() { timed "$1" docker run --rm -v "$d/hand:/w:ro" "$img" sh -c 'cd /w && autopkgtest debs/*.deb hello-2.10/ -- null'; }
	hand "$LOGS/dep8-hand-0.log" >/dev/null
	for i in $(seq "$RUNS"); do
		hs+=("$(hand "$LOGS/dep8-hand-$i.log")")
		timed "$LOGS/dep8-dbuilder-$i.log" "$DB" build -f "$d/m.yaml" --output "$d/dist" --rebuild >/dev/null
		expect "$d/dist/report.json" ok 1
		ds+=("$(step_secs "$d/dist/report.json" autopkgtest)")
		log "dep8 $i/$RUNS: by hand ${hs[-1]} s, dbuilder's autopkgtest step ${ds[-1]} s"
	done
	h=$(med "${hs[@]}")
	db=$(med "${ds[@]}")
	row "9 DEP-8, warm: dbuilder's \`autopkgtest\` step (testbed in the target's daemon) vs \`autopkgtest ... -- null\` by hand in a fresh prepared container (GNU hello's 2 tests; median of $RUNS, interleaved)" \
		"$db s ($(samples "${ds[@]}"))" "$h s ($(samples "${hs[@]}"))" "$(ratio "$db" "$h")" "$(goal "$(ratio "$db" "$h")" 1.3 1.3)"
}

machine() {
	printf '%s CPUs, %s GiB memory, kernel %s, Docker %s, load average %s at start, %s' \
		"$(nproc)" \
		"$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)" \
		"$(uname -r)" \
		"$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')" \
		"$(cut -d' ' -f1-3 /proc/loadavg)" \
		"$(date -u '+%Y-%m-%d %H:%M UTC')"
}

preflight() {
	local s img
	for s in ${BENCH_ONLY:+${BENCH_ONLY//,/ }} ${BENCH_SKIP:+${BENCH_SKIP//,/ }}; do
		[[ " $SECTIONS " == *" $s "* ]] || die "unknown section '$s' (sections: $SECTIONS)"
	done
	[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
	[ -f "$SHARED/hand.sh" ] || die "no hand.sh in $SHARED (set BENCH_SHARED)"
	for s in docker go dpkg-source awk; do
		command -v "$s" >/dev/null || die "needs $s"
	done
	[ -n "$JQ" ] || command -v python3 >/dev/null || die "needs jq or python3"
	for img in debian:bookworm debian:trixie debian:bullseye dbuilder-example/mariadb:10.11; do
		docker image inspect "$img" >/dev/null 2>&1 || die "image $img missing: run scripts/setup.sh"
	done
}

main() {
	local s rc failed=()
	SHARED=$(cd "${BENCH_SHARED:-$ROOT/../shared/bench}" && pwd)
	preflight
	mkdir -p "$OUT" "$LOGS"
	log "building dbuilder"
	go build -o "$DB" ./cmd/dbuilder
	# by-hand.sh's sidecar image: dbuilder's own, of this version
	DIND_IMAGE=${DIND_IMAGE:-dbuilder/dind:$("$DB" --version | awk '{ print $2 }')}
	export DIND_IMAGE
	if want warm || want cold || want registry; then
		bash "$SHARED/images.sh" >/dev/null # bench/dind, bench/mariadb when missing
	fi
	local where
	where=$(machine)
	: >"$ROWS"
	for s in $SECTIONS; do
		want "$s" || continue
		log "== $s"
		set +e
		(
			set -e
			"sec_$s"
		)
		rc=$?
		set -e
		if [ "$rc" != 0 ]; then
			failed+=("$s")
			row "$s: FAILED (exit $rc), see bench-results/logs-$STAMP/" "—" "—" "—" "—"
		fi
	done
	{
		echo "## dbuilder bench, $STAMP"
		echo
		echo "Machine: $where."
		echo
		echo "| what | dbuilder | baseline | ratio (dbuilder / baseline) | goal |"
		echo "|---|---|---|---|---|"
		cat "$ROWS"
		echo
		echo "Seconds are medians with the samples in parentheses (one run each for cold and image2)."
		echo "Section 4 and 5 use test.docker: false matrices, so tests add no noise; their figures are"
		echo "the \`build\` / \`image\` step from report.json. A one-line change is a line of code appended"
		echo "to the .c file (a comment alone would be a ccache hit). Logs: bench-results/logs-$STAMP/."
	} | tee "$OUT/bench-$STAMP.md"
	[ "${#failed[@]}" = 0 ] || {
		log "failed sections: ${failed[*]}"
		exit 1
	}
}

main "$@"
