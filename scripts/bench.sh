#!/usr/bin/env bash
# bench.sh: the figures in the README, measured in one run so they can be
# compared as ratios (these machines are noisy):
#   - cold (no builder images, no cache volumes) vs warm, the example on two
#     targets with -j2;
#   - warm -j1 vs -j2;
#   - warm dbuilder vs the same work by hand (scripts/bench/by-hand.sh, which
#     reinstalls build dependencies each run, as seznam/dbuilder does);
#   - sidecar start-to-ready, median of 20 (BenchmarkSidecarReady).
# Results go to bench-results/ (not in git). BENCH_COLD_J1=1 adds cold -j1.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench-results
mkdir -p "$out"
bash scripts/setup.sh </dev/null >"$out/setup.log" 2>&1
go build -o "$out/dbuilder" ./cmd/dbuilder
db() { "$out/dbuilder" build -f matrix.yaml --output "$out/dist" "$@"; }

# cold: what a first run on a set-up machine does (base and sidecar images
# stay): no builder images, no BuildKit cache (NOTE: prunes the daemon's
# whole build cache), no cache volumes.
cold() {
	docker image ls -q --filter label=io.dbuilder.role=builder-image | sort -u | xargs -r docker rmi -f >/dev/null
	docker builder prune -af >/dev/null 2>&1
	docker volume ls -q | grep '^dbuilder-cache-hellodb-' | xargs -r docker volume rm >/dev/null
}
declare -A secs
timeit() { # name command...
	local name=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	"$@" >"$out/$name.log" 2>&1 || { echo "bench: $name failed, see $out/$name.log" >&2; exit 1; }
	t1=$(date +%s.%N)
	secs[$name]=$(echo "$t1 - $t0" | bc)
	printf 'bench: %-12s %6.1f s\n' "$name" "${secs[$name]}"
}
byhand() { bash scripts/bench/by-hand.sh bookworm & a=$!; bash scripts/bench/by-hand.sh trixie & b=$!; wait $a && wait $b; }

cold
timeit cold-j2 db -j 2
timeit warm-j2 db -j 2
timeit warm-j1 db -j 1
timeit byhand-j2 byhand
if [ "${BENCH_COLD_J1:-}" = 1 ]; then
	cold
	timeit cold-j1 db -j 1
fi
go test -run XXX -bench SidecarReady -benchtime 20x ./builder/sidecar >"$out/sidecar.log" 2>&1
p50=$(awk '/BenchmarkSidecarReady/ {for (i=1;i<=NF;i++) if ($(i+1)=="p50-ms") print $i}' "$out/sidecar.log")

r() { echo "scale=1; $1 / $2" | bc; }
{
	echo "example (hellodb, debian:bookworm + debian:trixie), $(date -u +%F), $(nproc) cores"
	printf '%-34s %6.1f s\n' "cold -j2" "${secs[cold-j2]}"
	printf '%-34s %6.1f s\n' "warm -j2" "${secs[warm-j2]}"
	printf '%-34s %6.1f s\n' "warm -j1" "${secs[warm-j1]}"
	printf '%-34s %6.1f s\n' "by hand, both suites at once" "${secs[byhand-j2]}"
	[ -n "${secs[cold-j1]:-}" ] && printf '%-34s %6.1f s\n' "cold -j1" "${secs[cold-j1]}"
	echo "cold/warm (-j2):            $(r "${secs[cold-j2]}" "${secs[warm-j2]}")x"
	echo "warm -j1/-j2:               $(r "${secs[warm-j1]}" "${secs[warm-j2]}")x"
	echo "by hand/dbuilder warm (-j2): $(r "${secs[byhand-j2]}" "${secs[warm-j2]}")x"
	[ -n "${secs[cold-j1]:-}" ] && echo "cold -j1/-j2:               $(r "${secs[cold-j1]}" "${secs[cold-j2]}")x"
	echo "sidecar start-to-ready p50 over 20: ${p50} ms"
} | tee "$out/results.txt"
