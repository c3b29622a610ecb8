package release

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
)

const testKeyArmor = "-----BEGIN PGP PRIVATE KEY BLOCK-----\nx\n-----END PGP PRIVATE KEY BLOCK-----\n"

// A release into a directory that holds one: the verify container gets
// the earlier version from the published repository, and the repository
// container the earlier files (kept/), the new ones (in/), the source
// package, a repository of another distro as it is (repo/) and the
// published key; the report lists the untouched repository as unchanged.
func TestFakeLivingRepository(t *testing.T) {
	out := t.TempDir()
	pool := "apt/debian-bookworm/pool/main/"
	writeRepo(t, filepath.Join(out, RepoDir), map[string]string{
		"KEY.asc":                      "public key",
		pool + "hellodb_0.9_amd64.deb": "old deb",
		"apt/debian-bookworm/dists/bookworm/main/binary-amd64/Packages": "Package: hellodb\nVersion: 0.9\nArchitecture: amd64\nFilename: pool/main/hellodb_0.9_amd64.deb\n",
		"rpm/fedora-41/hellodb-0.9-1.x86_64.rpm":                        "old rpm",
	})
	f := newFake()
	var verifyFiles, repoFiles []string
	var verifyEnv []string
	onStart(f, func(c *enginefake.Container) enginefake.Behavior {
		if _, ok := c.Files["/release/verify.sh"]; ok {
			verifyFiles, verifyEnv = sortedKeys(c.Files), c.Spec.Env
			return func(c *enginefake.Container, stop <-chan struct{}) int {
				c.Out["upgraded.txt"] = []byte("hellodb 0.9 1.0.0\n")
				return 0
			}
		}
		return nil
	})
	f.OnExec = func(c *enginefake.Container, cmd []string) int {
		repoFiles = sortedKeys(c.Files)
		c.Out[SumsFile] = nil
		return 0
	}
	o, _, console := fakeReleaseIn(t, f, Options{Key: []byte(testKeyArmor)}, "off", out)
	r := o.Targets[0]
	if !r.OK || !slices.Equal(r.UpgradedFrom, []string{"hellodb 0.9 -> 1.0.0"}) || o.Repos.Error != "" {
		t.Fatalf("%+v %+v\n%s", r, o.Repos, console)
	}
	for _, want := range []string{"/release/prev/KEY.asc", "/release/prev/pkgs.txt", "/release/prev/repo/pool/main/hellodb_0.9_amd64.deb", "/release/prev/repo/dists/bookworm/main/binary-amd64/Packages", "/release/pkgs/hellodb_1.0.0_amd64.deb"} {
		if !slices.Contains(verifyFiles, want) {
			t.Errorf("verify container lacks %s: %v", want, verifyFiles)
		}
	}
	if !slices.Contains(verifyEnv, "DBUILDER_PREV=/release/prev") || !slices.Contains(verifyEnv, "DBUILDER_PREV_SUITE=bookworm") {
		t.Errorf("verify env %v", verifyEnv)
	}
	for _, want := range []string{"/release/kept/debian-bookworm/hellodb_0.9_amd64.deb", "/release/in/debian-bookworm/hellodb_1.0.0_amd64.deb",
		"/release/in/debian-bookworm/hellodb_1.0.0_amd64.buildinfo", "/release/in/debian-bookworm/hellodb_1.0.0.dsc", "/release/in/debian-bookworm/hellodb_1.0.0.tar.xz",
		"/release/repo/rpm/fedora-41/hellodb-0.9-1.x86_64.rpm", "/release/published/KEY.asc"} {
		if !slices.Contains(repoFiles, want) {
			t.Errorf("repository container lacks %s: %v", want, repoFiles)
		}
	}
	if slices.ContainsFunc(repoFiles, func(p string) bool { return strings.Contains(p, "/dists/") }) {
		t.Errorf("the touched repository's indexes were sent: they are made again (%v)", repoFiles)
	}
	if len(o.Repos.Repos) != 2 || o.Repos.Repos[1].Path != "repo/rpm/fedora-41" || !o.Repos.Repos[1].Unchanged || o.Repos.Repos[1].Distro != "fedora:41" {
		t.Errorf("repositories %+v", o.Repos.Repos)
	}
}

// A file the published repository holds with other content refuses the
// target before verify, naming the file, and leaves the repository alone.
func TestFakePublishedConflict(t *testing.T) {
	out := t.TempDir()
	repo := filepath.Join(out, RepoDir)
	writeRepo(t, repo, map[string]string{"apt/debian-bookworm/pool/main/hellodb_1.0.0_amd64.deb": "other bytes", "apt/debian-bookworm/dists/bookworm/Release": "r"})
	f := newFake()
	verified := false
	onStart(f, func(c *enginefake.Container) enginefake.Behavior {
		if _, ok := c.Files["/release/verify.sh"]; ok {
			verified = true
		}
		return nil
	})
	o, _, _ := fakeReleaseIn(t, f, Options{}, "off", out)
	r := o.Targets[0]
	if r.OK || r.FailedStep != StepPublished || !strings.Contains(r.Error, "refused: hellodb_1.0.0_amd64.deb is already published") || verified {
		t.Errorf("%+v (verified %v)", r, verified)
	}
	if b, _ := os.ReadFile(filepath.Join(repo, "apt/debian-bookworm/pool/main/hellodb_1.0.0_amd64.deb")); string(b) != "other bytes" {
		t.Errorf("the published file changed: %q", b)
	}
}

// --previous: upgrades start from another release's repository, while
// the release adds to its own (here empty) output directory: nothing of
// the other one is kept in it.
func TestFakePrevious(t *testing.T) {
	other := t.TempDir()
	writeRepo(t, filepath.Join(other, RepoDir), map[string]string{
		"apt/debian-bookworm/pool/main/hellodb_0.9_amd64.deb":           "old deb",
		"apt/debian-bookworm/dists/bookworm/main/binary-amd64/Packages": "Package: hellodb\nVersion: 0.9\nArchitecture: amd64\nFilename: pool/main/hellodb_0.9_amd64.deb\n",
	})
	f := newFake()
	var verifyFiles, repoFiles []string
	onStart(f, func(c *enginefake.Container) enginefake.Behavior {
		if _, ok := c.Files["/release/verify.sh"]; ok {
			verifyFiles = sortedKeys(c.Files)
		}
		return nil
	})
	f.OnExec = func(c *enginefake.Container, cmd []string) int {
		repoFiles = sortedKeys(c.Files)
		c.Out[SumsFile] = nil
		return 0
	}
	o, _, _ := fakeRelease(t, f, Options{Previous: other}, "off")
	if !o.Targets[0].OK || o.Repos.Error != "" {
		t.Fatalf("%+v %+v", o.Targets[0], o.Repos)
	}
	if !slices.Contains(verifyFiles, "/release/prev/repo/pool/main/hellodb_0.9_amd64.deb") || slices.Contains(verifyFiles, "/release/prev/KEY.asc") {
		t.Errorf("verify container: %v", verifyFiles)
	}
	if slices.ContainsFunc(repoFiles, func(p string) bool { return strings.Contains(p, "0.9") }) {
		t.Errorf("the previous release's files went into this repository: %v", repoFiles)
	}
}
