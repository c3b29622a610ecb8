package run

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/report"
)

// Prebuilt takes each target's last good build from DIR without building:
// a good record is a result; a missing record or a changed file fails that
// target only, naming why; no container is started.
func TestFakePrebuilt(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	out := t.TempDir()
	if res, log, err := fakeBuild(t, context.Background(), f, jobs, out, nil); err != nil || report.Failed(res) > 0 {
		t.Fatalf("%v\n%s", err, log)
	}
	// The packages as artifacts of other jobs: a fresh daemon.
	f = newFake()
	opt := Options{OutputDir: out, Run: ident.NewRun(fakeVersion), Stdout: &bytes.Buffer{}}
	res, err := Prebuilt(context.Background(), f, jobs, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.OK || r.Record == nil || len(r.Artifacts) != 1 || r.Artifacts[0] != "pkg_1.0_amd64.deb" {
			t.Errorf("%s: %+v", r.Target, r)
		}
	}
	if n := f.Names(); len(n) != 0 {
		t.Errorf("containers started: %v", n)
	}

	os.Remove(filepath.Join(out, jobs[0].Name(), report.ResultFile))
	pkg := filepath.Join(out, jobs[1].Name(), "pkg_1.0_amd64.deb")
	b, _ := os.ReadFile(pkg)
	b[0] ^= 1
	os.WriteFile(pkg, b, 0o644)
	res, err = Prebuilt(context.Background(), f, jobs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.OK || r.Step != StepBuild || !strings.Contains(r.Err.Error(), "no good build of debian-bookworm") {
		t.Errorf("no record: %+v", r)
	}
	if r := res[1]; r.OK || r.Err == nil || !strings.Contains(r.Err.Error(), "pkg_1.0_amd64.deb") {
		t.Errorf("a changed package: %+v", r)
	}
}
