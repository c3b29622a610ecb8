package release

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/distros"
)

// The repositories take their layout from each job's format: suites where
// the format has them, only its own packages (not logs, not other files).
func TestPlanReposFollowsFormat(t *testing.T) {
	job := func(distro, format string) (plan.Job, report.Result) {
		f, ok := distros.LookupFormat(format)
		if !ok {
			t.Fatalf("format %s is not registered", format)
		}
		dir := t.TempDir()
		pkg := "p_1" + f.Package().Suffix
		for _, n := range []string{pkg, "build.log"} {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return plan.Job{Target: matrix.Target{Name: RepoName(distro), Distro: distro}, Format: f},
			report.Result{Dir: dir, Artifacts: []string{pkg, "build.log"}}
	}
	dj, db := job("debian:trixie", "deb")
	rj, rb := job("fedora:41", "rpm")
	repos, untouched, err := planRepos([]plan.Job{rj, dj}, []report.Result{rb, db}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 2 || len(untouched) != 0 {
		t.Fatalf("repos %+v", repos)
	}
	deb, rpm := repos[0], repos[1]
	if deb.Format != "deb" || deb.Suite != "trixie" || deb.Layout.Dir != "apt" || len(deb.Files) != 1 || deb.Files["p_1.deb"] == "" {
		t.Errorf("deb repository %+v", deb)
	}
	if rpm.Format != "rpm" || rpm.Suite != "" || rpm.Layout.Dir != "rpm" || len(rpm.Files) != 1 || rpm.Files["p_1.rpm"] == "" {
		t.Errorf("rpm repository %+v", rpm)
	}
}
