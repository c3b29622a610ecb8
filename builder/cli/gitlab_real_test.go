package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// TestGitLabCILocalReal generates the child pipeline of a project for the
// socket runner and runs it for real with gitlab-ci-local (from npm; the
// shell executor, so a job runs dbuilder on this host against its daemon,
// as a shell runner on a Docker host does). Afterwards every path the job
// declares as an artifact exists, and gitlab-ci-local collected it.
func TestGitLabCILocalReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	gcl := tool(t, "gitlab-ci-local", "gitlab-ci-local (npm)")
	tool(t, "rsync", "rsync")
	git := tool(t, "git", "git")
	dropVolumes(t, eng, "hellodb-gitlab")

	dir := t.TempDir()
	copyTree(t, "../../testdata/hellodb", filepath.Join(dir, "src"))
	os.WriteFile(filepath.Join(dir, "matrix.yaml"), []byte("name: hellodb-gitlab\nversion: 1.0.0\nsource: ./src\n"+dockerBody), 0o644)
	for _, args := range [][]string{{"init", "-q", "."}, {"add", "-A"}, {"-c", "user.email=test@example.org", "-c", "user.name=test", "commit", "-qm", "project"}} {
		if out, err := exec.Command(git, append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	bin := binary(t)
	gen := exec.Command(bin, "ci", "gitlab", "--runner", "socket", "-o", "child.yml")
	gen.Dir = dir
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ci gitlab: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, gcl, "--file", "child.yml")
	run.Dir = dir
	run.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := run.CombinedOutput()
	t.Logf("gitlab-ci-local:\n%s", out)
	if err != nil {
		t.Fatalf("gitlab-ci-local: %v", err)
	}

	t.Run("debian/bookworm/gitlab-ci-local", func(t *testing.T) {
		if !strings.Contains(string(out), "PASS") || !strings.Contains(string(out), "build:debian-bookworm") {
			t.Errorf("the job did not pass")
		}
		paths := artifactPaths(t, filepath.Join(dir, "child.yml"), "build:debian-bookworm")
		collected, _ := filepath.Glob(filepath.Join(dir, ".gitlab-ci-local", "artifacts", "*"))
		if len(paths) != 3 || len(collected) != 1 {
			t.Fatalf("artifact paths %v, collected in %v", paths, collected)
		}
		for _, p := range paths {
			for _, base := range []string{dir, collected[0]} {
				if _, err := os.Stat(filepath.Join(base, p)); err != nil {
					t.Errorf("declared artifact %s: %v", p, err)
				}
			}
		}
		if _, err := os.Stat(filepath.Join(collected[0], "dist", "debian-bookworm", "hellodb_1.0.0_amd64.deb")); err != nil {
			t.Errorf("the package is not among the artifacts: %v", err)
		}
		validateJUnit(t, filepath.Join(dir, "dist", "junit.xml"))
		// The job ran dbuilder gc in after_script; the run left nothing.
		var rep struct{ Run string }
		b, _ := os.ReadFile(filepath.Join(dir, "dist", "report.json"))
		if json.Unmarshal(b, &rep); rep.Run == "" {
			t.Fatal("no run id in report.json")
		}
		dockertest.AssertClean(t, eng, rep.Run)
	})
}

// artifactPaths reads a job's artifacts:paths from a pipeline file.
func artifactPaths(t *testing.T, file, job string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]yaml.Node
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Artifacts struct {
			Paths []string `yaml:"paths"`
		} `yaml:"artifacts"`
	}
	n := p[job]
	if err := n.Decode(&j); err != nil {
		t.Fatal(err)
	}
	return j.Artifacts.Paths
}
