// Package pkgtest is what dbuilder knows of the package's own tests of its
// installed packages: autopkgtest's runner image and testbeds, its summary
// file and exit codes (DEP-8, as Debian's autopkgtest runs it), and the
// install test. It talks to no daemon but through the narrow interface of
// EnsureRunner; builder/run drives the containers.
package pkgtest

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/dbuilder/dbuilder/builder/report"
)

// Suite names autopkgtest's tests in reports.
const Suite = "autopkgtest"

// ParseSummary reads autopkgtest's summary file: one line a test,
// "NAME RESULT[ REASON]" (RESULT is PASS, FAIL, SKIP or FLAKY; a passed
// superficial test says "PASS (superficial)"). Other lines ("blame: ...",
// "badpkg: ...", "erroneous package: ...") are returned as notes. A test
// named twice (autopkgtest says an unsupported restriction both when it
// reads the tests and when it reaches the test) is kept once, where it
// first appears, with what was said last.
func ParseSummary(text string) (tests []report.PackageTest, notes []string) {
	at := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \r")
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		t, ok := testLine(f)
		if !ok {
			notes = append(notes, line)
			continue
		}
		if i, seen := at[t.Name]; seen {
			tests[i] = t
			continue
		}
		at[t.Name] = len(tests)
		tests = append(tests, t)
	}
	return tests, notes
}

func testLine(f []string) (report.PackageTest, bool) {
	if len(f) < 2 || strings.HasSuffix(f[0], ":") {
		return report.PackageTest{}, false
	}
	t := report.PackageTest{Suite: Suite, Name: f[0], Reason: strings.Join(f[2:], " ")}
	switch f[1] {
	case "PASS":
		t.Result = report.TestPass
		if t.Reason == "(superficial)" {
			t.Superficial, t.Reason = true, ""
		}
	case "FAIL":
		t.Result = report.TestFail
	case "SKIP":
		t.Result = report.TestSkip
	case "FLAKY":
		t.Result = report.TestFlaky
	default:
		return report.PackageTest{}, false
	}
	if t.Name == "*" { // "* SKIP no tests in this package"
		return report.PackageTest{}, false
	}
	return t, true
}

// Exit says what autopkgtest's exit code means: whether the target passes,
// and in words. 0: all passed; 2: some skipped (or flaky), none failed; 8:
// no tests ran (none, or all skipped or superficial); 4: a test failed; 12:
// a package could not be installed (badpkg); 16: the testbed failed; 20: an
// unexpected error. 6 and 14 add "some skipped" to 4 and 12.
func Exit(code int) (ok bool, words string) {
	switch code {
	case 0:
		return true, "all tests passed"
	case 2:
		return true, "some tests were skipped (or failed and are marked flaky), none failed"
	case 8:
		return true, "no tests ran: the package has none, or every one was skipped or is superficial"
	case 4, 6:
		return false, "a test failed"
	case 12, 14:
		return false, "erroneous package: the packages or a test's dependencies could not be installed in the testbed"
	case 16:
		return false, "the testbed failed (autopkgtest could not set up or talk to the test container)"
	case 20:
		return false, "autopkgtest stopped on an unexpected error (see its log)"
	}
	return false, fmt.Sprintf("autopkgtest ended with exit code %d, which DEP-8 does not define", code)
}
