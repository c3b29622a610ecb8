package run

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

func TestVariationCheck(t *testing.T) {
	good := Variation{Root: "/tmp/x/build-2", Umask: "0002", Env: []string{"TZ=GMT-14", "LC_ALL=C.UTF-8"}}
	if err := good.check(); err != nil {
		t.Errorf("good variation: %v", err)
	}
	for _, bad := range []Variation{
		{Root: "relative"}, {Root: "/a b"}, {Root: "/a;rm -rf /"}, {Root: "/a/../b"}, {Root: Root},
		{Umask: "22"}, {Umask: "0009"}, {Env: []string{"NOEQUALS"}}, {Env: []string{"BAD KEY=1"}},
	} {
		if err := bad.check(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	// The standard run.sh has no umask line and is what the result key hashes.
	if s := string(runScript("N", users{})); strings.Contains(s, "umask") || !strings.Contains(s, "cd /build/src") {
		t.Errorf("standard run.sh:\n%s", s)
	}
	s := string(layout("/tmp/x").runScript("N", "0002", users{}))
	if !strings.Contains(s, "umask 0002\nmkdir -p /tmp/x/out") || !strings.Contains(s, "cd /tmp/x/src") || strings.Contains(s, "/build/") {
		t.Errorf("varied run.sh:\n%s", s)
	}
}

// A varied build runs under the variation's root, with its environment
// and umask, and its packages come from there.
func TestFakeVariedBuild(t *testing.T) {
	f := newFake()
	f.AddImage(sidecar.OwnRef(fakeVersion), nil) // the job's Dockerfile copies the docker CLI from it
	var spec engine.ContainerSpec
	f.OnCreate = func(s engine.ContainerSpec) {
		if s.Labels[labels.Role] == labels.RoleBuild {
			spec = s
		}
	}
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() != labels.RoleBuild {
			return nil
		}
		return func(c *enginefake.Container, stop <-chan struct{}) int {
			script := string(c.Files["/v/root/dbuilder/run.sh"])
			n := script[strings.Index(script, "##[dbuilder:")+len("##[dbuilder:"):]
			n = n[:strings.IndexByte(n, ']')]
			if !strings.Contains(script, "umask 0002") {
				return 1
			}
			c.Log("##[dbuilder:%s] step build", n)
			c.Out["pkg_1.0_amd64.deb"] = []byte("deb")
			c.Log("##[dbuilder:%s] step done", n)
			return 0
		}
	}
	jobs := fakeJobs(t, fakeMatrix)[:1]
	jobs[0].Target.Test.Docker, jobs[0].Target.Test.Preload = false, nil
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), func(o *Options) {
		o.Vary = &Variation{Root: "/v/root", Umask: "0002", Env: []string{"TZ=GMT-14"}}
	})
	if err != nil || !res[0].OK {
		t.Fatalf("varied build: %v %+v\n%s", err, res, log)
	}
	if spec.WorkingDir != "/v/root" || !slices.Contains(spec.Env, "TZ=GMT-14") || !slices.Contains(spec.Env, "DBUILDER_ROOT=/v/root") || spec.Cmd[2] != "/v/root/dbuilder/run.sh" {
		t.Errorf("build container: %+v", spec)
	}
	if _, err := Build(context.Background(), f, jobs, Options{OutputDir: t.TempDir(), Vary: &Variation{Root: "rel"}}); err == nil {
		t.Error("a bad variation was accepted")
	}
}
