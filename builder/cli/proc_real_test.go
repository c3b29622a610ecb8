package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// These tests run the real dbuilder binary against the real daemon, as a
// user would, to check what survives signals and crashes.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds dbuilder once per test process.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dbuilder-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "dbuilder")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/dbuilder").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// writeExampleMatrix writes a matrix for the example package with the given name
// (which names its cache volumes) and body lines after the source line.
func writeExampleMatrix(t *testing.T, name, body string) string {
	t.Helper()
	src, err := filepath.Abs("../../testdata/hellodb")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "matrix.yaml")
	text := fmt.Sprintf("name: %s\nversion: 1.0.0\nsource: %s\n%s", name, src, body)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const dockerBody = `matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  preload: [dbuilder-example/mariadb:10.11]
  command: make check
`

// proc is a running dbuilder whose output is watched line by line.
type proc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	seen  chan string
	done  chan error
	run   string
}

var runLine = regexp.MustCompile(`dbuilder: run (\w+):`)

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	return startIn(t, "", args...)
}

// startIn starts dbuilder in dir ("" stays put) with PWD set as a shell's
// cd sets it, so a dir reached through a link is seen as the user sees it.
func startIn(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	// Plain prefixed lines, even when the tests themselves run in GitLab CI.
	cmd.Env = append(os.Environ(), "DBUILDER_TEST=1", "GITLAB_CI=")
	if dir != "" {
		cmd.Dir = dir
		cmd.Env = append(cmd.Env, "PWD="+dir)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, seen: make(chan string, 1000), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, l)
			if m := runLine.FindStringSubmatch(l); m != nil {
				p.run = m[1]
			}
			p.mu.Unlock()
			select {
			case p.seen <- l:
			default:
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return p
}

// waitFor waits until a line containing s appears; false if the process
// ended first or the time ran out.
func (p *proc) waitFor(s string, d time.Duration) bool {
	deadline := time.After(d)
	for {
		select {
		case l := <-p.seen:
			if strings.Contains(l, s) {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// wait returns the exit code.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err == nil {
			return 0
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		t.Fatal(err)
	case <-time.After(d):
		t.Fatalf("dbuilder did not exit within %s\n%s", d, p.output())
	}
	return -1
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

func (p *proc) runID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.run
}

// dropCaches removes the kept volumes (caches, ccaches, work trees) of
// matrix name when the test ends: they outlive runs on purpose, but a
// test's should not.
func dropCaches(t *testing.T, eng engine.Engine, name string) {
	t.Cleanup(func() {
		vs, _ := eng.VolumeList(context.Background(), map[string]string{labels.Matrix: name})
		for _, v := range vs {
			if labels.Kept(v.Labels[labels.Role]) {
				eng.VolumeRemove(context.Background(), v.Name)
			}
		}
	})
}

func needImages(t *testing.T, eng engine.Engine) {
	for _, img := range []string{"debian:bookworm", "dbuilder-example/mariadb:10.11"} {
		dockertest.Image(t, eng, img)
	}
}

// TestInterruptReal sends SIGINT during each phase of a real build; after
// each, nothing of that run may remain and the exit code must be 130.
func TestInterruptReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropCaches(t, eng, "intr")
	// Warm the builder image first, so the later phases are reached quickly.
	warm := writeExampleMatrix(t, "intr", dockerBody)
	p := start(t, "build", "-f", warm, "--output", t.TempDir())
	if code := p.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("warm-up build failed (%d):\n%s", code, p.output())
	}
	phases := []struct{ name, marker, body string }{
		// A dependency no image has yet forces a fresh builder image build.
		{"image-build", "building builder image", strings.Replace(dockerBody, "pkg-config]", fmt.Sprintf("pkg-config, dbuilder-intr-%d]", time.Now().UnixNano()), 1)},
		{"sidecar-start", "starting sidecar", dockerBody},
		{"preload", "preloading", dockerBody},
		{"package-build", "dbuilder: step build", dockerBody},
		{"test-run", "check: starting", dockerBody},
		{"copy-out", "dbuilder: step done", dockerBody},
	}
	tried, left := 0, 0
	for _, ph := range phases {
		t.Run("debian/bookworm/"+ph.name, func(t *testing.T) {
			out := t.TempDir()
			p := start(t, "build", "-f", writeExampleMatrix(t, "intr", ph.body), "--output", out)
			if !p.waitFor(ph.marker, 5*time.Minute) {
				t.Fatalf("never reached %q:\n%s", ph.marker, p.output())
			}
			p.cmd.Process.Signal(syscall.SIGINT)
			code := p.wait(t, 3*time.Minute)
			tried++
			run := p.runID()
			if run == "" {
				t.Fatalf("no run id in output:\n%s", p.output())
			}
			if code != 130 && !(ph.name == "copy-out" && code == 0) {
				t.Errorf("exit code %d, want 130\n%s", code, p.output())
			}
			before := countLeft(t, eng, run)
			left += before
			dockertest.AssertClean(t, eng, run)
			// No half-written packages: only the failed attempt's log may be there.
			entries, _ := os.ReadDir(filepath.Join(out, "debian-bookworm"))
			for _, e := range entries {
				if e.Name() != "failed.log" && code != 0 {
					t.Errorf("interrupted target left %s", e.Name())
				}
			}
			if _, err := os.Stat(filepath.Join(out, ".dbuilder")); err == nil {
				t.Errorf("staging directory left in %s", out)
			}
		})
	}
	t.Logf("interrupts tried: %d, resources left: %d", tried, left)
}

func countLeft(t *testing.T, eng engine.Engine, run string) int {
	cs, _ := eng.ContainerList(context.Background(), map[string]string{"io.dbuilder.run": run})
	vs, _ := eng.VolumeList(context.Background(), map[string]string{"io.dbuilder.run": run})
	return len(cs) + len(vs)
}
