package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/report"
)

// TestGitLabReleaseCILocalReal generates a pipeline with a release stage
// and Pages (socket runner) and runs it with gitlab-ci-local's shell
// executor, as GitLab would run it: first for a branch, where only the
// build job runs, then for a tag, where the release job releases the
// build job's artifacts, signed with the key from a file variable, and
// the pages job publishes the repository. The signed repository is in
// both jobs' artifacts and verifies with the published key; no line of
// the private key is in the jobs' output or in any file of the project
// (artifacts included); the runs leave nothing behind.
func TestGitLabReleaseCILocalReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	gcl := tool(t, "gitlab-ci-local", "gitlab-ci-local (npm)")
	tool(t, "rsync", "rsync")
	git := tool(t, "git", "git")
	gpg := tool(t, "gpg", "gnupg")
	const name = "hellodb-glrelease"
	dropVolumes(t, eng, name)

	dir := t.TempDir()
	copyTree(t, "../../testdata/hellodb", filepath.Join(dir, "src"))
	os.Chmod(filepath.Join(dir, "src", "debian", "rules"), 0o755)
	matrix := "name: " + name + "\nversion: 1.0.0\nsource: ./src\nmatrix: {distro: [debian:bookworm]}\n" +
		"build: {deps: {deb: [libmariadb-dev, pkg-config]}}\ntest: {command: ./hellodb --version}\nrelease: {smoke: hellodb --version}\n"
	os.WriteFile(filepath.Join(dir, "matrix.yaml"), []byte(matrix), 0o644)
	for _, args := range [][]string{{"init", "-q", "."}, {"add", "-A"}, {"-c", "user.email=test@example.org", "-c", "user.name=test", "commit", "-qm", "project"}} {
		if out, err := exec.Command(git, append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	bin := binary(t)
	gen := exec.Command(bin, "ci", "gitlab", "--runner", "socket", "--release", "--pages", "-o", "child.yml")
	gen.Dir = dir
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ci gitlab: %v\n%s", err, out)
	}

	// The key as GitLab hands a File variable over: a file outside the
	// project, its path in the variable (gitlab-ci-local takes a path
	// value as type File).
	private, public := gitlabTestKey(t, gpg)
	keyFile := filepath.Join(t.TempDir(), "signing-key.asc")
	os.WriteFile(keyFile, private, 0o600)
	os.WriteFile(filepath.Join(dir, ".gitlab-ci-local-variables.yml"), []byte("DBUILDER_SIGNING_KEY_FILE: "+keyFile+"\n"), 0o644)

	gitlabCILocal := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		run := exec.CommandContext(ctx, gcl, append([]string{"--file", "child.yml"}, args...)...)
		run.Dir = dir
		run.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := run.CombinedOutput()
		t.Logf("gitlab-ci-local %v:\n%s", args, out)
		if err != nil {
			t.Fatalf("gitlab-ci-local %v: %v", args, err)
		}
		return string(out)
	}
	branch := gitlabCILocal()
	tag := gitlabCILocal("--variable", "CI_COMMIT_TAG=v1.0.0")

	t.Run("debian/bookworm/branch-builds-only", func(t *testing.T) {
		if !strings.Contains(branch, "PASS  build:debian-bookworm") || strings.Contains(branch, "PASS  release") || strings.Contains(branch, "dbuilder release") {
			t.Errorf("on a branch: the build job must pass and the release stage must not run")
		}
	})
	t.Run("debian/bookworm/tag-releases", func(t *testing.T) {
		for _, job := range []string{"build:debian-bookworm", "release", "pages"} {
			if !strings.Contains(tag, "PASS  "+job) {
				t.Errorf("on a tag, job %s did not pass", job)
			}
		}
		arts := filepath.Join(dir, ".gitlab-ci-local", "artifacts")
		for _, p := range artifactPaths(t, filepath.Join(dir, "child.yml"), "release") {
			if m, _ := filepath.Glob(filepath.Join(arts, "release", p)); len(m) == 0 {
				t.Errorf("release artifact %s was not collected", p)
			}
		}
		for _, repo := range []string{filepath.Join(arts, "release", "dist", "repo"), filepath.Join(arts, "pages", "public")} {
			verifySums(t, gpg, repo)
			if _, err := os.Stat(filepath.Join(repo, "apt", "debian-bookworm", "dists", "bookworm", "InRelease")); err != nil {
				t.Error(err)
			}
		}
		if b, _ := os.ReadFile(filepath.Join(arts, "pages", "public", "KEY.asc")); !bytes.Contains(b, []byte("BEGIN PGP PUBLIC KEY BLOCK")) || bytes.Contains(b, []byte("PRIVATE")) {
			t.Errorf("the published key is not the public key")
		}
	})
	t.Run("debian/bookworm/key-never-shown", func(t *testing.T) {
		secret := secretKeyLines(private, public)
		if len(secret) == 0 {
			t.Fatal("no secret lines to look for")
		}
		for _, out := range []string{branch, tag} {
			for _, l := range secret {
				if strings.Contains(out, l) {
					t.Fatalf("a line of the private key is in gitlab-ci-local's output")
				}
			}
		}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+".git"+string(filepath.Separator)) {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, l := range secret {
				if bytes.Contains(b, []byte(l)) {
					t.Errorf("a line of the private key is in %s", p)
					break
				}
			}
			return nil
		})
	})
	t.Run("debian/bookworm/nothing-left", func(t *testing.T) {
		var rec report.Record
		b, _ := os.ReadFile(filepath.Join(dir, "dist", "debian-bookworm", report.ResultFile))
		var rep struct{ Run string }
		b2, _ := os.ReadFile(filepath.Join(dir, "dist", "report.json"))
		if json.Unmarshal(b, &rec) != nil || json.Unmarshal(b2, &rep) != nil || rec.Run == "" || rep.Run == "" || rec.Run == rep.Run {
			t.Fatalf("run ids: build %q, release %q", rec.Run, rep.Run)
		}
		dockertest.AssertClean(t, eng, rec.Run)
		dockertest.AssertClean(t, eng, rep.Run)
	})
}

