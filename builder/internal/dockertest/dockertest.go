// Package dockertest gives tests a real Docker engine. Without a daemon the
// test is skipped, unless DBUILDER_REQUIRE_DOCKER is set (CI sets it), in
// which case a missing daemon fails the test instead of hiding it.
package dockertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// Engine connects to the daemon or skips/fails the test.
func Engine(t testing.TB) engine.Engine {
	t.Helper()
	if testing.Short() {
		t.Skip("real-daemon test skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	eng, err := engine.New(ctx)
	if err != nil {
		if os.Getenv("DBUILDER_REQUIRE_DOCKER") != "" {
			t.Fatalf("DBUILDER_REQUIRE_DOCKER is set but: %v", err)
		}
		t.Skipf("no Docker daemon (set DBUILDER_REQUIRE_DOCKER=1 to fail instead): %v", err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// Image returns ref's ID, failing the test (with how to make it) if it is missing.
func Image(t testing.TB, eng engine.Engine, ref string) string {
	t.Helper()
	id, err := eng.ImageID(context.Background(), ref)
	if err != nil {
		if os.Getenv("DBUILDER_REQUIRE_DOCKER") != "" {
			t.Fatalf("image %s missing (run: bash scripts/setup.sh): %v", ref, err)
		}
		t.Skipf("image %s missing (run: bash scripts/setup.sh)", ref)
	}
	return id
}

// RunID returns a fresh run id for a test.
func RunID(t testing.TB) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

// AssertClean fails the test if any container or non-cache volume of run remains.
func AssertClean(t testing.TB, eng engine.Engine, run string) {
	t.Helper()
	ctx := context.Background()
	cs, err := eng.ContainerList(ctx, map[string]string{labels.Run: run})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Errorf("run %s left container %s (%s, role %s)", run, c.Name, c.State, c.Labels[labels.Role])
	}
	vs, err := eng.VolumeList(ctx, map[string]string{labels.Run: run})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("run %s left volume %s (role %s)", run, v.Name, v.Labels[labels.Role])
	}
}
