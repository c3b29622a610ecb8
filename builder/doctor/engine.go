package doctor

import (
	"context"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// Engine is what doctor asks of the daemon: its facts, the images it has or
// can pull, and what sidecar needs to check the sidecar image and the
// privilege probe.
type Engine interface {
	sidecar.Engine
	Endpoint() string
	ImageInRegistry(ctx context.Context, ref string) error
	ImageList(ctx context.Context, labels map[string]string) ([]engine.Image, error)
	Info(ctx context.Context) (engine.Info, error)
}
