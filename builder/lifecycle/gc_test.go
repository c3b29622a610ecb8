package lifecycle

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// A world of runs on one fake daemon, to check gc's decisions.
type world struct {
	t *testing.T
	f *enginefake.Fake
}

func newWorld(t *testing.T) *world {
	f := enginefake.New("host")
	f.AddImage("debian:bookworm", nil)
	return &world{t: t, f: f}
}

// run gives run a sidecar and a socket volume, and an anchor owned by
// owner unless owner is nil.
func (w *world) run(id string, owner *Owner) ident.Run {
	w.t.Helper()
	r := ident.Run{ID: id, Version: "v"}
	tg := ident.ForTarget("m", "debian-bookworm-"+id)
	ctx := context.Background()
	w.f.VolumeCreate(ctx, r.Socket(tg), r.Labels(labels.RoleSocket, tg))
	w.f.VolumeCreate(ctx, tg.Cache, ident.Kept("v").Labels(labels.RoleCache, tg))
	w.start(engine.ContainerSpec{Name: tg.Lock, Image: "debian:bookworm", Labels: r.Labels(labels.RoleSidecar, tg),
		Mounts: []engine.Mount{{Type: "volume", Source: tg.Cache, Target: "/var/lib/docker"}, {Type: "volume", Source: r.Socket(tg), Target: "/s"}}})
	if owner != nil {
		lb := r.Labels(labels.RoleAnchor, ident.Target{})
		owner.Labels(lb)
		w.start(engine.ContainerSpec{Name: r.Anchor(), Image: "debian:bookworm", Labels: lb, OpenStdin: true})
	}
	return r
}

func (w *world) start(spec engine.ContainerSpec) string {
	w.t.Helper()
	id, err := w.f.ContainerCreate(context.Background(), spec)
	if err != nil {
		w.t.Fatal(err)
	}
	w.f.ContainerStart(context.Background(), id)
	return id
}

func runsOf(items []Leftover) []string {
	var out []string
	for _, it := range items {
		if !slices.Contains(out, it.Run) {
			out = append(out, it.Run)
		}
	}
	slices.Sort(out)
	return out
}

func TestGCDecisions(t *testing.T) {
	w := newWorld(t)
	self := Self()
	gone := self
	gone.Start++ // the same PID, started at another time: the owner died and the PID was reused
	other := self
	other.Boot = "another-host"

	w.run("nonanchor", nil)     // SIGKILLed long ago: anchor gone
	w.run("localdead", &gone)   // SIGKILLed a moment ago: anchor still running, owner gone
	w.run("locallive", &self)   // running here
	w.run("remotelive", &other) // running on another host, anchor keeps running
	remoteDying := w.run("remotedying", &other)
	// A young probe of a command without a run (doctor): kept for its grace.
	w.start(engine.ContainerSpec{Image: "debian:bookworm", Labels: ident.Kept("v").Labels(labels.RoleProbe, ident.Target{})})
	// A user's own container of dbuilder's sidecar image: it inherits the
	// image's io.dbuilder labels (managed, role sidecar-image) but no run.
	w.start(engine.ContainerSpec{Name: "users-dind", Image: "debian:bookworm", Labels: ident.Kept("v").Labels(labels.RoleSidecarImage, ident.Target{})})

	live := NewLiveness(w.f)
	live.wait = 600 * time.Millisecond
	// The dying remote run's anchor exits during gc's wait, as a killed
	// owner's does after its heartbeat timeout.
	go func() {
		time.Sleep(200 * time.Millisecond)
		w.f.ContainerRemove(context.Background(), remoteDying.Anchor())
	}()
	var waited int
	items, err := Leftovers(context.Background(), w.f, live, func(n int, d time.Duration) { waited = n })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := runsOf(items), []string{"localdead", "nonanchor", "remotedying"}; !slices.Equal(got, want) {
		t.Fatalf("gc would remove runs %v, want %v", got, want)
	}
	for _, it := range items {
		if it.Name == "users-dind" {
			t.Errorf("gc would remove a user's container of a dbuilder image: %+v", it)
		}
	}
	if waited != 2 {
		t.Errorf("gc waited for %d remote runs, want 2", waited)
	}
	for _, it := range items {
		if it.Role == labels.RoleCache {
			t.Errorf("gc lists a cache volume: %+v", it)
		}
	}
	// Containers go before volumes (a volume in use cannot be removed).
	kinds := []string{}
	for _, it := range items {
		kinds = append(kinds, it.Kind)
	}
	if !slices.IsSorted(kinds) {
		t.Errorf("order %v", kinds)
	}
	if err := Remove(context.Background(), w.f, items, "v"); err != nil {
		t.Fatal(err)
	}
	for _, n := range w.f.Names() {
		for _, dead := range []string{"localdead", "nonanchor", "remotedying"} {
			if c := w.f.ByName(n); c.Spec.Labels[labels.Run] == dead {
				t.Errorf("left %s of dead run %s", n, dead)
			}
		}
	}
	// The live runs are untouched.
	for _, r := range []string{"locallive", "remotelive"} {
		cs, _ := w.f.ContainerList(context.Background(), map[string]string{labels.Run: r})
		if len(cs) != 2 {
			t.Errorf("live run %s lost containers: %v", r, cs)
		}
	}
}

func TestLivenessImmediateForLocalOwners(t *testing.T) {
	w := newWorld(t)
	self := Self()
	gone := self
	gone.Start++
	w.run("a", &self)
	w.run("b", &gone)
	live := NewLiveness(w.f)
	start := time.Now()
	got := live.Settle(context.Background(), []string{"a", "b"}, func(int, time.Duration) { t.Error("waited for local runs") })
	if !got["a"] || got["b"] || time.Since(start) > time.Second {
		t.Errorf("settle %v in %s", got, time.Since(start))
	}
}

func TestOwnerSelf(t *testing.T) {
	o := Self()
	if !o.SameNamespace(o) || !o.Exists() {
		t.Fatalf("Self() = %+v is not seen as alive", o)
	}
	lb := map[string]string{}
	o.Labels(lb)
	if OwnerFrom(lb) != o {
		t.Errorf("labels round trip: %+v", OwnerFrom(lb))
	}
	o.Start++
	if o.Exists() {
		t.Error("a different start time must not count as the same process")
	}
}

func TestAnchorHeartbeatAndClose(t *testing.T) {
	f := enginefake.New("host")
	f.AddImage("debian:bookworm", nil)
	run := ident.NewRun("v")
	a, err := StartAnchor(context.Background(), f, "debian:bookworm", run)
	if err != nil {
		t.Fatal(err)
	}
	if NewLiveness(f).State(context.Background(), run.ID) != Alive {
		t.Error("a fresh anchor owned by this process is not alive")
	}
	a.Close()
	a.Close() // twice is fine
	if NewLiveness(f).State(context.Background(), run.ID) != Dead {
		t.Errorf("closed anchor still alive: %v", f.Names())
	}
}
