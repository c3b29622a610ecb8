package engine

import (
	"bytes"
	"context"
	"io"
	"time"
)

// OneShot is what the helpers below need of an Engine: a container's life
// from create to remove.
type OneShot interface {
	ContainerCreate(ctx context.Context, spec ContainerSpec) (string, error)
	ContainerStart(ctx context.Context, id string) error
	ContainerWait(ctx context.Context, id string) (int, error)
	ContainerLogs(ctx context.Context, id string, follow bool, tail string, w io.Writer) error
	ContainerRemove(ctx context.Context, id string) error
}

// CleanupTimeout bounds one cleanup call.
const CleanupTimeout = 60 * time.Second

// Cleanup runs fn on a fresh context with a timeout: cleanup must still run
// after the caller's context was cancelled (Ctrl-C, --timeout), and must not
// hang forever on a stuck daemon.
func Cleanup(fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), CleanupTimeout)
	defer cancel()
	return fn(ctx)
}

// RemoveContainer removes id on a fresh context; a missing one is fine.
func RemoveContainer(e OneShot, id string) error {
	return Cleanup(func(ctx context.Context) error { return e.ContainerRemove(ctx, id) })
}

// CreateTimeout bounds one container create.
const CreateTimeout = 2 * time.Minute

// Create creates a container even if ctx ends meanwhile, and then removes
// it again: a create cancelled half-way may have made the container on the
// daemon without telling us its ID, which would leave it (and the volumes
// it mounts) behind. Creating takes milliseconds, so ignoring a cancel for
// that long costs nothing.
func Create(ctx context.Context, e OneShot, spec ContainerSpec) (string, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CreateTimeout)
	defer cancel()
	id, err := e.ContainerCreate(cctx, spec)
	if err != nil {
		return "", err
	}
	if ctx.Err() != nil {
		RemoveContainer(e, id)
		return "", ctx.Err()
	}
	return id, nil
}

// RunOnce runs a short-lived container to its end and returns its exit code
// and output: create, prepare (copy files in; may be nil), start, wait,
// logs, and always remove, even when ctx is cancelled.
func RunOnce(ctx context.Context, e OneShot, spec ContainerSpec, prepare func(ctx context.Context, id string) error) (int, []byte, error) {
	id, err := Create(ctx, e, spec)
	if err != nil {
		return -1, nil, err
	}
	defer RemoveContainer(e, id)
	if prepare != nil {
		if err := prepare(ctx, id); err != nil {
			return -1, nil, err
		}
	}
	if err := e.ContainerStart(ctx, id); err != nil {
		return -1, nil, err
	}
	code, err := e.ContainerWait(ctx, id)
	if err != nil {
		return code, nil, err
	}
	var out bytes.Buffer
	if err := e.ContainerLogs(ctx, id, false, "all", &out); err != nil {
		return code, nil, err
	}
	return code, out.Bytes(), nil
}
