package run

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/report/junittest"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/internal/testreq"
)

// loadMatrix writes a matrix file into dir and resolves all its targets;
// their kept volumes go when the test ends.
func loadMatrix(t *testing.T, dir, text string) []plan.Job {
	t.Helper()
	p := filepath.Join(dir, "matrix.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := matrix.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", testVersion)
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropVolumes(t, jobs) })
	return jobs
}

// helloSource unpacks GNU hello 2.10-3 (Debian's source package, fetched by
// scripts/fetch-hello.sh; DBUILDER_HELLO_SRC names another directory with
// its .dsc) into dir/hello-2.10.
func helloSource(t *testing.T, dir string) string {
	t.Helper()
	src := os.Getenv("DBUILDER_HELLO_SRC")
	if src == "" {
		src = "/var/cache/dbuilder/src/hello"
	}
	dsc := filepath.Join(src, "hello_2.10-3.dsc")
	if _, err := os.Stat(dsc); err != nil {
		testreq.Need(t, "GNU hello's source is not in "+src+" (run: bash scripts/fetch-hello.sh)")
	}
	testreq.Tool(t, "dpkg-source", "dpkg-dev")
	cmd := exec.Command("dpkg-source", "--no-check", "-x", dsc, "hello-2.10")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dpkg-source: %v\n%s", err, out)
	}
	return filepath.Join(dir, "hello-2.10")
}

func testsOf(r report.Result, suite string) map[string]report.PackageTest {
	out := map[string]report.PackageTest{}
	for _, pt := range r.PackageTests {
		if pt.Suite == suite {
			out[pt.Name] = pt
		}
	}
	return out
}

