// Package lifecycle knows which dbuilder runs are alive and removes what dead
// runs left behind.
package lifecycle

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// Heartbeats: the owner writes a byte to its anchor every HeartbeatEvery;
// the anchor exits when none came for HeartbeatTimeout. So an anchor
// outlives its owner by at most HeartbeatTimeout, however slowly the daemon
// notices the dropped connection.
const (
	HeartbeatEvery   = time.Second
	HeartbeatTimeout = 5 * time.Second
)

// anchorScript reads heartbeats; it ends on EOF (the owner closed or died
// and the daemon noticed) or on silence (the owner died and the daemon has
// not noticed yet). timeout, head and wc are in coreutils and busybox.
var anchorScript = `while [ "$(timeout ` + strconv.Itoa(int(HeartbeatTimeout/time.Second)) + ` head -c 1 | wc -c)" -eq 1 ]; do :; done`

// Anchor proves that a run is alive: a container whose stdin is attached to
// this process and fed heartbeats. When dbuilder exits or is killed (even
// SIGKILL, even on a remote daemon) the anchor exits and removes itself.
// Its labels name the owning process, so a checker on the same host can
// tell at once that a killed owner is gone (see Liveness).
type Anchor struct {
	ID    string
	eng   Engine
	mu    sync.Mutex
	stdin io.WriteCloser
	stop  chan struct{}
	done  chan struct{}
}

// StartAnchor starts the anchor of run from image (any image with sh and
// coreutils or busybox).
func StartAnchor(ctx context.Context, eng Engine, image string, run ident.Run) (*Anchor, error) {
	lb := run.Labels(labels.RoleAnchor, ident.Target{})
	Self().Labels(lb)
	id, err := engine.Create(ctx, eng, engine.ContainerSpec{
		Name: run.Anchor(), Image: image, Entrypoint: []string{"sh", "-c", anchorScript},
		NetworkMode: "none", OpenStdin: true, AutoRemove: true, Labels: lb,
	})
	if err != nil {
		return nil, fmt.Errorf("run anchor: %w", err)
	}
	a := &Anchor{ID: id, eng: eng, stop: make(chan struct{}), done: make(chan struct{})}
	// Attach before start so stdin is connected from the first moment.
	a.stdin, err = eng.ContainerAttachStdin(ctx, id)
	if err == nil {
		err = eng.ContainerStart(ctx, id)
	}
	if err != nil {
		close(a.done)
		a.Close()
		return nil, fmt.Errorf("run anchor: %w", err)
	}
	go a.beat()
	return a, nil
}

func (a *Anchor) beat() {
	defer close(a.done)
	t := time.NewTicker(HeartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			if _, err := a.stdin.Write([]byte{'\n'}); err != nil {
				return
			}
		}
	}
}

// Close ends the run: the anchor exits and removes itself.
func (a *Anchor) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-a.stop:
		return // closed already
	default:
		close(a.stop)
	}
	<-a.done
	if a.stdin != nil {
		a.stdin.Close()
	}
	engine.RemoveContainer(a.eng, a.ID)
}
