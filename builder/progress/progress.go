// Package progress shows a run as it goes: dbuilder's own lines and each
// target's log lines and steps. Plain prints prefixed lines (logs, CI);
// GitLab wraps each target's lines in a collapsible section of the job
// log; Board keeps a live table, one line per target, on a terminal.
package progress

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// View is where a run's progress goes. Calls may come from many targets at
// once; every implementation serialises them.
type View interface {
	// Plan names the targets of the run, in order, before any starts.
	Plan(targets []string)
	// Start says a target began.
	Start(target string)
	// Step says a target entered a step (image, sidecar, build, ...).
	Step(target, step string)
	// Line is one log line of a target; target "" is dbuilder's own line.
	Line(target, line string)
	// Finish says a target is done; for a target that never started (a
	// cached one) it only records the outcome.
	Finish(target string, o Outcome)
	// Close ends the view: nothing is shown after it.
	Close()
}

// Outcome is how a target ended.
type Outcome struct {
	Word     string // "ok", "cached", "FAILED (test)", "cancelled"
	Failed   bool
	Duration time.Duration
	Log      string // where the whole log is
}

// ansi matches terminal escape sequences (colors, cursor moves).
var ansi = regexp.MustCompile(`\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])`)

// Clean drops terminal escape sequences and other control characters from
// a log line, for places that must stay one plain line (the board, JUnit).
func Clean(s string) string {
	s = ansi.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			return -1
		}
		return r
	}, s)
}

// Elapsed formats a duration for people: "7.5s", "1m05s".
func Elapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
}
