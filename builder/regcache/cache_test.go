package regcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
)

const (
	repo  = "127.0.0.1:5000/dbuilder-cache"
	tag   = "builder-debian-bookworm-0123456789ab"
	local = "dbuilder/builder-debian-bookworm:0123456789ab"
)

var ctx = context.Background()

// said collects the run-wide lines.
type said []string

func (s *said) say(l string) { *s = append(*s, l) }

func (s said) count(sub string) int {
	n := 0
	for _, l := range s {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

// events lists f's events starting with one of the prefixes.
func events(f *enginefake.Fake, prefixes ...string) []string {
	var out []string
	for _, e := range f.Events() {
		for _, p := range prefixes {
			if strings.HasPrefix(e, p) {
				out = append(out, e)
			}
		}
	}
	return out
}

func accept(engine.Image) error { return nil }

// One daemon builds and stores, another (empty, same registry) fetches
// the very image, under the local name only.
func TestStoreThenFetchOnAnotherDaemon(t *testing.T) {
	a := enginefake.New("a")
	id := a.AddImage(local, map[string]string{"k": "v"})
	var log strings.Builder
	pushed, err := New(a, Options{Repo: repo}).Store(ctx, local, tag, &log)
	if err != nil || !pushed {
		t.Fatalf("store: %v %v\n%s", pushed, err, log.String())
	}
	if _, err := a.Image(ctx, repo+":"+tag); err == nil {
		t.Error("the registry's name stays on the daemon after the push")
	}

	b := enginefake.New("b")
	b.ShareRegistry(a)
	var seen engine.Image
	log.Reset()
	got, err := New(b, Options{Repo: repo}).Fetch(ctx, tag, local, func(img engine.Image) error { seen = img; return nil }, &log)
	if err != nil || !got {
		t.Fatalf("fetch: %v %v\n%s", got, err, log.String())
	}
	img, err := b.Image(ctx, local)
	if err != nil || img.ID != id || seen.Labels["k"] != "v" {
		t.Errorf("local image %+v (%v), checked %+v; want ID %s", img, err, seen, id)
	}
	if _, err := b.Image(ctx, repo+":"+tag); err == nil {
		t.Error("the registry's name stays on the daemon after the pull")
	}
	if !strings.Contains(log.String(), "pulled from the cache registry") {
		t.Errorf("log:\n%s", log.String())
	}
}

func TestFetchMiss(t *testing.T) {
	f := enginefake.New("a")
	var s said
	var log strings.Builder
	got, err := New(f, Options{Repo: repo, Say: s.say}).Fetch(ctx, tag, local, accept, &log)
	if got || err != nil || !strings.Contains(log.String(), "not in the cache registry yet") || len(s) != 0 {
		t.Errorf("fetch %v %v, said %v, log:\n%s", got, err, s, log.String())
	}
}

// An image under the tag that the check refuses (other bases, other
// inputs) is not used, and not left on the daemon.
func TestFetchRefusesOtherImage(t *testing.T) {
	a := enginefake.New("a")
	a.AddImage(local, nil)
	New(a, Options{Repo: repo}).Store(ctx, local, tag, &strings.Builder{})
	b := enginefake.New("b")
	b.ShareRegistry(a)
	var log strings.Builder
	got, err := New(b, Options{Repo: repo}).Fetch(ctx, tag, local, func(engine.Image) error { return errors.New("built FROM other base images") }, &log)
	if got || err != nil || !strings.Contains(log.String(), "is not the image this target needs (built FROM other base images)") {
		t.Errorf("fetch %v %v, log:\n%s", got, err, log.String())
	}
	for _, ref := range []string{local, repo + ":" + tag} {
		if _, err := b.Image(ctx, ref); err == nil {
			t.Errorf("%s is on the daemon", ref)
		}
	}
}

// A registry that cannot be reached is asked once and said once; nothing
// more is pulled or pushed.
func TestDownSaidOnce(t *testing.T) {
	f := enginefake.New("a")
	f.AddImage(local, nil)
	asked := 0
	f.OnPull = func(ref string) error {
		asked++
		return &engine.RegistryError{What: "pull " + ref, Kind: engine.ErrUnreachable, Reason: "dial tcp 127.0.0.1:5000: connect: connection refused"}
	}
	f.OnPush = func(string) error { t.Error("pushed to a registry that is down"); return nil }
	var s said
	c := New(f, Options{Repo: repo, Say: s.say})
	for i := range 3 {
		var log strings.Builder
		if got, err := c.Fetch(ctx, fmt.Sprintf("t%d", i), local, accept, &log); got || err != nil {
			t.Fatalf("fetch %v %v", got, err)
		}
		if pushed, err := c.Store(ctx, local, fmt.Sprintf("t%d", i), &log); pushed || err != nil {
			t.Fatalf("store %v %v", pushed, err)
		}
	}
	if asked != 1 || len(s) != 1 || s.count("cache registry 127.0.0.1:5000 cannot be reached (dial tcp") != 1 || s.count("the build goes on") != 1 {
		t.Errorf("asked %d times; said %q", asked, s)
	}
}

// A refused push warns once; pulls go on (read-only credentials).
func TestPushRefusedWarnsOnce(t *testing.T) {
	f := enginefake.New("a")
	f.AddImage(local, nil)
	pushes := 0
	f.OnPush = func(ref string) error {
		pushes++
		return &engine.RegistryError{What: "push " + ref, Kind: engine.ErrDenied, Reason: "unauthorized: authentication required"}
	}
	var s said
	c := New(f, Options{Repo: repo, Say: s.say})
	for _, tg := range []string{"a", "b", "c"} {
		c.Fetch(ctx, tg, local, accept, &strings.Builder{})
		if pushed, err := c.Store(ctx, local, tg, &strings.Builder{}); pushed || err != nil {
			t.Fatalf("store %v %v", pushed, err)
		}
	}
	if pushes != 1 || len(s) != 1 || s.count("warning: cache registry 127.0.0.1:5000 refused a push (unauthorized: authentication required)") != 1 ||
		s.count("docker login 127.0.0.1:5000") != 1 {
		t.Errorf("%d pushes; said %q", pushes, s)
	}
	if n := len(events(f, "pull ")); n != 0 {
		t.Errorf("%d pulls of missing tags succeeded?", n)
	}
	if _, err := f.Image(ctx, repo+":a"); err == nil {
		t.Error("the registry's name stays after a refused push")
	}
}

// Credentials a pull is refused with are not tried for a push either: one
// warning, and the build goes on.
func TestBadCredentials(t *testing.T) {
	f := enginefake.New("a")
	f.AddImage(local, nil)
	f.OnPull = func(ref string) error {
		return &engine.RegistryError{What: "pull " + ref, Kind: engine.ErrDenied, Reason: "unauthorized: authentication required"}
	}
	f.OnPush = func(string) error { t.Error("pushed with refused credentials"); return nil }
	var s said
	c := New(f, Options{Repo: repo, Say: s.say})
	var log strings.Builder
	c.Fetch(ctx, tag, local, accept, &log)
	c.Store(ctx, local, tag, &log)
	if len(s) != 1 || s.count("refused dbuilder's credentials") != 1 || !strings.Contains(log.String(), "not pushed to the cache registry") {
		t.Errorf("said %q, log:\n%s", s, log.String())
	}
}

// --pull never: nothing is pulled (said once); what is built is pushed.
func TestNoPull(t *testing.T) {
	f := enginefake.New("a")
	f.AddImage(local, nil)
	f.OnPull = func(string) error { t.Error("pulled under --pull never"); return nil }
	var s said
	c := New(f, Options{Repo: repo, NoPull: true, Say: s.say})
	for range 2 {
		if got, err := c.Fetch(ctx, tag, local, accept, &strings.Builder{}); got || err != nil {
			t.Fatalf("fetch %v %v", got, err)
		}
	}
	if pushed, _ := c.Store(ctx, local, tag, &strings.Builder{}); !pushed {
		t.Error("not pushed")
	}
	if len(s) != 1 || s.count("--pull never") != 1 {
		t.Errorf("said %q", s)
	}
}

// Publish pushes only what the registry lacks.
func TestPublish(t *testing.T) {
	f := enginefake.New("a")
	f.AddImage(local, nil)
	c := New(f, Options{Repo: repo})
	for i, want := range []bool{true, false} {
		var log strings.Builder
		pushed, err := c.Publish(ctx, local, tag, &log)
		if err != nil || pushed != want {
			t.Errorf("publish %d: pushed %v (%v), want %v\n%s", i, pushed, err, want, log.String())
		}
	}
	if got := events(f, "push "); !slices.Equal(got, []string{"push " + repo + ":" + tag}) {
		t.Errorf("pushes %v", got)
	}
}

func TestNilCache(t *testing.T) {
	var c *Cache = New(enginefake.New("a"), Options{})
	if c != nil {
		t.Fatal("a cache without a repository")
	}
	got, err1 := c.Fetch(ctx, tag, local, accept, &strings.Builder{})
	pushed, err2 := c.Store(ctx, local, tag, &strings.Builder{})
	published, err3 := c.Publish(ctx, local, tag, &strings.Builder{})
	if got || pushed || published || errors.Join(err1, err2, err3) != nil {
		t.Error("a nil cache did something")
	}
}

// A cancelled run ends a fetch with the context's error.
func TestFetchCancelled(t *testing.T) {
	f := enginefake.New("a")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := New(f, Options{Repo: repo}).Fetch(cctx, tag, local, accept, &strings.Builder{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

// Targets that start at once do not each ask a registry that is down:
// the first call's answer is waited for.
func TestDownAskedOnceAtOnce(t *testing.T) {
	f := enginefake.New("a")
	var asked atomic.Int32
	f.OnPull = func(ref string) error {
		asked.Add(1)
		time.Sleep(50 * time.Millisecond)
		return &engine.RegistryError{What: "pull " + ref, Kind: engine.ErrUnreachable, Reason: "connection refused"}
	}
	var s said
	var mu sync.Mutex
	c := New(f, Options{Repo: repo, Say: func(l string) { mu.Lock(); s.say(l); mu.Unlock() }})
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() { c.Fetch(ctx, fmt.Sprintf("t%d", i), local, accept, io.Discard) })
	}
	wg.Wait()
	if asked.Load() != 1 || len(s) != 1 {
		t.Errorf("asked %d times, said %q", asked.Load(), s)
	}
}
