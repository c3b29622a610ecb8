package pkgtest

import (
	"reflect"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/report"
)

func TestParseSummary(t *testing.T) {
	// As autopkgtest 5.28 writes it ("%-20s %s").
	text := `needs-vm             SKIP Test requires machine-level isolation but testbed does not provide that
command1             PASS
upstream-tests       PASS (superficial)
skips                SKIP exit status 77 and marked as skippable
wobbly               FLAKY non-zero exit status 1
a-rather-long-test-name-here FAIL non-zero exit status 2
needs-vm             SKIP Test requires machine-level isolation but testbed does not provide that
missing-dep          SKIP installation fails and skip-not-installable set
broken               FAIL badpkg
blame: arg:/x.deb deb:hello /src/
badpkg: Test dependencies are unsatisfiable.
`
	tests, notes := ParseSummary(text)
	want := []report.PackageTest{
		{Suite: Suite, Name: "needs-vm", Result: report.TestSkip, Reason: "Test requires machine-level isolation but testbed does not provide that"},
		{Suite: Suite, Name: "command1", Result: report.TestPass},
		{Suite: Suite, Name: "upstream-tests", Result: report.TestPass, Superficial: true},
		{Suite: Suite, Name: "skips", Result: report.TestSkip, Reason: "exit status 77 and marked as skippable"},
		{Suite: Suite, Name: "wobbly", Result: report.TestFlaky, Reason: "non-zero exit status 1"},
		{Suite: Suite, Name: "a-rather-long-test-name-here", Result: report.TestFail, Reason: "non-zero exit status 2"},
		{Suite: Suite, Name: "missing-dep", Result: report.TestSkip, Reason: "installation fails and skip-not-installable set"},
		{Suite: Suite, Name: "broken", Result: report.TestFail, Reason: "badpkg"},
	}
	if !reflect.DeepEqual(tests, want) {
		t.Errorf("tests:\n got %+v\nwant %+v", tests, want)
	}
	if len(notes) != 2 || notes[0] != "blame: arg:/x.deb deb:hello /src/" {
		t.Errorf("notes %q", notes)
	}
	if tests, _ := ParseSummary("*                    SKIP no tests in this package\n"); len(tests) != 0 {
		t.Errorf("the no-tests line is not a test: %+v", tests)
	}
}

func TestExit(t *testing.T) {
	for code, pass := range map[int]bool{0: true, 2: true, 8: true, 4: false, 6: false, 12: false, 14: false, 16: false, 20: false, 1: false} {
		ok, words := Exit(code)
		if ok != pass || words == "" {
			t.Errorf("Exit(%d) = %v %q, want pass=%v", code, ok, words, pass)
		}
	}
}

func TestTestbedTag(t *testing.T) {
	day := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	a := TestbedFor("debian:bookworm", "debian:bookworm", "sha256:1", "", "unix:///s", day)
	if a.Tag != TestbedFor("debian:bookworm", "debian:bookworm", "sha256:1", "", "unix:///s", day.Add(30*time.Minute)).Tag {
		t.Error("the same day gives another tag")
	}
	for name, b := range map[string]Testbed{
		"next day":   TestbedFor("debian:bookworm", "debian:bookworm", "sha256:1", "", "unix:///s", day.Add(2*time.Hour)),
		"new base":   TestbedFor("debian:bookworm", "debian:bookworm", "sha256:2", "", "unix:///s", day),
		"other host": TestbedFor("debian:bookworm", "debian:bookworm", "sha256:1", "", "unix:///t", day),
	} {
		if b.Tag == a.Tag {
			t.Errorf("%s: same tag %s", name, a.Tag)
		}
	}
	if f := TestbedFor("debian:bookworm", "arm64v8/debian:bookworm", "sha256:1", "arm64", "unix:///s", day); f.Tag[:len("dbuilder/testbed-debian-bookworm-arm64:")] != "dbuilder/testbed-debian-bookworm-arm64:" {
		t.Errorf("foreign tag %s", f.Tag)
	}
	if a.Args["LISTS"] != "2026-12-06" || a.Args["BASE"] != "debian:bookworm" {
		t.Errorf("args %v", a.Args)
	}
}