// TestAutopkgtestHelloReal runs GNU hello's own DEP-8 tests (debian/tests:
// command1 and upstream-tests) under autopkgtest against the built
// packages, reports each as a testcase, serves them from the result cache,
// and fails the target, with the test's output, once a Test-Command fails.
func TestAutopkgtestHelloReal(t *testing.T) {
	testreq.NotShort(t, "the DEP-8 test of GNU hello")
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	dir := t.TempDir()
	src := helloSource(t, dir)
	jobs := loadMatrix(t, dir, "name: hello\nversion: \"2.10\"\nsource: ./hello-2.10\nmatrix:\n  distro: [debian:bookworm]\n")
	if !jobs[0].Autopkgtest || jobs[0].InstallTest || !jobs[0].Sidecar {
		t.Fatalf("auto: autopkgtest %v, install test %v, sidecar %v; want the DEP-8 tests only, with a daemon", jobs[0].Autopkgtest, jobs[0].InstallTest, jobs[0].Sidecar)
	}
	out := filepath.Join(dir, "dist")
	res, _ := build(t, eng, jobs, out, 1)
	r := res[0]
	if !r.OK {
		t.Fatalf("hello failed in %s: %v", r.Step, r.Err)
	}
	tests := testsOf(r, "autopkgtest")
	if len(tests) != 2 || tests["command1"].Result != report.TestPass || tests["upstream-tests"].Result != report.TestPass {
		t.Fatalf("hello's DEP-8 tests: %+v", r.PackageTests)
	}
	tdir := filepath.Join(out, "debian-bookworm", report.PackageTestsDir)
	for _, f := range []string{"log", "summary", "command1-stdout"} {
		if _, err := os.Stat(filepath.Join(tdir, f)); err != nil {
			t.Errorf("autopkgtest's output: %v", err)
		}
	}
	if err := report.WriteJUnit(out, res); err != nil {
		t.Fatal(err)
	}
	doc := junittest.Read(t, filepath.Join(out, report.JUnitFile))
	var cases []string
	for _, c := range doc.Suites[0].Cases {
		if c.Classname == "dbuilder.debian-bookworm.autopkgtest" {
			cases = append(cases, c.Name)
		}
	}
	if strings.Join(cases, ",") != "command1,upstream-tests" {
		t.Errorf("junit autopkgtest cases %v", cases)
	}
	junittest.Validate(t, filepath.Join(out, report.JUnitFile))

	// Unchanged: the cached result still reports its tests.
	res, _ = build(t, eng, jobs, out, 1)
	if res[0].Cached == nil || len(res[0].Cached.PackageTests) != 2 {
		t.Fatalf("cached result without its package tests: %+v", res[0])
	}
	rep, _ := json.Marshal(report.NewReport("r", "v", "e", time.Now(), res))
	if !strings.Contains(string(rep), `"package_tests":[{"suite":"autopkgtest","name":"command1","result":"pass"}`) {
		t.Errorf("report.json of the cached result: %s", rep)
	}

	// A Test-Command that fails fails the target, with the test's output.
	control := filepath.Join(src, "debian", "tests", "control")
	b, _ := os.ReadFile(control)
	changed := strings.Replace(string(b), "Test-Command: hello\n", "Test-Command: hello; echo 'the greeting was wrong' >&2; exit 3\n", 1)
	if changed == string(b) {
		t.Fatalf("hello's debian/tests/control changed shape:\n%s", b)
	}
	if err := os.WriteFile(control, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	res, _ = build(t, eng, jobs, out, 1)
	r = res[0]
	if r.OK || r.Step != StepAutopkgtest || !strings.Contains(r.Err.Error(), "command1") {
		t.Fatalf("a failing DEP-8 test: ok %v, step %q, err %v", r.OK, r.Step, r.Err)
	}
	c1 := testsOf(r, "autopkgtest")["command1"]
	if c1.Result != report.TestFail || !strings.Contains(strings.Join(c1.Tail, "\n"), "the greeting was wrong") {
		t.Errorf("the failed test's outcome: %+v", c1)
	}
	if _, err := os.Stat(filepath.Join(out, "debian-bookworm", "failed-"+report.PackageTestsDir, "log")); err != nil {
		t.Errorf("the failed attempt's autopkgtest output: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "debian-bookworm", "hello_2.10-3_amd64.deb")); err != nil {
		t.Errorf("the last good packages should stay: %v", err)
	}
}

// TestAutopkgtestRestrictionsReal runs DEP-8 tests of the example package
// (testdata/dep8) that start MariaDB in the target's own daemon and query
// it with the installed client, and one for each restriction's outcome.
func TestAutopkgtestRestrictionsReal(t *testing.T) {
	testreq.NotShort(t, "the DEP-8 restrictions test")
	eng := dockertest.Engine(t)
	for _, img := range []string{"debian:bookworm", "dbuilder-example/mariadb:10.11"} {
		dockertest.Image(t, eng, img)
	}
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-r", filepath.Join("..", "..", "testdata", "hellodb"), filepath.Join(dir, "src")).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := exec.Command("cp", "-r", filepath.Join("..", "..", "testdata", "dep8", "tests"), filepath.Join(dir, "src", "debian", "tests")).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	jobs := loadMatrix(t, dir, `name: hellodb
version: 1.0.0
source: ./src
matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  preload: [dbuilder-example/mariadb:10.11]
  install: "on"
  installed: hellodb --version
`)
	out := filepath.Join(dir, "dist")
	res, log := build(t, eng, jobs, out, 1)
	r := res[0]
	if !r.OK {
		t.Fatalf("failed in %s: %v", r.Step, r.Err)
	}
	want := map[string]string{
		"mariadb": report.TestPass, "as-user": report.TestPass, "in-a-container": report.TestPass,
		"version": report.TestPass, "skips": report.TestSkip, "wobbly": report.TestFlaky,
		"not-installable": report.TestSkip, "needs-vm": report.TestSkip,
	}
	got := testsOf(r, "autopkgtest")
	for name, res := range want {
		if got[name].Result != res {
			t.Errorf("%s: %+v, want %s", name, got[name], res)
		}
	}
	if len(got) != len(want) {
		t.Errorf("tests %+v", r.PackageTests)
	}
	for name, reason := range map[string]string{"skips": "exit status 77", "not-installable": "skip-not-installable", "needs-vm": "isolation-machine"} {
		if !strings.Contains(got[name].Reason, reason) {
			t.Errorf("%s: reason %q, want it to say %q", name, got[name].Reason, reason)
		}
	}
	if !got["version"].Superficial {
		t.Errorf("version is superficial: %+v", got["version"])
	}
	// The test reached the target's own daemon, not the host's.
	if !strings.Contains(log, "daemon: "+r.InnerDaemonID) || r.InnerDaemonID == "" {
		t.Errorf("the mariadb test did not talk to the target's daemon %q", r.InnerDaemonID)
	}
	// The install test ran first, with test.installed.
	if inst := testsOf(r, "install"); inst["install, test.installed, remove"].Result != report.TestPass {
		t.Errorf("install test: %+v", r.PackageTests)
	}
	if r.PackageTests[0].Suite != "install" {
		t.Errorf("the install test runs before autopkgtest: %+v", r.PackageTests)
	}
}

// TestInstallTestRpmReal installs an rpm target's packages in a clean
// container of its distro (the debian-rpm test distro: Debian's rpm, no
// dependency resolution) and runs test.installed there; a failing
// test.installed fails the target in the install step.
func TestInstallTestRpmReal(t *testing.T) {
	testreq.NotShort(t, "the rpm install test")
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-r", filepath.Join("..", "..", "testdata", "hellodb"), filepath.Join(dir, "src")).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	const m = `name: hellodb
version: 1.0.0
source: ./src
matrix:
  distro: [debian-rpm:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  command: ./hellodb --version
  installed: INSTALLED
`
	// Debian's rpm installs without resolving dependencies (libmariadb is
	// not there), so the script checks the installed files, not a run.
	jobs := loadMatrix(t, dir, strings.Replace(m, "INSTALLED", `rpm -q hellodb; test -x /usr/bin/hellodb; echo "installed-at=$(command -v hellodb)"`, 1))
	if jobs[0].Autopkgtest || !jobs[0].InstallTest || jobs[0].Sidecar {
		t.Fatalf("rpm: autopkgtest %v, install test %v, sidecar %v", jobs[0].Autopkgtest, jobs[0].InstallTest, jobs[0].Sidecar)
	}
	out := filepath.Join(dir, "dist")
	res, log := build(t, eng, jobs, out, 1)
	r := res[0]
	if !r.OK {
		t.Fatalf("failed in %s: %v", r.Step, r.Err)
	}
	if inst := testsOf(r, "install")["install, test.installed, remove"]; inst.Result != report.TestPass {
		t.Errorf("install test: %+v", r.PackageTests)
	}
	if !strings.Contains(log, "installed-at=/usr/bin/hellodb") || !strings.Contains(log, "verify-rpm-on-debian.sh: rpm -i --nodeps") {
		t.Errorf("test.installed did not run against the rpm-installed package:\n%s", log)
	}

	jobs = loadMatrix(t, dir, strings.Replace(m, "INSTALLED", "test -x /usr/bin/hellodb-is-not-here", 1))
	res, _ = build(t, eng, jobs, out, 1)
	r = res[0]
	if r.OK || r.Step != StepInstall || !strings.Contains(r.Err.Error(), "install test") {
		t.Fatalf("a failing test.installed: ok %v, step %q, err %v", r.OK, r.Step, r.Err)
	}
	if inst := testsOf(r, "install")["install, test.installed, remove"]; inst.Result != report.TestFail || len(inst.Tail) == 0 {
		t.Errorf("the failed install test: %+v", r.PackageTests)
	}
}
