package run

import (
	"bytes"
	"fmt"
	"io"
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
	steps   []report.Step
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
		l.steps = append(l.steps, report.Step{Name: l.step, Duration: now.Sub(l.stepAt)})
	}
	l.step, l.stepAt = s, now
	if l.view != nil && s != "done" {
		l.view.Step(l.target, s)
	}
}

// Steps closes the current step and returns every step's duration.
func (l *targetLog) Steps() []report.Step {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setStep("done")
	return append([]report.Step(nil), l.steps...)
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
