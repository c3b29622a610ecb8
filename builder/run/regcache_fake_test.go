package run

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// The cache registry against in-memory daemons sharing one registry: what
// is built, pulled, pushed and said.

const cacheRepo = "127.0.0.1:5000/dbuilder-cache"

// threeMatrix is three targets of one distro with one builder image.
const threeMatrix = `name: threepkg
version: 1.0.0
source: %s
matrix:
  distro: [debian:bookworm]
  flavor: [a, b, c]
test:
  command: make check
`

func withCache(opt *Options) { opt.Cache = cacheRepo }

// eventsWith lists f's events that start with prefix.
func eventsWith(f *enginefake.Fake, prefix string) []string {
	var out []string
	for _, e := range f.Events() {
		if strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// freshLike returns an empty daemon sharing from's registry, with the
// images a job would pull (the same IDs: they come from one registry).
func freshLike(t *testing.T, from *enginefake.Fake, refs ...string) *enginefake.Fake {
	t.Helper()
	f := newFake()
	f.ShareRegistry(from)
	rc, err := from.ImageSave(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ImageLoad(context.Background(), rc); err != nil {
		t.Fatal(err)
	}
	return f
}

// A daemon builds and pushes each builder image; a fresh one with the same
// base images pulls them all and builds none, and uses the very images.
func TestFakeCachePushThenPull(t *testing.T) {
	a := newFake()
	jobs := fakeJobs(t, fakeMatrix)
	res, log, err := fakeBuild(t, context.Background(), a, jobs, t.TempDir(), withCache)
	if err != nil || res[0].BuilderImagePulled != "" {
		t.Fatalf("%v %+v\n%s", err, res, log)
	}
	got := eventsWith(a, "push ")
	slices.Sort(got)
	if want := []string{"push " + cacheRepo + ":" + jobs[0].CacheTag, "push " + cacheRepo + ":" + jobs[1].CacheTag}; !slices.Equal(got, want) {
		t.Errorf("pushes %v, want %v", got, want)
	}

	sc := sidecar.ImageFor("", fakeVersion).Ref
	b := freshLike(t, a, "debian:bookworm", "debian:trixie", "example/mariadb:10.11", sc)
	res, log, err = fakeBuild(t, context.Background(), b, jobs, t.TempDir(), withCache)
	if err != nil {
		t.Fatal(err)
	}
	if got := eventsWith(b, "build dbuilder/builder-"); len(got) != 0 {
		t.Errorf("the fresh daemon built %v\n%s", got, log)
	}
	for i, j := range jobs {
		if !res[i].OK || res[i].BuilderImagePulled != cacheRepo+":"+j.CacheTag || res[i].BuilderImageReused {
			t.Errorf("%s: %+v", j.Name(), res[i])
		}
		ia, _ := a.Image(context.Background(), j.ImageTag)
		ib, err := b.Image(context.Background(), j.ImageTag)
		if err != nil || ia.ID != ib.ID {
			t.Errorf("%s: %s on the fresh daemon (%v), %s where it was built", j.Name(), ib.ID, err, ia.ID)
		}
	}
	if !strings.Contains(log, "pulled from the cache registry") || len(eventsWith(b, "push ")) != 0 {
		t.Errorf("log or pushes:\n%s\n%v", log, eventsWith(b, "push "))
	}
}

// An image whose base images differ from this daemon's is not used: the
// target builds its own, and pushes it in its place.
func TestFakeCacheOtherBases(t *testing.T) {
	a := newFake()
	jobs := fakeJobs(t, threeMatrix)
	if _, log, err := fakeBuild(t, context.Background(), a, jobs, t.TempDir(), withCache); err != nil {
		t.Fatal(err, log)
	}
	b := newFake()
	b.AddImage("debian:bookworm", nil) // made on this machine: another ID
	b.ShareRegistry(a)
	res, log, err := fakeBuild(t, context.Background(), b, jobs, t.TempDir(), withCache)
	if err != nil || !res[0].OK || res[0].BuilderImagePulled != "" {
		t.Fatalf("%v %+v\n%s", err, res, log)
	}
	if !strings.Contains(log, "is not the image this target needs (built FROM debian:bookworm@sha256:host") {
		t.Errorf("log:\n%s", log)
	}
	if n := len(eventsWith(b, "build dbuilder/builder-")); n != 1 {
		t.Errorf("%d builds", n)
	}
	img, _ := b.Image(context.Background(), jobs[0].ImageTag)
	if remote, _ := b.Remote(cacheRepo + ":" + jobs[0].CacheTag); remote.ID != img.ID {
		t.Errorf("the registry holds %s, not the image built in its place %s", remote.ID, img.ID)
	}
}

// Three targets sharing one builder image, at once: it is looked up, built
// and pushed once; the other two reuse it.
func TestFakeCacheSharedImageOnce(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, threeMatrix)
	res, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), func(o *Options) { withCache(o); o.Jobs = 3 })
	if err != nil {
		t.Fatal(err)
	}
	reused := 0
	for _, r := range res {
		if !r.OK {
			t.Fatalf("%+v\n%s", r, log)
		}
		if r.BuilderImageReused {
			reused++
		}
	}
	if b, p := eventsWith(f, "build dbuilder/builder-"), eventsWith(f, "push "); len(b) != 1 || len(p) != 1 || reused != 2 {
		t.Errorf("builds %v, pushes %v, %d reused\n%s", b, p, reused, log)
	}
}

