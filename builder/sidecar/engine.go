package sidecar

import (
	"context"
	"io"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// Engine is what sidecar needs of the host daemon: its image, the sidecar
// container and socket volume, the privilege probe and the preload's export.
// The inner daemon is reached through Inner, as an InnerEngine.
type Engine interface {
	engine.Locker
	Build(ctx context.Context, req engine.BuildRequest) error
	ContainerStop(ctx context.Context, id string, timeout time.Duration) error
	Exec(ctx context.Context, id string, cmd []string, stdin io.Reader, out io.Writer) (int, error)
	Image(ctx context.Context, ref string) (engine.Image, error)
	ImageSave(ctx context.Context, refs []string) (io.ReadCloser, error)
	Inner(ctx context.Context, id, host string) (engine.Engine, error)
	NetworkMTU(ctx context.Context, name string) (int, error)
	VolumeCreate(ctx context.Context, name string, labels map[string]string) error
	VolumeRemove(ctx context.Context, name string) error
}

// InnerEngine is what is done with the sidecar's own daemon: wait for it,
// clear what earlier runs left in it, preload images into it, close it.
type InnerEngine interface {
	Close() error
	ContainerList(ctx context.Context, labels map[string]string) ([]engine.Container, error)
	ContainerRemove(ctx context.Context, id string) error
	Image(ctx context.Context, ref string) (engine.Image, error)
	ImageLoad(ctx context.Context, tar io.Reader) error
	// ImageList and ImageRemove let the package tests drop older testbed
	// images from the target's daemon.
	ImageList(ctx context.Context, labels map[string]string) ([]engine.Image, error)
	ImageRemove(ctx context.Context, ref string) error
	Info(ctx context.Context) (engine.Info, error)
	NetworkList(ctx context.Context) ([]engine.Network, error)
	NetworkRemove(ctx context.Context, id string) error
}
