package run

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// TestFakeTimeoutNamesTheStep: a test that never returns is stopped by its
// target's own timeout (trixie has none and passes); the failure names the
// step and the limit, keeps the log tail, and nothing is left but caches.
func TestFakeTimeoutNamesTheStep(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	jobs[0].Target.Timeout = 300 * time.Millisecond // debian-bookworm
	jobs[1].Target.Timeout = 0                      // debian-trixie: no limit
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() != labels.RoleBuild {
			return nil
		}
		if c.Spec.Labels[labels.Target] != "debian-bookworm" {
			return passingBuild
		}
		return func(c *enginefake.Container, stop <-chan struct{}) int {
			n := nonceOf(c)
			c.Log("##[dbuilder:%s] step build", n)
			c.Log("##[dbuilder:%s] step test", n)
			c.Log("waiting for a server that never answers")
			<-stop
			return 137
		}
	}
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].OK || res[0].Cancelled || res[0].Step != StepTest {
		t.Fatalf("bookworm: ok %v cancelled %v step %q, want a failure in test: %v\n%s", res[0].OK, res[0].Cancelled, res[0].Step, res[0].Err, log)
	}
	if !res[1].OK {
		t.Errorf("trixie (no timeout) failed: %v", res[1].Err)
	}
	for _, want := range []string{
		"target debian-bookworm: timed out in step test after 300ms",
		"waiting for a server that never answers", // the tail
		"full log: ",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("summary lacks %q:\n%s", want, log)
		}
	}
	if got := res[0].Err.Error(); got != "timed out in step test after 300ms" {
		t.Errorf("error %q", got)
	}
	if !strings.Contains(strings.Join(res[0].Tail, "\n"), "dbuilder: timed out in step test after 300ms") {
		t.Errorf("the log does not say it timed out: %q", res[0].Tail)
	}
	assertOnlyCaches(t, f, jobs)
}
