package lifecycle

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/dbuilder/dbuilder/builder/labels"
)

// Owner identifies the process that owns a run. A checker in the same
// boot and PID namespace can tell at once whether that process still
// exists, without waiting for the daemon to notice a dropped connection.
type Owner struct {
	Boot  string // /proc/sys/kernel/random/boot_id
	PIDNS string // the PID namespace (/proc/self/ns/pid)
	PID   int
	Start uint64 // the process's start time in clock ticks since boot: PIDs are reused, start times are not
}

// Self returns this process's identity; fields it cannot read stay empty,
// which makes every check of it "unknown" (never "dead").
func Self() Owner {
	o := Owner{PID: os.Getpid()}
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		o.Boot = strings.TrimSpace(string(b))
	}
	if ns, err := os.Readlink("/proc/self/ns/pid"); err == nil {
		o.PIDNS = ns
	}
	o.Start, _ = startTime(o.PID)
	return o
}

// Labels adds o to a label set.
func (o Owner) Labels(m map[string]string) {
	m[labels.OwnerBoot], m[labels.OwnerPIDNS] = o.Boot, o.PIDNS
	m[labels.OwnerPID], m[labels.OwnerStart] = strconv.Itoa(o.PID), strconv.FormatUint(o.Start, 10)
}

// OwnerFrom reads an owner from labels.
func OwnerFrom(m map[string]string) Owner {
	pid, _ := strconv.Atoi(m[labels.OwnerPID])
	start, _ := strconv.ParseUint(m[labels.OwnerStart], 10, 64)
	return Owner{Boot: m[labels.OwnerBoot], PIDNS: m[labels.OwnerPIDNS], PID: pid, Start: start}
}

// SameNamespace reports whether o's process could be looked at from here.
func (o Owner) SameNamespace(self Owner) bool {
	return o.Boot != "" && o.PIDNS != "" && o.Boot == self.Boot && o.PIDNS == self.PIDNS && o.PID > 0 && o.Start > 0
}

// Exists reports whether o's process is still running: its PID exists and
// started at the same time (a reused PID starts later).
func (o Owner) Exists() bool {
	st, err := startTime(o.PID)
	return err == nil && st == o.Start
}

// startTime reads field 22 of /proc/PID/stat. The command name (field 2)
// may hold spaces and parentheses, so fields are counted after its last ')'.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("odd /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// After ')': field 3 (state) is f[0], so field 22 is f[19].
	if len(f) < 20 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}
