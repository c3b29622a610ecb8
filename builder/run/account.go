package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

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
		f.ioErr, f.ioSource = err, report.IOCgroupV2
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
		f.ioErr, f.ioSource = err, report.IOCgroupV1
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
func buildUsage(marker string) report.Usage {
	c := parseCounters(marker)
	f := readCgroup(c)
	var u report.Usage
	setCPUMem(&u, f)
	s, err := c.file("proc.io")
	if err == nil {
		var r, w int64
		if r, w, err = parseProcIO(s); err == nil {
			u.SetIO(r, w, report.IOProcess)
			return u
		}
	}
	if f.ioErr != nil {
		u.NotAccountedFor("io", fmt.Errorf("%v; %v", err, f.ioErr))
		return u
	}
	u.SetIO(f.read, f.written, f.ioSource)
	return u
}

func setCPUMem(u *report.Usage, f cgroupFigures) {
	if f.cpuErr != nil {
		u.NotAccountedFor("cpu_seconds", f.cpuErr)
	} else {
		s := float64(f.cpuNS) / 1e9
		u.CPUSeconds = &s
	}
	if f.memErr != nil {
		u.NotAccountedFor("peak_memory_bytes", f.memErr)
	} else {
		m := f.mem
		u.PeakMemory = &m
	}
}

// daemonFigures turns daemonScript's output into a Usage: the sum over the
// daemon's cgroups. A figure missing in one of them is not accounted at
// all. Memory is the sum of the peaks, an upper bound of the joint peak.
func daemonFigures(out string) *report.Usage {
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
	var u report.Usage
	setCPUMem(&u, sum)
	if sum.ioErr != nil {
		u.NotAccountedFor("io", sum.ioErr)
	} else {
		u.SetIO(sum.read, sum.written, sum.ioSource)
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
func daemonUsage(ctx context.Context, r *runner, sc *sidecar.Sidecar, lock string) *report.Usage {
	var out bytes.Buffer
	script := strings.ReplaceAll(daemonScript, "LOCK", lock)
	code, err := r.eng.Exec(ctx, sc.ID, []string{"sh", "-c", script}, nil, &out)
	if err == nil && code != 0 {
		err = fmt.Errorf("the measuring script exited %d: %s", code, strings.TrimSpace(out.String()))
	}
	if err != nil {
		// Not measured is said, never shown as nothing (or 0).
		var u report.Usage
		for _, fig := range []string{"cpu_seconds", "peak_memory_bytes", "io"} {
			u.NotAccountedFor(fig, err)
		}
		return &u
	}
	return daemonFigures(out.String())
}
