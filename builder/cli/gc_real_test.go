package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
)

// TestKillAndGCReal: a build killed with SIGKILL leaves resources; gc
// removes all of them and leaves a concurrently running build alone.
func TestKillAndGCReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropCaches(t, eng, "gca")
	dropCaches(t, eng, "gcb")
	// A stays in its test step until it is killed; B runs a little longer
	// than the gc below takes.
	bodyA := strings.Replace(dockerBody, "command: make check", "command: make check && echo A-is-waiting && sleep 600", 1)
	bodyB := strings.Replace(dockerBody, "command: make check", "command: sleep 20 && make check", 1)
	outA := t.TempDir()
	a := start(t, "build", "-f", writeExampleMatrix(t, "gca", bodyA), "--output", outA)
	if !a.waitFor("A-is-waiting", 10*time.Minute) {
		t.Fatalf("build A never reached its test:\n%s", a.output())
	}
	b := start(t, "build", "-f", writeExampleMatrix(t, "gcb", bodyB), "--output", t.TempDir())
	if !b.waitFor("dbuilder: step build", 10*time.Minute) {
		t.Fatalf("build B never started building:\n%s", b.output())
	}
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.wait(t, time.Minute)
	runA, runB := a.runID(), b.runID()
	// Right away, as a CI after_script would: no waiting for the daemon to
	// notice the dropped connection (the anchor may well still run here).
	dry := start(t, "gc", "--dry-run")
	if code := dry.wait(t, time.Minute); code != 0 || !strings.Contains(dry.output(), "run "+runA) || strings.Contains(dry.output(), runB) {
		t.Fatalf("gc --dry-run right after SIGKILL (exit %d) should list run %s only:\n%s", code, runA, dry.output())
	}
	if n := countLeft(t, eng, runA); n == 0 {
		t.Fatal("--dry-run removed something, or the killed run left nothing (then the test proves nothing)")
	}
	if st, _ := filepath.Glob(filepath.Join(outA, ".dbuilder", "staging", runA)); len(st) != 1 {
		t.Fatalf("the killed run should have left its staging directory: %v", st)
	}
	if lifecycle.NewLiveness(eng).State(context.Background(), runB) != lifecycle.Alive {
		t.Fatal("the running build does not look alive")
	}
	gc := start(t, "gc", "--output", outA)
	if code := gc.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("gc exit %d:\n%s", code, gc.output())
	}
	t.Logf("gc:\n%s", gc.output())
	dockertest.AssertClean(t, eng, runA)
	if _, err := os.Stat(filepath.Join(outA, ".dbuilder")); err == nil {
		t.Errorf("gc left the staging directory in %s", outA)
	}

	if code := b.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("the concurrent build was disturbed (exit %d):\n%s", code, b.output())
	}
	dockertest.AssertClean(t, eng, runB)
}

// TestConcurrentSameTargetReal: two builds of the same target share one
// cache volume one after the other, never two daemons on it at once.
func TestConcurrentSameTargetReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropCaches(t, eng, "conc")
	m := writeExampleMatrix(t, "conc", dockerBody)
	p1 := start(t, "build", "-f", m, "--output", t.TempDir())
	p2 := start(t, "build", "-f", m, "--output", t.TempDir())
	c1, c2 := p1.wait(t, 15*time.Minute), p2.wait(t, 15*time.Minute)
	if c1 != 0 || c2 != 0 {
		t.Fatalf("exit codes %d %d\n--- first:\n%s\n--- second:\n%s", c1, c2, p1.output(), p2.output())
	}
	waited := strings.Contains(p1.output(), "is in use by run") || strings.Contains(p2.output(), "is in use by run")
	if !waited {
		t.Error("neither build waited for the cache volume: were they really concurrent?")
	}
	p3 := start(t, "build", "-f", m, "--output", t.TempDir())
	if c := p3.wait(t, 10*time.Minute); c != 0 || !strings.Contains(p3.output(), "1 already there") {
		t.Fatalf("third build on the shared cache (exit %d) should find the preload there:\n%s", c, p3.output())
	}
	for _, p := range []*proc{p1, p2, p3} {
		dockertest.AssertClean(t, eng, p.runID())
	}

	// cache ls shows the shared volume; prune keeps what is recent and
	// removes what the selector names.
	vol := ident.ForTarget("conc", "debian-bookworm").Cache
	ls := start(t, "cache", "ls")
	if c := ls.wait(t, time.Minute); c != 0 || !strings.Contains(ls.output(), vol) || !strings.Contains(ls.output(), "MiB") {
		t.Fatalf("cache ls (exit %d) lacks %s with a size:\n%s", c, vol, ls.output())
	}
	keep := start(t, "cache", "prune", "--older-than", "24h")
	if c := keep.wait(t, time.Minute); c != 0 || strings.Contains(keep.output(), "removed "+vol) {
		t.Fatalf("prune --older-than 24h (exit %d) removed a cache used just now:\n%s", c, keep.output())
	}
	prune := start(t, "cache", "prune", "-f", m, "--distro", "debian:bookworm")
	if c := prune.wait(t, time.Minute); c != 0 || !strings.Contains(prune.output(), "removed "+vol) {
		t.Fatalf("prune --distro (exit %d) did not remove %s:\n%s", c, vol, prune.output())
	}
}

