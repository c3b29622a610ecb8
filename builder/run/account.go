package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// Usage is one part's figures. A nil figure was not accounted (never a
// false 0), and NotAccounted says why.
type Usage struct {
	CPUSeconds   *float64 `json:"cpu_seconds"`
	PeakMemory   *int64   `json:"peak_memory_bytes"`
	ReadBytes    *int64   `json:"read_bytes"`
	WrittenBytes *int64   `json:"written_bytes"`
	// IOSource is where ReadBytes and WrittenBytes come from (IOProcess,
	// IOCgroupV2, IOCgroupV1) and IOCounts says in words what they count.
	IOSource string `json:"io_source,omitempty"`
	IOCounts string `json:"io_counts,omitempty"`
	// NotAccounted maps a figure left out ("cpu_seconds",
	// "peak_memory_bytes", "io") to the reason.
	NotAccounted map[string]string `json:"not_accounted,omitempty"`
}

// Where I/O figures come from.
const (
	IOProcess  = "process"
	IOCgroupV2 = "cgroup-v2"
	IOCgroupV1 = "cgroup-v1"
)

// ioCounts is what each source counts. The build's figures count what was
// written when it was written; a v2 cgroup's count what reached the disk.
var ioCounts = map[string]string{
	IOProcess:  "bytes the build's processes read from storage and wrote, counted when written, buffered writes included (/proc/PID/io of run.sh and every child it waited for)",
	IOCgroupV2: "bytes that reached the block devices (cgroup v2 io.stat, summed over devices): buffered writes count only once written back, so writes still in the page cache at the end are missing",
	IOCgroupV1: "reads and direct writes that reached the block devices (cgroup v1 blkio): buffered writes are written back outside the cgroup and are missing",
}

func (u *Usage) notAccounted(figure string, err error) {
	if u.NotAccounted == nil {
		u.NotAccounted = map[string]string{}
	}
	u.NotAccounted[figure] = err.Error()
}

func (u *Usage) setIO(r, w int64, source string) {
	u.ReadBytes, u.WrittenBytes, u.IOSource, u.IOCounts = &r, &w, source, ioCounts[source]
}

// cgroupFigures is what one cgroup's counters say; an error says why a
// figure is missing.
type cgroupFigures struct {
	cpuNS, mem, read, written int64
	cpuErr, memErr, ioErr     error
	ioSource                  string
}

func readCgroup(c counters) cgroupFigures {
	var f cgroupFigures
	switch c["cgroup"] {
	case "v2":
		s, err := c.file("cpu.stat")
		if err == nil {
			f.cpuNS, err = parseCPUStat(s)
		}
		f.cpuErr = err
		f.mem, f.memErr = c.number("memory.peak")
		if s, err = c.file("io.stat"); err == nil {
			f.read, f.written, err = parseIOStat(s)
		}
		f.ioErr, f.ioSource = err, IOCgroupV2
	case "v1":
		f.cpuNS, f.cpuErr = c.number("cpuacct.usage")
		f.mem, f.memErr = c.number("memory.max_usage_in_bytes")
		s, err := c.file("blkio.throttle.io_service_bytes")
		if err == nil {
			f.read, f.written, err = parseBlkio(s)
		}
		if err == nil && f.read+f.written == 0 {
			// Many kernels count here only for throttled devices.
			err = errors.New("cgroup v1 blkio counted no bytes, which on most hosts means it does not count, not that nothing was read or written")
		}
		f.ioErr, f.ioSource = err, IOCgroupV1
	default:
		err := errors.New("no cgroup counters were found")
		f.cpuErr, f.memErr, f.ioErr = err, err, err
	}
	return f
}

// buildUsage turns the build container's resource marker into a Usage.
// Its I/O comes from the run script's process accounting, which counts
// buffered writes when they are made; the cgroup's only where that is
// unreadable.
func buildUsage(marker string) Usage {
	c := parseCounters(marker)
	f := readCgroup(c)
	var u Usage
	u.setCPUMem(f)
	s, err := c.file("proc.io")
	if err == nil {
		var r, w int64
		if r, w, err = parseProcIO(s); err == nil {
			u.setIO(r, w, IOProcess)
			return u
		}
	}
	if f.ioErr != nil {
		u.notAccounted("io", fmt.Errorf("%v; %v", err, f.ioErr))
		return u
	}
	u.setIO(f.read, f.written, f.ioSource)
	return u
}

func (u *Usage) setCPUMem(f cgroupFigures) {
	if f.cpuErr != nil {
		u.notAccounted("cpu_seconds", f.cpuErr)
	} else {
		s := float64(f.cpuNS) / 1e9
		u.CPUSeconds = &s
	}
	if f.memErr != nil {
		u.notAccounted("peak_memory_bytes", f.memErr)
	} else {
		m := f.mem
		u.PeakMemory = &m
	}
}

// daemonFigures turns daemonScript's output into a Usage: the sum over the
// daemon's cgroups. A figure missing in one of them is not accounted at
// all. Memory is the sum of the peaks, an upper bound of the joint peak.
func daemonFigures(out string) *Usage {
	var sum cgroupFigures
	seen := false
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		c := parseCounters(line)
		part, ok := c["part"]
		if !ok {
			continue
		}
		if _, missing := c["missing"]; missing {
			if part != "tests" {
				err := errors.New("the sidecar's cgroup was not found")
				sum.cpuErr, sum.memErr, sum.ioErr = err, err, err
			}
			continue // no test container ever ran: nothing to add
		}
		seen = true
		f := readCgroup(c)
		sum.cpuNS, sum.cpuErr = sum.cpuNS+f.cpuNS, firstErr(sum.cpuErr, part, f.cpuErr)
		sum.mem, sum.memErr = sum.mem+f.mem, firstErr(sum.memErr, part, f.memErr)
		sum.read, sum.written, sum.ioErr = sum.read+f.read, sum.written+f.written, firstErr(sum.ioErr, part, f.ioErr)
		sum.ioSource = f.ioSource
	}
	if !seen && sum.cpuErr == nil {
		return nil
	}
	var u Usage
	u.setCPUMem(sum)
	if sum.ioErr != nil {
		u.notAccounted("io", sum.ioErr)
	} else {
		u.setIO(sum.read, sum.written, sum.ioSource)
	}
	return &u
}

func firstErr(prev error, part string, err error) error {
	if prev != nil || err == nil {
		return prev
	}
	return fmt.Errorf("%s cgroup: %w", part, err)
}

// daemonUsage measures the target's daemon before it is torn down.
func daemonUsage(ctx context.Context, r *runner, sc *sidecar.Sidecar, lock string) *Usage {
	var out bytes.Buffer
	script := strings.ReplaceAll(daemonScript, "LOCK", lock)
	if code, err := r.eng.Exec(ctx, sc.ID, []string{"sh", "-c", script}, nil, &out); err != nil || code != 0 {
		return nil
	}
	return daemonFigures(out.String())
}

// ioLegend says, under the summary's table, what each I/O source shown counts.
func ioLegend(w io.Writer, results []Result) {
	used := map[string]bool{}
	for _, r := range results {
		if r.Resources == nil {
			continue
		}
		used[r.Resources.Build.IOSource] = true
		if d := r.Resources.Daemon; d != nil {
			used[d.IOSource] = true
		}
	}
	for _, s := range []string{IOProcess, IOCgroupV2, IOCgroupV1} {
		if used[s] {
			fmt.Fprintf(w, "  I/O (%s): %s\n", s, ioCounts[s])
		}
	}
}
