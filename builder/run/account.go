package run

import (
	"bytes"
	"context"
	"strconv"
	"strings"

	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// Resources are what a target used: its build container (build and tests)
// and, with test.docker, its own daemon (the sidecar and every container
// its tests started there).
type Resources struct {
	Build  Usage  `json:"build"`
	Daemon *Usage `json:"daemon,omitempty"`
}

// Usage is one part's figures; a nil field was not accounted (never a false 0).
type Usage struct {
	CPUSeconds   *float64 `json:"cpu_seconds"`
	PeakMemory   *int64   `json:"peak_memory_bytes"`
	ReadBytes    *int64   `json:"read_bytes"`
	WrittenBytes *int64   `json:"written_bytes"`
	// IOSource says where the I/O figures come from: "cgroup" (v2 io.stat,
	// or v1 blkio where it counts), "process" (the kernel's per-process
	// accounting of the build's processes, /proc/PID/io), or "" (not
	// accounted: cgroup v1 blkio counters that stay at 0 on these hosts).
	IOSource string `json:"io_source,omitempty"`
}

// accountScript reads the build container's cgroup (v2 or v1) and the
// run script's own process I/O accounting (which includes every child it
// waited for) and prints them as one marker line. It is run.sh's EXIT trap.
const accountScript = `account() {
	code=$?
	set +e
	cpu= mem= cgr= cgw= pr= pw=
	v2=
	if [ -f /sys/fs/cgroup/cpu.stat ]; then
		v2=1
		cpu=$(awk '$1=="usage_usec" {printf "%.0f", $2*1000}' /sys/fs/cgroup/cpu.stat)
		mem=$(cat /sys/fs/cgroup/memory.peak 2>/dev/null)
		if [ -f /sys/fs/cgroup/io.stat ]; then
			set -- $(awk '{for (i = 2; i <= NF; i++) {split($i, a, "="); if (a[1] == "rbytes") r += a[2]; if (a[1] == "wbytes") w += a[2]}} END {printf "%.0f %.0f", r, w}' /sys/fs/cgroup/io.stat)
			cgr=$1 cgw=$2
		fi
	else
		cpu=$(cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null)
		mem=$(cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null)
		f=/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes
		if [ -f "$f" ]; then
			set -- $(awk '$2 == "Read" {r += $3} $2 == "Write" {w += $3} END {printf "%.0f %.0f", r, w}' "$f")
			cgr=$1 cgw=$2
		fi
	fi
	if [ -r /proc/$$/io ]; then
		set -- $(awk '$1 == "read_bytes:" {r = $2} $1 == "write_bytes:" {w = $2} END {printf "%.0f %.0f", r, w}' /proc/$$/io)
		pr=$1 pw=$2
	fi
	mark resources cpu_ns=$cpu mem_peak=$mem cg_read=$cgr cg_write=$cgw proc_read=$pr proc_write=$pw v2=$v2
	exit $code
}
trap account EXIT
`

// parseFigures reads "key=value" words; empty values are left out.
func parseFigures(s string) map[string]int64 {
	out := map[string]int64{}
	for _, w := range strings.Fields(s) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || v == "" {
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			out[k] = n
		}
	}
	return out
}

// buildUsage turns the build container's resource marker into a Usage.
// Block I/O comes from the cgroup when it counted anything or is v2, else
// from the process accounting.
func buildUsage(fig map[string]int64) Usage {
	cgroupV2 := fig["v2"] == 1
	var u Usage
	if ns, ok := fig["cpu_ns"]; ok {
		s := float64(ns) / 1e9
		u.CPUSeconds = &s
	}
	if m, ok := fig["mem_peak"]; ok {
		u.PeakMemory = &m
	}
	cr, crok := fig["cg_read"]
	cw, cwok := fig["cg_write"]
	switch {
	case crok && cwok && (cgroupV2 || cr+cw > 0):
		u.ReadBytes, u.WrittenBytes, u.IOSource = &cr, &cw, "cgroup"
	default:
		pr, prok := fig["proc_read"]
		pw, pwok := fig["proc_write"]
		if prok && pwok {
			u.ReadBytes, u.WrittenBytes, u.IOSource = &pr, &pw, "process"
		}
	}
	return u
}

// daemonScript prints the figures of the sidecar's cgroup and of the
// cgroup its inner daemon puts test containers under (--cgroup-parent).
// When the sidecar has its own cgroup namespace (privileged mode) both are
// its root, counted once. LOCK is replaced by the sidecar's name.
const daemonScript = `set +e
own=$(awk -F: '$1 == "0" || $2 ~ /(^|,)cpuacct(,|$)/ {print $3; exit}' /proc/1/cgroup)
dirs=$own
[ "$own" = / ] || dirs="$own /dbuilder/LOCK"
cpu=0 mem=0 r=0 w=0 v2=0 blk=0
for d in $dirs; do
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		v2=1; b=/sys/fs/cgroup$d
		c=$(awk '$1 == "usage_usec" {printf "%.0f", $2*1000}' "$b/cpu.stat" 2>/dev/null)
		m=$(cat "$b/memory.peak" 2>/dev/null)
		set -- $(awk '{for (i = 2; i <= NF; i++) {split($i, a, "="); if (a[1] == "rbytes") r += a[2]; if (a[1] == "wbytes") w += a[2]}} END {printf "%.0f %.0f", r, w}' "$b/io.stat" 2>/dev/null)
	else
		c=$(cat "/sys/fs/cgroup/cpuacct$d/cpuacct.usage" 2>/dev/null)
		m=$(cat "/sys/fs/cgroup/memory$d/memory.max_usage_in_bytes" 2>/dev/null)
		set -- $(awk '$2 == "Read" {r += $3} $2 == "Write" {w += $3} END {printf "%.0f %.0f", r, w}' "/sys/fs/cgroup/blkio$d/blkio.throttle.io_service_bytes" 2>/dev/null)
	fi
	cpu=$((cpu + ${c:-0})); mem=$((mem + ${m:-0})); r=$((r + ${1:-0})); w=$((w + ${2:-0}))
done
echo "cpu_ns=$cpu mem_peak=$mem cg_read=$r cg_write=$w v2=$v2"
`

// daemonUsage measures the target's daemon before it is torn down. Memory
// is the sum of the daemon's and the tests' peaks (an upper bound of their
// joint peak). Block I/O is reported only where the cgroup accounts it.
func daemonUsage(ctx context.Context, r *runner, sc *sidecar.Sidecar, lock string) *Usage {
	var out bytes.Buffer
	script := strings.ReplaceAll(daemonScript, "LOCK", lock)
	if code, err := r.eng.Exec(ctx, sc.ID, []string{"sh", "-c", script}, nil, &out); err != nil || code != 0 {
		return nil
	}
	fig := parseFigures(out.String())
	u := buildUsage(map[string]int64{"cpu_ns": fig["cpu_ns"], "mem_peak": fig["mem_peak"]})
	if cr, cw := fig["cg_read"], fig["cg_write"]; fig["v2"] == 1 || cr+cw > 0 {
		u.ReadBytes, u.WrittenBytes, u.IOSource = &cr, &cw, "cgroup"
	}
	return &u
}
