package run

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// archJobsReal resolves the example on debian:bookworm for arches.
func archJobsReal(t *testing.T, arches string) []plan.Job {
	t.Helper()
	m, err := matrix.Load(filepath.Join("..", "..", "testdata", "e2e", "hellodb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(m.Path)
	body := strings.Replace(string(text), "distro: [debian:bookworm, debian:trixie, debian:bullseye, debian-rpm:bookworm]",
		"distro: [debian:bookworm]\n  arch: ["+arches+"]", 1)
	body = strings.Replace(body, "source: ../hellodb", "source: "+m.SourceDir, 1)
	body = strings.Replace(body, "name: hellodb", "name: hellodb-arch", 1)
	i := strings.Index(body, "overrides:")
	body = body[:i]
	m, err = matrix.Parse(filepath.Join(t.TempDir(), "m.yaml"), []byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", testVersion)
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}, NativeArch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropVolumes(t, jobs) })
	return jobs
}

// TestArchReal builds and tests the example for arm64 (through emulation,
// with a native MariaDB in the target's daemon) next to amd64, at -j 2.
func TestArchReal(t *testing.T) {
	eng := dockertest.Engine(t)
	for _, img := range []string{"debian:bookworm", "arm64v8/debian:bookworm", "dbuilder-example/mariadb:10.11"} {
		dockertest.Image(t, eng, img)
	}
	out := t.TempDir()
	res, log := build(t, eng, archJobsReal(t, "amd64, arm64"), out, 2)
	for _, r := range res {
		t.Run("debian/bookworm/"+r.Arch, func(t *testing.T) {
			if !r.OK {
				t.Fatalf("failed in %s: %v\n%s", r.Step, r.Err, strings.Join(r.Tail, "\n"))
			}
			if r.Emulated != (r.Arch == "arm64") {
				t.Errorf("emulated %v for %s", r.Emulated, r.Arch)
			}
			dir := filepath.Join(out, r.Target)
			deb := filepath.Join(dir, "hellodb_1.0.0_"+r.Arch+".deb")
			field, err := exec.Command("dpkg-deb", "-f", deb, "Architecture").Output()
			if err != nil || strings.TrimSpace(string(field)) != r.Arch {
				t.Errorf("%s: Architecture %q (%v)", deb, field, err)
			}
			bin, err := exec.Command("sh", "-c", "dpkg-deb --fsys-tarfile "+deb+" | tar -xO ./usr/bin/hellodb").Output()
			if err != nil {
				t.Fatal(err)
			}
			f, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[r.Arch]
			if f.Machine != want {
				t.Errorf("hellodb is %v, want %v", f.Machine, want)
			}
			bi, _ := os.ReadFile(filepath.Join(dir, "hellodb_1.0.0_"+r.Arch+".buildinfo"))
			if !strings.Contains(string(bi), "Build-Architecture: "+r.Arch+"\n") {
				t.Errorf("buildinfo lacks Build-Architecture: %s", r.Arch)
			}
			l, _ := os.ReadFile(filepath.Join(dir, "build.log"))
			if !strings.Contains(string(l), "hellodb: ok") {
				t.Errorf("the MariaDB test did not pass:\n%s", l)
			}
		})
	}
	if !strings.Contains(log, "arm64 (emulated)") {
		t.Errorf("summary does not say arm64 ran emulated:\n%s", log)
	}
}

// TestArchWithoutEmulationReal: an arm64 target whose base image this
// daemon cannot run is refused before anything is created. Host-wide
// emulation stays as it is (other packages' tests use it at the same
// time): the base image is a stand-in whose binaries are for a machine no
// binfmt handler emulates, so starting it fails with "exec format error",
// as an arm64 image does on a host without arm64 emulation.
func TestArchWithoutEmulationReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "dbuilder-example/mariadb:10.11")
	base := unrunnableImage(t, eng, "arm64")
	jobs := archJobsReal(t, "arm64")
	jobs[0].Distro.Image = base
	run := dockertest.NewRun(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var log bytes.Buffer
	_, err := Build(ctx, eng, jobs, Options{OutputDir: t.TempDir(), Jobs: 1, Run: run, Sidecar: sidecar.ImageFor("", testVersion), Stdout: &log})
	t.Run("debian/bookworm/arm64-refused", func(t *testing.T) {
		var ie InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "cannot run arm64 containers") {
			t.Fatalf("got %v\n%s", err, log.String())
		}
		t.Logf("refused: %v", err)
		dockertest.AssertClean(t, eng, run.ID)
		vols, _ := eng.VolumeList(context.Background(), map[string]string{"io.dbuilder.matrix": "hellodb-arch"})
		for _, v := range vols {
			if v.Name == jobs[0].Names.Cache {
				t.Errorf("created the cache volume before refusing")
			}
		}
	})
}
