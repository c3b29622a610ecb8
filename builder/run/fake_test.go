package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// These tests drive the orchestration against an in-memory engine: they
// check dbuilder's decisions (what is created, reused, waited for, removed)
// without a daemon. The real path is covered by the *Real tests.

const fakeVersion = "0.0.0-test"

const fakeMatrix = `name: fakepkg
version: 1.0.0
source: %s
matrix:
  distro: [debian:bookworm, debian:trixie]
build:
  deps:
    deb: [libmariadb-dev]
test:
  docker: true
  preload: [example/mariadb:10.11]
  command: make check
`

// fakeJobs resolves the example package's jobs for the fake.
func fakeJobs(t *testing.T, body string) []plan.Job {
	t.Helper()
	src, _ := filepath.Abs("../../testdata/hellodb")
	return fakeJobsFrom(t, body, src)
}

// fakeJobsFrom resolves the jobs of body (a matrix with a %s for its source) from src.
func fakeJobsFrom(t *testing.T, body, src string) []plan.Job {
	t.Helper()
	m, err := matrix.Parse("fake.yaml", []byte(fmt.Sprintf(body, src)), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", fakeVersion)
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// newFake returns a daemon with the base, sidecar and preload images, and
// build containers that leave one package and pass.
func newFake() *enginefake.Fake {
	f := enginefake.New("host")
	for _, ref := range []string{"debian:bookworm", "debian:trixie", "example/mariadb:10.11"} {
		f.AddImage(ref, nil)
	}
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() == labels.RoleBuild {
			return passingBuild
		}
		return nil
	}
	return f
}

// nonceOf reads the marker nonce from the run.sh that was copied in.
func nonceOf(c *enginefake.Container) string {
	s := string(c.Files[ScriptDir+"/run.sh"])
	i := strings.Index(s, "##[dbuilder:")
	if i < 0 {
		return "?"
	}
	rest := s[i+len("##[dbuilder:"):]
	return rest[:strings.IndexByte(rest, ']')]
}

func passingBuild(c *enginefake.Container, stop <-chan struct{}) int {
	n := nonceOf(c)
	c.Log("##[dbuilder:%s] step build", n)
	c.Out["pkg_1.0_amd64.deb"] = []byte("deb of " + c.Spec.Labels[labels.Target])
	c.Log("##[dbuilder:%s] step test", n)
	c.Log("##[dbuilder:%s] step done", n)
	return 0
}

func fakeBuild(t *testing.T, ctx context.Context, f *enginefake.Fake, jobs []plan.Job, out string, mod func(*Options)) ([]report.Result, string, error) {
	t.Helper()
	var log bytes.Buffer
	opt := Options{OutputDir: out, Jobs: 2, Run: ident.NewRun(fakeVersion), Sidecar: sidecar.ImageFor("", fakeVersion), Stdout: &log}
	if mod != nil {
		mod(&opt)
	}
	res, err := Build(ctx, f, jobs, opt)
	report.Summary(&log, res)
	return res, log.String(), err
}

// assertOnlyCaches fails unless the daemon holds no container and no volume
// but the targets' cache volumes.
func assertOnlyCaches(t *testing.T, f *enginefake.Fake, jobs []plan.Job) {
	t.Helper()
	if n := f.Names(); len(n) != 0 {
		t.Errorf("containers left: %v", n)
	}
	var want []string
	for _, j := range jobs {
		if j.Target.Test.Docker {
			want = append(want, j.Names.Cache)
		}
	}
	slices.Sort(want)
	if got := f.VolumeNames(); !slices.Equal(got, want) {
		t.Errorf("volumes left: %v, want only the caches %v", got, want)
	}
}

func TestFakeBuildAndWarmRun(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	out := t.TempDir()
	res, log, err := fakeBuild(t, context.Background(), f, jobs, out, nil)
	if err != nil || report.Failed(res) != 0 {
		t.Fatalf("err %v\n%s", err, log)
	}
	for _, r := range res {
		b, err := os.ReadFile(filepath.Join(out, r.Target, "pkg_1.0_amd64.deb"))
		if err != nil || string(b) != "deb of "+r.Target {
			t.Errorf("%s: artifact %q %v", r.Target, b, err)
		}
		if r.BuilderImageReused || len(r.Preloaded) != 1 {
			t.Errorf("%s cold: image reused %v, preloaded %v", r.Target, r.BuilderImageReused, r.Preloaded)
		}
		if names := stepNames(r.Steps); !slices.Equal(names, []string{"image", "sidecar", "preload", "build", "test", "collect", "install", "teardown"}) {
			t.Errorf("%s steps %v", r.Target, names)
		}
	}
	assertOnlyCaches(t, f, jobs)
	if _, err := os.Stat(filepath.Join(out, ".dbuilder")); err == nil {
		t.Error("staging directory left in the output")
	}

	// Warm (--rebuild, or the result cache would skip it all): same images,
	// preloaded images found on the cache volumes.
	res, log, err = fakeBuild(t, context.Background(), f, jobs, out, func(o *Options) { o.Rebuild = true })
	if err != nil || report.Failed(res) != 0 {
		t.Fatalf("warm: %v\n%s", err, log)
	}
	for _, r := range res {
		if !r.BuilderImageReused || len(r.PreloadReused) != 1 || len(r.Preloaded) != 0 {
			t.Errorf("%s warm: image reused %v, preload reused %v copied %v", r.Target, r.BuilderImageReused, r.PreloadReused, r.Preloaded)
		}
	}
	assertOnlyCaches(t, f, jobs)
}

func stepNames(steps []report.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Name)
	}
	return out
}

