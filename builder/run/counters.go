package run

import (
	"fmt"
	"strconv"
	"strings"
)

// counters are the raw counter files that one line of the account scripts
// carried (account_script.go): file name -> text. A file that could not be
// read is not in the map; bare words ("missing") map to "".
type counters map[string]string

// parseCounters reads the NAME=TEXT words of one script line.
func parseCounters(line string) counters {
	c := counters{}
	for _, w := range strings.Fields(line) {
		k, v, _ := strings.Cut(w, "=")
		if v == "absent" {
			continue
		}
		c[k] = strings.NewReplacer(";", "\n", ",", " ").Replace(v)
	}
	return c
}

// file returns a counter file's text, or why there is none.
func (c counters) file(name string) (string, error) {
	s, ok := c[name]
	if !ok {
		return "", fmt.Errorf("%s could not be read", name)
	}
	return s, nil
}

// number reads a file that holds one count (cpuacct.usage, memory.peak,
// memory.max_usage_in_bytes).
func (c counters) number(name string) (int64, error) {
	s, err := c.file(name)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s holds %q, not a count", name, s)
	}
	return n, nil
}

// parseCPUStat returns the usage of a cgroup v2 cpu.stat in nanoseconds.
func parseCPUStat(s string) (int64, error) {
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && f[0] == "usage_usec" {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil || n < 0 {
				break
			}
			return n * 1000, nil
		}
	}
	return 0, fmt.Errorf("cpu.stat has no usage_usec line")
}

// parseIOStat sums rbytes and wbytes over the devices of a cgroup v2
// io.stat ("MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N").
// An empty io.stat is a true 0: the kernel lists only the devices the
// cgroup did I/O on.
func parseIOStat(s string) (read, written int64, err error) {
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		got := map[string]int64{}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				got[k] = n
			}
		}
		r, rok := got["rbytes"]
		w, wok := got["wbytes"]
		if !strings.Contains(f[0], ":") || !rok || !wok {
			return 0, 0, fmt.Errorf("io.stat line %q has no device with rbytes and wbytes", l)
		}
		read, written = read+r, written+w
	}
	return read, written, nil
}

// parseBlkio sums the per-device Read and Write lines of cgroup v1
// blkio.throttle.io_service_bytes ("MAJ:MIN Read N", ..., "Total N").
func parseBlkio(s string) (read, written int64, err error) {
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 0, len(f) == 2 && f[0] == "Total":
		case len(f) == 3 && (f[1] == "Read" || f[1] == "Write"):
			n, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil || n < 0 {
				return 0, 0, fmt.Errorf("blkio line %q: not a count", l)
			}
			if f[1] == "Read" {
				read += n
			} else {
				written += n
			}
		case len(f) == 3:
		default:
			return 0, 0, fmt.Errorf("blkio line %q is not MAJ:MIN OP BYTES", l)
		}
	}
	return read, written, nil
}

// parseProcIO reads read_bytes and write_bytes of a /proc/PID/io.
func parseProcIO(s string) (read, written int64, err error) {
	got := map[string]int64{}
	for _, l := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
			got[k] = n
		}
	}
	r, rok := got["read_bytes"]
	w, wok := got["write_bytes"]
	if !rok || !wok {
		return 0, 0, fmt.Errorf("/proc/PID/io has no read_bytes and write_bytes (kernel without task I/O accounting)")
	}
	return r, w, nil
}
