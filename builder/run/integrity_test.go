package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// flipByte changes one byte of p in place, keeping its size.
func flipByte(t *testing.T, p string) {
	t.Helper()
	b := mustRead(t, p)
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A cached package changed in place (same size) is not served: its target
// builds again and the run says why; the untouched target stays cached.
func TestFakeTamperedCacheRebuilds(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	out := t.TempDir()
	if res, log, _ := fakeBuild(t, context.Background(), f, jobs, out, nil); report.Failed(res) > 0 {
		t.Fatal(log)
	}
	deb := filepath.Join(out, "debian-bookworm", "pkg_1.0_amd64.deb")
	flipByte(t, deb)
	res, log, err := fakeBuild(t, context.Background(), f, jobs, out, nil)
	if err != nil || report.Failed(res) > 0 {
		t.Fatalf("%v\n%s", err, log)
	}
	if res[0].Cached != nil {
		t.Errorf("a tampered package was served from the cache:\n%s", log)
	}
	if res[1].Cached == nil {
		t.Errorf("the untouched target was not cached:\n%s", log)
	}
	if !strings.Contains(log, "pkg_1.0_amd64.deb") || !strings.Contains(log, "sha256") {
		t.Errorf("the run does not say why debian-bookworm was rebuilt:\n%s", log)
	}
	if string(mustRead(t, deb)) != "deb of debian-bookworm" {
		t.Errorf("the rebuild did not replace the tampered package")
	}
}

// A package whose name is not UTF-8 is recorded losslessly: the second
// run reuses it instead of rebuilding forever.
func TestFakeNonUTF8ArtifactIsCached(t *testing.T) {
	const name = "pkg-\xff\xfe_1.0_amd64.deb"
	f := newFake()
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() != labels.RoleBuild {
			return nil
		}
		return func(c *enginefake.Container, stop <-chan struct{}) int {
			n := nonceOf(c)
			c.Log("##[dbuilder:%s] step build", n)
			c.Out[name] = []byte("deb")
			c.Log("##[dbuilder:%s] step done", n)
			return 0
		}
	}
	jobs := fakeJobs(t, fakeMatrix)[:1]
	out := t.TempDir()
	for i := range 2 {
		res, log, err := fakeBuild(t, context.Background(), f, jobs, out, nil)
		if err != nil || report.Failed(res) > 0 {
			t.Fatalf("run %d: %v\n%s", i+1, err, log)
		}
		if i == 1 && res[0].Cached == nil {
			t.Fatalf("second run rebuilt a target whose package name is not UTF-8:\n%s", log)
		}
		if len(res[0].Artifacts) != 1 || res[0].Artifacts[0] != name {
			t.Errorf("run %d: artifacts %q", i+1, res[0].Artifacts)
		}
	}
	// The exact bytes, base64: "pkg-\xff\xfe_1.0_amd64.deb".
	if rec := string(mustRead(t, filepath.Join(out, "debian-bookworm", report.ResultFile))); !strings.Contains(rec, `"name_base64": "cGtnLf/+XzEuMF9hbWQ2NC5kZWI="`) {
		t.Errorf("%s:\n%s", report.ResultFile, rec)
	}
}

// keyRunner is a runner that can take result keys for jobs, on a daemon
// where one build has made their builder images.
func keyRunner(t *testing.T, f *enginefake.Fake, mod func(*Options)) *runner {
	t.Helper()
	opt := Options{OutputDir: t.TempDir(), Sidecar: sidecar.ImageFor("", fakeVersion), CCache: true}
	if mod != nil {
		mod(&opt)
	}
	return &runner{eng: f, opt: opt, run: ident.NewRun(fakeVersion), self: "vcs:abc123"}
}

func takeKey(t *testing.T, r *runner, j plan.Job) string {
	t.Helper()
	k, err := r.resultKey(context.Background(), j)
	if err != nil || k == "" {
		t.Fatalf("key: %q %v", k, err)
	}
	return k
}

