package run

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/internal/testreq"
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

	if err := WriteJUnit(out, res); err != nil {
		t.Fatal(err)
	}
	// The content is checked first and without xmllint; the schema after.
	doc := readJUnit(t, filepath.Join(out, JUnitFile))
	if raw, _ := os.ReadFile(filepath.Join(out, JUnitFile)); !strings.Contains(string(raw), "<![CDATA[test step failed\n\nlast log lines:\n") {
		t.Errorf("the failure's log lines are not kept as lines:\n%s", raw)
	}
	if len(doc.Suites) != 2 || doc.Tests != 18 || doc.Failures != 3 {
		t.Errorf("suites %d, tests %d, failures %d", len(doc.Suites), doc.Tests, doc.Failures)
	}
	checkCounts(t, doc)
	if s := doc.Suites[len(doc.Suites)-1]; s.Failures != 2 || s.Skipped != 1 {
		t.Errorf("failing suite: %d failures, %d skipped; want 2 (the test step, the package's case), 1 (collect)", s.Failures, s.Skipped)
	}
	pass := doc.Suites[0]
	if got := caseNames(pass); strings.Join(got, ",") != "image,sidecar,preload,build,test,collect,extra,connects,queries" {
		t.Errorf("passing suite cases %v", got)
	}
	fail := doc.Suites[1]
	byName := map[string]junitCase{}
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
	validateJUnit(t, filepath.Join(out, JUnitFile))

	// report.json lists the reports with checksums.
	rep := NewReport("r", "v", "e", time.Now(), res)
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
	if err := WriteJUnit(out, res); err != nil {
		t.Fatal(err)
	}
	doc = readJUnit(t, filepath.Join(out, JUnitFile))
	if got := caseNames(doc.Suites[0]); strings.Join(got, ",") != "result cache,extra,connects,queries" {
		t.Errorf("cached suite cases %v", got)
	}
	if c := doc.Suites[0].Cases[0]; c.Failure != nil || c.Skipped != nil || c.SystemOut == nil || !strings.Contains(c.SystemOut.Text, "run "+res[0].Cached.Run) {
		t.Errorf("cached case: %+v", c)
	}
	checkCounts(t, doc)
	validateJUnit(t, filepath.Join(out, JUnitFile))
}

// A report that is not JUnit shows as an error case, not as nothing.
func TestJUnitBrokenReport(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "t", "reports"), 0o755)
	os.WriteFile(filepath.Join(dir, "t", "reports", "x.xml"), []byte("<html>no</html>"), 0o644)
	res := []Result{{Target: "t", OK: true, Dir: filepath.Join(dir, "t"), Planned: []string{StepImage, StepBuild, StepCollect},
		Steps: []Step{{StepImage, time.Second}, {StepBuild, 2 * time.Second}, {StepCollect, 0}}, Reports: []string{"reports/x.xml"}}}
	if err := WriteJUnit(dir, res); err != nil {
		t.Fatal(err)
	}
	doc := readJUnit(t, filepath.Join(dir, JUnitFile))
	last := doc.Suites[0].Cases[len(doc.Suites[0].Cases)-1]
	if len(last.Error) != 1 || doc.Suites[0].Errors != 1 || doc.Suites[0].Cases[0].Time != "1.000" {
		t.Errorf("suite: %+v", doc.Suites[0])
	}
	checkCounts(t, doc)
	validateJUnit(t, filepath.Join(dir, JUnitFile))
}

func readJUnit(t *testing.T, path string) junitSuites {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func caseNames(s junitSuite) []string {
	var out []string
	for _, c := range s.Cases {
		out = append(out, c.Name)
	}
	return out
}

// checkCounts: every suite's and the document's tests, failures, errors
// and skipped attributes agree with the testcase elements.
func checkCounts(t *testing.T, doc junitSuites) {
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

// validateJUnit checks path against the JUnit XML schema kept in
// testdata/junit with xmllint (Debian's libxml2-utils; scripts/test.sh
// installs it). It is a subtest: without xmllint only the schema check
// skips (or fails, in CI), never the content checks around it.
func validateJUnit(t *testing.T, path string) {
	t.Helper()
	t.Run("junit-schema", func(t *testing.T) {
		xmllint := testreq.Tool(t, "xmllint", "libxml2-utils")
		xsd := filepath.Join("..", "..", "testdata", "junit", "junit-10.xsd")
		if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput(); err != nil {
			b, _ := os.ReadFile(path)
			t.Fatalf("%s does not validate: %v\n%s\n%s", path, err, out, b)
		}
	})
}