func TestFakePreloadSkipsByImageID(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)[:1]
	// The inner daemon already has the image, with the host's ID.
	host, _ := f.Image(context.Background(), "example/mariadb:10.11")
	in := f.InnerFor(jobs[0].Names.Cache)
	tarStream, _ := f.ImageSave(context.Background(), []string{"example/mariadb:10.11"})
	in.ImageLoad(context.Background(), tarStream)
	loadsBefore := len(in.Events())
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if err != nil || !res[0].OK {
		t.Fatalf("%v\n%s", err, log)
	}
	if len(in.Events()) != loadsBefore || len(res[0].PreloadReused) != 1 {
		t.Errorf("image with ID %s was loaded again: %v", host.ID, in.Events())
	}
	// A rebuilt image (same tag, new ID) is copied again.
	f.AddImage("example/mariadb:10.11", nil)
	res, _, _ = fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if len(res[0].Preloaded) != 1 {
		t.Errorf("changed image not copied: %+v", res[0])
	}
}

func TestFakeInnerLeftoversCleared(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)[:1]
	in := f.InnerFor(jobs[0].Names.Cache)
	in.AddImage("example/mariadb:10.11", nil)
	in.AddImage("debian:bookworm", nil)
	// What a killed run's test left: a container with a fixed name and a network.
	if _, err := in.ContainerCreate(context.Background(), testSpec("db")); err != nil {
		t.Fatal(err)
	}
	in.AddNetwork("testnet")
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if err != nil || !res[0].OK {
		t.Fatalf("%v\n%s", err, log)
	}
	if len(in.Names()) != 0 {
		t.Errorf("inner containers left: %v", in.Names())
	}
	if !slices.Contains(res[0].InnerCleared, "container db") || !slices.Contains(res[0].InnerCleared, "network testnet") {
		t.Errorf("cleared %v", res[0].InnerCleared)
	}
	if _, err := in.Image(context.Background(), "example/mariadb:10.11"); err != nil {
		t.Error("images in the inner daemon must stay (they are the cache)")
	}
}

