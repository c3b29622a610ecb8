package run

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dbuilder/dbuilder/builder/progress"
	"github.com/dbuilder/dbuilder/builder/report"
)

// maxLine bounds a line held in memory: a build that prints megabytes
// without a newline must not grow dbuilder without bound. Longer lines
// reach build.log whole and the console in pieces.
const maxLine = 16 << 10

// tailLines is how many last lines a target keeps for its failure report.
const tailLines = 20

// targetLog is a target's log: every byte goes to build.log, and complete
// lines and step changes go to the run's progress view. It tracks the current
// step (set by dbuilder, or announced by the build container's marker lines
// that carry this build's nonce), the time each step took, the last lines,
// and the first error writing build.log.
type targetLog struct {
	mu      sync.Mutex
	file    io.Writer
	fileErr error
	view    progress.View
	target  string
	marker  string // "##[dbuilder:NONCE] " of the current build container, "" before
	partial []byte
	step    string
	stepAt  time.Time
	stepN   int        // step's place in the order steps began
	began   int        // steps begun so far
	beside  []openStep // steps running beside step (see Beside)
	steps   []timedStep
	tail    []string
	figures string // the build container's resource marker, for the report
	now     func() time.Time
}

func newTargetLog(file io.Writer, view progress.View, target string) *targetLog {
	return &targetLog{file: file, view: view, target: target, now: time.Now}
}

func (l *targetLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fileErr == nil {
		if _, err := l.file.Write(p); err != nil {
			l.fileErr = err
		}
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.emit(string(bytes.TrimRight(l.partial[:i], "\r")))
		l.partial = l.partial[i+1:]
	}
	for len(l.partial) > maxLine {
		l.emit(string(l.partial[:maxLine]) + " [line continues]")
		l.partial = l.partial[maxLine:]
	}
	// Keep the buffer from pinning a large backing array.
	if cap(l.partial) > 4*maxLine {
		l.partial = append([]byte(nil), l.partial...)
	}
	return len(p), nil
}

// emit handles one complete line; the caller holds mu.
func (l *targetLog) emit(s string) {
	if l.marker != "" {
		if rest, ok := strings.CutPrefix(s, l.marker); ok {
			if name, ok := strings.CutPrefix(rest, "step "); ok {
				l.setStep(name)
			}
			if fig, ok := strings.CutPrefix(rest, "resources "); ok {
				l.figures = fig // for the report, not the console
				return
			}
			s = "dbuilder: " + rest
		}
	}
	l.tail = append(l.tail, s)
	if len(l.tail) > tailLines {
		l.tail = l.tail[len(l.tail)-tailLines:]
	}
	if l.view != nil {
		l.view.Line(l.target, s)
	}
}

// Printf writes one dbuilder line (not from the container) to the log.
func (l *targetLog) Printf(format string, a ...any) {
	l.Write([]byte(fmt.Sprintf(format, a...) + "\n"))
}

// Flush emits a trailing partial line.
func (l *targetLog) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.emit(string(l.partial))
		l.partial = nil
	}
}

// Expect sets the marker prefix of the build container about to run.
func (l *targetLog) Expect(marker string) {
	l.mu.Lock()
	l.marker = marker
	l.mu.Unlock()
}

// Step returns the current step.
func (l *targetLog) Step() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.step
}

// SetStep starts step s, closing the one before.
func (l *targetLog) SetStep(s string) {
	l.mu.Lock()
	l.setStep(s)
	l.mu.Unlock()
}

func (l *targetLog) setStep(s string) {
	if s == l.step {
		return // dbuilder and the container both announce "build"
	}
	now := l.now()
	if l.step != "" && l.step != "done" {
		l.steps = append(l.steps, timedStep{report.Step{Name: l.step, Duration: now.Sub(l.stepAt)}, l.stepN})
	}
	l.step, l.stepAt, l.stepN = s, now, l.began
	l.began++
	if s != "done" {
		l.showSteps()
	}
}

// EndStep closes the current step without starting another: what runs
// beside it goes on.
func (l *targetLog) EndStep() { l.SetStep("") }

// openStep is a step begun by Beside and not ended yet.
type openStep struct {
	name string
	at   time.Time
	n    int
}

// timedStep is a finished step and its place in the order steps began,
// the order they are reported in.
type timedStep struct {
	report.Step
	n int
}

// Beside begins step s beside the current one (the sidecar while the
// builder image builds) and returns the function that ends it. Its time
// is its own; views show every step in flight ("image+sidecar").
func (l *targetLog) Beside(s string) (end func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.beside = append(l.beside, openStep{s, l.now(), l.began})
	l.began++
	l.showSteps()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			for i, o := range l.beside {
				if o.name == s {
					l.steps = append(l.steps, timedStep{report.Step{Name: s, Duration: l.now().Sub(o.at)}, o.n})
					l.beside = append(l.beside[:i], l.beside[i+1:]...)
					break
				}
			}
			l.showSteps()
		})
	}
}

// showSteps tells the view the steps in flight; the caller holds mu.
func (l *targetLog) showSteps() {
	if l.view == nil {
		return
	}
	var names []string
	if l.step != "" && l.step != "done" {
		names = append(names, l.step)
	}
	for _, o := range l.beside {
		names = append(names, o.name)
	}
	if len(names) > 0 {
		l.view.Step(l.target, strings.Join(names, "+"))
	}
}

// Steps closes the current step and returns every step's duration, in
// the order they began.
func (l *targetLog) Steps() []report.Step {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setStep("done")
	ts := append([]timedStep(nil), l.steps...)
	sort.Slice(ts, func(a, b int) bool { return ts[a].n < ts[b].n })
	out := make([]report.Step, len(ts))
	for i, t := range ts {
		out[i] = t.Step
	}
	return out
}

// FileErr is the first error writing build.log.
func (l *targetLog) FileErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fileErr
}

// Tail returns the last n lines.
func (l *targetLog) Tail(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.tail) <= n {
		return append([]string(nil), l.tail...)
	}
	return append([]string(nil), l.tail[len(l.tail)-n:]...)
}

// Figures returns the build container's resource figures ("" if none came).
func (l *targetLog) Figures() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.figures
}
