package release

import (
	"context"
	"io"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// Release takes a run.Engine: --check-reproducible builds every target
// again through run, so it needs what run needs (its own calls are a
// subset). The helpers below take only what they call.

// copier copies files in and out of a release container.
type copier interface {
	CopyTo(ctx context.Context, id, dir string, tar io.Reader) error
	CopyFrom(ctx context.Context, id, path string) (io.ReadCloser, error)
}

// execer runs a command in a running container.
type execer interface {
	Exec(ctx context.Context, id string, cmd []string, stdin io.Reader, out io.Writer) (int, error)
}

// imageBuilder finds and builds the release-tools image.
type imageBuilder interface {
	Image(ctx context.Context, ref string) (engine.Image, error)
	Build(ctx context.Context, req engine.BuildRequest) error
}

// boxEngine runs a release container to its end, files in and out.
type boxEngine interface {
	engine.OneShot
	copier
}
