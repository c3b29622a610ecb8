package engine

import (
	"context"
	"errors"
	"time"

	"github.com/dbuilder/dbuilder/builder/labels"
)

// LockWait is how often a waiting CreateLocked tries again.
const LockWait = time.Second

// Locker is what CreateLocked needs of an Engine.
type Locker interface {
	OneShot
	ContainerInspect(ctx context.Context, id string) (Container, error)
}

// CreateLocked creates a container whose name is a lock: the daemon refuses
// a second container of the same name. While a live run holds the name it
// waits (saying so once through waiting); a container that a dead run left
// under the name is removed (saying so through takeover) and the create is
// tried again. alive tells whether a run id still runs.
func CreateLocked(ctx context.Context, e Locker, spec ContainerSpec, alive func(ctx context.Context, run string) bool,
	waiting, takeover func(holderRun string)) (string, error) {
	said := false
	for {
		id, err := Create(ctx, e, spec)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, ErrConflict) {
			return "", err
		}
		holder, ierr := e.ContainerInspect(ctx, spec.Name)
		if errors.Is(ierr, ErrNotFound) {
			continue // gone between the two calls: try again
		}
		if ierr != nil {
			return "", ierr
		}
		run := holder.Labels[labels.Run]
		if alive != nil && !alive(ctx, run) {
			if takeover != nil {
				takeover(run)
			}
			if err := e.ContainerRemove(ctx, holder.ID); err != nil {
				return "", err
			}
			continue
		}
		if !said && waiting != nil {
			waiting(run)
			said = true
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(LockWait):
		}
	}
}
