package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// threeFlavorsReal is three targets of one distro that share one builder
// image (the flavor axis changes nothing in it).
const threeFlavorsReal = `name: hellodb-glcache
version: 1.0.0
source: ./src
matrix:
  distro: [debian:bookworm]
  flavor: [a, b, c]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  command: ./hellodb --version
`

// TestGitLabCILocalCacheReal generates a pipeline with the cache stage
// (--cache-registry, the socket runner) for three targets of one distro,
// with a builder image new to the daemon, and runs it unchanged with
// gitlab-ci-local: the image stage builds the image once and pushes it to
// a loopback registry, and the three target jobs, which need it, build
// none.
func TestGitLabCILocalCacheReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	gcl := tool(t, "gitlab-ci-local", "gitlab-ci-local (npm)")
	tool(t, "rsync", "rsync")
	git := tool(t, "git", "git")
	reg := dockertest.StartRegistry(t, false)
	anon := dockertest.DockerConfig(t, "", "", "")
	dropCaches(t, eng, "hellodb-glcache")

	dir := t.TempDir()
	copyTree(t, "../../testdata/hellodb", filepath.Join(dir, "src"))
	control := filepath.Join(dir, "src", "debian", "control")
	b, _ := os.ReadFile(control)
	src, rest, _ := strings.Cut(string(b), "\n\n")
	os.WriteFile(control, []byte(src+"\nX-Dbuilder-Test: "+dockertest.RunID(t)+"\n\n"+rest), 0o644) // a builder image new to the daemon
	os.WriteFile(filepath.Join(dir, "matrix.yaml"), []byte(threeFlavorsReal), 0o644)
	mx, err := matrix.Load(filepath.Join(dir, "matrix.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := plan.Resolve(mx, mx.Targets, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropImages(eng, jobs) })
	for _, args := range [][]string{{"init", "-q", "."}, {"add", "-A"}, {"-c", "user.email=test@example.org", "-c", "user.name=test", "commit", "-qm", "project"}} {
		if out, err := exec.Command(git, append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	bin := binary(t)
	repo := reg.Host + "/dbuilder-cache"
	gen := exec.Command(bin, "ci", "gitlab", "--runner", "socket", "--cache-registry="+repo, "-o", "child.yml")
	gen.Dir = dir
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ci gitlab: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, gcl, "--file", "child.yml")
	run.Dir = dir
	run.Env = append(os.Environ(), "DOCKER_CONFIG="+anon, "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := run.CombinedOutput()
	t.Logf("gitlab-ci-local:\n%s", out)
	if err != nil {
		t.Fatalf("gitlab-ci-local: %v", err)
	}

	t.Run("debian/bookworm/image-stage-builds-once", func(t *testing.T) {
		log := string(out)
		for _, job := range []string{"image:debian-bookworm", "build:debian-bookworm-a", "build:debian-bookworm-b", "build:debian-bookworm-c"} {
			if !strings.Contains(log, job) {
				t.Errorf("job %s did not run", job)
			}
		}
		if n := strings.Count(log, "dbuilder: building builder image "+jobs[0].ImageTag); n != 1 {
			t.Errorf("the builder image was built %d times in the pipeline, want 1", n)
		}
		if n := strings.Count(log, "dbuilder: builder image "+jobs[0].ImageTag+" reused"); n != 3 {
			t.Errorf("%d target jobs reused the image, want 3", n)
		}
		if !strings.Contains(log, "pushed "+repo+":"+jobs[0].CacheTag) {
			t.Error("the image stage did not push the image")
		}
		if tags := registryTags(t, reg, "dbuilder-cache"); len(tags) != 1 || tags[0] != jobs[0].CacheTag {
			t.Errorf("the registry holds %v, want [%s]", tags, jobs[0].CacheTag)
		}
	})
}
