package pull

import (
	"context"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// Engine is what a Puller needs of a daemon.
type Engine interface {
	Image(ctx context.Context, ref string) (engine.Image, error)
	ImagePull(ctx context.Context, ref string, opt engine.PullOptions) error
}
