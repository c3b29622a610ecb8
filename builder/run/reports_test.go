package run

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/report/junittest"
)

const reportsMatrix = `name: fakepkg
version: 1.0.0
source: %s
matrix:
  distro: [debian:bookworm, debian:trixie]
test:
  docker: true
  preload: [example/mariadb:10.11]
  command: make check
  reports: [out/*.xml, "**/TEST-*.xml"]
`

// The package's own JUnit file: one test passes, one fails.
const ownReport = `<?xml version="1.0"?>
<testsuite name="hellodb" tests="2" failures="1">
  <testcase name="connects" classname="hellodb.db" time="0.25"/>
  <testcase name="queries" time="1,002.5"><failure message="no rows">expected 1 row, got 0</failure></testcase>
</testsuite>
`

// reportingBuild writes the package's reports where test.reports finds
// them (and a file it must not take); failTest fails the test step.
func reportingBuild(failTest bool) enginefake.Behavior {
	return func(c *enginefake.Container, stop <-chan struct{}) int {
		n := nonceOf(c)
		c.Log("##[dbuilder:%s] step build", n)
		c.Out["pkg_1.0_amd64.deb"] = []byte("deb")
		c.Log("##[dbuilder:%s] step test", n)
		c.FS[SrcDir+"/out/junit.xml"] = []byte(ownReport)
		c.FS[SrcDir+"/out/notes.txt"] = []byte("not a report")
		c.FS[SrcDir+"/deep/er/TEST-more.xml"] = []byte(`<testsuites><testsuite name="more"><testcase name="extra"/></testsuite></testsuites>`)
		if failTest {
			c.Log("about to fail")
			c.Log("\x1b[31mqueries: FAILED\x1b[0m")
			c.Log("##[dbuilder:%s] exit test 1", n)
			return exitTestFailed
		}
		c.Log("##[dbuilder:%s] step done", n)
		return 0
	}
}

