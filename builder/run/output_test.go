package run

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/progress"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

func TestLogLineWithoutNewlineIsCapped(t *testing.T) {
	var con strings.Builder
	l := newTargetLog(io.Discard, progress.NewPlain(&con), "t")
	chunk := strings.Repeat("x", 4096)
	for range 1000 { // 4 MB, no newline
		l.Write([]byte(chunk))
		if len(l.partial) > maxLine || cap(l.partial) > 4*maxLine+len(chunk) {
			t.Fatalf("partial line grew to len %d cap %d", len(l.partial), cap(l.partial))
		}
	}
	l.Flush()
	if !strings.Contains(con.String(), "[line continues]") {
		t.Error("long line not shown in pieces")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }
func (failingWriter) Close() error              { return nil }

func TestLogWriteErrorFailsTheTarget(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)[:1]
	out := t.TempDir()
	r := &runner{eng: f, view: progress.NewPlain(io.Discard), run: ident.NewRun(fakeVersion), parallel: 1,
		opt:     Options{OutputDir: out, Sidecar: sidecar.ImageFor("", fakeVersion)},
		live:    lifecycle.NewLiveness(f),
		openLog: func(string) (io.WriteCloser, error) { return failingWriter{}, nil }}
	f.AddImage(r.opt.Sidecar.Ref, nil)
	res := r.target(context.Background(), jobs[0])
	if res.OK || !errors.Is(res.Err, syscall.ENOSPC) || !strings.Contains(res.Err.Error(), "build.log") {
		t.Fatalf("a build whose log cannot be written passed or said so unclearly: %+v", res)
	}
	if _, err := filepath.Glob(filepath.Join(out, "debian-bookworm", "*.deb")); err != nil {
		t.Fatal(err)
	}
}

func TestStepsTimed(t *testing.T) {
	l := newTargetLog(io.Discard, nil, "t")
	l.SetStep("image")
	l.Expect(markerPrefix("n1"))
	l.Write([]byte("##[dbuilder:n1] step build\nx\n##[dbuilder:n2] step test\n##[dbuilder:n1] step test\n"))
	got := stepNames(l.Steps())
	if strings.Join(got, ",") != "image,build,test" {
		t.Errorf("steps %v", got)
	}
	if l.Tail(10)[0] != "dbuilder: step build" {
		t.Errorf("marker shown raw: %v", l.Tail(10))
	}
}

// stepView records what a view is told of steps.
type stepView struct {
	progress.View
	steps []string
}

func (v *stepView) Step(_, step string) { v.steps = append(v.steps, step) }

// Steps run beside the current one: the view sees every step in flight,
// each step's time is its own, and they are reported in the order they
// began.
func TestStepsBeside(t *testing.T) {
	v := &stepView{View: progress.NewPlain(io.Discard)}
	l := newTargetLog(io.Discard, v, "t")
	clock := time.Unix(0, 0)
	l.now = func() time.Time { return clock }
	tick := func(s int) { clock = clock.Add(time.Duration(s) * time.Second) }
	l.SetStep("image")
	endSidecar := l.Beside("sidecar")
	tick(1)
	endSidecar()
	endPreload := l.Beside("preload")
	tick(10)
	l.EndStep() // the image took 11 s
	tick(2)
	endPreload() // the preload 12 s
	endPreload() // once only
	l.SetStep("build")
	tick(3)
	got := l.Steps()
	want := []report.Step{{Name: "image", Duration: 11 * time.Second}, {Name: "sidecar", Duration: time.Second}, {Name: "preload", Duration: 12 * time.Second}, {Name: "build", Duration: 3 * time.Second}}
	if !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
	if w := []string{"image", "image+sidecar", "image", "image+preload", "preload", "build"}; !slices.Equal(v.steps, w) {
		t.Errorf("the view saw %q, want %q", v.steps, w)
	}
}