// Each input of the result key changes it on its own, to another key (not
// to "", which a broken lookup would give too). The sidecar image is the
// one exception: the builder image copies its docker CLI, so a new sidecar
// image makes the builder image stale, and the key "" (rebuild) until the
// image is built again.
func TestResultKeyInputs(t *testing.T) {
	src := t.TempDir()
	os.CopyFS(src, os.DirFS("../../testdata/hellodb"))
	f := newFake()
	jobs := fakeJobsFrom(t, fakeMatrix, src)[:1]
	if res, log, _ := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil); report.Failed(res) > 0 {
		t.Fatal(log)
	}
	job := func(mod func(*plan.Job)) plan.Job {
		j := jobs[0]
		mod(&j)
		return j
	}
	plain := func() *runner { return keyRunner(t, f, nil) }
	cases := []struct {
		input string
		key   func() string
	}{
		{"test command", func() string {
			return takeKey(t, plain(), job(func(j *plan.Job) { j.Target.Test.Command = "make check2" }))
		}},
		{"install test left out (release)", func() string {
			return takeKey(t, plain(), job(func(j *plan.Job) { j.InstallTest = false }))
		}},
		{"DEP-8 tests", func() string {
			return takeKey(t, plain(), job(func(j *plan.Job) { j.Autopkgtest = true }))
		}},
		{"build user (build.root)", func() string {
			return takeKey(t, plain(), job(func(j *plan.Job) { j.Target.Build.Root = true }))
		}},
		{"test user (test.root)", func() string {
			return takeKey(t, plain(), job(func(j *plan.Job) { j.Target.Test.Root = true }))
		}},
		{"build script", func() string {
			return takeKey(t, plain(), job(func(j *plan.Job) { j.BuildScript = append(append([]byte(nil), j.BuildScript...), '\n') }))
		}},
		{"dbuilder identity", func() string {
			r := plain()
			r.self = "vcs:def456"
			return takeKey(t, r, jobs[0])
		}},
		{"dbuilder version", func() string {
			r := plain()
			r.run.Version = "9.9.9"
			return takeKey(t, r, jobs[0])
		}},
		{"--incremental", func() string {
			return takeKey(t, keyRunner(t, f, func(o *Options) { o.Incremental = true }), jobs[0])
		}},
		{"--no-ccache", func() string {
			return takeKey(t, keyRunner(t, f, func(o *Options) { o.CCache = false }), jobs[0])
		}},
		{"a source byte, same size", func() string {
			flipByte(t, filepath.Join(src, "hellodb.c"))
			defer flipByte(t, filepath.Join(src, "hellodb.c"))
			return takeKey(t, plain(), jobs[0])
		}},
		{"preload image", func() string {
			f.AddImage("example/mariadb:10.11", nil)
			return takeKey(t, plain(), jobs[0])
		}},
		{"sidecar image", func() string {
			ref := sidecar.ImageFor("", fakeVersion).Ref
			img, _ := f.Image(context.Background(), ref)
			f.AddImage(ref, img.Labels)
			k, err := plain().resultKey(context.Background(), jobs[0])
			if err != nil || k != "" {
				t.Errorf("a new sidecar image: key %q, %v; want \"\" (the builder image is stale)", k, err)
			}
			return k
		}},
	}
	for _, c := range cases {
		base := takeKey(t, plain(), jobs[0]) // rows may change the daemon for good
		if k := c.key(); k == base {
			t.Errorf("changing the %s kept the result key", c.input)
		}
	}
}

// Nothing changed, the key is the same (fresh runners, fresh source hashes).
func TestResultKeyStable(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	if res, log, _ := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil); report.Failed(res) > 0 {
		t.Fatal(log)
	}
	for _, j := range jobs {
		a, b := takeKey(t, keyRunner(t, f, nil), j), takeKey(t, keyRunner(t, f, nil), j)
		if a != b {
			t.Errorf("%s: key changed with nothing changed: %s then %s", j.Name(), a, b)
		}
	}
	if takeKey(t, keyRunner(t, f, nil), jobs[0]) == takeKey(t, keyRunner(t, f, nil), jobs[1]) {
		t.Error("two targets share one key")
	}
}
