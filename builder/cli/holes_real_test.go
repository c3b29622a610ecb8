package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// Real-daemon tests for holes found in review: each failed before its fix.

// TestKilledTestLeftoversReal: a run killed while its test has a container
// with a fixed name and a published port running in the target's daemon
// (the stress test once saw the port stay "already allocated" after such a
// kill: the sidecar now drops the killed daemon's network store); gc right
// after; the
// next run's test starts a container of the same name and passes, because
// the sidecar clears what earlier runs left in the inner daemon. The matrix
// is called libsigc++: a valid package name that is not a legal Docker
// name, which must not matter.
func TestKilledTestLeftoversReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropVolumes(t, eng, "libsigc++")
	start1 := `  command: |
    docker run -d --name db -p 127.0.0.1:3306:3306 --entrypoint sleep dbuilder-example/mariadb:10.11 600
    echo db-is-up
    sleep 600
`
	again := `  command: |
    docker run -d --name db -p 127.0.0.1:3306:3306 --entrypoint sleep dbuilder-example/mariadb:10.11 600
    docker rm -f db
`
	body := func(cmd string) string {
		return strings.Replace(dockerBody, "  command: make check\n", cmd, 1)
	}
	out := t.TempDir()
	p := start(t, "build", "-f", writeExampleMatrix(t, "libsigc++", body(start1)), "--output", out)
	if !p.waitFor("db-is-up", 10*time.Minute) {
		t.Fatalf("the test never started its container:\n%s", p.output())
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t, time.Minute)
	gc := start(t, "gc", "--output", out)
	if code := gc.wait(t, 2*time.Minute); code != 0 || !strings.Contains(gc.output(), "run "+p.runID()) {
		t.Fatalf("gc right after SIGKILL (exit %d) did not remove run %s:\n%s", code, p.runID(), gc.output())
	}
	dockertest.AssertClean(t, eng, p.runID())

	p2 := start(t, "build", "-f", writeExampleMatrix(t, "libsigc++", body(again)), "--output", out)
	if code := p2.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("rerun after the kill failed (exit %d):\n%s", code, p2.output())
	}
	if !strings.Contains(p2.output(), "removed what an earlier run left in the target's daemon: [container db]") {
		t.Errorf("the rerun did not say it cleared the inner daemon:\n%s", p2.output())
	}
	vols, _ := eng.VolumeList(context.Background(), map[string]string{labels.Matrix: "libsigc++", labels.Role: labels.RoleCache})
	if len(vols) != 1 || vols[0].Name != ident.ForTarget("libsigc++", "debian-bookworm").Cache {
		t.Errorf("cache volumes of libsigc++: %v", vols)
	}
	dockertest.AssertClean(t, eng, p2.runID())
}

// TestSymlinkedSourceReal: the source reached through a link, and the
// matrix file's directory reached through a link, both build.
func TestSymlinkedSourceReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropCaches(t, eng, "linked")
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	src, _ := filepath.Abs("../../testdata/hellodb")
	if out, err := exec.Command("cp", "-a", src, real).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.Symlink(real, filepath.Join(dir, "via-link"))
	const body = "matrix:\n  distro: [debian:bookworm]\nbuild:\n  deps:\n    deb: [libmariadb-dev, pkg-config]\ntest:\n  command: test -x ./hellodb && ./hellodb --version\n"
	// 1. source: a link to the tree.
	m1 := filepath.Join(dir, "m1.yaml")
	os.WriteFile(m1, []byte("name: linked\nversion: 1.0.0\nsource: via-link\n"+body), 0o644)
	// 2. the matrix inside the tree, named through the link (source: its directory).
	os.WriteFile(filepath.Join(real, "matrix.yaml"), []byte("name: linked\nversion: 1.0.0\n"+body), 0o644)
	m2 := filepath.Join(dir, "via-link", "matrix.yaml")
	for _, m := range []string{m1, m2} {
		p := start(t, "build", "-f", m, "--output", t.TempDir())
		if code := p.wait(t, 10*time.Minute); code != 0 || !strings.Contains(p.output(), "hellodb 1.0.0") {
			t.Fatalf("-f %s: exit %d:\n%s", m, code, p.output())
		}
		dockertest.AssertClean(t, eng, p.runID())
	}
}

// TestDockerfileIsBuildsReal: `dbuilder dockerfile` prints the Dockerfile
// build uses, even when docker:dind is on the daemon (which once changed
// where build copied the docker CLI from, but not what dockerfile printed):
// the builder image tag, a hash of that Dockerfile, is the one build uses.
func TestDockerfileIsBuildsReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	own := dockertest.SidecarImage(t, eng)
	if _, err := eng.Image(context.Background(), sidecar.Official); err != nil {
		// Stand-in for a pulled docker:dind: any image under that name.
		if out, err := exec.Command("docker", "tag", own.Ref, sidecar.Official).CombinedOutput(); err != nil {
			t.Fatalf("docker tag: %v %s", err, out)
		}
		t.Cleanup(func() { eng.ImageRemove(context.Background(), sidecar.Official) })
	}
	dropCaches(t, eng, "dfsame")
	m := writeExampleMatrix(t, "dfsame", dockerBody)
	df, errOut, code := planInitRun(t, "dockerfile", "-f", m, "--distro", "debian:bookworm")
	if code != 0 || !strings.Contains(df, "COPY --from="+own.Ref) {
		t.Fatalf("dockerfile (exit %d) does not copy the CLI from %s:\n%s%s", code, own.Ref, df, errOut)
	}
	js, _, _ := planInitRun(t, "plan", "-f", m, "--format", "json")
	var planned []struct {
		BuilderImage string `json:"builder_image"`
	}
	if err := json.Unmarshal([]byte(js), &planned); err != nil || len(planned) != 1 {
		t.Fatalf("plan json: %v\n%s", err, js)
	}
	p := start(t, "build", "-f", m, "--output", t.TempDir())
	if code := p.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("build: exit %d\n%s", code, p.output())
	}
	if !strings.Contains(p.output(), "builder image "+planned[0].BuilderImage) {
		t.Errorf("build did not use the planned image %s:\n%s", planned[0].BuilderImage, p.output())
	}
}
