package lifecycle

import (
	"context"
	"io"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// Engine is what lifecycle needs of a daemon: anchors, liveness, gc and the
// cache listing.
type Engine interface {
	engine.OneShot
	ContainerAttachStdin(ctx context.Context, id string) (io.WriteCloser, error)
	ContainerList(ctx context.Context, labels map[string]string) ([]engine.Container, error)
	VolumeList(ctx context.Context, labels map[string]string) ([]engine.Volume, error)
	VolumeRemove(ctx context.Context, name string) error
}
