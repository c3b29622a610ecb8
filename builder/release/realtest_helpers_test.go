package release

import (
	"bytes"
	"context"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/run"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/builder/version"
	"github.com/dbuilder/dbuilder/internal/testreq"
)

// loadJobs resolves a testdata/release matrix.
func loadJobs(t *testing.T, name string) []plan.Job {
	t.Helper()
	return loadJobsAt(t, filepath.Join("..", "..", "testdata", "release", name))
}

// loadJobsAt resolves the matrix file at p.
func loadJobsAt(t *testing.T, p string) []plan.Job {
	t.Helper()
	m, err := matrix.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", version.Version)
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// releaseJobs builds jobs into out and releases them, as `dbuilder
// release` does, and checks that nothing of either run is left.
func releaseJobs(t *testing.T, eng engine.Engine, jobs []plan.Job, out string, mod func(*Options)) (*Outcome, string) {
	t.Helper()
	// The targets' kept volumes (caches, ccaches) are the test's own.
	t.Cleanup(func() {
		for _, j := range jobs {
			for _, v := range []string{j.Names.Cache, j.Names.CCache, j.Names.Work} {
				eng.VolumeRemove(context.Background(), v)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	id := dockertest.NewRun(t)
	var log bytes.Buffer
	bopt := run.Options{OutputDir: out, Jobs: 2, Run: id, Sidecar: sidecar.ImageFor("", version.Version), Stdout: &log, CCache: true}
	jobs = BuildJobs(jobs)
	built, err := run.Build(ctx, eng, jobs, bopt)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	opt := Options{OutputDir: out, Run: id, Jobs: 2, Build: bopt, Origin: jobs[0].Names.Matrix, Stdout: &log}
	if mod != nil {
		mod(&opt)
	}
	o, err := Release(ctx, eng, jobs, built, opt)
	if err != nil {
		t.Fatalf("release: %v\n%s", err, log.String())
	}
	Summary(&log, jobs, o)
	t.Log(log.String())
	dockertest.AssertClean(t, eng, id.ID)
	return o, log.String()
}

// testKey makes a fresh signing key with the host's gpg (scripts/test.sh
// installs gnupg) and returns it armored, private and public.
func testKey(t *testing.T) (private, public []byte) {
	t.Helper()
	testreq.Tool(t, "gpg", "gnupg")
	home := t.TempDir()
	gpg := func(args ...string) []byte {
		cmd := exec.Command("gpg", append([]string{"--batch", "--homedir", home}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	gpg("--passphrase", "", "--quick-gen-key", "dbuilder release test <release-test@example.org>", "ed25519", "sign", "never")
	private = gpg("--armor", "--export-secret-keys")
	public = gpg("--armor", "--export")
	// The agent this started goes with its home.
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run() })
	return private, public
}

// secretLines are the lines of an armored private key that its public key
// does not share: finding one anywhere means the key leaked.
func secretLines(private, public []byte) []string {
	pub := map[string]bool{}
	for _, l := range strings.Split(string(public), "\n") {
		pub[strings.TrimSpace(l)] = true
	}
	var out []string
	for _, l := range strings.Split(string(private), "\n") {
		l = strings.TrimSpace(l)
		if len(l) < 40 || strings.HasPrefix(l, "-----") || pub[l] {
			continue
		}
		out = append(out, l)
	}
	return out
}

// treeFiles maps every file under dir to its path under prefix, for a box.
func treeFiles(t *testing.T, dir, prefix string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[prefix+"/"+filepath.ToSlash(rel)] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// client runs script in a clean container of image with files copied in
// under /release, as a user's machine would get them, and returns its
// exit code and output.
func client(t *testing.T, eng engine.Engine, image, script string, files map[string]string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out bytes.Buffer
	b := box{Image: image, Script: []byte(script), Files: files, Labels: map[string]string{"dbuilder-test": "release-client"}}
	code, err := b.run(ctx, eng, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return code, out.String()
}
