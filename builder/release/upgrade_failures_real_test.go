package release

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// TestReleasePurgeAndUpgradeFailuresReal: a package whose postrm forgets
// a file its postinst wrote fails the purge check, naming the file, until
// release.allow_leftovers allows it; a package whose preinst fails on
// upgrade is released once, and its next version fails naming the upgrade
// step and the preinst. Neither failure changes the repository.
func TestReleasePurgeAndUpgradeFailuresReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")

	t.Run("debian/bookworm/postrm-forgets-a-file", func(t *testing.T) {
		_, mfile := versionedSource(t, "leftover", "1.0")
		out := t.TempDir()
		o, _ := releaseJobs(t, eng, loadJobsAt(t, mfile), out, nil)
		r := o.Targets[0]
		left := []string{"/var/lib/dbtest-leftover", "/var/lib/dbtest-leftover/state"}
		if r.OK || r.FailedStep != StepVerify || r.VerifyStep != "leftovers" || !slices.Equal(r.Leftovers, left) ||
			!strings.Contains(r.Error, "purge left 2 path(s) that were not there before install: /var/lib/dbtest-leftover, /var/lib/dbtest-leftover/state") {
			t.Fatalf("the leftover was not reported: %+v", r)
		}
		if _, err := os.Stat(filepath.Join(out, RepoDir)); err == nil {
			t.Errorf("%s made despite a failed target", RepoDir)
		}
		// Allowed: the same packages (the build is reused) pass.
		m := readFile(t, mfile) + "  allow_leftovers: [/var/lib/dbtest-leftover]\n"
		if err := os.WriteFile(mfile, []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
		o, _ = releaseJobs(t, eng, loadJobsAt(t, mfile), out, nil)
		r = o.Targets[0]
		if !r.OK || !slices.Equal(r.AllowedLeftovers, left) || len(r.Leftovers) != 0 || o.Repos.Error != "" {
			t.Errorf("allowed leftovers: %+v %+v", r, o.Repos)
		}
	})

	t.Run("debian/bookworm/preinst-fails-on-upgrade", func(t *testing.T) {
		src, mfile := versionedSource(t, "badupgrade", "1.0")
		out := t.TempDir()
		o, console := releaseJobs(t, eng, loadJobsAt(t, mfile), out, nil)
		if o.Failed() != 0 || o.Repos.Error != "" {
			t.Fatalf("release 1.0: %+v %+v", o.Targets, o.Repos)
		}
		repo := filepath.Join(out, RepoDir)
		// Without a key: unsigned, and said so plainly.
		if o.Repos.Signed || !strings.Contains(console, "UNSIGNED: no signing key was given") {
			t.Errorf("unsigned release not said plainly: %+v\n%s", o.Repos, console)
		}
		for _, f := range []string{KeyFile, "apt/debian-bookworm/dists/bookworm/InRelease"} {
			if _, err := os.Stat(filepath.Join(repo, f)); err == nil {
				t.Errorf("an unsigned repository has %s", f)
			}
		}
		before := treeDigest(t, repo)
		setVersion(t, src, "1.1")
		o, console = releaseJobs(t, eng, loadJobsAt(t, mfile), out, nil)
		r := o.Targets[0]
		if r.OK || r.FailedStep != StepVerify || r.VerifyStep != "upgrade" || r.MaintainerScript != "preinst" ||
			!strings.Contains(r.Error, "failed in step upgrade") ||
			!strings.Contains(r.Error, "maintainer script preinst of the new dbtest-badupgrade package failed (exit status 1)") {
			t.Errorf("the upgrade failure is not named: %+v", r)
		}
		if logb := readFile(t, r.Log); !strings.Contains(logb, "dbtest-badupgrade: refusing to upgrade from 1.0") || !strings.Contains(logb, "the previous repository is not signed: trusted=yes") {
			t.Errorf("the preinst's own words are not in the log:\n%s", logb)
		}
		if !strings.Contains(console, `failed in release step "verify": verify-apt.sh failed in step upgrade`) {
			t.Errorf("the summary does not name the step:\n%s", console)
		}
		if after := treeDigest(t, repo); after != before {
			t.Errorf("the repository changed:\n%s\n---\n%s", before, after)
		}
	})
}
