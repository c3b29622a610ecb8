package run

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/internal/testreq"
)

// ns is a figure's CPU time in whole nanoseconds, -1 if not accounted.
func ns(s *float64) int64 {
	if s == nil {
		return -1
	}
	return int64(math.Round(*s * 1e9))
}

func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cgroup", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCounterParsers reads the real and kernel-format samples of
// testdata/cgroup (see its SOURCES) and malformed ones.
func TestCounterParsers(t *testing.T) {
	one := func(name string) (int64, error) {
		return counters{"f": sample(t, name)}.number("f")
	}
	for _, c := range []struct {
		name string
		got  func() (int64, int64, error)
		r, w int64
	}{
		{"v1/cpuacct.usage", func() (int64, int64, error) { n, err := one("v1/cpuacct.usage"); return n, 0, err }, 106256004, 0},
		{"v1/memory.max_usage_in_bytes", func() (int64, int64, error) { n, err := one("v1/memory.max_usage_in_bytes"); return n, 0, err }, 15249408, 0},
		{"v1/blkio (this host: Total 0)", func() (int64, int64, error) { return parseBlkio(sample(t, "v1/blkio.throttle.io_service_bytes")) }, 0, 0},
		{"v1dev/blkio", func() (int64, int64, error) { return parseBlkio(sample(t, "v1dev/blkio.throttle.io_service_bytes")) }, 1765376 + 4096, 67108864},
		{"v1/proc-io", func() (int64, int64, error) { return parseProcIO(sample(t, "v1/proc-io")) }, 8388608, 12603392},
		{"v2/cpu.stat", func() (int64, int64, error) { n, err := parseCPUStat(sample(t, "v2/cpu.stat")); return n, 0, err }, 185477000, 0},
		{"v2/memory.peak", func() (int64, int64, error) { n, err := one("v2/memory.peak"); return n, 0, err }, 268435456, 0},
		{"v2/io.stat", func() (int64, int64, error) { return parseIOStat(sample(t, "v2/io.stat")) }, 1459200 + 90112 + 4096, 314773504 + 67108864},
		{"v2 empty io.stat (no I/O)", func() (int64, int64, error) { return parseIOStat("") }, 0, 0},
	} {
		r, w, err := c.got()
		if err != nil || r != c.r || w != c.w {
			t.Errorf("%s: %d, %d, %v; want %d, %d", c.name, r, w, err, c.r, c.w)
		}
	}
	for name, bad := range map[string]func() error{
		"absent":           func() error { _, err := counters{}.number("memory.peak"); return err },
		"empty count":      func() error { _, err := counters{"m": ""}.number("m"); return err },
		"negative count":   func() error { _, err := counters{"m": "-1\n"}.number("m"); return err },
		"cpu.stat no usec": func() error { _, err := parseCPUStat("user_usec 1\n"); return err },
		"io.stat no bytes": func() error { _, _, err := parseIOStat("8:0 rios=1 wios=2\n"); return err },
		"io.stat garbage":  func() error { _, _, err := parseIOStat("rbytes=1 wbytes=2\n"); return err },
		"blkio garbage":    func() error { _, _, err := parseBlkio("8:0 Read many\n"); return err },
		"proc io empty":    func() error { _, _, err := parseProcIO("rchar: 5\n"); return err },
	} {
		if bad() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// cgroupTree lays out a fake /sys/fs/cgroup (and /proc files) under a
// temp dir from samples: files maps a path under it to a sample name.
func cgroupTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, s := range files {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		text := s
		if !strings.HasPrefix(s, "=") {
			text = sample(t, s)
		} else {
			text = s[1:]
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// runAccount runs run.sh's EXIT trap on a fake tree and returns its marker.
func runAccount(t *testing.T, root string) string {
	t.Helper()
	s := strings.NewReplacer("cg=/sys/fs/cgroup", "cg="+root+"/cg", "pio=/proc/$$/io", "pio="+root+"/proc-io").Replace(accountScript)
	out, err := exec.Command("sh", "-c", `mark() { echo "##[t] $*"; }`+"\n"+s+"exit 3\n").Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("the trap changed the exit code: %v", err)
	}
	m, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "##[t] resources ")
	if !ok {
		t.Fatalf("no resources marker: %q", out)
	}
	return m
}

// runDaemon runs the sidecar's script on a fake tree.
func runDaemon(t *testing.T, root string) *report.Usage {
	t.Helper()
	s := strings.NewReplacer("cg=/sys/fs/cgroup", "cg="+root+"/cg", "/proc/1/cgroup", root+"/proc-1-cgroup", "LOCK", "lk").Replace(daemonScript)
	out, err := exec.Command("sh", "-c", s).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return daemonFigures(string(out))
}

// TestAccountScripts runs the scripts that copy the counters out of the
// containers on fake cgroup trees made of the samples: every figure comes
// through, and a counter that is missing is "not accounted", never 0.
func TestAccountScripts(t *testing.T) {
	v1 := map[string]string{
		"cg/cpuacct/cpuacct.usage":                 "v1/cpuacct.usage",
		"cg/memory/memory.max_usage_in_bytes":      "v1/memory.max_usage_in_bytes",
		"cg/blkio/blkio.throttle.io_service_bytes": "v1/blkio.throttle.io_service_bytes",
		"proc-io": "v1/proc-io",
	}
	t.Run("build/v1", func(t *testing.T) {
		u := buildUsage(runAccount(t, cgroupTree(t, v1)))
		if ns(u.CPUSeconds) != 106256004 || u.PeakMemory == nil || *u.PeakMemory != 15249408 {
			t.Errorf("cpu/mem %+v", u)
		}
		if u.IOSource != report.IOProcess || *u.ReadBytes != 8388608 || *u.WrittenBytes != 12603392 || u.IOCounts == "" {
			t.Errorf("io %+v", u)
		}
	})
	v2 := map[string]string{"cg/cpu.stat": "v2/cpu.stat", "cg/memory.peak": "v2/memory.peak", "cg/io.stat": "v2/io.stat"}
	t.Run("build/v2 without /proc/PID/io", func(t *testing.T) {
		u := buildUsage(runAccount(t, cgroupTree(t, v2)))
		if ns(u.CPUSeconds) != 185477000 || *u.PeakMemory != 268435456 {
			t.Errorf("cpu/mem %+v", u)
		}
		if u.IOSource != report.IOCgroupV2 || *u.ReadBytes != 1553408 || *u.WrittenBytes != 381882368 || !strings.Contains(u.IOCounts, "written back") {
			t.Errorf("io %+v", u)
		}
	})
	t.Run("build/v2 missing memory.peak", func(t *testing.T) {
		u := buildUsage(runAccount(t, cgroupTree(t, map[string]string{"cg/cpu.stat": "v2/cpu.stat"})))
		if u.PeakMemory != nil || !strings.Contains(u.NotAccounted["peak_memory_bytes"], "memory.peak could not be read") {
			t.Errorf("peak memory %v, reasons %v", u.PeakMemory, u.NotAccounted)
		}
		if u.ReadBytes != nil || u.WrittenBytes != nil || u.NotAccounted["io"] == "" {
			t.Errorf("io %+v", u)
		}
	})
	// The sidecar's own cgroup (from /proc/1/cgroup) and its tests'.
	own := "/docker/9f231e4c6e116375485e6444d2a01ec2c96154038aaa58c54e42bca9f233ee48"
	t.Run("daemon/v1", func(t *testing.T) {
		tree := map[string]string{"proc-1-cgroup": "v1/proc-1-cgroup"}
		for _, d := range []string{own, "/dbuilder/lk"} {
			tree["cg/cpuacct"+d+"/cpuacct.usage"] = "v1/cpuacct.usage"
			tree["cg/memory"+d+"/memory.max_usage_in_bytes"] = "v1/memory.max_usage_in_bytes"
			tree["cg/blkio"+d+"/blkio.throttle.io_service_bytes"] = "v1/blkio.throttle.io_service_bytes"
		}
		u := runDaemon(t, cgroupTree(t, tree))
		if u == nil || ns(u.CPUSeconds) != 2*106256004 || *u.PeakMemory != 2*15249408 {
			t.Fatalf("%+v", u)
		}
		// This host's v1 blkio counts nothing: not a measured 0.
		if u.ReadBytes != nil || !strings.Contains(u.NotAccounted["io"], "counted no bytes") {
			t.Errorf("io %+v", u)
		}
	})
	t.Run("daemon/v2 no test container ran", func(t *testing.T) {
		u := runDaemon(t, cgroupTree(t, map[string]string{
			"proc-1-cgroup": "=0::/sc\n", "cg/cgroup.controllers": "=cpu io memory\n",
			"cg/sc/cpu.stat": "v2/cpu.stat", "cg/sc/memory.peak": "v2/memory.peak", "cg/sc/io.stat": "v2/io.stat",
		}))
		if u == nil || ns(u.CPUSeconds) != 185477000 || *u.PeakMemory != 268435456 || u.IOSource != report.IOCgroupV2 || *u.WrittenBytes != 381882368 {
			t.Fatalf("%+v", u)
		}
	})
	t.Run("daemon/v2 missing counters", func(t *testing.T) {
		u := runDaemon(t, cgroupTree(t, map[string]string{
			"proc-1-cgroup": "=0::/sc\n", "cg/cgroup.controllers": "=cpu io memory\n",
			"cg/sc/cpu.stat": "v2/cpu.stat", "cg/dbuilder/lk/cpu.stat": "v2/cpu.stat",
		}))
		if u == nil || ns(u.CPUSeconds) != 2*185477000 {
			t.Fatalf("%+v", u)
		}
		if u.PeakMemory != nil || !strings.Contains(u.NotAccounted["peak_memory_bytes"], "daemon cgroup: memory.peak could not be read") {
			t.Errorf("peak memory %v, reasons %v", u.PeakMemory, u.NotAccounted)
		}
		if u.ReadBytes != nil || u.WrittenBytes != nil || u.NotAccounted["io"] == "" {
			t.Errorf("io %+v", u)
		}
	})
	t.Run("daemon/cgroup not found", func(t *testing.T) {
		u := runDaemon(t, cgroupTree(t, map[string]string{"proc-1-cgroup": "=", "cg/cgroup.controllers": "=cpu\n"}))
		if u == nil || u.CPUSeconds != nil || u.PeakMemory != nil || u.ReadBytes != nil || len(u.NotAccounted) != 3 {
			t.Fatalf("%+v", u)
		}
	})
}

// TestNotAccountedShown: figures that were not accounted show as "-" or
// "not accounted" in the summary and as null with a reason in report.json.
func TestNotAccountedShown(t *testing.T) {
	u := buildUsage("cgroup=v2 cpu.stat=usage_usec,2000000; memory.peak=absent io.stat=absent proc.io=absent")
	res := []report.Result{{Target: "debian-bookworm", OK: true, Resources: &report.Resources{Build: u}}}
	var out bytes.Buffer
	report.Summary(&out, res)
	_, table, _ := strings.Cut(out.String(), "DAEMON READ/WRITTEN\n")
	line, _, _ := strings.Cut(table, "\n")
	if strings.Contains(line, "0 MiB") || !strings.Contains(line, "not accounted") || !strings.Contains(line, "2.0s") {
		t.Errorf("summary line: %q", line)
	}
	b, _ := json.Marshal(u)
	for _, want := range []string{`"peak_memory_bytes":null`, `"written_bytes":null`, `"not_accounted":{`, `memory.peak could not be read`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("report.json lacks %s: %s", want, b)
		}
	}
	// A measured figure names what it counts, in the summary too.
	w := buildUsage("cgroup=v1 cpuacct.usage=1; memory.max_usage_in_bytes=1; proc.io=read_bytes:,1;write_bytes:,2;")
	out.Reset()
	report.Summary(&out, []report.Result{{Target: "x", OK: true, Resources: &report.Resources{Build: w}}})
	if !strings.Contains(out.String(), "I/O (process): bytes the build's processes") {
		t.Errorf("no legend for the I/O source:\n%s", out.String())
	}
}

// TestAccountScriptsShellcheck: run.sh (with its EXIT trap) and the
// sidecar's script are clean for shellcheck, as POSIX sh.
func TestAccountScriptsShellcheck(t *testing.T) {
	shellcheck := testreq.Tool(t, "shellcheck", "shellcheck")
	dir := t.TempDir()
	run, daemon := filepath.Join(dir, "run.sh"), filepath.Join(dir, "daemon.sh")
	os.WriteFile(run, runScript("nonce", users{}), 0o644)
	os.WriteFile(daemon, []byte("#!/bin/sh\n"+strings.ReplaceAll(daemonScript, "LOCK", "lock")), 0o644)
	if out, err := exec.Command(shellcheck, "-s", "sh", run, daemon).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// TestDaemonNotMeasured: a daemon whose measuring exec fails shows every
// figure as not accounted, with the reason, never as no figures at all.
func TestDaemonNotMeasured(t *testing.T) {
	r := &runner{eng: newFake()}
	u := daemonUsage(context.Background(), r, &sidecar.Sidecar{ID: "gone"}, "lock")
	if u == nil {
		t.Fatal("no usage at all for a daemon that could not be measured")
	}
	for _, fig := range []string{"cpu_seconds", "peak_memory_bytes", "io"} {
		if u.NotAccounted[fig] == "" {
			t.Errorf("%s: no reason given: %+v", fig, u.NotAccounted)
		}
	}
	if u.CPUSeconds != nil || u.PeakMemory != nil || u.WrittenBytes != nil {
		t.Errorf("figures set for an unmeasured daemon: %+v", u)
	}
}
