package sidecar

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// Sidecar decisions against an in-memory daemon; TestSidecarReal covers
// the real one.

func fakeConfig(f *enginefake.Fake, alive func(context.Context, string) bool) Config {
	img := ImageFor("", "v")
	f.AddImage(img.Ref, nil)
	f.AddImage("debian:bookworm", nil)
	var log strings.Builder
	return Config{Image: img, Mode: CapSet, Run: ident.NewRun("v"), Target: ident.ForTarget("m", "debian-bookworm"), Alive: alive, Log: &log}
}

func TestFakeStartStop(t *testing.T) {
	f := enginefake.New("host")
	cfg := fakeConfig(f, nil)
	in := f.InnerFor(cfg.Target.Cache)
	in.AddImage("debian:bookworm", nil)
	in.ContainerCreate(context.Background(), engine.ContainerSpec{Name: "db", Image: "debian:bookworm"})
	in.AddNetwork("n")
	sc, err := Start(context.Background(), f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sc.Cleared, []string{"container db", "network n"}) {
		t.Errorf("cleared %v", sc.Cleared)
	}
	// The test starts a container in the inner daemon; Stop removes it.
	in.ContainerCreate(context.Background(), engine.ContainerSpec{Name: "db2", Image: "debian:bookworm"})
	if err := sc.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := f.Names(); len(n) != 0 {
		t.Errorf("host containers left: %v", n) // cgroup cleaner and sidecar included
	}
	if n := in.Names(); len(n) != 0 {
		t.Errorf("inner containers left: %v", n)
	}
	if v := f.VolumeNames(); !slices.Equal(v, []string{cfg.Target.Cache}) {
		t.Errorf("volumes %v: want only the cache", v)
	}
}

func TestFakeLockWaitsThenTakesOver(t *testing.T) {
	f := enginefake.New("host")
	aliveNow := true
	cfg := fakeConfig(f, func(context.Context, string) bool { return aliveNow })
	other := cfg
	other.Run = ident.NewRun("v")
	first, err := Start(context.Background(), f, other)
	if err != nil {
		t.Fatal(err)
	}
	// While the holder's run is alive, a second start waits.
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	_, err = Start(ctx, f, cfg)
	cancel()
	if err == nil || !strings.Contains(cfg.Log.(*strings.Builder).String(), "in use by run "+other.Run.ID) {
		t.Fatalf("did not wait: %v %q", err, cfg.Log)
	}
	if f.ByName(cfg.Target.Lock) == nil || f.ByName(cfg.Target.Lock).ID != first.ID {
		t.Fatal("the holder's sidecar was touched")
	}
	// The holder's run dies (its sidecar stays, as after SIGKILL): taken over.
	aliveNow = false
	sc, err := Start(context.Background(), f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	if sc.ID == first.ID || !strings.Contains(cfg.Log.(*strings.Builder).String(), "which no longer exists") {
		t.Errorf("no takeover: %q", cfg.Log)
	}
}

func TestFakePreload(t *testing.T) {
	f := enginefake.New("host")
	cfg := fakeConfig(f, nil)
	f.AddImage("db:1", nil)
	sc, err := Start(context.Background(), f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	r, err := sc.Preload(context.Background(), []string{"db:1"})
	if err != nil || !slices.Equal(r.Loaded, []string{"db:1"}) {
		t.Fatalf("%+v %v", r, err)
	}
	r, _ = sc.Preload(context.Background(), []string{"db:1"})
	if !slices.Equal(r.Reused, []string{"db:1"}) {
		t.Errorf("second preload copied again: %+v", r)
	}
	if _, err := sc.Preload(context.Background(), []string{"missing:1"}); err == nil || !strings.Contains(err.Error(), "not on the host daemon") {
		t.Errorf("missing image: %v", err)
	}
}

func TestFakeSidecarDiesBeforeReady(t *testing.T) {
	f := enginefake.New("host")
	cfg := fakeConfig(f, nil)
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() == labels.RoleSidecar {
			return func(c *enginefake.Container, _ <-chan struct{}) int { c.Log("failed to start daemon: boom"); return 1 }
		}
		return nil
	}
	_, err := Start(context.Background(), f, cfg)
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v", err)
	}
	if n := f.Names(); len(n) != 0 {
		t.Errorf("left %v", n)
	}
	if v := f.VolumeNames(); !slices.Equal(v, []string{cfg.Target.Cache}) {
		t.Errorf("volumes %v", v)
	}
}

func TestFakeDetectMode(t *testing.T) {
	f := enginefake.New("host")
	f.AddImage("img", nil)
	if m, err := DetectMode(context.Background(), f, "img", ident.NewRun("v")); err != nil || m != Privileged {
		t.Errorf("%v %v", m, err)
	}
	f.RefusePrivileged = true
	if m, err := DetectMode(context.Background(), f, "img", ident.NewRun("v")); err != nil || m != CapSet {
		t.Errorf("%v %v", m, err)
	}
	if n := f.Names(); len(n) != 0 {
		t.Errorf("probes left: %v", n)
	}
}
