package run

import (
	"context"
	"io"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/pull"
	"github.com/dbuilder/dbuilder/builder/regcache"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// Engine is what run needs of the daemon: the calls of its own pipeline
// (the builder image, the build container, copying in and out, the
// silence watch) and what it hands on to sidecar, lifecycle, pull and
// regcache.
type Engine interface {
	sidecar.Engine
	lifecycle.Engine
	pull.Engine
	regcache.Engine
	engine.Pinger
	CopyFrom(ctx context.Context, id, path string) (io.ReadCloser, error)
	CopyTo(ctx context.Context, id, dir string, tar io.Reader) error
	Info(ctx context.Context) (engine.Info, error)
	// ImageList finds the older DEP-8 testbed images to drop.
	ImageList(ctx context.Context, labels map[string]string) ([]engine.Image, error)
}
