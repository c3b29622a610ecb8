package sidecar_test

import (
	"context"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// onHost is what a real sidecar test starts from on the host's daemon.
type onHost struct {
	eng  engine.Engine
	img  sidecar.Image
	run  ident.Run
	mode sidecar.Mode
}

// startOnHost gives dbuilder's sidecar image, a run with an anchor (as
// every real run has: without one, a concurrent gc would take the test's
// sidecars for a dead run's leftovers) and the privilege mode sidecars get
// on this host. When the test ends, after its other cleanups, the anchor
// goes and nothing of the run may be left.
func startOnHost(tb testing.TB, ctx context.Context) onHost {
	tb.Helper()
	h := onHost{eng: dockertest.Engine(tb)}
	h.img = dockertest.SidecarImage(tb, h.eng)
	h.run = dockertest.NewRun(tb)
	anchor, err := lifecycle.StartAnchor(ctx, h.eng, h.img.Ref, h.run)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		anchor.Close()
		dockertest.AssertClean(tb, h.eng, h.run.ID)
	})
	if h.mode, err = sidecar.DetectMode(ctx, h.eng, h.img.Ref, h.run); err != nil {
		tb.Fatal(err)
	}
	return h
}
