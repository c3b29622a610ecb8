package run

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/builder/version"
)

var testVersion = version.Version

// loadE2E resolves the selected targets of a testdata/e2e matrix.
func loadE2E(t *testing.T, name, sel string) []plan.Job {
	t.Helper()
	m, err := matrix.Load(filepath.Join("..", "..", "testdata", "e2e", name))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := matrix.Select(m.Targets, sel)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", testVersion)
	jobs, err := plan.Resolve(m, ts, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func build(t *testing.T, eng engine.Engine, jobs []plan.Job, out string, j int, mods ...func(*Options)) ([]report.Result, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	run := dockertest.NewRun(t)
	var log bytes.Buffer
	opt := Options{OutputDir: out, Jobs: j, Run: run, Sidecar: sidecar.ImageFor("", testVersion), Stdout: &log, CCache: true}
	for _, m := range mods {
		m(&opt)
	}
	res, err := Build(ctx, eng, jobs, opt)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	report.Summary(&log, res)
	t.Log(log.String())
	dockertest.AssertClean(t, eng, run.ID)
	return res, log.String()
}

var innerID = regexp.MustCompile(`inner-daemon-id=(\S+)`)

// TestBuildReal builds and tests the example for three Debian suites at -j2
// against the real daemon, then again warm.
func TestBuildReal(t *testing.T) {
	eng := dockertest.Engine(t)
	for _, img := range []string{"debian:bookworm", "debian:trixie", "debian:bullseye", "dbuilder-example/mariadb:10.11"} {
		dockertest.Image(t, eng, img)
	}
	jobs := loadE2E(t, "hellodb.yaml", "debian:bookworm,debian:trixie,debian:bullseye")
	out := t.TempDir()
	host, err := eng.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	res, _ := build(t, eng, jobs, out, 2)
	ids := map[string]string{}
	for _, r := range res {
		t.Run("debian/"+strings.TrimPrefix(r.Target, "debian-")+"/cold", func(t *testing.T) {
			if !r.OK {
				t.Fatalf("%s failed in %s: %v\n%s", r.Target, r.Step, r.Err, strings.Join(r.Tail, "\n"))
			}
			logb, err := os.ReadFile(filepath.Join(out, r.Target, "build.log"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(logb), "hellodb: ok") {
				t.Errorf("the test did not report hellodb: ok")
			}
			mm := innerID.FindStringSubmatch(string(logb))
			if mm == nil {
				t.Fatal("test did not print the inner daemon id")
			}
			if mm[1] == host.ID || mm[1] != r.InnerDaemonID {
				t.Errorf("inner daemon id %s: host %s, sidecar %s", mm[1], host.ID, r.InnerDaemonID)
			}
			ids[r.Target] = mm[1]
			if len(r.PackageTests) != 1 || r.PackageTests[0].Suite != "install" || r.PackageTests[0].Result != report.TestPass {
				t.Errorf("the install test (on by default) did not pass: %+v", r.PackageTests)
			}
			installAndRun(t, eng, r.Distro, filepath.Join(out, r.Target), r.Artifacts)
		})
	}
	seen := map[string]string{}
	for target, id := range ids {
		if other, ok := seen[id]; ok {
			t.Errorf("%s and %s shared one daemon %s", target, other, id)
		}
		seen[id] = target
	}
	if len(ids) != len(res) {
		t.Errorf("inner daemon ids for %d of %d targets", len(ids), len(res))
	}
	// The MariaDB containers ran in the inner daemons, never on the host.
	cs, err := eng.ContainerList(context.Background(), map[string]string{"org.dbuilder.example": ""})
	if err != nil || len(cs) != 0 {
		t.Errorf("test containers visible on the host daemon: %v %v", cs, err)
	}

	// Warm (--rebuild: the result cache would skip everything): the same
	// targets again reuse the builder image and the preload.
	res, _ = build(t, eng, jobs, out, 2, func(o *Options) { o.Rebuild = true })
	for _, r := range res {
		t.Run("debian/"+strings.TrimPrefix(r.Target, "debian-")+"/warm", func(t *testing.T) {
			if !r.OK {
				t.Fatalf("warm %s failed in %s: %v", r.Target, r.Step, r.Err)
			}
			if !r.BuilderImageReused {
				t.Errorf("builder image %s was rebuilt", r.BuilderImage)
			}
			if len(r.Preloaded) != 0 || len(r.PreloadReused) != 1 {
				t.Errorf("preload not reused from the cache volume: copied %v, reused %v", r.Preloaded, r.PreloadReused)
			}
		})
	}
	// No-op: nothing changed, nothing runs.
	start := time.Now()
	res, log := build(t, eng, jobs, out, 2)
	t.Run("debian/all/no-op", func(t *testing.T) {
		for _, r := range res {
			if r.Cached == nil || !r.OK {
				t.Errorf("%s was not taken from the result cache: %+v", r.Target, r)
			}
		}
		if !strings.Contains(log, "nothing to do") {
			t.Errorf("no-op run:\n%s", log)
		}
		t.Logf("no-op build of %d targets: %s", len(res), time.Since(start))
	})
}

// installAndRun installs the .deb in a clean container of the distro and runs it.
func installAndRun(t *testing.T, eng engine.Engine, distro, dir string, files []string) {
	t.Helper()
	var deb string
	for _, f := range files {
		if strings.HasSuffix(f, ".deb") && strings.HasPrefix(filepath.Base(f), "hellodb_") {
			deb = f
		}
	}
	if deb == "" {
		t.Fatalf("no hellodb .deb among %v", files)
	}
	code, logs := runWithFile(t, eng, distro, filepath.Join(dir, deb), "/tmp/pkg.deb",
		"apt-get update -qq && apt-get install -y -qq /tmp/pkg.deb >/dev/null && hellodb --version")
	if code != 0 || !strings.Contains(logs, "1.0.0") {
		t.Fatalf("installing %s in a clean %s: code %d\n%s", deb, distro, code, logs)
	}
}

// runWithFile runs script in a fresh container of image with the host file
// copied in at dest, as dbuilder copies files (through the API).
func runWithFile(t *testing.T, eng engine.Engine, image, file, dest, script string) (int, string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return dockertest.Run(t, eng, image, script, map[string][]byte{dest: data})
}

// TestBuildRPMReal proves the rpm path where no rpm-family image can be
// made: the test-only debian-rpm distro builds the example's .spec into real
// .rpm files, and rpm itself reads them.
func TestBuildRPMReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	jobs := loadE2E(t, "hellodb.yaml", "debian-rpm:bookworm")
	out := t.TempDir()
	res, _ := build(t, eng, jobs, out, 1)
	r := res[0]
	t.Run("rpm-on-debian/bookworm/spec", func(t *testing.T) {
		if !r.OK {
			t.Fatalf("failed in %s: %v\n%s", r.Step, r.Err, strings.Join(r.Tail, "\n"))
		}
		var rpm string
		for _, f := range r.Artifacts {
			if strings.HasSuffix(f, ".x86_64.rpm") || (strings.HasSuffix(f, ".rpm") && !strings.HasSuffix(f, ".src.rpm")) {
				rpm = f
			}
		}
		if rpm == "" {
			t.Fatalf("no binary .rpm among %v", r.Artifacts)
		}
		code, logs := runWithFile(t, eng, r.BuilderImage, filepath.Join(out, r.Target, rpm), "/tmp/pkg.rpm", "rpm -qip /tmp/pkg.rpm")
		if code != 0 || !strings.Contains(logs, "Name        : hellodb") || !strings.Contains(logs, "Version     : 1.0.0") {
			t.Fatalf("rpm -qip %s: code %d\n%s", rpm, code, logs)
		}
	})
}

// TestBuildOverSSHReal runs a whole build with its sidecar, preload and
// tests against an ssh:// endpoint: source, images and artifacts all travel
// through the Engine API, so nothing depends on sharing a file system with
// the daemon.
func TestBuildOverSSHReal(t *testing.T) {
	local := dockertest.Engine(t)
	dockertest.Image(t, local, "debian:bookworm")
	dockertest.Image(t, local, "dbuilder-example/mariadb:10.11")
	ep := dockertest.SSHEndpoint(t)
	eng, err := engine.New(context.Background(), ep)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	jobs := loadE2E(t, "hellodb.yaml", "debian:bookworm")
	out := t.TempDir()
	res, log := build(t, eng, jobs, out, 1)
	t.Run("debian/bookworm/ssh", func(t *testing.T) {
		if !res[0].OK {
			t.Fatalf("failed in %s: %v\n%s", res[0].Step, res[0].Err, strings.Join(res[0].Tail, "\n"))
		}
		if !strings.Contains(log, "daemon ssh://") || !strings.Contains(log, "hellodb: ok") {
			t.Errorf("not built over ssh, or the test did not run:\n%s", log)
		}
		if _, err := os.Stat(filepath.Join(out, "debian-bookworm", "hellodb_1.0.0_amd64.deb")); err != nil {
			t.Error(err)
		}
	})
}
