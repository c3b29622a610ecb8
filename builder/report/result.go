// Package report is what a run says about itself: the outcome of each
// target (Result, the data run produces) and the files and views made from
// it: result.json, report.json (with release's parts), junit.xml and the
// summary table. It knows nothing of how a target is built: run, cli and
// release import it, never the other way round.
package report

import (
	"time"
)

// The files of a target in DIR/<target>/ that reports name.
const (
	// LogFile is the log of a target's build.
	LogFile = "build.log"
	// ReportsDir holds the JUnit files that test.reports names, as the
	// package's tests wrote them (relative to the built tree). A failed
	// attempt's go to artifacts.FailedPrefix+ReportsDir instead, next to
	// failed.log, so the last good build's stay as they were.
	ReportsDir = "reports"
)

// Result is one target's outcome.
type Result struct {
	Target    string
	Distro    string
	Arch      string // Debian's name
	Emulated  bool   // the build ran that architecture's userland through emulation
	OK        bool
	Cancelled bool
	Step      string // where it failed
	Err       error
	Cached    *Record // set when the last good result was reused: nothing ran
	// Record is what ResultFile says of a good result (built now or
	// reused): the sums release checks the packages against.
	Record    *Record
	Tail      []string // last log lines, on failure
	Duration  time.Duration
	Steps     []Step
	Planned   []string // the steps the target goes through, in order (none for a cached one)
	Dir       string   // DIR/<target>
	Log       string   // the log of this attempt: DIR/<target>/build.log, or failed.log on failure
	Artifacts []string // package files, relative to Dir
	// Reports are the test.reports files copied out, relative to Dir
	// (ReportsDir/..., or failed-reports/... for a failed attempt).
	Reports []string
	// PackageTests are the package's tests of its installed packages
	// (autopkgtest, the install test), in the order they ran.
	PackageTests []PackageTest
	// What a warm run reused.
	BuilderImage       string
	BuilderImageReused bool
	// BuilderImagePulled is the cache registry image the builder image was
	// pulled from ("" when it was reused or built).
	BuilderImagePulled string
	Preloaded          []string
	PreloadReused      []string
	InnerDaemonID      string
	InnerCleared       []string // what earlier runs had left in the inner daemon
	Resources          *Resources
}

// Step is one step of a target and how long it took.
type Step struct {
	Name     string
	Duration time.Duration
}

// resultName is a result in one word, as report.json and junit.xml say it.
func resultName(r Result) string {
	switch {
	case r.Cached != nil:
		return "cached"
	case r.OK:
		return "ok"
	case r.Cancelled:
		return "cancelled"
	}
	return "failed"
}

// Word is a result in one word for people: a failure says its step.
func Word(r Result) string {
	switch name := resultName(r); {
	case name != "failed":
		return name
	case r.Step != "":
		return "FAILED (" + r.Step + ")"
	}
	return "FAILED"
}

// Failed counts the targets that did not succeed.
func Failed(results []Result) int {
	n := 0
	for _, r := range results {
		if !r.OK {
			n++
		}
	}
	return n
}
