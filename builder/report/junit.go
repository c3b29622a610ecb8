package report

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/progress"
)

// JUnitFile is the run's JUnit XML report in the output directory, for CI
// systems that show test results (GitLab's artifacts:reports:junit).
//
// Each target is a testsuite. Its steps are testcases (classname
// "dbuilder.TARGET"): a step that ran passed or failed, and a failure
// carries the error and the last log lines; steps after a failure are
// skipped ("not reached"); a cancelled step is skipped too. The testcases
// of the package's own JUnit files (test.reports) follow, as they wrote
// them. The package tests (each DEP-8 test, the install test) are
// testcases too, classname "dbuilder.TARGET.SUITE". A cached target (its inputs unchanged since its last good build)
// is one passed testcase "result cache" whose output says which run built
// it, plus that run's package testcases: it did pass, nothing ran again.
const JUnitFile = "junit.xml"

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       string      `xml:"time,attr"`
	Timestamp  string      `xml:"timestamp,attr,omitempty"`
	Properties *junitProps `xml:"properties"`
	Cases      []junitCase `xml:"testcase"`
	SystemOut  string      `xml:"system-out,omitempty"`
	SystemErr  string      `xml:"system-err,omitempty"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr,omitempty"`
	Time      string         `xml:"time,attr,omitempty"`
	Failure   []junitOutcome `xml:"failure"`
	Error     []junitOutcome `xml:"error"`
	Skipped   *junitOutcome  `xml:"skipped"`
	SystemOut *junitText     `xml:"system-out"`
	SystemErr *junitText     `xml:"system-err"`
}

// Texts go out as CDATA, so that log lines keep their line breaks in the
// file (they are cleaned of control characters first).
type junitOutcome struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

// text is s as an element's text; nil (no element) when empty.
func text(s string) *junitText {
	if s == "" {
		return nil
	}
	return &junitText{s}
}

// WriteJUnit writes JUnitFile for results into dir, atomically.
func WriteJUnit(dir string, results []Result) error {
	doc := junitSuites{Name: "dbuilder"}
	var total time.Duration
	for _, r := range results {
		if r.Target == "" {
			continue
		}
		s := targetSuite(r)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		total += r.Duration
		doc.Suites = append(doc.Suites, s)
	}
	doc.Time = seconds3(total)
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(dir, JUnitFile, append([]byte(xml.Header), append(b, '\n')...))
}

