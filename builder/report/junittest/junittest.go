// Package junittest reads a junit.xml as the CI systems that show it do,
// for the tests of report (which writes it) and run (whose results fill
// it). Its types are a reader's view, not report's own: a test through
// them checks the file, not the structs that wrote it.
package junittest

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/dbuilder/dbuilder/internal/testreq"
)

// Suites is the <testsuites> document.
type Suites struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Suites   []Suite `xml:"testsuite"`
}

// Suite is one <testsuite> (one target).
type Suite struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Cases    []Case `xml:"testcase"`
}

// Case is one <testcase>.
type Case struct {
	Name      string    `xml:"name,attr"`
	Classname string    `xml:"classname,attr"`
	Time      string    `xml:"time,attr"`
	Failure   []Outcome `xml:"failure"`
	Error     []Outcome `xml:"error"`
	Skipped   *Outcome  `xml:"skipped"`
	SystemOut *Text     `xml:"system-out"`
}

// Outcome is a <failure>, <error> or <skipped>.
type Outcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Text is an element's text.
type Text struct {
	Text string `xml:",chardata"`
}

// Read decodes the junit.xml at path.
func Read(t *testing.T, path string) Suites {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc Suites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// CaseNames lists s's testcases by name, in order.
func CaseNames(s Suite) []string {
	var out []string
	for _, c := range s.Cases {
		out = append(out, c.Name)
	}
	return out
}

// CheckCounts: every suite's and the document's tests, failures, errors
// and skipped attributes agree with the testcase elements.
func CheckCounts(t *testing.T, doc Suites) {
	t.Helper()
	var tests, failures, errs int
	for _, s := range doc.Suites {
		var f, e, sk int
		for _, c := range s.Cases {
			switch {
			case len(c.Failure) > 0:
				f++
			case len(c.Error) > 0:
				e++
			case c.Skipped != nil:
				sk++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
			t.Errorf("suite %s says tests %d failures %d errors %d skipped %d; its cases: %d, %d, %d, %d",
				s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, sk)
		}
		tests, failures, errs = tests+len(s.Cases), failures+f, errs+e
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs {
		t.Errorf("testsuites says tests %d failures %d errors %d; its cases: %d, %d, %d", doc.Tests, doc.Failures, doc.Errors, tests, failures, errs)
	}
}

// Validate checks path against the JUnit XML schema kept in the
// repository's testdata/junit with xmllint (Debian's libxml2-utils;
// scripts/test.sh installs it). It is a subtest: without xmllint only the
// schema check skips (or fails, in CI), never the content checks around it.
func Validate(t *testing.T, path string) {
	t.Helper()
	t.Run("junit-schema", func(t *testing.T) {
		xmllint := testreq.Tool(t, "xmllint", "libxml2-utils")
		_, self, _, _ := runtime.Caller(0)
		xsd := filepath.Join(filepath.Dir(self), "..", "..", "..", "testdata", "junit", "junit-10.xsd")
		if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput(); err != nil {
			b, _ := os.ReadFile(path)
			t.Fatalf("%s does not validate: %v\n%s\n%s", path, err, out, b)
		}
	})
}
