package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/report/junittest"
)

// A report that is not JUnit shows as an error case, not as nothing.
func TestJUnitBrokenReport(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "t", "reports"), 0o755)
	os.WriteFile(filepath.Join(dir, "t", "reports", "x.xml"), []byte("<html>no</html>"), 0o644)
	res := []Result{{Target: "t", OK: true, Dir: filepath.Join(dir, "t"), Planned: []string{"image", "build", "collect"},
		Steps: []Step{{"image", time.Second}, {"build", 2 * time.Second}, {"collect", 0}}, Reports: []string{"reports/x.xml"}}}
	if err := WriteJUnit(dir, res); err != nil {
		t.Fatal(err)
	}
	doc := junittest.Read(t, filepath.Join(dir, JUnitFile))
	last := doc.Suites[0].Cases[len(doc.Suites[0].Cases)-1]
	if len(last.Error) != 1 || doc.Suites[0].Errors != 1 || doc.Suites[0].Cases[0].Time != "1.000" {
		t.Errorf("suite: %+v", doc.Suites[0])
	}
	junittest.CheckCounts(t, doc)
	junittest.Validate(t, filepath.Join(dir, JUnitFile))
}

// Package tests are testcases: a pass, a failure with its output's end, a
// skip and a flaky failure (skipped, with the reason), a superficial pass;
// the summary names each one that did not simply pass.
func TestJUnitPackageTests(t *testing.T) {
	dir := t.TempDir()
	tests := []PackageTest{
		{Suite: "install", Name: "install, remove", Result: TestPass},
		{Suite: "autopkgtest", Name: "command1", Result: TestPass},
		{Suite: "autopkgtest", Name: "broken", Result: TestFail, Reason: "non-zero exit status 3", Tail: []string{"the greeting was wrong"}},
		{Suite: "autopkgtest", Name: "skips", Result: TestSkip, Reason: "exit status 77 and marked as skippable"},
		{Suite: "autopkgtest", Name: "wobbly", Result: TestFlaky, Reason: "non-zero exit status 1"},
		{Suite: "autopkgtest", Name: "version", Result: TestPass, Superficial: true},
	}
	res := []Result{{Target: "t", Step: "autopkgtest", Err: os.ErrInvalid, Planned: []string{"build", "autopkgtest"},
		Steps: []Step{{"build", time.Second}, {"autopkgtest", time.Second}}, PackageTests: tests}}
	if err := WriteJUnit(dir, res); err != nil {
		t.Fatal(err)
	}
	doc := junittest.Read(t, filepath.Join(dir, JUnitFile))
	cases := map[string]junittest.Case{}
	for _, c := range doc.Suites[0].Cases {
		cases[c.Classname+"/"+c.Name] = c
	}
	if c := cases["dbuilder.t.autopkgtest/broken"]; len(c.Failure) != 1 || !strings.Contains(c.Failure[0].Text, "the greeting was wrong") {
		t.Errorf("failed test: %+v", c)
	}
	if c := cases["dbuilder.t.autopkgtest/skips"]; c.Skipped == nil || !strings.Contains(c.Skipped.Message, "exit status 77") {
		t.Errorf("skipped test: %+v", c)
	}
	if c := cases["dbuilder.t.autopkgtest/wobbly"]; c.Skipped == nil || !strings.Contains(c.Skipped.Message, "flaky") || len(c.Failure) != 0 {
		t.Errorf("flaky test: %+v", c)
	}
	if c := cases["dbuilder.t.autopkgtest/version"]; c.SystemOut == nil || !strings.Contains(c.SystemOut.Text, "superficial") {
		t.Errorf("superficial test: %+v", c)
	}
	if c, ok := cases["dbuilder.t.install/install, remove"]; !ok || c.Failure != nil || c.Skipped != nil {
		t.Errorf("install test: %+v", c)
	}
	junittest.CheckCounts(t, doc)
	junittest.Validate(t, filepath.Join(dir, JUnitFile))

	var sum strings.Builder
	Summary(&sum, res)
	for _, want := range []string{"t: install 1 passed; autopkgtest 2 passed, 1 failed, 1 flaky (failed, not counted), 1 skipped", "autopkgtest broken: failed: non-zero exit status 3", "autopkgtest version: passed (superficial)"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
}
