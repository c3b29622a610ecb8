package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/report"
)

// A daemon that stops answering pings during the build step fails every
// target in flight with the daemon's address and the step, not as a
// cancel; the last good packages stay; cleanup still runs.
func TestFakeSilentDaemonFailsTargets(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	out := t.TempDir()
	if res, log, err := fakeBuild(t, context.Background(), f, jobs, out, nil); err != nil || report.Failed(res) != 0 {
		t.Fatalf("first build: %v\n%s", err, log)
	}
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() != labels.RoleBuild {
			return nil
		}
		return func(c *enginefake.Container, stop <-chan struct{}) int {
			c.Log("##[dbuilder:%s] step build", nonceOf(c))
			f.SetSilent(true)
			<-stop
			return 137
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, log, err := fakeBuild(t, ctx, f, jobs, out, func(o *Options) {
		o.Rebuild, o.DaemonSilence, o.FailFast = true, 300*time.Millisecond, false
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if ctx.Err() != nil {
		t.Fatalf("the run waited for the silent daemon until the test gave up:\n%s", log)
	}
	for _, r := range res {
		if r.OK || r.Cancelled || r.Step != StepBuild {
			t.Errorf("%s: ok %v cancelled %v step %q, want a failure in the build step", r.Target, r.OK, r.Cancelled, r.Step)
		}
		for _, want := range []string{"daemon at fake://host stopped answering during build", "dbuilder gc"} {
			if r.Err == nil || !strings.Contains(r.Err.Error(), want) {
				t.Errorf("%s: error %v lacks %q", r.Target, r.Err, want)
			}
		}
		if _, err := os.Stat(filepath.Join(out, r.Target, "pkg_1.0_amd64.deb")); err != nil {
			t.Errorf("%s: the last good package is gone: %v", r.Target, err)
		}
	}
	assertOnlyCaches(t, f, jobs)
}
