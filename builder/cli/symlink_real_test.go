package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// TestSymlinkedCheckoutCachedReal: `cd linkdir; dbuilder build` in a
// checkout reached through a link, with source: . and the default --output
// dist. dist/ must stay out of the build (the test command fails if it is
// there) and out of the hash: the second, unchanged build is cached.
func TestSymlinkedCheckoutCachedReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropCaches(t, eng, "linkcache")
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	src, _ := filepath.Abs("../../testdata/hellodb")
	if out, err := exec.Command("cp", "-a", src, real).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	const m = `name: linkcache
version: 1.0.0
source: .
matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  command: |
    if [ -e dist ]; then echo "dist/ was sent into the build:"; find dist | head; exit 1; fi
    ./hellodb --version
`
	if err := os.WriteFile(filepath.Join(real, "matrix.yaml"), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	first := startIn(t, link, "build")
	if code := first.wait(t, 10*time.Minute); code != 0 || !strings.Contains(first.output(), "hellodb 1.0.0") {
		t.Fatalf("first build: exit %d:\n%s", code, first.output())
	}
	dockertest.AssertClean(t, eng, first.runID())
	if _, err := os.Stat(filepath.Join(real, "dist", "debian-bookworm", "result.json")); err != nil {
		t.Fatalf("the first build left no result in the checkout's dist/: %v", err)
	}
	second := startIn(t, link, "build")
	if code := second.wait(t, 5*time.Minute); code != 0 || summaryResult(second.output(), "debian-bookworm") != "cached" {
		t.Fatalf("second, unchanged build: exit %d, want it cached:\n%s", code, second.output())
	}
}
