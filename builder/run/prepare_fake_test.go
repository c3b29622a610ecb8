package run

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/report"
)

// onBuilderImage runs fn as the build of a builder image (not of the
// sidecar image, which the fake builds first).
func onBuilderImage(f *enginefake.Fake, fn func(ctx context.Context) error) {
	f.OnBuild = func(ctx context.Context, req engine.BuildRequest) error {
		if !strings.HasPrefix(req.Tag, "dbuilder/builder-") {
			return nil
		}
		return fn(ctx)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(ctx context.Context, cond func() bool) bool {
	for i := 0; i < 500; i++ {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// The sidecar starts and the preload is copied while the builder image
// builds: the build below only finishes once the target's daemon holds
// the preload image, which it would never do if they ran one after the
// other. The steps keep their names and order.
func TestFakeSidecarAndPreloadBesideTheImage(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)[:1]
	in := f.InnerFor(jobs[0].Names.Cache)
	var sawPreload bool
	onBuilderImage(f, func(ctx context.Context) error {
		sawPreload = waitFor(ctx, func() bool { _, err := in.Image(ctx, "example/mariadb:10.11"); return err == nil })
		return nil
	})
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if err != nil || !res[0].OK {
		t.Fatalf("%v\n%s", err, log)
	}
	if !sawPreload {
		t.Error("the preload was not copied while the image built")
	}
	if names := stepNames(res[0].Steps); !slices.Equal(names, []string{"image", "sidecar", "preload", "build", "test", "collect", "install", "teardown"}) {
		t.Errorf("steps %v", names)
	}
	if len(res[0].Preloaded) != 1 || res[0].InnerDaemonID == "" {
		t.Errorf("preloaded %v, inner daemon %q", res[0].Preloaded, res[0].InnerDaemonID)
	}
	assertOnlyCaches(t, f, jobs)
}

// A sidecar that dies before its daemon answers fails the target in step
// sidecar and cancels the image build under way; an image build that
// fails cancels a sidecar still waiting for its cache. Either way the
// error is the failure's own (not the other's cancellation) and nothing
// is left but the cache volumes.
func TestFakeFailureBesideCancelsTheOther(t *testing.T) {
	t.Run("sidecar fails", func(t *testing.T) {
		f := newFake()
		jobs := fakeJobs(t, fakeMatrix)[:1]
		f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
			if c.Role() == labels.RoleSidecar {
				return func(c *enginefake.Container, _ <-chan struct{}) int {
					c.Log("dockerd: failed to start daemon")
					return 1
				}
			}
			return passingBuild
		}
		var cancelled bool
		onBuilderImage(f, func(ctx context.Context) error {
			select {
			case <-ctx.Done():
				cancelled = true
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return nil
			}
		})
		t0 := time.Now()
		res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if r.OK || r.Cancelled || r.Step != StepSidecar || !strings.Contains(r.Err.Error(), "sidecar exited before its daemon was ready") {
			t.Errorf("ok %v cancelled %v step %q err %v\n%s", r.OK, r.Cancelled, r.Step, r.Err, log)
		}
		if !cancelled || time.Since(t0) > 5*time.Second {
			t.Errorf("the image build was not cancelled (cancelled %v, %s)", cancelled, time.Since(t0))
		}
		if !strings.Contains(log, `failed in step "sidecar"`) {
			t.Errorf("summary:\n%s", log)
		}
		assertOnlyCaches(t, f, jobs)
	})
	t.Run("image fails", func(t *testing.T) {
		f := newFake()
		jobs := fakeJobs(t, fakeMatrix)[:1]
		// A live run holds the cache: the sidecar waits for it.
		holder := ident.NewRun(fakeVersion)
		lockedBy(t, f, jobs[0], holder)
		anchorOf(t, f, holder, lifecycle.Self())
		var tried atomic.Bool // the sidecar's create, refused while the holder runs
		f.OnCreate = func(s engine.ContainerSpec) {
			if s.Labels[labels.Role] == labels.RoleSidecar {
				tried.Store(true)
			}
		}
		onBuilderImage(f, func(ctx context.Context) error {
			waitFor(ctx, tried.Load)
			return errors.New("E: Unable to locate package libmariadb-dev")
		})
		t0 := time.Now()
		res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if r.OK || r.Cancelled || r.Step != StepImage || !strings.Contains(r.Err.Error(), "Unable to locate package") {
			t.Errorf("ok %v cancelled %v step %q err %v\n%s", r.OK, r.Cancelled, r.Step, r.Err, log)
		}
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("the sidecar's wait for the cache went on after the image failed (%s)", d)
		}
		if !strings.Contains(log, "is in use by run "+holder.ID) {
			t.Errorf("the sidecar did not wait beside the image:\n%s", log)
		}
		if n := f.VolumeNames(); slices.ContainsFunc(n, func(v string) bool { return strings.Contains(v, "-sock-") }) {
			t.Errorf("socket volume left: %v", n)
		}
	})
}

// An interrupt while both run: cancelled, in step image, nothing left.
func TestFakeCancelBeside(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	onBuilderImage(f, func(bctx context.Context) error {
		waitFor(bctx, func() bool { return strings.Contains(strings.Join(f.Events(), "\n"), "start dbuilder-lock-") })
		once.Do(cancel)
		<-bctx.Done()
		return bctx.Err()
	})
	res, _, err := fakeBuild(t, ctx, f, jobs, t.TempDir(), nil)
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.OK || !r.Cancelled || r.Step != StepImage {
			t.Errorf("%s: ok %v cancelled %v step %q", r.Target, r.OK, r.Cancelled, r.Step)
		}
	}
	assertOnlyCaches(t, f, jobs)
}

// The inner daemon gets the outer network's MTU, or --mtu's.
func TestFakeSidecarMTU(t *testing.T) {
	for _, tc := range []struct {
		outer, flag int
		want        string
	}{
		{1400, 0, "--mtu=1400"},
		{1500, 0, "--mtu=1500"},
		{1400, 1360, "--mtu=1360"},
		{0, 0, ""}, // the daemon does not say: dockerd's default
	} {
		f := newFake()
		f.SetMTU(tc.outer)
		jobs := fakeJobs(t, fakeMatrix)[:1]
		var cmd []string
		f.OnCreate = func(s engine.ContainerSpec) {
			if s.Labels[labels.Role] == labels.RoleSidecar {
				cmd = s.Cmd
			}
		}
		res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), func(o *Options) { o.MTU = tc.flag })
		if err != nil || report.Failed(res) > 0 {
			t.Fatalf("%v\n%s", err, log)
		}
		got := ""
		for _, a := range cmd {
			if strings.HasPrefix(a, "--mtu") {
				got = a
			}
		}
		if got != tc.want {
			t.Errorf("outer %d, --mtu %d: sidecar %v, want %q", tc.outer, tc.flag, cmd, tc.want)
		}
		if tc.outer == 1400 && tc.flag == 0 && !strings.Contains(log, "sidecars' daemons use MTU 1400, as the daemon's default network does") {
			t.Errorf("the MTU is not said:\n%s", log)
		}
	}
}