func TestFakeReportsAndJUnit(t *testing.T) {
	f := newFake()
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() == labels.RoleBuild {
			return reportingBuild(c.Spec.Labels[labels.Target] == "debian-trixie")
		}
		return nil
	}
	jobs := fakeJobs(t, reportsMatrix)
	out := t.TempDir()
	res, log, err := fakeBuild(t, context.Background(), f, jobs, out, nil)
	if err != nil {
		t.Fatal(err, log)
	}
	ok, failed := res[0], res[1]
	if !ok.OK || failed.OK || failed.Step != StepTest {
		t.Fatalf("results: %+v %+v\n%s", ok, failed, log)
	}
	wantOK := []string{"reports/deep/er/TEST-more.xml", "reports/out/junit.xml"}
	if !slices.Equal(ok.Reports, wantOK) || slices.Contains(ok.Artifacts, "reports/out/junit.xml") {
		t.Errorf("passing target: reports %v, artifacts %v\n%s", ok.Reports, ok.Artifacts, log)
	}
	if b, err := os.ReadFile(filepath.Join(out, "debian-bookworm", "reports", "out", "junit.xml")); err != nil || string(b) != ownReport {
		t.Errorf("report not copied out: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "debian-bookworm", "reports", "out", "notes.txt")); err == nil {
		t.Error("a file no glob names was copied")
	}
	// A failed attempt's reports go next to failed.log.
	if !slices.Equal(failed.Reports, []string{"failed-reports/deep/er/TEST-more.xml", "failed-reports/out/junit.xml"}) {
		t.Errorf("failed target: reports %v", failed.Reports)
	}
	if _, err := os.Stat(filepath.Join(out, "debian-trixie", "failed-reports", "out", "junit.xml")); err != nil {
		t.Error(err)
	}

	if err := report.WriteJUnit(out, res); err != nil {
		t.Fatal(err)
	}
	// The content is checked first and without xmllint; the schema after.
	doc := junittest.Read(t, filepath.Join(out, report.JUnitFile))
	if raw, _ := os.ReadFile(filepath.Join(out, report.JUnitFile)); !strings.Contains(string(raw), "<![CDATA[test step failed\n\nlast log lines:\n") {
		t.Errorf("the failure's log lines are not kept as lines:\n%s", raw)
	}
	if len(doc.Suites) != 2 || doc.Tests != 21 || doc.Failures != 3 {
		t.Errorf("suites %d, tests %d, failures %d", len(doc.Suites), doc.Tests, doc.Failures)
	}
	junittest.CheckCounts(t, doc)
	if s := doc.Suites[len(doc.Suites)-1]; s.Failures != 2 || s.Skipped != 2 {
		t.Errorf("failing suite: %d failures, %d skipped; want 2 (the test step, the package's case), 2 (collect, install)", s.Failures, s.Skipped)
	}
	pass := doc.Suites[0]
	if got := junittest.CaseNames(pass); strings.Join(got, ",") != "image,sidecar,preload,build,test,collect,install,install, remove,extra,connects,queries" {
		t.Errorf("passing suite cases %v", got)
	}
	fail := doc.Suites[1]
	byName := map[string]junittest.Case{}
	for _, c := range fail.Cases {
		byName[c.Name] = c
	}
	test := byName["test"]
	if len(test.Failure) != 1 || !strings.Contains(test.Failure[0].Text, "about to fail\nqueries: FAILED") || !strings.Contains(test.Failure[0].Text, "failed.log") {
		t.Errorf("test step failure does not carry the last log lines (escapes cleaned): %+v", test)
	}
	if c := byName["collect"]; c.Skipped == nil || !strings.Contains(c.Skipped.Message, "not reached") {
		t.Errorf("collect after a failed test: %+v", c)
	}
	if c := byName["queries"]; len(c.Failure) != 1 || c.Failure[0].Text != "expected 1 row, got 0" || c.Time != "1002.500" || c.Classname != "hellodb" {
		t.Errorf("package's failing case: %+v", c)
	}
	if c := byName["build"]; c.Failure != nil || c.Skipped != nil || c.Time == "" {
		t.Errorf("build step: %+v", c)
	}
	junittest.Validate(t, filepath.Join(out, report.JUnitFile))

	// report.json lists the reports with checksums.
	rep := report.NewReport("r", "v", "e", time.Now(), res)
	if r := rep.Targets[0].Reports; len(r) != 2 || r[1].Name != "reports/out/junit.xml" || r[1].Size != int64(len(ownReport)) || len(r[1].SHA256) != 64 {
		t.Errorf("report.json reports: %+v", r)
	}
	if r := rep.Targets[1].Reports; len(r) != 2 || r[1].Name != "failed-reports/out/junit.xml" {
		t.Errorf("report.json reports of the failed target: %+v", r)
	}

	// A cached target is one passed testcase, plus its good run's package
	// cases; nothing ran.
	res, log, err = fakeBuild(t, context.Background(), f, jobs[:1], out, nil)
	if err != nil || res[0].Cached == nil {
		t.Fatalf("not cached: %v %+v\n%s", err, res[0], log)
	}
	if err := report.WriteJUnit(out, res); err != nil {
		t.Fatal(err)
	}
	doc = junittest.Read(t, filepath.Join(out, report.JUnitFile))
	if got := junittest.CaseNames(doc.Suites[0]); strings.Join(got, ",") != "result cache,install, remove,extra,connects,queries" {
		t.Errorf("cached suite cases %v", got)
	}
	if c := doc.Suites[0].Cases[0]; c.Failure != nil || c.Skipped != nil || c.SystemOut == nil || !strings.Contains(c.SystemOut.Text, "run "+res[0].Cached.Run) {
		t.Errorf("cached case: %+v", c)
	}
	junittest.CheckCounts(t, doc)
	junittest.Validate(t, filepath.Join(out, report.JUnitFile))
}