func TestFakeFailFastCancelsAndCleansUp(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() != labels.RoleBuild {
			return nil
		}
		if c.Spec.Labels[labels.Target] == "debian-bookworm" {
			return func(c *enginefake.Container, stop <-chan struct{}) int {
				c.Log("##[dbuilder:%s] step build", nonceOf(c))
				c.Log("error: it does not compile")
				return exitBuildFailed
			}
		}
		return func(c *enginefake.Container, stop <-chan struct{}) int { <-stop; return 137 }
	}
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), func(o *Options) { o.FailFast = true })
	if err != nil {
		t.Fatal(err)
	}
	if res[0].OK || res[0].Step != StepBuild || res[0].Cancelled {
		t.Errorf("first: %+v", res[0])
	}
	if res[1].OK || !res[1].Cancelled {
		t.Errorf("second should be cancelled: %+v\n%s", res[1], log)
	}
	assertOnlyCaches(t, f, jobs)
}

func TestFakeCancelCleansUp(t *testing.T) {
	for _, step := range []string{"build", "sidecar-start"} {
		t.Run(step, func(t *testing.T) {
			f := newFake()
			jobs := fakeJobs(t, fakeMatrix)
			ctx, cancel := context.WithCancel(context.Background())
			var once sync.Once
			f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
				if step == "build" && c.Role() == labels.RoleBuild || step == "sidecar-start" && c.Role() == labels.RoleSidecar {
					once.Do(func() { time.AfterFunc(20*time.Millisecond, cancel) })
				}
				if c.Role() == labels.RoleBuild {
					return func(c *enginefake.Container, stop <-chan struct{}) int { <-stop; return 137 }
				}
				return nil
			}
			res, _, err := fakeBuild(t, ctx, f, jobs, t.TempDir(), nil)
			if err == nil {
				for _, r := range res {
					if r.OK || !r.Cancelled {
						t.Errorf("%s: %+v", r.Target, r)
					}
				}
			} else if !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
			assertOnlyCaches(t, f, jobs)
		})
	}
}

// TestFakeCancelDuringCreate: an interrupt that lands while a container is
// being created (the stress test found a build container left behind, with
// the socket volume it held) leaves nothing.
func TestFakeCancelDuringCreate(t *testing.T) {
	for _, role := range []string{labels.RoleBuild, labels.RoleSidecar, labels.RoleAnchor, labels.RoleProbe} {
		t.Run(role, func(t *testing.T) {
			f := newFake()
			jobs := fakeJobs(t, fakeMatrix)
			ctx, cancel := context.WithCancel(context.Background())
			f.OnCreate = func(s engine.ContainerSpec) {
				if s.Labels[labels.Role] == role {
					cancel()
				}
			}
			fakeBuild(t, ctx, f, jobs, t.TempDir(), nil)
			if n := f.Names(); len(n) != 0 {
				t.Errorf("containers left: %v", n)
			}
			for _, v := range f.VolumeNames() {
				if !strings.HasPrefix(v, "dbuilder-cache-") {
					t.Errorf("volume left: %s", v)
				}
			}
		})
	}
}

func TestFakeSidecarDeathFailsOnlyItsTarget(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() != labels.RoleBuild {
			return nil
		}
		if c.Spec.Labels[labels.Target] != "debian-bookworm" {
			return passingBuild
		}
		return func(c *enginefake.Container, stop <-chan struct{}) int {
			c.Log("##[dbuilder:%s] step test", nonceOf(c))
			// The target's own daemon dies under its test.
			f.Kill(strings.TrimPrefix(c.Spec.NetworkMode, "container:"))
			c.Log("Cannot connect to the Docker daemon")
			return exitTestFailed
		}
	}
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].OK || res[0].Step != StepTest || !strings.Contains(res[0].Err.Error(), "sidecar daemon died") {
		t.Errorf("bookworm: %+v\n%s", res[0], log)
	}
	if !res[1].OK {
		t.Errorf("trixie must pass: %+v", res[1])
	}
	assertOnlyCaches(t, f, jobs)
}