// gitlabTestKey makes a fresh signing key with gpg and returns it
// armored, private and public.
func gitlabTestKey(t *testing.T, gpg string) (private, public []byte) {
	t.Helper()
	home := t.TempDir()
	run := func(args ...string) []byte {
		cmd := exec.Command(gpg, append([]string{"--batch", "--homedir", home}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	run("--passphrase", "", "--quick-gen-key", "dbuilder ci test <ci-test@example.org>", "ed25519", "sign", "never")
	private, public = run("--armor", "--export-secret-keys"), run("--armor", "--export")
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run() })
	return private, public
}

// secretKeyLines are the lines of an armored private key its public key
// does not share.
func secretKeyLines(private, public []byte) []string {
	pub := map[string]bool{}
	for _, l := range strings.Split(string(public), "\n") {
		pub[strings.TrimSpace(l)] = true
	}
	var out []string
	for _, l := range strings.Split(string(private), "\n") {
		if l = strings.TrimSpace(l); len(l) >= 40 && !strings.HasPrefix(l, "-----") && !pub[l] {
			out = append(out, l)
		}
	}
	return out
}

// verifySums checks a repository's signed SHA256SUMS with its own KEY.asc
// in a fresh keyring, and every file against it.
func verifySums(t *testing.T, gpg, repo string) {
	t.Helper()
	home := t.TempDir()
	for _, args := range [][]string{
		{"--batch", "--homedir", home, "--import", filepath.Join(repo, "KEY.asc")},
		{"--batch", "--homedir", home, "--verify", filepath.Join(repo, "SHA256SUMS.asc"), filepath.Join(repo, "SHA256SUMS")},
	} {
		if out, err := exec.Command(gpg, args...).CombinedOutput(); err != nil {
			t.Errorf("gpg %v: %v\n%s", args[3:], err, out)
		}
	}
	exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
	check := exec.Command("sha256sum", "-c", "--quiet", "SHA256SUMS")
	check.Dir = repo
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c in %s: %v\n%s", repo, err, out)
	}
}
