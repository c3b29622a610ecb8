package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// PackageTestsDir is where a target's package tests (autopkgtest's output
// directory: log, summary, each test's output and artifacts) land, under
// DIR/<target>; a failed attempt's go to failed-autopkgtest/.
const PackageTestsDir = "autopkgtest"

// The outcomes of one package test, as report.json says them.
const (
	TestPass  = "pass"
	TestFail  = "fail"
	TestSkip  = "skip"
	TestFlaky = "flaky" // failed, but marked flaky: shown, does not fail
)

// PackageTest is one of the package's own tests of its installed packages
// (a DEP-8 test run by autopkgtest, or the install test), as it ended.
type PackageTest struct {
	Suite       string `json:"suite"` // "autopkgtest", "install"
	Name        string `json:"name"`
	Result      string `json:"result"` // TestPass, TestFail, TestSkip, TestFlaky
	Reason      string `json:"reason,omitempty"`
	Superficial bool   `json:"superficial,omitempty"` // passed, but proves little (DEP-8's superficial)
	// Tail is the end of the test's output, for a failure.
	Tail []string `json:"tail,omitempty"`
}

// packageTests are the package tests of r: those of this run, or those of
// the run whose result r reuses.
func packageTests(r Result) []PackageTest {
	if r.Cached != nil {
		return r.Cached.PackageTests
	}
	return r.PackageTests
}

// packageTestLines says, for each target with package tests, how they
// ended, naming each one that did not simply pass.
func packageTestLines(w io.Writer, results []Result) {
	first := true
	for _, r := range results {
		tests := packageTests(r)
		if len(tests) == 0 {
			continue
		}
		if first {
			fmt.Fprintln(w, "\nPACKAGE TESTS (of the installed packages)")
			first = false
		}
		fmt.Fprintf(w, "  %s: %s\n", r.Target, countTests(tests))
		for _, t := range tests {
			switch {
			case t.Result == TestPass && t.Superficial:
				fmt.Fprintf(w, "    %s %s: passed (superficial)\n", t.Suite, t.Name)
			case t.Result != TestPass:
				fmt.Fprintf(w, "    %s %s: %s: %s\n", t.Suite, t.Name, testWord(t.Result), t.Reason)
			}
		}
	}
}

// countTests is "3 passed, 1 skipped" by suite.
func countTests(tests []PackageTest) string {
	var parts []string
	for _, suite := range suitesOf(tests) {
		n := map[string]int{}
		for _, t := range tests {
			if t.Suite == suite {
				n[t.Result]++
			}
		}
		var c []string
		for _, res := range []string{TestPass, TestFail, TestFlaky, TestSkip} {
			if n[res] > 0 {
				c = append(c, fmt.Sprintf("%d %s", n[res], testWord(res)))
			}
		}
		parts = append(parts, suite+" "+strings.Join(c, ", "))
	}
	return strings.Join(parts, "; ")
}

func suitesOf(tests []PackageTest) []string {
	var out []string
	for _, t := range tests {
		if !slices.Contains(out, t.Suite) {
			out = append(out, t.Suite)
		}
	}
	return out
}

func testWord(result string) string {
	switch result {
	case TestPass:
		return "passed"
	case TestFail:
		return "failed"
	case TestFlaky:
		return "flaky (failed, not counted)"
	case TestSkip:
		return "skipped"
	}
	return result
}