func TestFakeForgedMarkersDoNotDecideTheStep(t *testing.T) {
	cases := map[string]struct {
		code     int
		lines    []string
		wantStep string
	}{
		// The package's test prints dbuilder's old marker and a wrong nonce:
		// the build step still failed.
		"build fails, output claims test": {exitBuildFailed, []string{"##[dbuilder] step test", "##[dbuilder:0000] step test"}, StepBuild},
		// The test fails after printing "step done": it is the test that failed.
		"test fails, output claims done": {exitTestFailed, []string{"##[dbuilder] step done", "##[dbuilder:0000] step done"}, StepTest},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake()
			jobs := fakeJobs(t, fakeMatrix)[:1]
			f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
				if c.Role() != labels.RoleBuild {
					return nil
				}
				return func(c *enginefake.Container, stop <-chan struct{}) int {
					c.Log("##[dbuilder:%s] step build", nonceOf(c))
					for _, l := range tc.lines {
						c.Log("%s", l)
					}
					return tc.code
				}
			}
			res, _, _ := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
			if res[0].OK || res[0].Step != tc.wantStep {
				t.Errorf("step %q, want %q (%v)", res[0].Step, tc.wantStep, res[0].Err)
			}
		})
	}
}

func TestFakeFailedRebuildKeepsLastGoodPackages(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)[:1]
	out := t.TempDir()
	if res, log, _ := fakeBuild(t, context.Background(), f, jobs, out, nil); !res[0].OK {
		t.Fatal(log)
	}
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() != labels.RoleBuild {
			return nil
		}
		return func(c *enginefake.Container, stop <-chan struct{}) int {
			c.Out["half.deb"] = []byte("partial")
			c.Log("boom")
			return exitBuildFailed
		}
	}
	res, log, _ := fakeBuild(t, context.Background(), f, jobs, out, func(o *Options) { o.Rebuild = true })
	if res[0].OK {
		t.Fatal("second build passed")
	}
	dir := filepath.Join(out, "debian-bookworm")
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"build.log", "failed.log", "pkg_1.0_amd64.deb", "result.json"}) {
		t.Errorf("after a failed rebuild %s holds %v", dir, names)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "failed.log"))
	if !strings.Contains(string(b), "boom") || res[0].Log != filepath.Join(dir, "failed.log") {
		t.Errorf("failed.log %q, result log %q", b, res[0].Log)
	}
	if !strings.Contains(log, "last good packages") {
		t.Errorf("summary does not say the last good packages are kept:\n%s", log)
	}
	// The next good build replaces everything, failed.log included.
	f.OnStart = newFake().OnStart
	fakeBuild(t, context.Background(), f, jobs, out, func(o *Options) { o.Rebuild = true })
	if _, err := os.Stat(filepath.Join(dir, "failed.log")); err == nil {
		t.Error("failed.log survived a good build")
	}
}

// archFake answers the architecture probe: machine is what `uname -m`
// prints in a foreign base image, "" for an exec format error (no
// emulation on the daemon's host).
func archFake(machine string) *enginefake.Fake {
	f := newFake()
	f.AddImage("arm64v8/debian:bookworm", nil)
	build := f.OnStart
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() == labels.RoleProbe && c.Spec.Image == "arm64v8/debian:bookworm" {
			return func(c *enginefake.Container, _ <-chan struct{}) int {
				if machine == "" {
					c.Log("exec /usr/bin/uname: exec format error")
					return 1
				}
				c.Log("%s", machine)
				return 0
			}
		}
		return build(c)
	}
	return f
}

func archJobs(t *testing.T) []plan.Job {
	body := strings.Replace(fakeMatrix, "distro: [debian:bookworm, debian:trixie]", "distro: [debian:bookworm]\n  arch: [amd64, arm64]", 1)
	jobs := fakeJobs(t, body)
	if !jobs[1].Foreign || jobs[1].Distro.Image != "arm64v8/debian:bookworm" {
		t.Fatalf("arm64 job: %+v", jobs[1])
	}
	return jobs
}

func TestFakeArchRefusedWithoutEmulation(t *testing.T) {
	for name, machine := range map[string]string{"no emulation": "", "wrong image": "x86_64"} {
		t.Run(name, func(t *testing.T) {
			f := archFake(machine)
			_, _, err := fakeBuild(t, context.Background(), f, archJobs(t), t.TempDir(), nil)
			var ie InputError
			want := map[string]string{"": "cannot run arm64 containers", "x86_64": "runs as x86_64, not aarch64"}[machine]
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "target debian-bookworm-arm64: ") || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v", err)
			}
			if n := f.Names(); len(n) != 0 {
				t.Errorf("left: %v", n)
			}
			for _, ev := range f.Events() {
				if strings.HasPrefix(ev, "create ") && !strings.HasPrefix(ev, "create anon-") {
					t.Errorf("created before refusing: %v", ev)
				}
			}
		})
	}
}