// A registry that is down, for two targets with two images: said once,
// both pass.
func TestFakeCacheDownSaidOnce(t *testing.T) {
	f := newFake()
	f.OnPull = func(ref string) error {
		if strings.HasPrefix(ref, cacheRepo) {
			return &engine.RegistryError{What: "pull " + ref, Kind: engine.ErrUnreachable, Reason: "dial tcp 127.0.0.1:5000: connect: connection refused"}
		}
		return nil
	}
	res, log, err := fakeBuild(t, context.Background(), f, fakeJobs(t, fakeMatrix), t.TempDir(), withCache)
	if err != nil || !res[0].OK || !res[1].OK {
		t.Fatalf("%v %+v\n%s", err, res, log)
	}
	if n := strings.Count(log, "cannot be reached"); n != 1 {
		t.Errorf("said %d times:\n%s", n, log)
	}
}

// --images-only: one image for three targets, made once, no container or
// volume; a second run on the same daemon finds the registry has it; a
// fresh daemon pulls it.
func TestFakeImagesOnly(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, threeMatrix)
	images := func(f *enginefake.Fake) []ImageResult {
		t.Helper()
		var out strings.Builder
		res, err := Images(context.Background(), f, jobs, Options{Jobs: 3, Run: ident.NewRun(fakeVersion), Sidecar: sidecar.ImageFor("", fakeVersion), Stdout: &out, Cache: cacheRepo})
		if err != nil || len(res) != 1 || res[0].Err != nil {
			t.Fatalf("%v %+v\n%s", err, res, out.String())
		}
		return res
	}
	res := images(f)
	want := ImageResult{Name: jobs[0].CacheTag, Image: jobs[0].ImageTag, Targets: []string{jobs[0].Name(), jobs[1].Name(), jobs[2].Name()}, From: "built", Cached: cacheRepo + ":" + jobs[0].CacheTag}
	res[0].Duration = 0
	if !slices.Equal(res[0].Targets, want.Targets) || res[0].From != want.From || res[0].Cached != want.Cached || res[0].Name != want.Name {
		t.Errorf("got %+v, want %+v", res[0], want)
	}
	if len(f.Names()) != 0 || len(f.VolumeNames()) != 0 {
		t.Errorf("left %v %v", f.Names(), f.VolumeNames())
	}
	if res := images(f); res[0].From != "reused" || res[0].Cached != "" || len(eventsWith(f, "push ")) != 1 {
		t.Errorf("second run: %+v, pushes %v", res[0], eventsWith(f, "push "))
	}
	g := freshLike(t, f, "debian:bookworm")
	if res := images(g); res[0].From != "pulled" || len(eventsWith(g, "build dbuilder/builder-")) != 0 {
		t.Errorf("fresh daemon: %+v", res[0])
	}
}

// An image on the daemon that the registry lacks (built before the cache
// was set) is pushed by --images-only, not by a build.
func TestFakeImagesOnlyPublishesLocal(t *testing.T) {
	f := newFake()
	jobs := fakeJobs(t, threeMatrix)
	if _, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), nil); err != nil {
		t.Fatal(err, log)
	}
	if _, log, err := fakeBuild(t, context.Background(), f, jobs, t.TempDir(), withCache); err != nil || len(eventsWith(f, "push ")) != 0 {
		t.Fatalf("%v: a reused image was pushed by a build\n%s", err, log)
	}
	res, err := Images(context.Background(), f, jobs, Options{Run: ident.NewRun(fakeVersion), Sidecar: sidecar.ImageFor("", fakeVersion), Stdout: io.Discard, Cache: cacheRepo})
	if err != nil || res[0].From != "reused" || res[0].Cached == "" || len(eventsWith(f, "push ")) != 1 {
		t.Errorf("%v %+v, pushes %v", err, res, eventsWith(f, "push "))
	}
}

// A DEP-8 testbed image goes through the cache registry as builder images
// do: the daemon that makes it pushes it; a fresh one pulls it and makes
// none.
func TestFakeCacheTestbed(t *testing.T) {
	body := strings.Replace(fakeMatrix, "  command: make check\n", "  command: make check\n  autopkgtest: \"on\"\n", 1)
	body = strings.Replace(body, "[debian:bookworm, debian:trixie]", "[debian:bookworm]", 1)
	a := newFake()
	jobs := fakeJobs(t, body)
	res, log, err := fakeBuild(t, context.Background(), a, jobs, t.TempDir(), withCache)
	if err != nil || !res[0].OK {
		t.Fatalf("%v %+v\n%s", err, res, log)
	}
	pushed := eventsWith(a, "push "+cacheRepo+":testbed-debian-bookworm-")
	built := eventsWith(a, "build dbuilder/testbed-")
	if len(pushed) != 1 || len(built) != 1 {
		t.Fatalf("testbed built %v, pushed %v\n%s", built, pushed, log)
	}
	sc := sidecar.ImageFor("", fakeVersion).Ref
	b := freshLike(t, a, "debian:bookworm", "example/mariadb:10.11", sc, ident.TestRunnerImage(fakeVersion))
	res, log, err = fakeBuild(t, context.Background(), b, jobs, t.TempDir(), withCache)
	if err != nil || !res[0].OK {
		t.Fatalf("%v %+v\n%s", err, res, log)
	}
	if got := eventsWith(b, "build dbuilder/testbed-"); len(got) != 0 {
		t.Errorf("the fresh daemon made the testbed again: %v\n%s", got, log)
	}
	if got := eventsWith(b, "pull "+cacheRepo+":testbed-"); len(got) != 1 {
		t.Errorf("testbed pulls %v (events %v)", got, b.Events())
	}
}
