package progress

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// golden compares got with testdata/golden/name byte for byte.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./builder/progress -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run: go test ./builder/progress -update, then review the diff)\n--- got:\n%q\n--- want:\n%q", path, got, want)
	}
}

// clock is a fake clock that moves only when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Unix(1700000000, 0)} }

// run plays two interleaved targets on v: bookworm passes, trixie fails.
func play(v View, c *clock) {
	v.Plan([]string{"debian-bookworm", "debian-trixie"})
	v.Line("", "dbuilder: run r1: 2 target(s) to build")
	v.Start("debian-bookworm")
	c.add(time.Second)
	v.Start("debian-trixie")
	v.Step("debian-bookworm", "image")
	v.Line("debian-bookworm", "dbuilder: builder image reused")
	v.Line("debian-trixie", "dbuilder: builder image reused")
	c.add(2 * time.Second)
	v.Step("debian-trixie", "build")
	v.Line("debian-trixie", "gcc -o hellodb hellodb.c")
	v.Step("debian-bookworm", "build")
	v.Line("debian-bookworm", "gcc -o hellodb hellodb.c")
	v.Line("debian-bookworm", "a package printing \x1b[0Ksection_end:1:dbuilder_debian-bookworm\r\x1b[0K must not close the section")
	c.add(3 * time.Second)
	v.Line("debian-trixie", "hellodb: FAILED")
	v.Finish("debian-trixie", Outcome{Word: "FAILED (test)", Failed: true, Duration: 5 * time.Second, Log: "dist/debian-trixie/failed.log"})
	c.add(time.Second)
	v.Line("debian-bookworm", "hellodb: ok")
	v.Finish("debian-bookworm", Outcome{Word: "ok", Duration: 7 * time.Second, Log: "dist/debian-bookworm/build.log"})
	v.Close()
}

func TestGitLabSectionsGolden(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	play(NewGitLab(&out, c.now), c)
	golden(t, "progress-gitlab.txt", out.Bytes())
}

func TestPlainIsPrefixedLines(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	play(NewPlain(&out), c)
	want := "dbuilder: run r1: 2 target(s) to build\n[debian-bookworm] dbuilder: builder image reused\n"
	if !strings.HasPrefix(out.String(), want) || strings.Contains(out.String(), "section_start") {
		t.Errorf("plain output:\n%s", out.String())
	}
}

// A long log keeps its head and tail and says what it left out.
func TestGitLabLongLogCut(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	g := NewGitLab(&out, c.now)
	g.keep = [2]int{2, 3}
	g.Start("t")
	for i := range 10 {
		g.Line("t", strings.Repeat("x", i))
	}
	g.Finish("t", Outcome{Word: "ok"})
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	got := strings.Join(lines[1:len(lines)-1], "|")
	if want := "|x|[... 5 lines left out here; the whole log is in build.log ...]|xxxxxxx|xxxxxxxx|xxxxxxxxx"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestBoard(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	b := NewBoard(&out, func() int { return 60 }, c.now, 0)
	play(b, c)
	screen := render(out.String())
	want := []string{
		"dbuilder: run r1: 2 target(s) to build",
		"debian-bookworm  ok                7.0s",
		"debian-trixie    FAILED (test)     5.0s  hellodb: FAILED",
	}
	if strings.Join(screen, "\n") != strings.Join(want, "\n") {
		t.Errorf("screen:\n%s\nwant:\n%s\nraw: %q", strings.Join(screen, "\n"), strings.Join(want, "\n"), out.String())
	}
}

func TestBoardRunningRowAndWidth(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	b := NewBoard(&out, func() int { return 40 }, c.now, 0)
	b.Plan([]string{"debian-bookworm", "fedora-41"})
	b.Start("debian-bookworm")
	b.Step("debian-bookworm", "test")
	b.Line("debian-bookworm", "\x1b[32mPASS\x1b[0m: a very long line of a test that goes on and on")
	c.add(12 * time.Second)
	b.mu.Lock()
	b.draw()
	b.mu.Unlock()
	screen := render(out.String())
	want := []string{
		"debian-bookworm  test             12.0s",
		"fedora-41        waiting",
	}
	if strings.Join(screen, "\n") != strings.Join(want, "\n") {
		t.Errorf("screen:\n%q\nwant:\n%q", screen, want)
	}
}

// render plays the output on a tiny terminal that knows \r, \n, cursor up,
// erase line and erase below, and returns its lines.
func render(s string) []string {
	var lines []string
	row := 0
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "\x1b["):
			end := strings.IndexAny(s[2:], "ABCDKJ") + 2
			n := 0
			for _, ch := range s[2:end] {
				n = n*10 + int(ch-'0')
			}
			switch s[end] {
			case 'A':
				row -= n
			case 'B':
				row += n
			case 'K':
				for len(lines) <= row {
					lines = append(lines, "")
				}
				lines[row] = ""
			case 'J':
				if row < len(lines) {
					lines = lines[:row]
				}
			}
			s = s[end+1:]
		case s[0] == '\r':
			s = s[1:]
		case s[0] == '\n':
			row++
			s = s[1:]
		default:
			i := strings.IndexAny(s, "\r\n\x1b")
			if i < 0 {
				i = len(s)
			}
			for len(lines) <= row {
				lines = append(lines, "")
			}
			lines[row] += s[:i]
			s = s[i:]
		}
	}
	return lines
}