func TestFakeArchEmulated(t *testing.T) {
	f := archFake("aarch64")
	res, log, err := fakeBuild(t, context.Background(), f, archJobs(t), t.TempDir(), nil)
	if err != nil || report.Failed(res) > 0 {
		t.Fatalf("%v\n%s", err, log)
	}
	if res[0].Arch != "amd64" || res[0].Emulated || res[1].Arch != "arm64" || !res[1].Emulated {
		t.Errorf("arches: %+v / %+v", res[0], res[1])
	}
	if !strings.Contains(log, "arm64 (emulated)") {
		t.Errorf("summary:\n%s", log)
	}
}

func TestFakeUnwritableOutput(t *testing.T) {
	f := newFake()
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	_, _, err := fakeBuild(t, context.Background(), f, fakeJobs(t, fakeMatrix), filepath.Join(file, "dist"), nil)
	if !errors.As(err, new(InputError)) || !strings.Contains(err.Error(), "--output") {
		t.Fatalf("got %v", err)
	}
	if ev := f.Events(); len(ev) != 0 {
		t.Errorf("created before refusing: %v", ev)
	}
}

// lockedBy puts a sidecar of another run on the cache volume of job.
func lockedBy(t *testing.T, f *enginefake.Fake, j plan.Job, run ident.Run) {
	t.Helper()
	img := sidecar.ImageFor("", fakeVersion)
	f.AddImage(img.Ref, nil)
	lb := run.Labels(labels.RoleSidecar, j.Names)
	spec := testSpec(j.Names.Lock)
	spec.Image, spec.Labels = img.Ref, lb
	id, err := f.ContainerCreate(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	f.ContainerStart(context.Background(), id)
}

// anchorOf starts a run's anchor owned by owner.
func anchorOf(t *testing.T, f *enginefake.Fake, run ident.Run, owner lifecycle.Owner) {
	t.Helper()
	lb := run.Labels(labels.RoleAnchor, ident.Target{})
	owner.Labels(lb)
	spec := testSpec(run.Anchor())
	spec.Labels = lb
	id, err := f.ContainerCreate(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	f.ContainerStart(context.Background(), id)
}

func TestFakeCacheLockTakesOverADeadRun(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)[:1]
	dead := ident.NewRun(fakeVersion)
	lockedBy(t, f, jobs[0], dead) // a SIGKILLed run's sidecar, no anchor
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if err != nil || !res[0].OK {
		t.Fatalf("%v\n%s", err, log)
	}
	if !strings.Contains(log, "removing the sidecar of run "+dead.ID) {
		t.Errorf("takeover not said:\n%s", log)
	}
}

func TestFakeCacheLockWaitsForALiveRun(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)[:1]
	live := ident.NewRun(fakeVersion)
	lockedBy(t, f, jobs[0], live)
	anchorOf(t, f, live, lifecycle.Self()) // owned by a process that runs: this one
	holder := f.ByName(jobs[0].Names.Lock)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	res, log, _ := fakeBuild(t, ctx, f, jobs, t.TempDir(), nil)
	if len(res) == 1 && res[0].OK {
		t.Fatal("took a cache a live run holds")
	}
	if !strings.Contains(log, "is in use by run "+live.ID+"; waiting") {
		t.Errorf("wait not said:\n%s", log)
	}
	if f.ByName(jobs[0].Names.Lock) != holder {
		t.Error("the live run's sidecar was touched")
	}
	// When the holder finishes, the waiting build goes on.
	go func() { time.Sleep(300 * time.Millisecond); f.ContainerRemove(context.Background(), holder.ID) }()
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if err != nil || !res[0].OK {
		t.Fatalf("after the holder left: %v\n%s", err, log)
	}
}

