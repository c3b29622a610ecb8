package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/internal/tamper"
)

// TestReleaseRefusesTamperedReal: a package changed after it was built
// (one byte, same size) is refused before anything is verified, signed or
// published, and the error names the file.
func TestReleaseRefusesTamperedReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	out := t.TempDir()
	jobs := loadJobs(t, "hellodb.yaml")[:1] // debian:bookworm
	var deb string
	o, log := releaseJobs(t, eng, jobs, out, func(*Options) {
		debs, _ := filepath.Glob(filepath.Join(out, "debian-bookworm", "hellodb_*.deb"))
		if len(debs) == 0 {
			t.Fatal("the build left no .deb")
		}
		deb = debs[0]
		if err := tamper.DebFile(deb); err != nil {
			t.Fatal(err)
		}
	})
	r := o.Targets[0]
	if r.OK || r.Verified || r.FailedStep != StepChecksum || !strings.Contains(r.Error, filepath.Base(deb)) {
		t.Errorf("a tampered package was not refused by its checksum: %+v\n%s", r, log)
	}
	if o.Repos == nil || o.Repos.Error == "" {
		t.Errorf("repositories made with a tampered package: %+v", o.Repos)
	}
	if _, err := os.Stat(filepath.Join(out, RepoDir)); err == nil {
		t.Errorf("%s exists", RepoDir)
	}
}
