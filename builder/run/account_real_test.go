package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// TestAccountingReal: a test that writes 64 MiB with O_DIRECT, burns two
// CPU-seconds and holds 200 MiB shows at least that much in the build's
// figures; the target's daemon is measured too.
func TestAccountingReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages := []string{"debian:bookworm"}
	for _, img := range needImages {
		dockertest.Image(t, eng, img)
	}
	src, _ := filepath.Abs("../../testdata/hellodb")
	text := fmt.Sprintf(`name: accounting
version: 1.0.0
source: %s
matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  command: |
    dd if=/dev/zero of=big bs=1M count=64 oflag=direct 2>&1 | tail -1
    rm -f big
    timeout 2 sh -c 'while :; do :; done' || true
    dd if=/dev/zero of=/dev/null bs=200M count=1 2>&1 | tail -1
`, src)
	m, err := matrix.Parse(filepath.Join(t.TempDir(), "m.yaml"), []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", testVersion)
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropVolumes(t, jobs) })
	res, log := build(t, eng, jobs, t.TempDir(), 1)
	r := res[0]
	if !r.OK || r.Resources == nil {
		t.Fatalf("%+v\n%s", r, log)
	}
	b := r.Resources.Build
	t.Run("debian/bookworm/build-figures", func(t *testing.T) {
		if b.WrittenBytes == nil || *b.WrittenBytes < 64<<20 {
			t.Errorf("written %v (source %q), want at least 64 MiB", b.WrittenBytes, b.IOSource)
		}
		if b.CPUSeconds == nil || *b.CPUSeconds < 2.0 {
			t.Errorf("cpu %v, want at least 2 s", b.CPUSeconds)
		}
		if b.PeakMemory == nil || *b.PeakMemory < 200<<20 {
			t.Errorf("peak memory %v, want at least 200 MiB", b.PeakMemory)
		}
	})
	t.Run("debian/bookworm/daemon-figures", func(t *testing.T) {
		d := r.Resources.Daemon
		if d == nil || d.CPUSeconds == nil || *d.CPUSeconds <= 0 || d.PeakMemory == nil || *d.PeakMemory <= 0 {
			t.Fatalf("daemon figures %+v", d)
		}
		if d.IOSource == "" && (d.ReadBytes != nil || d.WrittenBytes != nil) {
			t.Errorf("I/O figures without a source: %+v", d)
		}
		// Not accounted is said, with why; a figure says what it counts.
		if (d.ReadBytes == nil) != (d.NotAccounted["io"] != "") || (d.ReadBytes != nil) != (d.IOCounts != "") {
			t.Errorf("daemon I/O %v, counts %q, not accounted %q", d.ReadBytes, d.IOCounts, d.NotAccounted)
		}
	})
	if !strings.Contains(log, "BUILD CPU") {
		t.Errorf("the summary has no resource table:\n%s", log)
	}
}

// dropVolumes removes the kept volumes of jobs: a test's caches should not
// outlive it.
func dropVolumes(t *testing.T, jobs []plan.Job) {
	eng := dockertest.Engine(t)
	for _, j := range jobs {
		for _, v := range []string{j.Names.Cache, j.Names.CCache, j.Names.Work} {
			eng.VolumeRemove(context.Background(), v)
		}
	}
}

// TestResultCacheReal: one byte changed in the source builds again; the
// same source again is taken from the result cache, and its packages are
// the ones on disk.
func TestResultCacheReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	src := t.TempDir()
	if err := os.CopyFS(src, os.DirFS("../../testdata/hellodb")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(src, "debian", "rules"), 0o755)
	text := fmt.Sprintf("name: rcache\nversion: 1.0.0\nsource: %s\nmatrix:\n  distro: [debian:bookworm]\nbuild:\n  deps:\n    deb: [libmariadb-dev, pkg-config]\ntest:\n  command: ./hellodb --version\n", src)
	m, err := matrix.Parse(filepath.Join(t.TempDir(), "m.yaml"), []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropVolumes(t, jobs) })
	out := t.TempDir()
	first, log := build(t, eng, jobs, out, 1)
	if !first[0].OK || first[0].Cached != nil {
		t.Fatalf("first build: %+v\n%s", first[0], log)
	}
	again, _ := build(t, eng, jobs, out, 1)
	if again[0].Cached == nil || again[0].Cached.Run == "" {
		t.Fatalf("unchanged source was built again: %+v", again[0])
	}
	c := filepath.Join(src, "hellodb.c")
	b, _ := os.ReadFile(c)
	os.WriteFile(c, append(b, '\n'), 0o644)
	changed, _ := build(t, eng, jobs, out, 1)
	if changed[0].Cached != nil || !changed[0].OK {
		t.Fatalf("a changed source byte was not built: %+v", changed[0])
	}
}