func testSpec(name string) engine.ContainerSpec {
	return engine.ContainerSpec{Name: name, Image: "debian:bookworm"}
}

func TestFakeResultCache(t *testing.T) {
	f := newFake()
	src := t.TempDir()
	os.CopyFS(src, os.DirFS("../../testdata/hellodb"))
	jobs := fakeJobsFrom(t, fakeMatrix, src)
	out := t.TempDir()
	if res, log, _ := fakeBuild(t, context.Background(), f, jobs, out, nil); report.Failed(res) > 0 {
		t.Fatal(log)
	}
	rec, err := report.ReadRecord(filepath.Join(out, "debian-bookworm"))
	if err != nil || len(rec.Artifacts) != 1 || rec.Artifacts[0].SHA256 == "" {
		t.Fatalf("result record: %+v %v", rec, err)
	}
	// Nothing changed: nothing is started, the results say where they came from.
	before := len(f.Events())
	res, log, err := fakeBuild(t, context.Background(), f, jobs, out, nil)
	if err != nil || report.Failed(res) > 0 {
		t.Fatal(log)
	}
	for _, r := range res {
		if r.Cached == nil || r.Cached.Run != rec.Run && r.Target == "debian-bookworm" || len(r.Artifacts) != 1 {
			t.Errorf("%s not cached: %+v", r.Target, r)
		}
	}
	if ev := f.Events()[before:]; len(ev) != 0 {
		t.Errorf("a no-op build did things: %v", ev)
	}
	if !strings.Contains(log, "cached") || !strings.Contains(log, "from run "+rec.Run) {
		t.Errorf("summary:\n%s", log)
	}
	// One byte in the source: both targets build again.
	os.WriteFile(filepath.Join(src, "hellodb.c"), append(mustRead(t, filepath.Join(src, "hellodb.c")), ' '), 0o644)
	res, _, _ = fakeBuild(t, context.Background(), f, jobs, out, nil)
	for _, r := range res {
		if r.Cached != nil || !r.OK {
			t.Errorf("%s after a source change: cached %v ok %v", r.Target, r.Cached, r.OK)
		}
	}
	// A changed preload image rebuilds too; --rebuild always does.
	f.AddImage("example/mariadb:10.11", nil)
	if res, _, _ = fakeBuild(t, context.Background(), f, jobs, out, nil); res[0].Cached != nil {
		t.Error("a new preload image ID kept the cached result")
	}
	if res, _, _ = fakeBuild(t, context.Background(), f, jobs, out, func(o *Options) { o.Rebuild = true }); res[0].Cached != nil {
		t.Error("--rebuild used the cached result")
	}
	// A missing artifact is not a result.
	os.Remove(filepath.Join(out, "debian-bookworm", "pkg_1.0_amd64.deb"))
	if res, _, _ = fakeBuild(t, context.Background(), f, jobs, out, nil); res[0].Cached != nil {
		t.Error("cached with its package gone")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFakeManyTargetsShareTheStagingDirectory: targets that finish while
// others start must not remove the run's staging directory under them
// (CI once saw "mkdir .../.dbuilder/staging: no such file or directory");
// it goes when the run ends.
func TestFakeManyTargetsShareTheStagingDirectory(t *testing.T) {
	f := newFake()
	body := strings.Replace(fakeMatrix, "distro: [debian:bookworm, debian:trixie]", "distro: [debian:bookworm, debian:trixie]\n  slot: [a, b, c, d, e, f]", 1)
	jobs := fakeJobs(t, body)
	out := t.TempDir()
	for range 5 {
		res, log, err := fakeBuild(t, context.Background(), f, jobs, out, func(o *Options) { o.Jobs = 4; o.Rebuild = true })
		if err != nil || report.Failed(res) > 0 {
			t.Fatalf("%v\n%s", err, log)
		}
	}
	if _, err := os.Stat(filepath.Join(out, ".dbuilder")); err == nil {
		t.Error("the staging directory outlived the run")
	}
}