// TestTimeoutReal: a test that never returns is stopped by the target's
// matrix timeout (an override's, over the top level's), the run ends with
// exit 1, names the step and the limit with the log tail, and leaves
// nothing of the run behind: containers, volumes, networks.
func TestTimeoutReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropCaches(t, eng, "tmo")
	// Warm the builder image and the cache volume, so the timed run gets
	// to its test well within its limit.
	warm := start(t, "build", "-f", writeExampleMatrix(t, "tmo", dockerBody), "--output", t.TempDir())
	if code := warm.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("warm-up build: exit %d\n%s", code, warm.output())
	}
	body := strings.Replace(dockerBody, "command: make check", "command: echo reached-the-test; sleep 600", 1) +
		"timeout: 10m\noverrides:\n  - match: {distro: \"debian:*\"}\n    timeout: 40s\n"
	p := start(t, "build", "-f", writeExampleMatrix(t, "tmo", body), "--output", t.TempDir())
	code := p.wait(t, 5*time.Minute) // bounded: the sleep alone is 10 minutes
	out := p.output()
	const msg = "target debian-bookworm: timed out in step test after 40s"
	if code != 1 || !strings.Contains(out, msg) {
		t.Fatalf("exit %d, want 1 with a timeout message:\n%s", code, out)
	}
	if tail := out[strings.Index(out, msg):]; !strings.Contains(tail, "last log lines:") || !strings.Contains(tail, "reached-the-test") {
		t.Errorf("the failure lacks the log tail:\n%s", out)
	}
	dockertest.AssertClean(t, eng, p.runID())
	for _, kind := range []string{"container", "volume", "network"} {
		args := []string{kind, "ls", "-q", "--filter", "label=" + labels.Run + "=" + p.runID()}
		if kind == "container" {
			args = []string{"ps", "-aq", "--filter", "label=" + labels.Run + "=" + p.runID()}
		}
		left, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(left))) > 0 {
			t.Errorf("docker %v: %v %s", args, err, left)
		}
	}
}

// TestSidecarKilledReal: a sidecar killed from outside fails its target with
// the sidecar's log; the other target still passes (--keep-going).
func TestSidecarKilledReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dockertest.Image(t, eng, "debian:trixie")
	dropCaches(t, eng, "killsc")
	body := strings.Replace(dockerBody, "[debian:bookworm]", "[debian:bookworm, debian:trixie]", 1)
	p := start(t, "build", "-f", writeExampleMatrix(t, "killsc", body), "--output", t.TempDir(), "-j", "2")
	if !p.waitFor("[debian-bookworm] dbuilder: step test", 15*time.Minute) {
		t.Fatalf("never reached the test step:\n%s", p.output())
	}
	if err := eng.ContainerStop(context.Background(), ident.ForTarget("killsc", "debian-bookworm").Lock, 0); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t, 10*time.Minute)
	out := p.output()
	if code != 1 {
		t.Fatalf("exit code %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"debian-bookworm failed", "sidecar daemon died", "sidecar log"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !summaryRow.MatchString(out) || summaryResult(out, "debian-trixie") != "ok" {
		t.Errorf("debian-trixie did not pass:\n%s", out)
	}
	if t.Failed() {
		t.Log(out)
	}
	dockertest.AssertClean(t, eng, p.runID())
}

// TestFailFastReal: with --fail-fast the first failure stops the rest; the
// failed target keeps its log, the stopped one is reported as cancelled.
func TestFailFastReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropCaches(t, eng, "ffast")
	dockertest.Image(t, eng, "debian:trixie")
	body := `matrix:
  distro: [debian:bookworm, debian:trixie]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  command: echo failing on purpose; exit 3
`
	out := t.TempDir()
	p := start(t, "build", "-f", writeExampleMatrix(t, "ffast", body), "--output", out, "-j", "1", "--fail-fast")
	code := p.wait(t, 10*time.Minute)
	o := p.output()
	if code != 1 || !strings.Contains(o, `debian-bookworm failed in step "test"`) || !strings.Contains(o, "failing on purpose") {
		t.Fatalf("exit %d, want 1 with bookworm failing in its test:\n%s", code, o)
	}
	if summaryResult(o, "debian-trixie") != "cancelled" {
		t.Errorf("trixie should have been cancelled:\n%s", o)
	}
	if entries, _ := filepath.Glob(filepath.Join(out, "debian-bookworm", "*")); len(entries) != 1 || filepath.Base(entries[0]) != "failed.log" {
		t.Errorf("failed target's directory should hold only failed.log: %v", entries)
	}
	dockertest.AssertClean(t, eng, p.runID())
}

var summaryRow = regexp.MustCompile(`(?m)^(\S+)\s+(\S+(?: \(emulated\))?)\s+(ok|cached|cancelled|FAILED(?: \(\w+\))?)\s`)

// summaryResult is a target's RESULT in the summary table.
func summaryResult(out, target string) string {
	for _, m := range summaryRow.FindAllStringSubmatch(out, -1) {
		if m[1] == target {
			return m[3]
		}
	}
	return ""
}
