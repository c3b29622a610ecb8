package cli

import (
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// boardMatrix builds the example twice on bookworm (no Docker daemon for
// its tests, to stay quick): one variant passes, one fails its test. Both
// write a JUnit report of their own that test.reports collects.
const boardMatrix = `name: hellodb-board
version: 1.0.0
source: %s
matrix:
  distro: [debian:bookworm]
  variant: [pass, fail]
test:
  reports: [out/*.xml]
  command: |
    mkdir -p out
    ./hellodb --version
    echo '<testsuite name="own"><testcase name="version" classname="hellodb"/></testsuite>' >out/own.xml
overrides:
  - match: {variant: fail}
    test:
      command: |
        mkdir -p out
        echo '<testsuite name="own"><testcase name="version" classname="hellodb"/><testcase name="queries" classname="hellodb"><failure message="no rows">expected 1 row, got 0</failure></testcase></testsuite>' >out/own.xml
        echo "about to fail: the queries test failed"
        exit 3
`

// TestTTYBoardReal runs dbuilder in a real terminal (a tmux pane): with
// --progress auto on a terminal it draws the live board, one line per
// target, redrawn in place, so each target's final line is in the pane's
// whole history exactly once and no earlier state of it is; the summary
// follows. The same run's junit.xml is checked against the JUnit schema:
// the failed test is a failed testcase with its last log lines, and the
// package's own report is merged in.
func TestTTYBoardReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	tmux := tool(t, "tmux", "tmux")
	dropVolumes(t, eng, "hellodb-board")
	src, _ := filepath.Abs("../../testdata/hellodb")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "matrix.yaml"), []byte(fmt.Sprintf(boardMatrix, src)), 0o644)
	bin := binary(t)

	session := "dbuilder-board-" + dockertest.RunID(t)
	script := fmt.Sprintf("cd %s && %s build -f matrix.yaml --output out -j 2; echo dbuilder-exit=$?; sleep 3600", dir, bin)
	if out, err := exec.Command(tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "50", script).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(tmux, "kill-session", "-t", session).Run() })
	capture := func(all bool) string {
		args := []string{"capture-pane", "-p", "-J", "-t", session}
		if all {
			args = append(args, "-S", "-")
		}
		out, err := exec.Command(tmux, args...).Output()
		if err != nil {
			t.Fatalf("tmux capture-pane: %v", err)
		}
		return string(out)
	}
	running := regexp.MustCompile(`(?m)^debian-bookworm-(pass|fail)\s+(image|build|test|collect)\s+\d`)
	sawRunning := ""
	deadline := time.Now().Add(10 * time.Minute)
	for !strings.Contains(capture(false), "dbuilder-exit=") {
		if time.Now().After(deadline) {
			t.Fatalf("dbuilder did not finish:\n%s", capture(true))
		}
		if m := running.FindString(capture(false)); m != "" && sawRunning == "" {
			sawRunning = m
		}
		time.Sleep(100 * time.Millisecond)
	}
	screen := capture(true)
	t.Logf("the pane's whole history:\n%s", screen)
	if sawRunning != "" {
		t.Logf("a row while running: %q", sawRunning)
	}

	t.Run("debian/bookworm/tty-board", func(t *testing.T) {
		if !strings.Contains(screen, "dbuilder-exit=1") {
			t.Errorf("exit code is not 1 (one target failed)")
		}
		lines := strings.Split(screen, "\n")
		index := func(re string) []int {
			var at []int
			r := regexp.MustCompile(re)
			for i, l := range lines {
				if r.MatchString(strings.TrimRight(l, " ")) {
					at = append(at, i)
				}
			}
			return at
		}
		runLine := index(`^dbuilder: run \w+: 2 target\(s\) to build`)
		pass := index(`^debian-bookworm-pass\s+ok\s+[0-9.]+s$`)
		fail := index(`^debian-bookworm-fail\s+FAILED \(test\)\s+[0-9.]+s\s+about to fail: the queries test failed$`)
		stale := index(`^debian-bookworm-(pass|fail)\s+(waiting|starting|image|build|test|collect)(\s|$)`)
		summary := index(`^TARGET\s+ARCH\s+RESULT\s+DURATION`)
		if len(runLine) != 1 || len(pass) != 1 || len(fail) != 1 || len(summary) != 1 {
			t.Fatalf("want the run line, each target's final row and the summary once each: run %v, pass %v, fail %v, summary %v", runLine, pass, fail, summary)
		}
		if len(stale) != 0 {
			t.Errorf("rows of earlier states left in the history (not redrawn in place): lines %v", stale)
		}
		if !(runLine[0] < pass[0] && pass[0]+1 == fail[0] && fail[0] < summary[0]) {
			t.Errorf("order: run line %d, board %d/%d, summary %d", runLine[0], pass[0], fail[0], summary[0])
		}
		if strings.Contains(screen, "[debian-bookworm-pass]") {
			t.Error("prefixed log lines on the terminal: the full logs belong in build.log")
		}
	})

	t.Run("debian/bookworm/junit", func(t *testing.T) {
		path := filepath.Join(dir, "out", "junit.xml")
		validateJUnit(t, path)
		b, _ := os.ReadFile(path)
		var doc struct {
			Suites []struct {
				Name     string `xml:"name,attr"`
				Failures int    `xml:"failures,attr"`
				Cases    []struct {
					Name    string `xml:"name,attr"`
					Failure []struct {
						Text string `xml:",chardata"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil || len(doc.Suites) != 2 {
			t.Fatalf("junit.xml: %v\n%s", err, b)
		}
		failed := map[string]string{}
		for _, c := range doc.Suites[1].Cases {
			if len(c.Failure) > 0 {
				failed[c.Name] = c.Failure[0].Text
			}
		}
		if !strings.Contains(failed["test"], "about to fail: the queries test failed") || failed["queries"] != "expected 1 row, got 0" || len(failed) != 2 {
			t.Errorf("failed cases of %s: %q", doc.Suites[1].Name, failed)
		}
		if doc.Suites[0].Failures != 0 || len(doc.Suites[0].Cases) != 7 { // image, build, test, collect, install (the step and the package test), version
			t.Errorf("passing suite: %+v", doc.Suites[0])
		}
		for _, f := range []string{"debian-bookworm-pass/reports/out/own.xml", "debian-bookworm-fail/failed-reports/out/own.xml"} {
			if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
				t.Error(err)
			}
		}
	})
}
