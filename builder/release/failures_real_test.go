package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// TestReleaseFailuresReal: a package whose dependency no archive has fails
// verify with apt's own words in the log; a package that embeds its build
// time fails --check-reproducible with a diffoscope report. Neither makes
// a repository.
func TestReleaseFailuresReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")

	t.Run("debian/bookworm/missing-dependency", func(t *testing.T) {
		out := t.TempDir()
		o, _ := releaseJobs(t, eng, loadJobs(t, "brokendep.yaml"), out, nil)
		r := o.Targets[0]
		if r.OK || r.FailedStep != StepVerify || r.Verified {
			t.Fatalf("verify did not fail: %+v", r)
		}
		logb, err := os.ReadFile(r.Log)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"dbtest-brokendep : Depends: dbuilder-no-such-package (>= 1.0) but it is not installable", "E: Unable to correct problems"} {
			if !strings.Contains(string(logb), want) {
				t.Errorf("release.log lacks apt's message %q:\n%s", want, logb)
			}
		}
		if o.Repos == nil || o.Repos.Error == "" {
			t.Errorf("repositories made despite a failed target: %+v", o.Repos)
		}
		if _, err := os.Stat(filepath.Join(out, RepoDir)); err == nil {
			t.Errorf("%s exists", RepoDir)
		}
	})

	t.Run("debian/bookworm/embeds-build-time", func(t *testing.T) {
		out := t.TempDir()
		o, _ := releaseJobs(t, eng, loadJobs(t, "buildtime.yaml"), out, func(opt *Options) { opt.CheckReproducible = true })
		r := o.Targets[0]
		if r.OK || r.FailedStep != StepReproducible || r.Reproducible == nil || *r.Reproducible || !r.Verified {
			t.Fatalf("the reproducibility check did not fail: %+v", r)
		}
		report, err := os.ReadFile(filepath.Join(out, "debian-bookworm", DiffName))
		if err != nil {
			t.Fatal(err)
		}
		if r.Diffoscope != filepath.Join(out, "debian-bookworm", DiffName) || !strings.Contains(string(report), "buildtime.txt") || !strings.Contains(string(report), "built at") {
			t.Errorf("diffoscope report (%s) does not show the build time:\n%s", r.Diffoscope, report)
		}
		// The second build's files are gone with the run.
		if m, _ := filepath.Glob(filepath.Join(out, ".dbuilder", "staging", "*")); len(m) > 0 {
			t.Errorf("left in the staging area: %v", m)
		}
	})
}