// targetSuite is one target's testsuite.
func targetSuite(r Result) junitSuite {
	s := junitSuite{Name: r.Target, Time: seconds3(r.Duration)}
	props := []junitProp{{"distro", r.Distro}, {"result", resultName(r)}}
	if r.Log != "" {
		props = append(props, junitProp{"log", r.Log})
	}
	class := "dbuilder." + r.Target
	if r.Cached != nil {
		props = append(props, junitProp{"cached_from_run", r.Cached.Run})
		s.Cases = append(s.Cases, junitCase{Name: "result cache", Classname: class, Time: "0.000",
			SystemOut: text(fmt.Sprintf("inputs unchanged since run %s (%s): its packages are reused, nothing was built or tested again", r.Cached.Run, r.Cached.Finished.UTC().Format(time.RFC3339)))})
	} else {
		s.Cases = append(s.Cases, stepCases(r, class)...)
	}
	s.Properties = &junitProps{Props: props}
	for _, t := range packageTests(r) {
		s.Cases = append(s.Cases, packageTestCase(r.Target, t))
	}
	for _, f := range r.Reports {
		s.Cases = append(s.Cases, reportCases(r, f)...)
	}
	for _, c := range s.Cases {
		s.Tests++
		switch {
		case len(c.Failure) > 0:
			s.Failures++
		case len(c.Error) > 0:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	return s
}

// packageTestCase is one package test (classname
// "dbuilder.TARGET.autopkgtest"): a failure carries the reason and the end
// of its output; a skip, and a flaky failure (DEP-8 says it must not fail
// the run), is skipped with the reason.
func packageTestCase(target string, t PackageTest) junitCase {
	c := junitCase{Name: t.Name, Classname: "dbuilder." + target + "." + t.Suite}
	switch t.Result {
	case TestFail:
		var b strings.Builder
		b.WriteString(progress.Clean(t.Reason) + "\n")
		if len(t.Tail) > 0 {
			b.WriteString("\nlast lines of its output:\n")
			for _, l := range t.Tail {
				b.WriteString(progress.Clean(l) + "\n")
			}
		}
		c.Failure = []junitOutcome{{Message: progress.Clean(t.Reason), Type: t.Suite, Text: b.String()}}
	case TestSkip:
		c.Skipped = &junitOutcome{Message: progress.Clean(t.Reason)}
	case TestFlaky:
		c.Skipped = &junitOutcome{Message: "flaky test failed (not counted): " + progress.Clean(t.Reason)}
	default:
		if t.Superficial {
			c.SystemOut = text("superficial: it passed, but proves little about the package (DEP-8)")
		}
	}
	return c
}

// stepCases are the testcases of the steps a target went through.
func stepCases(r Result, class string) []junitCase {
	took := map[string]time.Duration{}
	for _, st := range r.Steps {
		took[st.Name] += st.Duration
	}
	steps := r.Planned
	if r.Step != "" && !contains(steps, r.Step) {
		steps = append([]string{r.Step}, steps...) // failed outside the usual steps ("prepare")
	}
	var cases []junitCase
	reached := true
	for _, name := range steps {
		c := junitCase{Name: name, Classname: class}
		d, ran := took[name]
		switch {
		case !r.OK && name == r.Step && r.Cancelled:
			c.Time = seconds3(d)
			c.Skipped = &junitOutcome{Message: "cancelled (an interrupt, or --fail-fast after another target failed)"}
			reached = false
		case !r.OK && name == r.Step:
			c.Time = seconds3(d)
			c.Failure = []junitOutcome{failure(r)}
			reached = false
		case !reached:
			c.Skipped = &junitOutcome{Message: fmt.Sprintf("not reached: the %s step did not pass", r.Step)}
		case ran:
			c.Time = seconds3(d)
		default:
			c.Time = "0.000"
		}
		cases = append(cases, c)
	}
	return cases
}

// failure describes a failed step: the error, the last log lines, where
// the whole log is.
func failure(r Result) junitOutcome {
	msg := "failed"
	if r.Err != nil {
		msg = progress.Clean(r.Err.Error())
	}
	var b strings.Builder
	b.WriteString(msg + "\n")
	if len(r.Tail) > 0 {
		b.WriteString("\nlast log lines:\n")
		for _, l := range r.Tail {
			b.WriteString(progress.Clean(l) + "\n")
		}
	}
	if r.Log != "" {
		b.WriteString("\nfull log: " + r.Log + "\n")
	}
	if len(msg) > 500 {
		msg = msg[:500] + "..."
	}
	return junitOutcome{Message: firstLine(msg), Type: r.Step, Text: b.String()}
}

// reportCases reads one of the package's JUnit files (a path relative to
// the target's directory); one that cannot be read is an error testcase,
// so that a broken report shows rather than vanishes.
func reportCases(r Result, file string) []junitCase {
	suites, err := readReport(filepath.Join(r.Dir, filepath.FromSlash(file)))
	if err != nil {
		return []junitCase{{Name: "read " + file, Classname: "dbuilder." + r.Target + ".reports",
			Error: []junitOutcome{{Message: "not a JUnit XML file", Text: cleanText(err.Error())}}}}
	}
	var cases []junitCase
	for _, s := range suites {
		cases = append(cases, s.cases...)
	}
	return cases
}

// cleanText cleans each line of s of escape sequences and control
// characters, keeping the line breaks.
func cleanText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = progress.Clean(l)
	}
	return strings.Join(lines, "\n")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// seconds3 is a duration as JUnit writes it: seconds with milliseconds.
func seconds3(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
