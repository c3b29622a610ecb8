package run

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/pull"
	"github.com/dbuilder/dbuilder/builder/report"
)

// emptyFake is a daemon that holds nothing, next to a registry that has
// the base and preload images of fakeMatrix.
func emptyFake() *enginefake.Fake {
	f := newFake()
	for _, ref := range []string{"debian:bookworm", "debian:trixie", "example/mariadb:10.11"} {
		f.ImageRemove(context.Background(), ref)
		f.AddRemote(ref)
	}
	return f
}

func pulledRefs(f *enginefake.Fake) (refs []string, beforeCreate bool) {
	beforeCreate = true
	created := false
	for _, e := range f.Events() {
		if ref, ok := strings.CutPrefix(e, "pull "); ok {
			refs = append(refs, ref)
			beforeCreate = beforeCreate && !created
		}
		created = created || strings.HasPrefix(e, "create ") || strings.HasPrefix(e, "build ")
	}
	return refs, beforeCreate
}

// TestFakePullsWhatIsMissing: base and preload images the daemon lacks are
// pulled once each, before anything is created, with progress lines; the
// preload is then copied into each target's daemon; a second run pulls
// nothing.
func TestFakePullsWhatIsMissing(t *testing.T) {
	f := emptyFake()
	jobs := fakeJobs(t, fakeMatrix)
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil)
	if err != nil || report.Failed(res) != 0 {
		t.Fatalf("%v\n%s", err, log)
	}
	refs, first := pulledRefs(f)
	if want := []string{"debian:bookworm", "debian:trixie", "example/mariadb:10.11"}; !slices.Equal(refs, want) || !first {
		t.Errorf("pulled %v (before anything was created: %v), want %v", refs, first, want)
	}
	for _, want := range []string{"[pull debian:bookworm] pulling the base image from docker.io", "[pull example/mariadb:10.11] pulling the preload image", "dbuilder: pulled debian:bookworm, debian:trixie, example/mariadb:10.11"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, r := range res {
		if len(r.Preloaded) != 1 {
			t.Errorf("%s: preloaded %v", r.Target, r.Preloaded)
		}
	}
	_, log, err = fakeBuild(t, context.Background(), f, jobs, t.TempDir(), func(o *Options) { o.Rebuild = true })
	if refs2, _ := pulledRefs(f); err != nil || len(refs2) != len(refs) || strings.Contains(log, "[pull ") {
		t.Errorf("second run pulled (%v):\n%s", err, log)
	}
}

// TestFakePullAlways pulls every image again; a changed base image gives a
// new builder image and a changed preload image is copied again.
func TestFakePullAlways(t *testing.T) {
	f := emptyFake()
	jobs := fakeJobs(t, fakeMatrix)[:1]
	if _, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	f.AddRemote("debian:bookworm")
	f.AddRemote("example/mariadb:10.11")
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), func(o *Options) { o.Pull = pull.Always })
	if err != nil || !res[0].OK {
		t.Fatalf("%v\n%s", err, log)
	}
	if refs, _ := pulledRefs(f); len(refs) != 4 {
		t.Errorf("pulls %v, want the base and preload twice", refs)
	}
	if res[0].BuilderImageReused || len(res[0].Preloaded) != 1 {
		t.Errorf("after new images: builder image reused %v, preloaded %v", res[0].BuilderImageReused, res[0].Preloaded)
	}
}

// TestFakePullNeverRefuses: with --pull never a missing image stops the
// run before anything is created, naming every image and the fix.
func TestFakePullNeverRefuses(t *testing.T) {
	f := emptyFake()
	_, _, err := fakeBuild(t, context.Background(), f, fakeJobs(t, fakeMatrix), t.TempDir(), func(o *Options) { o.Pull = pull.Never })
	if !errors.As(err, new(InputError)) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"base image debian:bookworm is not on the Docker daemon", "base image debian:trixie is not on the Docker daemon",
		"preload image example/mariadb:10.11 is not on the Docker daemon", "leave out --pull never"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if ev := f.Events(); len(ev) != 0 {
		t.Errorf("did something: %v", ev)
	}
}

// TestFakeUnreachableRegistry: a registry that cannot be reached fails the
// run at once, before anything is created, and is asked only once.
func TestFakeUnreachableRegistry(t *testing.T) {
	f := emptyFake()
	tries := 0
	f.OnPull = func(ref string) error {
		tries++
		return fmt.Errorf("pull %s: %w: dial tcp: lookup registry-1.docker.io: no such host", ref, engine.ErrUnreachable)
	}
	_, _, err := fakeBuild(t, context.Background(), f, fakeJobs(t, fakeMatrix), t.TempDir(), nil)
	if !errors.As(err, new(InputError)) || !strings.Contains(err.Error(), "registry docker.io cannot be reached") || !strings.Contains(err.Error(), "--pull never") {
		t.Fatalf("got %v", err)
	}
	if tries != 1 {
		t.Errorf("the registry was asked %d times", tries)
	}
	if ev := f.Events(); len(ev) != 0 {
		t.Errorf("did something: %v", ev)
	}
}
