// Package lifecycle knows which dbuilder runs are alive and removes what dead
// runs left behind.
package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// NewRunID returns a short random run id.
func NewRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Anchor proves that a run is alive. It is a container running `cat` with
// its stdin attached to this process: when dbuilder exits or is killed
// (even SIGKILL, even on a remote daemon), the daemon drops the connection,
// cat reads EOF and the container exits and removes itself. So "the run's
// anchor is running" is the liveness test that gc and cache locks trust; no
// PID files, no clocks, and it works across hosts.
type Anchor struct {
	ID    string
	stdin io.WriteCloser
	eng   engine.Engine
}

// StartAnchor starts the anchor of run from image (any image with `cat`).
func StartAnchor(ctx context.Context, eng engine.Engine, image, run, version string) (*Anchor, error) {
	id, err := eng.ContainerCreate(ctx, engine.ContainerSpec{
		Name: "dbuilder-run-" + run, Image: image, Entrypoint: []string{"cat"},
		NetworkMode: "none", OpenStdin: true, AutoRemove: true,
		Labels: labels.For(run, "", "", labels.RoleAnchor, version),
	})
	if err != nil {
		return nil, fmt.Errorf("run anchor: %w", err)
	}
	a := &Anchor{ID: id, eng: eng}
	// Attach before start so stdin is connected from the first moment.
	a.stdin, err = eng.ContainerAttachStdin(ctx, id)
	if err == nil {
		err = eng.ContainerStart(ctx, id)
	}
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("run anchor: %w", err)
	}
	return a, nil
}

// Close ends the run: the anchor exits and removes itself.
func (a *Anchor) Close() {
	if a.stdin != nil {
		a.stdin.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = a.eng.ContainerRemove(ctx, a.ID)
}

// Alive reports whether run's anchor is running. Errors count as alive: gc
// must never remove a live run's resources because a call failed.
func Alive(ctx context.Context, eng engine.Engine, run string) bool {
	if run == "" {
		return false
	}
	cs, err := eng.ContainerList(ctx, map[string]string{labels.Run: run, labels.Role: labels.RoleAnchor})
	if err != nil {
		return true
	}
	for _, c := range cs {
		if c.Running {
			return true
		}
	}
	return false
}
